//! Allocations per event on the hot path: a counting global allocator (this
//! test binary's own), a flood of one message kind from a loopback server,
//! and the engine decoding, queueing and delivering it (poll mode). Counted
//! over the middle of the flood (steady state: buffers warmed up), all
//! threads together; the server writes bytes encoded before the count starts.
//!
//! Ticks, tick-by-tick, depth and account-summary rows must cost no
//! allocation at all. Positions, portfolio rows and errors carry owned
//! strings (the contract and account, the error text) and are held to the
//! documented bound below (README, "Performance").

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use tws::client::{Client, Event, Options};
use tws::protocol::contract::Contract;
use tws::protocol::handshake::{parse_client_hello, server_hello, API_PREFIX};
use tws::protocol::messages::{
    AccountSummary, ErrorMessage, ManagedAccounts, MarketDepthData, NextValidId, PortfolioValue,
    Position, TickByTick, TickByTickLast, TickPrice, TickSize, UpdateMktDepth,
};
use tws::protocol::{Incoming, RawMessage, Request};
use tws::wire::{FrameSplitter, DEFAULT_MAX_FRAME_LEN};

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

struct Counting;

// SAFETY: forwards to the system allocator unchanged; counting touches only
// an atomic.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const REQ_ID: i32 = 7;
const EVENTS: u64 = 20_000;
/// The window counted: consumer events FROM..TO.
const FROM: u64 = 5_000;
const TO: u64 = 15_000;
/// A small queue keeps the reader at most this far ahead of the consumer, so
/// the window counts the reader's work on the same stretch of the flood.
const QUEUE: usize = 64;
/// Allocations allowed in the window for the zero-allocation messages: the
/// engine's own background threads (supervisor, timers) may allocate a few
/// times per second, never once per event. One allocation per event would
/// be 10,000.
const NOISE: u64 = 20;

/// What a flood is made of and the request that starts it.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Ticks,
    TickByTick,
    Depth,
    Rows,
    Positions,
    Portfolio,
    Errors,
}

fn contract() -> Contract {
    Contract {
        con_id: 265598,
        symbol: "AAPL".into(),
        sec_type: "STK".into(),
        exchange: "SMART".into(),
        primary_exchange: "NASDAQ".into(),
        currency: "USD".into(),
        local_symbol: "AAPL".into(),
        trading_class: "NMS".into(),
        ..Contract::default()
    }
}

fn event(kind: Kind, i: u64) -> Incoming {
    let price = 150.0 + (i % 100) as f64 * 0.01;
    match kind {
        Kind::Ticks if i % 2 == 0 => Incoming::TickPrice(TickPrice {
            req_id: REQ_ID,
            tick_type: 4,
            price,
            size: format!("{}", 100 + i % 9).into(),
            attrib: 0,
        }),
        Kind::Ticks => Incoming::TickSize(TickSize {
            req_id: REQ_ID,
            tick_type: 8,
            size: format!("{}", 1_000_000 + i).into(),
        }),
        Kind::TickByTick => Incoming::TickByTick(TickByTick {
            req_id: REQ_ID,
            tick_type: 1,
            last: Some(TickByTickLast {
                time: 1_795_000_000 + i as i64,
                attrib: 0,
                price,
                size: "100".into(),
                exchange: "NYSE".into(),
                special_conditions: "".into(),
            }),
            bid_ask: None,
            mid_point: None,
        }),
        Kind::Depth => Incoming::UpdateMktDepth(UpdateMktDepth {
            req_id: REQ_ID,
            data: MarketDepthData {
                position: (i % 5) as i32,
                operation: 1,
                side: (i % 2) as i32,
                price,
                size: "300".into(),
                ..MarketDepthData::default()
            },
        }),
        Kind::Rows => Incoming::AccountSummary(AccountSummary {
            req_id: REQ_ID,
            account: "DU123456".into(),
            tag: "NetLiquidation".into(),
            value: format!("{}.25", 100_000 + i).into(),
            currency: "USD".into(),
        }),
        Kind::Positions => Incoming::Position(Position {
            account: "DU123456".into(),
            contract: Box::new(contract()),
            position: format!("{}", 100 + i % 9),
            avg_cost: price,
        }),
        Kind::Portfolio => Incoming::PortfolioValue(PortfolioValue {
            contract: Box::new(contract()),
            position: format!("{}", 100 + i % 9),
            market_price: price,
            market_value: price * 100.0,
            average_cost: 140.0,
            unrealized_pnl: 10.0,
            realized_pnl: 0.0,
            account: "DU123456".into(),
        }),
        Kind::Errors => Incoming::Error(ErrorMessage {
            req_id: REQ_ID,
            code: 2104,
            message: "Market data farm connection is OK:usfarm".into(),
            advanced_order_reject_json: String::new(),
            time_ms: 1_795_000_000_000 + i as i64,
        }),
    }
}

/// Whether `request` starts the flood of `kind`.
fn starts(kind: Kind, request: &Request) -> bool {
    matches!(
        (kind, request),
        (Kind::Ticks, Request::ReqMktData(_))
            | (Kind::TickByTick, Request::ReqTickByTickData(_))
            | (Kind::Depth, Request::ReqMktDepth(_))
            | (Kind::Rows, Request::ReqAccountSummary(_))
            | (Kind::Positions, Request::ReqPositions(_))
            | (Kind::Portfolio, Request::ReqAccountUpdates(_))
            | (Kind::Errors, Request::ReqCurrentTime(_))
    )
}

fn next_frame(stream: &mut TcpStream, splitter: &mut FrameSplitter) -> Vec<u8> {
    loop {
        if let Some(frame) = splitter.next_frame().expect("frame") {
            return frame.to_vec();
        }
        assert!(splitter.read_from(stream).expect("read") > 0, "client left");
    }
}

/// A one-connection server: handshake at `version`, then the flood (encoded
/// before it listens) once the request for it arrives.
fn serve(kind: Kind, version: i32) -> u16 {
    let mut flood = Vec::new();
    for i in 0..EVENTS {
        event(kind, i).encode(version, &mut flood).expect("encode");
    }
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("accept");
        stream.set_nodelay(true).unwrap();
        let mut splitter = FrameSplitter::new(DEFAULT_MAX_FRAME_LEN);
        let mut prefix = [0u8; 4];
        stream.read_exact(&mut prefix).unwrap();
        assert_eq!(prefix, API_PREFIX);
        let hello = next_frame(&mut stream, &mut splitter);
        parse_client_hello(&hello).expect("client hello");
        stream
            .write_all(&server_hello(version, "20261125 09:30:00 EST"))
            .unwrap();
        let mut startup = Vec::new();
        for msg in [
            Incoming::ManagedAccounts(ManagedAccounts {
                accounts_list: "DU123456".into(),
            }),
            Incoming::NextValidId(NextValidId { order_id: 1 }),
        ] {
            msg.encode(version, &mut startup).unwrap();
        }
        let mut started = false;
        loop {
            let frame = next_frame(&mut stream, &mut splitter);
            let raw = RawMessage::split(&frame, version).expect("split");
            match Request::decode(&raw, version) {
                Ok(Some(Request::StartApi(_))) if !started => {
                    started = true;
                    stream.write_all(&startup).unwrap();
                }
                Ok(Some(request)) if starts(kind, &request) => break,
                _ => {}
            }
        }
        for chunk in flood.chunks(64 * 1024) {
            if stream.write_all(chunk).is_err() {
                return;
            }
        }
        // Hold the connection until the client leaves.
        let _ = stream.read(&mut [0u8; 16]);
    });
    port
}

fn is_flood_event(kind: Kind, msg: &Incoming) -> bool {
    matches!(
        (kind, msg),
        (Kind::Ticks, Incoming::TickPrice(_) | Incoming::TickSize(_))
            | (Kind::TickByTick, Incoming::TickByTick(_))
            | (Kind::Depth, Incoming::UpdateMktDepth(_))
            | (Kind::Rows, Incoming::AccountSummary(_))
            | (Kind::Positions, Incoming::Position(_))
            | (Kind::Portfolio, Incoming::PortfolioValue(_))
            | (Kind::Errors, Incoming::Error(_))
    )
}

/// The counter is global: one flood at a time.
static SERIAL: Mutex<()> = Mutex::new(());

/// Allocations in the window of a `kind` flood at `version`.
fn allocations_in_window(kind: Kind, version: i32) -> u64 {
    let _one_at_a_time = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let port = serve(kind, version);
    let options = Options {
        queue_capacity: QUEUE,
        conflate_ticks: false,
        ..Options::default()
    }
    .version_range(version.min(176), version)
    .expect("version range");
    let client = Client::new(options).expect("client");
    client
        .connect("127.0.0.1", port, 0, Duration::from_secs(10))
        .expect("connect");
    assert_eq!(client.server_version(), Some(version));
    let c = contract();
    match kind {
        Kind::Ticks => client.req_mkt_data(REQ_ID, &c, "", false, false, &[]),
        Kind::TickByTick => client.req_tick_by_tick_data(REQ_ID, &c, "Last", 0, false),
        Kind::Depth => client.req_mkt_depth(REQ_ID, &c, 5, false, &[]),
        Kind::Rows => client.req_account_summary(REQ_ID, "All", "All"),
        Kind::Positions => client.req_positions(),
        Kind::Portfolio => client.req_account_updates("DU123456"),
        Kind::Errors => client.req_current_time(),
    }
    .expect("flood request");
    let deadline = Instant::now() + Duration::from_secs(60);
    let (mut seen, mut at_from, mut at_to) = (0u64, 0u64, 0u64);
    while seen < TO {
        assert!(
            Instant::now() < deadline,
            "{kind:?} v{version}: flood stalled at {seen}"
        );
        let Some(event) = client.poll(Duration::from_millis(100)).expect("poll") else {
            continue;
        };
        if let Event::Message(msg) = &event {
            if is_flood_event(kind, msg) {
                seen += 1;
                if seen == FROM {
                    at_from = ALLOCATIONS.load(Ordering::Relaxed);
                } else if seen == TO {
                    at_to = ALLOCATIONS.load(Ordering::Relaxed);
                }
            }
        }
        drop(event);
    }
    client.disconnect();
    at_to - at_from
}

fn check_zero(kind: Kind) {
    eprintln!(
        "{kind:?}: {:?}",
        [176, 222].map(|v| allocations_in_window(kind, v))
    );
    for version in [176, 222] {
        let n = allocations_in_window(kind, version);
        assert!(
            n <= NOISE,
            "{kind:?} at v{version}: {n} allocations over {} events (want none per event)",
            TO - FROM
        );
    }
}

/// The documented exceptions: at most `per_event` allocations per event.
fn check_bounded(kind: Kind, per_event: u64) {
    eprintln!(
        "{kind:?}: {:?}",
        [176, 222].map(|v| allocations_in_window(kind, v))
    );
    for version in [176, 222] {
        let n = allocations_in_window(kind, version);
        assert!(
            n <= per_event * (TO - FROM) + NOISE,
            "{kind:?} at v{version}: {n} allocations over {} events (bound {per_event} per event)",
            TO - FROM
        );
    }
}

#[test]
fn ticks_allocate_nothing() {
    check_zero(Kind::Ticks);
}

#[test]
fn tick_by_tick_allocates_nothing() {
    check_zero(Kind::TickByTick);
}

#[test]
fn depth_allocates_nothing() {
    check_zero(Kind::Depth);
}

#[test]
fn account_summary_rows_allocate_nothing() {
    check_zero(Kind::Rows);
}

#[test]
fn positions_stay_within_their_bound() {
    check_bounded(Kind::Positions, POSITION_BOUND);
}

#[test]
fn portfolio_rows_stay_within_their_bound() {
    check_bounded(Kind::Portfolio, POSITION_BOUND);
}

#[test]
fn errors_stay_within_their_bound() {
    check_bounded(Kind::Errors, ERROR_BOUND);
}

/// A position or portfolio row owns its contract (one box) and the strings
/// longer than inline text holds.
const POSITION_BOUND: u64 = 12;
/// An error owns its text.
const ERROR_BOUND: u64 = 2;
