//! Market-data requests and replies (issue 13) at the byte level: frames
//! pinned to what IB's client 10.51.1 sends, and the layouts that depend on
//! the server version or on values (tickPrice's mask, tickOptionComputation's
//! versions, the combo legs of reqMktData, the joined options).

use tws::protocol::contract::Contract;
use tws::protocol::instruments::{ComboLeg, DeltaNeutralContract, TagValue};
use tws::protocol::market_data::*;
use tws::protocol::{EncodeError, Incoming, Request};

mod common;

use common::{decode, encode, frame, stock};

#[test]
fn req_mkt_data_bytes_are_ibapis() {
    let request = Request::ReqMktData(ReqMktData {
        req_id: 21,
        contract: Box::new(stock()),
        generic_tick_list: "233,236".into(),
        ..ReqMktData::default()
    });
    assert_eq!(
        encode(&request, 176).unwrap(),
        "00000033310031310032310030004141504c0053544b0000000000534d415254000055534400000030003233332c323336003000300000"
    );
}

#[test]
fn a_bag_sends_its_legs_and_delta_neutral_contract() {
    let leg = |con_id, action: &str| ComboLeg {
        con_id,
        ratio: 1,
        action: action.into(),
        exchange: "SMART".into(),
        exempt_code: -1,
        per_leg_price: f64::MAX,
        ..ComboLeg::default()
    };
    let contract = Contract {
        symbol: "SPY".into(),
        sec_type: "BAG".into(),
        strike: f64::MAX,
        exchange: "SMART".into(),
        currency: "USD".into(),
        combo_legs: vec![leg(756733, "BUY"), leg(8314, "SELL")],
        delta_neutral_contract: Some(DeltaNeutralContract {
            con_id: 756733,
            delta: 0.5,
            price: 445.25,
        }),
        ..Contract::default()
    };
    let request = Request::ReqMktData(ReqMktData {
        req_id: 22,
        contract: Box::new(contract.clone()),
        snapshot: true,
        ..ReqMktData::default()
    });
    assert_eq!(
        encode(&request, 176).unwrap(),
        "0000006431003131003232003000535059004241470000000000534d4152540000555344000000320037353637333300310042555900534d415254003833313400310053454c4c00534d41525400310037353637333300302e35003434352e323500003100300000"
    );
    // Not a BAG: no leg count in text form.
    let mut stk = contract;
    stk.sec_type = "STK".into();
    let text = encode(
        &Request::ReqMktData(ReqMktData {
            req_id: 22,
            contract: Box::new(stk),
            ..ReqMktData::default()
        }),
        176,
    )
    .unwrap();
    assert!(!text.contains("42555900"), "{text}"); // no "BUY"
}

#[test]
fn joined_options_travel_as_one_field_and_refuse_separators() {
    let bars = |options: Vec<TagValue>| {
        Request::ReqRealTimeBars(ReqRealTimeBars {
            req_id: 28,
            contract: Box::new(stock()),
            bar_size: 5,
            what_to_show: "TRADES".into(),
            use_rth: true,
            real_time_bars_options: options,
        })
    };
    let one = vec![TagValue {
        tag: "XYZ".into(),
        value: "1".into(),
    }];
    assert!(encode(&bars(one), 176).unwrap().ends_with("58595a3d313b00")); // "XYZ=1;"
    let bad = vec![TagValue {
        tag: "a=b".into(),
        value: "1".into(),
    }];
    assert!(matches!(
        encode(&bars(bad), 176),
        Err(EncodeError::InvalidCharacter { found: '=', .. })
    ));
}

#[test]
fn tick_price_flags_follow_the_server_version() {
    // mask 3 (can auto-execute, past limit), 6 (past limit, pre-open).
    let at = |mask: &str, version| {
        let Incoming::TickPrice(t) =
            decode(&frame(1, &["6", "21", "1", "189.52", "300", mask]), version)
        else {
            panic!()
        };
        t
    };
    // Below 109 only can-auto-execute, and only when the mask is exactly 1.
    assert_eq!(at("1", 108).attrib, 1);
    assert_eq!(at("3", 108).attrib, 0);
    assert_eq!(at("3", 109).attrib, 3);
    // Pre-open from 132.
    assert_eq!(at("6", 131).attrib, 2);
    assert_eq!(at("6", 132).attrib, 6);
    let t = at("1", 176);
    assert_eq!(
        (t.req_id, t.tick_type, t.price, t.size.as_str()),
        (21, 1, 189.52, "300")
    );
}

#[test]
fn tick_option_computation_layouts() {
    // Below 156: a version field; version 5 carries no greeks beyond delta,
    // and the option price only for model ticks (13).
    let v5 = frame(21, &["5", "23", "10", "0.25", "0.5"]);
    let Incoming::TickOptionComputation(t) = decode(&v5, 155) else {
        panic!()
    };
    assert_eq!(
        (t.implied_vol, t.delta, t.opt_price, t.gamma),
        (0.25, 0.5, -1.0, -2.0)
    );
    assert_eq!(t.tick_attrib, i32::MAX);
    let v5_model = frame(21, &["5", "23", "13", "0.25", "0.5", "5.25", "0.1"]);
    let Incoming::TickOptionComputation(t) = decode(&v5_model, 155) else {
        panic!()
    };
    assert_eq!((t.opt_price, t.pv_dividend), (5.25, 0.1));
    // From 156: no version field, the attribute after the tick type, every field.
    let all = frame(
        21,
        &[
            "23", "13", "1", "0.25", "0.5", "5.25", "0.1", "0.03", "0.2", "-0.05", "180.5",
        ],
    );
    let Incoming::TickOptionComputation(t) = decode(&all, 156) else {
        panic!()
    };
    assert_eq!((t.tick_attrib, t.theta, t.und_price), (1, -0.05, 180.5));
}

#[test]
fn depth_requests_gate_smart_depth_and_the_primary_exchange() {
    let mut contract = stock();
    contract.primary_exchange = "NASDAQ".into();
    let request = Request::ReqMktDepth(ReqMktDepth {
        req_id: 25,
        contract: Box::new(contract),
        num_rows: 5,
        is_smart_depth: true,
        ..ReqMktDepth::default()
    });
    let at145 = encode(&request, 145).unwrap();
    let at149 = encode(&request, 149).unwrap();
    assert!(!at145.contains("4e415344415100")); // no "NASDAQ"
    assert!(at149.contains("4e415344415100"));
}

// ---- tickByTick --------------------------------------------------------------

fn last(tick_type: i32, attrib: i32) -> TickByTick {
    TickByTick {
        req_id: 27,
        tick_type,
        last: Some(TickByTickLast {
            time: 1_764_000_001,
            attrib,
            price: 189.53,
            size: "100".into(),
            exchange: "NASDAQ".into(),
            special_conditions: "".into(),
        }),
        ..TickByTick::default()
    }
}

fn bid_ask() -> TickByTick {
    TickByTick {
        req_id: 27,
        tick_type: 3,
        bid_ask: Some(TickByTickBidAsk {
            time: 1_764_000_003,
            attrib: 3,
            bid_price: 189.52,
            ask_price: 189.54,
            bid_size: "300".into(),
            ask_size: "200".into(),
        }),
        ..TickByTick::default()
    }
}

fn mid_point() -> TickByTick {
    TickByTick {
        req_id: 27,
        tick_type: 4,
        mid_point: Some(TickByTickMidPoint {
            time: 1_764_000_004,
            price: 189.53,
            size: "".into(),
        }),
        ..TickByTick::default()
    }
}

fn incoming_hex(m: TickByTick, version: i32) -> String {
    let mut out = Vec::new();
    Incoming::TickByTick(m).encode(version, &mut out).unwrap();
    common::hex(&out)
}

#[test]
fn tick_by_tick_text_layouts_switch_on_the_tick_type() {
    // As IB's decoder reads them: req id, tick type, time, then by type.
    let at = |fields: &[&str]| {
        let Incoming::TickByTick(t) = decode(&frame(99, fields), 176) else {
            panic!()
        };
        t
    };
    let t = at(&["27", "1", "1764000001", "189.53", "100", "1", "NASDAQ", ""]);
    assert_eq!(t, last(1, 1));
    // AllLast; bit 1 is "unreported"; a mask's other bits are not flags.
    let t = at(&["27", "2", "1764000001", "189.53", "100", "6", "NASDAQ", ""]);
    assert_eq!(t, last(2, 2));
    let t = at(&[
        "27",
        "3",
        "1764000003",
        "189.52",
        "189.54",
        "300",
        "200",
        "3",
    ]);
    assert_eq!(t, bid_ask());
    let t = at(&["27", "4", "1764000004", "189.53"]);
    assert_eq!(t, mid_point());
    // Tick type 0 (and any other): the time, then nothing; no form.
    for tick_type in ["0", "7"] {
        let t = at(&["27", tick_type, "1764000000"]);
        assert!(t.last.is_none() && t.bid_ask.is_none() && t.mid_point.is_none());
    }
    // A missing field of the form is an error, not a silent default.
    let short = frame(99, &["27", "3", "1764000003", "189.52"]);
    let raw = tws::protocol::RawMessage::split(&short, 176).unwrap();
    assert!(Incoming::decode(&raw, 176).is_err());
    // The writer writes the same fields back.
    assert_eq!(
        incoming_hex(mid_point(), 176),
        common::hex(&{
            let payload = frame(99, &["27", "4", "1764000004", "189.53"]);
            let mut framed = (payload.len() as u32).to_be_bytes().to_vec();
            framed.extend_from_slice(&payload);
            framed
        })
    );
}

#[test]
fn tick_by_tick_protobuf_is_ibapis_oneof_with_nested_attributes() {
    // Bodies serialized by the protobuf classes of ibapi 10.51.1
    // (TickByTickData with the tick type's member of its oneof set, the
    // attributes as nested messages of bools).
    let last_body = "081b10011a2008818292c9061202080119295c8fc2f5b0674022033130302a064e4153444151";
    let bid_ask_body = "081b1003222808838292c90612040801100119713d0ad7a3b0674021e17a14ae47b167402a033330303203323030";
    let mid_body = "081b10042a0f08848292c90611295c8fc2f5b06740";
    for (m, body) in [
        (last(1, 1), last_body),
        (bid_ask(), bid_ask_body),
        (mid_point(), mid_body),
    ] {
        // id 99 + 200, big-endian, after the length.
        let len = 4 + body.len() / 2;
        let expected = format!("{len:08x}0000012b{body}");
        assert_eq!(incoming_hex(m.clone(), 222), expected);
        let bytes: Vec<u8> = (0..body.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&body[i..i + 2], 16).unwrap())
            .collect();
        let mut payload = 299u32.to_be_bytes().to_vec();
        payload.extend_from_slice(&bytes);
        assert_eq!(decode(&payload, 222), Incoming::TickByTick(m));
    }
    // Absent attributes read as no flags (IB's decoder: false, false).
    let no_attrib = [0x08, 0x1b, 0x10, 0x01, 0x1a, 0x02, 0x08, 0x01];
    let mut payload = 299u32.to_be_bytes().to_vec();
    payload.extend_from_slice(&no_attrib);
    let Incoming::TickByTick(t) = decode(&payload, 222) else {
        panic!()
    };
    assert_eq!(t.last.unwrap().attrib, 0);
}
