//! How a client connects, reconnects, paces and delivers events.

use std::path::PathBuf;
use std::time::Duration;

use crate::protocol::versions::{MAX_CLIENT_VERSION, MIN_CLIENT_VERSION};
use crate::wire::DEFAULT_MAX_FRAME_LEN;

use super::Error;

/// Automatic reconnection after a session that `connect` established is lost.
///
/// Attempt `n` (from 1) waits `initial_delay * 2^(n-1)`, capped at
/// `max_delay`, varied by up to `jitter_percent` either way (and never above
/// `max_delay`); each attempt is bounded by the timeout given to `connect`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReconnectPolicy {
    /// Reconnect at all (default true).
    pub enabled: bool,
    /// Delay before the first attempt (default 1 s).
    pub initial_delay: Duration,
    /// Longest delay between attempts (default 30 s).
    pub max_delay: Duration,
    /// Random variation of each delay, 0..=100 percent (default 20).
    pub jitter_percent: u32,
    /// Attempts before giving up; 0 = never give up (default 0).
    pub max_attempts: u32,
}

impl Default for ReconnectPolicy {
    fn default() -> Self {
        ReconnectPolicy {
            enabled: true,
            initial_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
            jitter_percent: 20,
            max_attempts: 0,
        }
    }
}

impl ReconnectPolicy {
    /// No automatic reconnection.
    pub fn off() -> Self {
        ReconnectPolicy {
            enabled: false,
            ..ReconnectPolicy::default()
        }
    }

    fn validate(&self) -> Result<(), Error> {
        if self.initial_delay < Duration::from_millis(1) || self.max_delay < self.initial_delay {
            return Err(Error::InvalidArgument(format!(
                "reconnect delays must satisfy 1 ms <= initial ({} ms) <= max ({} ms)",
                self.initial_delay.as_millis(),
                self.max_delay.as_millis()
            )));
        }
        if self.jitter_percent > 100 {
            return Err(Error::InvalidArgument(format!(
                "reconnect jitter {}% is above 100%",
                self.jitter_percent
            )));
        }
        Ok(())
    }
}

/// Connection and delivery settings; [`Options::default`] suits real TWS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Lowest protocol version advertised (default 100).
    pub min_version: i32,
    /// Highest protocol version advertised (default 226).
    pub max_version: i32,
    /// Appended to the version range in the handshake, e.g. `+PACEAPI`.
    pub connect_options: String,
    /// Sent with startApi (from server version 72).
    pub optional_capabilities: String,
    /// Events held before the reader stops reading the socket (backpressure).
    pub queue_capacity: usize,
    /// Bytes the waiting events may hold (payloads, frames, texts) before the
    /// reader stops reading the socket (default 64 MiB; one event always
    /// enters an empty queue, so a single larger one still passes).
    pub queue_max_bytes: usize,
    /// Longest frame accepted; longer is a protocol error (default 16 MiB - 1).
    pub max_frame_len: usize,
    /// Automatic reconnection (on by default).
    pub reconnect: ReconnectPolicy,
    /// Most messages sent in any one-second window; later requests wait
    /// their turn, in order, and are never dropped. 0 = no pacing.
    /// Default 50, TWS's own limit (it answers error 100 beyond it).
    pub max_messages_per_second: u32,
    /// Longest a single write may block while TWS does not read; then the
    /// connection is treated as lost (default 10 s).
    pub write_timeout: Duration,
    /// When set, every message in and out is appended to this file, one line each.
    pub trace_file: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            min_version: MIN_CLIENT_VERSION,
            max_version: MAX_CLIENT_VERSION,
            connect_options: String::new(),
            optional_capabilities: String::new(),
            queue_capacity: 65_536,
            queue_max_bytes: 64 << 20,
            max_frame_len: DEFAULT_MAX_FRAME_LEN,
            reconnect: ReconnectPolicy::default(),
            max_messages_per_second: 50,
            write_timeout: Duration::from_secs(10),
            trace_file: None,
        }
    }
}

impl Options {
    /// Checks the settings for consistency.
    pub fn validate(&self) -> Result<(), Error> {
        if self.min_version < MIN_CLIENT_VERSION || self.min_version > self.max_version {
            return Err(Error::InvalidArgument(format!(
                "version range {}..{} is empty or below {MIN_CLIENT_VERSION}",
                self.min_version, self.max_version
            )));
        }
        if self.queue_capacity == 0 {
            return Err(Error::InvalidArgument(
                "queue capacity must be at least 1".into(),
            ));
        }
        if self.queue_max_bytes == 0 {
            return Err(Error::InvalidArgument(
                "queue max bytes must be at least 1".into(),
            ));
        }
        if self.max_frame_len < 64 {
            return Err(Error::InvalidArgument(
                "max frame length must be at least 64".into(),
            ));
        }
        if self.write_timeout.is_zero() {
            return Err(Error::InvalidArgument(
                "write timeout must be positive".into(),
            ));
        }
        self.reconnect.validate()?;
        crate::protocol::codec::check_str(&self.connect_options, "connect_options", true)?;
        crate::protocol::codec::check_str(
            &self.optional_capabilities,
            "optional_capabilities",
            true,
        )?;
        Ok(())
    }
}
