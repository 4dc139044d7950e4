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

/// A caller-owned copy of `s` (interior NULs dropped).
fn owned(s: &str) -> *mut c_char {
    CString::new(s.replace('\0', ""))
        .unwrap_or_default()
        .into_raw()
}

/// Frees a string from [`owned`]; NULL is a no-op.
///
/// # Safety
/// `p` is NULL or came from [`owned`] and is freed once.
unsafe fn free_owned(p: *const c_char) {
    if !p.is_null() {
        // SAFETY: by this function's contract.
        drop(unsafe { CString::from_raw(p.cast_mut()) });
    }
}

/// Frees the strings of a contract made with `contract_view(.., owned)`.
///
/// # Safety
/// Every pointer came from [`owned`] and is freed once.
unsafe fn free_contract(c: &tws_contract) {
    for p in [
        c.symbol,
        c.sec_type,
        c.last_trade_date_or_contract_month,
        c.right,
        c.multiplier,
        c.exchange,
        c.primary_exchange,
        c.currency,
        c.local_symbol,
        c.trading_class,
    ] {
        // SAFETY: by this function's contract.
        unsafe { free_owned(p) };
    }
}

/// A boxed slice as a C array (NULL when empty) and its length.
fn into_c_array<T>(items: Vec<T>) -> (*mut T, usize) {
    if items.is_empty() {
        return (std::ptr::null_mut(), 0);
    }
    let count = items.len();
    (Box::into_raw(items.into_boxed_slice()).cast::<T>(), count)
}

/// Reclaims an array from [`into_c_array`].
///
/// # Safety
/// `items`/`count` are exactly what `into_c_array` returned, reclaimed once.
unsafe fn from_c_array<T>(items: *mut T, count: usize) -> Option<Box<[T]>> {
    if items.is_null() {
        return None;
    }
    // SAFETY: by this function's contract the pointer and length describe a boxed slice.
    Some(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(items, count)) })
}

fn position_row(p: &Position) -> tws_position_row {
    tws_position_row {
        account: owned(&p.account),
        contract: contract_view(&p.contract, |s| owned(s).cast_const()),
        position: owned(&p.position),
        avg_cost: p.avg_cost,
    }
}

/// Blocking: requests every position, waits for positionEnd (at most
/// `timeout_ms`), then cancels (unless a `tws_client_req_positions`
/// subscription is live) and returns the positions. While it waits, position
/// events go to it, not to poll or the callback; one such call at a time per
/// client (a second one meanwhile fails at once with TWS_ERR_BUSY). Position
/// messages carry no request id: rows that arrive after a timed-out call
/// ended are delivered as ordinary events. On success `*out_rows` is an
/// array of `*out_count` rows owned by the caller: free it with
/// `tws_position_rows_free(rows, count)` (NULL and 0 when there are none). On
/// failure `*out_rows` is NULL and `*out_count` 0.
/// Errors: as for requests, plus TWS_ERR_TIMEOUT and TWS_ERR_BUSY.
#[no_mangle]
pub unsafe extern "C" fn tws_client_positions(
    client: *mut tws_client,
    timeout_ms: u32,
    out_rows: *mut *mut tws_position_row,
    out_count: *mut usize,
) -> tws_result {
    with_client(client, |c| {
        put(out_rows, "out_rows", std::ptr::null_mut())?;
        put(out_count, "out_count", 0)?;
        let positions = c.inner.positions(ms(timeout_ms))?;
        let (rows, count) = into_c_array(positions.iter().map(position_row).collect());
        put(out_rows, "out_rows", rows)?;
        put(out_count, "out_count", count)
    })
}

/// Frees rows from `tws_client_positions`; `count` must be the count it
/// returned. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn tws_position_rows_free(rows: *mut tws_position_row, count: usize) {
    // SAFETY: by contract `rows`/`count` are what tws_client_positions returned, freed once.
    let Some(rows) = (unsafe { from_c_array(rows, count) }) else {
        return;
    };
    for row in rows.iter() {
        // SAFETY: every string of the row came from `owned` and is freed once here.
        unsafe {
            free_owned(row.account);
            free_owned(row.position);
            free_contract(&row.contract);
        }
    }
}

fn snapshot_view(s: &AccountSnapshot) -> tws_account_snapshot {
    let (values, value_count) = into_c_array(
        s.values
            .iter()
            .map(|v| tws_account_value_row {
                key: owned(&v.key),
                value: owned(&v.value),
                currency: owned(&v.currency),
            })
            .collect(),
    );
    let (portfolio, portfolio_count) = into_c_array(
        s.portfolio
            .iter()
            .map(|p| tws_portfolio_row {
                contract: contract_view(&p.contract, |s| owned(s).cast_const()),
                position: owned(&p.position),
                market_price: p.market_price,
                market_value: p.market_value,
                average_cost: p.average_cost,
                unrealized_pnl: p.unrealized_pnl,
                realized_pnl: p.realized_pnl,
            })
            .collect(),
    );
    tws_account_snapshot {
        account: owned(&s.account),
        time: owned(&s.time),
        values,
        value_count,
        portfolio,
        portfolio_count,
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
/// caller: free it with `tws_account_snapshot_free`. On failure it is NULL.
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

/// Frees a snapshot from `tws_client_account_updates` and everything in it.
/// NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn tws_account_snapshot_free(snapshot: *mut tws_account_snapshot) {
    if snapshot.is_null() {
        return;
    }
    // SAFETY: by contract the snapshot came from tws_client_account_updates
    // (Box::into_raw) and is freed once; so did every array and string in it.
    unsafe {
        let s = Box::from_raw(snapshot);
        free_owned(s.account);
        free_owned(s.time);
        if let Some(values) = from_c_array(s.values, s.value_count) {
            for v in values.iter() {
                free_owned(v.key);
                free_owned(v.value);
                free_owned(v.currency);
            }
        }
        if let Some(portfolio) = from_c_array(s.portfolio, s.portfolio_count) {
            for p in portfolio.iter() {
                free_owned(p.position);
                free_contract(&p.contract);
            }
        }
    }
}
