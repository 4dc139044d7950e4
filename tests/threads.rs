//! Requests from 8 threads at once while events flow: every answer arrives
//! exactly once, nothing deadlocks, and it all ends in bounded time.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tws::client::{Client, Event, Options};
use tws::protocol::Incoming;
use tws::sim::{self, SimConfig};

const THREADS: i32 = 8;
/// With the default pacing (50 messages a second) 8 x 10 x 3 requests take
/// about 5 s: the senders also contend for the pacer.
const PER_THREAD: i32 = 10;
const TAGS: &str = "NetLiquidation,TotalCashValue";

#[test]
fn eight_threads_request_while_events_flow() {
    let sim = sim::start(SimConfig {
        quiet: true,
        max_account_summaries: 1000,
        ..SimConfig::default()
    })
    .unwrap();
    let client = Arc::new(Client::new(Options::default()).unwrap());
    client
        .connect("127.0.0.1", sim.port(), 0, Duration::from_secs(10))
        .unwrap();
    let failed = Arc::new(AtomicBool::new(false));
    let senders: Vec<_> = (0..THREADS)
        .map(|t| {
            let client = Arc::clone(&client);
            let failed = Arc::clone(&failed);
            std::thread::spawn(move || {
                for i in 0..PER_THREAD {
                    let req_id = 1000 * (t + 1) + i;
                    let sent = client
                        .req_current_time()
                        .and_then(|()| client.req_account_summary(req_id, "All", TAGS))
                        .and_then(|()| client.cancel_account_summary(req_id));
                    if let Err(e) = sent {
                        eprintln!("thread {t}: {e}");
                        failed.store(true, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();

    // The main thread consumes while the senders send.
    let total = THREADS * PER_THREAD;
    let deadline = Instant::now() + Duration::from_secs(90);
    let (mut times, mut ends) = (0, HashMap::<i32, u32>::new());
    let mut rows = HashMap::<i32, u32>::new();
    while times < total || ends.len() < total as usize {
        assert!(
            Instant::now() < deadline,
            "after 90 s: {times} times, {} ends",
            ends.len()
        );
        match client.poll(Duration::from_millis(100)).unwrap() {
            Some(Event::Message(Incoming::CurrentTime(_))) => times += 1,
            Some(Event::Message(Incoming::AccountSummary(r))) => {
                *rows.entry(r.req_id).or_default() += 1
            }
            Some(Event::Message(Incoming::AccountSummaryEnd(e))) => {
                *ends.entry(e.req_id).or_default() += 1
            }
            Some(Event::Message(Incoming::Error(e))) if e.code < 2000 => {
                panic!("unexpected error {}: {}", e.code, e.message)
            }
            Some(Event::DecodeFailed { reason, .. }) => panic!("decode failed: {reason}"),
            _ => {}
        }
    }
    for s in senders {
        s.join().expect("sender thread");
    }
    assert!(!failed.load(Ordering::Relaxed), "every request was sent");
    // Nothing more arrives: every answer came exactly once.
    while let Some(e) = client.poll(Duration::from_millis(300)).unwrap() {
        assert!(
            !matches!(
                e,
                Event::Message(Incoming::CurrentTime(_) | Incoming::AccountSummaryEnd(_))
            ),
            "extra answer {e:?}"
        );
    }
    assert_eq!(times, total);
    for t in 0..THREADS {
        for i in 0..PER_THREAD {
            let id = 1000 * (t + 1) + i;
            assert_eq!(ends.get(&id), Some(&1), "end marker of request {id}");
            assert_eq!(rows.get(&id), Some(&2), "rows of request {id}");
        }
    }
    let stats = client.stats();
    assert_eq!(
        stats.messages_out,
        2 + 3 * total as u64,
        "hello, startApi, requests"
    );
}
