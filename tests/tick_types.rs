//! Our tick type table against the official client's (`ibapi.ticktype`,
//! from the venv `scripts/ibapi-venv.sh` installs): the same names under
//! the same numbers, none missing and none extra.

use std::path::Path;
use std::process::Command;

use tws::protocol::tick_types::{tick_type_name, NAMES};

#[test]
fn every_tick_type_of_the_official_client_has_its_name() {
    let out = Command::new("scripts/ibapi-venv.sh")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("scripts/ibapi-venv.sh runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let python = String::from_utf8(out.stdout).unwrap();
    let listing = Command::new(Path::new(python.trim()))
        .args([
            "-c",
            "from ibapi.ticktype import TickTypeEnum as T\n\
             for n, name in sorted(T.idx2name.items()):\n    print(n, name)\n",
        ])
        .output()
        .expect("python runs");
    assert!(
        listing.status.success(),
        "{}",
        String::from_utf8_lossy(&listing.stderr)
    );
    let theirs: Vec<(i32, String)> = String::from_utf8(listing.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let (n, name) = l.split_once(' ').expect("number and name");
            (n.parse().unwrap(), name.to_owned())
        })
        .collect();
    assert!(theirs.len() > 100, "{theirs:?}");
    for (n, name) in &theirs {
        assert_eq!(tick_type_name(*n), Some(name.as_str()), "tick type {n}");
    }
    assert_eq!(NAMES.len(), theirs.len(), "we know tick types they do not");
}
