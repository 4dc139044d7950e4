//! Replies that belong to a blocking call are routed to it instead of the
//! event queue. Costs one atomic load per message while no call is waiting.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crossbeam_channel::{unbounded, Receiver, Sender};

use crate::protocol::Incoming;

/// The route of position messages (which carry no request id).
pub(crate) const POSITIONS_ROUTE: i32 = -2;
/// The route of account-update messages (which carry no request id).
pub(crate) const ACCOUNT_UPDATES_ROUTE: i32 = -3;

/// The request id a message answers, for messages that carry one; the fixed
/// routes above for position and account-update messages.
pub(crate) fn req_id_of(msg: &Incoming) -> Option<i32> {
    match msg {
        Incoming::AccountSummary(m) => Some(m.req_id),
        Incoming::AccountSummaryEnd(m) => Some(m.req_id),
        Incoming::Error(m) if m.req_id >= 0 => Some(m.req_id),
        Incoming::Position(_) | Incoming::PositionEnd(_) => Some(POSITIONS_ROUTE),
        Incoming::AccountValue(_)
        | Incoming::PortfolioValue(_)
        | Incoming::AccountUpdateTime(_)
        | Incoming::AccountDownloadEnd(_) => Some(ACCOUNT_UPDATES_ROUTE),
        // TWS refuses an unknown account in reqAccountUpdates without a request id.
        Incoming::Error(m) if m.code == crate::protocol::error_codes::BAD_REQUEST => {
            Some(ACCOUNT_UPDATES_ROUTE)
        }
        Incoming::PositionMulti(m) => Some(m.req_id),
        Incoming::PositionMultiEnd(m) => Some(m.req_id),
        Incoming::AccountUpdateMulti(m) => Some(m.req_id),
        Incoming::AccountUpdateMultiEnd(m) => Some(m.req_id),
        Incoming::PnL(m) => Some(m.req_id),
        Incoming::PnLSingle(m) => Some(m.req_id),
        _ => None,
    }
}

#[derive(Default)]
pub(crate) struct Routes {
    active: AtomicUsize,
    map: Mutex<HashMap<i32, Sender<Incoming>>>,
}

/// A registered route; unregisters itself when dropped.
pub(crate) struct Route<'a> {
    routes: &'a Routes,
    req_id: i32,
    pub rx: Receiver<Incoming>,
}

impl Routes {
    pub(crate) fn register(&self, req_id: i32) -> Route<'_> {
        let (tx, rx) = unbounded();
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        map.insert(req_id, tx);
        self.active.store(map.len(), Ordering::Release);
        Route {
            routes: self,
            req_id,
            rx,
        }
    }

    /// Hands `msg` to a waiting call, or gives it back.
    pub(crate) fn try_route(&self, msg: Incoming) -> Option<Incoming> {
        if self.active.load(Ordering::Acquire) == 0 {
            return Some(msg);
        }
        let Some(req_id) = req_id_of(&msg) else {
            return Some(msg);
        };
        let map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        match map.get(&req_id) {
            Some(tx) => tx.send(msg).err().map(|e| e.into_inner()),
            None => Some(msg),
        }
    }
}

impl Drop for Route<'_> {
    fn drop(&mut self) {
        let mut map = self.routes.map.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&self.req_id);
        self.routes.active.store(map.len(), Ordering::Release);
    }
}
