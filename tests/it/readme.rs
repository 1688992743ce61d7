//! README.md stays true: its tool table is generated from the catalogue.

use std::path::Path;

const BEGIN: &str = "<!-- BEGIN GENERATED TOOLS -->";
const END: &str = "<!-- END GENERATED TOOLS -->";

/// Fails when the README table differs from the catalogue; `UPDATE_README=1` rewrites it.
#[test]
fn readme_tool_table_matches_the_catalogue() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md is readable");
    let start = readme.find(BEGIN).expect("README has the BEGIN marker") + BEGIN.len();
    let end = readme.find(END).expect("README has the END marker");
    assert!(start <= end, "README markers are out of order");

    let table = paas_mcp::catalog::docs::markdown_table();
    let fresh = format!("\n{}\n", table.trim_end());
    if readme[start..end] == fresh {
        return;
    }
    if std::env::var_os("UPDATE_README").is_some() {
        let updated = format!("{}{}{}", &readme[..start], fresh, &readme[end..]);
        std::fs::write(&path, updated).expect("README.md is writable");
        return;
    }
    panic!(
        "the README tool table is stale: run `UPDATE_README=1 cargo test --test it readme` and commit README.md"
    );
}

/// Every catalogue tool has exactly one row, and the table has no other rows.
#[test]
fn readme_table_lists_every_tool_once() {
    let table = paas_mcp::catalog::docs::markdown_table();
    let rows = table.lines().filter(|l| l.starts_with("| `")).count();
    assert_eq!(rows, paas_mcp::catalog::all().len());
    for tool in paas_mcp::catalog::all() {
        let cell = format!("\n| `{}`", tool.name);
        assert_eq!(
            table.matches(&cell).count(),
            1,
            "{} should have exactly one row",
            tool.name
        );
    }
}
