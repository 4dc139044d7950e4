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
/// reqHeadTimeStamp exists.
pub const REQ_HEAD_TIMESTAMP: i32 = 118;
/// reqHistogramData and cancelHistogramData exist.
pub const REQ_HISTOGRAM: i32 = 119;
/// Depth exchanges carry the listing exchange, service data type and aggregated group.
pub const SERVICE_DATA_TYPE: i32 = 120;
/// Contract details carry the aggregated group.
pub const AGG_GROUP: i32 = 121;
/// Contract details carry the underlying symbol and security type.
pub const UNDERLYING_INFO: i32 = 122;
/// cancelHeadTimeStamp exists.
pub const CANCEL_HEADTIMESTAMP: i32 = 123;
/// reqHistoricalData drops its version field and carries keepUpToDate; historicalData drops its version field and each bar's has-gaps field.
pub const SYNT_REALTIME_BARS: i32 = 124;
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
/// reqHistoricalTicks exists.
pub const HISTORICAL_TICKS: i32 = 130;
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
/// historicalData drops its start and end dates; historicalDataEnd (in 108) carries them.
pub const HISTORICAL_DATA_END: i32 = 196;
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

// ---- executions (issue 14) ----
/// execDetails drops its version field and carries the last liquidity.
pub const LAST_LIQUIDITY: i32 = 136;
/// execDetails carries the pending price revision flag.
pub const PENDING_PRICE_REVISION: i32 = 178;
/// exerciseOptions carries the manual order time.
pub const MANUAL_ORDER_TIME_EXERCISE_OPTIONS: i32 = 180;
/// reqExecutions' filter carries last N days and specific dates.
pub const PARAMETRIZED_DAYS_OF_EXECUTIONS: i32 = 200;

// ---- orders (issue 14) -------------------------------------------------------

/// placeOrder sends the quantity as a decimal (below: an integer).
pub const FRACTIONAL_POSITIONS: i32 = 101;
/// Orders carry the pegged-to-benchmark fields, the conditions and the adjusted-order fields.
pub const PEGGED_TO_BENCHMARK: i32 = 102;
/// Orders carry the external operator.
pub const EXT_OPERATOR: i32 = 105;
/// Orders carry the soft-dollar tier.
pub const SOFT_DOLLAR_TIER: i32 = 106;
/// Orders carry the cash quantity.
pub const CASH_QTY: i32 = 111;
/// orderStatus carries the market-cap price and loses its version field.
pub const MARKET_CAP_PRICE: i32 = 131;
/// Orders carry the MiFID II decision maker and algo.
pub const DECISION_MAKER: i32 = 138;
/// Orders carry the MiFID II execution trader and algo.
pub const MIFID_EXECUTION: i32 = 139;
/// Orders carry dont-use-auto-price-for-hedge.
pub const AUTO_PRICE_FOR_HEDGE: i32 = 141;
/// openOrder carries the what-if margin before/change fields.
pub const WHAT_IF_EXT_FIELDS: i32 = 142;
/// Orders carry is-OMS-container; placeOrder and openOrder lose their version field.
pub const ORDER_CONTAINER: i32 = 145;
/// Orders carry discretionary-up-to-limit-price.
pub const D_PEG_ORDERS: i32 = 148;
/// reqCompletedOrders, completedOrder and completedOrdersEnd exist.
pub const COMPLETED_ORDERS: i32 = 150;
/// Orders carry use-price-management-algo.
pub const PRICE_MGMT_ALGO: i32 = 151;
/// Orders carry the duration.
pub const DURATION: i32 = 158;
/// Orders carry post-to-ATS.
pub const POST_TO_ATS: i32 = 160;
/// Orders carry auto-cancel-parent.
pub const AUTO_CANCEL_PARENT: i32 = 162;
/// placeOrder and cancelOrder carry the manual order (cancel) time.
pub const MANUAL_ORDER_TIME: i32 = 169;
/// Orders carry the PEG BEST / PEG MID fields.
pub const PEGBEST_PEGMID_OFFSETS: i32 = 170;
/// placeOrder and openOrder lose the deprecated FA profile field.
pub const FA_PROFILE_DESUPPORT: i32 = 177;
/// Orders carry the customer account.
pub const CUSTOMER_ACCOUNT: i32 = 183;
/// Orders carry the professional-customer flag.
pub const PROFESSIONAL_CUSTOMER: i32 = 184;
/// openOrder carries the bond accrued interest.
pub const BOND_ACCRUED_INTEREST: i32 = 185;
/// placeOrder and cancelOrder carry two RFQ placeholders (until UNDO_RFQ_FIELDS).
pub const RFQ_FIELDS: i32 = 187;
/// Orders carry include-overnight.
pub const INCLUDE_OVERNIGHT: i32 = 189;
/// The RFQ placeholders are gone again.
pub const UNDO_RFQ_FIELDS: i32 = 190;
/// placeOrder, cancelOrder and reqGlobalCancel carry the CME tagging fields and lose their version field.
pub const CME_TAGGING_FIELDS: i32 = 192;
/// openOrder carries the CME tagging fields.
pub const CME_TAGGING_FIELDS_IN_OPEN_ORDER: i32 = 193;
/// openOrder carries the full what-if preview (outside-RTH margins, allocations).
pub const FULL_ORDER_PREVIEW_FIELDS: i32 = 195;
/// openOrder and completedOrder carry the submitter.
pub const SUBMITTER: i32 = 198;
/// Orders carry imbalance-only.
pub const IMBALANCE_ONLY: i32 = 199;
/// placeOrder, cancelOrder and reqGlobalCancel travel as protobuf.
pub const PROTOBUF_PLACE_ORDER: i32 = 203;
/// The open-order and completed-order requests travel as protobuf.
pub const PROTOBUF_COMPLETED_ORDER: i32 = 204;
/// reqConfig / configResponse exist (protobuf only).
pub const CONFIG: i32 = 219;
/// updateConfig / updateConfigResponse exist (protobuf only).
pub const UPDATE_CONFIG: i32 = 221;

/// A threshold no server reaches: the message is never sent as protobuf.
pub const NEVER: i32 = i32::MAX;

/// Added to a message id to mark a protobuf body.
pub const PROTOBUF_MSG_ID_OFFSET: i32 = 200;
