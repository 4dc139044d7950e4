//! Tick type numbers and IB's names for them (`BID_SIZE` = 0 ... `NOT_SET`),
//! as carried by tickPrice, tickSize, tickString, tickGeneric, tickEFP and
//! tickOptionComputation. The delayed twins (`DELAYED_BID` 66 ...) carry the
//! same values as their live ticks when the market data type is delayed.
//! `tests/tick_types.rs` compares this table with the official client's.

pub const BID_SIZE: i32 = 0;
pub const BID: i32 = 1;
pub const ASK: i32 = 2;
pub const ASK_SIZE: i32 = 3;
pub const LAST: i32 = 4;
pub const LAST_SIZE: i32 = 5;
pub const HIGH: i32 = 6;
pub const LOW: i32 = 7;
pub const VOLUME: i32 = 8;
pub const CLOSE: i32 = 9;
pub const BID_OPTION_COMPUTATION: i32 = 10;
pub const ASK_OPTION_COMPUTATION: i32 = 11;
pub const LAST_OPTION_COMPUTATION: i32 = 12;
pub const MODEL_OPTION: i32 = 13;
pub const OPEN: i32 = 14;
pub const LOW_13_WEEK: i32 = 15;
pub const HIGH_13_WEEK: i32 = 16;
pub const LOW_26_WEEK: i32 = 17;
pub const HIGH_26_WEEK: i32 = 18;
pub const LOW_52_WEEK: i32 = 19;
pub const HIGH_52_WEEK: i32 = 20;
pub const AVG_VOLUME: i32 = 21;
pub const OPEN_INTEREST: i32 = 22;
pub const OPTION_HISTORICAL_VOL: i32 = 23;
pub const OPTION_IMPLIED_VOL: i32 = 24;
pub const OPTION_BID_EXCH: i32 = 25;
pub const OPTION_ASK_EXCH: i32 = 26;
pub const OPTION_CALL_OPEN_INTEREST: i32 = 27;
pub const OPTION_PUT_OPEN_INTEREST: i32 = 28;
pub const OPTION_CALL_VOLUME: i32 = 29;
pub const OPTION_PUT_VOLUME: i32 = 30;
pub const INDEX_FUTURE_PREMIUM: i32 = 31;
pub const BID_EXCH: i32 = 32;
pub const ASK_EXCH: i32 = 33;
pub const AUCTION_VOLUME: i32 = 34;
pub const AUCTION_PRICE: i32 = 35;
pub const AUCTION_IMBALANCE: i32 = 36;
pub const MARK_PRICE: i32 = 37;
pub const BID_EFP_COMPUTATION: i32 = 38;
pub const ASK_EFP_COMPUTATION: i32 = 39;
pub const LAST_EFP_COMPUTATION: i32 = 40;
pub const OPEN_EFP_COMPUTATION: i32 = 41;
pub const HIGH_EFP_COMPUTATION: i32 = 42;
pub const LOW_EFP_COMPUTATION: i32 = 43;
pub const CLOSE_EFP_COMPUTATION: i32 = 44;
pub const LAST_TIMESTAMP: i32 = 45;
pub const SHORTABLE: i32 = 46;
pub const NOT_USED: i32 = 47;
pub const RT_VOLUME: i32 = 48;
pub const HALTED: i32 = 49;
pub const BID_YIELD: i32 = 50;
pub const ASK_YIELD: i32 = 51;
pub const LAST_YIELD: i32 = 52;
pub const CUST_OPTION_COMPUTATION: i32 = 53;
pub const TRADE_COUNT: i32 = 54;
pub const TRADE_RATE: i32 = 55;
pub const VOLUME_RATE: i32 = 56;
pub const LAST_RTH_TRADE: i32 = 57;
pub const RT_HISTORICAL_VOL: i32 = 58;
pub const IB_DIVIDENDS: i32 = 59;
pub const BOND_FACTOR_MULTIPLIER: i32 = 60;
pub const REGULATORY_IMBALANCE: i32 = 61;
pub const NEWS_TICK: i32 = 62;
pub const SHORT_TERM_VOLUME_3_MIN: i32 = 63;
pub const SHORT_TERM_VOLUME_5_MIN: i32 = 64;
pub const SHORT_TERM_VOLUME_10_MIN: i32 = 65;
pub const DELAYED_BID: i32 = 66;
pub const DELAYED_ASK: i32 = 67;
pub const DELAYED_LAST: i32 = 68;
pub const DELAYED_BID_SIZE: i32 = 69;
pub const DELAYED_ASK_SIZE: i32 = 70;
pub const DELAYED_LAST_SIZE: i32 = 71;
pub const DELAYED_HIGH: i32 = 72;
pub const DELAYED_LOW: i32 = 73;
pub const DELAYED_VOLUME: i32 = 74;
pub const DELAYED_CLOSE: i32 = 75;
pub const DELAYED_OPEN: i32 = 76;
pub const RT_TRD_VOLUME: i32 = 77;
pub const CREDITMAN_MARK_PRICE: i32 = 78;
pub const CREDITMAN_SLOW_MARK_PRICE: i32 = 79;
pub const DELAYED_BID_OPTION: i32 = 80;
pub const DELAYED_ASK_OPTION: i32 = 81;
pub const DELAYED_LAST_OPTION: i32 = 82;
pub const DELAYED_MODEL_OPTION: i32 = 83;
pub const LAST_EXCH: i32 = 84;
pub const LAST_REG_TIME: i32 = 85;
pub const FUTURES_OPEN_INTEREST: i32 = 86;
pub const AVG_OPT_VOLUME: i32 = 87;
pub const DELAYED_LAST_TIMESTAMP: i32 = 88;
pub const SHORTABLE_SHARES: i32 = 89;
pub const DELAYED_HALTED: i32 = 90;
pub const REUTERS_2_MUTUAL_FUNDS: i32 = 91;
pub const ETF_NAV_CLOSE: i32 = 92;
pub const ETF_NAV_PRIOR_CLOSE: i32 = 93;
pub const ETF_NAV_BID: i32 = 94;
pub const ETF_NAV_ASK: i32 = 95;
pub const ETF_NAV_LAST: i32 = 96;
pub const ETF_FROZEN_NAV_LAST: i32 = 97;
pub const ETF_NAV_HIGH: i32 = 98;
pub const ETF_NAV_LOW: i32 = 99;
pub const SOCIAL_MARKET_ANALYTICS: i32 = 100;
pub const ESTIMATED_IPO_MIDPOINT: i32 = 101;
pub const FINAL_IPO_LAST: i32 = 102;
pub const DELAYED_YIELD_BID: i32 = 103;
pub const DELAYED_YIELD_ASK: i32 = 104;
pub const ODD_LOT_BID: i32 = 105;
pub const ODD_LOT_ASK: i32 = 106;
pub const ODD_LOT_BID_SIZE: i32 = 107;
pub const ODD_LOT_ASK_SIZE: i32 = 108;
pub const ODD_LOT_BID_EXCH: i32 = 109;
pub const ODD_LOT_ASK_EXCH: i32 = 110;
pub const NOT_SET: i32 = 111;

/// Every tick type's name, indexed by its number.
pub const NAMES: [&str; 112] = [
    "BID_SIZE",
    "BID",
    "ASK",
    "ASK_SIZE",
    "LAST",
    "LAST_SIZE",
    "HIGH",
    "LOW",
    "VOLUME",
    "CLOSE",
    "BID_OPTION_COMPUTATION",
    "ASK_OPTION_COMPUTATION",
    "LAST_OPTION_COMPUTATION",
    "MODEL_OPTION",
    "OPEN",
    "LOW_13_WEEK",
    "HIGH_13_WEEK",
    "LOW_26_WEEK",
    "HIGH_26_WEEK",
    "LOW_52_WEEK",
    "HIGH_52_WEEK",
    "AVG_VOLUME",
    "OPEN_INTEREST",
    "OPTION_HISTORICAL_VOL",
    "OPTION_IMPLIED_VOL",
    "OPTION_BID_EXCH",
    "OPTION_ASK_EXCH",
    "OPTION_CALL_OPEN_INTEREST",
    "OPTION_PUT_OPEN_INTEREST",
    "OPTION_CALL_VOLUME",
    "OPTION_PUT_VOLUME",
    "INDEX_FUTURE_PREMIUM",
    "BID_EXCH",
    "ASK_EXCH",
    "AUCTION_VOLUME",
    "AUCTION_PRICE",
    "AUCTION_IMBALANCE",
    "MARK_PRICE",
    "BID_EFP_COMPUTATION",
    "ASK_EFP_COMPUTATION",
    "LAST_EFP_COMPUTATION",
    "OPEN_EFP_COMPUTATION",
    "HIGH_EFP_COMPUTATION",
    "LOW_EFP_COMPUTATION",
    "CLOSE_EFP_COMPUTATION",
    "LAST_TIMESTAMP",
    "SHORTABLE",
    "NOT_USED",
    "RT_VOLUME",
    "HALTED",
    "BID_YIELD",
    "ASK_YIELD",
    "LAST_YIELD",
    "CUST_OPTION_COMPUTATION",
    "TRADE_COUNT",
    "TRADE_RATE",
    "VOLUME_RATE",
    "LAST_RTH_TRADE",
    "RT_HISTORICAL_VOL",
    "IB_DIVIDENDS",
    "BOND_FACTOR_MULTIPLIER",
    "REGULATORY_IMBALANCE",
    "NEWS_TICK",
    "SHORT_TERM_VOLUME_3_MIN",
    "SHORT_TERM_VOLUME_5_MIN",
    "SHORT_TERM_VOLUME_10_MIN",
    "DELAYED_BID",
    "DELAYED_ASK",
    "DELAYED_LAST",
    "DELAYED_BID_SIZE",
    "DELAYED_ASK_SIZE",
    "DELAYED_LAST_SIZE",
    "DELAYED_HIGH",
    "DELAYED_LOW",
    "DELAYED_VOLUME",
    "DELAYED_CLOSE",
    "DELAYED_OPEN",
    "RT_TRD_VOLUME",
    "CREDITMAN_MARK_PRICE",
    "CREDITMAN_SLOW_MARK_PRICE",
    "DELAYED_BID_OPTION",
    "DELAYED_ASK_OPTION",
    "DELAYED_LAST_OPTION",
    "DELAYED_MODEL_OPTION",
    "LAST_EXCH",
    "LAST_REG_TIME",
    "FUTURES_OPEN_INTEREST",
    "AVG_OPT_VOLUME",
    "DELAYED_LAST_TIMESTAMP",
    "SHORTABLE_SHARES",
    "DELAYED_HALTED",
    "REUTERS_2_MUTUAL_FUNDS",
    "ETF_NAV_CLOSE",
    "ETF_NAV_PRIOR_CLOSE",
    "ETF_NAV_BID",
    "ETF_NAV_ASK",
    "ETF_NAV_LAST",
    "ETF_FROZEN_NAV_LAST",
    "ETF_NAV_HIGH",
    "ETF_NAV_LOW",
    "SOCIAL_MARKET_ANALYTICS",
    "ESTIMATED_IPO_MIDPOINT",
    "FINAL_IPO_LAST",
    "DELAYED_YIELD_BID",
    "DELAYED_YIELD_ASK",
    "ODD_LOT_BID",
    "ODD_LOT_ASK",
    "ODD_LOT_BID_SIZE",
    "ODD_LOT_ASK_SIZE",
    "ODD_LOT_BID_EXCH",
    "ODD_LOT_ASK_EXCH",
    "NOT_SET",
];

/// IB's name of tick type `tick_type` (`BID`, `DELAYED_LAST`, ...), or
/// `None` for a number no tick type has.
pub fn tick_type_name(tick_type: i32) -> Option<&'static str> {
    usize::try_from(tick_type)
        .ok()
        .and_then(|i| NAMES.get(i))
        .copied()
}

/// The number of the tick type named `name` (IB's name, as
/// [`tick_type_name`] gives it).
pub fn tick_type_of(name: &str) -> Option<i32> {
    NAMES
        .iter()
        .position(|n| *n == name)
        .and_then(|i| i32::try_from(i).ok())
}

/// The live tick a delayed tick stands for (`DELAYED_BID` -> `BID`), or
/// `tick_type` itself when it is not a delayed twin.
pub fn live_twin(tick_type: i32) -> i32 {
    match tick_type {
        DELAYED_BID => BID,
        DELAYED_ASK => ASK,
        DELAYED_LAST => LAST,
        DELAYED_BID_SIZE => BID_SIZE,
        DELAYED_ASK_SIZE => ASK_SIZE,
        DELAYED_LAST_SIZE => LAST_SIZE,
        DELAYED_HIGH => HIGH,
        DELAYED_LOW => LOW,
        DELAYED_VOLUME => VOLUME,
        DELAYED_CLOSE => CLOSE,
        DELAYED_OPEN => OPEN,
        DELAYED_BID_OPTION => BID_OPTION_COMPUTATION,
        DELAYED_ASK_OPTION => ASK_OPTION_COMPUTATION,
        DELAYED_LAST_OPTION => LAST_OPTION_COMPUTATION,
        DELAYED_MODEL_OPTION => MODEL_OPTION,
        DELAYED_LAST_TIMESTAMP => LAST_TIMESTAMP,
        DELAYED_HALTED => HALTED,
        DELAYED_YIELD_BID => BID_YIELD,
        DELAYED_YIELD_ASK => ASK_YIELD,
        other => other,
    }
}

/// True for the delayed twins of live ticks (`DELAYED_BID` ...).
pub fn is_delayed(tick_type: i32) -> bool {
    live_twin(tick_type) != tick_type
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers() {
        assert_eq!(tick_type_name(BID), Some("BID"));
        assert_eq!(tick_type_name(0), Some("BID_SIZE"));
        assert_eq!(tick_type_name(DELAYED_LAST), Some("DELAYED_LAST"));
        assert_eq!(tick_type_name(-1), None);
        assert_eq!(tick_type_name(NOT_SET + 1), None);
        assert_eq!(tick_type_of("LAST_TIMESTAMP"), Some(45));
        assert_eq!(live_twin(DELAYED_VOLUME), VOLUME);
        assert!(is_delayed(DELAYED_BID_SIZE) && !is_delayed(BID));
    }
}
