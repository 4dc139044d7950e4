//! Inputs that grow: a keyed record builder backed by the catalogue's
//! `RECORDS`. A caller sets the fields it knows by name; a field added to a
//! record later never breaks it, and a field it does not know is refused
//! with a typed error that names it.

use std::ffi::c_char;

use crate::protocol::field_values::{check_value, find_field, FieldValue, FieldValues};
use crate::protocol::schema::{
    Direction, FieldSchema, MessageSchema, RecordSchema, CATALOGUE, RECORDS,
};
use crate::protocol::Request;

use super::result::{boundary, tws_result, Failure};
use super::{c_str, put, tws_client, with_client};

/// What a record is built against: a catalogue record, or a request.
#[derive(Debug, Clone, Copy)]
enum Owner {
    Record(&'static RecordSchema),
    Request(&'static MessageSchema),
}

/// An input record under construction: a catalogue record ("Contract") or a
/// request ("ReqAccountSummary"). Create with `tws_record_new`, set fields
/// with `tws_record_set_*`, free with `tws_record_free`. Opaque; not
/// thread-safe (one thread at a time). Fields left unset take their declared
/// absent value (a request's required fields excepted: see
/// `tws_client_send`).
pub struct tws_record {
    owner: Owner,
    values: FieldValues,
}

impl tws_record {
    /// The record's or request's name.
    pub(crate) fn name(&self) -> &'static str {
        match self.owner {
            Owner::Record(r) => r.name,
            Owner::Request(m) => m.name,
        }
    }

    fn fields(&self) -> &'static [FieldSchema] {
        match self.owner {
            Owner::Record(r) => r.fields,
            Owner::Request(m) => m.fields,
        }
    }

    /// The values set so far, by field name.
    pub(crate) fn values(&self) -> &FieldValues {
        &self.values
    }

    /// The value set on `field`, if any.
    #[allow(dead_code)]
    pub(crate) fn get(&self, field: &str) -> Option<&FieldValue> {
        self.values.get(field)
    }

    fn set(&mut self, field: &str, value: FieldValue) -> Result<(), Failure> {
        let invalid = |m: String| Failure::new(tws_result::TWS_ERR_INVALID_ARGUMENT, m);
        let f = find_field(self.fields(), field)
            .ok_or_else(|| invalid(format!("{} has no field {field:?}", self.name())))?;
        check_value(self.name(), f, &value).map_err(|e| {
            let setter = match f.ty {
                crate::protocol::schema::FieldType::Int => "tws_record_set_int",
                crate::protocol::schema::FieldType::Long => "tws_record_set_long (or _int)",
                crate::protocol::schema::FieldType::Double => "tws_record_set_double",
                crate::protocol::schema::FieldType::Bool => "tws_record_set_bool",
                crate::protocol::schema::FieldType::String
                | crate::protocol::schema::FieldType::Decimal => "tws_record_set_string",
                crate::protocol::schema::FieldType::Record(_) => "tws_record_set_record",
                crate::protocol::schema::FieldType::Bits(_) => "tws_record_set_int (a flag mask)",
                crate::protocol::schema::FieldType::Optional(_)
                | crate::protocol::schema::FieldType::RecordList(_)
                | crate::protocol::schema::FieldType::TagValues(_)
                | crate::protocol::schema::FieldType::StringList
                | crate::protocol::schema::FieldType::DoubleList => {
                    "no setter yet (lists and optional records are not settable generically)"
                }
            };
            invalid(format!("{e} (set it with {setter})"))
        })?;
        self.values.insert(f.name.to_owned(), value);
        Ok(())
    }
}

/// Creates an empty record in `*out`; free it with `tws_record_free`.
/// `record_name` is a catalogue record (for example "Contract") or a request
/// of the catalogue by its name (for example "ReqAccountSummary",
/// "ReqCurrentTime"; the names are the message names of docs/catalogue.md),
/// whose fields are then the request's: send it with `tws_client_send`.
/// Errors: TWS_ERR_NULL_ARGUMENT; TWS_ERR_INVALID_UTF8;
/// TWS_ERR_INVALID_ARGUMENT for a name no record or request has (the
/// message names it).
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
            let owner = RECORDS
                .iter()
                .find(|r| r.name == name)
                .map(|r| Owner::Record(r))
                .or_else(|| {
                    CATALOGUE
                        .iter()
                        .find(|m| m.direction == Direction::Out && m.name == name)
                        .map(Owner::Request)
                })
                .ok_or_else(|| {
                    Failure::new(
                        tws_result::TWS_ERR_INVALID_ARGUMENT,
                        format!("no record or request is called {name:?}"),
                    )
                })?;
            let rec = Box::new(tws_record {
                owner,
                values: FieldValues::new(),
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

/// Sets the int field `field` (for example "con_id", "req_id").
/// Errors (for every `tws_record_set_*`): TWS_ERR_NULL_ARGUMENT;
/// TWS_ERR_INVALID_UTF8; TWS_ERR_INVALID_ARGUMENT for a field the record or
/// request does not have, or one of another kind (the message names the
/// field, its kind and the setter to use).
#[no_mangle]
pub unsafe extern "C" fn tws_record_set_int(
    record: *mut tws_record,
    field: *const c_char,
    value: i32,
) -> tws_result {
    with_record(record, field, |r, f| r.set(f, FieldValue::Int(value)))
}

/// Sets the long (64-bit) field `field`. (A long field also takes
/// `tws_record_set_int`; an int field does not take a long.)
#[no_mangle]
pub unsafe extern "C" fn tws_record_set_long(
    record: *mut tws_record,
    field: *const c_char,
    value: i64,
) -> tws_result {
    with_record(record, field, |r, f| r.set(f, FieldValue::Long(value)))
}

/// Sets the double field `field` (for example "strike").
#[no_mangle]
pub unsafe extern "C" fn tws_record_set_double(
    record: *mut tws_record,
    field: *const c_char,
    value: f64,
) -> tws_result {
    with_record(record, field, |r, f| r.set(f, FieldValue::Double(value)))
}

/// Sets the bool field `field`.
#[no_mangle]
pub unsafe extern "C" fn tws_record_set_bool(
    record: *mut tws_record,
    field: *const c_char,
    value: bool,
) -> tws_result {
    with_record(record, field, |r, f| r.set(f, FieldValue::Bool(value)))
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
        r.set(f, FieldValue::Str(v.to_owned()))
    })
}

/// Sets the record field `field` (for example a request's "contract") to a
/// copy of `value`, a record from `tws_record_new` of the field's record type
/// ("Contract"); `value` stays the caller's (free it as usual). Also
/// TWS_ERR_INVALID_ARGUMENT when `value` is a record of another type.
#[no_mangle]
pub unsafe extern "C" fn tws_record_set_record(
    record: *mut tws_record,
    field: *const c_char,
    value: *const tws_record,
) -> tws_result {
    with_record(record, field, |r, f| {
        // SAFETY: by contract `value` is NULL or a live record from
        // tws_record_new, not being changed by another thread.
        let v = unsafe { value.as_ref() }.ok_or_else(|| Failure::null("value"))?;
        let Owner::Record(_) = v.owner else {
            return Err(Failure::new(
                tws_result::TWS_ERR_INVALID_ARGUMENT,
                format!("value is the request {}, not a record", v.name()),
            ));
        };
        if let Some(crate::protocol::schema::FieldType::Record(want)) =
            find_field(r.fields(), f).map(|s| s.ty)
        {
            if want.name != v.name() {
                return Err(Failure::new(
                    tws_result::TWS_ERR_INVALID_ARGUMENT,
                    format!("{}.{f} is a {}, not a {}", r.name(), want.name, v.name()),
                ));
            }
        }
        r.set(f, FieldValue::Record(v.values.clone()))
    })
}

/// Sends the request `request` (a record from
/// `tws_record_new("ReqAccountSummary", ...)`, any request of the catalogue)
/// through the client's normal path, exactly as the typed function would
/// send it: same bytes, same checks. The record stays the caller's.
///
/// Required fields: the request id (`req_id`, where the request has one) and
/// every field the catalogue gives neither a default nor an unset value;
/// other fields left unset take their declared absent value.
///
/// Subscriptions (the catalogue's facts, as for the typed functions): a
/// subscribing request (reqMktData unless snapshot, reqMktDepth,
/// reqTickByTickData, reqRealTimeBars, reqMarketDataType, reqAccountSummary,
/// reqPositions, ...) is recorded and re-issued after a reconnect or a 1101
/// under its request id, and forgotten on its cancel; a request whose id a
/// live subscription or a blocking call holds fails with
/// TWS_ERR_DUPLICATE_REQUEST_ID (nothing is sent).
/// "StartApi" is refused: the engine sends it during the handshake.
///
/// Errors: TWS_ERR_NULL_ARGUMENT; TWS_ERR_INVALID_ARGUMENT when `request` is
/// a record, not a request, when a required field is unset (named), or for
/// a request id that is negative or reserved; TWS_ERR_INVALID_CHARACTER for a
/// string with a control character (tab, LF and CR pass) or, below server
/// version 201, non-ASCII text; TWS_ERR_NOT_SUPPORTED below the request's
/// minimum server version; TWS_ERR_DUPLICATE_REQUEST_ID (above);
/// TWS_ERR_NOT_CONNECTED, TWS_ERR_IO,
/// TWS_ERR_CONNECTION_CLOSED as every request.
#[no_mangle]
pub unsafe extern "C" fn tws_client_send(
    client: *mut tws_client,
    request: *const tws_record,
) -> tws_result {
    with_client(client, |c| {
        // SAFETY: by contract `request` is NULL or a live record from
        // tws_record_new, not being changed by another thread.
        let rec = unsafe { request.as_ref() }.ok_or_else(|| Failure::null("request"))?;
        let invalid = |m: String| Failure::new(tws_result::TWS_ERR_INVALID_ARGUMENT, m);
        let Owner::Request(m) = rec.owner else {
            return Err(invalid(format!(
                "{} is a record, not a request: tws_record_new a request by name (\"ReqCurrentTime\")",
                rec.name()
            )));
        };
        if m.name == "StartApi" {
            return Err(invalid(
                "StartApi is sent by libtws during the handshake, not by tws_client_send".into(),
            ));
        }
        let req = Request::from_fields(m.name, rec.values()).map_err(|e| invalid(e.to_string()))?;
        Ok(c.inner.send(&req)?)
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
