//! The simulator over a raw socket, using only `tws::wire` and
//! `tws::protocol`: handshake, startup, account summary, client-id and
//! subscription limits, at every server version the engine must handle.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use tws::protocol::handshake::{client_hello, parse_server_hello};
use tws::protocol::messages::{
    AccountSummary, CancelAccountSummary, ErrorMessage, ReqAccountSummary, ReqCurrentTime,
    ReqCurrentTimeInMillis, ReqIds, ReqManagedAccounts, StartApi,
};
use tws::protocol::{versions, Form, Incoming, RawMessage, Request};
use tws::sim::{self, all_tags, SimConfig, SimHandle};
use tws::wire::{FrameSplitter, FrameWriter, DEFAULT_MAX_FRAME_LEN};

const VERSIONS: &[i32] = &[150, 176, 200, 201, 207, 213, 222];
const TIMEOUT: Duration = Duration::from_secs(5);

fn start(server_version: i32, accounts: &[&str]) -> SimHandle {
    sim::start(SimConfig {
        server_version,
        accounts: accounts.iter().map(|a| a.to_string()).collect(),
        quiet: true,
        ..SimConfig::default()
    })
    .expect("simulator starts")
}

/// A client made of nothing but the wire and protocol layers.
struct Peer {
    stream: TcpStream,
    splitter: FrameSplitter,
    version: i32,
}

impl Peer {
    /// Connects and sends the hello; does not read the answer.
    fn hello(sim: &SimHandle, min: i32, max: i32) -> Peer {
        let mut stream = TcpStream::connect(sim.addr()).unwrap();
        stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        stream.write_all(&client_hello(min, max, "")).unwrap();
        Peer {
            stream,
            splitter: FrameSplitter::new(DEFAULT_MAX_FRAME_LEN),
            version: 0,
        }
    }

    /// Handshake at the server's version, then startApi with `client_id`.
    fn connect(sim: &SimHandle, client_id: i32) -> Peer {
        let mut peer = Peer::hello(sim, 100, 226);
        let answer = peer.frame().expect("server hello");
        let (version, time) = parse_server_hello(&answer).unwrap();
        assert!(time.ends_with(" EST") && time.len() == 21, "{time:?}");
        peer.version = version;
        peer.send(&Request::StartApi(StartApi {
            client_id,
            optional_capabilities: String::new(),
        }));
        peer
    }

    fn send(&mut self, request: &Request) {
        let mut out = Vec::new();
        request.encode(self.version, &mut out).unwrap();
        self.stream.write_all(&out).unwrap();
    }

    fn send_as(&mut self, request: &Request, form: Form) {
        let mut out = Vec::new();
        request.encode_as(form, self.version, &mut out).unwrap();
        self.stream.write_all(&out).unwrap();
    }

    /// The next frame, or `None` when the server closed the connection.
    fn frame(&mut self) -> Option<Vec<u8>> {
        loop {
            if let Some(frame) = self.splitter.next_frame().unwrap() {
                return Some(frame.to_vec());
            }
            match self.splitter.read_from(&mut self.stream) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => return None,
                Err(e) => panic!("read failed: {e}"),
            }
        }
    }

    /// The next message and the form it arrived in, or `None` on close.
    fn recv_form(&mut self) -> Option<(Form, Incoming)> {
        let frame = self.frame()?;
        let raw = RawMessage::split(&frame, self.version).unwrap();
        assert!(Form::accepted_at(self.version).contains(&raw.form));
        let msg = Incoming::decode(&raw, self.version)
            .unwrap()
            .unwrap_or_else(|| panic!("unknown message id {}", raw.id));
        Some((raw.form, msg))
    }

    fn recv(&mut self) -> Incoming {
        self.recv_form().expect("a message, not a closed socket").1
    }

    /// managedAccounts, nextValidId and the three data-farm notices.
    fn expect_startup(&mut self, accounts: &str) {
        assert_eq!(self.managed_accounts(), accounts);
        match self.recv() {
            Incoming::NextValidId(n) => assert_eq!(n.order_id, 1),
            other => panic!("expected nextValidId, got {other:?}"),
        }
        let mut codes = Vec::new();
        for _ in 0..3 {
            let e = self.error();
            assert_eq!(e.req_id, -1);
            assert!(e.message.contains("farm connection is OK"), "{e:?}");
            codes.push(e.code);
        }
        assert_eq!(codes, vec![2104, 2106, 2158]);
    }

    fn managed_accounts(&mut self) -> String {
        match self.recv() {
            Incoming::ManagedAccounts(m) => m.accounts_list.to_string(),
            other => panic!("expected managedAccounts, got {other:?}"),
        }
    }

    fn error(&mut self) -> ErrorMessage {
        match self.recv() {
            Incoming::Error(e) => e,
            other => panic!("expected an error message, got {other:?}"),
        }
    }

    fn req_summary(&mut self, req_id: i32, group: &str, tags: &str) {
        self.send(&Request::ReqAccountSummary(ReqAccountSummary {
            req_id,
            group: group.into(),
            tags: tags.into(),
        }));
    }

    /// The rows of `req_id` up to its end marker.
    fn summary(&mut self, req_id: i32) -> Vec<AccountSummary> {
        let mut rows = Vec::new();
        loop {
            match self.recv() {
                Incoming::AccountSummary(row) => {
                    assert_eq!(row.req_id, req_id);
                    rows.push(row);
                }
                Incoming::AccountSummaryEnd(end) => {
                    assert_eq!(end.req_id, req_id);
                    return rows;
                }
                other => panic!("expected account summary rows, got {other:?}"),
            }
        }
    }

    /// True when the server closes the socket without sending anything.
    fn closed_silently(&mut self) -> bool {
        let mut buf = [0u8; 64];
        match self.stream.read(&mut buf) {
            Ok(0) => true,
            Ok(_) => false,
            Err(e) => e.kind() == io::ErrorKind::ConnectionReset,
        }
    }
}

#[test]
fn startup_and_account_summary_at_every_version() {
    for &version in VERSIONS {
        let sim = start(version, &["DU123456", "DU654321"]);
        let mut peer = Peer::connect(&sim, 7);
        assert_eq!(peer.version, version);
        peer.expect_startup("DU123456,DU654321");

        peer.req_summary(9001, "All", all_tags());
        let tags: Vec<&str> = all_tags().split(',').collect();
        assert_eq!(tags.len(), 33);
        let rows = peer.summary(9001);
        assert_eq!(rows.len(), 2 * tags.len(), "version {version}");
        for account in ["DU123456", "DU654321"] {
            let mine: Vec<&str> = rows
                .iter()
                .filter(|r| r.account == account)
                .map(|r| r.tag.as_str())
                .collect();
            assert_eq!(mine, tags, "version {version}");
        }
        let row = |account: &str, tag: &str| {
            rows.iter()
                .find(|r| r.account == account && r.tag == tag)
                .unwrap()
                .clone()
        };
        let net_liq = row("DU123456", "NetLiquidation");
        assert_eq!(
            (net_liq.value.as_str(), net_liq.currency.as_str()),
            ("983631.71", "USD")
        );
        assert_ne!(row("DU654321", "NetLiquidation").value, net_liq.value);
        let account_type = row("DU123456", "AccountType");
        assert_eq!(
            (account_type.value.as_str(), account_type.currency.as_str()),
            ("INDIVIDUAL", "")
        );
        assert_eq!(row("DU123456", "Cushion").currency, "");
        for r in &rows {
            if r.currency == "USD" {
                r.value.parse::<f64>().unwrap();
            }
        }

        // The simple requests.
        peer.send(&Request::ReqCurrentTime(ReqCurrentTime {}));
        match peer.recv() {
            Incoming::CurrentTime(t) => assert!(t.time > 1_700_000_000, "{t:?}"),
            other => panic!("expected currentTime, got {other:?}"),
        }
        peer.send(&Request::ReqIds(ReqIds { num_ids: 1 }));
        assert!(matches!(peer.recv(), Incoming::NextValidId(n) if n.order_id == 1));
        peer.send(&Request::ReqManagedAccounts(ReqManagedAccounts {}));
        assert_eq!(peer.managed_accounts(), "DU123456,DU654321");
        if version >= versions::CURRENT_TIME_IN_MILLIS {
            peer.send(&Request::ReqCurrentTimeInMillis(ReqCurrentTimeInMillis {}));
            match peer.recv() {
                Incoming::CurrentTimeInMillis(t) => {
                    assert!(t.time_ms > 1_700_000_000_000, "{t:?}")
                }
                other => panic!("expected currentTimeInMillis, got {other:?}"),
            }
        }
        sim.stop();
    }
}

#[test]
fn replies_take_the_form_of_the_version() {
    for &version in VERSIONS {
        let sim = start(version, &["DU123456"]);
        let mut peer = Peer::connect(&sim, 1);
        peer.expect_startup("DU123456");
        peer.req_summary(3, "DU123456", "NetLiquidation");
        let (form, msg) = peer.recv_form().unwrap();
        assert!(matches!(msg, Incoming::AccountSummary(_)));
        let expected = Form::for_version(version, versions::PROTOBUF_ACCOUNTS_POSITIONS);
        assert_eq!(form, expected, "version {version}");
        assert!(matches!(peer.recv(), Incoming::AccountSummaryEnd(_)));
    }
}

#[test]
fn both_request_forms_are_understood_from_201() {
    let sim = start(222, &["DU123456"]);
    let mut peer = Peer::connect(&sim, 1);
    peer.expect_startup("DU123456");
    let request = Request::ReqAccountSummary(ReqAccountSummary {
        req_id: 5,
        group: "All".into(),
        tags: "NetLiquidation,TotalCashValue".into(),
    });
    peer.send_as(&request, Form::BinaryText);
    assert_eq!(peer.summary(5).len(), 2);
    peer.send(&Request::CancelAccountSummary(CancelAccountSummary {
        req_id: 5,
    }));
    peer.send_as(&request, Form::Proto);
    assert_eq!(peer.summary(5).len(), 2);
}

#[test]
fn ledger_tags() {
    let sim = start(176, &["DU123456"]);
    let mut peer = Peer::connect(&sim, 0);
    peer.expect_startup("DU123456");
    peer.req_summary(1, "All", "$LEDGER");
    let base = peer.summary(1);
    assert!(!base.is_empty());
    assert!(base.iter().all(|r| r.currency == "USD"));
    assert!(base.iter().any(|r| r.tag == "CashBalance"));
    assert!(base.iter().any(|r| r.tag == "NetLiquidationByCurrency"));
    peer.send(&Request::CancelAccountSummary(CancelAccountSummary {
        req_id: 1,
    }));

    peer.req_summary(2, "All", "$LEDGER:ALL");
    let all = peer.summary(2);
    let mut currencies: Vec<&str> = all.iter().map(|r| r.currency.as_str()).collect();
    currencies.dedup();
    assert_eq!(currencies, vec!["USD", "EUR", "BASE"]);
    let base_net_liq = all
        .iter()
        .find(|r| r.currency == "BASE" && r.tag == "NetLiquidationByCurrency")
        .unwrap();
    assert_eq!(base_net_liq.value, "983631.71");
    peer.send(&Request::CancelAccountSummary(CancelAccountSummary {
        req_id: 2,
    }));

    peer.req_summary(3, "All", "$LEDGER:EUR");
    let eur = peer.summary(3);
    assert_eq!(eur.len(), base.len());
    assert!(eur.iter().all(|r| r.currency == "EUR"));
}

#[test]
fn duplicate_client_id_gets_326_and_is_closed() {
    let sim = start(222, &["DU123456"]);
    let mut first = Peer::connect(&sim, 42);
    first.expect_startup("DU123456");

    let mut second = Peer::connect(&sim, 42);
    let e = second.error();
    assert_eq!((e.req_id, e.code), (-1, 326));
    assert!(e.message.contains("client id is already in use"), "{e:?}");
    assert!(second.recv_form().is_none(), "socket closed after 326");

    // Another id is fine meanwhile; the id is free again once its holder leaves.
    let mut other = Peer::connect(&sim, 43);
    other.expect_startup("DU123456");
    drop(first);
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let mut again = Peer::connect(&sim, 42);
        match again.recv() {
            Incoming::ManagedAccounts(_) => break,
            Incoming::Error(e) if e.code == 326 && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20));
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[test]
fn client_range_without_the_version_is_closed_without_an_answer() {
    let sim = start(150, &["DU123456"]);
    let mut peer = Peer::hello(&sim, 151, 226);
    assert!(peer.closed_silently());
    let mut peer = Peer::hello(&sim, 100, 149);
    assert!(peer.closed_silently());

    let mut garbage = TcpStream::connect(sim.addr()).unwrap();
    garbage.set_read_timeout(Some(TIMEOUT)).unwrap();
    let mut bytes = b"API\0".to_vec();
    let mut frame = FrameWriter::begin(&mut bytes);
    frame.payload().extend_from_slice(b"hello there");
    frame.finish();
    garbage.write_all(&bytes).unwrap();
    let mut buf = [0u8; 16];
    assert!(matches!(garbage.read(&mut buf), Ok(0) | Err(_)));

    // The simulator still serves well-behaved clients.
    let mut good = Peer::connect(&sim, 1);
    good.expect_startup("DU123456");
}

#[test]
fn third_account_summary_gets_322() {
    let sim = start(213, &["DU123456"]);
    let mut peer = Peer::connect(&sim, 1);
    peer.expect_startup("DU123456");
    peer.req_summary(1, "All", "NetLiquidation");
    assert_eq!(peer.summary(1).len(), 1);
    peer.req_summary(2, "All", "TotalCashValue");
    assert_eq!(peer.summary(2).len(), 1);

    peer.req_summary(3, "All", "BuyingPower");
    let e = peer.error();
    assert_eq!((e.req_id, e.code), (3, 322));
    assert!(e
        .message
        .contains("Maximum number of account summary requests"));

    // No rows came for 3; after a cancel there is room again.
    peer.send(&Request::CancelAccountSummary(CancelAccountSummary {
        req_id: 1,
    }));
    peer.req_summary(4, "All", "BuyingPower");
    assert_eq!(peer.summary(4).len(), 1);

    // Another connection has its own two.
    let mut other = Peer::connect(&sim, 2);
    other.expect_startup("DU123456");
    other.req_summary(1, "All", "NetLiquidation");
    assert_eq!(other.summary(1).len(), 1);
}

#[test]
fn unknown_requests_are_ignored() {
    let sim = start(200, &["DU123456"]);
    let mut peer = Peer::connect(&sim, 1);
    peer.expect_startup("DU123456");
    let mut bytes = Vec::new();
    let mut frame = FrameWriter::begin(&mut bytes);
    frame.payload().extend_from_slice(b"9999\x001\x00");
    frame.finish();
    let mut frame = FrameWriter::begin(&mut bytes);
    frame
        .payload()
        .extend_from_slice(b"62\x001\x00not-a-number\x00");
    frame.finish();
    peer.stream.write_all(&bytes).unwrap();
    peer.send(&Request::ReqCurrentTime(ReqCurrentTime {}));
    assert!(matches!(peer.recv(), Incoming::CurrentTime(_)));
}

#[test]
fn summaries_refresh_until_cancelled() {
    let sim = sim::start(SimConfig {
        summary_refresh: Some(Duration::from_millis(100)),
        quiet: true,
        ..SimConfig::default()
    })
    .unwrap();
    let mut peer = Peer::connect(&sim, 1);
    peer.expect_startup("DU123456");
    peer.req_summary(8, "All", "NetLiquidation");
    assert_eq!(peer.summary(8).len(), 1);
    assert_eq!(peer.summary(8).len(), 1, "refreshed");
    peer.send(&Request::CancelAccountSummary(CancelAccountSummary {
        req_id: 8,
    }));
    peer.send(&Request::ReqCurrentTime(ReqCurrentTime {}));
    // A refresh may have crossed the cancel; after the reply nothing more comes.
    loop {
        match peer.recv() {
            Incoming::CurrentTime(_) => break,
            Incoming::AccountSummary(_) | Incoming::AccountSummaryEnd(_) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    peer.stream
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut buf = [0u8; 16];
    let quiet = peer.stream.read(&mut buf);
    assert!(quiet.is_err(), "nothing after cancel: {quiet:?}");
}

#[test]
fn stop_closes_every_connection_promptly() {
    let sim = start(222, &["DU123456"]);
    let port = sim.port();
    let mut peers: Vec<Peer> = (0..5).map(|id| Peer::connect(&sim, id)).collect();
    for peer in &mut peers {
        peer.expect_startup("DU123456");
    }
    // A connection stuck in its handshake too.
    let mut stuck = TcpStream::connect(sim.addr()).unwrap();
    stuck.set_read_timeout(Some(TIMEOUT)).unwrap();
    let began = Instant::now();
    sim.stop();
    assert!(
        began.elapsed() < Duration::from_secs(2),
        "{:?}",
        began.elapsed()
    );
    for peer in &mut peers {
        assert!(peer.recv_form().is_none());
    }
    let mut buf = [0u8; 4];
    assert!(matches!(stuck.read(&mut buf), Ok(0) | Err(_)));
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err());
}
