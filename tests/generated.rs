//! The code generated from the catalogue (`catalogue/*.toml`) is checked in;
//! these tests fail when it drifts from the catalogue (run `make generate`),
//! and check that the schema table agrees with the message sets it describes.

use std::path::Path;

use tws::protocol::describe::FieldList;
use tws::protocol::schema::{Direction, FieldSchema, FieldType, RouteSchema, RECORDS};
use tws::protocol::{Form, Incoming, RawMessage, Request, RouteKey, CATALOGUE};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn generated_code_matches_the_catalogue() {
    let outputs = tws_codegen::generate(root()).unwrap_or_else(|e| panic!("tws-codegen: {e}"));
    let mut stale = Vec::new();
    for o in &outputs {
        let on_disk = std::fs::read_to_string(root().join(&o.path)).unwrap_or_default();
        if on_disk != o.text {
            stale.push(o.path.display().to_string());
        }
    }
    // A file no catalogue entry produces any more is stale too.
    let dir = root().join(tws_codegen::RUST_OUT);
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let rel = Path::new(tws_codegen::RUST_OUT).join(entry.file_name());
        if !outputs.iter().any(|o| o.path == rel) {
            stale.push(format!("{} (not generated any more)", rel.display()));
        }
    }
    assert!(
        stale.is_empty(),
        "out of date with catalogue/*.toml: {}; run `make generate` and commit the result",
        stale.join(", ")
    );
}

/// A message of the set with id `id` and every field absent (its defaults),
/// decoded from an empty protobuf body.
fn empty_request(id: i32) -> Request {
    let raw = RawMessage {
        id,
        body: &[],
        form: Form::Proto,
    };
    Request::decode(&raw, 222).unwrap().unwrap()
}

fn empty_incoming(id: i32) -> Incoming {
    let raw = RawMessage {
        id,
        body: &[],
        form: Form::Proto,
    };
    Incoming::decode(&raw, 222).unwrap().unwrap()
}

/// The names a message's field visitor reports, as the schema predicts them.
fn visited_names(fields: &[FieldSchema]) -> Vec<String> {
    let mut out = Vec::new();
    for f in fields.iter().filter(|f| !f.path) {
        match f.ty {
            FieldType::Record(r) => {
                out.extend(r.fields.iter().map(|s| format!("{}.{}", r.prefix, s.name)))
            }
            _ => out.push(f.name.to_owned()),
        }
    }
    out
}

fn expected_route(route: RouteSchema, fields: &[FieldSchema]) -> RouteKey {
    match route {
        RouteSchema::None => RouteKey::None,
        RouteSchema::Positions => RouteKey::Positions,
        RouteSchema::AccountUpdates => RouteKey::AccountUpdates,
        RouteSchema::Field(name) => {
            let f = fields.iter().find(|f| f.name == name).expect("route field");
            let default = match f.default {
                Some(tws::protocol::schema::DefaultValue::Int(v)) => v as i32,
                _ => 0,
            };
            RouteKey::Request(default)
        }
    }
}

#[test]
fn the_schema_table_describes_the_message_sets() {
    let outgoing: Vec<_> = CATALOGUE
        .iter()
        .filter(|m| m.direction == Direction::Out)
        .collect();
    let incoming: Vec<_> = CATALOGUE
        .iter()
        .filter(|m| m.direction == Direction::In)
        .collect();
    assert_eq!(outgoing.len(), Request::ALL.len());
    assert_eq!(incoming.len(), Incoming::ALL.len());
    // Today: 18 requests (startApi included) and 19 server messages (error included).
    assert_eq!((Request::ALL.len(), Incoming::ALL.len()), (18, 19));

    for s in outgoing {
        assert!(
            Request::ALL.contains(&(s.id, s.name)),
            "{} {} not in Request::ALL",
            s.id,
            s.name
        );
        let m = empty_request(s.id);
        assert_eq!(
            (m.msg_id(), m.name(), m.wire_name()),
            (s.id, s.name, s.wire_name)
        );
        assert_eq!(m.proto_from(), s.proto_from, "{}", s.name);
        assert_eq!(m.min_server_version(), s.min_server_version, "{}", s.name);
        assert_eq!(m.route(), expected_route(s.route, s.fields), "{}", s.name);
        let mut fields = FieldList::default();
        m.visit(&mut fields);
        let names: Vec<String> = fields.0.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(names, visited_names(s.fields), "{}", s.name);
    }
    for s in incoming {
        assert!(
            Incoming::ALL.contains(&(s.id, s.name)),
            "{} {} not in Incoming::ALL",
            s.id,
            s.name
        );
        let m = empty_incoming(s.id);
        assert_eq!(
            (m.msg_id(), m.name(), m.wire_name()),
            (s.id, s.name, s.wire_name)
        );
        assert_eq!(m.proto_from(), s.proto_from, "{}", s.name);
        assert_eq!(s.min_server_version, 0, "{}", s.name);
        assert_eq!(m.route(), expected_route(s.route, s.fields), "{}", s.name);
        let mut fields = FieldList::default();
        m.visit(&mut fields);
        let names: Vec<String> = fields.0.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(names, visited_names(s.fields), "{}", s.name);
    }
}

#[test]
fn every_inline_record_field_names_a_field_of_its_record() {
    for m in CATALOGUE {
        for f in m.fields.iter().filter(|f| f.path) {
            let (owner, sub) = f.name.split_once('.').unwrap();
            let owner = m.fields.iter().find(|o| o.name == owner).unwrap();
            let FieldType::Record(r) = owner.ty else {
                panic!("{}: {} is not a record", m.name, owner.name)
            };
            assert!(RECORDS.contains(&r));
            assert!(r.fields.iter().any(|x| x.name == sub), "{}", f.name);
            assert_eq!(f.proto, None);
        }
    }
}

#[test]
fn routes_follow_the_catalogue() {
    use tws::protocol::account_data::{PnL, PositionEnd};
    use tws::protocol::messages::{CurrentTime, ErrorMessage};
    let error = Incoming::Error(ErrorMessage {
        req_id: 7,
        ..Default::default()
    });
    assert_eq!(error.route(), RouteKey::Request(7));
    assert_eq!(
        Incoming::PositionEnd(PositionEnd {}).route(),
        RouteKey::Positions
    );
    assert_eq!(
        Incoming::PnL(PnL {
            req_id: 3,
            ..Default::default()
        })
        .route(),
        RouteKey::Request(3)
    );
    assert_eq!(
        Incoming::CurrentTime(CurrentTime { time: 1 }).route(),
        RouteKey::None
    );
}

/// A protobuf error that concerns no request leaves its id out; it must read
/// as -1 (no request), not 0 (which is a valid request id and would route the
/// error to request 0).
#[test]
fn a_protobuf_error_without_an_id_concerns_no_request() {
    // ErrorMessage { errorCode (3) = 2104, errorMsg (4) = "ok" }, no id (1).
    let payload = [0, 0, 0, 204, 0x18, 0xb8, 0x10, 0x22, 2, b'o', b'k'];
    let raw = RawMessage::split(&payload, 222).unwrap();
    assert_eq!(raw.form, Form::Proto);
    let Some(Incoming::Error(e)) = Incoming::decode(&raw, 222).unwrap() else {
        panic!("not an error")
    };
    assert_eq!((e.req_id, e.code, e.message.as_str()), (-1, 2104, "ok"));
    assert_eq!(Incoming::Error(e).route(), RouteKey::Request(-1));
}

/// Protobuf fields go out in field-number order, as IB's client writes them,
/// whatever order the text layout declares them in (error's time is field 2
/// but comes last in text form).
#[test]
fn protobuf_fields_are_written_in_field_number_order() {
    use tws::protocol::messages::ErrorMessage;
    let mut buf = Vec::new();
    Incoming::Error(ErrorMessage {
        req_id: 3,
        time_ms: 5,
        code: 2104,
        message: "ok".into(),
        advanced_order_reject_json: "j".into(),
    })
    .encode(222, &mut buf)
    .unwrap();
    assert_eq!(&buf[4..8], &204u32.to_be_bytes());
    assert_eq!(
        &buf[8..],
        &[0x08, 3, 0x10, 5, 0x18, 0xb8, 0x10, 0x22, 2, b'o', b'k', 0x2a, 1, b'j']
    );
}
