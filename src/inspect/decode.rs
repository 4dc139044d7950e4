//! Decoding a captured byte stream: length-prefixed frames as they travel
//! after the handshake, each described as one JSON line.

use crate::protocol::{Incoming, RawMessage, Request};
use crate::wire::{DEFAULT_MAX_FRAME_LEN, LENGTH_PREFIX};

use super::json::{form_name, JsonObject};

/// Which way the frames travelled, from the client's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Server to client: the messages of [`Incoming`].
    In,
    /// Client to server: the requests of [`Request`].
    Out,
}

impl Direction {
    /// `in` or `out`.
    pub fn name(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
        }
    }

    /// Parses `in` or `out`.
    pub fn parse(text: &str) -> Option<Direction> {
        match text {
            "in" => Some(Direction::In),
            "out" => Some(Direction::Out),
            _ => None,
        }
    }
}

/// One frame of a stream, described.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedFrame {
    /// Where the frame's length prefix starts in the stream.
    pub offset: usize,
    /// Whether the frame decoded into a known message.
    pub ok: bool,
    /// `{"offset":N,"id":..,"name":..,"form":..,"fields":{..}}`, or the same
    /// with `"error"` instead of `"fields"`.
    pub json: String,
}

/// Decodes every frame of `stream` (as received at `server_version`) into
/// one JSON line each. A frame that does not decode is reported and skipped;
/// a stream that ends inside a frame ends with an error line. Zero-length
/// frames are skipped, as TWS clients do.
pub fn decode_stream(
    stream: &[u8],
    server_version: i32,
    direction: Direction,
) -> Vec<DecodedFrame> {
    let mut frames = Vec::new();
    let mut offset = 0;
    while offset < stream.len() {
        let rest = &stream[offset..];
        let error = |what: String| DecodedFrame {
            offset,
            ok: false,
            json: error_line(offset, &what),
        };
        if rest.len() < LENGTH_PREFIX {
            frames.push(error(format!(
                "stream ends inside a length prefix ({} of 4 bytes)",
                rest.len()
            )));
            break;
        }
        let len = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        if len > DEFAULT_MAX_FRAME_LEN {
            frames.push(error(format!(
                "frame length {len} exceeds the limit of {DEFAULT_MAX_FRAME_LEN} bytes"
            )));
            break;
        }
        let Some(payload) = rest.get(LENGTH_PREFIX..LENGTH_PREFIX + len) else {
            frames.push(error(format!(
                "stream ends inside a frame: {len} bytes announced, {} present",
                rest.len() - LENGTH_PREFIX
            )));
            break;
        };
        if len > 0 {
            frames.push(describe_frame(offset, payload, server_version, direction));
        }
        offset += LENGTH_PREFIX + len;
    }
    frames
}

/// Describes one frame payload found at `offset`.
pub fn describe_frame(
    offset: usize,
    payload: &[u8],
    server_version: i32,
    direction: Direction,
) -> DecodedFrame {
    let mut line = JsonObject::new();
    line.int("offset", offset as i64);
    let ok = describe_payload(&mut line, payload, server_version, direction);
    DecodedFrame {
        offset,
        ok,
        json: line.finish(),
    }
}

/// Adds `id`, `name` (when the id is known), `form`, and `fields` or `error`
/// for one frame payload to `line`; returns whether it decoded.
pub fn describe_payload(
    line: &mut JsonObject,
    payload: &[u8],
    server_version: i32,
    direction: Direction,
) -> bool {
    let raw = match RawMessage::split(payload, server_version) {
        Ok(raw) => raw,
        Err(e) => {
            line.str("error", &e.to_string());
            return false;
        }
    };
    line.int("id", i64::from(raw.id));
    let (known, decoded) = match direction {
        Direction::In => (
            Incoming::name_of(raw.id),
            Incoming::decode(&raw, server_version).map(|m| m.map(|m| fields_of_incoming(&m))),
        ),
        Direction::Out => (
            Request::name_of(raw.id),
            Request::decode(&raw, server_version).map(|m| m.map(|m| fields_of_request(&m))),
        ),
    };
    if let Some(name) = known {
        line.str("name", name);
    }
    line.str("form", form_name(raw.form));
    match decoded {
        Ok(Some(fields)) => {
            line.object("fields", fields);
            true
        }
        Ok(None) => {
            line.str("error", &format!("unknown message id {}", raw.id));
            false
        }
        Err(e) => {
            line.str("error", &e.to_string());
            false
        }
    }
}

fn fields_of_incoming(m: &Incoming) -> JsonObject {
    let mut fields = JsonObject::new();
    m.visit(&mut fields);
    fields
}

fn fields_of_request(m: &Request) -> JsonObject {
    let mut fields = JsonObject::new();
    m.visit(&mut fields);
    fields
}

fn error_line(offset: usize, what: &str) -> String {
    let mut line = JsonObject::new();
    line.int("offset", offset as i64).str("error", what);
    line.finish()
}

/// Parses hex digits (whitespace allowed between pairs) into bytes.
pub fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if digits.len() % 2 != 0 {
        return Err(format!("odd number of hex digits ({})", digits.len()));
    }
    digits
        .chunks(2)
        .enumerate()
        .map(|(i, pair)| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|p| u8::from_str_radix(p, 16).ok())
                .ok_or_else(|| format!("not a hex byte at digit {}: {:?}", i * 2, pair as &[u8]))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::messages::{AccountSummary, NextValidId};

    fn stream(version: i32, msgs: &[Incoming]) -> Vec<u8> {
        let mut out = Vec::new();
        for m in msgs {
            m.encode(version, &mut out).unwrap();
        }
        out
    }

    #[test]
    fn decodes_every_form() {
        let row = Incoming::AccountSummary(AccountSummary {
            req_id: 7,
            account: "DU1".into(),
            tag: "NetLiquidation".into(),
            value: "1.5".into(),
            currency: "USD".into(),
        });
        for (version, form) in [(176, "text"), (201, "binary-text"), (222, "protobuf")] {
            let lines = decode_stream(
                &stream(version, std::slice::from_ref(&row)),
                version,
                Direction::In,
            );
            assert_eq!(lines.len(), 1);
            assert!(lines[0].ok);
            assert_eq!(
                lines[0].json,
                format!(
                    r#"{{"offset":0,"id":63,"name":"AccountSummary","form":"{form}","fields":{{"req_id":7,"account":"DU1","tag":"NetLiquidation","value":"1.5","currency":"USD"}}}}"#
                )
            );
        }
    }

    #[test]
    fn reports_unknown_ids_bad_fields_and_truncation_with_offsets() {
        let mut bytes = stream(176, &[Incoming::NextValidId(NextValidId { order_id: 3 })]);
        let first_len = bytes.len();
        bytes.extend_from_slice(b"\0\0\0\x05999\0\0");
        bytes.extend_from_slice(b"\0\0\0\x069\x001\0x\0");
        bytes.extend_from_slice(b"\0\0\0\x09abc");
        let lines = decode_stream(&bytes, 176, Direction::In);
        assert_eq!(lines.len(), 4, "{lines:?}");
        assert!(lines[0].ok);
        assert_eq!(
            lines[1].json,
            format!(
                r#"{{"offset":{first_len},"id":999,"form":"text","error":"unknown message id 999"}}"#
            )
        );
        assert!(!lines[2].ok && lines[2].json.contains(r#""name":"NextValidId""#));
        assert_eq!(lines[2].offset, first_len + 9);
        assert!(lines[3].json.contains("stream ends inside a frame"));
    }

    #[test]
    fn hex_parses_with_spaces_and_rejects_junk() {
        assert_eq!(parse_hex("00 0a\nFF").unwrap(), vec![0, 10, 255]);
        assert!(parse_hex("0").is_err());
        assert!(parse_hex("zz").is_err());
    }
}
