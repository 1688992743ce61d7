//! dbexplorer handlers (spec §3).

super::stubs!(
    tables, table, query, columns, row_insert, row_update, row_delete
);
