//! `Request::from_fields` / `Request::to_fields` (generated from the
//! catalogue) over every request of `CATALOGUE`: schema-driven, no code per
//! message, so a new request is covered without new test code.

use tws::protocol::field_values::{FieldValue, FieldValueError, FieldValues};
use tws::protocol::schema::{Direction, FieldSchema, FieldType, CATALOGUE};
use tws::protocol::Request;

/// A value of the field's kind, different for every `seed`.
/// `None` for the types the generic path cannot build yet (lists and
/// optional records, see `field_values::not_generic`): they stay unset.
fn sample(f: &FieldSchema, seed: i32) -> Option<FieldValue> {
    Some(match f.ty {
        FieldType::Int | FieldType::Bits(_) => FieldValue::Int(1000 + seed),
        FieldType::Long => FieldValue::Long(5_000_000_000 + i64::from(seed)),
        FieldType::Double => FieldValue::Double(f64::from(seed) + 0.25),
        FieldType::Decimal => FieldValue::Str(format!("{seed}.5")),
        FieldType::Bool => FieldValue::Bool(seed % 2 == 1),
        FieldType::String => FieldValue::Str(format!("text-{seed}")),
        FieldType::Record(r) => FieldValue::Record(every_field(r.fields, seed * 100)),
        FieldType::Optional(_)
        | FieldType::RecordList(_)
        | FieldType::TagValues(_)
        | FieldType::StringList
        | FieldType::DoubleList
        | FieldType::IntList => return None,
    })
}

fn every_field(fields: &[FieldSchema], seed: i32) -> FieldValues {
    fields
        .iter()
        .filter(|f| !f.path)
        .enumerate()
        .filter_map(|(i, f)| Some((f.name.to_owned(), sample(f, seed + i as i32)?)))
        .collect()
}

fn requests() -> impl Iterator<Item = &'static tws::protocol::MessageSchema> {
    CATALOGUE.iter().filter(|m| m.direction == Direction::Out)
}

#[test]
fn every_request_round_trips_through_its_fields() {
    let mut n = 0;
    for m in requests() {
        let values = every_field(m.fields, 1);
        let req =
            Request::from_fields(m.name, &values).unwrap_or_else(|e| panic!("{}: {e}", m.name));
        assert_eq!(req.name(), m.name);
        // The visitor's fields are exactly the ones set...
        let back = req
            .to_fields()
            .unwrap_or_else(|e| panic!("{}: {e}", m.name));
        assert_eq!(back, values, "{}", m.name);
        // ...and build the same request again.
        assert_eq!(
            Request::from_fields(m.name, &back).unwrap(),
            req,
            "{}",
            m.name
        );
        n += 1;
    }
    assert!(n >= 18, "only {n} requests");
}

#[test]
fn a_request_built_from_defaults_round_trips() {
    for m in requests() {
        // Only the required fields: the request id (the route field) and
        // fields with neither a default nor an unset sentinel.
        let required: FieldValues = every_field(m.fields, 7)
            .into_iter()
            .filter(|(name, _)| {
                let missing = every_field(m.fields, 7)
                    .into_iter()
                    .filter(|(n, _)| n != name)
                    .collect::<FieldValues>();
                matches!(
                    Request::from_fields(m.name, &missing),
                    Err(FieldValueError::Missing { .. })
                )
            })
            .collect();
        let req =
            Request::from_fields(m.name, &required).unwrap_or_else(|e| panic!("{}: {e}", m.name));
        let back = req.to_fields().unwrap();
        assert_eq!(
            Request::from_fields(m.name, &back).unwrap(),
            req,
            "{}",
            m.name
        );
    }
}

#[test]
fn the_request_id_is_required_and_defaults_apply() {
    let mut v = FieldValues::new();
    v.insert("group".into(), FieldValue::Str("All".into()));
    v.insert("tags".into(), FieldValue::Str("NetLiquidation".into()));
    let err = Request::from_fields("ReqAccountSummary", &v).unwrap_err();
    assert_eq!(
        err,
        FieldValueError::Missing {
            owner: "ReqAccountSummary".into(),
            field: "req_id".into()
        }
    );
    assert!(err.to_string().contains("req_id"), "{err}");
    v.insert("req_id".into(), FieldValue::Int(4));
    let Request::ReqAccountSummary(r) = Request::from_fields("ReqAccountSummary", &v).unwrap()
    else {
        panic!("not a ReqAccountSummary");
    };
    assert_eq!(
        (r.req_id, r.group.as_str(), r.tags.as_str()),
        (4, "All", "NetLiquidation")
    );
    // StartApi's capabilities are optional (if_present): empty when unset.
    let mut s = FieldValues::new();
    s.insert("client_id".into(), FieldValue::Int(3));
    let Request::StartApi(start) = Request::from_fields("StartApi", &s).unwrap() else {
        panic!("not a StartApi");
    };
    assert_eq!(start.optional_capabilities, "");
}

#[test]
fn unknown_messages_fields_and_wrong_kinds_are_refused_naming_them() {
    let e = Request::from_fields("ReqNothing", &FieldValues::new()).unwrap_err();
    assert_eq!(e, FieldValueError::UnknownMessage("ReqNothing".into()));
    assert!(e.to_string().contains("ReqNothing"));
    // An incoming message is not a request.
    assert!(matches!(
        Request::from_fields("CurrentTime", &FieldValues::new()),
        Err(FieldValueError::UnknownMessage(_))
    ));

    let mut v = FieldValues::new();
    v.insert("bogus".into(), FieldValue::Int(1));
    let e = Request::from_fields("ReqCurrentTime", &v).unwrap_err();
    assert_eq!(
        e,
        FieldValueError::UnknownField {
            owner: "ReqCurrentTime".into(),
            field: "bogus".into()
        }
    );
    assert!(e.to_string().contains("bogus"));

    let mut v = FieldValues::new();
    v.insert("req_id".into(), FieldValue::Str("1".into()));
    let e = Request::from_fields("CancelAccountSummary", &v).unwrap_err();
    assert!(
        matches!(&e, FieldValueError::WrongKind { field, expected: "int", got: "string", .. } if field == "req_id"),
        "{e:?}"
    );
    // A long does not narrow into an int field; a record is not a string.
    let mut v = FieldValues::new();
    v.insert("req_id".into(), FieldValue::Long(1));
    assert!(matches!(
        Request::from_fields("CancelPnL", &v),
        Err(FieldValueError::WrongKind { .. })
    ));
    let mut v = FieldValues::new();
    v.insert("req_id".into(), FieldValue::Int(1));
    v.insert("account".into(), FieldValue::Record(FieldValues::new()));
    assert!(matches!(
        Request::from_fields("ReqPnL", &v),
        Err(FieldValueError::WrongKind { .. })
    ));
}

#[test]
fn a_nested_record_is_checked_field_by_field() {
    let mut c = FieldValues::new();
    c.insert("symbol".into(), FieldValue::Str("AAPL".into()));
    let contract = tws::protocol::contract::Contract::from_fields("Contract", &c).unwrap();
    assert_eq!(contract.symbol, "AAPL");
    assert_eq!(
        contract.strike,
        f64::MAX,
        "unset strike is the unset sentinel"
    );
    c.insert("nope".into(), FieldValue::Int(1));
    let e = tws::protocol::contract::Contract::from_fields("Contract", &c).unwrap_err();
    assert_eq!(
        e,
        FieldValueError::UnknownField {
            owner: "Contract".into(),
            field: "nope".into()
        }
    );
}

#[test]
fn a_record_field_nests_in_to_fields_and_builds_back() {
    // No request carries a contract yet: the visitor's `contract.*` names of
    // an incoming position nest under `contract` all the same, and build the
    // same contract back.
    use tws::protocol::account_data::Position;
    use tws::protocol::describe::Describe;
    use tws::protocol::field_values::to_fields;
    let p = Position {
        account: "DU123456".into(),
        contract: Box::new(tws::protocol::contract::Contract {
            con_id: 265598,
            symbol: "AAPL".into(),
            strike: 0.5,
            ..Default::default()
        }),
        position: "100".into(),
        avg_cost: 172.35,
    };
    let schema = CATALOGUE
        .iter()
        .find(|m| m.direction == Direction::In && m.name == "Position")
        .unwrap();
    let fields = to_fields(schema.fields, |v| p.visit(v)).unwrap();
    let Some(FieldValue::Record(c)) = fields.get("contract") else {
        panic!("no nested contract: {fields:?}");
    };
    assert_eq!(c.get("symbol"), Some(&FieldValue::Str("AAPL".into())));
    let back = tws::protocol::contract::Contract::from_fields("Position.contract", c).unwrap();
    assert_eq!(back, *p.contract);
}

/// Lists and optional records are set generically: reqMktData for a BAG with
/// two legs and a delta-neutral contract, built from a field map, is the
/// typed request (whose bytes tests/market_data_protocol.rs pins to ibapi's
/// and tests/conformance.rs compares with ibapi's encoder), in text and in
/// protobuf form.
#[test]
fn lists_and_optional_records_build_a_combo_request() {
    use tws::protocol::contract::Contract;
    use tws::protocol::instruments::{ComboLeg, DeltaNeutralContract};
    use tws::protocol::market_data::ReqMktData;
    let map = |pairs: Vec<(&str, FieldValue)>| -> FieldValues {
        pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
    };
    let leg_fields = |con_id, action: &str| {
        FieldValue::Record(map(vec![
            ("con_id", FieldValue::Int(con_id)),
            ("ratio", FieldValue::Int(1)),
            ("action", FieldValue::Str(action.into())),
            ("exchange", FieldValue::Str("SMART".into())),
        ]))
    };
    let contract = map(vec![
        ("symbol", FieldValue::Str("SPY".into())),
        ("sec_type", FieldValue::Str("BAG".into())),
        ("exchange", FieldValue::Str("SMART".into())),
        ("currency", FieldValue::Str("USD".into())),
        (
            "combo_legs",
            FieldValue::List(vec![leg_fields(756733, "BUY"), leg_fields(8314, "SELL")]),
        ),
        (
            "delta_neutral_contract",
            FieldValue::Record(map(vec![
                ("con_id", FieldValue::Int(756733)),
                ("delta", FieldValue::Double(0.5)),
                ("price", FieldValue::Double(445.25)),
            ])),
        ),
    ]);
    let values = map(vec![
        ("req_id", FieldValue::Int(22)),
        ("contract", FieldValue::Record(contract)),
        ("generic_tick_list", FieldValue::Str(String::new())),
        ("snapshot", FieldValue::Bool(true)),
        ("regulatory_snapshot", FieldValue::Bool(false)),
    ]);
    let built = Request::from_fields("ReqMktData", &values).unwrap();
    let leg = |con_id, action: &str| ComboLeg {
        con_id,
        ratio: 1,
        action: action.into(),
        exchange: "SMART".into(),
        exempt_code: -1,
        per_leg_price: f64::MAX,
        ..ComboLeg::default()
    };
    let typed = Request::ReqMktData(ReqMktData {
        req_id: 22,
        contract: Box::new(Contract {
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
        }),
        snapshot: true,
        ..ReqMktData::default()
    });
    assert_eq!(built, typed);
    for version in [176, 206, 222] {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        built.encode(version, &mut a).unwrap();
        typed.encode(version, &mut b).unwrap();
        assert_eq!(a, b, "v{version}");
    }
    // Not set: no legs, no delta-neutral contract.
    let plain = map(vec![
        ("req_id", FieldValue::Int(22)),
        ("generic_tick_list", FieldValue::Str(String::new())),
        ("snapshot", FieldValue::Bool(false)),
        ("regulatory_snapshot", FieldValue::Bool(false)),
    ]);
    let Request::ReqMktData(r) = Request::from_fields("ReqMktData", &plain).unwrap() else {
        panic!()
    };
    assert!(r.contract.combo_legs.is_empty() && r.contract.delta_neutral_contract.is_none());
    // An item of another kind, or a field the item record lacks, is refused by name.
    let with_legs = |legs: FieldValue| {
        let mut bad = values.clone();
        if let Some(FieldValue::Record(c)) = bad.get_mut("contract") {
            c.insert("combo_legs".into(), legs);
        }
        bad
    };
    let e = Request::from_fields(
        "ReqMktData",
        &with_legs(FieldValue::List(vec![FieldValue::Int(3)])),
    )
    .unwrap_err();
    assert!(e.to_string().contains("combo_legs[0]"), "{e}");
    let e = Request::from_fields(
        "ReqMktData",
        &with_legs(FieldValue::List(vec![FieldValue::Record(map(vec![(
            "nope",
            FieldValue::Int(1),
        )]))])),
    )
    .unwrap_err();
    assert!(
        matches!(&e, FieldValueError::UnknownField { owner, field } if owner == "ReqMktData.contract.combo_legs[0]" && field == "nope"),
        "{e}"
    );
    // Tag values are TagValue records.
    let bars = map(vec![
        ("req_id", FieldValue::Int(28)),
        ("bar_size", FieldValue::Int(5)),
        ("what_to_show", FieldValue::Str("TRADES".into())),
        ("use_rth", FieldValue::Bool(false)),
        (
            "real_time_bars_options",
            FieldValue::List(vec![FieldValue::Record(map(vec![
                ("tag", FieldValue::Str("a".into())),
                ("value", FieldValue::Str("1".into())),
            ]))]),
        ),
    ]);
    let Request::ReqRealTimeBars(r) = Request::from_fields("ReqRealTimeBars", &bars).unwrap()
    else {
        panic!()
    };
    assert_eq!(
        (
            r.real_time_bars_options[0].tag.as_str(),
            r.real_time_bars_options[0].value.as_str()
        ),
        ("a", "1")
    );
}

#[test]
fn a_list_of_integers_is_set_generically() {
    use tws::protocol::executions::{ExecutionFilter, ReqExecutions};
    let map = |pairs: Vec<(&str, FieldValue)>| -> FieldValues {
        pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
    };
    let filter = map(vec![(
        "specific_dates",
        FieldValue::List(vec![FieldValue::Int(20261130), FieldValue::Int(20261201)]),
    )]);
    let values = map(vec![
        ("req_id", FieldValue::Int(3)),
        ("exec_filter", FieldValue::Record(filter)),
    ]);
    let built = Request::from_fields("ReqExecutions", &values).unwrap();
    let typed = Request::ReqExecutions(ReqExecutions {
        req_id: 3,
        exec_filter: ExecutionFilter {
            specific_dates: vec![20261130, 20261201],
            ..ExecutionFilter::all()
        },
    });
    assert_eq!(built, typed);
    for version in [200, 222] {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        built.encode(version, &mut a).unwrap();
        typed.encode(version, &mut b).unwrap();
        assert_eq!(a, b, "at {version}");
    }
    let wrong = map(vec![(
        "specific_dates",
        FieldValue::List(vec![FieldValue::Str("20261130".into())]),
    )]);
    let values = map(vec![
        ("req_id", FieldValue::Int(3)),
        ("exec_filter", FieldValue::Record(wrong)),
    ]);
    let err = Request::from_fields("ReqExecutions", &values).unwrap_err();
    assert!(err.to_string().contains("specific_dates"), "{err}");
}
