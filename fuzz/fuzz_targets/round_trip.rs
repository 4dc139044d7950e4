//! decode -> encode -> decode, for every message of the schema table
//! (`CATALOGUE`), both directions, at every server version where a declared
//! layout changes, in every form: whatever decodes and encodes again must
//! decode to the same message (compared through the field visitor, so NaN
//! equals NaN), in the form it was read in and in the form the version
//! calls for. Byte 0's low bit picks the direction; the next three bytes
//! pick the message, version and form (see `schema_pick.rs`).
//!
//! One difference is the protocol's rule, not a bug: the protobuf encoder
//! leaves out a value IB's client leaves out (`i32::MAX`, `i64::MAX`,
//! `f64::MAX`, `false`, `""`), so such a value read from text comes back from
//! protobuf as the field's declared absent value (docs/catalogue.md, `unset`).
//! Likewise a text field that travels as a protobuf double (`proto_type =
//! "double"`, the multiplier) comes back as the official client prints that
//! number (`codec::double_to_text`: up to 8 decimals, ` 2` as `2`, empty for
//! `f64::MAX` and non-finite values), or absent when it is not a number.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tws::protocol::codec::double_to_text;
use tws::protocol::describe::FieldList;
use tws::protocol::schema::{
    DefaultValue, Direction, FieldSchema, FieldType, MessageSchema, Unset,
};
use tws::protocol::{Form, Incoming, RawMessage, Request};

#[path = "schema_pick.rs"]
mod schema_pick;

type Fields = Vec<(&'static str, String)>;

fn fields(visit: impl FnOnce(&mut FieldList)) -> Fields {
    let mut list = FieldList::default();
    visit(&mut list);
    list.0
}

/// Splits a framed message (4-byte length, then the payload).
fn unframe(framed: &[u8], version: i32) -> RawMessage<'_> {
    assert!(framed.len() >= 4, "no frame");
    let len = u32::from_be_bytes([framed[0], framed[1], framed[2], framed[3]]) as usize;
    assert_eq!(len, framed.len() - 4, "frame length");
    RawMessage::split(&framed[4..], version).expect("our own frame splits")
}

/// The schema entry of a visited field name (`account`, `contract.con_id`).
fn field(schema: &MessageSchema, name: &str) -> Option<&'static FieldSchema> {
    schema
        .fields
        .iter()
        .filter(|f| !f.path)
        .find_map(|f| match f.ty {
            FieldType::Record(r) => {
                let sub = name.strip_prefix(r.prefix)?.strip_prefix('.')?;
                r.fields.iter().find(|s| s.name == sub)
            }
            _ => (f.name == name).then_some(f),
        })
}

/// What the visitor shows for a field left out of a protobuf body.
fn absent(f: &FieldSchema) -> String {
    match (f.default, f.unset) {
        (Some(DefaultValue::Int(i)), _) => i.to_string(),
        (Some(DefaultValue::Double(d)), _) => d.to_string(),
        (Some(DefaultValue::Bool(b)), _) => b.to_string(),
        (Some(DefaultValue::Str(s)), _) => s.to_owned(),
        (None, Some(Unset::DblMax)) => f64::MAX.to_string(),
        (None, Some(Unset::IntMax)) => i32::MAX.to_string(),
        (None, Some(Unset::LongMax)) => i64::MAX.to_string(),
        (None, _) => match f.ty {
            FieldType::Int | FieldType::Long | FieldType::Double => "0".into(),
            FieldType::Bool => "false".into(),
            _ => String::new(),
        },
    }
}

/// The values the protobuf encoder leaves out whatever the field.
fn left_out_in_protobuf(value: &str) -> bool {
    value == i32::MAX.to_string()
        || value == i64::MAX.to_string()
        || value == f64::MAX.to_string()
        || value == "false"
        || value.is_empty()
}

fn same(schema: &MessageSchema, version: i32, form: Form, want: &Fields, got: &Fields) {
    assert_eq!(want.len(), got.len(), "{} v{version} {form:?}", schema.name);
    for ((name, w), (name2, g)) in want.iter().zip(got) {
        assert_eq!(name, name2);
        let f = field(schema, name);
        let by_rule = form == Form::Proto
            && f.is_some_and(|f| {
                // A text carried as a protobuf double (the multiplier) comes
                // back as the number it reads as, or absent when it is none.
                let as_number = f.proto_double
                    && match w.trim().parse::<f64>() {
                        Ok(n) => *g == double_to_text(n),
                        Err(_) => *g == absent(f),
                    };
                as_number || (left_out_in_protobuf(w) && *g == absent(f))
            });
        assert!(
            w == g || by_rule,
            "{} v{version} {form:?}: {name} was {w:?}, came back {g:?}",
            schema.name
        );
    }
}

/// Re-encodes what decoded, in its own form and in the version's form, and
/// decodes it again.
fn round_trip<M>(
    p: &schema_pick::Pick<'_>,
    first: &M,
    visit: impl Fn(&M, &mut FieldList),
    name: impl Fn(&M) -> &'static str,
    encode_as: impl Fn(&M, Option<Form>, &mut Vec<u8>) -> bool,
    decode: impl Fn(&RawMessage<'_>) -> M,
) {
    assert_eq!(name(first), p.schema.name);
    let want = fields(|l| visit(first, l));
    for form in [Some(p.raw.form), None] {
        let mut out = Vec::new();
        if !encode_as(first, form, &mut out) {
            continue;
        }
        let raw = unframe(&out, p.version);
        let again = decode(&raw);
        same(
            p.schema,
            p.version,
            raw.form,
            &want,
            &fields(|l| visit(&again, l)),
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&dir, rest)) = data.split_first() else {
        return;
    };
    if dir % 2 == 0 {
        let Some(p) = schema_pick::pick(Direction::In, rest) else {
            return;
        };
        let Ok(Some(first)) = Incoming::decode(&p.raw, p.version) else {
            return;
        };
        let v = p.version;
        round_trip(
            &p,
            &first,
            |m, l| m.visit(l),
            |m| m.name(),
            |m, form, out| match form {
                Some(f) => m.encode_as(f, v, out).is_ok(),
                None => m.encode(v, out).is_ok(),
            },
            |raw| {
                Incoming::decode(raw, v)
                    .unwrap_or_else(|e| panic!("v{v}: re-decoding fails: {e}"))
                    .expect("a known id")
            },
        );
    } else {
        let Some(p) = schema_pick::pick(Direction::Out, rest) else {
            return;
        };
        let Ok(Some(first)) = Request::decode(&p.raw, p.version) else {
            return;
        };
        let v = p.version;
        round_trip(
            &p,
            &first,
            |m, l| m.visit(l),
            |m| m.name(),
            |m, form, out| match form {
                Some(f) => m.encode_as(f, v, out).is_ok(),
                None => m.encode(v, out).is_ok(),
            },
            |raw| {
                Request::decode(raw, v)
                    .unwrap_or_else(|e| panic!("v{v}: re-decoding fails: {e}"))
                    .expect("a known id")
            },
        );
    }
});
