//! The C view of the catalogue: what every incoming message looks like to C
//! (and so to the Python and C++ bindings, which mirror the C structs).
//!
//! [`resolve`] computes, from the resolved catalogue and the `c_*` exposure
//! keys of the catalogue files, for every incoming message:
//! - its event constant (`TWS_EVENT_ACCOUNT_SUMMARY`) and stable value
//!   (`c_event = N`, required: values never move once assigned; the 19
//!   messages of ABI 0.x keep 1..23, new messages take 100 and up);
//! - its typed view, if it has one: the `tws_event_data` union member
//!   (`c_member`) and the struct it holds (`c_struct`, default
//!   `tws_<member>_event`; several messages may share one struct, such as
//!   `tws_time_event` or `tws_multi_end_event`), with its C fields in C order;
//! - for each C field: its C name, C type, where its value comes from (a
//!   message field, or a derived extra such as the error's `error_class`) and
//!   its `has_<field>` flag when the catalogue declares an `unset` sentinel
//!   for an int, long or double (absent is a flag, never a magic number).
//!
//! Records nested in typed views (`Contract` -> `tws_contract`) get a C
//! struct too ([`CModel::records`]).
//!
//! # Exposure keys (message and record level only)
//!
//! | key | on | meaning |
//! |---|---|---|
//! | `c_event` | incoming message | the `tws_event_type` value (required) |
//! | `c_name` | incoming message | the constant without `TWS_EVENT_` (default: the name in upper snake case) |
//! | `c_doc` | incoming message | the constant's doc (default: the member and the message doc) |
//! | `c_member` | incoming message | the union member; leave out for no typed view (read it with the generic accessor) |
//! | `c_struct` | message, record | the C struct name (messages: default `tws_<c_member>_event`; records: required for a record used in a typed view) |
//! | `c_struct_doc` | message, record | the struct's doc (default: the message or record doc) |
//! | `c_fields` | message, record | the C fields in C order (default: every field in declaration order). Each entry is a field name, or a table `{ name, from, type, doc, derived }`: `from` the catalogue field it reads (default `name`), `type` a wider catalogue type (`long` for an `int`), `derived` the name of a computed value the emitters know (`error_class`, `accounts_joined`) with its `type` |
//!
//! A message field left out of `c_fields` is still visible through the
//! generic accessor (`tws_event_field`); the typed view is a fast subset.
//!
//! The public items of this module are the contract between the generator
//! and the three emitters (Rust FFI, Python, C++): keep them stable.

use std::collections::BTreeMap;

use crate::model::{Catalogue, Field, Type, Unset};

/// The C view of the whole catalogue.
#[derive(Debug, Clone)]
pub struct CModel {
    /// Every incoming message, in catalogue order.
    pub events: Vec<CEvent>,
    /// Every distinct event struct, in order of first use. A struct shared by
    /// several messages (`tws_time_event`) appears once, with the C fields and
    /// docs of its first user; every user has the same C names and types.
    pub structs: Vec<CStruct>,
    /// The C structs of records used inside typed views (`tws_contract`).
    pub records: Vec<CStruct>,
}

/// One incoming message as C sees it.
#[derive(Debug, Clone)]
pub struct CEvent {
    /// The `Incoming` variant and catalogue name (`AccountSummary`); also
    /// what `tws_event_message_name` returns.
    pub message: String,
    /// The Rust struct (`ErrorMessage`).
    pub type_name: String,
    /// IB's name (`accountSummary`).
    pub wire_name: String,
    /// The catalogue file stem it is declared in (`session`).
    pub file: String,
    /// The constant without its prefix (`ACCOUNT_SUMMARY`); what
    /// `tws_event_type_str` returns.
    pub short: String,
    /// The full constant (`TWS_EVENT_ACCOUNT_SUMMARY`).
    pub constant: String,
    /// The `tws_event_type` value.
    pub value: i32,
    /// The constant's doc.
    pub doc: String,
    /// The typed union member, if any.
    pub view: Option<CView>,
}

/// A typed view: the union member and the struct it holds, filled from one
/// message.
#[derive(Debug, Clone)]
pub struct CView {
    /// The `tws_event_data` member (`account_summary`).
    pub member: String,
    /// The struct (`tws_account_summary_event`); look it up in
    /// [`CModel::structs`] with [`CModel::event_struct`].
    pub struct_name: String,
    /// The struct's fields in C order, with this message's sources.
    pub fields: Vec<CField>,
}

/// A C struct (an event view or a record).
#[derive(Debug, Clone)]
pub struct CStruct {
    /// `tws_pnl_event`, `tws_contract`.
    pub name: String,
    pub doc: String,
    /// Fields in C order (each followed in the layout by its `has_` flag, if any).
    pub fields: Vec<CField>,
    /// The messages whose view it is (or, for a record, the record name).
    pub users: Vec<String>,
}

/// One field of a C struct.
#[derive(Debug, Clone)]
pub struct CField {
    /// The C field name (`daily_pnl`).
    pub name: String,
    pub ty: CType,
    /// Where the value comes from.
    pub source: CSource,
    /// `has_<name>`: a `bool` placed right after the field, true when the
    /// value is present (the catalogue declares an `unset` sentinel for it).
    /// When false, the field holds 0.
    pub has_flag: Option<String>,
    /// The sentinel the flag is computed from (value == sentinel -> absent).
    pub unset: Option<Unset>,
    /// Doc comment (one paragraph; may be empty).
    pub doc: String,
}

/// The C type of a field.
#[derive(Debug, Clone, PartialEq)]
pub enum CType {
    /// `int32_t`
    Int32,
    /// `int64_t`
    Int64,
    /// `double`
    Double,
    /// `bool`
    Bool,
    /// `const char *`: a string (never NULL, "" when empty).
    Str,
    /// `const char *`: a decimal as the exact text TWS sent ("" when unset).
    Decimal,
    /// An embedded record struct (`tws_contract`).
    Record {
        /// The catalogue record (`Contract`).
        record: String,
        /// Its C struct (`tws_contract`).
        c_struct: String,
    },
}

impl CType {
    /// The C spelling (`int32_t`, `const char *`, `tws_contract`).
    pub fn c(&self) -> String {
        match self {
            CType::Int32 => "int32_t".into(),
            CType::Int64 => "int64_t".into(),
            CType::Double => "double".into(),
            CType::Bool => "bool".into(),
            CType::Str | CType::Decimal => "const char *".into(),
            CType::Record { c_struct, .. } => c_struct.clone(),
        }
    }

    /// The Rust spelling in a `#[repr(C)]` struct (`i32`, `*const c_char`).
    pub fn rust(&self) -> String {
        match self {
            CType::Int32 => "i32".into(),
            CType::Int64 => "i64".into(),
            CType::Double => "f64".into(),
            CType::Bool => "bool".into(),
            CType::Str | CType::Decimal => "*const c_char".into(),
            CType::Record { c_struct, .. } => c_struct.clone(),
        }
    }

    /// True for `const char *` fields (strings and decimals).
    pub fn is_text(&self) -> bool {
        matches!(self, CType::Str | CType::Decimal)
    }
}

/// Where a C field's value comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum CSource {
    /// The message's (or record's) field of this name, of this catalogue type.
    Field { name: String, ty: Type },
    /// A computed value the emitters know by name:
    /// - `error_class`: `int32_t`, a `tws_error_class` value computed from the
    ///   error's `code` (Rust: `classify(code)`; Python/C++: mirror the int);
    /// - `accounts_joined`: the managed accounts, trimmed, empty entries
    ///   dropped, joined with "," (Rust: `ManagedAccounts::accounts()`).
    Derived(String),
    /// A value inside a message field, named by a dotted `from` path: a
    /// record's field (`data.position`), an option's field (`last.price`:
    /// 0, false or "" when the option is `None`), a flag of a mask
    /// (`attrib.past_limit`: a bool) or an option's presence (`last`: a bool).
    Path {
        /// The `from` path as written.
        path: String,
        /// How to reach the value from the message.
        steps: Vec<CStep>,
        /// The catalogue type of the value (`Bool` for a flag or a presence).
        ty: Type,
        /// The field visitor's name of the value (`market_depth_data.position`,
        /// `last.attrib.past_limit`, `last`).
        visitor: String,
    },
}

/// One step of a [`CSource::Path`].
#[derive(Debug, Clone, PartialEq)]
pub enum CStep {
    /// A struct field (a record, or the leaf value).
    Field(String),
    /// An `Option<Record>` field: the following steps read inside it; as the
    /// last step, its presence.
    Option(String),
    /// A flag of the mask reached so far: `mask & (1 << bit) != 0`.
    Bit(u32),
}

impl CModel {
    /// The struct a view holds.
    pub fn event_struct(&self, view: &CView) -> &CStruct {
        self.structs
            .iter()
            .find(|s| s.name == view.struct_name)
            .expect("resolve lists every view's struct")
    }

    /// The C struct of a record, if it has one.
    pub fn record_struct(&self, record: &str) -> Option<&CStruct> {
        self.records
            .iter()
            .find(|s| s.users.iter().any(|u| u == record))
    }

    /// The event of the message `name`.
    pub fn event(&self, name: &str) -> Option<&CEvent> {
        self.events.iter().find(|e| e.message == name)
    }
}

/// An engine event: a `tws_event_type` constant that is no message (its C
/// struct and conversion are hand-written in `src/ffi`). Listed here so that
/// every emitter writes the whole `tws_event_type` enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EngineEvent {
    /// The constant without `TWS_EVENT_`.
    pub short: &'static str,
    pub value: i32,
    /// The union member it fills (`state`, `raw`).
    pub member: &'static str,
    /// The hand-written struct of that member.
    pub struct_name: &'static str,
    pub doc: &'static str,
}

/// The engine events, by value. Their values are reserved: no message may take them.
pub const ENGINE_EVENTS: &[EngineEvent] = &[
    EngineEvent {
        short: "STATE",
        value: 1,
        member: "state",
        struct_name: "tws_state_event",
        doc: "`data.state`: the session changed state.",
    },
    EngineEvent {
        short: "UNKNOWN_MESSAGE",
        value: 9,
        member: "raw",
        struct_name: "tws_raw_message_event",
        doc: "`data.raw`: a message id this libtws does not know yet.",
    },
    EngineEvent {
        short: "DECODE_ERROR",
        value: 10,
        member: "raw",
        struct_name: "tws_raw_message_event",
        doc: "`data.raw`: a message that failed to decode; the session goes on.",
    },
    EngineEvent {
        short: "PROTOCOL_ERROR",
        value: 23,
        member: "raw",
        struct_name: "tws_raw_message_event",
        doc: "`data.raw`: the peer broke the framing (for example a length prefix over the maximum frame length; `payload` holds those 4 bytes, and the announced frame was neither read nor allocated). The connection is closed: a TWS_STATE_CONNECTION_LOST event follows, then reconnecting.",
    },
    EngineEvent {
        short: "HISTORY_PACING",
        value: 24,
        member: "pacing",
        struct_name: "tws_pacing_event",
        doc: "`data.pacing`: a historical-data request held back by the pacing, or let go after it was (TWS_PACING_HELD, then TWS_PACING_RELEASED or TWS_PACING_WITHDRAWN).",
    },
];

/// The known derived extras and their C types.
pub const DERIVED: &[(&str, CType)] = &[
    ("error_class", CType::Int32),
    ("accounts_joined", CType::Str),
];

/// `AccountSummary` -> `ACCOUNT_SUMMARY`.
pub fn upper_snake(name: &str) -> String {
    crate::model::snake(name).to_ascii_uppercase()
}

/// The `c_*` keys of one message or record table.
#[derive(Debug, Default, Clone)]
struct Exposure {
    event: Option<i64>,
    name: Option<String>,
    doc: Option<String>,
    member: Option<String>,
    struct_name: Option<String>,
    struct_doc: Option<String>,
    fields: Option<Vec<FieldSpec>>,
}

#[derive(Debug, Clone)]
struct FieldSpec {
    name: String,
    from: Option<String>,
    ty: Option<String>,
    doc: Option<String>,
    derived: Option<String>,
}

const KEYS: &[&str] = &[
    "c_event",
    "c_name",
    "c_doc",
    "c_member",
    "c_struct",
    "c_struct_doc",
    "c_fields",
];

/// The `c_*` tables of one file: `(message or record name, is_record, keys)`.
pub type FileExposure = Vec<(String, bool, toml::Table)>;

/// A field as the C view reads it: name, type, sentinel, doc.
type Source = (String, Type, Option<Unset>, Option<String>);

/// Removes the `c_*` keys from a parsed catalogue file (the protocol model
/// does not know them) and returns them per message and per record name.
/// `model::resolve` calls it before deserialising; unknown `c_*` keys fail.
pub fn take_exposure(stem: &str, value: &mut toml::Value) -> Result<FileExposure, String> {
    let mut out = Vec::new();
    let Some(top) = value.as_table_mut() else {
        return Ok(out);
    };
    for (kind, is_record) in [("message", false), ("record", true)] {
        let Some(toml::Value::Array(items)) = top.get_mut(kind) else {
            continue;
        };
        for item in items {
            let Some(t) = item.as_table_mut() else {
                continue;
            };
            let name = t
                .get("name")
                .and_then(|v| v.as_str())
                .unwrap_or("?")
                .to_owned();
            let keys: Vec<String> = t.keys().filter(|k| k.starts_with("c_")).cloned().collect();
            let mut c = toml::Table::new();
            for k in keys {
                if !KEYS.contains(&k.as_str()) {
                    return Err(format!(
                        "catalogue/{stem}.toml: {kind} {name}: unknown exposure key {k:?} (known: {KEYS:?})"
                    ));
                }
                if let Some(v) = t.remove(&k) {
                    c.insert(k, v);
                }
            }
            out.push((name, is_record, c));
        }
    }
    Ok(out)
}

fn parse_exposure(t: &toml::Table, ctx: &str) -> Result<Exposure, String> {
    let s = |k: &str| -> Result<Option<String>, String> {
        match t.get(k) {
            None => Ok(None),
            Some(toml::Value::String(s)) => Ok(Some(s.clone())),
            Some(v) => Err(format!("{ctx}: {k} = {v}: expected a string")),
        }
    };
    let event = match t.get("c_event") {
        None => None,
        Some(toml::Value::Integer(n)) => Some(*n),
        Some(v) => return Err(format!("{ctx}: c_event = {v}: expected an integer")),
    };
    let fields = match t.get("c_fields") {
        None => None,
        Some(toml::Value::Array(items)) => {
            let mut out = Vec::new();
            for it in items {
                out.push(match it {
                    toml::Value::String(n) => FieldSpec {
                        name: n.clone(),
                        from: None,
                        ty: None,
                        doc: None,
                        derived: None,
                    },
                    toml::Value::Table(ft) => {
                        for k in ft.keys() {
                            if !["name", "from", "type", "doc", "derived"].contains(&k.as_str()) {
                                return Err(format!("{ctx}: c_fields: unknown key {k:?}"));
                            }
                        }
                        let get = |k: &str| ft.get(k).and_then(|v| v.as_str()).map(str::to_owned);
                        FieldSpec {
                            name: get("name")
                                .ok_or_else(|| format!("{ctx}: c_fields entry without name"))?,
                            from: get("from"),
                            ty: get("type"),
                            doc: get("doc"),
                            derived: get("derived"),
                        }
                    }
                    v => return Err(format!("{ctx}: c_fields entry {v}: a name or a table")),
                });
            }
            Some(out)
        }
        Some(v) => return Err(format!("{ctx}: c_fields = {v}: expected an array")),
    };
    Ok(Exposure {
        event,
        name: s("c_name")?,
        doc: s("c_doc")?,
        member: s("c_member")?,
        struct_name: s("c_struct")?,
        struct_doc: s("c_struct_doc")?,
        fields,
    })
}

fn first_paragraph(doc: &str) -> String {
    doc.trim().to_owned()
}

/// Resolves the C view. `exposure` is what [`take_exposure`] returned for
/// every file, in file order (`(stem, entries)`).
pub fn resolve(cat: &Catalogue, exposure: &[(String, FileExposure)]) -> Result<CModel, String> {
    let mut msg_exp: BTreeMap<String, (String, Exposure)> = BTreeMap::new();
    let mut rec_exp: BTreeMap<String, (String, Exposure)> = BTreeMap::new();
    for (stem, entries) in exposure {
        for (name, is_record, t) in entries {
            let ctx = format!(
                "catalogue/{stem}.toml: {} {name}",
                if *is_record { "record" } else { "message" }
            );
            let e = parse_exposure(t, &ctx)?;
            if *is_record {
                rec_exp.insert(name.clone(), (ctx, e));
            } else {
                msg_exp.insert(name.clone(), (ctx, e));
            }
        }
    }

    // Records first: their C structs are embedded in views.
    let mut records: Vec<CStruct> = Vec::new();
    for r in &cat.records {
        let (ctx, e) = rec_exp
            .get(&r.name)
            .cloned()
            .unwrap_or_else(|| (format!("record {}", r.name), Exposure::default()));
        if e.event.is_some() || e.member.is_some() || e.name.is_some() || e.doc.is_some() {
            return Err(format!(
                "{ctx}: records take only c_struct, c_struct_doc and c_fields"
            ));
        }
        let Some(struct_name) = e.struct_name.clone() else {
            continue;
        };
        let sources: Vec<Source> = r
            .fields
            .iter()
            .map(|f| (f.name.clone(), f.ty.clone(), f.unset, f.doc.clone()))
            .collect();
        let fields = c_fields(&ctx, &e, &sources, &records, cat, &r.fields)?;
        records.push(CStruct {
            name: struct_name,
            doc: e
                .struct_doc
                .clone()
                .unwrap_or_else(|| first_paragraph(&r.doc)),
            fields,
            users: vec![r.name.clone()],
        });
    }

    let mut events = Vec::new();
    let mut structs: Vec<CStruct> = Vec::new();
    let mut values: BTreeMap<i64, String> = BTreeMap::new();
    let mut shorts: BTreeMap<String, String> = BTreeMap::new();
    let mut members: BTreeMap<String, String> = BTreeMap::new();
    let max_assigned = msg_exp
        .values()
        .filter_map(|(_, e)| e.event)
        .max()
        .unwrap_or(99)
        .max(99);
    for m in cat.messages.iter() {
        let (ctx, e) = msg_exp
            .get(&m.name)
            .cloned()
            .unwrap_or_else(|| (format!("message {}", m.name), Exposure::default()));
        if !m.incoming {
            if e.event.is_some() || e.member.is_some() || e.struct_name.is_some() {
                return Err(format!("{ctx}: only incoming messages take c_* keys"));
            }
            continue;
        }
        let value = e.event.ok_or_else(|| {
            format!(
                "{ctx}: an incoming message needs `c_event = N`, its stable tws_event_type value \
                 (the next free one is {}); values are never reused or moved",
                max_assigned + 1
            )
        })?;
        if !(1..=i64::from(i32::MAX)).contains(&value) || (24..100).contains(&value) {
            return Err(format!(
                "{ctx}: c_event = {value}: 1..23 are the ABI 0.x values, new messages take 100 and up"
            ));
        }
        if let Some(engine) = ENGINE_EVENTS.iter().find(|x| i64::from(x.value) == value) {
            return Err(format!(
                "{ctx}: c_event = {value} is the engine event TWS_EVENT_{}",
                engine.short
            ));
        }
        if let Some(other) = values.insert(value, m.name.clone()) {
            return Err(format!("{ctx}: c_event = {value} is {other}'s already"));
        }
        let short = e.name.clone().unwrap_or_else(|| upper_snake(&m.name));
        if let Some(other) = shorts.insert(short.clone(), m.name.clone()) {
            return Err(format!(
                "{ctx}: the constant name {short} is {other}'s already"
            ));
        }
        let sources: Vec<Source> = m
            .fields
            .iter()
            .map(|f| (f.name.clone(), f.ty.clone(), f.unset, f.doc.clone()))
            .collect();
        let view = match &e.member {
            None => {
                if e.struct_name.is_some() || e.fields.is_some() {
                    return Err(format!("{ctx}: c_struct and c_fields need c_member"));
                }
                None
            }
            Some(member) => {
                let struct_name = e
                    .struct_name
                    .clone()
                    .unwrap_or_else(|| format!("tws_{member}_event"));
                let fields = c_fields(&ctx, &e, &sources, &records, cat, &m.fields)?;
                if let Some(other) = members.get(member) {
                    let owner = structs.iter().find(|s| s.users.contains(other));
                    if owner.is_none_or(|s| s.name != struct_name) {
                        return Err(format!(
                            "{ctx}: union member {member} is {other}'s, with another struct"
                        ));
                    }
                }
                members.insert(member.clone(), m.name.clone());
                match structs.iter_mut().find(|s| s.name == struct_name) {
                    Some(s) => {
                        let same = s.fields.len() == fields.len()
                            && s.fields.iter().zip(&fields).all(|(a, b)| {
                                a.name == b.name && a.ty == b.ty && a.has_flag == b.has_flag
                            });
                        if !same {
                            return Err(format!(
                                "{ctx}: {struct_name} is shared with {}, but its C fields differ",
                                s.users.join(", ")
                            ));
                        }
                        s.users.push(m.name.clone());
                    }
                    None => structs.push(CStruct {
                        name: struct_name.clone(),
                        doc: e
                            .struct_doc
                            .clone()
                            .unwrap_or_else(|| format!("`TWS_EVENT_{short}`: {}", m.doc.trim())),
                        fields: fields.clone(),
                        users: vec![m.name.clone()],
                    }),
                }
                Some(CView {
                    member: member.clone(),
                    struct_name,
                    fields,
                })
            }
        };
        let doc = e.doc.clone().unwrap_or_else(|| match &view {
            Some(v) => format!("`data.{}`: {}", v.member, m.doc.trim()),
            None => format!(
                "No typed view: read it with `tws_event_field` (message `{}`). {}",
                m.name,
                m.doc.trim()
            ),
        });
        events.push(CEvent {
            message: m.name.clone(),
            type_name: m.type_name.clone(),
            wire_name: m.wire_name.clone(),
            file: m.file.clone(),
            constant: format!("TWS_EVENT_{short}"),
            short,
            value: value as i32,
            doc,
            view,
        });
    }
    for name in msg_exp.keys() {
        if !cat.messages.iter().any(|m| &m.name == name) {
            return Err(format!("exposure keys for an unknown message {name}"));
        }
    }
    Ok(CModel {
        events,
        structs,
        records,
    })
}

fn c_type_of(ty: &Type, ctx: &str, records: &[CStruct]) -> Result<CType, String> {
    Ok(match ty {
        // A mask as its int (its flags: `from = "attrib.flag"`, bools).
        Type::Int | Type::Bits => CType::Int32,
        Type::Long => CType::Int64,
        Type::Double => CType::Double,
        Type::Bool => CType::Bool,
        Type::Str => CType::Str,
        Type::Decimal => CType::Decimal,
        Type::Record(r) => {
            let s = records
                .iter()
                .find(|s| s.users.contains(r))
                .ok_or_else(|| format!("{ctx}: record {r} has no C struct: give it `c_struct`"))?;
            CType::Record {
                record: r.clone(),
                c_struct: s.name.clone(),
            }
        }
        Type::List(_) | Type::Optional(_) | Type::TagValues => {
            return Err(format!(
                "{ctx}: a {ty:?} field has no C type: leave it out of c_fields (the generic \
                 accessor reads it) or drop c_member"
            ))
        }
    })
}

/// A resolved path: its steps, the value's type, sentinel and doc, and its
/// visitor name.
type ResolvedPath = (Vec<CStep>, Type, Option<Unset>, Option<String>, String);

/// Resolves a dotted `from` path (`data.position`, `last.attrib.past_limit`,
/// `last`) among `fields`: its steps, the value's type, sentinel and doc, and
/// the visitor name.
fn resolve_path(
    ctx: &str,
    from: &str,
    fields: &[Field],
    cat: &Catalogue,
) -> Result<ResolvedPath, String> {
    let parts: Vec<&str> = from.split('.').collect();
    let mut f: Field = fields
        .iter()
        .find(|f| f.name == parts[0])
        .cloned()
        .ok_or_else(|| format!("{ctx}: c_fields: no field {:?} (in {from:?})", parts[0]))?;
    let mut visitor = parts[0].to_owned();
    let mut steps = Vec::new();
    let mut rest = &parts[1..];
    while let Some((part, tail)) = rest.split_first() {
        match &f.ty {
            Type::Record(r) | Type::Optional(r) => {
                let rec = cat
                    .records
                    .iter()
                    .find(|x| &x.name == r)
                    .ok_or_else(|| format!("{ctx}: c_fields: no record {r}"))?;
                let sub = rec.fields.iter().find(|x| x.name == *part).ok_or_else(|| {
                    format!("{ctx}: c_fields: {from:?}: record {r} has no field {part:?}")
                })?;
                steps.push(match f.ty {
                    Type::Optional(_) => CStep::Option(f.name.clone()),
                    _ => CStep::Field(f.name.clone()),
                });
                visitor = format!("{}.{part}", rec.prefix);
                f = sub.clone();
            }
            Type::Bits if tail.is_empty() => {
                let bit = f.bits.iter().find(|b| b.name == *part).ok_or_else(|| {
                    format!("{ctx}: c_fields: {from:?}: {} has no flag {part:?}", f.name)
                })?;
                steps.push(CStep::Field(f.name.clone()));
                steps.push(CStep::Bit(bit.bit));
                let doc = format!("The `{part}` flag: bit {} of the mask `{}`.", bit.bit, f.name);
                return Ok((steps, Type::Bool, None, Some(doc), format!("{visitor}.{part}")));
            }
            other => {
                return Err(format!(
                    "{ctx}: c_fields: {from:?}: {} is a {other:?}: a path goes through records and options to a value or a flag",
                    f.name
                ))
            }
        }
        rest = tail;
    }
    match f.ty {
        Type::Optional(_) => {
            steps.push(CStep::Option(f.name.clone()));
            Ok((steps, Type::Bool, None, f.doc.clone(), visitor))
        }
        t => {
            steps.push(CStep::Field(f.name.clone()));
            Ok((steps, t, f.unset, f.doc.clone(), visitor))
        }
    }
}

fn c_fields(
    ctx: &str,
    e: &Exposure,
    sources: &[Source],
    records: &[CStruct],
    cat: &Catalogue,
    decls: &[Field],
) -> Result<Vec<CField>, String> {
    let specs: Vec<FieldSpec> = match &e.fields {
        Some(f) => f.clone(),
        None => sources
            .iter()
            .map(|(n, ..)| FieldSpec {
                name: n.clone(),
                from: None,
                ty: None,
                doc: None,
                derived: None,
            })
            .collect(),
    };
    let mut out: Vec<CField> = Vec::new();
    for s in &specs {
        if out.iter().any(|f| f.name == s.name) {
            return Err(format!("{ctx}: c_fields: {} twice", s.name));
        }
        if let Some(d) = &s.derived {
            let (_, ty) = DERIVED.iter().find(|(n, _)| n == d).ok_or_else(|| {
                format!("{ctx}: c_fields: unknown derived value {d:?} (known: error_class, accounts_joined)")
            })?;
            out.push(CField {
                name: s.name.clone(),
                ty: ty.clone(),
                source: CSource::Derived(d.clone()),
                has_flag: None,
                unset: None,
                doc: s.doc.clone().unwrap_or_default(),
            });
            continue;
        }
        let from = s.from.clone().unwrap_or_else(|| s.name.clone());
        if from.contains('.')
            || decls
                .iter()
                .any(|f| f.name == from && matches!(f.ty, Type::Optional(_)))
        {
            let (steps, ty, unset, doc, visitor) = resolve_path(ctx, &from, decls, cat)?;
            if matches!(ty, Type::Record(_)) {
                return Err(format!(
                    "{ctx}: c_fields: {from:?}: a path ends at a value, not a record"
                ));
            }
            let cty = c_type_of(&ty, ctx, records)?;
            if s.ty.is_some() {
                return Err(format!(
                    "{ctx}: c_fields: {}: a path takes no `type`",
                    s.name
                ));
            }
            let flagged = matches!(
                (unset, &cty),
                (Some(_), CType::Int32 | CType::Int64 | CType::Double)
            );
            out.push(CField {
                name: s.name.clone(),
                ty: cty,
                source: CSource::Path {
                    path: from,
                    steps,
                    ty,
                    visitor,
                },
                has_flag: flagged.then(|| format!("has_{}", s.name)),
                unset: if flagged { unset } else { None },
                doc: s.doc.clone().or(doc).unwrap_or_default().trim().to_owned(),
            });
            continue;
        }
        let (_, ty, unset, doc) = sources
            .iter()
            .find(|(n, ..)| *n == from)
            .ok_or_else(|| format!("{ctx}: c_fields: no field {from:?}"))?;
        let mut cty = c_type_of(ty, ctx, records)?;
        if let Some(wide) = &s.ty {
            cty = match (wide.as_str(), ty) {
                ("long", Type::Int) => CType::Int64,
                (w, t) => {
                    return Err(format!(
                        "{ctx}: c_fields: {}: type {w:?} does not widen {t:?} (only long over int)",
                        s.name
                    ))
                }
            };
        }
        let flagged = matches!(
            (unset, &cty),
            (Some(_), CType::Int32 | CType::Int64 | CType::Double)
        );
        out.push(CField {
            name: s.name.clone(),
            ty: cty,
            source: CSource::Field {
                name: from,
                ty: ty.clone(),
            },
            has_flag: flagged.then(|| format!("has_{}", s.name)),
            unset: if flagged { *unset } else { None },
            doc: s
                .doc
                .clone()
                .or_else(|| doc.clone())
                .unwrap_or_default()
                .trim()
                .to_owned(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(text: &str) -> Result<CModel, String> {
        let mut v: toml::Value = toml::from_str(text).unwrap();
        let exp = take_exposure("t", &mut v)?;
        let cat = crate::model::resolve(&[("t".to_owned(), toml::to_string(&v).unwrap())])?;
        resolve(&cat, &[("t".to_owned(), exp)])
    }

    const MSG: &str = r#"
[[message]]
name = "PnL"
wire_name = "pnl"
direction = "in"
id = 94
id_name = "PNL"
doc = "pnl."
proto_from = "never"
c_event = 21
c_name = "PNL"
c_member = "pnl"
fields = [
    { name = "req_id", type = "int", proto = 1, default = -1 },
    { name = "daily_pnl", type = "double", proto = 2, unset = "dbl_max" },
]
"#;

    #[test]
    fn unset_fields_get_has_flags() {
        let m = model(MSG).unwrap();
        let e = &m.events[0];
        assert_eq!(e.constant, "TWS_EVENT_PNL");
        assert_eq!(e.value, 21);
        let v = e.view.as_ref().unwrap();
        assert_eq!(v.struct_name, "tws_pnl_event");
        assert_eq!(v.fields[0].has_flag, None);
        assert_eq!(v.fields[1].has_flag.as_deref(), Some("has_daily_pnl"));
    }

    #[test]
    fn an_incoming_message_needs_its_value() {
        let err = model(&MSG.replace("c_event = 21\n", "")).unwrap_err();
        assert!(err.contains("needs `c_event = N`"), "{err}");
        let err = model(&MSG.replace("c_event = 21", "c_event = 30")).unwrap_err();
        assert!(err.contains("100 and up"), "{err}");
        let err = model(&MSG.replace("c_event = 21", "c_evnt = 21")).unwrap_err();
        assert!(err.contains("unknown exposure key"), "{err}");
    }

    #[test]
    fn the_catalogue_keeps_the_abi_0_names_and_values() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let (_, m) = crate::load_c(&root).unwrap();
        let names: Vec<(i32, &str, Option<&str>)> = m
            .events
            .iter()
            .filter(|e| e.value < 100)
            .map(|e| {
                (
                    e.value,
                    e.short.as_str(),
                    e.view.as_ref().map(|v| v.member.as_str()),
                )
            })
            .collect();
        for want in [
            (2, "ERROR", Some("error")),
            (8, "CURRENT_TIME_MILLIS", Some("current_time")),
            (12, "POSITION_END", None),
            (20, "ACCOUNT_UPDATE_MULTI_END", Some("multi_end")),
            (22, "PNL_SINGLE", Some("pnl_single")),
        ] {
            assert!(names.contains(&want), "{want:?} in {names:?}");
        }
        assert_eq!(names.len(), 19);
        let c = m.record_struct("Contract").unwrap();
        assert_eq!(c.name, "tws_contract");
        assert_eq!(c.fields[1].has_flag.as_deref(), Some("has_strike"));
    }
}
