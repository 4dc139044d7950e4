//! The Rust cases of `make bench`, one per invocation, each printing one JSON
//! line: `bench-rust CASE --port P [--iterations K] [--capacity C]`.
//!
//! Cases: `split`, `decode` (raw baselines over the socket),
//! `split-memory`, `decode-memory` (the same from memory: `--version V`), `client-callback`,
//! `client-poll` (tws::client::Client: rate and allocations per event),
//! `rss` (peak memory with a slow consumer), `ibapi` (rust-ibapi),
//! `ibapi-latency`, `pingpong` (raw socket round trips).
//!
//! The flood cases take `--kind rows|ticks|tbt` (account-summary rows,
//! tickPrice + tickSize pairs, tick-by-tick trades; default rows) and
//! `--events N` (the flood size the server was started with; `--rows` is
//! the old name).

use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use tws::client::{Client, Event, Options};
use tws::protocol::Incoming;
use tws_bench::alloc_counter::{allocations, CountingAllocator};
use tws_bench::baseline::{contract, in_memory, ping_pong, RawSession, REQ_ID};
use tws_bench::flood::Kind;
use tws_bench::measure::{json, n, percentile_us, proc_status_kib, rate};

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest one flood may take before the case fails.
const FLOOD_TIMEOUT: Duration = Duration::from_secs(600);

struct Args(Vec<String>);

impl Args {
    fn get<T: std::str::FromStr>(&self, name: &str, default: T) -> T {
        self.0
            .iter()
            .position(|a| a == name)
            .and_then(|i| self.0.get(i + 1))
            .map(|v| v.parse().unwrap_or_else(|_| panic!("bad value for {name}")))
            .unwrap_or(default)
    }
}

fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let case = argv.first().cloned().unwrap_or_default();
    let args = Args(argv);
    let port: u16 = args.get("--port", 0);
    let kind = Kind::parse(&args.get("--kind", "rows".to_owned())).expect("--kind rows|ticks|tbt");
    let events: u64 = args.get("--events", args.get("--rows", 1_000_000));
    let line = match case.as_str() {
        "split" | "decode" => raw_flood(&case, port, kind, events),
        "split-memory" | "decode-memory" => memory_flood(
            kind,
            args.get("--version", 222),
            events,
            case == "decode-memory",
        ),
        "client-callback" => client_flood(port, true, kind, events),
        "client-poll" => client_flood(port, false, kind, events),
        "rss" => rss(port, args.get("--capacity", 65_536)),
        "ibapi" => ibapi_flood(port, kind, events),
        "ibapi-latency" => ibapi_latency(port, args.get("--iterations", 10_000)),
        "pingpong" => pingpong(
            args.get("--version", 222),
            args.get("--iterations", 10_000),
            argv_has("--spin"),
        ),
        other => {
            eprintln!("unknown case {other:?}");
            std::process::exit(2);
        }
    };
    println!("{line}");
}

fn raw_flood(case: &str, port: u16, kind: Kind, events: u64) -> String {
    let mut session = RawSession::connect(port).expect("connect");
    let (rows, elapsed) = if case == "split" {
        session.flood_split(kind, events)
    } else {
        session.flood_decode(kind, events)
    }
    .expect("flood");
    json(&[
        ("events", n(rows as f64)),
        ("seconds", n(elapsed.as_secs_f64())),
        ("rate", n(rate(rows, elapsed))),
    ])
}

fn memory_flood(kind: Kind, version: i32, events: u64, decode: bool) -> String {
    let (seen, elapsed) = in_memory(kind, version, events, decode);
    json(&[
        ("events", n(seen as f64)),
        ("seconds", n(elapsed.as_secs_f64())),
        ("rate", n(rate(seen, elapsed))),
    ])
}

/// Counts rows in the callback or by polling. Allocations (all threads) are
/// counted over the middle 80 % of the rows the consumer sees (steady state:
/// buffers warmed up; exact for zero, within queue capacity / (0.8 N) of the
/// truth otherwise, since the reader runs ahead of the consumer by at most the
/// queue's capacity), and over the whole flood.
fn client_flood(port: u16, callback: bool, kind: Kind, rows: u64) -> String {
    // Every tick is delivered (a full queue makes the reader wait), as with
    // every other client measured.
    let options = Options {
        conflate_ticks: false,
        ..Options::default()
    };
    let client = Client::new(options).expect("client");
    let (done_tx, done_rx) = mpsc::channel::<(u64, Instant, u64)>();
    let marks = Arc::new(Mutex::new(Vec::<(u64, u64)>::new()));
    let new_counter = || RowCounter {
        kind,
        rows: 0,
        marks: marks.clone(),
        expected: rows,
    };
    if callback {
        let mut counter = new_counter();
        let tx = done_tx.clone();
        client
            .set_callback(Box::new(move |event| {
                if let Some(done) = counter.see(event) {
                    let _ = tx.send(done);
                }
            }))
            .expect("set_callback");
    }
    client
        .connect("127.0.0.1", port, 0, CONNECT_TIMEOUT)
        .expect("connect");
    let allocs_at_start = allocations();
    let started = Instant::now();
    match kind {
        Kind::Rows => client.req_account_summary(REQ_ID, "All", "All"),
        Kind::Ticks => client.req_mkt_data(REQ_ID, &contract(), "", false, false, &[]),
        Kind::TickByTick => client.req_tick_by_tick_data(REQ_ID, &contract(), "Last", 0, false),
    }
    .expect("request");
    let (seen, ended, allocs_at_end) = if callback {
        done_rx
            .recv_timeout(FLOOD_TIMEOUT)
            .expect("flood timed out")
    } else {
        let mut counter = new_counter();
        loop {
            if started.elapsed() > FLOOD_TIMEOUT {
                panic!("flood timed out");
            }
            if let Some(event) = client.poll(Duration::from_millis(100)).expect("poll") {
                if let Some(done) = counter.see(&event) {
                    break done;
                }
            }
        }
    };
    let elapsed = ended - started;
    let marks = marks.lock().unwrap().clone();
    let allocs_per_event = match marks.as_slice() {
        [(r0, a0), (r1, a1)] => (a1 - a0) as f64 / (r1 - r0) as f64,
        _ => f64::NAN,
    };
    let stats = client.stats();
    json(&[
        ("events", n(seen as f64)),
        ("seconds", n(elapsed.as_secs_f64())),
        ("rate", n(rate(seen, elapsed))),
        ("allocs_per_event", n(allocs_per_event)),
        (
            "allocs_per_event_whole_flood",
            n((allocs_at_end - allocs_at_start) as f64 / seen.max(1) as f64),
        ),
        ("queue_full_waits", n(stats.queue_full_waits as f64)),
    ])
}

struct RowCounter {
    kind: Kind,
    rows: u64,
    marks: Arc<Mutex<Vec<(u64, u64)>>>,
    /// The flood size, for the marks at 10 % and 90 %.
    expected: u64,
}

impl RowCounter {
    /// Counts an event; returns (events, when, allocations so far) at the
    /// end marker (tick-by-tick: at the expected count).
    fn see(&mut self, event: &Event) -> Option<(u64, Instant, u64)> {
        let Event::Message(msg) = event else {
            return None;
        };
        let (is_event, is_end) = match (self.kind, msg) {
            (Kind::Rows, Incoming::AccountSummary(_)) => (true, false),
            (Kind::Rows, Incoming::AccountSummaryEnd(_)) => (false, true),
            (Kind::Ticks, Incoming::TickPrice(_) | Incoming::TickSize(_)) => (true, false),
            (Kind::Ticks, Incoming::TickSnapshotEnd(_)) => (false, true),
            (Kind::TickByTick, Incoming::TickByTick(_)) => (true, false),
            _ => (false, false),
        };
        if is_event {
            self.rows += 1;
            if self.rows == self.expected / 10 || self.rows == self.expected / 10 * 9 {
                if let Ok(mut m) = self.marks.try_lock() {
                    m.push((self.rows, allocations()));
                }
            }
        }
        let last = self.kind == Kind::TickByTick && is_event && self.rows == self.expected;
        (is_end || last).then(|| (self.rows, Instant::now(), allocations()))
    }
}

/// Peak RSS with a consumer that sleeps 1 ms every 1,000 events.
fn rss(port: u16, capacity: usize) -> String {
    let options = Options {
        queue_capacity: capacity,
        ..Options::default()
    };
    let client = Client::new(options).expect("client");
    client
        .connect("127.0.0.1", port, 0, CONNECT_TIMEOUT)
        .expect("connect");
    let before_kib = proc_status_kib("VmRSS").unwrap_or(0);
    let started = Instant::now();
    client
        .req_account_summary(7, "All", "All")
        .expect("request");
    let mut rows = 0u64;
    loop {
        assert!(started.elapsed() < FLOOD_TIMEOUT, "flood timed out");
        match client.poll(Duration::from_millis(100)).expect("poll") {
            Some(Event::Message(Incoming::AccountSummary(_))) => {
                rows += 1;
                if rows.is_multiple_of(1000) {
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
            Some(Event::Message(Incoming::AccountSummaryEnd(_))) => break,
            _ => {}
        }
    }
    let stats = client.stats();
    json(&[
        ("events", n(rows as f64)),
        ("capacity", n(capacity as f64)),
        ("rss_before_kib", n(before_kib as f64)),
        (
            "peak_rss_kib",
            n(proc_status_kib("VmHWM").unwrap_or(0) as f64),
        ),
        ("queue_high_water", n(stats.queue_high_water as f64)),
        ("queue_full_waits", n(stats.queue_full_waits as f64)),
        ("seconds", n(started.elapsed().as_secs_f64())),
    ])
}

fn ibapi_connect(port: u16) -> ibapi::client::blocking::Client {
    ibapi::client::blocking::Client::connect(&format!("127.0.0.1:{port}"), 0)
        .expect("rust-ibapi connect")
}

fn ibapi_flood(port: u16, kind: Kind, events: u64) -> String {
    let client = ibapi_connect(port);
    let started = Instant::now();
    let rows = match kind {
        Kind::Rows => ibapi_rows(&client),
        Kind::Ticks => ibapi_ticks(&client),
        Kind::TickByTick => ibapi_trades(&client, events),
    };
    let elapsed = started.elapsed();
    json(&[
        ("events", n(rows as f64)),
        ("seconds", n(elapsed.as_secs_f64())),
        ("rate", n(rate(rows, elapsed))),
    ])
}

fn ibapi_rows(client: &ibapi::client::blocking::Client) -> u64 {
    use ibapi::accounts::types::AccountGroup;
    use ibapi::accounts::AccountSummaryResult;
    let subscription = client
        .account_summary(&AccountGroup("All".into()), &["NetLiquidation"])
        .expect("account_summary");
    let mut rows = 0u64;
    for update in subscription.iter_data() {
        match update.expect("row") {
            AccountSummaryResult::Summary(_) => rows += 1,
            AccountSummaryResult::End => break,
        }
    }
    subscription.cancel();
    rows
}

/// `market_data().subscribe()`: every tickPrice and tickSize frame is one
/// item (a tickPrice with a size one `PriceSize`), until tickSnapshotEnd.
fn ibapi_ticks(client: &ibapi::client::blocking::Client) -> u64 {
    use ibapi::market_data::realtime::TickTypes;
    let contract = ibapi::contracts::Contract::stock("AAPL").build();
    let subscription = client
        .market_data(&contract)
        .subscribe()
        .expect("market_data");
    let mut ticks = 0u64;
    for tick in subscription.iter_data() {
        match tick.expect("tick") {
            TickTypes::Price(_) | TickTypes::Size(_) | TickTypes::PriceSize(_) => ticks += 1,
            TickTypes::SnapshotEnd => break,
            _ => {}
        }
    }
    subscription.cancel();
    ticks
}

/// `tick_by_tick().last()`: counts `events` trades.
fn ibapi_trades(client: &ibapi::client::blocking::Client, events: u64) -> u64 {
    let contract = ibapi::contracts::Contract::stock("AAPL").build();
    let subscription = client
        .tick_by_tick(&contract, 0)
        .last()
        .expect("tick_by_tick");
    let mut trades = 0u64;
    for trade in subscription.iter_data() {
        trade.expect("trade");
        trades += 1;
        if trades == events {
            break;
        }
    }
    subscription.cancel();
    trades
}

fn latency_line(mut times: Vec<Duration>) -> String {
    let iterations = times.len();
    json(&[
        ("iterations", n(iterations as f64)),
        ("p50_us", n(percentile_us(&mut times, 50.0))),
        ("p99_us", n(percentile_us(&mut times, 99.0))),
        ("min_us", n(percentile_us(&mut times, 0.0))),
    ])
}

fn ibapi_latency(port: u16, iterations: usize) -> String {
    let client = ibapi_connect(port);
    let mut times = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let t = Instant::now();
        client.server_time().expect("server_time");
        times.push(t.elapsed());
    }
    latency_line(times)
}

fn pingpong(version: i32, iterations: usize, spin: bool) -> String {
    latency_line(ping_pong(version, iterations, spin).expect("ping-pong"))
}

fn argv_has(flag: &str) -> bool {
    std::env::args().any(|a| a == flag)
}
