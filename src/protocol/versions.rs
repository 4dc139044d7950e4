//! Server versions at which the protocol changes shape.

/// Lowest client version we advertise by default (and the lowest TWS accepts).
pub const MIN_CLIENT_VERSION: i32 = 100;
/// Highest client version we advertise by default.
pub const MAX_CLIENT_VERSION: i32 = 226;

/// reqPositionsMulti and reqAccountUpdatesMulti exist.
pub const MODELS_SUPPORT: i32 = 103;
/// reqPnL and reqPnLSingle exist.
pub const PNL: i32 = 127;
/// pnl and pnlSingle carry the unrealized PnL.
pub const UNREALIZED_PNL: i32 = 129;
/// pnl and pnlSingle carry the realized PnL.
pub const REALIZED_PNL: i32 = 135;
/// startApi carries the optional-capabilities field.
pub const OPTIONAL_CAPABILITIES: i32 = 72;
/// Free text (error messages) arrives with `\uXXXX` escapes.
pub const ENCODE_MSG_ASCII7: i32 = 153;
/// Error messages carry the advanced-order-reject JSON.
pub const ADVANCED_ORDER_REJECT: i32 = 166;
/// Error messages drop their version field and carry the error time.
pub const ERROR_TIME: i32 = 194;
/// reqCurrentTimeInMillis exists.
pub const CURRENT_TIME_IN_MILLIS: i32 = 197;
/// Message ids become 4-byte binary and protobuf bodies may appear.
pub const PROTOBUF: i32 = 201;
/// Account, position and account-summary requests are sent as protobuf.
pub const PROTOBUF_ACCOUNTS_POSITIONS: i32 = 207;
/// PnL and scanner requests are sent as protobuf.
pub const PROTOBUF_SCAN_DATA: i32 = 210;
/// startApi, reqIds, reqCurrentTime(InMillis) and similar are sent as protobuf.
pub const PROTOBUF_REST_MESSAGES_3: i32 = 213;

/// A threshold no server reaches: the message is never sent as protobuf.
pub const NEVER: i32 = i32::MAX;

/// Added to a message id to mark a protobuf body.
pub const PROTOBUF_MSG_ID_OFFSET: i32 = 200;
