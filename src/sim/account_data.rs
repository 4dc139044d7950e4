//! Realistic paper-account values: the account-summary tags and the
//! per-currency ledger, deterministic per account code.
//!
//! Amounts are kept in cents so that sums print exactly. `DU123456` has a
//! fixed profile (net liquidation 983631.71 USD); any other account's profile
//! is derived from a hash of its code, so it differs per account but never
//! between runs. Every account is margin, based in USD, and holds USD and EUR.

use crate::protocol::account_tags::ALL_TAGS;

/// The comma list of every real account-summary tag (33 tags; the official
/// Python client's list misspells RegT as ReqT, this one does not).
pub fn all_tags() -> &'static str {
    ALL_TAGS
}

/// The base currency of every simulated account.
pub const BASE_CURRENCY: &str = "USD";

/// The label TWS gives the ledger summed over all currencies in base currency.
pub const BASE_LEDGER: &str = "BASE";

/// The tags of one currency's ledger (`$LEDGER`), in the order they are sent.
pub const LEDGER_TAGS: &[&str] = &[
    "Currency",
    "CashBalance",
    "TotalCashBalance",
    "AccruedCash",
    "StockMarketValue",
    "OptionMarketValue",
    "FutureOptionValue",
    "FuturesPNL",
    "NetLiquidationByCurrency",
    "UnrealizedPnL",
    "RealizedPnL",
    "ExchangeRate",
    "FundValue",
    "NetDividend",
    "MutualFundValue",
    "MoneyMarketFundValue",
    "CorporateBondValue",
    "TBondValue",
    "TBillValue",
    "WarrantValue",
    "IssuerOptionValue",
];

/// One value: tag, value text and currency (empty when the value has none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value {
    pub tag: String,
    pub value: String,
    pub currency: String,
}

/// One currency's holdings, in cents of that currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Ledger {
    currency: &'static str,
    /// Value of one unit in the base currency, times 1e6.
    rate_micros: i64,
    cash: i64,
    stock: i64,
    accrued: i64,
    unrealized: i64,
    realized: i64,
    dividend: i64,
}

impl Ledger {
    fn net_liquidation(&self) -> i64 {
        self.cash + self.stock + self.accrued
    }

    /// The same holdings converted to the base currency.
    fn in_base(&self) -> Ledger {
        let convert = |cents: i64| (cents * self.rate_micros + 500_000).div_euclid(1_000_000);
        Ledger {
            currency: BASE_LEDGER,
            rate_micros: 1_000_000,
            cash: convert(self.cash),
            stock: convert(self.stock),
            accrued: convert(self.accrued),
            unrealized: convert(self.unrealized),
            realized: convert(self.realized),
            dividend: convert(self.dividend),
        }
    }

    fn sum(currency: &'static str, ledgers: &[Ledger]) -> Ledger {
        ledgers.iter().fold(
            Ledger {
                currency,
                rate_micros: 1_000_000,
                cash: 0,
                stock: 0,
                accrued: 0,
                unrealized: 0,
                realized: 0,
                dividend: 0,
            },
            |acc, l| Ledger {
                cash: acc.cash + l.cash,
                stock: acc.stock + l.stock,
                accrued: acc.accrued + l.accrued,
                unrealized: acc.unrealized + l.unrealized,
                realized: acc.realized + l.realized,
                dividend: acc.dividend + l.dividend,
                ..acc
            },
        )
    }

    fn value(&self, tag: &str) -> Option<String> {
        let cents = match tag {
            "Currency" => return Some(self.currency.to_owned()),
            "ExchangeRate" => return Some(rate(self.rate_micros)),
            "CashBalance" | "TotalCashBalance" => self.cash,
            "AccruedCash" => self.accrued,
            "StockMarketValue" => self.stock,
            "NetLiquidationByCurrency" => self.net_liquidation(),
            "UnrealizedPnL" => self.unrealized,
            "RealizedPnL" => self.realized,
            "NetDividend" => self.dividend,
            "OptionMarketValue"
            | "FutureOptionValue"
            | "FuturesPNL"
            | "FundValue"
            | "MutualFundValue"
            | "MoneyMarketFundValue"
            | "CorporateBondValue"
            | "TBondValue"
            | "TBillValue"
            | "WarrantValue"
            | "IssuerOptionValue" => 0,
            _ => return None,
        };
        Some(money(cents))
    }
}

/// What distinguishes one account from another.
#[derive(Debug, Clone, Copy)]
struct Profile {
    account_type: &'static str,
    net_liquidation: i64,
    usd_stock: i64,
    usd_accrued: i64,
    usd_unrealized: i64,
    usd_realized: i64,
    usd_dividend: i64,
    eur_cash: i64,
    eur_stock: i64,
    eur_unrealized: i64,
    /// Today's change of the equity with loan value.
    day_change: i64,
}

pub(super) const EUR_RATE_MICROS: i64 = 1_084_500;

const DU123456: Profile = Profile {
    account_type: "INDIVIDUAL",
    net_liquidation: 98_363_171,
    usd_stock: 41_258_730,
    usd_accrued: 123_648,
    usd_unrealized: 1_845_217,
    usd_realized: 0,
    usd_dividend: 8_640,
    eur_cash: 2_500_000,
    eur_stock: 1_824_000,
    eur_unrealized: 51_240,
    day_change: 412_905,
};

impl Profile {
    fn for_account(account: &str) -> Profile {
        if account == "DU123456" {
            return DU123456;
        }
        let mut rng = SplitMix(fnv1a(account.as_bytes()));
        let net_liquidation = rng.range(150_000 * 100, 2_500_000 * 100);
        let percent =
            |rng: &mut SplitMix, lo: i64, hi: i64| net_liquidation * rng.range(lo, hi) / 100;
        let usd_stock = percent(&mut rng, 20, 65);
        let eur_cash = percent(&mut rng, 2, 6) / 100 * 100;
        let eur_stock = percent(&mut rng, 0, 5);
        Profile {
            account_type: ["INDIVIDUAL", "INDIVIDUAL", "INDIVIDUAL", "JOINT"]
                [rng.range(0, 4) as usize],
            net_liquidation,
            usd_stock,
            usd_accrued: net_liquidation * rng.range(2, 20) / 10_000,
            usd_unrealized: usd_stock * rng.range(-50, 120) / 1000,
            usd_realized: usd_stock * rng.range(-10, 30) / 1000,
            usd_dividend: usd_stock * rng.range(0, 5) / 10_000,
            eur_cash,
            eur_stock,
            eur_unrealized: eur_stock * rng.range(-40, 90) / 1000,
            day_change: net_liquidation * rng.range(-150, 150) / 10_000,
        }
    }
}

/// The values of one account.
#[derive(Debug, Clone)]
pub struct AccountData {
    account_type: &'static str,
    ledgers: Vec<Ledger>,
    base: Ledger,
    day_change: i64,
}

impl AccountData {
    /// The values of `account` (deterministic per account code).
    pub fn for_account(account: &str) -> AccountData {
        let p = Profile::for_account(account);
        let eur = Ledger {
            currency: "EUR",
            rate_micros: EUR_RATE_MICROS,
            cash: p.eur_cash,
            stock: p.eur_stock,
            accrued: 0,
            unrealized: p.eur_unrealized,
            realized: 0,
            dividend: 0,
        };
        let eur_in_base = eur.in_base();
        // USD cash is what makes the net liquidation come out exactly.
        let usd_cash =
            p.net_liquidation - eur_in_base.net_liquidation() - p.usd_stock - p.usd_accrued;
        let usd = Ledger {
            currency: BASE_CURRENCY,
            rate_micros: 1_000_000,
            cash: usd_cash,
            stock: p.usd_stock,
            accrued: p.usd_accrued,
            unrealized: p.usd_unrealized,
            realized: p.usd_realized,
            dividend: p.usd_dividend,
        };
        let base = Ledger::sum(BASE_LEDGER, &[usd.in_base(), eur_in_base]);
        AccountData {
            account_type: p.account_type,
            ledgers: vec![usd, eur],
            base,
            day_change: p.day_change,
        }
    }

    /// The currencies the account holds, base currency first.
    pub fn currencies(&self) -> Vec<&'static str> {
        self.ledgers.iter().map(|l| l.currency).collect()
    }

    /// One account-summary tag's value, or `None` for a tag TWS does not know.
    pub fn summary_value(&self, tag: &str) -> Option<Value> {
        let b = &self.base;
        let net_liq = b.net_liquidation();
        let equity_with_loan = b.cash + b.stock;
        let init_margin = b.stock * 25 / 100;
        let maint_margin = init_margin * 9 / 10;
        let regt_margin = b.stock / 2;
        let available = equity_with_loan - init_margin;
        let excess = equity_with_loan - maint_margin;
        let day_trades = if net_liq >= 25_000 * 100 { "-1" } else { "3" };
        let (value, currency) = match tag {
            "AccountType" => (self.account_type.to_owned(), ""),
            "NetLiquidation" => (money(net_liq), BASE_CURRENCY),
            "TotalCashValue" | "SettledCash" => (money(b.cash), BASE_CURRENCY),
            "AccruedCash" => (money(b.accrued), BASE_CURRENCY),
            "BuyingPower" => (money(available * 4), BASE_CURRENCY),
            "EquityWithLoanValue" | "RegTEquity" => (money(equity_with_loan), BASE_CURRENCY),
            "PreviousDayEquityWithLoanValue" => {
                (money(equity_with_loan - self.day_change), BASE_CURRENCY)
            }
            "GrossPositionValue" => (money(b.stock), BASE_CURRENCY),
            "RegTMargin" => (money(regt_margin), BASE_CURRENCY),
            "SMA" => (
                money((equity_with_loan - regt_margin).max(0)),
                BASE_CURRENCY,
            ),
            "InitMarginReq" | "FullInitMarginReq" | "LookAheadInitMarginReq" => {
                (money(init_margin), BASE_CURRENCY)
            }
            "MaintMarginReq" | "FullMaintMarginReq" | "LookAheadMaintMarginReq" => {
                (money(maint_margin), BASE_CURRENCY)
            }
            "AvailableFunds" | "FullAvailableFunds" | "LookAheadAvailableFunds" => {
                (money(available), BASE_CURRENCY)
            }
            "ExcessLiquidity" | "FullExcessLiquidity" | "LookAheadExcessLiquidity" => {
                (money(excess), BASE_CURRENCY)
            }
            "Cushion" => (ratio(excess, net_liq, 6), ""),
            "Leverage" => (ratio(b.stock, net_liq, 2), ""),
            "LookAheadNextChange" | "HighestSeverity" => ("0".to_owned(), ""),
            "DayTradesRemaining"
            | "DayTradesRemainingT+1"
            | "DayTradesRemainingT+2"
            | "DayTradesRemainingT+3"
            | "DayTradesRemainingT+4" => (day_trades.to_owned(), ""),
            _ => return None,
        };
        Some(Value {
            tag: tag.to_owned(),
            value,
            currency: currency.to_owned(),
        })
    }

    /// The ledger of `currency` (a held currency, or `BASE` for the sum in
    /// base currency); empty when the account does not hold it.
    pub fn ledger(&self, currency: &str) -> Vec<Value> {
        let ledger = if currency.eq_ignore_ascii_case(BASE_LEDGER) {
            Some(&self.base)
        } else {
            self.ledgers
                .iter()
                .find(|l| l.currency.eq_ignore_ascii_case(currency))
        };
        let Some(ledger) = ledger else {
            return Vec::new();
        };
        LEDGER_TAGS
            .iter()
            .filter_map(|&tag| {
                ledger.value(tag).map(|value| Value {
                    tag: tag.to_owned(),
                    value,
                    currency: ledger.currency.to_owned(),
                })
            })
            .collect()
    }
}

/// Cents as TWS prints money: `983631.71`, `-12.05`.
fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// `num / den` rounded to `decimals` places.
fn ratio(num: i64, den: i64, decimals: u32) -> String {
    if den == 0 {
        return "0".to_owned();
    }
    let scale = 10i128.pow(decimals);
    let scaled = (i128::from(num) * scale * 2 + i128::from(den)).div_euclid(2 * i128::from(den));
    let sign = if scaled < 0 { "-" } else { "" };
    let abs = scaled.unsigned_abs();
    let scale = scale.unsigned_abs();
    format!(
        "{sign}{}.{:0width$}",
        abs / scale,
        abs % scale,
        width = decimals as usize
    )
}

/// An exchange rate (times 1e6) with at least two decimals: `1.00`, `1.0845`.
fn rate(micros: i64) -> String {
    let mut text = format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000);
    while text.ends_with('0') && text.len() > text.find('.').map_or(0, |dot| dot + 3) {
        text.pop();
    }
    text
}

pub(super) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A tiny deterministic generator (SplitMix64).
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A value in `lo..hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        let span = (hi - lo).max(1) as u64;
        lo + (self.next() % span) as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(data: &AccountData, tag: &str) -> String {
        data.summary_value(tag).unwrap().value
    }

    #[test]
    fn every_tag_has_a_value() {
        let data = AccountData::for_account("DU123456");
        let tags: Vec<&str> = all_tags().split(',').collect();
        assert_eq!(tags.len(), 33);
        for tag in tags {
            assert!(data.summary_value(tag).is_some(), "{tag}");
        }
        assert!(data.summary_value("ReqTEquity").is_none());
    }

    #[test]
    fn du123456_net_liquidation() {
        let data = AccountData::for_account("DU123456");
        let net_liq = data.summary_value("NetLiquidation").unwrap();
        assert_eq!(net_liq.value, "983631.71");
        assert_eq!(net_liq.currency, "USD");
        assert_eq!(data.summary_value("AccountType").unwrap().currency, "");
        assert_eq!(data.summary_value("Cushion").unwrap().currency, "");
        let base = data.ledger("BASE");
        let by_ccy = base
            .iter()
            .find(|v| v.tag == "NetLiquidationByCurrency")
            .unwrap();
        assert_eq!(by_ccy.value, "983631.71");
    }

    #[test]
    fn accounts_differ_and_are_consistent() {
        let a = AccountData::for_account("DU654321");
        let b = AccountData::for_account("DU777777");
        assert_ne!(value(&a, "NetLiquidation"), value(&b, "NetLiquidation"));
        assert_eq!(
            value(&a, "NetLiquidation"),
            value(&AccountData::for_account("DU654321"), "NetLiquidation")
        );
        for data in [a, b] {
            assert!(!value(&data, "TotalCashValue").starts_with('-'));
            let cushion: f64 = value(&data, "Cushion").parse().unwrap();
            assert!(cushion > 0.0 && cushion < 1.0);
        }
    }

    #[test]
    fn ledgers() {
        let data = AccountData::for_account("DU123456");
        assert_eq!(data.currencies(), vec!["USD", "EUR"]);
        let eur = data.ledger("EUR");
        assert_eq!(eur.len(), LEDGER_TAGS.len());
        assert!(eur.iter().all(|v| v.currency == "EUR"));
        assert_eq!(eur[0].value, "EUR");
        let rate = eur.iter().find(|v| v.tag == "ExchangeRate").unwrap();
        assert_eq!(rate.value, "1.0845");
        assert!(data.ledger("GBP").is_empty());
    }

    #[test]
    fn formatting() {
        assert_eq!(money(98_363_171), "983631.71");
        assert_eq!(money(-5), "-0.05");
        assert_eq!(ratio(1, 3, 6), "0.333333");
        assert_eq!(ratio(2, 3, 2), "0.67");
        assert_eq!(rate(1_000_000), "1.00");
        assert_eq!(rate(1_084_500), "1.0845");
    }
}
