//! Contracts and reference data: typed one-shot requests (their replies
//! arrive as events) and the blocking calls that collect them.

use std::time::Duration;

use crate::protocol::instruments::*;
use crate::protocol::messages::Contract;
use crate::protocol::{Incoming, Request};

use super::blocking::{Answers, Step};
use super::routes::{check_user_id, RouteKey};
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

impl Client {
    /// Requests the contract details of `contract` and waits for every row
    /// up to `contractDetailsEnd` (at most `timeout`): plain and bond rows
    /// alike, each with its contract (a bond row as a [`ContractData`]; its
    /// bond fields are in `details`). The request uses an id of its own from
    /// the reserved range; its rows never appear as events. Fails with
    /// `Request` (error 200 for an unknown instrument), `Timeout` or
    /// `ConnectionClosed`.
    pub fn contract_details(
        &self,
        contract: &Contract,
        timeout: Duration,
    ) -> Result<Vec<ContractData>, Error> {
        let call = self.start_call(Answers::OwnId, "contract_details", timeout)?;
        let req_id = call.req_id;
        self.send_internal(&Request::ReqContractDetails(ReqContractDetails {
            req_id,
            contract: Box::new(contract.clone()),
        }))?;
        let mut rows = Vec::new();
        let outcome = self.collect(&call, "contractDetailsEnd", |msg| {
            if let Incoming::ContractData(row) = msg {
                rows.push(row);
            } else if let Incoming::BondContractData(b) = msg {
                rows.push(ContractData {
                    req_id: b.req_id,
                    contract: b.contract,
                    details: b.details,
                });
            } else if let Incoming::ContractDataEnd(_) = msg {
                return Step::Done;
            }
            Step::More
        });
        if outcome.is_err() && self.is_connected() {
            // Text servers have no cancelContractData: the late rows are dropped.
            let _ = self.send_internal(&Request::CancelContractData(CancelContractData { req_id }));
        }
        outcome.map(|()| rows)
    }

    /// Requests the instruments matching `pattern` and waits for the
    /// `symbolSamples` answer (at most `timeout`). Reserved id; not an event.
    pub fn matching_symbols(
        &self,
        pattern: &str,
        timeout: Duration,
    ) -> Result<Vec<ContractDescription>, Error> {
        let call = self.start_call(Answers::OwnId, "matching_symbols", timeout)?;
        let req_id = call.req_id;
        self.send_internal(&Request::ReqMatchingSymbols(ReqMatchingSymbols {
            req_id,
            pattern: pattern.into(),
        }))?;
        let mut found = Vec::new();
        self.collect(&call, "symbolSamples", |msg| {
            if let Incoming::SymbolSamples(s) = msg {
                found = s.descriptions;
                return Step::Done;
            }
            Step::More
        })?;
        Ok(found)
    }

    /// Requests the option parameters of an underlying and waits for every
    /// `securityDefinitionOptionParameter` up to its end marker (at most
    /// `timeout`). Reserved id; not events.
    pub fn sec_def_opt_params(
        &self,
        underlying_symbol: &str,
        fut_fop_exchange: &str,
        underlying_sec_type: &str,
        underlying_con_id: i32,
        timeout: Duration,
    ) -> Result<Vec<SecDefOptParameter>, Error> {
        let call = self.start_call(Answers::OwnId, "sec_def_opt_params", timeout)?;
        let req_id = call.req_id;
        self.send_internal(&Request::ReqSecDefOptParams(ReqSecDefOptParams {
            req_id,
            underlying_symbol: underlying_symbol.into(),
            fut_fop_exchange: fut_fop_exchange.into(),
            underlying_sec_type: underlying_sec_type.into(),
            underlying_con_id,
        }))?;
        let mut rows = Vec::new();
        self.collect(&call, "securityDefinitionOptionParameterEnd", |msg| {
            if let Incoming::SecDefOptParameter(row) = msg {
                rows.push(row);
            } else if let Incoming::SecDefOptParameterEnd(_) = msg {
                return Step::Done;
            }
            Step::More
        })?;
        Ok(rows)
    }

    /// Requests market rule `market_rule_id` and waits for its `marketRule`
    /// (at most `timeout`; TWS answers nothing for an unknown rule, so that
    /// is a `Timeout`). marketRule carries no request id: while the call
    /// waits, every marketRule of this rule goes to it, not to the event
    /// queue; a second call for the same rule fails at once with `Busy`.
    pub fn market_rule(
        &self,
        market_rule_id: i32,
        timeout: Duration,
    ) -> Result<Vec<PriceIncrement>, Error> {
        let call = self.start_call(
            Answers::Key(RouteKey::MarketRule(market_rule_id)),
            "market_rule",
            timeout,
        )?;
        self.send_internal(&Request::ReqMarketRule(ReqMarketRule { market_rule_id }))?;
        let mut increments = Vec::new();
        self.collect(&call, "marketRule", |msg| {
            if let Incoming::MarketRule(rule) = msg {
                increments = rule.price_increments;
                return Step::Done;
            }
            Step::More
        })?;
        Ok(increments)
    }

    /// Requests the exchanges that offer depth and waits for
    /// `mktDepthExchanges` (at most `timeout`). No request id: while it
    /// waits the reply goes to it; one call at a time (`Busy`).
    pub fn mkt_depth_exchanges(
        &self,
        timeout: Duration,
    ) -> Result<Vec<DepthMktDataDescription>, Error> {
        let call = self.start_call(
            Answers::Key(RouteKey::MktDepthExchanges),
            "mkt_depth_exchanges",
            timeout,
        )?;
        self.send_internal(&Request::ReqMktDepthExchanges(ReqMktDepthExchanges {}))?;
        let mut rows = Vec::new();
        self.collect(&call, "mktDepthExchanges", |msg| {
            if let Incoming::MktDepthExchanges(m) = msg {
                rows = m.descriptions;
                return Step::Done;
            }
            Step::More
        })?;
        Ok(rows)
    }

    /// Requests the family codes and waits for `familyCodes` (at most
    /// `timeout`). No request id: while it waits the reply goes to it; one
    /// call at a time (`Busy`).
    pub fn family_codes(&self, timeout: Duration) -> Result<Vec<FamilyCode>, Error> {
        let call = self.start_call(Answers::Key(RouteKey::FamilyCodes), "family_codes", timeout)?;
        self.send_internal(&Request::ReqFamilyCodes(ReqFamilyCodes {}))?;
        let mut rows = Vec::new();
        self.collect(&call, "familyCodes", |msg| {
            if let Incoming::FamilyCodes(m) = msg {
                rows = m.family_codes;
                return Step::Done;
            }
            Step::More
        })?;
        Ok(rows)
    }
}
