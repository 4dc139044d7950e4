//! One connection's share of the scripted faults: what it has sent, what is
//! still due, how fast the client is sending.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::faults::{ConnectivityStep, Faults, Garbage};

/// The window `--max-msg-rate` counts in.
const RATE_WINDOW: Duration = Duration::from_secs(1);

/// The fault state of one session.
#[derive(Debug)]
pub struct Injector {
    drop_after: Option<u64>,
    sent: u64,
    garbage: Option<Garbage>,
    max_rate: Option<u32>,
    received: VecDeque<Instant>,
    connectivity: VecDeque<(Instant, ConnectivityStep)>,
    /// Why the session must end once its output is flushed.
    ending: Option<String>,
    /// When the session freezes (`--freeze-after`).
    freeze_at: Option<Instant>,
}

impl Injector {
    /// The state of a session that started at `started`.
    pub fn new(faults: &Faults, started: Instant) -> Self {
        Injector {
            drop_after: faults.drop_after,
            sent: 0,
            garbage: faults.garbage,
            max_rate: faults.max_msg_rate,
            received: VecDeque::new(),
            connectivity: faults
                .connectivity
                .iter()
                .map(|&s| (started + s.at, s))
                .collect(),
            ending: None,
            freeze_at: faults.freeze_after.map(|f| started + f),
        }
    }

    /// When the session freezes, if it does.
    pub fn freeze_at(&self) -> Option<Instant> {
        self.freeze_at
    }

    /// Whether the session is frozen at `now`.
    pub fn frozen(&self, now: Instant) -> bool {
        self.freeze_at.is_some_and(|at| now >= at)
    }

    /// Whether one more message may be sent; counts it. After `drop-after`
    /// messages the session is marked to end and nothing more is sent.
    pub fn may_send(&mut self) -> bool {
        if self.ending.is_some() {
            return false;
        }
        self.sent += 1;
        if self.drop_after.is_some_and(|n| self.sent >= n) {
            self.ending = Some(format!("fault: dropped after {} messages", self.sent));
        }
        true
    }

    /// The garbage mode still to inject (once per session).
    pub fn take_garbage(&mut self) -> Option<Garbage> {
        self.garbage.take()
    }

    /// Marks the session to end once its output is flushed.
    pub fn end_after_flush(&mut self, why: String) {
        self.ending.get_or_insert(why);
    }

    /// Why the session ends now, if it does.
    pub fn ending(&self) -> Option<&str> {
        self.ending.as_deref()
    }

    /// Counts a client message received at `now`; false when it exceeds the
    /// rate limit (the caller answers error 100 instead).
    pub fn admit(&mut self, now: Instant) -> bool {
        let Some(max) = self.max_rate else {
            return true;
        };
        while self
            .received
            .front()
            .is_some_and(|&t| now.duration_since(t) >= RATE_WINDOW)
        {
            self.received.pop_front();
        }
        if self.received.len() >= max as usize {
            return false;
        }
        self.received.push_back(now);
        true
    }

    /// When the next scripted connectivity error is due.
    pub fn next_due(&self) -> Option<Instant> {
        self.connectivity.front().map(|(at, _)| *at)
    }

    /// The connectivity errors due at `now`, in order.
    pub fn due(&mut self, now: Instant) -> Vec<ConnectivityStep> {
        let mut out = Vec::new();
        while let Some(&(at, step)) = self.connectivity.front() {
            if at > now {
                break;
            }
            self.connectivity.pop_front();
            out.push(step);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drop_after_counts_messages() {
        let faults = Faults {
            drop_after: Some(3),
            ..Faults::default()
        };
        let mut i = Injector::new(&faults, Instant::now());
        assert!(i.may_send() && i.may_send() && i.ending().is_none());
        assert!(i.may_send());
        assert!(i.ending().is_some());
        assert!(!i.may_send());
    }

    #[test]
    fn rate_window_slides() {
        let faults = Faults {
            max_msg_rate: Some(2),
            ..Faults::default()
        };
        let t0 = Instant::now();
        let mut i = Injector::new(&faults, t0);
        assert!(i.admit(t0));
        assert!(i.admit(t0 + Duration::from_millis(10)));
        assert!(!i.admit(t0 + Duration::from_millis(20)));
        assert!(i.admit(t0 + Duration::from_millis(1001)));
    }

    #[test]
    fn connectivity_steps_come_due_in_order() {
        let faults = Faults {
            connectivity: super::super::faults::parse_connectivity("1100@1,1102@2").unwrap(),
            ..Faults::default()
        };
        let t0 = Instant::now();
        let mut i = Injector::new(&faults, t0);
        assert_eq!(i.next_due(), Some(t0 + Duration::from_secs(1)));
        assert!(i.due(t0).is_empty());
        let codes: Vec<i32> = i
            .due(t0 + Duration::from_secs(3))
            .iter()
            .map(|s| s.code)
            .collect();
        assert_eq!(codes, vec![1100, 1102]);
        assert_eq!(i.next_due(), None);
    }
}
