//! Protobuf field codecs by protobuf type name, for the generated bodies:
//! `proto_fields::int32::encode(tag, &value, buf)` and so on. Scalars are
//! prost's own; `string` carries [`Text`] without a heap copy when it fits inline.

pub use prost::encoding::{bool, double, int32, int64};

/// `string` fields as [`Text`](super::text::Text).
pub mod string {
    use prost::bytes::{Buf, BufMut};
    use prost::encoding::{
        decode_varint, encode_key, encode_varint, encoded_len_varint, key_len, DecodeContext,
        WireType,
    };
    use prost::DecodeError;

    use crate::protocol::text::{text_from_bytes, Text};

    pub fn encode(tag: u32, value: &Text, buf: &mut impl BufMut) {
        encode_key(tag, WireType::LengthDelimited, buf);
        encode_varint(value.len() as u64, buf);
        buf.put_slice(value.as_bytes());
    }

    pub fn encoded_len(tag: u32, value: &Text) -> usize {
        key_len(tag) + encoded_len_varint(value.len() as u64) + value.len()
    }

    pub fn merge(
        wire_type: WireType,
        value: &mut Text,
        buf: &mut impl Buf,
        _ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        if wire_type != WireType::LengthDelimited {
            return Err(DecodeError::new(format!(
                "invalid wire type {wire_type:?} for a string (expected LengthDelimited)"
            )));
        }
        let len = decode_varint(buf)?;
        if len > buf.remaining() as u64 {
            return Err(DecodeError::new("buffer underflow"));
        }
        let len = len as usize;
        if buf.chunk().len() >= len {
            *value = text_from_bytes(&buf.chunk()[..len]);
            buf.advance(len);
        } else {
            let bytes = buf.copy_to_bytes(len);
            *value = text_from_bytes(&bytes);
        }
        Ok(())
    }
}

/// `string` fields as `String` (prost's own codec: invalid UTF-8 is an error).
pub use prost::encoding::string as owned_string;

/// Nested records (`message` fields).
pub use prost::encoding::message;
