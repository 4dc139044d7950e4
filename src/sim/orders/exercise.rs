//! exerciseOptions against the desk's positions: a long option position of
//! the account is exercised (the underlying delivered at the strike, the
//! premium paid folded into its cost) or lapses (the premium realized as a
//! loss). The caller gets an execDetails of the option leg (req id -1, price
//! 0, `optExerciseOrLapseType` 1 or 2); the position and account
//! subscriptions get both legs pushed. A request the desk cannot carry out
//! gets error 321 with the reason.

use crate::protocol::contract::Contract;
use crate::protocol::executions::{ExecDetails, Execution, ExerciseOptions};
use crate::protocol::Incoming;
use crate::sim::clock;
use crate::sim::matching::time::exec_time;
use crate::sim::matching::{Position, Qty};
use crate::sim::portfolio::{self, Holding};

use super::{replies, Book};

/// exerciseAction: exercise.
const EXERCISE: i32 = 1;
/// exerciseAction: let lapse.
const LAPSE: i32 = 2;

/// The exec id prefix of exercises: above every prefix the engine uses
/// (at most `0000ffff`), so the ids never meet the fills'.
const EXEC_PREFIX: u32 = 0xffff_e5e5;

fn refusal(req_id: i32, cause: &str) -> Incoming {
    replies::error(
        req_id,
        replies::VALIDATION_ERROR,
        &format!("Error validating request.-'bE' : cause - {cause}"),
    )
}

/// Whether the request's contract names this held option.
fn names(c: &Contract, held: &Contract) -> bool {
    if c.con_id > 0 {
        return c.con_id == held.con_id;
    }
    if !c.local_symbol.trim().is_empty() {
        return c.local_symbol.trim() == held.local_symbol.trim();
    }
    c.symbol.eq_ignore_ascii_case(&held.symbol)
        && c.last_trade_date_or_contract_month == held.last_trade_date_or_contract_month
        && (c.strike - held.strike).abs() < 1e-9
        && c.right.get(..1).map(str::to_ascii_uppercase).as_deref() == held.right.get(..1)
}

impl Book {
    /// exerciseOptions from `client_id`: its messages for the caller.
    pub fn exercise(
        &mut self,
        client_id: i32,
        r: &ExerciseOptions,
        accounts: &[String],
    ) -> Vec<Incoming> {
        let mut out = self.pending(client_id);
        match self.exercise_now(client_id, r, accounts) {
            Ok(exec) => out.push(exec),
            Err(cause) => out.push(refusal(r.req_id, &cause)),
        }
        out
    }

    fn exercise_now(
        &mut self,
        client_id: i32,
        r: &ExerciseOptions,
        accounts: &[String],
    ) -> Result<Incoming, String> {
        let account = match r.account.trim() {
            "" => accounts.first().cloned().unwrap_or_default(),
            named => named.to_owned(),
        };
        if !accounts.contains(&account) {
            return Err(format!("Invalid account code '{account}'"));
        }
        if r.exercise_action != EXERCISE && r.exercise_action != LAPSE {
            return Err(format!("Invalid exercise action {}", r.exercise_action));
        }
        if r.exercise_quantity <= 0 {
            return Err("The exercise quantity must be positive".to_owned());
        }
        let held: Option<Holding> = self.holdings(&account).into_iter().find(|h| {
            matches!(h.contract.sec_type.as_str(), "OPT" | "FOP") && names(&r.contract, &h.contract)
        });
        let Some(held) = held else {
            return Err(format!(
                "No option position in {} to exercise",
                r.contract.symbol
            ));
        };
        let con_id = held.contract.con_id;
        let Some(option) = self.engine.position(&account, con_id).cloned() else {
            return Err("No option position to exercise".to_owned());
        };
        let n = Qty::whole(i64::from(r.exercise_quantity));
        if !option.quantity.is_positive() || (option.quantity - n).is_negative() {
            return Err(format!(
                "The position of {} is {}: cannot exercise {}",
                held.contract.local_symbol, option.quantity, r.exercise_quantity
            ));
        }
        let multiplier: f64 = held.contract.multiplier.parse().unwrap_or(100.0);
        // The premium paid for the contracts exercised or lapsing.
        let premium = option.avg_cost * n.to_f64();
        let mut closed = Position {
            quantity: option.quantity - n,
            ..option.clone()
        };
        let mut changed = Vec::new();
        if r.exercise_action == EXERCISE {
            let underlying = portfolio::seeded_underlying(con_id)
                .or_else(|| self.instrument(con_id).map(|i| i.under_con_id))
                .filter(|u| *u > 0)
                .ok_or_else(|| "The option's underlying is not known".to_owned())?;
            let delivered = Qty::whole(i64::from(r.exercise_quantity) * multiplier as i64);
            let call = held.contract.right.starts_with('C');
            changed.push(self.deliver(
                &account,
                underlying,
                delivered,
                call,
                held.contract.strike,
                premium,
            ));
        } else {
            closed.realized_pnl -= premium;
        }
        changed.insert(0, closed);
        for p in changed {
            self.engine.put_position(p.clone());
            self.push_position(&p);
        }
        self.exercises += 1;
        Ok(self.exercise_execution(client_id, r, &account, &held))
    }

    /// The underlying position after the delivery of an exercise: a call
    /// buys `delivered` at the strike, a put sells it; the premium goes into
    /// the cost of what was bought (out of what a sale brings).
    fn deliver(
        &self,
        account: &str,
        con_id: i32,
        delivered: Qty,
        call: bool,
        strike: f64,
        premium: f64,
    ) -> Position {
        let old = self
            .engine
            .position(account, con_id)
            .cloned()
            .unwrap_or(Position {
                account: account.to_owned(),
                con_id,
                quantity: Qty::ZERO,
                avg_cost: 0.0,
                realized_pnl: 0.0,
            });
        let per_unit = if call {
            strike + premium / delivered.to_f64()
        } else {
            strike - premium / delivered.to_f64()
        };
        let change = if call {
            delivered
        } else {
            Qty::ZERO - delivered
        };
        let quantity = old.quantity + change;
        let same_side = old.quantity.is_zero() || (old.quantity.is_positive() == call);
        let avg_cost = if quantity.is_zero() {
            0.0
        } else if same_side {
            (old.quantity.to_f64() * old.avg_cost + change.to_f64() * per_unit) / quantity.to_f64()
        } else if quantity.is_positive() == old.quantity.is_positive() {
            old.avg_cost
        } else {
            per_unit
        };
        Position {
            quantity,
            avg_cost,
            ..old
        }
    }

    /// The execDetails of an exercise or lapse (the option leg).
    fn exercise_execution(
        &self,
        client_id: i32,
        r: &ExerciseOptions,
        account: &str,
        held: &Holding,
    ) -> Incoming {
        let now = clock::now_unix_ms();
        let mut contract = held.contract.clone();
        contract.primary_exchange.clear();
        Incoming::ExecDetails(ExecDetails {
            req_id: -1,
            execution: Box::new(Execution {
                order_id: 0,
                exec_id: format!("{EXEC_PREFIX:08x}.{:08x}.01.01", self.exercises),
                time: exec_time(&self.engine.config().zone, now),
                acct_number: account.to_owned(),
                exchange: contract.exchange.clone(),
                side: "SLD".to_owned(),
                shares: r.exercise_quantity.to_string(),
                price: 0.0,
                perm_id: 0,
                client_id,
                liquidation: false,
                cum_qty: r.exercise_quantity.to_string(),
                avg_price: 0.0,
                order_ref: String::new(),
                ev_rule: String::new(),
                ev_multiplier: 0.0,
                model_code: String::new(),
                last_liquidity: 0,
                pending_price_revision: false,
                submitter: String::new(),
                opt_exercise_or_lapse_type: r.exercise_action,
            }),
            contract: Box::new(contract),
        })
    }
}
