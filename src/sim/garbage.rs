//! The bytes of each `--garbage` mode: malformed frames a client must survive.

use crate::protocol::ids::incoming::ACCOUNT_SUMMARY;
use crate::protocol::versions::{PROTOBUF, PROTOBUF_MSG_ID_OFFSET};
use crate::wire::{FrameWriter, DEFAULT_MAX_FRAME_LEN};

use super::faults::Garbage;

/// A message id no TWS sends.
pub const UNKNOWN_ID: i32 = 150;

/// Appends the malformed frame of `mode`, as it would reach a client at
/// `server_version`. `req_id` tags the account-summary shaped modes.
pub fn append(mode: Garbage, server_version: i32, req_id: i32, out: &mut Vec<u8>) {
    let binary = server_version >= PROTOBUF;
    match mode {
        Garbage::ZeroLength => out.extend_from_slice(&0u32.to_be_bytes()),
        Garbage::Oversize => {
            let announced = DEFAULT_MAX_FRAME_LEN as u32 + 1;
            out.extend_from_slice(&announced.to_be_bytes());
            // A few bytes of the announced body; the rest never comes.
            out.extend_from_slice(b"oversize");
        }
        Garbage::BadId if binary => text_frame(out, Some(0), &["1", "no such message"]),
        Garbage::BadId => text_frame(out, None, &["6x3", "1", "no such message"]),
        Garbage::UnknownId => {
            let id = UNKNOWN_ID.to_string();
            let fields = ["1", "a message libtws does not know"];
            if binary {
                text_frame(out, Some(UNKNOWN_ID), &fields)
            } else {
                text_frame(out, None, &[&id, fields[0], fields[1]])
            }
        }
        Garbage::Truncated => {
            let req = req_id.to_string();
            summary_frame(out, binary, &["1", &req, "DU123456"]);
        }
        Garbage::BadField => {
            summary_frame(
                out,
                binary,
                &[
                    "1",
                    "not-a-number",
                    "DU123456",
                    "NetLiquidation",
                    "1",
                    "USD",
                ],
            );
        }
        Garbage::BadProtobuf => {
            let mut frame = FrameWriter::begin(out);
            let id = ACCOUNT_SUMMARY + PROTOBUF_MSG_ID_OFFSET;
            frame.payload().extend_from_slice(&id.to_be_bytes());
            // Field 1 (varint) whose varint never ends.
            frame.payload().extend_from_slice(&[0x08, 0xff, 0xff]);
            frame.finish();
        }
    }
}

/// Appends message `index` of `--large-unknown`: id 150, fields "1", the
/// index, and `bytes` bytes of filler.
pub fn append_large_unknown(index: u32, bytes: u32, server_version: i32, out: &mut Vec<u8>) {
    let id = UNKNOWN_ID.to_string();
    let index = index.to_string();
    let filler = "x".repeat(bytes as usize);
    if server_version >= PROTOBUF {
        text_frame(out, Some(UNKNOWN_ID), &["1", &index, &filler])
    } else {
        text_frame(out, None, &[&id, "1", &index, &filler])
    }
}

/// True when the mode leaves the stream unreadable, so the simulator closes.
pub fn ends_connection(mode: Garbage) -> bool {
    mode == Garbage::Oversize
}

/// An account-summary message (id 63) with the given text fields.
fn summary_frame(out: &mut Vec<u8>, binary: bool, fields: &[&str]) {
    if binary {
        text_frame(out, Some(ACCOUNT_SUMMARY), fields);
    } else {
        let id = ACCOUNT_SUMMARY.to_string();
        let mut all = vec![id.as_str()];
        all.extend_from_slice(fields);
        text_frame(out, None, &all);
    }
}

/// A frame with an optional 4-byte binary id, then NUL-terminated fields.
fn text_frame(out: &mut Vec<u8>, binary_id: Option<i32>, fields: &[&str]) {
    let mut frame = FrameWriter::begin(out);
    if let Some(id) = binary_id {
        frame.payload().extend_from_slice(&id.to_be_bytes());
    }
    for f in fields {
        frame.payload().extend_from_slice(f.as_bytes());
        frame.payload().push(0);
    }
    frame.finish();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{Incoming, RawMessage};
    use crate::wire::FrameSplitter;

    /// What a client makes of the mode's frame: None = skipped, Some(Err) = a
    /// split or decode error, Some(Ok(None)) = unknown id.
    fn decode(mode: Garbage, version: i32) -> Result<Vec<String>, String> {
        let mut bytes = Vec::new();
        append(mode, version, 7, &mut bytes);
        let mut s = FrameSplitter::new(DEFAULT_MAX_FRAME_LEN);
        s.push(&bytes);
        let mut seen = Vec::new();
        while let Some(frame) = s.next_frame().map_err(|e| e.to_string())? {
            let what = match RawMessage::split(frame, version) {
                Err(e) => format!("split error: {e}"),
                Ok(raw) => match Incoming::decode(&raw, version) {
                    Ok(Some(m)) => format!("decoded {}", m.name()),
                    Ok(None) => format!("unknown {}", raw.id),
                    Err(e) => format!("decode error: {e}"),
                },
            };
            seen.push(what);
        }
        Ok(seen)
    }

    #[test]
    fn every_mode_is_malformed_at_every_form() {
        for version in [176, 201, 222] {
            for mode in Garbage::ALL {
                if mode == Garbage::BadProtobuf && version < PROTOBUF {
                    continue;
                }
                let seen = decode(mode, version);
                match mode {
                    Garbage::ZeroLength => assert_eq!(seen, Ok(vec![])),
                    Garbage::Oversize => assert!(seen.is_err()),
                    Garbage::UnknownId => assert_eq!(seen, Ok(vec!["unknown 150".into()])),
                    Garbage::BadId if version >= PROTOBUF => {
                        assert_eq!(seen, Ok(vec!["unknown 0".into()]))
                    }
                    _ => {
                        let seen = seen.unwrap();
                        assert_eq!(seen.len(), 1, "{mode} v{version}");
                        assert!(seen[0].contains("error"), "{mode} v{version}: {seen:?}");
                    }
                }
            }
        }
    }
}
