//! What the simulator saw and said, for debugging and conformance tests:
//! `--record` writes one JSON line per message received or sent (with its
//! decoded fields and its bytes in hex), `--capture` writes the raw
//! server-to-client bytes after the handshake, the input of `tws-decode`.
//!
//! Directions are named from the client's point of view, as `tws-decode`
//! names them: `out` is a request the simulator received, `in` a message it
//! sent. Lines of concurrent connections interleave whole; each carries its
//! connection number.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use std::sync::Mutex;

use crate::inspect::decode::describe_payload;
use crate::inspect::json::{hex, JsonObject};
use crate::inspect::Direction;
use crate::protocol::handshake::ClientHello;
use crate::wire::LENGTH_PREFIX;

/// The open record and capture files (either may be absent).
#[derive(Debug, Default)]
pub struct Recorder {
    record: Option<Mutex<File>>,
    capture: Option<Mutex<File>>,
}

impl Recorder {
    /// Creates (truncates) the files that are named.
    pub fn open(record: Option<&Path>, capture: Option<&Path>) -> io::Result<Recorder> {
        let create = |path: Option<&Path>| -> io::Result<Option<Mutex<File>>> {
            path.map(|p| {
                File::create(p)
                    .map(Mutex::new)
                    .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", p.display())))
            })
            .transpose()
        };
        Ok(Recorder {
            record: create(record)?,
            capture: create(capture)?,
        })
    }

    /// Whether messages are being recorded.
    pub fn is_recording(&self) -> bool {
        self.record.is_some()
    }

    /// The client's opening bytes (`API\0` and its version frame).
    pub fn client_hello(&self, conn: u64, hello: &ClientHello, frame_payload: &[u8]) {
        if self.record.is_none() {
            return;
        }
        let mut bytes = crate::protocol::handshake::API_PREFIX.to_vec();
        bytes.extend_from_slice(&(frame_payload.len() as u32).to_be_bytes());
        bytes.extend_from_slice(frame_payload);
        let mut fields = JsonObject::new();
        fields
            .int("min_version", i64::from(hello.min_version))
            .int("max_version", i64::from(hello.max_version))
            .str("connect_options", &hello.connect_options);
        let mut line = header(conn, Direction::Out);
        line.str("name", "ClientHello").object("fields", fields);
        self.write_line(line, &bytes);
    }

    /// The server's answer to the client's hello.
    pub fn server_hello(&self, conn: u64, server_version: i32, time: &str, bytes: &[u8]) {
        if self.record.is_none() {
            return;
        }
        let mut fields = JsonObject::new();
        fields
            .int("server_version", i64::from(server_version))
            .str("connection_time", time);
        let mut line = header(conn, Direction::In);
        line.str("name", "ServerHello").object("fields", fields);
        self.write_line(line, bytes);
    }

    /// One framed message, received (`Direction::Out`) or sent
    /// (`Direction::In`); `frame` includes the length prefix.
    pub fn message(&self, conn: u64, direction: Direction, frame: &[u8], server_version: i32) {
        if self.record.is_none() {
            return;
        }
        let mut line = header(conn, direction);
        let payload = frame.get(LENGTH_PREFIX..).unwrap_or_default();
        describe_payload(&mut line, payload, server_version, direction);
        self.write_line(line, frame);
    }

    /// Server-to-client bytes after the handshake, as written to the socket.
    pub fn capture(&self, bytes: &[u8]) {
        if let Some(file) = &self.capture {
            let mut file = file.lock().unwrap_or_else(|p| p.into_inner());
            let _ = file.write_all(bytes);
        }
    }

    fn write_line(&self, mut line: JsonObject, bytes: &[u8]) {
        if let Some(file) = &self.record {
            line.str("hex", &hex(bytes));
            let mut text = line.finish();
            text.push('\n');
            let mut file = file.lock().unwrap_or_else(|p| p.into_inner());
            let _ = file.write_all(text.as_bytes());
        }
    }
}

fn header(conn: u64, direction: Direction) -> JsonObject {
    let mut line = JsonObject::new();
    line.int("conn", conn as i64).str("dir", direction.name());
    line
}
