//! `docs/parsing.md` names every decoded log, and only those: its table of decoded logs is
//! what users read to know whether a log's body reaches them.

use std::collections::BTreeSet;

use novatel::{Log, ids};

#[test]
fn the_table_of_decoded_logs_is_the_decoders() {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/parsing.md"))
            .unwrap();
    let table = doc
        .split("### Decoded logs")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").find(|block| block.starts_with("| family")))
        .expect("a table under `### Decoded logs`");
    // Every `NAME (id)` in the table's second column.
    let documented: BTreeSet<(String, u16)> = table
        .lines()
        .skip(2)
        .flat_map(|row| row.split('|').nth(2).unwrap_or("").split(", ").map(str::to_owned))
        .map(|entry| {
            let (name, id) = entry.trim().split_once(" (").expect("NAME (id)");
            (name.to_owned(), id.trim_end_matches(')').parse().expect("an id"))
        })
        .collect();
    let decoded: BTreeSet<(String, u16)> =
        Log::IDS.iter().map(|&id| (ids::name(id).expect("a known name").to_owned(), id)).collect();
    assert_eq!(documented, decoded);
    assert!(doc.contains(&format!("\n{} logs decode", Log::IDS.len())));
}
