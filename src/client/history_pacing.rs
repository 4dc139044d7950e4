//! Pacing of historical-data requests (reqHistoricalData, reqHeadTimeStamp,
//! reqHistogramData, reqHistoricalTicks), so that TWS never answers them
//! with its pacing violations (error 162 "Historical Market Data Service
//! error message: pacing violation", 420 "invalid real-time query: pacing
//! violation").
//!
//! The rules ([`HistoryPacing`], TWS's by default):
//! - no identical request (the same request but for its id) within 15 s;
//! - at most 5 requests for the same contract, exchange and what-to-show
//!   within 2 s (TWS: "six or more" within two seconds is a violation);
//! - at most 60 requests in any 10 minutes;
//! - a BID_ASK request counts twice in the last two rules;
//! - at most 50 requests open at once (open from the moment it is sent to
//!   its end message, its error or its cancel; a keep-up-to-date request
//!   stays open past its end until its cancel or error; a connection's end
//!   closes all).
//!
//! A request that would break a rule waits until it no longer would: none
//! is dropped, and requests for the same contract leave in the order they
//! came (a later one never overtakes an earlier one that waits). Requests
//! for other contracts, and every request that is not historical, do not
//! wait behind it: the wait happens before the writer's lock is taken. Each
//! window is stretched by 2% (at least 50 ms) so that jitter on the way to
//! TWS cannot make two requests look closer than they were sent. A request's time is taken
//! after its bytes are written (another pacer may hold it back first).
//!
//! [`Book`] is the rule keeper over an explicit clock (unit-testable);
//! [`Limiter`] waits on it for the client's threads.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::logging::log;
use crate::protocol::error_codes::{classify, ErrorClass};
use crate::protocol::messages::Contract;
use crate::protocol::{Incoming, Request};

use super::events::{PacingNotice, PacingRule, PacingStage};
use super::stats::Stats;
use super::{lock, Error};

/// The historical-data pacing rules (see the module docs). The defaults are
/// TWS's; tests scale the windows down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryPacing {
    /// Pace at all (default true). Off: history requests go at once, as
    /// any other request (the general `max_messages_per_second` pacing
    /// still applies).
    pub enabled: bool,
    /// No identical request within this window (default 15 s).
    pub identical_window: Duration,
    /// The window of the same-contract rule (default 2 s).
    pub same_contract_window: Duration,
    /// Most requests (BID_ASK counting twice) for one contract, exchange and
    /// what-to-show within `same_contract_window` (default 5: TWS refuses
    /// the sixth).
    pub same_contract_max: u32,
    /// The window of the overall rule (default 10 minutes).
    pub window: Duration,
    /// Most requests (BID_ASK counting twice) within `window` (default 60).
    pub window_max: u32,
    /// Most requests open at once (default 50).
    pub max_open: u32,
}

impl Default for HistoryPacing {
    fn default() -> Self {
        HistoryPacing {
            enabled: true,
            identical_window: Duration::from_secs(15),
            same_contract_window: Duration::from_secs(2),
            same_contract_max: 5,
            window: Duration::from_secs(600),
            window_max: 60,
            max_open: 50,
        }
    }
}

impl HistoryPacing {
    /// No historical-data pacing.
    pub fn off() -> Self {
        HistoryPacing {
            enabled: false,
            ..HistoryPacing::default()
        }
    }

    pub(crate) fn validate(&self) -> Result<(), Error> {
        if !self.enabled {
            return Ok(());
        }
        if self.same_contract_max < 2 || self.window_max < 2 || self.max_open == 0 {
            return Err(Error::InvalidArgument(format!(
                "history pacing needs same_contract_max >= 2 ({}), window_max >= 2 ({}) and max_open >= 1 ({}): a BID_ASK request counts 2",
                self.same_contract_max, self.window_max, self.max_open
            )));
        }
        Ok(())
    }

    /// `w` with the safety margin: 2%, at least 50 ms.
    fn stretched(w: Duration) -> Duration {
        w + (w / 50).max(Duration::from_millis(50))
    }
}

/// What the rules need to know of one historical request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Traits {
    pub req_id: i32,
    /// Requests with the same contract keep their order.
    pub contract: String,
    /// Contract, exchange and what-to-show: the same-contract rule's key.
    pub group: String,
    /// The whole request but its id: the identical rule's key.
    pub identity: String,
    /// 2 for BID_ASK, else 1.
    pub weight: u32,
    /// A keep-up-to-date request: open until cancelled, not just until its end.
    pub keep_open: bool,
}

/// The request's kind among the paced ones, if it is one.
pub(crate) fn traits_of(request: &Request) -> Option<Traits> {
    // Every field but the id, as text: the identical rule's key.
    fn without_id<T: Clone + std::fmt::Debug>(r: &T, clear: impl FnOnce(&mut T)) -> String {
        let mut same = r.clone();
        clear(&mut same);
        format!("{same:?}")
    }
    let none = String::new();
    let mut keep_open = false;
    let (req_id, contract, what, identity) = if let Request::ReqHistoricalData(r) = request {
        keep_open = r.keep_up_to_date;
        let id = without_id(r, |m| m.req_id = 0);
        (r.req_id, &r.contract, &r.what_to_show, id)
    } else if let Request::ReqHeadTimestamp(r) = request {
        let id = without_id(r, |m| m.req_id = 0);
        (r.req_id, &r.contract, &r.what_to_show, id)
    } else if let Request::ReqHistogramData(r) = request {
        let id = without_id(r, |m| m.req_id = 0);
        (r.req_id, &r.contract, &none, id)
    } else if let Request::ReqHistoricalTicks(r) = request {
        let id = without_id(r, |m| m.req_id = 0);
        (r.req_id, &r.contract, &r.what_to_show, id)
    } else {
        return None;
    };
    let c = contract_key(contract);
    Some(Traits {
        req_id,
        group: format!("{c}|{}|{}", contract.exchange, what.to_ascii_uppercase()),
        contract: c,
        identity: format!("{}:{identity}", request.name()),
        weight: if what.eq_ignore_ascii_case("BID_ASK") {
            2
        } else {
            1
        },
        keep_open,
    })
}

/// The request id a history cancel closes, if `request` is one.
pub(crate) fn cancelled_id(request: &Request) -> Option<i32> {
    if let Request::CancelHistoricalData(r) = request {
        Some(r.req_id)
    } else if let Request::CancelHeadTimestamp(r) = request {
        Some(r.req_id)
    } else if let Request::CancelHistogramData(r) = request {
        Some(r.req_id)
    } else if let Request::CancelHistoricalTicks(r) = request {
        Some(r.req_id)
    } else {
        None
    }
}

/// How a message ends a history request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    /// Its last answer (a keep-up-to-date request stays open).
    Answered(i32),
    /// An error for it (TWS is done with it).
    Refused(i32),
}

/// How `msg` ends a history request, if it ends one: its end marker
/// (historicalDataEnd, or historicalData below server 196, which carries the
/// period then), the single answer of head timestamp, histogram and
/// schedule, the last batch of ticks, or an error for it.
pub(crate) fn ended_id(msg: &Incoming) -> Option<End> {
    if let Incoming::Error(e) = msg {
        return (e.req_id >= 0 && classify(e.code) == ErrorClass::Error)
            .then_some(End::Refused(e.req_id));
    }
    answered_id(msg).map(End::Answered)
}

fn answered_id(msg: &Incoming) -> Option<i32> {
    if let Incoming::HistoricalDataEnd(m) = msg {
        Some(m.req_id)
    } else if let Incoming::HistoricalData(m) = msg {
        (!m.end_date.is_empty()).then_some(m.req_id)
    } else if let Incoming::HeadTimestamp(m) = msg {
        Some(m.req_id)
    } else if let Incoming::HistogramData(m) = msg {
        Some(m.req_id)
    } else if let Incoming::HistoricalSchedule(m) = msg {
        Some(m.req_id)
    } else if let Incoming::HistoricalTicks(m) = msg {
        m.done.then_some(m.req_id)
    } else if let Incoming::HistoricalTicksBidAsk(m) = msg {
        m.done.then_some(m.req_id)
    } else if let Incoming::HistoricalTicksLast(m) = msg {
        m.done.then_some(m.req_id)
    } else {
        None
    }
}

fn contract_key(c: &Contract) -> String {
    format!(
        "{}|{}|{}|{}|{}|{}|{}|{}|{}|{}",
        c.con_id,
        c.symbol,
        c.sec_type,
        c.last_trade_date_or_contract_month,
        c.strike,
        c.right,
        c.multiplier,
        c.currency,
        c.local_symbol,
        c.trading_class
    )
}

/// Why a request may not go yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hold {
    /// An earlier request for the same contract waits, or is being written.
    Turn,
    /// `max_open` requests are open.
    Open,
    /// A window rule: it may go at this time (the latest of the rules that hold it).
    Until(Instant, PacingRule),
}

impl Hold {
    /// The rule behind the hold.
    fn rule(self) -> PacingRule {
        match self {
            Hold::Turn => PacingRule::ContractOrder,
            Hold::Open => PacingRule::OpenRequests,
            Hold::Until(_, rule) => rule,
        }
    }
}

struct Sent {
    ticket: u64,
    contract: String,
    /// When its bytes were written; `None` while being written.
    at: Option<Instant>,
    identity: String,
    group: String,
    weight: u32,
}

/// The rule keeper: what was sent when, what is open, who waits.
pub(crate) struct Book {
    rules: HistoryPacing,
    next_ticket: u64,
    /// Waiting requests, in arrival order: (ticket, contract).
    waiting: VecDeque<(u64, String)>,
    /// Requests sent within the longest window, oldest first.
    sent: VecDeque<Sent>,
    /// Open request ids, each with whether it stays open past its end.
    open: HashMap<i32, bool>,
}

impl Book {
    pub(crate) fn new(rules: HistoryPacing) -> Book {
        Book {
            rules,
            next_ticket: 0,
            waiting: VecDeque::new(),
            sent: VecDeque::new(),
            open: HashMap::new(),
        }
    }

    /// Enters a request into the queue; returns its ticket.
    pub(crate) fn enqueue(&mut self, t: &Traits) -> u64 {
        self.next_ticket += 1;
        self.waiting
            .push_back((self.next_ticket, t.contract.clone()));
        self.next_ticket
    }

    /// Takes a waiting request out of the queue without sending it.
    pub(crate) fn withdraw(&mut self, ticket: u64) {
        self.waiting.retain(|(id, _)| *id != ticket);
    }

    /// Whether the request with `ticket` (enqueued) may go at `now`.
    pub(crate) fn check(&mut self, ticket: u64, t: &Traits, now: Instant) -> Result<(), Hold> {
        let r = self.rules;
        self.prune(now);
        let earlier_same_contract = self
            .waiting
            .iter()
            .take_while(|(id, _)| *id != ticket)
            .any(|(_, c)| *c == t.contract)
            || self
                .sent
                .iter()
                .any(|s| s.at.is_none() && s.contract == t.contract);
        if earlier_same_contract {
            return Err(Hold::Turn);
        }
        if self.open.len() >= r.max_open as usize {
            return Err(Hold::Open);
        }
        let mut until: Option<(Instant, PacingRule)> = None;
        let mut later = |at: Instant, rule: PacingRule| {
            if until.map_or(true, |(u, _)| at > u) {
                until = Some((at, rule));
            }
        };
        let identical = HistoryPacing::stretched(r.identical_window);
        for s in self.sent.iter().filter(|s| s.identity == t.identity) {
            let at = s.at.unwrap_or(now) + identical;
            if at > now {
                later(at, PacingRule::IdenticalRequest);
            }
        }
        let group_window = HistoryPacing::stretched(r.same_contract_window);
        let group = self.sent.iter().filter(|s| s.group == t.group);
        if let Some(at) = room_at(group, group_window, r.same_contract_max, t.weight, now) {
            later(at, PacingRule::SameContract);
        }
        let window = HistoryPacing::stretched(r.window);
        if let Some(at) = room_at(self.sent.iter(), window, r.window_max, t.weight, now) {
            later(at, PacingRule::Window);
        }
        match until {
            Some((at, rule)) => Err(Hold::Until(at, rule)),
            None => Ok(()),
        }
    }

    /// Books the request with `ticket` as being sent now (it leaves the
    /// queue and is open).
    pub(crate) fn book(&mut self, ticket: u64, t: &Traits) {
        self.withdraw(ticket);
        self.sent.push_back(Sent {
            ticket,
            contract: t.contract.clone(),
            at: None,
            identity: t.identity.clone(),
            group: t.group.clone(),
            weight: t.weight,
        });
        self.open.insert(t.req_id, t.keep_open);
    }

    /// The booked request's bytes were written at `at`.
    pub(crate) fn written(&mut self, ticket: u64, at: Instant) {
        // Kept in time order: a request booked earlier but written later
        // moves behind the others.
        if let Some(i) = self.sent.iter().position(|s| s.ticket == ticket) {
            if let Some(mut s) = self.sent.remove(i) {
                s.at = Some(at);
                let pos = self
                    .sent
                    .iter()
                    .position(|o| o.at.is_some_and(|o| o > at))
                    .unwrap_or(self.sent.len());
                self.sent.insert(pos, s);
            }
        }
    }

    /// The booked request was not sent after all.
    pub(crate) fn unbook(&mut self, ticket: u64, req_id: i32) {
        self.sent.retain(|s| s.ticket != ticket);
        self.open.remove(&req_id);
    }

    /// The request `req_id` ended (end marker, error, cancel).
    pub(crate) fn close(&mut self, req_id: i32) -> bool {
        self.open.remove(&req_id).is_some()
    }

    /// Request `req_id` got its last answer: closed unless it keeps up to date.
    pub(crate) fn answered(&mut self, req_id: i32) -> bool {
        if self.open.get(&req_id) == Some(&false) {
            self.open.remove(&req_id);
            return true;
        }
        false
    }

    /// The connection ended: TWS forgets every open request.
    pub(crate) fn close_all(&mut self) {
        self.open.clear();
    }

    /// Requests open now.
    pub(crate) fn open_count(&self) -> usize {
        self.open.len()
    }

    fn prune(&mut self, now: Instant) {
        let r = self.rules;
        let longest =
            HistoryPacing::stretched(r.identical_window.max(r.same_contract_window).max(r.window));
        while self
            .sent
            .front()
            .is_some_and(|s| s.at.is_some_and(|at| at + longest <= now))
        {
            self.sent.pop_front();
        }
    }
}

/// When a request of `weight` fits among `sent` (oldest first) under `max`
/// per `window`: `None` for now, else the time enough of them have left it.
fn room_at<'a>(
    sent: impl Iterator<Item = &'a Sent>,
    window: Duration,
    max: u32,
    weight: u32,
    now: Instant,
) -> Option<Instant> {
    // Requests being written count as sent now.
    let mut inside: Vec<(Instant, u32)> = sent
        .map(|s| (s.at.unwrap_or(now), s.weight))
        .filter(|(at, _)| *at + window > now)
        .collect();
    inside.sort_by_key(|(at, _)| *at);
    let mut total: u32 = inside.iter().map(|(_, w)| w).sum();
    if total + weight <= max {
        return None;
    }
    for (at, w) in inside {
        total -= w;
        if total + weight <= max {
            return Some(at + window);
        }
    }
    // Heavier than the whole budget: it goes once the window is empty.
    Some(now)
}

/// A booked request: call [`Admission::written`] once its bytes are out;
/// dropped without that, the booking is undone.
pub(crate) struct Admission<'a> {
    limiter: &'a Limiter,
    ticket: u64,
    req_id: i32,
    done: bool,
}

impl Admission<'_> {
    pub(crate) fn written(mut self) {
        self.done = true;
        let mut book = lock(&self.limiter.book);
        book.written(self.ticket, Instant::now());
        drop(book);
        self.limiter.changed.notify_all();
    }
}

impl Drop for Admission<'_> {
    fn drop(&mut self) {
        if !self.done {
            lock(&self.limiter.book).unbook(self.ticket, self.req_id);
            self.limiter.changed.notify_all();
        }
    }
}

/// The client's historical-data limiter.
pub(crate) struct Limiter {
    rules: HistoryPacing,
    book: Mutex<Book>,
    changed: Condvar,
    stats: Arc<Stats>,
}

/// How often a waiting request looks whether it should give up.
const RECHECK: Duration = Duration::from_millis(50);

impl Limiter {
    pub(crate) fn new(rules: HistoryPacing, stats: Arc<Stats>) -> Limiter {
        Limiter {
            rules,
            book: Mutex::new(Book::new(rules)),
            changed: Condvar::new(),
            stats,
        }
    }

    /// Waits until `request` may go under the rules and books it. Returns
    /// `None` for a request that is not paced (a history cancel closes its
    /// request here). Fails with `Timeout` when it could not go before
    /// `deadline` (nothing is sent then), or with `give_up()`'s error,
    /// checked while it waits. A request that waits tells `notify` (see
    /// [`PacingNotice`]): when it starts waiting and when the rule holding
    /// it changes (`Held`, without the book's lock), then once more when it
    /// goes (`Released`) or fails (`Withdrawn`).
    pub(crate) fn admit(
        &self,
        request: &Request,
        deadline: Option<Instant>,
        give_up: impl Fn() -> Option<Error>,
        notify: impl Fn(PacingNotice),
    ) -> Result<Option<Admission<'_>>, Error> {
        if let Some(id) = cancelled_id(request) {
            self.close(id);
            return Ok(None);
        }
        if !self.rules.enabled {
            return Ok(None);
        }
        let Some(t) = traits_of(request) else {
            return Ok(None);
        };
        let notice = |stage, rule, wait| PacingNotice {
            req_id: t.req_id,
            request: request.wire_name(),
            stage,
            rule,
            wait,
        };
        let mut book = lock(&self.book);
        let ticket = book.enqueue(&t);
        let started = Instant::now();
        let mut held_by: Option<PacingRule> = None;
        loop {
            let now = Instant::now();
            let hold = match book.check(ticket, &t, now) {
                Ok(()) => break,
                Err(h) => h,
            };
            if held_by != Some(hold.rule()) {
                if held_by.is_none() {
                    self.stats.history_paced.fetch_add(1, Ordering::Relaxed);
                }
                held_by = Some(hold.rule());
                let (why, expected) = match hold {
                    Hold::Turn => (
                        "an earlier request for the contract waits".to_owned(),
                        Duration::ZERO,
                    ),
                    Hold::Open => (
                        format!("{} requests open", book.open_count()),
                        Duration::ZERO,
                    ),
                    Hold::Until(at, rule) => {
                        let wait = at.saturating_duration_since(now);
                        (format!("{}, {} ms", rule.name(), wait.as_millis()), wait)
                    }
                };
                log!(
                    Info,
                    "history pacing: {} {} waits ({why})",
                    request.wire_name(),
                    t.req_id
                );
                // Told without the lock: `notify` may wait for room in the queue.
                drop(book);
                notify(notice(PacingStage::Held, hold.rule(), expected));
                book = lock(&self.book);
                continue;
            }
            let withdraw = |mut book: MutexGuard<'_, Book>, e: Error| {
                book.withdraw(ticket);
                drop(book);
                let waited = self.note_wait(started);
                self.changed.notify_all();
                notify(notice(PacingStage::Withdrawn, hold.rule(), waited));
                Err(e)
            };
            if let Some(e) = give_up() {
                return withdraw(book, e);
            }
            let mut wake = now + RECHECK;
            if let Hold::Until(at, _) = hold {
                wake = wake.min(at);
            }
            if let Some(d) = deadline {
                let would_go = match hold {
                    Hold::Until(at, _) => at,
                    Hold::Turn | Hold::Open => now,
                };
                if now >= d || would_go > d {
                    let e = Error::Timeout(format!(
                        "{} {} was held by historical-data pacing ({}) past its deadline (not sent)",
                        request.wire_name(),
                        t.req_id,
                        hold.rule().name()
                    ));
                    return withdraw(book, e);
                }
                wake = wake.min(d);
            }
            let sleep = wake
                .saturating_duration_since(now)
                .max(Duration::from_millis(1));
            book = self
                .changed
                .wait_timeout(book, sleep)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        book.book(ticket, &t);
        drop(book);
        // Others behind it in the queue may go now.
        self.changed.notify_all();
        if let Some(rule) = held_by {
            let waited = self.note_wait(started);
            notify(notice(PacingStage::Released, rule, waited));
        }
        Ok(Some(Admission {
            limiter: self,
            ticket,
            req_id: t.req_id,
            done: false,
        }))
    }

    /// Counts the time a request waited, and returns it.
    fn note_wait(&self, started: Instant) -> Duration {
        let waited = started.elapsed();
        self.stats
            .history_pacing_wait_ms
            .fetch_add(waited.as_millis() as u64, Ordering::Relaxed);
        waited
    }

    /// Closes request `req_id` (it was cancelled).
    pub(crate) fn close(&self, req_id: i32) {
        if lock(&self.book).close(req_id) {
            self.changed.notify_all();
        }
    }

    /// Closes the request a message ends, if it ends one.
    pub(crate) fn observe(&self, msg: &Incoming) {
        let closed = match ended_id(msg) {
            Some(End::Refused(id)) => lock(&self.book).close(id),
            Some(End::Answered(id)) => lock(&self.book).answered(id),
            None => false,
        };
        if closed {
            self.changed.notify_all();
        }
    }

    /// The connection ended: nothing is open any more.
    pub(crate) fn connection_ended(&self) {
        lock(&self.book).close_all();
        self.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn traits(req_id: i32, contract: &str, what: &str, identity: &str) -> Traits {
        Traits {
            req_id,
            contract: contract.into(),
            group: format!("{contract}|SMART|{what}"),
            identity: identity.into(),
            weight: if what == "BID_ASK" { 2 } else { 1 },
            keep_open: false,
        }
    }

    /// Sends `t` at `now` if the book lets it (enqueue, check, book, written).
    fn try_send(book: &mut Book, t: &Traits, now: Instant) -> Result<(), Hold> {
        let ticket = book.enqueue(t);
        let verdict = book.check(ticket, t, now);
        match verdict {
            Ok(()) => {
                book.book(ticket, t);
                book.written(ticket, now);
            }
            Err(_) => book.withdraw(ticket),
        }
        verdict
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn an_identical_request_waits_out_the_identical_window() {
        let mut book = Book::new(HistoryPacing::default());
        let t0 = Instant::now();
        let a = traits(1, "AAPL", "TRADES", "same");
        assert_eq!(try_send(&mut book, &a, t0), Ok(()));
        book.close(1);
        let again = traits(2, "AAPL", "TRADES", "same");
        let stretched = HistoryPacing::stretched(Duration::from_secs(15));
        assert_eq!(
            try_send(&mut book, &again, t0 + ms(1000)),
            Err(Hold::Until(t0 + stretched, PacingRule::IdenticalRequest))
        );
        // A different request for the same contract is not held by it.
        let other = traits(3, "AAPL", "TRADES", "other");
        assert_eq!(try_send(&mut book, &other, t0 + ms(1000)), Ok(()));
        assert_eq!(try_send(&mut book, &again, t0 + stretched), Ok(()));
    }

    #[test]
    fn five_per_contract_exchange_and_what_in_two_seconds() {
        let mut book = Book::new(HistoryPacing::default());
        let t0 = Instant::now();
        for i in 0..5 {
            let t = traits(i, "AAPL", "TRADES", &format!("r{i}"));
            assert_eq!(try_send(&mut book, &t, t0 + ms(i as u64)), Ok(()), "{i}");
        }
        let sixth = traits(6, "AAPL", "TRADES", "r6");
        let window = HistoryPacing::stretched(Duration::from_secs(2));
        assert_eq!(
            try_send(&mut book, &sixth, t0 + ms(10)),
            Err(Hold::Until(t0 + window, PacingRule::SameContract)),
            "the first of the five leaves the window first"
        );
        // Another what-to-show of the same contract is another group.
        let midpoint = traits(7, "AAPL", "MIDPOINT", "m");
        assert_eq!(try_send(&mut book, &midpoint, t0 + ms(10)), Ok(()));
        assert_eq!(try_send(&mut book, &sixth, t0 + window), Ok(()));
    }

    #[test]
    fn sixty_in_ten_minutes_with_bid_ask_counting_twice() {
        let rules = HistoryPacing::default();
        let mut book = Book::new(rules);
        let t0 = Instant::now();
        // 29 BID_ASK requests (58) for different contracts, spaced out.
        for i in 0..29 {
            let t = traits(i, &format!("C{i}"), "BID_ASK", &format!("b{i}"));
            assert_eq!(try_send(&mut book, &t, t0 + ms(i as u64 * 10)), Ok(()));
        }
        let one = traits(100, "X", "TRADES", "x");
        assert_eq!(try_send(&mut book, &one, t0 + ms(500)), Ok(()), "59");
        // A BID_ASK now would make 61.
        let heavy = traits(101, "Y", "BID_ASK", "y");
        let window = HistoryPacing::stretched(Duration::from_secs(600));
        assert_eq!(
            try_send(&mut book, &heavy, t0 + ms(600)),
            Err(Hold::Until(t0 + window, PacingRule::Window)),
            "it fits once the first (weight 2) has left"
        );
        let light = traits(102, "Z", "TRADES", "z");
        assert_eq!(try_send(&mut book, &light, t0 + ms(600)), Ok(()), "60");
        assert!(matches!(
            try_send(&mut book, &traits(103, "W", "TRADES", "w"), t0 + ms(700)),
            Err(Hold::Until(_, PacingRule::Window))
        ));
    }

    #[test]
    fn the_open_limit_waits_for_an_end() {
        let rules = HistoryPacing {
            max_open: 2,
            ..HistoryPacing::default()
        };
        let mut book = Book::new(rules);
        let t0 = Instant::now();
        assert_eq!(
            try_send(&mut book, &traits(1, "A", "TRADES", "1"), t0),
            Ok(())
        );
        assert_eq!(
            try_send(&mut book, &traits(2, "B", "TRADES", "2"), t0),
            Ok(())
        );
        let third = traits(3, "C", "TRADES", "3");
        assert_eq!(try_send(&mut book, &third, t0), Err(Hold::Open));
        assert!(book.answered(2), "a one-shot closes at its end");
        assert_eq!(try_send(&mut book, &third, t0), Ok(()));
        // A keep-up-to-date request stays open past its end, until cancelled.
        assert!(book.close(1));
        let keep = Traits {
            keep_open: true,
            ..traits(4, "D", "TRADES", "4")
        };
        assert_eq!(try_send(&mut book, &keep, t0), Ok(()));
        assert!(!book.answered(4));
        assert_eq!(
            try_send(&mut book, &traits(5, "E", "TRADES", "5"), t0),
            Err(Hold::Open)
        );
        assert!(book.close(4));
        book.close_all();
        assert_eq!(book.open_count(), 0);
    }

    #[test]
    fn a_later_request_for_a_contract_never_overtakes_an_earlier_one() {
        let mut book = Book::new(HistoryPacing::default());
        let t0 = Instant::now();
        let first = traits(1, "AAPL", "TRADES", "same");
        assert_eq!(try_send(&mut book, &first, t0), Ok(()));
        // The identical one waits; a different one for AAPL queues behind it.
        let held = traits(2, "AAPL", "TRADES", "same");
        let ticket_held = book.enqueue(&held);
        assert!(matches!(
            book.check(ticket_held, &held, t0),
            Err(Hold::Until(_, PacingRule::IdenticalRequest))
        ));
        let behind = traits(3, "AAPL", "MIDPOINT", "free");
        let ticket_behind = book.enqueue(&behind);
        assert_eq!(book.check(ticket_behind, &behind, t0), Err(Hold::Turn));
        // Another contract is not held.
        let msft = traits(4, "MSFT", "TRADES", "m");
        let ticket_msft = book.enqueue(&msft);
        assert_eq!(book.check(ticket_msft, &msft, t0), Ok(()));
        // Once the held one goes, the one behind it may.
        let later = t0 + HistoryPacing::stretched(Duration::from_secs(15));
        assert_eq!(book.check(ticket_held, &held, later), Ok(()));
        book.book(ticket_held, &held);
        assert_eq!(
            book.check(ticket_behind, &behind, later),
            Err(Hold::Turn),
            "not before its bytes are out"
        );
        book.written(ticket_held, later);
        assert_eq!(book.check(ticket_behind, &behind, later), Ok(()));
    }

    #[test]
    fn a_request_being_written_counts_as_sent_now() {
        let rules = HistoryPacing {
            window_max: 2,
            window: Duration::from_secs(2),
            ..HistoryPacing::default()
        };
        let mut book = Book::new(rules);
        let t0 = Instant::now();
        let a = traits(1, "A", "TRADES", "a");
        let ta = book.enqueue(&a);
        assert_eq!(book.check(ta, &a, t0), Ok(()));
        book.book(ta, &a);
        // Another request for A waits until a is written.
        let a2 = traits(5, "A", "TRADES", "a2");
        let ta2 = book.enqueue(&a2);
        assert_eq!(book.check(ta2, &a2, t0), Err(Hold::Turn));
        book.withdraw(ta2);
        let b = traits(2, "B", "TRADES", "b");
        assert_eq!(try_send(&mut book, &b, t0), Ok(()));
        let c = traits(3, "C", "TRADES", "c");
        assert!(matches!(
            try_send(&mut book, &c, t0),
            Err(Hold::Until(_, PacingRule::Window))
        ));
        // Written late: its window starts then.
        book.written(ta, t0 + ms(1500));
        let window = HistoryPacing::stretched(Duration::from_secs(2));
        assert_eq!(try_send(&mut book, &c, t0 + window), Ok(()), "b has left");
        let d = traits(4, "D", "TRADES", "d");
        assert_eq!(
            try_send(&mut book, &d, t0 + window),
            Err(Hold::Until(t0 + ms(1500) + window, PacingRule::Window)),
            "a counts from when it was written"
        );
        // Unbooking frees its place and its open slot.
        book.unbook(ta, 1);
        assert_eq!(try_send(&mut book, &d, t0 + window), Ok(()));
    }

    #[test]
    fn traits_key_the_rules() {
        use crate::protocol::history::{ReqHistoricalData, ReqHistoricalTicks};
        let contract = Contract {
            symbol: "AAPL".into(),
            sec_type: "STK".into(),
            exchange: "SMART".into(),
            currency: "USD".into(),
            ..Contract::default()
        };
        let bars = |id, what: &str| {
            Request::ReqHistoricalData(ReqHistoricalData {
                req_id: id,
                contract: Box::new(contract.clone()),
                duration: "1 D".into(),
                bar_size_setting: "1 hour".into(),
                what_to_show: what.into(),
                format_date: 1,
                ..ReqHistoricalData::default()
            })
        };
        let a = traits_of(&bars(1, "TRADES")).unwrap();
        let b = traits_of(&bars(2, "TRADES")).unwrap();
        assert_eq!((a.req_id, b.req_id), (1, 2));
        assert_eq!(a.identity, b.identity, "the id is not part of identity");
        assert_eq!(a.group, b.group);
        let c = traits_of(&bars(3, "BID_ASK")).unwrap();
        assert_ne!(a.identity, c.identity);
        assert_ne!(a.group, c.group);
        assert_eq!(a.contract, c.contract);
        assert_eq!((a.weight, c.weight), (1, 2));
        let ticks = Request::ReqHistoricalTicks(ReqHistoricalTicks {
            req_id: 4,
            contract: Box::new(contract),
            what_to_show: "BID_ASK".into(),
            ..ReqHistoricalTicks::default()
        });
        assert_eq!(traits_of(&ticks).unwrap().weight, 2);
        assert!(traits_of(&Request::ReqCurrentTime(Default::default())).is_none());
    }

    #[test]
    fn the_limiter_honours_a_deadline_and_sends_nothing_then() {
        let rules = HistoryPacing {
            identical_window: Duration::from_secs(5),
            ..HistoryPacing::default()
        };
        let limiter = Limiter::new(rules, Arc::new(Stats::default()));
        let request = Request::ReqHeadTimestamp(crate::protocol::history::ReqHeadTimestamp {
            req_id: 1,
            what_to_show: "TRADES".into(),
            ..Default::default()
        });
        limiter
            .admit(&request, None, || None, |_| {})
            .unwrap()
            .unwrap()
            .written();
        let started = Instant::now();
        let notices = Mutex::new(Vec::new());
        let outcome = limiter.admit(
            &request,
            Some(started + ms(200)),
            || None,
            |n| lock(&notices).push(n),
        );
        assert!(matches!(outcome, Err(Error::Timeout(_))));
        let notices = notices.into_inner().unwrap();
        let stages: Vec<_> = notices
            .iter()
            .map(|n| (n.stage, n.rule, n.req_id))
            .collect();
        assert_eq!(
            stages,
            [
                (PacingStage::Held, PacingRule::IdenticalRequest, 1),
                (PacingStage::Withdrawn, PacingRule::IdenticalRequest, 1)
            ]
        );
        assert!(
            notices[0].wait > ms(4000),
            "the window's rest: {:?}",
            notices[0]
        );
        assert_eq!(notices[0].request, "reqHeadTimeStamp");
        assert!(
            started.elapsed() < ms(150),
            "it fails at once: it could not go in time"
        );
        assert_eq!(limiter.stats.history_paced.load(Ordering::Relaxed), 1);
        // Not booked: the window still counts from the first only.
        assert_eq!(lock(&limiter.book).sent.len(), 1);
    }

    #[test]
    fn the_limiter_waits_then_lets_it_go() {
        let rules = HistoryPacing {
            identical_window: Duration::from_millis(200),
            ..HistoryPacing::default()
        };
        let limiter = Limiter::new(rules, Arc::new(Stats::default()));
        let request = Request::ReqHeadTimestamp(crate::protocol::history::ReqHeadTimestamp {
            req_id: 1,
            what_to_show: "TRADES".into(),
            ..Default::default()
        });
        limiter
            .admit(&request, None, || None, |_| {})
            .unwrap()
            .unwrap()
            .written();
        let started = Instant::now();
        let notices = Mutex::new(Vec::new());
        let second = limiter.admit(
            &request,
            Some(started + ms(2000)),
            || None,
            |n| lock(&notices).push(n),
        );
        assert!(second.unwrap().is_some());
        let waited = started.elapsed();
        let notices = notices.into_inner().unwrap();
        let stages: Vec<_> = notices.iter().map(|n| n.stage).collect();
        assert_eq!(stages, [PacingStage::Held, PacingStage::Released]);
        assert!(notices[0].wait <= ms(260), "{:?}", notices[0]);
        assert!(
            notices[1].wait >= ms(190) && notices[1].wait <= waited,
            "{:?}",
            notices[1]
        );
        assert!(waited >= ms(190) && waited < ms(1000), "{waited:?}");
        assert!(limiter.stats.history_pacing_wait_ms.load(Ordering::Relaxed) >= 190);
    }
}
