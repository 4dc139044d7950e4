//! The engine against every fault the simulator can script: what the engine
//! does today with each, and what must hold whatever it does (no stall, no
//! crash, nothing lost that was delivered). The memory-bound faults (oversize
//! frame, flood) are in `fault_memory.rs`, a process of their own.

use std::time::{Duration, Instant};

use tws::client::{Client, ConnectionState, Error, Event, Options};
use tws::protocol::account_tags::ALL_TAGS;
use tws::protocol::{classify, ErrorClass, Incoming};
use tws::sim::{self, Faults, Garbage, Restart, SimConfig, GARBAGE_UNKNOWN_ID};

const T: Duration = Duration::from_secs(10);

fn simulator(version: i32, faults: Faults) -> sim::SimHandle {
    sim::start(SimConfig {
        server_version: version,
        quiet: true,
        faults,
        ..SimConfig::default()
    })
    .expect("simulator starts")
}

fn connect_with(sim: &sim::SimHandle, options: Options) -> Client {
    let client = Client::new(options).unwrap();
    client
        .connect("127.0.0.1", sim.port(), 0, T)
        .expect("connects");
    client
}

fn connect(sim: &sim::SimHandle) -> Client {
    connect_with(sim, Options::default())
}

/// Polls until `pred` matches, returning every event seen up to and including
/// the match; panics after `limit`.
fn until(
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
    panic!(
        "no {what} within {limit:?}; saw {} events, last: {:?}",
        seen.len(),
        seen.last()
    );
}

fn is_summary_end(e: &Event) -> bool {
    matches!(e, Event::Message(Incoming::AccountSummaryEnd(_)))
}

fn rows(events: &[Event]) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, Event::Message(Incoming::AccountSummary(_))))
        .count()
}

fn lost_reason(events: &[Event]) -> Option<&str> {
    events.iter().find_map(|e| match e {
        Event::State {
            state: ConnectionState::ConnectionLost,
            reason,
        } => Some(reason.as_str()),
        _ => None,
    })
}

fn tag_count() -> usize {
    ALL_TAGS.split(',').count()
}

#[test]
fn garbage_is_reported_and_the_rows_still_arrive() {
    for version in [176, 201, 222] {
        for mode in Garbage::ALL {
            if mode == Garbage::Oversize || (mode == Garbage::BadProtobuf && version < 201) {
                continue;
            }
            let sim = simulator(
                version,
                Faults {
                    garbage: Some(mode),
                    ..Faults::default()
                },
            );
            let client = connect(&sim);
            let req_id = 4;
            client.req_account_summary(req_id, "All", ALL_TAGS).unwrap();
            let events = until(&client, T, "account summary end", is_summary_end);
            let what = format!("{mode} at v{version}");
            assert!(client.is_connected(), "{what}: the connection stays up");
            assert_eq!(rows(&events), tag_count(), "{what}: every row arrives");
            let bad: Vec<&Event> = events
                .iter()
                .filter(|e| matches!(e, Event::DecodeFailed { .. } | Event::Unknown { .. }))
                .collect();
            let stats = client.stats();
            if mode == Garbage::ZeroLength {
                assert!(
                    bad.is_empty(),
                    "{what}: a zero-length frame is skipped: {bad:?}"
                );
                assert_eq!(stats.decode_errors + stats.unknown_messages, 0, "{what}");
                continue;
            }
            assert_eq!(bad.len(), 1, "{what}: exactly one error event: {bad:?}");
            match (mode, bad[0]) {
                (Garbage::UnknownId, Event::Unknown { msg_id, payload }) => {
                    assert_eq!(*msg_id, GARBAGE_UNKNOWN_ID, "{what}");
                    assert!(
                        payload.windows(7).any(|w| w == b"libtws "),
                        "{what}: raw bytes"
                    );
                }
                (Garbage::BadId, Event::Unknown { msg_id, .. }) if version >= 201 => {
                    assert_eq!(*msg_id, 0, "{what}")
                }
                (
                    Garbage::BadId,
                    Event::DecodeFailed {
                        payload, reason, ..
                    },
                ) => {
                    assert!(
                        payload.starts_with(b"6x3\0"),
                        "{what}: raw bytes {payload:?}"
                    );
                    assert!(reason.contains("6x3"), "{what}: {reason}");
                }
                (
                    _,
                    Event::DecodeFailed {
                        msg_id,
                        reason,
                        payload,
                    },
                ) => {
                    assert_eq!(*msg_id, 63, "{what}: the account-summary id");
                    assert!(!reason.is_empty() && !payload.is_empty(), "{what}");
                    if mode == Garbage::BadField {
                        assert!(payload.windows(12).any(|w| w == b"not-a-number"), "{what}");
                        assert!(reason.contains("not-a-number"), "{what}: {reason}");
                    }
                }
                (_, other) => panic!("{what}: unexpected {other:?}"),
            }
            assert_eq!(stats.decode_errors + stats.unknown_messages, 1, "{what}");
            // Still usable afterwards.
            client.req_current_time().unwrap();
            until(&client, T, "current time", |e| {
                matches!(e, Event::Message(Incoming::CurrentTime(_)))
            });
        }
    }
}

#[test]
fn drop_after_is_a_connection_lost() {
    // 5 startup messages, then 10 rows of the snapshot: the 15th message is the last.
    let sim = simulator(
        222,
        Faults {
            drop_after: Some(15),
            ..Faults::default()
        },
    );
    let client = connect(&sim);
    client.req_account_summary(1, "All", ALL_TAGS).unwrap();
    let events = until(&client, T, "connection lost", |e| {
        lost_reason(std::slice::from_ref(e)).is_some()
    });
    assert_eq!(rows(&events), 10, "the rows sent before the drop arrive");
    assert!(!events.iter().any(is_summary_end));
    assert_eq!(client.state(), ConnectionState::ConnectionLost);
    assert_eq!(
        client.req_account_summary(2, "All", "NetLiquidation"),
        Err(Error::NotConnected),
        "requests fail at once"
    );
}

#[test]
fn slow_server_still_completes() {
    let sim = simulator(
        222,
        Faults {
            slow: Some(Duration::from_millis(5)),
            ..Faults::default()
        },
    );
    let client = connect(&sim);
    let started = Instant::now();
    client.req_account_summary(1, "All", ALL_TAGS).unwrap();
    let events = until(
        &client,
        Duration::from_secs(20),
        "account summary end",
        is_summary_end,
    );
    assert_eq!(rows(&events), tag_count());
    // Each of the rows and the end marker waited 5 ms.
    assert!(started.elapsed() >= Duration::from_millis(5 * tag_count() as u64));
}

#[test]
fn exceeding_the_message_rate_is_error_100() {
    let sim = simulator(
        222,
        Faults {
            max_msg_rate: Some(5),
            ..Faults::default()
        },
    );
    let client = connect(&sim);
    for _ in 0..20 {
        client.req_current_time().unwrap();
    }
    let events = until(
        &client,
        T,
        "error 100",
        |e| matches!(e, Event::Message(Incoming::Error(m)) if m.code == 100),
    );
    let Some(Event::Message(Incoming::Error(m))) = events.last() else {
        unreachable!()
    };
    assert!(
        m.message.contains("Max rate of messages per second"),
        "{}",
        m.message
    );
    let answered = events
        .iter()
        .filter(|e| matches!(e, Event::Message(Incoming::CurrentTime(_))))
        .count();
    assert!(answered <= 5, "{answered} answers above the rate");
    assert!(client.is_connected());
}

#[test]
fn scripted_connectivity_errors_arrive_classified() {
    let sim = simulator(
        222,
        Faults {
            connectivity: sim::faults::parse_connectivity("1100@0.3,1102@0.6").unwrap(),
            ..Faults::default()
        },
    );
    let client = connect(&sim);
    let mut codes = Vec::new();
    for code in [1100, 1102] {
        let events = until(
            &client,
            T,
            "connectivity error",
            |e| matches!(e, Event::Message(Incoming::Error(m)) if m.code == code),
        );
        let Some(Event::Message(Incoming::Error(m))) = events.last() else {
            unreachable!()
        };
        assert_eq!(classify(m.code), ErrorClass::Connectivity);
        assert_eq!(m.req_id, -1);
        codes.push(m.code);
    }
    assert_eq!(codes, vec![1100, 1102]);
    assert!(client.is_connected());
}

#[test]
fn restart_drops_refuses_then_accepts_again() {
    let sim = simulator(
        222,
        Faults {
            restart: Some(Restart {
                after: Duration::from_millis(1000),
                down: Duration::from_millis(800),
            }),
            ..Faults::default()
        },
    );
    let client = connect(&sim);
    let events = until(&client, T, "connection lost", |e| {
        lost_reason(std::slice::from_ref(e)).is_some()
    });
    assert!(
        lost_reason(&events).unwrap().contains("closed by peer"),
        "{events:?}"
    );
    assert_eq!(client.req_current_time(), Err(Error::NotConnected));

    // While down, connecting is refused at once.
    let lost_at = Instant::now();
    let err = client
        .connect("127.0.0.1", sim.port(), 0, Duration::from_secs(2))
        .unwrap_err();
    assert!(matches!(err, Error::ConnectionRefused(_)), "{err:?}");
    assert!(lost_at.elapsed() < Duration::from_millis(500));

    // After the down time, the same port and client id are served again.
    let deadline = Instant::now() + T;
    loop {
        match client.connect("127.0.0.1", sim.port(), 0, Duration::from_secs(2)) {
            Ok(()) => break,
            Err(Error::ConnectionRefused(_)) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(50))
            }
            Err(e) => panic!("reconnect after restart: {e:?}"),
        }
    }
    let rows = client.account_summary("All", "NetLiquidation", T).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].value, "983631.71");
}
