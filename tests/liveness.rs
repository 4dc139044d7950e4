//! Staying sure TWS is alive: dead-peer detection against a frozen
//! simulator (`Faults::freeze_after`: the socket stays open, nothing is read
//! or written), probes on a quiet but healthy session, detection off; the
//! panic boundary of the engine threads (a poisoned client); the version
//! cap; the connect deadline of a name lookup; and one message for one cause
//! when a protocol error ends a blocking call.

use std::time::{Duration, Instant};

use tws::client::{Client, ConnectionState, Error, Event, Liveness, Options, ReconnectPolicy};
use tws::protocol::ids::incoming::CURRENT_TIME;
use tws::protocol::Incoming;
use tws::sim::{self, Faults, Garbage, SimConfig};

const T: Duration = Duration::from_secs(5);

fn simulator(faults: Faults) -> sim::SimHandle {
    sim::start(SimConfig {
        summary_refresh: None,
        quiet: true,
        faults,
        ..SimConfig::default()
    })
    .expect("simulator starts")
}

fn frozen_after(secs: f64) -> Faults {
    Faults {
        freeze_after: Some(Duration::from_secs_f64(secs)),
        ..Faults::default()
    }
}

fn quick_reconnect() -> ReconnectPolicy {
    ReconnectPolicy {
        enabled: true,
        initial_delay: Duration::from_millis(100),
        max_delay: Duration::from_millis(400),
        jitter_percent: 0,
        max_attempts: 0,
    }
}

fn connect(sim: &sim::SimHandle, options: Options) -> Client {
    let client = Client::new(options).unwrap();
    client
        .connect("127.0.0.1", sim.port(), 0, T)
        .expect("connects");
    client
}

/// Polls until `pred` matches, returning every event seen (the match last).
fn collect_until(
    client: &Client,
    limit: Duration,
    what: &str,
    pred: impl Fn(&Event) -> bool,
) -> Vec<Event> {
    let deadline = Instant::now() + limit;
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
    panic!("no {what} within {limit:?}; saw {seen:#?}");
}

/// Every event within `period`.
fn events_for(client: &Client, period: Duration) -> Vec<Event> {
    let until = Instant::now() + period;
    let mut seen = Vec::new();
    while Instant::now() < until {
        if let Some(e) = client.poll(Duration::from_millis(20)).unwrap() {
            seen.push(e);
        }
    }
    seen
}

fn lost_reason(e: &Event) -> Option<&str> {
    match e {
        Event::State {
            state: ConnectionState::ConnectionLost,
            reason,
            ..
        } => Some(reason),
        _ => None,
    }
}

fn is_state(e: &Event, want: ConnectionState) -> bool {
    matches!(e, Event::State { state, .. } if *state == want)
}

fn is_current_time(e: &Event) -> bool {
    matches!(e, Event::Message(Incoming::CurrentTime(_)))
}

#[test]
fn a_frozen_tws_is_reported_lost_with_the_reason_then_reconnect_starts() {
    let sim = simulator(frozen_after(0.5));
    let options = Options {
        reconnect: quick_reconnect(),
        ..Options::default()
    }
    .liveness(Duration::from_millis(300), Duration::from_millis(300));
    let client = connect(&sim, options);
    let started = Instant::now();
    let events = collect_until(&client, T, "connection lost", |e| lost_reason(e).is_some());
    let reason = events.last().and_then(lost_reason).unwrap();
    assert_eq!(
        reason,
        "no data from TWS for 0.6 s (dead-peer probe unanswered)"
    );
    // Frozen at 0.5 s, a probe at most 0.3 s + a read slice later, given up 0.3 s after that.
    assert!(started.elapsed() < Duration::from_secs(3), "reported late");
    assert!(
        !events.iter().any(is_current_time),
        "probe answers are not delivered"
    );
    assert!(!client.is_connected());
    collect_until(&client, T, "reconnecting", |e| {
        is_state(e, ConnectionState::Reconnecting)
    });
    client.disconnect();
}

#[test]
fn a_quiet_healthy_tws_is_probed_not_lost_and_the_answers_are_swallowed() {
    let sim = simulator(Faults::default());
    let options =
        Options::default().liveness(Duration::from_millis(200), Duration::from_millis(1000));
    let client = connect(&sim, options);
    // The startup events, then two seconds of silence from both sides.
    let _ = events_for(&client, Duration::from_millis(100));
    let sent_before = client.stats().messages_out;
    let quiet = events_for(&client, Duration::from_secs(2));
    assert!(
        quiet.is_empty(),
        "a quiet session yields no event at all (no loss, no probe answer): {quiet:#?}"
    );
    assert!(client.is_connected());
    assert_eq!(client.state(), ConnectionState::Connected);
    let probes = client.stats().messages_out - sent_before;
    assert!(probes >= 3, "probes were sent while quiet: {probes}");
    // The user's own reqCurrentTime is answered as usual.
    client.req_current_time().unwrap();
    collect_until(&client, T, "the user's currentTime", is_current_time);
    client.disconnect();
}

#[test]
fn liveness_off_never_probes() {
    let sim = simulator(frozen_after(0.2));
    let options = Options {
        liveness: Liveness::off(),
        ..Options::default()
    };
    let client = connect(&sim, options);
    let sent_before = client.stats().messages_out;
    let events = events_for(&client, Duration::from_millis(1500));
    assert!(
        !events.iter().any(|e| lost_reason(e).is_some()),
        "{events:#?}"
    );
    assert_eq!(client.stats().messages_out, sent_before, "no probe sent");
    assert!(client.is_connected(), "nothing detects the freeze when off");
    client.disconnect();
}

/// About 30 s: the default options against a TWS frozen right after startup.
#[test]
fn with_default_options_a_frozen_tws_is_reported_within_a_minute() {
    let defaults = Options::default().liveness;
    assert!(defaults.detection_bound() <= Duration::from_secs(60));
    let sim = simulator(frozen_after(0.0));
    let options = Options {
        reconnect: ReconnectPolicy::off(),
        ..Options::default()
    };
    let client = connect(&sim, options);
    let started = Instant::now();
    let events = collect_until(&client, Duration::from_secs(60), "connection lost", |e| {
        lost_reason(e).is_some()
    });
    assert_eq!(
        events.last().and_then(lost_reason),
        Some("no data from TWS for 30 s (dead-peer probe unanswered)")
    );
    assert!(
        started.elapsed() >= Duration::from_secs(29),
        "not before idle + timeout"
    );
    assert_eq!(client.req_current_time(), Err(Error::NotConnected));
}

#[test]
fn a_panic_in_the_reader_poisons_the_client() {
    let sim = simulator(Faults::default());
    let options = Options {
        reconnect: quick_reconnect(),
        liveness: Liveness::off(),
        panic_on_message_id_for_tests: Some(CURRENT_TIME),
        ..Options::default()
    };
    let client = connect(&sim, options);
    assert!(!client.is_poisoned());
    client.req_current_time().unwrap();
    let events = collect_until(&client, T, "connection lost", |e| lost_reason(e).is_some());
    let reason = events.last().and_then(lost_reason).unwrap();
    assert!(reason.starts_with("internal error: "), "{reason}");
    assert!(reason.contains("test hook"), "{reason}");
    assert!(client.is_poisoned());
    assert!(!client.is_connected());
    let poisoned =
        |r: Result<(), Error>| matches!(r, Err(Error::Poisoned(m)) if m.contains("test hook"));
    assert!(poisoned(client.req_current_time()));
    assert!(poisoned(client.req_account_summary(
        1,
        "All",
        "NetLiquidation"
    )));
    assert!(poisoned(client.req_positions()));
    assert!(poisoned(client.connect("127.0.0.1", sim.port(), 0, T)));
    assert!(matches!(
        client.account_summary("All", "NetLiquidation", T),
        Err(Error::Poisoned(_))
    ));
    assert!(matches!(client.next_order_id(), Err(Error::Poisoned(_))));
    // Poll hands out what is queued, then fails too; nothing reconnects.
    std::thread::sleep(Duration::from_millis(500));
    let mut rest = Vec::new();
    let end = loop {
        match client.poll(Duration::from_millis(10)) {
            Ok(Some(e)) => rest.push(e),
            Ok(None) => panic!("poll on a poisoned client must fail once drained"),
            Err(e) => break e,
        }
    };
    assert!(matches!(end, Error::Poisoned(_)), "{end:?}");
    assert!(
        !rest
            .iter()
            .any(|e| is_state(e, ConnectionState::Reconnecting)),
        "{rest:#?}"
    );
    assert_eq!(client.stats().reconnect_attempts, 0);
    // Dropping it still returns (every thread is joined).
    drop(client);
}

#[test]
fn max_version_above_the_highest_implemented_is_refused() {
    let max = tws::protocol::versions::MAX_CLIENT_VERSION;
    assert_eq!(max, 226);
    assert!(Options::default().version_range(100, max).is_ok());
    match Options::default().version_range(100, max + 1) {
        Err(Error::InvalidArgument(m)) => assert!(m.contains("226"), "{m}"),
        other => panic!("{other:?}"),
    }
    let options = Options {
        max_version: 300,
        ..Options::default()
    };
    assert!(matches!(
        Client::new(options),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn an_unresolvable_host_fails_typed_within_the_timeout() {
    let client = Client::new(Options::default()).unwrap();
    let started = Instant::now();
    let timeout = Duration::from_secs(3);
    let r = client.connect("no-such-host.invalid", 7497, 0, timeout);
    assert!(
        matches!(r, Err(Error::InvalidArgument(_) | Error::Timeout(_))),
        "{r:?}"
    );
    assert!(started.elapsed() < timeout + Duration::from_secs(1));
}

#[test]
fn an_oversize_frame_fails_a_blocking_call_with_the_loss_reason() {
    let sim = simulator(Faults {
        garbage: Some(Garbage::Oversize),
        ..Faults::default()
    });
    let options = Options {
        reconnect: ReconnectPolicy::off(),
        ..Options::default()
    };
    let client = connect(&sim, options);
    let err = client
        .account_summary("All", "NetLiquidation", T)
        .expect_err("the frame ends the connection");
    let events = collect_until(&client, T, "connection lost", |e| lost_reason(e).is_some());
    let reason = events.last().and_then(lost_reason).unwrap();
    assert!(matches!(err, Error::Protocol(_)), "{err:?}");
    assert_eq!(err.to_string(), reason, "one cause, one message");
    assert!(reason.contains("exceeds the limit"), "{reason}");
}

#[test]
fn a_panic_in_the_supervisor_poisons_the_client() {
    let sim = simulator(Faults::default());
    let options = Options {
        reconnect: quick_reconnect(),
        panic_in_supervisor_for_tests: true,
        ..Options::default()
    };
    let client = connect(&sim, options);
    sim.stop();
    let events = collect_until(&client, T, "the supervisor's loss event", |e| {
        lost_reason(e).is_some_and(|r| r.starts_with("internal error: "))
    });
    let reason = events.last().and_then(lost_reason).unwrap();
    assert!(reason.contains("supervisor"), "{reason}");
    assert!(client.is_poisoned());
    assert!(matches!(client.req_current_time(), Err(Error::Poisoned(_))));
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(client.stats().reconnect_attempts, 0, "nothing reconnects");
    drop(client);
}

#[test]
fn a_panic_in_the_dispatcher_outside_the_callback_poisons_the_client() {
    let sim = simulator(Faults::default());
    let options = Options {
        reconnect: ReconnectPolicy::off(),
        panic_in_dispatcher_for_tests: true,
        ..Options::default()
    };
    let client = connect(&sim, options);
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let seen = calls.clone();
    client
        .set_callback(Box::new(move |_| {
            seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }))
        .unwrap();
    let deadline = Instant::now() + T;
    while !client.is_poisoned() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(
        client.is_poisoned(),
        "the dispatcher's panic must poison the client"
    );
    assert!(matches!(client.req_current_time(), Err(Error::Poisoned(_))));
    // What was queued, then Poisoned; the "internal error" loss is queued
    // right after the flag is set, so poll until it shows up.
    let mut reasons: Vec<String> = Vec::new();
    let deadline = Instant::now() + T;
    while !reasons.iter().any(|r| r.starts_with("internal error: ")) {
        assert!(Instant::now() < deadline, "no internal-error loss event");
        match client.poll(Duration::from_millis(100)) {
            Ok(Some(e)) => reasons.extend(lost_reason(&e).map(str::to_owned)),
            Ok(None) => panic!("a poisoned client's poll ends in Poisoned"),
            Err(Error::Poisoned(what)) => assert!(what.contains("dispatcher"), "{what}"),
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("the dispatcher thread panicked")),
        "{reasons:?}"
    );
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert_eq!(client.callback_panics(), 0, "not the user's panic");
    drop(client);
}

#[test]
fn after_a_loss_with_reconnect_off_poll_is_not_connected_at_once() {
    let sim = simulator(frozen_after(0.5));
    let options = Options {
        reconnect: ReconnectPolicy::off(),
        liveness: Liveness {
            idle: Duration::from_millis(200),
            timeout: Duration::from_millis(200),
        },
        ..Options::default()
    };
    let client = connect(&sim, options);
    collect_until(&client, T, "the dead-peer loss", |e| {
        lost_reason(e).is_some()
    });
    // Nothing can arrive any more: the queue drains, then NotConnected.
    let mut result = client.poll(Duration::from_secs(30));
    while let Ok(Some(_)) = result {
        result = client.poll(Duration::from_secs(30));
    }
    assert!(matches!(result, Err(Error::NotConnected)), "{result:?}");
}
