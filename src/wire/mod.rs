//! Bytes <-> frames: the 4-byte big-endian length prefix, NUL-separated text
//! fields, binary message ids and the raw bodies that carry protobuf.
//!
//! Nothing here knows what a message means; `protocol` gives frames meaning.

mod fields;
mod frame;

pub use fields::{FieldError, FieldReader, FieldWriter};
pub use frame::{FrameError, FrameSplitter, FrameWriter, DEFAULT_MAX_FRAME_LEN, LENGTH_PREFIX};
