//! Outgoing pacing: at most N messages in any one-second window, sent
//! smoothly. A sender that would exceed it is told how long to wait; nothing
//! is dropped.
//!
//! The schedule is a virtual-clock rate limiter (GCRA): up to `burst`
//! messages (N/10, at least 1) go at once, the rest one every
//! 1 s / (N - burst). Any one-second window then holds at most N messages,
//! and never two full bursts back to back, so a server that counts arrivals
//! in its own windows, with network jitter, does not see more than N either.

use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(1);

pub(crate) struct Pacer {
    /// Time between messages once the burst is spent; None = pacing off.
    interval: Option<Duration>,
    /// How far ahead of the schedule a message may go (burst - 1 intervals).
    tolerance: Duration,
    /// When the next message is due on the steady schedule.
    due: Option<Instant>,
}

impl Pacer {
    /// `per_second` = 0 turns pacing off.
    pub(crate) fn new(per_second: u32) -> Self {
        if per_second == 0 {
            return Pacer {
                interval: None,
                tolerance: Duration::ZERO,
                due: None,
            };
        }
        let burst = (per_second / 10).max(1);
        let steady = (per_second - burst).max(1);
        let interval = WINDOW / steady;
        Pacer {
            interval: Some(interval),
            tolerance: interval * (burst - 1),
            due: None,
        }
    }

    /// Books the next send slot: `None` to send now, or how long to wait first.
    /// The caller must send after that wait (the slot is booked).
    pub(crate) fn reserve(&mut self, now: Instant) -> Option<Duration> {
        let interval = self.interval?;
        let due = self.due.map_or(now, |d| d.max(now));
        let slot = due.checked_sub(self.tolerance).map_or(now, |s| s.max(now));
        self.due = Some(due + interval);
        (slot > now).then(|| slot - now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Slots for `n` messages all asked for at `t0`.
    fn slots(per_second: u32, n: usize, t0: Instant) -> Vec<Instant> {
        let mut p = Pacer::new(per_second);
        (0..n)
            .map(|_| t0 + p.reserve(t0).unwrap_or_default())
            .collect()
    }

    #[test]
    fn never_more_than_the_limit_in_any_window() {
        let t0 = Instant::now();
        for limit in [1u32, 2, 5, 10, 50, 100] {
            let s = slots(limit, 5 * limit as usize, t0);
            for (i, start) in s.iter().enumerate() {
                let inside = s[i..].iter().filter(|t| **t < *start + WINDOW).count();
                assert!(
                    inside <= limit as usize,
                    "{inside} sends in one window at limit {limit}"
                );
            }
        }
    }

    #[test]
    fn a_small_burst_goes_at_once_then_evenly() {
        let t0 = Instant::now();
        let s = slots(50, 12, t0);
        assert!(s[..5].iter().all(|t| *t == t0), "burst of 50/10");
        let gap = WINDOW / 45;
        for w in s[5..].windows(2) {
            assert_eq!(w[1] - w[0], gap);
        }
    }

    #[test]
    fn idle_time_refills_the_burst() {
        let mut p = Pacer::new(50);
        let t0 = Instant::now();
        for _ in 0..20 {
            p.reserve(t0);
        }
        let later = t0 + Duration::from_secs(5);
        assert!((0..5).all(|_| p.reserve(later).is_none()));
    }

    #[test]
    fn off_never_waits() {
        let mut p = Pacer::new(0);
        let now = Instant::now();
        assert!((0..1000).all(|_| p.reserve(now).is_none()));
    }
}
