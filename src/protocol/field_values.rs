//! Building a request from a generic map of field name -> typed value, for
//! hosts that send a message without a hand-written function for it (C's
//! `tws_record` + `tws_client_send`, Python's `Client.send`, C++'s
//! `Client::send`).
//!
//! [`Request::from_fields`](super::Request::from_fields) and
//! [`Request::to_fields`](super::Request::to_fields) are generated from the
//! catalogue (`src/protocol/generated/requests.rs`); this module is the
//! hand-written runtime they call, driven by the schema ([`CATALOGUE`],
//! [`RECORDS`](super::schema::RECORDS)).
//!
//! Which fields must be set: the field that carries the request id (the
//! message's `route` field) always, and every other field that has neither a
//! `default` nor an `unset` sentinel in the catalogue (nor `if_present`).
//! A field with a `default` or an `unset` sentinel takes that value when not
//! set; a field of a record (`Contract`) is never required (it takes its
//! declared absent value, as `tws_record` always did).

use std::collections::BTreeMap;
use std::fmt;

use super::describe::FieldVisitor;
use super::schema::{FieldSchema, FieldType, MessageSchema, RecordSchema, CATALOGUE};

/// One value of a [`FieldValues`] map.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    /// An `int` field (also accepted by a `long` field: the widening is exact).
    Int(i32),
    /// A `long` field.
    Long(i64),
    /// A `double` field.
    Double(f64),
    /// A `bool` field.
    Bool(bool),
    /// A `string` field, or a `decimal` field as its exact text.
    Str(String),
    /// A record field (`Contract`), or an optional record field set to a
    /// record (`delta_neutral_contract`): the record's own fields.
    Record(FieldValues),
    /// A list field: its items in order (`Record` items for a list of
    /// records or tag values (`TagValue`: `tag`, `value`), `Str` for a list
    /// of strings, `Double` for a list of doubles).
    List(Vec<FieldValue>),
}

impl FieldValue {
    /// The kind's name, as the errors say it.
    pub fn kind(&self) -> &'static str {
        match self {
            FieldValue::Int(_) => "int",
            FieldValue::Long(_) => "long",
            FieldValue::Double(_) => "double",
            FieldValue::Bool(_) => "bool",
            FieldValue::Str(_) => "string",
            FieldValue::Record(_) => "record",
            FieldValue::List(_) => "list",
        }
    }
}

/// A generic map of field name -> value (a request's or a record's fields).
pub type FieldValues = BTreeMap<String, FieldValue>;

/// Why [`Request::from_fields`](super::Request::from_fields) refused.
/// Every variant names the message (or `Message.record_field` for a field of
/// a nested record) and the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValueError {
    /// No request of the catalogue has this name.
    UnknownMessage(String),
    /// The message (or record) has no such field.
    UnknownField { owner: String, field: String },
    /// The value is of another kind than the field.
    WrongKind {
        owner: String,
        field: String,
        expected: &'static str,
        got: &'static str,
    },
    /// A required field (see the module docs) was not set.
    Missing { owner: String, field: String },
    /// Decimal text that is not a number.
    NotADecimal {
        owner: String,
        field: String,
        text: String,
    },
    /// The field's type cannot be set generically yet (a type the
    /// generator does not handle for generic requests).
    NotSettable {
        owner: String,
        field: String,
        ty: &'static str,
    },
}

impl fmt::Display for FieldValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldValueError::UnknownMessage(name) => write!(f, "no request is called {name:?}"),
            FieldValueError::UnknownField { owner, field } => {
                write!(f, "{owner} has no field {field:?}")
            }
            FieldValueError::WrongKind {
                owner,
                field,
                expected,
                got,
            } => write!(f, "{owner}.{field} is a {expected}, not a {got}"),
            FieldValueError::Missing { owner, field } => {
                write!(f, "{owner}.{field} is required and was not set")
            }
            FieldValueError::NotADecimal { owner, field, text } => {
                write!(f, "{owner}.{field}: {text:?} is not a decimal")
            }
            FieldValueError::NotSettable { owner, field, ty } => {
                write!(f, "{owner}.{field} is a {ty}: not settable generically yet")
            }
        }
    }
}

impl std::error::Error for FieldValueError {}

/// The kind a field of type `ty` takes, as the errors say it.
pub fn kind_of(ty: &FieldType) -> &'static str {
    match ty {
        FieldType::Int => "int",
        FieldType::Long => "long",
        FieldType::Double => "double",
        FieldType::Decimal => "decimal",
        FieldType::Bool => "bool",
        FieldType::String => "string",
        FieldType::Record(_) => "record",
        FieldType::Bits(_) => "flag mask int",
        FieldType::Optional(_) => "optional record",
        FieldType::RecordList(_) | FieldType::TagValues(_) => "list",
        FieldType::StringList => "list of strings",
        FieldType::DoubleList => "list of doubles",
        FieldType::IntList => "list of ints",
    }
}

/// True for the field types the generic path cannot build yet (lists and
/// optional records): left unset they take their empty value, set they are
/// refused with `NotSettable`.
pub fn not_generic(ty: &FieldType) -> bool {
    match ty {
        FieldType::Optional(_)
        | FieldType::RecordList(_)
        | FieldType::TagValues(_)
        | FieldType::StringList
        | FieldType::DoubleList
        | FieldType::IntList => true,
        FieldType::Int
        | FieldType::Long
        | FieldType::Double
        | FieldType::Decimal
        | FieldType::Bool
        | FieldType::String
        | FieldType::Record(_)
        | FieldType::Bits(_) => false,
    }
}

/// Checks that `value` fits the field `f` of `owner` (kind, decimal text,
/// and for a record every nested field): the one rule `from_fields` and
/// `tws_record_set_*` share.
pub fn check_value(
    owner: &str,
    f: &FieldSchema,
    value: &FieldValue,
) -> Result<(), FieldValueError> {
    let wrong = || FieldValueError::WrongKind {
        owner: owner.to_owned(),
        field: f.name.to_owned(),
        expected: kind_of(&f.ty),
        got: value.kind(),
    };
    match (&f.ty, value) {
        (FieldType::Int | FieldType::Bits(_), FieldValue::Int(_))
        | (FieldType::Long, FieldValue::Int(_) | FieldValue::Long(_))
        | (FieldType::Double, FieldValue::Double(_))
        | (FieldType::Bool, FieldValue::Bool(_))
        | (FieldType::String, FieldValue::Str(_)) => Ok(()),
        (FieldType::Decimal, FieldValue::Str(s)) => {
            if !s.is_empty() && s.parse::<f64>().is_err() {
                return Err(FieldValueError::NotADecimal {
                    owner: owner.to_owned(),
                    field: f.name.to_owned(),
                    text: s.clone(),
                });
            }
            Ok(())
        }
        (FieldType::Record(r), FieldValue::Record(values)) => {
            check_fields(&format!("{owner}.{}", f.name), r.fields, values)
        }
        (FieldType::Optional(r), FieldValue::Record(values)) => {
            check_fields(&format!("{owner}.{}", f.name), r.fields, values)
        }
        (FieldType::RecordList(r) | FieldType::TagValues(r), FieldValue::List(items)) => {
            for (i, item) in items.iter().enumerate() {
                let FieldValue::Record(values) = item else {
                    return Err(FieldValueError::WrongKind {
                        owner: owner.to_owned(),
                        field: format!("{}[{i}]", f.name),
                        expected: "record",
                        got: item.kind(),
                    });
                };
                check_fields(&format!("{owner}.{}[{i}]", f.name), r.fields, values)?;
            }
            Ok(())
        }
        (
            FieldType::StringList | FieldType::DoubleList | FieldType::IntList,
            FieldValue::List(items),
        ) => {
            let (want, expected) = match f.ty {
                FieldType::StringList => ("string", "string"),
                FieldType::IntList => ("int", "int"),
                _ => ("double", "double"),
            };
            match items.iter().enumerate().find(|(_, x)| x.kind() != want) {
                Some((i, x)) => Err(FieldValueError::WrongKind {
                    owner: owner.to_owned(),
                    field: format!("{}[{i}]", f.name),
                    expected,
                    got: x.kind(),
                }),
                None => Ok(()),
            }
        }
        (
            FieldType::Optional(_)
            | FieldType::RecordList(_)
            | FieldType::TagValues(_)
            | FieldType::StringList
            | FieldType::DoubleList
            | FieldType::IntList
            | FieldType::Int
            | FieldType::Long
            | FieldType::Double
            | FieldType::Bool
            | FieldType::String
            | FieldType::Decimal
            | FieldType::Record(_)
            | FieldType::Bits(_),
            _,
        ) => Err(wrong()),
    }
}

/// The struct field `name` of a schema field list (path entries excluded).
pub fn find_field(fields: &'static [FieldSchema], name: &str) -> Option<&'static FieldSchema> {
    fields.iter().find(|f| !f.path && f.name == name)
}

/// Checks every entry of `values` against `fields` (unknown fields, kinds).
pub fn check_fields(
    owner: &str,
    fields: &'static [FieldSchema],
    values: &FieldValues,
) -> Result<(), FieldValueError> {
    for (name, value) in values {
        let f = find_field(fields, name).ok_or_else(|| FieldValueError::UnknownField {
            owner: owner.to_owned(),
            field: name.clone(),
        })?;
        check_value(owner, f, value)?;
    }
    Ok(())
}

/// The fields of the catalogue record `name`.
pub fn record_fields(name: &str) -> &'static [FieldSchema] {
    super::schema::RECORDS
        .iter()
        .find(|r| r.name == name)
        .map_or(&[], |r| r.fields)
}

/// The schema of the request `name`.
pub fn request_schema(name: &str) -> Result<&'static MessageSchema, FieldValueError> {
    CATALOGUE
        .iter()
        .find(|m| m.direction == super::schema::Direction::Out && m.name == name)
        .ok_or_else(|| FieldValueError::UnknownMessage(name.to_owned()))
}

/// Reads typed values out of a checked [`FieldValues`] map for the generated
/// `from_fields`. `default: None` means the field is required.
pub struct Reader<'a> {
    owner: String,
    values: &'a FieldValues,
}

impl<'a> Reader<'a> {
    /// Checks `values` against `fields` and reads them for `owner`.
    pub fn new(
        owner: String,
        fields: &'static [FieldSchema],
        values: &'a FieldValues,
    ) -> Result<Self, FieldValueError> {
        check_fields(&owner, fields, values)?;
        Ok(Reader { owner, values })
    }

    fn missing(&self, field: &str) -> FieldValueError {
        FieldValueError::Missing {
            owner: self.owner.clone(),
            field: field.to_owned(),
        }
    }

    fn wrong(&self, field: &str, expected: &'static str, got: &FieldValue) -> FieldValueError {
        FieldValueError::WrongKind {
            owner: self.owner.clone(),
            field: field.to_owned(),
            expected,
            got: got.kind(),
        }
    }

    pub fn int(&self, field: &str, default: Option<i32>) -> Result<i32, FieldValueError> {
        match self.values.get(field) {
            None => default.ok_or_else(|| self.missing(field)),
            Some(FieldValue::Int(v)) => Ok(*v),
            Some(other) => Err(self.wrong(field, "int", other)),
        }
    }

    pub fn long(&self, field: &str, default: Option<i64>) -> Result<i64, FieldValueError> {
        match self.values.get(field) {
            None => default.ok_or_else(|| self.missing(field)),
            Some(FieldValue::Int(v)) => Ok(i64::from(*v)),
            Some(FieldValue::Long(v)) => Ok(*v),
            Some(other) => Err(self.wrong(field, "long", other)),
        }
    }

    pub fn double(&self, field: &str, default: Option<f64>) -> Result<f64, FieldValueError> {
        match self.values.get(field) {
            None => default.ok_or_else(|| self.missing(field)),
            Some(FieldValue::Double(v)) => Ok(*v),
            Some(other) => Err(self.wrong(field, "double", other)),
        }
    }

    pub fn bool(&self, field: &str, default: Option<bool>) -> Result<bool, FieldValueError> {
        match self.values.get(field) {
            None => default.ok_or_else(|| self.missing(field)),
            Some(FieldValue::Bool(v)) => Ok(*v),
            Some(other) => Err(self.wrong(field, "bool", other)),
        }
    }

    pub fn str(&self, field: &str, default: Option<&'a str>) -> Result<&'a str, FieldValueError> {
        match self.values.get(field) {
            None => default.ok_or_else(|| self.missing(field)),
            Some(FieldValue::Str(v)) => Ok(v),
            Some(other) => Err(self.wrong(field, "string", other)),
        }
    }

    /// The error for a field whose type the generic path does not build yet
    /// (what a generator arm for a new field type returns until it is
    /// handled: `return Err(r.not_settable("legs", "list"))`).
    pub fn not_settable(&self, field: &str, ty: &'static str) -> FieldValueError {
        FieldValueError::NotSettable {
            owner: self.owner.clone(),
            field: field.to_owned(),
            ty,
        }
    }

    /// A field the generic path cannot build yet: its empty value when it is
    /// not set (`Reader::new` has refused it when it is).
    pub fn unsettable<T: Default>(&self, field: &str) -> Result<T, FieldValueError> {
        match self.values.get(field) {
            None => Ok(T::default()),
            Some(_) => Err(self.not_settable(field, "list or optional record")),
        }
    }

    /// A list of records' items: each item's fields and owner name
    /// (`Message.field[i]`); an unset list reads as empty.
    pub fn list(&self, field: &str) -> Result<Vec<(String, &'a FieldValues)>, FieldValueError> {
        match self.values.get(field) {
            None => Ok(Vec::new()),
            Some(FieldValue::List(items)) => items
                .iter()
                .enumerate()
                .map(|(i, item)| match item {
                    FieldValue::Record(v) => Ok((format!("{}.{field}[{i}]", self.owner), v)),
                    other => Err(self.wrong(&format!("{field}[{i}]"), "record", other)),
                })
                .collect(),
            Some(other) => Err(self.wrong(field, "list", other)),
        }
    }

    /// A list of strings (unset: empty).
    pub fn strings(&self, field: &str) -> Result<Vec<String>, FieldValueError> {
        match self.values.get(field) {
            None => Ok(Vec::new()),
            Some(FieldValue::List(items)) => items
                .iter()
                .map(|x| match x {
                    FieldValue::Str(s) => Ok(s.clone()),
                    other => Err(self.wrong(field, "string", other)),
                })
                .collect(),
            Some(other) => Err(self.wrong(field, "list", other)),
        }
    }

    /// A list of doubles (unset: empty).
    pub fn doubles(&self, field: &str) -> Result<Vec<f64>, FieldValueError> {
        match self.values.get(field) {
            None => Ok(Vec::new()),
            Some(FieldValue::List(items)) => items
                .iter()
                .map(|x| match x {
                    FieldValue::Double(v) => Ok(*v),
                    other => Err(self.wrong(field, "double", other)),
                })
                .collect(),
            Some(other) => Err(self.wrong(field, "list", other)),
        }
    }

    /// A list of integers (unset: empty).
    pub fn ints(&self, field: &str) -> Result<Vec<i32>, FieldValueError> {
        match self.values.get(field) {
            None => Ok(Vec::new()),
            Some(FieldValue::List(items)) => items
                .iter()
                .map(|x| match x {
                    FieldValue::Int(v) => Ok(*v),
                    other => Err(self.wrong(field, "int", other)),
                })
                .collect(),
            Some(other) => Err(self.wrong(field, "list", other)),
        }
    }

    /// An optional record: its fields and owner name when set, `None` when
    /// unset (absent).
    pub fn optional(
        &self,
        field: &str,
    ) -> Result<Option<(String, &'a FieldValues)>, FieldValueError> {
        match self.values.get(field) {
            None => Ok(None),
            Some(FieldValue::Record(v)) => Ok(Some((format!("{}.{field}", self.owner), v))),
            Some(other) => Err(self.wrong(field, "record", other)),
        }
    }

    /// A nested record's fields and its owner name (`Message.field`); an
    /// unset record reads as an empty map (every field absent).
    pub fn record(&self, field: &str) -> Result<(String, &'a FieldValues), FieldValueError> {
        static EMPTY: FieldValues = BTreeMap::new();
        let owner = format!("{}.{field}", self.owner);
        match self.values.get(field) {
            None => Ok((owner, &EMPTY)),
            Some(FieldValue::Record(v)) => Ok((owner, v)),
            Some(other) => Err(self.wrong(field, "record", other)),
        }
    }
}

/// The fields of a message as a [`FieldValues`] map, through its visitor and
/// its schema (a record's `prefix.field` names nest under the record field).
pub fn to_fields(
    fields: &'static [FieldSchema],
    visit: impl FnOnce(&mut dyn FieldVisitor),
) -> Result<FieldValues, FieldValueError> {
    struct Collect(Vec<(&'static str, Raw)>);
    enum Raw {
        Int(i64),
        Float(f64),
        Bool(bool),
        Str(String),
    }
    impl FieldVisitor for Collect {
        fn int(&mut self, name: &'static str, value: i64) {
            self.0.push((name, Raw::Int(value)));
        }
        fn float(&mut self, name: &'static str, value: f64) {
            self.0.push((name, Raw::Float(value)));
        }
        fn bool(&mut self, name: &'static str, value: bool) {
            self.0.push((name, Raw::Bool(value)));
        }
        fn str(&mut self, name: &'static str, value: &str) {
            self.0.push((name, Raw::Str(value.to_owned())));
        }
    }
    fn typed(f: &FieldSchema, raw: Raw) -> Option<FieldValue> {
        Some(match (&f.ty, raw) {
            (FieldType::Int | FieldType::Bits(_), Raw::Int(v)) => {
                FieldValue::Int(i32::try_from(v).ok()?)
            }
            (FieldType::Long, Raw::Int(v)) => FieldValue::Long(v),
            (FieldType::Double, Raw::Float(v)) => FieldValue::Double(v),
            (FieldType::Bool, Raw::Bool(v)) => FieldValue::Bool(v),
            (FieldType::String | FieldType::Decimal, Raw::Str(v)) => FieldValue::Str(v),
            (
                FieldType::Int
                | FieldType::Long
                | FieldType::Double
                | FieldType::Bool
                | FieldType::String
                | FieldType::Decimal
                | FieldType::Record(_)
                | FieldType::Bits(_)
                | FieldType::Optional(_)
                | FieldType::RecordList(_)
                | FieldType::TagValues(_)
                | FieldType::StringList
                | FieldType::DoubleList
                | FieldType::IntList,
                _,
            ) => return None,
        })
    }
    let mut c = Collect(Vec::new());
    visit(&mut c);
    let mut out = FieldValues::new();
    let odd = |name: &str| FieldValueError::NotSettable {
        owner: "visitor".to_owned(),
        field: name.to_owned(),
        ty: "value of an unexpected kind",
    };
    for (name, raw) in c.0 {
        if find_field(fields, name).is_some_and(|f| not_generic(&f.ty)) {
            // An empty list or an absent optional record is the field's
            // empty value; anything else cannot be said generically yet.
            match raw {
                Raw::Int(0) | Raw::Bool(false) => continue,
                _ => return Err(odd(name)),
            }
        }
        if let Some(f) = find_field(fields, name) {
            out.insert(name.to_owned(), typed(f, raw).ok_or_else(|| odd(name))?);
            continue;
        }
        let nested = fields.iter().filter(|f| !f.path).find_map(|f| match f.ty {
            FieldType::Record(r) => name
                .strip_prefix(r.prefix)
                .and_then(|rest| rest.strip_prefix('.'))
                .map(|sub| (f, r, sub)),
            _ => None,
        });
        let Some((owner, r, sub)) = nested else {
            // A record inside a record field (an order's soft-dollar tier):
            // the visitor names it by the inner record's prefix.
            let deeper = fields.iter().filter(|f| !f.path).find_map(|f| match f.ty {
                FieldType::Record(r) => r.fields.iter().find_map(|rf| match rf.ty {
                    FieldType::Record(inner) => name
                        .strip_prefix(inner.prefix)
                        .and_then(|rest| rest.strip_prefix('.'))
                        .map(|sub| (f, rf, inner, sub)),
                    _ => None,
                }),
                _ => None,
            });
            let (owner, rf, inner, sub) = deeper.ok_or_else(|| odd(name))?;
            let sf = find_field(inner.fields, sub).ok_or_else(|| odd(name))?;
            let v = typed(sf, raw).ok_or_else(|| odd(name))?;
            let FieldValue::Record(m) = out
                .entry(owner.name.to_owned())
                .or_insert_with(|| FieldValue::Record(FieldValues::new()))
            else {
                return Err(odd(name));
            };
            let FieldValue::Record(m) = m
                .entry(rf.name.to_owned())
                .or_insert_with(|| FieldValue::Record(FieldValues::new()))
            else {
                return Err(odd(name));
            };
            m.insert(sub.to_owned(), v);
            continue;
        };
        let (owner, r, sub): (&FieldSchema, &RecordSchema, &str) = (owner, r, sub);
        let sf = find_field(r.fields, sub).ok_or_else(|| odd(name))?;
        if not_generic(&sf.ty) {
            match raw {
                Raw::Int(0) | Raw::Bool(false) => continue,
                _ => return Err(odd(name)),
            }
        }
        let v = typed(sf, raw).ok_or_else(|| odd(name))?;
        match out
            .entry(owner.name.to_owned())
            .or_insert_with(|| FieldValue::Record(FieldValues::new()))
        {
            FieldValue::Record(m) => {
                m.insert(sub.to_owned(), v);
            }
            _ => return Err(odd(name)),
        }
    }
    Ok(out)
}
