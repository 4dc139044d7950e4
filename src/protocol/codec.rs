//! The machinery every message shares: how one value travels as a text field
//! and as a protobuf field, and how a message body is framed in each wire form.
//! The bodies themselves are generated from the catalogue
//! (`src/protocol/generated/`, see docs/catalogue.md) and call these helpers.

use crate::wire::{FieldError, FieldReader, FieldWriter, FrameWriter};

use super::describe::FieldVisitor;
use super::versions::{PROTOBUF, PROTOBUF_MSG_ID_OFFSET};

/// The three shapes a message takes on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Form {
    /// Server version < 201: the id is the first NUL-terminated text field.
    Text,
    /// Server version >= 201: a 4-byte big-endian id, then text fields.
    BinaryText,
    /// Server version >= 201: a 4-byte id + 200, then a protobuf body.
    Proto,
}

impl Form {
    /// The form a message takes at `server_version` when its family switches to
    /// protobuf at `proto_from`.
    pub fn for_version(server_version: i32, proto_from: i32) -> Form {
        if server_version >= proto_from && server_version >= PROTOBUF {
            Form::Proto
        } else if server_version >= PROTOBUF {
            Form::BinaryText
        } else {
            Form::Text
        }
    }

    /// The forms a peer may legally use at `server_version`.
    pub fn accepted_at(server_version: i32) -> &'static [Form] {
        if server_version >= PROTOBUF {
            &[Form::BinaryText, Form::Proto]
        } else {
            &[Form::Text]
        }
    }
}

/// Why a message could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// A string holds a character that cannot travel in this form.
    #[error("{field} contains {found:?}, which cannot be sent to TWS ({why})")]
    InvalidCharacter {
        field: &'static str,
        found: char,
        why: &'static str,
    },
    /// The request does not exist at the negotiated server version.
    #[error(
        "{request} needs server version {needed} or later; this server speaks {server_version}"
    )]
    NotSupported {
        request: &'static str,
        needed: i32,
        server_version: i32,
    },
    /// A value has no wire form at all (an order condition of an unknown type).
    #[error("{field}: {why}")]
    InvalidValue { field: &'static str, why: String },
}

/// Why a frame could not be turned into a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The frame is too short to hold a message id.
    #[error("frame too short for a message id")]
    NoMessageId,
    /// The text message id is not a number.
    #[error("message id is not a number: {0:?}")]
    BadMessageId(String),
    /// A text field is missing or malformed.
    #[error("{name} (id {id}): {source}")]
    Field {
        id: i32,
        name: &'static str,
        source: FieldError,
    },
    /// The protobuf body does not decode.
    #[error("{name} (id {id}): invalid protobuf body: {reason}")]
    Protobuf {
        id: i32,
        name: &'static str,
        reason: String,
    },
}

impl DecodeError {
    /// The message id the error concerns, when one was read.
    pub fn msg_id(&self) -> Option<i32> {
        match self {
            DecodeError::Field { id, .. } | DecodeError::Protobuf { id, .. } => Some(*id),
            _ => None,
        }
    }
}

/// A message id and its body, split off a frame's payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawMessage<'a> {
    /// The message id (without the +200 protobuf offset).
    pub id: i32,
    /// Text fields or the protobuf body.
    pub body: &'a [u8],
    /// The form the body is in.
    pub form: Form,
}

impl<'a> RawMessage<'a> {
    /// Splits a frame payload received at `server_version`.
    pub fn split(payload: &'a [u8], server_version: i32) -> Result<Self, DecodeError> {
        if server_version >= PROTOBUF {
            if payload.len() < 4 {
                return Err(DecodeError::NoMessageId);
            }
            let id = i32::from_be_bytes([payload[0], payload[1], payload[2], payload[3]]);
            let body = &payload[4..];
            if id > PROTOBUF_MSG_ID_OFFSET {
                Ok(RawMessage {
                    id: id - PROTOBUF_MSG_ID_OFFSET,
                    body,
                    form: Form::Proto,
                })
            } else {
                Ok(RawMessage {
                    id,
                    body,
                    form: Form::BinaryText,
                })
            }
        } else {
            let end = payload
                .iter()
                .position(|&b| b == 0)
                .ok_or(DecodeError::NoMessageId)?;
            let text = &payload[..end];
            let id = std::str::from_utf8(text)
                .ok()
                .and_then(|t| t.parse::<i32>().ok())
                .ok_or_else(|| {
                    DecodeError::BadMessageId(String::from_utf8_lossy(text).into_owned())
                })?;
            Ok(RawMessage {
                id,
                body: &payload[end + 1..],
                form: Form::Text,
            })
        }
    }
}

/// One value that travels as a text field and as a protobuf field.
pub trait WireValue: Sized + Clone + Default {
    /// Appends the value as a text field.
    fn write_text(&self, w: &mut FieldWriter<'_>);
    /// Reads the value from the next text field.
    fn read_text(r: &mut FieldReader<'_>) -> Result<Self, FieldError>;
    /// The protobuf field, or `None` when the value means "unset" (the official
    /// client leaves such fields out).
    fn to_proto(&self) -> Option<Self> {
        Some(self.clone())
    }
    /// Checks that the value can travel in text (`text`) or protobuf form.
    fn check(&self, _field: &'static str, _text: bool) -> Result<(), EncodeError> {
        Ok(())
    }
    /// Hands the value to a [`FieldVisitor`] under `name`; by default as its
    /// text form, so that any new value type describes itself.
    fn describe(&self, name: &'static str, v: &mut dyn FieldVisitor) {
        let mut text = Vec::new();
        self.write_text(&mut FieldWriter::new(&mut text));
        if text.last() == Some(&0) {
            text.pop();
        }
        v.str(name, &String::from_utf8_lossy(&text));
    }
}

impl WireValue for i32 {
    fn write_text(&self, w: &mut FieldWriter<'_>) {
        w.int(i64::from(*self));
    }
    fn read_text(r: &mut FieldReader<'_>) -> Result<Self, FieldError> {
        r.int32()
    }
    fn describe(&self, name: &'static str, v: &mut dyn FieldVisitor) {
        v.int(name, i64::from(*self));
    }
    fn to_proto(&self) -> Option<Self> {
        (*self != i32::MAX).then_some(*self)
    }
}

impl WireValue for i64 {
    fn write_text(&self, w: &mut FieldWriter<'_>) {
        w.int(*self);
    }
    fn read_text(r: &mut FieldReader<'_>) -> Result<Self, FieldError> {
        r.int()
    }
    fn describe(&self, name: &'static str, v: &mut dyn FieldVisitor) {
        v.int(name, *self);
    }
    fn to_proto(&self) -> Option<Self> {
        (*self != i64::MAX).then_some(*self)
    }
}

impl WireValue for f64 {
    fn write_text(&self, w: &mut FieldWriter<'_>) {
        w.float(*self);
    }
    fn read_text(r: &mut FieldReader<'_>) -> Result<Self, FieldError> {
        r.float()
    }
    fn describe(&self, name: &'static str, v: &mut dyn FieldVisitor) {
        v.float(name, *self);
    }
    fn to_proto(&self) -> Option<Self> {
        (*self != f64::MAX).then_some(*self)
    }
}

impl WireValue for bool {
    fn write_text(&self, w: &mut FieldWriter<'_>) {
        w.bool(*self);
    }
    fn read_text(r: &mut FieldReader<'_>) -> Result<Self, FieldError> {
        r.bool()
    }
    fn describe(&self, name: &'static str, v: &mut dyn FieldVisitor) {
        v.bool(name, *self);
    }
    /// False is left out, as the official client leaves it out.
    fn to_proto(&self) -> Option<Self> {
        self.then_some(true)
    }
}

impl WireValue for String {
    fn write_text(&self, w: &mut FieldWriter<'_>) {
        w.str(self);
    }
    fn read_text(r: &mut FieldReader<'_>) -> Result<Self, FieldError> {
        r.string()
    }
    fn describe(&self, name: &'static str, v: &mut dyn FieldVisitor) {
        v.str(name, self);
    }
    fn to_proto(&self) -> Option<Self> {
        (!self.is_empty()).then(|| self.clone())
    }
    fn check(&self, field: &'static str, text: bool) -> Result<(), EncodeError> {
        check_str(self, field, text)
    }
}

/// Checks a string for characters that cannot travel: control characters
/// (other than tab, CR and LF) never do, NUL least of all; in text form TWS
/// accepts only printable ASCII besides.
pub fn check_str(value: &str, field: &'static str, text: bool) -> Result<(), EncodeError> {
    let bad = value.chars().find(|&c| {
        let control = c.is_control() && !matches!(c, '\t' | '\n' | '\r');
        control || (text && !c.is_ascii())
    });
    match bad {
        None => Ok(()),
        Some(found) => Err(EncodeError::InvalidCharacter {
            field,
            found,
            why: match found {
                '\0' => "NUL separates fields",
                c if c.is_control() => "control characters cannot be sent",
                _ => "text-form messages carry printable ASCII only",
            },
        }),
    }
}

/// A message body declared once and carried in every form.
pub trait Body: Sized {
    /// The prost struct of the protobuf form.
    type Proto: prost::Message + Default;
    /// Appends the text fields (including any leading message-version field).
    fn write_text(&self, w: &mut FieldWriter<'_>, server_version: i32);
    /// Reads the text fields (skipping any leading message-version field).
    fn read_text(r: &mut FieldReader<'_>, server_version: i32) -> Result<Self, FieldError>;
    /// The protobuf form.
    fn to_proto(&self) -> Self::Proto;
    /// Back from the protobuf form; absent fields take their documented defaults.
    fn from_proto(proto: Self::Proto) -> Self;
    /// Checks every string for characters that cannot travel in `form`.
    fn check(&self, form: Form) -> Result<(), EncodeError>;
    /// Refuses what the layout of `form` at `server_version` cannot carry: a
    /// message without a text layout in text form, or a value set in a field
    /// declared `strict` below its version (IB's client refuses both).
    fn check_version(&self, _form: Form, _server_version: i32) -> Result<(), EncodeError> {
        Ok(())
    }
}

/// Appends one framed message: `[len][id][body]` in `form`.
pub fn encode_frame<B: Body>(
    id: i32,
    body: &B,
    form: Form,
    server_version: i32,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    body.check(form)?;
    body.check_version(form, server_version)?;
    let mut frame = FrameWriter::begin(out);
    let payload = frame.payload();
    match form {
        Form::Text => {
            let mut w = FieldWriter::new(payload);
            w.int(i64::from(id));
            body.write_text(&mut w, server_version);
        }
        Form::BinaryText => {
            payload.extend_from_slice(&id.to_be_bytes());
            body.write_text(&mut FieldWriter::new(payload), server_version);
        }
        Form::Proto => {
            payload.extend_from_slice(&(id + PROTOBUF_MSG_ID_OFFSET).to_be_bytes());
            let proto = body.to_proto();
            payload.reserve(prost::Message::encoded_len(&proto));
            prost::Message::encode_raw(&proto, payload);
        }
    }
    frame.finish();
    Ok(())
}

/// Decodes a body of type `B` from a split message.
pub fn decode_body<B: Body>(
    raw: &RawMessage<'_>,
    name: &'static str,
    server_version: i32,
) -> Result<B, DecodeError> {
    match raw.form {
        Form::Proto => decode_proto::<B::Proto>(raw.body)
            .map(B::from_proto)
            .map_err(|e| DecodeError::Protobuf {
                id: raw.id,
                name,
                reason: e.to_string(),
            }),
        Form::Text | Form::BinaryText => {
            B::read_text(&mut FieldReader::new(raw.body), server_version).map_err(|source| {
                DecodeError::Field {
                    id: raw.id,
                    name,
                    source,
                }
            })
        }
    }
}

/// Decodes a whole protobuf body into `M`, as prost's `Message::decode`
/// does (the same checks and errors), with the field key read in place: one
/// byte for field numbers up to 15, which is every key of the hot messages,
/// instead of prost's generic varint reader. The fields are merged by `M`'s
/// own `merge_field`.
fn decode_proto<M: prost::Message + Default>(mut body: &[u8]) -> Result<M, prost::DecodeError> {
    use prost::encoding::{decode_varint, DecodeContext, WireType};
    let mut msg = M::default();
    let ctx = DecodeContext::default();
    while let Some((&first, rest)) = body.split_first() {
        let key = if first < 0x80 {
            body = rest;
            u64::from(first)
        } else {
            decode_varint(&mut body)?
        };
        if key > u64::from(u32::MAX) {
            return Err(prost::DecodeError::new(format!("invalid key value: {key}")));
        }
        let wire_type = WireType::try_from(key & 0x07)?;
        let tag = key as u32 >> 3;
        if tag == 0 {
            return Err(prost::DecodeError::new("invalid tag value: 0"));
        }
        msg.merge_field(tag, wire_type, &mut body, ctx.clone())?;
    }
    Ok(msg)
}

/// Escapes what is not printable ASCII as `\uXXXX`, as TWS does from v153
/// (fields declared `text = "ascii7_escaped"`).
pub fn escape_non_ascii(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c == '\\' {
            out.push_str("\\\\");
        } else if (' '..='~').contains(&c) {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

/// The texts TWS uses for an unset decimal; they read as empty.
const UNSET_DECIMALS: [&str; 4] = [
    "2147483647",
    "9223372036854775807",
    "1.7976931348623157E308",
    "-9223372036854775808",
];

/// Reads a decimal quantity exactly as sent; empty when unset (as the
/// official decoder's `UNSET_DECIMAL`). The text codec of `decimal` fields.
pub fn read_decimal(r: &mut FieldReader<'_>) -> Result<String, FieldError> {
    let text = r.string()?;
    Ok(if UNSET_DECIMALS.contains(&text.as_str()) {
        String::new()
    } else {
        text
    })
}

/// [`read_decimal`] straight into inline text: no allocation for a decimal
/// of up to 24 bytes (every size and quantity TWS sends), the hot path of
/// ticks and depth.
pub fn read_decimal_text(r: &mut FieldReader<'_>) -> Result<super::text::Text, FieldError> {
    let text = super::text::text_from_bytes(r.raw()?);
    Ok(if UNSET_DECIMALS.contains(&text.as_str()) {
        super::text::Text::default()
    } else {
        text
    })
}

/// A double as the official client prints a multiplier: up to 8 decimals,
/// trailing zeros dropped (`100`, `0.1`); empty for the unset value. The
/// protobuf-to-text conversion of fields declared `proto_type = "double"`.
pub fn double_to_text(value: f64) -> String {
    if value == f64::MAX || !value.is_finite() {
        return String::new();
    }
    let text = format!("{value:.8}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// The protobuf double of a field declared `proto_type = "double"`: its text
/// as a number, left out when it is not one (empty).
pub fn text_to_double(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok()
}

/// Reads the count of a list in text form. TWS sends at most a few hundred
/// items; a negative count or one above [`MAX_LIST_COUNT`] is refused rather
/// than trusted (IB's decoder reads a count <= 0 as empty).
pub fn read_count(r: &mut FieldReader<'_>) -> Result<usize, FieldError> {
    let index = r.index();
    let n = r.int()?;
    usize::try_from(n)
        .ok()
        .filter(|n| *n <= MAX_LIST_COUNT)
        .ok_or(FieldError::Invalid {
            index,
            expected: "list count (0 to 1000)",
            found: n.to_string(),
        })
}

/// The largest list count accepted in text form.
pub const MAX_LIST_COUNT: usize = 1000;

/// A request double that is empty when unset: IB's client sends an unset
/// value (`f64::MAX`) as an empty field; an empty field reads back as unset.
pub fn read_double_or_unset(r: &mut FieldReader<'_>) -> Result<f64, FieldError> {
    let mut peek = r.clone();
    if peek.raw()?.is_empty() {
        r.raw()?;
        return Ok(f64::MAX);
    }
    r.float()
}

/// An int field whose empty text means unset (`i32::MAX`), as IB's decoder
/// reads it (`SHOW_UNSET`).
pub fn read_int_or_unset(r: &mut FieldReader<'_>) -> Result<i32, FieldError> {
    let mut peek = r.clone();
    if peek.raw()?.is_empty() {
        r.raw()?;
        return Ok(i32::MAX);
    }
    r.int32()
}

/// A double written as a plain number even when it holds the unset
/// sentinel, which is then spelled as IB's Python client spells it
/// (`1.7976931348623157e+308`: placeOrder's adjusted-order fields).
pub fn write_number(w: &mut FieldWriter<'_>, value: f64) {
    if value == f64::MAX {
        w.str("1.7976931348623157e+308");
    } else {
        w.float(value);
    }
}

/// A bool sent as a word (`true` / `false`, as Java prints it): true only
/// for `true` in any case, as TWS's own reader decides; `1` is read as true too.
pub fn read_bool_word(r: &mut FieldReader<'_>) -> Result<bool, FieldError> {
    let text = r.string()?;
    let text = text.trim();
    Ok(text.eq_ignore_ascii_case("true") || text == "1")
}

/// The protobuf text of a double carried as a string (`minTick`): the
/// shortest text that reads back as the same number; left out when unset.
pub fn double_to_proto_text(value: f64) -> Option<String> {
    (value != f64::MAX).then(|| format!("{value}"))
}

/// Options lists in text form: `tag=value;` for each pair.
pub fn join_tag_values<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::new();
    for (tag, value) in pairs {
        out.push_str(tag);
        out.push('=');
        out.push_str(value);
        out.push(';');
    }
    out
}

/// Back from `tag=value;tag=value;` (a pair without `=` has an empty value).
pub fn split_tag_values(text: &str) -> Vec<(String, String)> {
    text.split(';')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (tag, value) = p.split_once('=').unwrap_or((p, ""));
            (tag.to_owned(), value.to_owned())
        })
        .collect()
}

/// A tag or value of a joined options list may hold neither `=` nor `;`.
pub fn check_joined(value: &str, field: &'static str) -> Result<(), EncodeError> {
    match value.chars().find(|c| *c == '=' || *c == ';') {
        None => Ok(()),
        Some(found) => Err(EncodeError::InvalidCharacter {
            field,
            found,
            why: "`=` and `;` separate the tags and values of an options list",
        }),
    }
}

/// Splits a combined date field as IB's decoder does: on `-` when the text
/// holds one, else on whitespace (`20260116 16:00 US/Eastern`).
pub fn split_date(text: &str) -> Vec<String> {
    if text.contains('-') {
        text.split('-').map(str::to_owned).collect()
    } else {
        text.split_whitespace().map(str::to_owned).collect()
    }
}

/// Joins the parts of a combined date field: the non-blank ones, trimmed, one space
/// apart (`-` apart when a part holds whitespace, so that [`split_date`]
/// gives the same parts back).
pub fn join_date(parts: &[&String]) -> String {
    let parts: Vec<&str> = parts
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .collect();
    let sep = if parts.iter().any(|p| p.contains(char::is_whitespace)) {
        "-"
    } else {
        " "
    };
    parts.join(sep)
}

#[cfg(test)]
mod tests {
    use super::decode_proto;
    use crate::protocol::market_data::{
        HistoricalTickLastProto, TickByTickDataProto, TickPriceProto,
    };
    use prost::Message;

    /// `decode_proto` agrees with prost's own `Message::decode` on every
    /// body: the same message, or an error where prost has one.
    fn agrees<M: Message + Default + PartialEq + std::fmt::Debug>(body: &[u8]) {
        let ours = decode_proto::<M>(body);
        let prost = M::decode(body);
        match (&ours, &prost) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{body:02x?}"),
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{body:02x?}"),
            _ => panic!("{body:02x?}: ours {ours:?}, prost {prost:?}"),
        }
    }

    #[test]
    fn decode_proto_agrees_with_prost_on_good_and_bad_bodies() {
        let good = TickPriceProto {
            req_id: Some(7),
            tick_type: Some(1),
            price: Some(189.5),
            size: Some("300".into()),
            attrib: Some(3),
        }
        .encode_to_vec();
        agrees::<TickPriceProto>(&good);
        agrees::<TickPriceProto>(&[]);
        // Every truncation of a good body, and every single-byte change.
        for cut in 0..good.len() {
            agrees::<TickPriceProto>(&good[..cut]);
        }
        for at in 0..good.len() {
            for byte in [0x00, 0x07, 0x08, 0x7f, 0x80, 0xff] {
                let mut bad = good.clone();
                bad[at] = byte;
                agrees::<TickPriceProto>(&bad);
            }
        }
        // Keys of more than one byte (field 16 and up, unknown here: skipped),
        // a key past u32, field number 0, wire types 6 and 7, nested records.
        agrees::<TickPriceProto>(&[0x80, 0x01, 0x05, 0x08, 0x07]);
        agrees::<TickPriceProto>(&[0xff, 0xff, 0xff, 0xff, 0x7f, 0x01]);
        agrees::<TickPriceProto>(&[0x00, 0x01]);
        agrees::<TickPriceProto>(&[0x0e, 0x01]);
        agrees::<TickPriceProto>(&[0x0f, 0x01]);
        let nested = TickByTickDataProto {
            req_id: Some(3),
            tick_type: Some(1),
            last: Some(HistoricalTickLastProto {
                price: Some(1.5),
                ..HistoricalTickLastProto::default()
            }),
            ..TickByTickDataProto::default()
        }
        .encode_to_vec();
        agrees::<TickByTickDataProto>(&nested);
        for cut in 0..nested.len() {
            agrees::<TickByTickDataProto>(&nested[..cut]);
        }
    }
}
