//! Unit tests of the C views: every event kind converted through the arena,
//! the event-type names, and `user_data_free` on refusals that C cannot reach.

use std::ffi::{c_char, c_void, CStr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::client::{ConnectionState, Event, PacingNotice, PacingRule, PacingStage};
use crate::protocol::account_data::*;
use crate::protocol::contract::Contract;
use crate::protocol::messages::*;
use crate::protocol::Incoming;

use super::convert::{to_c_event, Arena};
use super::library::tws_event_type_str;
use super::types::*;

/// A string of `len` bytes that names its field, so a pointer to the wrong
/// string (or to freed memory) cannot read back as the right one.
fn long(field: &str, len: usize) -> String {
    let mut s = format!("<{field}>");
    while s.len() < len {
        s.push_str(field);
        s.push('|');
    }
    s
}

fn contract(len: usize) -> Box<Contract> {
    Box::new(Contract {
        con_id: 265598,
        symbol: long("symbol", len),
        sec_type: long("sec_type", len),
        last_trade_date_or_contract_month: long("last_trade", len),
        strike: 182.5,
        right: long("right", len),
        multiplier: long("multiplier", len),
        exchange: long("exchange", len),
        primary_exchange: long("primary_exchange", len),
        currency: long("contract_currency", len),
        local_symbol: long("local_symbol", len),
        trading_class: long("trading_class", len),
        ..Default::default()
    })
}

/// One event of every kind (every `Event` variant and every `Incoming`
/// message), with every string `len` bytes long.
fn every_event(len: usize) -> Vec<Event> {
    let t = |f: &str| long(f, len).into();
    let mut events = vec![
        Event::State {
            state: ConnectionState::Reconnecting,
            reason: long("reason", len),
            attempt: 3,
            next_delay: Duration::from_millis(1500),
            resubscribed: vec![1, 2],
        },
        Event::Unknown {
            msg_id: 999,
            payload: long("payload", len).into_bytes(),
        },
        Event::DecodeFailed {
            msg_id: 63,
            reason: long("reason", len),
            payload: long("payload", len).into_bytes(),
        },
        Event::ProtocolError {
            reason: long("reason", len),
            bytes: long("payload", len).into_bytes(),
        },
        Event::Paced(PacingNotice {
            req_id: 17,
            request: "reqHistoricalData",
            stage: PacingStage::Withdrawn,
            rule: PacingRule::SameContract,
            wait: Duration::from_millis(1840),
        }),
    ];
    let messages = [
        Incoming::Error(ErrorMessage {
            req_id: 7,
            time_ms: 1,
            code: 321,
            message: long("message", len),
            advanced_order_reject_json: long("json", len),
        }),
        Incoming::NextValidId(NextValidId { order_id: 5 }),
        Incoming::ManagedAccounts(ManagedAccounts {
            accounts_list: t("accounts"),
        }),
        Incoming::CurrentTime(CurrentTime {
            time: 1_700_000_000,
        }),
        Incoming::CurrentTimeInMillis(CurrentTimeInMillis {
            time_ms: 1_700_000_000_000,
        }),
        Incoming::AccountSummary(AccountSummary {
            req_id: 1,
            account: t("account"),
            tag: t("tag"),
            value: t("value"),
            currency: t("currency"),
        }),
        Incoming::AccountSummaryEnd(AccountSummaryEnd { req_id: 1 }),
        Incoming::Position(Position {
            account: long("account", len),
            contract: contract(len),
            position: long("position", len),
            avg_cost: 1.5,
        }),
        Incoming::PositionEnd(PositionEnd {}),
        Incoming::AccountValue(AccountValue {
            key: t("key"),
            value: t("value"),
            currency: t("currency"),
            account: t("account"),
        }),
        Incoming::PortfolioValue(PortfolioValue {
            contract: contract(len),
            position: long("position", len),
            account: long("account", len),
            ..Default::default()
        }),
        Incoming::AccountUpdateTime(AccountUpdateTime {
            time_stamp: t("time_stamp"),
        }),
        Incoming::AccountDownloadEnd(AccountDownloadEnd {
            account: t("account"),
        }),
        Incoming::PositionMulti(PositionMulti {
            req_id: 2,
            account: long("account", len),
            contract: contract(len),
            position: long("position", len),
            avg_cost: 2.5,
            model_code: long("model_code", len),
        }),
        Incoming::PositionMultiEnd(PositionMultiEnd { req_id: 2 }),
        Incoming::AccountUpdateMulti(AccountUpdateMulti {
            req_id: 3,
            account: t("account"),
            model_code: t("model_code"),
            key: t("key"),
            value: t("value"),
            currency: t("currency"),
        }),
        Incoming::AccountUpdateMultiEnd(AccountUpdateMultiEnd { req_id: 3 }),
        Incoming::PnL(PnL {
            req_id: 4,
            ..Default::default()
        }),
        Incoming::PnLSingle(PnLSingle {
            req_id: 5,
            position: long("position", len),
            ..Default::default()
        }),
    ];
    events.extend(messages.into_iter().map(Event::Message));
    events
}

/// The type each event must convert to: an exhaustive match written
/// independently of `convert.rs`, so the test names every kind too.
fn expected_type(event: &Event) -> tws_event_type {
    use tws_event_type::*;
    match event {
        Event::State { .. } => TWS_EVENT_STATE,
        Event::Unknown { .. } => TWS_EVENT_UNKNOWN_MESSAGE,
        Event::DecodeFailed { .. } => TWS_EVENT_DECODE_ERROR,
        Event::ProtocolError { .. } => TWS_EVENT_PROTOCOL_ERROR,
        Event::Paced(_) => TWS_EVENT_HISTORY_PACING,
        Event::Message(m) => match m {
            Incoming::Error(_) => TWS_EVENT_ERROR,
            Incoming::NextValidId(_) => TWS_EVENT_NEXT_VALID_ID,
            Incoming::ManagedAccounts(_) => TWS_EVENT_MANAGED_ACCOUNTS,
            Incoming::CurrentTime(_) => TWS_EVENT_CURRENT_TIME,
            Incoming::CurrentTimeInMillis(_) => TWS_EVENT_CURRENT_TIME_MILLIS,
            Incoming::AccountSummary(_) => TWS_EVENT_ACCOUNT_SUMMARY,
            Incoming::AccountSummaryEnd(_) => TWS_EVENT_ACCOUNT_SUMMARY_END,
            Incoming::Position(_) => TWS_EVENT_POSITION,
            Incoming::PositionEnd(_) => TWS_EVENT_POSITION_END,
            Incoming::AccountValue(_) => TWS_EVENT_ACCOUNT_VALUE,
            Incoming::PortfolioValue(_) => TWS_EVENT_PORTFOLIO_VALUE,
            Incoming::AccountUpdateTime(_) => TWS_EVENT_ACCOUNT_UPDATE_TIME,
            Incoming::AccountDownloadEnd(_) => TWS_EVENT_ACCOUNT_DOWNLOAD_END,
            Incoming::PositionMulti(_) => TWS_EVENT_POSITION_MULTI,
            Incoming::PositionMultiEnd(_) => TWS_EVENT_POSITION_MULTI_END,
            Incoming::AccountUpdateMulti(_) => TWS_EVENT_ACCOUNT_UPDATE_MULTI,
            Incoming::AccountUpdateMultiEnd(_) => TWS_EVENT_ACCOUNT_UPDATE_MULTI_END,
            Incoming::PnL(_) => TWS_EVENT_PNL,
            Incoming::PnLSingle(_) => TWS_EVENT_PNL_SINGLE,
            // Instruments and quotes (issue 13): generic accessor only.
            Incoming::ContractData(_) => TWS_EVENT_CONTRACT_DATA,
            Incoming::BondContractData(_) => TWS_EVENT_BOND_CONTRACT_DATA,
            Incoming::ContractDataEnd(_) => TWS_EVENT_CONTRACT_DATA_END,
            Incoming::SymbolSamples(_) => TWS_EVENT_SYMBOL_SAMPLES,
            Incoming::SecDefOptParameter(_) => TWS_EVENT_SEC_DEF_OPT_PARAMETER,
            Incoming::SecDefOptParameterEnd(_) => TWS_EVENT_SEC_DEF_OPT_PARAMETER_END,
            Incoming::MarketRule(_) => TWS_EVENT_MARKET_RULE,
            Incoming::SmartComponents(_) => TWS_EVENT_SMART_COMPONENTS,
            Incoming::MktDepthExchanges(_) => TWS_EVENT_MKT_DEPTH_EXCHANGES,
            Incoming::FamilyCodes(_) => TWS_EVENT_FAMILY_CODES,
            Incoming::MarketDataType(_) => TWS_EVENT_MARKET_DATA_TYPE,
            Incoming::TickPrice(_) => TWS_EVENT_TICK_PRICE,
            Incoming::TickSize(_) => TWS_EVENT_TICK_SIZE,
            Incoming::TickString(_) => TWS_EVENT_TICK_STRING,
            Incoming::TickGeneric(_) => TWS_EVENT_TICK_GENERIC,
            Incoming::TickEfp(_) => TWS_EVENT_TICK_EFP,
            Incoming::TickOptionComputation(_) => TWS_EVENT_TICK_OPTION_COMPUTATION,
            Incoming::TickReqParams(_) => TWS_EVENT_TICK_REQ_PARAMS,
            Incoming::TickSnapshotEnd(_) => TWS_EVENT_TICK_SNAPSHOT_END,
            Incoming::RerouteMktDataReq(_) => TWS_EVENT_REROUTE_MKT_DATA_REQ,
            Incoming::RerouteMktDepthReq(_) => TWS_EVENT_REROUTE_MKT_DEPTH_REQ,
            Incoming::DeltaNeutralValidation(_) => TWS_EVENT_DELTA_NEUTRAL_VALIDATION,
            Incoming::UpdateMktDepth(_) => TWS_EVENT_UPDATE_MKT_DEPTH,
            Incoming::UpdateMktDepthL2(_) => TWS_EVENT_UPDATE_MKT_DEPTH_L2,
            Incoming::RealTimeBar(_) => TWS_EVENT_REAL_TIME_BAR,
            Incoming::TickByTick(_) => TWS_EVENT_TICK_BY_TICK,
            Incoming::UserInfo(_) => TWS_EVENT_USER_INFO,
            // Executions (issue 14): generic accessor only.
            Incoming::ExecDetails(_) => TWS_EVENT_EXEC_DETAILS,
            Incoming::ExecDetailsEnd(_) => TWS_EVENT_EXEC_DETAILS_END,
            Incoming::CommissionAndFeesReport(_) => TWS_EVENT_COMMISSION_AND_FEES_REPORT,
            Incoming::SoftDollarTiers(_) => TWS_EVENT_SOFT_DOLLAR_TIERS,
            // Orders (issue 14): generic accessor only.
            Incoming::OrderStatus(_) => TWS_EVENT_ORDER_STATUS,
            Incoming::OpenOrder(_) => TWS_EVENT_OPEN_ORDER,
            Incoming::OpenOrderEnd(_) => TWS_EVENT_OPEN_ORDER_END,
            Incoming::CompletedOrder(_) => TWS_EVENT_COMPLETED_ORDER,
            Incoming::CompletedOrdersEnd(_) => TWS_EVENT_COMPLETED_ORDERS_END,
            Incoming::OrderBound(_) => TWS_EVENT_ORDER_BOUND,
            // Historical data (issue 15): generic accessor only.
            Incoming::HistoricalData(_) => TWS_EVENT_HISTORICAL_DATA,
            Incoming::HistoricalDataEnd(_) => TWS_EVENT_HISTORICAL_DATA_END,
            Incoming::HistoricalDataUpdate(_) => TWS_EVENT_HISTORICAL_DATA_UPDATE,
            Incoming::HeadTimestamp(_) => TWS_EVENT_HEAD_TIMESTAMP,
            Incoming::HistogramData(_) => TWS_EVENT_HISTOGRAM_DATA,
            Incoming::HistoricalTicks(_) => TWS_EVENT_HISTORICAL_TICKS,
            Incoming::HistoricalTicksBidAsk(_) => TWS_EVENT_HISTORICAL_TICKS_BID_ASK,
            Incoming::HistoricalTicksLast(_) => TWS_EVENT_HISTORICAL_TICKS_LAST,
            Incoming::HistoricalSchedule(_) => TWS_EVENT_HISTORICAL_SCHEDULE,
            // The rest of the API (issue 16): generic accessor only.
            Incoming::UpdateNewsBulletin(_) => TWS_EVENT_UPDATE_NEWS_BULLETIN,
            Incoming::NewsProviders(_) => TWS_EVENT_NEWS_PROVIDERS,
            Incoming::NewsArticle(_) => TWS_EVENT_NEWS_ARTICLE,
            Incoming::HistoricalNews(_) => TWS_EVENT_HISTORICAL_NEWS,
            Incoming::HistoricalNewsEnd(_) => TWS_EVENT_HISTORICAL_NEWS_END,
            Incoming::TickNews(_) => TWS_EVENT_TICK_NEWS,
            Incoming::ScannerParameters(_) => TWS_EVENT_SCANNER_PARAMETERS,
            Incoming::ScannerData(_) => TWS_EVENT_SCANNER_DATA,
            Incoming::ReceiveFa(_) => TWS_EVENT_RECEIVE_FA,
            Incoming::ReplaceFaEnd(_) => TWS_EVENT_REPLACE_FA_END,
            Incoming::DisplayGroupList(_) => TWS_EVENT_DISPLAY_GROUP_LIST,
            Incoming::DisplayGroupUpdated(_) => TWS_EVENT_DISPLAY_GROUP_UPDATED,
            Incoming::WshMetaData(_) => TWS_EVENT_WSH_META_DATA,
            Incoming::WshEventData(_) => TWS_EVENT_WSH_EVENT_DATA,
            Incoming::VerifyMessageApi(_) => TWS_EVENT_VERIFY_MESSAGE_API,
            Incoming::VerifyCompleted(_) => TWS_EVENT_VERIFY_COMPLETED,
            Incoming::VerifyAndAuthMessageApi(_) => TWS_EVENT_VERIFY_AND_AUTH_MESSAGE_API,
            Incoming::VerifyAndAuthCompleted(_) => TWS_EVENT_VERIFY_AND_AUTH_COMPLETED,
            Incoming::ConfigResponse(_) => TWS_EVENT_CONFIG_RESPONSE,
            Incoming::UpdateConfigResponse(_) => TWS_EVENT_UPDATE_CONFIG_RESPONSE,
        },
    }
}

fn read(p: *const c_char) -> String {
    assert!(!p.is_null());
    // SAFETY: the test reads pointers of an event whose arena is still untouched.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

fn contract_strings(c: &tws_contract) -> Vec<String> {
    [
        c.symbol,
        c.sec_type,
        c.last_trade_date_or_contract_month,
        c.right,
        c.multiplier,
        c.exchange,
        c.primary_exchange,
        c.currency,
        c.local_symbol,
        c.trading_class,
    ]
    .into_iter()
    .map(read)
    .collect()
}

fn expected_contract(len: usize) -> Vec<String> {
    [
        "symbol",
        "sec_type",
        "last_trade",
        "right",
        "multiplier",
        "exchange",
        "primary_exchange",
        "contract_currency",
        "local_symbol",
        "trading_class",
    ]
    .into_iter()
    .map(|f| long(f, len))
    .collect()
}

/// Every string (and raw payload) a C event points to, read back now.
fn strings_of(ev: &tws_event) -> Vec<String> {
    use tws_event_type::*;
    let kind = tws_event_type::from_i32(ev.r#type).expect("a known event type");
    // SAFETY: each arm reads the union member that `type` names.
    unsafe {
        let d = &ev.data;
        match kind {
            TWS_EVENT_STATE => vec![read(d.state.reason)],
            TWS_EVENT_ERROR => vec![
                read(d.error.message),
                read(d.error.advanced_order_reject_json),
            ],
            TWS_EVENT_MANAGED_ACCOUNTS => vec![read(d.managed_accounts.accounts)],
            TWS_EVENT_ACCOUNT_SUMMARY => {
                let a = &d.account_summary;
                vec![
                    read(a.account),
                    read(a.tag),
                    read(a.value),
                    read(a.currency),
                ]
            }
            TWS_EVENT_HISTORY_PACING => vec![read(d.pacing.request)],
            TWS_EVENT_UNKNOWN_MESSAGE | TWS_EVENT_DECODE_ERROR | TWS_EVENT_PROTOCOL_ERROR => {
                let r = &d.raw;
                let payload = std::slice::from_raw_parts(r.payload, r.payload_len);
                vec![
                    read(r.reason),
                    String::from_utf8_lossy(payload).into_owned(),
                ]
            }
            TWS_EVENT_POSITION => {
                let p = &d.position;
                let mut v = vec![read(p.account)];
                v.extend(contract_strings(&p.contract));
                v.push(read(p.position));
                v
            }
            TWS_EVENT_ACCOUNT_VALUE => {
                let a = &d.account_value;
                vec![
                    read(a.key),
                    read(a.value),
                    read(a.currency),
                    read(a.account),
                ]
            }
            TWS_EVENT_PORTFOLIO_VALUE => {
                let p = &d.portfolio_value;
                let mut v = contract_strings(&p.contract);
                v.push(read(p.position));
                v.push(read(p.account));
                v
            }
            TWS_EVENT_ACCOUNT_UPDATE_TIME => vec![read(d.account_update_time.time_stamp)],
            TWS_EVENT_ACCOUNT_DOWNLOAD_END => vec![read(d.account_download_end.account)],
            TWS_EVENT_POSITION_MULTI => {
                let p = &d.position_multi;
                let mut v = vec![read(p.account), read(p.model_code)];
                v.extend(contract_strings(&p.contract));
                v.push(read(p.position));
                v
            }
            TWS_EVENT_ACCOUNT_UPDATE_MULTI => {
                let a = &d.account_update_multi;
                vec![
                    read(a.account),
                    read(a.model_code),
                    read(a.key),
                    read(a.value),
                    read(a.currency),
                ]
            }
            TWS_EVENT_PNL_SINGLE => vec![read(d.pnl_single.position)],
            TWS_EVENT_NEXT_VALID_ID
            | TWS_EVENT_ACCOUNT_SUMMARY_END
            | TWS_EVENT_CURRENT_TIME
            | TWS_EVENT_CURRENT_TIME_MILLIS
            | TWS_EVENT_POSITION_END
            | TWS_EVENT_POSITION_MULTI_END
            | TWS_EVENT_ACCOUNT_UPDATE_MULTI_END
            | TWS_EVENT_PNL
            | TWS_EVENT_CONTRACT_DATA
            | TWS_EVENT_BOND_CONTRACT_DATA
            | TWS_EVENT_CONTRACT_DATA_END
            | TWS_EVENT_SYMBOL_SAMPLES
            | TWS_EVENT_SEC_DEF_OPT_PARAMETER
            | TWS_EVENT_SEC_DEF_OPT_PARAMETER_END
            | TWS_EVENT_MARKET_RULE
            | TWS_EVENT_SMART_COMPONENTS
            | TWS_EVENT_MKT_DEPTH_EXCHANGES
            | TWS_EVENT_FAMILY_CODES
            | TWS_EVENT_MARKET_DATA_TYPE
            | TWS_EVENT_TICK_PRICE
            | TWS_EVENT_TICK_SIZE
            | TWS_EVENT_TICK_STRING
            | TWS_EVENT_TICK_GENERIC
            | TWS_EVENT_TICK_EFP
            | TWS_EVENT_TICK_OPTION_COMPUTATION
            | TWS_EVENT_TICK_REQ_PARAMS
            | TWS_EVENT_TICK_SNAPSHOT_END
            | TWS_EVENT_REROUTE_MKT_DATA_REQ
            | TWS_EVENT_REROUTE_MKT_DEPTH_REQ
            | TWS_EVENT_DELTA_NEUTRAL_VALIDATION
            | TWS_EVENT_UPDATE_MKT_DEPTH
            | TWS_EVENT_UPDATE_MKT_DEPTH_L2
            | TWS_EVENT_REAL_TIME_BAR
            | TWS_EVENT_TICK_BY_TICK
            | TWS_EVENT_USER_INFO
            | TWS_EVENT_EXEC_DETAILS
            | TWS_EVENT_EXEC_DETAILS_END
            | TWS_EVENT_COMMISSION_AND_FEES_REPORT
            | TWS_EVENT_SOFT_DOLLAR_TIERS
            | TWS_EVENT_ORDER_STATUS
            | TWS_EVENT_OPEN_ORDER
            | TWS_EVENT_OPEN_ORDER_END
            | TWS_EVENT_COMPLETED_ORDER
            | TWS_EVENT_COMPLETED_ORDERS_END
            | TWS_EVENT_ORDER_BOUND
            | TWS_EVENT_HISTORICAL_DATA
            | TWS_EVENT_HISTORICAL_DATA_END
            | TWS_EVENT_HISTORICAL_DATA_UPDATE
            | TWS_EVENT_HEAD_TIMESTAMP
            | TWS_EVENT_HISTOGRAM_DATA
            | TWS_EVENT_HISTORICAL_TICKS
            | TWS_EVENT_HISTORICAL_TICKS_BID_ASK
            | TWS_EVENT_HISTORICAL_TICKS_LAST
            | TWS_EVENT_HISTORICAL_SCHEDULE
            | TWS_EVENT_UPDATE_NEWS_BULLETIN
            | TWS_EVENT_NEWS_PROVIDERS
            | TWS_EVENT_NEWS_ARTICLE
            | TWS_EVENT_HISTORICAL_NEWS
            | TWS_EVENT_HISTORICAL_NEWS_END
            | TWS_EVENT_TICK_NEWS
            | TWS_EVENT_SCANNER_PARAMETERS
            | TWS_EVENT_SCANNER_DATA
            | TWS_EVENT_RECEIVE_FA
            | TWS_EVENT_REPLACE_FA_END
            | TWS_EVENT_DISPLAY_GROUP_LIST
            | TWS_EVENT_DISPLAY_GROUP_UPDATED
            | TWS_EVENT_WSH_META_DATA
            | TWS_EVENT_WSH_EVENT_DATA
            | TWS_EVENT_VERIFY_MESSAGE_API
            | TWS_EVENT_VERIFY_COMPLETED
            | TWS_EVENT_VERIFY_AND_AUTH_MESSAGE_API
            | TWS_EVENT_VERIFY_AND_AUTH_COMPLETED
            | TWS_EVENT_CONFIG_RESPONSE
            | TWS_EVENT_UPDATE_CONFIG_RESPONSE => vec![],
        }
    }
}

/// What `strings_of` must read for the sample of `event` built by `every_event(len)`.
fn expected_strings(event: &Event, len: usize) -> Vec<String> {
    let l = |f: &str| long(f, len);
    let with_contract = |before: &[&str], after: &[&str]| {
        let mut v: Vec<String> = before.iter().map(|f| l(f)).collect();
        v.extend(expected_contract(len));
        v.extend(after.iter().map(|f| l(f)));
        v
    };
    match event {
        Event::State { .. } => vec![l("reason")],
        Event::Unknown { .. } => vec![String::new(), l("payload")],
        Event::DecodeFailed { .. } | Event::ProtocolError { .. } => {
            vec![l("reason"), l("payload")]
        }
        Event::Paced(n) => vec![n.request.to_owned()],
        Event::Message(m) => match m {
            Incoming::Error(_) => vec![l("message"), l("json")],
            Incoming::ManagedAccounts(_) => vec![l("accounts")],
            Incoming::AccountSummary(_) => vec![l("account"), l("tag"), l("value"), l("currency")],
            Incoming::Position(_) => with_contract(&["account"], &["position"]),
            Incoming::AccountValue(_) => vec![l("key"), l("value"), l("currency"), l("account")],
            Incoming::PortfolioValue(_) => with_contract(&[], &["position", "account"]),
            Incoming::AccountUpdateTime(_) => vec![l("time_stamp")],
            Incoming::AccountDownloadEnd(_) => vec![l("account")],
            Incoming::PositionMulti(_) => with_contract(&["account", "model_code"], &["position"]),
            Incoming::AccountUpdateMulti(_) => vec![
                l("account"),
                l("model_code"),
                l("key"),
                l("value"),
                l("currency"),
            ],
            Incoming::PnLSingle(_) => vec![l("position")],
            Incoming::NextValidId(_)
            | Incoming::CurrentTime(_)
            | Incoming::CurrentTimeInMillis(_)
            | Incoming::AccountSummaryEnd(_)
            | Incoming::PositionEnd(_)
            | Incoming::PositionMultiEnd(_)
            | Incoming::AccountUpdateMultiEnd(_)
            | Incoming::PnL(_) => vec![],
            // Instruments and quotes (issue 13): no typed view, no strings in the union.
            Incoming::ContractData(_)
            | Incoming::BondContractData(_)
            | Incoming::ContractDataEnd(_)
            | Incoming::SymbolSamples(_)
            | Incoming::SecDefOptParameter(_)
            | Incoming::SecDefOptParameterEnd(_)
            | Incoming::MarketRule(_)
            | Incoming::SmartComponents(_)
            | Incoming::MktDepthExchanges(_)
            | Incoming::FamilyCodes(_)
            | Incoming::MarketDataType(_)
            | Incoming::TickPrice(_)
            | Incoming::TickSize(_)
            | Incoming::TickString(_)
            | Incoming::TickGeneric(_)
            | Incoming::TickEfp(_)
            | Incoming::TickOptionComputation(_)
            | Incoming::TickReqParams(_)
            | Incoming::TickSnapshotEnd(_)
            | Incoming::RerouteMktDataReq(_)
            | Incoming::RerouteMktDepthReq(_)
            | Incoming::DeltaNeutralValidation(_)
            | Incoming::UpdateMktDepth(_)
            | Incoming::UpdateMktDepthL2(_)
            | Incoming::RealTimeBar(_)
            | Incoming::TickByTick(_)
            | Incoming::UserInfo(_)
            | Incoming::ExecDetails(_)
            | Incoming::ExecDetailsEnd(_)
            | Incoming::CommissionAndFeesReport(_)
            | Incoming::SoftDollarTiers(_)
            | Incoming::OrderStatus(_)
            | Incoming::OpenOrder(_)
            | Incoming::OpenOrderEnd(_)
            | Incoming::CompletedOrder(_)
            | Incoming::CompletedOrdersEnd(_)
            | Incoming::OrderBound(_)
            | Incoming::HistoricalData(_)
            | Incoming::HistoricalDataEnd(_)
            | Incoming::HistoricalDataUpdate(_)
            | Incoming::HeadTimestamp(_)
            | Incoming::HistogramData(_)
            | Incoming::HistoricalTicks(_)
            | Incoming::HistoricalTicksBidAsk(_)
            | Incoming::HistoricalTicksLast(_)
            | Incoming::HistoricalSchedule(_)
            | Incoming::UpdateNewsBulletin(_)
            | Incoming::NewsProviders(_)
            | Incoming::NewsArticle(_)
            | Incoming::HistoricalNews(_)
            | Incoming::HistoricalNewsEnd(_)
            | Incoming::TickNews(_)
            | Incoming::ScannerParameters(_)
            | Incoming::ScannerData(_)
            | Incoming::ReceiveFa(_)
            | Incoming::ReplaceFaEnd(_)
            | Incoming::DisplayGroupList(_)
            | Incoming::DisplayGroupUpdated(_)
            | Incoming::WshMetaData(_)
            | Incoming::WshEventData(_)
            | Incoming::VerifyMessageApi(_)
            | Incoming::VerifyCompleted(_)
            | Incoming::VerifyAndAuthMessageApi(_)
            | Incoming::VerifyAndAuthCompleted(_)
            | Incoming::ConfigResponse(_)
            | Incoming::UpdateConfigResponse(_) => vec![],
        },
    }
}

/// Every kind, with strings far longer than anything the arena held before
/// (so its buffer must grow in the middle of each conversion): every pointer
/// must read back its own string once the whole event is built. A pointer
/// taken before the buffer grew would point into freed memory (the test then
/// reads garbage, or the allocator's poison, instead of the field's name).
#[test]
fn every_event_kind_reads_back_every_string_after_the_whole_conversion() {
    let mut arena = Arena::default();
    for len in [1, 40, 5_000, 70_000] {
        for event in every_event(len) {
            // A tiny event first, so the arena's buffer is small again and must grow.
            let _ = to_c_event(&Event::state(ConnectionState::Connected, "x"), &mut arena);
            let c = to_c_event(&event, &mut arena);
            assert_eq!(c.r#type, expected_type(&event) as i32, "{event:?}");
            assert_eq!(
                strings_of(&c),
                expected_strings(&event, len),
                "type {}",
                c.r#type
            );
        }
    }
}

/// The same with a fresh arena per event (no capacity at all to start with).
#[test]
fn every_event_kind_reads_back_from_a_fresh_arena() {
    for event in every_event(3_000) {
        let mut arena = Arena::default();
        let c = to_c_event(&event, &mut arena);
        assert_eq!(strings_of(&c), expected_strings(&event, 3_000));
    }
}

/// The hot path: once warm, account-summary rows reuse the arena's buffer.
#[test]
fn a_pacing_notice_converts_to_its_stage_rule_and_milliseconds() {
    let mut arena = Arena::default();
    let stages = [
        (PacingStage::Held, tws_pacing_stage::TWS_PACING_HELD),
        (PacingStage::Released, tws_pacing_stage::TWS_PACING_RELEASED),
        (
            PacingStage::Withdrawn,
            tws_pacing_stage::TWS_PACING_WITHDRAWN,
        ),
    ];
    let rules = [
        (
            PacingRule::ContractOrder,
            tws_pacing_rule::TWS_PACING_RULE_CONTRACT_ORDER,
        ),
        (
            PacingRule::OpenRequests,
            tws_pacing_rule::TWS_PACING_RULE_OPEN_REQUESTS,
        ),
        (
            PacingRule::IdenticalRequest,
            tws_pacing_rule::TWS_PACING_RULE_IDENTICAL_REQUEST,
        ),
        (
            PacingRule::SameContract,
            tws_pacing_rule::TWS_PACING_RULE_SAME_CONTRACT,
        ),
        (PacingRule::Window, tws_pacing_rule::TWS_PACING_RULE_WINDOW),
    ];
    for (stage, c_stage) in stages {
        for (rule, c_rule) in rules {
            let event = Event::Paced(PacingNotice {
                req_id: 42,
                request: "reqHistogramData",
                stage,
                rule,
                wait: Duration::from_micros(2_500_900),
            });
            let c = to_c_event(&event, &mut arena);
            assert_eq!(c.r#type, tws_event_type::TWS_EVENT_HISTORY_PACING as i32);
            // SAFETY: the type says the `pacing` member is the one written.
            let p = unsafe { c.data.pacing };
            assert_eq!(
                (p.req_id, p.stage, p.rule),
                (42, c_stage as i32, c_rule as i32)
            );
            assert_eq!(p.wait_ms, 2500, "whole milliseconds");
            assert_eq!(read(p.request), "reqHistogramData");
        }
    }
}

#[test]
fn a_warm_arena_does_not_reallocate_for_account_summary_rows() {
    let mut arena = Arena::default();
    let row = |i: usize| {
        Event::Message(Incoming::AccountSummary(AccountSummary {
            req_id: 1,
            account: "DU123456".into(),
            tag: "NetLiquidation".into(),
            value: format!("{}.71", 983_000 + i).into(),
            currency: "USD".into(),
        }))
    };
    let first = to_c_event(&row(0), &mut arena);
    // SAFETY: the union member named by the type.
    let base = unsafe { first.data.account_summary.account };
    for i in 1..1000 {
        let c = to_c_event(&row(i), &mut arena);
        // SAFETY: as above.
        let s = unsafe { c.data.account_summary };
        assert_eq!(s.account, base, "the buffer moved: it was reallocated");
        assert_eq!(read(s.value), format!("{}.71", 983_000 + i));
    }
}

/// Every known type names itself after its enum constant; everything else is "UNKNOWN".
#[test]
fn event_type_names_match_their_enum() {
    let name = |t: i32| read(tws_event_type_str(t));
    let mut known = 0;
    for value in -5..300 {
        match tws_event_type::from_i32(value) {
            Some(t) => {
                known += 1;
                assert_eq!(t as i32, value);
                let constant = format!("{t:?}");
                assert_eq!(
                    format!("TWS_EVENT_{}", name(value)),
                    constant,
                    "value {value}"
                );
                assert_ne!(name(value), "UNKNOWN");
            }
            None => assert_eq!(name(value), "UNKNOWN", "value {value}"),
        }
    }
    // Every kind an event converts to is known and named.
    for event in every_event(4) {
        let t = expected_type(&event);
        assert_eq!(tws_event_type::from_i32(t as i32), Some(t));
        assert_eq!(format!("TWS_EVENT_{}", name(t as i32)), format!("{t:?}"));
    }
    // The five engine events (state, unknown, decode error, protocol error,
    // history pacing) and one per incoming message of the catalogue.
    let incoming = crate::protocol::schema::CATALOGUE
        .iter()
        .filter(|m| m.direction == crate::protocol::schema::Direction::In)
        .count();
    assert_eq!(known, 5 + incoming);
}

static FREES: AtomicUsize = AtomicUsize::new(0);

unsafe extern "C" fn count_free(user_data: *mut c_void) {
    assert_eq!(user_data as usize, 0x5eed);
    FREES.fetch_add(1, Ordering::SeqCst);
}

unsafe extern "C" fn ignore_event(_event: *const tws_event, _user_data: *mut c_void) {}

/// A poisoned client refuses set_callback with TWS_ERR_PANIC, and still
/// frees the user_data it was handed (C cannot poison a client on purpose).
#[test]
fn set_callback_on_a_poisoned_client_frees_user_data() {
    use super::delivery::tws_client_set_callback;
    use super::session::{tws_client_free, tws_client_new};
    let mut client = std::ptr::null_mut();
    // SAFETY: a valid out-pointer.
    assert_eq!(
        unsafe { tws_client_new(std::ptr::null(), &mut client) },
        super::tws_result::TWS_OK
    );
    // SAFETY: the client is live; the test poisons it as a panic would.
    unsafe { &*client }.poisoned.store(true, Ordering::Release);
    let before = FREES.load(Ordering::SeqCst);
    // SAFETY: a live client, a valid callback and free function.
    let rc = unsafe {
        tws_client_set_callback(
            client,
            Some(ignore_event),
            0x5eed as *mut c_void,
            Some(count_free),
        )
    };
    assert_eq!(rc, super::tws_result::TWS_ERR_PANIC);
    assert_eq!(FREES.load(Ordering::SeqCst), before + 1);
    // SAFETY: the client is live and no other call is in progress.
    assert_eq!(
        unsafe { tws_client_free(client) },
        super::tws_result::TWS_OK
    );
    assert_eq!(FREES.load(Ordering::SeqCst), before + 1);
}

/// A panic in an engine thread poisons the C client too.
mod engine_panic {
    use super::super::*;
    use crate::client::{Liveness, ReconnectPolicy};
    use crate::sim::{self, SimConfig};

    #[test]
    fn an_engine_thread_panic_poisons_the_c_client() {
        let sim = sim::start(SimConfig {
            quiet: true,
            summary_refresh: None,
            ..SimConfig::default()
        })
        .unwrap();
        let options = tws_options {
            inner: Options {
                reconnect: ReconnectPolicy::off(),
                liveness: Liveness::off(),
                panic_on_message_id_for_tests: Some(crate::protocol::ids::incoming::CURRENT_TIME),
                ..Options::default()
            },
        };
        let mut c: *mut tws_client = std::ptr::null_mut();
        // SAFETY: valid pointers to live locals.
        assert_eq!(
            unsafe { session::tws_client_new(&options, &mut c) },
            tws_result::TWS_OK
        );
        // SAFETY: `c` came from tws_client_new and is freed only below.
        let client = unsafe { &*c };
        let timeout = Duration::from_secs(5);
        client
            .inner
            .connect("127.0.0.1", sim.port(), 0, timeout)
            .unwrap();
        assert_eq!(with_client(c, |_| Ok(())), tws_result::TWS_OK);
        client.inner.req_current_time().unwrap();
        let until = std::time::Instant::now() + timeout;
        while !client.inner.is_poisoned() {
            assert!(
                std::time::Instant::now() < until,
                "the reader did not panic"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(with_client(c, |_| Ok(())), tws_result::TWS_ERR_PANIC);
        // SAFETY: from tws_client_new, not used again.
        assert_eq!(unsafe { session::tws_client_free(c) }, tws_result::TWS_OK);
    }
}

/// The delivery path (`EventSlot`): the arena stays warm, `message` keeps one
/// address, and the generic accessor reads the current event (its field list
/// rebuilt per event, only when asked for).
#[test]
fn the_event_slot_reuses_its_arena_and_message_handle() {
    use super::convert::EventSlot;
    use super::fields::{tws_event_field_by_name, tws_event_field_count, tws_field};
    let mut slot = EventSlot::default();
    let row = |i: usize| {
        Event::Message(Incoming::AccountSummary(AccountSummary {
            req_id: 1,
            account: "DU123456".into(),
            tag: "NetLiquidation".into(),
            value: format!("{}.71", 983_000 + i).into(),
            currency: "USD".into(),
        }))
    };
    let first = slot.convert_owned(row(0), 222);
    // SAFETY: the union member named by the type.
    let base = unsafe { first.data.account_summary.account };
    let handle = first.message;
    assert!(!handle.is_null());
    for i in 1..1000 {
        let c = slot.convert_owned(row(i), 222);
        // SAFETY: as above.
        let s = unsafe { c.data.account_summary };
        assert_eq!(s.account, base, "the buffer moved: it was reallocated");
        assert_eq!(c.message, handle);
        if i % 100 == 0 {
            // SAFETY: `c` is the slot's current event.
            assert_eq!(unsafe { tws_event_field_count(&c) }, 5);
            let mut f = std::mem::MaybeUninit::<tws_field>::zeroed();
            // SAFETY: as above; the name is NUL-terminated.
            let rc = unsafe { tws_event_field_by_name(&c, c"value".as_ptr(), f.as_mut_ptr()) };
            assert_eq!(rc, super::result::tws_result::TWS_OK);
            // SAFETY: written by the accessor on TWS_OK.
            let f = unsafe { f.assume_init() };
            assert!(f.present);
            assert_eq!(read(f.string_value), format!("{}.71", 983_000 + i));
        }
    }
    // An engine event has no message.
    let c = slot.convert_owned(Event::state(ConnectionState::Connected, "x"), 222);
    assert!(c.message.is_null());
}

/// Reads every field of an event through the generic accessor, as
/// `name=value` lines (absent: `name=-`).
fn accessor_fields(ev: &tws_event) -> Vec<String> {
    use super::fields::{tws_event_field, tws_event_field_count, tws_field, tws_field_kind};
    // SAFETY: `ev` is the slot's current event.
    let n = unsafe { tws_event_field_count(ev) };
    (0..n)
        .map(|i| {
            let mut f = std::mem::MaybeUninit::<tws_field>::zeroed();
            // SAFETY: as above; `i` is below the count.
            let rc = unsafe { tws_event_field(ev, i, f.as_mut_ptr()) };
            assert_eq!(rc, super::result::tws_result::TWS_OK);
            // SAFETY: written by the accessor on TWS_OK.
            let f = unsafe { f.assume_init() };
            let value = if !f.present {
                "-".to_owned()
            } else if f.kind == tws_field_kind::TWS_FIELD_DOUBLE as i32 {
                f.double_value.to_string()
            } else if f.kind == tws_field_kind::TWS_FIELD_STRING as i32
                || f.kind == tws_field_kind::TWS_FIELD_DECIMAL as i32
            {
                read(f.string_value)
            } else {
                f.int_value.to_string()
            };
            format!("{}={value}", read(f.name))
        })
        .collect()
}

/// The accessor names every list item, option field and flag uniquely:
/// `contract.combo_legs[1].ratio`, `expirations[0]`, `attrib.past_limit`
/// (the visitor's flat names, `combo_leg.ratio`, repeat per item).
#[test]
fn the_generic_accessor_indexes_list_items_and_names_options_and_flags() {
    use super::convert::EventSlot;
    use crate::protocol::instruments::{
        ComboLeg, ContractData, ContractDetails, DeltaNeutralContract, SecDefOptParameter, TagValue,
    };
    use crate::protocol::market_data::TickPrice;
    let mut slot = EventSlot::default();
    let leg = |con_id, ratio| ComboLeg {
        con_id,
        ratio,
        action: "BUY".into(),
        ..Default::default()
    };
    let data = Incoming::ContractData(ContractData {
        req_id: 9,
        contract: Box::new(Contract {
            con_id: 28812380,
            symbol: "SPY".into(),
            sec_type: "BAG".into(),
            delta_neutral_contract: Some(DeltaNeutralContract {
                con_id: 756733,
                delta: 0.5,
                price: 400.25,
            }),
            combo_legs: vec![leg(1001, 1), leg(1002, 2)],
            ..Default::default()
        }),
        details: Box::new(ContractDetails {
            market_name: "SPY".into(),
            sec_id_list: vec![TagValue {
                tag: "ISIN".into(),
                value: "US78462F1030".into(),
            }],
            ..Default::default()
        }),
    });
    // Protobuf form (server version 250): no text-layout gating.
    let c = slot.convert_owned(Event::Message(data), 250);
    assert_eq!(c.r#type, tws_event_type::TWS_EVENT_CONTRACT_DATA as i32);
    let fields = accessor_fields(&c);
    let mut names: Vec<&str> = fields
        .iter()
        .map(|f| f.split('=').next().unwrap())
        .collect();
    let n = names.len();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), n, "every accessor name is unique: {fields:#?}");
    for want in [
        "req_id=9",
        "contract.symbol=SPY",
        "contract.delta_neutral_contract=1",
        "contract.delta_neutral_contract.con_id=756733",
        "contract.delta_neutral_contract.price=400.25",
        "contract.combo_legs=2",
        "contract.combo_legs[0].con_id=1001",
        "contract.combo_legs[1].con_id=1002",
        "contract.combo_legs[1].ratio=2",
        "contract.combo_legs[1].action=BUY",
        "contract_details.sec_id_list=1",
        "contract_details.sec_id_list[0].tag=ISIN",
        "contract_details.sec_id_list[0].value=US78462F1030",
    ] {
        assert!(fields.iter().any(|f| f == want), "{want} in {fields:#?}");
    }
    assert!(
        !fields.iter().any(|f| f.starts_with("combo_leg.")),
        "{fields:#?}"
    );

    let params = Incoming::SecDefOptParameter(SecDefOptParameter {
        req_id: 3,
        exchange: "SMART".into(),
        expirations: vec!["20270115".into(), "20270219".into()],
        strikes: vec![400.0, 405.0, 410.0],
        ..Default::default()
    });
    let c = slot.convert_owned(Event::Message(params), 250);
    let fields = accessor_fields(&c);
    for want in [
        "expirations=2",
        "expirations[0]=20270115",
        "expirations[1]=20270219",
        "strikes=3",
        "strikes[2]=410",
    ] {
        assert!(fields.iter().any(|f| f == want), "{want} in {fields:#?}");
    }

    let tick = Incoming::TickPrice(TickPrice {
        req_id: 4,
        tick_type: 1,
        price: 401.5,
        size: "300".into(),
        attrib: 0b10,
    });
    let c = slot.convert_owned(Event::Message(tick), 250);
    let fields = accessor_fields(&c);
    for want in [
        "attrib=2",
        "attrib.can_auto_execute=0",
        "attrib.past_limit=1",
        "price=401.5",
    ] {
        assert!(fields.iter().any(|f| f == want), "{want} in {fields:#?}");
    }
}
