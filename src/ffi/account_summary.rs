//! The account summary: subscribe, cancel, and the blocking call.

use std::ffi::{c_char, CString};

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
/// (TWS_ERR_REQUEST_FAILED). On success `*out_rows` is an array
/// of `*out_count` rows owned by the caller: free it with
/// `tws_account_summary_rows_free(rows, count)` (NULL and 0 when there are
/// none). On failure `*out_rows` is NULL and `*out_count` 0.
/// Errors: as for requests, plus TWS_ERR_TIMEOUT, TWS_ERR_REQUEST_FAILED (TWS
/// refused it, e.g. error 322; see tws_last_error_message).
#[no_mangle]
pub unsafe extern "C" fn tws_client_account_summary(
    client: *mut tws_client,
    group: *const c_char,
    tags: *const c_char,
    timeout_ms: u32,
    out_rows: *mut *mut tws_account_summary_row,
    out_count: *mut usize,
) -> tws_result {
    with_client(client, |c| {
        put(out_rows, "out_rows", std::ptr::null_mut())?;
        put(out_count, "out_count", 0)?;
        let group = c_str(group, "group")?;
        let tags = c_str(tags, "tags")?;
        let rows = c.inner.account_summary(group, tags, ms(timeout_ms))?;
        if rows.is_empty() {
            return Ok(());
        }
        let owned = |s: &str| {
            CString::new(s.replace('\0', ""))
                .unwrap_or_default()
                .into_raw()
        };
        let c_rows: Box<[tws_account_summary_row]> = rows
            .iter()
            .map(|r| tws_account_summary_row {
                account: owned(&r.account),
                tag: owned(&r.tag),
                value: owned(&r.value),
                currency: owned(&r.currency),
            })
            .collect();
        let count = c_rows.len();
        put(
            out_rows,
            "out_rows",
            Box::into_raw(c_rows).cast::<tws_account_summary_row>(),
        )?;
        put(out_count, "out_count", count)
    })
}

/// Frees rows from `tws_client_account_summary`; `count` must be the count it
/// returned. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn tws_account_summary_rows_free(
    rows: *mut tws_account_summary_row,
    count: usize,
) {
    if rows.is_null() {
        return;
    }
    // SAFETY: by contract `rows`/`count` are exactly what tws_client_account_summary
    // produced from a boxed slice, freed once; each string came from CString::into_raw.
    let slice = unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(rows, count)) };
    for row in slice.iter() {
        for p in [row.account, row.tag, row.value, row.currency] {
            if !p.is_null() {
                // SAFETY: see above; each pointer is reclaimed exactly once.
                drop(unsafe { CString::from_raw(p) });
            }
        }
    }
}
