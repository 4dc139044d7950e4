//! Executions (issue 14) at the byte level: frames pinned to what IB's
//! client 10.51.1 sends (tests/conformance.rs compares every request at every
//! grid version; these pin a few so a regression names itself), execDetails
//! read field by field from text frames on both sides of the version-field
//! change, the refusals, and the simulator's empty answers over a socket.

use std::time::{Duration, Instant};

use tws::client::{Client, Event, Options};
use tws::protocol::executions::*;
use tws::protocol::{EncodeError, Form, Incoming, RawMessage, Request};
use tws::sim::{self, SimConfig};

mod common;

use common::{decode, encode, frame, incoming_round_trip, request_round_trip};

fn req_executions(req_id: i32, exec_filter: ExecutionFilter) -> Request {
    Request::ReqExecutions(ReqExecutions {
        req_id,
        exec_filter,
    })
}

#[test]
fn req_executions_bytes_are_ibapis() {
    let request = req_executions(31, ExecutionFilter::all());
    // ibapi at 199: "7 3 31 0 '' '' '' '' '' ''" (version 3, the id, the filter).
    assert_eq!(
        encode(&request, 199).unwrap(),
        "0000000f370033003331003000000000000000"
    );
    // From 200 the unset last N days travels as 2147483647, then 0 dates.
    assert_eq!(
        encode(&request, 200).unwrap(),
        "0000001c37003300333100300000000000000032313437343833363437003000"
    );
    // From 201 protobuf: ExecutionRequest { reqId 31, executionFilter { clientId 0 } }
    // (id 7 + 200 = 0xcf; the filter is present, client id 0 is sent).
    assert_eq!(
        encode(&request, 201).unwrap(),
        "0000000a000000cf081f12020800"
    );
    let dated = req_executions(
        34,
        ExecutionFilter {
            specific_dates: vec![20261130, 20261201],
            ..ExecutionFilter::all()
        },
    );
    // Text: a count, then each date; protobuf: packed repeated int32 (field 9).
    assert_eq!(
        encode(&dated, 200).unwrap(),
        "0000002e37003300333400300000000000000032313437343833363437003200323032363131333000323032363132303100"
    );
    assert_eq!(
        encode(&dated, 201).unwrap(),
        "00000014000000cf0822120c08004a088ad2d409d1d2d409"
    );
}

#[test]
fn last_n_days_and_dates_below_200_are_refused_not_dropped() {
    for filter in [
        ExecutionFilter {
            last_n_days: 3,
            ..ExecutionFilter::all()
        },
        ExecutionFilter {
            specific_dates: vec![20261201],
            ..ExecutionFilter::all()
        },
    ] {
        let request = req_executions(33, filter);
        assert!(matches!(
            encode(&request, 199),
            Err(EncodeError::NotSupported { needed: 200, .. })
        ));
        assert!(encode(&request, 200).is_ok());
    }
    // The unset sentinel is no value: the plain filter goes out below 200.
    assert!(encode(&req_executions(31, ExecutionFilter::all()), 199).is_ok());
}

#[test]
fn exercise_options_refuses_the_newer_fields_below_their_versions() {
    let base = ExerciseOptions {
        req_id: 35,
        contract: Box::new(common::stock()),
        exercise_action: 1,
        exercise_quantity: 1,
        account: "DU123456".into(),
        ..ExerciseOptions::default()
    };
    let cases = [
        (
            ExerciseOptions {
                manual_order_time: "20261201-10:00:00".into(),
                ..base.clone()
            },
            180,
        ),
        (
            ExerciseOptions {
                customer_account: "C123".into(),
                ..base.clone()
            },
            183,
        ),
        (
            ExerciseOptions {
                professional_customer: true,
                ..base.clone()
            },
            184,
        ),
    ];
    for (m, needed) in cases {
        let request = Request::ExerciseOptions(m);
        match encode(&request, needed - 1) {
            Err(EncodeError::NotSupported { needed: n, .. }) => assert_eq!(n, needed),
            other => panic!("expected NotSupported below {needed}, got {other:?}"),
        }
        assert!(encode(&request, needed).is_ok());
    }
    // The protobuf form (from 211) carries the override as a bool (field 6).
    let proto = Request::ExerciseOptions(ExerciseOptions {
        exercise_override: true,
        ..base
    });
    let back = request_round_trip(&proto, Form::Proto, 211);
    assert_eq!(back, proto);
}

/// execDetails as TWS writes it at 135: the version field (10) first.
fn exec_details_135() -> Vec<&'static str> {
    vec![
        "10",
        "31",
        "5",
        "265598",
        "AAPL",
        "STK",
        "",
        "0.0",
        "",
        "",
        "ISLAND",
        "USD",
        "AAPL",
        "NMS",
        "0000e0d5.6745a1b2.01.01",
        "20261201 09:30:01 US/Eastern",
        "DU123456",
        "ISLAND",
        "BOT",
        "100",
        "189.5",
        "1234567890123",
        "7",
        "0",
        "100",
        "189.5",
        "ref-1",
        "",
        "",
        "M1",
    ]
}

#[test]
fn exec_details_read_every_field_with_and_without_the_version_field() {
    let Incoming::ExecDetails(m) = decode(&frame(11, &exec_details_135()), 135) else {
        panic!("not execDetails")
    };
    assert_eq!(m.req_id, 31);
    assert_eq!(m.contract.con_id, 265598);
    assert_eq!(m.contract.trading_class, "NMS");
    let e = &m.execution;
    assert_eq!(e.order_id, 5);
    assert_eq!(e.exec_id, "0000e0d5.6745a1b2.01.01");
    assert_eq!(e.acct_number, "DU123456");
    assert_eq!(e.side, "BOT");
    assert_eq!(e.shares, "100");
    assert_eq!(e.price, 189.5);
    assert_eq!(e.perm_id, 1_234_567_890_123);
    assert_eq!(e.client_id, 7);
    assert!(!e.liquidation);
    assert_eq!(e.cum_qty, "100");
    assert_eq!(e.order_ref, "ref-1");
    assert_eq!(e.model_code, "M1");
    assert_eq!(e.last_liquidity, 0, "not in the layout below 136");
    assert_eq!(e.opt_exercise_or_lapse_type, -1, "protobuf only");
    // From 136 no version field, and the last liquidity follows; from 178
    // the pending price revision, from 198 the submitter.
    let mut fields = exec_details_135()[1..].to_vec();
    fields.extend(["2", "1", "trader1"]);
    let Incoming::ExecDetails(m) = decode(&frame(11, &fields), 198) else {
        panic!("not execDetails")
    };
    assert_eq!(m.req_id, 31);
    assert_eq!(m.execution.last_liquidity, 2);
    assert!(m.execution.pending_price_revision);
    assert_eq!(m.execution.submitter, "trader1");
    // A message version below 7 has no request id (-1) and below 6 no cum qty.
    // Version 5: no request id, multiplier, trading class, cum qty, avg
    // price, order ref or ev fields; the model code (server 103) still follows.
    let v10 = exec_details_135();
    let mut old = vec!["5"];
    old.extend(&v10[2..9]); // order id .. right
    old.extend(&v10[10..13]); // exchange, currency, local symbol
    old.extend(&v10[14..24]); // exec id .. liquidation
    old.push("M1");
    let Incoming::ExecDetails(m) = decode(&frame(11, &old), 135) else {
        panic!("not execDetails")
    };
    assert_eq!(m.req_id, -1);
    assert_eq!(m.execution.cum_qty, "");
    assert_eq!(m.execution.model_code, "M1");
    // A cut message is a typed error, not a panic.
    let cut = frame(11, &exec_details_135()[..20]);
    let raw = RawMessage::split(&cut, 135).unwrap();
    assert!(Incoming::decode(&raw, 135).is_err());
}

#[test]
fn commission_report_yield_date_is_text_in_protobuf() {
    let m = Incoming::CommissionAndFeesReport(CommissionAndFeesReport {
        exec_id: "0000e0d5.6745a1b3.01.01".into(),
        commission_and_fees: 2.5,
        currency: "USD".into(),
        realized_pnl: f64::MAX,
        bond_yield: 4.25,
        yield_redemption_date: 20301115,
    });
    let mut bytes = Vec::new();
    m.encode_as(Form::Proto, 203, &mut bytes).unwrap();
    // Field 6, length-delimited, "20301115"; the unset realized PnL is left out.
    assert!(common::hex(&bytes).ends_with("32083230333031313135"));
    assert!(!common::hex(&bytes).contains("21ffffffffffffef7f"));
    let Incoming::CommissionAndFeesReport(back) = incoming_round_trip(&m, Form::Proto, 203) else {
        panic!()
    };
    assert_eq!(back.yield_redemption_date, 20301115);
    assert_eq!(
        back.realized_pnl, 0.0,
        "absent reads 0.0, as in IB's decoder"
    );
    // In text every field travels, the sentinel too.
    assert_eq!(incoming_round_trip(&m, Form::Text, 200), m);
}

fn session(server_version: i32) -> (sim::SimHandle, Client) {
    let sim = sim::start(SimConfig {
        server_version,
        quiet: true,
        ..SimConfig::default()
    })
    .expect("simulator starts");
    let client = Client::new(Options::default()).unwrap();
    client
        .connect("127.0.0.1", sim.port(), 3, Duration::from_secs(5))
        .expect("connects");
    (sim, client)
}

fn wait(client: &Client, want: impl Fn(&Incoming) -> bool) -> Option<Incoming> {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Ok(Some(Event::Message(m))) = client.poll(Duration::from_millis(100)) {
            if want(&m) {
                return Some(m);
            }
        }
    }
    None
}

#[test]
fn the_simulator_answers_executions_and_tiers_with_empty_replies() {
    // 176: text; 201: reqExecutions as protobuf; 222: everything protobuf.
    for version in [176, 201, 222] {
        let (_sim, client) = session(version);
        client
            .send(&req_executions(31, ExecutionFilter::all()))
            .expect("sent");
        let end = wait(&client, |m| matches!(m, Incoming::ExecDetailsEnd(_)));
        assert!(
            matches!(
                end,
                Some(Incoming::ExecDetailsEnd(ExecDetailsEnd { req_id: 31 }))
            ),
            "at {version}: {end:?}"
        );
        client
            .send(&Request::ReqSoftDollarTiers(ReqSoftDollarTiers {
                req_id: 40,
            }))
            .expect("sent");
        match wait(&client, |m| matches!(m, Incoming::SoftDollarTiers(_))) {
            Some(Incoming::SoftDollarTiers(t)) => {
                assert_eq!(t.req_id, 40);
                assert!(t.tiers.is_empty());
            }
            other => panic!("at {version}: {other:?}"),
        }
    }
}
