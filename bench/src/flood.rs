//! The flood server: a minimal TWS on loopback that negotiates a chosen server
//! version, sends the startup sequence, and answers three requests with N
//! pre-encoded events carrying the client's request id:
//!
//! - `reqAccountSummary`: N account-summary rows, then `accountSummaryEnd`;
//! - `reqMktData`: N ticks, `tickPrice` (last, with size) and `tickSize`
//!   (volume) in pairs, then `tickSnapshotEnd` (the end marker every client
//!   knows);
//! - `reqTickByTickData`: N tick-by-tick "Last" trades (no end marker: the
//!   client counts to N).
//!
//! It also answers `reqCurrentTime` (for the latency cases) and the few
//! startup requests clients send.
//!
//! Fairness: every client gets the same bytes in the same chunks. The events
//! of a flood form one byte stream (a block of [`BLOCK_EVENTS`] events
//! repeated, cut after the N-th event, then the end marker), written in
//! slices of exactly `chunk` bytes (1 MiB unless told otherwise), whatever the
//! client reads or how it frames its own requests; the last slice carries the
//! end marker. Nagle is off on every connection, as TWS leaves it.
//!
//! Everything on the wire is built with libtws's own encoders (`tws::wire`,
//! `tws::protocol`), so every client sees exactly the bytes TWS would send.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;

use tws::protocol::account_data::PositionEnd;
use tws::protocol::handshake::{parse_client_hello, server_hello, API_PREFIX};
use tws::protocol::messages::{
    AccountSummary, AccountSummaryEnd, CurrentTime, CurrentTimeInMillis, ManagedAccounts,
    NextValidId, TickByTick, TickByTickLast, TickPrice, TickSize, TickSnapshotEnd,
};
use tws::protocol::{Incoming, RawMessage, Request};
use tws::wire::{FrameSplitter, DEFAULT_MAX_FRAME_LEN};

/// The account every row is for.
pub const ACCOUNT: &str = "DU123456";
/// Events encoded once per request; the stream repeats them.
pub const BLOCK_EVENTS: usize = 1024;
/// The size of every write of a flood (the last one excepted).
pub const DEFAULT_CHUNK: usize = 1 << 20;
/// The connection time of the server hello.
pub const CONNECTION_TIME: &str = "20261125 09:30:00 EST";
/// A fixed clock: the latency cases measure transport, not `time()`.
pub const SERVER_TIME: i64 = 1_795_000_000;

/// Tick types of the tick flood: last price (carries the last size) and volume.
pub const TICK_LAST: i32 = 4;
/// The size tick of each pair (volume: no client raises a second event for it).
pub const TICK_VOLUME: i32 = 8;

/// Tags and currencies the rows cycle through (real account-summary tags).
const TAGS: &[(&str, &str)] = &[
    ("NetLiquidation", "USD"),
    ("TotalCashValue", "USD"),
    ("SettledCash", "USD"),
    ("AccruedCash", "USD"),
    ("BuyingPower", "USD"),
    ("EquityWithLoanValue", "USD"),
    ("GrossPositionValue", "USD"),
    ("ReqTEquity", "USD"),
    ("InitMarginReq", "USD"),
    ("MaintMarginReq", "USD"),
    ("AvailableFunds", "USD"),
    ("ExcessLiquidity", "USD"),
    ("Cushion", ""),
    ("DayTradesRemaining", ""),
    ("Leverage", ""),
    ("AccountType", ""),
];

/// What a flood is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// accountSummary rows, ended by accountSummaryEnd.
    Rows,
    /// tickPrice + tickSize pairs, ended by tickSnapshotEnd.
    Ticks,
    /// tickByTick "Last" trades, no end marker.
    TickByTick,
}

impl Kind {
    /// `rows`, `ticks` or `tbt`.
    pub fn parse(name: &str) -> Option<Kind> {
        match name {
            "rows" => Some(Kind::Rows),
            "ticks" => Some(Kind::Ticks),
            "tbt" => Some(Kind::TickByTick),
            _ => None,
        }
    }

    /// The flood a request asks for, with its request id.
    pub fn of_request(request: &Request) -> Option<(Kind, i32)> {
        match request {
            Request::ReqAccountSummary(r) => Some((Kind::Rows, r.req_id)),
            Request::ReqMktData(r) => Some((Kind::Ticks, r.req_id)),
            Request::ReqTickByTickData(r) => Some((Kind::TickByTick, r.req_id)),
            _ => None,
        }
    }

    /// Event `i` of the block, for request `req_id`.
    fn event(self, i: usize, req_id: i32) -> Incoming {
        match self {
            Kind::Rows => {
                let (tag, currency) = TAGS[i % TAGS.len()];
                Incoming::AccountSummary(AccountSummary {
                    req_id,
                    account: ACCOUNT.into(),
                    tag: tag.into(),
                    value: format!("{}.{:02}", 100_000 + i * 7919 % 900_000, i % 100).into(),
                    currency: currency.into(),
                })
            }
            Kind::Ticks if i.is_multiple_of(2) => Incoming::TickPrice(TickPrice {
                req_id,
                tick_type: TICK_LAST,
                price: 150.0 + (i % 200) as f64 * 0.01,
                size: format!("{}", 100 + i % 7 * 100).into(),
                attrib: 0,
            }),
            Kind::Ticks => Incoming::TickSize(TickSize {
                req_id,
                tick_type: TICK_VOLUME,
                size: format!("{}", 1_000_000 + i * 100).into(),
            }),
            Kind::TickByTick => Incoming::TickByTick(TickByTick {
                req_id,
                tick_type: 1,
                last: Some(TickByTickLast {
                    time: SERVER_TIME + i as i64,
                    attrib: 0,
                    price: 150.0 + (i % 200) as f64 * 0.01,
                    size: format!("{}", 100 + i % 7 * 100).into(),
                    exchange: "NYSE".into(),
                    special_conditions: "".into(),
                }),
                bid_ask: None,
                mid_point: None,
            }),
        }
    }

    /// The end marker after the events (empty for tick-by-tick).
    fn end(self, req_id: i32) -> Option<Incoming> {
        match self {
            Kind::Rows => Some(Incoming::AccountSummaryEnd(AccountSummaryEnd { req_id })),
            Kind::Ticks => Some(Incoming::TickSnapshotEnd(TickSnapshotEnd { req_id })),
            Kind::TickByTick => None,
        }
    }
}

/// The byte stream of one flood: `events` events then the end marker.
pub struct FloodStream {
    /// The block repeated often enough that any `chunk` bytes of the stream
    /// are one contiguous slice of it.
    ring: Vec<u8>,
    block_len: usize,
    /// Bytes of the events (without the end marker).
    body_len: usize,
    end: Vec<u8>,
}

impl FloodStream {
    /// Encodes the block and the end marker of `events` events of `kind`.
    pub fn new(kind: Kind, version: i32, req_id: i32, events: u64, chunk: usize) -> FloodStream {
        let mut block = Vec::new();
        let mut offsets = Vec::with_capacity(BLOCK_EVENTS + 1);
        for i in 0..BLOCK_EVENTS {
            offsets.push(block.len());
            encode(&kind.event(i, req_id), version, &mut block);
        }
        offsets.push(block.len());
        let block_len = block.len();
        let body_len = (events / BLOCK_EVENTS as u64) as usize * block_len
            + offsets[(events % BLOCK_EVENTS as u64) as usize];
        let copies = chunk.div_ceil(block_len) + 1;
        let ring = block.repeat(copies);
        let mut end = Vec::new();
        if let Some(msg) = kind.end(req_id) {
            encode(&msg, version, &mut end);
        }
        FloodStream {
            ring,
            block_len,
            body_len,
            end,
        }
    }

    /// Writes the stream in writes of `chunk` bytes (the one before the end
    /// marker may be shorter and carries the marker).
    pub fn write_to(&self, out: &mut impl Write, chunk: usize) -> io::Result<()> {
        let mut at = 0;
        while at < self.body_len {
            let len = chunk.min(self.body_len - at);
            let start = at % self.block_len;
            let slice = &self.ring[start..start + len];
            at += len;
            if at == self.body_len && len + self.end.len() <= chunk {
                let mut last = Vec::with_capacity(len + self.end.len());
                last.extend_from_slice(slice);
                last.extend_from_slice(&self.end);
                return out.write_all(&last);
            }
            out.write_all(slice)?;
        }
        out.write_all(&self.end)
    }

    /// The whole stream in memory (for the in-memory baselines and the
    /// replay server).
    pub fn to_vec(&self) -> Vec<u8> {
        let mut all = Vec::with_capacity(self.body_len + self.end.len());
        self.write_to(&mut all, DEFAULT_CHUNK)
            .expect("writing to a Vec");
        all
    }
}

/// A listening flood server.
pub struct FloodServer {
    listener: TcpListener,
    server_version: i32,
    events: u64,
    chunk: usize,
    spin: bool,
}

impl FloodServer {
    /// Listens on 127.0.0.1 (`port` 0 picks a free one); every flood has
    /// `events` events, written `chunk` bytes at a time.
    pub fn bind(port: u16, server_version: i32, events: u64) -> io::Result<FloodServer> {
        Ok(FloodServer {
            listener: TcpListener::bind(("127.0.0.1", port))?,
            server_version,
            events,
            chunk: DEFAULT_CHUNK,
            spin: false,
        })
    }

    /// After the handshake, waits for requests spinning on a non-blocking
    /// socket instead of sleeping in `read` (the latency cases' "awake"
    /// state: no wake-up of a sleeping thread on this side).
    pub fn with_spin(mut self, spin: bool) -> FloodServer {
        self.spin = spin;
        self
    }

    /// Writes floods `chunk` bytes at a time (at least 1).
    pub fn with_chunk(mut self, chunk: usize) -> FloodServer {
        self.chunk = chunk.max(1);
        self
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// Serves every connection on its own thread, forever.
    pub fn serve(self) {
        for stream in self.listener.incoming().flatten() {
            let (version, events, chunk) = (self.server_version, self.events, self.chunk);
            let spin = self.spin;
            thread::spawn(move || {
                let run = Connection::new(stream, version, events, chunk).and_then(|c| c.run(spin));
                if let Err(e) = run {
                    if e.kind() != io::ErrorKind::UnexpectedEof {
                        eprintln!("flood-server: connection ended: {e}");
                    }
                }
            });
        }
    }

    /// Serves in a background thread and returns the port.
    pub fn spawn(self) -> u16 {
        let port = self.port();
        thread::spawn(move || self.serve());
        port
    }
}

/// Appends `msg` in the form `version` calls for.
pub fn encode(msg: &Incoming, version: i32, out: &mut Vec<u8>) {
    msg.encode(version, out)
        .unwrap_or_else(|e| panic!("encoding {}: {e}", msg.name()));
}

/// The server side of a handshake on `stream`: `API\0`, the client hello, our
/// hello at `version`, then (as TWS does) waiting for startApi, then
/// managedAccounts and nextValidId in one write.
pub fn serve_handshake(
    stream: &mut TcpStream,
    splitter: &mut FrameSplitter,
    version: i32,
) -> io::Result<()> {
    let mut prefix = [0u8; 4];
    stream.read_exact(&mut prefix)?;
    if prefix != API_PREFIX {
        return Err(invalid("connection does not start with API\\0"));
    }
    let hello = next_frame(stream, splitter)?;
    let hello = parse_client_hello(&hello).ok_or_else(|| invalid("malformed client hello"))?;
    if !(hello.min_version..=hello.max_version).contains(&version) {
        return Err(invalid("client version range excludes the server version"));
    }
    stream.write_all(&server_hello(version, CONNECTION_TIME))?;
    let start = next_frame(stream, splitter)?;
    let raw = RawMessage::split(&start, version).map_err(|e| invalid(&e.to_string()))?;
    match Request::decode(&raw, version) {
        Ok(Some(Request::StartApi(_))) => {}
        _ => return Err(invalid("the first message is not startApi")),
    }
    let mut out = Vec::new();
    let accounts = ManagedAccounts {
        accounts_list: ACCOUNT.into(),
    };
    encode(&Incoming::ManagedAccounts(accounts), version, &mut out);
    encode(
        &Incoming::NextValidId(NextValidId { order_id: 1 }),
        version,
        &mut out,
    );
    stream.write_all(&out)
}

/// The next whole frame from `stream`.
pub fn next_frame(stream: &mut TcpStream, splitter: &mut FrameSplitter) -> io::Result<Vec<u8>> {
    loop {
        if let Some(frame) = splitter.next_frame().map_err(|e| invalid(&e.to_string()))? {
            return Ok(frame.to_vec());
        }
        match splitter.read_from(stream) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(_) => {}
            // A spinning connection's non-blocking socket: look again.
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => std::hint::spin_loop(),
            Err(e) => return Err(e),
        }
    }
}

struct Connection {
    stream: TcpStream,
    splitter: FrameSplitter,
    version: i32,
    events: u64,
    chunk: usize,
    out: Vec<u8>,
}

impl Connection {
    fn new(stream: TcpStream, version: i32, events: u64, chunk: usize) -> io::Result<Connection> {
        stream.set_nodelay(true)?;
        Ok(Connection {
            stream,
            splitter: FrameSplitter::new(DEFAULT_MAX_FRAME_LEN),
            version,
            events,
            chunk,
            out: Vec::with_capacity(256),
        })
    }

    fn run(mut self, spin: bool) -> io::Result<()> {
        serve_handshake(&mut self.stream, &mut self.splitter, self.version)?;
        if spin {
            self.stream.set_nonblocking(true)?;
        }
        loop {
            let frame = next_frame(&mut self.stream, &mut self.splitter)?;
            let Ok(raw) = RawMessage::split(&frame, self.version) else {
                continue;
            };
            // Requests this server does not know (clients send a few at
            // startup) are ignored, as TWS ignores what it has no answer for.
            if let Ok(Some(request)) = Request::decode(&raw, self.version) {
                self.answer(request)?;
            }
        }
    }

    fn answer(&mut self, request: Request) -> io::Result<()> {
        if let Some((kind, req_id)) = Kind::of_request(&request) {
            let flood = FloodStream::new(kind, self.version, req_id, self.events, self.chunk);
            return flood.write_to(&mut Spinning(&mut self.stream), self.chunk);
        }
        match request {
            Request::ReqCurrentTime(_) => {
                let time = SERVER_TIME;
                self.push(&Incoming::CurrentTime(CurrentTime { time }));
            }
            Request::ReqCurrentTimeInMillis(_) => {
                let time_ms = SERVER_TIME * 1000;
                self.push(&Incoming::CurrentTimeInMillis(CurrentTimeInMillis {
                    time_ms,
                }));
            }
            Request::ReqIds(_) => self.push(&Incoming::NextValidId(NextValidId { order_id: 1 })),
            Request::ReqManagedAccounts(_) => {
                let accounts_list = ACCOUNT.to_owned();
                self.push(&Incoming::ManagedAccounts(ManagedAccounts {
                    accounts_list: accounts_list.into(),
                }));
            }
            // ib_async asks for positions while it connects: this account holds none.
            Request::ReqPositions(_) => self.push(&Incoming::PositionEnd(PositionEnd {})),
            // Everything else (startApi again, cancels, subscriptions this
            // server has no data for) goes unanswered.
            _ => {}
        }
        self.flush()
    }

    fn push(&mut self, msg: &Incoming) {
        encode(msg, self.version, &mut self.out);
    }

    fn flush(&mut self) -> io::Result<()> {
        Spinning(&mut self.stream).write_all(&self.out)?;
        self.out.clear();
        Ok(())
    }
}

/// A writer that retries where a non-blocking socket would block.
struct Spinning<'a>(&'a mut TcpStream);

impl Write for Spinning<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        loop {
            match self.0.write(buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => std::hint::spin_loop(),
                other => return other,
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

fn invalid(why: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, why.to_owned())
}
