//! Orders: placing, modifying and cancelling orders, the open-order,
//! execution and completed-order requests, and their blocking calls.
//!
//! An order is a `const tws_record *order`: a record from
//! `tws_record_new("Order", ...)` (or the one-liner `tws_record_new_order`),
//! whose fields are set by name with `tws_record_set_*`: any field of IB's
//! order (`tif`, `outside_rth`, `parent_id`, `oca_group`, `algo_strategy`,
//! `what_if`, ...); list fields with `tws_record_append`: `conditions`
//! (an "OrderCondition" record each: `condition_type` 1 price, 3 time, 4
//! margin, 5 execution, 6 volume, 7 percent change, with
//! `is_conjunction_connection`), `algo_params` and
//! `smart_combo_routing_params` ("TagValue" records), `order_combo_legs`
//! ("OrderComboLeg", the per-leg prices); a combo's legs are the contract's
//! `combo_legs` ("ComboLeg" records). Fields left unset take IB's unset
//! values (prices `DBL_MAX`, optional ints `INT_MAX`); `transmit` is true
//! unless set to false.
//!
//! Order ids are 64-bit here (`int64_t`) and 0 to 0x6FFF_FFFF on the wire
//! (TWS_ERR_INVALID_ARGUMENT beyond). A placement is never re-sent after a
//! reconnect: while the link is down (disconnected, reconnecting, or TWS
//! without IB after error 1100) it fails at once with TWS_ERR_NOT_CONNECTED
//! and nothing is sent.

use std::ffi::c_char;

use crate::protocol::executions::{ExecDetails, ExecutionFilter};
use crate::protocol::field_values::FieldValue;
use crate::protocol::orders::{Order, OrderCancel};
use crate::protocol::Incoming;

use super::instruments::{blocking, contract_arg, tws_messages};
use super::record::{tws_record, tws_record_free, tws_record_new, tws_record_set_string};
use super::result::{boundary, tws_result, Failure};
use super::{c_str, ms, put, tws_client, with_client};

/// The record behind a `const tws_record *` argument `name`, which must be
/// a `kind` record.
fn record_arg<'a>(p: *const tws_record, kind: &str, name: &str) -> Result<&'a tws_record, Failure> {
    // SAFETY: by contract `p` is NULL or a live record from tws_record_new,
    // not being changed by another thread during the call.
    let rec = unsafe { p.as_ref() }.ok_or_else(|| Failure::null(name))?;
    if rec.name() != kind {
        return Err(Failure::new(
            tws_result::TWS_ERR_INVALID_ARGUMENT,
            format!(
                "{name} is a {} record, not a {kind} (tws_record_new(\"{kind}\", ...))",
                rec.name()
            ),
        ));
    }
    Ok(rec)
}

fn invalid(e: impl std::fmt::Display) -> Failure {
    Failure::new(tws_result::TWS_ERR_INVALID_ARGUMENT, e.to_string())
}

/// The order of a `const tws_record *order` argument; `transmit` is true
/// unless the record sets it (as IB's client has it).
pub(crate) fn order_arg(p: *const tws_record) -> Result<Order, Failure> {
    let rec = record_arg(p, "Order", "order")?;
    let mut values = rec.values().clone();
    values
        .entry("transmit".to_owned())
        .or_insert(FieldValue::Bool(true));
    Order::from_fields("order", &values).map_err(invalid)
}

/// The cancel attributes of a `const tws_record *order_cancel` (NULL: none).
fn order_cancel_arg(p: *const tws_record) -> Result<OrderCancel, Failure> {
    if p.is_null() {
        return Ok(OrderCancel::unset());
    }
    let rec = record_arg(p, "OrderCancel", "order_cancel")?;
    OrderCancel::from_fields("order_cancel", rec.values()).map_err(invalid)
}

/// The execution filter of a `const tws_record *filter` (NULL: every execution).
fn filter_arg(p: *const tws_record) -> Result<ExecutionFilter, Failure> {
    if p.is_null() {
        return Ok(ExecutionFilter::all());
    }
    let rec = record_arg(p, "ExecutionFilter", "filter")?;
    ExecutionFilter::from_fields("filter", rec.values()).map_err(invalid)
}

/// Creates an "Order" record in `*out` with the fields most orders need:
/// `action` ("BUY", "SELL"), `total_quantity` (exact decimal text: "100",
/// "0.5"), `order_type` ("MKT", "LMT", "STP", ...) and `lmt_price` (pass
/// `DBL_MAX` to leave it unset, as for a market order). Set more fields
/// with `tws_record_set_*` and `tws_record_append`, free it with
/// `tws_record_free`. An empty string leaves that field unset.
/// Errors: TWS_ERR_NULL_ARGUMENT; TWS_ERR_INVALID_UTF8;
/// TWS_ERR_INVALID_ARGUMENT for a quantity that is not a number.
#[no_mangle]
pub unsafe extern "C" fn tws_record_new_order(
    action: *const c_char,
    total_quantity: *const c_char,
    order_type: *const c_char,
    lmt_price: f64,
    out: *mut *mut tws_record,
) -> tws_result {
    boundary(
        || {},
        || {
            put(out, "out", std::ptr::null_mut())?;
            let fields = [
                (c"action", action, c_str(action, "action")?),
                (
                    c"total_quantity",
                    total_quantity,
                    c_str(total_quantity, "total_quantity")?,
                ),
                (c"order_type", order_type, c_str(order_type, "order_type")?),
            ];
            let mut rec: *mut tws_record = std::ptr::null_mut();
            // SAFETY: a static name and a valid out-pointer.
            let rc = unsafe { tws_record_new(c"Order".as_ptr(), &mut rec) };
            if rc != tws_result::TWS_OK {
                return Err(Failure::new(rc, "tws_record_new(\"Order\") failed"));
            }
            let fail = |rec: *mut tws_record, rc: tws_result, what: String| {
                // SAFETY: created above, freed once, never handed out.
                unsafe { tws_record_free(rec) };
                Err(Failure::new(rc, what))
            };
            for (name, ptr, text) in fields {
                if text.is_empty() {
                    continue;
                }
                // SAFETY: `rec` is the live record just created; `ptr` is the
                // caller's checked NUL-terminated string.
                let rc = unsafe { tws_record_set_string(rec, name.as_ptr(), ptr) };
                if rc != tws_result::TWS_OK {
                    return fail(rec, rc, format!("setting {name:?} failed"));
                }
            }
            // SAFETY: `rec` is the live record just created, a static field name.
            let rc = unsafe {
                super::record::tws_record_set_double(rec, c"lmt_price".as_ptr(), lmt_price)
            };
            if rc != tws_result::TWS_OK {
                return fail(rec, rc, "setting \"lmt_price\" failed".into());
            }
            put(out, "out", rec)?;
            Ok(tws_result::TWS_OK)
        },
    )
}

// ---- requests ----------------------------------------------------------------------

/// placeOrder of `order` on `contract` under the next order id, written to
/// `*out_order_id` (taken atomically: safe from any number of threads, never
/// an id handed out before; ids reach TWS in the order they are taken).
/// TWS answers with TWS_EVENT_OPEN_ORDER and TWS_EVENT_ORDER_STATUS events
/// for the id (`status`, `filled`, `remaining`, `avg_fill_price`), fills as
/// TWS_EVENT_EXEC_DETAILS (req_id -1) and their
/// TWS_EVENT_COMMISSION_AND_FEES_REPORT, refusals as TWS_EVENT_ERROR under
/// the id (201 rejected, 110 bad price increment, 103 duplicate id, ...).
/// Errors: TWS_ERR_NULL_ARGUMENT; TWS_ERR_NOT_CONNECTED while the link is
/// down (the id is not consumed); TWS_ERR_INVALID_ARGUMENT when `contract`
/// is not a "Contract" or `order` not an "Order" record;
/// TWS_ERR_NOT_SUPPORTED / TWS_ERR_INVALID_CHARACTER when the order cannot
/// travel at the negotiated version (nothing sent, id not consumed);
/// TWS_ERR_IO, TWS_ERR_CONNECTION_CLOSED. On failure `*out_order_id` is -1.
#[no_mangle]
pub unsafe extern "C" fn tws_client_place_order(
    client: *mut tws_client,
    contract: *const tws_record,
    order: *const tws_record,
    out_order_id: *mut i64,
) -> tws_result {
    with_client(client, |c| {
        put(out_order_id, "out_order_id", -1)?;
        let contract = contract_arg(contract)?;
        let order = order_arg(order)?;
        let id = c.inner.place_order(&contract, &order)?;
        put(out_order_id, "out_order_id", id)
    })
}

/// placeOrder under `order_id`: modifies the live order with that id (or
/// places one under an id of the caller's choosing; later ids from
/// `tws_client_place_order` are above it). Errors as
/// `tws_client_place_order`, and TWS_ERR_INVALID_ARGUMENT for an id out of
/// range.
#[no_mangle]
pub unsafe extern "C" fn tws_client_place_order_with_id(
    client: *mut tws_client,
    order_id: i64,
    contract: *const tws_record,
    order: *const tws_record,
) -> tws_result {
    with_client(client, |c| {
        let contract = contract_arg(contract)?;
        let order = order_arg(order)?;
        Ok(c.inner.place_order_with_id(order_id, &contract, &order)?)
    })
}

/// cancelOrder of `order_id`, with the attributes of `order_cancel` (an
/// "OrderCancel" record: `manual_order_cancel_time` from server 169,
/// `ext_operator` and `manual_order_indicator` from 192; NULL for none).
/// TWS answers with a TWS_EVENT_ORDER_STATUS "Cancelled" and error 202 (a
/// notice), or error 10147 (no such order), 10148 / 161 (not cancellable).
/// Errors as `tws_client_place_order_with_id`.
#[no_mangle]
pub unsafe extern "C" fn tws_client_cancel_order(
    client: *mut tws_client,
    order_id: i64,
    order_cancel: *const tws_record,
) -> tws_result {
    with_client(client, |c| {
        let cancel = order_cancel_arg(order_cancel)?;
        Ok(c.inner.cancel_order(order_id, Some(&cancel))?)
    })
}

/// reqGlobalCancel: cancels every open order of the account, whichever
/// client placed it. Errors: TWS_ERR_NULL_ARGUMENT, TWS_ERR_NOT_CONNECTED,
/// TWS_ERR_IO, TWS_ERR_CONNECTION_CLOSED.
#[no_mangle]
pub unsafe extern "C" fn tws_client_req_global_cancel(client: *mut tws_client) -> tws_result {
    with_client(client, |c| Ok(c.inner.req_global_cancel(None)?))
}

/// reqOpenOrders: this client's open orders as TWS_EVENT_OPEN_ORDER (and
/// TWS_EVENT_ORDER_STATUS) events, then TWS_EVENT_OPEN_ORDER_END.
#[no_mangle]
pub unsafe extern "C" fn tws_client_req_open_orders(client: *mut tws_client) -> tws_result {
    with_client(client, |c| Ok(c.inner.req_open_orders()?))
}

/// reqAllOpenOrders: the open orders of every client (and those placed in
/// TWS), then TWS_EVENT_OPEN_ORDER_END.
#[no_mangle]
pub unsafe extern "C" fn tws_client_req_all_open_orders(client: *mut tws_client) -> tws_result {
    with_client(client, |c| Ok(c.inner.req_all_open_orders()?))
}

/// reqAutoOpenOrders (client id 0 only): orders placed in TWS are bound to
/// this client when `auto_bind` and reported to it.
#[no_mangle]
pub unsafe extern "C" fn tws_client_req_auto_open_orders(
    client: *mut tws_client,
    auto_bind: bool,
) -> tws_result {
    with_client(client, |c| Ok(c.inner.req_auto_open_orders(auto_bind)?))
}

/// reqExecutions: the executions matching `filter` (an "ExecutionFilter"
/// record: `client_id`, `acct_code`, `time`, `symbol`, `sec_type`,
/// `exchange`, `side`, `last_n_days`, `specific_dates`; NULL for every
/// execution of the day) as TWS_EVENT_EXEC_DETAILS tagged `req_id`, each
/// followed by its TWS_EVENT_COMMISSION_AND_FEES_REPORT, then
/// TWS_EVENT_EXEC_DETAILS_END. Request ids as everywhere.
#[no_mangle]
pub unsafe extern "C" fn tws_client_req_executions(
    client: *mut tws_client,
    req_id: i32,
    filter: *const tws_record,
) -> tws_result {
    with_client(client, |c| {
        let filter = filter_arg(filter)?;
        Ok(c.inner.req_executions(req_id, &filter)?)
    })
}

/// reqCompletedOrders: today's filled and cancelled orders as
/// TWS_EVENT_COMPLETED_ORDER (API orders only when `api_only`), then
/// TWS_EVENT_COMPLETED_ORDERS_END.
#[no_mangle]
pub unsafe extern "C" fn tws_client_req_completed_orders(
    client: *mut tws_client,
    api_only: bool,
) -> tws_result {
    with_client(client, |c| Ok(c.inner.req_completed_orders(api_only)?))
}

// ---- blocking calls ------------------------------------------------------------

/// Blocking: this client's open orders (reqOpenOrders), up to openOrderEnd
/// (at most `timeout_ms`). On success `*out` holds one "OpenOrder" message
/// per order (`order_id`, `contract.symbol`, `order.action`,
/// `order.total_quantity`, `order_state.status`, ...). The openOrder
/// messages are also delivered as events as usual; only the end marker is
/// the call's. One call at a time per client (TWS_ERR_BUSY). Errors: as for
/// requests, plus TWS_ERR_TIMEOUT. On failure `*out` is NULL.
#[no_mangle]
pub unsafe extern "C" fn tws_client_open_orders(
    client: *mut tws_client,
    timeout_ms: u32,
    out: *mut *mut tws_messages,
) -> tws_result {
    blocking(client, out, |c| {
        let rows = c.inner.open_orders(ms(timeout_ms))?;
        Ok(rows.into_iter().map(Incoming::OpenOrder).collect())
    })
}

/// Blocking: the executions matching `filter` (NULL: every execution of the
/// day; reqExecutions under a reserved id), up to execDetailsEnd (at most
/// `timeout_ms`). On success `*out` holds per execution one "ExecDetails"
/// message (`contract.symbol`, `execution.exec_id`, `execution.shares`,
/// `execution.price`, `execution.order_id`, ...) followed, when TWS sent it
/// before the end, by its "CommissionAndFeesReport" (`exec_id`,
/// `commission_and_fees`, `currency`, `realized_pnl`). The executions are
/// not events; the commission reports are also delivered as events.
/// Errors: as for requests, plus TWS_ERR_TIMEOUT and TWS_ERR_REQUEST_FAILED.
#[no_mangle]
pub unsafe extern "C" fn tws_client_executions(
    client: *mut tws_client,
    filter: *const tws_record,
    timeout_ms: u32,
    out: *mut *mut tws_messages,
) -> tws_result {
    blocking(client, out, |c| {
        let filter = filter_arg(filter)?;
        let rows = c.inner.executions(&filter, ms(timeout_ms))?;
        let mut messages = Vec::with_capacity(rows.len() * 2);
        for row in rows {
            messages.push(Incoming::ExecDetails(ExecDetails {
                req_id: -1,
                contract: Box::new(row.contract),
                execution: Box::new(row.execution),
            }));
            if let Some(report) = row.commission {
                messages.push(Incoming::CommissionAndFeesReport(report));
            }
        }
        Ok(messages)
    })
}

/// Blocking: today's completed orders (reqCompletedOrders; API orders only
/// when `api_only`), up to completedOrdersEnd (at most `timeout_ms`). On
/// success `*out` holds one "CompletedOrder" message per order
/// (`contract.symbol`, `order.perm_id`, `order_state.status`,
/// `order_state.completed_time`, ...). Not events. One call at a time per
/// client (TWS_ERR_BUSY). Errors: as for requests, plus TWS_ERR_TIMEOUT.
#[no_mangle]
pub unsafe extern "C" fn tws_client_completed_orders(
    client: *mut tws_client,
    api_only: bool,
    timeout_ms: u32,
    out: *mut *mut tws_messages,
) -> tws_result {
    blocking(client, out, |c| {
        let rows = c.inner.completed_orders(api_only, ms(timeout_ms))?;
        Ok(rows.into_iter().map(Incoming::CompletedOrder).collect())
    })
}

/// Blocking: what-if. Places `order` on `contract` with `what_if` set under
/// a fresh order id and waits for TWS's answer (at most `timeout_ms`).
/// Nothing is traded. On success `*out` holds one "OpenOrder" message, the
/// answer: read the margin impact from `order_state.init_margin_before`,
/// `order_state.init_margin_change`, `order_state.init_margin_after`, the
/// `maint_margin_*` and `equity_with_loan_*` fields and the commission
/// estimate `order_state.commission_and_fees`. Not an event. Errors: as for
/// `tws_client_place_order`, plus TWS_ERR_TIMEOUT and
/// TWS_ERR_REQUEST_FAILED (TWS refused the order: `tws_last_tws_error_code`
/// gives its code, such as 201 or 110).
#[no_mangle]
pub unsafe extern "C" fn tws_client_what_if(
    client: *mut tws_client,
    contract: *const tws_record,
    order: *const tws_record,
    timeout_ms: u32,
    out: *mut *mut tws_messages,
) -> tws_result {
    blocking(client, out, |c| {
        let contract = contract_arg(contract)?;
        let order = order_arg(order)?;
        let answer = c.inner.what_if_order(&contract, &order, ms(timeout_ms))?;
        Ok(vec![Incoming::OpenOrder(answer)])
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::field_values::FieldValues;

    #[test]
    fn an_order_record_left_unset_is_ibs_unset_order() {
        let mut values = FieldValues::new();
        values.insert("transmit".into(), FieldValue::Bool(true));
        assert_eq!(
            Order::from_fields("order", &values).unwrap(),
            Order::unset()
        );
    }
}
