//! Helpers the protocol tests share: one message through its encoder, the
//! frame splitter and its decoder.

#![allow(dead_code)]

use tws::protocol::{Form, Incoming, RawMessage, Request};
use tws::wire::FrameSplitter;

/// The payload of the single frame in `bytes` (fails if there are more or fewer).
pub fn one_frame(bytes: &[u8]) -> Vec<u8> {
    let mut s = FrameSplitter::new(1 << 20);
    s.push(bytes);
    let frame = s.next_frame().unwrap().expect("a whole frame").to_vec();
    assert_eq!(s.buffered(), 0, "exactly one frame");
    frame
}

/// Encodes `req` in `form` at `version`, checks the form on the wire, decodes it back.
pub fn request_round_trip(req: &Request, form: Form, version: i32) -> Request {
    let mut buf = Vec::new();
    req.encode_as(form, version, &mut buf).unwrap();
    let frame = one_frame(&buf);
    let raw = RawMessage::split(&frame, version).unwrap();
    assert_eq!(raw.form, form, "{} at {version}", req.name());
    Request::decode(&raw, version).unwrap().unwrap()
}

/// Encodes `msg` in `form` at `version`, checks the form on the wire, decodes it back.
pub fn incoming_round_trip(msg: &Incoming, form: Form, version: i32) -> Incoming {
    let mut buf = Vec::new();
    msg.encode_as(form, version, &mut buf).unwrap();
    let frame = one_frame(&buf);
    let raw = RawMessage::split(&frame, version).unwrap();
    assert_eq!(raw.form, form, "{} at {version}", msg.name());
    Incoming::decode(&raw, version).unwrap().unwrap()
}
