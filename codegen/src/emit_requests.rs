//! `src/protocol/generated/requests.rs`: every request of the catalogue built
//! from a generic map of field name -> value (`Request::from_fields`), and
//! the reverse (`Request::to_fields`), for hosts that send a message without
//! a hand-written function for it. The runtime is `protocol::field_values`.
//!
//! The matches over field types are exhaustive (no `_` arm): a new
//! `model::Type` variant does not compile here until it is handled. Until a
//! type can be built generically, its arm in [`read_expr`] emits
//! `return Err(r.not_settable("field", "type"))`: the request is then refused
//! with `FieldValueError::NotSettable` ("not settable generically yet"),
//! never sent with the field silently left out.

use std::fmt::Write as _;

use crate::emit::{header, sources};
use crate::model::*;

/// Whether `from_fields` refuses a request without this field: the field
/// that carries the request id always; any other field when the catalogue
/// gives it neither a `default` nor an `unset` sentinel (nor `if_present`).
fn required(m: &Message, f: &Field) -> bool {
    if let Route::Field(n) = &m.route {
        if *n == f.name {
            return true;
        }
    }
    f.default.is_none() && f.unset.is_none() && !f.if_present
}

/// The absent value of `f` as a Rust literal of its reader's type.
fn absent_literal(f: &Field) -> String {
    if let Some(d) = &f.default {
        return match d {
            toml::Value::Float(x) => format!("{x:?}"),
            toml::Value::String(s) => format!("{s:?}"),
            other => other.to_string(),
        };
    }
    match (&f.ty, f.unset) {
        (Type::Double, Some(Unset::DblMax)) => "f64::MAX".into(),
        (Type::Int, Some(Unset::IntMax)) => "i32::MAX".into(),
        (Type::Long, Some(Unset::LongMax)) => "i64::MAX".into(),
        (Type::Int | Type::Long, _) => "0".into(),
        (Type::Double, _) => "0.0".into(),
        (Type::Bool, _) => "false".into(),
        (Type::Str | Type::Decimal, _) => "\"\"".into(),
        (Type::Record(_), _) => String::new(),
        (Type::Bits, _) => "0".into(),
        (Type::List(_) | Type::TagValues | Type::Optional(_), _) => String::new(),
    }
}

/// The expression that reads `f` from the reader `r`.
fn read_expr(f: &Field, required: bool) -> String {
    let d = if required {
        "None".to_owned()
    } else {
        format!("Some({})", absent_literal(f))
    };
    let n = &f.name;
    match &f.ty {
        Type::Int | Type::Bits => format!("r.int({n:?}, {d})?"),
        Type::List(item) => match &**item {
            Type::Record(rec) => format!(
                "r.list({n:?})?.into_iter().map(|(o, v)| {rec}::from_fields(&o, v)).collect::<Result<Vec<_>, _>>()?"
            ),
            Type::Double => format!("r.doubles({n:?})?"),
            Type::Int => format!("r.ints({n:?})?"),
            _ => format!("r.strings({n:?})?"),
        },
        Type::TagValues => format!(
            "r.list({n:?})?.into_iter().map(|(o, v)| TagValue::from_fields(&o, v)).collect::<Result<Vec<_>, _>>()?"
        ),
        Type::Optional(rec) if f.boxed => format!(
            "r.optional({n:?})?.map(|(o, v)| {rec}::from_fields(&o, v)).transpose()?.map(Box::new)"
        ),
        Type::Optional(rec) => format!(
            "r.optional({n:?})?.map(|(o, v)| {rec}::from_fields(&o, v)).transpose()?"
        ),
        Type::Long => format!("r.long({n:?}, {d})?"),
        Type::Double => format!("r.double({n:?}, {d})?"),
        Type::Bool => format!("r.bool({n:?}, {d})?"),
        Type::Str | Type::Decimal => format!("r.str({n:?}, {d})?.into()"),
        Type::Record(rec) => {
            let built = format!("{{ let (o, v) = r.record({n:?})?; {rec}::from_fields(&o, v)? }}");
            if f.boxed {
                format!("Box::new({built})")
            } else {
                built
            }
        }
    }
}

/// The generated file.
pub fn requests_file(cat: &Catalogue) -> String {
    let mut out = header(&sources(cat));
    out.push_str(
        "//! Every request built from a generic map of field name -> value\n\
         //! ([`Request::from_fields`]) and back ([`Request::to_fields`]); every\n\
         //! record too. The rules (which fields are required, which kinds fit)\n\
         //! are `protocol::field_values`'s.\n\n",
    );
    for stem in &cat.files {
        let mut names: Vec<&str> = cat
            .records
            .iter()
            .filter(|r| &r.file == stem)
            .map(|r| r.name.as_str())
            .collect();
        names.extend(
            cat.messages
                .iter()
                .filter(|m| !m.incoming && &m.file == stem)
                .map(|m| m.type_name.as_str()),
        );
        if !names.is_empty() {
            let _ = writeln!(out, "use super::{stem}::{{{}}};", names.join(", "));
        }
    }
    out.push_str(
        "use super::sets::Request;\n\
         use crate::protocol::field_values::{record_fields, request_schema, to_fields, FieldValueError, FieldValues, Reader};\n\n",
    );
    for rec in &cat.records {
        let _ = writeln!(
            out,
            "impl {name} {{\n\
             /// Builds the record from its fields by name (`owner` names it in errors);\n\
             /// a field not set takes its declared absent value.\n\
             pub fn from_fields(owner: &str, values: &FieldValues) -> Result<Self, FieldValueError> {{\n\
             let r = Reader::new(owner.to_owned(), record_fields({name:?}), values)?;\n\
             Ok({name} {{",
            name = rec.name
        );
        for f in &rec.fields {
            let _ = writeln!(out, "{}: {},", f.name, read_expr(f, false));
        }
        out.push_str("})\n}\n}\n\n");
    }
    out.push_str(
        "impl Request {\n\
         /// Builds the request `name` (its variant name, `ReqAccountSummary`) from\n\
         /// its fields by name. Refuses an unknown message, an unknown field, a\n\
         /// value of the wrong kind and a required field left unset, naming them.\n\
         pub fn from_fields(name: &str, fields: &FieldValues) -> Result<Request, FieldValueError> {\n\
         let schema = request_schema(name)?;\n\
         let r = Reader::new(schema.name.to_owned(), schema.fields, fields)?;\n\
         Ok(match schema.name {\n",
    );
    for m in cat.messages.iter().filter(|m| !m.incoming) {
        let _ = writeln!(
            out,
            "{:?} => Request::{}({} {{",
            m.name, m.name, m.type_name
        );
        for f in &m.fields {
            let _ = writeln!(out, "{}: {},", f.name, read_expr(f, required(m, f)));
        }
        out.push_str("}),\n");
    }
    out.push_str(
        "other => return Err(FieldValueError::UnknownMessage(other.to_owned())),\n\
         })\n\
         }\n\n\
         /// The request's fields by name (through its field visitor): what\n\
         /// [`Request::from_fields`] takes back.\n\
         pub fn to_fields(&self) -> Result<FieldValues, FieldValueError> {\n\
         let schema = request_schema(self.name())?;\n\
         to_fields(schema.fields, |v| self.visit(v))\n\
         }\n\
         }\n",
    );
    out
}
