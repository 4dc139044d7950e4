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

// ---- byte-level helpers of the instrument and market-data tests ----------

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The framed request at `version`, as hex, or why it cannot be encoded.
pub fn encode(request: &Request, version: i32) -> Result<String, tws::protocol::EncodeError> {
    let mut out = Vec::new();
    request.encode(version, &mut out).map(|()| hex(&out))
}

/// A request-side AAPL stock on SMART (strike unset, as IB's `Contract()`).
pub fn stock() -> tws::protocol::contract::Contract {
    tws::protocol::contract::Contract {
        symbol: "AAPL".into(),
        sec_type: "STK".into(),
        strike: f64::MAX,
        exchange: "SMART".into(),
        currency: "USD".into(),
        ..Default::default()
    }
}

/// A text frame payload (text ids, below v201) of message `id` with these fields.
pub fn frame(id: i32, fields: &[&str]) -> Vec<u8> {
    let mut payload = Vec::new();
    let mut w = tws::wire::FieldWriter::new(&mut payload);
    w.int(i64::from(id));
    for f in fields {
        w.str(f);
    }
    payload
}

/// The message in a frame payload received at `version`.
pub fn decode(payload: &[u8], version: i32) -> Incoming {
    let raw = RawMessage::split(payload, version).unwrap();
    Incoming::decode(&raw, version).unwrap().unwrap()
}
