//! The account summary: subscribe, cancel, and the blocking call.

use std::ffi::c_char;

use super::account_data::Keep;
use super::result::tws_result;
use super::types::tws_account_summary_row;
use super::{c_str, ms, put, tws_client, with_client};

/// reqAccountSummary: subscribes to `tags` (comma list, see
/// `tws_all_account_summary_tags`, or "$LEDGER", "$LEDGER:ALL", "$LEDGER:EUR")
/// for `group` ("All" or an FA group). Rows arrive as TWS_EVENT_ACCOUNT_SUMMARY
/// tagged `req_id`, then TWS_EVENT_ACCOUNT_SUMMARY_END, then updates until
/// cancelled. TWS allows two such subscriptions at once (error 322 beyond).
/// `req_id` is the caller's: 0 to 0x6FFF_FFFF (e.g. from
/// `tws_client_next_request_id`); a negative or reserved (0x7000_0000 and up,
/// libtws's own) id fails with TWS_ERR_INVALID_ARGUMENT, an id a live
/// subscription uses with TWS_ERR_DUPLICATE_REQUEST_ID; nothing is sent then.
/// Strings are copied. Also TWS_ERR_INVALID_UTF8, TWS_ERR_INVALID_CHARACTER.
#[no_mangle]
pub unsafe extern "C" fn tws_client_req_account_summary(
    client: *mut tws_client,
    req_id: i32,
    group: *const c_char,
    tags: *const c_char,
) -> tws_result {
    with_client(client, |c| {
        let group = c_str(group, "group")?;
        let tags = c_str(tags, "tags")?;
        Ok(c.inner.req_account_summary(req_id, group, tags)?)
    })
}

/// cancelAccountSummary: ends the subscription `req_id`. A negative or
/// reserved id fails with TWS_ERR_INVALID_ARGUMENT (nothing is sent).
#[no_mangle]
pub unsafe extern "C" fn tws_client_cancel_account_summary(
    client: *mut tws_client,
    req_id: i32,
) -> tws_result {
    with_client(client, |c| Ok(c.inner.cancel_account_summary(req_id)?))
}

/// Blocking: requests the account summary, waits for every row up to the end
/// marker (at most `timeout_ms`), cancels the subscription and returns the
/// rows. The request uses an id of libtws's own (from 0x7000_0000 up), never
/// one of the caller's, so it never touches the caller's subscriptions. Its
/// rows never appear as events: those that arrive after the call ended (it
/// timed out, or TWS had not yet seen the cancel) are dropped and counted in
/// `tws_stats.late_replies_dropped`. Several calls may run at once, each
/// with its own id; TWS allows two account summaries at a time (the caller's
/// subscriptions included) and answers error 322 beyond
/// (TWS_ERR_REQUEST_FAILED). On success `*out_rows` is a handle owned by
/// the caller (never NULL, possibly with 0 rows): read it with
/// `tws_account_summary_rows_count` / `tws_account_summary_rows_at`, free
/// it with `tws_account_summary_rows_free`. On failure `*out_rows` is NULL.
/// Errors: as for requests, plus TWS_ERR_TIMEOUT, TWS_ERR_REQUEST_FAILED (TWS
/// refused it, e.g. error 322; see tws_last_error_message).
#[no_mangle]
pub unsafe extern "C" fn tws_client_account_summary(
    client: *mut tws_client,
    group: *const c_char,
    tags: *const c_char,
    timeout_ms: u32,
    out_rows: *mut *mut tws_account_summary_rows,
) -> tws_result {
    with_client(client, |c| {
        put(out_rows, "out_rows", std::ptr::null_mut())?;
        let group = c_str(group, "group")?;
        let tags = c_str(tags, "tags")?;
        let rows = c.inner.account_summary(group, tags, ms(timeout_ms))?;
        let mut keep = Keep::default();
        let rows = rows
            .iter()
            .map(|r| tws_account_summary_row {
                account: keep.str(&r.account),
                tag: keep.str(&r.tag),
                value: keep.str(&r.value),
                currency: keep.str(&r.currency),
            })
            .collect();
        let handle = Box::new(tws_account_summary_rows { rows, _keep: keep });
        put(out_rows, "out_rows", Box::into_raw(handle))
    })
}

/// The rows of `tws_client_account_summary`. Opaque: read it with
/// `tws_account_summary_rows_count` and `tws_account_summary_rows_at`, free
/// it with `tws_account_summary_rows_free`. Everything in it is owned by it.
pub struct tws_account_summary_rows {
    rows: Vec<tws_account_summary_row>,
    _keep: Keep,
}

/// The number of rows in `rows` (0 for NULL).
#[no_mangle]
pub unsafe extern "C" fn tws_account_summary_rows_count(
    rows: *const tws_account_summary_rows,
) -> usize {
    // SAFETY: by contract NULL or a live handle from tws_client_account_summary.
    unsafe { rows.as_ref() }.map_or(0, |r| r.rows.len())
}

/// Row `index` of `rows` (from 0), or NULL when `index` is not below the
/// count (or `rows` is NULL). Owned by `rows`: valid until
/// `tws_account_summary_rows_free`. Read rows only through this function: a
/// row struct may grow at its end in a later minor version.
#[no_mangle]
pub unsafe extern "C" fn tws_account_summary_rows_at(
    rows: *const tws_account_summary_rows,
    index: usize,
) -> *const tws_account_summary_row {
    // SAFETY: by contract NULL or a live handle from tws_client_account_summary.
    unsafe { rows.as_ref() }
        .and_then(|r| r.rows.get(index))
        .map_or(std::ptr::null(), std::ptr::from_ref)
}

/// Frees rows from `tws_client_account_summary` and everything in them.
/// NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn tws_account_summary_rows_free(rows: *mut tws_account_summary_rows) {
    if !rows.is_null() {
        // SAFETY: by contract the handle came from tws_client_account_summary
        // (Box::into_raw) and is freed once.
        drop(unsafe { Box::from_raw(rows) });
    }
}
