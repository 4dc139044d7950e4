//! Message ids on the wire (text form, or the 4-byte binary id from v201).

/// Client -> server.
pub mod outgoing {
    pub const REQ_IDS: i32 = 8;
    pub const REQ_MANAGED_ACCTS: i32 = 17;
    pub const REQ_CURRENT_TIME: i32 = 49;
    pub const REQ_ACCOUNT_SUMMARY: i32 = 62;
    pub const CANCEL_ACCOUNT_SUMMARY: i32 = 63;
    pub const START_API: i32 = 71;
    pub const REQ_CURRENT_TIME_IN_MILLIS: i32 = 105;
}

/// Server -> client.
pub mod incoming {
    pub const ERR_MSG: i32 = 4;
    pub const NEXT_VALID_ID: i32 = 9;
    pub const MANAGED_ACCTS: i32 = 15;
    pub const CURRENT_TIME: i32 = 49;
    pub const ACCOUNT_SUMMARY: i32 = 63;
    pub const ACCOUNT_SUMMARY_END: i32 = 64;
    pub const CURRENT_TIME_IN_MILLIS: i32 = 109;
}
