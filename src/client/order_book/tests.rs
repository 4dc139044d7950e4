use super::*;
use crate::protocol::executions::{ExecDetailsEnd, Execution};
use crate::protocol::messages::ErrorMessage;
use crate::protocol::orders::OpenOrderEnd;

fn status(order_id: i32, status: &str, filled: &str, remaining: &str) -> Incoming {
    Incoming::OrderStatus(OrderStatus {
        order_id,
        status: status.into(),
        filled: filled.into(),
        remaining: remaining.into(),
        avg_fill_price: 0.0,
        perm_id: 1000 + i64::from(order_id),
        client_id: 1,
        last_fill_price: 0.0,
        mkt_cap_price: f64::MAX,
        ..OrderStatus::default()
    })
}

fn open(order_id: i32, qty: &str) -> Incoming {
    let mut order = Order::unset();
    order.order_id = order_id;
    order.client_id = 1;
    order.perm_id = 1000 + i64::from(order_id);
    order.total_quantity = qty.into();
    order.action = "BUY".into();
    Incoming::OpenOrder(OpenOrder {
        order_id,
        contract: Box::new(Contract {
            symbol: "AAPL".into(),
            ..Contract::default()
        }),
        order: Box::new(order),
        order_state: Box::new(OrderState {
            status: "Submitted".into(),
            ..OrderState::default()
        }),
    })
}

fn exec(req_id: i32, order_id: i32, exec_id: &str, shares: &str, cum: &str, px: f64) -> Incoming {
    Incoming::ExecDetails(ExecDetails {
        req_id,
        contract: Box::default(),
        execution: Box::new(Execution {
            order_id,
            exec_id: exec_id.into(),
            shares: shares.into(),
            cum_qty: cum.into(),
            price: px,
            avg_price: px,
            perm_id: 1000 + i64::from(order_id),
            client_id: 1,
            side: "BOT".into(),
            ..Execution::default()
        }),
    })
}

fn commission(exec_id: &str, amount: f64) -> Incoming {
    Incoming::CommissionAndFeesReport(CommissionAndFeesReport {
        exec_id: exec_id.into(),
        commission_and_fees: amount,
        currency: "USD".into(),
        realized_pnl: f64::MAX,
        bond_yield: f64::MAX,
        yield_redemption_date: 0,
    })
}

fn book(capacity: usize) -> (OrderBook, Stats) {
    let b = OrderBook::new(capacity);
    b.set_client_id(1);
    (b, Stats::default())
}

fn passed(f: Folded) -> Incoming {
    match f {
        Folded::Pass(m) => m,
        Folded::Drop => panic!("dropped"),
        Folded::Finish(e) => panic!("finished: {e:?}"),
    }
}

fn dropped(f: &Folded) -> bool {
    matches!(f, Folded::Drop)
}

#[test]
fn exact_decimals() {
    assert_eq!(subtract("100", "40").as_deref(), Some("60"));
    assert_eq!(subtract("100", "40.5").as_deref(), Some("59.5"));
    assert_eq!(subtract("0.3", "0.1").as_deref(), Some("0.2"));
    assert_eq!(subtract("1", "1.000").as_deref(), Some("0"));
    assert_eq!(subtract("1", "2.25").as_deref(), Some("-1.25"));
    assert_eq!(subtract("x", "1"), None);
    assert_eq!(compare("10", "9.99"), Some(std::cmp::Ordering::Greater));
    assert_eq!(compare("", "1"), None);
}

#[test]
fn filter_time_is_utc_in_tws_format() {
    let t = UNIX_EPOCH + Duration::from_secs(1_764_633_600 + 3 * 3600 + 4 * 60 + 5);
    assert_eq!(filter_time(t), "20251202-03:04:05");
    assert_eq!(filter_time(UNIX_EPOCH), "19700101-00:00:00");
}

#[test]
fn partial_fills_build_up_the_order() {
    let (b, stats) = book(10);
    passed(b.observe(open(5, "100"), &stats));
    passed(b.observe(status(5, "Submitted", "0", "100"), &stats));
    assert_eq!(b.get(5).unwrap().status, "Submitted");
    passed(b.observe(exec(-1, 5, "e1", "40", "40", 10.0), &stats));
    let v = b.get(5).unwrap();
    assert_eq!(v.filled.as_deref(), Some("40"));
    assert_eq!(v.remaining.as_deref(), Some("60"));
    assert_eq!(v.status, "Submitted");
    passed(b.observe(exec(-1, 5, "e2", "60", "100", 11.0), &stats));
    let v = b.get(5).unwrap();
    assert_eq!(v.filled.as_deref(), Some("100"));
    assert_eq!(v.remaining.as_deref(), Some("0"));
    assert_eq!(v.status, "Filled", "the last fill completes it");
    assert_eq!(v.last_fill_price, Some(11.0));
    assert_eq!(v.perm_id, 1005);
    assert_eq!(v.fills.len(), 2);
    assert_eq!(v.order.as_ref().unwrap().total_quantity, "100");
    assert_eq!(v.contract.as_ref().unwrap().symbol, "AAPL");
    // The orderStatus that follows has the last word.
    passed(b.observe(status(5, "Filled", "100", "0"), &stats));
    assert!(b.get(5).unwrap().is_finished());
    assert_eq!(b.ids(), vec![5]);
    assert_eq!(b.by_perm_id(1005).unwrap().order_id, 5);
}

#[test]
fn a_repeated_execution_is_delivered_once_but_a_users_request_gets_every_row() {
    let (b, stats) = book(10);
    passed(b.observe(exec(-1, 5, "e1", "40", "40", 10.0), &stats));
    assert!(dropped(
        &b.observe(exec(-1, 5, "e1", "40", "40", 10.0), &stats)
    ));
    assert_eq!(stats.executions_deduplicated.load(Ordering::Relaxed), 1);
    // The user's own reqExecutions (id 7) sees it again, unchanged.
    match passed(b.observe(exec(7, 5, "e1", "40", "40", 10.0), &stats)) {
        Incoming::ExecDetails(m) => assert_eq!(m.req_id, 7),
        other => panic!("{other:?}"),
    }
    assert_eq!(stats.executions_deduplicated.load(Ordering::Relaxed), 1);
    assert_eq!(b.get(5).unwrap().fills.len(), 1);
}

#[test]
fn commissions_match_executions_before_and_after() {
    let (b, stats) = book(10);
    // After its execution.
    passed(b.observe(exec(-1, 5, "e1", "40", "40", 10.0), &stats));
    passed(b.observe(commission("e1", 1.25), &stats));
    // Before its execution.
    passed(b.observe(commission("e2", 0.75), &stats));
    passed(b.observe(exec(-1, 5, "e2", "60", "100", 10.0), &stats));
    let v = b.get(5).unwrap();
    let c: Vec<f64> = v
        .fills
        .iter()
        .map(|f| f.commission.as_ref().unwrap().commission_and_fees)
        .collect();
    assert_eq!(c, vec![1.25, 0.75]);
    // A repeat is dropped; a different report for the same exec id is news.
    assert!(dropped(&b.observe(commission("e1", 1.25), &stats)));
    assert!(dropped(&b.observe(commission("e2", 0.75), &stats)));
    assert_eq!(stats.commissions_deduplicated.load(Ordering::Relaxed), 2);
    passed(b.observe(commission("e1", 1.5), &stats));
    let v = b.get(5).unwrap();
    assert_eq!(
        v.fills[0].commission.as_ref().unwrap().commission_and_fees,
        1.5
    );
}

#[test]
fn finished_orders_beyond_the_capacity_are_evicted_oldest_first() {
    let (b, stats) = book(2);
    passed(b.observe(status(9, "Submitted", "0", "1"), &stats));
    for id in 1..=3 {
        passed(b.observe(exec(-1, id, &format!("e{id}"), "1", "1", 1.0), &stats));
        passed(b.observe(status(id, "Filled", "1", "0"), &stats));
    }
    assert_eq!(b.ids(), vec![2, 3, 9], "1 evicted, the open 9 kept");
    assert!(b.by_perm_id(1001).is_none());
    // Its exec id went with it: the execution is news again, and makes an
    // (unfinished) entry.
    passed(b.observe(exec(-1, 1, "e1", "1", "1", 1.0), &stats));
    assert_eq!(b.get(1).unwrap().fills.len(), 1);
    // Cancelled counts as finished too; 2 goes next.
    passed(b.observe(status(4, "Cancelled", "0", "1"), &stats));
    assert_eq!(b.ids(), vec![1, 3, 4, 9]);
    assert_eq!(b.all().len(), 4);
}

#[test]
fn other_clients_orders_are_kept_by_perm_id() {
    let (b, stats) = book(10);
    let mut m = status(5, "Submitted", "0", "100");
    if let Incoming::OrderStatus(s) = &mut m {
        s.client_id = 2;
    }
    passed(b.observe(m, &stats));
    assert!(b.get(5).is_none(), "not this client's order 5");
    let v = b.by_perm_id(1005).unwrap();
    assert_eq!((v.order_id, v.client_id), (5, 2));
    assert!(b.ids().is_empty());
    assert_eq!(b.all().len(), 1);
}

#[test]
fn what_if_answers_make_no_order() {
    let (b, stats) = book(10);
    let mut m = open(5, "100");
    if let Incoming::OpenOrder(o) = &mut m {
        o.order.what_if = true;
    }
    passed(b.observe(m, &stats));
    assert!(b.get(5).is_none());
}

#[test]
fn reconciliation_delivers_only_new_fills_then_reports() {
    let (b, stats) = book(10);
    passed(b.observe(open(5, "100"), &stats));
    passed(b.observe(status(5, "Submitted", "0", "100"), &stats));
    passed(b.observe(exec(-1, 5, "e1", "40", "40", 10.0), &stats));
    passed(b.observe(commission("e1", 1.0), &stats));
    passed(b.observe(status(6, "Submitted", "0", "5"), &stats));
    let lost = UNIX_EPOCH + Duration::from_secs(1_764_633_600 + 600);
    b.note_loss(lost);
    let id = 0x7000_0010;
    let (since, client) = b.begin(id, Cause::Reconnect, lost + Duration::from_secs(30));
    assert_eq!(since, "20251202-00:05:00", "the loss minus the margin");
    assert_eq!(client, 1);
    // TWS lists the open orders (5 still open, 6 now cancelled elsewhere).
    passed(b.observe(open(5, "100"), &stats));
    passed(b.observe(status(5, "Submitted", "40", "60"), &stats));
    passed(b.observe(status(6, "Cancelled", "0", "5"), &stats));
    assert!(dropped(
        &b.observe(Incoming::OpenOrderEnd(OpenOrderEnd {}), &stats)
    ));
    // The executions: one already seen, one new.
    assert!(dropped(
        &b.observe(exec(id, 5, "e1", "40", "40", 10.0), &stats)
    ));
    match passed(b.observe(exec(id, 5, "e2", "60", "100", 12.0), &stats)) {
        Incoming::ExecDetails(m) => assert_eq!(m.req_id, -1, "an ordinary fill event"),
        other => panic!("{other:?}"),
    }
    assert!(dropped(&b.observe(commission("e1", 1.0), &stats)));
    passed(b.observe(commission("e2", 2.0), &stats));
    // Another request's end marker passes.
    passed(b.observe(
        Incoming::ExecDetailsEnd(ExecDetailsEnd { req_id: 3 }),
        &stats,
    ));
    let end = b.observe(
        Incoming::ExecDetailsEnd(ExecDetailsEnd { req_id: id }),
        &stats,
    );
    match end {
        Folded::Finish(Event::State { state, reason, .. }) => {
            assert_eq!(state, ConnectionState::Reconciled);
            assert!(reason.contains("1 open order(s)"), "{reason}");
            assert!(reason.contains("1 new fill(s)"), "{reason}");
            assert!(reason.contains("2 order(s) changed"), "{reason}");
        }
        _ => panic!("no Reconciled"),
    }
    let r = b.last_reconciliation().unwrap();
    assert_eq!((r.open_orders, r.new_fills), (1, 1));
    assert_eq!(r.changed_orders, vec![5, 6]);
    assert_eq!(r.cause, "reconnect");
    assert_eq!(b.get(5).unwrap().status, "Filled");
    assert_eq!(stats.fills_recovered.load(Ordering::Relaxed), 1);
    assert_eq!(stats.executions_deduplicated.load(Ordering::Relaxed), 1);
    assert_eq!(stats.reconciliations.load(Ordering::Relaxed), 1);
    // Done: later end markers are the user's.
    passed(b.observe(Incoming::OpenOrderEnd(OpenOrderEnd {}), &stats));
}

#[test]
fn a_refused_executions_request_still_ends_the_reconciliation() {
    let (b, stats) = book(10);
    let id = 0x7000_0020;
    b.begin(id, Cause::DataLost, SystemTime::now());
    assert!(dropped(
        &b.observe(Incoming::OpenOrderEnd(OpenOrderEnd {}), &stats)
    ));
    let refusal = Incoming::Error(ErrorMessage {
        req_id: id,
        time_ms: 0,
        code: 321,
        message: "bad filter".into(),
        advanced_order_reject_json: String::new(),
    });
    match b.observe(refusal, &stats) {
        Folded::Finish(Event::State { reason, .. }) => {
            assert!(reason.contains("after 1101"), "{reason}");
            assert!(reason.contains("error 321"), "{reason}");
        }
        _ => panic!("no Reconciled"),
    }
}

#[test]
fn an_abandoned_reconciliation_keeps_its_loss_time() {
    let (b, _) = book(10);
    let lost = UNIX_EPOCH + Duration::from_secs(1_764_633_600 + 3600);
    b.note_loss(lost);
    b.begin(1, Cause::Reconnect, lost + Duration::from_secs(5));
    b.abandon();
    b.note_loss(lost + Duration::from_secs(60));
    let (since, _) = b.begin(2, Cause::Reconnect, lost + Duration::from_secs(90));
    assert_eq!(since, "20251202-00:55:00");
}
