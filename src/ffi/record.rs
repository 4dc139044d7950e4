//! Inputs that grow: a keyed record builder backed by the catalogue's
//! `RECORDS`. A caller sets the fields it knows by name; a field added to a
//! record later never breaks it, and a field it does not know is refused
//! with a typed error that names it.

use std::ffi::c_char;

use crate::protocol::schema::{FieldType, RecordSchema, RECORDS};

use super::result::{boundary, tws_result, Failure};
use super::{c_str, put};

/// A value set on a record field.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RecordValue {
    Int(i32),
    Long(i64),
    Double(f64),
    Bool(bool),
    Str(String),
}

/// An input record under construction ("Contract", ...): create with
/// `tws_record_new`, set fields with `tws_record_set_*`, free with
/// `tws_record_free`. Opaque; not thread-safe (one thread at a time).
/// Fields left unset take their declared absent value.
pub struct tws_record {
    schema: &'static RecordSchema,
    values: Vec<(&'static str, RecordValue)>,
}

impl tws_record {
    /// The record's schema (its name and fields).
    #[allow(dead_code)]
    pub(crate) fn schema(&self) -> &'static RecordSchema {
        self.schema
    }

    /// The value set on `field`, if any.
    #[allow(dead_code)]
    pub(crate) fn get(&self, field: &str) -> Option<&RecordValue> {
        self.values
            .iter()
            .find(|(n, _)| *n == field)
            .map(|(_, v)| v)
    }

    fn set(&mut self, field: &str, value: RecordValue) -> Result<(), Failure> {
        let f = self
            .schema
            .fields
            .iter()
            .find(|f| f.name == field)
            .ok_or_else(|| {
                Failure::new(
                    tws_result::TWS_ERR_INVALID_ARGUMENT,
                    format!("record {} has no field {field:?}", self.schema.name),
                )
            })?;
        let (fits, kind) = match (&f.ty, &value) {
            (FieldType::Int, RecordValue::Int(_)) => (true, "int"),
            (FieldType::Int, _) => (false, "int (tws_record_set_int)"),
            (FieldType::Long, RecordValue::Long(_)) => (true, "long"),
            (FieldType::Long, _) => (false, "long (tws_record_set_long)"),
            (FieldType::Double, RecordValue::Double(_)) => (true, "double"),
            (FieldType::Double, _) => (false, "double (tws_record_set_double)"),
            (FieldType::Bool, RecordValue::Bool(_)) => (true, "bool"),
            (FieldType::Bool, _) => (false, "bool (tws_record_set_bool)"),
            (FieldType::String | FieldType::Decimal, RecordValue::Str(_)) => (true, "string"),
            (FieldType::String, _) => (false, "string (tws_record_set_string)"),
            (FieldType::Decimal, _) => (false, "decimal text (tws_record_set_string)"),
            (FieldType::Record(r), _) => (false, r.name),
            (FieldType::Bits(_), RecordValue::Int(_)) => (true, "int"),
            (FieldType::Bits(_), _) => (false, "flag mask int (tws_record_set_int)"),
            (FieldType::Optional(r), _) => (false, r.name),
            (FieldType::RecordList(_) | FieldType::TagValues(_), _) => (false, "list"),
            (FieldType::StringList, _) => (false, "list of strings"),
            (FieldType::DoubleList, _) => (false, "list of doubles"),
        };
        if !fits {
            return Err(Failure::new(
                tws_result::TWS_ERR_INVALID_ARGUMENT,
                format!("{}.{field} is a {kind}, not set this way", self.schema.name),
            ));
        }
        if let (FieldType::Decimal, RecordValue::Str(s)) = (&f.ty, &value) {
            if !s.is_empty() && s.parse::<f64>().is_err() {
                return Err(Failure::new(
                    tws_result::TWS_ERR_INVALID_ARGUMENT,
                    format!("{}.{field}: {s:?} is not a decimal", self.schema.name),
                ));
            }
        }
        match self.values.iter_mut().find(|(n, _)| *n == f.name) {
            Some(slot) => slot.1 = value,
            None => self.values.push((f.name, value)),
        }
        Ok(())
    }
}

/// Creates an empty record of the catalogue record `record_name` (for
/// example "Contract") in `*out`; free it with `tws_record_free`.
/// Errors: TWS_ERR_NULL_ARGUMENT; TWS_ERR_INVALID_UTF8;
/// TWS_ERR_INVALID_ARGUMENT for a name no record has (the message names it).
#[no_mangle]
pub unsafe extern "C" fn tws_record_new(
    record_name: *const c_char,
    out: *mut *mut tws_record,
) -> tws_result {
    boundary(
        || {},
        || {
            put(out, "out", std::ptr::null_mut())?;
            let name = c_str(record_name, "record_name")?;
            let schema = RECORDS.iter().find(|r| r.name == name).ok_or_else(|| {
                Failure::new(
                    tws_result::TWS_ERR_INVALID_ARGUMENT,
                    format!("no record is called {name:?}"),
                )
            })?;
            let rec = Box::new(tws_record {
                schema,
                values: Vec::new(),
            });
            put(out, "out", Box::into_raw(rec))?;
            Ok(tws_result::TWS_OK)
        },
    )
}

/// Runs `body` on a live record.
fn with_record(
    rec: *mut tws_record,
    field: *const c_char,
    body: impl FnOnce(&mut tws_record, &str) -> Result<(), Failure>,
) -> tws_result {
    boundary(
        || {},
        || {
            // SAFETY: by contract `rec` is NULL or a live record from
            // tws_record_new, used by one thread at a time.
            let rec = unsafe { rec.as_mut() }.ok_or_else(|| Failure::null("record"))?;
            let field = c_str(field, "field")?;
            body(rec, field)?;
            Ok(tws_result::TWS_OK)
        },
    )
}

/// Sets the int field `field` (for example "con_id").
/// Errors (for every `tws_record_set_*`): TWS_ERR_NULL_ARGUMENT;
/// TWS_ERR_INVALID_UTF8; TWS_ERR_INVALID_ARGUMENT for a field the record does
/// not have, or one of another kind (the message names the field and its kind).
#[no_mangle]
pub unsafe extern "C" fn tws_record_set_int(
    record: *mut tws_record,
    field: *const c_char,
    value: i32,
) -> tws_result {
    with_record(record, field, |r, f| r.set(f, RecordValue::Int(value)))
}

/// Sets the long (64-bit) field `field`.
#[no_mangle]
pub unsafe extern "C" fn tws_record_set_long(
    record: *mut tws_record,
    field: *const c_char,
    value: i64,
) -> tws_result {
    with_record(record, field, |r, f| r.set(f, RecordValue::Long(value)))
}

/// Sets the double field `field` (for example "strike").
#[no_mangle]
pub unsafe extern "C" fn tws_record_set_double(
    record: *mut tws_record,
    field: *const c_char,
    value: f64,
) -> tws_result {
    with_record(record, field, |r, f| r.set(f, RecordValue::Double(value)))
}

/// Sets the bool field `field`.
#[no_mangle]
pub unsafe extern "C" fn tws_record_set_bool(
    record: *mut tws_record,
    field: *const c_char,
    value: bool,
) -> tws_result {
    with_record(record, field, |r, f| r.set(f, RecordValue::Bool(value)))
}

/// Sets the string or decimal field `field` (for example "symbol"; a decimal
/// as its exact text, "100" or "0.5"). The text is copied. Also
/// TWS_ERR_INVALID_UTF8 for `value`, TWS_ERR_INVALID_ARGUMENT for decimal
/// text that is not a number.
#[no_mangle]
pub unsafe extern "C" fn tws_record_set_string(
    record: *mut tws_record,
    field: *const c_char,
    value: *const c_char,
) -> tws_result {
    with_record(record, field, |r, f| {
        let v = c_str(value, "value")?;
        r.set(f, RecordValue::Str(v.to_owned()))
    })
}

/// Frees a record from `tws_record_new`. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn tws_record_free(record: *mut tws_record) {
    if !record.is_null() {
        // SAFETY: by contract the record came from tws_record_new (Box::into_raw)
        // and is freed once.
        drop(unsafe { Box::from_raw(record) });
    }
}
