//! servers handlers (spec §3).

super::stubs!(
    info,
    list,
    create,
    cloud_create,
    update,
    delete,
    test,
    public_key,
    cloudflare_status,
    cloudflare_save,
    cloudflare_delete,
    cloudflare_dns
);
