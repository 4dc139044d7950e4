//! The catalogue as data. [`CATALOGUE`] lists every message with its facts
//! and fields, [`RECORDS`] every record; both are generated from
//! `catalogue/*.toml` (see docs/catalogue.md) next to the code they describe,
//! so they cannot disagree with it. Tools that handle any message without
//! knowing its type (a generic field accessor, property tests, fuzzers, docs)
//! read them.

pub use super::generated::schema::{CATALOGUE, CONTRACT_SCHEMA, RECORDS};

/// Which way a message travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Server -> client (`Incoming`).
    In,
    /// Client -> server (`Request`).
    Out,
}

/// A field's value type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldType {
    /// 32-bit integer (`i32`).
    Int,
    /// 64-bit integer (`i64`).
    Long,
    /// `f64`.
    Double,
    /// A decimal kept as the exact text TWS sent.
    Decimal,
    /// `bool` (`0`/`1` in text form).
    Bool,
    /// Text.
    String,
    /// A nested record.
    Record(&'static RecordSchema),
    /// A list of records (`list<Record>`): a count, then each item, in text form.
    RecordList(&'static RecordSchema),
    /// A list of strings (`list<string>`).
    StringList,
    /// A list of doubles (`list<double>`; packed in protobuf).
    DoubleList,
    /// A list of `i32` (`list<int>`; packed in protobuf).
    IntList,
    /// A list of tag/value pairs (`tag_values`, items of this record).
    TagValues(&'static RecordSchema),
    /// A record that may be absent (`option<Record>`).
    Optional(&'static RecordSchema),
    /// An `i32` mask of named flags (an int in text and in protobuf).
    Bits(&'static [BitSchema]),
}

/// One flag of a [`FieldType::Bits`] field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BitSchema {
    pub name: &'static str,
    /// The flag's bit (0 is the value 1).
    pub bit: u32,
    /// Text form: the bit is read from this server version (false below).
    pub since: Option<i32>,
    /// Text form: below this server version the flag is set only when the
    /// whole mask equals 1.
    pub exact_until: Option<i32>,
    /// Protobuf form: the number of the flag's bool when the mask travels
    /// as a nested message of bools (`None`: as an int32 mask).
    pub proto: Option<u32>,
}

/// The sentinel value that means "absent".
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Unset {
    /// `f64::MAX` (IB's `UNSET_DOUBLE`).
    DblMax,
    /// `i32::MAX` (IB's `UNSET_INTEGER`).
    IntMax,
    /// `i64::MAX` (IB's `UNSET_LONG`).
    LongMax,
    /// The empty string.
    Empty,
    /// 0 (for example an unknown contract id).
    Zero,
    /// This number ("not computed", as -2 for an option's delta).
    Value(f64),
    /// Any negative number (an implied volatility); -1 travels for absent.
    Negative,
}

/// The declared value of an absent field (protobuf field left out, or text
/// field before its version).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DefaultValue {
    Int(i64),
    Double(f64),
    Bool(bool),
    Str(&'static str),
}

/// How a field travels in text form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextRepr {
    /// As its type's plain text field.
    Plain,
    /// Non-ASCII escaped as `\uXXXX`, from server version `from` (always when `None`).
    Ascii7Escaped { from: Option<i32> },
    /// A record whose fields travel inline, as the entries with `path: true`.
    Inline,
    /// Tag/value pairs as one `tag=value;tag=value;` field.
    Joined,
    /// An optional record: a 0/1 flag, then its fields when 1.
    Flagged,
    /// A double that travels as an integer in text form (`evMultiplier`).
    Int,
    /// An int or double whose unset sentinel travels as an empty field, both ways.
    EmptyUnset,
    /// A double written as a plain number even when unset.
    Number,
    /// A bool that travels as the word `true` / `false` (verifyCompleted).
    Word,
}

/// One catalogue entry of a message or record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FieldSchema {
    /// The struct field (`account`), or for a record field spread inline in
    /// text form, its path (`contract.con_id`).
    pub name: &'static str,
    pub ty: FieldType,
    /// True for a text-form occurrence of a record's field (`name` is a path).
    pub path: bool,
    /// The protobuf field number (`None` for path entries).
    pub proto: Option<u32>,
    /// The protobuf field is a double carrying the text as a number.
    pub proto_double: bool,
    /// Present in text form from this server version.
    pub since: Option<i32>,
    /// Absent from text form from this server version.
    pub until: Option<i32>,
    /// Present in text form when the message version TWS sent is >= this.
    pub msg_version: Option<i64>,
    /// The sentinel meaning "absent", if the field has one.
    pub unset: Option<Unset>,
    /// The declared value of an absent field, if not the type's default.
    pub default: Option<DefaultValue>,
    pub text: TextRepr,
    /// In text form, read only when the message still has a field.
    pub if_present: bool,
    /// A double whose protobuf field is its decimal text.
    pub proto_string: bool,
    /// The field has no text position (protobuf only).
    pub proto_only: bool,
    /// Text form: present only when this condition on earlier fields (or
    /// `msg_version`) holds, in the catalogue's syntax (docs/catalogue.md).
    pub when: Option<&'static str>,
    /// Encoding a set value below `since` in text form is refused.
    pub strict: bool,
    pub doc: &'static str,
}

/// A record (a structure nested in messages).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RecordSchema {
    pub name: &'static str,
    /// The prefix its fields take in field visitors (`contract`).
    pub prefix: &'static str,
    pub doc: &'static str,
    pub fields: &'static [FieldSchema],
}

/// The message-version field of a text layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextVersion {
    /// The version written (the one TWS sends today).
    pub value: i64,
    /// The field is absent from this server version.
    pub until: Option<i32>,
    /// The lowest message version the decoder understands.
    pub min: i64,
}

/// What routes a message (or the replies to a request).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteSchema {
    /// Not routed.
    None,
    /// By the int field of this name (the request id).
    Field(&'static str),
    /// By the fixed positions key (position messages carry no id).
    Positions,
    /// By the fixed account-updates key.
    AccountUpdates,
    /// By a fixed key of its own (`mkt_depth_exchanges`, `family_codes`).
    Fixed(&'static str),
    /// By an int field in a key space of its own (`market_rule` by `market_rule_id`).
    Keyed {
        key: &'static str,
        field: &'static str,
    },
}

/// One message of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MessageSchema {
    pub direction: Direction,
    /// The message id on the wire (without the protobuf offset).
    pub id: i32,
    /// The variant name in `Request` / `Incoming`.
    pub name: &'static str,
    /// The Rust struct name.
    pub type_name: &'static str,
    /// IB's name (`reqAccountSummary`).
    pub wire_name: &'static str,
    pub doc: &'static str,
    /// The message-version field, if the text layout has one.
    pub text_version: Option<TextVersion>,
    /// The server version from which the message travels as protobuf.
    pub proto_from: i32,
    /// The lowest server version that understands the request (0: any).
    pub min_server_version: i32,
    pub route: RouteSchema,
    /// False when the message has no text layout (protobuf only).
    pub text_form: bool,
    /// Fields of embedded records (`contract.last_trade_date`) the protobuf
    /// form leaves out (IB's client never sends them in this message).
    pub proto_omit: &'static [&'static str],
    /// The combined date field the protobuf form splits after decoding
    /// (contract details: date, time and, for bonds, time zone).
    pub proto_split: Option<&'static str>,
    /// Fields in catalogue order: struct fields and, for records spread
    /// inline, the path entries in text wire order.
    pub fields: &'static [FieldSchema],
}

impl MessageSchema {
    /// The schema of the message `name` travelling in `direction`.
    pub fn find(direction: Direction, name: &str) -> Option<&'static MessageSchema> {
        CATALOGUE
            .iter()
            .find(|m| m.direction == direction && m.name == name)
    }
}

/// The routing fact of one message: what `Incoming::route` and
/// `Request::route` return.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RouteKey {
    /// The request id the message carries (negative: none, as in an error
    /// that concerns no request).
    Request(i32),
    /// The positions subscription (position messages carry no request id).
    Positions,
    /// The account-updates subscription (its messages carry no request id).
    AccountUpdates,
    /// A market rule, by its id (reqMarketRule and marketRule carry no request id).
    MarketRule(i32),
    /// reqMktDepthExchanges and its reply (no request id).
    MktDepthExchanges,
    /// reqFamilyCodes and its reply (no request id).
    FamilyCodes,
    /// reqScannerParameters and its reply (no request id).
    ScannerParameters,
    /// reqNewsProviders and its reply (no request id).
    NewsProviders,
    /// requestFA and receiveFA (no request id).
    Fa,
    /// Not tied to a request.
    None,
}
