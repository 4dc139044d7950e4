//! Decoding a captured byte stream: length-prefixed frames as they travel
//! after the handshake, each described as one JSON line.

use crate::protocol::versions::{MAX_CLIENT_VERSION, MIN_CLIENT_VERSION, PROTOBUF};
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

/// Parses hex digits (whitespace allowed anywhere) into bytes. An error
/// names the offending character and its position in `text` (from 0,
/// counted in characters).
pub fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::with_capacity(text.len() / 2);
    let mut high: Option<(usize, u8)> = None;
    for (position, c) in text.chars().enumerate() {
        if c.is_whitespace() {
            continue;
        }
        let digit = c
            .to_digit(16)
            .ok_or_else(|| format!("not a hex digit: {c:?} at position {position}"))?
            as u8;
        high = match high {
            None => Some((position, digit)),
            Some((_, h)) => {
                bytes.push(h << 4 | digit);
                None
            }
        };
    }
    match high {
        None => Ok(bytes),
        Some((position, _)) => Err(format!(
            "odd number of hex digits: the digit at position {position} has no pair"
        )),
    }
}

/// How a frame's message id is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IdForm {
    /// Four big-endian bytes (server version 201 and later).
    Binary,
    /// ASCII digits and a NUL (below 201).
    Text,
}

/// The id form a payload looks like, when it clearly looks like one. A text
/// id never starts with a NUL; a binary id below 2^24 always does.
fn id_form(payload: &[u8]) -> Option<IdForm> {
    let digits = payload.iter().take_while(|b| b.is_ascii_digit()).count();
    if payload.len() >= 4 && payload[0] == 0 {
        Some(IdForm::Binary)
    } else if digits > 0 && payload.get(digits) == Some(&0) {
        Some(IdForm::Text)
    } else {
        None
    }
}

/// When most frames of `stream` carry their message id in the other form
/// than `server_version` implies, the likely cause of their failing to
/// decode, as one sentence naming the likely range of versions; else None.
pub fn version_hint(stream: &[u8], server_version: i32) -> Option<String> {
    let (mut binary, mut text, mut total) = (0usize, 0usize, 0usize);
    let mut offset = 0;
    while let Some(prefix) = stream.get(offset..offset + LENGTH_PREFIX) {
        let len = u32::from_be_bytes([prefix[0], prefix[1], prefix[2], prefix[3]]) as usize;
        let start = offset + LENGTH_PREFIX;
        let end = stream.len().min(start.saturating_add(len));
        if len > 0 {
            total += 1;
            match id_form(&stream[start..end]) {
                Some(IdForm::Binary) => binary += 1,
                Some(IdForm::Text) => text += 1,
                None => {}
            }
        }
        offset = start.saturating_add(len);
    }
    let expects_text = server_version < PROTOBUF;
    let (found, other) = if expects_text {
        (binary, text)
    } else {
        (text, binary)
    };
    if found == 0 || found < other {
        return None;
    }
    let v = server_version;
    Some(if expects_text {
        format!(
            "{found} of {total} frames start with a 4-byte binary message id, which servers send \
             from version {PROTOBUF} on, but --server-version {v} expects text ids: the \
             connection's version is likely in {PROTOBUF}..={MAX_CLIENT_VERSION}"
        )
    } else {
        format!(
            "{found} of {total} frames start with a text message id (digits and a NUL), which \
             servers send below version {PROTOBUF}, but --server-version {v} expects 4-byte \
             binary ids: the connection's version is likely in {MIN_CLIENT_VERSION}..={}",
            PROTOBUF - 1
        )
    })
}

/// One frame recorded in a wire trace (see `Options::trace_file`): a line
/// ending in `hex: <digits>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TracedFrame {
    /// The trace line it is on, from 1.
    pub line: usize,
    /// The server version of the connection it arrived on: from the last
    /// `ServerVersion` or `Connect` line before it.
    pub server_version: Option<i32>,
    /// The frame's bytes, length prefix included, or why the digits are bad.
    pub bytes: Result<Vec<u8>, String>,
}

/// The frames recorded in a wire trace's text, with the server version each
/// one was received at.
pub fn traced_frames(trace: &str) -> Vec<TracedFrame> {
    const VERSION_FIELD: &str = "server_version: ";
    const HEX_FIELD: &str = "hex: ";
    let mut server_version = None;
    let mut frames = Vec::new();
    for (i, line) in trace.lines().enumerate() {
        let is_version_line = line.contains(" <- ServerVersion ") || line.contains(" -- Connect ");
        if is_version_line {
            if let Some(at) = line.find(VERSION_FIELD) {
                let rest = &line[at + VERSION_FIELD.len()..];
                let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                server_version = digits.parse().ok();
            }
        }
        if let Some(at) = line.rfind(HEX_FIELD) {
            frames.push(TracedFrame {
                line: i + 1,
                server_version,
                bytes: parse_hex(&line[at + HEX_FIELD.len()..]),
            });
        }
    }
    frames
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
        assert_eq!(
            parse_hex("00 0a 0").unwrap_err(),
            "odd number of hex digits: the digit at position 6 has no pair"
        );
        assert_eq!(
            parse_hex("00 zz").unwrap_err(),
            "not a hex digit: 'z' at position 3"
        );
        assert_eq!(
            parse_hex("0é").unwrap_err(),
            "not a hex digit: 'é' at position 1"
        );
    }

    #[test]
    fn a_wrong_version_is_named_once_with_the_likely_range() {
        let msgs = [
            Incoming::NextValidId(NextValidId { order_id: 3 }),
            Incoming::NextValidId(NextValidId { order_id: 4 }),
        ];
        let binary = stream(222, &msgs);
        let hint = version_hint(&binary, 176).expect("binary ids at a text version");
        assert!(
            hint.contains("2 of 2 frames") && hint.contains("201..=226"),
            "{hint}"
        );
        let text = stream(176, &msgs);
        let hint = version_hint(&text, 222).expect("text ids at a binary version");
        assert!(hint.contains("100..=200"), "{hint}");
        assert_eq!(version_hint(&binary, 222), None);
        assert_eq!(version_hint(&text, 176), None);
    }

    #[test]
    fn traced_frames_carry_the_version_of_their_connection() {
        let trace = "\
t <- ServerVersion server_version: 176, connection_time: \"x\"
t -- Connect host: \"h\", port: 1, client_id: 0, server_version: 176
t <- DecodeFailed msg_id: 9, reason: \"r\", len: 2, hex: 0000000239 00
t -- Connect host: \"h\", port: 1, client_id: 0, server_version: 222
t <- ProtocolError reason: \"r\", hex: 0100000x
";
        let frames = traced_frames(trace);
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[0].line, 3);
        assert_eq!(frames[0].server_version, Some(176));
        assert_eq!(frames[0].bytes, Ok(vec![0, 0, 0, 2, b'9', 0]));
        assert_eq!(frames[1].server_version, Some(222));
        assert!(frames[1].bytes.is_err());
    }
}
