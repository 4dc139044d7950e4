//! The delay before each reconnect attempt: exponential, capped, with jitter.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::options::ReconnectPolicy;

/// Computes the delay before each attempt of one reconnect episode.
pub(crate) struct Backoff {
    policy: ReconnectPolicy,
    rng: u64,
}

impl Backoff {
    pub(crate) fn new(policy: &ReconnectPolicy) -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let here = &nanos as *const u64 as u64;
        Backoff {
            policy: policy.clone(),
            rng: nanos ^ here.rotate_left(32) ^ 0x9E37_79B9_7F4A_7C15,
        }
    }

    /// The delay before attempt `attempt` (1 for the first).
    pub(crate) fn delay(&mut self, attempt: u32) -> Duration {
        let p = self.policy.clone();
        let doublings = attempt.saturating_sub(1).min(32);
        let base = p
            .initial_delay
            .saturating_mul(1u32 << doublings.min(31))
            .min(p.max_delay);
        if p.jitter_percent == 0 {
            return base;
        }
        // A uniform factor in [1 - j, 1 + j].
        let unit = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        let j = f64::from(p.jitter_percent) / 100.0;
        let factor = 1.0 - j + 2.0 * j * unit;
        base.mul_f64(factor)
            .clamp(Duration::from_millis(1), p.max_delay)
    }

    /// splitmix64: enough randomness to keep many clients from retrying in step.
    fn next(&mut self) -> u64 {
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(jitter: u32) -> ReconnectPolicy {
        ReconnectPolicy {
            enabled: true,
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
            jitter_percent: jitter,
            max_attempts: 0,
        }
    }

    #[test]
    fn doubles_up_to_the_cap() {
        let mut b = Backoff::new(&policy(0));
        let ms: Vec<u128> = (1..=6).map(|n| b.delay(n).as_millis()).collect();
        assert_eq!(ms, vec![100, 200, 400, 800, 1000, 1000]);
        assert_eq!(b.delay(u32::MAX), Duration::from_millis(1000));
    }

    #[test]
    fn jitter_stays_in_its_band() {
        let mut b = Backoff::new(&policy(50));
        let delays: Vec<Duration> = (0..200).map(|_| b.delay(2)).collect();
        assert!(delays
            .iter()
            .all(|d| *d >= Duration::from_millis(100) && *d <= Duration::from_millis(300)));
        let distinct: std::collections::BTreeSet<_> = delays.iter().collect();
        assert!(distinct.len() > 10, "jitter varies the delay");
    }
}
