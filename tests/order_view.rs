//! The order view and the order reconciliation, over real bytes: a
//! scripted TWS (`FakeSession`, text protocol v176) answers placeOrder with
//! openOrder / orderStatus / execDetails / commissionAndFeesReport, "restarts"
//! in the middle of the fills (closes the connection; more fills happen
//! while the client is away) and sends 1100/1101. The client must deliver
//! every fill exactly once, keep the view right, reconcile with the open
//! orders and the executions since the loss, say so in a `Reconciled`
//! event, and never send an order again. The same against the simulator's
//! matching engine (`tws::sim`): a market and a limit order read back from
//! the view, fills during a simulated daily restart, and a 1101.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use tws::client::{Client, ConnectionState, Event, Options, ReconnectPolicy, RESERVED_IDS};
use tws::protocol::contract::Contract;
use tws::protocol::executions::{
    CommissionAndFeesReport, ExecDetails, ExecDetailsEnd, Execution, ExecutionFilter, ReqExecutions,
};
use tws::protocol::handshake::server_hello;
use tws::protocol::messages::{ErrorMessage, ManagedAccounts, NextValidId};
use tws::protocol::orders::{
    AttachedOrders, CancelOrder, OpenOrder, OpenOrderEnd, Order, OrderCancel, OrderState,
    OrderStatus, PlaceOrder,
};
use tws::protocol::{Incoming, RawMessage, Request};
use tws::sim::faults::{ConnectivityStep, Faults};
use tws::sim::{self, Restart, SimConfig, SimHandle};
use tws::wire::FrameSplitter;

const T: Duration = Duration::from_secs(5);
const VERSION: i32 = 176;

// ---- a scripted TWS ------------------------------------------------------

struct FakeSession {
    stream: TcpStream,
    splitter: FrameSplitter,
}

impl FakeSession {
    /// Accepts a client, answers the handshake and sends the startup messages.
    fn accept(listener: &TcpListener) -> FakeSession {
        let (mut stream, _) = listener.accept().unwrap();
        stream.set_read_timeout(Some(T)).unwrap();
        let mut prefix = [0u8; 4];
        stream.read_exact(&mut prefix).unwrap();
        assert_eq!(&prefix, b"API\0");
        let mut s = FakeSession {
            stream,
            splitter: FrameSplitter::new(1 << 20),
        };
        s.frame(T).expect("client hello");
        s.stream
            .write_all(&server_hello(VERSION, "20261202 10:00:00 UTC"))
            .unwrap();
        match s.request(T) {
            Some(Request::StartApi(_)) => {}
            other => panic!("expected startApi, got {other:?}"),
        }
        s.send(&Incoming::ManagedAccounts(ManagedAccounts {
            accounts_list: "DU1".into(),
        }));
        s.send(&Incoming::NextValidId(NextValidId { order_id: 1 }));
        s
    }

    fn frame(&mut self, limit: Duration) -> Option<Vec<u8>> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(f) = self.splitter.next_frame().unwrap() {
                return Some(f.to_vec());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            self.stream.set_read_timeout(Some(left)).unwrap();
            match self.splitter.read_from(&mut self.stream) {
                Ok(0) | Err(_) => return None,
                Ok(_) => {}
            }
        }
    }

    fn request(&mut self, limit: Duration) -> Option<Request> {
        let frame = self.frame(limit)?;
        let raw = RawMessage::split(&frame, VERSION).unwrap();
        Request::decode(&raw, VERSION).unwrap()
    }

    /// Every request arriving within `window`.
    fn requests_within(&mut self, window: Duration) -> Vec<Request> {
        let until = Instant::now() + window;
        let mut seen = Vec::new();
        while let Some(r) = self.request(until.saturating_duration_since(Instant::now())) {
            seen.push(r);
        }
        seen
    }

    fn send(&mut self, msg: &Incoming) {
        let mut out = Vec::new();
        msg.encode(VERSION, &mut out).unwrap();
        self.stream.write_all(&out).unwrap();
    }

    fn send_all(&mut self, msgs: &[Incoming]) {
        msgs.iter().for_each(|m| self.send(m));
    }

    fn send_code(&mut self, code: i32) {
        self.send(&Incoming::Error(ErrorMessage {
            req_id: -1,
            time_ms: 0,
            code,
            message: format!("connectivity {code}"),
            advanced_order_reject_json: String::new(),
        }));
    }
}

fn contract() -> Contract {
    Contract {
        con_id: 265598,
        symbol: "AAPL".into(),
        sec_type: "STK".into(),
        strike: f64::MAX,
        exchange: "SMART".into(),
        currency: "USD".into(),
        ..Contract::default()
    }
}

fn limit_order(qty: &str) -> Order {
    Order {
        action: "BUY".into(),
        total_quantity: qty.into(),
        order_type: "LMT".into(),
        lmt_price: 189.5,
        tif: "DAY".into(),
        ..Order::unset()
    }
}

fn place(order_id: i32, qty: &str) -> Request {
    Request::PlaceOrder(PlaceOrder {
        order_id,
        contract: Box::new(contract()),
        order: Box::new(limit_order(qty)),
        attached_orders: Some(AttachedOrders::unset()),
    })
}

fn open_order(order_id: i32, client_id: i32, qty: &str, status: &str) -> Incoming {
    let mut order = limit_order(qty);
    order.order_id = order_id;
    order.client_id = client_id;
    order.perm_id = 9000 + i64::from(order_id);
    Incoming::OpenOrder(OpenOrder {
        order_id,
        contract: Box::new(contract()),
        order: Box::new(order),
        order_state: Box::new(OrderState {
            status: status.into(),
            commission_and_fees: f64::MAX,
            min_commission_and_fees: f64::MAX,
            max_commission_and_fees: f64::MAX,
            ..OrderState::default()
        }),
    })
}

fn order_status(order_id: i32, client_id: i32, status: &str, filled: &str, rem: &str) -> Incoming {
    Incoming::OrderStatus(OrderStatus {
        order_id,
        status: status.into(),
        filled: filled.into(),
        remaining: rem.into(),
        avg_fill_price: 189.5,
        perm_id: 9000 + i64::from(order_id),
        parent_id: 0,
        last_fill_price: 189.5,
        client_id,
        why_held: String::new(),
        mkt_cap_price: 0.0,
    })
}

fn exec(
    req_id: i32,
    order_id: i32,
    client_id: i32,
    exec_id: &str,
    shares: &str,
    cum: &str,
) -> Incoming {
    Incoming::ExecDetails(ExecDetails {
        req_id,
        contract: Box::new(contract()),
        execution: Box::new(Execution {
            order_id,
            exec_id: exec_id.into(),
            time: "20261202 10:00:01 UTC".into(),
            acct_number: "DU1".into(),
            exchange: "ISLAND".into(),
            side: "BOT".into(),
            shares: shares.into(),
            price: 189.5,
            perm_id: 9000 + i64::from(order_id),
            client_id,
            cum_qty: cum.into(),
            avg_price: 189.5,
            ..Execution::default()
        }),
    })
}

fn commission(exec_id: &str) -> Incoming {
    Incoming::CommissionAndFeesReport(CommissionAndFeesReport {
        exec_id: exec_id.into(),
        commission_and_fees: 1.0,
        currency: "USD".into(),
        realized_pnl: f64::MAX,
        bond_yield: f64::MAX,
        yield_redemption_date: 0,
    })
}

fn executions_request(requests: &[Request]) -> ReqExecutions {
    requests
        .iter()
        .find_map(|r| match r {
            Request::ReqExecutions(m) => Some(m.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no reqExecutions in {requests:?}"))
}

/// `yyyymmdd-hh:mm:ss`.
fn is_filter_time(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() == 17
        && b[8] == b'-'
        && b[11] == b':'
        && b[14] == b':'
        && t.chars()
            .enumerate()
            .all(|(i, c)| [8, 11, 14].contains(&i) || c.is_ascii_digit())
}

fn check_filter(f: &ExecutionFilter, client_id: i32) {
    assert_eq!(f.client_id, client_id);
    assert!(is_filter_time(&f.time), "{:?}", f.time);
    assert_eq!(f.last_n_days, i32::MAX, "unset");
}

// ---- the client side -----------------------------------------------------

fn quick_reconnect() -> Options {
    Options {
        reconnect: ReconnectPolicy {
            enabled: true,
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(200),
            jitter_percent: 0,
            max_attempts: 0,
        },
        ..Options::default()
    }
}

/// Polls until `pred` matches, collecting every event (the match last).
fn collect_until(client: &Client, what: &str, pred: impl Fn(&Event) -> bool) -> Vec<Event> {
    let deadline = Instant::now() + T;
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        if let Some(e) = client.poll(Duration::from_millis(50)).unwrap() {
            let done = pred(&e);
            seen.push(e);
            if done {
                return seen;
            }
        }
    }
    panic!("no {what} within {T:?}; saw {seen:#?}");
}

/// Every event within `window`.
fn drain(client: &Client, window: Duration) -> Vec<Event> {
    let until = Instant::now() + window;
    let mut seen = Vec::new();
    while Instant::now() < until {
        if let Some(e) = client.poll(Duration::from_millis(20)).unwrap() {
            seen.push(e);
        }
    }
    seen
}

fn is_state(e: &Event, want: ConnectionState) -> bool {
    matches!(e, Event::State { state, .. } if *state == want)
}

/// The exec ids of the execDetails among `events`, with their req_id.
fn fills(events: &[Event]) -> Vec<(String, i32)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Message(Incoming::ExecDetails(m)) => {
                Some((m.execution.exec_id.clone(), m.req_id))
            }
            _ => None,
        })
        .collect()
}

fn commissions(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Message(Incoming::CommissionAndFeesReport(m)) => Some(m.exec_id.clone()),
            _ => None,
        })
        .collect()
}

fn reason_of(e: Option<&Event>) -> String {
    match e {
        Some(Event::State { reason, .. }) => reason.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_view_follows_an_order_and_a_repeated_fill_is_delivered_once() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = thread::spawn(move || {
        let mut s = FakeSession::accept(&listener);
        match s.request(T) {
            Some(Request::PlaceOrder(p)) => assert_eq!(p.order_id, 1),
            other => panic!("expected placeOrder, got {other:?}"),
        }
        s.send_all(&[
            open_order(1, 4, "100", "Submitted"),
            order_status(1, 4, "Submitted", "0", "100"),
            exec(-1, 1, 4, "e1", "40", "40"),
            commission("e1"),
            order_status(1, 4, "Submitted", "40", "60"),
            // TWS repeats itself (as it does after a reconnect).
            exec(-1, 1, 4, "e1", "40", "40"),
            commission("e1"),
            exec(-1, 1, 4, "e2", "60", "100"),
        ]);
        // The user's own reqExecutions gets every row, seen or not.
        let r = match s.request(T) {
            Some(Request::ReqExecutions(r)) => r,
            other => panic!("expected reqExecutions, got {other:?}"),
        };
        s.send_all(&[
            exec(r.req_id, 1, 4, "e1", "40", "40"),
            exec(r.req_id, 1, 4, "e2", "60", "100"),
            Incoming::ExecDetailsEnd(ExecDetailsEnd { req_id: r.req_id }),
            commission("e2"),
            order_status(1, 4, "Filled", "100", "0"),
        ]);
        let _ = s.requests_within(Duration::from_secs(2));
    });

    let client = Client::new(Options::default()).unwrap();
    client.connect("127.0.0.1", port, 4, T).unwrap();
    let id = client.next_order_id().unwrap();
    assert_eq!(id, 1);
    client.send(&place(1, "100")).unwrap();
    let first = collect_until(&client, "the second fill", |e| {
        fills(std::slice::from_ref(e))
            .iter()
            .any(|(x, _)| x == "e2")
    });
    assert_eq!(fills(&first), vec![("e1".into(), -1), ("e2".into(), -1)]);
    assert_eq!(commissions(&first), vec!["e1".to_owned()]);
    let v = client.order(1).expect("order 1 in the view");
    assert_eq!(v.filled.as_deref(), Some("100"));
    assert_eq!(v.remaining.as_deref(), Some("0"));
    assert_eq!(v.status, "Filled", "its executions filled it");
    assert_eq!(v.perm_id, 9001);
    assert_eq!(v.client_id, 4);
    assert_eq!(v.fills.len(), 2);
    assert_eq!(v.order.as_ref().unwrap().total_quantity, "100");
    assert_eq!(v.contract.as_ref().unwrap().symbol, "AAPL");
    assert_eq!(v.order_state.as_ref().unwrap().status, "Submitted");
    let e1 = &v.fills[0];
    assert_eq!(e1.details.execution.shares, "40");
    assert_eq!(e1.details.execution.exchange, "ISLAND");
    assert_eq!(e1.commission.as_ref().unwrap().commission_and_fees, 1.0);

    client
        .send(&Request::ReqExecutions(ReqExecutions {
            req_id: 5,
            exec_filter: ExecutionFilter::all(),
        }))
        .unwrap();
    let rest = collect_until(
        &client,
        "Filled",
        |e| matches!(e, Event::Message(Incoming::OrderStatus(m)) if m.status == "Filled"),
    );
    assert_eq!(fills(&rest), vec![("e1".into(), 5), ("e2".into(), 5)]);
    assert_eq!(commissions(&rest), vec!["e2".to_owned()]);
    let v = client.order(1).unwrap();
    assert!(v.is_finished());
    assert_eq!(v.fills.len(), 2, "the user's rows add no fill");
    assert!(v.fills.iter().all(|f| f.commission.is_some()));
    assert_eq!(client.order_ids(), vec![1]);
    assert_eq!(client.order_by_perm_id(9001).unwrap().order_id, 1);
    assert!(client.order(2).is_none());
    let stats = client.stats();
    assert_eq!(stats.executions_deduplicated, 1);
    assert_eq!(stats.commissions_deduplicated, 1);
    assert_eq!(stats.by_name("executions_deduplicated"), Some(1));
    client.disconnect();
    server.join().unwrap();
}

#[test]
fn a_restart_in_the_middle_of_fills_loses_no_fill_and_duplicates_none() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (restart_tx, restart_rx) = mpsc::channel::<()>();
    let (report_tx, report_rx) = mpsc::channel::<Vec<Request>>();
    let server = thread::spawn(move || {
        let mut s = FakeSession::accept(&listener);
        for _ in 0..2 {
            match s.request(T) {
                Some(Request::PlaceOrder(_)) => {}
                other => panic!("expected placeOrder, got {other:?}"),
            }
        }
        s.send_all(&[
            open_order(1, 3, "100", "Submitted"),
            order_status(1, 3, "Submitted", "0", "100"),
            open_order(2, 3, "5", "Submitted"),
            order_status(2, 3, "Submitted", "0", "5"),
            exec(-1, 1, 3, "e1", "40", "40"),
            commission("e1"),
            order_status(1, 3, "Submitted", "40", "60"),
        ]);
        restart_rx.recv_timeout(T).unwrap();
        // The daily restart: the connection closes; e2 and e3 fill order 1
        // while the client is away.
        drop(s);
        let mut s = FakeSession::accept(&listener);
        let requests = s.requests_within(Duration::from_millis(700));
        let r = executions_request(&requests);
        // Order 2 is still open; order 1 filled and is open no more.
        s.send_all(&[
            open_order(2, 3, "5", "Submitted"),
            order_status(2, 3, "Submitted", "0", "5"),
            Incoming::OpenOrderEnd(OpenOrderEnd {}),
            exec(r.req_id, 1, 3, "e1", "40", "40"),
            exec(r.req_id, 1, 3, "e2", "30", "70"),
            exec(r.req_id, 1, 3, "e3", "30", "100"),
            Incoming::ExecDetailsEnd(ExecDetailsEnd { req_id: r.req_id }),
            commission("e1"),
            commission("e2"),
            commission("e3"),
        ]);
        report_tx.send(requests).unwrap();
        let _ = s.requests_within(Duration::from_secs(2));
    });

    let client = Client::new(quick_reconnect()).unwrap();
    client.connect("127.0.0.1", port, 3, T).unwrap();
    client.send(&place(1, "100")).unwrap();
    client.send(&place(2, "5")).unwrap();
    let before = collect_until(&client, "the first commission", |e| {
        !commissions(std::slice::from_ref(e)).is_empty()
    });
    assert_eq!(fills(&before), vec![("e1".into(), -1)]);
    restart_tx.send(()).unwrap();
    let away = collect_until(&client, "Reconciled", |e| {
        is_state(e, ConnectionState::Reconciled)
    });
    let reconnected = away
        .iter()
        .position(|e| is_state(e, ConnectionState::Reconnected))
        .expect("Reconnected before Reconciled");
    // The fills of the time away, once each, as ordinary fills, after
    // Reconnected and before Reconciled.
    assert_eq!(
        fills(&away[reconnected..]),
        vec![("e2".into(), -1), ("e3".into(), -1)]
    );
    assert!(fills(&away[..reconnected]).is_empty());
    let reason = reason_of(away.last());
    assert!(reason.contains("after reconnect"), "{reason}");
    assert!(reason.contains("1 open order(s)"), "{reason}");
    assert!(reason.contains("2 new fill(s)"), "{reason}");
    assert!(reason.contains("1 order(s) changed status"), "{reason}");
    assert_eq!(client.state(), ConnectionState::Connected);
    let later = drain(&client, Duration::from_millis(400));
    assert!(fills(&later).is_empty(), "{later:?}");
    assert_eq!(commissions(&later), vec!["e2".to_owned(), "e3".to_owned()]);

    // The view: order 1 filled by the fills of the time away.
    let v = client.order(1).unwrap();
    assert_eq!(v.status, "Filled");
    assert_eq!(v.filled.as_deref(), Some("100"));
    assert_eq!(v.remaining.as_deref(), Some("0"));
    let ids: Vec<&str> = v
        .fills
        .iter()
        .map(|f| f.details.execution.exec_id.as_str())
        .collect();
    assert_eq!(ids, ["e1", "e2", "e3"]);
    assert!(v.fills.iter().all(|f| f.commission.is_some()));
    assert_eq!(client.order(2).unwrap().status, "Submitted");
    let r = client.last_reconciliation().unwrap();
    assert_eq!((r.open_orders, r.new_fills), (1, 2));
    assert_eq!(r.changed_orders, vec![1]);
    let stats = client.stats();
    assert_eq!(stats.executions_deduplicated, 1);
    assert_eq!(stats.commissions_deduplicated, 1);
    assert_eq!(stats.fills_recovered, 2);
    assert_eq!(stats.reconciliations, 1);

    // What the client asked after the restart: open orders and executions
    // of this client since the loss, under a reserved id; never an order.
    let requests = report_rx.recv_timeout(T).unwrap();
    assert!(
        requests
            .iter()
            .any(|r| matches!(r, Request::ReqOpenOrders(_))),
        "{requests:?}"
    );
    let r = executions_request(&requests);
    assert!(RESERVED_IDS.contains(&r.req_id));
    check_filter(&r.exec_filter, 3);
    assert!(
        !requests.iter().any(|r| matches!(r, Request::PlaceOrder(_))),
        "an order was sent again: {requests:?}"
    );
    client.disconnect();
    server.join().unwrap();
}

#[test]
fn after_1101_the_fills_of_the_outage_are_delivered_once() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let (report_tx, report_rx) = mpsc::channel::<Vec<Request>>();
    let server = thread::spawn(move || {
        let mut s = FakeSession::accept(&listener);
        match s.request(T) {
            Some(Request::PlaceOrder(_)) => {}
            other => panic!("expected placeOrder, got {other:?}"),
        }
        s.send_all(&[
            open_order(1, 0, "10", "Submitted"),
            exec(-1, 1, 0, "e1", "4", "4"),
        ]);
        go_rx.recv_timeout(T).unwrap();
        s.send_code(1100);
        // TWS's link to IB is down: e2 fills meanwhile, unreported.
        s.send_code(1101);
        let requests = s.requests_within(Duration::from_millis(700));
        let r = executions_request(&requests);
        s.send_all(&[
            open_order(1, 0, "10", "Submitted"),
            order_status(1, 0, "Submitted", "7", "3"),
            Incoming::OpenOrderEnd(OpenOrderEnd {}),
            exec(r.req_id, 1, 0, "e1", "4", "4"),
            exec(r.req_id, 1, 0, "e2", "3", "7"),
            Incoming::ExecDetailsEnd(ExecDetailsEnd { req_id: r.req_id }),
        ]);
        report_tx.send(requests).unwrap();
        let _ = s.requests_within(Duration::from_secs(2));
    });

    let client = Client::new(Options::default()).unwrap();
    client.connect("127.0.0.1", port, 0, T).unwrap();
    client.send(&place(1, "10")).unwrap();
    let before = collect_until(&client, "e1", |e| {
        !fills(std::slice::from_ref(e)).is_empty()
    });
    assert_eq!(fills(&before), vec![("e1".into(), -1)]);
    go_tx.send(()).unwrap();
    let outage = collect_until(&client, "Reconciled", |e| {
        is_state(e, ConnectionState::Reconciled)
    });
    let restored = outage
        .iter()
        .position(|e| is_state(e, ConnectionState::IbLinkRestored))
        .expect("IbLinkRestored before Reconciled");
    assert_eq!(fills(&outage[restored..]), vec![("e2".into(), -1)]);
    let reason = reason_of(outage.last());
    assert!(reason.contains("after 1101"), "{reason}");
    assert!(reason.contains("1 new fill(s)"), "{reason}");
    let v = client.order(1).unwrap();
    assert_eq!(v.filled.as_deref(), Some("7"));
    assert_eq!(v.remaining.as_deref(), Some("3"));
    assert_eq!(v.fills.len(), 2);
    assert!(client.is_connected(), "1101 keeps the socket");
    assert_eq!(client.last_reconciliation().unwrap().cause, "1101");
    let later = drain(&client, Duration::from_millis(300));
    assert!(fills(&later).is_empty(), "{later:?}");

    // Client 0 asks for every client's open orders.
    let requests = report_rx.recv_timeout(T).unwrap();
    assert!(
        requests
            .iter()
            .any(|r| matches!(r, Request::ReqAllOpenOrders(_))),
        "{requests:?}"
    );
    check_filter(&executions_request(&requests).exec_filter, 0);
    assert!(!requests.iter().any(|r| matches!(r, Request::PlaceOrder(_))));
    client.disconnect();
    server.join().unwrap();
}

// ---- against the simulator's matching engine -------------------------------

fn start_sim(server_version: i32, tweak: impl FnOnce(&mut SimConfig)) -> SimHandle {
    let mut config = SimConfig {
        server_version,
        quiet: true,
        summary_refresh: None,
        ..SimConfig::default()
    };
    tweak(&mut config);
    sim::start(config).expect("simulator starts")
}

fn stock(symbol: &str) -> Contract {
    Contract {
        symbol: symbol.into(),
        sec_type: "STK".into(),
        exchange: "SMART".into(),
        currency: "USD".into(),
        ..Contract::default()
    }
}

fn market(action: &str, qty: &str) -> Order {
    Order {
        action: action.into(),
        total_quantity: qty.into(),
        order_type: "MKT".into(),
        ..Order::unset()
    }
}

fn place_on_sim(client: &Client, symbol: &str, order: Order) -> i32 {
    let id = client.next_order_id().unwrap() as i32;
    client
        .send(&Request::PlaceOrder(PlaceOrder {
            order_id: id,
            contract: Box::new(stock(symbol)),
            order: Box::new(order),
            attached_orders: None,
        }))
        .unwrap();
    id
}

fn is_status(e: &Event, order_id: i32, status: &str) -> bool {
    matches!(e, Event::Message(Incoming::OrderStatus(m)) if m.order_id == order_id && m.status == status)
}

/// Polls until every execution among `seen` (and those still coming) has
/// its commission report, adding the events to `seen`.
fn until_commissions(client: &Client, seen: &mut Vec<Event>) {
    let deadline = Instant::now() + T;
    loop {
        let execs: Vec<String> = fills(seen).into_iter().map(|(x, _)| x).collect();
        let done = commissions(seen);
        if execs.iter().all(|x| done.contains(x)) {
            return;
        }
        assert!(Instant::now() < deadline, "commissions missing: {seen:#?}");
        if let Some(e) = client.poll(Duration::from_millis(50)).unwrap() {
            seen.push(e);
        }
    }
}

fn view_exec_ids(client: &Client, order_id: i32) -> Vec<String> {
    client
        .order(i64::from(order_id))
        .unwrap()
        .fills
        .iter()
        .map(|f| f.details.execution.exec_id.clone())
        .collect()
}

/// Exact whole-share sum of the executions' shares.
fn share_sum(client: &Client, order_id: i32) -> i64 {
    client
        .order(i64::from(order_id))
        .unwrap()
        .fills
        .iter()
        .map(|f| f.details.execution.shares.parse::<i64>().unwrap())
        .sum()
}

#[test]
fn simulator_orders_read_back_from_the_view() {
    for v in [176, 222] {
        let sim = start_sim(v, |_| {});
        let client = Client::new(Options::default()).unwrap();
        client.connect("127.0.0.1", sim.port(), 7, T).unwrap();
        // A market order fills (perhaps in parts) with executions and commissions.
        let id = place_on_sim(&client, "AAPL", market("BUY", "20"));
        let mut seen = collect_until(&client, "Filled", |e| is_status(e, id, "Filled"));
        until_commissions(&client, &mut seen);
        let view = client.order(i64::from(id)).unwrap();
        assert_eq!(view.status, "Filled", "v{v}");
        assert_eq!(view.filled.as_deref(), Some("20"), "v{v}");
        assert_eq!(view.remaining.as_deref(), Some("0"), "v{v}");
        assert!(view.avg_fill_price.is_some_and(|p| p > 0.0), "v{v}");
        assert!(view.perm_id != 0 && view.client_id == 7, "v{v}");
        assert_eq!(view.contract.as_ref().unwrap().symbol, "AAPL", "v{v}");
        assert_eq!(view.order.as_ref().unwrap().total_quantity, "20", "v{v}");
        let delivered: Vec<String> = fills(&seen).into_iter().map(|(x, _)| x).collect();
        assert_eq!(view_exec_ids(&client, id), delivered, "v{v}");
        assert_eq!(share_sum(&client, id), 20, "v{v}");
        assert!(view.fills.iter().all(|f| f.commission.is_some()), "v{v}");

        // A resting limit order, then its cancel.
        let resting = place_on_sim(
            &client,
            "MSFT",
            Order {
                order_type: "LMT".into(),
                lmt_price: 1.00,
                tif: "GTC".into(),
                ..market("BUY", "5")
            },
        );
        collect_until(&client, "Submitted", |e| is_status(e, resting, "Submitted"));
        let view = client.order(i64::from(resting)).unwrap();
        assert_eq!(view.status, "Submitted", "v{v}");
        assert_eq!(view.remaining.as_deref(), Some("5"), "v{v}");
        assert!(view.fills.is_empty() && !view.is_finished(), "v{v}");
        client
            .send(&Request::CancelOrder(CancelOrder {
                order_id: resting,
                order_cancel: OrderCancel::unset(),
            }))
            .unwrap();
        collect_until(&client, "Cancelled", |e| is_status(e, resting, "Cancelled"));
        assert!(
            client.order(i64::from(resting)).unwrap().is_finished(),
            "v{v}"
        );
        assert_eq!(
            client.order_ids(),
            vec![i64::from(id), i64::from(resting)],
            "v{v}"
        );
        client.disconnect();
    }
}

#[test]
fn simulator_restart_in_the_middle_of_fills_loses_no_fill_and_duplicates_none() {
    // 10 market steps a second; an order works from its 20th step (2 s).
    // The simulator restarts 4 s in and is down for 1.5 s: the first order
    // (placed at once, working from 2 s) fills before, the second (placed
    // at 2.5 s, working from 4.5 s) while the client is away.
    let started = Instant::now();
    let sim = start_sim(222, |c| {
        c.market_data_rate = 10;
        c.fill_delay_steps = 20;
        c.faults.restart = Some(Restart {
            after: Duration::from_secs(4),
            down: Duration::from_millis(1500),
        });
    });
    let client = Client::new(quick_reconnect()).unwrap();
    client.connect("127.0.0.1", sim.port(), 8, T).unwrap();
    let first = place_on_sim(&client, "AAPL", market("BUY", "20"));
    collect_until(&client, "the first order's PreSubmitted", |e| {
        is_status(e, first, "PreSubmitted")
    });
    // The second order, well before the restart; it works only after it.
    thread::sleep(Duration::from_millis(2500).saturating_sub(started.elapsed()));
    let second = place_on_sim(&client, "MSFT", market("SELL", "10"));
    let mut before = collect_until(&client, "the first order filled", |e| {
        is_status(e, first, "Filled")
    });
    until_commissions(&client, &mut before);
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the machine is too slow for this timing"
    );
    assert!(fills(&before)
        .iter()
        .all(|(x, _)| view_exec_ids(&client, first).contains(x)));
    let away = collect_until(&client, "Reconciled", |e| {
        is_state(e, ConnectionState::Reconciled)
    });
    assert!(away
        .iter()
        .any(|e| is_state(e, ConnectionState::ConnectionLost)));
    let later = drain(&client, Duration::from_millis(500));
    let all: Vec<Event> = before.iter().chain(&away).chain(&later).cloned().collect();

    // Each execution the simulator has for either order, delivered exactly
    // once (as an unsolicited fill), none more.
    let delivered: Vec<String> = fills(&all)
        .into_iter()
        .map(|(x, req_id)| {
            assert_eq!(req_id, -1);
            x
        })
        .collect();
    let mut unique = delivered.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), delivered.len(), "a fill twice: {delivered:?}");
    let mut known = view_exec_ids(&client, first);
    known.extend(view_exec_ids(&client, second));
    known.sort();
    assert_eq!(unique, known);
    assert_eq!(share_sum(&client, first), 20);
    assert_eq!(share_sum(&client, second), 10, "the fills of the time away");
    assert_eq!(client.order(i64::from(second)).unwrap().status, "Filled");
    let r = client.last_reconciliation().unwrap();
    assert!(r.new_fills >= 1, "{r:?}");
    assert!(r.changed_orders.contains(&i64::from(second)), "{r:?}");
    let reason = reason_of(away.last());
    assert!(reason.contains("after reconnect"), "{reason}");
    let stats = client.stats();
    assert_eq!(stats.reconciliations, 1);
    assert!(
        stats.executions_deduplicated >= 1,
        "the first order's fills came again"
    );
    client.disconnect();
    sim.stop();
}

#[test]
fn simulator_1101_reconciles_without_a_duplicate() {
    let sim = start_sim(222, |c| {
        c.faults = Faults {
            connectivity: vec![ConnectivityStep {
                code: 1101,
                at: Duration::from_millis(1500),
            }],
            ..Faults::default()
        };
    });
    let client = Client::new(Options::default()).unwrap();
    client.connect("127.0.0.1", sim.port(), 0, T).unwrap();
    let id = place_on_sim(&client, "AAPL", market("BUY", "20"));
    let mut seen = collect_until(&client, "Filled", |e| is_status(e, id, "Filled"));
    let events = collect_until(&client, "Reconciled", |e| {
        is_state(e, ConnectionState::Reconciled)
    });
    seen.extend(events);
    seen.extend(drain(&client, Duration::from_millis(300)));
    let delivered: Vec<String> = fills(&seen).into_iter().map(|(x, _)| x).collect();
    assert_eq!(view_exec_ids(&client, id), delivered, "each fill once");
    assert!(client.stats().executions_deduplicated >= 1);
    let r = client.last_reconciliation().unwrap();
    assert_eq!((r.cause.as_str(), r.new_fills), ("1101", 0));
    assert!(client.is_connected());
    client.disconnect();
    sim.stop();
}
