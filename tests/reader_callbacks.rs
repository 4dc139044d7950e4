//! Callbacks on the reader thread (`Options::callbacks_on_reader`), against
//! the simulator over 127.0.0.1: messages reach the callback on the reader
//! thread, in order with the events other threads make; requests work from
//! the callback, calls that wait for TWS's answer are refused there;
//! `disconnect` from the callback returns at once and nothing follows its
//! `Disconnected`; with `busy_poll` the reader spins and round trips still
//! complete; clearing the callback returns the stream to `poll`.

use std::sync::mpsc::{channel, Receiver};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tws::client::{Client, ConnectionState, Event, Options, ReconnectPolicy};
use tws::protocol::messages::Contract;
use tws::sim::{self, SimConfig};

const T: Duration = Duration::from_secs(5);

fn simulator(version: i32) -> sim::SimHandle {
    sim::start(SimConfig {
        server_version: version,
        quiet: true,
        ..SimConfig::default()
    })
    .expect("simulator starts")
}

fn on_reader(busy_poll: bool) -> Options {
    Options {
        callbacks_on_reader: true,
        busy_poll,
        reconnect: ReconnectPolicy {
            enabled: false,
            ..ReconnectPolicy::default()
        },
        ..Options::default()
    }
}

/// What the callback saw: the thread's name and the event's name.
#[derive(Debug, Clone)]
struct Seen {
    thread: String,
    name: String,
}

fn name_of(e: &Event) -> String {
    match e {
        Event::Message(m) => m.name().to_owned(),
        Event::State { state, .. } => state.name().to_owned(),
        other => format!("{other:?}"),
    }
}

/// A callback that forwards what it sees to the returned receiver.
fn recording(client: &Client) -> Receiver<Seen> {
    let (tx, rx) = channel();
    let tx = Mutex::new(tx);
    client
        .set_callback(Box::new(move |e: &Event| {
            let seen = Seen {
                thread: std::thread::current().name().unwrap_or("").to_owned(),
                name: name_of(e),
            };
            let _ = tx.lock().unwrap().send(seen);
        }))
        .unwrap();
    rx
}

/// Everything up to and including the first event named `name`.
fn until(rx: &Receiver<Seen>, name: &str) -> Vec<Seen> {
    let mut got = Vec::new();
    loop {
        let s = rx
            .recv_timeout(T)
            .unwrap_or_else(|_| panic!("no {name} within {T:?}; saw {got:?}"));
        let done = s.name == name;
        got.push(s);
        if done {
            return got;
        }
    }
}

fn summary_rows_on_thread(options: Options) -> Vec<Seen> {
    let sim = simulator(222);
    let client = Client::new(options).unwrap();
    let rx = recording(&client);
    client.connect("127.0.0.1", sim.port(), 3, T).unwrap();
    client
        .req_account_summary(4, "All", "NetLiquidation,BuyingPower")
        .unwrap();
    let seen = until(&rx, "AccountSummaryEnd");
    client.disconnect();
    seen
}

#[test]
fn messages_reach_the_callback_on_the_reader_thread_in_order() {
    let seen = summary_rows_on_thread(on_reader(false));
    let pos = |n: &str| {
        seen.iter()
            .position(|s| s.name == n)
            .unwrap_or_else(|| panic!("{n} missing from {seen:?}"))
    };
    assert!(pos("Connected") < pos("AccountSummary"), "{seen:?}");
    assert!(pos("AccountSummary") < pos("AccountSummaryEnd"));
    for s in seen.iter().filter(|s| s.name.starts_with("AccountSummary")) {
        assert_eq!(s.thread, "tws-reader", "{s:?}");
    }
    // The default mode, for contrast: the same events on the dispatch thread.
    let default = summary_rows_on_thread(Options::default());
    assert!(default
        .iter()
        .filter(|s| s.name.starts_with("AccountSummary"))
        .all(|s| s.thread == "tws-dispatch"));
}

/// A client whose callback runs `body(client, event)`; the callback holds
/// the client weakly (the client owns the callback).
fn with_body(
    options: Options,
    body: impl Fn(&Client, &Event) + Send + 'static,
) -> (Arc<Client>, Receiver<Seen>) {
    let client = Arc::new(Client::new(options).unwrap());
    let weak: Weak<Client> = Arc::downgrade(&client);
    let (tx, rx) = channel();
    let tx = Mutex::new(tx);
    client
        .set_callback(Box::new(move |e: &Event| {
            if let Some(c) = weak.upgrade() {
                body(&c, e);
            }
            let seen = Seen {
                thread: std::thread::current().name().unwrap_or("").to_owned(),
                name: name_of(e),
            };
            let _ = tx.lock().unwrap().send(seen);
        }))
        .unwrap();
    (client, rx)
}

/// AAPL by its contract id, as the simulator knows it.
fn aapl() -> Contract {
    Contract {
        con_id: 265_598,
        exchange: "SMART".into(),
        ..Contract::default()
    }
}

#[test]
fn requests_work_in_a_reader_callback_and_waiting_calls_are_refused() {
    let sim = simulator(222);
    let verdicts: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = verdicts.clone();
    let (client, rx) = with_body(on_reader(false), move |c, e| {
        if !matches!(e, Event::Message(m) if m.name() == "AccountSummaryEnd") {
            return;
        }
        let details = c.contract_details(&aapl(), Duration::from_secs(1));
        let connect = c.connect("127.0.0.1", 1, 9, Duration::from_secs(1));
        let mut v = sink.lock().unwrap();
        v.push(format!("contract_details: {details:?}"));
        v.push(format!("connect: {connect:?}"));
        v.push(format!("in_callback: {}", c.in_callback()));
        // A request that only writes works, and its answer comes here too.
        v.push(format!("req_current_time: {:?}", c.req_current_time()));
    });
    client.connect("127.0.0.1", sim.port(), 3, T).unwrap();
    assert!(!client.in_callback());
    client
        .req_account_summary(4, "All", "NetLiquidation")
        .unwrap();
    let seen = until(&rx, "CurrentTime");
    let end = seen
        .iter()
        .position(|s| s.name == "AccountSummaryEnd")
        .expect("end seen");
    assert!(end < seen.len() - 1);
    let v = verdicts.lock().unwrap().clone();
    assert!(
        v[0].starts_with("contract_details: Err(Reentrant("),
        "{v:?}"
    );
    assert!(v[1].starts_with("connect: Err(Reentrant("), "{v:?}");
    assert_eq!(v[2], "in_callback: true");
    assert_eq!(v[3], "req_current_time: Ok(())");
    // Outside the callback the same call works.
    assert!(!client.contract_details(&aapl(), T).unwrap().is_empty());
    client.disconnect();
}

#[test]
fn disconnect_in_a_reader_callback_returns_at_once_and_nothing_follows() {
    let sim = simulator(222);
    let returned: Arc<Mutex<Option<Duration>>> = Arc::default();
    let sink = returned.clone();
    let (client, rx) = with_body(on_reader(false), move |c, e| {
        if matches!(e, Event::Message(m) if m.name() == "AccountSummary") {
            let start = std::time::Instant::now();
            c.disconnect();
            sink.lock().unwrap().get_or_insert(start.elapsed());
        }
    });
    client.connect("127.0.0.1", sim.port(), 3, T).unwrap();
    // Many rows, so that more frames are in flight when the first one disconnects.
    client
        .req_account_summary(
            4,
            "All",
            "$LEDGER:ALL,NetLiquidation,BuyingPower,TotalCashValue",
        )
        .unwrap();
    let seen = until(&rx, "Disconnected");
    let took = returned.lock().unwrap().expect("disconnect ran");
    assert!(took < Duration::from_secs(1), "disconnect took {took:?}");
    // Nothing after Disconnected.
    std::thread::sleep(Duration::from_millis(300));
    let later: Vec<Seen> = rx.try_iter().collect();
    assert!(later.is_empty(), "after Disconnected: {later:?}");
    assert_eq!(client.state(), ConnectionState::Disconnected);
    assert_eq!(
        seen.iter().filter(|s| s.name == "AccountSummary").count(),
        1,
        "{seen:?}"
    );
    // The client connects again from outside the callback.
    client.connect("127.0.0.1", sim.port(), 3, T).unwrap();
    assert!(client.is_connected());
    client.disconnect();
}

#[test]
fn busy_poll_on_the_reader_completes_round_trips_from_the_callback() {
    const ROUND_TRIPS: usize = 200;
    let sim = simulator(222);
    let count = Arc::new(Mutex::new(0usize));
    let sink = count.clone();
    let (client, rx) = with_body(on_reader(true), move |c, e| {
        if matches!(e, Event::Message(m) if m.name() == "CurrentTime") {
            let mut n = sink.lock().unwrap();
            *n += 1;
            if *n < ROUND_TRIPS {
                c.req_current_time().unwrap();
            }
        }
    });
    client.connect("127.0.0.1", sim.port(), 3, T).unwrap();
    client.req_current_time().unwrap();
    let mut times = 0;
    while times < ROUND_TRIPS {
        let s = rx.recv_timeout(T).expect("round trips go on");
        if s.name == "CurrentTime" {
            assert_eq!(s.thread, "tws-reader");
            times += 1;
        }
    }
    assert_eq!(*count.lock().unwrap(), ROUND_TRIPS);
    client.disconnect();
}

#[test]
fn clearing_the_callback_returns_the_stream_to_poll() {
    let sim = simulator(222);
    let client = Client::new(on_reader(false)).unwrap();
    let rx = recording(&client);
    client.connect("127.0.0.1", sim.port(), 3, T).unwrap();
    client.req_current_time().unwrap();
    until(&rx, "CurrentTime");
    client.clear_callback().unwrap();
    client.req_current_time().unwrap();
    let mut got = None;
    for _ in 0..50 {
        match client.poll(Duration::from_millis(100)) {
            Ok(Some(e)) if name_of(&e) == "CurrentTime" => {
                got = Some(e);
                break;
            }
            Ok(_) => {}
            Err(e) => panic!("poll: {e}"),
        }
    }
    assert!(got.is_some(), "CurrentTime reached poll");
    assert!(rx.try_recv().is_err(), "nothing reached the old callback");
    client.disconnect();
}

#[test]
fn disconnects_from_another_thread_and_from_the_callback_at_once_do_not_deadlock() {
    // The other thread holds the session while it waits for the reader to
    // end; the reader's callback disconnecting too must not wait for it.
    let sim = simulator(222);
    let (entered_tx, entered_rx) = channel();
    let entered_tx = Mutex::new(Some(entered_tx));
    let (client, _rx) = with_body(on_reader(false), move |c, e| {
        if matches!(e, Event::Message(m) if m.name() == "AccountSummary") {
            if let Some(tx) = entered_tx.lock().unwrap().take() {
                tx.send(()).unwrap();
                // Time for the main thread's disconnect to take the session.
                std::thread::sleep(Duration::from_millis(300));
                c.disconnect();
            }
        }
    });
    client.connect("127.0.0.1", sim.port(), 3, T).unwrap();
    client
        .req_account_summary(4, "All", "NetLiquidation")
        .unwrap();
    entered_rx.recv_timeout(T).expect("the callback ran");
    let (done_tx, done_rx) = channel();
    let other = client.clone();
    std::thread::spawn(move || {
        other.disconnect();
        let _ = done_tx.send(());
    });
    done_rx
        .recv_timeout(T)
        .expect("both disconnects returned (no deadlock)");
    assert_eq!(client.state(), ConnectionState::Disconnected);
}
