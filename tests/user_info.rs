//! reqUserInfo / userInfo end to end: declared in the catalogue only, sent
//! through the generic path, answered by the simulator, at every wire form.

use std::time::{Duration, Instant};

use tws::client::{Client, Error, Event, Options};
use tws::protocol::field_values::{FieldValue, FieldValues};
use tws::protocol::messages::UserInfo;
use tws::protocol::{EncodeError, Incoming, Request};
use tws::sim::{self, SimConfig};

const T: Duration = Duration::from_secs(5);

fn session(server_version: i32) -> (sim::SimHandle, Client) {
    let sim = sim::start(SimConfig {
        server_version,
        quiet: true,
        ..SimConfig::default()
    })
    .expect("simulator starts");
    let client = Client::new(Options::default()).unwrap();
    client
        .connect("127.0.0.1", sim.port(), 3, T)
        .expect("connects");
    (sim, client)
}

fn user_info_request(req_id: i32) -> Request {
    let mut fields = FieldValues::new();
    fields.insert("req_id".into(), FieldValue::Int(req_id));
    Request::from_fields("ReqUserInfo", &fields).expect("a request of the catalogue")
}

fn wait_user_info(client: &Client) -> Option<UserInfo> {
    let deadline = Instant::now() + T;
    while Instant::now() < deadline {
        if let Ok(Some(Event::Message(Incoming::UserInfo(m)))) =
            client.poll(Duration::from_millis(100))
        {
            return Some(m);
        }
    }
    None
}

#[test]
fn user_info_round_trips_in_every_wire_form() {
    // 176: text; 201: binary id, text body; 222: protobuf (from 212).
    for version in [167, 176, 201, 211, 212, 222] {
        let (_sim, client) = session(version);
        client.send(&user_info_request(41)).expect("sent");
        let reply = wait_user_info(&client).unwrap_or_else(|| panic!("no userInfo at {version}"));
        assert_eq!(reply.req_id, 41, "at {version}");
        assert_eq!(reply.white_branding_id.as_str(), "", "at {version}");
    }
}

#[test]
fn below_its_server_version_it_is_refused_and_nothing_is_sent() {
    let (_sim, client) = session(166);
    let before = client.stats().messages_out;
    match client.send(&user_info_request(1)) {
        Err(Error::Encode(EncodeError::NotSupported { needed, .. })) => assert_eq!(needed, 167),
        other => panic!("expected NotSupported, got {other:?}"),
    }
    assert_eq!(client.stats().messages_out, before);
}
