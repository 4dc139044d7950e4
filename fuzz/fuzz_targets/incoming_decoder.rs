//! Arbitrary frame payloads into the server-message decoder at every server
//! version where the wire changes shape: a message, an unknown id or a
//! typed error, never a panic. The first byte picks the version.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tws::protocol::{Incoming, RawMessage};

const VERSIONS: [i32; 8] = [150, 153, 166, 176, 194, 200, 201, 222];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, payload)) = data.split_first() else {
        return;
    };
    let version = VERSIONS[usize::from(pick) % VERSIONS.len()];
    if let Ok(raw) = RawMessage::split(payload, version) {
        if let Ok(Some(msg)) = Incoming::decode(&raw, version) {
            // What decodes must encode again in some form.
            let mut out = Vec::new();
            let _ = msg.encode(version, &mut out);
        }
    }
});
