//! The engine against the simulator at every server version where the wire
//! changes shape: text ids (< 201), binary ids with text (201..206), protobuf
//! account messages (207+), protobuf session messages (213+).

use std::time::Duration;

use tws::client::{Client, ConnectionState, Error, Event, Options};
use tws::protocol::account_tags::ALL_TAGS;
use tws::protocol::{ErrorClass, Incoming};
use tws::sim::{self, SimConfig};

const VERSIONS: [i32; 7] = [150, 176, 200, 201, 207, 213, 222];
const T: Duration = Duration::from_secs(5);

fn simulator(version: i32) -> sim::SimHandle {
    sim::start(SimConfig {
        server_version: version,
        accounts: vec!["DU123456".into(), "DU654321".into()],
        ..SimConfig::default()
    })
    .expect("simulator starts")
}

fn connect(sim: &sim::SimHandle, client_id: i32) -> Client {
    let client = Client::new(Options::default()).unwrap();
    client
        .connect("127.0.0.1", sim.port(), client_id, T)
        .expect("connects");
    client
}

/// Polls until `pred` matches an event, returning it; panics after 5 s.
fn wait_for(client: &Client, what: &str, pred: impl Fn(&Event) -> bool) -> Event {
    let deadline = std::time::Instant::now() + T;
    while std::time::Instant::now() < deadline {
        if let Some(e) = client.poll(Duration::from_millis(100)).unwrap() {
            if pred(&e) {
                return e;
            }
        }
    }
    panic!("no {what} within 5 s");
}

#[test]
fn session_and_account_summary_at_every_version() {
    for version in VERSIONS {
        let sim = simulator(version);
        let client = connect(&sim, 1);
        assert_eq!(client.server_version(), Some(version));
        assert_eq!(client.managed_accounts(), vec!["DU123456", "DU654321"]);
        assert!(client.next_order_id().unwrap() >= 1);

        wait_for(
            &client,
            "2158 notice",
            |e| matches!(e, Event::Message(Incoming::Error(m)) if m.code == 2158 && tws::protocol::classify(m.code) == ErrorClass::Notice),
        );

        let req_id = client.next_request_id();
        client.req_account_summary(req_id, "All", ALL_TAGS).unwrap();
        let mut rows = Vec::new();
        loop {
            match wait_for(&client, "account summary", |e| {
                matches!(e, Event::Message(_))
            }) {
                Event::Message(Incoming::AccountSummary(row)) => {
                    assert_eq!(row.req_id, req_id);
                    rows.push(row);
                }
                Event::Message(Incoming::AccountSummaryEnd(end)) => {
                    assert_eq!(end.req_id, req_id);
                    break;
                }
                _ => {}
            }
        }
        let tags = ALL_TAGS.split(',').count();
        assert_eq!(
            rows.len(),
            2 * tags,
            "every tag for both accounts at v{version}"
        );
        assert!(rows.iter().any(|r| r.account == "DU123456"
            && r.tag == "NetLiquidation"
            && r.value == "983631.71"
            && r.currency == "USD"));
        client.cancel_account_summary(req_id).unwrap();

        client.req_current_time().unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        match wait_for(&client, "current time", |e| {
            matches!(e, Event::Message(Incoming::CurrentTime(_)))
        }) {
            Event::Message(Incoming::CurrentTime(t)) => assert!((t.time - now).abs() < 60),
            _ => unreachable!(),
        }
        let millis = client.req_current_time_in_millis();
        if version >= 197 {
            millis.unwrap();
            wait_for(
                &client,
                "current time in millis",
                |e| matches!(e, Event::Message(Incoming::CurrentTimeInMillis(t)) if (t.time_ms / 1000 - now).abs() < 60),
            );
        } else {
            assert!(
                matches!(millis, Err(Error::Encode(_))),
                "v{version}: {millis:?}"
            );
        }

        client.req_ids(1).unwrap();
        wait_for(&client, "next valid id", |e| {
            matches!(e, Event::Message(Incoming::NextValidId(_)))
        });
        client.req_managed_accounts().unwrap();
        wait_for(&client, "managed accounts", |e| {
            matches!(e, Event::Message(Incoming::ManagedAccounts(_)))
        });

        let blocking = client
            .account_summary("All", "NetLiquidation,AccountType", T)
            .unwrap();
        assert_eq!(blocking.len(), 4, "v{version}");

        client.disconnect();
        wait_for(&client, "disconnected state", |e| {
            matches!(
                e,
                Event::State {
                    state: ConnectionState::Disconnected,
                    ..
                }
            )
        });
        assert!(matches!(
            client.req_current_time(),
            Err(Error::NotConnected)
        ));
    }
}

#[test]
fn third_subscription_is_refused_with_322() {
    let sim = simulator(222);
    let client = connect(&sim, 3);
    client
        .req_account_summary(1, "All", "NetLiquidation")
        .unwrap();
    client
        .req_account_summary(2, "All", "NetLiquidation")
        .unwrap();
    let err = client
        .account_summary("All", "NetLiquidation", T)
        .unwrap_err();
    assert!(matches!(err, Error::Request { code: 322, .. }), "{err:?}");
}

#[test]
fn client_id_in_use_is_a_typed_error() {
    let sim = simulator(222);
    let _first = connect(&sim, 5);
    let second = Client::new(Options::default()).unwrap();
    let err = second.connect("127.0.0.1", sim.port(), 5, T).unwrap_err();
    assert!(matches!(err, Error::ClientIdInUse(_)), "{err:?}");
    assert!(!second.is_connected());
}

#[test]
fn no_common_version() {
    let sim = simulator(222);
    let client = Client::new(Options {
        max_version: 180,
        ..Options::default()
    })
    .unwrap();
    let err = client.connect("127.0.0.1", sim.port(), 6, T).unwrap_err();
    assert!(matches!(err, Error::NoCommonVersion(_)), "{err:?}");
}

#[test]
fn refused_and_silent_servers() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let client = Client::new(Options::default()).unwrap();
    let started = std::time::Instant::now();
    let err = client
        .connect("127.0.0.1", port, 0, Duration::from_millis(300))
        .unwrap_err();
    assert!(matches!(err, Error::Timeout(_)), "{err:?}");
    assert!(started.elapsed() >= Duration::from_millis(250));
    drop(listener);
    let err = client.connect("127.0.0.1", port, 0, T).unwrap_err();
    assert!(matches!(err, Error::ConnectionRefused(_)), "{err:?}");
}

#[test]
fn lost_connection_is_an_event_and_requests_fail_at_once() {
    let sim = simulator(222);
    let client = Client::new(Options {
        reconnect: tws::client::ReconnectPolicy::off(),
        ..Options::default()
    })
    .unwrap();
    client.connect("127.0.0.1", sim.port(), 7, T).unwrap();
    sim.stop();
    wait_for(&client, "connection lost", |e| {
        matches!(
            e,
            Event::State {
                state: ConnectionState::ConnectionLost,
                ..
            }
        )
    });
    assert_eq!(client.state(), ConnectionState::ConnectionLost);
    assert!(matches!(
        client.req_current_time(),
        Err(Error::NotConnected)
    ));
}

#[test]
fn callbacks_deliver_in_order_on_one_thread() {
    use std::sync::{Arc, Mutex};
    let sim = simulator(213);
    let client = Client::new(Options::default()).unwrap();
    let seen: Arc<Mutex<Vec<(std::thread::ThreadId, String)>>> = Arc::default();
    let sink = seen.clone();
    client
        .set_callback(Box::new(move |e: &Event| {
            let name = match e {
                Event::Message(m) => m.name().to_owned(),
                Event::State { state, .. } => state.name().to_owned(),
                other => format!("{other:?}"),
            };
            sink.lock()
                .unwrap()
                .push((std::thread::current().id(), name));
        }))
        .unwrap();
    assert!(matches!(
        client.poll(Duration::ZERO),
        Err(Error::WrongMode(_))
    ));
    client.connect("127.0.0.1", sim.port(), 8, T).unwrap();
    client
        .req_account_summary(4, "All", "NetLiquidation")
        .unwrap();
    for _ in 0..100 {
        if seen
            .lock()
            .unwrap()
            .iter()
            .any(|(_, n)| n == "AccountSummaryEnd")
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    client.disconnect();
    drop(client);
    let seen = seen.lock().unwrap();
    let names: Vec<&str> = seen.iter().map(|(_, n)| n.as_str()).collect();
    let pos = |n: &str| {
        names
            .iter()
            .position(|x| *x == n)
            .unwrap_or_else(|| panic!("{n} missing from {names:?}"))
    };
    assert!(pos("Connected") < pos("AccountSummary"));
    assert!(pos("AccountSummary") < pos("AccountSummaryEnd"));
    assert!(
        seen.iter().all(|(t, _)| *t == seen[0].0),
        "one dispatch thread"
    );
    assert_ne!(seen[0].0, std::thread::current().id());
}

#[test]
fn server_closing_after_the_handshake_is_connection_closed() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut hello = [0u8; 64];
        let _ = s.read(&mut hello);
        s.write_all(&tws::protocol::handshake::server_hello(
            176,
            "20261125 10:00:00 EST",
        ))
        .unwrap();
        // Read startApi, then hang up without nextValidId.
        let _ = s.read(&mut hello);
    });
    let client = Client::new(Options::default()).unwrap();
    let err = client.connect("127.0.0.1", port, 0, T).unwrap_err();
    assert!(matches!(err, Error::ConnectionClosed(_)), "{err:?}");
    server.join().unwrap();
}

#[test]
fn a_callback_may_call_the_client_while_another_thread_clears_it() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Weak};
    let sim = simulator(222);
    let client = Arc::new(Client::new(Options::default()).unwrap());
    let weak: Weak<Client> = Arc::downgrade(&client);
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    client
        .set_callback(Box::new(move |_e: &Event| {
            seen.fetch_add(1, Ordering::SeqCst);
            // Slow, so that clear_callback below waits for this very call.
            std::thread::sleep(Duration::from_millis(300));
            if let Some(c) = weak.upgrade() {
                // Each of these once waited on the lock clear_callback holds.
                let _ = c.stats();
                let _ = c.callback_panics();
                assert!(c.in_callback());
                assert!(matches!(c.clear_callback(), Err(Error::Reentrant(_))));
            }
        }))
        .unwrap();
    client.connect("127.0.0.1", sim.port(), 9, T).unwrap();
    while calls.load(Ordering::SeqCst) == 0 {
        std::thread::sleep(Duration::from_millis(5));
    }
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let c2 = client.clone();
    std::thread::spawn(move || {
        c2.clear_callback().unwrap();
        done_tx.send(()).unwrap();
    });
    done_rx
        .recv_timeout(Duration::from_secs(5))
        .expect("clear_callback returned: no deadlock with the running callback");
    assert!(!client.in_callback());
    assert!(client.poll(Duration::ZERO).is_ok(), "back in poll mode");
}

#[test]
fn a_huge_malformed_frame_keeps_only_its_head_in_the_event() {
    use std::io::{Read, Write};
    use tws::protocol::messages::{ManagedAccounts, NextValidId};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = [0u8; 256];
        let _ = s.read(&mut buf);
        s.write_all(&tws::protocol::handshake::server_hello(
            176,
            "20261125 10:00:00 EST",
        ))
        .unwrap();
        let _ = s.read(&mut buf); // startApi
        let mut out = Vec::new();
        for msg in [
            Incoming::ManagedAccounts(ManagedAccounts {
                accounts_list: "DU1".into(),
            }),
            Incoming::NextValidId(NextValidId { order_id: 1 }),
        ] {
            msg.encode(176, &mut out).unwrap();
        }
        // An account-summary row whose request id is 200 KB of letters.
        let mut payload = b"63\x001\x00".to_vec();
        payload.extend(std::iter::repeat_n(b'x', 200_000));
        payload.extend_from_slice(b"\x00DU1\x00Tag\x001\x00USD\x00");
        out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
        out.extend_from_slice(&payload);
        s.write_all(&out).unwrap();
        let _ = s.read(&mut buf); // until the client leaves
    });
    let client = Client::new(Options::default()).unwrap();
    client.connect("127.0.0.1", port, 0, T).unwrap();
    match wait_for(&client, "decode error", |e| {
        matches!(e, Event::DecodeFailed { .. })
    }) {
        Event::DecodeFailed {
            msg_id,
            reason,
            payload,
        } => {
            assert_eq!(msg_id, 63);
            assert_eq!(payload.len(), 64 * 1024);
            assert!(reason.contains("200"), "{reason}");
        }
        _ => unreachable!(),
    }
    client.disconnect();
    server.join().unwrap();
}

#[test]
fn disconnect_cuts_a_first_connect_short() {
    use std::sync::Arc;
    // Accepts (the kernel's backlog does) but never answers the handshake.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let client = Arc::new(Client::new(Options::default()).unwrap());
    let connecting = client.clone();
    let started = std::time::Instant::now();
    let attempt = std::thread::spawn(move || {
        connecting.connect("127.0.0.1", port, 0, Duration::from_secs(20))
    });
    std::thread::sleep(Duration::from_millis(300));
    client.disconnect();
    let result = attempt.join().unwrap();
    assert!(result.is_err(), "{result:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "connect gave up {:?} after start, not at the disconnect",
        started.elapsed()
    );
    assert!(!client.is_connected());
    drop(listener);
}
