//! The two directions' message sets: what a client sends and what a server sends.

use super::codec::message_set;
use super::ids::{incoming as inc, outgoing as out};
use super::messages::*;
use super::versions::{PROTOBUF_ACCOUNTS_POSITIONS, PROTOBUF_REST_MESSAGES_3};

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
    }
}

impl Request {
    /// The lowest server version that understands this request, if any.
    pub fn min_server_version(&self) -> i32 {
        match self {
            Request::ReqCurrentTimeInMillis(_) => super::versions::CURRENT_TIME_IN_MILLIS,
            _ => 0,
        }
    }
}
