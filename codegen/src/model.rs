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
    pub route: Option<String>,
    pub fields: Vec<FieldDecl>,
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
    pub proto: Option<u32>,
    pub proto_type: Option<String>,
    pub since: Option<VersionRef>,
    pub until: Option<VersionRef>,
    pub msg_version: Option<i64>,
    pub default: Option<toml::Value>,
    pub unset: Option<String>,
    pub text: Option<String>,
    pub text_from: Option<VersionRef>,
    pub if_present: Option<bool>,
    pub boxed: Option<bool>,
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
    /// The struct's fields, in declaration order.
    pub fields: Vec<Field>,
    /// The text form, in wire order.
    pub text: Vec<TextEntry>,
    /// The catalogue entries as declared (for the schema table).
    pub entries: Vec<SchemaEntry>,
    pub file: String,
}

/// What routes a message's replies.
#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    None,
    Field(String),
    Positions,
    AccountUpdates,
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
            TextEntry::Field(i) => self.fields[*i].msg_version.is_some(),
            TextEntry::Path { msg_version, .. } => msg_version.is_some(),
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
        t if t.starts_with("list<") || t == "tag_values" => {
            return Err(format!(
                "type {t:?} is part of the catalogue format but no message uses it yet; \
                 the generator does not emit its codec (see docs/catalogue.md)"
            ))
        }
        t if t.chars().next().is_some_and(|c| c.is_ascii_uppercase()) => Type::Record(t.to_owned()),
        t => return Err(format!("unknown type {t:?}")),
    })
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
    let unset = f
        .unset
        .as_deref()
        .map(parse_unset)
        .transpose()
        .map_err(|e| format!("{ctx}: {e}"))?;
    let text = match f.text.as_deref() {
        None => TextRepr::Plain,
        Some("ascii7_escaped") => TextRepr::Ascii7Escaped {
            from: f.text_from.clone(),
        },
        Some("inline") => TextRepr::Inline,
        Some(other) => return Err(format!("{ctx}: unknown text {other:?}")),
    };
    if f.text_from.is_some() && !matches!(text, TextRepr::Ascii7Escaped { .. }) {
        return Err(format!("{ctx}: text_from needs text = \"ascii7_escaped\""));
    }
    if matches!(text, TextRepr::Ascii7Escaped { .. }) && ty != Type::Str {
        return Err(format!("{ctx}: only strings can be ascii7_escaped"));
    }
    if (text == TextRepr::Inline) != matches!(ty, Type::Record(_)) {
        return Err(format!(
            "{ctx}: a record field is text = \"inline\" (its fields follow as `path` entries), and only a record field is"
        ));
    }
    let proto_double = match f.proto_type.as_deref() {
        None => false,
        Some("double") if matches!(ty, Type::Str | Type::Decimal) => true,
        Some(other) => {
            return Err(format!(
                "{ctx}: proto_type {other:?} is only supported as \"double\" on a string or decimal"
            ))
        }
    };
    match (&unset, &ty) {
        (Some(Unset::DblMax), Type::Double)
        | (Some(Unset::IntMax | Unset::Zero), Type::Int)
        | (Some(Unset::LongMax | Unset::Zero), Type::Long)
        | (Some(Unset::Empty), Type::Str | Type::Decimal)
        | (None, _) => {}
        (Some(u), t) => return Err(format!("{ctx}: unset {u:?} does not fit type {t:?}")),
    }
    if let Some(d) = &f.default {
        let fits = matches!(
            (d, &ty),
            (toml::Value::Integer(_), Type::Int | Type::Long)
                | (toml::Value::Float(_), Type::Double)
                | (toml::Value::Boolean(_), Type::Bool)
        );
        if !fits {
            return Err(format!("{ctx}: default {d} does not fit the type"));
        }
        if unset.is_some() {
            return Err(format!("{ctx}: give `default` or `unset`, not both"));
        }
    }
    Ok(Field {
        name,
        ty,
        strings,
        proto: f.proto,
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
    })
}

fn check_proto_numbers(fields: &[Field], ctx: &str) -> Result<(), String> {
    let mut seen = BTreeSet::new();
    for f in fields {
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
                if matches!(field.ty, Type::Record(_)) {
                    return Err(format!(
                        "{ctx}.{}: nested records are not supported yet",
                        field.name
                    ));
                }
                fields.push(field);
            }
            check_proto_numbers(&fields, &ctx)?;
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
            for f in &m.fields {
                if let Some(path) = &f.path {
                    let (owner_name, sub_name) = path
                        .split_once('.')
                        .ok_or_else(|| format!("{ctx}: path {path:?} is not `field.subfield`"))?;
                    if f.name.is_some()
                        || f.ty.is_some()
                        || f.proto.is_some()
                        || f.default.is_some()
                        || f.unset.is_some()
                        || f.text.is_some()
                        || f.boxed.is_some()
                    {
                        return Err(format!(
                            "{ctx}: path {path:?} takes only since/until/msg_version/doc: the rest is the record's"
                        ));
                    }
                    let owner = fields
                        .iter()
                        .position(|x| x.name == owner_name)
                        .ok_or_else(|| {
                            format!("{ctx}: path {path:?}: no earlier field {owner_name:?}")
                        })?;
                    let Type::Record(rec) = &fields[owner].ty else {
                        return Err(format!(
                            "{ctx}: path {path:?}: {owner_name} is not a record"
                        ));
                    };
                    let record = record_names[rec.as_str()];
                    let sub = record
                        .fields
                        .iter()
                        .find(|x| x.name == sub_name)
                        .ok_or_else(|| {
                            format!("{ctx}: path {path:?}: record {rec} has no field {sub_name:?}")
                        })?
                        .clone();
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
                let field = resolve_field(f, strings, &ctx)?;
                if fields.iter().any(|x| x.name == field.name) {
                    return Err(format!("{ctx}: field {} is declared twice", field.name));
                }
                if let Type::Record(r) = &field.ty {
                    if !record_names.contains_key(r.as_str()) {
                        return Err(format!("{ctx}.{}: no record named {r}", field.name));
                    }
                }
                entries.push(SchemaEntry {
                    name: field.name.clone(),
                    field: field.clone(),
                    path: false,
                });
                if field.text != TextRepr::Inline {
                    text.push(TextEntry::Field(fields.len()));
                }
                fields.push(field);
            }
            check_proto_numbers(&fields, &ctx)?;
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
                route: match m.route.as_deref() {
                    None => Route::None,
                    Some("positions") => Route::Positions,
                    Some("account_updates") => Route::AccountUpdates,
                    Some(field) => {
                        let ok = fields.iter().any(|f| f.name == field && f.ty == Type::Int);
                        if !ok {
                            return Err(format!(
                                "{ctx}: route {field:?} is neither `positions`, `account_updates` nor an int field"
                            ));
                        }
                        Route::Field(field.to_owned())
                    }
                },
                fields,
                text,
                entries,
                file: stem.clone(),
            };
            if msg.reads_msg_version() {
                if msg.text_version_until.is_some() {
                    return Err(format!(
                        "{ctx}: msg_version fields with a text_version that has `until`"
                    ));
                }
                let tv = msg.text_version.unwrap_or(0);
                for e in &msg.text {
                    let mv = match e {
                        TextEntry::Field(i) => msg.fields[*i].msg_version,
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
    Ok(Catalogue {
        files: decls.into_iter().map(|(s, _)| s).collect(),
        records,
        messages,
    })
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
        let bad_type = OK.replace("\"int\"", "\"list<Bar>\"");
        assert!(one(&bad_type)
            .unwrap_err()
            .contains("no message uses it yet"));
        let bad_path = OK.replace("fields = [", "fields = [ { path = \"contract.con_id\" },");
        assert!(one(&bad_path).unwrap_err().contains("no earlier field"));
        let unknown_key = OK.replace("doc = \"a.\"", "doc = \"a.\"\nsine = 3");
        assert!(one(&unknown_key).unwrap_err().contains("sine"));
    }

    #[test]
    fn snake_case_names() {
        assert_eq!(snake("Contract"), "contract");
        assert_eq!(snake("ContractDetails"), "contract_details");
    }
}
