//! What an order costs: a tiered-style commission schedule (close to IBKR
//! Pro's published tiers for the simulator's security types) and the
//! margin rates of what-if answers and margin checks.

use crate::sim::instruments::Instrument;

/// Units times price times this is the money value of a fill.
pub fn value_multiplier(inst: &Instrument) -> f64 {
    match inst.multiplier.trim().parse::<f64>() {
        Ok(m) if m > 0.0 => m,
        // Bond prices are percent of a 1000 face.
        _ if inst.is_bond() => 10.0,
        _ => 1.0,
    }
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// The commission of an order whose fills so far total `qty` units worth
/// `value` (in the instrument's currency); `sells`: fees on sales apply.
/// The per-order minimum applies to the whole order, so an execution is
/// charged `commission(after) - commission(before)`.
pub fn order_commission(inst: &Instrument, qty: f64, value: f64, sells: bool) -> f64 {
    if qty <= 0.0 {
        return 0.0;
    }
    let c = match inst.sec_type {
        "STK" if inst.currency == "USD" => {
            let base = (0.0035 * qty).max(0.35).min(0.01 * value);
            let clearing = 0.0002 * qty;
            let exchange = 0.003 * qty;
            let regulatory = if sells {
                0.000_027_8 * value + (0.000_166 * qty).min(8.30)
            } else {
                0.0
            };
            base + clearing + exchange + regulatory
        }
        "STK" => (0.0005 * value).clamp(1.25, 29.0),
        "OPT" => (0.65 * qty).max(1.0) + 0.02 * qty,
        "FUT" | "FOP" => 2.15 * qty,
        "CASH" => (0.000_02 * value).max(2.0),
        "BOND" => (0.0002 * value).max(1.0),
        _ => (0.0035 * qty).max(1.0),
    };
    round6(c)
}

/// The currency commissions are charged in (the quote currency).
pub fn commission_currency(inst: &Instrument) -> &'static str {
    inst.currency
}

/// Initial and maintenance margin per unit of money value of a position.
pub fn margin_rates(inst: &Instrument, short: bool) -> (f64, f64) {
    match inst.sec_type {
        "STK" if short => (0.30, 0.30),
        "STK" => (0.25, 0.25),
        "OPT" if short => (0.20, 0.20),
        // A long option is paid in full: no margin beyond its premium.
        "OPT" => (0.0, 0.0),
        "FUT" | "FOP" => (0.055, 0.05),
        "CASH" => (0.03, 0.025),
        "BOND" => (0.10, 0.08),
        _ => (0.5, 0.5),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::instruments::{Date, Instruments, AAPL_CON_ID, EURUSD_CON_ID};

    fn inst(con_id: i32) -> Instrument {
        let all = Instruments::build(Date {
            year: 2026,
            month: 12,
            day: 1,
        });
        all.get(all.index_of(con_id).unwrap()).clone()
    }

    #[test]
    fn stock_commission_has_a_minimum_per_order_and_a_cap() {
        let aapl = inst(AAPL_CON_ID);
        // 10 shares at 190: the 0.35 minimum plus per-share fees.
        let small = order_commission(&aapl, 10.0, 1900.0, false);
        assert!((small - (0.35 + 0.002 + 0.03)).abs() < 1e-9, "{small}");
        // 1000 shares: 3.50 plus fees; a sale pays regulatory fees on top.
        let buy = order_commission(&aapl, 1000.0, 190_000.0, false);
        assert!((buy - (3.5 + 0.2 + 3.0)).abs() < 1e-9, "{buy}");
        assert!(order_commission(&aapl, 1000.0, 190_000.0, true) > buy);
        // 1000 shares at 0.10: capped at 1% of the value.
        let penny = order_commission(&aapl, 1000.0, 100.0, false);
        assert!((penny - (1.0 + 0.2 + 3.0)).abs() < 1e-9, "{penny}");
    }

    #[test]
    fn fx_commission_is_a_fraction_of_the_value_with_a_minimum() {
        let fx = inst(EURUSD_CON_ID);
        assert_eq!(order_commission(&fx, 20_000.0, 21_000.0, false), 2.0);
        assert_eq!(order_commission(&fx, 1e6, 1.05e6, false), 21.0);
        assert_eq!(commission_currency(&fx), "USD");
    }
}
