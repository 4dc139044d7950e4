//! The practical limits: a raw client that only reads the socket and splits
//! frames, one that also decodes every row into a plain borrowed struct and
//! hands it to an empty function, and a raw socket ping-pong.

use std::hint::black_box;
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use tws::protocol::handshake::{client_hello, parse_server_hello};
use tws::protocol::ids::incoming::{ACCOUNT_SUMMARY, ACCOUNT_SUMMARY_END};
use tws::protocol::messages::{ReqAccountSummary, ReqCurrentTime, StartApi};
use tws::protocol::versions::{MAX_CLIENT_VERSION, MIN_CLIENT_VERSION, PROTOBUF};
use tws::protocol::{Form, RawMessage, Request};
use tws::wire::{FieldReader, FrameSplitter, DEFAULT_MAX_FRAME_LEN};

use crate::flood::encode;

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

    /// Requests the account summary and hands every frame to `each` until the
    /// end marker; returns the rows seen and the time from request to end.
    fn flood(&mut self, mut each: impl FnMut(&[u8], i32) -> bool) -> io::Result<(u64, Duration)> {
        let started = Instant::now();
        self.send(&Request::ReqAccountSummary(ReqAccountSummary {
            req_id: 7,
            group: "All".into(),
            tags: "All".into(),
        }))?;
        let version = self.version;
        let mut rows = 0u64;
        loop {
            while let Some(frame) = self.splitter.next_frame().map_err(other)? {
                match peek_id(frame, version) {
                    Some(ACCOUNT_SUMMARY_END) => return Ok((rows, started.elapsed())),
                    Some(id) if each(frame, id) => rows += 1,
                    _ => {}
                }
            }
            if self.splitter.read_from(&mut self.stream)? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
        }
    }

    /// Baseline 1a: split frames, look at the id, nothing else.
    pub fn flood_split(&mut self) -> io::Result<(u64, Duration)> {
        self.flood(|_, id| id == ACCOUNT_SUMMARY)
    }

    /// Baseline 1b: split, decode each row into [`RowRef`], call [`consume`].
    pub fn flood_decode(&mut self) -> io::Result<(u64, Duration)> {
        let version = self.version;
        self.flood(|frame, id| {
            if id != ACCOUNT_SUMMARY {
                return false;
            }
            match RawMessage::split(frame, version)
                .ok()
                .and_then(|raw| RowRef::decode(&raw))
            {
                Some(row) => {
                    consume(black_box(&row));
                    true
                }
                None => false,
            }
        })
    }
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
pub fn consume(row: &RowRef<'_>) {
    black_box(row);
}

/// Raw socket ping-pong with the sizes of reqCurrentTime and currentTime at
/// `version`: returns one round-trip time per iteration.
pub fn ping_pong(version: i32, iterations: usize) -> io::Result<Vec<Duration>> {
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
        let mut buf = vec![0u8; ping_len];
        loop {
            match s.read_exact(&mut buf) {
                Ok(()) => s.write_all(&reply)?,
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
                Err(e) => return Err(e),
            }
        }
    });
    let mut client = TcpStream::connect(("127.0.0.1", port))?;
    client.set_nodelay(true)?;
    let mut buf = vec![0u8; pong.len()];
    let mut times = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let t = Instant::now();
        client.write_all(&ping)?;
        client.read_exact(&mut buf)?;
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

/// Baselines 1a and 1b without a socket: `rows` rows encoded at `version`
/// are split (and, with `decode`, decoded) straight from memory. Returns the
/// rows seen and the time taken; the bound set by memory, not by loopback TCP.
pub fn in_memory(version: i32, rows: u64, decode: bool) -> (u64, Duration) {
    let (block, tail, end) = crate::flood::encode_flood(version, 7, rows);
    let mut stream = Vec::with_capacity(block.len() * (rows as usize / 1024 + 1) + end.len());
    for _ in 0..rows / 1024 {
        stream.extend_from_slice(&block);
    }
    stream.extend_from_slice(&tail);
    stream.extend_from_slice(&end);
    let mut reader: &[u8] = &stream;
    let mut splitter = FrameSplitter::new(DEFAULT_MAX_FRAME_LEN);
    let started = Instant::now();
    let mut seen = 0u64;
    'outer: loop {
        while let Some(frame) = splitter.next_frame().expect("frame") {
            match peek_id(frame, version) {
                Some(ACCOUNT_SUMMARY_END) => break 'outer,
                Some(ACCOUNT_SUMMARY) if !decode => seen += 1,
                Some(ACCOUNT_SUMMARY) => {
                    let raw = RawMessage::split(frame, version).expect("split");
                    if let Some(row) = RowRef::decode(&raw) {
                        consume(black_box(&row));
                        seen += 1;
                    }
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
