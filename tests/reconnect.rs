//! Staying up: automatic reconnect after a simulated daily restart,
//! resubscription under the same request id, backoff, the attempt limit,
//! error 326 while reconnecting, outgoing pacing, TWS's connectivity codes
//! 1100/1101/1102, oversize frames and malformed messages.
//!
//! The simulator is "restarted" by stopping it and starting a new one on the
//! same port. The connectivity codes and the broken frames come from a tiny
//! scripted TWS in this file (`FakeTws`) that speaks just enough protocol.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use tws::client::{Client, ConnectionState, Error, Event, Options, ReconnectPolicy};
use tws::protocol::handshake::server_hello;
use tws::protocol::messages::{
    AccountSummary, AccountSummaryEnd, ErrorMessage, ManagedAccounts, NextValidId,
};
use tws::protocol::{Incoming, RawMessage, Request};
use tws::sim::{self, SimConfig};
use tws::wire::FrameSplitter;

const T: Duration = Duration::from_secs(5);

fn quick_reconnect(max_attempts: u32) -> Options {
    Options {
        reconnect: ReconnectPolicy {
            enabled: true,
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(400),
            jitter_percent: 0,
            max_attempts,
        },
        ..Options::default()
    }
}

fn simulator_on(port: u16) -> sim::SimHandle {
    sim::start(SimConfig {
        port,
        summary_refresh: None,
        quiet: true,
        ..SimConfig::default()
    })
    .expect("simulator starts")
}

/// Polls until `pred` matches, collecting every event seen on the way
/// (the match last). Panics after `limit`.
fn collect_until(
    client: &Client,
    limit: Duration,
    what: &str,
    pred: impl Fn(&Event) -> bool,
) -> Vec<Event> {
    let deadline = Instant::now() + limit;
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
    panic!("no {what} within {limit:?}; saw {seen:#?}");
}

fn is_state(e: &Event, want: ConnectionState) -> bool {
    matches!(e, Event::State { state, .. } if *state == want)
}

fn is_summary_end(e: &Event, req_id: i32) -> bool {
    matches!(e, Event::Message(Incoming::AccountSummaryEnd(m)) if m.req_id == req_id)
}

fn summary_rows(events: &[Event], req_id: i32) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, Event::Message(Incoming::AccountSummary(r)) if r.req_id == req_id))
        .count()
}

fn states(events: &[Event]) -> Vec<ConnectionState> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::State { state, .. } => Some(*state),
            _ => None,
        })
        .collect()
}

#[test]
fn daily_restart_resubscribes_under_the_same_request_id() {
    let first = simulator_on(0);
    let port = first.port();
    let client = Client::new(quick_reconnect(0)).unwrap();
    client.connect("127.0.0.1", port, 1, T).unwrap();
    client
        .req_account_summary(42, "All", "NetLiquidation,AccountType")
        .unwrap();
    let before = collect_until(&client, T, "first snapshot", |e| is_summary_end(e, 42));
    assert_eq!(summary_rows(&before, 42), 2);

    first.stop();
    collect_until(&client, T, "connection lost", |e| {
        is_state(e, ConnectionState::ConnectionLost)
    });
    // During the outage requests fail at once, never queue.
    let started = Instant::now();
    assert_eq!(client.req_current_time(), Err(Error::NotConnected));
    assert_eq!(
        client.req_account_summary(43, "All", "NetLiquidation"),
        Err(Error::NotConnected)
    );
    assert!(started.elapsed() < Duration::from_millis(100));
    // Let a few attempts fail against the closed port: the delays grow.
    let outage = collect_until(&client, T, "fourth attempt", |e| {
        matches!(e, Event::State { attempt: 4, .. })
    });
    let delays: Vec<u128> = outage
        .iter()
        .filter_map(|e| match e {
            Event::State {
                state: ConnectionState::Reconnecting,
                next_delay,
                ..
            } => Some(next_delay.as_millis()),
            _ => None,
        })
        .collect();
    assert_eq!(delays, vec![100, 200, 400, 400], "{outage:#?}");
    assert_eq!(client.state(), ConnectionState::Reconnecting);

    let _second = simulator_on(port);
    let after = collect_until(&client, T, "reconnected", |e| {
        is_state(e, ConnectionState::Reconnected)
    });
    match after.last() {
        Some(Event::State { resubscribed, .. }) => assert_eq!(resubscribed, &vec![42]),
        other => panic!("{other:?}"),
    }
    assert_eq!(summary_rows(&after, 42), 0, "no rows before Reconnected");
    assert!(
        !states(&after).contains(&ConnectionState::Connected),
        "a reconnect reports Reconnected, not Connected"
    );
    let rows = collect_until(&client, T, "second snapshot", |e| is_summary_end(e, 42));
    assert_eq!(
        summary_rows(&rows, 42),
        2,
        "the rows come again under id 42"
    );
    assert!(client.is_connected());
    assert_eq!(client.state(), ConnectionState::Connected);
    // The supervisor counts a re-issue after its write returned, which can be
    // after the answer arrived here: give it a moment.
    let deadline = Instant::now() + Duration::from_secs(2);
    while client.stats().resubscriptions == 0 && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(10));
    }
    let stats = client.stats();
    assert_eq!(stats.reconnects, 1);
    assert!(stats.reconnect_attempts >= 4, "{stats:?}");
    assert_eq!(stats.resubscriptions, 1);
    assert_eq!(stats.connects, 2);

    client.disconnect();
    collect_until(&client, T, "disconnected", |e| {
        is_state(e, ConnectionState::Disconnected)
    });
}

#[test]
fn events_come_in_order_through_a_restart() {
    let first = simulator_on(0);
    let port = first.port();
    let client = Client::new(quick_reconnect(0)).unwrap();
    client.connect("127.0.0.1", port, 2, T).unwrap();
    collect_until(&client, T, "connected", |e| {
        is_state(e, ConnectionState::Connected)
    });
    first.stop();
    collect_until(&client, T, "first attempt", |e| {
        matches!(e, Event::State { attempt: 1, .. })
    });
    let _second = simulator_on(port);
    let events = collect_until(&client, T, "reconnected", |e| {
        is_state(e, ConnectionState::Reconnected)
    });
    let all = states(&events);
    assert!(all.iter().all(|s| matches!(
        s,
        ConnectionState::Reconnecting | ConnectionState::Reconnected
    )));
    // Between the lost connection and Reconnected, the attempts count up from 1.
    let attempts: Vec<u32> = events
        .iter()
        .filter_map(|e| match e {
            Event::State {
                state: ConnectionState::Reconnecting,
                attempt,
                ..
            } => Some(*attempt),
            _ => None,
        })
        .collect();
    assert!(
        attempts.windows(2).all(|w| w[1] == w[0] + 1),
        "{attempts:?}"
    );
}

#[test]
fn max_attempts_is_honoured() {
    let sim = simulator_on(0);
    let client = Client::new(quick_reconnect(3)).unwrap();
    client.connect("127.0.0.1", sim.port(), 3, T).unwrap();
    sim.stop();
    let events = collect_until(&client, T, "reconnect failed", |e| {
        is_state(e, ConnectionState::ReconnectFailed)
    });
    let attempts = events
        .iter()
        .filter(|e| is_state(e, ConnectionState::Reconnecting))
        .count();
    assert_eq!(attempts, 3);
    match events.last() {
        Some(Event::State { reason, .. }) => assert!(reason.contains("3 attempt"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(client.state(), ConnectionState::Disconnected);
    assert_eq!(client.stats().reconnect_attempts, 3);
    // Nothing more happens afterwards: with the queue empty and no session,
    // poll says so at once.
    assert!(matches!(
        client.poll(Duration::from_millis(600)),
        Err(Error::NotConnected)
    ));
}

#[test]
fn disconnect_stops_reconnecting_at_once() {
    let sim = simulator_on(0);
    let client = Client::new(Options {
        reconnect: ReconnectPolicy {
            initial_delay: Duration::from_secs(30),
            max_delay: Duration::from_secs(30),
            ..ReconnectPolicy::default()
        },
        ..Options::default()
    })
    .unwrap();
    client.connect("127.0.0.1", sim.port(), 4, T).unwrap();
    sim.stop();
    collect_until(&client, T, "reconnecting", |e| {
        is_state(e, ConnectionState::Reconnecting)
    });
    let started = Instant::now();
    client.disconnect();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(client.state(), ConnectionState::Disconnected);
    collect_until(&client, T, "disconnected", |e| {
        is_state(e, ConnectionState::Disconnected)
    });
}

#[test]
fn client_id_in_use_on_reconnect_is_not_retried_forever() {
    let first = simulator_on(0);
    let port = first.port();
    let client = Client::new(quick_reconnect(0)).unwrap();
    client.connect("127.0.0.1", port, 9, T).unwrap();
    first.stop();
    collect_until(&client, T, "connection lost", |e| {
        is_state(e, ConnectionState::ConnectionLost)
    });
    // After the restart another session takes the client id first.
    let second = simulator_on(port);
    let usurper = Client::new(Options::default()).unwrap();
    usurper.connect("127.0.0.1", second.port(), 9, T).unwrap();
    let events = collect_until(&client, Duration::from_secs(10), "reconnect failed", |e| {
        is_state(e, ConnectionState::ReconnectFailed)
    });
    match events.last() {
        Some(Event::State { reason, .. }) => assert!(reason.contains("326"), "{reason}"),
        other => panic!("{other:?}"),
    }
    let attempts = events
        .iter()
        .filter(|e| is_state(e, ConnectionState::Reconnecting))
        .count();
    assert!((3..=10).contains(&attempts), "{attempts} attempts");
    assert!(!client.is_connected());
    assert!(usurper.is_connected(), "the other session is left alone");
}

#[test]
fn pacing_delays_but_keeps_every_message() {
    let sim = simulator_on(0);
    let client = Client::new(Options::default()).unwrap();
    assert_eq!(client.options().max_messages_per_second, 50);
    client.connect("127.0.0.1", sim.port(), 10, T).unwrap();
    // The connect itself used one slot (startApi); wait for the window to clear.
    thread::sleep(Duration::from_millis(1100));
    let started = Instant::now();
    for _ in 0..120 {
        client.req_current_time().unwrap();
    }
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(1900),
        "120 at 50/s took {took:?}"
    );
    assert!(took < Duration::from_secs(10), "{took:?}");
    let mut answers = 0;
    let deadline = Instant::now() + T;
    while answers < 120 && Instant::now() < deadline {
        if let Some(Event::Message(Incoming::CurrentTime(_))) =
            client.poll(Duration::from_millis(100)).unwrap()
        {
            answers += 1;
        }
    }
    assert_eq!(answers, 120, "every request was answered");
    // A sliding window: 50 go at once, then the 51st waits for the window to
    // move, and so on; each batch starts with one wait.
    assert!(client.stats().paced_delays >= 2, "{:?}", client.stats());
}

#[test]
fn pacing_off_sends_at_once() {
    let sim = simulator_on(0);
    let client = Client::new(Options {
        max_messages_per_second: 0,
        ..Options::default()
    })
    .unwrap();
    client.connect("127.0.0.1", sim.port(), 11, T).unwrap();
    for _ in 0..120 {
        client.req_current_time().unwrap();
    }
    assert_eq!(client.stats().paced_delays, 0);
}

// ---- a scripted TWS ------------------------------------------------------

const FAKE_VERSION: i32 = 176;

/// One accepted connection of the scripted TWS, past startApi.
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
        let mut session = FakeSession {
            stream,
            splitter: FrameSplitter::new(1 << 20),
        };
        session.frame(T).expect("client hello");
        session.send_raw(&server_hello(FAKE_VERSION, "20261125 10:00:00 UTC"));
        match session.request(T) {
            Some(Request::StartApi(_)) => {}
            other => panic!("expected startApi, got {other:?}"),
        }
        session.send(&Incoming::ManagedAccounts(ManagedAccounts {
            accounts_list: "DU1".into(),
        }));
        session.send(&Incoming::NextValidId(NextValidId { order_id: 1 }));
        session
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
                Ok(0) => return None,
                Ok(_) => {}
                Err(_) => return None,
            }
        }
    }

    /// The next request within `limit`, or None.
    fn request(&mut self, limit: Duration) -> Option<Request> {
        let frame = self.frame(limit)?;
        let raw = RawMessage::split(&frame, FAKE_VERSION).unwrap();
        Request::decode(&raw, FAKE_VERSION).unwrap()
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
        msg.encode(FAKE_VERSION, &mut out).unwrap();
        self.send_raw(&out);
    }

    fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).unwrap();
    }

    fn send_summary(&mut self, req_id: i32) {
        self.send(&Incoming::AccountSummary(AccountSummary {
            req_id,
            account: "DU1".into(),
            tag: "NetLiquidation".into(),
            value: "100.5".into(),
            currency: "USD".into(),
        }));
        self.send(&Incoming::AccountSummaryEnd(AccountSummaryEnd { req_id }));
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

fn text_frame(fields: &[&str]) -> Vec<u8> {
    let mut payload = Vec::new();
    for f in fields {
        payload.extend_from_slice(f.as_bytes());
        payload.push(0);
    }
    let mut out = (payload.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(&payload);
    out
}

fn summary_request_id(r: &Request) -> Option<i32> {
    match r {
        Request::ReqAccountSummary(m) => Some(m.req_id),
        _ => None,
    }
}

#[test]
fn connectivity_1101_resubscribes_and_1102_does_not() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (report, seen) = mpsc::channel::<(Vec<Request>, Vec<Request>)>();
    let server = thread::spawn(move || {
        let mut s = FakeSession::accept(&listener);
        let first = s.request(T).expect("the subscription");
        assert_eq!(summary_request_id(&first), Some(7));
        s.send_summary(7);
        s.send_code(1100);
        s.send_code(1102);
        let after_1102 = s.requests_within(Duration::from_millis(500));
        s.send_code(1101);
        let after_1101 = s.requests_within(Duration::from_millis(800));
        report.send((after_1102, after_1101)).unwrap();
        s.send_summary(7);
        // Keep the socket open until the client is done.
        let _ = s.requests_within(Duration::from_secs(3));
    });

    let client = Client::new(Options::default()).unwrap();
    client.connect("127.0.0.1", port, 0, T).unwrap();
    client
        .req_account_summary(7, "All", "NetLiquidation")
        .unwrap();
    collect_until(&client, T, "first snapshot", |e| is_summary_end(e, 7));
    let lost = collect_until(&client, T, "1100", |e| {
        is_state(e, ConnectionState::IbLinkLost)
    });
    assert!(lost
        .iter()
        .any(|e| matches!(e, Event::State { reason, .. } if reason.contains("1100"))));
    let kept = collect_until(&client, T, "1102", |e| {
        is_state(e, ConnectionState::IbLinkRestored)
    });
    match kept.last() {
        Some(Event::State { resubscribed, .. }) => assert!(resubscribed.is_empty()),
        other => panic!("{other:?}"),
    }
    let restored = collect_until(&client, T, "1101", |e| {
        is_state(e, ConnectionState::IbLinkRestored)
    });
    match restored.last() {
        Some(Event::State {
            resubscribed,
            reason,
            ..
        }) => {
            assert_eq!(resubscribed, &vec![7]);
            assert!(reason.contains("1101"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    let (after_1102, after_1101) = seen.recv_timeout(T).unwrap();
    assert!(after_1102.is_empty(), "1102 re-issued {after_1102:?}");
    // The order reconciliation follows the re-issued subscription (client
    // 0: every client's open orders).
    let (reconciling, after_1101): (Vec<Request>, Vec<Request>) = after_1101
        .into_iter()
        .partition(|r| matches!(r, Request::ReqAllOpenOrders(_) | Request::ReqExecutions(_)));
    assert_eq!(reconciling.len(), 2, "{reconciling:?}");
    assert_eq!(after_1101.len(), 2, "{after_1101:?}");
    assert!(matches!(&after_1101[0], Request::CancelAccountSummary(c) if c.req_id == 7));
    assert_eq!(summary_request_id(&after_1101[1]), Some(7));
    collect_until(&client, T, "rows after 1101", |e| is_summary_end(e, 7));
    assert!(
        client.is_connected(),
        "connectivity codes never drop the socket"
    );
    client.disconnect();
    server.join().unwrap();
}

#[test]
fn oversize_frame_is_a_protocol_error_then_a_reconnect() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = thread::spawn(move || {
        let mut s = FakeSession::accept(&listener);
        let r = s.request(T).expect("the subscription");
        assert_eq!(summary_request_id(&r), Some(5));
        // 16 MiB announced, a few bytes sent: the client must not wait for the rest.
        let mut bytes = 0x0100_0000u32.to_be_bytes().to_vec();
        bytes.extend_from_slice(b"63\0");
        s.send_raw(&bytes);
        let mut again = FakeSession::accept(&listener);
        let r = again.request(T).expect("the subscription, re-issued");
        assert_eq!(summary_request_id(&r), Some(5));
        again.send_summary(5);
        let _ = again.requests_within(Duration::from_secs(3));
    });
    let client = Client::new(quick_reconnect(0)).unwrap();
    client.connect("127.0.0.1", port, 0, T).unwrap();
    client
        .req_account_summary(5, "All", "NetLiquidation")
        .unwrap();
    let events = collect_until(&client, T, "reconnected", |e| {
        is_state(e, ConnectionState::Reconnected)
    });
    let pos = |pred: &dyn Fn(&Event) -> bool| events.iter().position(pred);
    let protocol = pos(&|e| {
        matches!(e, Event::ProtocolError { reason, bytes }
            if reason.contains("16777216") && bytes == &vec![1, 0, 0, 0])
    })
    .expect("a protocol error event");
    let lost = pos(&|e| {
        matches!(e, Event::State { state: ConnectionState::ConnectionLost, reason, .. }
            if reason.contains("protocol error"))
    })
    .expect("connection lost because of it");
    assert!(protocol < lost);
    collect_until(&client, T, "rows after the reconnect", |e| {
        is_summary_end(e, 5)
    });
    let stats = client.stats();
    assert_eq!(stats.protocol_errors, 1);
    assert_eq!(stats.reconnects, 1);
    client.disconnect();
    server.join().unwrap();
}

#[test]
fn malformed_messages_are_reported_and_the_session_goes_on() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = thread::spawn(move || {
        let mut s = FakeSession::accept(&listener);
        s.request(T).expect("the subscription");
        // Non-numeric request id, then a truncated row, then a good one.
        s.send_raw(&text_frame(&[
            "63",
            "1",
            "abc",
            "DU1",
            "NetLiquidation",
            "1",
            "USD",
        ]));
        s.send_raw(&text_frame(&["63", "1", "3"]));
        s.send_summary(3);
        let _ = s.requests_within(Duration::from_secs(3));
    });
    let client = Client::new(Options::default()).unwrap();
    client.connect("127.0.0.1", port, 0, T).unwrap();
    client
        .req_account_summary(3, "All", "NetLiquidation")
        .unwrap();
    let events = collect_until(&client, T, "the good rows", |e| is_summary_end(e, 3));
    let failures: Vec<&Event> = events
        .iter()
        .filter(|e| matches!(e, Event::DecodeFailed { .. }))
        .collect();
    assert_eq!(failures.len(), 2, "{events:#?}");
    for f in &failures {
        match f {
            Event::DecodeFailed {
                msg_id,
                reason,
                payload,
            } => {
                assert_eq!(*msg_id, 63);
                assert!(!reason.is_empty());
                assert!(payload.starts_with(b"63\0"), "the raw bytes: {payload:?}");
            }
            _ => unreachable!(),
        }
    }
    assert_eq!(summary_rows(&events, 3), 1);
    assert!(client.is_connected());
    assert_eq!(client.stats().decode_errors, 2);
    client.disconnect();
    server.join().unwrap();
}

#[test]
fn a_lower_frame_limit_is_enforced_the_same_way() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = thread::spawn(move || {
        let mut s = FakeSession::accept(&listener);
        let long_value = "9".repeat(2000);
        s.send_raw(&text_frame(&[
            "63",
            "1",
            "1",
            "DU1",
            "Tag",
            &long_value,
            "USD",
        ]));
        let _ = s.requests_within(Duration::from_secs(2));
    });
    let client = Client::new(Options {
        max_frame_len: 1024,
        reconnect: ReconnectPolicy::off(),
        ..Options::default()
    })
    .unwrap();
    client.connect("127.0.0.1", port, 0, T).unwrap();
    let events = collect_until(&client, T, "connection lost", |e| {
        is_state(e, ConnectionState::ConnectionLost)
    });
    assert!(events.iter().any(|e| matches!(e,
        Event::ProtocolError { reason, .. } if reason.contains("limit of 1024"))));
    assert_eq!(
        client.state(),
        ConnectionState::ConnectionLost,
        "reconnect is off"
    );
    server.join().unwrap();
}

#[test]
fn a_one_event_queue_does_not_stall_connect() {
    let sim = simulator_on(0);
    let client = Client::new(Options {
        queue_capacity: 1,
        ..Options::default()
    })
    .unwrap();
    let started = Instant::now();
    client.connect("127.0.0.1", sim.port(), 12, T).unwrap();
    assert!(started.elapsed() < Duration::from_secs(2));
    let mut seen = 0;
    while client.poll(Duration::from_millis(200)).unwrap().is_some() {
        seen += 1;
    }
    assert!(
        seen >= 5,
        "the startup events all come through one slot: {seen}"
    );
    assert_eq!(client.stats().queue_high_water, 1);
}

#[test]
fn every_kind_of_subscription_is_reissued_after_a_restart() {
    use tws::client::POSITIONS_SUBSCRIPTION;
    let first = simulator_on(0);
    let port = first.port();
    let client = Client::new(quick_reconnect(0)).unwrap();
    client.connect("127.0.0.1", port, 13, T).unwrap();
    client.req_positions().unwrap();
    collect_until(&client, T, "positions", |e| {
        matches!(e, Event::Message(Incoming::PositionEnd(_)))
    });
    client
        .req_account_summary(8, "All", "NetLiquidation")
        .unwrap();
    collect_until(&client, T, "summary", |e| is_summary_end(e, 8));
    first.stop();
    collect_until(&client, T, "first attempt", |e| {
        is_state(e, ConnectionState::Reconnecting)
    });
    let _second = simulator_on(port);
    let events = collect_until(&client, T, "reconnected", |e| {
        is_state(e, ConnectionState::Reconnected)
    });
    match events.last() {
        Some(Event::State { resubscribed, .. }) => {
            assert_eq!(resubscribed, &vec![POSITIONS_SUBSCRIPTION, 8])
        }
        other => panic!("{other:?}"),
    }
    let after = collect_until(&client, T, "positions again", |e| {
        matches!(e, Event::Message(Incoming::PositionEnd(_)))
    });
    let rest = collect_until(&client, T, "summary again", |e| is_summary_end(e, 8));
    assert!(after.len() + rest.len() > 2);
}
