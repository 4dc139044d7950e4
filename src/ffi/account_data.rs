//! Positions, account updates, the *Multi requests and PnL: subscribe,
//! cancel, and the blocking positions and account-updates calls.
//!
//! Every request fails with TWS_ERR_NULL_ARGUMENT, TWS_ERR_NOT_CONNECTED (no
//! live session: nothing is queued), TWS_ERR_IO or TWS_ERR_CONNECTION_CLOSED
//! (the send failed); those with strings also with TWS_ERR_INVALID_UTF8 and
//! TWS_ERR_INVALID_CHARACTER. Strings are copied. Each subscription is
//! recorded by the client until it is cancelled.
//!
//! Request ids (`req_id`) are the caller's: 0 to 0x6FFF_FFFF, for example
//! from `tws_client_next_request_id`. A negative id, or one from 0x7000_0000
//! up (reserved for libtws's own requests), fails with
//! TWS_ERR_INVALID_ARGUMENT; an id a live subscription already uses fails
//! with TWS_ERR_DUPLICATE_REQUEST_ID. Nothing is sent then.

use std::ffi::{c_char, CString};

use crate::client::AccountSnapshot;
use crate::protocol::account_data::Position;

use super::convert::contract_view;
use super::result::tws_result;
use super::types::*;
use super::{c_str, ms, put, tws_client, with_client};

/// reqPositions: every position of every account arrives as
/// TWS_EVENT_POSITION, then TWS_EVENT_POSITION_END, then changes until
/// `tws_client_cancel_positions`.
#[no_mangle]
pub unsafe extern "C" fn tws_client_req_positions(client: *mut tws_client) -> tws_result {
    with_client(client, |c| Ok(c.inner.req_positions()?))
}

/// cancelPositions: ends the positions subscription.
#[no_mangle]
pub unsafe extern "C" fn tws_client_cancel_positions(client: *mut tws_client) -> tws_result {
    with_client(client, |c| Ok(c.inner.cancel_positions()?))
}

/// reqAccountUpdates (subscribe): the values (TWS_EVENT_ACCOUNT_VALUE),
/// holdings (TWS_EVENT_PORTFOLIO_VALUE) and update time
/// (TWS_EVENT_ACCOUNT_UPDATE_TIME) of `account`, then
/// TWS_EVENT_ACCOUNT_DOWNLOAD_END, then changes. TWS keeps one such
/// subscription per client: a new one replaces the old. An unknown account
/// gets a TWS_EVENT_ERROR with code 321 and req_id -1.
#[no_mangle]
pub unsafe extern "C" fn tws_client_req_account_updates(
    client: *mut tws_client,
    account: *const c_char,
) -> tws_result {
    with_client(client, |c| {
        Ok(c.inner.req_account_updates(c_str(account, "account")?)?)
    })
}

/// reqAccountUpdates (unsubscribe) for `account`.
#[no_mangle]
pub unsafe extern "C" fn tws_client_cancel_account_updates(
    client: *mut tws_client,
    account: *const c_char,
) -> tws_result {
    with_client(client, |c| {
        Ok(c.inner.cancel_account_updates(c_str(account, "account")?)?)
    })
}

/// reqPositionsMulti: positions of `account` ("" or "All" for every account)
/// and/or `model_code` (may be ""), as TWS_EVENT_POSITION_MULTI tagged
/// `req_id`, then TWS_EVENT_POSITION_MULTI_END. An unknown account gets error
/// 321 with `req_id`. Also TWS_ERR_NOT_SUPPORTED before server version 103.
#[no_mangle]
pub unsafe extern "C" fn tws_client_req_positions_multi(
    client: *mut tws_client,
    req_id: i32,
    account: *const c_char,
    model_code: *const c_char,
) -> tws_result {
    with_client(client, |c| {
        let account = c_str(account, "account")?;
        let model_code = c_str(model_code, "model_code")?;
        Ok(c.inner.req_positions_multi(req_id, account, model_code)?)
    })
}

/// cancelPositionsMulti: ends the subscription `req_id`.
#[no_mangle]
pub unsafe extern "C" fn tws_client_cancel_positions_multi(
    client: *mut tws_client,
    req_id: i32,
) -> tws_result {
    with_client(client, |c| Ok(c.inner.cancel_positions_multi(req_id)?))
}

/// reqAccountUpdatesMulti: values of `account` and/or `model_code` as
/// TWS_EVENT_ACCOUNT_UPDATE_MULTI tagged `req_id`, then
/// TWS_EVENT_ACCOUNT_UPDATE_MULTI_END. `ledger_and_nlv` non-zero keeps only
/// the ledger and net-liquidation values. An unknown account gets error 321
/// with `req_id`. Also TWS_ERR_NOT_SUPPORTED before server version 103.
#[no_mangle]
pub unsafe extern "C" fn tws_client_req_account_updates_multi(
    client: *mut tws_client,
    req_id: i32,
    account: *const c_char,
    model_code: *const c_char,
    ledger_and_nlv: i32,
) -> tws_result {
    with_client(client, |c| {
        let account = c_str(account, "account")?;
        let model_code = c_str(model_code, "model_code")?;
        Ok(c.inner
            .req_account_updates_multi(req_id, account, model_code, ledger_and_nlv != 0)?)
    })
}

/// cancelAccountUpdatesMulti: ends the subscription `req_id`.
#[no_mangle]
pub unsafe extern "C" fn tws_client_cancel_account_updates_multi(
    client: *mut tws_client,
    req_id: i32,
) -> tws_result {
    with_client(client, |c| {
        Ok(c.inner.cancel_account_updates_multi(req_id)?)
    })
}

/// reqPnL: PnL of `account` and/or `model_code` as TWS_EVENT_PNL tagged
/// `req_id`, until cancelled. An unknown account gets error 321 with
/// `req_id`. Also TWS_ERR_NOT_SUPPORTED before server version 127.
#[no_mangle]
pub unsafe extern "C" fn tws_client_req_pnl(
    client: *mut tws_client,
    req_id: i32,
    account: *const c_char,
    model_code: *const c_char,
) -> tws_result {
    with_client(client, |c| {
        let account = c_str(account, "account")?;
        let model_code = c_str(model_code, "model_code")?;
        Ok(c.inner.req_pnl(req_id, account, model_code)?)
    })
}

/// cancelPnL: ends the subscription `req_id`.
#[no_mangle]
pub unsafe extern "C" fn tws_client_cancel_pnl(client: *mut tws_client, req_id: i32) -> tws_result {
    with_client(client, |c| Ok(c.inner.cancel_pnl(req_id)?))
}

/// reqPnLSingle: PnL of the position in contract `con_id` of `account`
/// and/or `model_code`, as TWS_EVENT_PNL_SINGLE tagged `req_id`, until
/// cancelled. Also TWS_ERR_NOT_SUPPORTED before server version 127.
#[no_mangle]
pub unsafe extern "C" fn tws_client_req_pnl_single(
    client: *mut tws_client,
    req_id: i32,
    account: *const c_char,
    model_code: *const c_char,
    con_id: i32,
) -> tws_result {
    with_client(client, |c| {
        let account = c_str(account, "account")?;
        let model_code = c_str(model_code, "model_code")?;
        Ok(c.inner
            .req_pnl_single(req_id, account, model_code, con_id)?)
    })
}

/// cancelPnLSingle: ends the subscription `req_id`.
#[no_mangle]
pub unsafe extern "C" fn tws_client_cancel_pnl_single(
    client: *mut tws_client,
    req_id: i32,
) -> tws_result {
    with_client(client, |c| Ok(c.inner.cancel_pnl_single(req_id)?))
}

// ---- blocking calls ------------------------------------------------------------

/// Owns the strings the rows of one blocking-call result point into.
#[derive(Default)]
pub(crate) struct Keep(Vec<CString>);

impl Keep {
    /// A copy of `s` (interior NULs dropped) that lives as long as `self`.
    pub(crate) fn str(&mut self, s: &str) -> *const c_char {
        let c = CString::new(s.replace('\0', "")).unwrap_or_default();
        // The CString's heap buffer does not move when the vector grows.
        let p = c.as_ptr();
        self.0.push(c);
        p
    }
}

/// The rows of `tws_client_positions`. Opaque: read it with
/// `tws_position_rows_count` and `tws_position_rows_at`, free it with
/// `tws_position_rows_free`. Everything in it is owned by it.
pub struct tws_position_rows {
    rows: Vec<tws_position_row>,
    _keep: Keep,
}

/// The values and portfolio of one account (`tws_client_account_updates`).
/// Opaque: read it with the `tws_account_snapshot_*` accessors, free it with
/// `tws_account_snapshot_free`. Everything in it is owned by it.
pub struct tws_account_snapshot {
    account: *const c_char,
    time: *const c_char,
    values: Vec<tws_account_value_row>,
    portfolio: Vec<tws_portfolio_row>,
    _keep: Keep,
}

/// Blocking: requests every position, waits for positionEnd (at most
/// `timeout_ms`), then cancels (unless a `tws_client_req_positions`
/// subscription is live) and returns the positions. While it waits, position
/// events go to it, not to poll or the callback; one such call at a time per
/// client (a second one meanwhile fails at once with TWS_ERR_BUSY). Position
/// messages carry no request id: rows that arrive after a timed-out call
/// ended are delivered as ordinary events. On success `*out_rows` is a
/// handle owned by the caller (never NULL, possibly with 0 rows): read it
/// with `tws_position_rows_count` / `tws_position_rows_at`, free it with
/// `tws_position_rows_free`. On failure `*out_rows` is NULL.
/// Errors: as for requests, plus TWS_ERR_TIMEOUT and TWS_ERR_BUSY.
#[no_mangle]
pub unsafe extern "C" fn tws_client_positions(
    client: *mut tws_client,
    timeout_ms: u32,
    out_rows: *mut *mut tws_position_rows,
) -> tws_result {
    with_client(client, |c| {
        put(out_rows, "out_rows", std::ptr::null_mut())?;
        let positions = c.inner.positions(ms(timeout_ms))?;
        let mut keep = Keep::default();
        let rows = positions
            .iter()
            .map(|p: &Position| tws_position_row {
                account: keep.str(&p.account),
                contract: contract_view(&p.contract, |s| keep.str(s)),
                position: keep.str(&p.position),
                avg_cost: p.avg_cost,
            })
            .collect();
        let handle = Box::new(tws_position_rows { rows, _keep: keep });
        put(out_rows, "out_rows", Box::into_raw(handle))
    })
}

/// The number of rows in `rows` (0 for NULL).
#[no_mangle]
pub unsafe extern "C" fn tws_position_rows_count(rows: *const tws_position_rows) -> usize {
    // SAFETY: by contract NULL or a live handle from tws_client_positions.
    unsafe { rows.as_ref() }.map_or(0, |r| r.rows.len())
}

/// Row `index` of `rows` (from 0), or NULL when `index` is not below the
/// count (or `rows` is NULL). Owned by `rows`: valid until
/// `tws_position_rows_free`. Read rows only through this function: a row
/// struct may grow at its end in a later minor version.
#[no_mangle]
pub unsafe extern "C" fn tws_position_rows_at(
    rows: *const tws_position_rows,
    index: usize,
) -> *const tws_position_row {
    // SAFETY: by contract NULL or a live handle from tws_client_positions.
    unsafe { rows.as_ref() }
        .and_then(|r| r.rows.get(index))
        .map_or(std::ptr::null(), std::ptr::from_ref)
}

/// Frees rows from `tws_client_positions` and everything in them. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn tws_position_rows_free(rows: *mut tws_position_rows) {
    if !rows.is_null() {
        // SAFETY: by contract the handle came from tws_client_positions
        // (Box::into_raw) and is freed once.
        drop(unsafe { Box::from_raw(rows) });
    }
}

fn snapshot_view(s: &AccountSnapshot) -> tws_account_snapshot {
    let mut keep = Keep::default();
    let values = s
        .values
        .iter()
        .map(|v| tws_account_value_row {
            key: keep.str(&v.key),
            value: keep.str(&v.value),
            currency: keep.str(&v.currency),
        })
        .collect();
    let portfolio = s
        .portfolio
        .iter()
        .map(|p| tws_portfolio_row {
            contract: contract_view(&p.contract, |x| keep.str(x)),
            position: keep.str(&p.position),
            market_price: p.market_price,
            market_value: p.market_value,
            average_cost: p.average_cost,
            unrealized_pnl: p.unrealized_pnl,
            realized_pnl: p.realized_pnl,
        })
        .collect();
    tws_account_snapshot {
        account: keep.str(&s.account),
        time: keep.str(&s.time),
        values,
        portfolio,
        _keep: keep,
    }
}

/// Blocking: subscribes to `account`'s updates, waits for
/// accountDownloadEnd (at most `timeout_ms`), then unsubscribes (or re-issues
/// a live `tws_client_req_account_updates` subscription, since TWS keeps one
/// at a time) and returns the values and portfolio. While it waits,
/// account-update events go to it; one such call at a time per client (a
/// second one meanwhile fails at once with TWS_ERR_BUSY). Account updates
/// carry no request id: values that arrive after a timed-out call ended are
/// delivered as ordinary events. On success `*out_snapshot` is owned by the
/// caller: read it with the `tws_account_snapshot_*` accessors and free it
/// with `tws_account_snapshot_free`. On failure it is NULL.
/// Errors: as for requests, plus TWS_ERR_TIMEOUT, TWS_ERR_BUSY and
/// TWS_ERR_REQUEST_FAILED (error 321: unknown account; see
/// tws_last_error_message).
#[no_mangle]
pub unsafe extern "C" fn tws_client_account_updates(
    client: *mut tws_client,
    account: *const c_char,
    timeout_ms: u32,
    out_snapshot: *mut *mut tws_account_snapshot,
) -> tws_result {
    with_client(client, |c| {
        put(out_snapshot, "out_snapshot", std::ptr::null_mut())?;
        let account = c_str(account, "account")?;
        let snapshot = c.inner.account_updates(account, ms(timeout_ms))?;
        put(
            out_snapshot,
            "out_snapshot",
            Box::into_raw(Box::new(snapshot_view(&snapshot))),
        )
    })
}

/// A live snapshot handle, or None for NULL.
fn snapshot<'a>(s: *const tws_account_snapshot) -> Option<&'a tws_account_snapshot> {
    // SAFETY: by contract NULL or a live handle from tws_client_account_updates.
    unsafe { s.as_ref() }
}

/// The snapshot's account code; "" for NULL. Owned by the snapshot.
#[no_mangle]
pub unsafe extern "C" fn tws_account_snapshot_account(
    snapshot_: *const tws_account_snapshot,
) -> *const c_char {
    snapshot(snapshot_).map_or(c"".as_ptr(), |s| s.account)
}

/// The latest update time ("HH:MM"), or ""; "" for NULL. Owned by the snapshot.
#[no_mangle]
pub unsafe extern "C" fn tws_account_snapshot_time(
    snapshot_: *const tws_account_snapshot,
) -> *const c_char {
    snapshot(snapshot_).map_or(c"".as_ptr(), |s| s.time)
}

/// The number of account values (0 for NULL).
#[no_mangle]
pub unsafe extern "C" fn tws_account_snapshot_value_count(
    snapshot_: *const tws_account_snapshot,
) -> usize {
    snapshot(snapshot_).map_or(0, |s| s.values.len())
}

/// Account value `index` (from 0), or NULL when out of range. Owned by the
/// snapshot. Read rows only through this function: a row struct may grow at
/// its end in a later minor version.
#[no_mangle]
pub unsafe extern "C" fn tws_account_snapshot_value_at(
    snapshot_: *const tws_account_snapshot,
    index: usize,
) -> *const tws_account_value_row {
    snapshot(snapshot_)
        .and_then(|s| s.values.get(index))
        .map_or(std::ptr::null(), std::ptr::from_ref)
}

/// The number of portfolio holdings (0 for NULL).
#[no_mangle]
pub unsafe extern "C" fn tws_account_snapshot_portfolio_count(
    snapshot_: *const tws_account_snapshot,
) -> usize {
    snapshot(snapshot_).map_or(0, |s| s.portfolio.len())
}

/// Holding `index` (from 0), or NULL when out of range. Owned by the
/// snapshot; read rows only through this function (see above).
#[no_mangle]
pub unsafe extern "C" fn tws_account_snapshot_portfolio_at(
    snapshot_: *const tws_account_snapshot,
    index: usize,
) -> *const tws_portfolio_row {
    snapshot(snapshot_)
        .and_then(|s| s.portfolio.get(index))
        .map_or(std::ptr::null(), std::ptr::from_ref)
}

/// Frees a snapshot from `tws_client_account_updates` and everything in it.
/// NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn tws_account_snapshot_free(snapshot_: *mut tws_account_snapshot) {
    if !snapshot_.is_null() {
        // SAFETY: by contract the snapshot came from tws_client_account_updates
        // (Box::into_raw) and is freed once.
        drop(unsafe { Box::from_raw(snapshot_) });
    }
}
