//! The wire trace: when `Options::trace_file` is set, one line per message in
//! and out is appended to that file, like the API message log TWS keeps:
//!
//! ```text
//! 2026-11-25T14:50:35.123456Z -> ReqAccountSummary req_id: 0, group: "All", tags: "NetLiquidation"
//! 2026-11-25T14:50:35.124001Z <- AccountSummary req_id: 0, account: "DU123456", tag: "NetLiquidation", ...
//! ```
//!
//! `->` is sent to TWS, `<-` received from it. The name is the message's
//! `name()`; the fields come from the message's [`FieldVisitor`] walk, so
//! they carry the same names as `tws-decode`'s JSON (strings quoted and
//! escaped as Rust does, numbers bare).
//!
//! `--` marks what happened to the connection rather than a message:
//!
//! ```text
//! ... -- Connect host: "127.0.0.1", port: 4002, client_id: 3, server_version: 222
//! ... -- Connected
//! ... -- ConnectionLost reason: "protocol error: ..."
//! ... -- Reconnecting attempt: 1, delay_ms: 1000, reason: "..."
//! ... -- Reconnected attempt: 2, reason: "reconnected after 2 attempt(s); ..."
//! ... -- Disconnected reason: "disconnect requested"
//! ... -- PacedHeld req_id: 7, request: reqHistoricalData, rule: SameContract, wait_ms: 1840
//! ... -- PacedReleased req_id: 7, request: reqHistoricalData, rule: SameContract, wait_ms: 1846
//! ```
//!
//! A frame that failed to decode, and a frame that broke the framing, get a
//! line ending in `hex: <digits>`: the frame as it arrived, length prefix
//! included (for a broken frame, the bytes read of it: its prefix), so that
//! `tws-decode --hex <digits> --server-version V`, or `tws-decode --trace FILE`
//! on the whole trace, reproduces the error:
//!
//! ```text
//! ... <- DecodeFailed msg_id: 63, reason: "...", len: 26, hex: 0000001a...
//! ... <- ProtocolError reason: "...", hex: 01000001
//! ```
//!
//! Each line is written with one `write` call, so a crash loses nothing
//! already traced.

use std::fmt::Write as _;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::protocol::{FieldVisitor, Incoming, Request};

use super::events::{ConnectionState, Event};

/// Which way a message travelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    /// Sent to TWS.
    Out,
    /// Received from TWS.
    In,
    /// Neither: something that happened to the connection.
    Event,
}

impl Direction {
    fn arrow(self) -> &'static str {
        match self {
            Direction::Out => "->",
            Direction::In => "<-",
            Direction::Event => "--",
        }
    }
}

/// The marker before the hex digits of a frame on a trace line.
pub(crate) const HEX_FIELD: &str = "hex: ";

/// An open trace file.
pub(crate) struct Trace {
    file: Mutex<File>,
}

impl Trace {
    /// Opens `path` for appending, creating it if needed.
    pub(crate) fn open(path: &Path) -> std::io::Result<Trace> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Trace {
            file: Mutex::new(file),
        })
    }

    /// Traces a request sent to TWS.
    pub(crate) fn request(&self, request: &Request) {
        let mut fields = Fields::default();
        request.visit(&mut fields);
        self.line(Direction::Out, request.name(), &fields.0);
    }

    /// Traces a decoded message from TWS.
    pub(crate) fn incoming(&self, message: &Incoming) {
        let mut fields = Fields::default();
        message.visit(&mut fields);
        self.line(Direction::In, message.name(), &fields.0);
    }

    /// Traces a connection that completed its handshake.
    pub(crate) fn connected(&self, host: &str, port: u16, client_id: i32, server_version: i32) {
        let fields = format!(
            "host: {host:?}, port: {port}, client_id: {client_id}, server_version: {server_version}"
        );
        self.line(Direction::Event, "Connect", &fields);
    }

    /// Traces a state event (connection lost, reconnecting, ...) or a
    /// pacing notice; other events are messages, traced where they are decoded.
    pub(crate) fn event(&self, event: &Event) {
        match event {
            Event::State {
                state,
                reason,
                attempt,
                next_delay,
                resubscribed: _,
            } => {
                let mut fields = String::new();
                match state {
                    ConnectionState::Reconnecting => {
                        let _ = write!(
                            fields,
                            "attempt: {attempt}, delay_ms: {}, ",
                            next_delay.as_millis()
                        );
                    }
                    ConnectionState::Reconnected => {
                        let _ = write!(fields, "attempt: {attempt}, ");
                    }
                    ConnectionState::Disconnected
                    | ConnectionState::Connected
                    | ConnectionState::ConnectionLost
                    | ConnectionState::ReconnectFailed
                    | ConnectionState::IbLinkLost
                    | ConnectionState::IbLinkRestored
                    | ConnectionState::Reconciled => {}
                }
                if !reason.is_empty() {
                    let _ = write!(fields, "reason: {reason:?}");
                }
                let fields = fields.trim_end_matches(", ");
                self.line(Direction::Event, state.name(), fields);
            }
            Event::Paced(n) => {
                let fields = format!(
                    "req_id: {}, request: {}, rule: {}, wait_ms: {}",
                    n.req_id,
                    n.request,
                    n.rule.name(),
                    n.wait.as_millis()
                );
                self.line(
                    Direction::Event,
                    &format!("Paced{}", n.stage.name()),
                    &fields,
                );
            }
            Event::Message(_)
            | Event::Unknown { .. }
            | Event::DecodeFailed { .. }
            | Event::ProtocolError { .. } => {}
        }
    }

    /// Traces a frame (`payload`, without its length prefix) that did not
    /// decode, with its hex so that `tws-decode` can reproduce the error.
    pub(crate) fn decode_failed(&self, msg_id: i32, reason: &str, payload: &[u8]) {
        let mut frame = Vec::with_capacity(payload.len() + 4);
        frame.extend_from_slice(&(payload.len() as u32).to_be_bytes());
        frame.extend_from_slice(payload);
        let fields = format!(
            "msg_id: {msg_id}, reason: {reason:?}, len: {}, {HEX_FIELD}{}",
            payload.len(),
            hex(&frame)
        );
        self.line(Direction::In, "DecodeFailed", &fields);
    }

    /// Traces a framing error; `bytes` is what was read of the frame (its
    /// length prefix).
    pub(crate) fn protocol_error(&self, reason: &str, bytes: &[u8]) {
        let fields = format!("reason: {reason:?}, {HEX_FIELD}{}", hex(bytes));
        self.line(Direction::In, "ProtocolError", &fields);
    }

    /// Traces one line; `fields` is already formatted.
    pub(crate) fn line(&self, direction: Direction, name: &str, fields: &str) {
        let mut text = format!(
            "{} {} {name}",
            timestamp(SystemTime::now()),
            direction.arrow()
        );
        if !fields.is_empty() {
            text.push(' ');
            text.push_str(&fields.replace(['\n', '\r'], " "));
        }
        text.push('\n');
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        // A trace that cannot be written must not disturb the session.
        let _ = file.write_all(text.as_bytes());
    }
}

/// Collects a message's fields as `name: value, ...`.
#[derive(Default)]
struct Fields(String);

impl Fields {
    fn sep(&mut self, name: &str) {
        if !self.0.is_empty() {
            self.0.push_str(", ");
        }
        self.0.push_str(name);
        self.0.push_str(": ");
    }
}

impl FieldVisitor for Fields {
    fn int(&mut self, name: &'static str, value: i64) {
        self.sep(name);
        let _ = write!(self.0, "{value}");
    }
    fn float(&mut self, name: &'static str, value: f64) {
        self.sep(name);
        let _ = write!(self.0, "{value}");
    }
    fn bool(&mut self, name: &'static str, value: bool) {
        self.sep(name);
        let _ = write!(self.0, "{value}");
    }
    fn str(&mut self, name: &'static str, value: &str) {
        self.sep(name);
        let _ = write!(self.0, "{value:?}");
    }
}

/// Lower-case hex digits of `bytes`, no separators.
fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// `time` as UTC ISO 8601 with microseconds: `2026-11-25T14:50:35.123456Z`.
fn timestamp(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = crate::calendar::civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60,
        since.subsec_micros()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::messages::ReqAccountSummary;
    use std::time::Duration;

    #[test]
    fn timestamps_are_utc_iso_8601() {
        let t = UNIX_EPOCH + Duration::from_micros(1_764_082_235_123_456);
        assert_eq!(timestamp(t), "2025-11-25T14:50:35.123456Z");
        assert_eq!(timestamp(UNIX_EPOCH), "1970-01-01T00:00:00.000000Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(&timestamp(leap)[..10], "2000-02-29");
    }

    #[test]
    fn fields_come_from_the_message() {
        let r = Request::ReqAccountSummary(ReqAccountSummary {
            req_id: 7,
            group: "All".into(),
            tags: "NetLiquidation".into(),
        });
        let mut fields = Fields::default();
        r.visit(&mut fields);
        let f = fields.0;
        assert!(f.contains("req_id: 7"), "{f}");
        assert!(f.contains("group: \"All\""), "{f}");
        assert!(f.contains("tags: \"NetLiquidation\""), "{f}");
    }
}
