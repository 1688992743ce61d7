//! notifications handlers (spec §3).

super::stubs!(get, save, test);
