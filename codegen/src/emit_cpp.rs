//! The C++ binding's per-message layer, `bindings/cpp/include/tws_generated.hpp`
//! (included by `tws.hpp`, installed next to it): one struct per incoming
//! message and per record (absent values as `std::optional`), the converters
//! from the typed C view and from the generic field accessor, and the
//! message alternatives of `tws::Event`. Names and order follow the binding
//! view of [`crate::emit_python`], shared by both bindings.

use std::fmt::Write as _;

use crate::cmodel::CModel;
use crate::emit_python::{
    absent_bool, absent_double, absent_int, messages, one_line, records, sources, BindingField,
    BindingRecord, Kind,
};
use crate::model::{snake, Catalogue};

/// Where `tws_generated.hpp` goes, relative to the repository root.
pub const CPP_OUT: &str = "bindings/cpp/include/tws_generated.hpp";

fn cpp_type(f: &BindingField) -> String {
    let base = match &f.kind {
        Kind::Int32 | Kind::ErrorClass => "std::int32_t".to_owned(),
        Kind::Int64 => "std::int64_t".into(),
        Kind::Double => "double".into(),
        Kind::Bool => "bool".into(),
        Kind::Str | Kind::Decimal | Kind::AccountsJoined => "std::string".into(),
        Kind::Record(r) => r.clone(),
        Kind::List(item) => {
            let item = BindingField {
                kind: (**item).clone(),
                optional: false,
                ..f.clone()
            };
            return format!("std::vector<{}>", cpp_type(&item));
        }
        Kind::OptRecord(r) => return format!("std::optional<{r}>"),
    };
    if f.optional {
        format!("std::optional<{base}>")
    } else {
        base
    }
}

fn doc_comment(out: &mut String, indent: &str, doc: &str) {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in one_line(doc).split(' ') {
        if !line.is_empty() && line.len() + 1 + word.len() > 100 {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    for l in lines {
        let _ = writeln!(out, "{indent}/// {l}");
    }
}

/// `operator==` and `operator!=` over every field.
fn equality(out: &mut String, class: &str, fields: &[BindingField]) {
    if fields.is_empty() {
        let _ = writeln!(
            out,
            "inline bool operator==(const {class} &, const {class} &) {{ return true; }}"
        );
    } else {
        let cmp: Vec<String> = fields
            .iter()
            .map(|f| format!("a.{0} == b.{0}", f.name))
            .collect();
        let _ = writeln!(
            out,
            "inline bool operator==(const {class} &a, const {class} &b)\n{{\n    return {};\n}}",
            cmp.join(" && ")
        );
    }
    let _ = writeln!(
        out,
        "inline bool operator!=(const {class} &a, const {class} &b) {{ return !(a == b); }}\n"
    );
}

fn cpp_str_literal(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The C++ expression of a field read from the typed C view `v`.
fn from_c_expr(f: &BindingField, v: &str) -> String {
    let c = f.c_name.as_deref().unwrap_or(&f.name);
    let raw = format!("{v}.{c}");
    let value = match &f.kind {
        Kind::Int32 | Kind::Int64 | Kind::Double | Kind::ErrorClass => raw,
        Kind::Bool => format!("static_cast<bool>({raw})"),
        Kind::Str | Kind::Decimal | Kind::AccountsJoined => format!("gen::str({raw})"),
        Kind::Record(r) => format!("gen::{}_from_c({raw})", snake(r)),
        Kind::List(_) | Kind::OptRecord(_) => {
            panic!("emit_cpp: {} is a list or option, no C field", f.name)
        }
    };
    match &f.has_flag {
        Some(h) => format!("gen::opt({v}.{h}, {value})"),
        None => value,
    }
}

/// The C++ expression of a field's declared absent value.
fn absent_expr(b: &BindingField) -> String {
    match &b.kind {
        _ if b.optional => "std::nullopt".to_owned(),
        Kind::OptRecord(_) => "std::nullopt".to_owned(),
        Kind::Record(_) | Kind::List(_) => "{}".to_owned(),
        Kind::Int32 | Kind::ErrorClass => format!("std::int32_t{{{}}}", absent_int(b)),
        Kind::Int64 => format!("std::int64_t{{{}}}", absent_int(b)),
        Kind::Double => format!("{:?}", absent_double(b)),
        Kind::Bool => absent_bool(b).to_string(),
        Kind::Str | Kind::Decimal | Kind::AccountsJoined => "std::string{}".to_owned(),
    }
}

/// The C++ expression of a field read through the generic accessor `f`.
fn from_fields_expr(b: &BindingField, prefix: bool) -> String {
    let name = b.visitor.as_deref().unwrap_or(&b.name);
    let key = if prefix {
        format!("prefix + \".{name}\"")
    } else {
        cpp_str_literal(name)
    };
    match &b.kind {
        Kind::Record(r) => format!("gen::{}_from_fields(f, {key})", snake(r)),
        Kind::List(item) => {
            let (ty, each) = match item.as_ref() {
                Kind::Record(r) => (r.clone(), format!("gen::{}_from_fields(f, p)", snake(r))),
                Kind::Int32 => (
                    "std::int32_t".to_owned(),
                    "static_cast<std::int32_t>(f.integer(p, 0))".to_owned(),
                ),
                Kind::Double => ("double".to_owned(), "f.real(p, 0.0)".to_owned()),
                Kind::Str => ("std::string".to_owned(), "f.text(p)".to_owned()),
                other => panic!("emit_cpp: no list of {other:?}"),
            };
            format!(
                "gen::list<{ty}>(f, std::string({key}), [&f](const std::string &p) {{ return {each}; }})"
            )
        }
        Kind::OptRecord(r) => format!(
            "f.boolean({key}, false) ? std::optional<{r}>(gen::{}_from_fields(f, {key})) : std::nullopt",
            snake(r)
        ),
        Kind::Int32 | Kind::ErrorClass if b.optional => {
            format!("gen::narrow(f.opt_integer({key}))")
        }
        Kind::Int64 if b.optional => format!("f.opt_integer({key})"),
        Kind::Double if b.optional => format!("f.opt_real({key})"),
        Kind::Int32 | Kind::ErrorClass => {
            let absent = if b.kind == Kind::ErrorClass {
                -1
            } else {
                absent_int(b)
            };
            format!("static_cast<std::int32_t>(f.integer({key}, {absent}))")
        }
        Kind::Int64 => format!("f.integer({key}, {})", absent_int(b)),
        Kind::Double => format!("f.real({key}, {:?})", absent_double(b)),
        Kind::Bool => format!("f.boolean({key}, {})", absent_bool(b)),
        Kind::Str | Kind::Decimal => format!("f.text({key})"),
        Kind::AccountsJoined => format!("gen::join_accounts(f.text({key}))"),
    }
}

/// The records a record's fields hold (by value, in a vector or optional).
fn uses(f: &BindingField) -> Option<&str> {
    match &f.kind {
        Kind::Record(r) | Kind::OptRecord(r) => Some(r),
        Kind::List(item) => match item.as_ref() {
            Kind::Record(r) => Some(r),
            _ => None,
        },
        _ => None,
    }
}

/// Records ordered so that each comes after the records it holds (C++ needs
/// complete types for std::optional and the converters); otherwise in
/// catalogue order.
fn dependency_order(mut pending: Vec<BindingRecord<'_>>) -> Vec<BindingRecord<'_>> {
    let mut out: Vec<BindingRecord<'_>> = Vec::new();
    while !pending.is_empty() {
        let ready = pending
            .iter()
            .position(|r| {
                r.fields
                    .iter()
                    .filter_map(uses)
                    .all(|u| out.iter().any(|o| o.record.name == u))
            })
            .expect("emit_cpp: records hold each other in a cycle");
        out.push(pending.remove(ready));
    }
    out
}

const PRELUDE: &str = r#"/*
 * The per-message part of tws.hpp, derived from the message catalogue:
 * one struct per incoming message and per record (a value TWS left unset is
 * an empty std::optional, never a magic number; decimals stay their exact
 * text), the converters from the typed C view (tws_event.data) and from the
 * generic field accessor (tws_event_field), and the message alternatives of
 * tws::Event. A message without a typed C view is read through the
 * accessor, so a new message needs no hand-written C++.
 *
 * Included by tws.hpp (include that); installed next to it by `make install`.
 */
#ifndef TWS_GENERATED_HPP
#define TWS_GENERATED_HPP

#include <tws.h>

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace tws {
namespace gen {

/// A C string from libtws as std::string (NULL as empty).
inline std::string str(const char *p) { return p ? std::string(p) : std::string(); }

/// A value and its `has_` flag as a std::optional.
template <class T> inline std::optional<T> opt(bool has, T value)
{
    return has ? std::optional<T>(value) : std::nullopt;
}

/// An optional 64-bit accessor value as an optional int32_t.
inline std::optional<std::int32_t> narrow(std::optional<std::int64_t> v)
{
    return v ? std::optional<std::int32_t>(static_cast<std::int32_t>(*v)) : std::nullopt;
}

/// The managed accounts as libtws joins them: trimmed, empty entries dropped, ",".
inline std::string join_accounts(const std::string &list)
{
    std::string out, item;
    auto flush = [&] {
        const auto b = item.find_first_not_of(" \t");
        const auto e = item.find_last_not_of(" \t");
        if (b != std::string::npos) {
            if (!out.empty())
                out += ',';
            out += item.substr(b, e - b + 1);
        }
        item.clear();
    };
    for (char c : list) {
        if (c == ',')
            flush();
        else
            item += c;
    }
    flush();
    return out;
}

/// An event's fields by name, through the generic accessor
/// (tws_event_field_by_name). An absent or unknown field reads as absent.
class Fields {
public:
    explicit Fields(const tws_event &ev) : ev_(&ev) {}

    /// The field `name` when present.
    std::optional<tws_field> get(const std::string &name) const
    {
        tws_field f{};
        if (tws_event_field_by_name(ev_, name.c_str(), &f) != TWS_OK || !f.present)
            return std::nullopt;
        return f;
    }
    std::int64_t integer(const std::string &name, std::int64_t absent) const
    {
        const auto f = get(name);
        return f ? f->int_value : absent;
    }
    std::optional<std::int64_t> opt_integer(const std::string &name) const
    {
        const auto f = get(name);
        return f ? std::optional<std::int64_t>(f->int_value) : std::nullopt;
    }
    double real(const std::string &name, double absent) const
    {
        const auto f = get(name);
        return f ? f->double_value : absent;
    }
    std::optional<double> opt_real(const std::string &name) const
    {
        const auto f = get(name);
        return f ? std::optional<double>(f->double_value) : std::nullopt;
    }
    bool boolean(const std::string &name, bool absent) const
    {
        const auto f = get(name);
        return f ? f->int_value != 0 : absent;
    }
    std::string text(const std::string &name) const
    {
        const auto f = get(name);
        return f ? str(f->string_value) : std::string();
    }

private:
    const tws_event *ev_;
};

/// A list through the accessor: `key` is its count, `key[i]` the i-th item
/// (a record's fields under it); `item(name)` reads one item.
template <class T, class Item> inline std::vector<T> list(const Fields &f, const std::string &key, Item item)
{
    std::vector<T> out;
    const std::int64_t n = f.integer(key, 0);
    for (std::int64_t i = 0; i < n; i++)
        out.push_back(item(key + "[" + std::to_string(i) + "]"));
    return out;
}

} // namespace gen

"#;

/// `tws_generated.hpp`.
pub fn cpp_file(cat: &Catalogue, cm: &CModel) -> String {
    let msgs = messages(cat, cm);
    let recs = dependency_order(records(cat, cm));
    let mut out = format!(
        "// Generated by tws-codegen from {}; do not edit. Change the catalogue and run `make generate`.\n",
        sources(cat)
    );
    out.push_str(PRELUDE);

    out.push_str(
        "// ---- records ------------------------------------------------------------------\n\n",
    );
    for r in &recs {
        doc_comment(&mut out, "", &r.record.doc);
        let _ = writeln!(out, "struct {} {{", r.record.name);
        for f in &r.fields {
            doc_comment(&mut out, "    ", &f.doc);
            let _ = writeln!(out, "    {} {};", cpp_type(f), f.name);
        }
        out.push_str("};\n\n");
        equality(&mut out, &r.record.name, &r.fields);
        out.push_str("namespace gen {\n");
        let sn = snake(&r.record.name);
        if let Some(s) = r.c_struct {
            let _ = writeln!(
                out,
                "/// Copies a {}.\ninline {} {sn}_from_c(const {} &c)\n{{\n    return {}{{",
                s.name, r.record.name, s.name, r.record.name
            );
            for f in &r.fields {
                // A field the C struct does not carry: its declared absent
                // value (read it through the generic accessor).
                let e = if f.c_name.is_none() {
                    absent_expr(f)
                } else {
                    from_c_expr(f, "c")
                };
                let _ = writeln!(out, "        {e},");
            }
            out.push_str("    };\n}\n");
        }
        let _ = writeln!(
            out,
            "/// Reads the {} under `prefix` through the generic accessor.\ninline {} {sn}_from_fields(const Fields &f, const std::string &prefix)\n{{\n    return {}{{",
            r.record.name, r.record.name, r.record.name
        );
        for f in &r.fields {
            let _ = writeln!(out, "        {},", from_fields_expr(f, true));
        }
        out.push_str("    };\n}\n} // namespace gen\n\n");
    }

    out.push_str(
        "// ---- incoming messages ----------------------------------------------------------\n\n",
    );
    for m in &msgs {
        doc_comment(
            &mut out,
            "",
            &format!(
                "{} (`{}`, message `{}`)",
                m.message.doc.trim(),
                m.event.constant,
                m.message.name
            ),
        );
        let _ = writeln!(out, "struct {} {{", m.class);
        let _ = writeln!(
            out,
            "    /// Its tws_event_type value.\n    static constexpr std::int32_t event_type = {};",
            m.event.constant
        );
        let _ = writeln!(
            out,
            "    /// Its message name (tws_event_message_name).\n    static constexpr const char *message_name = {};",
            cpp_str_literal(&m.message.name)
        );
        for f in &m.fields {
            doc_comment(&mut out, "    ", &f.doc);
            let _ = writeln!(out, "    {} {};", cpp_type(f), f.name);
        }
        out.push_str("};\n\n");
        equality(&mut out, &m.class, &m.fields);
        out.push_str("namespace gen {\n");
        let sn = m.event.short.to_ascii_lowercase();
        if let Some(v) = &m.event.view {
            let _ = writeln!(
                out,
                "inline {} {sn}_from_c(const {} &v)\n{{",
                m.class, v.struct_name
            );
            if m.fields.is_empty() {
                out.push_str("    (void)v;\n");
            }
            let _ = writeln!(out, "    return {}{{", m.class);
            for f in &m.fields {
                let _ = writeln!(out, "        {},", from_c_expr(f, "v"));
            }
            out.push_str("    };\n}\n");
        }
        let _ = writeln!(
            out,
            "inline {} {sn}_from_fields(const Fields &f)\n{{",
            m.class
        );
        if m.fields.is_empty() {
            out.push_str("    (void)f;\n");
        }
        let _ = writeln!(out, "    return {}{{", m.class);
        for f in &m.fields {
            let _ = writeln!(out, "        {},", from_fields_expr(f, false));
        }
        out.push_str("    };\n}\n} // namespace gen\n\n");
    }

    out.push_str("/// The event variant: the engine's own alternatives `Engine...`, then every\n/// incoming message's struct (in tws_event_type order).\ntemplate <class... Engine>\nusing message_variant = std::variant<Engine...");
    for m in &msgs {
        let _ = write!(out, ", {}", m.class);
    }
    out.push_str(">;\n\nnamespace gen {\n\n");
    out.push_str("/// Every incoming message's tws_event_type value.\ninline constexpr std::int32_t message_event_types[] = {\n");
    for m in &msgs {
        let _ = writeln!(out, "    {},", m.event.constant);
    }
    out.push_str("};\n\n");
    out.push_str("/// A message event as its struct (through its typed view, or through the\n/// generic accessor when it has none); std::nullopt for another event type.\ntemplate <class Variant> inline std::optional<Variant> message_event(const tws_event &ev)\n{\n    switch (ev.type) {\n");
    for m in &msgs {
        let sn = m.event.short.to_ascii_lowercase();
        match &m.event.view {
            Some(v) => {
                let _ = writeln!(
                    out,
                    "    case {}: return Variant{{{sn}_from_c(ev.data.{})}};",
                    m.event.constant, v.member
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "    case {}: return Variant{{{sn}_from_fields(Fields(ev))}};",
                    m.event.constant
                );
            }
        }
    }
    out.push_str("    default: return std::nullopt;\n    }\n}\n\n");
    out.push_str("/// A message event as its struct, read through the generic accessor only\n/// (derived values such as the error's error_class are not fields: -1).\ntemplate <class Variant> inline std::optional<Variant> message_event_from_fields(const tws_event &ev)\n{\n    const Fields f(ev);\n    switch (ev.type) {\n");
    for m in &msgs {
        let sn = m.event.short.to_ascii_lowercase();
        let _ = writeln!(
            out,
            "    case {}: return Variant{{{sn}_from_fields(f)}};",
            m.event.constant
        );
    }
    out.push_str("    default: return std::nullopt;\n    }\n}\n\n} // namespace gen\n} // namespace tws\n\n#endif // TWS_GENERATED_HPP\n");
    out
}
