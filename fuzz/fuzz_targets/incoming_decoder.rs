//! Server messages into the client's decoder, for every message the schema
//! table declares (`CATALOGUE`), at every server version where a declared
//! layout changes, in every form: a message or a typed error, never a panic.
//! The first three bytes pick the message, the version and the form (see
//! `schema_pick.rs`); the rest is the body. Whole frame payloads go through
//! the splitter too, so unknown ids and broken ids are covered.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tws::protocol::schema::Direction;
use tws::protocol::{Incoming, RawMessage};

#[path = "schema_pick.rs"]
mod schema_pick;

fuzz_target!(|data: &[u8]| {
    let Some(p) = schema_pick::pick(Direction::In, data) else {
        return;
    };
    if let Ok(Some(msg)) = Incoming::decode(&p.raw, p.version) {
        assert_eq!(msg.name(), p.schema.name);
        // What decodes must encode again in some form (or refuse, typed).
        let mut out = Vec::new();
        let _ = msg.encode(p.version, &mut out);
    }
    // The same bytes as a whole frame payload: id in any form, any id.
    if let Ok(raw) = RawMessage::split(&data[3..], p.version) {
        let _ = Incoming::decode(&raw, p.version);
    }
});
