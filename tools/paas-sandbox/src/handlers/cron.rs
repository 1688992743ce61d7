//! cron handlers (spec §3).

super::stubs!(list, create, update, delete, run);
