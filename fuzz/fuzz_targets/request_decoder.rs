//! Arbitrary frame payloads into the request decoder (what the simulator
//! reads from clients) at every server version where the wire changes shape.
//! The first byte picks the version.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tws::protocol::{RawMessage, Request};

const VERSIONS: [i32; 8] = [71, 72, 150, 176, 200, 201, 207, 222];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, payload)) = data.split_first() else {
        return;
    };
    let version = VERSIONS[usize::from(pick) % VERSIONS.len()];
    if let Ok(raw) = RawMessage::split(payload, version) {
        if let Ok(Some(req)) = Request::decode(&raw, version) {
            let mut out = Vec::new();
            let _ = req.encode(version, &mut out);
        }
    }
});
