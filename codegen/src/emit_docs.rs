//! The README's coverage section, generated from the catalogue: per family,
//! every message with its id, wire forms, minimum server version, routing and
//! the versions the conformance suite checks it at, and the totals against
//! the official client's message lists (`catalogue/official/ids.toml`).
//!
//! The conformance grid is computed as `tests/conformance.rs` computes it,
//! from the same sources: the constants of `src/protocol/versions.rs` and the
//! test's own `NOT_VERSIONS`, `EXTRA_VERSIONS` and `REQUESTS`, and the rows
//! of its family tables (`("Name", Request::Name(..))`, there and in
//! [`TABLE_FILES`]), each compared byte for byte at every grid version.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::model::{Catalogue, Message, Route, TextEntry, TextRepr, VersionRef};

/// The README and the markers the generated section sits between.
pub const README: &str = "README.md";
pub const BEGIN: &str = "<!-- coverage:begin -->";
pub const END: &str = "<!-- coverage:end -->";

fn read(root: &Path, rel: &str) -> Result<String, String> {
    std::fs::read_to_string(root.join(rel)).map_err(|e| format!("{rel}: {e}"))
}

/// Every `pub const NAME: i32 = N;` of `src/protocol/versions.rs`.
pub fn version_constants(root: &Path) -> Result<Vec<(String, i64)>, String> {
    let text = read(root, "src/protocol/versions.rs")?;
    let mut out = Vec::new();
    for l in text.lines() {
        let Some(l) = l.trim().strip_prefix("pub const ") else {
            continue;
        };
        let Some((name, rest)) = l.split_once(": i32 = ") else {
            continue;
        };
        let value = rest.trim_end_matches(';').replace('_', "");
        let value = match value.as_str() {
            "i32::MAX" => i64::from(i32::MAX),
            v => v
                .parse()
                .map_err(|_| format!("versions.rs: {name} is not a literal: {rest}"))?,
        };
        out.push((name.to_owned(), value));
    }
    Ok(out)
}

/// The items of `const NAME: [T; N] = [a, b, ...];` in `text` (one line or several).
fn const_array(text: &str, name: &str, file: &str) -> Result<Vec<String>, String> {
    let start = text
        .find(&format!("const {name}: ["))
        .ok_or_else(|| format!("{file}: no `const {name}`"))?;
    let rest = &text[start..];
    let open = rest
        .find("= [")
        .ok_or_else(|| format!("{file}: {name}: no `= [`"))?
        + 3;
    let close = rest[open..]
        .find("];")
        .ok_or_else(|| format!("{file}: {name}: no `];`"))?;
    Ok(rest[open..open + close]
        .split(',')
        .map(|s| s.trim().trim_matches('"').to_owned())
        .filter(|s| !s.is_empty())
        .collect())
}

/// The test files whose request tables (`fn calls() -> Vec<(&'static str,
/// Request)>`, each row compared with the official client's bytes at every
/// grid version) count.
pub const TABLE_FILES: [&str; 2] = ["tests/conformance.rs", "tests/orders_protocol.rs"];

/// The signature of a request table.
const TABLE_FN: &str = "fn calls() -> Vec<(&'static str, Request)>";

/// The requests of the tables of `text`: in the body of each [`TABLE_FN`],
/// every `"Name",` (or `"Name#variant",`) string literal whose `Name` is one
/// of `known`.
pub fn table_rows(text: &str, known: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(TABLE_FN) {
        let line_start = rest[..at].rfind('\n').map_or(0, |n| n + 1);
        let indent = &rest[line_start..at];
        let body = &rest[at..];
        let end = body.find(&format!("\n{indent}}}\n")).unwrap_or(body.len());
        let body = &body[..end];
        rest = &rest[at + end..];
        for piece in body
            .split('"')
            .skip(1)
            .step_by(2)
            .zip(body.split('"').skip(2).step_by(2))
        {
            let (literal, after) = piece;
            let name = literal.split('#').next().unwrap_or_default();
            if after.starts_with(',')
                && known.contains(&name)
                && !out.iter().any(|o: &String| o == name)
            {
                out.push(name.to_owned());
            }
        }
    }
    out
}

/// What the conformance suite checks: its version grid and its request table.
pub struct Conformance {
    pub grid: Vec<i64>,
    pub requests: Vec<String>,
    pub min: i64,
    pub versions: BTreeMap<String, i64>,
}

pub fn conformance(root: &Path, known: &[&str]) -> Result<Conformance, String> {
    const FILE: &str = "tests/conformance.rs";
    let consts = version_constants(root)?;
    let test = read(root, FILE)?;
    let not_versions = const_array(&test, "NOT_VERSIONS", FILE)?;
    let extra: Vec<i64> = const_array(&test, "EXTRA_VERSIONS", FILE)?
        .iter()
        .map(|v| {
            v.parse()
                .map_err(|_| format!("{FILE}: EXTRA_VERSIONS: {v:?}"))
        })
        .collect::<Result<_, _>>()?;
    let mut requests = const_array(&test, "REQUESTS", FILE)?;
    for file in TABLE_FILES {
        for name in table_rows(&read(root, file)?, known) {
            if !requests.contains(&name) {
                requests.push(name);
            }
        }
    }
    let versions: BTreeMap<String, i64> = consts.iter().cloned().collect();
    let get = |n: &str| {
        versions
            .get(n)
            .copied()
            .ok_or_else(|| format!("versions.rs: no {n}"))
    };
    let (min, max) = (get("MIN_CLIENT_VERSION")?, get("MAX_CLIENT_VERSION")?);
    let mut grid: Vec<i64> = consts
        .iter()
        .filter(|(n, _)| !not_versions.contains(n))
        .flat_map(|(_, v)| [v - 1, *v])
        .chain(extra)
        .filter(|v| (min..=max).contains(v))
        .collect();
    grid.sort_unstable();
    grid.dedup();
    Ok(Conformance {
        grid,
        requests,
        min,
        versions,
    })
}

/// A version reference as a number (`None` for "never").
fn value(v: &VersionRef, versions: &BTreeMap<String, i64>) -> Result<Option<i64>, String> {
    match v {
        VersionRef::Number(n) => Ok(Some(*n)),
        VersionRef::Name(n) if n == "never" => Ok(None),
        VersionRef::Name(n) => versions
            .get(n)
            .map(|v| (*v < i64::from(i32::MAX)).then_some(*v))
            .ok_or_else(|| format!("versions.rs: no {n}")),
    }
}

/// The official client's message ids (`catalogue/official/ids.toml`).
pub struct OfficialIds {
    pub client: String,
    pub incoming: Vec<i64>,
    pub outgoing: Vec<i64>,
}

pub fn official_ids(root: &Path) -> Result<OfficialIds, String> {
    const FILE: &str = "catalogue/official/ids.toml";
    let doc: toml::Table = read(root, FILE)?
        .parse()
        .map_err(|e| format!("{FILE}: {e}"))?;
    let ids = |key: &str| -> Result<Vec<i64>, String> {
        let t = doc
            .get(key)
            .and_then(|t| t.as_table())
            .ok_or_else(|| format!("{FILE}: no [{key}]"))?;
        t.iter()
            .map(|(k, v)| {
                v.as_integer()
                    .ok_or_else(|| format!("{FILE}: {key}.{k} is not an id"))
            })
            .collect()
    };
    Ok(OfficialIds {
        client: doc
            .get("official_client")
            .and_then(|v| v.as_str())
            .ok_or_else(|| format!("{FILE}: no official_client"))?
            .to_owned(),
        incoming: ids("incoming")?,
        outgoing: ids("outgoing")?,
    })
}

fn range(vs: &[i64]) -> String {
    match (vs.first(), vs.last()) {
        (Some(a), Some(b)) => format!("{} ({a}..{b})", vs.len()),
        _ => "none".to_owned(),
    }
}

/// The text-form column: the message-version field and every gated field.
fn text_cell(m: &Message, versions: &BTreeMap<String, i64>) -> Result<String, String> {
    let mut parts = Vec::new();
    match (m.text_version, &m.text_version_until) {
        (None, _) => parts.push("no version field".to_owned()),
        (Some(v), None) => parts.push(format!("version {v}")),
        (Some(v), Some(u)) => match value(u, versions)? {
            Some(u) => parts.push(format!("version {v} (none from {u})")),
            None => parts.push(format!("version {v}")),
        },
    }
    if let Some(min) = m.min_text_version {
        if let Some(v) = m.text_version {
            if min < v {
                parts.push(format!("reads versions {min}..{v}"));
            }
        }
    }
    let gate = |name: &str,
                since: &Option<VersionRef>,
                until: &Option<VersionRef>,
                msg_version: Option<i64>,
                parts: &mut Vec<String>|
     -> Result<(), String> {
        if let Some(s) = since {
            if let Some(s) = value(s, versions)? {
                parts.push(format!("`{name}` from {s}"));
            }
        }
        if let Some(u) = until {
            if let Some(u) = value(u, versions)? {
                parts.push(format!("`{name}` until {u}"));
            }
        }
        if let Some(v) = msg_version {
            parts.push(format!("`{name}` from message version {v}"));
        }
        Ok(())
    };
    for e in &m.text {
        match e {
            TextEntry::Field(i) => {
                let f = &m.fields[*i];
                gate(&f.name, &f.since, &f.until, f.msg_version, &mut parts)?;
                if let TextRepr::Ascii7Escaped { from: Some(from) } = &f.text {
                    if let Some(v) = value(from, versions)? {
                        parts.push(format!("`{}` escaped from {v}", f.name));
                    }
                }
                if f.if_present {
                    parts.push(format!("`{}` optional", f.name));
                }
            }
            TextEntry::Path {
                owner,
                sub,
                since,
                until,
                msg_version,
            } => {
                let name = format!("{}.{}", m.fields[*owner].name, sub.name);
                gate(&name, since, until, *msg_version, &mut parts)?;
            }
            TextEntry::Skip {
                since,
                until,
                msg_version,
                when,
                ..
            } => {
                gate("(skipped)", since, until, *msg_version, &mut parts)?;
                if when.is_some() {
                    parts.push("a skipped field read conditionally".to_owned());
                }
            }
        }
    }
    Ok(parts.join("; "))
}

fn route_cell(m: &Message) -> String {
    match &m.route {
        Route::None => "none".to_owned(),
        Route::Field(f) => format!("`{f}`"),
        Route::Positions => "positions key".to_owned(),
        Route::AccountUpdates => "account-updates key".to_owned(),
        Route::Fixed(k) => format!("fixed key `{k}`"),
        Route::Keyed { key, field } => format!("`{field}` in key space `{key}`"),
    }
}

/// The generated section (without the markers).
pub fn coverage_section(cat: &Catalogue, root: &Path) -> Result<String, String> {
    let known: Vec<&str> = cat
        .messages
        .iter()
        .filter(|m| !m.incoming)
        .map(|m| m.name.as_str())
        .collect();
    let conf = conformance(root, &known)?;
    let official = official_ids(root)?;
    let oracle = crate::emit_oracle::mapped_incoming(cat, root)?;
    let mut s = String::new();
    let incoming: Vec<&Message> = cat.messages.iter().filter(|m| m.incoming).collect();
    let outgoing: Vec<&Message> = cat.messages.iter().filter(|m| !m.incoming).collect();
    let count =
        |ms: &[&Message], ids: &[i64]| ms.iter().filter(|m| ids.contains(&i64::from(m.id))).count();
    let (have, all) = (
        count(&incoming, &official.incoming) + count(&outgoing, &official.outgoing),
        official.incoming.len() + official.outgoing.len(),
    );
    let _ = writeln!(
        s,
        "libtws implements {} of {} incoming and {} of {} outgoing message types of the official client {} \
         ({} %; the ids of its `ibapi/message.py`, recorded in `catalogue/official/ids.toml`; \
         `tests/message_ids.rs` reads them from the installed package).",
        count(&incoming, &official.incoming),
        official.incoming.len(),
        count(&outgoing, &official.outgoing),
        official.outgoing.len(),
        official.client,
        if have == all {
            "100".to_owned()
        } else {
            format!("{:.1}", 100.0 * have as f64 / all.max(1) as f64)
        }
    );
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "Generated from `catalogue/*.toml` by `make generate`; `tests/generated.rs` fails when it is stale. \
         Text form: the message-version field and the fields that depend on the server version (or on the \
         message version TWS sends). Protobuf: the server version from which the message travels as protobuf. \
         Checked: the versions of the conformance grid (`tests/conformance.rs`: {}) from a request's minimum \
         server version on, at which the official client is compared: byte for byte for requests (the \
         simulator-recorded request table and the family tables of `tests/conformance.rs` and \
         `tests/orders_protocol.rs`); for \
         replies, decoded by both wherever the simulator sends them (a reply to a request that needs a \
         newer server only occurs from that version on).",
        conf.grid
            .iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    for file in &cat.files {
        let _ = writeln!(s);
        let _ = writeln!(s, "#### {file}");
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "| message | way | id | text form | protobuf from | min server version | routed by | checked at |"
        );
        let _ = writeln!(s, "|---|---|---|---|---|---|---|---|");
        for m in cat.messages.iter().filter(|m| &m.file == file) {
            let min = match &m.min_server_version {
                Some(v) => value(v, &conf.versions)?,
                None => None,
            };
            let proto =
                value(&m.proto_from, &conf.versions)?.map_or("never".to_owned(), |v| v.to_string());
            let from = min.unwrap_or(conf.min).max(conf.min);
            let checked: Vec<i64> = conf.grid.iter().copied().filter(|v| *v >= from).collect();
            let is_checked = if m.incoming {
                oracle.contains(&m.name)
            } else {
                conf.requests.contains(&m.name)
            };
            let _ = writeln!(
                s,
                "| `{}` (`{}`) | {} | {} `{}` | {} | {} | {} | {} | {} |",
                m.wire_name,
                m.name,
                if m.incoming { "in" } else { "out" },
                m.id,
                m.id_name,
                text_cell(m, &conf.versions)?,
                proto,
                min.map_or("-".to_owned(), |v| v.to_string()),
                route_cell(m),
                if is_checked {
                    range(&checked)
                } else {
                    "not compared".to_owned()
                },
            );
        }
    }
    Ok(s)
}

/// README.md with the text between the markers replaced by the section.
pub fn readme(cat: &Catalogue, root: &Path) -> Result<String, String> {
    let text = read(root, README)?;
    let section = coverage_section(cat, root)?;
    splice(&text, &section)
}

/// Replaces what lies between [`BEGIN`] and [`END`] in `text` with `section`.
pub fn splice(text: &str, section: &str) -> Result<String, String> {
    let b = text
        .find(BEGIN)
        .ok_or_else(|| format!("{README}: no {BEGIN} marker"))?;
    let e = text
        .find(END)
        .filter(|e| *e > b)
        .ok_or_else(|| format!("{README}: no {END} marker after {BEGIN}"))?;
    Ok(format!("{}{BEGIN}\n{section}{}", &text[..b], &text[e..]))
}

/// The text between the markers of `text`, as [`splice`] writes it.
pub fn between_markers(text: &str) -> Option<&str> {
    let b = text.find(BEGIN)? + BEGIN.len() + 1;
    let e = text.find(END)?;
    text.get(b..e)
}

#[cfg(test)]
mod tests {
    use super::table_rows;

    #[test]
    fn table_rows_are_the_named_rows_of_calls() {
        let text = r#"
fn other() { ("ReqIds", Request::ReqIds(ReqIds { num_ids: 1 })) }
mod m {
    fn calls() -> Vec<(&'static str, Request)> {
        vec![
            ("ReqFa", Request::ReqFa(ReqFa { fa_data: 1 })),
            (
                "UpdateConfig#empty",
                Request::UpdateConfig(UpdateConfig::default()),
            ),
            ("Other", req(1)),
            ("PlaceOrder#limit", place(limit)),
            x("Restart".into()),
        ]
    }
    fn after() { ("ReqMktData", 1) }
}
"#;
        let known = [
            "ReqFa",
            "UpdateConfig",
            "PlaceOrder",
            "ReqIds",
            "ReqMktData",
        ];
        assert_eq!(
            table_rows(text, &known),
            ["ReqFa", "UpdateConfig", "PlaceOrder"]
        );
    }
}
