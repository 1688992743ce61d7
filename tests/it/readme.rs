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

    let table = paas_mcp::catalog::markdown_table();
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

/// Every catalogue tool (and no other) appears in the table, one row each.
#[test]
fn readme_table_lists_every_tool_once() {
    let table = paas_mcp::catalog::markdown_table();
    for tool in paas_mcp::catalog::all() {
        let cell = format!("| `{}` |", tool.name);
        assert_eq!(table.matches(&cell).count(), 1, "{} should appear exactly once", tool.name);
        for alias in tool.aliases {
            assert!(!table.contains(&format!("`{alias}`")), "hidden alias {alias} must not be listed");
        }
    }
}
