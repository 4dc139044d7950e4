//! Contracts and reference data: typed one-shot requests (their replies
//! arrive as events) and the blocking calls that collect them.

use crate::protocol::instruments::*;
use crate::protocol::messages::Contract;
use crate::protocol::Request;

use super::routes::check_user_id;
use super::{Client, Error};

impl Client {
    /// reqContractDetails: every `contractDetails` (or `bondContractDetails`)
    /// row of the instruments matching `contract`, then `contractDetailsEnd`,
    /// as events tagged `req_id`. An unknown instrument gets error 200.
    pub fn req_contract_details(&self, req_id: i32, contract: &Contract) -> Result<(), Error> {
        self.request(Request::ReqContractDetails(ReqContractDetails {
            req_id,
            contract: Box::new(contract.clone()),
        }))
    }

    /// cancelContractData (protobuf servers only: `NotSupported` below).
    pub fn cancel_contract_data(&self, req_id: i32) -> Result<(), Error> {
        check_user_id(req_id)?;
        self.request(Request::CancelContractData(CancelContractData { req_id }))
    }

    /// reqMatchingSymbols: one `symbolSamples` with the instruments whose
    /// symbol or name starts with `pattern`.
    pub fn req_matching_symbols(&self, req_id: i32, pattern: &str) -> Result<(), Error> {
        self.request(Request::ReqMatchingSymbols(ReqMatchingSymbols {
            req_id,
            pattern: pattern.into(),
        }))
    }

    /// reqSecDefOptParams: one `securityDefinitionOptionParameter` per
    /// exchange and trading class of the options on the underlying, then
    /// `securityDefinitionOptionParameterEnd`.
    pub fn req_sec_def_opt_params(
        &self,
        req_id: i32,
        underlying_symbol: &str,
        fut_fop_exchange: &str,
        underlying_sec_type: &str,
        underlying_con_id: i32,
    ) -> Result<(), Error> {
        self.request(Request::ReqSecDefOptParams(ReqSecDefOptParams {
            req_id,
            underlying_symbol: underlying_symbol.into(),
            fut_fop_exchange: fut_fop_exchange.into(),
            underlying_sec_type: underlying_sec_type.into(),
            underlying_con_id,
        }))
    }

    /// reqMarketRule: one `marketRule` with the price increments of the rule
    /// (ids come from contract details' `market_rule_ids`).
    pub fn req_market_rule(&self, market_rule_id: i32) -> Result<(), Error> {
        self.request(Request::ReqMarketRule(ReqMarketRule { market_rule_id }))
    }

    /// reqSmartComponents: one `smartComponents` with the exchanges behind
    /// `bbo_exchange` (the code from `tickReqParams`).
    pub fn req_smart_components(&self, req_id: i32, bbo_exchange: &str) -> Result<(), Error> {
        self.request(Request::ReqSmartComponents(ReqSmartComponents {
            req_id,
            bbo_exchange: bbo_exchange.into(),
        }))
    }

    /// reqMktDepthExchanges: one `mktDepthExchanges`.
    pub fn req_mkt_depth_exchanges(&self) -> Result<(), Error> {
        self.request(Request::ReqMktDepthExchanges(ReqMktDepthExchanges {}))
    }

    /// reqFamilyCodes: one `familyCodes`.
    pub fn req_family_codes(&self) -> Result<(), Error> {
        self.request(Request::ReqFamilyCodes(ReqFamilyCodes {}))
    }
}
