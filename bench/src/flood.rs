//! The flood server: a minimal TWS on loopback that negotiates a chosen server
//! version, sends the startup sequence, and answers `reqAccountSummary` with N
//! pre-encoded rows carrying the client's request id, then the end marker,
//! written as fast as the socket takes them. It also answers `reqCurrentTime`
//! (for the latency cases) and the few startup requests clients send.
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
    NextValidId,
};
use tws::protocol::{Incoming, RawMessage, Request};
use tws::wire::{FrameSplitter, DEFAULT_MAX_FRAME_LEN};

/// The account every row is for.
pub const ACCOUNT: &str = "DU123456";
/// Rows encoded once per request and written again and again.
const BLOCK_ROWS: usize = 1024;
/// The connection time of the server hello.
const CONNECTION_TIME: &str = "20261125 09:30:00 EST";
/// A fixed clock: the latency cases measure transport, not `time()`.
const SERVER_TIME: i64 = 1_795_000_000;

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

/// A listening flood server.
pub struct FloodServer {
    listener: TcpListener,
    server_version: i32,
    rows: u64,
}

impl FloodServer {
    /// Listens on 127.0.0.1 (`port` 0 picks a free one).
    pub fn bind(port: u16, server_version: i32, rows: u64) -> io::Result<FloodServer> {
        Ok(FloodServer {
            listener: TcpListener::bind(("127.0.0.1", port))?,
            server_version,
            rows,
        })
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// Serves every connection on its own thread, forever.
    pub fn serve(self) {
        for stream in self.listener.incoming().flatten() {
            let (version, rows) = (self.server_version, self.rows);
            thread::spawn(move || {
                if let Err(e) = Connection::new(stream, version, rows).and_then(|c| c.run()) {
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

/// The encoded rows of one request: `BLOCK_ROWS` rows, written `rows / BLOCK_ROWS`
/// times, then the first `rows % BLOCK_ROWS` of them, then the end marker.
pub fn encode_flood(version: i32, req_id: i32, rows: u64) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let mut block = Vec::new();
    let mut offsets = Vec::with_capacity(BLOCK_ROWS + 1);
    for i in 0..BLOCK_ROWS {
        offsets.push(block.len());
        let (tag, currency) = TAGS[i % TAGS.len()];
        let row = AccountSummary {
            req_id,
            account: ACCOUNT.into(),
            tag: tag.into(),
            value: format!("{}.{:02}", 100_000 + i * 7919 % 900_000, i % 100).into(),
            currency: currency.into(),
        };
        encode(&Incoming::AccountSummary(row), version, &mut block);
    }
    offsets.push(block.len());
    let tail_rows = (rows % BLOCK_ROWS as u64) as usize;
    let tail = block[..offsets[tail_rows]].to_vec();
    let mut end = Vec::new();
    encode(
        &Incoming::AccountSummaryEnd(AccountSummaryEnd { req_id }),
        version,
        &mut end,
    );
    (block, tail, end)
}

/// Appends `msg` in the form `version` calls for.
pub fn encode(msg: &Incoming, version: i32, out: &mut Vec<u8>) {
    msg.encode(version, out)
        .unwrap_or_else(|e| panic!("encoding {}: {e}", msg.name()));
}

struct Connection {
    stream: TcpStream,
    splitter: FrameSplitter,
    version: i32,
    rows: u64,
    out: Vec<u8>,
}

impl Connection {
    fn new(stream: TcpStream, version: i32, rows: u64) -> io::Result<Connection> {
        stream.set_nodelay(true)?;
        Ok(Connection {
            stream,
            splitter: FrameSplitter::new(DEFAULT_MAX_FRAME_LEN),
            version,
            rows,
            out: Vec::with_capacity(256),
        })
    }

    fn run(mut self) -> io::Result<()> {
        self.handshake()?;
        let accounts = ManagedAccounts {
            accounts_list: ACCOUNT.into(),
        };
        self.push(&Incoming::ManagedAccounts(accounts));
        self.push(&Incoming::NextValidId(NextValidId { order_id: 1 }));
        self.flush()?;
        loop {
            let frame = self.next_frame()?;
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

    fn handshake(&mut self) -> io::Result<()> {
        let mut prefix = [0u8; 4];
        self.stream.read_exact(&mut prefix)?;
        if prefix != API_PREFIX {
            return Err(invalid("connection does not start with API\\0"));
        }
        let hello = self.next_frame()?;
        let hello = parse_client_hello(&hello).ok_or_else(|| invalid("malformed client hello"))?;
        if !(hello.min_version..=hello.max_version).contains(&self.version) {
            return Err(invalid("client version range excludes the server version"));
        }
        self.stream
            .write_all(&server_hello(self.version, CONNECTION_TIME))?;
        // As TWS does, the startup sequence waits for startApi.
        let start = self.next_frame()?;
        let raw = RawMessage::split(&start, self.version).map_err(|e| invalid(&e.to_string()))?;
        match Request::decode(&raw, self.version) {
            Ok(Some(Request::StartApi(_))) => Ok(()),
            _ => Err(invalid("the first message is not startApi")),
        }
    }

    fn answer(&mut self, request: Request) -> io::Result<()> {
        match request {
            Request::ReqAccountSummary(req) => return self.flood(req.req_id),
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

    fn flood(&mut self, req_id: i32) -> io::Result<()> {
        let (block, tail, end) = encode_flood(self.version, req_id, self.rows);
        for _ in 0..self.rows / BLOCK_ROWS as u64 {
            self.stream.write_all(&block)?;
        }
        self.stream.write_all(&tail)?;
        self.stream.write_all(&end)
    }

    fn push(&mut self, msg: &Incoming) {
        encode(msg, self.version, &mut self.out);
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream.write_all(&self.out)?;
        self.out.clear();
        Ok(())
    }

    fn next_frame(&mut self) -> io::Result<Vec<u8>> {
        loop {
            if let Some(frame) = self
                .splitter
                .next_frame()
                .map_err(|e| invalid(&e.to_string()))?
            {
                return Ok(frame.to_vec());
            }
            if self.splitter.read_from(&mut self.stream)? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
        }
    }
}

fn invalid(why: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, why.to_owned())
}
