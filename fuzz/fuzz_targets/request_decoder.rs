//! Client requests into the request decoder (what the simulator reads from
//! clients), for every request the schema table declares (`CATALOGUE`), at
//! every server version where a declared layout changes, in every form: a
//! request or a typed error, never a panic. The first three bytes pick the
//! request, the version and the form (see `schema_pick.rs`); the rest is the
//! body. Whole frame payloads go through the splitter too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tws::protocol::schema::Direction;
use tws::protocol::{RawMessage, Request};

#[path = "schema_pick.rs"]
mod schema_pick;

fuzz_target!(|data: &[u8]| {
    let Some(p) = schema_pick::pick(Direction::Out, data) else {
        return;
    };
    if let Ok(Some(req)) = Request::decode(&p.raw, p.version) {
        assert_eq!(req.name(), p.schema.name);
        let mut out = Vec::new();
        let _ = req.encode(p.version, &mut out);
    }
    if let Ok(raw) = RawMessage::split(&data[3..], p.version) {
        let _ = Request::decode(&raw, p.version);
    }
});
