//! How a client connects, reconnects, paces and delivers events.

use std::path::PathBuf;
use std::time::Duration;

use crate::protocol::versions::{MAX_CLIENT_VERSION, MIN_CLIENT_VERSION};
use crate::wire::DEFAULT_MAX_FRAME_LEN;

pub use super::history_pacing::HistoryPacing;
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

/// Dead-peer detection: after `idle` without a single byte from TWS the
/// engine sends reqCurrentTime as a probe (its answer is not delivered); if
/// nothing at all arrives within `timeout` more, the connection is treated
/// as lost ("no data from TWS for N s (dead-peer probe unanswered)") and the
/// normal reconnect follows. A frozen TWS, a dropped NAT mapping or a laptop
/// that slept is so noticed within `idle + timeout`. `idle` zero turns it off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Liveness {
    /// Silence before the probe (default 20 s; zero = detection off).
    pub idle: Duration,
    /// How long the probe may go unanswered (default 10 s).
    pub timeout: Duration,
}

impl Default for Liveness {
    fn default() -> Self {
        Liveness {
            idle: Duration::from_secs(20),
            timeout: Duration::from_secs(10),
        }
    }
}

impl Liveness {
    /// No dead-peer detection (TCP keepalive stays on).
    pub fn off() -> Self {
        Liveness {
            idle: Duration::ZERO,
            timeout: Duration::ZERO,
        }
    }

    /// True when probing is on.
    pub fn enabled(&self) -> bool {
        !self.idle.is_zero()
    }

    /// The longest a dead peer goes unnoticed: `idle + timeout` (zero when off).
    pub fn detection_bound(&self) -> Duration {
        if self.enabled() {
            self.idle + self.timeout
        } else {
            Duration::ZERO
        }
    }

    fn validate(&self) -> Result<(), Error> {
        if !self.enabled() {
            return Ok(());
        }
        let range = Duration::from_millis(10)..=MAX_LIVENESS;
        if !range.contains(&self.idle) || !range.contains(&self.timeout) {
            return Err(Error::InvalidArgument(format!(
                "liveness idle ({} ms) and timeout ({} ms) must each be 10 ms..1 h (idle 0 turns detection off)",
                self.idle.as_millis(),
                self.timeout.as_millis()
            )));
        }
        Ok(())
    }
}

/// The longest liveness idle time or probe timeout accepted.
const MAX_LIVENESS: Duration = Duration::from_secs(3600);

/// Connection and delivery settings; [`Options::default`] suits real TWS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Lowest protocol version advertised (default 100).
    pub min_version: i32,
    /// Highest protocol version advertised (default and at most 226, the
    /// highest version libtws implements).
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
    /// Dead-peer detection (on by default: probe after 20 s of silence,
    /// connection lost 10 s later).
    pub liveness: Liveness,
    /// While the queue is full, a tick event whose values the quote view
    /// (`Client::quote`) holds (bid, ask, last, their sizes, volume, high,
    /// low, close, open, last time, halted, and their delayed twins) is
    /// folded into the view and not queued, counted in
    /// `StatsSnapshot::ticks_conflated`: the reader keeps reading, so the
    /// quote follows the market with a slow consumer (on by default). Off:
    /// such ticks wait for room like every other event (nothing is dropped,
    /// and the quote lags as the queue does). Other events always wait.
    pub conflate_ticks: bool,
    /// Finished orders (Filled, Cancelled, ApiCancelled, Inactive) the order
    /// view (`Client::order`) keeps; beyond it the one finished longest ago
    /// is evicted with its executions (default 10 000). Open orders are
    /// always kept. An evicted order's exec ids are forgotten too: keep it
    /// above the number of orders that finish between a loss and its
    /// reconciliation.
    pub order_view_capacity: usize,
    /// The pacing rules of historical-data requests (on by default, with
    /// TWS's limits; see [`HistoryPacing`]): a request that would break one
    /// waits, and is never dropped.
    pub history_pacing: HistoryPacing,
    /// Low-latency mode (off by default): a `poll` waiting for an event, and
    /// the thread that runs the callback, spin on the queue (yielding the
    /// CPU between looks) instead of sleeping until the reader wakes them,
    /// which saves the wake-up of a sleeping thread on every event. The
    /// price: a waiting consumer keeps a core busy for as long as it waits
    /// (in callback mode, as long as the callback is set). With
    /// `callbacks_on_reader` it is the reader that spins, on the socket, and
    /// the dispatch thread sleeps. See the README, "Low-latency mode", for
    /// what the host must not do in it.
    pub busy_poll: bool,
    /// Callbacks on the reader thread (off by default): while a callback is
    /// set, the reader thread calls it with each message it decoded, with no
    /// queue and no thread hand-over in between (events that other threads
    /// make, such as state changes, still reach it in arrival order). The
    /// fastest delivery there is, and with `busy_poll` the reader also spins
    /// on the socket instead of sleeping in `read`: the lowest latency. The
    /// price: while the callback runs nothing is read, so a slow callback
    /// holds up the socket (TWS buffers, as with a full queue), and calls
    /// that wait for TWS's answer (the blocking calls, `connect`, a
    /// historical-data request held by pacing) are refused in the callback
    /// with `Reentrant`, since the answer could only come through the thread
    /// that is waiting. `disconnect` from the callback returns at once and the
    /// connection ends when the callback returns.
    pub callbacks_on_reader: bool,
    /// Tests only: the reader thread panics on a frame with this message id,
    /// to exercise the engine's panic boundary. Never set it otherwise.
    #[doc(hidden)]
    pub panic_on_message_id_for_tests: Option<i32>,
    /// Tests only: the supervisor thread panics when a connection ends.
    #[doc(hidden)]
    pub panic_in_supervisor_for_tests: bool,
    /// Tests only: the dispatch thread panics outside the user's callback,
    /// right after the callback returned from its first event.
    #[doc(hidden)]
    pub panic_in_dispatcher_for_tests: bool,
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
            liveness: Liveness::default(),
            conflate_ticks: true,
            order_view_capacity: super::order_book::DEFAULT_ORDER_VIEW_CAPACITY,
            history_pacing: HistoryPacing::default(),
            busy_poll: false,
            callbacks_on_reader: false,
            panic_on_message_id_for_tests: None,
            panic_in_supervisor_for_tests: false,
            panic_in_dispatcher_for_tests: false,
        }
    }
}

impl Options {
    /// These options with the protocol versions `min..=max` advertised;
    /// refused unless `100 <= min <= max <= 226` (226 is the highest version
    /// libtws implements).
    pub fn version_range(mut self, min: i32, max: i32) -> Result<Options, Error> {
        self.min_version = min;
        self.max_version = max;
        self.validate()?;
        Ok(self)
    }

    /// These options with dead-peer detection after `idle` of silence and a
    /// probe `timeout` (see [`Liveness`]; `idle` zero turns it off).
    pub fn liveness(mut self, idle: Duration, timeout: Duration) -> Options {
        self.liveness = Liveness { idle, timeout };
        self
    }

    /// Checks the settings for consistency.
    pub fn validate(&self) -> Result<(), Error> {
        if self.min_version < MIN_CLIENT_VERSION || self.min_version > self.max_version {
            return Err(Error::InvalidArgument(format!(
                "version range {}..{} is empty or below {MIN_CLIENT_VERSION}",
                self.min_version, self.max_version
            )));
        }
        if self.max_version > MAX_CLIENT_VERSION {
            return Err(Error::InvalidArgument(format!(
                "max_version {} is above {MAX_CLIENT_VERSION}, the highest protocol version libtws implements",
                self.max_version
            )));
        }
        self.liveness.validate()?;
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
        self.history_pacing.validate()?;
        crate::protocol::codec::check_str(&self.connect_options, "connect_options", true)?;
        crate::protocol::codec::check_str(
            &self.optional_capabilities,
            "optional_capabilities",
            true,
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_liveness_notices_a_dead_peer_within_a_minute() {
        let l = Options::default().liveness;
        assert!(l.enabled());
        assert_eq!(l.idle, Duration::from_secs(20));
        assert_eq!(l.timeout, Duration::from_secs(10));
        assert!(l.detection_bound() <= Duration::from_secs(60));
        assert!(Options::default().validate().is_ok());
    }

    #[test]
    fn liveness_bounds() {
        let o = |idle, timeout| {
            Options::default()
                .liveness(Duration::from_millis(idle), Duration::from_millis(timeout))
                .validate()
        };
        assert!(o(0, 0).is_ok(), "off");
        assert!(o(300, 300).is_ok());
        assert!(o(300, 0).is_err());
        assert!(o(5, 300).is_err());
        assert!(o(3_600_001, 300).is_err());
        assert_eq!(Liveness::off().detection_bound(), Duration::ZERO);
    }

    #[test]
    fn max_version_is_capped_at_the_highest_implemented() {
        assert!(Options::default()
            .version_range(100, MAX_CLIENT_VERSION)
            .is_ok());
        match Options::default().version_range(100, MAX_CLIENT_VERSION + 1) {
            Err(Error::InvalidArgument(m)) => assert!(m.contains("highest"), "{m}"),
            other => panic!("{other:?}"),
        }
        let o = Options {
            max_version: 1000,
            ..Options::default()
        };
        assert!(matches!(o.validate(), Err(Error::InvalidArgument(_))));
    }
}
