//! projects handlers (spec §3).

super::stubs!(
    list,
    get,
    create,
    rename,
    delete,
    config,
    config_update,
    redeploy
);
