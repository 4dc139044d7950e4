//! The event queue's delivery promises, against the simulator: a bound in
//! bytes that holds under a flood of large messages, a `Disconnected` event
//! that is never lost on a full queue, `poll` refusing at once when nothing
//! can arrive, and a `set_callback` during a `poll` that neither splits nor
//! reorders the stream.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use tws::client::{Client, ConnectionState, Error, Event, Options};
use tws::protocol::Incoming;
use tws::sim::{
    self, Faults, LargeUnknown, SimConfig, SimHandle as Sim, FLOOD_TAG, GARBAGE_UNKNOWN_ID,
};

const T: Duration = Duration::from_secs(5);

fn sim_with(faults: Faults) -> Sim {
    sim::start(SimConfig {
        faults,
        quiet: true,
        ..SimConfig::default()
    })
    .unwrap()
}

fn connected(sim: &Sim, options: Options) -> Client {
    let client = Client::new(options).unwrap();
    client.connect("127.0.0.1", sim.port(), 1, T).unwrap();
    client
}

/// The index of a `--large-unknown` message: the field before the filler.
fn large_unknown_index(payload: &[u8]) -> u32 {
    let fields: Vec<&[u8]> = payload.split(|b| *b == 0).collect();
    // ..., index, filler, "" (after the last NUL)
    std::str::from_utf8(fields[fields.len() - 3])
        .unwrap()
        .parse()
        .unwrap()
}

/// The value of a flood row, if the event is one.
fn flood_value(e: &Event) -> Option<u32> {
    match e {
        Event::Message(Incoming::AccountSummary(r)) if r.tag.as_str() == FLOOD_TAG => {
            Some(r.value.as_str().parse().unwrap())
        }
        _ => None,
    }
}

fn is_summary_end(e: &Event) -> bool {
    matches!(e, Event::Message(Incoming::AccountSummaryEnd(_)))
}

#[test]
fn a_flood_of_large_messages_stays_within_the_byte_bound_and_loses_nothing() {
    const COUNT: u32 = 40;
    const BYTES: u32 = 256 * 1024;
    const BOUND: usize = 1 << 20;
    let sim = sim_with(Faults {
        large_unknown: Some(LargeUnknown {
            count: COUNT,
            bytes: BYTES,
        }),
        ..Faults::default()
    });
    let client = connected(
        &sim,
        Options {
            queue_max_bytes: BOUND,
            ..Options::default()
        },
    );
    client
        .req_account_summary(1, "All", "NetLiquidation")
        .unwrap();
    // The consumer stalls: the reader fills the queue up to the bound and waits.
    let stalled_until = Instant::now() + Duration::from_millis(1500);
    let mut most = 0;
    while Instant::now() < stalled_until {
        most = most.max(client.stats().queue_bytes);
        thread::sleep(Duration::from_millis(2));
    }
    let stats = client.stats();
    assert!(most > 0, "nothing was queued");
    assert!(
        most <= BOUND as u64,
        "the queue held {most} bytes, over its bound of {BOUND}"
    );
    assert!(stats.queue_full_waits > 0, "the reader never waited");
    // Then every message arrives, in order.
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let Some(e) = client.poll(T).unwrap() else {
            continue;
        };
        assert!(client.stats().queue_bytes <= BOUND as u64);
        match e {
            Event::Unknown { msg_id, payload } => {
                assert_eq!(msg_id, GARBAGE_UNKNOWN_ID);
                seen.push(large_unknown_index(&payload));
            }
            e if is_summary_end(&e) => break,
            _ => {}
        }
    }
    assert_eq!(seen, (0..COUNT).collect::<Vec<_>>());
}

#[test]
fn disconnect_on_a_full_queue_never_loses_the_disconnected_event() {
    let sim = sim_with(Faults {
        flood: Some(5_000),
        ..Faults::default()
    });
    let client = connected(
        &sim,
        Options {
            queue_capacity: 16,
            ..Options::default()
        },
    );
    client
        .req_account_summary(1, "All", "NetLiquidation")
        .unwrap();
    let deadline = Instant::now() + T;
    while client.stats().queue_len < 16 {
        assert!(Instant::now() < deadline, "the queue never filled");
        thread::sleep(Duration::from_millis(5));
    }
    // Held on purpose past the old 1 s limit: nothing consumes.
    thread::sleep(Duration::from_millis(1200));
    client.disconnect();
    let mut last = None;
    let mut count = 0;
    loop {
        match client.poll(Duration::ZERO) {
            Ok(Some(e)) => {
                count += 1;
                last = Some(e);
            }
            Ok(None) | Err(Error::NotConnected) => break,
            Err(e) => panic!("{e}"),
        }
    }
    assert!(count >= 16, "{count} events");
    match last {
        Some(Event::State { state, .. }) => assert_eq!(state, ConnectionState::Disconnected),
        other => panic!("the last event is {other:?}, not Disconnected"),
    }
    assert!(matches!(client.poll(T), Err(Error::NotConnected)));
}

#[test]
fn poll_without_a_session_returns_not_connected_at_once() {
    let client = Client::new(Options::default()).unwrap();
    let started = Instant::now();
    assert!(matches!(client.poll(T), Err(Error::NotConnected)));
    assert!(started.elapsed() < T / 2, "poll waited out its timeout");

    // After disconnect: the queued events first, then NotConnected at once.
    let sim = sim_with(Faults::default());
    client.connect("127.0.0.1", sim.port(), 1, T).unwrap();
    client.disconnect();
    let mut last = None;
    let started = Instant::now();
    loop {
        match client.poll(T) {
            Ok(Some(e)) => last = Some(e),
            Ok(None) => panic!("poll waited out its timeout"),
            Err(Error::NotConnected) => break,
            Err(e) => panic!("{e}"),
        }
    }
    assert!(started.elapsed() < T / 2, "poll waited out its timeout");
    assert!(matches!(
        last,
        Some(Event::State {
            state: ConnectionState::Disconnected,
            ..
        })
    ));
}

#[test]
fn set_callback_ends_a_blocked_poll_and_the_callback_gets_the_whole_stream() {
    const ROWS: u32 = 2_000;
    let sim = sim_with(Faults {
        flood: Some(ROWS),
        ..Faults::default()
    });
    let client = Arc::new(connected(&sim, Options::default()));
    // Drain the startup events, then block in poll with an empty queue.
    while client.poll(Duration::from_millis(200)).unwrap().is_some() {}
    let (done_tx, done_rx) = mpsc::channel();
    let poller = {
        let client = client.clone();
        thread::spawn(move || {
            let got = client.poll(Duration::from_secs(60));
            let _ = done_tx.send(got);
        })
    };
    thread::sleep(Duration::from_millis(200));
    let values = Arc::new(Mutex::new(Vec::new()));
    let (end_tx, end_rx) = mpsc::channel();
    {
        let values = values.clone();
        let end_tx = Mutex::new(end_tx);
        client
            .set_callback(Box::new(move |e| {
                if let Some(v) = flood_value(e) {
                    values.lock().unwrap().push(v);
                }
                if is_summary_end(e) {
                    let _ = end_tx.lock().unwrap().send(());
                }
            }))
            .unwrap();
    }
    // The blocked poll ended with WrongMode, before any event was requested.
    let got = done_rx.recv_timeout(T).expect("poll still blocked");
    assert!(matches!(got, Err(Error::WrongMode(_))), "{got:?}");
    poller.join().unwrap();
    client
        .req_account_summary(1, "All", "NetLiquidation")
        .unwrap();
    end_rx.recv_timeout(Duration::from_secs(30)).unwrap();
    assert_eq!(*values.lock().unwrap(), (0..ROWS).collect::<Vec<_>>());
    client.clear_callback().unwrap();
}

#[test]
fn set_callback_during_a_poll_loop_keeps_the_stream_whole_and_in_order() {
    const ROWS: u32 = 20_000;
    let sim = sim_with(Faults {
        flood: Some(ROWS),
        ..Faults::default()
    });
    let client = Arc::new(connected(
        &sim,
        Options {
            queue_capacity: 64,
            ..Options::default()
        },
    ));
    let polled_count = Arc::new(AtomicUsize::new(0));
    let poller = {
        let client = client.clone();
        let polled_count = polled_count.clone();
        thread::spawn(move || {
            let mut polled = Vec::new();
            let mut end = false;
            loop {
                match client.poll(T) {
                    Ok(Some(e)) => {
                        if let Some(v) = flood_value(&e) {
                            polled.push(v);
                            polled_count.fetch_add(1, Ordering::Relaxed);
                        }
                        end |= is_summary_end(&e);
                    }
                    Ok(None) => {}
                    Err(Error::WrongMode(_)) => return (polled, end),
                    Err(e) => panic!("{e}"),
                }
            }
        })
    };
    client
        .req_account_summary(1, "All", "NetLiquidation")
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while polled_count.load(Ordering::Relaxed) < (ROWS / 10) as usize {
        assert!(Instant::now() < deadline, "the poller got no rows");
        thread::sleep(Duration::from_millis(1));
    }
    let values = Arc::new(Mutex::new(Vec::new()));
    let (end_tx, end_rx) = mpsc::channel();
    {
        let values = values.clone();
        let end_tx = Mutex::new(end_tx);
        client
            .set_callback(Box::new(move |e| {
                if let Some(v) = flood_value(e) {
                    values.lock().unwrap().push(v);
                }
                if is_summary_end(e) {
                    let _ = end_tx.lock().unwrap().send(());
                }
            }))
            .unwrap();
    }
    let (polled, poll_saw_end) = poller.join().unwrap();
    if !poll_saw_end {
        end_rx.recv_timeout(Duration::from_secs(30)).unwrap();
    }
    client.clear_callback().unwrap();
    let called = values.lock().unwrap().clone();
    let mut all = polled.clone();
    all.extend_from_slice(&called);
    assert_eq!(
        all.len(),
        ROWS as usize,
        "{} polled + {} to the callback",
        polled.len(),
        called.len()
    );
    assert!(
        all.iter().copied().eq(0..ROWS),
        "the stream was split out of order: poll ended at {:?}, the callback began at {:?}",
        polled.last(),
        called.first()
    );
}
