//! Instruments and quotes through the engine, against the simulator over
//! 127.0.0.1: the blocking calls and their errors, subscriptions of every
//! kind re-issued under the same ids after a restart and after 1101 (and
//! snapshots and one-shots not), id refusals, the generic send path, and
//! the quote view (against the ticks delivered, and with a consumer that
//! never drains the queue, against the ticks the simulator sent).

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use tws::client::{
    Client, ConnectionState, Error, Event, Options, Quote, ReconnectPolicy,
    ACCOUNT_UPDATES_SUBSCRIPTION, MARKET_DATA_TYPE_SUBSCRIPTION, POSITIONS_SUBSCRIPTION,
    RESERVED_IDS,
};
use tws::protocol::messages::{
    CancelMktData, CancelMktDepth, Contract, ReqAccountUpdates, ReqMarketDataType, ReqMktData,
};
use tws::protocol::tick_types as tt;
use tws::protocol::{Incoming, RawMessage, Request};
use tws::sim::{self, faults::ConnectivityStep, Faults, SimConfig};

const T: Duration = Duration::from_secs(5);
const AAPL: i32 = 265_598;

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

fn connect(sim: &sim::SimHandle, options: Options) -> Client {
    let client = Client::new(options).unwrap();
    client
        .connect("127.0.0.1", sim.port(), 5, T)
        .expect("connects");
    client
}

fn record_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("libtws-mde-{name}-{}.jsonl", std::process::id()))
}

fn stock(symbol: &str) -> Contract {
    Contract {
        symbol: symbol.into(),
        ..common::stock()
    }
}

fn bytes_of(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

/// The simulator's record, decoded: per line its connection number and
/// either the request it received or the message it sent.
enum Line {
    Out(u64, Request),
    In(u64, Incoming),
}

fn record(path: &PathBuf, version: i32) -> Vec<Line> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter_map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let name = v["name"].as_str().unwrap_or("");
            if name == "ClientHello" || name == "ServerHello" {
                return None;
            }
            let conn = v["conn"].as_u64().unwrap();
            let frame = bytes_of(v["hex"].as_str().unwrap());
            let raw = RawMessage::split(&frame[4..], version).unwrap();
            Some(if v["dir"] == "out" {
                Line::Out(conn, Request::decode(&raw, version).unwrap()?)
            } else {
                Line::In(conn, Incoming::decode(&raw, version).unwrap()?)
            })
        })
        .collect()
}

/// The requests the simulator received on its first connection.
fn requests_on_first(lines: &[Line]) -> Vec<Request> {
    let first = first_conn(lines);
    lines
        .iter()
        .filter_map(|l| match l {
            Line::Out(c, r) if *c == first => Some(r.clone()),
            _ => None,
        })
        .collect()
}

fn first_conn(lines: &[Line]) -> u64 {
    match lines.first() {
        Some(Line::Out(c, _) | Line::In(c, _)) => *c,
        None => panic!("an empty record"),
    }
}

/// Every event within `within`.
fn drain(client: &Client, within: Duration) -> Vec<Event> {
    let deadline = Instant::now() + within;
    let mut out = Vec::new();
    while Instant::now() < deadline {
        match client.poll(Duration::from_millis(20)) {
            Ok(Some(e)) => out.push(e),
            Ok(None) => {}
            Err(_) => break,
        }
    }
    out
}

fn until(client: &Client, what: &str, pred: impl Fn(&Event) -> bool) -> Vec<Event> {
    let deadline = Instant::now() + T;
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        if let Some(e) = client.poll(Duration::from_millis(20)).unwrap() {
            let done = pred(&e);
            seen.push(e);
            if done {
                return seen;
            }
        }
    }
    panic!("no {what} within {T:?}");
}

/// Waits until the engine has re-issued `n` subscriptions (its count
/// follows the write).
fn wait_resubscriptions(client: &Client, n: u64) {
    let deadline = Instant::now() + T;
    while client.stats().resubscriptions < n {
        assert!(Instant::now() < deadline, "{:?}", client.stats());
        drain(client, Duration::from_millis(20));
    }
}

fn is_state(e: &Event, want: ConnectionState) -> bool {
    matches!(e, Event::State { state, .. } if *state == want)
}

#[test]
fn blocking_calls_answer_with_rows_that_are_never_events() {
    for version in [176, 222] {
        let sim = sim::start(config(version, None)).unwrap();
        let client = connect(&sim, Options::default());

        let rows = client.contract_details(&stock("AAPL"), T).unwrap();
        assert_eq!(rows.len(), 1, "at {version}");
        assert_eq!(rows[0].contract.con_id, AAPL);
        assert_eq!(rows[0].details.long_name, "APPLE INC");
        let futures = client
            .contract_details(
                &Contract {
                    symbol: "ES".into(),
                    sec_type: "FUT".into(),
                    exchange: "CME".into(),
                    ..common::stock()
                },
                T,
            )
            .unwrap();
        assert!(futures.len() > 1, "every month: {futures:?}");
        let bond = client
            .contract_details(
                &Contract {
                    symbol: "US-T".into(),
                    sec_type: "BOND".into(),
                    ..common::stock()
                },
                T,
            )
            .unwrap();
        assert_eq!(bond.len(), 1);
        assert!(!bond[0].details.cusip.is_empty(), "a bond row: {bond:?}");
        assert!(bond[0].details.coupon > 0.0);
        match client.contract_details(&stock("NOPE"), T) {
            Err(Error::Request { code: 200, .. }) => {}
            other => panic!("expected error 200, got {other:?}"),
        }

        let found = client.matching_symbols("AAP", T).unwrap();
        assert_eq!(found[0].contract.con_id, AAPL);

        let params = client
            .sec_def_opt_params("AAPL", "", "STK", AAPL, T)
            .unwrap();
        assert!(params.len() > 10, "{params:?}");
        assert!(params[0].strikes.contains(&190.0));
        assert!(matches!(
            client.sec_def_opt_params("NOPE", "", "STK", 42, T),
            Err(Error::Request { code: 200, .. })
        ));

        let rule = client.market_rule(110, T).unwrap();
        let steps: Vec<(f64, f64)> = rule.iter().map(|p| (p.low_edge, p.increment)).collect();
        assert_eq!(steps, [(0.0, 0.01), (3.0, 0.05)]);
        // TWS answers nothing for an unknown rule.
        assert!(matches!(
            client.market_rule(987_654, Duration::from_millis(300)),
            Err(Error::Timeout(_))
        ));

        let depth = client.mkt_depth_exchanges(T).unwrap();
        assert!(depth.iter().any(|d| d.exchange == "ISLAND"));
        let families = client.family_codes(T).unwrap();
        assert_eq!(families[0].account_id, "DU123456");

        let quote = client.snapshot_quote(&stock("SPY"), T).unwrap();
        let (bid, ask) = (quote.bid.unwrap(), quote.ask.unwrap());
        assert!(bid > 0.0 && bid < ask, "{quote:?}");
        assert!(quote.bid_size.is_some() && quote.ask_size.is_some());
        assert!(matches!(
            client.snapshot_quote(&stock("NOPE"), T),
            Err(Error::Request { code: 200, .. })
        ));
        // The snapshot's view is gone once the call returned.
        assert_eq!(client.subscriptions(), vec![]);

        // Nothing of the calls above came as an event.
        let events = drain(&client, Duration::from_millis(300));
        for e in &events {
            if let Event::Message(m) = e {
                assert!(
                    !matches!(
                        m,
                        Incoming::ContractData(_)
                            | Incoming::BondContractData(_)
                            | Incoming::ContractDataEnd(_)
                            | Incoming::SymbolSamples(_)
                            | Incoming::SecDefOptParameter(_)
                            | Incoming::SecDefOptParameterEnd(_)
                            | Incoming::MarketRule(_)
                            | Incoming::MktDepthExchanges(_)
                            | Incoming::FamilyCodes(_)
                            | Incoming::TickPrice(_)
                            | Incoming::TickSize(_)
                            | Incoming::TickSnapshotEnd(_)
                    ),
                    "at {version}: {m:?}"
                );
                if let Incoming::Error(err) = m {
                    assert!(!RESERVED_IDS.contains(&err.req_id), "{err:?}");
                }
            }
        }
    }
}

/// Opens one subscription of every kind (this family's and the account
/// family's), a snapshot and a one-shot (which are not subscriptions);
/// returns the live subscriptions' requests, in key order.
fn subscribe_all(client: &Client) -> Vec<Request> {
    client.req_market_data_type(4).unwrap();
    client.req_market_data_type(1).unwrap();
    client
        .req_mkt_data(10, &stock("AAPL"), "", false, false, &[])
        .unwrap();
    client
        .req_mkt_data(11, &stock("SPY"), "", true, false, &[])
        .unwrap();
    client
        .req_mkt_depth(12, &stock("AAPL"), 5, true, &[])
        .unwrap();
    client
        .req_tick_by_tick_data(13, &stock("AAPL"), "BidAsk", 0, false)
        .unwrap();
    client
        .req_real_time_bars(14, &stock("AAPL"), 5, "MIDPOINT", false, &[])
        .unwrap();
    client.req_contract_details(15, &stock("AAPL")).unwrap();
    client
        .req_account_summary(16, "All", "NetLiquidation")
        .unwrap();
    client.req_positions().unwrap();
    client.req_account_updates("DU123456").unwrap();
    client.req_positions_multi(17, "DU123456", "").unwrap();
    client
        .req_account_updates_multi(18, "DU123456", "", false)
        .unwrap();
    client.req_pnl(19, "DU123456", "").unwrap();
    client.req_pnl_single(20, "DU123456", "", AAPL).unwrap();
    let live = client.subscriptions();
    let keys: Vec<i32> = live.iter().map(|(id, _)| *id).collect();
    assert_eq!(
        keys,
        vec![
            MARKET_DATA_TYPE_SUBSCRIPTION,
            ACCOUNT_UPDATES_SUBSCRIPTION,
            POSITIONS_SUBSCRIPTION,
            10,
            12,
            13,
            14,
            16,
            17,
            18,
            19,
            20
        ]
    );
    assert_eq!(
        live[0].1,
        Request::ReqMarketDataType(ReqMarketDataType {
            market_data_type: 1
        }),
        "the latest market data type"
    );
    live.into_iter().map(|(_, r)| r).collect()
}

/// What a re-issue must send: every live subscription once, in key order,
/// and nothing else (no snapshot, no one-shot) but cancels.
fn assert_reissued(sent: &[Request], live: &[Request]) {
    let reissued: Vec<&Request> = sent
        .iter()
        .filter(|r| r.cancels().is_none() && !matches!(r, Request::StartApi(_)))
        // The order reconciliation that follows the re-issued subscriptions.
        .filter(|r| {
            !matches!(
                r,
                Request::ReqOpenOrders(_)
                    | Request::ReqAllOpenOrders(_)
                    | Request::ReqExecutions(_)
            )
        })
        .collect();
    let want: Vec<&Request> = live.iter().collect();
    assert_eq!(reissued, want);
}

#[test]
fn subscriptions_are_reissued_under_the_same_ids_after_a_restart() {
    let version = 222;
    let first_record = record_path("restart-1");
    let first = sim::start(config(version, Some(first_record.clone()))).unwrap();
    let port = first.port();
    let client = connect(&first, quick_reconnect());
    let live = subscribe_all(&client);
    drain(&client, Duration::from_millis(300));
    first.stop();
    until(&client, "connection lost", |e| {
        is_state(e, ConnectionState::ConnectionLost)
    });

    let second_record = record_path("restart-2");
    let second = sim::start(SimConfig {
        port,
        ..config(version, Some(second_record.clone()))
    })
    .unwrap();
    let events = until(&client, "reconnected", |e| {
        is_state(e, ConnectionState::Reconnected)
    });
    match events.last() {
        Some(Event::State { resubscribed, .. }) => assert_eq!(
            resubscribed,
            &vec![
                MARKET_DATA_TYPE_SUBSCRIPTION,
                -3,
                -2,
                10,
                12,
                13,
                14,
                16,
                17,
                18,
                19,
                20
            ]
        ),
        other => panic!("{other:?}"),
    }
    // Ticks come again under id 10.
    until(
        &client,
        "a tick of id 10",
        |e| matches!(e, Event::Message(Incoming::TickPrice(t)) if t.req_id == 10),
    );
    assert!(client.quote(10).unwrap().bid.is_some());
    wait_resubscriptions(&client, 12);
    drain(&client, Duration::from_millis(300));
    client.disconnect();
    second.stop();

    let sent = requests_on_first(&record(&second_record, version));
    assert_reissued(&sent, &live);
    let _ = std::fs::remove_file(first_record);
    let _ = std::fs::remove_file(second_record);
}

#[test]
fn a_1101_cancels_and_reissues_every_subscription() {
    let version = 222;
    let path = record_path("1101");
    let sim = sim::start(SimConfig {
        faults: Faults {
            connectivity: vec![ConnectivityStep {
                code: 1101,
                // Well after the subscriptions, even on a loaded machine.
                at: Duration::from_millis(2000),
            }],
            ..Faults::default()
        },
        ..config(version, Some(path.clone()))
    })
    .unwrap();
    let client = connect(&sim, Options::default());
    let live = subscribe_all(&client);
    let events = until(&client, "1101", |e| {
        is_state(e, ConnectionState::IbLinkRestored)
    });
    match events.last() {
        Some(Event::State { resubscribed, .. }) => assert_eq!(
            resubscribed,
            &vec![
                MARKET_DATA_TYPE_SUBSCRIPTION,
                -3,
                -2,
                10,
                12,
                13,
                14,
                16,
                17,
                18,
                19,
                20
            ]
        ),
        other => panic!("{other:?}"),
    }
    wait_resubscriptions(&client, 12);
    drain(&client, Duration::from_millis(300));
    client.disconnect();
    sim.stop();
    // The requests after the simulator sent its 1101.
    let lines = record(&path, version);
    let first = first_conn(&lines);
    let notice = lines
        .iter()
        .position(|l| matches!(l, Line::In(c, Incoming::Error(e)) if *c == first && e.code == 1101))
        .expect("the simulator sent 1101");

    let after: Vec<Request> = lines[notice..]
        .iter()
        .filter_map(|l| match l {
            Line::Out(c, r) if *c == first => Some(r.clone()),
            _ => None,
        })
        .collect();
    assert_reissued(&after, &live);
    // Each subscription with a cancel is cancelled right before it is sent again.
    for (i, r) in after.iter().enumerate() {
        let Some(sub) = r.subscription() else {
            continue;
        };
        if let Some(cancel) = sub.cancel {
            assert_eq!(after.get(i.wrapping_sub(1)), Some(&cancel), "before {r:?}");
        }
    }
    assert!(after.iter().any(|r| matches!(
        r,
        Request::CancelMktDepth(CancelMktDepth {
            req_id: 12,
            is_smart_depth: true
        })
    )));
    let _ = std::fs::remove_file(path);
}

#[test]
fn request_ids_are_checked() {
    let sim = sim::start(config(222, None)).unwrap();
    let client = connect(&sim, Options::default());
    let aapl = stock("AAPL");
    assert!(matches!(
        client.req_mkt_data(-1, &aapl, "", false, false, &[]),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        client.req_mkt_depth(*RESERVED_IDS.start(), &aapl, 5, false, &[]),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        client.req_market_data_type(5),
        Err(Error::InvalidArgument(_))
    ));
    client
        .req_mkt_data(1, &aapl, "", false, false, &[])
        .unwrap();
    assert_eq!(
        client.req_mkt_data(1, &aapl, "", false, false, &[]),
        Err(Error::DuplicateRequestId(1))
    );
    assert_eq!(
        client.req_real_time_bars(1, &aapl, 5, "TRADES", false, &[]),
        Err(Error::DuplicateRequestId(1))
    );
    // A one-shot under a live id is refused too.
    assert_eq!(
        client.req_contract_details(1, &aapl),
        Err(Error::DuplicateRequestId(1))
    );
    assert_eq!(
        client.req_mkt_data(1, &aapl, "", true, false, &[]),
        Err(Error::DuplicateRequestId(1))
    );
    // The cancel of another kind leaves it live; its own cancel ends it.
    client.cancel_mkt_depth(1, false).unwrap();
    assert!(client.quote(1).is_some());
    client.cancel_mkt_data(1).unwrap();
    assert_eq!(client.quote(1), None);
    assert_eq!(client.subscriptions(), vec![]);
    client
        .req_mkt_data(1, &aapl, "", false, false, &[])
        .unwrap();
    assert!(client.quote(1).is_some());
}

#[test]
fn the_generic_send_records_and_forgets_subscriptions() {
    let sim = sim::start(config(222, None)).unwrap();
    let client = connect(&sim, Options::default());
    let stream = |req_id, snapshot| {
        Request::ReqMktData(ReqMktData {
            req_id,
            contract: Box::new(stock("AAPL")),
            generic_tick_list: String::new(),
            snapshot,
            regulatory_snapshot: false,
            mkt_data_options: Vec::new(),
        })
    };
    client.send(&stream(20, false)).unwrap();
    assert_eq!(client.subscriptions(), vec![(20, stream(20, false))]);
    assert!(client.quote(20).is_some());
    assert_eq!(
        client.send(&stream(20, false)),
        Err(Error::DuplicateRequestId(20))
    );
    client.send(&stream(21, true)).unwrap();
    client
        .send(&Request::ReqMarketDataType(ReqMarketDataType {
            market_data_type: 3,
        }))
        .unwrap();
    client
        .send(&Request::ReqMarketDataType(ReqMarketDataType {
            market_data_type: 2,
        }))
        .unwrap();
    client
        .send(&Request::ReqAccountUpdates(ReqAccountUpdates {
            subscribe: true,
            account: "DU123456".into(),
        }))
        .unwrap();
    let keys: Vec<i32> = client.subscriptions().iter().map(|(k, _)| *k).collect();
    assert_eq!(keys, vec![-4, -3, 20]);
    assert_eq!(
        client.subscriptions()[0].1,
        Request::ReqMarketDataType(ReqMarketDataType {
            market_data_type: 2
        })
    );
    client
        .send(&Request::CancelMktDepth(CancelMktDepth {
            req_id: 20,
            is_smart_depth: false,
        }))
        .unwrap();
    client
        .send(&Request::ReqAccountUpdates(ReqAccountUpdates {
            subscribe: false,
            account: "DU123456".into(),
        }))
        .unwrap();
    let keys: Vec<i32> = client.subscriptions().iter().map(|(k, _)| *k).collect();
    assert_eq!(keys, vec![-4, 20]);
    client
        .send(&Request::CancelMktData(CancelMktData { req_id: 20 }))
        .unwrap();
    assert_eq!(client.quote(20), None);
    let keys: Vec<i32> = client.subscriptions().iter().map(|(k, _)| *k).collect();
    assert_eq!(keys, vec![-4]);
}

/// The quote the ticks `msgs` of `req_id` make, folded by hand.
fn fold(msgs: impl Iterator<Item = Incoming>, req_id: i32) -> (Quote, u64) {
    let mut q = Quote::default();
    let mut n = 0;
    let size = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    for m in msgs {
        match m {
            Incoming::TickPrice(t) if t.req_id == req_id => {
                let p = (t.price != -1.0 && t.price != f64::MAX).then_some(t.price);
                let (slot, size_slot) = match tt::live_twin(t.tick_type) {
                    tt::BID => (&mut q.bid, Some(&mut q.bid_size)),
                    tt::ASK => (&mut q.ask, Some(&mut q.ask_size)),
                    tt::LAST => (&mut q.last, Some(&mut q.last_size)),
                    tt::HIGH => (&mut q.high, None),
                    tt::LOW => (&mut q.low, None),
                    tt::CLOSE => (&mut q.close, None),
                    tt::OPEN => (&mut q.open, None),
                    _ => continue,
                };
                *slot = p;
                if let (Some(s), Some(v)) = (size_slot, size(&t.size)) {
                    *s = Some(v);
                }
                n += 1;
            }
            Incoming::TickSize(t) if t.req_id == req_id => {
                let slot = match tt::live_twin(t.tick_type) {
                    tt::BID_SIZE => &mut q.bid_size,
                    tt::ASK_SIZE => &mut q.ask_size,
                    tt::LAST_SIZE => &mut q.last_size,
                    tt::VOLUME => &mut q.volume,
                    _ => continue,
                };
                *slot = size(&t.size);
                n += 1;
            }
            Incoming::TickString(t)
                if t.req_id == req_id && tt::live_twin(t.tick_type) == tt::LAST_TIMESTAMP =>
            {
                q.last_time = t.value.parse().ok();
                n += 1;
            }
            Incoming::TickGeneric(t)
                if t.req_id == req_id && tt::live_twin(t.tick_type) == tt::HALTED =>
            {
                q.halted = Some(t.value as i32);
                n += 1;
            }
            Incoming::MarketDataType(t) if t.req_id == req_id => {
                q.market_data_type = Some(t.market_data_type);
                n += 1;
            }
            _ => {}
        }
    }
    (q, n)
}

/// The view without its counter, to compare with a hand-folded one.
fn values(q: &Quote) -> Quote {
    Quote {
        updated_at: 0,
        ..q.clone()
    }
}

#[test]
fn the_quote_view_is_the_ticks_delivered() {
    let sim = sim::start(SimConfig {
        market_data_rate: 20,
        ..config(222, None)
    })
    .unwrap();
    let client = connect(&sim, no_reconnect());
    client
        .req_mkt_data(1, &stock("AAPL"), "", false, false, &[])
        .unwrap();
    let mut seen = drain(&client, Duration::from_millis(1500));
    // No more ticks: everything the reader folded is now in the queue.
    sim.stop();
    seen.extend(until(&client, "connection lost", |e| {
        is_state(e, ConnectionState::ConnectionLost)
    }));
    let msgs = seen.into_iter().filter_map(|e| match e {
        Event::Message(m) => Some(m),
        _ => None,
    });
    let (want, ticks) = fold(msgs, 1);
    let quote = client.quote(1).expect("the view outlives the connection");
    assert!(ticks > 20, "{ticks} ticks");
    assert!(want.bid.is_some() && want.volume.is_some() && want.last_time.is_some());
    assert_eq!(values(&quote), want);
    assert_eq!(quote.updated_at, ticks);
    assert_eq!(client.stats().ticks_conflated, 0);
}

#[test]
fn a_consumer_that_never_drains_still_sees_the_market() {
    let version = 222;
    let path = record_path("slow");
    let sim = sim::start(SimConfig {
        market_data_rate: 100,
        ..config(version, Some(path.clone()))
    })
    .unwrap();
    let client = connect(
        &sim,
        Options {
            queue_capacity: 8,
            ..no_reconnect()
        },
    );
    client
        .req_mkt_data(1, &stock("AAPL"), "", false, false, &[])
        .unwrap();
    // Nobody polls: the queue fills within the first ticks.
    std::thread::sleep(Duration::from_millis(2000));
    sim.stop();
    // The reader reads to the end of the stream; wait until the view stops moving.
    let mut last = client.quote(1).unwrap().updated_at;
    loop {
        std::thread::sleep(Duration::from_millis(300));
        let now = client.quote(1).unwrap().updated_at;
        if now == last {
            break;
        }
        last = now;
    }
    let stats = client.stats();
    assert!(stats.ticks_conflated > 0, "{stats:?}");
    let lines = record(&path, version);
    let first = first_conn(&lines);
    let sent = lines.into_iter().filter_map(|l| match l {
        Line::In(c, m) if c == first => Some(m),
        _ => None,
    });
    let (want, ticks) = fold(sent, 1);
    let quote = client.quote(1).unwrap();
    assert!(
        ticks > 5 * stats.queue_high_water,
        "far more ticks ({ticks}) than the queue holds: {stats:?}"
    );
    assert_eq!(
        values(&quote),
        want,
        "the view is the simulator's last ticks"
    );
    assert_eq!(quote.updated_at, ticks);
    let _ = std::fs::remove_file(path);
}

#[test]
fn delayed_ticks_fill_the_quote_with_the_type_recorded() {
    let sim = sim::start(SimConfig {
        market_data_rate: 20,
        ..config(222, None)
    })
    .unwrap();
    let client = connect(&sim, Options::default());
    client.req_market_data_type(3).unwrap();
    let bond = Contract {
        symbol: "US-T".into(),
        sec_type: "BOND".into(),
        ..common::stock()
    };
    client
        .req_mkt_data(1, &bond, "", false, false, &[])
        .unwrap();
    let events = until(&client, "a delayed bid", |e| {
        matches!(e, Event::Message(Incoming::TickPrice(t))
            if t.req_id == 1 && t.tick_type == tt::DELAYED_BID)
    });
    assert!(events.iter().any(
        |e| matches!(e, Event::Message(Incoming::Error(m)) if m.req_id == 1 && m.code == 10167)
    ));
    let Some(Event::Message(Incoming::TickPrice(bid))) = events.last() else {
        unreachable!()
    };
    let quote = client.quote(1).unwrap();
    assert!(quote.bid.is_some(), "{quote:?}");
    assert_eq!(quote.market_data_type, Some(3));
    // Nothing live came: the delayed bid is the bid (or a later one).
    assert!(
        events.iter().all(|e| !matches!(e,
            Event::Message(Incoming::TickPrice(t)) if t.req_id == 1 && t.tick_type == tt::BID)),
        "only delayed ticks for a delayed line"
    );
    assert!(bid.price > 0.0);
}

#[test]
fn a_subscription_tws_refuses_is_forgotten_and_not_reissued() {
    let version = 222;
    let sim = sim::start(config(version, None)).unwrap();
    let client = connect(&sim, no_reconnect());
    client
        .req_mkt_data(30, &stock("NOSUCHSYMBOL"), "", false, false, &[])
        .unwrap();
    client
        .req_mkt_data(31, &stock("AAPL"), "", false, false, &[])
        .unwrap();
    let live_ids = |client: &Client| -> Vec<i32> {
        client.subscriptions().iter().map(|(id, _)| *id).collect()
    };
    assert!(live_ids(&client).contains(&30));
    let events = until(
        &client,
        "error 200 for id 30",
        |e| matches!(e, Event::Message(Incoming::Error(m)) if m.req_id == 30 && m.code == 200),
    );
    assert!(!events.is_empty(), "the error is still delivered");
    let ids = live_ids(&client);
    assert!(
        !ids.contains(&30),
        "refused subscription still live: {ids:?}"
    );
    assert!(ids.contains(&31), "the accepted one stays: {ids:?}");
    assert_eq!(client.stats().subscriptions_refused, 1);
    // The id is free again.
    client
        .req_mkt_data(30, &stock("MSFT"), "", false, false, &[])
        .unwrap();
    client.disconnect();
    sim.stop();
}
