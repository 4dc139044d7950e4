//! `state()` agrees with `connect`: once it returned Ok, the state is Connected
//! (it used to be set only when the Connected event was queued, a moment later).

use std::time::Duration;

use tws::client::{Client, Options};
use tws::sim::{self, SimConfig};

const T: Duration = Duration::from_secs(5);

#[test]
fn state_is_connected_as_soon_as_connect_returns() {
    let sim = sim::start(SimConfig::default()).expect("simulator starts");
    for client_id in 0..20 {
        let client = Client::new(Options::default()).unwrap();
        client
            .connect("127.0.0.1", sim.port(), client_id, T)
            .unwrap();
        assert_eq!(
            client.state(),
            tws::client::ConnectionState::Connected,
            "state right after connect returned (round {client_id})"
        );
    }
}
