//! The matching engine against scripted quotes (exact crossings) and
//! against the simulator's seeded market (determinism).

use std::collections::{BTreeMap, BTreeSet};

use super::*;
use crate::sim::instruments::{
    Date, Instruments, AAPL_CON_ID, ES_INDEX_CON_ID, EURUSD_CON_ID, MSFT_CON_ID,
};
use crate::sim::market::MarketConfig;

/// 2026-12-01 (a Tuesday) 15:00:00 UTC: 10:00 in New York, in the session.
const T0: i64 = 1_796_137_200_000;

/// Quotes a test sets by hand.
struct Scripted {
    instruments: Instruments,
    quotes: BTreeMap<i32, Quote>,
    time_ms: i64,
}

fn blank_quote() -> Quote {
    Quote {
        mid: 0.0,
        bid: 0.0,
        ask: 0.0,
        bid_size: 0.0,
        ask_size: 0.0,
        last: 0.0,
        last_size: 0.0,
        last_time_ms: 0,
        volume: 0.0,
        high: 0.0,
        low: 0.0,
        open: 0.0,
        close: 0.0,
        trade_count: 0,
        turnover: 0.0,
        model_vol: 0.0,
        under_price: 0.0,
    }
}

impl Scripted {
    fn new() -> Scripted {
        let mut s = Scripted {
            instruments: Instruments::build(Date::from_unix_secs(T0 / 1000)),
            quotes: BTreeMap::new(),
            time_ms: T0,
        };
        s.set(AAPL_CON_ID, 189.99, 190.01, 1000.0);
        s.set(MSFT_CON_ID, 415.10, 415.20, 1000.0);
        s
    }

    fn set(&mut self, con_id: i32, bid: f64, ask: f64, size: f64) {
        let q = self.quotes.entry(con_id).or_insert_with(blank_quote);
        q.bid = bid;
        q.ask = ask;
        q.mid = (bid + ask) / 2.0;
        q.bid_size = size;
        q.ask_size = size;
    }

    fn advance(&mut self, ms: i64) {
        self.time_ms += ms;
    }
}

impl Venue for Scripted {
    fn instrument(&self, con_id: i32) -> Option<&Instrument> {
        self.instruments
            .index_of(con_id)
            .map(|n| self.instruments.get(n))
    }

    fn quote(&self, con_id: i32) -> Option<&Quote> {
        self.quotes.get(&con_id)
    }

    fn time_ms(&self) -> i64 {
        self.time_ms
    }
}

fn engine() -> Engine {
    Engine::new(EngineConfig {
        partial_fill_chance: 0.0,
        ..EngineConfig::default()
    })
}

fn q(text: &str) -> Qty {
    Qty::parse(text).unwrap()
}

fn order(id: i32, action: Action, qty: &str, t: OrderType) -> OrderRequest {
    OrderRequest::new(id, AAPL_CON_ID, action, q(qty), t)
}

fn limit(id: i32, action: Action, qty: &str, price: f64) -> OrderRequest {
    OrderRequest {
        limit_price: Some(price),
        ..order(id, action, qty, OrderType::Limit)
    }
}

fn statuses(events: &[Event]) -> Vec<(i32, Status)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Status(s) => Some((s.order_id, s.status)),
            _ => None,
        })
        .collect()
}

fn last_status(events: &[Event], order_id: i32) -> Option<StatusUpdate> {
    events.iter().rev().find_map(|e| match e {
        Event::Status(s) if s.order_id == order_id => Some(s.clone()),
        _ => None,
    })
}

fn execs(events: &[Event]) -> Vec<Execution> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Execution(x) => Some(x.clone()),
            _ => None,
        })
        .collect()
}

fn commissions(events: &[Event]) -> Vec<CommissionReport> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Commission { report, .. } => Some(report.clone()),
            _ => None,
        })
        .collect()
}

fn errors(events: &[Event]) -> Vec<(i32, i32, String)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Error {
                order_id,
                code,
                message,
                ..
            } => Some((*order_id, *code, message.clone())),
            _ => None,
        })
        .collect()
}

fn run_steps(e: &mut Engine, v: &mut Scripted, n: usize) -> Vec<Event> {
    let mut all = Vec::new();
    for _ in 0..n {
        v.advance(250);
        all.extend(e.on_step(v));
    }
    all
}

fn exec_id_shape(id: &str) -> bool {
    let parts: Vec<&str> = id.split('.').collect();
    parts.len() == 4
        && parts[0].len() == 8
        && parts[1].len() == 8
        && parts[2].len() == 2
        && parts[3] == "01"
        && parts
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_hexdigit()))
}

// ---- market orders ----------------------------------------------------------

#[test]
fn a_market_order_fills_at_the_ask_with_an_execution_and_a_commission() {
    let mut v = Scripted::new();
    let mut e = engine();
    let ev = e.place(&v, order(5, Action::Buy, "100", OrderType::Market));
    assert_eq!(
        statuses(&ev),
        vec![
            (5, Status::PreSubmitted),
            (5, Status::Submitted),
            (5, Status::Filled)
        ]
    );
    let x = &execs(&ev)[0];
    assert_eq!((x.price, x.shares, x.cum_qty), (190.01, q("100"), q("100")));
    assert_eq!(x.side, Side::Bought);
    assert_eq!(x.side.as_str(), "BOT");
    assert_eq!(x.account, "DU123456");
    assert_eq!(x.exchange, "NASDAQ");
    assert_eq!(x.liquidity, Liquidity::Removed);
    assert_eq!(x.time, "20261201 10:00:00 US/Eastern");
    assert!(exec_id_shape(&x.exec_id), "{}", x.exec_id);
    assert_eq!(
        u32::from_str_radix(x.exec_id.split('.').nth(1).unwrap(), 16).unwrap(),
        x.perm_id as u32
    );
    let done = last_status(&ev, 5).unwrap();
    assert_eq!((done.filled, done.remaining), (q("100"), Qty::ZERO));
    assert_eq!(done.avg_fill_price, 190.01);
    assert_eq!(done.last_fill_price, 190.01);
    assert!(done.perm_id > 0);
    let c = &commissions(&ev)[0];
    assert_eq!(c.exec_id, x.exec_id);
    assert_eq!(c.currency, "USD");
    // 0.35 minimum + clearing 0.02 + exchange 0.30.
    assert!((c.commission - 0.67).abs() < 1e-9, "{}", c.commission);
    assert_eq!(c.realized_pnl, None);
    assert!(ev
        .iter()
        .any(|x| matches!(x, Event::Open(o) if o.status == Status::Filled)));
    let p = e.position("DU123456", AAPL_CON_ID).unwrap();
    assert_eq!(p.quantity, q("100"));
    assert!((p.avg_cost - (19_001.0 + 0.67) / 100.0).abs() < 1e-9);
    // Nothing further happens on steps.
    assert!(run_steps(&mut e, &mut v, 3).is_empty());
}

#[test]
fn a_market_order_larger_than_the_displayed_size_fills_in_parts_across_steps() {
    let mut v = Scripted::new();
    v.set(AAPL_CON_ID, 189.99, 190.01, 100.0);
    let mut e = engine();
    let ev = e.place(&v, order(1, Action::Buy, "250", OrderType::Market));
    let s = last_status(&ev, 1).unwrap();
    assert_eq!(
        (s.status, s.filled, s.remaining),
        (Status::Submitted, q("100"), q("150"))
    );
    v.set(AAPL_CON_ID, 190.01, 190.03, 100.0);
    let ev = run_steps(&mut e, &mut v, 1);
    let s = last_status(&ev, 1).unwrap();
    assert_eq!((s.filled, s.remaining), (q("200"), q("50")));
    let ev = run_steps(&mut e, &mut v, 1);
    let s = last_status(&ev, 1).unwrap();
    assert_eq!((s.status, s.filled), (Status::Filled, q("250")));
    let x = execs(&ev);
    assert_eq!((x[0].shares, x[0].cum_qty), (q("50"), q("250")));
    assert!((x[0].avg_price - (100.0 * 190.01 + 150.0 * 190.03) / 250.0).abs() < 1e-9);
    // The order's minimum commission is charged once: later parts pay per share.
    let all = e.executions(Viewer::all(), &ExecFilter::default()).unwrap();
    assert_eq!(all.len(), 3);
    let paid: f64 = all.iter().map(|r| r.commission.commission).sum();
    assert!((paid - (0.875 + 0.05 + 0.75)).abs() < 1e-6, "{paid}");
    let ids: BTreeSet<&str> = all.iter().map(|r| r.execution.exec_id.as_str()).collect();
    assert_eq!(ids.len(), 3);
}

#[test]
fn seeded_partial_fills_repeat_for_a_seed() {
    let run = |seed| {
        let mut v = Scripted::new();
        let mut e = Engine::new(EngineConfig {
            seed,
            partial_fill_chance: 0.5,
            ..EngineConfig::default()
        });
        let mut ev = Vec::new();
        for id in 1..=8 {
            ev.extend(e.place(&v, order(id, Action::Buy, "400", OrderType::Market)));
        }
        ev.extend(run_steps(&mut e, &mut v, 10));
        ev
    };
    let a = run(7);
    assert_eq!(a, run(7));
    assert_ne!(
        execs(&a).iter().map(|x| x.shares).collect::<Vec<_>>(),
        execs(&run(8)).iter().map(|x| x.shares).collect::<Vec<_>>()
    );
    let x = execs(&a);
    // Some orders filled in several parts, and every order completely.
    assert!(x.len() > 8, "{}", x.len());
    for id in 1..=8 {
        let total = x
            .iter()
            .filter(|x| x.order_id == id)
            .fold(Qty::ZERO, |s, x| s + x.shares);
        assert_eq!(total, q("400"), "order {id}");
    }
}

#[test]
fn fractional_quantities_fill_exactly() {
    let v = Scripted::new();
    let mut e = engine();
    let ev = e.place(&v, order(1, Action::Buy, "0.3333", OrderType::Market));
    let x = &execs(&ev)[0];
    assert_eq!(x.shares.to_string(), "0.3333");
    assert_eq!(
        e.position("DU123456", AAPL_CON_ID).unwrap().quantity,
        q("0.3333")
    );
}

// ---- limit, stop and other types ---------------------------------------------

#[test]
fn a_resting_limit_order_fills_at_its_limit_when_the_quote_crosses() {
    let mut v = Scripted::new();
    let mut e = engine();
    let ev = e.place(&v, limit(1, Action::Buy, "100", 189.50));
    assert_eq!(last_status(&ev, 1).unwrap().status, Status::Submitted);
    assert!(execs(&ev).is_empty());
    v.set(AAPL_CON_ID, 189.55, 189.57, 1000.0);
    assert!(execs(&run_steps(&mut e, &mut v, 2)).is_empty());
    v.set(AAPL_CON_ID, 189.40, 189.45, 1000.0);
    let ev = run_steps(&mut e, &mut v, 1);
    let x = &execs(&ev)[0];
    assert_eq!((x.price, x.liquidity), (189.50, Liquidity::Added));
    assert_eq!(last_status(&ev, 1).unwrap().status, Status::Filled);
}

#[test]
fn a_marketable_limit_order_fills_at_the_quote_and_a_sell_limit_at_the_bid() {
    let mut v = Scripted::new();
    let mut e = engine();
    let ev = e.place(&v, limit(1, Action::Buy, "10", 191.00));
    assert_eq!(execs(&ev)[0].price, 190.01);
    let ev = e.place(&v, limit(2, Action::Sell, "10", 190.50));
    assert!(execs(&ev).is_empty());
    v.set(AAPL_CON_ID, 190.60, 190.62, 1000.0);
    let ev = run_steps(&mut e, &mut v, 1);
    let x = &execs(&ev)[0];
    assert_eq!((x.side, x.price), (Side::Sold, 190.50));
}

#[test]
fn a_stop_order_waits_presubmitted_until_the_bid_trades_through_its_stop() {
    let mut v = Scripted::new();
    let mut e = engine();
    e.set_position("DU123456", AAPL_CON_ID, q("100"), 172.35);
    let stop = OrderRequest {
        aux_price: Some(189.00),
        ..order(1, Action::Sell, "100", OrderType::Stop)
    };
    let ev = e.place(&v, stop);
    assert_eq!(statuses(&ev), vec![(1, Status::PreSubmitted)]);
    v.set(AAPL_CON_ID, 189.10, 189.12, 1000.0);
    assert!(run_steps(&mut e, &mut v, 2).is_empty());
    v.set(AAPL_CON_ID, 188.90, 188.92, 1000.0);
    let ev = run_steps(&mut e, &mut v, 1);
    assert_eq!(
        statuses(&ev),
        vec![(1, Status::Submitted), (1, Status::Filled)]
    );
    assert_eq!(execs(&ev)[0].price, 188.90);
    // Selling the holding realizes its gain, net of the commission.
    let c = &commissions(&ev)[0];
    let gain = (188.90 - 172.35) * 100.0 - c.commission;
    assert!((c.realized_pnl.unwrap() - gain).abs() < 1e-4);
    assert_eq!(
        e.position("DU123456", AAPL_CON_ID).unwrap().quantity,
        Qty::ZERO
    );
}

#[test]
fn a_stop_limit_becomes_a_limit_when_triggered() {
    let mut v = Scripted::new();
    let mut e = engine();
    let stop_limit = OrderRequest {
        aux_price: Some(190.50),
        limit_price: Some(190.60),
        ..order(1, Action::Buy, "100", OrderType::StopLimit)
    };
    e.place(&v, stop_limit);
    // Triggered, but the ask jumped above the limit: working, no fill.
    v.set(AAPL_CON_ID, 190.70, 190.72, 1000.0);
    let ev = run_steps(&mut e, &mut v, 1);
    assert_eq!(statuses(&ev), vec![(1, Status::Submitted)]);
    assert!(execs(&ev).is_empty());
    v.set(AAPL_CON_ID, 190.55, 190.58, 1000.0);
    let ev = run_steps(&mut e, &mut v, 1);
    assert_eq!(execs(&ev)[0].price, 190.60);
}

#[test]
fn market_if_touched_buys_when_the_ask_falls_to_its_price() {
    let mut v = Scripted::new();
    let mut e = engine();
    let mit = OrderRequest {
        aux_price: Some(189.00),
        ..order(1, Action::Buy, "10", OrderType::MarketIfTouched)
    };
    e.place(&v, mit);
    assert!(run_steps(&mut e, &mut v, 2).is_empty());
    v.set(AAPL_CON_ID, 188.97, 188.99, 1000.0);
    let ev = run_steps(&mut e, &mut v, 1);
    assert_eq!(execs(&ev)[0].price, 188.99);
}

#[test]
fn a_trailing_stop_follows_the_bid_up_and_triggers_on_the_way_down() {
    let mut v = Scripted::new();
    let mut e = engine();
    e.set_position("DU123456", AAPL_CON_ID, q("50"), 150.0);
    let trail = OrderRequest {
        aux_price: Some(1.00),
        ..order(1, Action::Sell, "50", OrderType::Trail)
    };
    e.place(&v, trail);
    assert_eq!(e.order(0, 1).unwrap().trail_stop_price, Some(188.99));
    v.set(AAPL_CON_ID, 192.00, 192.02, 1000.0);
    run_steps(&mut e, &mut v, 1);
    assert_eq!(e.order(0, 1).unwrap().trail_stop_price, Some(191.00));
    // Down to 191.20: above the stop, which does not move back.
    v.set(AAPL_CON_ID, 191.20, 191.22, 1000.0);
    assert!(run_steps(&mut e, &mut v, 1).is_empty());
    assert_eq!(e.order(0, 1).unwrap().trail_stop_price, Some(191.00));
    v.set(AAPL_CON_ID, 190.95, 190.97, 1000.0);
    let ev = run_steps(&mut e, &mut v, 1);
    assert_eq!(execs(&ev)[0].price, 190.95);
}

#[test]
fn ioc_fills_what_it_can_at_once_and_cancels_the_rest() {
    let mut v = Scripted::new();
    v.set(AAPL_CON_ID, 189.99, 190.01, 100.0);
    let mut e = engine();
    let ioc = OrderRequest {
        tif: Tif::Ioc,
        ..order(1, Action::Buy, "300", OrderType::Market)
    };
    let ev = e.place(&v, ioc);
    let s = last_status(&ev, 1).unwrap();
    assert_eq!(
        (s.status, s.filled, s.remaining),
        (Status::Cancelled, q("100"), q("200"))
    );
    let away = OrderRequest {
        tif: Tif::Ioc,
        ..limit(2, Action::Buy, "10", 180.00)
    };
    let ev = e.place(&v, away);
    assert_eq!(last_status(&ev, 2).unwrap().status, Status::Cancelled);
    assert!(execs(&ev).is_empty());
    assert!(run_steps(&mut e, &mut v, 2).is_empty());
}

// ---- modifications and cancels -------------------------------------------------

#[test]
fn placing_a_live_id_again_modifies_price_and_quantity() {
    let mut v = Scripted::new();
    let mut e = engine();
    e.place(&v, limit(1, Action::Buy, "100", 185.00));
    let perm = e.order(0, 1).unwrap().perm_id;
    let ev = e.place(&v, limit(1, Action::Buy, "40", 186.00));
    assert!(execs(&ev).is_empty());
    let open = e.open_orders(Viewer::all());
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].request.limit_price, Some(186.00));
    assert_eq!((open[0].remaining, open[0].perm_id), (q("40"), perm));
    // Raised to the market: fills at once, the 40 of the modification.
    let ev = e.place(&v, limit(1, Action::Buy, "40", 190.05));
    let x = &execs(&ev)[0];
    assert_eq!((x.shares, x.price, x.perm_id), (q("40"), 190.01, perm));
    run_steps(&mut e, &mut v, 1);
}

#[test]
fn modifications_that_change_the_contract_or_touch_a_filled_order_are_refused() {
    let v = Scripted::new();
    let mut e = engine();
    e.place(&v, limit(1, Action::Buy, "100", 185.00));
    let other = OrderRequest {
        con_id: MSFT_CON_ID,
        ..limit(1, Action::Buy, "100", 400.00)
    };
    assert_eq!(errors(&e.place(&v, other))[0].1, code::MODIFY_MISMATCH);
    assert_eq!(
        errors(&e.place(&v, limit(1, Action::Sell, "100", 185.00)))[0].1,
        code::MODIFY_MISMATCH
    );
    e.place(&v, order(2, Action::Buy, "1", OrderType::Market));
    let err = errors(&e.place(&v, limit(2, Action::Buy, "5", 185.00)));
    assert_eq!(
        err,
        vec![(
            2,
            code::CANT_MODIFY_FILLED,
            "Can't modify a filled order.".into()
        )]
    );
    e.cancel(&v, 0, 1);
    let err = errors(&e.place(&v, limit(1, Action::Buy, "5", 185.00)));
    assert_eq!(
        err,
        vec![(1, code::DUPLICATE_ORDER_ID, "Duplicate order ID.".into())]
    );
}

#[test]
fn order_ids_are_per_client() {
    let v = Scripted::new();
    let mut e = engine();
    e.place(&v, limit(1, Action::Buy, "100", 185.00));
    let other_client = OrderRequest {
        client_id: 2,
        ..limit(1, Action::Buy, "7", 185.00)
    };
    assert!(errors(&e.place(&v, other_client)).is_empty());
    assert_eq!(e.order(0, 1).unwrap().remaining, q("100"));
    assert_eq!(e.order(2, 1).unwrap().remaining, q("7"));
    assert_ne!(
        e.order(0, 1).unwrap().perm_id,
        e.order(2, 1).unwrap().perm_id
    );
}

#[test]
fn cancels_answer_with_202_and_unknown_or_finished_orders_with_10147_and_10148() {
    let mut v = Scripted::new();
    let mut e = engine();
    e.place(&v, limit(1, Action::Buy, "100", 185.00));
    let ev = e.cancel(&v, 0, 1);
    assert_eq!(
        errors(&ev),
        vec![(1, code::CANCELLED, "Order Canceled - reason:".into())]
    );
    assert_eq!(statuses(&ev), vec![(1, Status::Cancelled)]);
    assert_eq!(
        errors(&e.cancel(&v, 0, 99)),
        vec![(
            99,
            10147,
            "OrderId 99 that needs to be cancelled is not found.".into()
        )]
    );
    // Another client's id is not this client's order.
    assert_eq!(errors(&e.cancel(&v, 3, 1))[0].1, 10147);
    assert_eq!(
        errors(&e.cancel(&v, 0, 1)),
        vec![(
            1,
            10148,
            "OrderId 1 that needs to be cancelled cannot be cancelled, state: Cancelled.".into()
        )]
    );
    // A cancelled order never fills.
    v.set(AAPL_CON_ID, 184.00, 184.02, 1000.0);
    assert!(run_steps(&mut e, &mut v, 2).is_empty());
}

#[test]
fn an_untransmitted_order_is_held_and_cancelling_it_is_api_cancelled() {
    let mut v = Scripted::new();
    let mut e = engine();
    let held = OrderRequest {
        transmit: false,
        ..order(1, Action::Buy, "10", OrderType::Market)
    };
    let ev = e.place(&v, held.clone());
    assert_eq!(statuses(&ev), vec![(1, Status::PendingSubmit)]);
    assert!(run_steps(&mut e, &mut v, 3).is_empty());
    assert_eq!(
        e.open_orders(Viewer::all())[0].status,
        Status::PendingSubmit
    );
    assert_eq!(
        statuses(&e.cancel(&v, 0, 1)),
        vec![(1, Status::ApiCancelled)]
    );
    // Placing it again with transmit works it.
    let held2 = OrderRequest {
        order_id: 2,
        ..held
    };
    e.place(&v, held2.clone());
    let ev = e.place(
        &v,
        OrderRequest {
            transmit: true,
            ..held2
        },
    );
    assert_eq!(last_status(&ev, 2).unwrap().status, Status::Filled);
}

#[test]
fn global_cancel_cancels_every_clients_live_orders() {
    let v = Scripted::new();
    let mut e = engine();
    e.place(&v, limit(1, Action::Buy, "100", 185.00));
    e.place(
        &v,
        OrderRequest {
            client_id: 4,
            ..limit(9, Action::Buy, "100", 185.00)
        },
    );
    e.place(&v, order(2, Action::Buy, "1", OrderType::Market));
    let ev = e.global_cancel(&v);
    assert_eq!(
        statuses(&ev),
        vec![(1, Status::Cancelled), (9, Status::Cancelled)]
    );
    assert!(e.open_orders(Viewer::all()).is_empty());
    assert!(e.global_cancel(&v).is_empty());
}

// ---- time in force and hours ----------------------------------------------------

#[test]
fn day_orders_expire_at_the_session_end_and_gtc_orders_stay() {
    let mut v = Scripted::new();
    let mut e = engine();
    e.place(&v, limit(1, Action::Buy, "100", 185.00));
    e.place(
        &v,
        OrderRequest {
            tif: Tif::Gtc,
            ..limit(2, Action::Buy, "100", 185.00)
        },
    );
    let ev = e.end_session(&v);
    assert_eq!(statuses(&ev), vec![(1, Status::Cancelled)]);
    assert!(errors(&ev).is_empty());
    let open = e.open_orders(Viewer::all());
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].request.order_id, 2);
    // The GTC order still works the next day.
    v.set(AAPL_CON_ID, 184.90, 184.95, 1000.0);
    let ev = run_steps(&mut e, &mut v, 1);
    assert_eq!(execs(&ev)[0].order_id, 2);
}

#[test]
fn with_trading_hours_orders_wait_outside_them_and_day_orders_expire_on_a_step() {
    let mut v = Scripted::new();
    let mut e = Engine::new(EngineConfig {
        trading_hours: true,
        partial_fill_chance: 0.0,
        ..EngineConfig::default()
    });
    // 08:00 New York: before the liquid hours, inside the trading hours.
    v.time_ms = T0 - 2 * 3600 * 1000;
    let ev = e.place(&v, order(1, Action::Buy, "10", OrderType::Market));
    assert_eq!(statuses(&ev), vec![(1, Status::PreSubmitted)]);
    let outside = OrderRequest {
        outside_rth: true,
        ..order(2, Action::Buy, "10", OrderType::Market)
    };
    assert_eq!(
        last_status(&e.place(&v, outside), 2).unwrap().status,
        Status::Filled
    );
    e.place(&v, limit(3, Action::Buy, "10", 185.00));
    e.place(
        &v,
        OrderRequest {
            tif: Tif::Gtc,
            ..limit(4, Action::Buy, "10", 185.00)
        },
    );
    // 09:30: the market order works.
    v.time_ms = T0 - 30 * 60 * 1000;
    let ev = e.on_step(&v);
    assert_eq!(last_status(&ev, 1).unwrap().status, Status::Filled);
    // 16:00: the DAY limit expires, the GTC one stays.
    v.time_ms = T0 + 6 * 3600 * 1000;
    let ev = e.on_step(&v);
    assert_eq!(
        statuses(&ev),
        vec![(3, Status::Cancelled), (4, Status::PreSubmitted)]
    );
    let open = e.open_orders(Viewer::all());
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].status, Status::PreSubmitted);
}

// ---- what-if and rejects ---------------------------------------------------------

#[test]
fn what_if_answers_margin_and_commission_without_working() {
    let mut v = Scripted::new();
    let mut e = engine();
    let w = OrderRequest {
        what_if: true,
        ..limit(1, Action::Buy, "100", 190.00)
    };
    let ev = e.place(&v, w);
    let (order, what_if) = match &ev[..] {
        [Event::WhatIf { order, what_if }] => (order, what_if),
        other => panic!("{other:?}"),
    };
    assert_eq!(order.request.order_id, 1);
    assert_eq!(what_if.init_margin_before, 0.0);
    assert_eq!(what_if.init_margin_change, 4750.0);
    assert_eq!(what_if.maint_margin_after, 4750.0);
    assert_eq!(what_if.equity_with_loan_before, 983_631.71);
    assert!(what_if.commission > 0.6 && what_if.commission < 0.7);
    assert_eq!(what_if.commission_currency, "USD");
    assert!(e.open_orders(Viewer::all()).is_empty());
    v.set(AAPL_CON_ID, 180.00, 180.02, 1000.0);
    assert!(run_steps(&mut e, &mut v, 2).is_empty());
    assert!(e.position("DU123456", AAPL_CON_ID).is_none());
    // The id stays free.
    assert!(errors(&e.place(&v, limit(1, Action::Buy, "1", 170.0))).is_empty());
}

#[test]
fn what_if_counts_the_positions_already_held() {
    let v = Scripted::new();
    let mut e = engine();
    e.set_position("DU123456", AAPL_CON_ID, q("100"), 172.35);
    let w = OrderRequest {
        what_if: true,
        ..limit(1, Action::Sell, "100", 190.00)
    };
    let ev = e.place(&v, w);
    let Event::WhatIf { what_if, .. } = &ev[0] else {
        panic!("{ev:?}")
    };
    assert_eq!(what_if.init_margin_before, 4750.0);
    assert_eq!(what_if.init_margin_after, 0.0);
}

#[test]
fn orders_above_the_equity_with_loan_are_rejected_with_201() {
    let v = Scripted::new();
    let mut e = engine();
    let big = OrderRequest {
        what_if: true,
        ..limit(1, Action::Buy, "30000", 190.00)
    };
    let err = errors(&e.place(&v, big));
    assert_eq!(err[0].1, code::REJECTED);
    assert!(err[0]
        .2
        .starts_with("Order rejected - reason:YOUR ORDER IS NOT ACCEPTED."));
    assert!(err[0].2.contains("[983631.71 USD]"), "{}", err[0].2);
    // A real order is rejected and recorded Inactive.
    let ev = e.place(&v, limit(2, Action::Buy, "30000", 190.00));
    assert_eq!(errors(&ev)[0].1, code::REJECTED);
    assert_eq!(statuses(&ev), vec![(2, Status::Inactive)]);
    assert!(e.open_orders(Viewer::all()).is_empty());
    assert_eq!(
        e.completed_orders(Viewer::all())[0].status,
        Status::Inactive
    );
    // 20000 is within the limit.
    assert!(errors(&e.place(&v, limit(3, Action::Buy, "20000", 185.00))).is_empty());
}

#[test]
fn rejects_carry_tws_codes_and_wording() {
    let v = Scripted::new();
    let mut e = engine();
    let unknown = OrderRequest {
        con_id: 42,
        ..order(1, Action::Buy, "1", OrderType::Market)
    };
    assert_eq!(
        errors(&e.place(&v, unknown)),
        vec![(
            1,
            200,
            "No security definition has been found for the request".into()
        )]
    );
    assert_eq!(
        errors(&e.place(&v, limit(2, Action::Buy, "1", 190.005))),
        vec![(
            2,
            110,
            "The price does not conform to the minimum price variation for this contract.".into()
        )]
    );
    let bad_stop = OrderRequest {
        aux_price: Some(189.001),
        ..order(3, Action::Sell, "1", OrderType::Stop)
    };
    assert_eq!(errors(&e.place(&v, bad_stop))[0].1, 110);
    for (id, size) in [(4, "0"), (5, "-10")] {
        assert_eq!(
            errors(&e.place(&v, order(id, Action::Buy, size, OrderType::Market))),
            vec![(id, 434, "The order size cannot be zero".into())]
        );
    }
    let index = OrderRequest {
        con_id: ES_INDEX_CON_ID,
        ..order(6, Action::Buy, "1", OrderType::Market)
    };
    assert_eq!(errors(&e.place(&v, index))[0].1, 201);
    let no_price = order(7, Action::Buy, "1", OrderType::Limit);
    assert_eq!(errors(&e.place(&v, no_price))[0].1, 201);
    let account = OrderRequest {
        account: "DU999999".into(),
        ..order(8, Action::Buy, "1", OrderType::Market)
    };
    assert_eq!(errors(&e.place(&v, account))[0].1, 201);
    // Validation failures leave nothing behind: the ids stay free.
    assert!(e.completed_orders(Viewer::all()).is_empty());
    assert!(errors(&e.place(&v, limit(2, Action::Buy, "1", 190.00))).is_empty());
}

#[test]
fn the_tick_check_follows_the_instruments_market_rule() {
    let v = Scripted::new();
    let mut e = engine();
    let fx = |id, price| OrderRequest {
        con_id: EURUSD_CON_ID,
        ..limit(id, Action::Buy, "20000", price)
    };
    // EUR.USD moves by 0.00005.
    assert!(errors(&e.place(&v, fx(1, 1.05005))).is_empty());
    assert_eq!(errors(&e.place(&v, fx(2, 1.05001)))[0].1, 110);
}

#[test]
fn short_sales_are_refused_where_not_allowed() {
    let mut v = Scripted::new();
    let mut e = Engine::new(EngineConfig {
        no_short: vec![MSFT_CON_ID],
        partial_fill_chance: 0.0,
        ..EngineConfig::default()
    });
    let short = OrderRequest {
        con_id: MSFT_CON_ID,
        ..order(1, Action::Sell, "10", OrderType::Market)
    };
    let ev = e.place(&v, short);
    assert_eq!(
        errors(&ev),
        vec![(
            1,
            201,
            "Order rejected - reason:The contract is not available for short sale.".into()
        )]
    );
    assert_eq!(statuses(&ev), vec![(1, Status::Inactive)]);
    // Selling what is held is not a short sale.
    e.set_position("DU123456", MSFT_CON_ID, q("10"), 400.0);
    let sell = OrderRequest {
        con_id: MSFT_CON_ID,
        ..order(2, Action::Sell, "10", OrderType::Market)
    };
    assert_eq!(
        last_status(&e.place(&v, sell), 2).unwrap().status,
        Status::Filled
    );
    // Elsewhere SSHORT waits a step for its locate, then works.
    let ev = e.place(&v, order(3, Action::SShort, "10", OrderType::Market));
    let s = last_status(&ev, 3).unwrap();
    assert_eq!(
        (s.status, s.why_held.as_str()),
        (Status::PreSubmitted, "locate")
    );
    let ev = run_steps(&mut e, &mut v, 1);
    assert_eq!(
        statuses(&ev),
        vec![(3, Status::Submitted), (3, Status::Filled)]
    );
    assert_eq!(last_status(&ev, 3).unwrap().why_held, "");
    assert_eq!(
        e.position("DU123456", AAPL_CON_ID).unwrap().quantity,
        q("-10")
    );
    let none = Engine::new(EngineConfig {
        short_selling: false,
        ..EngineConfig::default()
    })
    .place(&v, order(1, Action::SShort, "1", OrderType::Market));
    assert_eq!(errors(&none)[0].1, 201);
}

// ---- brackets and OCA ------------------------------------------------------------

#[test]
fn a_bracket_is_transmitted_by_its_last_child_and_its_children_are_oca() {
    let mut v = Scripted::new();
    let mut e = engine();
    let parent = OrderRequest {
        transmit: false,
        ..limit(10, Action::Buy, "100", 189.00)
    };
    let profit = OrderRequest {
        parent_id: 10,
        transmit: false,
        ..limit(11, Action::Sell, "100", 192.00)
    };
    let loss = OrderRequest {
        parent_id: 10,
        aux_price: Some(187.00),
        ..order(12, Action::Sell, "100", OrderType::Stop)
    };
    assert_eq!(
        statuses(&e.place(&v, parent)),
        vec![(10, Status::PendingSubmit)]
    );
    assert_eq!(
        statuses(&e.place(&v, profit)),
        vec![(11, Status::PendingSubmit)]
    );
    let ev = e.place(&v, loss);
    assert_eq!(
        statuses(&ev),
        vec![
            (10, Status::PreSubmitted),
            (11, Status::PreSubmitted),
            (12, Status::PreSubmitted),
            (10, Status::Submitted),
        ]
    );
    let s = last_status(&ev, 11).unwrap();
    assert_eq!(s.parent_id, 10);
    // The children wait for the parent, even when their price is there.
    v.set(AAPL_CON_ID, 186.50, 186.52, 1000.0);
    let ev = run_steps(&mut e, &mut v, 1);
    // The parent fills first; then both children work, and the stop
    // triggers at once (bid 186.50).
    let order_ids: Vec<i32> = execs(&ev).iter().map(|x| x.order_id).collect();
    assert_eq!(order_ids, vec![10, 12]);
    assert_eq!(last_status(&ev, 12).unwrap().status, Status::Filled);
    assert_eq!(last_status(&ev, 11).unwrap().status, Status::Cancelled);
    assert!(e.open_orders(Viewer::all()).is_empty());
}

#[test]
fn cancelling_a_parent_cancels_its_children() {
    let v = Scripted::new();
    let mut e = engine();
    e.place(
        &v,
        OrderRequest {
            transmit: false,
            ..limit(1, Action::Buy, "100", 185.00)
        },
    );
    e.place(
        &v,
        OrderRequest {
            parent_id: 1,
            ..limit(2, Action::Sell, "100", 195.00)
        },
    );
    let ev = e.cancel(&v, 0, 1);
    assert_eq!(
        statuses(&ev),
        vec![(1, Status::Cancelled), (2, Status::Cancelled)]
    );
    let orphan = OrderRequest {
        parent_id: 77,
        ..limit(3, Action::Sell, "100", 195.00)
    };
    assert_eq!(errors(&e.place(&v, orphan))[0].1, code::ORDER_NOT_FOUND);
    let late = OrderRequest {
        parent_id: 1,
        ..limit(4, Action::Sell, "100", 195.00)
    };
    assert_eq!(errors(&e.place(&v, late))[0].1, code::REJECTED);
}

#[test]
fn in_an_oca_group_the_first_fill_cancels_the_others() {
    let mut v = Scripted::new();
    let mut e = engine();
    let oca = |req: OrderRequest| OrderRequest {
        oca_group: "G1".into(),
        ..req
    };
    e.place(&v, oca(limit(1, Action::Buy, "100", 188.00)));
    e.place(
        &v,
        oca(OrderRequest {
            con_id: MSFT_CON_ID,
            ..limit(2, Action::Buy, "100", 410.00)
        }),
    );
    e.place(&v, limit(3, Action::Buy, "100", 187.00));
    v.set(MSFT_CON_ID, 409.90, 409.95, 1000.0);
    let ev = run_steps(&mut e, &mut v, 1);
    assert_eq!(execs(&ev)[0].order_id, 2);
    assert_eq!(last_status(&ev, 1).unwrap().status, Status::Cancelled);
    let open = e.open_orders(Viewer::all());
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].request.order_id, 3);
}

// ---- history ---------------------------------------------------------------------

fn traded_day() -> (Scripted, Engine) {
    let mut v = Scripted::new();
    let mut e = engine();
    e.place(&v, order(1, Action::Buy, "10", OrderType::Market));
    v.advance(3_600_000);
    e.place(
        &v,
        OrderRequest {
            client_id: 2,
            con_id: MSFT_CON_ID,
            ..order(1, Action::Buy, "5", OrderType::Market)
        },
    );
    v.advance(3_600_000);
    e.place(&v, order(2, Action::Sell, "4", OrderType::Market));
    e.place(&v, limit(3, Action::Buy, "1", 150.00));
    e.cancel(&v, 0, 3);
    (v, e)
}

#[test]
fn executions_are_kept_and_filtered_as_reqexecutions_asks() {
    let (_, e) = traded_day();
    let all = Viewer::all();
    let ids = |f: ExecFilter| -> Vec<(i32, i32)> {
        e.executions(all, &f)
            .unwrap()
            .iter()
            .map(|r| (r.execution.client_id, r.execution.order_id))
            .collect()
    };
    assert_eq!(ids(ExecFilter::default()), vec![(0, 1), (2, 1), (0, 2)]);
    let f = |g: fn(&mut ExecFilter)| {
        let mut f = ExecFilter::default();
        g(&mut f);
        f
    };
    assert_eq!(ids(f(|f| f.client_id = 2)), vec![(2, 1)]);
    assert_eq!(ids(f(|f| f.symbol = "aapl".into())), vec![(0, 1), (0, 2)]);
    assert_eq!(ids(f(|f| f.side = "SELL".into())), vec![(0, 2)]);
    assert_eq!(ids(f(|f| f.side = "BOT".into())), vec![(0, 1), (2, 1)]);
    assert_eq!(ids(f(|f| f.sec_type = "STK".into())).len(), 3);
    assert_eq!(ids(f(|f| f.sec_type = "OPT".into())), vec![]);
    assert_eq!(ids(f(|f| f.exchange = "NASDAQ".into())).len(), 3);
    assert_eq!(ids(f(|f| f.exchange = "ARCA".into())), vec![]);
    assert_eq!(ids(f(|f| f.account = "DU123456".into())).len(), 3);
    assert_eq!(ids(f(|f| f.account = "DU000001".into())), vec![]);
    // 11:00 New York: the second and third executions.
    assert_eq!(
        ids(f(|f| f.time = "20261201 11:00:00".into())),
        vec![(2, 1), (0, 2)]
    );
    assert_eq!(
        ids(f(|f| f.time = "20261201-16:00:01".into())),
        vec![(0, 2)]
    );
    assert_eq!(
        e.executions(all, &f(|f| f.time = "yesterday".into())),
        Err(FilterError::BadTime("yesterday".into()))
    );
    assert!(matches!(
        e.executions(all, &f(|f| f.side = "UP".into())),
        Err(FilterError::BadSide(_))
    ));
    // A client sees its own executions; client 0 and the master see all.
    let own = e
        .executions(Viewer::new(2, None), &ExecFilter::default())
        .unwrap();
    assert_eq!(own.len(), 1);
    assert_eq!(own[0].execution.symbol, "MSFT");
    assert_eq!(
        e.executions(Viewer::new(2, Some(2)), &ExecFilter::default())
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        e.executions(Viewer::new(0, None), &ExecFilter::default())
            .unwrap()
            .len(),
        3
    );
    let r = &e.executions(all, &ExecFilter::default()).unwrap()[2];
    assert_eq!(r.execution.time, "20261201 12:00:00 US/Eastern");
    assert_eq!(r.commission.exec_id, r.execution.exec_id);
    assert!(r.commission.realized_pnl.is_some());
}

#[test]
fn completed_orders_and_open_orders_by_viewer() {
    let (v, mut e) = traded_day();
    let done = e.completed_orders(Viewer::all());
    let seen: Vec<(i32, i32, Status, &str)> = done
        .iter()
        .map(|o| {
            (
                o.request.client_id,
                o.request.order_id,
                o.status,
                o.completed_status.as_str(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            (0, 1, Status::Filled, "Filled"),
            (2, 1, Status::Filled, "Filled"),
            (0, 2, Status::Filled, "Filled"),
            (0, 3, Status::Cancelled, "Cancelled by Trader"),
        ]
    );
    assert_eq!(done[3].completed_time, "20261201 12:00:00 US/Eastern");
    assert_eq!(e.completed_orders(Viewer::new(2, None)).len(), 1);
    e.place(&v, limit(4, Action::Buy, "1", 150.00));
    e.place(
        &v,
        OrderRequest {
            client_id: 2,
            ..limit(4, Action::Buy, "1", 150.00)
        },
    );
    assert_eq!(e.open_orders(Viewer::new(0, None)).len(), 2);
    assert_eq!(e.open_orders(Viewer::new(5, Some(5))).len(), 2);
    let own = e.open_orders(Viewer::new(2, Some(5)));
    assert_eq!(own.len(), 1);
    assert_eq!(own[0].request.client_id, 2);
    assert!(e.open_orders(Viewer::new(3, None)).is_empty());
    // A new day forgets the finished orders and executions, not live orders
    // or positions; finished ids become free.
    e.new_day();
    assert!(e.completed_orders(Viewer::all()).is_empty());
    assert!(e
        .executions(Viewer::all(), &ExecFilter::default())
        .unwrap()
        .is_empty());
    assert_eq!(e.open_orders(Viewer::all()).len(), 2);
    assert_eq!(
        e.position("DU123456", AAPL_CON_ID).unwrap().quantity,
        q("6")
    );
    assert!(errors(&e.place(&v, limit(1, Action::Buy, "1", 150.00))).is_empty());
}

#[test]
fn positions_track_fills_with_realized_pnl() {
    let mut v = Scripted::new();
    let mut e = engine();
    e.place(&v, order(1, Action::Buy, "100", OrderType::Market));
    v.set(AAPL_CON_ID, 195.00, 195.02, 1000.0);
    let ev = e.place(&v, order(2, Action::Sell, "150", OrderType::Market));
    let p = e.position("DU123456", AAPL_CON_ID).unwrap().clone();
    assert_eq!(p.quantity, q("-50"));
    let c = &commissions(&ev)[0];
    let cost = (19_001.0 + 0.67) / 100.0;
    let realized = (195.00 - cost) * 100.0 - c.commission * 100.0 / 150.0;
    assert!((p.realized_pnl - realized).abs() < 1e-6, "{p:?}");
    assert!(
        (p.avg_cost - (195.0 + c.commission / 150.0)).abs() < 1e-9,
        "{p:?}"
    );
    assert!(ev
        .iter()
        .any(|x| matches!(x, Event::Position(pp) if *pp == p)));
    let positions = e.positions("DU123456");
    assert_eq!(positions.len(), 1);
    assert!(e.positions("DU000001").is_empty());
}

// ---- against the seeded market --------------------------------------------------

fn market(seed: u64) -> Market {
    Market::new(
        MarketConfig {
            seed,
            ..MarketConfig::default()
        },
        T0,
    )
}

fn session(seed: u64) -> Vec<Event> {
    let mut m = market(seed);
    let mut e = Engine::new(EngineConfig {
        seed,
        ..EngineConfig::default()
    });
    let ask = m.quote(AAPL_CON_ID).unwrap().ask;
    let bid = m.quote(AAPL_CON_ID).unwrap().bid;
    let mut ev = e.place(&m, order(1, Action::Buy, "5000", OrderType::Market));
    ev.extend(e.place(
        &m,
        limit(
            2,
            Action::Buy,
            "100",
            ((bid - 0.05) * 100.0).round() / 100.0,
        ),
    ));
    ev.extend(e.place(
        &m,
        limit(
            3,
            Action::Sell,
            "100",
            ((ask + 0.05) * 100.0).round() / 100.0,
        ),
    ));
    for _ in 0..400 {
        m.step();
        ev.extend(e.on_step(&m));
    }
    ev
}

#[test]
fn against_the_seeded_market_the_same_seed_gives_the_same_events() {
    let a = session(3);
    assert_eq!(a, session(3));
    assert_ne!(a, session(4));
    let x = execs(&a);
    let of = |id| {
        x.iter()
            .filter(|x| x.order_id == id)
            .fold(Qty::ZERO, |s, x| s + x.shares)
    };
    // The big market order fills completely, in parts against the
    // displayed size; the limits fill when the walk reaches them.
    assert_eq!(of(1), q("5000"));
    assert!(x.iter().filter(|x| x.order_id == 1).count() > 1);
    let ids: BTreeSet<&str> = x.iter().map(|x| x.exec_id.as_str()).collect();
    assert_eq!(ids.len(), x.len());
    for x in &x {
        assert!(exec_id_shape(&x.exec_id), "{}", x.exec_id);
    }
    for id in [2, 3] {
        if of(id).is_positive() {
            let fill = x.iter().find(|x| x.order_id == id).unwrap();
            assert_eq!(fill.liquidity, Liquidity::Added);
        }
    }
    assert!(
        of(2).is_positive() || of(3).is_positive(),
        "a 5-cent limit never filled in 400 steps"
    );
}

#[test]
fn market_orders_follow_the_moving_quote() {
    let mut m = market(11);
    let mut e = engine();
    let mut prices = BTreeSet::new();
    for id in 1..=20 {
        m.step();
        let ask = m.quote(AAPL_CON_ID).unwrap().ask;
        let ev = e.place(&m, order(id, Action::Buy, "1", OrderType::Market));
        let x = &execs(&ev)[0];
        assert_eq!(x.price, ask);
        prices.insert((x.price * 100.0).round() as i64);
    }
    assert!(prices.len() > 1, "the quote never moved");
}

#[test]
fn a_partly_filled_order_cannot_shrink_below_its_fills_and_shrinking_to_them_fills_it() {
    let mut v = Scripted::new();
    v.set(AAPL_CON_ID, 189.99, 190.01, 100.0);
    let mut e = engine();
    e.place(&v, limit(1, Action::Buy, "300", 190.01));
    assert_eq!(e.order(0, 1).unwrap().filled, q("100"));
    v.set(AAPL_CON_ID, 190.10, 190.12, 100.0);
    let err = errors(&e.place(&v, limit(1, Action::Buy, "50", 190.01)));
    assert_eq!(err[0].1, code::REJECTED);
    assert_eq!(e.order(0, 1).unwrap().remaining, q("200"));
    let ev = e.place(&v, limit(1, Action::Buy, "100", 190.01));
    assert_eq!(last_status(&ev, 1).unwrap().status, Status::Filled);
    assert_eq!(
        errors(&e.cancel(&v, 0, 1)),
        vec![(
            1,
            10148,
            "OrderId 1 that needs to be cancelled cannot be cancelled, state: Filled.".into()
        )]
    );
    assert_eq!(e.completed_orders(Viewer::all())[0].filled, q("100"));
}

#[test]
fn a_trailing_percent_stop_trails_by_that_share_of_the_price() {
    let mut v = Scripted::new();
    v.set(AAPL_CON_ID, 200.00, 200.02, 1000.0);
    let mut e = engine();
    let trail = OrderRequest {
        trailing_percent: Some(1.0),
        ..order(1, Action::Buy, "10", OrderType::Trail)
    };
    e.place(&v, trail);
    // 1% over the ask, rounded up to the cent.
    assert_eq!(e.order(0, 1).unwrap().trail_stop_price, Some(202.03));
    v.set(AAPL_CON_ID, 198.00, 198.02, 1000.0);
    run_steps(&mut e, &mut v, 1);
    assert_eq!(e.order(0, 1).unwrap().trail_stop_price, Some(200.01));
    v.set(AAPL_CON_ID, 200.00, 200.02, 1000.0);
    let ev = run_steps(&mut e, &mut v, 1);
    assert_eq!(execs(&ev)[0].price, 200.02);
    let missing = order(2, Action::Buy, "10", OrderType::Trail);
    assert_eq!(errors(&e.place(&v, missing))[0].1, code::REJECTED);
}

#[test]
fn views_carry_the_commission_currency_and_the_perm_id() {
    let v = Scripted::new();
    let mut e = engine();
    e.place(&v, limit(1, Action::Buy, "10", 150.00));
    let fx = OrderRequest {
        con_id: EURUSD_CON_ID,
        ..limit(2, Action::Buy, "20000", 1.0)
    };
    e.place(&v, fx);
    let open = e.open_orders(Viewer::all());
    assert_eq!(open[0].commission_currency, "USD");
    assert_eq!(open[1].perm_id, open[0].perm_id + 1);
    assert_eq!(open[0].request.account, "DU123456");
}

#[test]
fn the_simulated_portfolio_seeds_the_positions_fills_add_to() {
    let v = Scripted::new();
    let mut e = engine();
    e.seed_portfolio();
    let aapl = e.position("DU123456", AAPL_CON_ID).unwrap().clone();
    assert_eq!((aapl.quantity, aapl.avg_cost), (q("100"), 172.35));
    assert_eq!(
        e.position("DU123456", MSFT_CON_ID).unwrap().quantity,
        q("0.5")
    );
    e.place(&v, order(1, Action::Buy, "50", OrderType::Market));
    assert_eq!(
        e.position("DU123456", AAPL_CON_ID).unwrap().quantity,
        q("150")
    );
    // Selling 120 of 150 is not a short sale even where shorting is off.
    let mut strict = Engine::new(EngineConfig {
        short_selling: false,
        ..EngineConfig::default()
    });
    strict.seed_portfolio();
    assert!(errors(&strict.place(&v, order(1, Action::Sell, "100", OrderType::Market))).is_empty());
    assert_eq!(
        errors(&strict.place(&v, order(2, Action::Sell, "1", OrderType::Market)))[0].1,
        201
    );
}

#[test]
fn limit_if_touched_becomes_a_limit_once_its_trigger_is_touched() {
    let mut v = Scripted::new();
    let mut e = engine();
    e.set_position("DU123456", AAPL_CON_ID, q("10"), 150.0);
    let lit = OrderRequest {
        aux_price: Some(191.00),
        limit_price: Some(190.90),
        ..order(1, Action::Sell, "10", OrderType::LimitIfTouched)
    };
    let ev = e.place(&v, lit);
    assert_eq!(statuses(&ev), vec![(1, Status::PreSubmitted)]);
    // 190.95 bid: under the trigger, nothing.
    v.set(AAPL_CON_ID, 190.95, 190.97, 1000.0);
    assert!(run_steps(&mut e, &mut v, 1).is_empty());
    v.set(AAPL_CON_ID, 191.00, 191.02, 1000.0);
    let ev = run_steps(&mut e, &mut v, 1);
    // Touched and marketable at once: sold at the bid.
    assert_eq!(execs(&ev)[0].price, 191.00);
}

#[test]
fn a_fill_delay_holds_an_order_for_that_many_steps() {
    let mut v = Scripted::new();
    let mut e = Engine::new(EngineConfig {
        partial_fill_chance: 0.0,
        fill_delay_steps: 2,
        ..EngineConfig::default()
    });
    let ev = e.place(&v, order(1, Action::Buy, "10", OrderType::Market));
    assert!(execs(&ev).is_empty(), "nothing fills at placement");
    assert_eq!(statuses(&ev), vec![(1, Status::PreSubmitted)]);
    let first = run_steps(&mut e, &mut v, 1);
    assert!(execs(&first).is_empty(), "nor on the first step");
    let second = run_steps(&mut e, &mut v, 1);
    let fills = execs(&second);
    assert_eq!(fills.len(), 1, "the second step fills it: {second:?}");
    assert_eq!(fills[0].price, 190.01);
    assert_eq!(last_status(&second, 1).unwrap().status, Status::Filled);
}

#[test]
fn the_rest_of_a_marketable_limit_order_takes_the_quote_not_its_limit() {
    let mut v = Scripted::new();
    let mut e = engine();
    // 300 shown at the ask: a buy of 1000 far above it fills 300 now.
    v.set(AAPL_CON_ID, 189.99, 190.01, 300.0);
    let ev = e.place(&v, limit(1, Action::Buy, "1000", 250.00));
    let first = execs(&ev);
    assert_eq!(first.len(), 1);
    assert_eq!((first[0].shares, first[0].price), (q("300"), 190.01));
    // Still marketable on the next steps: the rest fills at the ask too.
    let later = execs(&run_steps(&mut e, &mut v, 3));
    assert_eq!(later.len(), 3, "{later:?}");
    assert!(later.iter().all(|x| x.price == 190.01), "{later:?}");
    assert!(later.iter().all(|x| x.liquidity == Liquidity::Removed));
    // A limit order that rested fills at its limit when the market crosses.
    let ev = e.place(&v, limit(2, Action::Buy, "100", 189.50));
    assert!(execs(&ev).is_empty());
    v.set(AAPL_CON_ID, 189.40, 189.45, 1000.0);
    let crossed = execs(&run_steps(&mut e, &mut v, 1));
    assert_eq!(crossed.len(), 1);
    assert_eq!(
        (crossed[0].price, crossed[0].liquidity),
        (189.50, Liquidity::Added)
    );
}
