//! The live account subscriptions of the desk's sessions: reqPositions and
//! reqAccountUpdates get a fill's position change pushed (position,
//! updatePortfolio with accountUpdateTime), and client 0 bound by
//! reqAutoOpenOrders(true) gets other clients' openOrder / orderStatus.

use crate::protocol::account_data::{ReqAccountUpdates, ReqPositionsMulti};
use crate::protocol::Incoming;
use crate::sim::account_replies;
use crate::sim::matching::Position;

use super::Book;

/// One connected session at the desk.
#[derive(Debug)]
pub struct Attached {
    pub client_id: i32,
    /// Messages waiting for the session.
    pub out: Vec<Incoming>,
    /// reqPositions is open.
    pub positions: bool,
    /// The account reqAccountUpdates subscribed to.
    pub account: Option<String>,
    /// Client 0 after reqAutoOpenOrders(true).
    pub auto_bind: bool,
}

impl Attached {
    pub fn new(client_id: i32) -> Attached {
        Attached {
            client_id,
            out: Vec::new(),
            positions: false,
            account: None,
            auto_bind: false,
        }
    }
}

impl Book {
    /// reqPositions from connection `conn`: every position of every
    /// account, then positionEnd; later fills push position messages.
    pub fn positions(&mut self, conn: u64, client_id: i32, accounts: &[String]) -> Vec<Incoming> {
        let mut out = self.pending(client_id);
        out.extend(account_replies::reply_positions(accounts, &|a| {
            self.holdings(a)
        }));
        if let Some(link) = self.links.get_mut(&conn) {
            link.positions = true;
        }
        out
    }

    /// cancelPositions: no more position pushes.
    pub fn cancel_positions(&mut self, conn: u64) {
        if let Some(link) = self.links.get_mut(&conn) {
            link.positions = false;
        }
    }

    /// reqAccountUpdates: subscribes the connection to one account (its
    /// values and holdings now, updatePortfolio on later fills), or
    /// unsubscribes it.
    pub fn account_updates(
        &mut self,
        conn: u64,
        client_id: i32,
        r: &ReqAccountUpdates,
        accounts: &[String],
    ) -> Vec<Incoming> {
        let mut out = self.pending(client_id);
        out.extend(account_replies::reply_account_updates(r, accounts, &|a| {
            self.holdings(a)
        }));
        let account = match r.subscribe {
            true => account_replies::updates_account(&r.account, accounts),
            false => None,
        };
        if let Some(link) = self.links.get_mut(&conn) {
            link.account = account;
        }
        out
    }

    /// reqPositionsMulti: a snapshot of the holdings now.
    pub fn positions_multi(&self, r: &ReqPositionsMulti, accounts: &[String]) -> Vec<Incoming> {
        account_replies::reply_positions_multi(r, accounts, &|a| self.holdings(a))
    }

    /// reqAutoOpenOrders: client 0 binds (or unbinds); other clients cannot
    /// (`false`: the request was refused).
    pub fn auto_open_orders(&mut self, conn: u64, client_id: i32, auto_bind: bool) -> bool {
        if client_id != 0 {
            return false;
        }
        if let Some(link) = self.links.get_mut(&conn) {
            link.auto_bind = auto_bind;
        }
        true
    }

    /// Pushes a position change to the sessions subscribed to it.
    pub(super) fn push_position(&mut self, p: &Position) {
        let seeded = crate::sim::portfolio::holdings(&p.account)
            .into_iter()
            .find(|h| h.contract.con_id == p.con_id)
            .map_or(0.0, |h| h.realized_pnl);
        let Some(holding) = self.holding_of(p, seeded) else {
            return;
        };
        let position = account_replies::position(&p.account, &holding);
        let portfolio = account_replies::portfolio_value(&p.account, &holding);
        for link in self.links.values_mut() {
            if link.positions {
                link.out.push(position.clone());
            }
            if link.account.as_deref() == Some(p.account.as_str()) {
                link.out.push(portfolio.clone());
                link.out.push(account_replies::update_time());
            }
        }
    }
}
