//! Outgoing pacing: at most N messages in any one-second window. A sender
//! that would exceed it is told how long to wait; nothing is dropped.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(1);

/// A sliding window of the latest send times.
pub(crate) struct Pacer {
    limit: usize,
    sent: VecDeque<Instant>,
}

impl Pacer {
    /// `per_second` = 0 turns pacing off.
    pub(crate) fn new(per_second: u32) -> Self {
        Pacer {
            limit: per_second as usize,
            sent: VecDeque::with_capacity(per_second.min(1024) as usize),
        }
    }

    /// Books the next send slot: `None` to send now, or how long to wait first.
    /// The caller must send after that wait (the slot is booked).
    pub(crate) fn reserve(&mut self, now: Instant) -> Option<Duration> {
        if self.limit == 0 {
            return None;
        }
        if self.sent.len() < self.limit {
            self.sent.push_back(now);
            return None;
        }
        let oldest = self.sent.pop_front().unwrap_or(now);
        let slot = (oldest + WINDOW).max(now);
        self.sent.push_back(slot);
        (slot > now).then(|| slot - now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_more_than_the_limit_in_a_window() {
        let mut p = Pacer::new(5);
        let t0 = Instant::now();
        let mut slots = Vec::new();
        for _ in 0..17 {
            let wait = p.reserve(t0).unwrap_or_default();
            slots.push(t0 + wait);
        }
        assert!(slots[..5].iter().all(|s| *s == t0));
        assert_eq!(slots[5], t0 + WINDOW);
        assert_eq!(slots[16], t0 + 3 * WINDOW);
        for w in slots.windows(6) {
            assert!(w[5] - w[0] >= WINDOW, "six sends inside one window");
        }
    }

    #[test]
    fn off_never_waits() {
        let mut p = Pacer::new(0);
        let now = Instant::now();
        assert!((0..1000).all(|_| p.reserve(now).is_none()));
    }
}
