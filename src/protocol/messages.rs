//! Message bodies of the session and the account summary, declared once for
//! the text and the protobuf form. Field layouts: `shared/protocol.md`.

use crate::wire::{FieldError, FieldReader, FieldWriter};

use super::codec::{message, Body, EncodeError, Form, WireValue};
use super::describe::{Describe, FieldVisitor};
use super::text::Text;
use super::versions;

// ---- client -> server -----------------------------------------------------

/// startApi: the first message after the handshake.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StartApi {
    /// The client id; one session per id.
    pub client_id: i32,
    /// Optional capabilities string (sent from server version 72).
    pub optional_capabilities: String,
}

/// Protobuf form of [`StartApi`].
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct StartApiProto {
    #[prost(int32, optional, tag = "1")]
    pub client_id: Option<i32>,
    #[prost(string, optional, tag = "2")]
    pub optional_capabilities: Option<String>,
}

impl Body for StartApi {
    type Proto = StartApiProto;

    fn write_text(&self, w: &mut FieldWriter<'_>, server_version: i32) {
        w.int(2).int(i64::from(self.client_id));
        if server_version >= versions::OPTIONAL_CAPABILITIES {
            w.str(&self.optional_capabilities);
        }
    }

    fn read_text(r: &mut FieldReader<'_>, server_version: i32) -> Result<Self, FieldError> {
        r.raw()?;
        let client_id = r.int32()?;
        let optional_capabilities =
            if server_version >= versions::OPTIONAL_CAPABILITIES && !r.is_empty() {
                r.string()?
            } else {
                String::new()
            };
        Ok(StartApi {
            client_id,
            optional_capabilities,
        })
    }

    fn to_proto(&self) -> StartApiProto {
        StartApiProto {
            client_id: self.client_id.to_proto(),
            optional_capabilities: self.optional_capabilities.to_proto(),
        }
    }

    fn from_proto(p: StartApiProto) -> Self {
        StartApi {
            client_id: p.client_id.unwrap_or_default(),
            optional_capabilities: p.optional_capabilities.unwrap_or_default(),
        }
    }

    fn check(&self, form: Form) -> Result<(), EncodeError> {
        self.optional_capabilities
            .check("optional_capabilities", form != Form::Proto)
    }
}

impl Describe for StartApi {
    fn visit(&self, v: &mut dyn FieldVisitor) {
        v.int("client_id", i64::from(self.client_id));
        v.str("optional_capabilities", &self.optional_capabilities);
    }
}

message! {
    /// reqIds: asks for the next valid order id.
    ReqIds / IdsRequestProto, text_version: Some(1), {
        /// Ignored by TWS, kept for the protocol.
        1 int32 num_ids: i32,
    }
}

message! {
    /// reqManagedAccts: asks for the accounts this login manages.
    ReqManagedAccounts / ManagedAccountsRequestProto, text_version: Some(1), {}
}

message! {
    /// reqCurrentTime: asks for the server's clock in seconds.
    ReqCurrentTime / CurrentTimeRequestProto, text_version: Some(1), {}
}

message! {
    /// reqCurrentTimeInMillis: asks for the server's clock in milliseconds (v197+).
    ReqCurrentTimeInMillis / CurrentTimeInMillisRequestProto, text_version: None, {}
}

message! {
    /// reqAccountSummary: subscribes to account values for a group of accounts.
    ReqAccountSummary / AccountSummaryRequestProto, text_version: Some(1), {
        /// The id that tags every reply row.
        1 int32 req_id: i32 = -1,
        /// `All` or an FA group name.
        2 string group: Text,
        /// Comma-separated tags, or `$LEDGER`, `$LEDGER:ALL`, `$LEDGER:<CCY>`.
        3 string tags: Text,
    }
}

message! {
    /// cancelAccountSummary: ends an account-summary subscription.
    CancelAccountSummary / CancelAccountSummaryProto, text_version: Some(1), {
        1 int32 req_id: i32 = -1,
    }
}

// ---- server -> client -----------------------------------------------------

message! {
    /// nextValidId: the next order id this client may use; also "session ready".
    NextValidId / NextValidIdProto, text_version: Some(1), {
        1 int32 order_id: i32,
    }
}

message! {
    /// managedAccounts: comma-separated account codes (may end with a comma).
    ManagedAccounts / ManagedAccountsProto, text_version: Some(1), {
        1 string accounts_list: Text,
    }
}

impl ManagedAccounts {
    /// The account codes, without empty entries.
    pub fn accounts(&self) -> Vec<String> {
        self.accounts_list
            .split(',')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

message! {
    /// currentTime: the server's clock in unix seconds.
    CurrentTime / CurrentTimeProto, text_version: Some(1), {
        1 int64 time: i64,
    }
}

message! {
    /// currentTimeInMillis: the server's clock in unix milliseconds.
    CurrentTimeInMillis / CurrentTimeInMillisProto, text_version: None, {
        1 int64 time_ms: i64,
    }
}

message! {
    /// accountSummary: one value of one account.
    AccountSummary / AccountSummaryProto, text_version: Some(1), {
        1 int32 req_id: i32 = -1,
        2 string account: Text,
        3 string tag: Text,
        4 string value: Text,
        5 string currency: Text,
    }
}

message! {
    /// accountSummaryEnd: every row of the first snapshot has been sent.
    AccountSummaryEnd / AccountSummaryEndProto, text_version: Some(1), {
        1 int32 req_id: i32 = -1,
    }
}

/// error: an error, warning or notice, tied to a request id or to none (-1).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ErrorMessage {
    /// The request (or order) id it concerns; -1 for none.
    pub req_id: i32,
    /// When TWS raised it, unix milliseconds (0 before server version 194).
    pub time_ms: i64,
    /// The error code (see `protocol::error_codes`).
    pub code: i32,
    /// The message text, escapes decoded.
    pub message: String,
    /// Advanced order reject details as JSON (from server version 166), or empty.
    pub advanced_order_reject_json: String,
}

/// Protobuf form of [`ErrorMessage`].
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct ErrorMessageProto {
    #[prost(int32, optional, tag = "1")]
    pub id: Option<i32>,
    #[prost(int64, optional, tag = "2")]
    pub error_time: Option<i64>,
    #[prost(int32, optional, tag = "3")]
    pub error_code: Option<i32>,
    #[prost(string, optional, tag = "4")]
    pub error_msg: Option<String>,
    #[prost(string, optional, tag = "5")]
    pub advanced_order_reject_json: Option<String>,
}

impl Body for ErrorMessage {
    type Proto = ErrorMessageProto;

    fn write_text(&self, w: &mut FieldWriter<'_>, v: i32) {
        if v < versions::ERROR_TIME {
            w.int(2);
        }
        w.int(i64::from(self.req_id)).int(i64::from(self.code));
        if v >= versions::ENCODE_MSG_ASCII7 {
            w.str(&escape_non_ascii(&self.message));
        } else {
            w.str(&self.message);
        }
        if v >= versions::ADVANCED_ORDER_REJECT {
            w.str(&escape_non_ascii(&self.advanced_order_reject_json));
        }
        if v >= versions::ERROR_TIME {
            w.int(self.time_ms);
        }
    }

    fn read_text(r: &mut FieldReader<'_>, v: i32) -> Result<Self, FieldError> {
        if v < versions::ERROR_TIME {
            r.raw()?;
        }
        let req_id = r.int32()?;
        let code = r.int32()?;
        let message = if v >= versions::ENCODE_MSG_ASCII7 {
            r.escaped_string()?
        } else {
            r.string()?
        };
        let advanced_order_reject_json = if v >= versions::ADVANCED_ORDER_REJECT {
            r.escaped_string()?
        } else {
            String::new()
        };
        let time_ms = if v >= versions::ERROR_TIME {
            r.int()?
        } else {
            0
        };
        Ok(ErrorMessage {
            req_id,
            time_ms,
            code,
            message,
            advanced_order_reject_json,
        })
    }

    fn to_proto(&self) -> ErrorMessageProto {
        ErrorMessageProto {
            id: self.req_id.to_proto(),
            error_time: self.time_ms.to_proto(),
            error_code: self.code.to_proto(),
            error_msg: self.message.to_proto(),
            advanced_order_reject_json: self.advanced_order_reject_json.to_proto(),
        }
    }

    fn from_proto(p: ErrorMessageProto) -> Self {
        ErrorMessage {
            // No id means "no request" (-1, as in text form), never id 0.
            req_id: p.id.unwrap_or(-1),
            time_ms: p.error_time.unwrap_or_default(),
            code: p.error_code.unwrap_or_default(),
            message: p.error_msg.unwrap_or_default(),
            advanced_order_reject_json: p.advanced_order_reject_json.unwrap_or_default(),
        }
    }

    fn check(&self, _form: Form) -> Result<(), EncodeError> {
        // Server-side text: escaped on the way out, so every character travels.
        Ok(())
    }
}

impl Describe for ErrorMessage {
    fn visit(&self, v: &mut dyn FieldVisitor) {
        v.int("req_id", i64::from(self.req_id));
        v.int("time_ms", self.time_ms);
        v.int("code", i64::from(self.code));
        v.str("message", &self.message);
        v.str(
            "advanced_order_reject_json",
            &self.advanced_order_reject_json,
        );
    }
}

/// Escapes what is not printable ASCII as `\uXXXX`, as TWS does from v153.
fn escape_non_ascii(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c == '\\' {
            out.push_str("\\\\");
        } else if (' '..='~').contains(&c) {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}
