//! Faults whose proof is the client's memory: an oversize frame and a flood
//! into a slow consumer. The simulator runs as its own process (`tws-sim`)
//! and this file holds one test, so the resident set measured here is the
//! client's alone.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tws::client::{Client, ConnectionState, Error, Event, Options, ReconnectPolicy};
use tws::protocol::account_tags::ALL_TAGS;
use tws::protocol::Incoming;
use tws::sim::FLOOD_TAG;

const T: Duration = Duration::from_secs(10);

/// A `tws-sim` process, killed when dropped.
struct SimProcess {
    child: Child,
    port: u16,
}

impl SimProcess {
    fn start(args: &[&str]) -> SimProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tws-sim"))
            .args(["--port", "0", "--quiet"])
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .expect("tws-sim starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("tws-sim says where it listens");
        let port = line
            .trim()
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
        SimProcess { child, port }
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Resident set size of this process, from /proc/self/statm (pages of 4 KiB,
/// the page size of the Linux targets we test; a larger page only loosens
/// the bounds below).
fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("statm");
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

fn connect(port: u16, options: Options) -> Client {
    let client = Client::new(options).unwrap();
    client.connect("127.0.0.1", port, 0, T).expect("connects");
    client
}

#[test]
fn memory_stays_bounded_under_oversize_frames_and_floods() {
    oversize_frame_ends_the_connection_without_stall_or_allocation();
    flood_into_a_slow_consumer_stays_bounded();
}

fn oversize_frame_ends_the_connection_without_stall_or_allocation() {
    for version in ["176", "222"] {
        let sim = SimProcess::start(&["--server-version", version, "--garbage", "oversize"]);
        // Reconnect off: each new connection would get the oversize frame again.
        let options = Options {
            reconnect: ReconnectPolicy::off(),
            ..Options::default()
        };
        let client = connect(sim.port, options);
        let before = rss_bytes();
        let started = Instant::now();
        client.req_account_summary(1, "All", ALL_TAGS).unwrap();
        let mut rows = 0;
        let mut protocol_error = None;
        let reason = loop {
            assert!(
                started.elapsed() < T,
                "v{version}: no connection-lost event"
            );
            match client.poll(Duration::from_millis(50)).unwrap() {
                Some(Event::State {
                    state: ConnectionState::ConnectionLost,
                    reason,
                    ..
                }) => break reason,
                Some(Event::ProtocolError { reason, bytes }) => {
                    protocol_error = Some((reason, bytes))
                }
                Some(Event::Message(Incoming::AccountSummary(_))) => rows += 1,
                _ => {}
            }
        };
        let (why, bytes) = protocol_error.expect("a protocol-error event before the loss");
        assert!(why.contains("exceeds the limit"), "v{version}: {why}");
        assert!(
            bytes.len() < 64,
            "only the prefix was read: {} bytes",
            bytes.len()
        );
        assert!(reason.contains("protocol error"), "v{version}: {reason}");
        assert!(reason.contains("exceeds the limit"), "v{version}: {reason}");
        assert!(started.elapsed() < Duration::from_secs(5), "no stall");
        assert_eq!(rows, 0, "v{version}: nothing after the bad length is read");
        assert_eq!(client.req_current_time(), Err(Error::NotConnected));
        let grown = rss_bytes().saturating_sub(before);
        assert!(
            grown < 4 << 20,
            "v{version}: RSS grew {grown} bytes; the announced 16 MiB must not be allocated"
        );
    }
}

fn flood_into_a_slow_consumer_stays_bounded() {
    const FLOOD: u32 = 200_000;
    const CAPACITY: usize = 1024;
    let sim = SimProcess::start(&["--flood", &FLOOD.to_string()]);
    let client = connect(
        sim.port,
        Options {
            queue_capacity: CAPACITY,
            ..Options::default()
        },
    );
    let before = rss_bytes();
    let mut peak = before;
    client.req_account_summary(1, "All", ALL_TAGS).unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let (mut flood_rows, mut other_rows, mut events) = (0u32, 0usize, 0u64);
    loop {
        assert!(
            Instant::now() < deadline,
            "flood incomplete: {flood_rows} rows"
        );
        let Some(e) = client.poll(Duration::from_millis(100)).unwrap() else {
            assert!(client.is_connected(), "the connection stays up");
            continue;
        };
        events += 1;
        if events % 1000 == 0 {
            std::thread::sleep(Duration::from_millis(1));
            peak = peak.max(rss_bytes());
        }
        match e {
            Event::Message(Incoming::AccountSummary(r)) if r.tag == FLOOD_TAG => {
                assert_eq!(r.value, flood_rows.to_string(), "in order, none lost");
                flood_rows += 1;
                if flood_rows == 1 {
                    // A consumer that stalls once the flood is on: the queue
                    // fills up and the reader must wait.
                    std::thread::sleep(Duration::from_millis(300));
                }
            }
            Event::Message(Incoming::AccountSummary(_)) => other_rows += 1,
            Event::Message(Incoming::AccountSummaryEnd(_)) => break,
            _ => {}
        }
    }
    assert_eq!(flood_rows, FLOOD);
    assert_eq!(other_rows, ALL_TAGS.split(',').count());
    let stats = client.stats();
    assert_eq!(
        stats.queue_high_water, CAPACITY as u64,
        "the queue filled up to its capacity and no further"
    );
    assert!(
        stats.queue_full_waits > 0,
        "the consumer was slow enough to fill the queue: {stats:?}"
    );
    assert!(stats.messages_in >= u64::from(FLOOD));
    // 200 000 decoded rows held at once would take some 50 MB (the wire
    // bytes alone are 9 MB); a bounded queue keeps a few hundred KB.
    let grown = peak.saturating_sub(before);
    assert!(grown < 8 << 20, "RSS grew {grown} bytes under the flood");
    eprintln!(
        "flood: {FLOOD} rows, queue high water {}, full waits {}, RSS growth {} KiB",
        stats.queue_high_water,
        stats.queue_full_waits,
        grown / 1024
    );
}
