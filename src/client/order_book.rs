//! The order view: per order, its last status, filled and remaining
//! quantity, prices, ids, the contract and order of its latest openOrder,
//! its order state, and its executions with their commissions. The reader
//! folds every order message in before it queues the event, so the view is
//! current whatever the queue holds, and any thread may read it at any time.
//!
//! Exactly once: an unsolicited execDetails (req_id -1) or one answering the
//! reconciliation whose exec id the view already holds is not delivered
//! again (counted in `executions_deduplicated`); a commissionAndFeesReport
//! identical to the one the view holds for its exec id neither
//! (`commissions_deduplicated`). The rows of a reqExecutions of the user's
//! (req_id >= 0) are always delivered, and folded in like any other.
//!
//! Reconciliation (see [`super::reconcile`]): after a reconnect or a 1101
//! the supervisor starts one here ([`OrderBook::begin`]) and sends its
//! requests; the reader then folds their answers in, delivers the fills it
//! had not seen as ordinary execDetails (req_id -1), swallows the two end
//! markers, and once both came returns the `Reconciled` state event.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::logging::log;
use crate::protocol::error_codes::CONNECTIVITY_LOST;
use crate::protocol::executions::{CommissionAndFeesReport, ExecDetails};
use crate::protocol::messages::Contract;
use crate::protocol::orders::{OpenOrder, Order, OrderState, OrderStatus};
use crate::protocol::Incoming;

use super::events::{ConnectionState, Event};
use super::stats::Stats;
use super::{lock, Client, Shared};

/// Finished orders kept in the view by default (`Options::order_view_capacity`).
pub const DEFAULT_ORDER_VIEW_CAPACITY: usize = 10_000;

/// How far before the loss the reconciliation's execution filter starts:
/// covers a clock difference between this machine and TWS.
pub(crate) const RECONCILE_MARGIN: Duration = Duration::from_secs(300);

/// A reconciliation whose end markers did not come within this long is
/// given up (its end markers, should they come later, are delivered).
const RECONCILE_TIMEOUT: Duration = Duration::from_secs(60);

/// Commission reports held for executions not seen yet.
const MAX_EARLY_COMMISSIONS: usize = 1024;

/// The statuses after which an order changes no more.
const FINISHED: &[&str] = &["Filled", "Cancelled", "ApiCancelled", "Inactive"];

/// One execution of an order, with its commission once TWS sent it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Fill {
    /// The execDetails as TWS sent it (`req_id` -1 here, whichever request
    /// brought it).
    pub details: ExecDetails,
    /// Its commissionAndFeesReport, matched by exec id (before or after the
    /// execution arrived).
    pub commission: Option<CommissionAndFeesReport>,
}

/// What the client knows of one order, as [`Client::order`](super::Client::order)
/// returns it. Quantities are the exact decimal text TWS sent ("100",
/// "0.5"), absent until sent; prices are absent until sent (and for IB's
/// "unset").
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OrderView {
    /// The API order id (0 for an order placed in TWS itself).
    pub order_id: i64,
    /// The API client that placed it.
    pub client_id: i32,
    /// TWS's permanent id (0 until known).
    pub perm_id: i64,
    /// The parent order's id (0 none).
    pub parent_id: i64,
    /// The last status: `PendingSubmit`, `PreSubmitted`, `Submitted`,
    /// `Filled`, `Cancelled`, `Inactive`, `ApiCancelled`, ... (from
    /// orderStatus and openOrder; `Filled` also once an execution's
    /// cumulative quantity reaches the order's total quantity).
    pub status: String,
    pub filled: Option<String>,
    pub remaining: Option<String>,
    pub avg_fill_price: Option<f64>,
    pub last_fill_price: Option<f64>,
    /// `locate` while TWS locates shares to short, else empty.
    pub why_held: String,
    /// From the latest openOrder.
    pub contract: Option<Contract>,
    pub order: Option<Order>,
    pub order_state: Option<OrderState>,
    /// Its executions, in arrival order, each exec id once.
    pub fills: Vec<Fill>,
    /// Messages folded in so far: two reads with the same value saw the same view.
    pub updated_at: u64,
}

impl OrderView {
    /// True once the status is `Filled`, `Cancelled`, `ApiCancelled` or `Inactive`.
    pub fn is_finished(&self) -> bool {
        FINISHED.contains(&self.status.as_str())
    }
}

/// What one reconciliation recovered, as
/// [`Client::last_reconciliation`](super::Client::last_reconciliation) returns it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reconciliation {
    /// "reconnect" or "1101".
    pub cause: String,
    /// The execution filter's time: the loss minus a margin, `yyyymmdd-hh:mm:ss` UTC.
    pub since: String,
    /// Open orders TWS listed (distinct orders).
    pub open_orders: u32,
    /// Executions not seen before, delivered while it ran (found by its
    /// reqExecutions, or arriving meanwhile).
    pub new_fills: u32,
    /// The order ids (perm ids for orders without one) whose status changed.
    pub changed_orders: Vec<i64>,
}

/// Why a reconciliation runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cause {
    Reconnect,
    DataLost,
}

impl Cause {
    fn name(self) -> &'static str {
        match self {
            Cause::Reconnect => "reconnect",
            Cause::DataLost => "1101",
        }
    }
}

/// An order's key: its API order id when it is this client's, else its perm id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Key {
    Api(i64),
    Perm(i64),
}

struct Entry {
    view: OrderView,
    /// In the queue of finished orders.
    queued: bool,
}

/// A reconciliation in progress.
struct Pending {
    exec_req_id: i32,
    cause: Cause,
    since: SystemTime,
    started: Instant,
    open_done: bool,
    execs_done: bool,
    open_seen: HashSet<Key>,
    new_fills: u32,
    before: HashMap<Key, String>,
    failure: Option<String>,
}

#[derive(Default)]
struct Book {
    capacity: usize,
    own_client: Option<i32>,
    orders: HashMap<Key, Entry>,
    by_perm: HashMap<i64, Key>,
    by_exec: HashMap<String, Key>,
    early: HashMap<String, CommissionAndFeesReport>,
    early_order: VecDeque<String>,
    finished: VecDeque<Key>,
    seq: u64,
    loss_at: Option<SystemTime>,
    pending: Option<Pending>,
    last: Option<Reconciliation>,
}

/// The order view of a client.
pub(crate) struct OrderBook {
    /// Reconciliations in progress (no lock is taken per message for the
    /// end markers while there is none).
    pending: AtomicUsize,
    inner: Mutex<Book>,
}

/// What the reader does with a message after the view saw it.
pub(crate) enum Folded {
    /// Deliver it (possibly changed: a recovered fill's req_id is -1).
    Pass(Incoming),
    /// Not delivered (a duplicate, or an end marker of the reconciliation).
    Drop,
    /// Not delivered; the reconciliation is complete: queue this state event.
    Finish(Event),
}

/// A price TWS sent, or `None` for its "unset" values.
fn price(p: f64) -> Option<f64> {
    (p.is_finite() && p != f64::MAX).then_some(p)
}

/// A decimal TWS sent, or `None` when unset (empty).
fn decimal(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

/// An exact decimal as (mantissa, scale): "12.50" is (1250, 2).
fn parse_decimal(s: &str) -> Option<(i128, u32)> {
    let s = s.trim();
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let (neg, int) = match int.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, int),
    };
    let digits = |d: &str| d.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !digits(int) || !digits(frac) || frac.len() > 18 {
        return None;
    }
    let mut m: i128 = 0;
    for b in int.bytes().chain(frac.bytes()) {
        m = m.checked_mul(10)?.checked_add(i128::from(b - b'0'))?;
    }
    Some((if neg { -m } else { m }, frac.len() as u32))
}

fn rescale((m, s): (i128, u32), to: u32) -> Option<i128> {
    m.checked_mul(10i128.checked_pow(to - s)?)
}

/// `a - b`, exactly, as text ("100" - "40.5" = "59.5").
fn subtract(a: &str, b: &str) -> Option<String> {
    let (a, b) = (parse_decimal(a)?, parse_decimal(b)?);
    let scale = a.1.max(b.1);
    let d = rescale(a, scale)?.checked_sub(rescale(b, scale)?)?;
    let p = 10i128.pow(scale);
    let sign = if d < 0 { "-" } else { "" };
    let (int, frac) = (d.abs() / p, d.abs() % p);
    if scale == 0 {
        return Some(format!("{sign}{int}"));
    }
    let frac = format!("{frac:0width$}", width = scale as usize);
    let frac = frac.trim_end_matches('0');
    Some(if frac.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    })
}

/// `a` compared with `b` as exact decimals.
fn compare(a: &str, b: &str) -> Option<std::cmp::Ordering> {
    let (a, b) = (parse_decimal(a)?, parse_decimal(b)?);
    let scale = a.1.max(b.1);
    Some(rescale(a, scale)?.cmp(&rescale(b, scale)?))
}

/// `t` as TWS's execution filter time: `yyyymmdd-hh:mm:ss`, UTC.
pub(crate) fn filter_time(t: SystemTime) -> String {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (y, mo, d) = crate::calendar::civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}{mo:02}{d:02}-{:02}:{:02}:{:02}",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

impl Default for OrderBook {
    fn default() -> Self {
        OrderBook::new(DEFAULT_ORDER_VIEW_CAPACITY)
    }
}

impl OrderBook {
    /// A view keeping at most `capacity` finished orders.
    pub(crate) fn new(capacity: usize) -> OrderBook {
        OrderBook {
            pending: AtomicUsize::new(0),
            inner: Mutex::new(Book {
                capacity,
                ..Book::default()
            }),
        }
    }

    /// The client id the session connects as: its orders are keyed by order id.
    pub(crate) fn set_client_id(&self, client_id: i32) {
        lock(&self.inner).own_client = Some(client_id);
    }

    /// The session lost the connection (or TWS its link to IB) now: the next
    /// reconciliation looks for executions from then on (the earliest loss
    /// since the last reconciliation counts).
    pub(crate) fn note_loss(&self, at: SystemTime) {
        lock(&self.inner).loss_at.get_or_insert(at);
    }

    /// The view of this client's order `order_id`.
    pub(crate) fn get(&self, order_id: i64) -> Option<OrderView> {
        let b = lock(&self.inner);
        b.orders.get(&Key::Api(order_id)).map(|e| e.view.clone())
    }

    /// The view of the order with perm id `perm_id` (any client's).
    pub(crate) fn by_perm_id(&self, perm_id: i64) -> Option<OrderView> {
        let b = lock(&self.inner);
        let key = b.by_perm.get(&perm_id)?;
        b.orders.get(key).map(|e| e.view.clone())
    }

    /// Every order in the view: this client's by order id, then the others by perm id.
    pub(crate) fn all(&self) -> Vec<OrderView> {
        let b = lock(&self.inner);
        let mut keys: Vec<&Key> = b.orders.keys().collect();
        keys.sort();
        keys.iter().map(|k| b.orders[*k].view.clone()).collect()
    }

    /// The order ids of this client's orders in the view, ascending.
    pub(crate) fn ids(&self) -> Vec<i64> {
        let b = lock(&self.inner);
        let mut ids: Vec<i64> = b
            .orders
            .keys()
            .filter_map(|k| match k {
                Key::Api(id) => Some(*id),
                Key::Perm(_) => None,
            })
            .collect();
        ids.sort_unstable();
        ids
    }

    /// The latest completed reconciliation.
    pub(crate) fn last_reconciliation(&self) -> Option<Reconciliation> {
        lock(&self.inner).last.clone()
    }

    /// Starts a reconciliation whose executions request has id
    /// `exec_req_id`, replacing one in progress (whose loss time it keeps
    /// if earlier). Returns the execution filter's time and the client id.
    pub(crate) fn begin(&self, exec_req_id: i32, cause: Cause, now: SystemTime) -> (String, i32) {
        let mut b = lock(&self.inner);
        let mut since = b.loss_at.take().unwrap_or(now);
        if let Some(old) = b.pending.take() {
            since = since.min(old.since);
        }
        let before = b
            .orders
            .iter()
            .map(|(k, e)| (*k, e.view.status.clone()))
            .collect();
        b.pending = Some(Pending {
            exec_req_id,
            cause,
            since,
            started: Instant::now(),
            open_done: false,
            execs_done: false,
            open_seen: HashSet::new(),
            new_fills: 0,
            before,
            failure: None,
        });
        self.pending.store(1, Ordering::Release);
        let from = since.checked_sub(RECONCILE_MARGIN).unwrap_or(UNIX_EPOCH);
        (filter_time(from), b.own_client.unwrap_or(0))
    }

    /// The reconciliation's requests could not be sent: it ends unfinished
    /// (the loss is remembered for the next one).
    pub(crate) fn abandon(&self) {
        let mut b = lock(&self.inner);
        if let Some(p) = b.pending.take() {
            b.loss_at = Some(b.loss_at.map_or(p.since, |l| l.min(p.since)));
        }
        self.pending.store(0, Ordering::Release);
    }

    /// True when `msg` may change the view (or be dropped by it): order
    /// messages, the end markers and errors of a reconciliation, 1100. A
    /// look by reference, so that every other message passes unmoved.
    pub(crate) fn concerns(&self, msg: &Incoming) -> bool {
        let reconciling = self.pending.load(Ordering::Acquire) != 0;
        matches!(
            msg,
            Incoming::OrderStatus(_)
                | Incoming::OpenOrder(_)
                | Incoming::ExecDetails(_)
                | Incoming::CommissionAndFeesReport(_)
        ) || (reconciling
            && matches!(
                msg,
                Incoming::OpenOrderEnd(_) | Incoming::ExecDetailsEnd(_) | Incoming::Error(_)
            ))
            || matches!(msg, Incoming::Error(e) if e.code == CONNECTIVITY_LOST)
    }

    /// Folds a message into the view. Runs on the reader thread before the
    /// message is queued or routed.
    pub(crate) fn observe(&self, mut msg: Incoming, stats: &Stats) -> Folded {
        if !self.concerns(&msg) {
            return Folded::Pass(msg);
        }
        let mut b = lock(&self.inner);
        b.expire_pending();
        let folded = if let Incoming::OrderStatus(m) = &msg {
            b.order_status(m);
            Folded::Pass(msg)
        } else if let Incoming::OpenOrder(m) = &msg {
            b.open_order(m);
            Folded::Pass(msg)
        } else if let Incoming::ExecDetails(m) = &mut msg {
            if b.execution(m, stats) {
                Folded::Pass(msg)
            } else {
                Folded::Drop
            }
        } else if let Incoming::CommissionAndFeesReport(m) = &msg {
            if b.commission(m) {
                Folded::Pass(msg)
            } else {
                stats
                    .commissions_deduplicated
                    .fetch_add(1, Ordering::Relaxed);
                Folded::Drop
            }
        } else if let Incoming::OpenOrderEnd(_) = &msg {
            match b.pending.as_mut() {
                Some(p) if !p.open_done => {
                    p.open_done = true;
                    b.finish_if_done(stats)
                }
                _ => Folded::Pass(msg),
            }
        } else if let Incoming::ExecDetailsEnd(m) = &msg {
            match b.pending.as_mut() {
                Some(p) if p.exec_req_id == m.req_id => {
                    p.execs_done = true;
                    b.finish_if_done(stats)
                }
                _ => Folded::Pass(msg),
            }
        } else if let Incoming::Error(e) = &msg {
            if e.code == CONNECTIVITY_LOST {
                b.loss_at.get_or_insert(SystemTime::now());
                Folded::Pass(msg)
            } else {
                match b.pending.as_mut() {
                    Some(p) if p.exec_req_id == e.req_id => {
                        // TWS refused the executions request: the
                        // reconciliation ends with what it has.
                        p.execs_done = true;
                        p.failure = Some(format!("error {}: {}", e.code, e.message));
                        b.finish_if_done(stats)
                    }
                    _ => Folded::Pass(msg),
                }
            }
        } else {
            Folded::Pass(msg)
        };
        self.pending
            .store(usize::from(b.pending.is_some()), Ordering::Release);
        folded
    }
}

impl Book {
    /// The key of an order message, if it names an order at all.
    fn key(&self, order_id: i32, client_id: i32, perm_id: i64) -> Option<Key> {
        if perm_id != 0 {
            if let Some(k) = self.by_perm.get(&perm_id) {
                return Some(*k);
            }
        }
        let own = self.own_client.map_or(true, |c| c == client_id);
        if order_id != 0 && own {
            Some(Key::Api(i64::from(order_id)))
        } else if perm_id != 0 {
            Some(Key::Perm(perm_id))
        } else {
            None
        }
    }

    /// The entry of `key`, made if new.
    fn entry(&mut self, key: Key, order_id: i32, client_id: i32) -> &mut OrderView {
        self.seq += 1;
        let seq = self.seq;
        let e = self.orders.entry(key).or_insert_with(|| Entry {
            view: OrderView {
                order_id: i64::from(order_id),
                client_id,
                ..OrderView::default()
            },
            queued: false,
        });
        e.view.updated_at = seq;
        &mut e.view
    }

    fn learn_perm_id(&mut self, key: Key, perm_id: i64) {
        if perm_id == 0 {
            return;
        }
        self.by_perm.insert(perm_id, key);
        if let Some(e) = self.orders.get_mut(&key) {
            e.view.perm_id = perm_id;
        }
    }

    fn order_status(&mut self, m: &OrderStatus) {
        let Some(key) = self.key(m.order_id, m.client_id, m.perm_id) else {
            return;
        };
        let v = self.entry(key, m.order_id, m.client_id);
        if !m.status.is_empty() {
            v.status = m.status.clone();
        }
        v.filled = decimal(&m.filled).or(v.filled.take());
        v.remaining = decimal(&m.remaining).or(v.remaining.take());
        v.avg_fill_price = price(m.avg_fill_price).or(v.avg_fill_price);
        v.last_fill_price = price(m.last_fill_price).or(v.last_fill_price);
        if m.parent_id != 0 {
            v.parent_id = i64::from(m.parent_id);
        }
        v.why_held = m.why_held.clone();
        self.learn_perm_id(key, m.perm_id);
        self.settle(key);
    }

    fn open_order(&mut self, m: &OpenOrder) {
        if m.order.what_if {
            // A what-if answer: no order exists.
            return;
        }
        let order = &m.order;
        let Some(key) = self.key(m.order_id, order.client_id, order.perm_id) else {
            return;
        };
        let v = self.entry(key, m.order_id, order.client_id);
        if !m.order_state.status.is_empty() {
            v.status = m.order_state.status.clone();
        }
        if order.parent_id != 0 {
            v.parent_id = i64::from(order.parent_id);
        }
        v.contract = Some((*m.contract).clone());
        v.order = Some((*m.order).clone());
        v.order_state = Some((*m.order_state).clone());
        self.learn_perm_id(key, order.perm_id);
        if let Some(p) = self.pending.as_mut() {
            if !p.open_done {
                p.open_seen.insert(key);
            }
        }
        self.settle(key);
    }

    /// Folds an execution in; false when it is a duplicate not to deliver.
    fn execution(&mut self, m: &mut ExecDetails, stats: &Stats) -> bool {
        let reconciling = self
            .pending
            .as_ref()
            .is_some_and(|p| p.exec_req_id == m.req_id);
        let deduplicated = m.req_id == -1 || reconciling;
        let exec_id = m.execution.exec_id.clone();
        let seen = !exec_id.is_empty() && self.by_exec.contains_key(&exec_id);
        if seen {
            if deduplicated {
                stats
                    .executions_deduplicated
                    .fetch_add(1, Ordering::Relaxed);
                return false;
            }
            return true;
        }
        if reconciling {
            // Delivered as the live fill it would have been.
            m.req_id = -1;
        }
        if let Some(p) = self.pending.as_mut() {
            // A fill not seen before, found by the reconciliation or
            // arriving while it runs: it happened while the client was away.
            p.new_fills += 1;
            stats.fills_recovered.fetch_add(1, Ordering::Relaxed);
        }
        let x = &m.execution;
        let Some(key) = self.key(x.order_id, x.client_id, x.perm_id) else {
            return true;
        };
        let commission = self.early.remove(&exec_id);
        let v = self.entry(key, x.order_id, x.client_id);
        let mut details = m.clone();
        details.req_id = -1;
        v.fills.push(Fill {
            details,
            commission,
        });
        let later = v
            .filled
            .as_deref()
            .and_then(|f| compare(&x.cum_qty, f))
            .map_or(true, |o| o.is_ge());
        if later && decimal(&x.cum_qty).is_some() {
            v.filled = decimal(&x.cum_qty);
            v.avg_fill_price = price(x.avg_price).or(v.avg_fill_price);
            v.last_fill_price = price(x.price).or(v.last_fill_price);
            let total = v.order.as_ref().map(|o| o.total_quantity.clone());
            if let Some(remaining) = total.and_then(|t| subtract(&t, &x.cum_qty)) {
                let done = compare(&remaining, "0").is_some_and(|o| o.is_le());
                v.remaining = Some(remaining);
                if done && !v.is_finished() {
                    v.status = "Filled".into();
                }
            }
        }
        if !exec_id.is_empty() {
            self.by_exec.insert(exec_id, key);
        }
        self.learn_perm_id(key, x.perm_id);
        self.settle(key);
        true
    }

    /// Folds a commission report in; false when it repeats the one held.
    fn commission(&mut self, m: &CommissionAndFeesReport) -> bool {
        if let Some(key) = self.by_exec.get(&m.exec_id).copied() {
            self.seq += 1;
            let seq = self.seq;
            if let Some(e) = self.orders.get_mut(&key) {
                let fill = e
                    .view
                    .fills
                    .iter_mut()
                    .find(|f| f.details.execution.exec_id == m.exec_id);
                if let Some(f) = fill {
                    if f.commission.as_ref() == Some(m) {
                        return false;
                    }
                    f.commission = Some(m.clone());
                    e.view.updated_at = seq;
                }
            }
            return true;
        }
        if self.early.get(&m.exec_id) == Some(m) {
            return false;
        }
        if self.early.insert(m.exec_id.clone(), m.clone()).is_none() {
            self.early_order.push_back(m.exec_id.clone());
            while self.early_order.len() > MAX_EARLY_COMMISSIONS {
                if let Some(old) = self.early_order.pop_front() {
                    self.early.remove(&old);
                }
            }
        }
        true
    }

    /// Queues a finished order for eviction and evicts beyond the capacity.
    fn settle(&mut self, key: Key) {
        if let Some(e) = self.orders.get_mut(&key) {
            if e.view.is_finished() && !e.queued {
                e.queued = true;
                self.finished.push_back(key);
            }
        }
        while self.finished.len() > self.capacity {
            let Some(old) = self.finished.pop_front() else {
                break;
            };
            let finished = self.orders.get(&old).is_some_and(|e| e.view.is_finished());
            if !finished {
                if let Some(e) = self.orders.get_mut(&old) {
                    e.queued = false;
                }
                continue;
            }
            if let Some(e) = self.orders.remove(&old) {
                if e.view.perm_id != 0 {
                    self.by_perm.remove(&e.view.perm_id);
                }
                for f in &e.view.fills {
                    self.by_exec.remove(&f.details.execution.exec_id);
                }
            }
        }
    }

    /// Gives up a reconciliation that has waited too long for its answers.
    fn expire_pending(&mut self) {
        if self
            .pending
            .as_ref()
            .is_some_and(|p| p.started.elapsed() > RECONCILE_TIMEOUT)
        {
            log!(
                Warn,
                "order reconciliation: no answer within {} s; given up",
                RECONCILE_TIMEOUT.as_secs()
            );
            self.pending = None;
        }
    }

    /// The `Reconciled` event once both answers are complete, else `Drop`.
    fn finish_if_done(&mut self, stats: &Stats) -> Folded {
        if !self
            .pending
            .as_ref()
            .is_some_and(|p| p.open_done && p.execs_done)
        {
            return Folded::Drop;
        }
        let Some(p) = self.pending.take() else {
            return Folded::Drop;
        };
        let mut changed: Vec<(Key, i64)> = self
            .orders
            .iter()
            .filter(|(k, e)| p.before.get(*k) != Some(&e.view.status))
            .map(|(k, e)| {
                let id = match k {
                    Key::Api(id) => *id,
                    Key::Perm(_) => e.view.perm_id,
                };
                (*k, id)
            })
            .collect();
        changed.sort();
        let r = Reconciliation {
            cause: p.cause.name().into(),
            since: filter_time(p.since.checked_sub(RECONCILE_MARGIN).unwrap_or(UNIX_EPOCH)),
            open_orders: p.open_seen.len() as u32,
            new_fills: p.new_fills,
            changed_orders: changed.into_iter().map(|(_, id)| id).collect(),
        };
        let mut reason = format!(
            "orders reconciled after {}: {} open order(s), {} new fill(s) delivered, {} order(s) changed status",
            r.cause,
            r.open_orders,
            r.new_fills,
            r.changed_orders.len()
        );
        if let Some(f) = &p.failure {
            reason.push_str(&format!(" (executions request failed: {f})"));
        }
        log!(Info, "{reason}");
        stats.reconciliations.fetch_add(1, Ordering::Relaxed);
        self.last = Some(r);
        Folded::Finish(Event::state(ConnectionState::Reconciled, reason))
    }
}

impl Shared {
    /// Folds an order message into the view before anything else sees it;
    /// `None` when it is not to be delivered (the reconciliation's
    /// `Reconciled` event is queued in its place when it completes).
    pub(super) fn fold_order_message(
        &self,
        msg: Incoming,
        closing: &std::sync::atomic::AtomicBool,
    ) -> Option<Incoming> {
        match self.orders.observe(msg, &self.stats) {
            Folded::Pass(msg) => Some(msg),
            Folded::Drop => None,
            Folded::Finish(event) => {
                self.push_state_event(event, closing);
                None
            }
        }
    }
}

impl Client {
    /// What the client knows of its order `order_id` now (status, filled
    /// and remaining quantity, prices, contract, order, order state,
    /// executions and commissions), or `None` for an order it has not
    /// heard of (or evicted: see `Options::order_view_capacity`). The
    /// reader updates it before each order event is queued, so it is
    /// current however far behind the events are. Any thread, any time.
    pub fn order(&self, order_id: i64) -> Option<OrderView> {
        self.shared.orders.get(order_id)
    }

    /// The order with TWS's permanent id `perm_id`: also the orders of other
    /// client ids (as client 0 or the master client) and those placed in
    /// TWS itself, which [`Client::order`] does not find by order id.
    pub fn order_by_perm_id(&self, perm_id: i64) -> Option<OrderView> {
        self.shared.orders.by_perm_id(perm_id)
    }

    /// Every order in the view: this client's by order id, then the others by perm id.
    pub fn orders(&self) -> Vec<OrderView> {
        self.shared.orders.all()
    }

    /// The order ids of this client's orders in the view, ascending.
    pub fn order_ids(&self) -> Vec<i64> {
        self.shared.orders.ids()
    }

    /// What the latest completed order reconciliation (after a reconnect or
    /// a 1101) recovered, or `None` before the first.
    pub fn last_reconciliation(&self) -> Option<Reconciliation> {
        self.shared.orders.last_reconciliation()
    }
}

#[cfg(test)]
mod tests;
