//! git handlers (spec §3).

super::stubs!(
    branches,
    repos,
    contents,
    file,
    token,
    token_save,
    token_delete
);
