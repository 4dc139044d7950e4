//! Positions, account updates, the *Multi requests and PnL: typed requests
//! that register their subscriptions, their cancels, and the blocking
//! `positions` and `account_updates` calls.

use std::time::Duration;

use crate::protocol::account_data::*;
use crate::protocol::{Incoming, Request};

use super::blocking::{Answers, Step};
use super::routes::{check_user_id, RouteKey};
use super::{lock, Client, Error};

/// The key of the positions subscription in [`Client::subscriptions`]
/// (reqPositions has no request id). User request ids are never negative,
/// so no request id collides with it.
pub const POSITIONS_SUBSCRIPTION: i32 = -2;
/// The key of the account-updates subscription in [`Client::subscriptions`]
/// (reqAccountUpdates has no request id; TWS keeps one at a time).
pub const ACCOUNT_UPDATES_SUBSCRIPTION: i32 = -3;

/// One account's values and portfolio, as [`Client::account_updates`] returns them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AccountSnapshot {
    /// The account code the snapshot is for.
    pub account: String,
    /// Every `updateAccountValue` up to `accountDownloadEnd`.
    pub values: Vec<AccountValue>,
    /// Every `updatePortfolio` up to `accountDownloadEnd`.
    pub portfolio: Vec<PortfolioValue>,
    /// The latest `updateAccountTime` (`HH:MM`), or empty if none came.
    pub time: String,
}

impl Client {
    /// Sends a subscribing request and records it under `key`, so that it
    /// can be listed and re-issued.
    pub(super) fn subscribe(&self, key: i32, request: Request) -> Result<(), Error> {
        self.ensure_connected()?;
        self.shared.subscribe(key, request)
    }

    /// [`Client::subscribe`] for a request with the user's `req_id`: refused
    /// if the id is negative or reserved (`InvalidArgument`) or live
    /// (`DuplicateRequestId`).
    pub(super) fn subscribe_id(&self, req_id: i32, request: Request) -> Result<(), Error> {
        check_user_id(req_id)?;
        self.subscribe(req_id, request)
    }

    /// Forgets the subscription `key` and sends its cancel.
    pub(super) fn unsubscribe(&self, key: i32, cancel: Request) -> Result<(), Error> {
        self.shared.unsubscribe(key);
        self.send(&cancel)
    }

    /// [`Client::unsubscribe`] for the user's `req_id` (refused if negative
    /// or reserved: a reserved id is one of libtws's own requests).
    pub(super) fn unsubscribe_id(&self, req_id: i32, cancel: Request) -> Result<(), Error> {
        check_user_id(req_id)?;
        self.unsubscribe(req_id, cancel)
    }

    /// Writes one of libtws's own requests (a blocking call's; the user's
    /// checks of `send` do not apply).
    pub(super) fn send_internal(&self, request: &Request) -> Result<(), Error> {
        self.ensure_connected()?;
        self.shared.write(request, true).map(|_| ())
    }

    /// reqPositions: every position of every account arrives as an event,
    /// then `positionEnd`, then changes until cancelled. Recorded under
    /// [`POSITIONS_SUBSCRIPTION`].
    pub fn req_positions(&self) -> Result<(), Error> {
        self.subscribe(
            POSITIONS_SUBSCRIPTION,
            Request::ReqPositions(ReqPositions {}),
        )
    }

    /// cancelPositions.
    pub fn cancel_positions(&self) -> Result<(), Error> {
        self.unsubscribe(
            POSITIONS_SUBSCRIPTION,
            Request::CancelPositions(CancelPositions {}),
        )
    }

    /// reqAccountUpdates(subscribe): values, portfolio and update time of
    /// `account`, then `accountDownloadEnd`, then changes. TWS keeps one such
    /// subscription per client: a new one replaces the old. Recorded under
    /// [`ACCOUNT_UPDATES_SUBSCRIPTION`]. An unknown account gets error 321.
    pub fn req_account_updates(&self, account: &str) -> Result<(), Error> {
        self.subscribe(
            ACCOUNT_UPDATES_SUBSCRIPTION,
            Request::ReqAccountUpdates(ReqAccountUpdates {
                subscribe: true,
                account: account.into(),
            }),
        )
    }

    /// reqAccountUpdates(unsubscribe) for `account`.
    pub fn cancel_account_updates(&self, account: &str) -> Result<(), Error> {
        self.unsubscribe(
            ACCOUNT_UPDATES_SUBSCRIPTION,
            Request::ReqAccountUpdates(ReqAccountUpdates {
                subscribe: false,
                account: account.into(),
            }),
        )
    }

    /// reqPositionsMulti: positions of `account` ("" or "All" for every
    /// account) and/or `model_code`, tagged `req_id` (server v103+).
    pub fn req_positions_multi(
        &self,
        req_id: i32,
        account: &str,
        model_code: &str,
    ) -> Result<(), Error> {
        self.subscribe_id(
            req_id,
            Request::ReqPositionsMulti(ReqPositionsMulti {
                req_id,
                account: account.into(),
                model_code: model_code.into(),
            }),
        )
    }

    /// cancelPositionsMulti.
    pub fn cancel_positions_multi(&self, req_id: i32) -> Result<(), Error> {
        self.unsubscribe_id(
            req_id,
            Request::CancelPositionsMulti(CancelPositionsMulti { req_id }),
        )
    }

    /// reqAccountUpdatesMulti: values of `account` and/or `model_code`,
    /// tagged `req_id`; `ledger_and_nlv` keeps only the ledger and net
    /// liquidation (server v103+).
    pub fn req_account_updates_multi(
        &self,
        req_id: i32,
        account: &str,
        model_code: &str,
        ledger_and_nlv: bool,
    ) -> Result<(), Error> {
        self.subscribe_id(
            req_id,
            Request::ReqAccountUpdatesMulti(ReqAccountUpdatesMulti {
                req_id,
                account: account.into(),
                model_code: model_code.into(),
                ledger_and_nlv,
            }),
        )
    }

    /// cancelAccountUpdatesMulti.
    pub fn cancel_account_updates_multi(&self, req_id: i32) -> Result<(), Error> {
        self.unsubscribe_id(
            req_id,
            Request::CancelAccountUpdatesMulti(CancelAccountUpdatesMulti { req_id }),
        )
    }

    /// reqPnL: daily, unrealized and realized PnL of `account` and/or
    /// `model_code`, tagged `req_id` (server v127+).
    pub fn req_pnl(&self, req_id: i32, account: &str, model_code: &str) -> Result<(), Error> {
        self.subscribe_id(
            req_id,
            Request::ReqPnL(ReqPnL {
                req_id,
                account: account.into(),
                model_code: model_code.into(),
            }),
        )
    }

    /// cancelPnL.
    pub fn cancel_pnl(&self, req_id: i32) -> Result<(), Error> {
        self.unsubscribe_id(req_id, Request::CancelPnL(CancelPnL { req_id }))
    }

    /// reqPnLSingle: PnL of the position in contract `con_id` of `account`
    /// and/or `model_code`, tagged `req_id` (server v127+).
    pub fn req_pnl_single(
        &self,
        req_id: i32,
        account: &str,
        model_code: &str,
        con_id: i32,
    ) -> Result<(), Error> {
        self.subscribe_id(
            req_id,
            Request::ReqPnLSingle(ReqPnLSingle {
                req_id,
                account: account.into(),
                model_code: model_code.into(),
                con_id,
            }),
        )
    }

    /// cancelPnLSingle.
    pub fn cancel_pnl_single(&self, req_id: i32) -> Result<(), Error> {
        self.unsubscribe_id(req_id, Request::CancelPnLSingle(CancelPnLSingle { req_id }))
    }

    /// Requests every position and waits for `positionEnd` (at most
    /// `timeout`); then cancels, unless a [`Client::req_positions`]
    /// subscription is live. While it waits, position messages go to it, not
    /// to the event queue. One call at a time per client: a second one while
    /// one runs fails at once with `Busy` (nothing is sent). Position rows
    /// that come after a timed-out call ended carry no request id and arrive
    /// as ordinary events.
    pub fn positions(&self, timeout: Duration) -> Result<Vec<Position>, Error> {
        let call = self.start_call(Answers::Key(RouteKey::Positions), "positions", timeout)?;
        self.send_internal(&Request::ReqPositions(ReqPositions {}))?;
        let mut rows = Vec::new();
        let outcome = self.collect(&call, "positionEnd", |msg| {
            match msg {
                Incoming::Position(p) => rows.push(p),
                Incoming::PositionEnd(_) => return Step::Done,
                _ => {}
            }
            Step::More
        });
        let live = lock(&self.shared.subscriptions).contains_key(&POSITIONS_SUBSCRIPTION);
        if !live && self.is_connected() {
            let _ = self.send_internal(&Request::CancelPositions(CancelPositions {}));
        }
        outcome.map(|()| rows)
    }

    /// Subscribes to `account`'s updates and waits for `accountDownloadEnd`
    /// (at most `timeout`); then unsubscribes, or re-issues a live
    /// [`Client::req_account_updates`] subscription (TWS keeps one at a time).
    /// While it waits, account-update messages go to it, not to the event
    /// queue. Fails with `Request` (error 321) for an unknown account. One
    /// call at a time per client: a second one while one runs fails at once
    /// with `Busy` (nothing is sent). Values that come after a timed-out call
    /// ended carry no request id and arrive as ordinary events.
    pub fn account_updates(
        &self,
        account: &str,
        timeout: Duration,
    ) -> Result<AccountSnapshot, Error> {
        let call = self.start_call(
            Answers::Key(RouteKey::AccountUpdates),
            "account_updates",
            timeout,
        )?;
        self.send_internal(&Request::ReqAccountUpdates(ReqAccountUpdates {
            subscribe: true,
            account: account.into(),
        }))?;
        let mut snapshot = AccountSnapshot {
            account: account.to_owned(),
            ..AccountSnapshot::default()
        };
        let outcome = self.collect(&call, "accountDownloadEnd", |msg| {
            match msg {
                Incoming::AccountValue(v) => snapshot.values.push(v),
                Incoming::PortfolioValue(p) => snapshot.portfolio.push(p),
                Incoming::AccountUpdateTime(t) => snapshot.time = t.time_stamp.to_string(),
                Incoming::AccountDownloadEnd(end) => {
                    if !end.account.is_empty() {
                        snapshot.account = end.account.to_string();
                    }
                    return Step::Done;
                }
                _ => {}
            }
            Step::More
        });
        let live = lock(&self.shared.subscriptions)
            .get(&ACCOUNT_UPDATES_SUBSCRIPTION)
            .map(|sub| sub.request.clone());
        if self.is_connected() {
            let _ = match live {
                Some(request) => self.send_internal(&request),
                None => self.send_internal(&Request::ReqAccountUpdates(ReqAccountUpdates {
                    subscribe: false,
                    account: account.into(),
                })),
            };
        }
        outcome.map(|()| snapshot)
    }
}
