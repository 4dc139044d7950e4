//! Showing messages to people and tools: JSON rendering of any message's
//! fields ([`json`]) and decoding a captured byte stream frame by frame
//! ([`decode`], the engine of the `tws-decode` program).

pub mod decode;
pub mod json;

pub use decode::{
    decode_stream, describe_payload, parse_hex, traced_frames, version_hint, Direction, TracedFrame,
};
pub use json::JsonObject;
