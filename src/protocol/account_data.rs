//! Positions, account updates, the *Multi messages and PnL, declared once for
//! the text and the protobuf form. Layouts: the official client's `client.py`
//! and `decoder.py`; summary in `shared/protocol.md`.

use crate::wire::{FieldError, FieldReader, FieldWriter};

use super::codec::{check_str, message, Body, EncodeError, Form, WireValue};
use super::contract::{read_decimal, Contract, ContractProto, TextLayout};
use super::describe::{Describe, FieldVisitor};
use super::text::Text;
use super::versions;

// ---- client -> server -----------------------------------------------------

message! {
    /// reqPositions: subscribes to the positions of every account.
    ReqPositions / PositionsRequestProto, text_version: Some(1), {}
}

message! {
    /// cancelPositions: ends the positions subscription.
    CancelPositions / CancelPositionsProto, text_version: Some(1), {}
}

message! {
    /// reqAccountUpdates: subscribes to (or unsubscribes from) one account's
    /// values and portfolio.
    ReqAccountUpdates / AccountDataRequestProto, text_version: Some(2), {
        /// True subscribes, false unsubscribes.
        1 bool subscribe: bool,
        /// The account code.
        2 string account: Text,
    }
}

message! {
    /// reqPositionsMulti: positions of one account and/or model (server v103+).
    ReqPositionsMulti / PositionsMultiRequestProto, text_version: Some(1), {
        1 int32 req_id: i32 = -1,
        2 string account: Text,
        3 string model_code: Text,
    }
}

message! {
    /// cancelPositionsMulti.
    CancelPositionsMulti / CancelPositionsMultiProto, text_version: Some(1), {
        1 int32 req_id: i32 = -1,
    }
}

message! {
    /// reqAccountUpdatesMulti: values of one account and/or model (server v103+).
    ReqAccountUpdatesMulti / AccountUpdatesMultiRequestProto, text_version: Some(1), {
        1 int32 req_id: i32 = -1,
        2 string account: Text,
        3 string model_code: Text,
        /// Only the ledger and net liquidation values.
        4 bool ledger_and_nlv: bool,
    }
}

message! {
    /// cancelAccountUpdatesMulti.
    CancelAccountUpdatesMulti / CancelAccountUpdatesMultiProto, text_version: Some(1), {
        1 int32 req_id: i32 = -1,
    }
}

message! {
    /// reqPnL: daily, unrealized and realized PnL of an account and/or model
    /// (server v127+; no version field).
    ReqPnL / PnLRequestProto, text_version: None, {
        1 int32 req_id: i32 = -1,
        2 string account: Text,
        3 string model_code: Text,
    }
}

message! {
    /// cancelPnL.
    CancelPnL / CancelPnLProto, text_version: None, {
        1 int32 req_id: i32 = -1,
    }
}

message! {
    /// reqPnLSingle: PnL of one position (server v127+; no version field).
    ReqPnLSingle / PnLSingleRequestProto, text_version: None, {
        1 int32 req_id: i32 = -1,
        2 string account: Text,
        3 string model_code: Text,
        4 int32 con_id: i32,
    }
}

message! {
    /// cancelPnLSingle.
    CancelPnLSingle / CancelPnLSingleProto, text_version: None, {
        1 int32 req_id: i32 = -1,
    }
}

// ---- server -> client -----------------------------------------------------

/// position: one position of one account.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Position {
    pub account: String,
    /// Boxed: keeps every message small in the event queue.
    pub contract: Box<Contract>,
    /// Decimal text, exactly as sent (`100`, `0.5`); empty when unset.
    pub position: String,
    /// Average cost per unit (times the multiplier for derivatives).
    pub avg_cost: f64,
}

/// Protobuf form of [`Position`].
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct PositionProto {
    #[prost(string, optional, tag = "1")]
    pub account: Option<String>,
    #[prost(message, optional, tag = "2")]
    pub contract: Option<ContractProto>,
    #[prost(string, optional, tag = "3")]
    pub position: Option<String>,
    #[prost(double, optional, tag = "4")]
    pub avg_cost: Option<f64>,
}

impl Body for Position {
    type Proto = PositionProto;

    fn write_text(&self, w: &mut FieldWriter<'_>, _v: i32) {
        w.int(3).str(&self.account);
        self.contract.write_text(
            w,
            TextLayout::Position {
                trading_class: true,
            },
        );
        w.str(&self.position).float(self.avg_cost);
    }

    fn read_text(r: &mut FieldReader<'_>, _v: i32) -> Result<Self, FieldError> {
        let version = r.int()?;
        let account = r.string()?;
        let contract = Box::new(Contract::read_text(
            r,
            TextLayout::Position {
                trading_class: version >= 2,
            },
        )?);
        let position = read_decimal(r)?;
        let avg_cost = if version >= 3 { r.float()? } else { 0.0 };
        Ok(Position {
            account,
            contract,
            position,
            avg_cost,
        })
    }

    fn to_proto(&self) -> PositionProto {
        PositionProto {
            account: self.account.to_proto(),
            contract: Some(self.contract.to_proto()),
            position: self.position.to_proto(),
            avg_cost: self.avg_cost.to_proto(),
        }
    }

    fn from_proto(p: PositionProto) -> Self {
        Position {
            account: p.account.unwrap_or_default(),
            contract: Box::new(Contract::from_proto(p.contract.unwrap_or_default())),
            position: p.position.unwrap_or_default(),
            avg_cost: p.avg_cost.unwrap_or_default(),
        }
    }

    fn check(&self, form: Form) -> Result<(), EncodeError> {
        let text = form != Form::Proto;
        check_str(&self.account, "account", text)?;
        check_str(&self.position, "position", text)?;
        self.contract.check(text)
    }
}

message! {
    /// positionEnd: every position of the first snapshot has been sent.
    PositionEnd / PositionEndProto, text_version: Some(1), {}
}

message! {
    /// updateAccountValue: one value of the subscribed account.
    AccountValue / AccountValueProto, text_version: Some(2), {
        1 string key: Text,
        2 string value: Text,
        /// May be empty (for example for AccountType).
        3 string currency: Text,
        4 string account: Text,
    }
}

/// updatePortfolio: one holding of the subscribed account, valued.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PortfolioValue {
    /// Boxed: keeps every message small in the event queue.
    pub contract: Box<Contract>,
    /// Decimal text, exactly as sent; empty when unset.
    pub position: String,
    pub market_price: f64,
    pub market_value: f64,
    pub average_cost: f64,
    pub unrealized_pnl: f64,
    pub realized_pnl: f64,
    pub account: String,
}

/// Protobuf form of [`PortfolioValue`].
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct PortfolioValueProto {
    #[prost(message, optional, tag = "1")]
    pub contract: Option<ContractProto>,
    #[prost(string, optional, tag = "2")]
    pub position: Option<String>,
    #[prost(double, optional, tag = "3")]
    pub market_price: Option<f64>,
    #[prost(double, optional, tag = "4")]
    pub market_value: Option<f64>,
    #[prost(double, optional, tag = "5")]
    pub average_cost: Option<f64>,
    #[prost(double, optional, tag = "6")]
    pub unrealized_pnl: Option<f64>,
    #[prost(double, optional, tag = "7")]
    pub realized_pnl: Option<f64>,
    #[prost(string, optional, tag = "8")]
    pub account_name: Option<String>,
}

/// The updatePortfolio message version a server of today sends.
const PORTFOLIO_VERSION: i64 = 8;

impl Body for PortfolioValue {
    type Proto = PortfolioValueProto;

    fn write_text(&self, w: &mut FieldWriter<'_>, _v: i32) {
        w.int(PORTFOLIO_VERSION);
        self.contract.write_text(
            w,
            TextLayout::Portfolio {
                version: PORTFOLIO_VERSION,
            },
        );
        w.str(&self.position)
            .float(self.market_price)
            .float(self.market_value)
            .float(self.average_cost)
            .float(self.unrealized_pnl)
            .float(self.realized_pnl)
            .str(&self.account);
    }

    fn read_text(r: &mut FieldReader<'_>, _v: i32) -> Result<Self, FieldError> {
        let version = r.int()?;
        let contract = Box::new(Contract::read_text(r, TextLayout::Portfolio { version })?);
        Ok(PortfolioValue {
            contract,
            position: read_decimal(r)?,
            market_price: r.float()?,
            market_value: r.float()?,
            average_cost: r.float()?,
            unrealized_pnl: r.float()?,
            realized_pnl: r.float()?,
            account: r.string()?,
        })
    }

    fn to_proto(&self) -> PortfolioValueProto {
        PortfolioValueProto {
            contract: Some(self.contract.to_proto()),
            position: self.position.to_proto(),
            market_price: self.market_price.to_proto(),
            market_value: self.market_value.to_proto(),
            average_cost: self.average_cost.to_proto(),
            unrealized_pnl: self.unrealized_pnl.to_proto(),
            realized_pnl: self.realized_pnl.to_proto(),
            account_name: self.account.to_proto(),
        }
    }

    fn from_proto(p: PortfolioValueProto) -> Self {
        PortfolioValue {
            contract: Box::new(Contract::from_proto(p.contract.unwrap_or_default())),
            position: p.position.unwrap_or_default(),
            market_price: p.market_price.unwrap_or_default(),
            market_value: p.market_value.unwrap_or_default(),
            average_cost: p.average_cost.unwrap_or_default(),
            unrealized_pnl: p.unrealized_pnl.unwrap_or_default(),
            realized_pnl: p.realized_pnl.unwrap_or_default(),
            account: p.account_name.unwrap_or_default(),
        }
    }

    fn check(&self, form: Form) -> Result<(), EncodeError> {
        let text = form != Form::Proto;
        check_str(&self.account, "account", text)?;
        check_str(&self.position, "position", text)?;
        self.contract.check(text)
    }
}

message! {
    /// updateAccountTime: when the account values were last updated (`HH:MM`).
    AccountUpdateTime / AccountUpdateTimeProto, text_version: Some(1), {
        1 string time_stamp: Text,
    }
}

message! {
    /// accountDownloadEnd: the first snapshot of an account subscription is complete.
    AccountDownloadEnd / AccountDataEndProto, text_version: Some(1), {
        1 string account: Text,
    }
}

/// positionMulti: one position of one account and model.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PositionMulti {
    pub req_id: i32,
    pub account: String,
    /// Boxed: keeps every message small in the event queue.
    pub contract: Box<Contract>,
    /// Decimal text, exactly as sent; empty when unset.
    pub position: String,
    pub avg_cost: f64,
    pub model_code: String,
}

/// Protobuf form of [`PositionMulti`].
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct PositionMultiProto {
    #[prost(int32, optional, tag = "1")]
    pub req_id: Option<i32>,
    #[prost(string, optional, tag = "2")]
    pub account: Option<String>,
    #[prost(message, optional, tag = "3")]
    pub contract: Option<ContractProto>,
    #[prost(string, optional, tag = "4")]
    pub position: Option<String>,
    #[prost(double, optional, tag = "5")]
    pub avg_cost: Option<f64>,
    #[prost(string, optional, tag = "6")]
    pub model_code: Option<String>,
}

impl Body for PositionMulti {
    type Proto = PositionMultiProto;

    fn write_text(&self, w: &mut FieldWriter<'_>, _v: i32) {
        w.int(1).int(i64::from(self.req_id)).str(&self.account);
        self.contract.write_text(
            w,
            TextLayout::Position {
                trading_class: true,
            },
        );
        w.str(&self.position)
            .float(self.avg_cost)
            .str(&self.model_code);
    }

    fn read_text(r: &mut FieldReader<'_>, _v: i32) -> Result<Self, FieldError> {
        r.raw()?;
        let req_id = r.int32()?;
        let account = r.string()?;
        let contract = Contract::read_text(
            r,
            TextLayout::Position {
                trading_class: true,
            },
        )?;
        Ok(PositionMulti {
            req_id,
            account,
            contract: Box::new(contract),
            position: read_decimal(r)?,
            avg_cost: r.float()?,
            model_code: r.string()?,
        })
    }

    fn to_proto(&self) -> PositionMultiProto {
        PositionMultiProto {
            req_id: self.req_id.to_proto(),
            account: self.account.to_proto(),
            contract: Some(self.contract.to_proto()),
            position: self.position.to_proto(),
            avg_cost: self.avg_cost.to_proto(),
            model_code: self.model_code.to_proto(),
        }
    }

    fn from_proto(p: PositionMultiProto) -> Self {
        PositionMulti {
            req_id: p.req_id.unwrap_or(-1),
            account: p.account.unwrap_or_default(),
            contract: Box::new(Contract::from_proto(p.contract.unwrap_or_default())),
            position: p.position.unwrap_or_default(),
            avg_cost: p.avg_cost.unwrap_or_default(),
            model_code: p.model_code.unwrap_or_default(),
        }
    }

    fn check(&self, form: Form) -> Result<(), EncodeError> {
        let text = form != Form::Proto;
        check_str(&self.account, "account", text)?;
        check_str(&self.position, "position", text)?;
        check_str(&self.model_code, "model_code", text)?;
        self.contract.check(text)
    }
}

message! {
    /// positionMultiEnd.
    PositionMultiEnd / PositionMultiEndProto, text_version: Some(1), {
        1 int32 req_id: i32 = -1,
    }
}

message! {
    /// accountUpdateMulti: one value of one account and model.
    AccountUpdateMulti / AccountUpdateMultiProto, text_version: Some(1), {
        1 int32 req_id: i32 = -1,
        2 string account: Text,
        3 string model_code: Text,
        4 string key: Text,
        5 string value: Text,
        6 string currency: Text,
    }
}

message! {
    /// accountUpdateMultiEnd.
    AccountUpdateMultiEnd / AccountUpdateMultiEndProto, text_version: Some(1), {
        1 int32 req_id: i32 = -1,
    }
}

/// The value of a PnL field that TWS did not set (the official client's
/// `UNSET_DOUBLE`, `f64::MAX`); also what servers older than v129 (unrealized)
/// and v135 (realized) leave in their place.
pub const UNSET_DOUBLE: f64 = f64::MAX;

/// pnl: an account's (or model's) daily, unrealized and realized PnL.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PnL {
    pub req_id: i32,
    pub daily_pnl: f64,
    /// [`UNSET_DOUBLE`] when unset or before server v129.
    pub unrealized_pnl: f64,
    /// [`UNSET_DOUBLE`] when unset or before server v135.
    pub realized_pnl: f64,
}

/// Protobuf form of [`PnL`].
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct PnLProto {
    #[prost(int32, optional, tag = "1")]
    pub req_id: Option<i32>,
    #[prost(double, optional, tag = "2")]
    pub daily_pnl: Option<f64>,
    #[prost(double, optional, tag = "3")]
    pub unrealized_pnl: Option<f64>,
    #[prost(double, optional, tag = "4")]
    pub realized_pnl: Option<f64>,
}

/// Writes the unrealized and realized PnL fields the server version carries.
fn write_pnl_parts(w: &mut FieldWriter<'_>, v: i32, unrealized: f64, realized: f64) {
    if v >= versions::UNREALIZED_PNL {
        w.float(unrealized);
    }
    if v >= versions::REALIZED_PNL {
        w.float(realized);
    }
}

/// Reads the unrealized and realized PnL fields the server version carries.
fn read_pnl_parts(r: &mut FieldReader<'_>, v: i32) -> Result<(f64, f64), FieldError> {
    let unrealized = if v >= versions::UNREALIZED_PNL {
        r.float()?
    } else {
        UNSET_DOUBLE
    };
    let realized = if v >= versions::REALIZED_PNL {
        r.float()?
    } else {
        UNSET_DOUBLE
    };
    Ok((unrealized, realized))
}

impl Body for PnL {
    type Proto = PnLProto;

    fn write_text(&self, w: &mut FieldWriter<'_>, v: i32) {
        w.int(i64::from(self.req_id)).float(self.daily_pnl);
        write_pnl_parts(w, v, self.unrealized_pnl, self.realized_pnl);
    }

    fn read_text(r: &mut FieldReader<'_>, v: i32) -> Result<Self, FieldError> {
        let req_id = r.int32()?;
        let daily_pnl = r.float()?;
        let (unrealized_pnl, realized_pnl) = read_pnl_parts(r, v)?;
        Ok(PnL {
            req_id,
            daily_pnl,
            unrealized_pnl,
            realized_pnl,
        })
    }

    fn to_proto(&self) -> PnLProto {
        PnLProto {
            req_id: self.req_id.to_proto(),
            daily_pnl: self.daily_pnl.to_proto(),
            unrealized_pnl: self.unrealized_pnl.to_proto(),
            realized_pnl: self.realized_pnl.to_proto(),
        }
    }

    fn from_proto(p: PnLProto) -> Self {
        PnL {
            req_id: p.req_id.unwrap_or(-1),
            daily_pnl: p.daily_pnl.unwrap_or(UNSET_DOUBLE),
            unrealized_pnl: p.unrealized_pnl.unwrap_or(UNSET_DOUBLE),
            realized_pnl: p.realized_pnl.unwrap_or(UNSET_DOUBLE),
        }
    }

    fn check(&self, _form: Form) -> Result<(), EncodeError> {
        Ok(())
    }
}

/// pnlSingle: one position's PnL.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PnLSingle {
    pub req_id: i32,
    /// Decimal text, exactly as sent; empty when unset.
    pub position: String,
    pub daily_pnl: f64,
    /// [`UNSET_DOUBLE`] when unset or before server v129.
    pub unrealized_pnl: f64,
    /// [`UNSET_DOUBLE`] when unset or before server v135.
    pub realized_pnl: f64,
    /// Market value of the position.
    pub value: f64,
}

/// Protobuf form of [`PnLSingle`].
#[derive(Clone, PartialEq, ::prost::Message)]
pub struct PnLSingleProto {
    #[prost(int32, optional, tag = "1")]
    pub req_id: Option<i32>,
    #[prost(string, optional, tag = "2")]
    pub position: Option<String>,
    #[prost(double, optional, tag = "3")]
    pub daily_pnl: Option<f64>,
    #[prost(double, optional, tag = "4")]
    pub unrealized_pnl: Option<f64>,
    #[prost(double, optional, tag = "5")]
    pub realized_pnl: Option<f64>,
    #[prost(double, optional, tag = "6")]
    pub value: Option<f64>,
}

impl Body for PnLSingle {
    type Proto = PnLSingleProto;

    fn write_text(&self, w: &mut FieldWriter<'_>, v: i32) {
        w.int(i64::from(self.req_id))
            .str(&self.position)
            .float(self.daily_pnl);
        write_pnl_parts(w, v, self.unrealized_pnl, self.realized_pnl);
        w.float(self.value);
    }

    fn read_text(r: &mut FieldReader<'_>, v: i32) -> Result<Self, FieldError> {
        let req_id = r.int32()?;
        let position = read_decimal(r)?;
        let daily_pnl = r.float()?;
        let (unrealized_pnl, realized_pnl) = read_pnl_parts(r, v)?;
        Ok(PnLSingle {
            req_id,
            position,
            daily_pnl,
            unrealized_pnl,
            realized_pnl,
            value: r.float()?,
        })
    }

    fn to_proto(&self) -> PnLSingleProto {
        PnLSingleProto {
            req_id: self.req_id.to_proto(),
            position: self.position.to_proto(),
            daily_pnl: self.daily_pnl.to_proto(),
            unrealized_pnl: self.unrealized_pnl.to_proto(),
            realized_pnl: self.realized_pnl.to_proto(),
            value: self.value.to_proto(),
        }
    }

    fn from_proto(p: PnLSingleProto) -> Self {
        PnLSingle {
            req_id: p.req_id.unwrap_or(-1),
            position: p.position.unwrap_or_default(),
            daily_pnl: p.daily_pnl.unwrap_or(UNSET_DOUBLE),
            unrealized_pnl: p.unrealized_pnl.unwrap_or(UNSET_DOUBLE),
            realized_pnl: p.realized_pnl.unwrap_or(UNSET_DOUBLE),
            value: p.value.unwrap_or(UNSET_DOUBLE),
        }
    }

    fn check(&self, form: Form) -> Result<(), EncodeError> {
        check_str(&self.position, "position", form != Form::Proto)
    }
}

impl Describe for Position {
    fn visit(&self, v: &mut dyn FieldVisitor) {
        v.str("account", &self.account);
        self.contract.visit(v);
        v.str("position", &self.position);
        v.float("avg_cost", self.avg_cost);
    }
}

impl Describe for PortfolioValue {
    fn visit(&self, v: &mut dyn FieldVisitor) {
        self.contract.visit(v);
        v.str("position", &self.position);
        v.float("market_price", self.market_price);
        v.float("market_value", self.market_value);
        v.float("average_cost", self.average_cost);
        v.float("unrealized_pnl", self.unrealized_pnl);
        v.float("realized_pnl", self.realized_pnl);
        v.str("account", &self.account);
    }
}

impl Describe for PositionMulti {
    fn visit(&self, v: &mut dyn FieldVisitor) {
        v.int("req_id", i64::from(self.req_id));
        v.str("account", &self.account);
        self.contract.visit(v);
        v.str("position", &self.position);
        v.float("avg_cost", self.avg_cost);
        v.str("model_code", &self.model_code);
    }
}

impl Describe for PnL {
    fn visit(&self, v: &mut dyn FieldVisitor) {
        v.int("req_id", i64::from(self.req_id));
        v.float("daily_pnl", self.daily_pnl);
        v.float("unrealized_pnl", self.unrealized_pnl);
        v.float("realized_pnl", self.realized_pnl);
    }
}

impl Describe for PnLSingle {
    fn visit(&self, v: &mut dyn FieldVisitor) {
        v.int("req_id", i64::from(self.req_id));
        v.str("position", &self.position);
        v.float("daily_pnl", self.daily_pnl);
        v.float("unrealized_pnl", self.unrealized_pnl);
        v.float("realized_pnl", self.realized_pnl);
        v.float("value", self.value);
    }
}
