//! The official-client oracle mapping (`tests/oracle/mapping.json`), generated
//! from the catalogue and the facts about ibapi in `catalogue/official/`:
//! for every incoming message, the EWrapper callback (its wire name) and, for
//! each field in visitor order, the callback argument it comes from (and the
//! attribute, for a record's field) and how the value converts; for every
//! request, the EClient method and its minimum server version.
//!
//! Fields match arguments by name (the field's camelCase, ignoring case:
//! `daily_pnl` = `dailyPnL`); `catalogue/official/oracle.toml` lists the
//! irregular ones. A field that matches nothing fails generation.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::model::{Catalogue, Message, Type, VersionRef};

pub const MAPPING: &str = "tests/oracle/mapping.json";

fn read_toml(root: &Path, rel: &str) -> Result<toml::Table, String> {
    std::fs::read_to_string(root.join(rel))
        .map_err(|e| format!("{rel}: {e}"))?
        .parse()
        .map_err(|e| format!("{rel}: {e}"))
}

fn names(t: &toml::Table, key: &str, file: &str) -> Result<BTreeMap<String, Vec<String>>, String> {
    let t = t
        .get(key)
        .and_then(|v| v.as_table())
        .ok_or_else(|| format!("{file}: no [{key}]"))?;
    t.iter()
        .map(|(k, v)| {
            let list = v
                .as_array()
                .ok_or_else(|| format!("{file}: {key}.{k} is not a list"))?
                .iter()
                .map(|s| s.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| format!("{file}: {key}.{k}: not all strings"))?;
            Ok((k.clone(), list))
        })
        .collect()
}

fn lower_camel(snake: &str) -> String {
    snake.replace('_', "").to_ascii_lowercase()
}

fn conv(ty: &Type) -> &'static str {
    match ty {
        Type::Int | Type::Long | Type::Bool | Type::Str => "raw",
        Type::Double => "double",
        Type::Decimal => "decimal",
        Type::Record(_) => "record",
        Type::Bits => "bits",
        Type::List(_) | Type::TagValues => "list",
        Type::Optional(_) => "optional",
    }
}

/// One mapped field: visitor name, callback argument, record attribute, conversion.
struct Mapped {
    field: String,
    arg: String,
    attr: Option<String>,
    conv: &'static str,
}

struct Facts {
    callbacks: BTreeMap<String, Vec<String>>,
    methods: BTreeMap<String, Vec<String>>,
    records: BTreeMap<String, Vec<String>>,
    rename: BTreeMap<String, String>,
    /// Incoming messages whose ibapi callbacks the oracle writes by hand
    /// (`[hand_written]` of oracle.toml: message -> reason), left out of the
    /// mapping.
    hand_written: BTreeMap<String, String>,
    /// Method arguments that a record field of the request carries
    /// (`[nested_args]` of oracle.toml: `Message.argument` -> `field.sub`).
    nested_args: BTreeMap<String, String>,
}

fn facts(root: &Path) -> Result<Facts, String> {
    const CB: &str = "catalogue/official/callbacks.toml";
    const OR: &str = "catalogue/official/oracle.toml";
    let cb = read_toml(root, CB)?;
    let or = read_toml(root, OR)?;
    let rename = or
        .get("rename")
        .and_then(|v| v.as_table())
        .ok_or_else(|| format!("{OR}: no [rename]"))?
        .iter()
        .map(|(k, v)| {
            v.as_str()
                .map(|s| (k.clone(), s.to_owned()))
                .ok_or_else(|| format!("{OR}: rename.{k} is not a string"))
        })
        .collect::<Result<_, _>>()?;
    let hand_written = match or.get("hand_written") {
        None => BTreeMap::new(),
        Some(v) => v
            .as_table()
            .ok_or_else(|| format!("{OR}: [hand_written] is not a table"))?
            .iter()
            .map(|(k, v)| {
                v.as_str()
                    .map(|s| (k.clone(), s.to_owned()))
                    .ok_or_else(|| {
                        format!("{OR}: hand_written.{k}: expected the reason (a string)")
                    })
            })
            .collect::<Result<_, _>>()?,
    };
    let nested_args = match or.get("nested_args") {
        None => BTreeMap::new(),
        Some(v) => v
            .as_table()
            .ok_or_else(|| format!("{OR}: [nested_args] is not a table"))?
            .iter()
            .map(|(k, v)| {
                v.as_str()
                    .map(|s| (k.clone(), s.to_owned()))
                    .ok_or_else(|| format!("{OR}: nested_args.{k}: expected `field.sub`"))
            })
            .collect::<Result<_, _>>()?,
    };
    Ok(Facts {
        hand_written,
        nested_args,
        callbacks: names(&cb, "callbacks", CB)?,
        methods: names(&cb, "methods", CB)?,
        records: names(&cb, "records", CB)?,
        rename,
    })
}

fn find(candidates: &[String], wanted: &str) -> Option<String> {
    candidates
        .iter()
        .find(|c| c.to_ascii_lowercase() == wanted)
        .cloned()
}

/// Maps every field of `m` to an argument of ibapi's callback (incoming) or
/// method (requests) of the same wire name. An argument of `""` (requests
/// only, from oracle.toml) means ibapi's client fills the field in itself.
fn map_message(m: &Message, f: &Facts, used: &mut Vec<String>) -> Result<Vec<Mapped>, String> {
    let ctx = format!("{} ({})", m.name, m.wire_name);
    let (table, what) = if m.incoming {
        (&f.callbacks, "EWrapper callback")
    } else {
        (&f.methods, "EClient method")
    };
    let args = table.get(&m.wire_name).ok_or_else(|| {
        format!(
            "{ctx}: ibapi has no {what} {:?} (catalogue/official/callbacks.toml)",
            m.wire_name
        )
    })?;
    let mut out = Vec::new();
    for field in &m.fields {
        let key = format!("{}.{}", m.name, field.name);
        let arg = match f.rename.get(&key) {
            Some(a) => {
                used.push(key.clone());
                (args.contains(a) || (a.is_empty() && !m.incoming))
                    .then(|| a.clone())
                    .ok_or_else(|| {
                        format!("{ctx}: catalogue/official/oracle.toml renames {key} to {a:?}, not an argument of {args:?}")
                    })?
            }
            None => find(args, &lower_camel(&field.name)).ok_or_else(|| {
                format!(
                    "{ctx}: field {:?} matches no argument of ibapi's {}({}); \
                     add `\"{key}\" = \"<argument>\"` to catalogue/official/oracle.toml",
                    field.name,
                    m.wire_name,
                    args.join(", ")
                )
            })?,
        };
        out.push(Mapped {
            field: field.name.clone(),
            arg,
            attr: None,
            conv: conv(&field.ty),
        });
    }
    for a in args {
        let nested = f.nested_args.contains_key(&format!("{}.{a}", m.name));
        if !nested && !out.iter().any(|m| &m.arg == a) {
            return Err(format!(
                "{ctx}: no field of the catalogue gives ibapi's argument {a:?} of {}",
                m.wire_name
            ));
        }
    }
    Ok(out)
}

/// Expands record fields into one entry per record field, with its attribute.
fn expand(
    cat: &Catalogue,
    f: &Facts,
    m: &Message,
    mapped: Vec<Mapped>,
) -> Result<Vec<Mapped>, String> {
    let mut out = Vec::new();
    for (field, mp) in m.fields.iter().zip(mapped) {
        let Type::Record(r) = &field.ty else {
            out.push(mp);
            continue;
        };
        let rec = cat
            .records
            .iter()
            .find(|x| &x.name == r)
            .ok_or_else(|| format!("{}: no record {r}", m.name))?;
        let attrs = &f.records[r];
        for sub in &rec.fields {
            let attr = find(attrs, &lower_camel(&sub.name)).ok_or_else(|| {
                format!(
                    "{}: record {r}: field {:?} matches no attribute of ibapi's {r}",
                    m.name, sub.name
                )
            })?;
            out.push(Mapped {
                field: format!("{}.{}", rec.prefix, sub.name),
                arg: mp.arg.clone(),
                attr: Some(attr),
                conv: conv(&sub.ty),
            });
        }
    }
    Ok(out)
}

/// The names of the incoming messages the oracle maps (all of them, or an error).
pub fn mapped_incoming(cat: &Catalogue, root: &Path) -> Result<Vec<String>, String> {
    let f = facts(root)?;
    let mut used = Vec::new();
    let mut out = Vec::new();
    for m in cat.messages.iter().filter(|m| m.incoming) {
        if f.hand_written.contains_key(&m.name) {
            out.push(m.name.clone());
            continue;
        }
        map_message(m, &f, &mut used)?;
        out.push(m.name.clone());
    }
    Ok(out)
}

fn json_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn version(v: &Option<VersionRef>, consts: &[(String, i64)]) -> Result<String, String> {
    Ok(match v {
        None => "null".to_owned(),
        Some(VersionRef::Number(n)) => n.to_string(),
        Some(VersionRef::Name(n)) => consts
            .iter()
            .find(|(c, _)| c == n)
            .map(|(_, v)| v.to_string())
            .ok_or_else(|| format!("versions.rs: no {n}"))?,
    })
}

/// The JSON text of `tests/oracle/mapping.json`.
pub fn mapping(cat: &Catalogue, root: &Path) -> Result<String, String> {
    let f = facts(root)?;
    let consts = crate::emit_docs::version_constants(root)?;
    let mut used = Vec::new();
    let mut s = String::new();
    s.push_str("{\n");
    s.push_str("  \"generated\": \"by tws-codegen from catalogue/*.toml and catalogue/official/*.toml; do not edit, run make generate\",\n");
    s.push_str("  \"incoming\": [\n");
    for name in f.hand_written.keys() {
        if !cat.messages.iter().any(|m| m.incoming && &m.name == name) {
            return Err(format!(
                "catalogue/official/oracle.toml: hand_written {name:?} is no incoming message"
            ));
        }
    }
    let incoming: Vec<&Message> = cat
        .messages
        .iter()
        .filter(|m| m.incoming && !f.hand_written.contains_key(&m.name))
        .collect();
    for (i, m) in incoming.iter().enumerate() {
        let mapped = map_message(m, &f, &mut used)?;
        let mapped = expand(cat, &f, m, mapped)?;
        let _ = writeln!(
            s,
            "    {{\"name\": {}, \"callback\": {}, \"fields\": [",
            json_str(&m.name),
            json_str(&m.wire_name)
        );
        for (j, mp) in mapped.iter().enumerate() {
            let attr = mp.attr.as_deref().map_or("null".to_owned(), json_str);
            let _ = writeln!(
                s,
                "      {{\"field\": {}, \"arg\": {}, \"attr\": {}, \"conv\": {}}}{}",
                json_str(&mp.field),
                json_str(&mp.arg),
                attr,
                json_str(mp.conv),
                if j + 1 < mapped.len() { "," } else { "" }
            );
        }
        let _ = writeln!(
            s,
            "    ]}}{}",
            if i + 1 < incoming.len() { "," } else { "" }
        );
    }
    s.push_str("  ],\n");
    s.push_str("  \"requests\": [\n");
    let outgoing: Vec<&Message> = cat.messages.iter().filter(|m| !m.incoming).collect();
    for (i, m) in outgoing.iter().enumerate() {
        let mapped = map_message(m, &f, &mut used)?;
        let _ = writeln!(
            s,
            "    {{\"name\": {}, \"method\": {}, \"min_server_version\": {}, \"fields\": [",
            json_str(&m.name),
            json_str(&m.wire_name),
            version(&m.min_server_version, &consts)?,
        );
        for (j, mp) in mapped.iter().enumerate() {
            let arg = if mp.arg.is_empty() {
                "null".to_owned()
            } else {
                json_str(&mp.arg)
            };
            let _ = writeln!(
                s,
                "      {{\"field\": {}, \"arg\": {}}}{}",
                json_str(&mp.field),
                arg,
                if j + 1 < mapped.len() { "," } else { "" }
            );
        }
        let _ = writeln!(
            s,
            "    ]}}{}",
            if i + 1 < outgoing.len() { "," } else { "" }
        );
    }
    s.push_str("  ]\n}\n");
    for key in f.rename.keys() {
        if !used.contains(key) {
            return Err(format!(
                "catalogue/official/oracle.toml: rename {key:?} names no field of an incoming message"
            ));
        }
    }
    Ok(s)
}
