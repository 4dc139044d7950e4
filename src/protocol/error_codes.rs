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
}
