//! Every message id of IB's official client (`ibapi-latest` 10.51.1, its
//! `ibapi/message.py` classes `IN` and `OUT`, read from the installed package
//! at test time) is one libtws encodes (OUT: a `Request`) and decodes (IN: an
//! `Incoming`), by the generated id tables (`Request::ALL`, `Incoming::ALL`)
//! and the catalogue (`CATALOGUE`). The package is installed into
//! `target/ibapi-venv` by `scripts/ibapi-venv.sh`, as for tests/conformance.rs.

use std::path::{Path, PathBuf};
use std::process::Command;

use tws::protocol::schema::{Direction, CATALOGUE};
use tws::protocol::{Incoming, Request};

/// The official client's python (installing it once if needed).
fn python() -> PathBuf {
    let out = Command::new("scripts/ibapi-venv.sh")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("scripts/ibapi-venv.sh runs");
    assert!(
        out.status.success(),
        "cannot install the official client: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}

/// The official lists: `(class, NAME, id)` for every member of `IN` and `OUT`.
fn official_ids() -> Vec<(String, String, i32)> {
    const SCRIPT: &str = "import ibapi.message as m\n\
        for cls in (m.IN, m.OUT):\n\
        \x20   for member in cls:\n\
        \x20       print(cls.__name__, member.name, int(member.value))\n";
    let out = Command::new(python())
        .args(["-c", SCRIPT])
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .output()
        .expect("the official client's python runs");
    assert!(
        out.status.success(),
        "reading ibapi/message.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let parts: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(parts.len(), 3, "unexpected line {l:?}");
            (
                parts[0].to_owned(),
                parts[1].to_owned(),
                parts[2]
                    .parse()
                    .unwrap_or_else(|_| panic!("not an id: {l:?}")),
            )
        })
        .collect()
}

/// What is missing for one official id: `None` when libtws has it.
fn missing(class: &str, name: &str, id: i32) -> Option<String> {
    let (direction, known, what) = match class {
        "OUT" => (Direction::Out, Request::name_of(id), "encode"),
        "IN" => (Direction::In, Incoming::name_of(id), "decode"),
        other => return Some(format!("unknown class {other} ({name} = {id})")),
    };
    let Some(ours) = known else {
        return Some(format!(
            "{class}.{name} = {id}: libtws cannot {what} it (no id in the generated table)"
        ));
    };
    let declared = CATALOGUE
        .iter()
        .any(|m| m.direction == direction && m.id == id && m.name == ours);
    (!declared).then(|| format!("{class}.{name} = {id}: {ours} is not in the catalogue"))
}

#[test]
fn every_official_message_id_is_encoded_or_decoded() {
    let ids = official_ids();
    let count = |class: &str| ids.iter().filter(|(c, _, _)| c == class).count();
    // ibapi 10.51.1: 85 incoming and 83 outgoing ids (a smaller count means
    // the lists were not read).
    assert!(count("IN") >= 85, "IN: {} ids read", count("IN"));
    assert!(count("OUT") >= 83, "OUT: {} ids read", count("OUT"));
    let missing: Vec<String> = ids
        .iter()
        .filter_map(|(class, name, id)| missing(class, name, *id))
        .collect();
    assert!(
        missing.is_empty(),
        "{} official message ids are missing:\n{}",
        missing.len(),
        missing.join("\n")
    );
}

#[test]
fn a_missing_id_is_named() {
    // Ids no official list uses: the check must report them, by name.
    let out = missing("OUT", "NOT_A_REQUEST", 9999).expect("9999 is not a request");
    assert!(out.contains("OUT.NOT_A_REQUEST = 9999"), "{out}");
    assert!(out.contains("cannot encode"), "{out}");
    let inc = missing("IN", "NOT_A_REPLY", 9998).expect("9998 is not a reply");
    assert!(inc.contains("cannot decode"), "{inc}");
    assert_eq!(missing("OUT", "REQ_MKT_DATA", 1), None);
    assert_eq!(missing("IN", "TICK_PRICE", 1), None);
}
