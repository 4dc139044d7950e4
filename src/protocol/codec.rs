//! The machinery every message shares: how one value travels as a text field
//! and as a protobuf field, how a message body is framed in each wire form, and
//! the `message!` macro that declares a body once for both forms.

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
        Form::Proto => <B::Proto as prost::Message>::decode(raw.body)
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

/// Declares a message body whose text fields and protobuf fields come in the
/// same order: the struct, its prost twin and the [`Body`] impl.
///
/// ```ignore
/// message! {
///     /// doc
///     AccountSummary / AccountSummaryProto, text_version: Some(1), {
///         1 int32 req_id: i32 = -1,
///         2 string account: Text,
///     }
/// }
/// ```
/// `text_version` is the message-version field written first in text form
/// (`None` when the layout has none); `= default` is the value of a protobuf
/// field that is absent (otherwise the type's default).
macro_rules! message {
    (
        $(#[$meta:meta])*
        $name:ident / $proto:ident, text_version: $tv:expr, {
            $( $(#[$fmeta:meta])* $tag:literal $ptype:ident $field:ident : $ty:ty $(= $default:expr)? ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Default)]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: $ty, )*
        }

        #[doc = concat!("Protobuf form of [`", stringify!($name), "`].")]
        #[derive(Clone, PartialEq, Debug, Default)]
        pub struct $proto {
            $( pub $field: Option<$ty>, )*
        }

        impl ::prost::Message for $proto {
            #[allow(unused_variables)]
            fn encode_raw(&self, buf: &mut impl ::prost::bytes::BufMut) {
                $( if let Some(v) = &self.$field {
                    $crate::protocol::proto_fields::$ptype::encode($tag, v, buf);
                } )*
            }

            fn merge_field(
                &mut self,
                tag: u32,
                wire_type: ::prost::encoding::WireType,
                buf: &mut impl ::prost::bytes::Buf,
                ctx: ::prost::encoding::DecodeContext,
            ) -> Result<(), ::prost::DecodeError> {
                match tag {
                    $( $tag => $crate::protocol::proto_fields::$ptype::merge(
                        wire_type,
                        self.$field.get_or_insert_with(Default::default),
                        buf,
                        ctx,
                    ), )*
                    _ => ::prost::encoding::skip_field(wire_type, tag, buf, ctx),
                }
            }

            fn encoded_len(&self) -> usize {
                0 $( + self.$field.as_ref().map_or(0, |v| $crate::protocol::proto_fields::$ptype::encoded_len($tag, v)) )*
            }

            fn clear(&mut self) {
                *self = Self::default();
            }
        }

        impl $crate::protocol::codec::Body for $name {
            type Proto = $proto;

            #[allow(unused_variables)]
            fn write_text(&self, w: &mut $crate::wire::FieldWriter<'_>, server_version: i32) {
                let text_version: Option<i64> = $tv;
                if let Some(v) = text_version {
                    w.int(v);
                }
                $( $crate::protocol::codec::WireValue::write_text(&self.$field, w); )*
            }

            #[allow(unused_variables)]
            fn read_text(
                r: &mut $crate::wire::FieldReader<'_>,
                server_version: i32,
            ) -> Result<Self, $crate::wire::FieldError> {
                let text_version: Option<i64> = $tv;
                if text_version.is_some() {
                    r.raw()?;
                }
                Ok(Self {
                    $( $field: $crate::protocol::codec::WireValue::read_text(r)?, )*
                })
            }

            fn to_proto(&self) -> $proto {
                $proto {
                    $( $field: $crate::protocol::codec::WireValue::to_proto(&self.$field), )*
                }
            }

            #[allow(unused_variables)]
            fn from_proto(proto: $proto) -> Self {
                Self {
                    $( $field: proto.$field.unwrap_or_else(|| $crate::protocol::codec::message!(@default $($default)?)), )*
                }
            }

            #[allow(unused_variables)]
            fn check(&self, form: $crate::protocol::codec::Form) -> Result<(), $crate::protocol::codec::EncodeError> {
                let text = form != $crate::protocol::codec::Form::Proto;
                $( $crate::protocol::codec::WireValue::check(&self.$field, stringify!($field), text)?; )*
                Ok(())
            }
        }

        impl $crate::protocol::describe::Describe for $name {
            #[allow(unused_variables)]
            fn visit(&self, v: &mut dyn $crate::protocol::describe::FieldVisitor) {
                $( $crate::protocol::codec::WireValue::describe(&self.$field, stringify!($field), v); )*
            }
        }
    };
    (@default $default:expr) => { $default };
    (@default) => { Default::default() };
}

pub(crate) use message;

/// Declares a set of messages that travel in one direction: an enum with one
/// variant per message, its id, name and protobuf threshold, and encode/decode
/// that dispatch on the id.
macro_rules! message_set {
    (
        $(#[$meta:meta])*
        $set:ident {
            $( $(#[$vmeta:meta])* $variant:ident($body:ty) = $id:path, proto_from: $pf:expr; )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        pub enum $set {
            $( $(#[$vmeta])* $variant($body), )*
        }

        impl $set {
            /// Every message id of the set, with its name.
            pub const ALL: &'static [(i32, &'static str)] = &[ $( ($id, stringify!($variant)), )* ];

            /// The message id on the wire (without the protobuf offset).
            pub fn msg_id(&self) -> i32 {
                match self { $( Self::$variant(_) => $id, )* }
            }

            /// The message's name, as in logs and traces.
            pub fn name(&self) -> &'static str {
                match self { $( Self::$variant(_) => stringify!($variant), )* }
            }

            /// The name of the message with id `id`, if the set has one.
            pub fn name_of(id: i32) -> Option<&'static str> {
                Self::ALL.iter().find(|(i, _)| *i == id).map(|(_, n)| *n)
            }

            /// Hands every field of the message, by name, to `v`.
            pub fn visit(&self, v: &mut dyn $crate::protocol::describe::FieldVisitor) {
                match self { $( Self::$variant(m) => $crate::protocol::describe::Describe::visit(m, v), )* }
            }

            /// The server version from which this message travels as protobuf.
            pub fn proto_from(&self) -> i32 {
                match self { $( Self::$variant(_) => $pf, )* }
            }

            /// Appends the framed message in the form the server version calls for.
            pub fn encode(&self, server_version: i32, out: &mut Vec<u8>) -> Result<(), $crate::protocol::codec::EncodeError> {
                self.encode_as($crate::protocol::codec::Form::for_version(server_version, self.proto_from()), server_version, out)
            }

            /// Appends the framed message in `form`.
            pub fn encode_as(&self, form: $crate::protocol::codec::Form, server_version: i32, out: &mut Vec<u8>) -> Result<(), $crate::protocol::codec::EncodeError> {
                match self {
                    $( Self::$variant(m) => $crate::protocol::codec::encode_frame($id, m, form, server_version, out), )*
                }
            }

            /// Decodes a split message; `Ok(None)` for an id outside the set.
            pub fn decode(raw: &$crate::protocol::codec::RawMessage<'_>, server_version: i32) -> Result<Option<Self>, $crate::protocol::codec::DecodeError> {
                match raw.id {
                    $( $id => $crate::protocol::codec::decode_body::<$body>(raw, stringify!($variant), server_version).map(|m| Some(Self::$variant(m))), )*
                    _ => Ok(None),
                }
            }
        }
    };
}

pub(crate) use message_set;
