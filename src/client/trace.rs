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
//! Each line is written with one `write` call, so a crash loses nothing
//! already traced.

use std::fmt::Write as _;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::protocol::{FieldVisitor, Incoming, Request};

/// Which way a message travelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    /// Sent to TWS.
    Out,
    /// Received from TWS.
    In,
}

impl Direction {
    fn arrow(self) -> &'static str {
        match self {
            Direction::Out => "->",
            Direction::In => "<-",
        }
    }
}

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

/// `time` as UTC ISO 8601 with microseconds: `2026-11-25T14:50:35.123456Z`.
fn timestamp(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60,
        since.subsec_micros()
    )
}

/// Year, month, day of the day `days` after 1970-01-01 (proleptic Gregorian).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
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
