//! Order reconciliation after a reconnect or a 1101: the supervisor asks
//! TWS for the open orders (reqOpenOrders; reqAllOpenOrders as client 0)
//! and for the executions since the loss (reqExecutions under a reserved
//! id, filtered by this client id and by the time of the loss minus
//! [`RECONCILE_MARGIN`](super::order_book::RECONCILE_MARGIN), as
//! `yyyymmdd-hh:mm:ss` UTC). The reader folds the answers into the order
//! view ([`super::order_book`]) and queues the `Reconciled` state event
//! once both end markers came. Nothing here ever sends an order.

use std::sync::atomic::AtomicBool;
use std::time::SystemTime;

use crate::logging::log;
use crate::protocol::executions::{ExecutionFilter, ReqExecutions};
use crate::protocol::orders::{ReqAllOpenOrders, ReqOpenOrders};
use crate::protocol::Request;

use super::order_book::Cause;
use super::Shared;

/// The requests of one reconciliation.
pub(crate) fn requests(exec_req_id: i32, client_id: i32, since: String) -> [Request; 2] {
    let open = if client_id == 0 {
        Request::ReqAllOpenOrders(ReqAllOpenOrders {})
    } else {
        Request::ReqOpenOrders(ReqOpenOrders {})
    };
    let executions = Request::ReqExecutions(ReqExecutions {
        req_id: exec_req_id,
        exec_filter: ExecutionFilter {
            client_id,
            time: since,
            ..ExecutionFilter::all()
        },
    });
    [open, executions]
}

impl Shared {
    /// Starts a reconciliation and sends its requests (after the
    /// `Reconnected` / `IbLinkRestored` event and the re-issued
    /// subscriptions). A failed write abandons it: the connection is gone,
    /// and the next reconnect starts another from the same loss.
    pub(crate) fn reconcile_orders(&self, cause: Cause, abort: &AtomicBool) {
        if abort.load(std::sync::atomic::Ordering::Acquire) {
            return;
        }
        let exec_req_id = self.routes.next_internal_id();
        let (since, client_id) = self.orders.begin(exec_req_id, cause, SystemTime::now());
        log!(
            Debug,
            "reconciling orders: open orders and executions since {since} (request id {exec_req_id})"
        );
        for request in requests(exec_req_id, client_id, since) {
            if self.write(&request, true).is_err() {
                self.orders.abandon();
                return;
            }
        }
    }
}
