//! Contract requests and replies (issue 13) at the byte level: frames pinned
//! to what IB's client 10.51.1 sends (tests/conformance.rs compares every
//! request at every version; these pin a few so a regression names itself),
//! contract details read field by field from text frames, and the refusals.

use tws::protocol::instruments::*;
use tws::protocol::{EncodeError, Form, Incoming, RawMessage, Request};

mod common;

use common::{decode, encode, frame, stock};

#[test]
fn req_contract_details_bytes_are_ibapis() {
    let request = Request::ReqContractDetails(ReqContractDetails {
        req_id: 7,
        contract: Box::new(stock()),
    });
    // ibapi at 176: "9 8 7 0 AAPL STK '' '' (strike) '' '' SMART '' USD '' '' 0 '' '' ''".
    assert_eq!(
        encode(&request, 176).unwrap(),
        "0000002739003800370030004141504c0053544b0000000000534d41525400005553440000003000000000"
    );
    // Below 176 there is no issuer id field.
    assert_eq!(
        encode(&request, 175).unwrap(),
        "0000002639003800370030004141504c0053544b0000000000534d415254000055534400000030000000"
    );
    // From 205 protobuf: ContractDataRequest { reqId 7, contract { conId 0 (sent), ... } }.
    // (id 9 + 200 = 0xd1; conId 0 is sent: 08 00; the unset strike is left out.)
    assert_eq!(
        encode(&request, 205).unwrap(),
        "00000021000000d108071219080012044141504c1a0353544b4205534d4152545203555344"
    );
}

#[test]
fn an_issuer_id_below_176_is_refused_not_dropped() {
    let mut contract = stock();
    contract.issuer_id = "e1234567".into();
    let request = Request::ReqContractDetails(ReqContractDetails {
        req_id: 8,
        contract: Box::new(contract),
    });
    assert!(matches!(
        encode(&request, 175),
        Err(EncodeError::NotSupported { needed: 176, .. })
    ));
    assert!(encode(&request, 176).is_ok());
}

#[test]
fn cancel_contract_data_exists_only_as_protobuf() {
    let request = Request::CancelContractData(CancelContractData { req_id: 7 });
    assert_eq!(request.min_server_version(), 215);
    let mut out = Vec::new();
    assert!(matches!(
        request.encode_as(Form::BinaryText, 214, &mut out),
        Err(EncodeError::NotSupported { needed: 215, .. })
    ));
    assert_eq!(encode(&request, 215).unwrap(), "00000006000001320807"); // id 106 + 200
}

/// contractDetails at 176 (no version field from 164, every gate to 176 open),
/// as a server sends it: the date field carries the time, which is split off.
#[test]
fn contract_details_read_every_field_and_split_the_date() {
    let mut fields = vec![
        "7",
        "ES",
        "FUT",
        "20261218 09:30 US/Central",
        "0.0",
        "",
        "CME",
        "USD",
        "ESZ6",
        "ES",
        "ES",
        "551601561",
        "0.25",
        "50",
        "LMT,MKT",
        "CME,QBALGO",
        "1",
        "11004968",
        "E-mini S&P 500",
        "",
        "202612",
        "",
        "",
        "",
        "US/Central",
        "20261201:1700-20261202:1600",
        "20261202:0830-20261202:1600",
        "",
        "0",
        "1",
        "ISIN",
        "US0000000000",
        "1",
        "ES",
        "IND",
        "67,67",
        "20261218",
        "",
        "1",
        "1",
        "1",
    ];
    let payload = frame(10, &fields);
    let Incoming::ContractData(m) = decode(&payload, 176) else {
        panic!("not contract details")
    };
    assert_eq!(m.req_id, 7);
    assert_eq!(m.contract.con_id, 551601561);
    assert_eq!(m.contract.last_trade_date_or_contract_month, "20261218");
    assert_eq!(m.details.last_trade_time, "09:30");
    assert_eq!(m.details.min_tick, 0.25);
    assert_eq!(m.contract.multiplier, "50");
    assert_eq!(m.details.under_con_id, 11004968);
    assert_eq!(m.details.long_name, "E-mini S&P 500");
    assert_eq!(m.details.time_zone_id, "US/Central");
    assert_eq!(m.details.ev_multiplier, 0.0);
    assert_eq!(m.details.sec_id_list.len(), 1);
    assert_eq!(
        (
            m.details.sec_id_list[0].tag.as_str(),
            m.details.sec_id_list[0].value.as_str()
        ),
        ("ISIN", "US0000000000")
    );
    assert_eq!(m.details.agg_group, 1);
    assert_eq!(m.details.market_rule_ids, "67,67");
    // Our encoder gives the same frame back (the split joins with a space).
    let mut again = Vec::new();
    Incoming::ContractData(m.clone())
        .encode(176, &mut again)
        .unwrap();
    fields[3] = "20261218 09:30";
    assert_eq!(&again[4..], &frame(10, &fields)[..]);
    // A field missing at the end is a typed error, not a panic.
    let cut = frame(10, &fields[..fields.len() - 1]);
    let raw = RawMessage::split(&cut, 176).unwrap();
    assert!(Incoming::decode(&raw, 176).is_err());
}

#[test]
fn a_list_count_out_of_range_is_a_typed_error() {
    for count in ["-1", "1001", "x"] {
        let payload = frame(79, &["5", count]);
        let raw = RawMessage::split(&payload, 176).unwrap();
        let err = Incoming::decode(&raw, 176).unwrap_err();
        assert!(err.to_string().contains("field"), "{count}: {err}");
    }
    // 0 items is fine.
    let Incoming::SymbolSamples(m) = decode(&frame(79, &["5", "0"]), 176) else {
        panic!()
    };
    assert!(m.descriptions.is_empty());
}

#[test]
fn symbol_samples_read_their_derivative_lists() {
    let payload = frame(
        79,
        &[
            "5",
            "1",
            "265598",
            "AAPL",
            "STK",
            "NASDAQ",
            "USD",
            "2",
            "OPT",
            "WAR",
            "Apple Inc",
            "",
        ],
    );
    let Incoming::SymbolSamples(m) = decode(&payload, 176) else {
        panic!()
    };
    let d = &m.descriptions[0];
    assert_eq!(d.contract.con_id, 265598);
    assert_eq!(d.contract.primary_exchange, "NASDAQ");
    assert_eq!(d.derivative_sec_types, ["OPT", "WAR"]);
    assert_eq!(d.contract.description, "Apple Inc");
    // Below 176 the description and issuer id are not in the layout.
    let old = frame(
        79,
        &["5", "1", "265598", "AAPL", "STK", "NASDAQ", "USD", "0"],
    );
    let Incoming::SymbolSamples(m) = decode(&old, 175) else {
        panic!()
    };
    assert_eq!(m.descriptions[0].contract.description, "");
}

#[test]
fn depth_exchanges_below_120_drop_the_l2_flag() {
    let old = frame(80, &["1", "ISLAND", "STK", "1"]);
    let Incoming::MktDepthExchanges(m) = decode(&old, 119) else {
        panic!()
    };
    assert_eq!(m.descriptions[0].exchange, "ISLAND");
    assert_eq!(m.descriptions[0].agg_group, i32::MAX);
    let new = frame(80, &["1", "ISLAND", "STK", "NASDAQ", "Deep2", "1"]);
    let Incoming::MktDepthExchanges(m) = decode(&new, 120) else {
        panic!()
    };
    assert_eq!(m.descriptions[0].service_data_type, "Deep2");
    assert_eq!(m.descriptions[0].agg_group, 1);
}
