//! What the simulated accounts hold: stocks, a fractional position, an
//! option and a holding in EUR, valued at fixed prices.
//!
//! `DU123456` holds AAPL 100 @ 172.35, MSFT 0.5 (fractional), two AAPL calls
//! and SAP in EUR; any other account holds SPY, NVDA (fractional) and BMW in
//! EUR, in quantities derived from a hash of its code (different per account,
//! the same in every run).

use crate::protocol::contract::Contract;

use super::account_data::{fnv1a, EUR_RATE_MICROS};

/// An instrument the simulator knows, with today's and yesterday's prices.
struct Instrument {
    con_id: i32,
    symbol: &'static str,
    sec_type: &'static str,
    expiry: &'static str,
    strike: f64,
    right: &'static str,
    multiplier: &'static str,
    exchange: &'static str,
    currency: &'static str,
    local_symbol: &'static str,
    trading_class: &'static str,
    price: f64,
    previous_close: f64,
}

const fn stock(
    con_id: i32,
    symbol: &'static str,
    exchange: &'static str,
    currency: &'static str,
    trading_class: &'static str,
    price: f64,
    previous_close: f64,
) -> Instrument {
    Instrument {
        con_id,
        symbol,
        sec_type: "STK",
        expiry: "",
        strike: 0.0,
        right: "",
        multiplier: "",
        exchange,
        currency,
        local_symbol: symbol,
        trading_class,
        price,
        previous_close,
    }
}

const AAPL: Instrument = stock(265598, "AAPL", "NASDAQ", "USD", "NMS", 189.84, 187.44);
const MSFT: Instrument = stock(272093, "MSFT", "NASDAQ", "USD", "NMS", 415.2, 411.65);
const SAP: Instrument = stock(14204, "SAP", "IBIS", "EUR", "XETRA", 231.5, 229.8);
const SPY: Instrument = stock(756733, "SPY", "ARCA", "USD", "SPY", 592.1, 590.0);
const NVDA: Instrument = stock(4815747, "NVDA", "NASDAQ", "USD", "NMS", 141.95, 140.2);
const BMW: Instrument = stock(14171, "BMW", "IBIS", "EUR", "XETRA", 72.34, 71.9);
const AAPL_CALL: Instrument = Instrument {
    con_id: 713_291_520,
    symbol: "AAPL",
    sec_type: "OPT",
    expiry: "20261218",
    strike: 200.0,
    right: "C",
    multiplier: "100",
    exchange: "CBOE",
    currency: "USD",
    local_symbol: "AAPL  261218C00200000",
    trading_class: "AAPL",
    price: 14.85,
    previous_close: 14.1,
};

/// One position of one account, valued.
#[derive(Debug, Clone, PartialEq)]
pub struct Holding {
    /// As in a position message (exchange set, primary exchange empty for
    /// derivatives).
    pub contract: Contract,
    /// Decimal text, exactly as sent.
    pub quantity: String,
    /// Per unit, times the multiplier for derivatives (as TWS reports it).
    pub avg_cost: f64,
    /// Per share.
    pub market_price: f64,
    pub market_value: f64,
    pub unrealized_pnl: f64,
    pub realized_pnl: f64,
    /// Today's change of the market value, in the holding's currency.
    pub daily_pnl: f64,
    /// Value of one unit of the holding's currency in USD.
    pub fx_rate: f64,
}

/// Rounds to cents.
pub fn cents(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// A contract with its price now and at yesterday's close: what a holding
/// is valued from.
#[derive(Debug, Clone, PartialEq)]
pub struct Priced {
    /// As in a position message (exchange set, primary exchange for stocks).
    pub contract: Contract,
    /// Per share.
    pub price: f64,
    pub previous_close: f64,
}

fn priced(i: &Instrument) -> Priced {
    let primary = if i.sec_type == "STK" { i.exchange } else { "" };
    Priced {
        contract: Contract {
            con_id: i.con_id,
            symbol: i.symbol.to_owned(),
            sec_type: i.sec_type.to_owned(),
            last_trade_date_or_contract_month: i.expiry.to_owned(),
            strike: i.strike,
            right: i.right.to_owned(),
            multiplier: i.multiplier.to_owned(),
            exchange: i.exchange.to_owned(),
            primary_exchange: primary.to_owned(),
            currency: i.currency.to_owned(),
            local_symbol: i.local_symbol.to_owned(),
            trading_class: i.trading_class.to_owned(),
            ..Contract::default()
        },
        price: i.price,
        previous_close: i.previous_close,
    }
}

/// The instruments of the seeded holdings.
const SEEDED: &[&Instrument] = &[&AAPL, &MSFT, &SAP, &SPY, &NVDA, &BMW, &AAPL_CALL];

/// A seeded holding's instrument by con id, priced at the fixed prices.
pub fn seeded_instrument(con_id: i32) -> Option<Priced> {
    SEEDED
        .iter()
        .find(|i| i.con_id == con_id)
        .map(|i| priced(i))
}

/// The underlying of a seeded option (AAPL for the AAPL call).
pub fn seeded_underlying(con_id: i32) -> Option<i32> {
    (con_id == AAPL_CALL.con_id).then_some(AAPL.con_id)
}

/// A holding of `quantity` (decimal text) of `p` bought at `avg_cost`,
/// valued at its price.
pub fn valued(p: Priced, quantity: &str, avg_cost: f64, realized_pnl: f64) -> Holding {
    let qty: f64 = quantity.parse().unwrap_or(0.0);
    let multiplier: f64 = p.contract.multiplier.parse().unwrap_or(1.0);
    let market_value = cents(qty * p.price * multiplier);
    Holding {
        fx_rate: if p.contract.currency == "EUR" {
            EUR_RATE_MICROS as f64 / 1e6
        } else {
            1.0
        },
        quantity: quantity.to_owned(),
        avg_cost,
        market_price: p.price,
        market_value,
        unrealized_pnl: cents(market_value - qty * avg_cost),
        realized_pnl,
        daily_pnl: cents(qty * (p.price - p.previous_close) * multiplier),
        contract: p.contract,
    }
}

fn holding(i: &Instrument, quantity: &str, avg_cost: f64, realized_pnl: f64) -> Holding {
    valued(priced(i), quantity, avg_cost, realized_pnl)
}

/// The holdings of `account`, in a fixed order.
pub fn holdings(account: &str) -> Vec<Holding> {
    if account == "DU123456" {
        return vec![
            holding(&AAPL, "100", 172.35, 0.0),
            holding(&MSFT, "0.5", 402.1, 0.0),
            holding(&AAPL_CALL, "2", 1250.4, 312.5),
            holding(&SAP, "30", 198.76, 0.0),
        ];
    }
    let h = fnv1a(account.as_bytes());
    let spy = 10 + h % 190;
    let nvda_tenths = 5 + (h >> 16) % 500;
    let bmw = 20 + (h >> 32) % 180;
    vec![
        holding(&SPY, &spy.to_string(), 531.27, 0.0),
        holding(
            &NVDA,
            &format!("{}.{}", nvda_tenths / 10, nvda_tenths % 10),
            118.6,
            42.15,
        ),
        holding(&BMW, &bmw.to_string(), 80.12, 0.0),
    ]
}

/// Daily, unrealized and realized PnL of `account` in USD.
pub fn account_pnl(account: &str) -> (f64, f64, f64) {
    holdings(account).iter().fold((0.0, 0.0, 0.0), |acc, h| {
        (
            cents(acc.0 + h.daily_pnl * h.fx_rate),
            cents(acc.1 + h.unrealized_pnl * h.fx_rate),
            cents(acc.2 + h.realized_pnl * h.fx_rate),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn du123456_holds_aapl_a_fraction_an_option_and_eur() {
        let h = holdings("DU123456");
        assert_eq!(h[0].contract.symbol, "AAPL");
        assert_eq!((h[0].quantity.as_str(), h[0].avg_cost), ("100", 172.35));
        assert_eq!(h[0].market_value, 18984.0);
        assert_eq!(h[0].unrealized_pnl, 1749.0);
        assert_eq!(h[1].quantity, "0.5");
        assert_eq!(h[2].contract.sec_type, "OPT");
        assert_eq!(h[2].market_value, 2970.0);
        assert_eq!(h[3].contract.currency, "EUR");
    }

    #[test]
    fn other_accounts_differ_but_are_stable() {
        assert_eq!(holdings("DU654321"), holdings("DU654321"));
        assert_ne!(holdings("DU654321"), holdings("DU777777"));
        assert!(holdings("DU654321")[1].quantity.contains('.'));
    }

    #[test]
    fn pnl_sums_holdings() {
        let (_, unrealized, realized) = account_pnl("DU123456");
        assert!(unrealized > 1000.0);
        assert_eq!(realized, 312.5);
    }
}
