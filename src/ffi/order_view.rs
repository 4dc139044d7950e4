//! The order view in C: `tws_order_view` (caller-allocated) per order id,
//! the order's executions and commissions and its latest openOrder as
//! `tws_messages`, the order ids, what the last reconciliation recovered,
//! and the view's capacity option.

use std::ffi::c_char;

use crate::client::{OrderView, Reconciliation};
use crate::protocol::Incoming;

use super::instruments::{messages_handle, tws_messages};
use super::result::{tws_result, Failure};
use super::{put, tws_client, tws_options, with_client, with_options};

/// The room for a status or an exact decimal in `tws_order_view`, NUL included.
pub const TWS_ORDER_TEXT_LEN: usize = 48;

/// What the client knows of one of its orders (`tws_client_order`). The
/// caller allocates it; libtws fills all of it. A value is present when its
/// `has_` flag is true (absent reads as 0 / ""). Quantities are the exact
/// decimal text TWS sent ("100", "0.5"); a text longer than
/// TWS_ORDER_TEXT_LEN - 1 bytes (no real status or decimal is) reads as
/// empty. The contract, the order and the order state (status, commissions,
/// margins) are in the order's latest openOrder: `tws_client_order_open_order`;
/// its executions and commissions: `tws_client_order_executions`. Its
/// layout is fixed within ABI 1 (callers allocate it).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct tws_order_view {
    /// The API order id (0 for an order placed in TWS itself).
    pub order_id: i64,
    /// The API client that placed it.
    pub client_id: i32,
    /// TWS's permanent id (0 until known).
    pub perm_id: i64,
    /// The parent order's id (0 none).
    pub parent_id: i64,
    /// The last status ("Submitted", "Filled", "Cancelled", ...; "" before any).
    pub status: [c_char; TWS_ORDER_TEXT_LEN],
    /// True once the status is Filled, Cancelled, ApiCancelled or Inactive.
    pub finished: bool,
    pub filled: [c_char; TWS_ORDER_TEXT_LEN],
    pub has_filled: bool,
    pub remaining: [c_char; TWS_ORDER_TEXT_LEN],
    pub has_remaining: bool,
    pub avg_fill_price: f64,
    pub has_avg_fill_price: bool,
    pub last_fill_price: f64,
    pub has_last_fill_price: bool,
    /// "locate" while TWS locates shares to short, else "".
    pub why_held: [c_char; TWS_ORDER_TEXT_LEN],
    /// True once an openOrder for it came (`tws_client_order_open_order`).
    pub has_open_order: bool,
    /// Its executions (each exec id once).
    pub executions: u32,
    /// How many of them have their commission report.
    pub commissions: u32,
    /// The sum of those commissions (commission_and_fees), in their currency.
    pub commission_total: f64,
    /// Messages folded in so far: two reads with the same value saw the same view.
    pub updated_at: u64,
}

/// What the latest order reconciliation recovered
/// (`tws_client_last_reconciliation`; its `TWS_STATE_RECONCILED` event's
/// `reason` says the same in words). Caller-allocated; fixed within ABI 1.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct tws_reconciliation {
    /// 0 after a reconnect, 1 after TWS's 1101 (connectivity restored, data lost).
    pub cause: i32,
    /// The execution filter's start: the loss minus a margin, "yyyymmdd-hh:mm:ss" UTC.
    pub since: [c_char; TWS_ORDER_TEXT_LEN],
    /// Open orders TWS listed.
    pub open_orders: u32,
    /// Executions that happened meanwhile, delivered once each as execDetails events.
    pub new_fills: u32,
    /// Orders whose status changed.
    pub changed_orders: u32,
}

fn text(value: &str) -> [c_char; TWS_ORDER_TEXT_LEN] {
    let mut out = [0 as c_char; TWS_ORDER_TEXT_LEN];
    if value.len() < TWS_ORDER_TEXT_LEN && !value.contains('\0') {
        for (o, b) in out.iter_mut().zip(value.bytes()) {
            *o = b as c_char;
        }
    }
    out
}

fn opt_text(value: &Option<String>) -> ([c_char; TWS_ORDER_TEXT_LEN], bool) {
    match value {
        Some(s) if s.len() < TWS_ORDER_TEXT_LEN => (text(s), true),
        _ => (text(""), false),
    }
}

fn view(v: &OrderView) -> tws_order_view {
    let (filled, has_filled) = opt_text(&v.filled);
    let (remaining, has_remaining) = opt_text(&v.remaining);
    let commissions: Vec<f64> = v
        .fills
        .iter()
        .filter_map(|f| f.commission.as_ref().map(|c| c.commission_and_fees))
        .collect();
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    tws_order_view {
        order_id: v.order_id,
        client_id: v.client_id,
        perm_id: v.perm_id,
        parent_id: v.parent_id,
        status: text(&v.status),
        finished: v.is_finished(),
        filled,
        has_filled,
        remaining,
        has_remaining,
        avg_fill_price: v.avg_fill_price.unwrap_or(0.0),
        has_avg_fill_price: v.avg_fill_price.is_some(),
        last_fill_price: v.last_fill_price.unwrap_or(0.0),
        has_last_fill_price: v.last_fill_price.is_some(),
        why_held: text(&v.why_held),
        has_open_order: v.order.is_some(),
        executions: count(v.fills.len()),
        commissions: count(commissions.len()),
        commission_total: commissions.iter().sum(),
        updated_at: v.updated_at,
    }
}

fn not_found(order_id: i64) -> Failure {
    Failure::new(
        tws_result::TWS_NOT_FOUND,
        format!("order {order_id} is not in the order view"),
    )
}

/// Writes what the client knows of its order `order_id` to `*out`: the
/// last status, filled and remaining quantity, prices, ids, and how many
/// executions and commissions it has. The reader thread updates the view
/// before each order event (orderStatus, openOrder, execDetails,
/// commissionAndFeesReport) is queued, so it is current whether or not the
/// events are drained. Any thread, any time. Returns TWS_NOT_FOUND (a
/// status, not a failure; `*out` unchanged) for an order id the view does
/// not hold: never heard of on this client, placed by another client id,
/// or finished and evicted (`tws_options_set_order_view_capacity`).
/// Errors: TWS_ERR_NULL_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn tws_client_order(
    client: *mut tws_client,
    order_id: i64,
    out: *mut tws_order_view,
) -> tws_result {
    with_client(client, |c| {
        if out.is_null() {
            return Err(Failure::null("out"));
        }
        let v = c.inner.order(order_id).ok_or_else(|| not_found(order_id))?;
        put(out, "out", view(&v))
    })
}

/// The executions of order `order_id` in `*out` (free it with
/// `tws_messages_free`): one "ExecDetails" message per execution, in
/// arrival order, each followed by its "CommissionAndFeesReport" once TWS
/// sent it. Read them with the event accessors (`execution.exec_id`,
/// `execution.time`, `execution.shares`, `execution.price`,
/// `execution.cum_qty`, `execution.avg_price`, `execution.exchange`,
/// `execution.side`; `commission_and_fees`, `currency`, `realized_pnl`).
/// `*out` is NULL unless TWS_OK. Returns TWS_NOT_FOUND for an order the
/// view does not hold. Errors: TWS_ERR_NULL_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn tws_client_order_executions(
    client: *mut tws_client,
    order_id: i64,
    out: *mut *mut tws_messages,
) -> tws_result {
    with_client(client, |c| {
        put(out, "out", std::ptr::null_mut())?;
        let v = c.inner.order(order_id).ok_or_else(|| not_found(order_id))?;
        let mut rows = Vec::with_capacity(v.fills.len() * 2);
        for f in v.fills {
            rows.push(Incoming::ExecDetails(f.details));
            if let Some(report) = f.commission {
                rows.push(Incoming::CommissionAndFeesReport(report));
            }
        }
        let version = c.inner.server_version().unwrap_or(0);
        put(out, "out", messages_handle(rows, version))
    })
}

/// The latest openOrder of order `order_id` in `*out` (one "OpenOrder"
/// message; free it with `tws_messages_free`): its contract (`contract.*`),
/// order (`order.*`: action, total_quantity, order_type, lmt_price, ...)
/// and order state (`order_state.status`, `order_state.commission_and_fees`,
/// the margin fields). `*out` is NULL unless TWS_OK. Returns TWS_NOT_FOUND
/// when the view holds no openOrder for it. Errors: TWS_ERR_NULL_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn tws_client_order_open_order(
    client: *mut tws_client,
    order_id: i64,
    out: *mut *mut tws_messages,
) -> tws_result {
    with_client(client, |c| {
        put(out, "out", std::ptr::null_mut())?;
        let v = c.inner.order(order_id).ok_or_else(|| not_found(order_id))?;
        let (Some(contract), Some(order), Some(order_state)) = (v.contract, v.order, v.order_state)
        else {
            return Err(not_found(order_id));
        };
        let msg = Incoming::OpenOrder(crate::protocol::orders::OpenOrder {
            order_id: i32::try_from(v.order_id).unwrap_or(0),
            contract: Box::new(contract),
            order: Box::new(order),
            order_state: Box::new(order_state),
        });
        let version = c.inner.server_version().unwrap_or(0);
        put(out, "out", messages_handle(vec![msg], version))
    })
}

/// The order ids of this client's orders in the view, ascending: up to
/// `capacity` of them are written to `ids` (which may be NULL when
/// `capacity` is 0), and `*count` is set to how many there are in all (call
/// again with a larger array when it exceeds `capacity`).
/// Errors: TWS_ERR_NULL_ARGUMENT (`count`, or `ids` with a `capacity`).
#[no_mangle]
pub unsafe extern "C" fn tws_client_order_ids(
    client: *mut tws_client,
    ids: *mut i64,
    capacity: usize,
    count: *mut usize,
) -> tws_result {
    with_client(client, |c| {
        if count.is_null() {
            return Err(Failure::null("count"));
        }
        if ids.is_null() && capacity > 0 {
            return Err(Failure::null("ids"));
        }
        let all = c.inner.order_ids();
        for (i, id) in all.iter().take(capacity).enumerate() {
            // SAFETY: `ids` is non-NULL (checked above, as capacity > 0) and
            // by the documented contract valid for `capacity` writes; i < capacity.
            unsafe { ids.add(i).write(*id) };
        }
        put(count, "count", all.len())
    })
}

fn reconciliation(r: &Reconciliation) -> tws_reconciliation {
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    tws_reconciliation {
        cause: i32::from(r.cause != "reconnect"),
        since: text(&r.since),
        open_orders: r.open_orders,
        new_fills: r.new_fills,
        changed_orders: count(r.changed_orders.len()),
    }
}

/// Writes what the latest completed order reconciliation (after a reconnect
/// or a 1101) recovered to `*out`. Returns TWS_NOT_FOUND (`*out`
/// unchanged) before the first. Errors: TWS_ERR_NULL_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn tws_client_last_reconciliation(
    client: *mut tws_client,
    out: *mut tws_reconciliation,
) -> tws_result {
    with_client(client, |c| {
        if out.is_null() {
            return Err(Failure::null("out"));
        }
        let r = c.inner.last_reconciliation().ok_or_else(|| {
            Failure::new(
                tws_result::TWS_NOT_FOUND,
                "no order reconciliation has completed yet",
            )
        })?;
        put(out, "out", reconciliation(&r))
    })
}

/// Sets how many finished orders (Filled, Cancelled, ApiCancelled,
/// Inactive) the order view keeps (default 10000); beyond it the one
/// finished longest ago is evicted with its executions. Open orders are
/// always kept. An evicted order's exec ids are forgotten too, so keep it
/// above the number of orders that finish between a lost connection and
/// its reconciliation. Errors: TWS_ERR_NULL_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn tws_options_set_order_view_capacity(
    options: *mut tws_options,
    capacity: u32,
) -> tws_result {
    with_options(options, |o| {
        o.order_view_capacity = capacity as usize;
        Ok(())
    })
}
