//! The engine's own health: the dead-peer watch of a connection's reader,
//! the poisoned flag set when an engine thread panics, and the error a
//! blocking call gets when the connection ends under it.

use std::any::Any;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::logging::log;

use super::events::{ConnectionState, Event};
use super::options::Liveness;
use super::{lock, Client, Error, Shared};

/// Health state shared by every thread of a client.
#[derive(Default)]
pub(crate) struct Health {
    poisoned: AtomicBool,
    /// What panicked, once `poisoned` is set.
    poison_message: Mutex<Option<String>>,
    /// Dead-peer probes sent on the current connection whose currentTime
    /// has not come back yet.
    probes: AtomicU32,
    /// Why the current connection ended, when a blocking call running then
    /// should see it instead of a generic "the session ended".
    end_error: Mutex<Option<Error>>,
}

impl Health {
    pub(crate) fn is_poisoned(&self) -> bool {
        self.poisoned.load(Ordering::Acquire)
    }

    /// The error every call on a poisoned client fails with.
    pub(crate) fn poisoned_error(&self) -> Error {
        let what = lock(&self.poison_message)
            .clone()
            .unwrap_or_else(|| "an engine thread panicked".into());
        Error::Poisoned(what)
    }

    /// Marks the client poisoned; false if it was already.
    fn poison(&self, message: String) -> bool {
        let mut slot = lock(&self.poison_message);
        if slot.is_some() {
            return false;
        }
        *slot = Some(message);
        self.poisoned.store(true, Ordering::Release);
        true
    }

    /// A new connection: no probe outstanding, no end recorded.
    pub(crate) fn connection_started(&self) {
        self.probes.store(0, Ordering::Release);
        *lock(&self.end_error) = None;
    }

    /// A probe is about to be sent.
    pub(crate) fn probe_sent(&self) {
        self.probes.fetch_add(1, Ordering::AcqRel);
    }

    /// A probe could not be sent after all.
    pub(crate) fn probe_failed(&self) {
        let _ = self.take_probe();
    }

    /// A currentTime arrived: true (and one probe fewer outstanding) if it
    /// answers a probe and must not be delivered.
    pub(crate) fn take_probe(&self) -> bool {
        self.probes
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
            .is_ok()
    }

    /// Records why the current connection ends, for blocking calls.
    pub(crate) fn set_end_error(&self, error: Error) {
        *lock(&self.end_error) = Some(error);
    }
}

impl Shared {
    /// Fails with `Poisoned` once an engine thread has panicked.
    pub(crate) fn check_poisoned(&self) -> Result<(), Error> {
        if self.health.is_poisoned() {
            Err(self.health.poisoned_error())
        } else {
            Ok(())
        }
    }

    /// The error of a blocking call waiting for `end` when the session ended:
    /// the connection's own cause when the reader recorded one (a protocol
    /// error: the same text as the `ConnectionLost` reason), else a generic
    /// `ConnectionClosed`.
    pub(crate) fn session_end_error(&self, end: &str) -> Error {
        if self.health.is_poisoned() {
            return self.health.poisoned_error();
        }
        lock(&self.health.end_error)
            .clone()
            .unwrap_or_else(|| Error::ConnectionClosed(format!("the session ended before {end}")))
    }

    /// An engine thread (`thread`) panicked with `message`: poisons the
    /// client, ends the session's usability and queues `ConnectionLost`
    /// with reason "internal error: ...". Waits for room in a full queue
    /// unless `abandon` becomes true.
    pub(crate) fn poison_engine(&self, thread: &str, message: &str, abandon: &AtomicBool) {
        let detail = format!("internal error: the {thread} thread panicked: {message}");
        if !self.health.poison(detail.clone()) {
            return;
        }
        log!(Error, "{detail}; the client is poisoned (please report it)");
        self.connected.store(false, Ordering::Release);
        if let Some(w) = lock(&self.writer).take() {
            let _ = w.stream.shutdown(std::net::Shutdown::Both);
        }
        {
            let mut r = lock(&self.readiness);
            if !r.ready && r.failure.is_none() {
                r.failure = Some(Error::Poisoned(detail.clone()));
            }
            self.ready_changed.notify_all();
        }
        self.push_state_event(
            Event::state(ConnectionState::ConnectionLost, detail),
            abandon,
        );
    }
}

impl Client {
    /// True once an engine thread (reader, supervisor, dispatcher) has panicked. The
    /// client is then unusable: every call fails with [`Error::Poisoned`]
    /// (`poll` first hands out the events already queued, among them the
    /// `ConnectionLost` "internal error: ..." event); drop it and make a new one.
    pub fn is_poisoned(&self) -> bool {
        self.shared.health.is_poisoned()
    }

    /// Fails with `Poisoned` once an engine thread has panicked.
    pub(crate) fn check_poisoned(&self) -> Result<(), Error> {
        self.shared.check_poisoned()
    }

    /// `poll` on a poisoned client: what is still queued, then `Poisoned`.
    pub(crate) fn poll_poisoned(&self) -> Result<Option<Event>, Error> {
        match self.shared.queue.pop(Duration::ZERO) {
            Some(event) => Ok(Some(event)),
            None => Err(self.shared.health.poisoned_error()),
        }
    }
}

/// The text of a caught panic's payload.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".into()
    }
}

/// What the dead-peer watch says after a quiet read.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Nothing to do.
    Fine,
    /// Silent for `idle`: send one probe now.
    Probe,
    /// The probe went unanswered: end the connection with this reason.
    Dead(String),
}

/// One connection's dead-peer watch, kept by its reader.
pub(crate) struct Watch {
    idle: Duration,
    timeout: Duration,
    last_byte: Instant,
    probe_at: Option<Instant>,
}

/// The longest a reader blocks in one read while the watch is on.
const MAX_SLICE: Duration = Duration::from_secs(1);
const MIN_SLICE: Duration = Duration::from_millis(5);

impl Watch {
    /// The watch of a connection whose reader starts at `now`; `None` when off.
    pub(crate) fn new(liveness: &Liveness, now: Instant) -> Option<Watch> {
        liveness.enabled().then_some(Watch {
            idle: liveness.idle,
            timeout: liveness.timeout,
            last_byte: now,
            probe_at: None,
        })
    }

    /// How long one read may block: short enough to notice the deadlines.
    pub(crate) fn slice(&self) -> Duration {
        (self.idle.min(self.timeout) / 4).clamp(MIN_SLICE, MAX_SLICE)
    }

    /// Bytes arrived at `now`.
    pub(crate) fn received(&mut self, now: Instant) {
        self.last_byte = now;
        self.probe_at = None;
    }

    /// What to do at `now`, after a read that brought nothing.
    pub(crate) fn check(&mut self, now: Instant) -> Verdict {
        match self.probe_at {
            None if now.duration_since(self.last_byte) >= self.idle => {
                self.probe_at = Some(now);
                Verdict::Probe
            }
            None => Verdict::Fine,
            Some(at) if now.duration_since(at) >= self.timeout => Verdict::Dead(format!(
                "no data from TWS for {} s (dead-peer probe unanswered)",
                (self.idle + self.timeout).as_secs_f64()
            )),
            Some(_) => Verdict::Fine,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watch(idle_ms: u64, timeout_ms: u64, now: Instant) -> Watch {
        let l = Liveness {
            idle: Duration::from_millis(idle_ms),
            timeout: Duration::from_millis(timeout_ms),
        };
        Watch::new(&l, now).expect("on")
    }

    #[test]
    fn probe_after_idle_then_dead_after_timeout() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut w = watch(20_000, 10_000, t0);
        assert_eq!(w.check(t0 + ms(19_999)), Verdict::Fine);
        assert_eq!(w.check(t0 + ms(20_000)), Verdict::Probe);
        assert_eq!(w.check(t0 + ms(29_999)), Verdict::Fine);
        assert_eq!(
            w.check(t0 + ms(30_000)),
            Verdict::Dead("no data from TWS for 30 s (dead-peer probe unanswered)".into())
        );
    }

    #[test]
    fn any_byte_rearms_the_watch() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut w = watch(300, 300, t0);
        assert_eq!(w.check(t0 + ms(300)), Verdict::Probe);
        w.received(t0 + ms(400));
        assert_eq!(w.check(t0 + ms(650)), Verdict::Fine);
        assert_eq!(w.check(t0 + ms(700)), Verdict::Probe);
        match w.check(t0 + ms(1000)) {
            Verdict::Dead(reason) => assert!(reason.contains("0.6 s"), "{reason}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn off_means_no_watch() {
        assert!(Watch::new(&Liveness::off(), Instant::now()).is_none());
    }

    #[test]
    fn probe_answers_are_counted() {
        let h = Health::default();
        assert!(!h.take_probe(), "no probe: a currentTime is the user's");
        h.probe_sent();
        h.probe_sent();
        assert!(h.take_probe());
        h.probe_failed();
        assert!(!h.take_probe());
        h.probe_sent();
        h.connection_started();
        assert!(!h.take_probe(), "a new connection owes nothing");
    }
}
