//! What an error code means to a program: a failure, a warning, a notice, or
//! news about TWS's own connection to IB; and, for the codes users meet
//! most, a name and a short meaning ([`describe`]).

/// The class of an error message from TWS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// Informational: a data farm is fine, delayed data is shown, and similar.
    Notice,
    /// Something degraded but the request stands (2100..2199 by IB's convention).
    Warning,
    /// A request failed, or the session did.
    Error,
    /// TWS lost (1100) or regained (1101, 1102) its connection to IB, or reset its port (1300).
    Connectivity,
}

/// A code with its name, class and meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorCode {
    pub code: i32,
    /// The constant's name in this module (`NO_SECURITY_DEFINITION`).
    pub name: &'static str,
    pub class: ErrorClass,
    /// What it means, in a few words.
    pub meaning: &'static str,
}

/// Connectivity between TWS and IB lost.
pub const CONNECTIVITY_LOST: i32 = 1100;
/// Connectivity restored, market data lost: resubscribe.
pub const CONNECTIVITY_RESTORED_DATA_LOST: i32 = 1101;
/// Connectivity restored, market data kept.
pub const CONNECTIVITY_RESTORED_DATA_KEPT: i32 = 1102;
/// TWS reset its socket port.
pub const SOCKET_PORT_RESET: i32 = 1300;
/// Max message rate exceeded.
pub const MAX_RATE_EXCEEDED: i32 = 100;
/// Max number of tickers (market-data lines) reached.
pub const MAX_TICKERS: i32 = 101;
/// No security definition has been found for the request (unknown instrument).
pub const NO_SECURITY_DEFINITION: i32 = 200;
/// Cannot find the ticker id of a cancel (no such market-data line).
pub const UNKNOWN_TICKER_ID: i32 = 300;
/// Max number of market depth requests reached.
pub const MAX_DEPTH_REQUESTS: i32 = 309;
/// The depth book was reset: clear it; the whole book follows as inserts.
pub const DEPTH_BOOK_RESET: i32 = 317;
/// Bad request (for example an unknown account).
pub const BAD_REQUEST: i32 = 321;
/// Duplicate request id or too many subscriptions.
pub const DUPLICATE_OR_TOO_MANY: i32 = 322;
/// The client id is already in use.
pub const CLIENT_ID_IN_USE: i32 = 326;
/// Requested market data is not subscribed (no entitlement).
pub const MARKET_DATA_NOT_SUBSCRIBED: i32 = 354;
/// Not connected (client side).
pub const NOT_CONNECTED: i32 = 504;
/// Market data farm connecting.
pub const MARKET_DATA_FARM_CONNECTING: i32 = 2119;
/// Live data requires an additional API subscription (delayed data may be available).
pub const ADDITIONAL_SUBSCRIPTION_REQUIRED: i32 = 10089;
/// Part of the requested market data is not subscribed; the rest flows.
pub const PART_NOT_SUBSCRIBED: i32 = 10090;
/// Not subscribed: delayed market data is displayed instead.
pub const DELAYED_DATA_DISPLAYED: i32 = 10167;
/// No market data during a competing live session (the login is in use elsewhere).
pub const COMPETING_LIVE_SESSION: i32 = 10197;

// ---- orders ----

/// Duplicate order id.
pub const DUPLICATE_ORDER_ID: i32 = 103;
/// Cannot modify a filled order.
pub const CANNOT_MODIFY_FILLED_ORDER: i32 = 104;
/// The order being modified does not match the original order.
pub const MODIFY_MISMATCH: i32 = 105;
/// Cannot transmit the order id.
pub const CANNOT_TRANSMIT_ORDER_ID: i32 = 106;
/// Cannot transmit an incomplete order.
pub const INCOMPLETE_ORDER: i32 = 107;
/// Price out of the range of the percentage setting: not transmitted.
pub const PRICE_OUT_OF_PERCENTAGE_RANGE: i32 = 109;
/// The price does not conform to the minimum price variation.
pub const PRICE_VARIATION: i32 = 110;
/// The time in force and the order type are incompatible.
pub const TIF_ORDER_TYPE_INCOMPATIBLE: i32 = 111;
/// The time in force must be DAY for MOC and LOC orders.
pub const TIF_DAY_FOR_MOC_LOC: i32 = 113;
/// The order cannot be transmitted to a dead exchange.
pub const DEAD_EXCHANGE: i32 = 116;
/// The block order size must be at least 50.
pub const BLOCK_ORDER_SIZE: i32 = 117;
/// VWAP orders must be routed through the VWAP exchange.
pub const VWAP_EXCHANGE_REQUIRED: i32 = 118;
/// Only VWAP orders may be placed on the VWAP exchange.
pub const VWAP_EXCHANGE_ONLY: i32 = 119;
/// Too late to place a VWAP order for today.
pub const VWAP_TOO_LATE: i32 = 120;
/// Invalid BD flag for the order.
pub const INVALID_BD_FLAG: i32 = 121;
/// No request tag found for the order.
pub const NO_REQUEST_TAG: i32 = 122;
/// No record is available for the contract id.
pub const NO_RECORD_FOR_CONID: i32 = 123;
/// No market rule is available for the contract id.
pub const NO_MARKET_RULE_FOR_CONID: i32 = 124;
/// The buy price must be the best asking price.
pub const BUY_PRICE_NOT_BEST_ASK: i32 = 125;
/// The sell price must be the best bidding price.
pub const SELL_PRICE_NOT_BEST_BID: i32 = 126;
/// VWAP orders must be submitted three minutes before the start time.
pub const VWAP_START_TOO_SOON: i32 = 129;
/// Sweep-to-fill and display size are ignored for this order.
pub const SWEEP_DISPLAY_IGNORED: i32 = 131;
/// The order cannot be transmitted without a clearing account.
pub const CLEARING_ACCOUNT_REQUIRED: i32 = 132;
/// Submitting the new order failed.
pub const SUBMIT_ORDER_FAILED: i32 = 133;
/// Modifying the order failed.
pub const MODIFY_ORDER_FAILED: i32 = 134;
/// Cannot find the order with this id.
pub const ORDER_NOT_FOUND: i32 = 135;
/// This order cannot be cancelled.
pub const ORDER_NOT_CANCELLABLE: i32 = 136;
/// VWAP orders can only be cancelled up to three minutes before the start.
pub const VWAP_CANCEL_TOO_LATE: i32 = 137;
/// The size value should be an integer.
pub const SIZE_NOT_INTEGER: i32 = 140;
/// The price value should be a double.
pub const PRICE_NOT_DOUBLE: i32 = 141;
/// The institutional customer account has no account information.
pub const NO_ACCOUNT_INFO: i32 = 142;
/// The order size does not match the total share allocation.
pub const SIZE_ALLOCATION_MISMATCH: i32 = 144;
/// Error validating the entry fields.
pub const ENTRY_FIELDS_INVALID: i32 = 145;
/// Invalid trigger method.
pub const INVALID_TRIGGER_METHOD: i32 = 146;
/// The conditional contract information is incomplete.
pub const CONDITIONAL_CONTRACT_INCOMPLETE: i32 = 147;
/// A conditional order must be a limit or market order.
pub const CONDITIONAL_ORDER_TYPE: i32 = 148;
/// Orders cannot be transmitted for a halted security.
pub const HALTED_SECURITY: i32 = 154;
/// An order is either iceberg or discretionary, not both.
pub const ICEBERG_OR_DISCRETIONARY: i32 = 157;
/// An offset amount or a percent offset is required.
pub const OFFSET_REQUIRED: i32 = 158;
/// The percent offset must be between 0% and 100%.
pub const PERCENT_OFFSET_RANGE: i32 = 159;
/// The size value cannot be zero.
pub const ZERO_SIZE: i32 = 160;
/// Cancel attempted when the order is not in a cancellable state.
pub const NOT_CANCELLABLE_STATE: i32 = 161;
/// The price violates the percentage constraint of the order defaults.
pub const PERCENTAGE_CONSTRAINT: i32 = 163;
/// The discretionary amount does not conform to the minimum price variation.
pub const DISCRETIONARY_PRICE_VARIATION: i32 = 168;
/// Order rejected.
pub const ORDER_REJECTED: i32 = 201;
/// Order cancelled (a final state, not a failure of the request).
pub const ORDER_CANCELLED: i32 = 202;
/// The security is not available or allowed for this account.
pub const SECURITY_NOT_ALLOWED: i32 = 203;
/// Order message: the order stands (for example held until the market opens).
pub const ORDER_MESSAGE: i32 = 399;
/// The outside-regular-trading-hours attribute is ignored; the order is processed.
pub const OUTSIDE_RTH_IGNORED: i32 = 2109;
/// Missing parent order.
pub const MISSING_PARENT_ORDER: i32 = 10006;
/// The order id to cancel is not found.
pub const CANCEL_ORDER_NOT_FOUND: i32 = 10147;
/// The order cannot be cancelled in its state.
pub const CANCEL_NOT_POSSIBLE: i32 = 10148;
/// Invalid order id.
pub const INVALID_ORDER_ID: i32 = 10149;

/// The codes with a name and a meaning.
pub const KNOWN: &[ErrorCode] = &[
    ErrorCode {
        code: MAX_RATE_EXCEEDED,
        name: "MAX_RATE_EXCEEDED",
        class: ErrorClass::Error,
        meaning: "max message rate exceeded",
    },
    ErrorCode {
        code: MAX_TICKERS,
        name: "MAX_TICKERS",
        class: ErrorClass::Error,
        meaning: "max number of tickers reached",
    },
    ErrorCode {
        code: NO_SECURITY_DEFINITION,
        name: "NO_SECURITY_DEFINITION",
        class: ErrorClass::Error,
        meaning: "no security definition found for the request",
    },
    ErrorCode {
        code: UNKNOWN_TICKER_ID,
        name: "UNKNOWN_TICKER_ID",
        class: ErrorClass::Error,
        meaning: "cannot find the ticker id",
    },
    ErrorCode {
        code: MAX_DEPTH_REQUESTS,
        name: "MAX_DEPTH_REQUESTS",
        class: ErrorClass::Error,
        meaning: "max number of market depth requests reached",
    },
    ErrorCode {
        code: DEPTH_BOOK_RESET,
        name: "DEPTH_BOOK_RESET",
        class: ErrorClass::Warning,
        meaning: "market depth reset: clear the book, it is sent again",
    },
    ErrorCode {
        code: BAD_REQUEST,
        name: "BAD_REQUEST",
        class: ErrorClass::Error,
        meaning: "error validating the request",
    },
    ErrorCode {
        code: DUPLICATE_OR_TOO_MANY,
        name: "DUPLICATE_OR_TOO_MANY",
        class: ErrorClass::Error,
        meaning: "error processing the request (duplicate id or too many)",
    },
    ErrorCode {
        code: CLIENT_ID_IN_USE,
        name: "CLIENT_ID_IN_USE",
        class: ErrorClass::Error,
        meaning: "the client id is already in use",
    },
    ErrorCode {
        code: MARKET_DATA_NOT_SUBSCRIBED,
        name: "MARKET_DATA_NOT_SUBSCRIBED",
        class: ErrorClass::Error,
        meaning: "requested market data is not subscribed",
    },
    ErrorCode {
        code: NOT_CONNECTED,
        name: "NOT_CONNECTED",
        class: ErrorClass::Error,
        meaning: "not connected",
    },
    ErrorCode {
        code: CONNECTIVITY_LOST,
        name: "CONNECTIVITY_LOST",
        class: ErrorClass::Connectivity,
        meaning: "connectivity between TWS and IB lost",
    },
    ErrorCode {
        code: CONNECTIVITY_RESTORED_DATA_LOST,
        name: "CONNECTIVITY_RESTORED_DATA_LOST",
        class: ErrorClass::Connectivity,
        meaning: "connectivity restored, data lost: subscriptions re-issued",
    },
    ErrorCode {
        code: CONNECTIVITY_RESTORED_DATA_KEPT,
        name: "CONNECTIVITY_RESTORED_DATA_KEPT",
        class: ErrorClass::Connectivity,
        meaning: "connectivity restored, data kept",
    },
    ErrorCode {
        code: SOCKET_PORT_RESET,
        name: "SOCKET_PORT_RESET",
        class: ErrorClass::Connectivity,
        meaning: "TWS reset its socket port",
    },
    ErrorCode {
        code: MARKET_DATA_FARM_CONNECTING,
        name: "MARKET_DATA_FARM_CONNECTING",
        class: ErrorClass::Notice,
        meaning: "market data farm connecting",
    },
    ErrorCode {
        code: ADDITIONAL_SUBSCRIPTION_REQUIRED,
        name: "ADDITIONAL_SUBSCRIPTION_REQUIRED",
        class: ErrorClass::Error,
        meaning: "live market data requires an additional API subscription",
    },
    ErrorCode {
        code: PART_NOT_SUBSCRIBED,
        name: "PART_NOT_SUBSCRIBED",
        class: ErrorClass::Warning,
        meaning: "part of the requested market data is not subscribed; the rest flows",
    },
    ErrorCode {
        code: DELAYED_DATA_DISPLAYED,
        name: "DELAYED_DATA_DISPLAYED",
        class: ErrorClass::Notice,
        meaning: "not subscribed: delayed market data is displayed",
    },
    ErrorCode {
        code: COMPETING_LIVE_SESSION,
        name: "COMPETING_LIVE_SESSION",
        class: ErrorClass::Error,
        meaning: "no market data during a competing live session",
    },
    // ---- orders ----
    ErrorCode {
        code: DUPLICATE_ORDER_ID,
        name: "DUPLICATE_ORDER_ID",
        class: ErrorClass::Error,
        meaning: "duplicate order id",
    },
    ErrorCode {
        code: CANNOT_MODIFY_FILLED_ORDER,
        name: "CANNOT_MODIFY_FILLED_ORDER",
        class: ErrorClass::Error,
        meaning: "cannot modify a filled order",
    },
    ErrorCode {
        code: MODIFY_MISMATCH,
        name: "MODIFY_MISMATCH",
        class: ErrorClass::Error,
        meaning: "the order being modified does not match the original order",
    },
    ErrorCode {
        code: CANNOT_TRANSMIT_ORDER_ID,
        name: "CANNOT_TRANSMIT_ORDER_ID",
        class: ErrorClass::Error,
        meaning: "cannot transmit the order id",
    },
    ErrorCode {
        code: INCOMPLETE_ORDER,
        name: "INCOMPLETE_ORDER",
        class: ErrorClass::Error,
        meaning: "cannot transmit an incomplete order",
    },
    ErrorCode {
        code: PRICE_OUT_OF_PERCENTAGE_RANGE,
        name: "PRICE_OUT_OF_PERCENTAGE_RANGE",
        class: ErrorClass::Error,
        meaning: "price out of the range of the percentage setting: not transmitted",
    },
    ErrorCode {
        code: PRICE_VARIATION,
        name: "PRICE_VARIATION",
        class: ErrorClass::Error,
        meaning: "the price does not conform to the minimum price variation",
    },
    ErrorCode {
        code: TIF_ORDER_TYPE_INCOMPATIBLE,
        name: "TIF_ORDER_TYPE_INCOMPATIBLE",
        class: ErrorClass::Error,
        meaning: "the time in force and the order type are incompatible",
    },
    ErrorCode {
        code: TIF_DAY_FOR_MOC_LOC,
        name: "TIF_DAY_FOR_MOC_LOC",
        class: ErrorClass::Error,
        meaning: "the time in force must be DAY for MOC and LOC orders",
    },
    ErrorCode {
        code: DEAD_EXCHANGE,
        name: "DEAD_EXCHANGE",
        class: ErrorClass::Error,
        meaning: "the order cannot be transmitted to a dead exchange",
    },
    ErrorCode {
        code: BLOCK_ORDER_SIZE,
        name: "BLOCK_ORDER_SIZE",
        class: ErrorClass::Error,
        meaning: "the block order size must be at least 50",
    },
    ErrorCode {
        code: VWAP_EXCHANGE_REQUIRED,
        name: "VWAP_EXCHANGE_REQUIRED",
        class: ErrorClass::Error,
        meaning: "VWAP orders must be routed through the VWAP exchange",
    },
    ErrorCode {
        code: VWAP_EXCHANGE_ONLY,
        name: "VWAP_EXCHANGE_ONLY",
        class: ErrorClass::Error,
        meaning: "only VWAP orders may be placed on the VWAP exchange",
    },
    ErrorCode {
        code: VWAP_TOO_LATE,
        name: "VWAP_TOO_LATE",
        class: ErrorClass::Error,
        meaning: "too late to place a VWAP order for today",
    },
    ErrorCode {
        code: INVALID_BD_FLAG,
        name: "INVALID_BD_FLAG",
        class: ErrorClass::Error,
        meaning: "invalid BD flag for the order",
    },
    ErrorCode {
        code: NO_REQUEST_TAG,
        name: "NO_REQUEST_TAG",
        class: ErrorClass::Error,
        meaning: "no request tag found for the order",
    },
    ErrorCode {
        code: NO_RECORD_FOR_CONID,
        name: "NO_RECORD_FOR_CONID",
        class: ErrorClass::Error,
        meaning: "no record is available for the contract id",
    },
    ErrorCode {
        code: NO_MARKET_RULE_FOR_CONID,
        name: "NO_MARKET_RULE_FOR_CONID",
        class: ErrorClass::Error,
        meaning: "no market rule is available for the contract id",
    },
    ErrorCode {
        code: BUY_PRICE_NOT_BEST_ASK,
        name: "BUY_PRICE_NOT_BEST_ASK",
        class: ErrorClass::Error,
        meaning: "the buy price must be the best asking price",
    },
    ErrorCode {
        code: SELL_PRICE_NOT_BEST_BID,
        name: "SELL_PRICE_NOT_BEST_BID",
        class: ErrorClass::Error,
        meaning: "the sell price must be the best bidding price",
    },
    ErrorCode {
        code: VWAP_START_TOO_SOON,
        name: "VWAP_START_TOO_SOON",
        class: ErrorClass::Error,
        meaning: "VWAP orders must be submitted three minutes before the start time",
    },
    ErrorCode {
        code: SWEEP_DISPLAY_IGNORED,
        name: "SWEEP_DISPLAY_IGNORED",
        class: ErrorClass::Warning,
        meaning: "sweep-to-fill and display size are ignored for this order",
    },
    ErrorCode {
        code: CLEARING_ACCOUNT_REQUIRED,
        name: "CLEARING_ACCOUNT_REQUIRED",
        class: ErrorClass::Error,
        meaning: "the order cannot be transmitted without a clearing account",
    },
    ErrorCode {
        code: SUBMIT_ORDER_FAILED,
        name: "SUBMIT_ORDER_FAILED",
        class: ErrorClass::Error,
        meaning: "submitting the new order failed",
    },
    ErrorCode {
        code: MODIFY_ORDER_FAILED,
        name: "MODIFY_ORDER_FAILED",
        class: ErrorClass::Error,
        meaning: "modifying the order failed",
    },
    ErrorCode {
        code: ORDER_NOT_FOUND,
        name: "ORDER_NOT_FOUND",
        class: ErrorClass::Error,
        meaning: "cannot find the order with this id",
    },
    ErrorCode {
        code: ORDER_NOT_CANCELLABLE,
        name: "ORDER_NOT_CANCELLABLE",
        class: ErrorClass::Error,
        meaning: "this order cannot be cancelled",
    },
    ErrorCode {
        code: VWAP_CANCEL_TOO_LATE,
        name: "VWAP_CANCEL_TOO_LATE",
        class: ErrorClass::Error,
        meaning: "VWAP orders can only be cancelled up to three minutes before the start",
    },
    ErrorCode {
        code: SIZE_NOT_INTEGER,
        name: "SIZE_NOT_INTEGER",
        class: ErrorClass::Error,
        meaning: "the size value should be an integer",
    },
    ErrorCode {
        code: PRICE_NOT_DOUBLE,
        name: "PRICE_NOT_DOUBLE",
        class: ErrorClass::Error,
        meaning: "the price value should be a double",
    },
    ErrorCode {
        code: NO_ACCOUNT_INFO,
        name: "NO_ACCOUNT_INFO",
        class: ErrorClass::Error,
        meaning: "the institutional customer account has no account information",
    },
    ErrorCode {
        code: SIZE_ALLOCATION_MISMATCH,
        name: "SIZE_ALLOCATION_MISMATCH",
        class: ErrorClass::Error,
        meaning: "the order size does not match the total share allocation",
    },
    ErrorCode {
        code: ENTRY_FIELDS_INVALID,
        name: "ENTRY_FIELDS_INVALID",
        class: ErrorClass::Error,
        meaning: "error validating the entry fields",
    },
    ErrorCode {
        code: INVALID_TRIGGER_METHOD,
        name: "INVALID_TRIGGER_METHOD",
        class: ErrorClass::Error,
        meaning: "invalid trigger method",
    },
    ErrorCode {
        code: CONDITIONAL_CONTRACT_INCOMPLETE,
        name: "CONDITIONAL_CONTRACT_INCOMPLETE",
        class: ErrorClass::Error,
        meaning: "the conditional contract information is incomplete",
    },
    ErrorCode {
        code: CONDITIONAL_ORDER_TYPE,
        name: "CONDITIONAL_ORDER_TYPE",
        class: ErrorClass::Error,
        meaning: "a conditional order must be a limit or market order",
    },
    ErrorCode {
        code: HALTED_SECURITY,
        name: "HALTED_SECURITY",
        class: ErrorClass::Error,
        meaning: "orders cannot be transmitted for a halted security",
    },
    ErrorCode {
        code: ICEBERG_OR_DISCRETIONARY,
        name: "ICEBERG_OR_DISCRETIONARY",
        class: ErrorClass::Error,
        meaning: "an order is either iceberg or discretionary, not both",
    },
    ErrorCode {
        code: OFFSET_REQUIRED,
        name: "OFFSET_REQUIRED",
        class: ErrorClass::Error,
        meaning: "an offset amount or a percent offset is required",
    },
    ErrorCode {
        code: PERCENT_OFFSET_RANGE,
        name: "PERCENT_OFFSET_RANGE",
        class: ErrorClass::Error,
        meaning: "the percent offset must be between 0% and 100%",
    },
    ErrorCode {
        code: ZERO_SIZE,
        name: "ZERO_SIZE",
        class: ErrorClass::Error,
        meaning: "the size value cannot be zero",
    },
    ErrorCode {
        code: NOT_CANCELLABLE_STATE,
        name: "NOT_CANCELLABLE_STATE",
        class: ErrorClass::Error,
        meaning: "cancel attempted when the order is not in a cancellable state",
    },
    ErrorCode {
        code: PERCENTAGE_CONSTRAINT,
        name: "PERCENTAGE_CONSTRAINT",
        class: ErrorClass::Error,
        meaning: "the price violates the percentage constraint of the order defaults",
    },
    ErrorCode {
        code: DISCRETIONARY_PRICE_VARIATION,
        name: "DISCRETIONARY_PRICE_VARIATION",
        class: ErrorClass::Error,
        meaning: "the discretionary amount does not conform to the minimum price variation",
    },
    ErrorCode {
        code: ORDER_REJECTED,
        name: "ORDER_REJECTED",
        class: ErrorClass::Error,
        meaning: "order rejected",
    },
    ErrorCode {
        code: ORDER_CANCELLED,
        name: "ORDER_CANCELLED",
        class: ErrorClass::Notice,
        meaning: "order cancelled (a final state, not a failure of the request)",
    },
    ErrorCode {
        code: SECURITY_NOT_ALLOWED,
        name: "SECURITY_NOT_ALLOWED",
        class: ErrorClass::Error,
        meaning: "the security is not available or allowed for this account",
    },
    ErrorCode {
        code: ORDER_MESSAGE,
        name: "ORDER_MESSAGE",
        class: ErrorClass::Warning,
        meaning: "order message: the order stands (for example held until the market opens)",
    },
    ErrorCode {
        code: OUTSIDE_RTH_IGNORED,
        name: "OUTSIDE_RTH_IGNORED",
        class: ErrorClass::Warning,
        meaning: "the outside-regular-trading-hours attribute is ignored; the order is processed",
    },
    ErrorCode {
        code: MISSING_PARENT_ORDER,
        name: "MISSING_PARENT_ORDER",
        class: ErrorClass::Error,
        meaning: "missing parent order",
    },
    ErrorCode {
        code: CANCEL_ORDER_NOT_FOUND,
        name: "CANCEL_ORDER_NOT_FOUND",
        class: ErrorClass::Error,
        meaning: "the order id to cancel is not found",
    },
    ErrorCode {
        code: CANCEL_NOT_POSSIBLE,
        name: "CANCEL_NOT_POSSIBLE",
        class: ErrorClass::Error,
        meaning: "the order cannot be cancelled in its state",
    },
    ErrorCode {
        code: INVALID_ORDER_ID,
        name: "INVALID_ORDER_ID",
        class: ErrorClass::Error,
        meaning: "invalid order id",
    },
];

/// Other notices (data farm status and similar), without a name here.
const NOTICES: &[i32] = &[2104, 2106, 2107, 2108, 2100, 2150, 2158, 2168, 2169];

/// The name, class and meaning of `code`, if it is one of [`KNOWN`].
pub fn describe(code: i32) -> Option<&'static ErrorCode> {
    KNOWN.iter().find(|k| k.code == code)
}

/// The codes with which TWS refuses a subscription outright: no such
/// instrument (200), a request TWS cannot validate (321), a duplicate id or
/// too many subscriptions of a kind (322), too many market-data lines (101)
/// or depth books (309), no entitlement (354, 10089). The engine forgets a
/// subscription refused with one of them (it would only be refused again
/// after a reconnect). Transient failures (10197, a competing live session)
/// and partial refusals (10090) keep it.
pub const SUBSCRIPTION_REFUSALS: &[i32] = &[
    NO_SECURITY_DEFINITION,
    BAD_REQUEST,
    DUPLICATE_OR_TOO_MANY,
    MAX_TICKERS,
    MAX_DEPTH_REQUESTS,
    MARKET_DATA_NOT_SUBSCRIBED,
    ADDITIONAL_SUBSCRIPTION_REQUIRED,
];

/// True when `code` refuses a subscription outright ([`SUBSCRIPTION_REFUSALS`]).
pub fn refuses_subscription(code: i32) -> bool {
    SUBSCRIPTION_REFUSALS.contains(&code)
}

/// Classifies an error code: a [`KNOWN`] code by its class, then the
/// notices, then IB's warning range 2100..2199; anything else is an error.
pub fn classify(code: i32) -> ErrorClass {
    if let Some(known) = describe(code) {
        return known.class;
    }
    match code {
        c if NOTICES.contains(&c) => ErrorClass::Notice,
        2100..=2199 => ErrorClass::Warning,
        _ => ErrorClass::Error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        assert_eq!(classify(2104), ErrorClass::Notice);
        assert_eq!(classify(2158), ErrorClass::Notice);
        assert_eq!(classify(2103), ErrorClass::Warning);
        assert_eq!(classify(1101), ErrorClass::Connectivity);
        assert_eq!(classify(326), ErrorClass::Error);
        assert_eq!(classify(502), ErrorClass::Error);
        assert_eq!(classify(10167), ErrorClass::Notice);
        assert_eq!(classify(2119), ErrorClass::Notice);
        assert_eq!(classify(10090), ErrorClass::Warning);
        assert_eq!(classify(200), ErrorClass::Error);
    }

    #[test]
    fn the_issue_codes_are_described_once_each() {
        for code in [
            200, 354, 10167, 10089, 10090, 101, 300, 309, 317, 322, 2119, 10197,
        ] {
            let d = describe(code).unwrap_or_else(|| panic!("{code} not described"));
            assert_eq!(classify(code), d.class);
            assert!(!d.meaning.is_empty() && !d.name.is_empty());
        }
        for (i, a) in KNOWN.iter().enumerate() {
            assert!(
                KNOWN[i + 1..].iter().all(|b| b.code != a.code),
                "{} twice",
                a.code
            );
        }
        assert_eq!(describe(12345), None);
    }

    #[test]
    fn order_codes_are_classified() {
        for code in [
            103, 104, 105, 106, 107, 109, 110, 111, 113, 116, 117, 118, 119, 120, 121, 122, 123,
            124, 125, 126, 129, 132, 133, 134, 135, 136, 137, 140, 141, 142, 161, 200, 201, 10147,
            10148, 10149,
        ] {
            assert!(describe(code).is_some(), "{code} not described");
            assert_eq!(classify(code), ErrorClass::Error, "{code}");
        }
        // The order stands: not failures of the request.
        assert_eq!(classify(ORDER_CANCELLED), ErrorClass::Notice);
        assert_eq!(classify(ORDER_MESSAGE), ErrorClass::Warning);
        assert_eq!(classify(OUTSIDE_RTH_IGNORED), ErrorClass::Warning);
        assert_eq!(classify(SWEEP_DISPLAY_IGNORED), ErrorClass::Warning);
        assert_eq!(describe(202).unwrap().name, "ORDER_CANCELLED");
        assert_eq!(describe(10147).unwrap().name, "CANCEL_ORDER_NOT_FOUND");
        // No order code refuses a subscription (an order id is no subscription's).
        assert!(KNOWN
            .iter()
            .filter(
                |k| (103..=168).contains(&k.code) || [10006, 10147, 10148, 10149].contains(&k.code)
            )
            .all(|k| !refuses_subscription(k.code)));
    }
}
