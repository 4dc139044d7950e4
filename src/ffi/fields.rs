//! The generic field accessors: any event that carries a message can be read
//! field by field, by index or by name, without a struct for it. Backed by
//! the protocol's field visitor (`Describe`) and the catalogue's schema (for
//! the kinds, the unset sentinels and the server versions that send a field).
//!
//! The field list is built lazily, on the first accessor call for an event,
//! in the client's event slot (`tws_event.message` points there); the typed
//! hot path never pays for it.

use std::ffi::c_char;
use std::sync::OnceLock;

use crate::protocol::schema::{
    Direction, FieldSchema, FieldType, MessageSchema, RecordSchema, TextRepr, Unset, RECORDS,
};
use crate::protocol::{FieldVisitor, Incoming};

use super::generated::convert::message_name;
use super::result::{boundary, tws_result, Failure};
use super::types::{tws_event, tws_message};
use super::{c_str, put};

/// The kind of a `tws_field` (`tws_field.kind`).
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum tws_field_kind {
    /// A 32- or 64-bit integer, in `int_value`.
    TWS_FIELD_INT = 1,
    /// A double, in `double_value`.
    TWS_FIELD_DOUBLE = 2,
    /// A boolean, in `int_value` (0 or 1).
    TWS_FIELD_BOOL = 3,
    /// Text, in `string_value`.
    TWS_FIELD_STRING = 4,
    /// A decimal as the exact text TWS sent, in `string_value`.
    TWS_FIELD_DECIMAL = 5,
}

/// One field of an event's message, as `tws_event_field` and
/// `tws_event_field_by_name` return it. Its strings are borrowed like the
/// event's: valid until the next tws_client_poll on this client or until the
/// callback returns. ABI growth: new members are only ever added at the end.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct tws_field {
    /// The field's name, unique within the message: `req_id`;
    /// `contract.symbol` for a field of a nested record; a list as its count
    /// under its own name, then each item's fields with the item's index
    /// (`contract.combo_legs[0].ratio`, `strikes[2]`); an optional record as
    /// a bool, then its fields (`contract.delta_neutral_contract.delta`); a
    /// flag mask as an int, then one bool per flag (`attrib.past_limit`).
    /// Never NULL.
    pub name: *const c_char,
    /// A `tws_field_kind` value.
    pub kind: i32,
    /// False when the value is absent: TWS left it unset (IB's unset double
    /// or integer, an empty decimal), or the negotiated server version does
    /// not send it. An absent value reads as 0 / "".
    pub present: bool,
    /// TWS_FIELD_INT and TWS_FIELD_BOOL.
    pub int_value: i64,
    /// TWS_FIELD_DOUBLE.
    pub double_value: f64,
    /// TWS_FIELD_STRING and TWS_FIELD_DECIMAL; "" when absent; never NULL.
    pub string_value: *const c_char,
}

/// The message behind the current event of one delivery path (poll or
/// callback), and its lazily built field list.
pub(crate) struct MessageSlot {
    /// The message of the current event. It lives as long as the event: in
    /// poll mode the slot holds the event itself, in callback mode the event
    /// outlives the callback call.
    msg: *const Incoming,
    server_version: i32,
    table: OnceLock<Table>,
}

// SAFETY: `msg` is only dereferenced by the accessors, within the lifetime of
// the event it belongs to (the header's contract); moving the slot to another
// thread (the dispatch thread, or a client shared between threads behind its
// mutex) does not touch the message.
unsafe impl Send for MessageSlot {}

impl Default for MessageSlot {
    fn default() -> Self {
        MessageSlot {
            msg: std::ptr::null(),
            server_version: 0,
            table: OnceLock::new(),
        }
    }
}

impl MessageSlot {
    /// Points the slot at a new event's message (no allocation: a field list
    /// built for the previous event is dropped).
    pub(crate) fn set(&mut self, msg: &Incoming, server_version: i32) {
        self.msg = msg;
        self.server_version = server_version;
        let _ = self.table.take();
    }

    /// Forgets the message (engine events).
    pub(crate) fn clear(&mut self) {
        self.msg = std::ptr::null();
        let _ = self.table.take();
    }

    fn message(&self) -> Option<&Incoming> {
        // SAFETY: `msg` is NULL or points at the message of the event being
        // delivered, which lives as long as the event (see the field doc);
        // the accessors are only valid for that lifetime (header contract).
        unsafe { self.msg.as_ref() }
    }

    fn table(&self) -> Option<&Table> {
        let msg = self.message()?;
        Some(
            self.table
                .get_or_init(|| Table::build(msg, self.server_version)),
        )
    }
}

/// One built field: offsets into the table's text.
struct Field {
    name: usize,
    kind: tws_field_kind,
    present: bool,
    int_value: i64,
    double_value: f64,
    string: usize,
}

/// Every field of one message, with their names and strings NUL-terminated
/// in `text` (which never changes once built, so pointers into it stay valid).
struct Table {
    text: Vec<u8>,
    fields: Vec<Field>,
}

/// What the visitor saw of one field.
enum Seen {
    Int(i64),
    Double(f64),
    Bool(bool),
    Str(String),
}

struct Collect(Vec<(&'static str, Seen)>);

impl FieldVisitor for Collect {
    fn int(&mut self, name: &'static str, value: i64) {
        self.0.push((name, Seen::Int(value)));
    }
    fn float(&mut self, name: &'static str, value: f64) {
        self.0.push((name, Seen::Double(value)));
    }
    fn bool(&mut self, name: &'static str, value: bool) {
        self.0.push((name, Seen::Bool(value)));
    }
    fn str(&mut self, name: &'static str, value: &str) {
        self.0.push((name, Seen::Str(value.to_owned())));
    }
}

/// The schema facts of a visited field: the entry (struct field, or the
/// path entry of a record field spread inline), and the record's own field.
fn lookup(
    schema: Option<&'static MessageSchema>,
    name: &str,
) -> (Option<&'static FieldSchema>, Option<&'static FieldSchema>) {
    let Some(schema) = schema else {
        return (None, None);
    };
    if let Some(f) = schema.fields.iter().find(|f| f.name == name && !f.path) {
        return (Some(f), None);
    }
    let path = schema.fields.iter().find(|f| f.name == name && f.path);
    let record_field = name.split_once('.').and_then(|(prefix, sub)| {
        let owner: &RecordSchema = RECORDS.iter().find(|r| r.prefix == prefix)?;
        owner.fields.iter().find(|f| f.name == sub)
    });
    (path, record_field)
}

fn is_unset(unset: Option<Unset>, seen: &Seen) -> bool {
    match (unset, seen) {
        (Some(Unset::DblMax), Seen::Double(v)) => *v == f64::MAX,
        (Some(Unset::IntMax), Seen::Int(v)) => *v == i64::from(i32::MAX),
        (Some(Unset::LongMax), Seen::Int(v)) => *v == i64::MAX,
        (Some(Unset::Zero), Seen::Int(v)) => *v == 0,
        (Some(Unset::Empty), Seen::Str(s)) => s.is_empty(),
        (Some(Unset::Value(x)), Seen::Double(v)) => *v == x,
        (Some(Unset::Value(x)), Seen::Int(v)) => *v as f64 == x,
        (Some(Unset::Negative), Seen::Double(v)) => *v < 0.0,
        (Some(Unset::Negative), Seen::Int(v)) => *v < 0,
        _ => false,
    }
}

/// The accessor names of the visited fields. The visitor names a list's
/// items, an option's fields and a flag of a mask flatly (`combo_leg.ratio`
/// under the list `contract.combo_legs`); the accessor makes every name
/// unique: `contract.combo_legs[0].ratio`, `strikes[2]`,
/// `contract.delta_neutral_contract.delta`, `attrib.past_limit`. When the
/// visited fields do not follow the schema (never, for generated code), the
/// rest keep the visitor's names.
fn display_names(
    seen: &[(&'static str, Seen)],
    schema: Option<&'static MessageSchema>,
) -> Vec<String> {
    let mut out: Vec<String> = seen.iter().map(|(n, _)| (*n).to_owned()).collect();
    let mut i = 0;
    while i < seen.len() {
        let (entry, record_field) = lookup(schema, seen[i].0);
        let ty = entry.or(record_field).map(|f| f.ty);
        let next = follow(seen, &mut out, i, ty, seen[i].0);
        i = next.max(i + 1);
    }
    out
}

fn count(seen: &Seen) -> usize {
    match seen {
        Seen::Int(n) => usize::try_from(*n).unwrap_or(0),
        _ => 0,
    }
}

/// Names entry `i` `display` and the entries that belong to it (a list's
/// items, an option's record, a mask's flags); returns the index after them.
fn follow(
    seen: &[(&'static str, Seen)],
    out: &mut [String],
    i: usize,
    ty: Option<FieldType>,
    display: &str,
) -> usize {
    out[i] = display.to_owned();
    let raw = seen[i].0;
    let mut j = i + 1;
    match ty {
        Some(FieldType::RecordList(r) | FieldType::TagValues(r)) => {
            for k in 0..count(&seen[i].1) {
                match record(seen, out, j, r, &format!("{display}[{k}]")) {
                    Some(next) => j = next,
                    None => return j,
                }
            }
        }
        Some(FieldType::StringList | FieldType::DoubleList) => {
            for k in 0..count(&seen[i].1) {
                let is_item = seen
                    .get(j)
                    .and_then(|(n, _)| n.strip_prefix(raw))
                    .is_some_and(|rest| rest == ".item");
                if !is_item {
                    return j;
                }
                out[j] = format!("{display}[{k}]");
                j += 1;
            }
        }
        Some(FieldType::Optional(r)) => {
            if matches!(seen[i].1, Seen::Bool(true)) {
                return record(seen, out, j, r, display).unwrap_or(j);
            }
        }
        Some(FieldType::Bits(bits)) => {
            while let Some(flag) = seen
                .get(j)
                .and_then(|(n, _)| n.strip_prefix(raw))
                .and_then(|rest| rest.strip_prefix('.'))
                .filter(|flag| bits.iter().any(|b| b.name == *flag))
            {
                out[j] = format!("{display}.{flag}");
                j += 1;
            }
        }
        _ => {}
    }
    j
}

/// Names the fields of one visited record `r` from entry `j` under
/// `display`; None when the entries do not follow its schema.
fn record(
    seen: &[(&'static str, Seen)],
    out: &mut [String],
    mut j: usize,
    r: &'static RecordSchema,
    display: &str,
) -> Option<usize> {
    for f in r.fields {
        let name = format!("{display}.{}", f.name);
        if let FieldType::Record(inner) = f.ty {
            j = record(seen, out, j, inner, &name)?;
            continue;
        }
        let raw = seen.get(j)?.0;
        let sub = raw.strip_prefix(r.prefix)?.strip_prefix('.')?;
        if sub != f.name {
            return None;
        }
        j = follow(seen, out, j, Some(f.ty), &name);
    }
    Some(j)
}

/// False when the text layout at `version` does not carry the field.
fn sent_at(f: &FieldSchema, version: i32) -> bool {
    f.since.map_or(true, |s| version >= s) && f.until.map_or(true, |u| version < u)
}

impl Table {
    fn build(msg: &Incoming, server_version: i32) -> Table {
        let mut seen = Collect(Vec::new());
        msg.visit(&mut seen);
        let schema = MessageSchema::find(Direction::In, msg.name());
        let text_form = schema.is_some_and(|s| server_version < s.proto_from);
        let mut text = Vec::new();
        let mut fields = Vec::with_capacity(seen.0.len());
        let names = display_names(&seen.0, schema);
        for ((name, value), display) in seen.0.into_iter().zip(names) {
            let (entry, record_field) = lookup(schema, name);
            let unset = entry
                .and_then(|f| f.unset)
                .or_else(|| record_field.and_then(|f| f.unset));
            let ty = entry.or(record_field).map(|f| f.ty);
            let mut present = !is_unset(unset, &value);
            // A list item's, an option's or a mask flag's field: the layout
            // carries it with its owner.
            let nested = display != name;
            if text_form && !nested {
                match (entry, record_field) {
                    // A struct field or a record field's occurrence in the layout.
                    (Some(f), _) => {
                        present &= f.text == TextRepr::Inline || sent_at(f, server_version)
                    }
                    // A record field this layout does not carry (the exchange of a portfolio row).
                    (None, Some(_)) => present = false,
                    (None, None) => {}
                }
            }
            let at = text.len();
            text.extend_from_slice(display.as_bytes());
            text.push(0);
            let (kind, int_value, double_value, string) = match value {
                Seen::Int(v) => (tws_field_kind::TWS_FIELD_INT, v, 0.0, None),
                Seen::Double(v) => (tws_field_kind::TWS_FIELD_DOUBLE, 0, v, None),
                Seen::Bool(v) => (tws_field_kind::TWS_FIELD_BOOL, i64::from(v), 0.0, None),
                Seen::Str(s) => {
                    let kind = if ty == Some(FieldType::Decimal) {
                        tws_field_kind::TWS_FIELD_DECIMAL
                    } else {
                        tws_field_kind::TWS_FIELD_STRING
                    };
                    (kind, 0, 0.0, Some(s))
                }
            };
            let string_at = text.len();
            if let Some(s) = string.filter(|_| present) {
                // Interior NULs end the C string early, as in every event string.
                text.extend_from_slice(s.as_bytes());
            }
            text.push(0);
            fields.push(Field {
                name: at,
                kind,
                present,
                int_value: if present { int_value } else { 0 },
                double_value: if present { double_value } else { 0.0 },
                string: string_at,
            });
        }
        Table { text, fields }
    }

    fn view(&self, f: &Field) -> tws_field {
        tws_field {
            name: self.text[f.name..].as_ptr().cast(),
            kind: f.kind as i32,
            present: f.present,
            int_value: f.int_value,
            double_value: f.double_value,
            string_value: self.text[f.string..].as_ptr().cast(),
        }
    }

    fn find(&self, name: &[u8]) -> Option<&Field> {
        self.fields.iter().find(|f| {
            let end = f.name + name.len();
            self.text.get(f.name..end) == Some(name) && self.text.get(end) == Some(&0)
        })
    }
}

/// The slot behind an event, or None for engine events.
fn slot<'a>(ev: *const tws_event) -> Result<Option<&'a MessageSlot>, Failure> {
    // SAFETY: by contract `ev` is NULL or an event filled by tws_client_poll or
    // passed to the callback, still within its lifetime.
    let Some(ev) = (unsafe { ev.as_ref() }) else {
        return Err(Failure::null("event"));
    };
    // SAFETY: `message` is NULL or points at the client's message slot, which
    // lives as long as the event (header contract).
    Ok(unsafe { ev.message.as_ref() }.map(|m: &tws_message| &m.inner))
}

/// The catalogue name of the event's message ("AccountSummary", "PnL"), or
/// NULL for engine events (state, unknown message, decode error, protocol
/// error) and for a NULL `event`. Static storage.
#[no_mangle]
pub unsafe extern "C" fn tws_event_message_name(event: *const tws_event) -> *const c_char {
    let mut name: *const c_char = std::ptr::null();
    boundary(
        || {},
        || {
            if let Some(msg) = slot(event)?.and_then(MessageSlot::message) {
                name = message_name(msg).as_ptr();
            }
            Ok(tws_result::TWS_OK)
        },
    );
    name
}

/// How many fields `tws_event_field` can read from the event's message: 0
/// for engine events and for a NULL `event`. The first accessor call for an
/// event builds its field list.
#[no_mangle]
pub unsafe extern "C" fn tws_event_field_count(event: *const tws_event) -> usize {
    let mut n = 0;
    boundary(
        || {},
        || {
            if let Some(t) = slot(event)?.and_then(MessageSlot::table) {
                n = t.fields.len();
            }
            Ok(tws_result::TWS_OK)
        },
    );
    n
}

/// Writes field number `index` (from 0, in the message's field order, a
/// nested record's fields as `record.field`, list items as
/// `list[i].field`) to `*out`.
/// Errors: TWS_ERR_NULL_ARGUMENT; TWS_ERR_INVALID_ARGUMENT when the event has
/// no message or `index` is not below `tws_event_field_count`.
#[no_mangle]
pub unsafe extern "C" fn tws_event_field(
    event: *const tws_event,
    index: usize,
    out: *mut tws_field,
) -> tws_result {
    boundary(
        || {},
        || {
            let table = slot(event)?.and_then(MessageSlot::table).ok_or_else(|| {
                Failure::new(
                    tws_result::TWS_ERR_INVALID_ARGUMENT,
                    "this event has no message (an engine event)",
                )
            })?;
            let f = table.fields.get(index).ok_or_else(|| {
                Failure::new(
                    tws_result::TWS_ERR_INVALID_ARGUMENT,
                    format!(
                        "field index {index}: the message has {}",
                        table.fields.len()
                    ),
                )
            })?;
            put(out, "out", table.view(f))?;
            Ok(tws_result::TWS_OK)
        },
    )
}

/// Writes the field called `name` ("req_id", "contract.symbol") to `*out`.
/// Errors: TWS_ERR_NULL_ARGUMENT; TWS_ERR_INVALID_UTF8; TWS_ERR_INVALID_ARGUMENT
/// when the event has no message or the message has no such field (the
/// error message names it).
#[no_mangle]
pub unsafe extern "C" fn tws_event_field_by_name(
    event: *const tws_event,
    name: *const c_char,
    out: *mut tws_field,
) -> tws_result {
    boundary(
        || {},
        || {
            let wanted = c_str(name, "name")?;
            let slot = slot(event)?;
            let msg = slot.and_then(MessageSlot::message);
            let table = slot.and_then(MessageSlot::table).ok_or_else(|| {
                Failure::new(
                    tws_result::TWS_ERR_INVALID_ARGUMENT,
                    "this event has no message (an engine event)",
                )
            })?;
            let f = table.find(wanted.as_bytes()).ok_or_else(|| {
                let of = msg.map_or(c"?", message_name).to_string_lossy();
                Failure::new(
                    tws_result::TWS_ERR_INVALID_ARGUMENT,
                    format!("{of} has no field {wanted:?}"),
                )
            })?;
            put(out, "out", table.view(f))?;
            Ok(tws_result::TWS_OK)
        },
    )
}
