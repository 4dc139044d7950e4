//! The simulator's orders over a raw socket, using only `tws::wire` and
//! `tws::protocol`: fills with executions and commissions, resting limit
//! orders, cancels, modifications, what-if answers, rejects, fills while the
//! client is away (and across a restart), and other clients' orders for
//! client 0 and the master client. In text (176) and protobuf (222) form.

use std::io::{self, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use tws::protocol::contract::Contract;
use tws::protocol::executions::{
    CommissionAndFeesReport, ExecDetails, ExecutionFilter, ReqExecutions,
};
use tws::protocol::handshake::{client_hello, parse_server_hello};
use tws::protocol::messages::{ErrorMessage, ReqIds, StartApi};
use tws::protocol::orders::{
    CancelOrder, OpenOrder, Order, OrderCancel, OrderStatus, PlaceOrder, ReqAllOpenOrders,
    ReqCompletedOrders, ReqGlobalCancel, ReqOpenOrders,
};
use tws::protocol::{Incoming, RawMessage, Request};
use tws::sim::{self, Restart, SimConfig, SimHandle};
use tws::wire::{FrameSplitter, DEFAULT_MAX_FRAME_LEN};

/// A text-only version and a protobuf one (orders are protobuf from 203).
const VERSIONS: &[i32] = &[176, 222];
const TIMEOUT: Duration = Duration::from_secs(15);

fn start(server_version: i32, tweak: impl FnOnce(&mut SimConfig)) -> SimHandle {
    let mut config = SimConfig {
        server_version,
        quiet: true,
        summary_refresh: None,
        ..SimConfig::default()
    };
    tweak(&mut config);
    sim::start(config).expect("simulator starts")
}

struct Peer {
    stream: TcpStream,
    splitter: FrameSplitter,
    version: i32,
    next_id: i32,
}

impl Peer {
    /// Handshake, startApi as `client_id` and the startup sequence.
    fn connect(sim: &SimHandle, client_id: i32) -> Peer {
        Peer::connect_to(sim.addr(), client_id).expect("connects")
    }

    fn connect_to(addr: std::net::SocketAddr, client_id: i32) -> io::Result<Peer> {
        let mut stream = TcpStream::connect(addr)?;
        stream.set_read_timeout(Some(TIMEOUT))?;
        stream.write_all(&client_hello(100, 226, ""))?;
        let mut peer = Peer {
            stream,
            splitter: FrameSplitter::new(DEFAULT_MAX_FRAME_LEN),
            version: 0,
            next_id: 0,
        };
        let answer = peer.frame();
        peer.version = parse_server_hello(&answer).unwrap().0;
        peer.send(Request::StartApi(StartApi {
            client_id,
            optional_capabilities: String::new(),
        }));
        for _ in 0..5 {
            // managedAccounts, nextValidId, three farm notices
            if let Incoming::NextValidId(n) = peer.recv() {
                peer.next_id = n.order_id;
            }
        }
        Ok(peer)
    }

    fn send(&mut self, request: Request) {
        let mut out = Vec::new();
        request.encode(self.version, &mut out).unwrap();
        self.stream.write_all(&out).unwrap();
    }

    /// The next frame; `None` when the simulator closed the connection.
    fn try_frame(&mut self) -> Option<Vec<u8>> {
        loop {
            if let Some(frame) = self.splitter.next_frame().unwrap() {
                return Some(frame.to_vec());
            }
            match self.splitter.read_from(&mut self.stream) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => panic!("no message in time"),
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => return None,
                Err(e) => panic!("read failed: {e}"),
            }
        }
    }

    fn frame(&mut self) -> Vec<u8> {
        self.try_frame()
            .expect("the simulator closed the connection")
    }

    fn decode(&self, frame: &[u8]) -> Incoming {
        let raw = RawMessage::split(frame, self.version).unwrap();
        Incoming::decode(&raw, self.version)
            .unwrap()
            .unwrap_or_else(|| panic!("unknown message id {}", raw.id))
    }

    fn recv(&mut self) -> Incoming {
        let frame = self.frame();
        self.decode(&frame)
    }

    /// Every message up to and including the first `stop` accepts.
    fn until(&mut self, what: &str, mut stop: impl FnMut(&Incoming) -> bool) -> Vec<Incoming> {
        let deadline = Instant::now() + TIMEOUT;
        let mut got = Vec::new();
        while Instant::now() < deadline {
            let msg = self.recv();
            let done = stop(&msg);
            got.push(msg);
            if done {
                return got;
            }
        }
        panic!("no {what} in time; got {got:?}");
    }

    fn place(&mut self, order_id: i32, contract: Contract, order: Order) {
        self.send(Request::PlaceOrder(PlaceOrder {
            order_id,
            contract: Box::new(contract),
            order: Box::new(order),
            attached_orders: None,
        }));
    }

    fn cancel(&mut self, order_id: i32) {
        self.send(Request::CancelOrder(CancelOrder {
            order_id,
            order_cancel: OrderCancel::unset(),
        }));
    }

    /// The error an order (or request) id gets, skipping other messages.
    fn error_for(&mut self, id: i32) -> ErrorMessage {
        let got = self.until(
            "error",
            |m| matches!(m, Incoming::Error(e) if e.req_id == id),
        );
        match got.last() {
            Some(Incoming::Error(e)) => e.clone(),
            _ => unreachable!(),
        }
    }

    /// Messages up to the order's status `status`.
    fn until_status(&mut self, order_id: i32, status: &str) -> Vec<Incoming> {
        self.until(status, |m| {
            matches!(m, Incoming::OrderStatus(s) if s.order_id == order_id && s.status == status)
        })
    }

    /// Reads everything the simulator sent before now (reqIds, up to its
    /// nextValidId), so that what follows answers the next request.
    fn settle(&mut self) {
        self.send(Request::ReqIds(ReqIds { num_ids: 1 }));
        self.until("nextValidId", |m| matches!(m, Incoming::NextValidId(_)));
    }

    /// reqOpenOrders (or reqAllOpenOrders): the openOrders up to the end.
    fn open_orders(&mut self, all: bool) -> Vec<OpenOrder> {
        self.settle();
        self.send(if all {
            Request::ReqAllOpenOrders(ReqAllOpenOrders {})
        } else {
            Request::ReqOpenOrders(ReqOpenOrders {})
        });
        let got = self.until("openOrderEnd", |m| matches!(m, Incoming::OpenOrderEnd(_)));
        got.into_iter()
            .filter_map(|m| match m {
                Incoming::OpenOrder(o) => Some(o),
                _ => None,
            })
            .collect()
    }

    /// reqExecutions with every field empty: execDetails and commission
    /// reports up to the end.
    fn executions(&mut self, req_id: i32) -> (Vec<ExecDetails>, Vec<CommissionAndFeesReport>) {
        self.settle();
        self.send(Request::ReqExecutions(ReqExecutions {
            req_id,
            exec_filter: ExecutionFilter::all(),
        }));
        let got = self.until(
            "execDetailsEnd",
            |m| matches!(m, Incoming::ExecDetailsEnd(e) if e.req_id == req_id),
        );
        split_fills(&got, req_id)
    }
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

fn limit(action: &str, qty: &str, price: f64) -> Order {
    Order {
        order_type: "LMT".into(),
        lmt_price: price,
        tif: "GTC".into(),
        ..market(action, qty)
    }
}

/// The execDetails (of `req_id`) and the commission reports among `got`.
fn split_fills(got: &[Incoming], req_id: i32) -> (Vec<ExecDetails>, Vec<CommissionAndFeesReport>) {
    let execs = got
        .iter()
        .filter_map(|m| match m {
            Incoming::ExecDetails(x) if x.req_id == req_id => Some(x.clone()),
            _ => None,
        })
        .collect();
    let reports = got
        .iter()
        .filter_map(|m| match m {
            Incoming::CommissionAndFeesReport(c) => Some(c.clone()),
            _ => None,
        })
        .collect();
    (execs, reports)
}

fn statuses(got: &[Incoming], order_id: i32) -> Vec<OrderStatus> {
    got.iter()
        .filter_map(|m| match m {
            Incoming::OrderStatus(s) if s.order_id == order_id => Some(s.clone()),
            _ => None,
        })
        .collect()
}

/// The sum of the fills' shares, exactly (whole shares here).
fn shares(execs: &[ExecDetails]) -> u64 {
    execs
        .iter()
        .map(|x| x.execution.shares.parse::<u64>().unwrap())
        .sum()
}

#[test]
fn a_market_order_fills_with_executions_and_commissions() {
    for &v in VERSIONS {
        let sim = start(v, |_| {});
        let mut peer = Peer::connect(&sim, 1);
        let id = peer.next_id;
        peer.place(id, stock("AAPL"), market("BUY", "300"));
        let got = peer.until_status(id, "Filled");
        let open = got.iter().find_map(|m| match m {
            Incoming::OpenOrder(o) if o.order_id == id => Some(o.clone()),
            _ => None,
        });
        let open = open.unwrap_or_else(|| panic!("v{v}: no openOrder in {got:?}"));
        assert_eq!(open.contract.symbol, "AAPL");
        assert!(open.contract.con_id > 0, "v{v}: the contract is resolved");
        assert_eq!(
            (open.order.action.as_str(), open.order.order_type.as_str()),
            ("BUY", "MKT")
        );
        assert_eq!(open.order.account, "DU123456");
        let perm_id = open.order.perm_id;
        assert!(perm_id > 0, "v{v}: a perm id");
        // The rest of the last fill: its commission report.
        let mut all = got;
        let (execs, _) = split_fills(&all, -1);
        let mut reports = split_fills(&all, -1).1;
        while reports.len() < execs.len() {
            let msg = peer.recv();
            all.push(msg);
            reports = split_fills(&all, -1).1;
        }
        assert!(!execs.is_empty(), "v{v}: executions");
        assert_eq!(shares(&execs), 300, "v{v}: the fills add up to the order");
        let last = statuses(&all, id).pop().unwrap();
        assert_eq!(
            (last.filled.as_str(), last.remaining.as_str()),
            ("300", "0")
        );
        assert_eq!(last.perm_id, perm_id);
        for (x, r) in execs.iter().zip(&reports) {
            let e = &x.execution;
            assert_eq!(
                (e.order_id, e.perm_id, e.client_id),
                (id, perm_id, 1),
                "v{v}"
            );
            assert_eq!(e.side, "BOT");
            assert!(e.price > 0.0);
            assert_eq!(
                e.exec_id.split('.').count(),
                4,
                "v{v}: exec id {}",
                e.exec_id
            );
            assert_eq!(r.exec_id, e.exec_id, "v{v}: a report per execution");
            assert!(
                r.commission_and_fees > 0.0 && r.currency == "USD",
                "v{v}: {r:?}"
            );
        }
        let ids: std::collections::BTreeSet<_> =
            execs.iter().map(|x| x.execution.exec_id.clone()).collect();
        assert_eq!(ids.len(), execs.len(), "v{v}: exec ids are unique");
        // reqExecutions tells the same.
        let (again, again_reports) = peer.executions(7);
        assert_eq!(again.len(), execs.len(), "v{v}");
        assert_eq!(again[0].execution.exec_id, execs[0].execution.exec_id);
        assert_eq!(again_reports.len(), again.len());
        // The id is used: reqIds gives the next one.
        peer.send(Request::ReqIds(ReqIds { num_ids: 1 }));
        let next = peer.until("nextValidId", |m| matches!(m, Incoming::NextValidId(_)));
        match next.last() {
            Some(Incoming::NextValidId(n)) => assert_eq!(n.order_id, id + 1, "v{v}"),
            _ => unreachable!(),
        }
        // The id of a filled order again: 104.
        peer.place(id, stock("AAPL"), market("BUY", "1"));
        assert_eq!(peer.error_for(id).code, 104, "v{v}");
    }
}

#[test]
fn a_limit_order_rests_is_modified_into_a_fill_and_cancels_work() {
    for &v in VERSIONS {
        let sim = start(v, |_| {});
        let mut peer = Peer::connect(&sim, 2);
        let id = peer.next_id;
        // Far below the market: it rests.
        peer.place(id, stock("MSFT"), limit("BUY", "10", 1.00));
        let got = peer.until_status(id, "Submitted");
        assert!(split_fills(&got, -1).0.is_empty(), "v{v}: no fill");
        let open = peer.open_orders(false);
        assert_eq!(open.len(), 1, "v{v}: {open:?}");
        assert_eq!((open[0].order_id, open[0].order.lmt_price), (id, 1.00));
        assert_eq!(open[0].order_state.status, "Submitted");
        // A modification (placeOrder with the live id) above the ask fills.
        peer.place(id, stock("MSFT"), limit("BUY", "10", 1000.00));
        let got = peer.until_status(id, "Filled");
        let filled_perm = statuses(&got, id).pop().unwrap().perm_id;
        let (execs, _) = split_fills(&got, -1);
        assert_eq!(shares(&execs), 10, "v{v}");
        assert!(
            execs.iter().all(|x| x.execution.price < 1000.0),
            "v{v}: a marketable limit takes the quote"
        );
        let open = peer.open_orders(false);
        assert!(open.is_empty(), "v{v}: nothing open: {open:?}");
        // Another resting order, cancelled.
        let other = id + 1;
        peer.place(other, stock("MSFT"), limit("SELL", "5", 9000.00));
        peer.until_status(other, "Submitted");
        peer.cancel(other);
        let got = peer.until_status(other, "Cancelled");
        let cancelled_perm = statuses(&got, other).pop().unwrap().perm_id;
        assert!(
            got.iter()
                .any(|m| matches!(m, Incoming::Error(e) if e.req_id == other && e.code == 202)),
            "v{v}: the cancel notice: {got:?}"
        );
        // Completed orders: the fill and the cancel.
        peer.send(Request::ReqCompletedOrders(ReqCompletedOrders {
            api_only: true,
        }));
        let got = peer.until("completedOrdersEnd", |m| {
            matches!(m, Incoming::CompletedOrdersEnd(_))
        });
        // (completedOrder carries no order id: the perm ids tell them.)
        let done: Vec<(i64, String, String)> = got
            .iter()
            .filter_map(|m| match m {
                Incoming::CompletedOrder(c) => Some((
                    c.order.perm_id,
                    c.order_state.status.clone(),
                    c.order.filled_quantity.clone(),
                )),
                _ => None,
            })
            .collect();
        assert_eq!(
            done,
            vec![
                (filled_perm, "Filled".to_owned(), "10".to_owned()),
                (cancelled_perm, "Cancelled".to_owned(), "0".to_owned())
            ],
            "v{v}"
        );
        // The id of a cancelled order again: 103.
        peer.place(other, stock("MSFT"), limit("SELL", "5", 9000.00));
        assert_eq!(peer.error_for(other).code, 103, "v{v}: duplicate id");
        // Cancelling it again, or an order never placed.
        peer.cancel(other);
        assert_eq!(peer.error_for(other).code, 10148, "v{v}");
        peer.cancel(9999);
        assert_eq!(peer.error_for(9999).code, 10147, "v{v}");
        // A global cancel ends a resting GTC order.
        let third = id + 2;
        peer.place(third, stock("MSFT"), limit("BUY", "1", 1.00));
        peer.until_status(third, "Submitted");
        peer.send(Request::ReqGlobalCancel(ReqGlobalCancel {
            order_cancel: OrderCancel::unset(),
        }));
        peer.until_status(third, "Cancelled");
    }
}

#[test]
fn rejects_carry_tws_codes() {
    for &v in VERSIONS {
        let sim = start(v, |_| {});
        let mut peer = Peer::connect(&sim, 3);
        let id = peer.next_id;
        peer.place(id, stock("NOSUCH"), market("BUY", "1"));
        assert_eq!(peer.error_for(id).code, 200, "v{v}: unknown contract");
        peer.place(id + 1, stock("AAPL"), limit("BUY", "1", 100.001));
        assert_eq!(peer.error_for(id + 1).code, 110, "v{v}: off the tick");
        peer.place(id + 2, stock("AAPL"), market("BUY", "0"));
        assert_eq!(peer.error_for(id + 2).code, 434, "v{v}: zero size");
        let mut rel = market("BUY", "1");
        rel.order_type = "REL".into();
        peer.place(id + 3, stock("AAPL"), rel);
        assert_eq!(peer.error_for(id + 3).code, 387, "v{v}: unsupported type");
        assert!(peer.open_orders(false).is_empty(), "v{v}: none kept");
    }
}

#[test]
fn a_what_if_order_answers_margins_and_keeps_nothing() {
    for &v in VERSIONS {
        let sim = start(v, |_| {});
        let mut peer = Peer::connect(&sim, 4);
        let id = peer.next_id;
        let mut order = limit("BUY", "100", 500.00);
        order.what_if = true;
        // SPY: not among the simulated account's holdings.
        peer.place(id, stock("SPY"), order);
        let got = peer.until("openOrder", |m| matches!(m, Incoming::OpenOrder(_)));
        let Some(Incoming::OpenOrder(o)) = got.last() else {
            unreachable!()
        };
        assert_eq!(o.order_id, id);
        assert!(o.order.what_if, "v{v}");
        let s = &o.order_state;
        let change: f64 = s.init_margin_change.parse().unwrap();
        let before: f64 = s.init_margin_before.parse().unwrap();
        let after: f64 = s.init_margin_after.parse().unwrap();
        // 100 shares at 500 with a 25% initial margin.
        assert!((change - 12_500.0).abs() < 0.01, "v{v}: {s:?}");
        assert!((after - before - change).abs() < 0.02, "v{v}: {s:?}");
        assert!(s.equity_with_loan_before.parse::<f64>().unwrap() > 0.0);
        assert!(
            s.commission_and_fees > 0.0 && s.commission_and_fees < 10.0,
            "v{v}"
        );
        assert_eq!(s.commission_and_fees_currency, "USD");
        assert!(
            peer.open_orders(false).is_empty(),
            "v{v}: a what-if is not kept"
        );
        assert!(peer.executions(1).0.is_empty(), "v{v}: nor filled");
    }
}

/// Places a market order that fills only after `fill_delay_steps` market
/// steps, and returns once the simulator accepted it (PreSubmitted).
fn place_delayed(peer: &mut Peer, id: i32) {
    peer.place(id, stock("AAPL"), market("SELL", "20"));
    let got = peer.until_status(id, "PreSubmitted");
    assert!(split_fills(&got, -1).0.is_empty(), "not filled yet");
}

/// reqExecutions until the order's fills add up to `qty` (the market steps
/// on a server thread; a loaded machine may lag).
fn wait_for_fills(peer: &mut Peer, order_id: i32, qty: u64) -> Vec<ExecDetails> {
    let deadline = Instant::now() + TIMEOUT;
    for req_id in 100.. {
        let mine: Vec<ExecDetails> = peer
            .executions(req_id)
            .0
            .into_iter()
            .filter(|x| x.execution.order_id == order_id)
            .collect();
        if shares(&mine) == qty {
            return mine;
        }
        assert!(Instant::now() < deadline, "no fill of {order_id} in time");
        std::thread::sleep(Duration::from_millis(100));
    }
    unreachable!()
}

#[test]
fn fills_while_disconnected_are_there_after_reconnecting() {
    for &v in VERSIONS {
        // 10 steps a second, orders work from their 5th step: 0.5 s.
        let sim = start(v, |c| {
            c.market_data_rate = 10;
            c.fill_delay_steps = 5;
        });
        let mut peer = Peer::connect(&sim, 5);
        let id = peer.next_id;
        place_delayed(&mut peer, id);
        drop(peer);
        std::thread::sleep(Duration::from_millis(800));
        let mut peer = Peer::connect(&sim, 5);
        assert!(peer.next_id > id, "v{v}: nextValidId is above the used id");
        let fills = wait_for_fills(&mut peer, id, 20);
        assert_eq!(fills[0].execution.side, "SLD");
        assert_eq!(fills[0].execution.client_id, 5);
        assert!(
            peer.open_orders(false).is_empty(),
            "v{v}: it is no longer open"
        );
    }
}

#[test]
fn orders_and_fills_survive_a_restart() {
    // The simulator restarts 1 s in and is down for 1 s; the order fills
    // 1.5 s in, while it is down.
    let sim = start(222, |c| {
        c.market_data_rate = 10;
        c.fill_delay_steps = 15;
        c.faults.restart = Some(Restart {
            after: Duration::from_secs(1),
            down: Duration::from_secs(1),
        });
    });
    let addr = sim.addr();
    let mut peer = Peer::connect(&sim, 6);
    let id = peer.next_id;
    place_delayed(&mut peer, id);
    let resting = id + 1;
    peer.place(resting, stock("MSFT"), limit("BUY", "5", 1.00));
    peer.until_status(resting, "PreSubmitted");
    // Nothing more arrives before the restart closes the connection.
    while let Some(frame) = peer.try_frame() {
        let msg = peer.decode(&frame);
        assert!(
            !matches!(msg, Incoming::ExecDetails(_)),
            "a fill before the restart: {msg:?}"
        );
    }
    let deadline = Instant::now() + TIMEOUT;
    let mut peer = loop {
        match Peer::connect_to(addr, 6) {
            Ok(p) => break p,
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => panic!("no reconnect: {e}"),
        }
    };
    let fills = wait_for_fills(&mut peer, id, 20);
    assert!(!fills.is_empty());
    let open = peer.open_orders(false);
    assert_eq!(
        open.iter().map(|o| o.order_id).collect::<Vec<_>>(),
        vec![resting],
        "the GTC order is still open"
    );
}

#[test]
fn client_zero_and_the_master_client_see_other_clients_orders() {
    for &v in VERSIONS {
        let sim = start(v, |c| c.master_client_id = Some(9));
        let mut owner = Peer::connect(&sim, 3);
        let id = owner.next_id;
        owner.place(id, stock("AAPL"), limit("BUY", "10", 1.00));
        owner.until_status(id, "Submitted");
        owner.place(id + 1, stock("AAPL"), market("BUY", "10"));
        owner.until_status(id + 1, "Filled");

        let mut other = Peer::connect(&sim, 4);
        assert!(
            other.open_orders(false).is_empty(),
            "v{v}: client 4 sees its own only"
        );
        assert!(other.executions(1).0.is_empty(), "v{v}");
        let all = other.open_orders(true);
        assert_eq!(all.len(), 1, "v{v}: reqAllOpenOrders sees every client's");
        assert_eq!((all[0].order_id, all[0].order.client_id), (id, 3));

        let mut viewers = [Peer::connect(&sim, 0), Peer::connect(&sim, 9)];
        for (viewer, client_id) in viewers.iter_mut().zip([0, 9]) {
            let open = viewer.open_orders(false);
            assert_eq!(open.len(), 1, "v{v}: client {client_id}: {open:?}");
            assert_eq!(open[0].order.client_id, 3);
            let (execs, _) = viewer.executions(2);
            assert!(
                execs.iter().all(|x| x.execution.client_id == 3) && !execs.is_empty(),
                "v{v}: client {client_id} sees client 3's executions"
            );
        }

        // Client 0 cancels everything; the owner is told.
        let zero = &mut viewers[0];
        zero.send(Request::ReqGlobalCancel(ReqGlobalCancel {
            order_cancel: OrderCancel::unset(),
        }));
        zero.settle();
        // The owner's next answer comes after what happened to its orders:
        // the Cancelled status goes before the (empty) open orders.
        owner.send(Request::ReqOpenOrders(ReqOpenOrders {}));
        let got = owner.until("openOrderEnd", |m| matches!(m, Incoming::OpenOrderEnd(_)));
        let cancelled = statuses(&got, id);
        assert_eq!(
            cancelled.last().map(|s| s.status.as_str()),
            Some("Cancelled"),
            "v{v}: {got:?}"
        );
        assert!(
            !got.iter()
                .any(|m| matches!(m, Incoming::OpenOrder(o) if o.order_id == id)),
            "v{v}: {got:?}"
        );
        assert!(zero.open_orders(true).is_empty(), "v{v}");
    }
}

#[test]
fn stop_orders_wait_for_their_trigger() {
    for &v in VERSIONS {
        let sim = start(v, |_| {});
        let mut peer = Peer::connect(&sim, 7);
        let id = peer.next_id;
        let stop = |action: &str, aux: f64| Order {
            order_type: "STP".into(),
            aux_price: aux,
            tif: "GTC".into(),
            ..market(action, "10")
        };
        // A buy stop below the ask has triggered: it fills at once.
        peer.place(id, stock("AAPL"), stop("BUY", 1.00));
        let got = peer.until_status(id, "Filled");
        assert_eq!(shares(&split_fills(&got, -1).0), 10, "v{v}");
        // A sell stop far below the bid waits for it.
        let sell = id + 1;
        peer.place(sell, stock("AAPL"), stop("SELL", 1.00));
        let got = peer.until_status(sell, "PreSubmitted");
        assert!(split_fills(&got, -1).0.is_empty(), "v{v}");
        let open = peer.open_orders(false);
        assert_eq!(open.len(), 1, "v{v}: {open:?}");
        assert_eq!(open[0].order_state.status, "PreSubmitted");
        // Moved above the bid, it triggers and sells at the bid.
        peer.place(sell, stock("AAPL"), stop("SELL", 10_000.00));
        let got = peer.until_status(sell, "Filled");
        let (execs, _) = split_fills(&got, -1);
        assert_eq!(shares(&execs), 10, "v{v}");
        assert!(execs.iter().all(|x| x.execution.side == "SLD"));
    }
}
