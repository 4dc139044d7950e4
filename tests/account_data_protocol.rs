//! Positions, account updates, *Multi and PnL: every message's encoder and
//! decoder agree in every wire form, and the bytes match the official
//! client's layouts (text field order, version fields, protobuf tags).

use tws::protocol::account_data::*;
use tws::protocol::contract::Contract;
mod common;

use common::{incoming_round_trip, one_frame, request_round_trip};
use tws::protocol::{Form, Incoming, RawMessage, Request};

const VERSIONS: [i32; 7] = [150, 176, 200, 201, 207, 210, 222];

fn option_contract() -> Contract {
    Contract {
        con_id: 713_291_520,
        symbol: "AAPL".into(),
        sec_type: "OPT".into(),
        last_trade_date_or_contract_month: "20261218".into(),
        strike: 200.0,
        right: "C".into(),
        multiplier: "100".into(),
        exchange: "CBOE".into(),
        primary_exchange: String::new(),
        currency: "USD".into(),
        local_symbol: "AAPL  261218C00200000".into(),
        trading_class: "AAPL".into(),
        ..Default::default()
    }
}

fn portfolio_contract() -> Contract {
    Contract {
        con_id: 14204,
        symbol: "SAP".into(),
        sec_type: "STK".into(),
        primary_exchange: "IBIS".into(),
        currency: "EUR".into(),
        local_symbol: "SAP".into(),
        trading_class: "XETRA".into(),
        ..Contract::default()
    }
}

fn sample_requests() -> Vec<Request> {
    vec![
        Request::ReqPositions(ReqPositions {}),
        Request::CancelPositions(CancelPositions {}),
        Request::ReqAccountUpdates(ReqAccountUpdates {
            subscribe: true,
            account: "DU123456".into(),
        }),
        Request::ReqAccountUpdates(ReqAccountUpdates {
            subscribe: false,
            account: "DU123456".into(),
        }),
        Request::ReqPositionsMulti(ReqPositionsMulti {
            req_id: 7,
            account: "DU123456".into(),
            model_code: "Growth".into(),
        }),
        Request::CancelPositionsMulti(CancelPositionsMulti { req_id: 7 }),
        Request::ReqAccountUpdatesMulti(ReqAccountUpdatesMulti {
            req_id: 8,
            account: "All".into(),
            model_code: Default::default(),
            ledger_and_nlv: true,
        }),
        Request::CancelAccountUpdatesMulti(CancelAccountUpdatesMulti { req_id: 8 }),
        Request::ReqPnL(ReqPnL {
            req_id: 9,
            account: "DU123456".into(),
            model_code: Default::default(),
        }),
        Request::CancelPnL(CancelPnL { req_id: 9 }),
        Request::ReqPnLSingle(ReqPnLSingle {
            req_id: 10,
            account: "DU123456".into(),
            model_code: Default::default(),
            con_id: 265598,
        }),
        Request::CancelPnLSingle(CancelPnLSingle { req_id: 10 }),
    ]
}

fn sample_incoming() -> Vec<Incoming> {
    vec![
        Incoming::Position(Position {
            account: "DU123456".into(),
            contract: Box::new(option_contract()),
            position: "2".into(),
            avg_cost: 1250.4,
        }),
        Incoming::Position(Position {
            account: "DU123456".into(),
            contract: Box::new(Contract {
                con_id: 272093,
                symbol: "MSFT".into(),
                sec_type: "STK".into(),
                exchange: "NASDAQ".into(),
                currency: "USD".into(),
                local_symbol: "MSFT".into(),
                trading_class: "NMS".into(),
                ..Contract::default()
            }),
            position: "0.5".into(),
            avg_cost: 402.1,
        }),
        Incoming::PositionEnd(PositionEnd {}),
        Incoming::AccountValue(AccountValue {
            key: "NetLiquidation".into(),
            value: "983631.71".into(),
            currency: "USD".into(),
            account: "DU123456".into(),
        }),
        Incoming::PortfolioValue(PortfolioValue {
            contract: Box::new(portfolio_contract()),
            position: "30".into(),
            market_price: 231.5,
            market_value: 6945.0,
            average_cost: 198.76,
            unrealized_pnl: 982.2,
            realized_pnl: 0.0,
            account: "DU123456".into(),
        }),
        Incoming::AccountUpdateTime(AccountUpdateTime {
            time_stamp: "14:05".into(),
        }),
        Incoming::AccountDownloadEnd(AccountDownloadEnd {
            account: "DU123456".into(),
        }),
        Incoming::PositionMulti(PositionMulti {
            req_id: 7,
            account: "DU123456".into(),
            contract: Box::new(option_contract()),
            position: "0.25".into(),
            avg_cost: 118.6,
            model_code: "Growth".into(),
        }),
        Incoming::PositionMultiEnd(PositionMultiEnd { req_id: 7 }),
        Incoming::AccountUpdateMulti(AccountUpdateMulti {
            req_id: 8,
            account: "DU123456".into(),
            model_code: Default::default(),
            key: "CashBalance".into(),
            value: "-1234.56".into(),
            currency: "EUR".into(),
        }),
        Incoming::AccountUpdateMultiEnd(AccountUpdateMultiEnd { req_id: 8 }),
        Incoming::PnL(PnL {
            req_id: 9,
            daily_pnl: 312.07,
            unrealized_pnl: 4567.89,
            realized_pnl: UNSET_DOUBLE,
        }),
        Incoming::PnLSingle(PnLSingle {
            req_id: 10,
            position: "100".into(),
            daily_pnl: 240.0,
            unrealized_pnl: 1749.0,
            realized_pnl: 0.0,
            value: 18984.0,
        }),
    ]
}

#[test]
fn requests_round_trip_in_every_form() {
    for version in VERSIONS {
        for form in Form::accepted_at(version) {
            for req in sample_requests() {
                let back = request_round_trip(&req, *form, version);
                assert_eq!(back, req, "{} at {version} in {form:?}", req.name());
            }
        }
    }
}

#[test]
fn incoming_round_trip_in_every_form() {
    for version in VERSIONS {
        for form in Form::accepted_at(version) {
            for msg in sample_incoming() {
                let back = incoming_round_trip(&msg, *form, version);
                assert_eq!(back, msg, "{} at {version} in {form:?}", msg.name());
            }
        }
    }
}

#[test]
fn requests_take_the_official_form_per_version() {
    let form_at = |req: &Request, v: i32| {
        let mut buf = Vec::new();
        req.encode(v, &mut buf).unwrap();
        RawMessage::split(&one_frame(&buf), v).unwrap().form
    };
    let positions = Request::ReqPositions(ReqPositions {});
    let pnl = &sample_requests()[8];
    assert_eq!(form_at(&positions, 206), Form::BinaryText);
    assert_eq!(form_at(&positions, 207), Form::Proto);
    assert_eq!(form_at(pnl, 209), Form::BinaryText);
    assert_eq!(form_at(pnl, 210), Form::Proto);
}

fn body(msg_encode: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut buf = Vec::new();
    msg_encode(&mut buf);
    buf[4..].to_vec()
}

#[test]
fn text_layouts_match_the_official_client() {
    let reqs = sample_requests();
    let text = |r: &Request| body(|b| r.encode(176, b).unwrap());
    assert_eq!(text(&reqs[0]), b"61\x001\x00");
    assert_eq!(text(&reqs[1]), b"64\x001\x00");
    assert_eq!(text(&reqs[2]), b"6\x002\x001\x00DU123456\x00");
    assert_eq!(text(&reqs[3]), b"6\x002\x000\x00DU123456\x00");
    assert_eq!(text(&reqs[4]), b"74\x001\x007\x00DU123456\x00Growth\x00");
    assert_eq!(text(&reqs[6]), b"76\x001\x008\x00All\x00\x001\x00");
    assert_eq!(text(&reqs[7]), b"77\x001\x008\x00");
    // reqPnL and friends carry no version field.
    assert_eq!(text(&reqs[8]), b"92\x009\x00DU123456\x00\x00");
    assert_eq!(text(&reqs[9]), b"93\x009\x00");
    assert_eq!(text(&reqs[10]), b"94\x0010\x00DU123456\x00\x00265598\x00");

    let msgs = sample_incoming();
    let text = |m: &Incoming| body(|b| m.encode(176, b).unwrap());
    assert_eq!(
        text(&msgs[0]),
        b"61\x003\x00DU123456\x00713291520\x00AAPL\x00OPT\x0020261218\x00200.0\x00C\x00100\x00CBOE\x00USD\x00AAPL  261218C00200000\x00AAPL\x002\x001250.4\x00"
    );
    assert_eq!(
        text(&msgs[4]),
        b"7\x008\x0014204\x00SAP\x00STK\x00\x000.0\x00\x00\x00IBIS\x00EUR\x00SAP\x00XETRA\x0030\x00231.5\x006945.0\x00198.76\x00982.2\x000.0\x00DU123456\x00"
    );
    assert_eq!(
        text(&msgs[3]),
        b"6\x002\x00NetLiquidation\x00983631.71\x00USD\x00DU123456\x00"
    );
    assert_eq!(
        text(&msgs[11]),
        b"94\x009\x00312.07\x004567.89\x001.7976931348623157E308\x00"
    );
}

#[test]
fn protobuf_tags_match_the_official_schema() {
    let proto = |r: &Request| body(|b| r.encode(222, b).unwrap());
    let reqs = sample_requests();
    // AccountDataRequest: 1 subscribe (false left out), 2 acctCode.
    assert_eq!(&proto(&reqs[2])[4..], b"\x08\x01\x12\x08DU123456");
    assert_eq!(&proto(&reqs[3])[4..], b"\x12\x08DU123456");
    // PnLSingleRequest: 1 reqId, 2 account, (3 modelCode empty: left out), 4 conId.
    assert_eq!(&proto(&reqs[10])[..4], &294u32.to_be_bytes());
    assert_eq!(
        &proto(&reqs[10])[4..],
        b"\x08\x0a\x12\x08DU123456\x20\xfe\x9a\x10"
    );
    // Position: 1 account, 2 contract { 1 conId, 2 symbol, ... }, 3 position, 4 avgCost.
    let msgs = sample_incoming();
    let pos = body(|b| msgs[1].encode(222, b).unwrap());
    assert_eq!(&pos[..4], &261u32.to_be_bytes());
    assert_eq!(&pos[4..14], b"\x0a\x08DU123456");
    assert_eq!(pos[14], 0x12, "contract is field 2");
    let tail = &pos[pos.len() - 14..];
    assert_eq!(&tail[..5], b"\x1a\x030.5", "position is field 3, as text");
    assert_eq!(tail[5], 0x21, "avgCost is field 4, a double");
    assert_eq!(&tail[6..], &402.1f64.to_le_bytes());
}

#[test]
fn decimals_and_unset_values_read_as_the_official_decoder_reads_them() {
    // An unset quantity (the Java sentinels) reads as empty; a fraction is kept exactly.
    let frame = b"95\x0010\x002147483647\x001.5\x00\x00\x001.7976931348623157E308\x00";
    let raw = RawMessage::split(frame, 176).unwrap();
    let Some(Incoming::PnLSingle(p)) = Incoming::decode(&raw, 176).unwrap() else {
        panic!("not a pnlSingle")
    };
    assert_eq!(p.position, "");
    assert_eq!(
        (p.daily_pnl, p.unrealized_pnl, p.realized_pnl),
        (1.5, 0.0, 0.0)
    );
    assert_eq!(p.value, UNSET_DOUBLE);

    // Before v129 pnl has no unrealized field, before v135 no realized one.
    let raw = RawMessage::split(b"94\x001\x0012.5\x00", 128).unwrap();
    let Some(Incoming::PnL(p)) = Incoming::decode(&raw, 128).unwrap() else {
        panic!("not a pnl")
    };
    assert_eq!((p.daily_pnl, p.unrealized_pnl), (12.5, UNSET_DOUBLE));
    let raw = RawMessage::split(b"94\x001\x0012.5\x003.25\x00", 130).unwrap();
    let Some(Incoming::PnL(p)) = Incoming::decode(&raw, 130).unwrap() else {
        panic!("not a pnl")
    };
    assert_eq!((p.unrealized_pnl, p.realized_pnl), (3.25, UNSET_DOUBLE));

    // position message version 1: no trading class, no average cost.
    let raw = RawMessage::split(
        b"61\x001\x00DU1\x00265598\x00AAPL\x00STK\x00\x000\x00\x00\x00SMART\x00USD\x00AAPL\x0012.345678\x00",
        150,
    )
    .unwrap();
    let Some(Incoming::Position(p)) = Incoming::decode(&raw, 150).unwrap() else {
        panic!("not a position")
    };
    assert_eq!((p.position.as_str(), p.avg_cost), ("12.345678", 0.0));
    assert_eq!(p.contract.trading_class, "");

    // updatePortfolio version 6: no multiplier, primary exchange or trading class.
    let raw = RawMessage::split(
        b"7\x006\x00265598\x00AAPL\x00STK\x00\x000\x00\x00USD\x00AAPL\x00100\x00189.84\x0018984\x00172.35\x001749\x000\x00DU1\x00",
        150,
    )
    .unwrap();
    let Some(Incoming::PortfolioValue(p)) = Incoming::decode(&raw, 150).unwrap() else {
        panic!("not a portfolio value")
    };
    assert_eq!((p.position.as_str(), p.account.as_str()), ("100", "DU1"));
    assert_eq!(p.unrealized_pnl, 1749.0);
}

#[test]
fn truncated_messages_are_typed_errors() {
    for frame in [
        &b"61\x003\x00DU1\x00265598\x00"[..],
        b"7\x008\x001\x00",
        b"95\x001\x00",
    ] {
        let raw = RawMessage::split(frame, 176).unwrap();
        assert!(Incoming::decode(&raw, 176).is_err(), "{frame:?}");
    }
}
