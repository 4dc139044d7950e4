//! Request ids and blocking calls: the engine's own requests never use an id
//! a user chose, a live id is never reused, a second blocking call of the
//! same kind is refused, late answers of a timed-out call never reach the
//! user, and an error without an id concerns no request.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tws::client::{Client, Error, Event, Options};
use tws::protocol::messages::ErrorMessage;
use tws::protocol::{Form, Incoming, RawMessage};
use tws::sim::{self, faults::Faults, SimConfig};

const T: Duration = Duration::from_secs(5);

fn sim_with(faults: Faults, record: Option<PathBuf>) -> sim::SimHandle {
    sim::start(SimConfig {
        accounts: vec!["DU123456".into()],
        quiet: true,
        record,
        faults,
        ..SimConfig::default()
    })
    .expect("simulator starts")
}

fn connect(sim: &sim::SimHandle) -> Client {
    let client = Client::new(Options::default()).unwrap();
    client
        .connect("127.0.0.1", sim.port(), 7, T)
        .expect("connects");
    client
}

/// Every message event that arrives within `within`.
fn drain(client: &Client, within: Duration) -> Vec<Incoming> {
    let deadline = Instant::now() + within;
    let mut out = Vec::new();
    while Instant::now() < deadline {
        if let Some(Event::Message(m)) = client.poll(Duration::from_millis(50)).unwrap() {
            out.push(m);
        }
    }
    out
}

fn record_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("libtws-{name}-{}.jsonl", std::process::id()))
}

/// The requests the client sent, from the simulator's record: (name, fields).
fn sent(record: &PathBuf) -> Vec<(String, serde_json::Value)> {
    std::fs::read_to_string(record)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["dir"] == "out")
        .map(|v| {
            (
                v["name"].as_str().unwrap_or("").to_owned(),
                v["fields"].clone(),
            )
        })
        .collect()
}

#[test]
fn blocking_summary_never_touches_a_user_subscription_with_id_0() {
    // The README's program: a subscription with id 0, then a blocking call.
    let record = record_path("readme");
    let sim = sim_with(Faults::default(), Some(record.clone()));
    let client = connect(&sim);
    client
        .req_account_summary(0, "All", "NetLiquidation")
        .unwrap();
    let first = drain(&client, Duration::from_millis(500));
    assert!(
        first
            .iter()
            .any(|m| matches!(m, Incoming::AccountSummaryEnd(e) if e.req_id == 0)),
        "the subscription's snapshot arrives: {first:?}"
    );
    let rows = client
        .account_summary("All", "NetLiquidation,BuyingPower", T)
        .expect("the blocking call gets its own rows");
    assert!(rows.iter().any(|r| r.tag == "BuyingPower"), "{rows:?}");
    assert!(rows.iter().all(|r| r.req_id != 0), "{rows:?}");
    // The user's subscription is still live and was never cancelled.
    assert!(client.subscriptions().iter().any(|(id, _)| *id == 0));
    let later = drain(&client, Duration::from_millis(300));
    assert!(
        later.iter().all(|m| !matches!(m, Incoming::Error(_))),
        "{later:?}"
    );
    client.disconnect();
    drop(sim);
    let requests = sent(&record);
    let _ = std::fs::remove_file(&record);
    assert!(
        !requests
            .iter()
            .any(|(name, f)| name == "CancelAccountSummary" && f["req_id"] == 0),
        "no cancelAccountSummary for the user's id 0: {requests:?}"
    );
    let summaries: Vec<i64> = requests
        .iter()
        .filter(|(name, _)| name == "ReqAccountSummary")
        .map(|(_, f)| f["req_id"].as_i64().unwrap())
        .collect();
    assert_eq!(summaries.len(), 2, "{requests:?}");
    assert!(summaries[1] >= 0x7000_0000, "internal id: {summaries:?}");
}

#[test]
fn a_live_request_id_is_refused() {
    let sim = sim_with(Faults::default(), None);
    let client = connect(&sim);
    client
        .req_account_summary(5, "All", "NetLiquidation")
        .unwrap();
    for result in [
        client.req_account_summary(5, "All", "BuyingPower"),
        client.req_pnl(5, "DU123456", ""),
        client.req_positions_multi(5, "DU123456", ""),
        client.req_account_updates_multi(5, "DU123456", "", false),
        client.req_pnl_single(5, "DU123456", "", 265598),
    ] {
        assert_eq!(result, Err(Error::DuplicateRequestId(5)));
    }
    // Once cancelled the id is free again.
    client.cancel_account_summary(5).unwrap();
    client.req_pnl(5, "DU123456", "").unwrap();
}

#[test]
fn reserved_and_negative_request_ids_are_refused() {
    let sim = sim_with(Faults::default(), None);
    let client = connect(&sim);
    for id in [0x7000_0000, 0x7fff_ffff, -1, -2, -3] {
        assert!(
            matches!(
                client.req_account_summary(id, "All", "NetLiquidation"),
                Err(Error::InvalidArgument(_))
            ),
            "id {id}"
        );
        assert!(
            matches!(
                client.req_pnl(id, "DU123456", ""),
                Err(Error::InvalidArgument(_))
            ),
            "id {id}"
        );
    }
    assert!(client.subscriptions().is_empty());
    let id = client.next_request_id();
    assert!((0..0x7000_0000).contains(&id));
}

#[test]
fn pnl_with_id_minus_2_does_not_collide_with_positions() {
    let sim = sim_with(Faults::default(), None);
    let client = connect(&sim);
    // Id -2 was the positions key: a PnL under it was taken for a positions
    // subscription (so the blocking call never cancelled), and its rows were
    // routed to a waiting positions call.
    let _ = client.req_pnl(-2, "DU123456", "");
    assert!(
        client.subscriptions().is_empty(),
        "{:?}",
        client.subscriptions()
    );
    let positions = client.positions(T).expect("positions");
    assert!(!positions.is_empty());
    let events = drain(&client, Duration::from_millis(300));
    assert!(
        !events.iter().any(|m| matches!(m, Incoming::Position(_))),
        "{events:?}"
    );
}

#[test]
fn a_second_blocking_call_of_the_same_kind_is_busy() {
    let slow = Faults {
        slow: Some(Duration::from_millis(60)),
        ..Faults::default()
    };
    let sim = sim_with(slow, None);
    let client = Arc::new(connect(&sim));
    // positions: id-less, one at a time.
    let first = {
        let client = client.clone();
        std::thread::spawn(move || client.positions(T))
    };
    std::thread::sleep(Duration::from_millis(150));
    let second = {
        let client = client.clone();
        std::thread::spawn(move || client.positions(T))
    };
    let second = second.join().unwrap();
    let first = first.join().unwrap();
    assert!(
        first.as_ref().is_ok_and(|rows| !rows.is_empty()),
        "{first:?}"
    );
    assert!(
        matches!(&second, Err(Error::Busy(what)) if what.contains("positions")),
        "{second:?}"
    );
    // account updates: id-less too (many messages: a longer timeout).
    let first = {
        let client = client.clone();
        std::thread::spawn(move || client.account_updates("DU123456", 6 * T))
    };
    std::thread::sleep(Duration::from_millis(150));
    let second = client.account_updates("DU123456", 6 * T);
    let first = first.join().unwrap();
    assert!(first.is_ok(), "{first:?}");
    assert!(
        matches!(&second, Err(Error::Busy(what)) if what.contains("account_updates")),
        "{second:?}"
    );
    // Account summaries have their own ids: two may run at once.
    let first = {
        let client = client.clone();
        std::thread::spawn(move || client.account_summary("All", "NetLiquidation", T))
    };
    std::thread::sleep(Duration::from_millis(100));
    let second = client.account_summary("All", "BuyingPower", T);
    let first = first.join().unwrap();
    assert!(
        first
            .as_ref()
            .is_ok_and(|r| r.iter().all(|r| r.tag == "NetLiquidation")),
        "{first:?}"
    );
    assert!(
        second
            .as_ref()
            .is_ok_and(|r| !r.is_empty() && r.iter().all(|r| r.tag == "BuyingPower")),
        "{second:?}"
    );
}

#[test]
fn late_answers_of_a_timed_out_call_are_dropped_and_counted() {
    let slow = Faults {
        slow: Some(Duration::from_millis(150)),
        ..Faults::default()
    };
    let sim = sim_with(slow, None);
    let client = connect(&sim);
    // The startup notices first.
    drain(&client, Duration::from_secs(1));
    let result = client.account_summary(
        "All",
        "NetLiquidation,BuyingPower,TotalCashValue",
        Duration::from_millis(200),
    );
    assert!(matches!(result, Err(Error::Timeout(_))), "{result:?}");
    let events = drain(&client, Duration::from_secs(2));
    assert!(events.is_empty(), "late answers reached poll: {events:?}");
    assert!(
        client.stats().late_replies_dropped > 0,
        "{:?}",
        client.stats()
    );
}

#[test]
fn a_protobuf_error_without_an_id_concerns_no_request() {
    // i32::MAX is "unset": the protobuf form leaves the id field out.
    let msg = Incoming::Error(ErrorMessage {
        req_id: i32::MAX,
        time_ms: 1,
        code: 2104,
        message: "Market data farm connection is OK".into(),
        advanced_order_reject_json: String::new(),
    });
    for version in [213, 222] {
        let mut buf = Vec::new();
        msg.encode_as(Form::Proto, version, &mut buf).unwrap();
        let frame = buf[4..].to_vec();
        let raw = RawMessage::split(&frame, version).unwrap();
        assert_eq!(raw.form, Form::Proto);
        match Incoming::decode(&raw, version).unwrap().unwrap() {
            Incoming::Error(e) => {
                assert_eq!(e.req_id, -1, "v{version}");
                assert_eq!(e.code, 2104);
            }
            other => panic!("{other:?}"),
        }
    }
}
