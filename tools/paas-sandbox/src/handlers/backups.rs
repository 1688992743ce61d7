//! backups handlers (spec §3).

super::stubs!(
    list,
    create,
    download,
    restore,
    delete,
    config,
    config_save,
    s3_test
);
