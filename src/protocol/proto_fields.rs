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

/// A mask of flags that travels as a nested message of bools (tickByTick's
/// attributes: `TickAttribLast { 1 pastLimit, 2 unreported }`): entry `n - 1`
/// is the bool of field number `n` (1..=8). The catalogue maps each flag's
/// bit of the mask to its field number (`bits = [{ name, bit, proto }]`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Flags(pub [Option<bool>; 8]);

impl Flags {
    /// The message of `mask`: a set flag is sent as `true`, a clear one is
    /// left out (IB's encoders send only `true` bools). `map` is
    /// `(bit, field number)` per flag.
    pub fn from_mask(mask: i32, map: &[(u32, u32)]) -> Flags {
        let mut out = Flags::default();
        for &(bit, number) in map {
            if mask & (1 << bit) != 0 {
                if let Some(slot) = out.0.get_mut(number as usize - 1) {
                    *slot = Some(true);
                }
            }
        }
        out
    }

    /// The mask of the message: a flag is set when its bool is present and
    /// true (absent reads as false, as in IB's decoder).
    pub fn to_mask(self, map: &[(u32, u32)]) -> i32 {
        map.iter()
            .filter(|&&(_, number)| {
                self.0
                    .get(number as usize - 1)
                    .copied()
                    .flatten()
                    .unwrap_or(false)
            })
            .fold(0, |mask, &(bit, _)| mask | (1 << bit))
    }
}

impl prost::Message for Flags {
    fn encode_raw(&self, buf: &mut impl prost::bytes::BufMut) {
        for (i, v) in self.0.iter().enumerate() {
            if let Some(v) = v {
                bool::encode(i as u32 + 1, v, buf);
            }
        }
    }

    fn merge_field(
        &mut self,
        tag: u32,
        wire_type: prost::encoding::WireType,
        buf: &mut impl prost::bytes::Buf,
        ctx: prost::encoding::DecodeContext,
    ) -> Result<(), prost::DecodeError> {
        match self.0.get_mut((tag as usize).wrapping_sub(1)) {
            Some(slot) => bool::merge(
                wire_type,
                slot.get_or_insert_with(Default::default),
                buf,
                ctx,
            ),
            None => prost::encoding::skip_field(wire_type, tag, buf, ctx),
        }
    }

    fn encoded_len(&self) -> usize {
        self.0
            .iter()
            .enumerate()
            .map(|(i, v)| v.as_ref().map_or(0, |v| bool::encoded_len(i as u32 + 1, v)))
            .sum()
    }

    fn clear(&mut self) {
        *self = Flags::default();
    }
}
