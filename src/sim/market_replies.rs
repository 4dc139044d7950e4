//! The market model on the wire: contract and reference-data answers built
//! from [`Instruments`], and the market's [`Out`] values turned into
//! messages. The session encodes them in the form its version calls for.

use crate::protocol::contract::{decimal_text, Contract};
use crate::protocol::instruments::{
    BondContractData, ContractData, ContractDataEnd, ContractDescription, ContractDetails,
    DepthMktDataDescription, FamilyCode, FamilyCodes, MarketRule, MktDepthExchanges,
    PriceIncrement, ReqMarketRule, ReqMatchingSymbols, ReqSecDefOptParams, ReqSmartComponents,
    SecDefOptParameter, SecDefOptParameterEnd, SmartComponent, SmartComponents, SymbolSamples,
    TagValue,
};
use crate::protocol::market_data::{
    MarketDataType, MarketDepthData, RealTimeBar, TickByTick, TickByTickBidAsk, TickByTickLast,
    TickByTickMidPoint, TickGeneric, TickOptionComputation, TickPrice, TickReqParams, TickSize,
    TickSnapshotEnd, TickString, UpdateMktDepth, UpdateMktDepthL2,
};
use crate::protocol::messages::ErrorMessage;
use crate::protocol::Incoming;

use super::clock;
use super::instruments::{self, ContractQuery, Instrument, Instruments};
use super::market::{code, Out, TbtTick, Tick};

/// The market's view of a request's contract.
pub fn query(c: &Contract) -> ContractQuery {
    ContractQuery {
        con_id: c.con_id,
        symbol: c.symbol.clone(),
        sec_type: c.sec_type.clone(),
        last_trade_date_or_contract_month: c.last_trade_date_or_contract_month.clone(),
        strike: c.strike,
        right: c.right.clone(),
        multiplier: c.multiplier.clone(),
        exchange: c.exchange.clone(),
        primary_exchange: c.primary_exchange.clone(),
        currency: c.currency.clone(),
        local_symbol: c.local_symbol.clone(),
        trading_class: c.trading_class.clone(),
        sec_id_type: c.sec_id_type.clone(),
        sec_id: c.sec_id.clone(),
    }
}

/// An instrument as a reply's contract, on `exchange` (its default
/// exchange when empty).
pub fn contract(inst: &Instrument, exchange: &str) -> Contract {
    Contract {
        con_id: inst.con_id,
        symbol: inst.symbol.clone(),
        sec_type: inst.sec_type.to_owned(),
        last_trade_date_or_contract_month: inst.last_trade_date.clone(),
        strike: inst.strike,
        right: inst.right.to_owned(),
        multiplier: inst.multiplier.clone(),
        exchange: if exchange.trim().is_empty() {
            inst.exchange.to_owned()
        } else {
            exchange.trim().to_ascii_uppercase()
        },
        primary_exchange: inst.primary_exchange.to_owned(),
        currency: inst.currency.to_owned(),
        local_symbol: inst.local_symbol.clone(),
        trading_class: inst.trading_class.clone(),
        ..Contract::default()
    }
}

/// An error message stamped with the current time.
pub fn error(req_id: i32, code: i32, message: &str) -> Incoming {
    Incoming::Error(ErrorMessage {
        req_id,
        time_ms: clock::now_unix_ms(),
        code,
        message: message.to_owned(),
        advanced_order_reject_json: String::new(),
    })
}

/// contractDetailsEnd of a request.
pub fn contract_details_end(req_id: i32) -> Incoming {
    Incoming::ContractDataEnd(ContractDataEnd { req_id })
}

/// reqMatchingSymbols: one symbolSamples message (possibly empty).
pub fn matching_symbols(req: &ReqMatchingSymbols, instruments: &Instruments) -> Vec<Incoming> {
    let descriptions = instruments
        .matching_symbols(&req.pattern)
        .into_iter()
        .map(|s| ContractDescription {
            contract: Contract {
                con_id: s.con_id,
                symbol: s.symbol,
                sec_type: s.sec_type.to_owned(),
                primary_exchange: s.primary_exchange.to_owned(),
                currency: s.currency.to_owned(),
                description: s.description,
                ..Contract::default()
            },
            derivative_sec_types: s
                .derivative_sec_types
                .into_iter()
                .map(str::to_owned)
                .collect(),
        })
        .collect();
    vec![Incoming::SymbolSamples(SymbolSamples {
        req_id: req.req_id,
        descriptions,
    })]
}

/// reqSecDefOptParams: a row per exchange, then the end; error 200 when
/// the underlying is unknown.
pub fn sec_def_opt_params(req: &ReqSecDefOptParams, instruments: &Instruments) -> Vec<Incoming> {
    let req_id = req.req_id;
    let known = instruments
        .index_of(req.underlying_con_id)
        .is_some_and(|n| {
            let i = instruments.get(n);
            i.symbol.eq_ignore_ascii_case(&req.underlying_symbol)
                && i.sec_type.eq_ignore_ascii_case(&req.underlying_sec_type)
        });
    if !known {
        return vec![error(
            req_id,
            code::NO_SECURITY_DEFINITION,
            "No security definition has been found for the request",
        )];
    }
    let mut out: Vec<Incoming> = instruments
        .option_chains(
            &req.underlying_symbol,
            &req.fut_fop_exchange,
            &req.underlying_sec_type,
            req.underlying_con_id,
        )
        .into_iter()
        .map(|c| {
            Incoming::SecDefOptParameter(SecDefOptParameter {
                req_id,
                exchange: c.exchange,
                underlying_con_id: c.underlying_con_id,
                trading_class: c.trading_class,
                multiplier: c.multiplier,
                expirations: c.expirations,
                strikes: c.strikes,
            })
        })
        .collect();
    out.push(Incoming::SecDefOptParameterEnd(SecDefOptParameterEnd {
        req_id,
    }));
    out
}

/// reqMarketRule: the rule, or nothing when the id is unknown (TWS sends
/// nothing either).
pub fn market_rule(req: &ReqMarketRule) -> Vec<Incoming> {
    instruments::market_rule(req.market_rule_id)
        .map(|rule| {
            Incoming::MarketRule(MarketRule {
                market_rule_id: rule.id,
                price_increments: rule
                    .increments
                    .iter()
                    .map(|p| PriceIncrement {
                        low_edge: p.low_edge,
                        increment: p.increment,
                    })
                    .collect(),
            })
        })
        .into_iter()
        .collect()
}

/// reqSmartComponents: the components of a BBO exchange code (from
/// tickReqParams); an unknown code gets an empty list.
pub fn smart_components(req: &ReqSmartComponents) -> Vec<Incoming> {
    let components = instruments::smart_components(&req.bbo_exchange)
        .unwrap_or_default()
        .into_iter()
        .map(|c| SmartComponent {
            bit_number: c.bit_number,
            exchange: c.exchange.to_owned(),
            exchange_letter: c.exchange_letter.to_owned(),
        })
        .collect();
    vec![Incoming::SmartComponents(SmartComponents {
        req_id: req.req_id,
        components,
    })]
}

/// reqMktDepthExchanges.
pub fn mkt_depth_exchanges() -> Vec<Incoming> {
    let descriptions = instruments::depth_exchanges()
        .into_iter()
        .map(|d| DepthMktDataDescription {
            exchange: d.exchange.to_owned(),
            sec_type: d.sec_type.to_owned(),
            listing_exch: d.listing_exchange.to_owned(),
            service_data_type: d.service_data_type.to_owned(),
            agg_group: d.agg_group,
        })
        .collect();
    vec![Incoming::MktDepthExchanges(MktDepthExchanges {
        descriptions,
    })]
}

/// reqFamilyCodes: one code per managed account.
pub fn family_codes(accounts: &[String]) -> Vec<Incoming> {
    let family_codes = instruments::family_codes(accounts)
        .into_iter()
        .map(|(account_id, family_code)| FamilyCode {
            account_id,
            family_code,
        })
        .collect();
    vec![Incoming::FamilyCodes(FamilyCodes { family_codes })]
}

/// The message of one market output; `None` for what this build cannot put
/// on the wire yet.
pub fn incoming(out: Out) -> Option<Incoming> {
    match out {
        Out::Error { req_id, code, text } => Some(error(req_id, code, &text)),
        Out::Tick { req_id, tick } => tick_message(req_id, tick),
        Out::Depth {
            req_id,
            op,
            l2,
            smart,
        } => {
            let data = MarketDepthData {
                position: op.position,
                operation: op.operation,
                side: op.side,
                price: op.price,
                size: decimal_text(op.size).into(),
                market_maker: op.market_maker.into(),
                is_smart_depth: smart,
            };
            Some(if l2 {
                Incoming::UpdateMktDepthL2(UpdateMktDepthL2 { req_id, data })
            } else {
                Incoming::UpdateMktDepth(UpdateMktDepth { req_id, data })
            })
        }
        Out::TickByTick { req_id, tick } => Some(Incoming::TickByTick(tick_by_tick(req_id, tick))),
        Out::Bar { req_id, bar } => Some(Incoming::RealTimeBar(RealTimeBar {
            req_id,
            time: bar.time,
            open: bar.open,
            high: bar.high,
            low: bar.low,
            close: bar.close,
            volume: decimal_text(bar.volume).into(),
            wap: decimal_text(bar.wap).into(),
            count: bar.count,
        })),
    }
}

/// One tick-by-tick tick: the form of its tick type only (the protobuf
/// form's nested messages are a oneof).
fn tick_by_tick(req_id: i32, tick: TbtTick) -> TickByTick {
    let flags = |a: bool, b: bool| i32::from(a) | i32::from(b) << 1;
    match tick {
        TbtTick::Last {
            tick_type,
            time,
            price,
            size,
            past_limit,
            unreported,
            exchange,
            special_conditions,
        } => TickByTick {
            req_id,
            tick_type,
            last: Some(TickByTickLast {
                time,
                attrib: flags(past_limit, unreported),
                price,
                size: decimal_text(size).into(),
                exchange: exchange.into(),
                special_conditions: special_conditions.into(),
            }),
            ..TickByTick::default()
        },
        TbtTick::BidAsk {
            time,
            bid_price,
            ask_price,
            bid_size,
            ask_size,
            bid_past_low,
            ask_past_high,
        } => TickByTick {
            req_id,
            tick_type: 3,
            bid_ask: Some(TickByTickBidAsk {
                time,
                attrib: flags(bid_past_low, ask_past_high),
                bid_price,
                ask_price,
                bid_size: decimal_text(bid_size).into(),
                ask_size: decimal_text(ask_size).into(),
            }),
            ..TickByTick::default()
        },
        // No size: the text layout has none (and IB's callback takes none).
        TbtTick::MidPoint { time, mid_point } => TickByTick {
            req_id,
            tick_type: 4,
            mid_point: Some(TickByTickMidPoint {
                time,
                price: mid_point,
                size: Default::default(),
            }),
            ..TickByTick::default()
        },
    }
}

fn tick_message(req_id: i32, tick: Tick) -> Option<Incoming> {
    match tick {
        Tick::Price {
            tick_type,
            price,
            size,
            attrib_mask,
        } => Some(Incoming::TickPrice(TickPrice {
            req_id,
            tick_type,
            price,
            size: size.map(decimal_text).unwrap_or_default().into(),
            attrib: attrib_mask,
        })),
        // "Not computed" travels as IB's sentinels: -1 for the volatility
        // and the prices, -2 for the greeks.
        Tick::Option(o) => Some(Incoming::TickOptionComputation(TickOptionComputation {
            req_id,
            tick_type: o.tick_type,
            tick_attrib: o.tick_attrib,
            implied_vol: o.implied_vol.unwrap_or(-1.0),
            delta: o.delta.unwrap_or(-2.0),
            opt_price: o.opt_price.unwrap_or(-1.0),
            pv_dividend: o.pv_dividend.unwrap_or(-1.0),
            gamma: o.gamma.unwrap_or(-2.0),
            vega: o.vega.unwrap_or(-2.0),
            theta: o.theta.unwrap_or(-2.0),
            und_price: o.und_price.unwrap_or(-1.0),
        })),
        Tick::Size { tick_type, size } => Some(Incoming::TickSize(TickSize {
            req_id,
            tick_type,
            size: decimal_text(size).into(),
        })),
        Tick::String { tick_type, value } => Some(Incoming::TickString(TickString {
            req_id,
            tick_type,
            value,
        })),
        Tick::Generic { tick_type, value } => Some(Incoming::TickGeneric(TickGeneric {
            req_id,
            tick_type,
            value,
        })),
        Tick::News {
            time_ms,
            provider_code,
            article_id,
            headline,
        } => Some(Incoming::TickNews(crate::protocol::news::TickNews {
            req_id,
            time_stamp: time_ms,
            provider_code,
            article_id,
            headline,
            extra_data: "A:800015:L:en".into(),
        })),
        Tick::ReqParams {
            min_tick,
            bbo_exchange,
            snapshot_permissions,
        } => Some(Incoming::TickReqParams(TickReqParams {
            req_id,
            min_tick,
            bbo_exchange,
            snapshot_permissions,
            last_price_precision: String::new(),
            last_size_precision: String::new(),
        })),
        Tick::SnapshotEnd => Some(Incoming::TickSnapshotEnd(TickSnapshotEnd { req_id })),
        Tick::DataType(market_data_type) => Some(Incoming::MarketDataType(MarketDataType {
            req_id,
            market_data_type,
        })),
    }
}

/// The contract details record of an instrument.
pub fn details(inst: &Instrument) -> ContractDetails {
    let bond = inst.bond.clone().unwrap_or(instruments::BondFields {
        cusip: String::new(),
        coupon: 0.0,
        maturity: String::new(),
        issue_date: String::new(),
        ratings: String::new(),
        bond_type: String::new(),
        coupon_type: String::new(),
        convertible: false,
        callable: false,
        putable: false,
        desc_append: String::new(),
        next_option_date: String::new(),
        next_option_type: String::new(),
        next_option_partial: false,
        notes: String::new(),
    });
    ContractDetails {
        market_name: inst.market_name.clone(),
        min_tick: inst.min_tick,
        order_types: inst.order_types.to_owned(),
        valid_exchanges: inst.valid_exchanges.to_owned(),
        price_magnifier: inst.price_magnifier,
        under_con_id: inst.under_con_id,
        long_name: inst.long_name.clone(),
        contract_month: inst.contract_month.clone(),
        industry: inst.industry.to_owned(),
        category: inst.category.to_owned(),
        subcategory: inst.subcategory.to_owned(),
        time_zone_id: inst.time_zone_id.to_owned(),
        trading_hours: inst.trading_hours.clone(),
        liquid_hours: inst.liquid_hours.clone(),
        ev_rule: inst.ev_rule.clone(),
        ev_multiplier: inst.ev_multiplier,
        sec_id_list: inst
            .sec_id_list
            .iter()
            .map(|(tag, value)| TagValue {
                tag: tag.clone(),
                value: value.clone(),
            })
            .collect(),
        agg_group: inst.agg_group,
        under_symbol: inst.under_symbol.clone(),
        under_sec_type: inst.under_sec_type.to_owned(),
        market_rule_ids: inst.market_rule_ids.clone(),
        real_expiration_date: inst.real_expiration_date.clone(),
        stock_type: inst.stock_type.to_owned(),
        min_size: decimal_text(inst.min_size),
        size_increment: decimal_text(inst.size_increment),
        suggested_size_increment: decimal_text(inst.suggested_size_increment),
        cusip: bond.cusip,
        issue_date: bond.issue_date,
        ratings: bond.ratings,
        bond_type: bond.bond_type,
        coupon: bond.coupon,
        coupon_type: bond.coupon_type,
        convertible: bond.convertible,
        callable: bond.callable,
        putable: bond.putable,
        desc_append: bond.desc_append,
        next_option_date: bond.next_option_date,
        next_option_type: bond.next_option_type,
        next_option_partial: bond.next_option_partial,
        notes: bond.notes,
        last_trade_time: inst.last_trade_time.clone(),
        maturity: bond.maturity,
        ..ContractDetails::default()
    }
}

/// One contractDetails row (bondContractDetails for a bond).
pub fn details_row(req_id: i32, inst: &Instrument, exchange: &str) -> Incoming {
    let mut c = contract(inst, exchange);
    c.last_trade_date = inst.last_trade_date.clone();
    let contract = Box::new(c);
    let details = Box::new(details(inst));
    if inst.is_bond() {
        Incoming::BondContractData(BondContractData {
            req_id,
            contract,
            details,
        })
    } else {
        Incoming::ContractData(ContractData {
            req_id,
            contract,
            details,
        })
    }
}
