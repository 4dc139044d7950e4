//! The wire side of the simulator's orders: a placeOrder as the matching
//! engine's [`OrderRequest`], and the engine's events, views and executions
//! as the messages TWS sends (openOrder, orderStatus, execDetails,
//! commissionAndFeesReport, completedOrder, errors). Version-independent:
//! the session encodes them at its server version.

use crate::protocol::contract::Contract;
use crate::protocol::executions::{
    CommissionAndFeesReport, ExecDetails, Execution as WireExecution, ExecutionFilter,
};
use crate::protocol::orders::{CompletedOrder, OpenOrder, Order, OrderState, OrderStatus};
use crate::protocol::Incoming;

use super::instruments::{Instrument, Instruments, Unresolved};
use super::market_replies::{contract, query};
use super::matching::{
    code, Action, CommissionReport, ExecFilter, Execution, OrderRequest, OrderType, OrderView, Qty,
    StatusUpdate, Tif, WhatIf,
};

/// An order type the engine does not work (TWS's code and wording).
pub const UNSUPPORTED_ORDER_TYPE: i32 = 387;
/// A request whose fields do not validate (here: a bad execution filter).
pub const VALIDATION_ERROR: i32 = 321;

/// The text of error 200 for a contract the simulator does not know.
const NO_SECURITY_DEFINITION: &str = "No security definition has been found for the request";

/// An error message for an order id (or request id), stamped now.
pub fn error(id: i32, code: i32, message: &str) -> Incoming {
    super::market_replies::error(id, code, message)
}

/// The instrument a placeOrder's contract names, or error 200.
pub fn resolve(
    instruments: &Instruments,
    order_id: i32,
    c: &Contract,
) -> Result<usize, Box<Incoming>> {
    instruments.resolve(&query(c)).map_err(|why| {
        Box::new(match why {
            Unresolved::Unknown => error(order_id, code::UNKNOWN_CONTRACT, NO_SECURITY_DEFINITION),
            Unresolved::Ambiguous => error(
                order_id,
                code::UNKNOWN_CONTRACT,
                &format!(
                    "The contract description specified for {} is ambiguous.",
                    c.symbol
                ),
            ),
        })
    })
}

/// A price the wire leaves unset (`f64::MAX`) as `None`.
fn price(p: f64) -> Option<f64> {
    (p != f64::MAX).then_some(p)
}

fn rejected(order_id: i32, reason: &str) -> Box<Incoming> {
    Box::new(error(
        order_id,
        code::REJECTED,
        &format!("Order rejected - reason:{reason}"),
    ))
}

/// A wire order for the instrument `con_id` as the engine takes it, or the
/// error TWS answers with.
pub fn order_request(
    client_id: i32,
    order_id: i32,
    con_id: i32,
    exchange: &str,
    o: &Order,
) -> Result<OrderRequest, Box<Incoming>> {
    let action = Action::parse(&o.action)
        .ok_or_else(|| rejected(order_id, &format!("Invalid action {:?}", o.action)))?;
    let order_type = OrderType::parse(&o.order_type).ok_or_else(|| {
        Box::new(error(
            order_id,
            UNSUPPORTED_ORDER_TYPE,
            "Unsupported order type for this exchange and security type.",
        ))
    })?;
    let tif = Tif::parse(&o.tif)
        .ok_or_else(|| rejected(order_id, &format!("Unsupported time in force {:?}", o.tif)))?;
    let total_quantity = match o.total_quantity.trim() {
        "" => Qty::ZERO,
        text => Qty::parse(text).map_err(|e| rejected(order_id, &e.to_string()))?,
    };
    Ok(OrderRequest {
        order_id,
        client_id,
        account: o.account.clone(),
        con_id,
        action,
        total_quantity,
        order_type,
        limit_price: price(o.lmt_price),
        aux_price: price(o.aux_price),
        trailing_percent: price(o.trailing_percent),
        tif,
        outside_rth: o.outside_rth,
        transmit: o.transmit,
        parent_id: o.parent_id,
        oca_group: o.oca_group.clone(),
        what_if: o.what_if,
        exchange: exchange.to_owned(),
        order_ref: o.order_ref.clone(),
    })
}

/// The wire order of a view: the order as the client placed it (`placed`,
/// or IB's unset order) with the engine's ids, quantities and prices.
fn wire_order(view: &OrderView, placed: Option<&Order>) -> Order {
    let r = &view.request;
    let mut o = placed.cloned().unwrap_or_else(Order::unset);
    o.order_id = r.order_id;
    o.client_id = r.client_id;
    o.perm_id = i64::from(view.perm_id);
    o.parent_id = r.parent_id;
    o.action = r.action.as_str().to_owned();
    o.total_quantity = r.total_quantity.to_string();
    o.order_type = r.order_type.as_str().to_owned();
    o.lmt_price = r.limit_price.unwrap_or(f64::MAX);
    o.aux_price = r.aux_price.unwrap_or(f64::MAX);
    o.tif = r.tif.as_str().to_owned();
    o.account = r.account.clone();
    o.oca_group = r.oca_group.clone();
    o.order_ref = r.order_ref.clone();
    o.outside_rth = r.outside_rth;
    o.transmit = r.transmit;
    o.what_if = r.what_if;
    o.trail_stop_price = view.trail_stop_price.unwrap_or(f64::MAX);
    o
}

/// An order state with IB's unset values and `status`.
fn state(status: &str) -> OrderState {
    OrderState {
        status: status.to_owned(),
        commission_and_fees: f64::MAX,
        min_commission_and_fees: f64::MAX,
        max_commission_and_fees: f64::MAX,
        init_margin_before_outside_rth: f64::MAX,
        maint_margin_before_outside_rth: f64::MAX,
        equity_with_loan_before_outside_rth: f64::MAX,
        init_margin_change_outside_rth: f64::MAX,
        maint_margin_change_outside_rth: f64::MAX,
        equity_with_loan_change_outside_rth: f64::MAX,
        init_margin_after_outside_rth: f64::MAX,
        maint_margin_after_outside_rth: f64::MAX,
        equity_with_loan_after_outside_rth: f64::MAX,
        ..OrderState::default()
    }
}

/// The state of a live or finished order: its commission once it filled.
fn view_state(view: &OrderView) -> OrderState {
    let mut s = state(view.status.as_str());
    if view.filled.is_positive() {
        s.commission_and_fees = view.commission;
        s.commission_and_fees_currency = view.commission_currency.clone();
    }
    s
}

/// The contract of a reply on the exchange the order was placed on.
fn order_contract(inst: &Instrument, view: &OrderView) -> Box<Contract> {
    Box::new(contract(inst, &view.request.exchange))
}

/// openOrder for a view.
pub fn open_order(inst: &Instrument, view: &OrderView, placed: Option<&Order>) -> Incoming {
    Incoming::OpenOrder(OpenOrder {
        order_id: view.request.order_id,
        contract: order_contract(inst, view),
        order: Box::new(wire_order(view, placed)),
        order_state: Box::new(view_state(view)),
    })
}

/// The answer to a what-if order: openOrder whose state carries the margins.
pub fn what_if(
    inst: &Instrument,
    view: &OrderView,
    w: &WhatIf,
    placed: Option<&Order>,
) -> Incoming {
    let money = |x: f64| x.to_string();
    let mut s = state(view.status.as_str());
    s.init_margin_before = money(w.init_margin_before);
    s.maint_margin_before = money(w.maint_margin_before);
    s.equity_with_loan_before = money(w.equity_with_loan_before);
    s.init_margin_change = money(w.init_margin_change);
    s.maint_margin_change = money(w.maint_margin_change);
    s.equity_with_loan_change = money(w.equity_with_loan_change);
    s.init_margin_after = money(w.init_margin_after);
    s.maint_margin_after = money(w.maint_margin_after);
    s.equity_with_loan_after = money(w.equity_with_loan_after);
    s.commission_and_fees = w.commission;
    s.min_commission_and_fees = w.min_commission;
    s.max_commission_and_fees = w.max_commission;
    s.commission_and_fees_currency = w.commission_currency.clone();
    s.margin_currency = "USD".to_owned();
    s.warning_text = w.warning_text.clone();
    Incoming::OpenOrder(OpenOrder {
        order_id: view.request.order_id,
        contract: order_contract(inst, view),
        order: Box::new(wire_order(view, placed)),
        order_state: Box::new(s),
    })
}

/// completedOrder for a finished view.
pub fn completed_order(inst: &Instrument, view: &OrderView, placed: Option<&Order>) -> Incoming {
    let mut order = wire_order(view, placed);
    order.filled_quantity = view.filled.to_string();
    let mut s = view_state(view);
    s.completed_time = view.completed_time.clone();
    s.completed_status = view.completed_status.clone();
    Incoming::CompletedOrder(CompletedOrder {
        contract: order_contract(inst, view),
        order: Box::new(order),
        order_state: Box::new(s),
    })
}

/// orderStatus.
pub fn order_status(s: &StatusUpdate) -> Incoming {
    Incoming::OrderStatus(OrderStatus {
        order_id: s.order_id,
        status: s.status.as_str().to_owned(),
        filled: s.filled.to_string(),
        remaining: s.remaining.to_string(),
        avg_fill_price: s.avg_fill_price,
        perm_id: i64::from(s.perm_id),
        parent_id: s.parent_id,
        last_fill_price: s.last_fill_price,
        client_id: s.client_id,
        why_held: s.why_held.clone(),
        mkt_cap_price: 0.0,
    })
}

/// execDetails (`req_id` -1 when unsolicited).
pub fn exec_details(req_id: i32, inst: &Instrument, x: &Execution) -> Incoming {
    Incoming::ExecDetails(ExecDetails {
        req_id,
        contract: Box::new(contract(inst, &x.exchange)),
        execution: Box::new(WireExecution {
            order_id: x.order_id,
            exec_id: x.exec_id.clone(),
            time: x.time.clone(),
            acct_number: x.account.clone(),
            exchange: x.exchange.clone(),
            side: x.side.as_str().to_owned(),
            shares: x.shares.to_string(),
            price: x.price,
            perm_id: i64::from(x.perm_id),
            client_id: x.client_id,
            liquidation: false,
            cum_qty: x.cum_qty.to_string(),
            avg_price: x.avg_price,
            order_ref: x.order_ref.clone(),
            ev_rule: String::new(),
            ev_multiplier: 0.0,
            model_code: String::new(),
            last_liquidity: x.liquidity as i32,
            pending_price_revision: false,
            submitter: String::new(),
            opt_exercise_or_lapse_type: -1,
        }),
    })
}

/// commissionAndFeesReport.
pub fn commission(r: &CommissionReport) -> Incoming {
    Incoming::CommissionAndFeesReport(CommissionAndFeesReport {
        exec_id: r.exec_id.clone(),
        commission_and_fees: r.commission,
        currency: r.currency.clone(),
        realized_pnl: r.realized_pnl.unwrap_or(f64::MAX),
        bond_yield: f64::MAX,
        yield_redemption_date: 0,
    })
}

/// reqExecutions' filter as the engine's (the day's executions only: the
/// last-days and specific-dates fields select nothing older).
pub fn exec_filter(f: &ExecutionFilter) -> ExecFilter {
    ExecFilter {
        client_id: f.client_id,
        account: f.acct_code.clone(),
        time: f.time.clone(),
        symbol: f.symbol.clone(),
        sec_type: f.sec_type.clone(),
        exchange: f.exchange.clone(),
        side: f.side.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::instruments::{Date, AAPL_CON_ID};

    fn aapl() -> Instrument {
        let all = Instruments::build(Date {
            year: 2026,
            month: 12,
            day: 1,
        });
        all.get(all.index_of(AAPL_CON_ID).unwrap()).clone()
    }

    fn wire(action: &str, qty: &str, order_type: &str, lmt: f64) -> Order {
        Order {
            action: action.into(),
            total_quantity: qty.into(),
            order_type: order_type.into(),
            lmt_price: lmt,
            ..Order::unset()
        }
    }

    fn code_of(m: &Incoming) -> i32 {
        match m {
            Incoming::Error(e) => e.code,
            other => panic!("not an error: {other:?}"),
        }
    }

    #[test]
    fn a_wire_order_becomes_an_engine_request() {
        let o = Order {
            tif: "GTC".into(),
            order_ref: "mine".into(),
            ..wire("buy", "100.5", "LMT", 189.5)
        };
        let r = order_request(3, 12, AAPL_CON_ID, "SMART", &o).unwrap();
        assert_eq!((r.client_id, r.order_id, r.con_id), (3, 12, AAPL_CON_ID));
        assert_eq!(r.action, Action::Buy);
        assert_eq!(r.total_quantity, Qty::parse("100.5").unwrap());
        assert_eq!(r.order_type, OrderType::Limit);
        assert_eq!((r.limit_price, r.aux_price), (Some(189.5), None));
        assert_eq!(r.tif, Tif::Gtc);
        assert_eq!(r.order_ref, "mine");
        assert!(r.transmit);
    }

    #[test]
    fn what_the_engine_cannot_take_is_refused_with_tws_codes() {
        let bad_type = wire("BUY", "1", "REL", f64::MAX);
        let e = order_request(0, 1, AAPL_CON_ID, "", &bad_type).unwrap_err();
        assert_eq!(code_of(&e), UNSUPPORTED_ORDER_TYPE);
        let bad_action = wire("HOLD", "1", "MKT", f64::MAX);
        let e = order_request(0, 1, AAPL_CON_ID, "", &bad_action).unwrap_err();
        assert_eq!(code_of(&e), code::REJECTED);
        let empty = wire("BUY", "", "MKT", f64::MAX);
        let r = order_request(0, 1, AAPL_CON_ID, "", &empty).unwrap();
        assert!(r.total_quantity.is_zero(), "the engine answers 434");
    }

    #[test]
    fn open_order_echoes_the_placed_order_with_the_engine_fields() {
        let placed = Order {
            algo_strategy: "Adaptive".into(),
            ..wire("BUY", "10", "LMT", 189.5)
        };
        let mut req = order_request(2, 7, AAPL_CON_ID, "SMART", &placed).unwrap();
        req.account = "DU123456".into();
        let view = OrderView {
            request: req,
            perm_id: 1_100_000_001,
            status: super::super::matching::Status::Filled,
            filled: Qty::whole(10),
            remaining: Qty::ZERO,
            avg_fill_price: 189.5,
            last_fill_price: 189.5,
            why_held: String::new(),
            commission: 1.25,
            commission_currency: "USD".into(),
            trail_stop_price: None,
            placed_ms: 0,
            completed_time: "20261201 10:00:00 US/Eastern".into(),
            completed_status: "Filled".into(),
        };
        let Incoming::OpenOrder(o) = open_order(&aapl(), &view, Some(&placed)) else {
            panic!("not an openOrder");
        };
        assert_eq!((o.order_id, o.contract.con_id), (7, AAPL_CON_ID));
        assert_eq!(o.order.algo_strategy, "Adaptive", "the placed fields stay");
        assert_eq!((o.order.perm_id, o.order.client_id), (1_100_000_001, 2));
        assert_eq!(o.order.account, "DU123456");
        assert_eq!(o.order_state.status, "Filled");
        assert_eq!(o.order_state.commission_and_fees, 1.25);
        let Incoming::CompletedOrder(c) = completed_order(&aapl(), &view, Some(&placed)) else {
            panic!("not a completedOrder");
        };
        assert_eq!(c.order.filled_quantity, "10");
        assert_eq!(c.order_state.completed_status, "Filled");
    }
}
