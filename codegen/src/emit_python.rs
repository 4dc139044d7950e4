//! The Python binding's per-message layer, `bindings/python/src/tws/_generated.py`:
//! ctypes mirrors of the C event structs (from the C view, [`crate::cmodel`]),
//! the event-type values, one frozen dataclass per incoming message and per
//! record, the converters from the typed C view (`FROM_C`) and from the
//! generic field accessor (`FROM_FIELDS`, for every message, so one without a
//! typed view needs no hand-written Python).
//!
//! The binding view ([`BindingMessage`]) is shared with the C++ emitter: the
//! same class names, field names, order and absent values in both bindings.

use std::fmt::Write as _;

use crate::cmodel::{CEvent, CField, CModel, CSource, CStruct, CType};
use crate::model::{Catalogue, Field, Message, Record, Type};

/// Where `_generated.py` goes, relative to the repository root.
pub const PY_OUT: &str = "bindings/python/src/tws/_generated.py";

// ---- the binding view, shared with emit_cpp ----------------------------------

/// Class names of ABI 0.x that differ from the catalogue's `type_name`; kept
/// so that existing programs keep compiling. New messages take `type_name`.
const LEGACY_CLASS_NAMES: &[(&str, &str)] = &[("CurrentTimeInMillis", "CurrentTimeMillis")];

/// The Python field order (and defaults) of ABI 0.x where it differs from
/// the C order, for callers that build these dataclasses positionally. New
/// messages follow the rule (C order for a typed view, catalogue order
/// otherwise). `name=default` gives a Python default.
const PY_LEGACY_ORDER: &[(&str, &[&str])] = &[(
    "Error",
    &[
        "req_id",
        "code",
        "message",
        "error_class",
        "time_ms=0",
        "advanced_order_reject_json=\"\"",
    ],
)];

/// A value's kind as the bindings show it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    Int32,
    Int64,
    Double,
    Bool,
    Str,
    /// Exact decimal text: `Optional[Decimal]` in Python, `std::string` in C++.
    Decimal,
    /// A record (`Contract`), by catalogue name.
    Record(String),
    /// Derived: a `tws_error_class` value.
    ErrorClass,
    /// Derived: the managed accounts, joined with ",".
    AccountsJoined,
    /// A list (`list<T>`, `tag_values` as a list of `TagValue` records): its
    /// item kind (`Int32`, `Double`, `Str` or `Record`). The accessor names it
    /// `name` (the count), then `name[i]` per item.
    List(Box<Kind>),
    /// An optional record (`option<Record>`): the accessor's `name` is a
    /// bool (present), then the record's fields under `name`.
    OptRecord(String),
}

/// One field of a binding class.
#[derive(Debug, Clone)]
pub(crate) struct BindingField {
    /// The binding's field name: the catalogue field's (`time_ms`), or the C
    /// name of a derived value (`error_class`, `accounts`).
    pub name: String,
    pub kind: Kind,
    /// Absent is `None` / empty `std::optional` (an `unset`-capable number).
    pub optional: bool,
    /// The C field of the typed view (`time`), if read from one.
    pub c_name: Option<String>,
    /// The typed view's `has_` flag.
    pub has_flag: Option<String>,
    /// The name the field visitor reports (`req_id`; a record's prefix,
    /// `contract`); `None` for a derived value the visitor does not report.
    pub visitor: Option<String>,
    /// The catalogue field (for its declared absent value).
    pub decl: Option<Field>,
    pub doc: String,
}

/// One incoming message as both bindings show it.
#[derive(Debug, Clone)]
pub(crate) struct BindingMessage<'a> {
    pub event: &'a CEvent,
    pub message: &'a Message,
    /// `AccountSummary`, `ErrorMessage`, `CurrentTimeMillis`.
    pub class: String,
    pub fields: Vec<BindingField>,
}

/// One record as both bindings show it.
#[derive(Debug, Clone)]
pub(crate) struct BindingRecord<'a> {
    pub record: &'a Record,
    pub c_struct: Option<&'a CStruct>,
    pub fields: Vec<BindingField>,
}

/// A catalogue type as the bindings show it; `None` for a type no binding
/// class can hold (a list of lists, a list of options: none is declared; such
/// a message would stay a generic message).
fn kind_of_type(t: &Type) -> Option<Kind> {
    Some(match t {
        Type::Int | Type::Bits => Kind::Int32,
        Type::Long => Kind::Int64,
        Type::Double => Kind::Double,
        Type::Bool => Kind::Bool,
        Type::Str => Kind::Str,
        Type::Decimal => Kind::Decimal,
        Type::Record(r) => Kind::Record(r.clone()),
        Type::List(item) => match item.as_ref() {
            Type::Int => Kind::List(Box::new(Kind::Int32)),
            Type::Double => Kind::List(Box::new(Kind::Double)),
            Type::Str => Kind::List(Box::new(Kind::Str)),
            Type::Record(r) => Kind::List(Box::new(Kind::Record(r.clone()))),
            Type::Long
            | Type::Decimal
            | Type::Bool
            | Type::Bits
            | Type::List(_)
            | Type::Optional(_)
            | Type::TagValues => return None,
        },
        Type::TagValues => Kind::List(Box::new(Kind::Record("TagValue".to_owned()))),
        Type::Optional(r) => Kind::OptRecord(r.clone()),
    })
}

/// A list or an optional record: not in C structs (records read from a C
/// view hold them empty / absent).
pub(crate) fn is_composite(k: &Kind) -> bool {
    matches!(k, Kind::List(_) | Kind::OptRecord(_))
}

fn kind_of_c(t: &CType) -> Kind {
    match t {
        CType::Int32 => Kind::Int32,
        CType::Int64 => Kind::Int64,
        CType::Double => Kind::Double,
        CType::Bool => Kind::Bool,
        CType::Str => Kind::Str,
        CType::Decimal => Kind::Decimal,
        CType::Record { record, .. } => Kind::Record(record.clone()),
    }
}

/// The cmodel's rule: an `unset`-capable number is absent, not a sentinel.
fn numeric_unset(f: &Field) -> bool {
    f.unset.is_some() && matches!(f.ty, Type::Int | Type::Long | Type::Double)
}

fn visitor_name(f: &Field, cat: &Catalogue) -> String {
    match &f.ty {
        Type::Record(r) => cat
            .records
            .iter()
            .find(|x| &x.name == r)
            .map(|x| x.prefix.clone())
            .unwrap_or_else(|| f.name.clone()),
        _ => f.name.clone(),
    }
}

fn from_c_field(c: &CField, fields: &[Field], cat: &Catalogue) -> BindingField {
    match &c.source {
        CSource::Field { name, .. } => {
            let decl = fields.iter().find(|f| &f.name == name).cloned();
            BindingField {
                name: name.clone(),
                kind: kind_of_c(&c.ty),
                optional: c.has_flag.is_some(),
                c_name: Some(c.name.clone()),
                has_flag: c.has_flag.clone(),
                visitor: decl.as_ref().map(|d| visitor_name(d, cat)),
                doc: if c.doc.is_empty() {
                    decl.as_ref()
                        .and_then(|d| d.doc.clone())
                        .unwrap_or_default()
                } else {
                    c.doc.clone()
                },
                decl,
            }
        }
        CSource::Path { visitor, .. } => BindingField {
            name: c.name.clone(),
            kind: kind_of_c(&c.ty),
            optional: c.has_flag.is_some(),
            c_name: Some(c.name.clone()),
            has_flag: c.has_flag.clone(),
            visitor: Some(visitor.clone()),
            decl: None,
            doc: c.doc.clone(),
        },
        CSource::Derived(d) => BindingField {
            name: c.name.clone(),
            kind: match d.as_str() {
                "error_class" => Kind::ErrorClass,
                "accounts_joined" => Kind::AccountsJoined,
                other => panic!("emit_python: derived value {other:?} has no binding form"),
            },
            optional: false,
            c_name: Some(c.name.clone()),
            has_flag: None,
            // The accounts are the message's one field; error_class is computed.
            visitor: (d == "accounts_joined").then(|| "accounts_list".to_owned()),
            decl: None,
            doc: c.doc.clone(),
        },
    }
}

fn from_decl(f: &Field, cat: &Catalogue) -> Option<BindingField> {
    Some(BindingField {
        name: f.name.clone(),
        kind: kind_of_type(&f.ty)?,
        optional: numeric_unset(f),
        c_name: None,
        has_flag: None,
        visitor: Some(visitor_name(f, cat)),
        decl: Some(f.clone()),
        doc: f.doc.clone().unwrap_or_default().trim().to_owned(),
    })
}

/// The class name of a message in both bindings.
pub(crate) fn class_name(m: &Message) -> String {
    LEGACY_CLASS_NAMES
        .iter()
        .find(|(n, _)| *n == m.type_name)
        .map(|(_, c)| (*c).to_owned())
        .unwrap_or_else(|| m.type_name.clone())
}

/// Every incoming message that has a class in the bindings, in event-value
/// order. Lists, tag values and optional records are typed (`list[ComboLeg]`,
/// `Optional[DeltaNeutralContract]`); only a message with a field type no
/// class can hold ([`kind_of_type`] is `None`; none is declared) has none and
/// is a generic message (its accessor fields).
pub(crate) fn messages<'a>(cat: &'a Catalogue, cm: &'a CModel) -> Vec<BindingMessage<'a>> {
    let mut out: Vec<BindingMessage<'a>> = cm
        .events
        .iter()
        .filter_map(|ev| {
            let message = cat
                .messages
                .iter()
                .find(|m| m.name == ev.message)
                .expect("the C view is of catalogue messages");
            let fields = match &ev.view {
                Some(v) => v
                    .fields
                    .iter()
                    .map(|c| from_c_field(c, &message.fields, cat))
                    .collect(),
                None => message
                    .fields
                    .iter()
                    .map(|f| from_decl(f, cat))
                    .collect::<Option<Vec<_>>>()?,
            };
            Some(BindingMessage {
                event: ev,
                message,
                class: class_name(message),
                fields,
            })
        })
        .collect();
    out.sort_by_key(|m| m.event.value);
    out
}

/// Every record as the bindings show it: fields in declaration order, the C
/// struct's names and flags where it has one.
pub(crate) fn records<'a>(cat: &'a Catalogue, cm: &'a CModel) -> Vec<BindingRecord<'a>> {
    cat.records
        .iter()
        .map(|r| {
            let c_struct = cm.record_struct(&r.name);
            // Lists and optional records come after the scalar fields (which
            // keep the order of ABI 0.x, for positional construction).
            let scalars = r
                .fields
                .iter()
                .filter(|f| kind_of_type(&f.ty).is_some_and(|k| !is_composite(&k)));
            let composites = r
                .fields
                .iter()
                .filter(|f| kind_of_type(&f.ty).is_some_and(|k| is_composite(&k)));
            let fields = scalars
                .chain(composites)
                .map(|f| {
                    let c = c_struct.and_then(|s| {
                        s.fields.iter().find(
                            |c| matches!(&c.source, CSource::Field { name, .. } if *name == f.name),
                        )
                    });
                    let mut b = from_decl(f, cat).expect("filtered above");
                    if let Some(c) = c {
                        b.c_name = Some(c.name.clone());
                        b.has_flag = c.has_flag.clone();
                        b.optional = c.has_flag.is_some();
                        b.kind = kind_of_c(&c.ty);
                        if !c.doc.is_empty() {
                            b.doc = c.doc.clone();
                        }
                    }
                    b
                })
                .collect();
            BindingRecord {
                record: r,
                c_struct,
                fields,
            }
        })
        .collect()
}

/// The catalogue files named in a generated file's first line.
pub(crate) fn sources(cat: &Catalogue) -> String {
    cat.files
        .iter()
        .map(|s| format!("catalogue/{s}.toml"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The value of an absent non-optional field: its declared default, or the
/// type's zero.
pub(crate) fn absent_int(f: &BindingField) -> i64 {
    match f.decl.as_ref().and_then(|d| d.default.as_ref()) {
        Some(toml::Value::Integer(v)) => *v,
        _ => 0,
    }
}

pub(crate) fn absent_double(f: &BindingField) -> f64 {
    match f.decl.as_ref().and_then(|d| d.default.as_ref()) {
        Some(toml::Value::Float(v)) => *v,
        _ => 0.0,
    }
}

pub(crate) fn absent_bool(f: &BindingField) -> bool {
    matches!(
        f.decl.as_ref().and_then(|d| d.default.as_ref()),
        Some(toml::Value::Boolean(true))
    )
}

/// One paragraph of doc text, whitespace collapsed.
pub(crate) fn one_line(doc: &str) -> String {
    doc.split_whitespace().collect::<Vec<_>>().join(" ")
}

// ---- Python -----------------------------------------------------------------

fn ctype(t: &CType) -> String {
    match t {
        CType::Int32 => "c_int32".into(),
        CType::Int64 => "c_int64".into(),
        CType::Double => "c_double".into(),
        CType::Bool => "c_bool".into(),
        CType::Str | CType::Decimal => "c_char_p".into(),
        CType::Record { c_struct, .. } => c_struct.clone(),
    }
}

fn py_type(f: &BindingField) -> String {
    let base = match &f.kind {
        Kind::Int32 | Kind::Int64 => "int".to_owned(),
        Kind::Double => "float".into(),
        Kind::Bool => "bool".into(),
        Kind::Str => "str".into(),
        Kind::Decimal => return "Optional[Decimal]".into(),
        Kind::Record(r) => r.clone(),
        Kind::ErrorClass => return "Union[ErrorClass, int]".into(),
        Kind::AccountsJoined => return "List[str]".into(),
        Kind::List(item) => {
            let item = BindingField {
                kind: (**item).clone(),
                optional: false,
                ..f.clone()
            };
            return format!("List[{}]", py_type(&item));
        }
        Kind::OptRecord(r) => return format!("Optional[{r}]"),
    };
    if f.optional {
        format!("Optional[{base}]")
    } else {
        base
    }
}

fn py_str_literal(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A docstring body: text wrapped at about 76 columns, indented.
fn docstring(out: &mut String, indent: &str, summary: &str, attrs: &[(String, String)]) {
    let clean = |s: &str| s.replace('\\', "\\\\").replace("\"\"\"", "\\\"\\\"\\\"");
    let mut lines = Vec::new();
    wrap(&clean(&one_line(summary)), 76, &mut lines);
    let documented: Vec<_> = attrs.iter().filter(|(_, d)| !d.is_empty()).collect();
    if !documented.is_empty() {
        lines.push(String::new());
        lines.push("Attributes:".into());
        for (name, doc) in documented {
            let mut sub = Vec::new();
            wrap(&clean(&format!("{name}: {}", one_line(doc))), 72, &mut sub);
            for (i, l) in sub.into_iter().enumerate() {
                lines.push(format!("{}{l}", if i == 0 { "    " } else { "        " }));
            }
        }
    }
    let _ = writeln!(
        out,
        "{indent}\"\"\"{}",
        lines.first().cloned().unwrap_or_default()
    );
    for l in lines.iter().skip(1) {
        if l.is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(out, "{indent}{l}");
        }
    }
    let _ = writeln!(out, "{indent}\"\"\"");
}

fn wrap(text: &str, width: usize, out: &mut Vec<String>) {
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || out.is_empty() {
        out.push(line);
    }
}

fn mirror(out: &mut String, s: &CStruct) {
    let _ = writeln!(out, "class {}(Structure):", s.name);
    docstring(
        out,
        "    ",
        &format!("Mirror of `{}`: {}", s.name, s.doc),
        &[],
    );
    out.push_str("    _fields_ = [\n");
    for f in &s.fields {
        let _ = writeln!(out, "        ({:?}, {}),", f.name, ctype(&f.ty));
        if let Some(h) = &f.has_flag {
            let _ = writeln!(out, "        ({h:?}, c_bool),");
        }
    }
    out.push_str("    ]\n\n\n");
}

/// A list or optional record stays out of the frozen dataclass's hash (a
/// list is unhashable; equal objects still hash equal), so a `Contract`
/// stays usable as a dict key.
fn unhashed(f: &BindingField) -> &'static str {
    if is_composite(&f.kind) {
        " = field(hash=False)"
    } else {
        ""
    }
}

/// The Python expression of a field read from the typed C view `v`.
fn from_c_expr(f: &BindingField, v: &str) -> String {
    let c = f.c_name.as_deref().unwrap_or(&f.name);
    let raw = format!("{v}.{c}");
    let value = match &f.kind {
        Kind::Int32 | Kind::Int64 | Kind::Double => raw,
        Kind::Bool => format!("bool({raw})"),
        Kind::Str => format!("_text({raw})"),
        Kind::Decimal => format!("_decimal({raw})"),
        Kind::Record(r) => format!("{}_from_c({raw})", crate::model::snake(r)),
        Kind::ErrorClass => format!("_enum(ErrorClass, {raw})"),
        Kind::AccountsJoined => format!("_accounts({raw})"),
        Kind::List(_) | Kind::OptRecord(_) => {
            panic!("emit_python: {} is a list or option, no C field", f.name)
        }
    };
    match &f.has_flag {
        Some(h) => format!("({value} if {v}.{h} else None)"),
        None => value,
    }
}

/// The Python expression of a field read from the generic field dict `f`
/// (visitor name -> value, `None` when absent).
fn from_fields_expr(b: &BindingField, prefix: Option<&str>) -> String {
    let key = match (&b.visitor, prefix) {
        (Some(v), Some(p)) => format!("{p} + \".{v}\""),
        (Some(v), None) => py_str_literal(v),
        (None, _) => py_str_literal(&b.name),
    };
    let get = format!("f.get({key})");
    match &b.kind {
        Kind::Record(r) => {
            let k = match prefix {
                Some(p) => format!("{p} + \".{}\"", b.visitor.as_deref().unwrap_or(&b.name)),
                None => py_str_literal(b.visitor.as_deref().unwrap_or(&b.name)),
            };
            format!("_{}_from_fields(f, {k})", crate::model::snake(r))
        }
        Kind::List(item) => {
            let each = match item.as_ref() {
                Kind::Record(r) => format!("_{}_from_fields(f, p)", crate::model::snake(r)),
                Kind::Int32 => "_or(f.get(p), 0)".to_owned(),
                Kind::Double => "_or(f.get(p), 0.0)".to_owned(),
                Kind::Str => "_or(f.get(p), \"\")".to_owned(),
                other => panic!("emit_python: no list of {other:?}"),
            };
            format!("_list(f, {key}, lambda p: {each})")
        }
        Kind::OptRecord(r) => format!(
            "(_{}_from_fields(f, {key}) if f.get({key}) else None)",
            crate::model::snake(r)
        ),
        _ if b.optional => get,
        Kind::Int32 | Kind::Int64 => format!("_or({get}, {})", absent_int(b)),
        Kind::Double => format!("_or({get}, {:?})", absent_double(b)),
        Kind::Bool => format!(
            "bool(_or({get}, {}))",
            if absent_bool(b) { "True" } else { "False" }
        ),
        Kind::Str => format!("_or({get}, \"\")"),
        Kind::Decimal => format!("_decimal_text({get})"),
        Kind::ErrorClass => format!("_enum_or_none(ErrorClass, {get})"),
        Kind::AccountsJoined => format!("_accounts_text({get})"),
    }
}

/// The class's fields in Python order, each with its default (if any).
fn py_order<'b>(m: &'b BindingMessage<'_>) -> Vec<(&'b BindingField, Option<String>)> {
    if let Some((_, order)) = PY_LEGACY_ORDER.iter().find(|(n, _)| *n == m.message.name) {
        let picked: Vec<_> = order
            .iter()
            .map(|entry| {
                let (name, default) = match entry.split_once('=') {
                    Some((n, d)) => (n, Some(d.to_owned())),
                    None => (*entry, None),
                };
                let f =
                    m.fields.iter().find(|f| f.name == name).unwrap_or_else(|| {
                        panic!("PY_LEGACY_ORDER: {} has no field {name}", m.class)
                    });
                (f, default)
            })
            .collect();
        assert_eq!(
            picked.len(),
            m.fields.len(),
            "PY_LEGACY_ORDER of {} must list every field",
            m.class
        );
        return picked;
    }
    m.fields
        .iter()
        .map(|f| {
            let d =
                (f.kind == Kind::AccountsJoined).then(|| "field(default_factory=list)".to_owned());
            (f, d)
        })
        .collect()
}

const PY_PRELUDE: &str = r#""""The per-message layer of the binding, derived from the message catalogue.

ctypes mirrors of the C event structs, the ``TWS_EVENT_*`` values, one frozen
dataclass per incoming message (and per record), and the converters:
``FROM_C`` reads a typed C view (``tws_event_data``), ``FROM_FIELDS`` builds
the same dataclass from the generic field accessor (``tws_event_field``), so
a message without a typed view needs no hand-written code. Absent values
(unset, or not sent at the negotiated version) are ``None``; decimals are
:class:`decimal.Decimal` built from the exact text TWS sent.
"""

from __future__ import annotations

from ctypes import Structure, c_bool, c_char_p, c_double, c_int32, c_int64
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import IntEnum
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple, Type, TypeVar, Union

from ._enums import ErrorClass


def _text(p: Optional[bytes]) -> str:
    return p.decode("utf-8", "replace") if p else ""


def _decimal_text(t: Union[str, Decimal, None]) -> Optional[Decimal]:
    """A decimal from its exact text; ``None`` when unset (``""``) or not a
    number (a peer's garbage must not raise in a callback)."""
    if isinstance(t, Decimal):
        return t
    if not t:
        return None
    try:
        return Decimal(t)
    except InvalidOperation:
        return None


#: Decimals already made, by their exact text: sizes repeat (100, 200, ...)
#: and a Decimal is immutable, so one is shared; emptied when it grows past
#: _DECIMALS_MAX, so a peer sending ever new texts costs no memory.
_DECIMALS: Dict[bytes, Optional[Decimal]] = {}
_DECIMALS_MAX = 4096


def _decimal(p: Optional[bytes]) -> Optional[Decimal]:
    if not p:
        return None
    try:
        return _DECIMALS[p]
    except KeyError:
        pass
    d = _decimal_text(_text(p))
    if len(_DECIMALS) >= _DECIMALS_MAX:
        _DECIMALS.clear()
    _DECIMALS[p] = d
    return d


_E = TypeVar("_E", bound=IntEnum)
_T = TypeVar("_T")


def _enum(cls: Type[_E], value: int) -> Union[_E, int]:
    try:
        return cls(value)
    except ValueError:
        return value


def _enum_or_none(cls: Type[_E], value: Optional[int]) -> Any:
    # Any: a field typed ``Union[Enum, int]`` takes it (None only from a peer
    # that left the value out, which the accessor then reports as absent).
    return None if value is None else _enum(cls, value)


def _or(value: Optional[_T], absent: _T) -> _T:
    return absent if value is None else value


def _accounts(p: Optional[bytes]) -> List[str]:
    return [a for a in _text(p).split(",") if a]


def _accounts_text(t: Optional[str]) -> List[str]:
    return [a.strip() for a in (t or "").split(",") if a.strip()]


def _list(f: Mapping[str, Any], key: str, item: Callable[[str], Any]) -> List[Any]:
    """A list read through the accessor: ``key`` is its count, ``key[i]`` the
    i-th item (a record's fields under it)."""
    n = f.get(key) or 0
    return [item(f"{key}[{i}]") for i in range(n)]


"#;

/// `_generated.py`.
pub fn python_file(cat: &Catalogue, cm: &CModel) -> String {
    let msgs = messages(cat, cm);
    let recs = records(cat, cm);
    let mut out = format!(
        "# Generated by tws-codegen from {}; do not edit. Change the catalogue and run `make generate`.\n",
        sources(cat)
    );
    out.push_str(PY_PRELUDE);

    out.push_str(
        "# ---- ctypes mirrors of the C structs ------------------------------------------\n\n\n",
    );
    for r in &cm.records {
        mirror(&mut out, r);
    }
    for s in &cm.structs {
        mirror(&mut out, s);
    }
    out.push_str("#: Every mirror above (the tests compare their layout with ``include/tws.h``).\nMIRRORS: Tuple[Any, ...] = (\n");
    for s in cm.records.iter().chain(&cm.structs) {
        let _ = writeln!(out, "    {},", s.name);
    }
    out.push_str(")\n\n");
    out.push_str("#: The members of ``tws_event_data`` that hold a message's typed view.\n");
    out.push_str("UNION_MEMBERS: List[Tuple[str, Any]] = [\n");
    let mut seen = Vec::new();
    for m in &msgs {
        if let Some(v) = &m.event.view {
            if !seen.contains(&v.member) {
                seen.push(v.member.clone());
                let _ = writeln!(out, "    ({:?}, {}),", v.member, v.struct_name);
            }
        }
    }
    out.push_str("]\n\n");

    out.push_str(
        "# ---- event types ----------------------------------------------------------------\n\n",
    );
    for e in &cm.events {
        let _ = writeln!(out, "{} = {}", e.constant, e.value);
    }
    out.push_str("\n\n# ---- records --------------------------------------------------------------------\n\n\n");
    for r in &recs {
        let _ = writeln!(out, "@dataclass(frozen=True)\nclass {}:", r.record.name);
        let attrs: Vec<_> = r
            .fields
            .iter()
            .map(|f| (f.name.clone(), f.doc.clone()))
            .collect();
        docstring(&mut out, "    ", &r.record.doc, &attrs);
        out.push('\n');
        for f in &r.fields {
            let _ = writeln!(out, "    {}: {}{}", f.name, py_type(f), unhashed(f));
        }
        let snake = crate::model::snake(&r.record.name);
        if let Some(s) = r.c_struct {
            let _ = write!(
                out,
                "\n\ndef {snake}_from_c(c: {}) -> {}:\n    \"\"\"Copies a ``{}``.\"\"\"\n",
                s.name, r.record.name, s.name
            );
            let uncovered = r.fields.iter().any(|f| f.c_name.is_none());
            if uncovered {
                // Fields the C struct does not carry take their declared
                // absent value (read them through the generic accessor).
                out.push_str("    f: Mapping[str, Any] = {}\n");
            }
            out.push_str(&format!("    return {}(\n", r.record.name));
            for f in &r.fields {
                let e = if f.c_name.is_none() {
                    from_fields_expr(f, None)
                } else {
                    from_c_expr(f, "c")
                };
                let _ = writeln!(out, "        {e},");
            }
            out.push_str("    )\n");
        }
        let _ = write!(
            out,
            "\n\ndef _{snake}_from_fields(f: Mapping[str, Any], prefix: str) -> {}:\n    return {}(\n",
            r.record.name, r.record.name
        );
        for f in &r.fields {
            let _ = writeln!(out, "        {},", from_fields_expr(f, Some("prefix")));
        }
        out.push_str("    )\n\n\n");
    }

    out.push_str(
        "# ---- incoming messages ----------------------------------------------------------\n\n\n",
    );
    for m in &msgs {
        let order = py_order(m);
        let _ = writeln!(out, "@dataclass(frozen=True)\nclass {}:", m.class);
        let attrs: Vec<_> = order
            .iter()
            .map(|(f, _)| (f.name.clone(), f.doc.clone()))
            .collect();
        let summary = format!(
            "{} (``{}``, message ``{}``)",
            m.message.doc.trim(),
            m.event.constant,
            m.message.name
        );
        docstring(&mut out, "    ", &summary, &attrs);
        out.push('\n');
        if order.is_empty() {
            let _ = writeln!(out, "    MESSAGE = {:?}", m.message.name);
        } else {
            let _ = writeln!(out, "    MESSAGE = {:?}", m.message.name);
            for (f, d) in &order {
                match d {
                    Some(d) => {
                        let _ = writeln!(out, "    {}: {} = {d}", f.name, py_type(f));
                    }
                    None => {
                        let _ = writeln!(out, "    {}: {}{}", f.name, py_type(f), unhashed(f));
                    }
                }
            }
        }
        let snake = m.event.short.to_ascii_lowercase();
        // Positional arguments, in the class's order (the fastest call).
        if let Some(v) = &m.event.view {
            let _ = write!(
                out,
                "\n\ndef _{snake}_from_c(d: Any) -> {}:\n    v = d.{}\n    return {}(\n",
                m.class, v.member, m.class
            );
            for (f, _) in &order {
                let _ = writeln!(out, "        {},", from_c_expr(f, "v"));
            }
            out.push_str("    )\n");
        }
        let _ = write!(
            out,
            "\n\ndef _{snake}_from_fields(f: Mapping[str, Any]) -> {}:\n    return {}(\n",
            m.class, m.class
        );
        for (f, _) in &order {
            let _ = writeln!(out, "        {},", from_fields_expr(f, None));
        }
        out.push_str("    )\n\n\n");
    }

    out.push_str(
        "# ---- tables -----------------------------------------------------------------------\n\n",
    );
    out.push_str("#: Every incoming message's class, by event-type value.\nCLASSES: Dict[int, Type[Any]] = {\n");
    for m in &msgs {
        let _ = writeln!(out, "    {}: {},", m.event.constant, m.class);
    }
    out.push_str("}\n\n#: The converter from ``tws_event_data`` of every message with a typed view.\nFROM_C: Dict[int, Callable[[Any], MessageEvent]] = {\n");
    for m in msgs.iter().filter(|m| m.event.view.is_some()) {
        let _ = writeln!(
            out,
            "    {}: _{}_from_c,",
            m.event.constant,
            m.event.short.to_ascii_lowercase()
        );
    }
    out.push_str("}\n\n#: The builder from the generic fields (visitor name -> value) of every message.\nFROM_FIELDS: Dict[int, Callable[[Mapping[str, Any]], MessageEvent]] = {\n");
    for m in &msgs {
        let _ = writeln!(
            out,
            "    {}: _{}_from_fields,",
            m.event.constant,
            m.event.short.to_ascii_lowercase()
        );
    }
    out.push_str("}\n\n#: The messages without a class (a field type no class can hold; none today):\n#: event type -> message name; they arrive as ``tws.GenericMessage``.\nGENERIC: Dict[int, str] = {\n");
    for e in &cm.events {
        if !msgs.iter().any(|m| m.event.value == e.value) {
            let _ = writeln!(out, "    {}: {:?},", e.constant, e.message);
        }
    }
    out.push_str("}\n\n#: Every class by message name (what ``tws_event_message_name`` returns).\nBY_MESSAGE: Dict[str, Type[Any]] = {cls.MESSAGE: cls for cls in CLASSES.values()}\n\n");
    out.push_str("#: The fields each class takes from the typed view but not from the generic\n#: accessor (values computed by libtws, such as the error's ``error_class``).\nDERIVED: Dict[str, Tuple[str, ...]] = {\n");
    for m in &msgs {
        let derived: Vec<_> = m
            .fields
            .iter()
            .filter(|f| f.visitor.is_none())
            .map(|f| format!("{:?}, ", f.name))
            .collect();
        if !derived.is_empty() {
            let _ = writeln!(out, "    {:?}: ({}),", m.class, derived.concat().trim_end());
        }
    }
    out.push_str("}\n\n#: Every record's fields and their kinds, for the input builder (``tws_record``).\nRECORD_FIELDS: Dict[str, Dict[str, str]] = {\n");
    for r in &cat.records {
        let _ = writeln!(out, "    {:?}: {{", r.name);
        for f in &r.fields {
            let kind = match &f.ty {
                Type::Int => "int",
                Type::Long => "long",
                Type::Double => "double",
                Type::Bool => "bool",
                Type::Str => "string",
                Type::Decimal => "decimal",
                Type::Record(_) | Type::Optional(_) => "record",
                Type::Bits => "int",
                Type::List(_) | Type::TagValues => "list",
            };
            let _ = writeln!(out, "        {:?}: {kind:?},", f.name);
        }
        out.push_str("    },\n");
    }
    out.push_str("}\n\n#: Every incoming message's class.\nMessageEvent = Union[\n");
    for m in &msgs {
        let _ = writeln!(out, "    {},", m.class);
    }
    out.push_str("]\n\n__all__ = [\n");
    let mut names: Vec<String> = recs.iter().map(|r| r.record.name.clone()).collect();
    names.extend(msgs.iter().map(|m| m.class.clone()));
    names.extend(cm.events.iter().map(|e| e.constant.clone()));
    for n in names {
        let _ = writeln!(out, "    {n:?},");
    }
    out.push_str("]\n");
    out
}
