//! The practical limits: a raw client that only reads the socket and splits
//! frames, one that also decodes every event (account-summary row, tickPrice,
//! tickSize, tick-by-tick trade) into a plain borrowed struct and hands it to
//! an empty function, and a raw socket ping-pong.

use std::hint::black_box;
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use tws::protocol::handshake::{client_hello, parse_server_hello};
use tws::protocol::ids::incoming::{
    ACCOUNT_SUMMARY, ACCOUNT_SUMMARY_END, TICK_BY_TICK, TICK_PRICE, TICK_SIZE, TICK_SNAPSHOT_END,
};
use tws::protocol::messages::{
    Contract, ReqAccountSummary, ReqCurrentTime, ReqMktData, ReqTickByTickData, StartApi,
};
use tws::protocol::versions::{MAX_CLIENT_VERSION, MIN_CLIENT_VERSION, PROTOBUF};
use tws::protocol::{Form, RawMessage, Request};
use tws::wire::{FieldReader, FrameSplitter, DEFAULT_MAX_FRAME_LEN};

use crate::flood::{encode, FloodStream, Kind};

/// The request id of every flood the harness's own clients ask for.
pub const REQ_ID: i32 = 7;

/// The instrument of the tick floods (the flood server does not look at it).
pub fn contract() -> Contract {
    Contract {
        symbol: "AAPL".into(),
        sec_type: "STK".into(),
        exchange: "SMART".into(),
        currency: "USD".into(),
        ..Contract::default()
    }
}

/// The request that starts a flood of `kind`.
pub fn flood_request(kind: Kind) -> Request {
    match kind {
        Kind::Rows => Request::ReqAccountSummary(ReqAccountSummary {
            req_id: REQ_ID,
            group: "All".into(),
            tags: "All".into(),
        }),
        Kind::Ticks => Request::ReqMktData(ReqMktData {
            req_id: REQ_ID,
            contract: Box::new(contract()),
            generic_tick_list: String::new(),
            snapshot: false,
            regulatory_snapshot: false,
            mkt_data_options: Vec::new(),
        }),
        Kind::TickByTick => Request::ReqTickByTickData(ReqTickByTickData {
            req_id: REQ_ID,
            contract: Box::new(contract()),
            tick_type: "Last".into(),
            number_of_ticks: 0,
            ignore_size: false,
        }),
    }
}

/// Whether the message id `id` is one event of a `kind` flood.
pub fn is_event(kind: Kind, id: i32) -> bool {
    match kind {
        Kind::Rows => id == ACCOUNT_SUMMARY,
        Kind::Ticks => id == TICK_PRICE || id == TICK_SIZE,
        Kind::TickByTick => id == TICK_BY_TICK,
    }
}

/// Whether the message id `id` ends a `kind` flood (tick-by-tick has no end:
/// the client counts to N).
pub fn is_end(kind: Kind, id: i32) -> bool {
    match kind {
        Kind::Rows => id == ACCOUNT_SUMMARY_END,
        Kind::Ticks => id == TICK_SNAPSHOT_END,
        Kind::TickByTick => false,
    }
}

/// A session opened by hand: handshake and startApi, nothing else.
pub struct RawSession {
    stream: TcpStream,
    splitter: FrameSplitter,
    /// The version the server chose.
    pub version: i32,
}

impl RawSession {
    /// Connects to the flood server on `port` and starts the API.
    pub fn connect(port: u16) -> io::Result<RawSession> {
        let mut stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_nodelay(true)?;
        stream.write_all(&client_hello(MIN_CLIENT_VERSION, MAX_CLIENT_VERSION, ""))?;
        let mut splitter = FrameSplitter::new(DEFAULT_MAX_FRAME_LEN);
        let hello = loop {
            if let Some(f) = splitter.next_frame().map_err(other)? {
                break f.to_vec();
            }
            if splitter.read_from(&mut stream)? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
        };
        let (version, _) = parse_server_hello(&hello).ok_or_else(|| other("bad server hello"))?;
        let mut session = RawSession {
            stream,
            splitter,
            version,
        };
        session.send(&Request::StartApi(StartApi {
            client_id: 0,
            optional_capabilities: String::new(),
        }))?;
        Ok(session)
    }

    /// Sends one request.
    pub fn send(&mut self, request: &Request) -> io::Result<()> {
        let mut out = Vec::new();
        request.encode(self.version, &mut out).map_err(other)?;
        self.stream.write_all(&out)
    }

    /// Requests a `kind` flood of `events` events and hands every frame to
    /// `each` until the end marker (or the `events`-th event); returns the
    /// events seen and the time from request to end.
    fn flood(
        &mut self,
        kind: Kind,
        events: u64,
        mut each: impl FnMut(&[u8], i32) -> bool,
    ) -> io::Result<(u64, Duration)> {
        let started = Instant::now();
        self.send(&flood_request(kind))?;
        let version = self.version;
        let mut seen = 0u64;
        loop {
            while let Some(frame) = self.splitter.next_frame().map_err(other)? {
                match peek_id(frame, version) {
                    Some(id) if is_end(kind, id) => return Ok((seen, started.elapsed())),
                    Some(id) if is_event(kind, id) && each(frame, id) => {
                        seen += 1;
                        if kind == Kind::TickByTick && seen == events {
                            return Ok((seen, started.elapsed()));
                        }
                    }
                    _ => {}
                }
            }
            if self.splitter.read_from(&mut self.stream)? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
        }
    }

    /// Baseline 1a: split frames, look at the id, nothing else.
    pub fn flood_split(&mut self, kind: Kind, events: u64) -> io::Result<(u64, Duration)> {
        self.flood(kind, events, |_, _| true)
    }

    /// Baseline 1b: split, decode each event into a borrowed struct, call
    /// an empty function.
    pub fn flood_decode(&mut self, kind: Kind, events: u64) -> io::Result<(u64, Duration)> {
        let version = self.version;
        self.flood(kind, events, |frame, id| decode_event(frame, id, version))
    }
}

/// Decodes one event frame (`id` already peeked) and hands it to [`consume`].
fn decode_event(frame: &[u8], id: i32, version: i32) -> bool {
    let Ok(raw) = RawMessage::split(frame, version) else {
        return false;
    };
    match id {
        ACCOUNT_SUMMARY => RowRef::decode(&raw).map(|r| consume(black_box(&r))),
        TICK_PRICE => TickPriceRef::decode(&raw).map(|t| consume(black_box(&t))),
        TICK_SIZE => TickSizeRef::decode(&raw).map(|t| consume(black_box(&t))),
        TICK_BY_TICK => TradeRef::decode(&raw).map(|t| consume(black_box(&t))),
        _ => None,
    }
    .is_some()
}

/// The message id of a frame, read as cheaply as the form allows.
fn peek_id(frame: &[u8], version: i32) -> Option<i32> {
    if version >= PROTOBUF {
        let id = i32::from_be_bytes(frame.get(..4)?.try_into().ok()?);
        Some(if id > 200 { id - 200 } else { id })
    } else {
        let end = frame.iter().position(|&b| b == 0)?;
        parse_int(&frame[..end]).map(|v| v as i32)
    }
}

fn parse_int(digits: &[u8]) -> Option<i64> {
    let (neg, digits) = match digits.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, digits),
    };
    let mut v: i64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(i64::from(d - b'0'))?;
    }
    Some(if neg { -v } else { v })
}

fn parse_f64(text: &[u8]) -> Option<f64> {
    std::str::from_utf8(text).ok()?.parse().ok()
}

/// One protobuf field: its number and value.
enum ProtoValue<'a> {
    Int(u64),
    Double(f64),
    Bytes(&'a [u8]),
}

/// The next field of a protobuf body (wire types 0, 1, 2, 5).
fn next_field<'a>(body: &mut &'a [u8]) -> Option<(u64, ProtoValue<'a>)> {
    let key = varint(body)?;
    let value = match key & 7 {
        0 => ProtoValue::Int(varint(body)?),
        1 => {
            let bytes: [u8; 8] = body.get(..8)?.try_into().ok()?;
            *body = &body[8..];
            ProtoValue::Double(f64::from_le_bytes(bytes))
        }
        2 => {
            let len = varint(body)? as usize;
            let bytes = body.get(..len)?;
            *body = &body[len..];
            ProtoValue::Bytes(bytes)
        }
        5 => {
            let bytes: [u8; 4] = body.get(..4)?.try_into().ok()?;
            *body = &body[4..];
            ProtoValue::Int(u64::from(u32::from_le_bytes(bytes)))
        }
        _ => return None,
    };
    Some((key >> 3, value))
}

/// One tickPrice, borrowing its size from the frame.
#[derive(Debug, Default)]
pub struct TickPriceRef<'a> {
    pub req_id: i32,
    pub tick_type: i32,
    pub price: f64,
    pub size: &'a [u8],
    pub attrib: i32,
}

impl<'a> TickPriceRef<'a> {
    /// Decodes a split tickPrice in either form, without copying.
    pub fn decode(raw: &RawMessage<'a>) -> Option<TickPriceRef<'a>> {
        let mut t = TickPriceRef::default();
        match raw.form {
            Form::Proto => {
                let mut body = raw.body;
                while !body.is_empty() {
                    match next_field(&mut body)? {
                        (1, ProtoValue::Int(v)) => t.req_id = v as i32,
                        (2, ProtoValue::Int(v)) => t.tick_type = v as i32,
                        (3, ProtoValue::Double(v)) => t.price = v,
                        (4, ProtoValue::Bytes(v)) => t.size = v,
                        (5, ProtoValue::Int(v)) => t.attrib = v as i32,
                        _ => {}
                    }
                }
            }
            Form::Text | Form::BinaryText => {
                let mut r = FieldReader::new(raw.body);
                r.raw().ok()?; // message version
                t.req_id = parse_int(r.raw().ok()?)? as i32;
                t.tick_type = parse_int(r.raw().ok()?)? as i32;
                t.price = parse_f64(r.raw().ok()?)?;
                t.size = r.raw().ok()?;
                t.attrib = parse_int(r.raw().ok()?)? as i32;
            }
        }
        Some(t)
    }
}

/// One tickSize, borrowing its size from the frame.
#[derive(Debug, Default)]
pub struct TickSizeRef<'a> {
    pub req_id: i32,
    pub tick_type: i32,
    pub size: &'a [u8],
}

impl<'a> TickSizeRef<'a> {
    /// Decodes a split tickSize in either form, without copying.
    pub fn decode(raw: &RawMessage<'a>) -> Option<TickSizeRef<'a>> {
        let mut t = TickSizeRef::default();
        match raw.form {
            Form::Proto => {
                let mut body = raw.body;
                while !body.is_empty() {
                    match next_field(&mut body)? {
                        (1, ProtoValue::Int(v)) => t.req_id = v as i32,
                        (2, ProtoValue::Int(v)) => t.tick_type = v as i32,
                        (3, ProtoValue::Bytes(v)) => t.size = v,
                        _ => {}
                    }
                }
            }
            Form::Text | Form::BinaryText => {
                let mut r = FieldReader::new(raw.body);
                r.raw().ok()?; // message version
                t.req_id = parse_int(r.raw().ok()?)? as i32;
                t.tick_type = parse_int(r.raw().ok()?)? as i32;
                t.size = r.raw().ok()?;
            }
        }
        Some(t)
    }
}

/// One tick-by-tick trade ("Last"/"AllLast"), borrowing its strings.
#[derive(Debug, Default)]
pub struct TradeRef<'a> {
    pub req_id: i32,
    pub tick_type: i32,
    pub time: i64,
    pub price: f64,
    pub size: &'a [u8],
    pub attrib: i32,
    pub exchange: &'a [u8],
    pub special_conditions: &'a [u8],
}

impl<'a> TradeRef<'a> {
    /// Decodes a split tickByTick trade in either form, without copying. In
    /// protobuf the trade is a nested message; its fields are taken in
    /// order (time, attributes, price, size, exchange, conditions) by type.
    pub fn decode(raw: &RawMessage<'a>) -> Option<TradeRef<'a>> {
        let mut t = TradeRef::default();
        match raw.form {
            Form::Proto => {
                let mut body = raw.body;
                while !body.is_empty() {
                    match next_field(&mut body)? {
                        (1, ProtoValue::Int(v)) => t.req_id = v as i32,
                        (2, ProtoValue::Int(v)) => t.tick_type = v as i32,
                        (3, ProtoValue::Bytes(mut last)) => {
                            let mut strings = 0;
                            while !last.is_empty() {
                                match next_field(&mut last)? {
                                    (1, ProtoValue::Int(v)) => t.time = v as i64,
                                    (_, ProtoValue::Int(v)) => t.attrib = v as i32,
                                    (_, ProtoValue::Double(v)) => t.price = v,
                                    (_, ProtoValue::Bytes(v)) => {
                                        match strings {
                                            0 => t.size = v,
                                            1 => t.exchange = v,
                                            _ => t.special_conditions = v,
                                        }
                                        strings += 1;
                                    }
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
            Form::Text | Form::BinaryText => {
                let mut r = FieldReader::new(raw.body);
                t.req_id = parse_int(r.raw().ok()?)? as i32;
                t.tick_type = parse_int(r.raw().ok()?)? as i32;
                t.time = parse_int(r.raw().ok()?)?;
                t.price = parse_f64(r.raw().ok()?)?;
                t.size = r.raw().ok()?;
                t.attrib = parse_int(r.raw().ok()?)? as i32;
                t.exchange = r.raw().ok()?;
                t.special_conditions = r.raw().ok()?;
            }
        }
        Some(t)
    }
}

/// One account-summary row, borrowing its strings from the frame.
#[derive(Debug, Default)]
pub struct RowRef<'a> {
    pub req_id: i32,
    pub account: &'a [u8],
    pub tag: &'a [u8],
    pub value: &'a [u8],
    pub currency: &'a [u8],
}

impl<'a> RowRef<'a> {
    /// Decodes a split accountSummary in either form, without copying.
    pub fn decode(raw: &RawMessage<'a>) -> Option<RowRef<'a>> {
        match raw.form {
            Form::Proto => Self::decode_proto(raw.body),
            Form::Text | Form::BinaryText => {
                let mut r = FieldReader::new(raw.body);
                r.raw().ok()?; // message version
                Some(RowRef {
                    req_id: parse_int(r.raw().ok()?)? as i32,
                    account: r.raw().ok()?,
                    tag: r.raw().ok()?,
                    value: r.raw().ok()?,
                    currency: r.raw().ok()?,
                })
            }
        }
    }

    /// Fields 1 (int32 varint) and 2..5 (length-delimited strings).
    fn decode_proto(mut body: &'a [u8]) -> Option<RowRef<'a>> {
        let mut row = RowRef {
            req_id: -1,
            ..RowRef::default()
        };
        while !body.is_empty() {
            let key = varint(&mut body)?;
            match (key >> 3, key & 7) {
                (1, 0) => row.req_id = varint(&mut body)? as i32,
                (field, 2) => {
                    let len = varint(&mut body)? as usize;
                    let bytes = body.get(..len)?;
                    body = &body[len..];
                    match field {
                        2 => row.account = bytes,
                        3 => row.tag = bytes,
                        4 => row.value = bytes,
                        5 => row.currency = bytes,
                        _ => {}
                    }
                }
                (_, 0) => {
                    varint(&mut body)?;
                }
                _ => return None,
            }
        }
        Some(row)
    }
}

fn varint(bytes: &mut &[u8]) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let (&b, rest) = bytes.split_first()?;
        *bytes = rest;
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Some(v);
        }
    }
    None
}

/// The empty consumer of the decode baseline.
#[inline(never)]
pub fn consume<T: std::fmt::Debug>(event: &T) {
    black_box(event);
}

/// Reads exactly `buf.len()` bytes; with `spin`, from a non-blocking socket
/// by looking again and again (no thread ever sleeps in `read`).
fn read_exact_spin(s: &mut TcpStream, buf: &mut [u8], spin: bool) -> io::Result<()> {
    if !spin {
        return s.read_exact(buf);
    }
    let mut filled = 0;
    while filled < buf.len() {
        match s.read(&mut buf[filled..]) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => std::hint::spin_loop(),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Raw socket ping-pong with the sizes of reqCurrentTime and currentTime at
/// `version`: returns one round-trip time per iteration. Both ends sleep in
/// `read` between messages (the "idle" state of the CPUs: every message
/// wakes a sleeping thread) or, with `spin`, look at non-blocking sockets
/// without sleeping (the "awake" state: the loopback floor).
pub fn ping_pong(version: i32, iterations: usize, spin: bool) -> io::Result<Vec<Duration>> {
    let mut ping = Vec::new();
    Request::ReqCurrentTime(ReqCurrentTime {})
        .encode(version, &mut ping)
        .map_err(other)?;
    let mut pong = Vec::new();
    encode(
        &tws::protocol::Incoming::CurrentTime(tws::protocol::messages::CurrentTime {
            time: 1_795_000_000,
        }),
        version,
        &mut pong,
    );
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let (ping_len, reply) = (ping.len(), pong.clone());
    let server = thread::spawn(move || -> io::Result<()> {
        let (mut s, _) = listener.accept()?;
        s.set_nodelay(true)?;
        s.set_nonblocking(spin)?;
        let mut buf = vec![0u8; ping_len];
        loop {
            match read_exact_spin(&mut s, &mut buf, spin) {
                Ok(()) => s.write_all(&reply)?,
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
                Err(e) => return Err(e),
            }
        }
    });
    let mut client = TcpStream::connect(("127.0.0.1", port))?;
    client.set_nodelay(true)?;
    client.set_nonblocking(spin)?;
    let mut buf = vec![0u8; pong.len()];
    let mut times = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let t = Instant::now();
        client.write_all(&ping)?;
        read_exact_spin(&mut client, &mut buf, spin)?;
        times.push(t.elapsed());
    }
    drop(client);
    server
        .join()
        .map_err(|_| other("ping-pong server panicked"))??;
    Ok(times)
}

fn other(e: impl ToString) -> io::Error {
    io::Error::other(e.to_string())
}

/// Baselines 1a and 1b without a socket: a `kind` flood of `events` events
/// encoded at `version` is split (and, with `decode`, decoded) straight from
/// memory. Returns the events seen and the time taken; the bound set by
/// memory, not by loopback TCP.
pub fn in_memory(kind: Kind, version: i32, events: u64, decode: bool) -> (u64, Duration) {
    let stream =
        FloodStream::new(kind, version, REQ_ID, events, crate::flood::DEFAULT_CHUNK).to_vec();
    let mut reader: &[u8] = &stream;
    let mut splitter = FrameSplitter::new(DEFAULT_MAX_FRAME_LEN);
    let started = Instant::now();
    let mut seen = 0u64;
    'outer: loop {
        while let Some(frame) = splitter.next_frame().expect("frame") {
            match peek_id(frame, version) {
                Some(id) if is_end(kind, id) => break 'outer,
                Some(id) if is_event(kind, id) && (!decode || decode_event(frame, id, version)) => {
                    seen += 1
                }
                _ => {}
            }
        }
        if splitter.read_from(&mut reader).expect("read") == 0 {
            break;
        }
    }
    (seen, started.elapsed())
}
