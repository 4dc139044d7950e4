//! The two directions' message sets: what a client sends and what a server sends.

use super::account_data::*;
use super::codec::message_set;
use super::ids::{incoming as inc, outgoing as out};
use super::messages::*;
use super::versions::{PROTOBUF_ACCOUNTS_POSITIONS, PROTOBUF_REST_MESSAGES_3, PROTOBUF_SCAN_DATA};

message_set! {
    /// Every request a client sends (and the simulator decodes).
    Request {
        StartApi(StartApi) = out::START_API, proto_from: PROTOBUF_REST_MESSAGES_3;
        ReqIds(ReqIds) = out::REQ_IDS, proto_from: PROTOBUF_REST_MESSAGES_3;
        ReqManagedAccounts(ReqManagedAccounts) = out::REQ_MANAGED_ACCTS, proto_from: PROTOBUF_ACCOUNTS_POSITIONS;
        ReqCurrentTime(ReqCurrentTime) = out::REQ_CURRENT_TIME, proto_from: PROTOBUF_REST_MESSAGES_3;
        ReqCurrentTimeInMillis(ReqCurrentTimeInMillis) = out::REQ_CURRENT_TIME_IN_MILLIS, proto_from: PROTOBUF_REST_MESSAGES_3;
        ReqAccountSummary(ReqAccountSummary) = out::REQ_ACCOUNT_SUMMARY, proto_from: PROTOBUF_ACCOUNTS_POSITIONS;
        CancelAccountSummary(CancelAccountSummary) = out::CANCEL_ACCOUNT_SUMMARY, proto_from: PROTOBUF_ACCOUNTS_POSITIONS;
        ReqPositions(ReqPositions) = out::REQ_POSITIONS, proto_from: PROTOBUF_ACCOUNTS_POSITIONS;
        CancelPositions(CancelPositions) = out::CANCEL_POSITIONS, proto_from: PROTOBUF_ACCOUNTS_POSITIONS;
        ReqAccountUpdates(ReqAccountUpdates) = out::REQ_ACCT_DATA, proto_from: PROTOBUF_ACCOUNTS_POSITIONS;
        ReqPositionsMulti(ReqPositionsMulti) = out::REQ_POSITIONS_MULTI, proto_from: PROTOBUF_ACCOUNTS_POSITIONS;
        CancelPositionsMulti(CancelPositionsMulti) = out::CANCEL_POSITIONS_MULTI, proto_from: PROTOBUF_ACCOUNTS_POSITIONS;
        ReqAccountUpdatesMulti(ReqAccountUpdatesMulti) = out::REQ_ACCOUNT_UPDATES_MULTI, proto_from: PROTOBUF_ACCOUNTS_POSITIONS;
        CancelAccountUpdatesMulti(CancelAccountUpdatesMulti) = out::CANCEL_ACCOUNT_UPDATES_MULTI, proto_from: PROTOBUF_ACCOUNTS_POSITIONS;
        ReqPnL(ReqPnL) = out::REQ_PNL, proto_from: PROTOBUF_SCAN_DATA;
        CancelPnL(CancelPnL) = out::CANCEL_PNL, proto_from: PROTOBUF_SCAN_DATA;
        ReqPnLSingle(ReqPnLSingle) = out::REQ_PNL_SINGLE, proto_from: PROTOBUF_SCAN_DATA;
        CancelPnLSingle(CancelPnLSingle) = out::CANCEL_PNL_SINGLE, proto_from: PROTOBUF_SCAN_DATA;
    }
}

message_set! {
    /// Every message a server sends (and the engine decodes). `proto_from` is
    /// the version from which the simulator sends it as protobuf; the engine
    /// accepts both forms at every version >= 201.
    Incoming {
        Error(ErrorMessage) = inc::ERR_MSG, proto_from: PROTOBUF_REST_MESSAGES_3;
        NextValidId(NextValidId) = inc::NEXT_VALID_ID, proto_from: PROTOBUF_REST_MESSAGES_3;
        ManagedAccounts(ManagedAccounts) = inc::MANAGED_ACCTS, proto_from: PROTOBUF_ACCOUNTS_POSITIONS;
        CurrentTime(CurrentTime) = inc::CURRENT_TIME, proto_from: PROTOBUF_REST_MESSAGES_3;
        CurrentTimeInMillis(CurrentTimeInMillis) = inc::CURRENT_TIME_IN_MILLIS, proto_from: PROTOBUF_REST_MESSAGES_3;
        AccountSummary(AccountSummary) = inc::ACCOUNT_SUMMARY, proto_from: PROTOBUF_ACCOUNTS_POSITIONS;
        AccountSummaryEnd(AccountSummaryEnd) = inc::ACCOUNT_SUMMARY_END, proto_from: PROTOBUF_ACCOUNTS_POSITIONS;
        Position(Position) = inc::POSITION_DATA, proto_from: PROTOBUF_ACCOUNTS_POSITIONS;
        PositionEnd(PositionEnd) = inc::POSITION_END, proto_from: PROTOBUF_ACCOUNTS_POSITIONS;
        AccountValue(AccountValue) = inc::ACCT_VALUE, proto_from: PROTOBUF_ACCOUNTS_POSITIONS;
        PortfolioValue(PortfolioValue) = inc::PORTFOLIO_VALUE, proto_from: PROTOBUF_ACCOUNTS_POSITIONS;
        AccountUpdateTime(AccountUpdateTime) = inc::ACCT_UPDATE_TIME, proto_from: PROTOBUF_ACCOUNTS_POSITIONS;
        AccountDownloadEnd(AccountDownloadEnd) = inc::ACCT_DOWNLOAD_END, proto_from: PROTOBUF_ACCOUNTS_POSITIONS;
        PositionMulti(PositionMulti) = inc::POSITION_MULTI, proto_from: PROTOBUF_ACCOUNTS_POSITIONS;
        PositionMultiEnd(PositionMultiEnd) = inc::POSITION_MULTI_END, proto_from: PROTOBUF_ACCOUNTS_POSITIONS;
        AccountUpdateMulti(AccountUpdateMulti) = inc::ACCOUNT_UPDATE_MULTI, proto_from: PROTOBUF_ACCOUNTS_POSITIONS;
        AccountUpdateMultiEnd(AccountUpdateMultiEnd) = inc::ACCOUNT_UPDATE_MULTI_END, proto_from: PROTOBUF_ACCOUNTS_POSITIONS;
        PnL(PnL) = inc::PNL, proto_from: PROTOBUF_SCAN_DATA;
        PnLSingle(PnLSingle) = inc::PNL_SINGLE, proto_from: PROTOBUF_SCAN_DATA;
    }
}

impl Request {
    /// The lowest server version that understands this request, if any.
    pub fn min_server_version(&self) -> i32 {
        match self {
            Request::ReqCurrentTimeInMillis(_) => super::versions::CURRENT_TIME_IN_MILLIS,
            Request::ReqPositionsMulti(_)
            | Request::CancelPositionsMulti(_)
            | Request::ReqAccountUpdatesMulti(_)
            | Request::CancelAccountUpdatesMulti(_) => super::versions::MODELS_SUPPORT,
            Request::ReqPnL(_)
            | Request::CancelPnL(_)
            | Request::ReqPnLSingle(_)
            | Request::CancelPnLSingle(_) => super::versions::PNL,
            _ => 0,
        }
    }
}
