//! The holdings the desk reports: the engine's positions (the seeded
//! portfolio plus every fill and exercise), valued. Seeded instruments keep
//! their fixed prices; an instrument of the order market is valued at its
//! quote now.

use crate::sim::matching::Position;
use crate::sim::portfolio::{self, Holding, Priced};

use super::super::market_replies::contract;
use super::Book;

impl Book {
    /// What `account` holds now: the seeded holdings first (in their fixed
    /// order), then the other traded instruments by con id. A position
    /// closed by fills stays, at 0, as with TWS.
    pub fn holdings(&self, account: &str) -> Vec<Holding> {
        let positions = self.engine.positions(account);
        let seeded = portfolio::holdings(account);
        let mut out: Vec<Holding> = seeded
            .iter()
            .filter_map(|h| {
                let p = positions.iter().find(|p| p.con_id == h.contract.con_id)?;
                self.holding_of(p, h.realized_pnl)
            })
            .collect();
        for p in &positions {
            if !seeded.iter().any(|h| h.contract.con_id == p.con_id) {
                out.extend(self.holding_of(p, 0.0));
            }
        }
        out
    }

    /// One position valued (`seeded_pnl`: the realized PnL the seeded
    /// portfolio reports for it).
    pub(super) fn holding_of(&self, p: &Position, seeded_pnl: f64) -> Option<Holding> {
        let priced = portfolio::seeded_instrument(p.con_id).or_else(|| self.priced(p.con_id))?;
        let realized = portfolio::cents(seeded_pnl + p.realized_pnl);
        Some(portfolio::valued(
            priced,
            &p.quantity.to_string(),
            p.avg_cost,
            realized,
        ))
    }

    /// An instrument of the order market, at its quote (mid, else last,
    /// else where its walk started).
    fn priced(&self, con_id: i32) -> Option<Priced> {
        let inst = self.instrument(con_id)?;
        let quote = self.market.as_ref().and_then(|m| m.quote(con_id));
        let price = quote
            .and_then(|q| [q.mid, q.last].into_iter().find(|p| *p > 0.0))
            .unwrap_or(inst.quote.start_price);
        // Positions name a stock's listing exchange, as the seeded ones do.
        let exchange = match inst.primary_exchange {
            "" => inst.exchange,
            primary => primary,
        };
        Some(Priced {
            contract: contract(inst, exchange),
            price,
            previous_close: inst.quote.start_price,
        })
    }
}
