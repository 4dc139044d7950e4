//! Every message's encoder and decoder agree, in every wire form, at the
//! versions where each layout changes.

use tws::protocol::messages::*;
mod common;

use common::{incoming_round_trip, request_round_trip};
use tws::protocol::{Form, Incoming, RawMessage, Request};

const VERSIONS: [i32; 9] = [100, 150, 165, 176, 193, 200, 201, 207, 222];

fn sample_requests() -> Vec<Request> {
    vec![
        Request::StartApi(StartApi {
            client_id: 7,
            optional_capabilities: "cap".into(),
        }),
        Request::ReqIds(ReqIds { num_ids: -1 }),
        Request::ReqManagedAccounts(ReqManagedAccounts {}),
        Request::ReqCurrentTime(ReqCurrentTime {}),
        Request::ReqCurrentTimeInMillis(ReqCurrentTimeInMillis {}),
        Request::ReqAccountSummary(ReqAccountSummary {
            req_id: 9001,
            group: "All".into(),
            tags: "NetLiquidation,$LEDGER:EUR".into(),
        }),
        Request::CancelAccountSummary(CancelAccountSummary { req_id: 9001 }),
    ]
}

fn sample_incoming(version: i32) -> Vec<Incoming> {
    vec![
        Incoming::Error(ErrorMessage {
            req_id: -1,
            time_ms: if version >= 194 { 1_764_000_000_123 } else { 0 },
            code: 2104,
            message: "Market data farm connection is OK:usfarm — café".into(),
            advanced_order_reject_json: if version >= 166 {
                "{\"k\":\"v\"}".into()
            } else {
                String::new()
            },
        }),
        Incoming::NextValidId(NextValidId { order_id: 17 }),
        Incoming::ManagedAccounts(ManagedAccounts {
            accounts_list: "DU123456,DU654321,".into(),
        }),
        Incoming::CurrentTime(CurrentTime {
            time: 1_764_000_000,
        }),
        Incoming::CurrentTimeInMillis(CurrentTimeInMillis {
            time_ms: 1_764_000_000_123,
        }),
        Incoming::AccountSummary(AccountSummary {
            req_id: 3,
            account: "DU123456".into(),
            tag: "NetLiquidation".into(),
            value: "983631.71".into(),
            currency: "USD".into(),
        }),
        Incoming::AccountSummaryEnd(AccountSummaryEnd { req_id: 3 }),
    ]
}

#[test]
fn requests_round_trip_in_every_form() {
    for version in VERSIONS {
        for form in Form::accepted_at(version) {
            for req in sample_requests() {
                let back = request_round_trip(&req, *form, version);
                let mut expected = req.clone();
                if let Request::StartApi(s) = &mut expected {
                    if version < 72 {
                        s.optional_capabilities.clear();
                    }
                }
                assert_eq!(back, expected, "{} at {version} in {form:?}", req.name());
            }
        }
    }
}

#[test]
fn incoming_round_trip_in_every_form() {
    for version in VERSIONS {
        for form in Form::accepted_at(version) {
            for msg in sample_incoming(version) {
                let back = incoming_round_trip(&msg, *form, version);
                assert_eq!(back, msg, "{} at {version} in {form:?}", msg.name());
            }
        }
    }
}

#[test]
fn text_layouts_match_protocol_md() {
    let mut buf = Vec::new();
    Request::ReqAccountSummary(ReqAccountSummary {
        req_id: 0,
        group: "All".into(),
        tags: "NetLiquidation".into(),
    })
    .encode(176, &mut buf)
    .unwrap();
    assert_eq!(&buf[4..], b"62\x001\x000\x00All\x00NetLiquidation\x00");

    buf.clear();
    Request::ReqAccountSummary(ReqAccountSummary {
        req_id: 0,
        group: "All".into(),
        tags: "NetLiquidation".into(),
    })
    .encode(201, &mut buf)
    .unwrap();
    assert_eq!(&buf[4..8], &62u32.to_be_bytes());
    assert_eq!(&buf[8..], b"1\x000\x00All\x00NetLiquidation\x00");

    buf.clear();
    Request::ReqAccountSummary(ReqAccountSummary {
        req_id: 5,
        group: "All".into(),
        tags: "A".into(),
    })
    .encode(207, &mut buf)
    .unwrap();
    assert_eq!(&buf[4..8], &262u32.to_be_bytes());
    assert_eq!(
        &buf[8..],
        &[0x08, 5, 0x12, 3, b'A', b'l', b'l', 0x1a, 1, b'A']
    );

    buf.clear();
    Request::StartApi(StartApi {
        client_id: 0,
        optional_capabilities: String::new(),
    })
    .encode(176, &mut buf)
    .unwrap();
    assert_eq!(&buf[4..], b"71\x002\x000\x00\x00");

    // The three text layouts of error.
    for (version, expected) in [
        (150, &b"4\x002\x00-1\x002104\x00ok\x00"[..]),
        (176, &b"4\x002\x00-1\x002104\x00ok\x00\x00"[..]),
        (200, &b"4\x00-1\x002104\x00ok\x00\x001700000000000\x00"[..]),
    ] {
        buf.clear();
        Incoming::Error(ErrorMessage {
            req_id: -1,
            time_ms: 1_700_000_000_000,
            code: 2104,
            message: "ok".into(),
            advanced_order_reject_json: String::new(),
        })
        .encode(version, &mut buf)
        .unwrap();
        assert_eq!(&buf[4..], expected, "error at {version}");
    }
}

#[test]
fn unknown_ids_are_not_errors() {
    let raw = RawMessage::split(b"999\x001\x00", 176).unwrap();
    assert_eq!(Incoming::decode(&raw, 176).unwrap(), None);
    let payload = [0u8, 0, 0, 150, b'1', 0];
    let raw = RawMessage::split(&payload, 222).unwrap();
    assert_eq!((raw.id, raw.form), (150, Form::BinaryText));
    assert_eq!(Incoming::decode(&raw, 222).unwrap(), None);
    let payload = [0u8, 0, 0x03, 0xe7, 1, 2];
    let raw = RawMessage::split(&payload, 222).unwrap();
    assert_eq!((raw.id, raw.form), (799, Form::Proto));
    assert_eq!(Incoming::decode(&raw, 222).unwrap(), None);
}

#[test]
fn malformed_fields_are_typed_errors() {
    let raw = RawMessage::split(b"63\x001\x00notanumber\x00DU1\x00", 176).unwrap();
    let err = Incoming::decode(&raw, 176).unwrap_err();
    assert_eq!(err.msg_id(), Some(63));
    assert!(err.to_string().contains("AccountSummary"), "{err}");
    let payload = [0u8, 0, 0x01, 0x07, 0xff, 0xff];
    let raw = RawMessage::split(&payload, 222).unwrap();
    assert!(Incoming::decode(&raw, 222).is_err());
}

#[test]
fn strings_that_cannot_travel_are_refused() {
    let req = Request::ReqAccountSummary(ReqAccountSummary {
        req_id: 1,
        group: "All".into(),
        tags: "Net\0Liq".into(),
    });
    let mut buf = Vec::new();
    assert!(req.encode(176, &mut buf).is_err());
    assert!(req.encode(222, &mut buf).is_err());
    assert!(buf.is_empty(), "nothing half-written");
    let accented = Request::ReqAccountSummary(ReqAccountSummary {
        req_id: 1,
        group: "Grüppe".into(),
        tags: "NetLiquidation".into(),
    });
    assert!(
        accented.encode(176, &mut buf).is_err(),
        "text form is ASCII"
    );
    assert!(
        accented.encode(222, &mut buf).is_ok(),
        "protobuf carries UTF-8"
    );
}
