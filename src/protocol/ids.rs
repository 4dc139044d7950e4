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
    pub const REQ_ACCT_DATA: i32 = 6;
    pub const REQ_POSITIONS: i32 = 61;
    pub const CANCEL_POSITIONS: i32 = 64;
    pub const REQ_POSITIONS_MULTI: i32 = 74;
    pub const CANCEL_POSITIONS_MULTI: i32 = 75;
    pub const REQ_ACCOUNT_UPDATES_MULTI: i32 = 76;
    pub const CANCEL_ACCOUNT_UPDATES_MULTI: i32 = 77;
    pub const REQ_PNL: i32 = 92;
    pub const CANCEL_PNL: i32 = 93;
    pub const REQ_PNL_SINGLE: i32 = 94;
    pub const CANCEL_PNL_SINGLE: i32 = 95;
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
    pub const ACCT_VALUE: i32 = 6;
    pub const PORTFOLIO_VALUE: i32 = 7;
    pub const ACCT_UPDATE_TIME: i32 = 8;
    pub const ACCT_DOWNLOAD_END: i32 = 54;
    pub const POSITION_DATA: i32 = 61;
    pub const POSITION_END: i32 = 62;
    pub const POSITION_MULTI: i32 = 71;
    pub const POSITION_MULTI_END: i32 = 72;
    pub const ACCOUNT_UPDATE_MULTI: i32 = 73;
    pub const ACCOUNT_UPDATE_MULTI_END: i32 = 74;
    pub const PNL: i32 = 94;
    pub const PNL_SINGLE: i32 = 95;
}
