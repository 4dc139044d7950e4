//! Historical data through the engine: the dates and times of history
//! parsed ([`HistTime`]), the historical-data pacing (each rule waits, the
//! order within a contract is kept, unrelated requests do not wait behind
//! it, a blocking call's timeout holds and nothing is sent then), and
//! keep-up-to-date requests re-issued after a reconnect while one-shot ones
//! are not. Against the simulator over 127.0.0.1 (its `record` shows what
//! and in which order it received).

mod common;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tws::client::{
    Client, ConnectionState, Error, Event, HistTime, HistoryPacing, Options, PacingNotice,
    PacingRule, PacingStage, ReconnectPolicy,
};
use tws::protocol::history::ReqHistoricalData;
use tws::protocol::messages::Contract;
use tws::protocol::{RawMessage, Request};
use tws::sim::{self, SimConfig};

const T: Duration = Duration::from_secs(5);

fn config(record: Option<PathBuf>) -> SimConfig {
    SimConfig {
        server_version: 222,
        quiet: true,
        summary_refresh: None,
        record,
        ..SimConfig::default()
    }
}

/// Pacing rules scaled down so that a test waits milliseconds.
fn fast_pacing() -> HistoryPacing {
    HistoryPacing {
        enabled: true,
        identical_window: Duration::from_millis(400),
        same_contract_window: Duration::from_millis(300),
        same_contract_max: 5,
        window: Duration::from_millis(1500),
        window_max: 20,
        max_open: 50,
    }
}

fn options(pacing: HistoryPacing) -> Options {
    Options {
        history_pacing: pacing,
        reconnect: ReconnectPolicy::off(),
        ..Options::default()
    }
}

fn connect(sim: &sim::SimHandle, options: Options) -> Client {
    let client = Client::new(options).unwrap();
    client
        .connect("127.0.0.1", sim.port(), 7, T)
        .expect("connects");
    client
}

fn record_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("libtws-he-{name}-{}.jsonl", std::process::id()))
}

fn stock(symbol: &str) -> Contract {
    Contract {
        symbol: symbol.into(),
        ..common::stock()
    }
}

fn bars_request(req_id: i32, symbol: &str, duration: &str, keep: bool) -> Request {
    Request::ReqHistoricalData(ReqHistoricalData {
        req_id,
        contract: Box::new(stock(symbol)),
        end_date_time: String::new(),
        bar_size_setting: "1 hour".into(),
        duration: duration.into(),
        use_rth: true,
        what_to_show: "TRADES".into(),
        format_date: 1,
        keep_up_to_date: keep,
        chart_options: Vec::new(),
    })
}

fn bytes_of(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

/// The requests the simulator received, with their connection, in order.
fn received(path: &PathBuf) -> Vec<(u64, Request)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter_map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let name = v["name"].as_str().unwrap_or("");
            if v["dir"] != "out" || name == "ClientHello" || name == "ServerHello" {
                return None;
            }
            let conn = v["conn"].as_u64().unwrap();
            let frame = bytes_of(v["hex"].as_str().unwrap());
            let raw = RawMessage::split(&frame[4..], 222).unwrap();
            Some((conn, Request::decode(&raw, 222).unwrap()?))
        })
        .collect()
}

fn history_ids(lines: &[(u64, Request)]) -> Vec<i32> {
    lines
        .iter()
        .filter_map(|(_, r)| match r {
            Request::ReqHistoricalData(h) => Some(h.req_id),
            _ => None,
        })
        .collect()
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

/// The pacing notices that arrive up to the first of `stage`.
fn notices_until(client: &Client, what: &str, stage: PacingStage) -> Vec<PacingNotice> {
    until(
        client,
        what,
        |e| matches!(e, Event::Paced(n) if n.stage == stage),
    )
    .iter()
    .filter_map(|e| match e {
        Event::Paced(n) => Some(*n),
        _ => None,
    })
    .collect()
}

fn is_state(e: &Event, want: ConnectionState) -> bool {
    matches!(e, Event::State { state, .. } if *state == want)
}

// ---- dates and times ----

#[test]
fn dates_and_times_of_every_form_parse_to_utc_with_their_zone() {
    let day = HistTime::parse("20261130", "").unwrap();
    assert_eq!(day.epoch, 1_795_996_800, "2026-11-30 00:00 UTC");
    assert!(day.date_only);
    assert_eq!((day.zone.as_str(), day.text.as_str()), ("", "20261130"));

    // November 30 is standard time in New York: UTC-5.
    let ny = HistTime::parse("20261130 09:30:00 US/Eastern", "").unwrap();
    assert_eq!(ny.epoch, 1_795_996_800 + 14 * 3600 + 1800);
    assert_eq!(ny.zone, "US/Eastern");
    assert!(!ny.date_only);
    let same = HistTime::parse("20261130 09:30:00 America/New_York", "").unwrap();
    assert_eq!(same.epoch, ny.epoch);
    // The zone of the request (or of the login) for a time that names none,
    // with one space or TWS's two.
    let default = HistTime::parse("20261130  09:30:00", "US/Eastern").unwrap();
    assert_eq!(
        (default.epoch, default.zone.as_str()),
        (ny.epoch, "US/Eastern")
    );
    assert_eq!(default.text, "20261130  09:30:00", "kept as sent");

    // July: daylight time, UTC-4 in New York, UTC-5 in Chicago, UTC+1 in London.
    let july = 1_782_950_400; // 2026-07-02 00:00 UTC
    let at = |text: &str| HistTime::parse(text, "").unwrap().epoch;
    assert_eq!(at("20260702 09:30:00 US/Eastern"), july + 13 * 3600 + 1800);
    assert_eq!(at("20260702 08:30:00 US/Central"), july + 13 * 3600 + 1800);
    assert_eq!(at("20260702 06:30:00 US/Pacific"), july + 13 * 3600 + 1800);
    assert_eq!(at("20260702 08:00:00 Europe/London"), july + 7 * 3600);
    assert_eq!(at("20260702 09:00:00 Europe/Berlin"), july + 7 * 3600);
    assert_eq!(at("20260702 09:00:00 Asia/Tokyo"), july);
    assert_eq!(at("20260702 08:00:00 Asia/Hong_Kong"), july);
    assert_eq!(at("20260702 00:00:00 UTC"), july);
    assert_eq!(at("20260702 00:00:00 GMT"), july);

    // The UTC form of head timestamps, and epoch seconds (format date 2).
    let head = HistTime::parse("20260702-13:30:00", "").unwrap();
    assert_eq!(
        (head.epoch, head.zone.as_str()),
        (july + 13 * 3600 + 1800, "UTC")
    );
    let epoch = HistTime::parse("1782999000", "").unwrap();
    assert_eq!(epoch.epoch, 1_782_999_000);
    assert_eq!(epoch.zone, "UTC");

    for bad in [
        "",
        "2026113",
        "20261330",
        "20261130 25:00:00",
        "20261130 09:30:00 Mars/Base",
        "yesterday",
    ] {
        assert!(HistTime::parse(bad, "").is_none(), "{bad:?}");
    }
}

#[test]
fn daylight_saving_changes_at_the_right_moments() {
    let at = |text: &str| HistTime::parse(text, "").unwrap().epoch;
    // 2026-03-08 is the second Sunday of March: 01:59 EST then 03:00 EDT.
    assert_eq!(
        at("20260308 03:00:00 US/Eastern") - at("20260308 01:59:00 US/Eastern"),
        60
    );
    // 2026-11-01, first Sunday of November: 01:30 happens twice (the first is EDT).
    assert_eq!(
        at("20261101 02:00:00 US/Eastern") - at("20261101 01:30:00 US/Eastern"),
        5400
    );
    // Europe: last Sunday of March (2026-03-29) at 01:00 UTC.
    assert_eq!(
        at("20260329 03:00:00 Europe/Berlin") - at("20260329 01:59:00 Europe/Berlin"),
        60
    );
    assert_eq!(
        at("20261025 12:00:00 Europe/London"),
        at("20261025 12:00:00 UTC")
    );
    assert_eq!(
        at("20261024 12:00:00 Europe/London"),
        at("20261024 11:00:00 UTC")
    );
    // Before 2007 the United States changed in April and October.
    assert_eq!(
        at("20060315 12:00:00 US/Eastern"),
        at("20060315 17:00:00 UTC")
    );
    assert_eq!(
        at("20060415 12:00:00 US/Eastern"),
        at("20060415 16:00:00 UTC")
    );
}

// ---- pacing through the engine ----

#[test]
fn a_burst_for_one_contract_waits_for_the_same_contract_rule() {
    let sim = sim::start(config(None)).unwrap();
    let client = connect(&sim, options(fast_pacing()));
    let started = Instant::now();
    let mut done_at = Vec::new();
    for i in 0..8 {
        client
            .send(&bars_request(i, "AAPL", &format!("{} D", i + 1), false))
            .unwrap();
        done_at.push(started.elapsed());
    }
    let window = Duration::from_millis(300);
    assert!(done_at[4] < window, "five go at once: {done_at:?}");
    assert!(done_at[5] >= window, "the sixth waits: {done_at:?}");
    let stats = client.stats();
    // The five leave the window together: the seventh and eighth follow the sixth at once.
    assert_eq!(stats.history_paced, 1, "{stats:?}");
    assert!(stats.history_pacing_wait_ms >= 250, "{stats:?}");
    assert_eq!(client.stats().by_name("history_paced"), Some(1));
    // The wait is an event too: held by the same-contract rule, then released.
    let notices = notices_until(&client, "the sixth's release", PacingStage::Released);
    let shape: Vec<_> = notices
        .iter()
        .map(|n| (n.req_id, n.stage, n.rule, n.request))
        .collect();
    assert_eq!(
        shape,
        [
            (
                5,
                PacingStage::Held,
                PacingRule::SameContract,
                "reqHistoricalData"
            ),
            (
                5,
                PacingStage::Released,
                PacingRule::SameContract,
                "reqHistoricalData"
            ),
        ]
    );
    assert!(
        notices[0].wait > Duration::ZERO && notices[0].wait <= Duration::from_millis(360),
        "the rest of the stretched window: {notices:?}"
    );
    assert!(
        notices[1].wait >= Duration::from_millis(250) && notices[1].wait <= done_at[5],
        "waited: {notices:?}, sent at {:?}",
        done_at[5]
    );
    client.disconnect();
    sim.stop();
}

#[test]
fn without_pacing_the_same_burst_goes_at_once() {
    let sim = sim::start(config(None)).unwrap();
    let client = connect(&sim, options(HistoryPacing::off()));
    let started = Instant::now();
    for i in 0..8 {
        client
            .send(&bars_request(i, "AAPL", &format!("{} D", i + 1), false))
            .unwrap();
    }
    assert!(started.elapsed() < Duration::from_millis(250));
    assert_eq!(client.stats().history_paced, 0);
    client.disconnect();
    sim.stop();
}

#[test]
fn an_identical_request_waits_and_later_ones_for_the_contract_keep_their_place() {
    let path = record_path("order");
    let sim = sim::start(config(Some(path.clone()))).unwrap();
    let client = Arc::new(connect(&sim, options(fast_pacing())));
    client.send(&bars_request(1, "AAPL", "1 D", false)).unwrap();
    let started = Instant::now();
    // The identical request (id 2) waits for the identical window ...
    let c = client.clone();
    let held = std::thread::spawn(move || c.send(&bars_request(2, "AAPL", "1 D", false)));
    std::thread::sleep(Duration::from_millis(50));
    // ... and a different one for AAPL (id 3) waits behind it, while one for
    // MSFT (id 4) and a request of another kind go at once.
    let c = client.clone();
    let behind = std::thread::spawn(move || c.send(&bars_request(3, "AAPL", "2 D", false)));
    std::thread::sleep(Duration::from_millis(50));
    client.send(&bars_request(4, "MSFT", "1 D", false)).unwrap();
    client.req_current_time().unwrap();
    let free = started.elapsed();
    assert!(free < Duration::from_millis(250), "not held: {free:?}");
    held.join().unwrap().unwrap();
    behind.join().unwrap().unwrap();
    assert!(started.elapsed() >= Duration::from_millis(350));
    std::thread::sleep(Duration::from_millis(100));
    client.disconnect();
    sim.stop();
    let lines = received(&path);
    assert_eq!(history_ids(&lines), vec![1, 4, 2, 3]);
    let time_at = lines
        .iter()
        .position(|(_, r)| matches!(r, Request::ReqCurrentTime(_)))
        .unwrap();
    let two_at = lines
        .iter()
        .position(|(_, r)| matches!(r, Request::ReqHistoricalData(h) if h.req_id == 2))
        .unwrap();
    assert!(time_at < two_at, "reqCurrentTime did not wait behind it");
    let _ = std::fs::remove_file(path);
}

#[test]
fn the_overall_window_counts_bid_ask_twice() {
    let sim = sim::start(config(None)).unwrap();
    let pacing = HistoryPacing {
        window_max: 6,
        ..fast_pacing()
    };
    let client = connect(&sim, options(pacing));
    let started = Instant::now();
    for (i, symbol) in ["A", "B", "C"].iter().enumerate() {
        let mut r = bars_request(i as i32, symbol, "1 D", false);
        if let Request::ReqHistoricalData(h) = &mut r {
            h.what_to_show = "BID_ASK".into();
        }
        client.send(&r).unwrap();
    }
    assert!(started.elapsed() < Duration::from_millis(250));
    // Three BID_ASK count six: the next waits for the 1.5 s window.
    client.send(&bars_request(9, "D", "1 D", false)).unwrap();
    assert!(started.elapsed() >= Duration::from_millis(1500));
    assert_eq!(client.stats().history_paced, 1);
    client.disconnect();
    sim.stop();
}

#[test]
fn a_blocking_call_fails_with_timeout_when_pacing_holds_it_past_its_deadline() {
    let path = record_path("timeout");
    let sim = sim::start(config(Some(path.clone()))).unwrap();
    let pacing = HistoryPacing {
        identical_window: Duration::from_secs(30),
        ..fast_pacing()
    };
    let client = connect(&sim, options(pacing));
    let contract = stock("AAPL");
    // The first is answered; the identical second would have to wait 30 s.
    let first = client.head_timestamp(&contract, "TRADES", true, T).unwrap();
    assert!(first.epoch > 0 && first.zone == "UTC", "{first:?}");
    let started = Instant::now();
    let second = client.head_timestamp(&contract, "TRADES", true, Duration::from_millis(500));
    match second {
        Err(Error::Timeout(m)) => assert!(m.contains("pacing"), "{m}"),
        other => panic!("{other:?}"),
    }
    // Held by the identical rule, then withdrawn: both as events.
    let shape: Vec<_> = notices_until(&client, "the withdrawal", PacingStage::Withdrawn)
        .iter()
        .map(|n| (n.stage, n.rule, n.request))
        .collect();
    assert_eq!(
        shape,
        [
            (
                PacingStage::Held,
                PacingRule::IdenticalRequest,
                "reqHeadTimeStamp"
            ),
            (
                PacingStage::Withdrawn,
                PacingRule::IdenticalRequest,
                "reqHeadTimeStamp"
            ),
        ]
    );
    assert!(
        started.elapsed() < Duration::from_millis(400),
        "it failed at once"
    );
    std::thread::sleep(Duration::from_millis(100));
    client.disconnect();
    sim.stop();
    let heads = received(&path)
        .into_iter()
        .filter(|(_, r)| matches!(r, Request::ReqHeadTimestamp(_)))
        .count();
    assert_eq!(heads, 1, "the paced request was not sent");
    let _ = std::fs::remove_file(path);
}

#[test]
fn the_open_limit_holds_requests_until_one_is_cancelled() {
    let sim = sim::start(config(None)).unwrap();
    let pacing = HistoryPacing {
        max_open: 2,
        ..fast_pacing()
    };
    let client = Arc::new(connect(&sim, options(pacing)));
    // Keep-up-to-date requests stay open past their end, until cancelled.
    client.send(&bars_request(1, "AAPL", "1 D", true)).unwrap();
    client.send(&bars_request(2, "MSFT", "1 D", true)).unwrap();
    let c = client.clone();
    let started = Instant::now();
    let third = std::thread::spawn(move || {
        c.send(&bars_request(3, "SPY", "1 D", false)).unwrap();
        started.elapsed()
    });
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        !third.is_finished(),
        "the third waits although both have ended"
    );
    client.cancel_historical_data(1).unwrap();
    let waited = third.join().unwrap();
    assert!(waited >= Duration::from_millis(300), "{waited:?}");
    assert!(waited < Duration::from_millis(1000), "{waited:?}");
    client.disconnect();
    sim.stop();
}

// ---- subscriptions ----

#[test]
fn keep_up_to_date_requests_are_reissued_after_a_reconnect_and_one_shots_are_not() {
    let first = sim::start(config(None)).unwrap();
    let port = first.port();
    let client = connect(
        &first,
        Options {
            reconnect: ReconnectPolicy {
                enabled: true,
                initial_delay: Duration::from_millis(100),
                max_delay: Duration::from_millis(200),
                jitter_percent: 0,
                max_attempts: 0,
            },
            ..options(fast_pacing())
        },
    );
    client
        .req_historical_data(
            5,
            &stock("AAPL"),
            "",
            "1 D",
            "1 min",
            "TRADES",
            true,
            1,
            true,
        )
        .unwrap();
    client
        .req_historical_data(
            6,
            &stock("MSFT"),
            "",
            "1 D",
            "1 min",
            "TRADES",
            true,
            1,
            false,
        )
        .unwrap();
    client
        .req_historical_data(
            7,
            &stock("IBM"),
            "",
            "1 D",
            "1 min",
            "TRADES",
            true,
            1,
            true,
        )
        .unwrap();
    client.cancel_historical_data(7).unwrap();
    let live: Vec<i32> = client.subscriptions().iter().map(|(id, _)| *id).collect();
    assert_eq!(live, vec![5]);
    first.stop();
    until(&client, "connection lost", |e| {
        is_state(e, ConnectionState::ConnectionLost)
    });
    let path = record_path("reissue");
    let second = sim::start(SimConfig {
        port,
        ..config(Some(path.clone()))
    })
    .unwrap();
    let events = until(&client, "reconnected", |e| {
        is_state(e, ConnectionState::Reconnected)
    });
    match events.last() {
        Some(Event::State { resubscribed, .. }) => assert_eq!(resubscribed, &vec![5]),
        other => panic!("{other:?}"),
    }
    // The identical re-issue waits out the identical window.
    let deadline = Instant::now() + T;
    while client.stats().resubscriptions < 1 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(100));
    client.disconnect();
    second.stop();
    let lines = received(&path);
    assert_eq!(history_ids(&lines), vec![5]);
    assert_eq!(
        lines
            .iter()
            .find(|(_, r)| matches!(r, Request::ReqHistoricalData(_)))
            .map(|(_, r)| r.clone()),
        Some(bars_request_keep(5))
    );
    let _ = std::fs::remove_file(path);
}

fn bars_request_keep(req_id: i32) -> Request {
    Request::ReqHistoricalData(ReqHistoricalData {
        req_id,
        contract: Box::new(stock("AAPL")),
        end_date_time: String::new(),
        bar_size_setting: "1 min".into(),
        duration: "1 D".into(),
        use_rth: true,
        what_to_show: "TRADES".into(),
        format_date: 1,
        keep_up_to_date: true,
        chart_options: Vec::new(),
    })
}

// ---- against the simulator's own pacing ----

/// Rules for both sides, scaled down: identical 300 ms, six refused within
/// 200 ms for one contract, 60 per second, every bar size paced.
fn sim_pacing() -> tws::sim::HistoryPacing {
    tws::sim::HistoryPacing {
        enabled: true,
        identical_window: Duration::from_millis(300),
        same_contract_window: Duration::from_millis(200),
        same_contract_limit: 6,
        window: Duration::from_millis(1000),
        window_limit: 60,
        max_open: 50,
        all_bar_sizes: true,
    }
}

fn client_pacing() -> HistoryPacing {
    HistoryPacing {
        enabled: true,
        identical_window: Duration::from_millis(300),
        same_contract_window: Duration::from_millis(200),
        same_contract_max: 5,
        window: Duration::from_millis(1000),
        window_max: 60,
        max_open: 50,
    }
}

/// Request `i` of the burst: three stocks, three what-to-shows (BID_ASK
/// counting twice), three durations, so that identical requests recur.
fn burst_request(i: i32) -> Request {
    let symbols = ["AAPL", "MSFT", "SPY"];
    let whats = ["TRADES", "MIDPOINT", "BID_ASK"];
    Request::ReqHistoricalData(ReqHistoricalData {
        req_id: i,
        contract: Box::new(stock(symbols[i as usize % 3])),
        end_date_time: "20261130 16:00:00 US/Eastern".into(),
        bar_size_setting: "5 secs".into(),
        duration: format!("{} S", 60 + 60 * ((i / 9) % 3)),
        use_rth: false,
        what_to_show: whats[(i as usize / 3) % 3].into(),
        format_date: 1,
        keep_up_to_date: false,
        chart_options: Vec::new(),
    })
}

/// Sends the burst of 100 and waits for each request's end or error;
/// returns the pacing errors (162) the client saw.
fn run_burst(client: &Client) -> usize {
    for i in 0..100 {
        client.send(&burst_request(i)).unwrap();
    }
    let mut ended = std::collections::BTreeSet::new();
    let mut paced = 0;
    let deadline = Instant::now() + Duration::from_secs(20);
    while ended.len() < 100 && Instant::now() < deadline {
        match client.poll(Duration::from_millis(50)).unwrap() {
            Some(Event::Message(tws::protocol::Incoming::HistoricalDataEnd(m))) => {
                ended.insert(m.req_id);
            }
            Some(Event::Message(tws::protocol::Incoming::Error(e)))
                if (0..100).contains(&e.req_id) =>
            {
                assert_eq!(e.code, 162, "{e:?}");
                paced += 1;
                ended.insert(e.req_id);
            }
            _ => {}
        }
    }
    assert_eq!(ended.len(), 100, "every request ended");
    paced
}

#[test]
fn a_burst_of_100_through_the_limiter_draws_no_pacing_error() {
    let sim = sim::start(SimConfig {
        history_pacing: sim_pacing(),
        ..config(None)
    })
    .unwrap();
    let client = connect(&sim, options(client_pacing()));
    let started = Instant::now();
    assert_eq!(run_burst(&client), 0);
    assert_eq!(sim.history_pacing_violations(), 0);
    let stats = client.stats();
    assert!(
        stats.history_paced > 0,
        "the limiter had to hold some: {stats:?}"
    );
    // BID_ASK counts twice: 133 in all at 60 per second needs two windows.
    assert!(started.elapsed() >= Duration::from_secs(2));
    client.disconnect();
    sim.stop();
}

#[test]
fn the_same_burst_without_the_limiter_trips_the_simulators_pacing() {
    let sim = sim::start(SimConfig {
        history_pacing: sim_pacing(),
        ..config(None)
    })
    .unwrap();
    let client = connect(&sim, options(HistoryPacing::off()));
    let paced = run_burst(&client);
    assert!(paced > 0);
    assert_eq!(sim.history_pacing_violations(), paced as u64);
    client.disconnect();
    sim.stop();
}

#[test]
fn blocking_bars_come_up_to_the_end_marker_at_each_form() {
    for version in [176, 222] {
        let sim = sim::start(SimConfig {
            server_version: version,
            ..config(None)
        })
        .unwrap();
        let client = connect(&sim, options(fast_pacing()));
        let bars = client
            .historical_bars(
                &stock("AAPL"),
                "20261130 16:00:00 US/Eastern",
                "1 D",
                "1 hour",
                "TRADES",
                true,
                T,
            )
            .unwrap();
        let times: Vec<i64> = bars
            .iter()
            .map(|b| HistTime::parse(&b.date, "").unwrap().epoch)
            .collect();
        // 09:30 then every hour to 15:00 New York time (UTC-5).
        let open = 1_795_996_800 + 14 * 3600 + 1800;
        let mut want = vec![open];
        want.extend((10..=15).map(|h| 1_795_996_800 + (h + 5) * 3600));
        assert_eq!(times, want, "at {version}");
        assert!(bars.iter().all(|b| b.low <= b.close && b.close <= b.high));
        // An unknown symbol is refused, and the refusal ends the call.
        match client.historical_bars(&stock("NOPE"), "", "1 D", "1 hour", "TRADES", true, T) {
            Err(Error::Request { code, .. }) => assert_eq!(code, 200),
            other => panic!("{other:?}"),
        }
        let head = client
            .head_timestamp(&stock("AAPL"), "TRADES", true, T)
            .unwrap();
        assert!(head.epoch < times[0]);
        assert!(!client
            .histogram(&stock("AAPL"), true, "1 weeks", T)
            .unwrap()
            .is_empty());
        let ticks = client
            .historical_ticks(
                &stock("AAPL"),
                "",
                "20261130 16:00:00 US/Eastern",
                50,
                "BID_ASK",
                true,
                false,
                T,
            )
            .unwrap();
        assert!(
            matches!(&ticks, tws::client::TickHistory::BidAsk(t) if !t.is_empty()),
            "{ticks:?}"
        );
        if version >= 165 {
            let schedule = client
                .historical_schedule(
                    &stock("AAPL"),
                    "20261130 16:00:00 US/Eastern",
                    "1 W",
                    true,
                    T,
                )
                .unwrap();
            assert!(!schedule.sessions.is_empty());
        }
        client.disconnect();
        sim.stop();
    }
}
