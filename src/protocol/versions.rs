//! Server versions at which the protocol changes shape.

/// Lowest client version we advertise by default (and the lowest TWS accepts).
pub const MIN_CLIENT_VERSION: i32 = 100;
/// Highest client version we advertise by default.
pub const MAX_CLIENT_VERSION: i32 = 226;

/// reqMktData carries the delta-neutral contract flag (always, from 100).
pub const DELTA_NEUTRAL: i32 = 40;
/// reqMktData carries the contract id (always, from 100).
pub const REQ_MKT_DATA_CONID: i32 = 47;
/// calculateImpliedVolatility, calculateOptionPrice and their cancels exist.
pub const REQ_CALC_IMPLIED_VOLAT: i32 = 49;
/// reqMarketDataType exists.
pub const REQ_MARKET_DATA_TYPE: i32 = 55;
/// Request contracts carry the trading class (always, from 100).
pub const TRADING_CLASS: i32 = 68;
/// The options list ends reqMktData, reqMktDepth, the calc requests and reqRealTimeBars (always, from 100).
pub const LINKING: i32 = 70;
/// startApi carries the optional-capabilities field.
pub const OPTIONAL_CAPABILITIES: i32 = 72;
/// reqPositionsMulti and reqAccountUpdatesMulti exist.
pub const MODELS_SUPPORT: i32 = 103;
/// reqSecDefOptParams exists.
pub const SEC_DEF_OPT_PARAMS_REQ: i32 = 104;
/// reqFamilyCodes exists.
pub const REQ_FAMILY_CODES: i32 = 107;
/// reqMatchingSymbols exists.
pub const REQ_MATCHING_SYMBOLS: i32 = 108;
/// tickPrice's attribute mask is a bit set (below: can-auto-execute when it is 1).
pub const PAST_LIMIT: i32 = 109;
/// Contract details carry the market-data size multiplier (until SIZE_RULES).
pub const MD_SIZE_MULTIPLIER: i32 = 110;
/// reqMktDepthExchanges exists.
pub const REQ_MKT_DEPTH_EXCHANGES: i32 = 112;
/// reqSmartComponents exists; reqMktData carries the regulatory-snapshot flag.
pub const REQ_SMART_COMPONENTS: i32 = 114;
/// Depth exchanges carry the listing exchange, service data type and aggregated group.
pub const SERVICE_DATA_TYPE: i32 = 120;
/// Contract details carry the aggregated group.
pub const AGG_GROUP: i32 = 121;
/// Contract details carry the underlying symbol and security type.
pub const UNDERLYING_INFO: i32 = 122;
/// reqNewsProviders exists.
pub const REQ_NEWS_PROVIDERS: i32 = 115;
/// reqNewsArticle exists.
pub const REQ_NEWS_ARTICLE: i32 = 116;
/// reqHistoricalNews exists.
pub const REQ_HISTORICAL_NEWS: i32 = 117;
/// reqMarketRule exists; contract details carry the market rule ids.
pub const MARKET_RULES: i32 = 126;
/// reqPnL and reqPnLSingle exist.
pub const PNL: i32 = 127;
/// reqNewsArticle and reqHistoricalNews carry their options lists.
pub const NEWS_QUERY_ORIGINS: i32 = 128;
/// pnl and pnlSingle carry the unrealized PnL.
pub const UNREALIZED_PNL: i32 = 129;
/// tickPrice's mask carries the pre-open bit.
pub const PRE_OPEN_BID_ASK: i32 = 132;
/// Contract details carry the real expiration date.
pub const REAL_EXPIRATION_DATE: i32 = 134;
/// pnl and pnlSingle carry the realized PnL.
pub const REALIZED_PNL: i32 = 135;
/// reqTickByTickData and cancelTickByTickData exist.
pub const TICK_BY_TICK: i32 = 137;
/// reqTickByTickData carries the number of ticks and ignore-size.
pub const TICK_BY_TICK_IGNORE_SIZE: i32 = 140;
/// reqScannerSubscription drops its version field and carries the filter options.
pub const SCANNER_GENERIC_OPTS: i32 = 143;
/// Depth requests, their cancel and L2 updates carry the smart-depth flag.
pub const SMART_DEPTH: i32 = 146;
/// reqMktDepth carries the primary exchange.
pub const MKT_DEPTH_PRIM_EXCHANGE: i32 = 149;
/// Contract details carry the stock type.
pub const STOCK_TYPE: i32 = 152;
/// replaceFA carries its request id and is answered by replaceFAEnd.
pub const REPLACE_FA_END: i32 = 157;
/// Free text (error messages) arrives with `\uXXXX` escapes.
pub const ENCODE_MSG_ASCII7: i32 = 153;
/// tickOptionComputation drops its version field and carries the tick attribute.
pub const PRICE_BASED_VOLATILITY: i32 = 156;
/// The Wall Street Horizon requests exist.
pub const WSHE_CALENDAR: i32 = 161;
/// Contract details carry the size min tick (server 163 only).
pub const FRACTIONAL_SIZE_SUPPORT: i32 = 163;
/// Contract details drop their version field and carry min size and increments.
pub const SIZE_RULES: i32 = 164;
/// Error messages carry the advanced-order-reject JSON.
pub const ADVANCED_ORDER_REJECT: i32 = 166;
/// reqWshEventData carries its filter and fill flags.
pub const WSH_EVENT_DATA_FILTERS: i32 = 171;
/// reqWshEventData carries its dates and total limit.
pub const WSH_EVENT_DATA_FILTERS_DATE: i32 = 173;
/// Contracts carry the issuer id (requests, symbol samples).
pub const BOND_ISSUERID: i32 = 176;
/// Contract details of funds carry the fund fields.
pub const FUND_DATA_FIELDS: i32 = 179;
/// Contract details carry the last trade date.
pub const LAST_TRADE_DATE: i32 = 182;
/// Contract details carry the ineligibility reasons.
pub const INELIGIBILITY_REASONS: i32 = 186;
/// Bond contract details carry time zone, trading and liquid hours.
pub const BOND_TRADING_HOURS: i32 = 188;
/// Error messages drop their version field and carry the error time.
pub const ERROR_TIME: i32 = 194;
/// reqCurrentTimeInMillis exists.
pub const CURRENT_TIME_IN_MILLIS: i32 = 197;
/// reqUserInfo / userInfo exist.
pub const USER_INFO: i32 = 167;
/// Message ids become 4-byte binary and protobuf bodies may appear.
pub const PROTOBUF: i32 = 201;
/// reqContractDetails is sent as protobuf.
pub const PROTOBUF_CONTRACT_DATA: i32 = 205;
/// Market data, depth and market data type requests are sent as protobuf.
pub const PROTOBUF_MARKET_DATA: i32 = 206;
/// Account, position and account-summary requests are sent as protobuf.
pub const PROTOBUF_ACCOUNTS_POSITIONS: i32 = 207;
/// Real-time bar and tick-by-tick requests are sent as protobuf.
pub const PROTOBUF_HISTORICAL_DATA: i32 = 208;
/// News and Wall Street Horizon requests are sent as protobuf.
pub const PROTOBUF_NEWS_DATA: i32 = 209;
/// PnL and scanner requests are sent as protobuf.
pub const PROTOBUF_SCAN_DATA: i32 = 210;
/// The calc requests and their cancels are sent as protobuf.
pub const PROTOBUF_REST_MESSAGES_1: i32 = 211;
/// Matching symbols, option parameters, family codes, smart components and market rules are sent as protobuf.
pub const PROTOBUF_REST_MESSAGES_2: i32 = 212;
/// startApi, reqIds, reqCurrentTime(InMillis) and similar are sent as protobuf.
pub const PROTOBUF_REST_MESSAGES_3: i32 = 213;
/// cancelContractData exists (protobuf only).
pub const CANCEL_CONTRACT_DATA: i32 = 215;

/// reqConfig / configResponse exist (protobuf only).
pub const CONFIG: i32 = 219;
/// updateConfig / updateConfigResponse exist (protobuf only).
pub const UPDATE_CONFIG: i32 = 221;

/// A threshold no server reaches: the message is never sent as protobuf.
pub const NEVER: i32 = i32::MAX;

/// Added to a message id to mark a protobuf body.
pub const PROTOBUF_MSG_ID_OFFSET: i32 = 200;
