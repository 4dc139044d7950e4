//! Replies that belong to a blocking call are routed to it instead of the
//! event queue. Costs one atomic load per message while no call is waiting.
//!
//! Request ids: libtws's own requests (the blocking calls) take ids from the
//! reserved range [`RESERVED_IDS`], from their own counter; a user's ids
//! ([`Client::next_request_id`](super::Client::next_request_id) or chosen by
//! hand) are `0..RESERVED_IDS.start()`. Messages without a request id are
//! routed by their own keys ([`RouteKey::Positions`],
//! [`RouteKey::AccountUpdates`], [`RouteKey::MarketRule`],
//! [`RouteKey::MktDepthExchanges`], [`RouteKey::FamilyCodes`],
//! [`RouteKey::OpenOrders`], [`RouteKey::CompletedOrders`]), which share
//! [`RouteKey::ScannerParameters`], [`RouteKey::NewsProviders`],
//! [`RouteKey::Fa`]), which share
//! nothing with request ids.
//!
//! Divert and copy: a route normally takes the messages it is registered
//! for away from the event queue. A blocking call may also register copy
//! keys ([`Routes::register_copying`]): the messages of a copy key reach it
//! as a copy and are still delivered as events, so that whoever follows
//! them (the user, the order view) misses nothing. `open_orders` copies
//! every openOrder (ordinary order events) and takes only the
//! openOrderEnd; `executions` copies the commissionAndFeesReport messages
//! (they carry an exec id, no request id).
//!
//! Late replies: a message for a reserved id with no waiting call answers a
//! blocking call that already ended (timed out, failed, or finished before
//! TWS saw its cancel). It is dropped and counted in
//! `StatsSnapshot::late_replies_dropped`. An error message is dropped only
//! while its id is among the recently ended calls (a bounded, timed set),
//! since an error's id may also be an order id.

use std::collections::{HashMap, VecDeque};
use std::ops::RangeInclusive;
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crossbeam_channel::{unbounded, Receiver, Sender};

use super::stats::Stats;
use super::Error;
use crate::logging::log;
use crate::protocol::schema::RouteKey as Fact;
use crate::protocol::{Incoming, Request};

/// Request ids libtws keeps for its own requests; never handed out by
/// `next_request_id` and refused in a user's request.
pub const RESERVED_IDS: RangeInclusive<i32> = 0x7000_0000..=i32::MAX;

/// How long error messages for an ended blocking call are still dropped.
const LATE_WINDOW: Duration = Duration::from_secs(60);
/// At most this many ended blocking calls are remembered for their errors.
const MAX_ENDED: usize = 256;

/// Where a message goes: a request id, or one of the fixed keys of the
/// messages that carry none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum RouteKey {
    /// Position messages (reqPositions has no request id).
    Positions,
    /// Account-update messages (reqAccountUpdates has no request id).
    AccountUpdates,
    /// The marketRule of this rule id (reqMarketRule has no request id).
    MarketRule(i32),
    /// mktDepthExchanges (no request id).
    MktDepthExchanges,
    /// familyCodes (no request id).
    FamilyCodes,
    /// openOrderEnd (reqOpenOrders has no request id); as a copy key, every
    /// openOrder.
    OpenOrders,
    /// completedOrder and completedOrdersEnd (reqCompletedOrders has no request id).
    CompletedOrders,
    /// As a copy key: every commissionAndFeesReport (it names an exec id, no request).
    Commissions,
    /// scannerParameters (no request id).
    ScannerParameters,
    /// newsProviders (no request id).
    NewsProviders,
    /// receiveFA (no request id).
    Fa,
    /// A message tagged with this request id.
    Request(i32),
}

/// The route a message belongs to, if any: the catalogue's routing fact
/// (`Incoming::route`, generated), plus the client's rules for errors.
pub(crate) fn route_key_of(msg: &Incoming) -> Option<RouteKey> {
    if let Incoming::Error(m) = msg {
        return if m.req_id >= 0 {
            Some(RouteKey::Request(m.req_id))
        } else if m.code == crate::protocol::error_codes::BAD_REQUEST {
            // TWS refuses an unknown account in reqAccountUpdates without a request id.
            Some(RouteKey::AccountUpdates)
        } else {
            // Notices and errors about no request.
            None
        };
    }
    if let Some(key) = order_key_of(msg) {
        return Some(key);
    }
    from_fact(msg.route())
}

/// The fixed key of the order messages without a request id that a blocking
/// call takes away from the events: the end of the open orders, and the
/// completed orders with their end.
fn order_key_of(msg: &Incoming) -> Option<RouteKey> {
    if let Incoming::OpenOrderEnd(_) = msg {
        return Some(RouteKey::OpenOrders);
    }
    if let Incoming::CompletedOrder(_) | Incoming::CompletedOrdersEnd(_) = msg {
        return Some(RouteKey::CompletedOrders);
    }
    None
}

/// The copy key of a message, if a blocking call may want a copy of it
/// while it still goes to the events: openOrder, commissionAndFeesReport.
pub(crate) fn copy_key_of(msg: &Incoming) -> Option<RouteKey> {
    if let Incoming::OpenOrder(_) = msg {
        return Some(RouteKey::OpenOrders);
    }
    if let Incoming::CommissionAndFeesReport(_) = msg {
        return Some(RouteKey::Commissions);
    }
    None
}

/// The client's route for a catalogue routing fact.
fn from_fact(fact: Fact) -> Option<RouteKey> {
    match fact {
        Fact::Request(id) if id >= 0 => Some(RouteKey::Request(id)),
        Fact::Request(_) => None,
        Fact::Positions => Some(RouteKey::Positions),
        Fact::AccountUpdates => Some(RouteKey::AccountUpdates),
        Fact::MarketRule(id) => Some(RouteKey::MarketRule(id)),
        Fact::MktDepthExchanges => Some(RouteKey::MktDepthExchanges),
        Fact::FamilyCodes => Some(RouteKey::FamilyCodes),
        Fact::ScannerParameters => Some(RouteKey::ScannerParameters),
        Fact::NewsProviders => Some(RouteKey::NewsProviders),
        Fact::Fa => Some(RouteKey::Fa),
        Fact::None => None,
    }
}

/// The request id a request carries, if it has one (the catalogue's
/// routing fact `Request::route`, generated).
pub(crate) fn request_id_of(request: &Request) -> Option<i32> {
    match request.route() {
        Fact::Request(id) => Some(id),
        Fact::Positions
        | Fact::AccountUpdates
        | Fact::MarketRule(_)
        | Fact::MktDepthExchanges
        | Fact::FamilyCodes
        | Fact::ScannerParameters
        | Fact::NewsProviders
        | Fact::Fa
        | Fact::None => None,
    }
}

/// Refuses a request id a user may not use: negative (TWS's "no id" is -1,
/// and negative ids mean nothing to TWS) or in [`RESERVED_IDS`].
pub(crate) fn check_user_id(req_id: i32) -> Result<(), Error> {
    if req_id < 0 {
        return Err(Error::InvalidArgument(format!(
            "request id {req_id} is negative (ids are 0 to {})",
            RESERVED_IDS.start() - 1
        )));
    }
    if RESERVED_IDS.contains(&req_id) {
        return Err(Error::InvalidArgument(format!(
            "request id {req_id} is reserved for libtws's own requests (ids are 0 to {})",
            RESERVED_IDS.start() - 1
        )));
    }
    Ok(())
}

/// Refuses a user's request whose request id is not the user's to use.
pub(crate) fn check_user_request(request: &Request) -> Result<(), Error> {
    match request_id_of(request) {
        Some(id) => check_user_id(id),
        None => Ok(()),
    }
}

/// The next user request id from `counter`: 0, 1, 2, ... up to the last id
/// below [`RESERVED_IDS`], then 0 again.
pub(crate) fn next_user_id(counter: &AtomicI32) -> i32 {
    let last = RESERVED_IDS.start() - 1;
    // In range: the next one (0 after the last); out of range: 0 is handed
    // out, so 1 is next.
    let step = |v: i32| {
        Some(match v {
            v if (0..last).contains(&v) => v + 1,
            v if v == last => 0,
            _ => 1,
        })
    };
    // `step` always returns Some, so this never fails.
    let previous = counter
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, step)
        .unwrap_or_else(|v| v);
    if (0..=last).contains(&previous) {
        previous
    } else {
        0
    }
}

pub(crate) struct Routes {
    active: AtomicUsize,
    /// The next internal request id (always in [`RESERVED_IDS`]).
    next_internal: AtomicI32,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    map: HashMap<RouteKey, Sender<Incoming>>,
    /// The copy keys of the routes that have any: key, the route's own
    /// key (which identifies it) and its sender.
    copies: Vec<(RouteKey, RouteKey, Sender<Incoming>)>,
    /// Internal ids of blocking calls that ended, oldest first, with the
    /// time until which their error messages are dropped.
    ended: VecDeque<(i32, Instant)>,
}

impl Default for Routes {
    fn default() -> Self {
        Routes {
            active: AtomicUsize::new(0),
            next_internal: AtomicI32::new(*RESERVED_IDS.start()),
            inner: Mutex::new(Inner::default()),
        }
    }
}

/// A registered route; unregisters itself when dropped.
pub(crate) struct Route<'a> {
    routes: &'a Routes,
    key: RouteKey,
    pub rx: Receiver<Incoming>,
}

impl Routes {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A fresh id from [`RESERVED_IDS`] for one of libtws's own requests,
    /// wrapping inside the range; never one that is routed or recently ended.
    pub(crate) fn next_internal_id(&self) -> i32 {
        let first = *RESERVED_IDS.start();
        loop {
            let step = |v: i32| Some(if v == i32::MAX { first } else { v + 1 });
            let id = self
                .next_internal
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, step)
                .unwrap_or_else(|v| v);
            let inner = self.lock();
            let busy = inner.map.contains_key(&RouteKey::Request(id))
                || inner.ended.iter().any(|(e, _)| *e == id);
            if !busy {
                return id;
            }
        }
    }

    /// True while a blocking call waits on request id `req_id`.
    pub(crate) fn is_routed(&self, req_id: i32) -> bool {
        self.lock().map.contains_key(&RouteKey::Request(req_id))
    }

    /// Routes `key` to a new blocking call named `call`; `Busy` while
    /// another call has it.
    pub(crate) fn register(&self, key: RouteKey, call: &str) -> Result<Route<'_>, Error> {
        self.register_copying(key, &[], call)
    }

    /// As [`register`](Self::register), and also hands the route a copy of
    /// every message of the `copies` keys (which still go to the events;
    /// several routes may copy the same key).
    pub(crate) fn register_copying(
        &self,
        key: RouteKey,
        copies: &[RouteKey],
        call: &str,
    ) -> Result<Route<'_>, Error> {
        let mut inner = self.lock();
        if inner.map.contains_key(&key) {
            return Err(match key {
                RouteKey::Request(id) => Error::DuplicateRequestId(id),
                RouteKey::Positions
                | RouteKey::AccountUpdates
                | RouteKey::MarketRule(_)
                | RouteKey::MktDepthExchanges
                | RouteKey::FamilyCodes
                | RouteKey::OpenOrders
                | RouteKey::CompletedOrders
                | RouteKey::Commissions => Error::Busy(call.to_owned()),
                RouteKey::ScannerParameters | RouteKey::NewsProviders | RouteKey::Fa => {
                    Error::Busy(call.to_owned())
                }
            });
        }
        let (tx, rx) = unbounded();
        for copy in copies {
            inner.copies.push((*copy, key, tx.clone()));
        }
        inner.map.insert(key, tx);
        self.active
            .store(inner.map.len() + inner.copies.len(), Ordering::Release);
        Ok(Route {
            routes: self,
            key,
            rx,
        })
    }

    /// Gives the calls that take a copy of `msg` (see [`copy_key_of`]) their
    /// copy. The reader does this before the order view may hold a message
    /// back as a duplicate: a blocking call gets every answer it asked for,
    /// duplicate or not.
    pub(crate) fn copy_to_calls(&self, msg: &Incoming) {
        if self.active.load(Ordering::Acquire) == 0 {
            return;
        }
        if let Some(copy) = copy_key_of(msg) {
            let inner = self.lock();
            for (_, _, tx) in inner.copies.iter().filter(|(k, _, _)| *k == copy) {
                let _ = tx.send(msg.clone());
            }
        }
    }

    /// True when [`Routes::try_route`] may take `msg` (a call may be
    /// waiting for it, or it answers a reserved id). A look by reference, so
    /// that the messages no call waits for pass unmoved.
    pub(crate) fn may_take(&self, msg: &Incoming) -> bool {
        match route_key_of(msg) {
            None => false,
            Some(RouteKey::Request(id)) if RESERVED_IDS.contains(&id) => true,
            Some(_) => self.active.load(Ordering::Acquire) != 0,
        }
    }

    /// Hands `msg` to a waiting call, drops it if it answers a call that has
    /// ended (counted in `stats`), or gives it back. Copies are not made
    /// here: [`Routes::copy_to_calls`] comes first.
    pub(crate) fn try_route(&self, msg: Incoming, stats: &Stats) -> Option<Incoming> {
        let Some(key) = route_key_of(&msg) else {
            return Some(msg);
        };
        let internal = matches!(key, RouteKey::Request(id) if RESERVED_IDS.contains(&id));
        if !internal && self.active.load(Ordering::Acquire) == 0 {
            return Some(msg);
        }
        let mut inner = self.lock();
        if let Some(tx) = inner.map.get(&key) {
            return tx.send(msg).err().map(|e| e.into_inner());
        }
        let RouteKey::Request(id) = key else {
            return Some(msg);
        };
        if !internal {
            return Some(msg);
        }
        let now = Instant::now();
        while inner.ended.front().is_some_and(|(_, until)| *until <= now) {
            inner.ended.pop_front();
        }
        // Data for a reserved id is never a user's; an error's id may be an
        // order id, so only the ids of recently ended calls are dropped.
        let late = match &msg {
            Incoming::Error(_) => inner.ended.iter().any(|(e, _)| *e == id),
            _ => true,
        };
        if !late {
            return Some(msg);
        }
        drop(inner);
        stats.late_replies_dropped.fetch_add(1, Ordering::Relaxed);
        log!(
            Debug,
            "dropped a late {} for request id {id} (its blocking call has ended)",
            msg.name()
        );
        None
    }
}

impl Drop for Route<'_> {
    fn drop(&mut self) {
        let mut inner = self.routes.lock();
        inner.map.remove(&self.key);
        let key = self.key;
        inner.copies.retain(|(_, owner, _)| *owner != key);
        if let RouteKey::Request(id) = self.key {
            if RESERVED_IDS.contains(&id) {
                if inner.ended.len() >= MAX_ENDED {
                    inner.ended.pop_front();
                }
                inner.ended.push_back((id, Instant::now() + LATE_WINDOW));
            }
        }
        self.routes
            .active
            .store(inner.map.len() + inner.copies.len(), Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ids_stay_below_the_reserved_range_and_wrap_to_0() {
        let counter = AtomicI32::new(0);
        assert_eq!((next_user_id(&counter), next_user_id(&counter)), (0, 1));
        counter.store(RESERVED_IDS.start() - 1, Ordering::Relaxed);
        assert_eq!(next_user_id(&counter), RESERVED_IDS.start() - 1);
        assert_eq!(next_user_id(&counter), 0);
        counter.store(-5, Ordering::Relaxed);
        assert_eq!(next_user_id(&counter), 0);
        assert_eq!(next_user_id(&counter), 1);
    }

    #[test]
    fn internal_ids_wrap_inside_the_reserved_range() {
        let routes = Routes::default();
        assert_eq!(routes.next_internal_id(), *RESERVED_IDS.start());
        routes.next_internal.store(i32::MAX, Ordering::Relaxed);
        assert_eq!(routes.next_internal_id(), i32::MAX);
        assert_eq!(routes.next_internal_id(), *RESERVED_IDS.start());
        // A routed id is skipped.
        let _held = routes.register(RouteKey::Request(*RESERVED_IDS.start() + 1), "x");
        assert_eq!(routes.next_internal_id(), *RESERVED_IDS.start() + 2);
    }

    #[test]
    fn a_second_registration_of_a_key_is_refused() {
        let routes = Routes::default();
        let first = routes.register(RouteKey::Positions, "positions").unwrap();
        assert!(matches!(
            routes.register(RouteKey::Positions, "positions"),
            Err(Error::Busy(c)) if c == "positions"
        ));
        // Ids and the id-less keys share nothing.
        let _pnl = routes.register(RouteKey::Request(-2), "x").unwrap();
        drop(first);
        let _again = routes.register(RouteKey::Positions, "positions").unwrap();
    }

    #[test]
    fn a_copy_key_copies_and_the_message_still_goes_to_the_events() {
        use crate::protocol::executions::CommissionAndFeesReport;
        use crate::protocol::orders::{OpenOrder, OpenOrderEnd};
        let routes = Routes::default();
        let stats = Stats::default();
        let route = |msg: Incoming| {
            routes.copy_to_calls(&msg);
            routes.try_route(msg, &stats)
        };
        let open = || {
            Incoming::OpenOrder(OpenOrder {
                order_id: 7,
                ..OpenOrder::default()
            })
        };
        // Nobody waits: everything is an event.
        assert!(route(open()).is_some());
        assert!(route(Incoming::OpenOrderEnd(OpenOrderEnd {})).is_some());
        let call = routes
            .register_copying(RouteKey::OpenOrders, &[RouteKey::OpenOrders], "open_orders")
            .unwrap();
        // openOrder: copied to the call and still an event; the end: the call's.
        assert_eq!(route(open()), Some(open()));
        assert_eq!(route(Incoming::OpenOrderEnd(OpenOrderEnd {})), None);
        assert_eq!(call.rx.try_recv().ok(), Some(open()));
        assert!(matches!(call.rx.try_recv(), Ok(Incoming::OpenOrderEnd(_))));
        // Commission reports are not this call's.
        let report = Incoming::CommissionAndFeesReport(CommissionAndFeesReport::default());
        assert!(route(report.clone()).is_some());
        assert!(call.rx.try_recv().is_err());
        assert!(matches!(
            routes.register(RouteKey::OpenOrders, "open_orders"),
            Err(Error::Busy(_))
        ));
        drop(call);
        // Gone with its route: nothing is copied any more.
        assert_eq!(route(open()), Some(open()));
        assert_eq!(routes.active.load(Ordering::Acquire), 0);
    }
}
