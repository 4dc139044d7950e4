//! TWS's pacing rules for historical data, kept for the whole simulator
//! (TWS paces a login, not a connection).
//!
//! A request breaks the rules when it is identical to one accepted within
//! the last 15 seconds; when it would make six or more requests for the same
//! contract, exchange and tick type within two seconds; when it would make
//! more than 60 requests within ten minutes (BID_ASK counts twice in both
//! counts); or when 50 requests are open already. Refused requests are not
//! counted. The windows and limits are [`HistoryPacing`]'s, so tests can
//! shrink them.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The pacing rules (TWS's values by default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryPacing {
    /// Off: every request is served.
    pub enabled: bool,
    /// No identical request within this long (TWS: 15 s).
    pub identical_window: Duration,
    /// Requests for one contract, exchange and tick type...
    pub same_contract_window: Duration,
    /// ...are refused from this many within the window on (TWS: six or
    /// more within two seconds).
    pub same_contract_limit: u32,
    /// Requests in any window of this length (TWS: ten minutes)...
    pub window: Duration,
    /// ...may be at most this many (TWS: 60).
    pub window_limit: u32,
    /// Simultaneous open requests (TWS: 50); the simulator's only
    /// long-lived ones are keep-up-to-date bars.
    pub max_open: usize,
    /// TWS paces bars of 30 seconds or less (and historical ticks); on,
    /// the simulator paces every bar size.
    pub all_bar_sizes: bool,
}

impl Default for HistoryPacing {
    fn default() -> Self {
        HistoryPacing {
            enabled: true,
            identical_window: Duration::from_secs(15),
            same_contract_window: Duration::from_secs(2),
            same_contract_limit: 6,
            window: Duration::from_secs(600),
            window_limit: 60,
            max_open: 50,
            all_bar_sizes: false,
        }
    }
}

impl HistoryPacing {
    /// The same rules with every window multiplied by `factor` (0.01
    /// turns ten minutes into six seconds).
    pub fn scaled(mut self, factor: f64) -> HistoryPacing {
        let f = factor.max(0.0);
        self.identical_window = self.identical_window.mul_f64(f);
        self.same_contract_window = self.same_contract_window.mul_f64(f);
        self.window = self.window.mul_f64(f);
        self
    }
}

/// Which rule a request breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Violation {
    Identical,
    SameContract,
    TooMany,
    TooManyOpen,
}

impl Violation {
    /// The rule, for the log.
    pub fn rule(self) -> &'static str {
        match self {
            Violation::Identical => "an identical request within the identical-request window",
            Violation::SameContract => "too many requests for one contract, exchange and tick type",
            Violation::TooMany => "too many requests within the long window",
            Violation::TooManyOpen => "too many open requests",
        }
    }
}

/// One request as the rules see it.
#[derive(Debug, Clone)]
pub struct Paced {
    /// Every field of the request but its id.
    pub identity: String,
    /// Contract, exchange and tick type.
    pub contract_key: String,
    /// 2 for BID_ASK, else 1.
    pub weight: u32,
    /// Whether it stays open (keep up to date).
    pub opens: bool,
}

#[derive(Debug, Default)]
struct State {
    /// (when, identity) of accepted requests, oldest first.
    identical: VecDeque<(Instant, String)>,
    /// (when, contract key, weight).
    recent: VecDeque<(Instant, String, u32)>,
    /// (when, weight) within the long window.
    window: VecDeque<(Instant, u32)>,
    open: usize,
}

/// The shared pacer and its violation count.
#[derive(Debug)]
pub struct Pacer {
    rules: HistoryPacing,
    state: Mutex<State>,
    violations: AtomicU64,
    /// The rule the last refused request broke.
    last: Mutex<Option<Violation>>,
}

impl Pacer {
    pub fn new(rules: HistoryPacing) -> Pacer {
        Pacer {
            rules,
            state: Mutex::new(State::default()),
            violations: AtomicU64::new(0),
            last: Mutex::new(None),
        }
    }

    pub fn rules(&self) -> &HistoryPacing {
        &self.rules
    }

    /// Pacing violations so far.
    pub fn violations(&self) -> u64 {
        self.violations.load(Ordering::SeqCst)
    }

    /// The rule the last refused request broke.
    pub fn last_violation(&self) -> Option<Violation> {
        *self.last.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn refuse(&self, v: Violation) -> Violation {
        self.violations.fetch_add(1, Ordering::SeqCst);
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) = Some(v);
        v
    }

    /// Admits a request at `now` (and counts it), or says which rule it
    /// breaks (and counts the violation).
    pub fn admit(&self, request: &Paced, now: Instant) -> Result<(), Violation> {
        if !self.rules.enabled {
            return Ok(());
        }
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let r = &self.rules;
        let expired = |at: Instant, window: Duration| now.saturating_duration_since(at) >= window;
        while s
            .identical
            .front()
            .is_some_and(|(at, _)| expired(*at, r.identical_window))
        {
            s.identical.pop_front();
        }
        while s
            .recent
            .front()
            .is_some_and(|(at, _, _)| expired(*at, r.same_contract_window))
        {
            s.recent.pop_front();
        }
        while s
            .window
            .front()
            .is_some_and(|(at, _)| expired(*at, r.window))
        {
            s.window.pop_front();
        }
        let same: u32 = s
            .recent
            .iter()
            .filter(|(_, key, _)| *key == request.contract_key)
            .map(|(_, _, w)| w)
            .sum();
        let total: u32 = s.window.iter().map(|(_, w)| w).sum();
        let broken = if s.identical.iter().any(|(_, id)| *id == request.identity) {
            Some(Violation::Identical)
        } else if same + request.weight >= r.same_contract_limit {
            Some(Violation::SameContract)
        } else if total + request.weight > r.window_limit {
            Some(Violation::TooMany)
        } else if request.opens && s.open >= r.max_open {
            Some(Violation::TooManyOpen)
        } else {
            None
        };
        if let Some(v) = broken {
            return Err(self.refuse(v));
        }
        s.identical.push_back((now, request.identity.clone()));
        s.recent
            .push_back((now, request.contract_key.clone(), request.weight));
        s.window.push_back((now, request.weight));
        if request.opens {
            s.open += 1;
        }
        Ok(())
    }

    /// Takes an open slot for a request the windows do not pace (a
    /// keep-up-to-date request of large bars).
    pub fn open_slot(&self) -> Result<(), Violation> {
        if !self.rules.enabled {
            return Ok(());
        }
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if s.open >= self.rules.max_open {
            drop(s);
            return Err(self.refuse(Violation::TooManyOpen));
        }
        s.open += 1;
        Ok(())
    }

    /// `n` open requests ended (cancelled, or their connection closed).
    pub fn close(&self, n: usize) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.open = s.open.saturating_sub(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(identity: &str, key: &str, weight: u32) -> Paced {
        Paced {
            identity: identity.to_owned(),
            contract_key: key.to_owned(),
            weight,
            opens: false,
        }
    }

    #[test]
    fn tws_rules() {
        let pacer = Pacer::new(HistoryPacing::default());
        let t0 = Instant::now();
        let ms = |n| t0 + Duration::from_millis(n);
        assert_eq!(pacer.admit(&req("a", "AAPL", 1), ms(0)), Ok(()));
        assert_eq!(
            pacer.admit(&req("a", "AAPL", 1), ms(14_000)),
            Err(Violation::Identical)
        );
        // Five for one contract within 2 s pass, the sixth does not.
        let pacer = Pacer::new(HistoryPacing::default());
        for i in 0..5 {
            assert_eq!(
                pacer.admit(&req(&format!("{i}"), "AAPL", 1), ms(i * 100)),
                Ok(())
            );
        }
        assert_eq!(
            pacer.admit(&req("5", "AAPL", 1), ms(600)),
            Err(Violation::SameContract)
        );
        assert_eq!(pacer.admit(&req("6", "MSFT", 1), ms(600)), Ok(()));
        assert_eq!(
            pacer.admit(&req("7", "AAPL", 1), ms(2100)),
            Ok(()),
            "the first left the window"
        );
        assert_eq!(pacer.violations(), 1);
    }

    #[test]
    fn sixty_in_ten_minutes_with_bid_ask_twice() {
        let pacer = Pacer::new(HistoryPacing::default());
        let t0 = Instant::now();
        for i in 0..29 {
            let at = t0 + Duration::from_secs(i * 10);
            assert_eq!(
                pacer.admit(&req(&format!("{i}"), &format!("{i}"), 2), at),
                Ok(())
            );
        }
        let at = t0 + Duration::from_secs(300);
        assert_eq!(pacer.admit(&req("x", "x", 2), at), Ok(()), "60 counted");
        assert_eq!(pacer.admit(&req("y", "y", 1), at), Err(Violation::TooMany));
        let later = t0 + Duration::from_secs(600);
        assert_eq!(
            pacer.admit(&req("y", "y", 1), later),
            Ok(()),
            "the first left"
        );
    }
}
