//! Orders through the engine, against the simulator over 127.0.0.1: order
//! ids taken by many threads at once (checked against the placeOrder
//! requests the simulator received), placements refused at once while the
//! link is down (disconnected, reconnecting, TWS without IB) without using
//! up an id, and the blocking order calls: answered, and timing out with a
//! typed error when TWS does not answer.

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tws::client::{Client, ConnectionState, Error, Event, Options, ReconnectPolicy};
use tws::protocol::executions::ExecutionFilter;
use tws::protocol::messages::Contract;
use tws::protocol::orders::Order;
use tws::protocol::{Incoming, RawMessage, Request};
use tws::sim::{self, faults::ConnectivityStep, Faults, Restart, SimConfig};

const T: Duration = Duration::from_secs(5);

fn config(version: i32, record: Option<PathBuf>) -> SimConfig {
    SimConfig {
        server_version: version,
        quiet: true,
        summary_refresh: None,
        record,
        ..SimConfig::default()
    }
}

fn no_reconnect() -> Options {
    Options {
        reconnect: ReconnectPolicy {
            enabled: false,
            ..ReconnectPolicy::default()
        },
        ..Options::default()
    }
}

fn connect(sim: &sim::SimHandle, options: Options) -> Client {
    let client = Client::new(options).unwrap();
    client
        .connect("127.0.0.1", sim.port(), 5, T)
        .expect("connects");
    client
}

fn record_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("libtws-oe-{name}-{}.jsonl", std::process::id()))
}

fn aapl() -> Contract {
    Contract {
        symbol: "AAPL".into(),
        ..common::stock()
    }
}

fn limit(action: &str, quantity: &str, price: f64) -> Order {
    Order {
        action: action.into(),
        total_quantity: quantity.into(),
        order_type: "LMT".into(),
        lmt_price: price,
        ..Order::unset()
    }
}

fn bytes_of(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

/// The order ids of the placeOrder requests the simulator received, in
/// the order it received them.
fn placed_ids(path: &PathBuf, version: i32) -> Vec<i32> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter_map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            if v["dir"] != "out" || v["name"] == "ClientHello" {
                return None;
            }
            let frame = bytes_of(v["hex"].as_str().unwrap());
            let raw = RawMessage::split(&frame[4..], version).unwrap();
            match Request::decode(&raw, version).unwrap()? {
                Request::PlaceOrder(p) => Some(p.order_id),
                _ => None,
            }
        })
        .collect()
}

/// Polls until an event satisfies `want` (at most `T`).
fn until(client: &Client, what: &str, want: impl Fn(&Event) -> bool) {
    let deadline = Instant::now() + T;
    while Instant::now() < deadline {
        if let Ok(Some(e)) = client.poll(Duration::from_millis(20)) {
            if want(&e) {
                return;
            }
        }
    }
    panic!("no {what} within {T:?}");
}

fn is_state(e: &Event, want: ConnectionState) -> bool {
    matches!(e, Event::State { state, .. } if *state == want)
}

#[test]
fn eight_threads_placing_at_once_never_share_an_id() {
    for version in [176, 222] {
        let path = record_path(&format!("threads-{version}"));
        let sim = sim::start(config(version, Some(path.clone()))).unwrap();
        // Paced as usual (50 a second): the pacer delays, never reorders.
        let client = Arc::new(connect(&sim, Options::default()));
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let client = client.clone();
                std::thread::spawn(move || {
                    (0..8)
                        .map(|i| {
                            let order = limit("BUY", &format!("{}", t * 10 + i + 1), 189.5);
                            client.place_order(&aapl(), &order).expect("placed")
                        })
                        .collect::<Vec<i64>>()
                })
            })
            .collect();
        // And what-if probes meanwhile, each under an id of its own.
        let prober = {
            let client = client.clone();
            std::thread::spawn(move || {
                for _ in 0..4 {
                    let probe = client.what_if(&aapl(), &limit("BUY", "100", 189.5), T);
                    assert!(probe.is_ok(), "{probe:?}");
                }
            })
        };
        let returned: Vec<i64> = threads
            .into_iter()
            .flat_map(|t| t.join().unwrap())
            .collect();
        prober.join().unwrap();
        let unique: BTreeSet<i64> = returned.iter().copied().collect();
        assert_eq!(unique.len(), 64, "an id was handed out twice at {version}");
        let next = client.next_order_id().unwrap();
        // Answered after every request before it: the simulator read them all.
        client.open_orders(T).unwrap();
        client.disconnect();
        sim.stop();
        // What went on the wire: every id once, in increasing order.
        let sent = placed_ids(&path, version);
        let _ = std::fs::remove_file(&path);
        let sent_ids: Vec<i64> = sent.iter().map(|id| i64::from(*id)).collect();
        let mut sorted = sent_ids.clone();
        sorted.sort_unstable();
        assert_eq!(
            sent_ids, sorted,
            "ids reached TWS out of order at {version}"
        );
        let sent_set: BTreeSet<i64> = sent_ids.into_iter().collect();
        assert_eq!(sent.len(), 68, "at {version}");
        assert_eq!(sent_set.len(), 68, "an id went out twice at {version}");
        assert!(unique.is_subset(&sent_set), "at {version}");
        // Consecutive ids, and the next one follows the last: none skipped or reused.
        let first = *sent_set.first().unwrap();
        assert_eq!(sent_set, (first..first + 68).collect(), "at {version}");
        assert_eq!(next, first + 68, "at {version}");
    }
}

#[test]
fn a_fresh_next_valid_id_never_moves_the_counter_back() {
    let sim = sim::start(config(222, None)).unwrap();
    let client = connect(&sim, Options::default());
    let first = client.next_order_id().unwrap();
    for _ in 0..5 {
        client.next_order_id().unwrap();
    }
    // The simulator answers reqIds with the id it started with.
    client.req_ids(1).unwrap();
    until(&client, "nextValidId", |e| {
        matches!(e, Event::Message(Incoming::NextValidId(_)))
    });
    assert_eq!(client.next_order_id().unwrap(), first + 6);
    client.disconnect();
    sim.stop();
}

#[test]
fn a_placement_while_the_link_is_down_fails_at_once_and_uses_no_id() {
    // Never connected.
    let never = Client::new(no_reconnect()).unwrap();
    assert!(matches!(
        never.place_order(&aapl(), &limit("BUY", "100", 189.5)),
        Err(Error::NotConnected)
    ));

    // Disconnected after a session.
    let path = record_path("down");
    let sim = sim::start(config(222, Some(path.clone()))).unwrap();
    let client = connect(&sim, no_reconnect());
    let before = client.next_order_id().unwrap();
    client.disconnect();
    let started = Instant::now();
    for _ in 0..3 {
        assert!(matches!(
            client.place_order(&aapl(), &limit("BUY", "100", 189.5)),
            Err(Error::NotConnected)
        ));
        assert!(matches!(
            client.place_order_with_id(before, &aapl(), &limit("BUY", "100", 189.5)),
            Err(Error::NotConnected)
        ));
        assert!(matches!(
            client.cancel_order(before, None),
            Err(Error::NotConnected)
        ));
    }
    assert!(started.elapsed() < Duration::from_millis(500));
    assert_eq!(client.next_order_id().unwrap(), before + 1, "no id used");
    sim.stop();
    assert!(placed_ids(&path, 222).is_empty(), "nothing was sent");
    let _ = std::fs::remove_file(&path);

    // TWS without IB (1100): refused until the link is back.
    let sim = sim::start(SimConfig {
        faults: Faults {
            connectivity: vec![ConnectivityStep {
                code: 1100,
                at: Duration::from_millis(200),
            }],
            ..Faults::default()
        },
        ..config(222, None)
    })
    .unwrap();
    let client = connect(&sim, no_reconnect());
    until(&client, "IbLinkLost", |e| {
        is_state(e, ConnectionState::IbLinkLost)
    });
    let before = client.next_order_id().unwrap();
    assert!(matches!(
        client.place_order(&aapl(), &limit("BUY", "100", 189.5)),
        Err(Error::NotConnected)
    ));
    assert!(matches!(
        client.what_if(&aapl(), &limit("BUY", "100", 189.5), T),
        Err(Error::NotConnected)
    ));
    assert_eq!(client.next_order_id().unwrap(), before + 1);
    client.disconnect();
    sim.stop();

    // Reconnecting after a restart: refused, never queued for later.
    let path = record_path("restart");
    let sim = sim::start(SimConfig {
        faults: Faults {
            restart: Some(Restart {
                after: Duration::from_millis(300),
                down: Duration::from_millis(1500),
            }),
            ..Faults::default()
        },
        ..config(222, Some(path.clone()))
    })
    .unwrap();
    let client = connect(
        &sim,
        Options {
            reconnect: ReconnectPolicy {
                enabled: true,
                initial_delay: Duration::from_millis(100),
                max_delay: Duration::from_millis(200),
                jitter_percent: 0,
                max_attempts: 0,
            },
            ..Options::default()
        },
    );
    until(&client, "ConnectionLost", |e| {
        is_state(e, ConnectionState::ConnectionLost)
    });
    let started = Instant::now();
    assert!(matches!(
        client.place_order(&aapl(), &limit("BUY", "100", 189.5)),
        Err(Error::NotConnected)
    ));
    assert!(started.elapsed() < Duration::from_millis(200));
    until(&client, "Reconnected", |e| {
        is_state(e, ConnectionState::Reconnected)
    });
    std::thread::sleep(Duration::from_millis(200));
    client.disconnect();
    sim.stop();
    assert!(
        placed_ids(&path, 222).is_empty(),
        "never sent, not even later"
    );
    let _ = std::fs::remove_file(&path);
}

#[test]
fn blocking_order_calls_answer_or_time_out_with_a_typed_error() {
    let sim = sim::start(config(222, None)).unwrap();
    let client = connect(&sim, Options::default());
    // The simulator holds no orders yet: empty answers, not timeouts.
    assert_eq!(client.open_orders(T).unwrap(), vec![]);
    assert_eq!(client.completed_orders(false, T).unwrap(), vec![]);
    assert_eq!(
        client.executions(&ExecutionFilter::all(), T).unwrap(),
        vec![]
    );
    client.disconnect();
    sim.stop();

    // A TWS that stops answering.
    let sim = sim::start(SimConfig {
        faults: Faults {
            freeze_after: Some(Duration::from_millis(100)),
            ..Faults::default()
        },
        ..config(222, None)
    })
    .unwrap();
    let client = connect(&sim, Options::default());
    std::thread::sleep(Duration::from_millis(300));
    let short = Duration::from_millis(300);
    let started = Instant::now();
    assert!(
        matches!(client.open_orders(short), Err(Error::Timeout(m)) if m.contains("openOrderEnd"))
    );
    assert!(matches!(
        client.completed_orders(true, short),
        Err(Error::Timeout(m)) if m.contains("completedOrdersEnd")
    ));
    assert!(matches!(
        client.executions(&ExecutionFilter::all(), short),
        Err(Error::Timeout(m)) if m.contains("execDetailsEnd")
    ));
    assert!(matches!(
        client.what_if(&aapl(), &limit("BUY", "100", 189.5), short),
        Err(Error::Timeout(m)) if m.contains("openOrder")
    ));
    assert!(started.elapsed() < Duration::from_secs(3));
    // A timed-out call leaves its key free for the next one.
    assert!(matches!(client.open_orders(short), Err(Error::Timeout(_))));
    client.disconnect();
    sim.stop();
}

/// Every event within `within`.
fn drain(client: &Client, within: Duration) -> Vec<Event> {
    let deadline = Instant::now() + within;
    let mut out = Vec::new();
    while Instant::now() < deadline {
        if let Ok(Some(e)) = client.poll(Duration::from_millis(20)) {
            out.push(e);
        }
    }
    out
}

/// The messages polled until `done` says so (at most `T`).
fn messages_until(
    client: &Client,
    what: &str,
    done: impl Fn(&[Incoming]) -> bool,
) -> Vec<Incoming> {
    let deadline = Instant::now() + T;
    let mut got = Vec::new();
    while Instant::now() < deadline {
        if let Ok(Some(Event::Message(m))) = client.poll(Duration::from_millis(20)) {
            got.push(m);
            if done(&got) {
                return got;
            }
        }
    }
    panic!("no {what} within {T:?}: {got:?}");
}

#[test]
fn a_limit_order_fills_with_its_execution_and_commission() {
    for version in [176, 222] {
        let sim = sim::start(config(version, None)).unwrap();
        let client = connect(&sim, Options::default());
        // Marketable: it fills at once at the ask, perhaps in parts.
        let id = client
            .place_order(&aapl(), &limit("BUY", "100", 250.0))
            .unwrap();
        let wire = i32::try_from(id).unwrap();
        let got = messages_until(&client, "the fill and its commissions", |got| {
            let filled = got.iter().any(|m| {
                matches!(m, Incoming::OrderStatus(s) if s.order_id == wire && s.status == "Filled")
            });
            let execs: Vec<&str> = got
                .iter()
                .filter_map(|m| match m {
                    Incoming::ExecDetails(x) if x.execution.order_id == wire => {
                        Some(x.execution.exec_id.as_str())
                    }
                    _ => None,
                })
                .collect();
            let reports = got
                .iter()
                .filter(|m| {
                    matches!(m, Incoming::CommissionAndFeesReport(r) if execs.contains(&r.exec_id.as_str()))
                })
                .count();
            filled && !execs.is_empty() && reports == execs.len()
        });
        let last = got
            .iter()
            .rev()
            .find_map(|m| match m {
                Incoming::OrderStatus(s) if s.order_id == wire => Some(s),
                _ => None,
            })
            .unwrap();
        assert_eq!(
            (last.filled.as_str(), last.remaining.as_str()),
            ("100", "0"),
            "at {version}"
        );
        assert!(last.avg_fill_price > 0.0 && last.avg_fill_price <= 250.0);

        // The blocking call tells the same, each execution with its commission.
        let reports = client.executions(&ExecutionFilter::all(), T).unwrap();
        let mine: Vec<_> = reports
            .iter()
            .filter(|r| r.execution.order_id == wire)
            .collect();
        assert!(!mine.is_empty(), "at {version}: {reports:?}");
        for r in &mine {
            let c = r.commission.as_ref().expect("a commission per execution");
            assert_eq!(c.exec_id, r.execution.exec_id);
            assert!(c.commission_and_fees > 0.0);
        }
        let shares: f64 = mine
            .iter()
            .map(|r| r.execution.shares.parse::<f64>().unwrap())
            .sum();
        assert_eq!(shares, 100.0, "at {version}");
        // Filled: no longer open, completed.
        assert!(client
            .open_orders(T)
            .unwrap()
            .iter()
            .all(|o| o.order_id != wire));
        let done = client.completed_orders(false, T).unwrap();
        assert!(
            done.iter().any(|o| o.order_state.status == "Filled"),
            "at {version}: {done:?}"
        );
        client.disconnect();
        sim.stop();
    }
}

#[test]
fn open_orders_are_returned_and_still_delivered_as_events() {
    let sim = sim::start(config(222, None)).unwrap();
    let client = connect(&sim, Options::default());
    // Far below the market: it rests.
    let id = client
        .place_order(&aapl(), &limit("BUY", "10", 100.0))
        .unwrap();
    let wire = i32::try_from(id).unwrap();
    messages_until(&client, "the resting order", |got| {
        got.iter()
            .any(|m| matches!(m, Incoming::OpenOrder(o) if o.order_id == wire))
    });
    let open = client.open_orders(T).unwrap();
    assert_eq!(
        open.iter().map(|o| o.order_id).collect::<Vec<_>>(),
        vec![wire]
    );
    assert_eq!(open[0].order.lmt_price, 100.0);
    // The order view (the events) saw the same openOrder, and no end marker.
    let events = drain(&client, Duration::from_millis(300));
    let messages: Vec<&Incoming> = events
        .iter()
        .filter_map(|e| match e {
            Event::Message(m) => Some(m),
            _ => None,
        })
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| matches!(m, Incoming::OpenOrder(o) if o.order_id == wire)),
        "{messages:?}"
    );
    assert!(!messages
        .iter()
        .any(|m| matches!(m, Incoming::OpenOrderEnd(_))));
    client.cancel_order(id, None).unwrap();
    messages_until(&client, "the cancel", |got| {
        got.iter().any(|m| {
            matches!(m, Incoming::OrderStatus(s) if s.order_id == wire && s.status == "Cancelled")
        })
    });
    assert!(client.open_orders(T).unwrap().is_empty());
    client.disconnect();
    sim.stop();
}

#[test]
fn what_if_returns_the_margin_impact_and_refusals_are_typed() {
    for version in [176, 222] {
        let sim = sim::start(config(version, None)).unwrap();
        let client = connect(&sim, Options::default());
        let spy = Contract {
            symbol: "SPY".into(),
            ..common::stock()
        };
        let state = client
            .what_if(&spy, &limit("BUY", "100", 500.0), T)
            .unwrap();
        let change: f64 = state.init_margin_change.parse().unwrap();
        let before: f64 = state.init_margin_before.parse().unwrap();
        let after: f64 = state.init_margin_after.parse().unwrap();
        // 100 shares at 500 with the simulator's 25% initial margin.
        assert!((change - 12_500.0).abs() < 0.01, "at {version}: {state:?}");
        assert!((after - before - change).abs() < 0.02);
        assert!(state.commission_and_fees > 0.0);
        // Nothing was kept, and the answer was no event.
        assert!(client.open_orders(T).unwrap().is_empty());
        let events = drain(&client, Duration::from_millis(200));
        assert!(
            !events
                .iter()
                .any(|e| matches!(e, Event::Message(Incoming::OpenOrder(_)))),
            "{events:?}"
        );
        // A price off the tick grid: TWS's 110 as a typed error.
        match client.what_if(&aapl(), &limit("BUY", "100", 189.503), T) {
            Err(Error::Request { code: 110, .. }) => {}
            other => panic!("at {version}: expected error 110, got {other:?}"),
        }
        client.disconnect();
        sim.stop();
    }
}
