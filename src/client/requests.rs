//! Typed requests of the session and the account summary, and the blocking
//! account-summary call.

use std::time::Duration;

use crate::protocol::messages::*;
use crate::protocol::{Incoming, Request, SubscriptionKey};

use super::account_data::{ACCOUNT_UPDATES_SUBSCRIPTION, POSITIONS_SUBSCRIPTION};
use super::blocking::{Answers, Step};
use super::market_data::MARKET_DATA_TYPE_SUBSCRIPTION;
use super::routes::check_user_id;
use super::{lock, Client, Error};

impl Client {
    /// reqIds: asks TWS for the next valid order id (answered by `nextValidId`).
    pub fn req_ids(&self, num_ids: i32) -> Result<(), Error> {
        self.send(&Request::ReqIds(ReqIds { num_ids }))
    }

    /// reqManagedAccts (answered by `managedAccounts`).
    pub fn req_managed_accounts(&self) -> Result<(), Error> {
        self.send(&Request::ReqManagedAccounts(ReqManagedAccounts {}))
    }

    /// reqCurrentTime (answered by `currentTime`).
    pub fn req_current_time(&self) -> Result<(), Error> {
        self.send(&Request::ReqCurrentTime(ReqCurrentTime {}))
    }

    /// reqCurrentTimeInMillis (answered by `currentTimeInMillis`; server v197+).
    pub fn req_current_time_in_millis(&self) -> Result<(), Error> {
        self.send(&Request::ReqCurrentTimeInMillis(ReqCurrentTimeInMillis {}))
    }

    /// reqAccountSummary: subscribes; rows arrive as events until
    /// `accountSummaryEnd`, then updates until cancelled. `req_id` must be
    /// 0..0x6FFF_FFFF (`InvalidArgument` otherwise: larger ids are libtws's
    /// own) and not in use by a live subscription (`DuplicateRequestId`).
    pub fn req_account_summary(&self, req_id: i32, group: &str, tags: &str) -> Result<(), Error> {
        let request = Request::ReqAccountSummary(ReqAccountSummary {
            req_id,
            group: group.into(),
            tags: tags.into(),
        });
        self.subscribe_id(req_id, request)
    }

    /// cancelAccountSummary. The subscription is forgotten (not re-issued
    /// after a reconnect) even if the cancel cannot be sent.
    pub fn cancel_account_summary(&self, req_id: i32) -> Result<(), Error> {
        check_user_id(req_id)?;
        self.shared.unsubscribe(req_id);
        self.send(&Request::CancelAccountSummary(CancelAccountSummary {
            req_id,
        }))
    }

    /// Sends a typed request, as [`Client::send`] does.
    pub(super) fn request(&self, request: Request) -> Result<(), Error> {
        self.send(&request)
    }

    /// The live subscriptions (request id and the request that made it).
    pub fn subscriptions(&self) -> Vec<(i32, Request)> {
        lock(&self.shared.subscriptions)
            .iter()
            .map(|(id, s)| (*id, s.request.clone()))
            .collect()
    }

    /// Requests the account summary and waits for every row up to the end
    /// marker, then cancels the subscription. The request uses an id of its
    /// own from the reserved range (never one of the user's), so it never
    /// touches a user's subscription. Rows of this request do not appear as
    /// events, not even those that come after the call ended (they are
    /// dropped and counted in `StatsSnapshot::late_replies_dropped`). Several
    /// calls may run at once, each with its own id (TWS allows two account
    /// summaries at a time, the user's subscriptions included, and answers
    /// error 322 beyond: `Request`). Fails with `Timeout`, `Request` (TWS
    /// refused it) or `ConnectionClosed`.
    pub fn account_summary(
        &self,
        group: &str,
        tags: &str,
        timeout: Duration,
    ) -> Result<Vec<AccountSummary>, Error> {
        let call = self.start_call(Answers::OwnId, "account_summary", timeout)?;
        let req_id = call.req_id;
        self.send_internal(&Request::ReqAccountSummary(ReqAccountSummary {
            req_id,
            group: group.into(),
            tags: tags.into(),
        }))?;
        let mut rows = Vec::new();
        let outcome = self.collect(&call, "accountSummaryEnd", |msg| {
            match msg {
                Incoming::AccountSummary(row) => rows.push(row),
                Incoming::AccountSummaryEnd(_) => return Step::Done,
                _ => {}
            }
            Step::More
        });
        if self.is_connected() {
            let _ = self.send_internal(&Request::CancelAccountSummary(CancelAccountSummary {
                req_id,
            }));
        }
        outcome.map(|()| rows)
    }
}

/// The key under which [`Client::subscriptions`] lists a subscription: its
/// request id, or one of the negative keys of the id-less ones.
pub(crate) fn slot_of(key: SubscriptionKey) -> i32 {
    match key {
        SubscriptionKey::Request(id) => id,
        SubscriptionKey::Positions => POSITIONS_SUBSCRIPTION,
        SubscriptionKey::AccountUpdates => ACCOUNT_UPDATES_SUBSCRIPTION,
        SubscriptionKey::MarketDataType => MARKET_DATA_TYPE_SUBSCRIPTION,
    }
}
