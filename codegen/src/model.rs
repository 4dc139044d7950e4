//! The catalogue's TOML shape, and its resolution into checked messages and
//! records the emitters work from. Every mistake a person can make in a
//! declaration is reported here, naming the file and the message.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

/// One `catalogue/*.toml` file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileDecl {
    #[serde(default)]
    pub record: Vec<RecordDecl>,
    #[serde(default)]
    pub message: Vec<MessageDecl>,
}

/// A `[[record]]`: a nested structure carried inside messages.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordDecl {
    pub name: String,
    pub doc: String,
    pub proto_name: Option<String>,
    pub proto_doc: Option<String>,
    pub strings: Option<String>,
    pub prefix: Option<String>,
    pub fields: Vec<FieldDecl>,
}

/// A `[[message]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageDecl {
    pub name: String,
    pub type_name: Option<String>,
    pub wire_name: String,
    pub direction: String,
    pub id: i32,
    pub id_name: String,
    pub doc: String,
    pub text_version: Option<TextVersionDecl>,
    pub min_text_version: Option<i64>,
    pub proto_from: VersionRef,
    pub min_server_version: Option<VersionRef>,
    pub proto_name: Option<String>,
    pub strings: Option<String>,
    pub route: Option<RouteDecl>,
    /// `false`: the message has no text layout (protobuf only).
    pub text_form: Option<bool>,
    /// Fields of embedded records this message's protobuf form leaves out.
    pub proto_omit: Option<Vec<String>>,
    pub proto_split: Option<ProtoSplitDecl>,
    /// Requests only: the request is a live subscription (see [`SubscriptionDecl`]).
    pub subscription: Option<SubscriptionDecl>,
    pub fields: Vec<FieldDecl>,
}

/// `subscription = { cancel = "CancelMktData", unless = ["snapshot"] }`: the
/// request opens a live subscription, re-issued after a reconnect, that
/// `cancel` ends.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionDecl {
    /// A fixed key (`positions`, `account_updates`, `market_data_type`) for
    /// a request without an id; default: the request id of its route.
    pub key: Option<String>,
    /// The request that ends it; absent for a session setting (the latest
    /// value wins).
    pub cancel: Option<String>,
    /// Bool fields that must all be true for it to be a subscription.
    #[serde(default)]
    pub when: Vec<String>,
    /// Bool fields any of which, true, make it one-shot.
    #[serde(default)]
    pub unless: Vec<String>,
    /// Fields of the cancel given a value (the others are copied from the
    /// request's fields of the same name).
    #[serde(default)]
    pub set: BTreeMap<String, toml::Value>,
}

/// `proto_split = { field, into, keep }`: a combined date field of the
/// protobuf form split into parts after decoding.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProtoSplitDecl {
    pub field: String,
    pub into: Vec<String>,
    pub keep: Option<bool>,
}

/// `route = "req_id"` or `route = { key = "market_rule", field = "market_rule_id" }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum RouteDecl {
    Name(String),
    Keyed { key: String, field: String },
}

/// `unset = "dbl_max"` or a numeric sentinel (`unset = -2.0`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum UnsetDecl {
    Name(String),
    Number(f64),
}

/// One flag of a `bits` field.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BitDecl {
    pub name: String,
    pub bit: u32,
    pub since: Option<VersionRef>,
    pub exact_until: Option<VersionRef>,
    pub proto: Option<u32>,
}

/// A protobuf field number, or `"none"` (no protobuf field).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ProtoDecl {
    Number(u32),
    Name(String),
}

/// One entry of a list field's `items`: a path (`"con_id"` is short for
/// `{ path = "con_id" }`), or a full entry with gates or a `skip`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ItemDecl {
    Name(String),
    Entry(Box<FieldDecl>),
}

/// `text_version = 1` or `text_version = { value = 2, until = "ERROR_TIME" }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum TextVersionDecl {
    Value(i64),
    Full {
        value: i64,
        until: Option<VersionRef>,
    },
}

/// A server version: a number, the name of a constant in
/// `src/protocol/versions.rs`, or `"never"`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum VersionRef {
    Number(i64),
    Name(String),
}

impl VersionRef {
    /// The Rust expression of the version.
    pub fn expr(&self) -> String {
        match self {
            VersionRef::Number(n) => n.to_string(),
            VersionRef::Name(n) if n == "never" => "versions::NEVER".to_owned(),
            VersionRef::Name(n) => format!("versions::{n}"),
        }
    }
}

/// One entry of `fields = [...]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldDecl {
    pub name: Option<String>,
    pub path: Option<String>,
    #[serde(rename = "type")]
    pub ty: Option<String>,
    pub proto: Option<ProtoDecl>,
    pub proto_type: Option<String>,
    pub proto_only: Option<bool>,
    pub items: Option<Vec<ItemDecl>>,
    pub when: Option<String>,
    pub skip: Option<String>,
    pub strict: Option<bool>,
    pub split: Option<Vec<String>>,
    pub since: Option<VersionRef>,
    pub until: Option<VersionRef>,
    pub msg_version: Option<i64>,
    pub default: Option<toml::Value>,
    pub unset: Option<UnsetDecl>,
    pub bits: Option<Vec<BitDecl>>,
    pub proto_form: Option<String>,
    pub text: Option<String>,
    pub text_from: Option<VersionRef>,
    pub if_present: Option<bool>,
    pub boxed: Option<bool>,
    pub codec: Option<String>,
    pub doc: Option<String>,
}

// ---- resolved --------------------------------------------------------------

/// A field's value type.
#[derive(Debug, Clone, PartialEq)]
pub enum Type {
    Int,
    Long,
    Double,
    Decimal,
    Bool,
    Str,
    Record(String),
    /// `bits`: an int mask of named flags.
    Bits,
    /// `list<Record>`, `list<string>`, `list<double>`: the item type.
    List(Box<Type>),
    /// `option<Record>`.
    Optional(String),
    /// `tag_values`: a list of `TagValue` records.
    TagValues,
}

impl Type {
    /// The record a field holds (directly, in a list, or optionally).
    pub fn record(&self) -> Option<&str> {
        match self {
            Type::Record(r) | Type::Optional(r) => Some(r),
            Type::List(t) => t.record(),
            Type::TagValues => Some("TagValue"),
            _ => None,
        }
    }
    pub fn is_list(&self) -> bool {
        matches!(self, Type::List(_) | Type::TagValues)
    }
}

/// The Rust type of a message's strings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Strings {
    Text,
    String,
}

impl Strings {
    pub fn rust(self) -> &'static str {
        match self {
            Strings::Text => "Text",
            Strings::String => "String",
        }
    }
}

/// The sentinel that means "absent".
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Unset {
    DblMax,
    IntMax,
    LongMax,
    Empty,
    Zero,
    /// A numeric sentinel ("not computed": -1, -2).
    Value(f64),
    /// Any negative value means absent; -1 is written and read for absent.
    Negative,
}

/// One flag of a `bits` field: its bit, and from which version it is read.
#[derive(Debug, Clone, PartialEq)]
pub struct Bit {
    pub name: String,
    pub bit: u32,
    pub since: Option<VersionRef>,
    /// Below this version the flag is set only when the whole mask is 1.
    pub exact_until: Option<VersionRef>,
    /// `proto_form = "message"`: the number of the flag's bool in the
    /// nested protobuf message (`None`: the mask travels as an int32).
    pub proto: Option<u32>,
}

/// How a string travels in text form.
#[derive(Debug, Clone, PartialEq)]
pub enum TextRepr {
    Plain,
    /// `\uXXXX` escapes, from `from` (always when `None`).
    Ascii7Escaped {
        from: Option<VersionRef>,
    },
    /// A record whose fields travel inline, as the message's `path` entries.
    Inline,
    /// `tag_values` as one `tag=value;tag=value;` field.
    Joined,
    /// `option<Record>`: a 0/1 flag, then the record's fields when 1.
    Flagged,
    /// A double that travels as an integer field in text form.
    Int,
    /// An int or double whose unset sentinel travels as an empty field, both
    /// ways (IB's `make_field_handle_empty` / `SHOW_UNSET`).
    EmptyUnset,
    /// A double written as a plain number even when unset (the unset
    /// sentinel spelled as IB's Python client spells it).
    Number,
    /// A bool that travels as the word `true` / `false` (verifyCompleted).
    Word,
}

/// A text-presence condition on values read (or written) earlier.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    Or(Vec<Cond>),
    And(Vec<Cond>),
    /// `path op literal`: `path` is an earlier field (`tick_type`,
    /// `contract.sec_type`) or `msg_version`.
    Cmp {
        path: String,
        op: CmpOp,
        lits: Vec<Lit>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CmpOp {
    Eq,
    Ne,
    Ge,
    /// `>` against a number (floats allowed).
    Gt,
    In,
    NotIn,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    Int(i64),
    Str(String),
    /// A float literal, or `dbl_max` (`f64::MAX`) / `inf` (`f64::INFINITY`).
    Float(f64),
    /// `[]` after `==` / `!=`: the list field is (not) empty.
    EmptyList,
}

/// One field of a list item's text layout.
#[derive(Debug, Clone)]
pub enum Item {
    /// A field of the item record (`path` from the item: `["contract", "con_id"]`).
    Path {
        path: Vec<String>,
        leaf: Box<Field>,
        since: Option<VersionRef>,
        until: Option<VersionRef>,
    },
    /// A text field read and dropped.
    Skip {
        ty: Type,
        since: Option<VersionRef>,
        until: Option<VersionRef>,
    },
}

/// A field of a struct (message or record).
#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub ty: Type,
    pub strings: Strings,
    pub proto: Option<u32>,
    pub proto_double: bool,
    pub since: Option<VersionRef>,
    pub until: Option<VersionRef>,
    pub msg_version: Option<i64>,
    pub default: Option<toml::Value>,
    pub unset: Option<Unset>,
    pub text: TextRepr,
    pub if_present: bool,
    pub boxed: bool,
    pub doc: Option<String>,
    /// No text position (`proto_only = true`).
    pub proto_only: bool,
    /// `proto_type = "string"` on a double: the protobuf form is decimal text.
    pub proto_string: bool,
    /// `proto_type = "bool"` on an int with `default = -1`: a bool with
    /// presence (-1 absent, 0 false, anything else true), for requests whose
    /// absent fields mean "leave unchanged" (updateConfig).
    pub proto_bool: bool,
    /// Text presence condition (`when`).
    pub when: Option<Cond>,
    /// Encoding a non-default value where the text layout lacks the field is refused.
    pub strict: bool,
    /// The text layout of one item of a `list<Record>` (`None`: every field in order).
    pub items: Option<Vec<Item>>,
    /// The flags of a `bits` field.
    pub bits: Vec<Bit>,
    /// A path entry whose text is split (`split`): where parts 1.. go.
    pub split: Vec<String>,
    /// `codec = "module"`: a hand-written text codec in `src/protocol/<module>.rs`
    /// (`write_text`, `read_text`, `check`, `from_proto`) for a list field.
    pub codec: Option<String>,
}

/// One field in text form: a struct field, or a record's field spread inline.
#[derive(Debug, Clone)]
pub enum TextEntry {
    /// Index into the message's fields.
    Field(usize),
    /// `record_field.sub`: the message field index, the record's field, and
    /// the gates of this occurrence.
    Path {
        owner: usize,
        sub: Box<Field>,
        since: Option<VersionRef>,
        until: Option<VersionRef>,
        msg_version: Option<i64>,
    },
    /// A text field read and dropped (`skip`).
    Skip {
        /// `default = N` on an int skip: the value written (else 0).
        write: Option<i64>,
        ty: Type,
        since: Option<VersionRef>,
        until: Option<VersionRef>,
        msg_version: Option<i64>,
        when: Option<Cond>,
    },
}

#[derive(Debug, Clone)]
pub struct Record {
    pub name: String,
    pub doc: String,
    pub proto_name: String,
    pub proto_doc: Option<String>,
    pub prefix: String,
    pub fields: Vec<Field>,
    pub file: String,
}

#[derive(Debug, Clone)]
pub struct Message {
    pub name: String,
    pub type_name: String,
    pub wire_name: String,
    pub incoming: bool,
    pub id: i32,
    pub id_name: String,
    pub doc: String,
    pub text_version: Option<i64>,
    pub text_version_until: Option<VersionRef>,
    pub min_text_version: Option<i64>,
    pub proto_from: VersionRef,
    pub min_server_version: Option<VersionRef>,
    pub proto_name: String,
    pub route: Route,
    /// False when the message has no text layout (protobuf only).
    pub text_form: bool,
    /// `record_field.sub` fields left out of the protobuf form.
    pub proto_omit: Vec<(String, String)>,
    /// `(field, into, keep)`: the protobuf form's combined date field and its parts.
    pub proto_split: Option<(String, Vec<String>, bool)>,
    /// Requests only: the subscription it opens, if it is one.
    pub subscription: Option<Subscription>,
    /// The struct's fields, in declaration order.
    pub fields: Vec<Field>,
    /// The text form, in wire order.
    pub text: Vec<TextEntry>,
    /// The catalogue entries as declared (for the schema table).
    pub entries: Vec<SchemaEntry>,
    pub file: String,
}

/// A resolved `subscription` declaration.
#[derive(Debug, Clone, PartialEq)]
pub struct Subscription {
    /// `SubscriptionKey` variant and its field: `("Request", Some("req_id"))`
    /// or `("MarketDataType", None)`.
    pub key: (String, Option<String>),
    /// The cancel request: its variant, its struct, its fields `(field, Rust
    /// expression over the request bound as `m`)`, and the guards that tell
    /// it from the same request when it is none (over the cancel as `m`).
    pub cancel: Option<Cancel>,
    pub when: Vec<String>,
    pub unless: Vec<String>,
}

/// The request that ends a subscription.
#[derive(Debug, Clone, PartialEq)]
pub struct Cancel {
    pub name: String,
    pub type_name: String,
    pub fields: Vec<(String, String)>,
    pub guards: Vec<String>,
}

/// What routes a message's replies.
#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    None,
    Field(String),
    Positions,
    AccountUpdates,
    /// A fixed key for replies without an id (`mkt_depth_exchanges`,
    /// `family_codes`, `scanner_parameters`, `news_providers`, `fa`).
    Fixed(String),
    /// An int field in a key space of its own (`market_rule`).
    Keyed {
        key: String,
        field: String,
    },
}

/// One catalogue entry of a message, for the schema table.
#[derive(Debug, Clone)]
pub struct SchemaEntry {
    pub name: String,
    pub field: Field,
    pub path: bool,
}

impl Message {
    /// True when the text layout depends on the message version TWS sent.
    pub fn reads_msg_version(&self) -> bool {
        self.text.iter().any(|e| match e {
            TextEntry::Field(i) => {
                self.fields[*i].msg_version.is_some()
                    || self.fields[*i]
                        .when
                        .as_ref()
                        .is_some_and(Cond::uses_msg_version)
            }
            TextEntry::Path {
                msg_version, sub, ..
            } => msg_version.is_some() || sub.when.as_ref().is_some_and(Cond::uses_msg_version),
            TextEntry::Skip {
                msg_version, when, ..
            } => msg_version.is_some() || when.as_ref().is_some_and(Cond::uses_msg_version),
        })
    }
}

/// The whole catalogue, resolved.
#[derive(Debug, Clone)]
pub struct Catalogue {
    /// File stems in order (`account`, `session`).
    pub files: Vec<String>,
    pub records: Vec<Record>,
    pub messages: Vec<Message>,
}

fn parse_type(t: &str) -> Result<Type, String> {
    Ok(match t {
        "int" => Type::Int,
        "long" => Type::Long,
        "double" => Type::Double,
        "decimal" => Type::Decimal,
        "bool" => Type::Bool,
        "string" => Type::Str,
        "bits" => Type::Bits,
        "tag_values" => Type::TagValues,
        t if t.starts_with("list<") && t.ends_with('>') => {
            let inner = &t[5..t.len() - 1];
            match parse_type(inner)? {
                item @ (Type::Str | Type::Double | Type::Int | Type::Record(_)) => {
                    Type::List(Box::new(item))
                }
                _ => {
                    return Err(format!(
                        "type {t:?}: lists hold records, strings, doubles or ints"
                    ))
                }
            }
        }
        t if t.starts_with("option<") && t.ends_with('>') => {
            match parse_type(&t[7..t.len() - 1])? {
                Type::Record(r) => Type::Optional(r),
                _ => return Err(format!("type {t:?}: option holds a record")),
            }
        }
        t if t.chars().next().is_some_and(|c| c.is_ascii_uppercase()) => Type::Record(t.to_owned()),
        t => return Err(format!("unknown type {t:?}")),
    })
}

impl Cond {
    pub fn uses_msg_version(&self) -> bool {
        match self {
            Cond::Or(xs) | Cond::And(xs) => xs.iter().any(Cond::uses_msg_version),
            Cond::Cmp { path, .. } => path == "msg_version",
        }
    }

    /// Every field path the condition reads.
    pub fn paths(&self) -> Vec<&str> {
        match self {
            Cond::Or(xs) | Cond::And(xs) => xs.iter().flat_map(Cond::paths).collect(),
            Cond::Cmp { path, .. } => vec![path.as_str()],
        }
    }
}

/// Parses a `when` expression: `a == "X"`, `a != 3`, `a in [1, 2]`,
/// `a not in [1, 2]`, `msg_version >= 6`, joined by `and` / `or`.
pub fn parse_cond(text: &str) -> Result<Cond, String> {
    let toks = tokens(text)?;
    let mut pos = 0;
    let c = parse_or(&toks, &mut pos)?;
    if pos != toks.len() {
        return Err(format!("when {text:?}: unexpected {:?}", toks[pos]));
    }
    Ok(c)
}

fn tokens(text: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '"' {
            let end = chars[i + 1..]
                .iter()
                .position(|&x| x == '"')
                .ok_or_else(|| format!("when {text:?}: unterminated string"))?;
            out.push(chars[i..i + end + 2].iter().collect());
            i += end + 2;
        } else if "[],".contains(c) {
            out.push(c.to_string());
            i += 1;
        } else if "=!<>".contains(c) {
            let mut t = c.to_string();
            if chars.get(i + 1) == Some(&'=') {
                t.push('=');
                i += 1;
            }
            out.push(t);
            i += 1;
        } else {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric()
                    || chars[i] == '_'
                    || chars[i] == '.'
                    || chars[i] == '-')
            {
                i += 1;
            }
            if i == start {
                return Err(format!("when {text:?}: unexpected {c:?}"));
            }
            out.push(chars[start..i].iter().collect());
        }
    }
    Ok(out)
}

fn parse_or(t: &[String], pos: &mut usize) -> Result<Cond, String> {
    let mut xs = vec![parse_and(t, pos)?];
    while t.get(*pos).map(String::as_str) == Some("or") {
        *pos += 1;
        xs.push(parse_and(t, pos)?);
    }
    Ok(if xs.len() == 1 {
        xs.remove(0)
    } else {
        Cond::Or(xs)
    })
}

fn parse_and(t: &[String], pos: &mut usize) -> Result<Cond, String> {
    let mut xs = vec![parse_cmp(t, pos)?];
    while t.get(*pos).map(String::as_str) == Some("and") {
        *pos += 1;
        xs.push(parse_cmp(t, pos)?);
    }
    Ok(if xs.len() == 1 {
        xs.remove(0)
    } else {
        Cond::And(xs)
    })
}

fn parse_lit(t: &str) -> Result<Lit, String> {
    if let Some(s) = t.strip_prefix('"').and_then(|x| x.strip_suffix('"')) {
        return Ok(Lit::Str(s.to_owned()));
    }
    match t {
        "dbl_max" => return Ok(Lit::Float(f64::MAX)),
        "inf" => return Ok(Lit::Float(f64::INFINITY)),
        _ => {}
    }
    if let Ok(i) = t.parse() {
        return Ok(Lit::Int(i));
    }
    t.parse()
        .map(Lit::Float)
        .map_err(|_| format!("{t:?} is not a literal"))
}

fn parse_cmp(t: &[String], pos: &mut usize) -> Result<Cond, String> {
    let path = t.get(*pos).ok_or("when: expression ends early")?.clone();
    if !path
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    {
        return Err(format!("when: {path:?} is not a field"));
    }
    *pos += 1;
    let op = match t.get(*pos).map(String::as_str) {
        Some("==") => CmpOp::Eq,
        Some("!=") => CmpOp::Ne,
        Some(">=") => CmpOp::Ge,
        Some(">") => CmpOp::Gt,
        Some("in") => CmpOp::In,
        Some("not") if t.get(*pos + 1).map(String::as_str) == Some("in") => {
            *pos += 1;
            CmpOp::NotIn
        }
        other => return Err(format!("when: unknown operator {other:?}")),
    };
    *pos += 1;
    let lits = if matches!(op, CmpOp::In | CmpOp::NotIn) {
        if t.get(*pos).map(String::as_str) != Some("[") {
            return Err("when: `in` needs a [list]".into());
        }
        *pos += 1;
        let mut lits = Vec::new();
        loop {
            let tok = t.get(*pos).ok_or("when: unterminated list")?;
            *pos += 1;
            match tok.as_str() {
                "]" => break,
                "," => {}
                x => lits.push(parse_lit(x)?),
            }
        }
        lits
    } else if matches!(op, CmpOp::Eq | CmpOp::Ne)
        && t.get(*pos).map(String::as_str) == Some("[")
        && t.get(*pos + 1).map(String::as_str) == Some("]")
    {
        *pos += 2;
        vec![Lit::EmptyList]
    } else {
        let tok = t.get(*pos).ok_or("when: a literal is missing")?;
        *pos += 1;
        vec![parse_lit(tok)?]
    };
    if op == CmpOp::Gt && !matches!(lits[..], [Lit::Int(_) | Lit::Float(_)]) {
        return Err("when: `>` compares with a number".into());
    }
    if op == CmpOp::Ge && (path != "msg_version" || !matches!(lits[..], [Lit::Int(_)])) {
        return Err("when: `>=` compares msg_version with a number".into());
    }
    Ok(Cond::Cmp { path, op, lits })
}

fn parse_strings(s: Option<&str>) -> Result<Strings, String> {
    match s {
        None | Some("Text") => Ok(Strings::Text),
        Some("String") => Ok(Strings::String),
        Some(other) => Err(format!(
            "strings = {other:?}: expected \"Text\" or \"String\""
        )),
    }
}

fn parse_unset(s: &str) -> Result<Unset, String> {
    Ok(match s {
        "dbl_max" => Unset::DblMax,
        "int_max" => Unset::IntMax,
        "long_max" => Unset::LongMax,
        "empty" => Unset::Empty,
        "zero" => Unset::Zero,
        other => return Err(format!("unknown unset {other:?}")),
    })
}

fn is_ident(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !s.starts_with(|c: char| c.is_ascii_digit())
}

fn resolve_field(f: &FieldDecl, strings: Strings, ctx: &str) -> Result<Field, String> {
    let name = f
        .name
        .clone()
        .ok_or_else(|| format!("{ctx}: a field needs `name` (or `path`)"))?;
    if !is_ident(&name) {
        return Err(format!("{ctx}: field name {name:?} is not an identifier"));
    }
    let ctx = format!("{ctx}.{name}");
    let ty = parse_type(
        f.ty.as_deref()
            .ok_or_else(|| format!("{ctx}: `type` is missing"))?,
    )
    .map_err(|e| format!("{ctx}: {e}"))?;
    let unset = match &f.unset {
        None => None,
        Some(UnsetDecl::Name(n)) if n == "negative" => Some(Unset::Negative),
        Some(UnsetDecl::Name(n)) => Some(parse_unset(n).map_err(|e| format!("{ctx}: {e}"))?),
        Some(UnsetDecl::Number(x)) => Some(Unset::Value(*x)),
    };
    let bits = match (&ty, &f.bits) {
        (Type::Bits, Some(bits)) => {
            let message = match f.proto_form.as_deref() {
                None | Some("int") => false,
                Some("message") => true,
                Some(other) => {
                    return Err(format!(
                        "{ctx}: proto_form {other:?}: \"int\" (a mask) or \"message\" (a nested message of bools)"
                    ))
                }
            };
            if message && bits.is_empty() {
                return Err(format!(
                    "{ctx}: proto_form = \"message\" needs flags in `bits`"
                ));
            }
            let mut numbers = BTreeSet::new();
            for b in bits {
                match (message, b.proto) {
                    (true, Some(n)) if (1..=crate::MAX_FLAG_PROTO).contains(&n) && numbers.insert(n) => {}
                    (true, _) => {
                        return Err(format!(
                            "{ctx}: flag {}: proto_form = \"message\" gives every flag its bool's field number (1..={}, unique)",
                            b.name,
                            crate::MAX_FLAG_PROTO
                        ))
                    }
                    (false, Some(_)) => {
                        return Err(format!(
                            "{ctx}: flag {}: `proto` belongs to proto_form = \"message\"",
                            b.name
                        ))
                    }
                    (false, None) => {}
                }
            }
            bits.iter()
                .map(|b| Bit {
                    name: b.name.clone(),
                    bit: b.bit,
                    since: b.since.clone(),
                    exact_until: b.exact_until.clone(),
                    proto: b.proto,
                })
                .collect()
        }
        (Type::Bits, None) => return Err(format!("{ctx}: a bits field lists its `bits`")),
        (_, Some(_)) => return Err(format!("{ctx}: `bits` belong to type = \"bits\"")),
        _ => Vec::new(),
    };
    let text = match f.text.as_deref() {
        None => TextRepr::Plain,
        Some("ascii7_escaped") => TextRepr::Ascii7Escaped {
            from: f.text_from.clone(),
        },
        Some("inline") => TextRepr::Inline,
        Some("joined") if ty == Type::TagValues => TextRepr::Joined,
        Some("flagged") if matches!(ty, Type::Optional(_)) => TextRepr::Flagged,
        Some("int") if ty == Type::Double => TextRepr::Int,
        Some("empty_unset") if matches!(ty, Type::Int | Type::Double) => TextRepr::EmptyUnset,
        Some("number") if ty == Type::Double => TextRepr::Number,
        Some("word") if ty == Type::Bool => TextRepr::Word,
        Some(other) => {
            return Err(format!(
                "{ctx}: unknown text {other:?} (or not for this type)"
            ))
        }
    };
    if matches!(ty, Type::Optional(_)) && text != TextRepr::Flagged && f.proto_only != Some(true) {
        // An option without a text form is fine in records (only protobuf
        // carries it); a message's text needs the flag.
    }
    if f.text_from.is_some() && !matches!(text, TextRepr::Ascii7Escaped { .. }) {
        return Err(format!("{ctx}: text_from needs text = \"ascii7_escaped\""));
    }
    if matches!(text, TextRepr::Ascii7Escaped { .. }) && ty != Type::Str {
        return Err(format!("{ctx}: only strings can be ascii7_escaped"));
    }
    if text == TextRepr::Inline && !matches!(ty, Type::Record(_) | Type::Optional(_)) {
        return Err(format!(
            "{ctx}: only a record (or option<Record>) field is text = \"inline\" (its fields follow as `path` entries)"
        ));
    }
    let (proto_double, proto_string, proto_bool) = match f.proto_type.as_deref() {
        None => (false, false, false),
        Some("double") if matches!(ty, Type::Str | Type::Decimal) => (true, false, false),
        Some("string") if matches!(ty, Type::Double | Type::Int) => (false, true, false),
        Some("bool")
            if ty == Type::Int && f.default == Some(toml::Value::Integer(-1)) =>
        {
            (false, false, true)
        }
        Some(other) => {
            return Err(format!(
                "{ctx}: proto_type {other:?}: \"double\" goes on a string or decimal, \"string\" on a double or an int, \"bool\" on an int with default = -1"
            ))
        }
    };
    let proto = match &f.proto {
        None => None,
        Some(ProtoDecl::Number(n)) => Some(*n),
        Some(ProtoDecl::Name(n)) if n == "none" => None,
        Some(ProtoDecl::Name(n)) => {
            return Err(format!("{ctx}: proto {n:?}: a number or \"none\""))
        }
    };
    let proto_none = matches!(&f.proto, Some(ProtoDecl::Name(_)));
    let when = f
        .when
        .as_deref()
        .map(parse_cond)
        .transpose()
        .map_err(|e| format!("{ctx}: {e}"))?;
    match (&unset, &ty) {
        (Some(Unset::DblMax | Unset::Value(_) | Unset::Negative), Type::Double)
        | (Some(Unset::IntMax | Unset::Zero), Type::Int)
        | (Some(Unset::LongMax | Unset::Zero), Type::Long)
        | (Some(Unset::Empty), Type::Str | Type::Decimal)
        | (None, _) => {}
        (Some(u), t) => return Err(format!("{ctx}: unset {u:?} does not fit type {t:?}")),
    }
    let _ = proto_none;
    if let Some(d) = &f.default {
        let fits = matches!(
            (d, &ty),
            (toml::Value::Integer(_), Type::Int | Type::Long)
                | (toml::Value::Float(_), Type::Double)
                | (toml::Value::Boolean(_), Type::Bool)
                | (toml::Value::String(_), Type::Str)
        );
        if !fits {
            return Err(format!("{ctx}: default {d} does not fit the type"));
        }
        if unset.is_some() {
            return Err(format!("{ctx}: give `default` or `unset`, not both"));
        }
    }
    let codec = match &f.codec {
        None => None,
        Some(c) if is_ident(c) && matches!(ty, Type::List(_)) => Some(c.clone()),
        Some(c) => {
            return Err(format!(
                "{ctx}: codec {c:?}: a module name (src/protocol/<name>.rs), on a list field"
            ))
        }
    };
    Ok(Field {
        name,
        ty,
        strings,
        proto,
        proto_double,
        since: f.since.clone(),
        until: f.until.clone(),
        msg_version: f.msg_version,
        default: f.default.clone(),
        unset,
        text,
        if_present: f.if_present.unwrap_or(false),
        boxed: f.boxed.unwrap_or(false),
        doc: f.doc.clone(),
        proto_only: f.proto_only.unwrap_or(false),
        proto_string,
        proto_bool,
        when,
        strict: f.strict.unwrap_or(false),
        items: None,
        bits,
        split: Vec::new(),
        codec,
    })
}

/// The field `a` or `a.b` (a field of a record field, spread inline as
/// well: `order.soft_dollar_tier.name`) of `record`; a nested field keeps
/// the dotted name, which is also its access path.
fn nested_path_field(
    record: &Record,
    sub_name: &str,
    records: &BTreeMap<&str, &Record>,
) -> Option<Field> {
    match sub_name.split_once('.') {
        None => record.fields.iter().find(|x| x.name == sub_name).cloned(),
        Some((head, rest)) => {
            let owner = record.fields.iter().find(|x| x.name == head)?;
            let Type::Record(inner) = &owner.ty else {
                return None;
            };
            let mut f = nested_path_field(records.get(inner.as_str())?, rest, records)?;
            f.name = format!("{head}.{}", f.name);
            Some(f)
        }
    }
}

/// The text layout of one item of a list field (`decls` empty: every field
/// of the item record, in order; lists of strings or doubles have no items).
fn resolve_items(
    decls: &[ItemDecl],
    ty: &Type,
    records: &BTreeMap<&str, &Record>,
    ctx: &str,
) -> Result<Vec<Item>, String> {
    let Some(rec) = ty.record() else {
        if !decls.is_empty() {
            return Err(format!("{ctx}: items are for lists of records"));
        }
        return Ok(Vec::new());
    };
    let record = records
        .get(rec)
        .ok_or_else(|| format!("{ctx}: no record named {rec}"))?;
    if decls.is_empty() {
        return Ok(record
            .fields
            .iter()
            .filter(|f| !f.proto_only)
            .map(|f| Item::Path {
                path: vec![f.name.clone()],
                leaf: Box::new(f.clone()),
                since: None,
                until: None,
            })
            .collect());
    }
    let mut out = Vec::new();
    for d in decls {
        let (path, since, until) = match d {
            ItemDecl::Name(n) => (n.clone(), None, None),
            ItemDecl::Entry(e) => {
                if let Some(ty) = &e.skip {
                    let ty = parse_type(ty).map_err(|x| format!("{ctx}: {x}"))?;
                    out.push(Item::Skip {
                        ty,
                        since: e.since.clone(),
                        until: e.until.clone(),
                    });
                    continue;
                }
                let p = e
                    .path
                    .clone()
                    .ok_or_else(|| format!("{ctx}: an item is a path or a skip"))?;
                (p, e.since.clone(), e.until.clone())
            }
        };
        let parts: Vec<String> = path.split('.').map(str::to_owned).collect();
        let mut current: &Record = record;
        let mut leaf = None;
        for (i, part) in parts.iter().enumerate() {
            let f = current
                .fields
                .iter()
                .find(|f| &f.name == part)
                .ok_or_else(|| {
                    format!(
                        "{ctx}: item {path:?}: {} has no field {part:?}",
                        current.name
                    )
                })?;
            if i + 1 < parts.len() {
                let Type::Record(r) = &f.ty else {
                    return Err(format!("{ctx}: item {path:?}: {part} is not a record"));
                };
                current = records[r.as_str()];
            } else {
                leaf = Some(f.clone());
            }
        }
        out.push(Item::Path {
            path: parts,
            leaf: Box::new(leaf.expect("a path has a part")),
            since,
            until,
        });
    }
    Ok(out)
}

fn check_proto_numbers(fields: &[Field], decls: &[&FieldDecl], ctx: &str) -> Result<(), String> {
    let mut seen = BTreeSet::new();
    for (f, d) in fields.iter().zip(decls) {
        if matches!(&d.proto, Some(ProtoDecl::Name(_))) {
            continue;
        }
        let n = f
            .proto
            .ok_or_else(|| format!("{ctx}.{}: `proto` (field number) is missing", f.name))?;
        if n == 0 || !seen.insert(n) {
            return Err(format!(
                "{ctx}.{}: proto number {n} is 0 or used twice",
                f.name
            ));
        }
    }
    Ok(())
}

/// Resolves every file (`(stem, text)`, in order) into one catalogue.
pub fn resolve(files: &[(String, String)]) -> Result<Catalogue, String> {
    let mut decls = Vec::new();
    for (stem, text) in files {
        let mut value: toml::Value =
            toml::from_str(text).map_err(|e| format!("catalogue/{stem}.toml: {e}"))?;
        // The `c_*` exposure keys belong to the C view (cmodel.rs).
        crate::cmodel::take_exposure(stem, &mut value)?;
        let decl: FileDecl = value
            .try_into()
            .map_err(|e| format!("catalogue/{stem}.toml: {e}"))?;
        decls.push((stem.clone(), decl));
    }
    let mut records = Vec::new();
    for (stem, decl) in &decls {
        for r in &decl.record {
            let ctx = format!("catalogue/{stem}.toml: record {}", r.name);
            let strings = parse_strings(r.strings.as_deref()).map_err(|e| format!("{ctx}: {e}"))?;
            let mut fields = Vec::new();
            for f in &r.fields {
                if f.path.is_some() {
                    return Err(format!("{ctx}: records take no `path` entries"));
                }
                let field = resolve_field(f, strings, &ctx)?;
                if field.since.is_some() || field.until.is_some() || field.msg_version.is_some() {
                    return Err(format!(
                        "{ctx}.{}: a record's text presence is given where a message spreads it (path entries)",
                        field.name
                    ));
                }
                if field.when.is_some() || field.strict || f.items.is_some() || f.skip.is_some() {
                    return Err(format!(
                        "{ctx}.{}: when/strict/items/skip belong to a message's layout",
                        field.name
                    ));
                }
                fields.push(field);
            }
            let fdecls: Vec<&FieldDecl> = r.fields.iter().collect();
            check_proto_numbers(&fields, &fdecls, &ctx)?;
            records.push(Record {
                name: r.name.clone(),
                doc: r.doc.clone(),
                proto_name: r
                    .proto_name
                    .clone()
                    .unwrap_or_else(|| format!("{}Proto", r.name)),
                proto_doc: r.proto_doc.clone(),
                prefix: r.prefix.clone().unwrap_or_else(|| snake(&r.name)),
                fields,
                file: stem.clone(),
            });
        }
    }
    // The text layout of list fields inside records: every field of the item.
    let snapshot = records.clone();
    let names_now: BTreeMap<&str, &Record> =
        snapshot.iter().map(|r| (r.name.as_str(), r)).collect();
    for r in &mut records {
        for f in &mut r.fields {
            if let Some(rec) = f.ty.record() {
                if !names_now.contains_key(rec) {
                    return Err(format!(
                        "record {}.{}: no record named {rec}",
                        r.name, f.name
                    ));
                }
            }
            if f.ty.is_list() && f.text != TextRepr::Joined {
                let ctx = format!("record {}.{}", r.name, f.name);
                f.items = Some(resolve_items(&[], &f.ty, &names_now, &ctx)?);
            }
        }
    }
    let record_names: BTreeMap<&str, &Record> =
        records.iter().map(|r| (r.name.as_str(), r)).collect();

    let mut messages = Vec::new();
    let mut ids = BTreeSet::new();
    let mut names = BTreeSet::new();
    for (stem, decl) in &decls {
        for m in &decl.message {
            let ctx = format!("catalogue/{stem}.toml: message {}", m.name);
            let incoming = match m.direction.as_str() {
                "in" => true,
                "out" => false,
                d => {
                    return Err(format!(
                        "{ctx}: direction {d:?}: expected \"in\" or \"out\""
                    ))
                }
            };
            if !ids.insert((incoming, m.id)) {
                return Err(format!("{ctx}: id {} is used twice in its direction", m.id));
            }
            if !names.insert(m.name.clone()) {
                return Err(format!("{ctx}: the name is used twice"));
            }
            let strings = parse_strings(m.strings.as_deref()).map_err(|e| format!("{ctx}: {e}"))?;
            let mut fields: Vec<Field> = Vec::new();
            let mut text = Vec::new();
            let mut entries = Vec::new();
            let mut fdecls: Vec<&FieldDecl> = Vec::new();
            for f in &m.fields {
                if let Some(ty) = &f.skip {
                    if f.name.is_some() || f.path.is_some() || f.proto.is_some() || f.ty.is_some() {
                        return Err(format!(
                            "{ctx}: a skip entry takes only since/until/msg_version/when/default/doc"
                        ));
                    }
                    let ty = parse_type(ty).map_err(|e| format!("{ctx}: skip: {e}"))?;
                    if !matches!(ty, Type::Int | Type::Long | Type::Decimal | Type::Str) {
                        return Err(format!("{ctx}: skip {ty:?}: int, long, decimal or string"));
                    }
                    let when = f
                        .when
                        .as_deref()
                        .map(parse_cond)
                        .transpose()
                        .map_err(|e| format!("{ctx}: {e}"))?;
                    let write = match &f.default {
                        None => None,
                        Some(toml::Value::Integer(v)) if ty == Type::Int => Some(*v),
                        Some(d) => {
                            return Err(format!(
                                "{ctx}: skip default {d}: an integer, on an int skip (the value written)"
                            ))
                        }
                    };
                    text.push(TextEntry::Skip {
                        write,
                        ty,
                        since: f.since.clone(),
                        until: f.until.clone(),
                        msg_version: f.msg_version,
                        when,
                    });
                    continue;
                }
                if let Some(path) = &f.path {
                    let (owner_name, sub_name) = path
                        .split_once('.')
                        .ok_or_else(|| format!("{ctx}: path {path:?} is not `field.subfield`"))?;
                    if f.name.is_some()
                        || f.ty.is_some()
                        || f.proto.is_some()
                        || f.default.is_some()
                        || f.unset.is_some()
                        || f.boxed.is_some()
                    {
                        return Err(format!(
                            "{ctx}: path {path:?} takes only since/until/msg_version/when/items/text/strict/doc: the rest is the record's"
                        ));
                    }
                    let owner = fields
                        .iter()
                        .position(|x| x.name == owner_name)
                        .ok_or_else(|| {
                            format!("{ctx}: path {path:?}: no earlier field {owner_name:?}")
                        })?;
                    // An inline option<Record> is present when one of its
                    // path entries is read (their `when` decides).
                    let (Type::Record(rec) | Type::Optional(rec)) = &fields[owner].ty else {
                        return Err(format!(
                            "{ctx}: path {path:?}: {owner_name} is not a record"
                        ));
                    };
                    if fields[owner].text != TextRepr::Inline {
                        return Err(format!(
                            "{ctx}: path {path:?}: {owner_name} is not text = \"inline\""
                        ));
                    }
                    let record = record_names[rec.as_str()];
                    let mut sub =
                        nested_path_field(record, sub_name, &record_names).ok_or_else(|| {
                            format!("{ctx}: path {path:?}: record {rec} has no field {sub_name:?}")
                        })?;
                    let pctx = format!("{ctx}: path {path:?}");
                    sub.when = f
                        .when
                        .as_deref()
                        .map(parse_cond)
                        .transpose()
                        .map_err(|e| format!("{pctx}: {e}"))?;
                    sub.strict = f.strict.unwrap_or(false);
                    sub.split = f.split.clone().unwrap_or_default();
                    if !sub.split.is_empty() && sub.ty != Type::Str {
                        return Err(format!("{pctx}: only a string is split"));
                    }
                    match f.text.as_deref() {
                        None => {}
                        Some("ascii7_escaped") if sub.ty == Type::Str => {
                            sub.text = TextRepr::Ascii7Escaped {
                                from: f.text_from.clone(),
                            }
                        }
                        Some("flagged") if matches!(sub.ty, Type::Optional(_)) => {
                            sub.text = TextRepr::Flagged
                        }
                        Some("joined") if sub.ty == Type::TagValues => sub.text = TextRepr::Joined,
                        Some("empty_unset") if matches!(sub.ty, Type::Int | Type::Double) => {
                            sub.text = TextRepr::EmptyUnset
                        }
                        Some("number") if sub.ty == Type::Double => sub.text = TextRepr::Number,
                        Some(t) => return Err(format!("{pctx}: text {t:?} does not fit")),
                    }
                    if let Some(items) = &f.items {
                        sub.items = Some(resolve_items(items, &sub.ty, &record_names, &pctx)?);
                    }
                    let mut schema_field = sub.clone();
                    schema_field.proto = None;
                    schema_field.since = f.since.clone();
                    schema_field.until = f.until.clone();
                    schema_field.msg_version = f.msg_version;
                    entries.push(SchemaEntry {
                        name: path.clone(),
                        field: schema_field,
                        path: true,
                    });
                    text.push(TextEntry::Path {
                        owner,
                        sub: Box::new(sub),
                        since: f.since.clone(),
                        until: f.until.clone(),
                        msg_version: f.msg_version,
                    });
                    continue;
                }
                let mut field = resolve_field(f, strings, &ctx)?;
                if fields.iter().any(|x| x.name == field.name) {
                    return Err(format!("{ctx}: field {} is declared twice", field.name));
                }
                if let Some(r) = field.ty.record() {
                    if !record_names.contains_key(r) {
                        return Err(format!("{ctx}.{}: no record named {r}", field.name));
                    }
                }
                if matches!(field.ty, Type::Record(_)) && field.text != TextRepr::Inline {
                    return Err(format!(
                        "{ctx}.{}: a record field of a message is text = \"inline\" (its fields follow as `path` entries)",
                        field.name
                    ));
                }
                if field.ty.is_list() && field.text != TextRepr::Joined {
                    let fctx = format!("{ctx}.{}", field.name);
                    let items = f.items.clone().unwrap_or_default();
                    field.items = Some(resolve_items(&items, &field.ty, &record_names, &fctx)?);
                }
                entries.push(SchemaEntry {
                    name: field.name.clone(),
                    field: field.clone(),
                    path: false,
                });
                if field.text != TextRepr::Inline && !field.proto_only {
                    text.push(TextEntry::Field(fields.len()));
                }
                fields.push(field);
                fdecls.push(f);
            }
            check_proto_numbers(&fields, &fdecls, &ctx)?;
            for (i, f) in fields.iter().enumerate() {
                if f.text == TextRepr::Inline
                    && !text
                        .iter()
                        .any(|e| matches!(e, TextEntry::Path { owner, .. } if *owner == i))
                {
                    return Err(format!(
                        "{ctx}.{}: an inline record needs `path` entries",
                        f.name
                    ));
                }
            }
            let (text_version, text_version_until) = match &m.text_version {
                None => (None, None),
                Some(TextVersionDecl::Value(v)) => (Some(*v), None),
                Some(TextVersionDecl::Full { value, until }) => (Some(*value), until.clone()),
            };
            let msg = Message {
                name: m.name.clone(),
                type_name: m.type_name.clone().unwrap_or_else(|| m.name.clone()),
                wire_name: m.wire_name.clone(),
                incoming,
                id: m.id,
                id_name: m.id_name.clone(),
                doc: m.doc.clone(),
                text_version,
                text_version_until,
                min_text_version: m.min_text_version,
                proto_from: m.proto_from.clone(),
                min_server_version: m.min_server_version.clone(),
                proto_name: m
                    .proto_name
                    .clone()
                    .unwrap_or_else(|| format!("{}Proto", m.type_name.as_ref().unwrap_or(&m.name))),
                text_form: m.text_form.unwrap_or(true),
                subscription: None,
                proto_split: m
                    .proto_split
                    .as_ref()
                    .map(|p| (p.field.clone(), p.into.clone(), p.keep.unwrap_or(false))),
                proto_omit: m
                    .proto_omit
                    .iter()
                    .flatten()
                    .map(|p| {
                        p.split_once('.')
                            .map(|(a, b)| (a.to_owned(), b.to_owned()))
                            .ok_or_else(|| {
                                format!("{ctx}: proto_omit {p:?} is not `field.subfield`")
                            })
                    })
                    .collect::<Result<_, _>>()?,
                route: match &m.route {
                    None => Route::None,
                    Some(RouteDecl::Keyed { key, field }) => {
                        if !fields.iter().any(|f| &f.name == field && f.ty == Type::Int) {
                            return Err(format!(
                                "{ctx}: route field {field:?} is not an int field"
                            ));
                        }
                        Route::Keyed {
                            key: key.clone(),
                            field: field.clone(),
                        }
                    }
                    Some(RouteDecl::Name(n)) if n == "positions" => Route::Positions,
                    Some(RouteDecl::Name(n)) if n == "account_updates" => Route::AccountUpdates,
                    Some(RouteDecl::Name(n))
                        if matches!(
                            n.as_str(),
                            "mkt_depth_exchanges"
                                | "family_codes"
                                | "scanner_parameters"
                                | "news_providers"
                                | "fa"
                        ) =>
                    {
                        Route::Fixed(n.clone())
                    }
                    Some(RouteDecl::Name(field)) => {
                        let ok = fields.iter().any(|f| &f.name == field && f.ty == Type::Int);
                        if !ok {
                            return Err(format!(
                                "{ctx}: route {field:?} is neither `positions`, `account_updates` nor an int field"
                            ));
                        }
                        Route::Field(field.clone())
                    }
                },
                fields,
                text,
                entries,
                file: stem.clone(),
            };
            if msg.reads_msg_version() {
                let tv = msg.text_version.unwrap_or(0);
                for e in &msg.text {
                    let mv = match e {
                        TextEntry::Field(i) => msg.fields[*i].msg_version,
                        TextEntry::Skip { msg_version, .. } => *msg_version,
                        TextEntry::Path { msg_version, .. } => *msg_version,
                    };
                    if mv.is_some_and(|mv| mv > tv) {
                        return Err(format!(
                            "{ctx}: a field needs message version {} but text_version is {tv}",
                            mv.unwrap_or(0)
                        ));
                    }
                }
            }
            messages.push(msg);
        }
    }
    resolve_subscriptions(&decls, &mut messages)?;
    Ok(Catalogue {
        files: decls.into_iter().map(|(s, _)| s).collect(),
        records,
        messages,
    })
}

/// Resolves every request's `subscription`: its key, its guards (bool
/// fields) and its cancel (a request whose every field is copied from the
/// request's field of the same name and type, or given by `set`).
fn resolve_subscriptions(
    decls: &[(String, FileDecl)],
    messages: &mut [Message],
) -> Result<(), String> {
    let mut resolved = Vec::new();
    for (stem, file) in decls {
        for d in &file.message {
            let Some(sub) = &d.subscription else { continue };
            let ctx = format!("catalogue/{stem}.toml: message {}", d.name);
            let m = messages
                .iter()
                .find(|m| m.name == d.name)
                .ok_or_else(|| format!("{ctx}: not resolved"))?;
            if m.incoming {
                return Err(format!("{ctx}: only requests are subscriptions"));
            }
            let field = |name: &str| m.fields.iter().find(|f| f.name == name);
            for b in sub.when.iter().chain(&sub.unless) {
                if !field(b).is_some_and(|f| f.ty == Type::Bool) {
                    return Err(format!(
                        "{ctx}: subscription guard {b:?} is not a bool field"
                    ));
                }
            }
            let key = match (&sub.key, &m.route) {
                (Some(k), _) if ["positions", "account_updates", "market_data_type"]
                    .contains(&k.as_str()) =>
                {
                    (camel_case(k), None)
                }
                (Some(k), _) => {
                    return Err(format!(
                        "{ctx}: subscription key {k:?} is none of positions, account_updates, market_data_type"
                    ))
                }
                (None, Route::Field(f)) => ("Request".to_owned(), Some(f.clone())),
                (None, Route::Positions) => ("Positions".to_owned(), None),
                (None, Route::AccountUpdates) => ("AccountUpdates".to_owned(), None),
                (None, _) => {
                    return Err(format!(
                        "{ctx}: a subscription without a request id route needs a `key`"
                    ))
                }
            };
            let cancel = match &sub.cancel {
                None => {
                    if !sub.set.is_empty() {
                        return Err(format!("{ctx}: subscription `set` without `cancel`"));
                    }
                    None
                }
                Some(c) => {
                    let cm = messages
                        .iter()
                        .find(|x| &x.name == c && !x.incoming)
                        .ok_or_else(|| format!("{ctx}: cancel {c:?} is no request"))?;
                    for name in sub.set.keys() {
                        if !cm.fields.iter().any(|f| &f.name == name) {
                            return Err(format!("{ctx}: `set` names {name:?}, not a field of {c}"));
                        }
                    }
                    let mut fields = Vec::new();
                    let mut guards = Vec::new();
                    for f in &cm.fields {
                        let n = &f.name;
                        let expr = match sub.set.get(&f.name) {
                            Some(toml::Value::Boolean(b)) if f.ty == Type::Bool => {
                                guards.push(if *b { format!("m.{n}") } else { format!("!m.{n}") });
                                b.to_string()
                            }
                            Some(toml::Value::Integer(i)) if f.ty == Type::Int => {
                                guards.push(format!("m.{n} == {i}"));
                                i.to_string()
                            }
                            Some(toml::Value::String(t)) if f.ty == Type::Str => {
                                guards.push(format!("m.{n} == {t:?}"));
                                format!("{t:?}.into()")
                            }
                            Some(v) => {
                                return Err(format!(
                                    "{ctx}: `set` value {v} does not fit {c}.{}",
                                    f.name
                                ))
                            }
                            None => match field(&f.name) {
                                Some(rf) if rf.ty == f.ty => match f.ty {
                                    Type::Int | Type::Long | Type::Double | Type::Bool => {
                                        format!("m.{n}")
                                    }
                                    _ => format!("m.{n}.clone()"),
                                },
                                _ => {
                                    return Err(format!(
                                        "{ctx}: cancel {c} needs field {:?}: give it in `set` or in the request",
                                        f.name
                                    ))
                                }
                            },
                        };
                        fields.push((f.name.clone(), expr));
                    }
                    if let (Some(kf), false) = (
                        &key.1,
                        cm.fields.iter().any(|f| Some(&f.name) == key.1.as_ref()),
                    ) {
                        return Err(format!(
                            "{ctx}: cancel {c} does not carry the key field {kf:?}"
                        ));
                    }
                    Some(Cancel {
                        name: c.clone(),
                        type_name: cm.type_name.clone(),
                        fields,
                        guards,
                    })
                }
            };
            resolved.push((
                d.name.clone(),
                Subscription {
                    key,
                    cancel,
                    when: sub.when.clone(),
                    unless: sub.unless.clone(),
                },
            ));
        }
    }
    for (name, sub) in resolved {
        if let Some(m) = messages.iter_mut().find(|m| m.name == name) {
            m.subscription = Some(sub);
        }
    }
    Ok(())
}

/// `account_updates` -> `AccountUpdates`.
fn camel_case(s: &str) -> String {
    s.split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// `PnLSingle` -> `pnl_single`, `Contract` -> `contract`.
pub fn snake(name: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev_lower = i > 0 && chars[i - 1].is_ascii_lowercase();
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            let prev_upper = i > 0 && chars[i - 1].is_ascii_uppercase();
            if i > 0 && (prev_lower || (prev_upper && next_lower)) {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Result<Catalogue, String> {
        resolve(&[("t".to_owned(), text.to_owned())])
    }

    const OK: &str = r#"
[[message]]
name = "A"
wire_name = "a"
direction = "in"
id = 1
id_name = "A"
doc = "a."
proto_from = "never"
fields = [ { name = "req_id", type = "int", proto = 1, default = -1 } ]
"#;

    /// A request `Req` with `extra` keys, and its cancel `Cancel`.
    fn pair(extra: &str, cancel_fields: &str) -> String {
        format!(
            r#"
[[message]]
name = "Req"
wire_name = "req"
direction = "out"
id = 1
id_name = "REQ"
doc = "r."
proto_from = "never"
route = "req_id"
{extra}
fields = [ {{ name = "req_id", type = "int", proto = 1 }}, {{ name = "snapshot", type = "bool", proto = 2 }} ]

[[message]]
name = "Cancel"
wire_name = "cancel"
direction = "out"
id = 2
id_name = "CANCEL"
doc = "c."
proto_from = "never"
route = "req_id"
fields = [ {cancel_fields} ]
"#
        )
    }

    #[test]
    fn subscriptions_resolve_and_their_mistakes_are_named() {
        let req_id = r#"{ name = "req_id", type = "int", proto = 1 }"#;
        let ok = pair(
            r#"subscription = { cancel = "Cancel", unless = ["snapshot"] }"#,
            req_id,
        );
        let c = one(&ok).unwrap();
        let sub = c.messages[0].subscription.as_ref().unwrap();
        assert_eq!(sub.key, ("Request".to_owned(), Some("req_id".to_owned())));
        assert_eq!(sub.unless, vec!["snapshot".to_owned()]);
        let cancel = sub.cancel.as_ref().unwrap();
        assert_eq!(
            cancel.fields,
            vec![("req_id".to_owned(), "m.req_id".to_owned())]
        );
        let err = |extra: &str, fields: &str| one(&pair(extra, fields)).unwrap_err();
        assert!(err(r#"subscription = { cancel = "Nope" }"#, req_id).contains("is no request"));
        assert!(err(
            r#"subscription = { cancel = "Cancel", unless = ["req_id"] }"#,
            req_id
        )
        .contains("not a bool field"));
        let extra_field = r#"{ name = "req_id", type = "int", proto = 1 }, { name = "x", type = "string", proto = 2 }"#;
        assert!(err(r#"subscription = { cancel = "Cancel" }"#, extra_field)
            .contains("needs field \"x\""));
        assert!(err(
            r#"subscription = { cancel = "Cancel", set = { y = 1 } }"#,
            req_id
        )
        .contains("not a field of Cancel"));
        assert!(err(r#"subscription = { key = "other" }"#, req_id).contains("none of positions"));
        let set = pair(
            r#"subscription = { cancel = "Cancel", set = { x = "all" } }"#,
            extra_field,
        );
        let c = one(&set).unwrap();
        let cancel = c.messages[0]
            .subscription
            .as_ref()
            .unwrap()
            .cancel
            .clone()
            .unwrap();
        assert_eq!(cancel.guards, vec!["m.x == \"all\"".to_owned()]);
    }

    #[test]
    fn a_plain_message_resolves() {
        let c = one(OK).unwrap();
        assert_eq!(c.messages.len(), 1);
        assert_eq!(c.messages[0].proto_name, "AProto");
    }

    #[test]
    fn mistakes_are_reported_with_their_place() {
        let twice = format!("{OK}{}", OK.replace("name = \"A\"", "name = \"B\""));
        assert!(one(&twice).unwrap_err().contains("id 1 is used twice"));
        let no_proto = OK.replace(", proto = 1", "");
        assert!(one(&no_proto)
            .unwrap_err()
            .contains("message A.req_id: `proto`"));
        let bad_type = OK.replace(
            "\"int\", proto = 1, default = -1",
            "\"list<Bar>\", proto = 1",
        );
        assert!(one(&bad_type).unwrap_err().contains("no record named Bar"));
        let bad_list = OK.replace(
            "\"int\", proto = 1, default = -1",
            "\"list<bool>\", proto = 1",
        );
        assert!(one(&bad_list).unwrap_err().contains("lists hold records"));
        let bad_path = OK.replace("fields = [", "fields = [ { path = \"contract.con_id\" },");
        assert!(one(&bad_path).unwrap_err().contains("no earlier field"));
        let unknown_key = OK.replace("doc = \"a.\"", "doc = \"a.\"\nsine = 3");
        assert!(one(&unknown_key).unwrap_err().contains("sine"));
    }

    #[test]
    fn when_conditions_parse() {
        let c = parse_cond("msg_version >= 6 or tick_type in [13, 83]").unwrap();
        assert!(c.uses_msg_version());
        assert_eq!(c.paths(), ["msg_version", "tick_type"]);
        let c = parse_cond(r#"contract.sec_type == "FUND""#).unwrap();
        assert_eq!(
            c,
            Cond::Cmp {
                path: "contract.sec_type".into(),
                op: CmpOp::Eq,
                lits: vec![Lit::Str("FUND".into())]
            }
        );
        let c = parse_cond("tick_type not in [1, 2] and a != 0").unwrap();
        assert!(matches!(c, Cond::And(ref xs) if xs.len() == 2));
        assert!(parse_cond("tick_type >= 3").is_err());
        assert!(parse_cond("tick_type in 3").is_err());
        assert!(parse_cond(r#"a == "x"#).is_err());
    }

    const RECORDS: &str = r#"
[[record]]
name = "Leg"
doc = "l."
fields = [ { name = "con_id", type = "int", proto = 1 }, { name = "ratio", type = "int", proto = 2 } ]

[[record]]
name = "TagValue"
doc = "t."
strings = "String"
fields = [ { name = "tag", type = "string", proto = 1 }, { name = "value", type = "string", proto = 2 } ]
"#;

    fn with_fields(fields: &str) -> Result<Catalogue, String> {
        one(&format!(
            "{RECORDS}{}",
            OK.replace(
                "fields = [ { name = \"req_id\", type = \"int\", proto = 1, default = -1 } ]",
                &format!("strings = \"String\"\nfields = [ {{ name = \"req_id\", type = \"int\", proto = 1, default = -1 }}, {fields} ]")
            )
        ))
    }

    #[test]
    fn lists_options_and_tag_values_resolve() {
        let c = with_fields(
            r#"{ name = "legs", type = "list<Leg>", proto = 2, items = ["con_id"] },
               { name = "names", type = "list<string>", proto = 3 },
               { name = "strikes", type = "list<double>", proto = 4 },
               { name = "opts", type = "tag_values", text = "joined", proto = 5 },
               { name = "ids", type = "tag_values", proto = 6 },
               { name = "dn", type = "option<Leg>", text = "flagged", proto = 7 }"#,
        )
        .unwrap();
        let m = &c.messages[0];
        assert_eq!(
            m.fields[1].ty,
            Type::List(Box::new(Type::Record("Leg".into())))
        );
        assert_eq!(
            m.fields[1].items.as_ref().unwrap().len(),
            1,
            "only the listed item field"
        );
        assert_eq!(m.fields[4].text, TextRepr::Joined);
        assert_eq!(
            m.fields[5].items.as_ref().unwrap().len(),
            2,
            "tag and value"
        );
        assert_eq!(m.fields[6].text, TextRepr::Flagged);
        let bad =
            with_fields(r#"{ name = "legs", type = "list<Leg>", proto = 2, items = ["nope"] }"#);
        assert!(bad.unwrap_err().contains("no field \"nope\""));
        let bad = with_fields(r#"{ name = "x", type = "int", text = "joined", proto = 2 }"#);
        assert!(bad.is_err());
    }

    #[test]
    fn skip_strict_bits_unset_and_proto_none_resolve() {
        let c = with_fields(
            r#"{ skip = "int", since = 110, until = 164 },
               { name = "mask", type = "bits", proto = 2, bits = [ { name = "a", bit = 0, exact_until = 109 }, { name = "b", bit = 1, since = 109 } ] },
               { name = "delta", type = "double", proto = 3, unset = -2.0 },
               { name = "vol", type = "double", proto = 4, unset = "negative" },
               { name = "derived", type = "string", proto = "none" },
               { name = "only", type = "string", proto = 5, proto_only = true }"#,
        )
        .unwrap();
        let m = &c.messages[0];
        assert!(matches!(m.text[1], TextEntry::Skip { ty: Type::Int, .. }));
        assert_eq!(m.fields[1].bits.len(), 2);
        assert_eq!(m.fields[2].unset, Some(Unset::Value(-2.0)));
        assert_eq!(m.fields[3].unset, Some(Unset::Negative));
        assert_eq!(m.fields[4].proto, None);
        assert!(!m
            .text
            .iter()
            .any(|e| matches!(e, TextEntry::Field(i) if *i == 5)));
        let bad = with_fields(
            r#"{ name = "m", type = "bits", proto = 2, proto_form = "message", bits = [] }"#,
        );
        assert!(bad.unwrap_err().contains("proto_form"));
        // A nested message of bools: every flag names its bool's number.
        let ok = with_fields(
            r#"{ name = "m", type = "bits", proto = 2, proto_form = "message", bits = [ { name = "a", bit = 0, proto = 1 }, { name = "b", bit = 1, proto = 2 } ] }"#,
        )
        .unwrap();
        assert_eq!(ok.messages[0].fields[1].bits[1].proto, Some(2));
        let bad = with_fields(
            r#"{ name = "m", type = "bits", proto = 2, proto_form = "message", bits = [ { name = "a", bit = 0 } ] }"#,
        );
        assert!(bad.unwrap_err().contains("field number"));
        let bad = with_fields(
            r#"{ name = "m", type = "bits", proto = 2, bits = [ { name = "a", bit = 0, proto = 1 } ] }"#,
        );
        assert!(bad.unwrap_err().contains("belongs to proto_form"));
        let bad = with_fields(r#"{ name = "m", type = "bits", proto = 2 }"#);
        assert!(bad.unwrap_err().contains("lists its `bits`"));
    }

    #[test]
    fn routes_and_text_form_resolve() {
        let keyed = OK.replace(
            "fields = [",
            "route = { key = \"market_rule\", field = \"req_id\" }\ntext_form = false\nfields = [",
        );
        let c = one(&keyed).unwrap();
        assert_eq!(
            c.messages[0].route,
            Route::Keyed {
                key: "market_rule".into(),
                field: "req_id".into()
            }
        );
        assert!(!c.messages[0].text_form);
        let fixed = OK.replace("fields = [", "route = \"family_codes\"\nfields = [");
        assert_eq!(
            one(&fixed).unwrap().messages[0].route,
            Route::Fixed("family_codes".into())
        );
    }

    #[test]
    fn snake_case_names() {
        assert_eq!(snake("Contract"), "contract");
        assert_eq!(snake("ContractDetails"), "contract_details");
    }
}
