//! What an error code means to a program: a failure, a warning, a notice, or
//! news about TWS's own connection to IB.

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
/// Bad request (for example an unknown account).
pub const BAD_REQUEST: i32 = 321;
/// Duplicate request id or too many subscriptions.
pub const DUPLICATE_OR_TOO_MANY: i32 = 322;
/// The client id is already in use.
pub const CLIENT_ID_IN_USE: i32 = 326;
/// Not connected (client side).
pub const NOT_CONNECTED: i32 = 504;

const NOTICES: &[i32] = &[
    2104, 2106, 2107, 2108, 2119, 2100, 2150, 2158, 2168, 2169, 10167,
];

/// Classifies an error code.
pub fn classify(code: i32) -> ErrorClass {
    match code {
        CONNECTIVITY_LOST
        | CONNECTIVITY_RESTORED_DATA_LOST
        | CONNECTIVITY_RESTORED_DATA_KEPT
        | SOCKET_PORT_RESET => ErrorClass::Connectivity,
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
    }
}
