//! Conformance with IB's official client (`ibapi-latest` 10.51.1, installed
//! into `target/ibapi-venv` by `scripts/ibapi-venv.sh`): its hello world
//! against the simulator, the bytes of every request we send, and its decoder
//! against ours on simulator output and on real TWS frames (tests/data).
//! The oracle side is `tests/oracle/ibapi_oracle.py`; it only drives ibapi.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;
use tws::client::{Client, Options};
use tws::protocol::account_tags::ALL_TAGS;
use tws::protocol::schema::{Direction, MessageSchema};
use tws::protocol::versions::{self, MAX_CLIENT_VERSION, MIN_CLIENT_VERSION, MODELS_SUPPORT, PNL};
use tws::protocol::{RawMessage, Request};
use tws::sim::{self, SimConfig, SimHandle};

// ---- the version grid ---------------------------------------------------------

/// The constants of src/protocol/versions.rs that are not server versions.
const NOT_VERSIONS: [&str; 2] = ["NEVER", "PROTOBUF_MSG_ID_OFFSET"];
/// Versions compared besides the thresholds: common TWS and Gateway releases.
const EXTRA_VERSIONS: [i32; 3] = [150, 176, 222];

/// Every `pub const NAME: i32 = N;` of src/protocol/versions.rs but
/// [`NOT_VERSIONS`]: the versions at which something we implement changes
/// (read from the source, so that a new threshold joins the grid by itself).
fn thresholds() -> Vec<(String, i32)> {
    include_str!("../src/protocol/versions.rs")
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub const "))
        .filter_map(|l| {
            let (name, rest) = l.split_once(": i32 = ")?;
            let value = rest.trim_end_matches(';').replace('_', "");
            let value = match value.as_str() {
                "i32::MAX" => i32::MAX,
                v => v
                    .parse()
                    .unwrap_or_else(|_| panic!("versions.rs: {name} is not a literal: {rest}")),
            };
            Some((name.to_owned(), value))
        })
        .filter(|(name, _)| !NOT_VERSIONS.contains(&name.as_str()))
        .collect()
}

/// The versions whose requests are compared byte for byte and whose
/// simulator output both decoders read: each threshold within
/// MIN_CLIENT_VERSION..=MAX_CLIENT_VERSION, the version one below it, and
/// [`EXTRA_VERSIONS`].
fn grid_versions() -> Vec<i32> {
    let range = MIN_CLIENT_VERSION..=MAX_CLIENT_VERSION;
    let mut grid: Vec<i32> = thresholds()
        .into_iter()
        .flat_map(|(_, v)| [v - 1, v])
        .chain(EXTRA_VERSIONS)
        .filter(|v| range.contains(v))
        .collect();
    grid.sort_unstable();
    grid.dedup();
    grid
}

/// The lowest version at which a request of the table exists (ibapi refuses
/// it below, with error 503, and so do we): its minimum server version in
/// the catalogue (the handshake has none).
fn first_version(name: &str) -> i32 {
    MessageSchema::find(Direction::Out, name)
        .map_or(MIN_CLIENT_VERSION, |m| m.min_server_version)
        .max(MIN_CLIENT_VERSION)
}

#[test]
fn the_grid_has_every_threshold_and_the_version_below_it() {
    let found = thresholds();
    let value = |name: &str| {
        found
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("{name} not found in versions.rs: {found:?}"))
            .1
    };
    // The reading of versions.rs agrees with the compiled constants.
    for (name, compiled) in [
        ("MIN_CLIENT_VERSION", versions::MIN_CLIENT_VERSION),
        ("MAX_CLIENT_VERSION", versions::MAX_CLIENT_VERSION),
        ("MODELS_SUPPORT", versions::MODELS_SUPPORT),
        ("PNL", versions::PNL),
        ("UNREALIZED_PNL", versions::UNREALIZED_PNL),
        ("REALIZED_PNL", versions::REALIZED_PNL),
        ("OPTIONAL_CAPABILITIES", versions::OPTIONAL_CAPABILITIES),
        ("ENCODE_MSG_ASCII7", versions::ENCODE_MSG_ASCII7),
        ("ADVANCED_ORDER_REJECT", versions::ADVANCED_ORDER_REJECT),
        ("ERROR_TIME", versions::ERROR_TIME),
        ("CURRENT_TIME_IN_MILLIS", versions::CURRENT_TIME_IN_MILLIS),
        ("PROTOBUF", versions::PROTOBUF),
        (
            "PROTOBUF_ACCOUNTS_POSITIONS",
            versions::PROTOBUF_ACCOUNTS_POSITIONS,
        ),
        ("PROTOBUF_SCAN_DATA", versions::PROTOBUF_SCAN_DATA),
        (
            "PROTOBUF_REST_MESSAGES_3",
            versions::PROTOBUF_REST_MESSAGES_3,
        ),
    ] {
        assert_eq!(value(name), compiled, "{name}");
    }
    let grid = grid_versions();
    for (name, v) in &found {
        if (MIN_CLIENT_VERSION..=MAX_CLIENT_VERSION).contains(v) {
            assert!(grid.contains(v), "{name} = {v} missing from {grid:?}");
            let below = v - 1;
            assert!(
                below < MIN_CLIENT_VERSION || grid.contains(&below),
                "{below}, below {name}, missing from {grid:?}"
            );
        }
    }
    assert_eq!(
        grid,
        [
            100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116,
            117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127, 128, 129, 130, 131, 132, 133,
            134, 135, 136, 137, 138, 139, 140, 141, 142, 143, 144, 145, 146, 147, 148, 149, 150,
            151, 152, 153, 155, 156, 157, 158, 159, 160, 161, 162, 163, 164, 165, 166, 167, 168,
            169, 170, 171, 172, 173, 175, 176, 177, 178, 179, 180, 181, 182, 183, 184, 185, 186,
            187, 188, 189, 190, 191, 192, 193, 194, 195, 196, 197, 198, 199, 200, 201, 202, 203,
            204, 205, 206, 207, 208, 209, 210, 211, 212, 213, 214, 215, 218, 219, 220, 221, 222,
            225, 226
        ],
        "the grid the README's conformance table lists"
    );
}
/// The versions at which the official hello world runs against the simulator.
const HELLO_VERSIONS: [i32; 5] = [176, 200, 207, 213, 222];
/// The messages of the request table: the handshake and every request we implement.
const REQUESTS: [&str; 20] = [
    "ClientHello",
    "StartApi",
    "ReqIds",
    "ReqManagedAccounts",
    "ReqCurrentTime",
    "ReqCurrentTimeInMillis",
    "ReqAccountSummary",
    "CancelAccountSummary",
    "ReqPositions",
    "CancelPositions",
    "ReqAccountUpdates",
    "ReqPositionsMulti",
    "CancelPositionsMulti",
    "ReqAccountUpdatesMulti",
    "CancelAccountUpdatesMulti",
    "ReqPnL",
    "CancelPnL",
    "ReqPnLSingle",
    "CancelPnLSingle",
    "ReqUserInfo",
];
const T: Duration = Duration::from_secs(10);

// ---- the oracle -------------------------------------------------------------

fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let out = Command::new("scripts/ibapi-venv.sh")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("scripts/ibapi-venv.sh runs");
        assert!(
            out.status.success(),
            "cannot install the official client: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
    })
}

/// Runs the oracle with `args`; returns its exit success, JSON lines and stderr.
fn oracle(args: &[&str]) -> (bool, Vec<Value>, String) {
    let out = Command::new(python())
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/ibapi_oracle.py"))
        .args(args)
        .output()
        .expect("the oracle runs");
    // ibapi itself may print to stdout; the oracle's own lines are the JSON ones.
    let stdout = String::from_utf8_lossy(&out.stdout);
    let (lines, other): (Vec<&str>, Vec<&str>) =
        stdout.lines().partition(|l| l.starts_with("{\"name\""));
    (
        out.status.success(),
        json_lines(&lines.join("\n")),
        format!(
            "{}{}",
            other.join("\n"),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// Runs one oracle process over several sessions or streams (`requests
/// PORT...`, `decode V FILE V FILE...`); returns each one's success and
/// lines, in order, and the process's stderr.
fn oracle_batch(args: &[String]) -> (Vec<(bool, Vec<Value>)>, String) {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (_, lines, err) = oracle(&args);
    let mut parts = Vec::new();
    let mut current: Option<Vec<Value>> = None;
    for line in lines {
        match line["name"].as_str() {
            Some("@begin") => current = Some(Vec::new()),
            Some("@end") => {
                let ok = line["fields"]["ok"] == true;
                parts.push((ok, current.take().expect("@end after @begin")));
            }
            _ => current
                .as_mut()
                .unwrap_or_else(|| panic!("oracle line outside @begin/@end: {line}"))
                .push(line),
        }
    }
    (parts, err)
}

fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// Runs `tws-decode` on a file; returns its JSON lines.
fn tws_decode(version: i32, file: &Path) -> Vec<Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_tws-decode"))
        .args(["--server-version", &version.to_string()])
        .arg(file)
        .output()
        .expect("tws-decode runs");
    json_lines(&String::from_utf8_lossy(&out.stdout))
}

// ---- the simulator with its recorder -------------------------------------------

struct Recorded {
    sim: Option<SimHandle>,
    dir: tempdir::Dir,
}

impl Recorded {
    fn start(version: i32) -> Recorded {
        let dir = tempdir::Dir::new(&format!("v{version}"));
        let sim = sim::start(SimConfig {
            server_version: version,
            quiet: true,
            summary_refresh: None,
            record: Some(dir.path("record.jsonl")),
            capture: Some(dir.path("capture.bin")),
            ..SimConfig::default()
        })
        .expect("simulator starts");
        Recorded {
            sim: Some(sim),
            dir,
        }
    }

    fn port(&self) -> u16 {
        self.sim.as_ref().unwrap().port()
    }

    /// Stops the simulator (every connection's records are then written).
    fn finish(&mut self) {
        if let Some(sim) = self.sim.take() {
            sim.stop();
        }
    }

    fn records(&mut self) -> Vec<Value> {
        self.finish();
        json_lines(&std::fs::read_to_string(self.dir.path("record.jsonl")).unwrap())
    }

    fn capture(&mut self) -> PathBuf {
        self.finish();
        self.dir.path("capture.bin")
    }
}

/// A directory under target/ for one test's files, removed on success.
mod tempdir {
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicU32, Ordering};

    pub struct Dir(PathBuf);

    impl Dir {
        pub fn new(tag: &str) -> Dir {
            static N: AtomicU32 = AtomicU32::new(0);
            let n = N.fetch_add(1, Ordering::SeqCst);
            let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
                .join(format!("conformance-{}-{n}-{tag}", std::process::id()));
            std::fs::create_dir_all(&path).unwrap();
            Dir(path)
        }
        pub fn path(&self, name: &str) -> PathBuf {
            self.0.join(name)
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            if !std::thread::panicking() {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }
}

// ---- comparisons (each one shown to fail on a single wrong byte below) ------

/// The frames a client sent, by message name, as hex.
fn sent_by_name(records: &[Value], name: &str) -> Vec<String> {
    records
        .iter()
        .filter(|r| r["dir"] == "out" && r["name"] == name)
        .map(|r| r["hex"].as_str().unwrap().to_owned())
        .collect()
}

/// Compares one row of the request table; `None` when the bytes agree.
fn compare_request(name: &str, version: i32, ours: &[String], theirs: &[String]) -> Option<String> {
    (ours != theirs).then(|| {
        format!(
            "{name:<24} v{version}: libtws sent {ours:?}\n{:<30}ibapi sent {theirs:?}",
            ""
        )
    })
}

/// Compares our decoding (tws-decode lines) with the oracle's, message by
/// message: names and every field value. Returns the differences.
fn compare_decoded(ours: &[Value], theirs: &[Value]) -> Vec<String> {
    let mut diffs = Vec::new();
    for (i, (o, t)) in ours.iter().zip(theirs).enumerate() {
        if o.get("error").is_some() {
            diffs.push(format!("message {i}: libtws could not decode it: {o}"));
        } else if o["name"] != t["name"] || o["fields"] != t["fields"] {
            diffs.push(format!("message {i}:\n  libtws {o}\n  ibapi  {t}"));
        }
    }
    if ours.len() != theirs.len() {
        diffs.push(format!(
            "libtws decoded {} messages, ibapi {}",
            ours.len(),
            theirs.len()
        ));
    }
    diffs
}

/// Like `compare_decoded`, but numbers compare as numbers: ibapi reads some
/// double fields of the text form (a bond's coupon, an EV multiplier) as the
/// int 0 where libtws has 0.0.
fn compare_decoded_numbers(ours: &[Value], theirs: &[Value]) -> Vec<String> {
    let same = |a: &Value, b: &Value| match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y || (x.is_nan() && y.is_nan()),
        _ => a == b,
    };
    let mut diffs = Vec::new();
    for (i, (o, t)) in ours.iter().zip(theirs).enumerate() {
        let (of, tf) = (o["fields"].as_object(), t["fields"].as_object());
        let equal = match (of, tf) {
            (Some(of), Some(tf)) => {
                // Where the oracle lists every security id (their order is
                // lost in ibapi's protobuf map), libtws's last one must be
                // one of them, tag and value together.
                let ids_match = match (&tf.get("tag_value.tag"), &tf.get("tag_value.value")) {
                    (Some(Value::Array(tags)), Some(Value::Array(values))) => {
                        tags.iter().zip(values).any(|(tag, value)| {
                            of.get("tag_value.tag") == Some(tag)
                                && of.get("tag_value.value") == Some(value)
                        })
                    }
                    _ => true,
                };
                ids_match
                    && of.len() == tf.len()
                    && of.iter().all(|(k, v)| {
                        tf.get(k).is_some_and(|w| {
                            same(v, w) || (w.is_array() && k.starts_with("tag_value."))
                        })
                    })
            }
            _ => false,
        };
        if o.get("error").is_some() {
            diffs.push(format!("message {i}: libtws could not decode it: {o}"));
        } else if o["name"] != t["name"] || !equal {
            diffs.push(format!("message {i}:\n  libtws {o}\n  ibapi  {t}"));
        }
    }
    if ours.len() != theirs.len() {
        diffs.push(format!(
            "libtws decoded {} messages, ibapi {}",
            ours.len(),
            theirs.len()
        ));
    }
    diffs
}

// ---- (a) the official hello world against the simulator ------------------------

#[test]
fn official_hello_world_gets_every_row_the_end_marker_and_the_notices() {
    for version in HELLO_VERSIONS {
        let mut sim = Recorded::start(version);
        let (ok, printed, err) = oracle(&["hello", &sim.port().to_string()]);
        assert!(ok, "v{version}: the official hello world failed: {err}");
        let sent: Vec<Value> = sim
            .records()
            .into_iter()
            .filter(|r| r["dir"] == "in" && r["name"] == "AccountSummary")
            .map(|r| r["fields"].clone())
            .collect();
        let got: Vec<Value> = printed
            .iter()
            .filter(|m| m["name"] == "AccountSummary")
            .map(|m| m["fields"].clone())
            .collect();
        assert!(
            sent.len() >= 20,
            "v{version}: only {} rows sent",
            sent.len()
        );
        assert_eq!(
            got, sent,
            "v{version}: rows printed by ibapi differ from rows sent"
        );
        let end = printed
            .iter()
            .position(|m| m["name"] == "AccountSummaryEnd");
        let last_row = printed.iter().rposition(|m| m["name"] == "AccountSummary");
        assert!(end > last_row, "v{version}: end marker missing or early");
        for code in [2104, 2106, 2158] {
            assert!(
                printed
                    .iter()
                    .any(|m| m["name"] == "Error" && m["fields"]["code"] == code),
                "v{version}: notice {code} not received"
            );
        }
    }
}

// ---- (b) request bytes: libtws vs ibapi, one row per request and version -------

/// The same calls as the oracle's `requests` command, through our engine.
/// A request below its first version is refused, as ibapi refuses it.
fn our_requests(port: u16, version: i32) {
    let client = Client::new(Options::default()).unwrap();
    client.connect("127.0.0.1", port, 0, T).expect("connects");
    let check = |name: &str, result: Result<(), tws::client::Error>| {
        if version >= first_version(name) {
            result.unwrap_or_else(|e| panic!("v{version}: {name}: {e}"));
        } else {
            assert!(result.is_err(), "v{version}: {name} is not refused");
        }
    };
    check("ReqIds", client.req_ids(1));
    check("ReqManagedAccounts", client.req_managed_accounts());
    check("ReqCurrentTime", client.req_current_time());
    check(
        "ReqCurrentTimeInMillis",
        client.req_current_time_in_millis(),
    );
    check(
        "ReqAccountSummary",
        client.req_account_summary(9001, "All", "NetLiquidation,TotalCashValue,$LEDGER:USD"),
    );
    check("CancelAccountSummary", client.cancel_account_summary(9001));
    check("ReqPositions", client.req_positions());
    check("CancelPositions", client.cancel_positions());
    check("ReqAccountUpdates", client.req_account_updates("DU123456"));
    check(
        "ReqAccountUpdates",
        client.cancel_account_updates("DU123456"),
    );
    check(
        "ReqPositionsMulti",
        client.req_positions_multi(9002, "DU123456", ""),
    );
    check("CancelPositionsMulti", client.cancel_positions_multi(9002));
    check(
        "ReqAccountUpdatesMulti",
        client.req_account_updates_multi(9003, "DU123456", "", true),
    );
    check(
        "CancelAccountUpdatesMulti",
        client.cancel_account_updates_multi(9003),
    );
    check("ReqPnL", client.req_pnl(9004, "DU123456", ""));
    check("CancelPnL", client.cancel_pnl(9004));
    check(
        "ReqPnLSingle",
        client.req_pnl_single(9005, "DU123456", "", 265598),
    );
    check("CancelPnLSingle", client.cancel_pnl_single(9005));
    check(
        "ReqUserInfo",
        client.send(&Request::ReqUserInfo(
            tws::protocol::messages::ReqUserInfo { req_id: 9006 },
        )),
    );
    std::thread::sleep(Duration::from_millis(300));
    client.disconnect();
}

#[test]
fn request_bytes_equal_the_official_clients() {
    let versions = grid_versions();
    // One ibapi process calls every version's simulator in turn, while our
    // engine does the same against simulators of its own.
    let mut their_sims: Vec<Recorded> = versions.iter().map(|v| Recorded::start(*v)).collect();
    let mut args = vec!["requests".to_owned()];
    args.extend(their_sims.iter().map(|s| s.port().to_string()));
    let oracle_run = std::thread::spawn(move || oracle_batch(&args));
    let all_ours: Vec<Vec<Value>> = versions
        .iter()
        .map(|&version| {
            let mut ours = Recorded::start(version);
            our_requests(ours.port(), version);
            ours.records()
        })
        .collect();
    let (sessions, err) = oracle_run.join().expect("the oracle thread");
    assert_eq!(sessions.len(), versions.len(), "the oracle failed: {err}");
    let mut table = Vec::new();
    for (i, ours) in all_ours.into_iter().enumerate() {
        let version = versions[i];
        assert!(sessions[i].0, "v{version}: the oracle failed: {err}");
        let theirs = their_sims[i].records();
        for name in REQUESTS {
            let row = (
                name,
                version,
                sent_by_name(&ours, name),
                sent_by_name(&theirs, name),
            );
            table.push(row);
        }
        // Nothing else may have been sent, and everything must have decoded.
        for records in [&ours, &theirs] {
            for r in records.iter().filter(|r| r["dir"] == "out") {
                let name = r["name"].as_str().unwrap_or("?");
                assert!(
                    REQUESTS.contains(&name) && r.get("error").is_none(),
                    "v{version}: unexpected request {r}"
                );
            }
        }
    }
    let mut failures = Vec::new();
    for (name, version, ours, theirs) in &table {
        // Every request exists from its version on: ibapi must have sent it.
        let expected = match *name {
            _ if *version < first_version(name) => 0,
            // subscribe, then unsubscribe
            "ReqAccountUpdates" => 2,
            _ => 1,
        };
        assert_eq!(
            theirs.len(),
            expected,
            "{name} v{version}: ibapi sent {theirs:?}"
        );
        if let Some(diff) = compare_request(name, *version, ours, theirs) {
            failures.push(diff);
        }
    }
    assert_eq!(table.len(), REQUESTS.len() * versions.len());
    assert!(
        failures.is_empty(),
        "{} of {} rows differ:\n{}",
        failures.len(),
        table.len(),
        failures.join("\n")
    );
}

// ---- (c) what the simulator sends: tws-decode vs ibapi's decoder ---------------

/// Traffic with every message the simulator sends: startup, notices, times,
/// ids, accounts, a full summary, 322 (a third subscription), positions,
/// account updates, *Multi, PnL, 321 (unknown account), 326 (client id in use);
/// each from the version it exists at.
fn provoke_everything(port: u16, version: i32) {
    let client = Client::new(Options::default()).unwrap();
    client.connect("127.0.0.1", port, 7, T).expect("connects");
    client.req_current_time().unwrap();
    if version >= 197 {
        client.req_current_time_in_millis().unwrap();
    }
    client.req_ids(1).unwrap();
    client.req_managed_accounts().unwrap();
    client.account_summary("All", ALL_TAGS, T).unwrap();
    for id in [1, 2, 3] {
        client
            .req_account_summary(id, "All", "NetLiquidation")
            .unwrap();
    }
    assert!(!client.positions(T).unwrap().is_empty());
    let snapshot = client.account_updates("DU123456", T).unwrap();
    assert!(!snapshot.portfolio.is_empty());
    assert!(client.account_updates("DU999999", T).is_err());
    if version >= MODELS_SUPPORT {
        client.req_positions_multi(4, "DU123456", "").unwrap();
        client
            .req_account_updates_multi(5, "DU123456", "", false)
            .unwrap();
    }
    if version >= PNL {
        client.req_pnl(6, "DU123456", "").unwrap();
        client.req_pnl_single(7, "DU123456", "", 265598).unwrap();
    }
    let second = Client::new(Options::default()).unwrap();
    assert!(second.connect("127.0.0.1", port, 7, T).is_err());
    std::thread::sleep(Duration::from_millis(300));
    client.disconnect();
}

#[test]
fn simulator_output_decodes_the_same_with_ibapi() {
    let versions = grid_versions();
    let dir = tempdir::Dir::new("grid");
    let mut args = vec!["decode".to_owned()];
    let mut all_ours = Vec::new();
    for &version in &versions {
        let mut sim = Recorded::start(version);
        provoke_everything(sim.port(), version);
        let capture = dir.path(&format!("capture-{version}.bin"));
        std::fs::copy(sim.capture(), &capture).unwrap();
        let ours = tws_decode(version, &capture);
        let mut expected = vec![
            "Position",
            "PortfolioValue",
            "AccountUpdateTime",
            "AccountDownloadEnd",
        ];
        if version >= MODELS_SUPPORT {
            expected.extend(["PositionMulti", "AccountUpdateMultiEnd"]);
        }
        if version >= PNL {
            expected.extend(["PnL", "PnLSingle"]);
        }
        for name in expected {
            assert!(
                ours.iter().any(|m| m["name"] == name),
                "v{version}: the capture lacks {name}"
            );
        }
        for code in [2104, 2106, 2158, 321, 322, 326] {
            assert!(
                ours.iter().any(|m| m["fields"]["code"] == code),
                "v{version}: the capture lacks error {code}"
            );
        }
        args.push(version.to_string());
        args.push(capture.to_str().unwrap().to_owned());
        all_ours.push(ours);
    }
    // One ibapi process decodes every version's capture.
    let (streams, err) = oracle_batch(&args);
    assert_eq!(streams.len(), versions.len(), "the oracle failed: {err}");
    for ((version, ours), (ok, theirs)) in versions.iter().zip(&all_ours).zip(&streams) {
        let mut diffs = compare_decoded(ours, theirs);
        if !ok {
            diffs.push(format!("ibapi's decoder complained: {err}"));
        }
        assert!(diffs.is_empty(), "v{version}:\n{}", diffs.join("\n"));
    }
}

// ---- (d) real TWS traffic from public sources -----------------------------------

fn real_frames() -> Vec<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/real_frames.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    doc["frames"].as_array().unwrap().clone()
}

fn unhex(text: &str) -> Vec<u8> {
    tws::inspect::parse_hex(text).unwrap()
}

/// The messages and error codes the real server frames must hold (issue 13's
/// family among them), so that a frame dropped from the file is noticed.
const REAL_MESSAGES: &[&str] = &[
    "ManagedAccounts",
    "NextValidId",
    "CurrentTime",
    "AccountSummary",
    "ContractData",
    "BondContractData",
    "ContractDataEnd",
    "SymbolSamples",
    "SecDefOptParameter",
    "SecDefOptParameterEnd",
    "MarketRule",
    "SmartComponents",
    "MktDepthExchanges",
    "FamilyCodes",
    "MarketDataType",
    "TickPrice",
    "TickSize",
    "TickString",
    "TickGeneric",
    "TickOptionComputation",
    "TickReqParams",
    "TickSnapshotEnd",
    "UpdateMktDepth",
    "UpdateMktDepthL2",
    "RerouteMktDataReq",
];
const REAL_ERROR_CODES: &[i64] = &[200, 2104, 10089, 10167];

#[test]
fn real_server_frames_decode_the_same_with_ibapi() {
    let frames = real_frames();
    let incoming: Vec<&Value> = frames.iter().filter(|f| f["dir"] == "in").collect();
    assert!(incoming.len() >= 120, "only {} real frames", incoming.len());
    let dir = tempdir::Dir::new("real");
    let mut versions: Vec<i64> = incoming
        .iter()
        .map(|f| f["server_version"].as_i64().unwrap())
        .collect();
    versions.sort_unstable();
    versions.dedup();
    let mut names = std::collections::BTreeSet::new();
    let mut codes = std::collections::BTreeSet::new();
    for version in versions {
        let stream: Vec<u8> = incoming
            .iter()
            .filter(|f| f["server_version"] == version)
            .flat_map(|f| unhex(f["hex"].as_str().unwrap()))
            .collect();
        let file = dir.path(&format!("real-{version}.bin"));
        std::fs::write(&file, &stream).unwrap();
        let mut ours = tws_decode(version as i32, &file);
        for m in &mut ours {
            // ibapi maps these two contract-details fields to enums (libtws
            // keeps TWS's text); the oracle leaves them out.
            if let Some(fields) = m["fields"].as_object_mut() {
                fields.remove("contract_details.fund_distribution_policy_indicator");
                fields.remove("contract_details.fund_asset_type");
            }
            names.insert(m["name"].as_str().unwrap_or_default().to_owned());
            if let Some(code) = m["fields"]["code"].as_i64() {
                codes.insert(code);
            }
        }
        let (ok, theirs, err) = oracle(&["decode", &version.to_string(), file.to_str().unwrap()]);
        let mut diffs = compare_decoded_numbers(&ours, &theirs);
        if !ok {
            diffs.push(format!("ibapi's decoder complained: {err}"));
        }
        assert!(diffs.is_empty(), "v{version}:\n{}", diffs.join("\n"));
    }
    for name in REAL_MESSAGES {
        assert!(names.contains(*name), "no real frame of {name}");
    }
    for code in REAL_ERROR_CODES {
        assert!(codes.contains(code), "no real frame of error {code}");
    }
}

#[test]
fn real_client_frames_decode_and_reencode_to_the_same_bytes() {
    let mut diffs = Vec::new();
    for frame in real_frames().iter().filter(|f| f["dir"] == "out") {
        let version = frame["server_version"].as_i64().unwrap() as i32;
        let bytes = unhex(frame["hex"].as_str().unwrap());
        let raw = RawMessage::split(&bytes[4..], version).unwrap();
        let request = match Request::decode(&raw, version) {
            Ok(Some(request)) => request,
            other => {
                diffs.push(format!("{other:?}: {}", frame["hex"]));
                continue;
            }
        };
        let mut again = Vec::new();
        request.encode_as(raw.form, version, &mut again).unwrap();
        if again != bytes {
            diffs.push(format!(
                "{} v{version} from {}\n  theirs {}\n  ours   {}",
                request.name(),
                frame["source"],
                frame["hex"].as_str().unwrap(),
                tws::inspect::json::hex(&again)
            ));
        }
    }
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}

// ---- the comparisons catch a single wrong byte ------------------------------------

#[test]
fn one_flipped_byte_fails_the_request_comparison() {
    let good = vec!["0000000a00000008310031000100".to_owned()];
    assert!(compare_request("ReqIds", 201, &good, &good).is_none());
    let mut bad = good.clone();
    bad[0].replace_range(20..22, "32");
    assert!(compare_request("ReqIds", 201, &bad, &good).is_some());
}

#[test]
fn the_real_frame_comparison_catches_a_changed_value_and_only_that() {
    let msg = |fields: Value| serde_json::json!({"name": "BondContractData", "fields": fields});
    let ours = [msg(
        serde_json::json!({"coupon": 0.0, "tag_value.tag": "ISIN",
        "tag_value.value": "US0378331005", "min_tick": 0.01}),
    )];
    // An int where libtws has a double, and ids in an undefined order, agree.
    let theirs = [msg(
        serde_json::json!({"coupon": 0, "tag_value.tag": ["CUSIP", "ISIN"],
        "tag_value.value": ["037833100", "US0378331005"], "min_tick": 0.01}),
    )];
    assert!(compare_decoded_numbers(&ours, &theirs).is_empty());
    // A different value, a missing id, a missing field, a tag paired with
    // another id's value: each is a difference.
    for theirs in [
        serde_json::json!({"coupon": 0, "tag_value.tag": "ISIN",
            "tag_value.value": "US0378331005", "min_tick": 0.02}),
        serde_json::json!({"coupon": 0, "tag_value.tag": ["CUSIP"],
            "tag_value.value": ["037833100"], "min_tick": 0.01}),
        serde_json::json!({"tag_value.tag": "ISIN", "tag_value.value": "US0378331005",
            "min_tick": 0.01}),
        serde_json::json!({"coupon": 0, "tag_value.tag": ["CUSIP", "ISIN"],
            "tag_value.value": ["US0378331005", "037833100"], "min_tick": 0.01}),
    ] {
        assert_eq!(
            compare_decoded_numbers(&ours, &[msg(theirs.clone())]).len(),
            1,
            "{theirs}"
        );
    }
}

#[test]
fn one_flipped_byte_in_a_value_fails_the_decode_comparison() {
    for version in [176, 222] {
        let mut sim = Recorded::start(version);
        provoke_everything(sim.port(), version);
        let capture = sim.capture();
        let (ok, theirs, err) =
            oracle(&["decode", &version.to_string(), capture.to_str().unwrap()]);
        assert!(ok, "{err}");
        assert!(compare_decoded(&tws_decode(version, &capture), &theirs).is_empty());
        // Change one digit of the net liquidation value, in every form.
        let mut bytes = std::fs::read(&capture).unwrap();
        let at = bytes
            .windows(9)
            .position(|w| w == b"983631.71")
            .expect("the capture holds the net liquidation value");
        bytes[at] = b'8';
        let flipped = capture.with_extension("flipped");
        std::fs::write(&flipped, &bytes).unwrap();
        let diffs = compare_decoded(&tws_decode(version, &flipped), &theirs);
        assert_eq!(diffs.len(), 1, "v{version}: {diffs:?}");
        assert!(diffs[0].contains("883631.71"), "{}", diffs[0]);
    }
}

// ---- (e) the instrument and market-data requests (issue 13), byte for byte ----

mod issue13 {
    use super::*;
    use tws::protocol::contract::Contract;
    use tws::protocol::instruments::*;
    use tws::protocol::market_data::*;
    use tws::protocol::Incoming;

    fn stock() -> Contract {
        Contract {
            symbol: "AAPL".into(),
            sec_type: "STK".into(),
            strike: f64::MAX,
            exchange: "SMART".into(),
            currency: "USD".into(),
            ..Contract::default()
        }
    }

    pub(super) fn option() -> Contract {
        Contract {
            symbol: "AAPL".into(),
            sec_type: "OPT".into(),
            last_trade_date_or_contract_month: "20261218".into(),
            strike: 200.0,
            right: "C".into(),
            multiplier: "100".into(),
            exchange: "SMART".into(),
            currency: "USD".into(),
            trading_class: "AAPL".into(),
            ..Contract::default()
        }
    }

    fn bond() -> Contract {
        Contract {
            sec_type: "BOND".into(),
            strike: f64::MAX,
            exchange: "SMART".into(),
            currency: "USD".into(),
            issuer_id: "e1234567".into(),
            ..Contract::default()
        }
    }

    fn combo() -> Contract {
        let leg = |con_id, action: &str| ComboLeg {
            con_id,
            ratio: 1,
            action: action.into(),
            exchange: "SMART".into(),
            exempt_code: -1,
            per_leg_price: f64::MAX,
            ..ComboLeg::default()
        };
        Contract {
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
        }
    }

    /// The oracle's `ENCODE_CALLS`, as our requests.
    fn calls() -> Vec<(&'static str, Request)> {
        vec![
            (
                "ReqContractDetails",
                Request::ReqContractDetails(ReqContractDetails {
                    req_id: 7,
                    contract: Box::new(stock()),
                }),
            ),
            (
                "ReqContractDetails#issuer",
                Request::ReqContractDetails(ReqContractDetails {
                    req_id: 8,
                    contract: Box::new(bond()),
                }),
            ),
            (
                "CancelContractData",
                Request::CancelContractData(CancelContractData { req_id: 7 }),
            ),
            (
                "ReqMatchingSymbols",
                Request::ReqMatchingSymbols(ReqMatchingSymbols {
                    req_id: 11,
                    pattern: "AAP".into(),
                }),
            ),
            (
                "ReqSecDefOptParams",
                Request::ReqSecDefOptParams(ReqSecDefOptParams {
                    req_id: 12,
                    underlying_symbol: "AAPL".into(),
                    fut_fop_exchange: "".into(),
                    underlying_sec_type: "STK".into(),
                    underlying_con_id: 265598,
                }),
            ),
            (
                "ReqMarketRule",
                Request::ReqMarketRule(ReqMarketRule { market_rule_id: 26 }),
            ),
            (
                "ReqSmartComponents",
                Request::ReqSmartComponents(ReqSmartComponents {
                    req_id: 13,
                    bbo_exchange: "a6".into(),
                }),
            ),
            (
                "ReqMktDepthExchanges",
                Request::ReqMktDepthExchanges(ReqMktDepthExchanges {}),
            ),
            ("ReqFamilyCodes", Request::ReqFamilyCodes(ReqFamilyCodes {})),
            (
                "ReqMarketDataType",
                Request::ReqMarketDataType(ReqMarketDataType {
                    market_data_type: 3,
                }),
            ),
            (
                "ReqMktData",
                Request::ReqMktData(ReqMktData {
                    req_id: 21,
                    contract: Box::new(stock()),
                    generic_tick_list: "233,236".into(),
                    ..ReqMktData::default()
                }),
            ),
            (
                "ReqMktData#combo",
                Request::ReqMktData(ReqMktData {
                    req_id: 22,
                    contract: Box::new(combo()),
                    snapshot: true,
                    ..ReqMktData::default()
                }),
            ),
            (
                "CancelMktData",
                Request::CancelMktData(CancelMktData { req_id: 21 }),
            ),
            (
                "ReqCalcImpliedVolatility",
                Request::ReqCalcImpliedVolatility(ReqCalcImpliedVolatility {
                    req_id: 23,
                    contract: Box::new(option()),
                    option_price: 5.25,
                    under_price: 180.5,
                    options: Vec::new(),
                }),
            ),
            (
                "CancelCalcImpliedVolatility",
                Request::CancelCalcImpliedVolatility(CancelCalcImpliedVolatility { req_id: 23 }),
            ),
            (
                "ReqCalcOptionPrice",
                Request::ReqCalcOptionPrice(ReqCalcOptionPrice {
                    req_id: 24,
                    contract: Box::new(option()),
                    volatility: 0.25,
                    under_price: 180.5,
                    options: Vec::new(),
                }),
            ),
            (
                "CancelCalcOptionPrice",
                Request::CancelCalcOptionPrice(CancelCalcOptionPrice { req_id: 24 }),
            ),
            (
                "ReqMktDepth",
                Request::ReqMktDepth(ReqMktDepth {
                    req_id: 25,
                    contract: Box::new(stock()),
                    num_rows: 5,
                    ..ReqMktDepth::default()
                }),
            ),
            (
                "CancelMktDepth",
                Request::CancelMktDepth(CancelMktDepth {
                    req_id: 25,
                    is_smart_depth: false,
                }),
            ),
            (
                "ReqTickByTickData",
                Request::ReqTickByTickData(ReqTickByTickData {
                    req_id: 27,
                    contract: Box::new(stock()),
                    tick_type: "BidAsk".into(),
                    number_of_ticks: 0,
                    ignore_size: true,
                }),
            ),
            (
                "CancelTickByTickData",
                Request::CancelTickByTickData(CancelTickByTickData { req_id: 27 }),
            ),
            (
                "ReqRealTimeBars",
                Request::ReqRealTimeBars(ReqRealTimeBars {
                    req_id: 28,
                    contract: Box::new(stock()),
                    bar_size: 5,
                    what_to_show: "TRADES".into(),
                    use_rth: true,
                    real_time_bars_options: vec![TagValue {
                        tag: "XYZ".into(),
                        value: "1".into(),
                    }],
                }),
            ),
            (
                "CancelRealTimeBars",
                Request::CancelRealTimeBars(CancelRealTimeBars { req_id: 28 }),
            ),
        ]
    }

    /// Our frame for a call at `version`, or `None` where we refuse it (below
    /// the request's minimum version, or a value its layout cannot carry).
    fn ours(request: &Request, version: i32) -> Option<String> {
        if version < request.min_server_version() {
            return None;
        }
        let mut out = Vec::new();
        match request.encode(version, &mut out) {
            Ok(()) => Some(out.iter().map(|b| format!("{b:02x}")).collect()),
            Err(tws::protocol::EncodeError::NotSupported { .. }) => None,
            Err(e) => panic!("v{version}: {}: {e}", request.name()),
        }
    }

    #[test]
    fn instrument_and_market_data_requests_equal_the_official_clients() {
        let versions = grid_versions();
        let mut args = vec!["encode".to_owned()];
        args.extend(versions.iter().map(|v| v.to_string()));
        let (sessions, err) = oracle_batch(&args);
        assert_eq!(sessions.len(), versions.len(), "the oracle failed: {err}");
        let calls = calls();
        let mut failures = Vec::new();
        let mut rows = 0;
        for (version, (ok, lines)) in versions.iter().zip(&sessions) {
            assert!(ok, "v{version}: the oracle failed: {err}");
            assert_eq!(lines.len(), calls.len(), "v{version}: {lines:?}");
            for ((name, request), line) in calls.iter().zip(lines) {
                assert_eq!(line["name"], *name);
                let theirs = line["fields"]["hex"].as_str().unwrap();
                let theirs = (!theirs.is_empty()).then(|| theirs.to_owned());
                if theirs.is_none() {
                    // ibapi refuses with 503 (TWS out of date) and sends nothing.
                    assert_eq!(
                        line["fields"]["errors"],
                        serde_json::json!([503]),
                        "{name} v{version}"
                    );
                }
                let ours = ours(request, *version);
                rows += 1;
                if ours != theirs {
                    failures.push(format!(
                        "{name:<28} v{version}: libtws {ours:?}\n{:<34}ibapi  {theirs:?}",
                        ""
                    ));
                }
            }
        }
        assert_eq!(rows, calls.len() * versions.len());
        assert!(
            failures.is_empty(),
            "{} of {rows} rows differ:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    /// One of every market-data reply, with realistic values.
    fn replies() -> Vec<Incoming> {
        let depth = |market_maker: &str, smart| MarketDepthData {
            position: 2,
            operation: 1,
            side: 1,
            price: 189.52,
            size: "300".into(),
            market_maker: market_maker.into(),
            is_smart_depth: smart,
        };
        vec![
            Incoming::MarketDataType(MarketDataType {
                req_id: 21,
                market_data_type: 3,
            }),
            Incoming::TickReqParams(TickReqParams {
                req_id: 21,
                min_tick: 0.01,
                bbo_exchange: "9c0001".into(),
                snapshot_permissions: 3,
                ..TickReqParams::default()
            }),
            Incoming::TickPrice(TickPrice {
                req_id: 21,
                tick_type: 1,
                price: 189.52,
                size: "300".into(),
                attrib: 1,
            }),
            Incoming::TickPrice(TickPrice {
                req_id: 21,
                tick_type: 2,
                price: 189.54,
                size: "200".into(),
                attrib: 6,
            }),
            Incoming::TickSize(TickSize {
                req_id: 21,
                tick_type: 8,
                size: "1234567".into(),
            }),
            Incoming::TickString(TickString {
                req_id: 21,
                tick_type: 45,
                value: "1764000000".into(),
            }),
            Incoming::TickGeneric(TickGeneric {
                req_id: 21,
                tick_type: 49,
                value: 0.0,
            }),
            Incoming::TickEfp(TickEfp {
                req_id: 21,
                tick_type: 38,
                basis_points: 1.5,
                formatted_basis_points: "1.50".into(),
                total_dividends: 0.25,
                hold_days: 30,
                future_last_trade_date: "20261218".into(),
                dividend_impact: 0.1,
                dividends_to_last_trade_date: 0.2,
            }),
            Incoming::TickOptionComputation(TickOptionComputation {
                req_id: 23,
                tick_type: 13,
                tick_attrib: 0,
                implied_vol: 0.25,
                delta: 0.52,
                opt_price: 5.25,
                pv_dividend: 0.0,
                gamma: 0.03,
                vega: 0.2,
                theta: -0.05,
                und_price: 180.5,
            }),
            Incoming::TickOptionComputation(TickOptionComputation {
                req_id: 23,
                tick_type: 10,
                tick_attrib: 1,
                implied_vol: -1.0,
                delta: -2.0,
                opt_price: -1.0,
                pv_dividend: -1.0,
                gamma: -2.0,
                vega: -2.0,
                theta: -2.0,
                und_price: -1.0,
            }),
            Incoming::TickSnapshotEnd(TickSnapshotEnd { req_id: 22 }),
            Incoming::RerouteMktDataReq(RerouteMktDataReq {
                req_id: 21,
                con_id: 265598,
                exchange: "SMART".into(),
            }),
            Incoming::RerouteMktDepthReq(RerouteMktDepthReq {
                req_id: 25,
                con_id: 265598,
                exchange: "ISLAND".into(),
            }),
            Incoming::DeltaNeutralValidation(DeltaNeutralValidation {
                req_id: 22,
                con_id: 756733,
                delta: 0.5,
                price: 445.25,
            }),
            Incoming::UpdateMktDepth(UpdateMktDepth {
                req_id: 25,
                data: depth("", false),
            }),
            Incoming::UpdateMktDepthL2(UpdateMktDepthL2 {
                req_id: 25,
                data: depth("NSDQ", true),
            }),
            Incoming::RealTimeBar(RealTimeBar {
                req_id: 28,
                time: 1_764_000_000,
                open: 189.5,
                high: 189.75,
                low: 189.25,
                close: 189.6,
                volume: "1200".into(),
                wap: "189.55".into(),
                count: 17,
            }),
            // tickByTick: each tick type's form, with its attribute flags
            // (ibapi raises nothing for tick type 0, so none is sent).
            Incoming::TickByTick(TickByTick {
                req_id: 27,
                tick_type: 1,
                last: Some(TickByTickLast {
                    time: 1_764_000_001,
                    attrib: 1,
                    price: 189.53,
                    size: "100".into(),
                    exchange: "NASDAQ".into(),
                    special_conditions: "".into(),
                }),
                ..TickByTick::default()
            }),
            Incoming::TickByTick(TickByTick {
                req_id: 27,
                tick_type: 2,
                last: Some(TickByTickLast {
                    time: 1_764_000_002,
                    attrib: 2,
                    price: 189.5,
                    size: "0.5".into(),
                    exchange: "ARCA".into(),
                    special_conditions: "I".into(),
                }),
                ..TickByTick::default()
            }),
            Incoming::TickByTick(TickByTick {
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
            }),
            Incoming::TickByTick(TickByTick {
                req_id: 27,
                tick_type: 4,
                mid_point: Some(TickByTickMidPoint {
                    time: 1_764_000_004,
                    price: 189.53,
                    size: "".into(),
                }),
                ..TickByTick::default()
            }),
            Incoming::ContractDataEnd(ContractDataEnd { req_id: 7 }),
            Incoming::SecDefOptParameterEnd(SecDefOptParameterEnd { req_id: 12 }),
        ]
    }

    /// What the layout of `version` carries of a reply (fields it lacks read
    /// as absent on both sides; the flags of later versions are not sent).
    fn carried(m: &Incoming, version: i32) -> Incoming {
        let mut out = Vec::new();
        m.encode(version, &mut out).unwrap();
        let raw = RawMessage::split(&out[4..], version).unwrap();
        Incoming::decode(&raw, version).unwrap().unwrap()
    }

    #[test]
    fn market_data_replies_decode_the_same_with_ibapi() {
        let versions = [
            100, 108, 109, 131, 132, 145, 146, 155, 156, 176, 200, 201, 206, 222,
        ];
        let dir = tempdir::Dir::new("issue13");
        let mut args = vec!["decode".to_owned()];
        let mut all_ours = Vec::new();
        for version in versions {
            let mut stream = Vec::new();
            for m in replies() {
                carried(&m, version).encode(version, &mut stream).unwrap();
            }
            let file = dir.path(&format!("replies-{version}.bin"));
            std::fs::write(&file, &stream).unwrap();
            let ours = tws_decode(version, &file);
            assert_eq!(ours.len(), replies().len(), "v{version}: {ours:?}");
            args.push(version.to_string());
            args.push(file.to_str().unwrap().to_owned());
            all_ours.push(ours);
        }
        let (streams, err) = oracle_batch(&args);
        assert_eq!(streams.len(), versions.len(), "the oracle failed: {err}");
        for ((version, ours), (ok, theirs)) in versions.iter().zip(&all_ours).zip(&streams) {
            let mut diffs = compare_decoded(ours, theirs);
            if !ok {
                diffs.push(format!("ibapi's decoder complained: {err}"));
            }
            assert!(diffs.is_empty(), "v{version}:\n{}", diffs.join("\n"));
        }
    }

    /// A message's fields as its visitor names them, last value winning (as
    /// the oracle's `visit` builds them from ibapi's objects).
    #[derive(Default)]
    pub(super) struct Json(pub(super) serde_json::Map<String, Value>);

    impl tws::protocol::FieldVisitor for Json {
        fn int(&mut self, name: &'static str, value: i64) {
            self.0.insert(name.into(), value.into());
        }
        fn float(&mut self, name: &'static str, value: f64) {
            self.0.insert(name.into(), value.into());
        }
        fn bool(&mut self, name: &'static str, value: bool) {
            self.0.insert(name.into(), value.into());
        }
        fn str(&mut self, name: &'static str, value: &str) {
            self.0.insert(name.into(), value.into());
        }
    }

    /// Numbers compare as numbers (ibapi reads some fields as ints).
    pub(super) fn same(a: &Value, b: &Value) -> bool {
        match (a.as_f64(), b.as_f64()) {
            (Some(x), Some(y)) => x == y || (x.is_nan() && y.is_nan()),
            _ => a == b,
        }
    }

    fn contract_replies() -> Vec<Incoming> {
        let contract = |sec_type: &str| Contract {
            con_id: 551601561,
            symbol: "ES".into(),
            sec_type: sec_type.into(),
            last_trade_date_or_contract_month: "20261218".into(),
            strike: 0.0,
            multiplier: "50".into(),
            exchange: "CME".into(),
            primary_exchange: "CME".into(),
            currency: "USD".into(),
            local_symbol: "ESZ6".into(),
            trading_class: "ES".into(),
            last_trade_date: "20261218".into(),
            ..Contract::default()
        };
        let details = ContractDetails {
            market_name: "ES".into(),
            min_tick: 0.25,
            order_types: "LMT,MKT".into(),
            valid_exchanges: "CME,QBALGO".into(),
            price_magnifier: 1,
            under_con_id: 11004968,
            long_name: "E-mini S&P 500".into(),
            contract_month: "202612".into(),
            time_zone_id: "US/Central".into(),
            trading_hours: "20261201:1700-20261202:1600".into(),
            liquid_hours: "20261202:0830-20261202:1600".into(),
            ev_multiplier: 0.0,
            sec_id_list: vec![TagValue {
                tag: "ISIN".into(),
                value: "US0000000000".into(),
            }],
            agg_group: 1,
            under_symbol: "ES".into(),
            under_sec_type: "IND".into(),
            market_rule_ids: "67,67".into(),
            real_expiration_date: "20261218".into(),
            min_size: "1".into(),
            size_increment: "1".into(),
            suggested_size_increment: "1".into(),
            last_trade_time: "09:30".into(),
            ineligibility_reasons: vec![IneligibilityReason {
                id: "1".into(),
                description: "no permission".into(),
            }],
            ..ContractDetails::default()
        };
        let fund = ContractDetails {
            fund_name: "Fund".into(),
            fund_family: "Family".into(),
            fund_closed: true,
            fund_notify_amount: "100".into(),
            ..details.clone()
        };
        let bond = ContractDetails {
            cusip: "912828XX".into(),
            coupon: 4.25,
            maturity: "20301115".into(),
            issue_date: "20201115".into(),
            ratings: "AAA".into(),
            bond_type: "GOVT".into(),
            coupon_type: "FIXED".into(),
            callable: true,
            desc_append: "T 4 1/4 11/15/30".into(),
            next_option_partial: true,
            notes: "n".into(),
            long_name: "US TREASURY".into(),
            last_trade_time: "16:00".into(),
            ..details.clone()
        };
        vec![
            Incoming::ContractData(ContractData {
                req_id: 7,
                contract: Box::new(contract("FUT")),
                details: Box::new(details),
            }),
            Incoming::ContractData(ContractData {
                req_id: 7,
                contract: Box::new(contract("FUND")),
                details: Box::new(fund),
            }),
            Incoming::BondContractData(BondContractData {
                req_id: 8,
                contract: Box::new(contract("BOND")),
                details: Box::new(bond),
            }),
            Incoming::SymbolSamples(SymbolSamples {
                req_id: 11,
                descriptions: vec![ContractDescription {
                    contract: Contract {
                        con_id: 265598,
                        symbol: "AAPL".into(),
                        sec_type: "STK".into(),
                        primary_exchange: "NASDAQ".into(),
                        currency: "USD".into(),
                        description: "Apple".into(),
                        ..Contract::default()
                    },
                    derivative_sec_types: vec!["OPT".into(), "WAR".into()],
                }],
            }),
            Incoming::SecDefOptParameter(SecDefOptParameter {
                req_id: 12,
                exchange: "CBOE".into(),
                underlying_con_id: 265598,
                trading_class: "AAPL".into(),
                multiplier: "100".into(),
                expirations: vec!["20261218".into(), "20270115".into()],
                strikes: vec![190.0, 200.0, 210.0],
            }),
            Incoming::MarketRule(MarketRule {
                market_rule_id: 26,
                price_increments: vec![PriceIncrement {
                    low_edge: 0.0,
                    increment: 0.01,
                }],
            }),
            Incoming::SmartComponents(SmartComponents {
                req_id: 13,
                components: vec![SmartComponent {
                    bit_number: 1,
                    exchange: "NYSE".into(),
                    exchange_letter: "N".into(),
                }],
            }),
            Incoming::MktDepthExchanges(MktDepthExchanges {
                descriptions: vec![DepthMktDataDescription {
                    exchange: "ISLAND".into(),
                    sec_type: "STK".into(),
                    listing_exch: "NASDAQ".into(),
                    service_data_type: "Deep2".into(),
                    agg_group: 1,
                }],
            }),
            Incoming::FamilyCodes(FamilyCodes {
                family_codes: vec![FamilyCode {
                    account_id: "DU123456".into(),
                    family_code: "F1".into(),
                }],
            }),
        ]
    }

    #[test]
    fn contract_replies_decode_the_same_with_ibapi() {
        let versions = [
            100, 120, 126, 153, 163, 164, 176, 179, 182, 186, 188, 200, 201, 205, 212, 213, 222,
        ];
        let dir = tempdir::Dir::new("issue13-contracts");
        let mut args = vec!["decode".to_owned()];
        let mut all_ours = Vec::new();
        for version in versions {
            let mut stream = Vec::new();
            let mut ours = Vec::new();
            for m in contract_replies() {
                let mut bytes = Vec::new();
                m.encode(version, &mut bytes).unwrap();
                let raw = RawMessage::split(&bytes[4..], version).unwrap();
                let back = Incoming::decode(&raw, version).unwrap().unwrap();
                let mut json = Json::default();
                back.visit(&mut json);
                for enum_field in [
                    "contract_details.fund_distribution_policy_indicator",
                    "contract_details.fund_asset_type",
                ] {
                    json.0.remove(enum_field);
                }
                ours.push((back.name(), json.0));
                stream.extend_from_slice(&bytes);
            }
            let file = dir.path(&format!("contracts-{version}.bin"));
            std::fs::write(&file, &stream).unwrap();
            args.push(version.to_string());
            args.push(file.to_str().unwrap().to_owned());
            all_ours.push(ours);
        }
        let (streams, err) = oracle_batch(&args);
        assert_eq!(streams.len(), versions.len(), "the oracle failed: {err}");
        let mut diffs = Vec::new();
        for ((version, ours), (ok, theirs)) in versions.iter().zip(&all_ours).zip(&streams) {
            assert!(ok, "v{version}: ibapi's decoder complained: {err}");
            assert_eq!(ours.len(), theirs.len(), "v{version}: {theirs:?}");
            for ((name, fields), t) in ours.iter().zip(theirs) {
                assert_eq!(t["name"], *name, "v{version}");
                let t = t["fields"].as_object().unwrap();
                let keys: std::collections::BTreeSet<&String> =
                    fields.keys().chain(t.keys()).collect();
                for k in keys {
                    let (a, b) = (fields.get(k), t.get(k));
                    let equal = match (a, b) {
                        (Some(a), Some(b)) => same(a, b),
                        _ => false,
                    };
                    if !equal {
                        diffs.push(format!("v{version} {name} {k}: libtws {a:?}, ibapi {b:?}"));
                    }
                }
            }
        }
        assert!(
            diffs.is_empty(),
            "{} differences:\n{}",
            diffs.len(),
            diffs.join("\n")
        );
    }
}

// ---- (f) the executions part of issue 14, both directions ---------------------

mod issue14_executions {
    use super::issue13::{option, same, Json};
    use super::*;
    use tws::protocol::contract::Contract;
    use tws::protocol::executions::*;
    use tws::protocol::orders::SoftDollarTier;
    use tws::protocol::{Form, Incoming};

    fn filter(f: impl FnOnce(&mut ExecutionFilter)) -> ExecutionFilter {
        let mut x = ExecutionFilter::all();
        f(&mut x);
        x
    }

    fn exercise(req_id: i32, f: impl FnOnce(&mut ExerciseOptions)) -> Request {
        let mut x = ExerciseOptions {
            req_id,
            contract: Box::new(option()),
            exercise_action: 1,
            exercise_quantity: 1,
            account: "DU123456".into(),
            ..ExerciseOptions::default()
        };
        f(&mut x);
        Request::ExerciseOptions(x)
    }

    /// The oracle's `EXECUTION_CALLS`, as our requests.
    fn calls() -> Vec<(&'static str, Request)> {
        let req = |req_id, exec_filter| {
            Request::ReqExecutions(ReqExecutions {
                req_id,
                exec_filter,
            })
        };
        vec![
            ("ReqExecutions", req(31, ExecutionFilter::all())),
            (
                "ReqExecutions#filter",
                req(
                    32,
                    filter(|f| {
                        f.client_id = 7;
                        f.acct_code = "DU123456".into();
                        f.time = "20261201-09:30:00".into();
                        f.symbol = "AAPL".into();
                        f.sec_type = "STK".into();
                        f.exchange = "SMART".into();
                        f.side = "BUY".into();
                    }),
                ),
            ),
            ("ReqExecutions#days", req(33, filter(|f| f.last_n_days = 3))),
            (
                "ReqExecutions#dates",
                req(34, filter(|f| f.specific_dates = vec![20261130, 20261201])),
            ),
            ("ExerciseOptions", exercise(35, |x| x.exercise_quantity = 2)),
            (
                "ExerciseOptions#override",
                exercise(36, |x| {
                    x.exercise_action = 2;
                    x.account = "".into();
                    x.exercise_override = true;
                }),
            ),
            (
                "ExerciseOptions#manual",
                exercise(37, |x| x.manual_order_time = "20261201-10:00:00".into()),
            ),
            (
                "ExerciseOptions#customer",
                exercise(38, |x| x.customer_account = "C123".into()),
            ),
            (
                "ExerciseOptions#professional",
                exercise(39, |x| x.professional_customer = true),
            ),
            (
                "ReqSoftDollarTiers",
                Request::ReqSoftDollarTiers(ReqSoftDollarTiers { req_id: 40 }),
            ),
        ]
    }

    fn ours(request: &Request, version: i32) -> Option<String> {
        let mut out = Vec::new();
        match request.encode(version, &mut out) {
            Ok(()) => Some(out.iter().map(|b| format!("{b:02x}")).collect()),
            Err(tws::protocol::EncodeError::NotSupported { .. }) => None,
            Err(e) => panic!("v{version}: {}: {e}", request.name()),
        }
    }

    #[test]
    fn execution_requests_equal_the_official_clients() {
        let versions = grid_versions();
        let mut args = vec!["encode-set".to_owned(), "executions".to_owned()];
        args.extend(versions.iter().map(|v| v.to_string()));
        let (sessions, err) = oracle_batch(&args);
        assert_eq!(sessions.len(), versions.len(), "the oracle failed: {err}");
        let calls = calls();
        let mut failures = Vec::new();
        let mut rows = 0;
        for (version, (ok, lines)) in versions.iter().zip(&sessions) {
            assert!(ok, "v{version}: the oracle failed: {err}");
            assert_eq!(lines.len(), calls.len(), "v{version}: {lines:?}");
            for ((name, request), line) in calls.iter().zip(lines) {
                assert_eq!(line["name"], *name);
                let theirs = line["fields"]["hex"].as_str().unwrap();
                let theirs = (!theirs.is_empty()).then(|| theirs.to_owned());
                if theirs.is_none() {
                    assert_eq!(
                        line["fields"]["errors"],
                        serde_json::json!([503]),
                        "{name} v{version}"
                    );
                }
                rows += 1;
                let ours = ours(request, *version);
                if ours != theirs {
                    failures.push(format!(
                        "{name:<30} v{version}: libtws {ours:?}\n{:<36}ibapi  {theirs:?}",
                        ""
                    ));
                }
            }
        }
        assert_eq!(rows, calls.len() * versions.len());
        assert!(
            failures.is_empty(),
            "{} of {rows} rows differ:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    /// One of every execution reply, with every field set.
    fn replies() -> Vec<Incoming> {
        let stock = Contract {
            con_id: 265598,
            symbol: "AAPL".into(),
            sec_type: "STK".into(),
            strike: 0.0,
            exchange: "ISLAND".into(),
            currency: "USD".into(),
            local_symbol: "AAPL".into(),
            trading_class: "NMS".into(),
            ..Contract::default()
        };
        let execution = Execution {
            order_id: 5,
            exec_id: "0000e0d5.6745a1b2.01.01".into(),
            time: "20261201 09:30:01 US/Eastern".into(),
            acct_number: "DU123456".into(),
            exchange: "ISLAND".into(),
            side: "BOT".into(),
            shares: "100".into(),
            price: 189.5,
            perm_id: 1_234_567_890_123,
            client_id: 7,
            liquidation: true,
            cum_qty: "100".into(),
            avg_price: 189.5,
            order_ref: "ref-1".into(),
            ev_rule: "aussieBond:YearsToExpiration=3".into(),
            ev_multiplier: 0.5,
            model_code: "M1".into(),
            last_liquidity: 2,
            pending_price_revision: true,
            submitter: "trader1".into(),
            opt_exercise_or_lapse_type: 1,
        };
        let fraction = Execution {
            shares: "0.5".into(),
            cum_qty: "".into(),
            liquidation: false,
            pending_price_revision: false,
            opt_exercise_or_lapse_type: -1,
            ..execution.clone()
        };
        vec![
            Incoming::ExecDetails(ExecDetails {
                req_id: 31,
                contract: Box::new(stock.clone()),
                execution: Box::new(execution),
            }),
            Incoming::ExecDetails(ExecDetails {
                req_id: -1,
                contract: Box::new(option()),
                execution: Box::new(fraction),
            }),
            Incoming::ExecDetailsEnd(ExecDetailsEnd { req_id: 31 }),
            Incoming::CommissionAndFeesReport(CommissionAndFeesReport {
                exec_id: "0000e0d5.6745a1b2.01.01".into(),
                commission_and_fees: 1.0,
                currency: "USD".into(),
                realized_pnl: f64::MAX,
                bond_yield: f64::MAX,
                yield_redemption_date: 0,
            }),
            Incoming::CommissionAndFeesReport(CommissionAndFeesReport {
                exec_id: "0000e0d5.6745a1b3.01.01".into(),
                commission_and_fees: 2.5,
                currency: "USD".into(),
                realized_pnl: -12.75,
                bond_yield: 4.25,
                yield_redemption_date: 20301115,
            }),
            Incoming::SoftDollarTiers(SoftDollarTiers {
                req_id: 40,
                tiers: vec![
                    SoftDollarTier {
                        name: "Tier1".into(),
                        value: "0.01".into(),
                        display_name: "Research 1c".into(),
                    },
                    SoftDollarTier {
                        name: "Tier2".into(),
                        value: "0.02".into(),
                        display_name: "Research 2c".into(),
                    },
                ],
            }),
            Incoming::SoftDollarTiers(SoftDollarTiers {
                req_id: 41,
                tiers: Vec::new(),
            }),
            Incoming::OrderBound(OrderBound {
                perm_id: 1_234_567_890_123,
                client_id: 0,
                order_id: 17,
            }),
        ]
    }

    /// The forms a reply can take at `version`: text below 201, both the
    /// binary-id text and the protobuf form from 201 on.
    fn forms(version: i32) -> Vec<Form> {
        if version >= versions::PROTOBUF {
            vec![Form::BinaryText, Form::Proto]
        } else {
            vec![Form::Text]
        }
    }

    #[test]
    fn execution_replies_decode_the_same_with_ibapi() {
        let dir = tempdir::Dir::new("issue14-executions");
        let mut args = vec!["decode".to_owned()];
        let mut all_ours = Vec::new();
        let mut streams_of = Vec::new();
        for version in grid_versions() {
            for form in forms(version) {
                let mut stream = Vec::new();
                let mut ours = Vec::new();
                for m in replies() {
                    let mut bytes = Vec::new();
                    m.encode_as(form, version, &mut bytes).unwrap();
                    let raw = RawMessage::split(&bytes[4..], version).unwrap();
                    assert_eq!(raw.form, form);
                    let back = Incoming::decode(&raw, version).unwrap().unwrap();
                    let mut json = Json::default();
                    back.visit(&mut json);
                    ours.push((back.name(), json.0));
                    stream.extend_from_slice(&bytes);
                }
                let file = dir.path(&format!("executions-{version}-{form:?}.bin"));
                std::fs::write(&file, &stream).unwrap();
                args.push(version.to_string());
                args.push(file.to_str().unwrap().to_owned());
                all_ours.push(ours);
                streams_of.push((version, form));
            }
        }
        let (streams, err) = oracle_batch(&args);
        assert_eq!(streams.len(), streams_of.len(), "the oracle failed: {err}");
        let mut diffs = Vec::new();
        for (((version, form), ours), (ok, theirs)) in
            streams_of.iter().zip(&all_ours).zip(&streams)
        {
            assert!(ok, "v{version} {form:?}: ibapi's decoder complained: {err}");
            assert_eq!(ours.len(), theirs.len(), "v{version} {form:?}: {theirs:?}");
            for ((name, fields), t) in ours.iter().zip(theirs) {
                assert_eq!(t["name"], *name, "v{version} {form:?}");
                let t = t["fields"].as_object().unwrap();
                let keys: std::collections::BTreeSet<&String> =
                    fields.keys().chain(t.keys()).collect();
                for k in keys {
                    let (a, b) = (fields.get(k), t.get(k));
                    if !matches!((a, b), (Some(a), Some(b)) if same(a, b)) {
                        diffs.push(format!(
                            "v{version} {form:?} {name} {k}: libtws {a:?}, ibapi {b:?}"
                        ));
                    }
                }
            }
        }
        assert!(
            diffs.is_empty(),
            "{} differences:\n{}",
            diffs.len(),
            diffs.join("\n")
        );
    }
}

// ---- (g) the historical-data requests and replies (issue 15) ---------------

mod issue15 {
    use super::*;
    use tws::protocol::contract::Contract;
    use tws::protocol::history::*;
    use tws::protocol::instruments::{ComboLeg, DeltaNeutralContract, TagValue};
    use tws::protocol::Incoming;

    fn stock() -> Contract {
        Contract {
            symbol: "AAPL".into(),
            sec_type: "STK".into(),
            strike: f64::MAX,
            exchange: "SMART".into(),
            currency: "USD".into(),
            ..Contract::default()
        }
    }

    fn option() -> Contract {
        Contract {
            symbol: "AAPL".into(),
            sec_type: "OPT".into(),
            last_trade_date_or_contract_month: "20261218".into(),
            strike: 200.0,
            right: "C".into(),
            multiplier: "100".into(),
            exchange: "SMART".into(),
            currency: "USD".into(),
            trading_class: "AAPL".into(),
            ..Contract::default()
        }
    }

    fn combo() -> Contract {
        let leg = |con_id, action: &str| ComboLeg {
            con_id,
            ratio: 1,
            action: action.into(),
            exchange: "SMART".into(),
            exempt_code: -1,
            per_leg_price: f64::MAX,
            ..ComboLeg::default()
        };
        Contract {
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
        }
    }

    fn xyz() -> Vec<TagValue> {
        vec![TagValue {
            tag: "XYZ".into(),
            value: "1".into(),
        }]
    }

    /// The oracle's `HISTORY_CALLS`, as our requests.
    fn calls() -> Vec<(&'static str, Request)> {
        vec![
            (
                "ReqHistoricalData",
                Request::ReqHistoricalData(ReqHistoricalData {
                    req_id: 31,
                    contract: Box::new(stock()),
                    end_date_time: "20261130 16:00:00 US/Eastern".into(),
                    bar_size_setting: "1 hour".into(),
                    duration: "1 D".into(),
                    use_rth: true,
                    what_to_show: "TRADES".into(),
                    format_date: 1,
                    keep_up_to_date: false,
                    chart_options: Vec::new(),
                }),
            ),
            (
                "ReqHistoricalData#update",
                Request::ReqHistoricalData(ReqHistoricalData {
                    req_id: 32,
                    contract: Box::new(option()),
                    end_date_time: "".into(),
                    bar_size_setting: "5 mins".into(),
                    duration: "2 W".into(),
                    use_rth: false,
                    what_to_show: "MIDPOINT".into(),
                    format_date: 2,
                    keep_up_to_date: true,
                    chart_options: xyz(),
                }),
            ),
            (
                "ReqHistoricalData#combo",
                Request::ReqHistoricalData(ReqHistoricalData {
                    req_id: 33,
                    contract: Box::new(combo()),
                    end_date_time: "".into(),
                    bar_size_setting: "1 day".into(),
                    duration: "1 M".into(),
                    use_rth: true,
                    what_to_show: "BID_ASK".into(),
                    format_date: 1,
                    keep_up_to_date: false,
                    chart_options: Vec::new(),
                }),
            ),
            (
                "CancelHistoricalData",
                Request::CancelHistoricalData(CancelHistoricalData { req_id: 32 }),
            ),
            (
                "ReqHeadTimestamp",
                Request::ReqHeadTimestamp(ReqHeadTimestamp {
                    req_id: 34,
                    contract: Box::new(stock()),
                    use_rth: true,
                    what_to_show: "TRADES".into(),
                    format_date: 1,
                }),
            ),
            (
                "ReqHeadTimestamp#option",
                Request::ReqHeadTimestamp(ReqHeadTimestamp {
                    req_id: 35,
                    contract: Box::new(option()),
                    use_rth: false,
                    what_to_show: "BID".into(),
                    format_date: 2,
                }),
            ),
            (
                "CancelHeadTimestamp",
                Request::CancelHeadTimestamp(CancelHeadTimestamp { req_id: 34 }),
            ),
            (
                "ReqHistogramData",
                Request::ReqHistogramData(ReqHistogramData {
                    req_id: 36,
                    contract: Box::new(stock()),
                    use_rth: true,
                    time_period: "3 days".into(),
                }),
            ),
            (
                "CancelHistogramData",
                Request::CancelHistogramData(CancelHistogramData { req_id: 36 }),
            ),
            (
                "ReqHistoricalTicks",
                Request::ReqHistoricalTicks(ReqHistoricalTicks {
                    req_id: 37,
                    contract: Box::new(stock()),
                    start_date_time: "20261130 09:30:00 US/Eastern".into(),
                    end_date_time: "".into(),
                    number_of_ticks: 100,
                    what_to_show: "TRADES".into(),
                    use_rth: true,
                    ignore_size: true,
                    misc_options: Vec::new(),
                }),
            ),
            (
                "ReqHistoricalTicks#bid_ask",
                Request::ReqHistoricalTicks(ReqHistoricalTicks {
                    req_id: 38,
                    contract: Box::new(option()),
                    start_date_time: "".into(),
                    end_date_time: "20261130 16:00:00 US/Eastern".into(),
                    number_of_ticks: 1000,
                    what_to_show: "BID_ASK".into(),
                    use_rth: false,
                    ignore_size: false,
                    misc_options: xyz(),
                }),
            ),
            (
                "CancelHistoricalTicks",
                Request::CancelHistoricalTicks(CancelHistoricalTicks { req_id: 37 }),
            ),
        ]
    }

    /// Our frame for a call at `version`, or `None` where we refuse it.
    fn ours(request: &Request, version: i32) -> Option<String> {
        if version < request.min_server_version() {
            return None;
        }
        let mut out = Vec::new();
        match request.encode(version, &mut out) {
            Ok(()) => Some(out.iter().map(|b| format!("{b:02x}")).collect()),
            Err(tws::protocol::EncodeError::NotSupported { .. }) => None,
            Err(e) => panic!("v{version}: {}: {e}", request.name()),
        }
    }

    #[test]
    fn history_requests_equal_the_official_clients() {
        let versions = grid_versions();
        let mut args = vec!["encode-history".to_owned()];
        args.extend(versions.iter().map(|v| v.to_string()));
        let (sessions, err) = oracle_batch(&args);
        assert_eq!(sessions.len(), versions.len(), "the oracle failed: {err}");
        let calls = calls();
        let mut failures = Vec::new();
        let mut rows = 0;
        for (version, (ok, lines)) in versions.iter().zip(&sessions) {
            assert!(ok, "v{version}: the oracle failed: {err}");
            assert_eq!(lines.len(), calls.len(), "v{version}: {lines:?}");
            for ((name, request), line) in calls.iter().zip(lines) {
                assert_eq!(line["name"], *name);
                let theirs = line["fields"]["hex"].as_str().unwrap();
                let theirs = (!theirs.is_empty()).then(|| theirs.to_owned());
                if theirs.is_none() {
                    // ibapi refuses with 503 (TWS out of date) and sends nothing.
                    assert_eq!(
                        line["fields"]["errors"],
                        serde_json::json!([503]),
                        "{name} v{version}"
                    );
                }
                let ours = ours(request, *version);
                rows += 1;
                if ours != theirs {
                    failures.push(format!(
                        "{name:<28} v{version}: libtws {ours:?}\n{:<34}ibapi  {theirs:?}",
                        ""
                    ));
                }
            }
        }
        assert_eq!(rows, calls.len() * versions.len());
        assert!(
            failures.is_empty(),
            "{} of {rows} rows differ:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    fn bar(date: &str, open: f64, close: f64, volume: &str, wap: &str, bar_count: i32) -> Bar {
        Bar {
            date: date.into(),
            open,
            high: open.max(close) + 0.25,
            low: open.min(close) - 0.5,
            close,
            volume: volume.into(),
            wap: wap.into(),
            bar_count,
        }
    }

    /// One of every historical-data reply, with realistic values.
    fn replies() -> Vec<Incoming> {
        vec![
            Incoming::HistoricalData(HistoricalData {
                req_id: 31,
                start_date: "20261130 09:30:00 US/Eastern".into(),
                end_date: "20261130 16:00:00 US/Eastern".into(),
                bars: vec![
                    bar(
                        "20261130 09:30:00 US/Eastern",
                        189.1,
                        189.5,
                        "51230",
                        "189.32",
                        412,
                    ),
                    bar(
                        "20261130 10:00:00 US/Eastern",
                        189.5,
                        188.75,
                        "12.5",
                        "189.055",
                        97,
                    ),
                ],
            }),
            Incoming::HistoricalDataEnd(HistoricalDataEnd {
                req_id: 31,
                start_date: "20261130 09:30:00 US/Eastern".into(),
                end_date: "20261130 16:00:00 US/Eastern".into(),
            }),
            Incoming::HistoricalDataUpdate(HistoricalDataUpdate {
                req_id: 32,
                bar: bar("1764604800", 189.5, 189.6, "300", "189.55", 3),
            }),
            Incoming::HeadTimestamp(HeadTimestamp {
                req_id: 34,
                head_timestamp: "19801212-14:30:00".into(),
            }),
            Incoming::HistogramData(HistogramData {
                req_id: 36,
                entries: vec![
                    HistogramEntry {
                        price: 188.5,
                        size: "1200".into(),
                    },
                    HistogramEntry {
                        price: 189.0,
                        size: "3400.5".into(),
                    },
                ],
            }),
            Incoming::HistoricalTicks(HistoricalTicks {
                req_id: 37,
                ticks: vec![
                    HistoricalTick {
                        time: 1_764_513_000,
                        price: 189.505,
                        size: "0".into(),
                    },
                    HistoricalTick {
                        time: 1_764_513_001,
                        price: 189.51,
                        size: "0".into(),
                    },
                ],
                done: true,
            }),
            Incoming::HistoricalTicks(HistoricalTicks {
                req_id: 37,
                ticks: Vec::new(),
                done: false,
            }),
            Incoming::HistoricalTicksBidAsk(HistoricalTicksBidAsk {
                req_id: 38,
                ticks: (0..4)
                    .map(|attrib| HistoricalTickBidAsk {
                        time: 1_764_536_400 + i64::from(attrib),
                        attrib,
                        price_bid: 5.2,
                        price_ask: 5.35,
                        size_bid: "12".into(),
                        size_ask: "7".into(),
                    })
                    .collect(),
                done: true,
            }),
            Incoming::HistoricalTicksLast(HistoricalTicksLast {
                req_id: 37,
                ticks: (0..4)
                    .map(|attrib| HistoricalTickLast {
                        time: 1_764_513_000 + i64::from(attrib),
                        attrib,
                        price: [189.1, 189.11, 189.12, 189.13][attrib as usize],
                        size: "100".into(),
                        exchange: "NASDAQ".into(),
                        special_conditions: if attrib == 2 { "I" } else { "" }.into(),
                    })
                    .collect(),
                done: false,
            }),
            Incoming::HistoricalSchedule(HistoricalSchedule {
                req_id: 39,
                start_date_time: "20261130-09:30:00".into(),
                end_date_time: "20261201-16:00:00".into(),
                time_zone: "US/Eastern".into(),
                sessions: vec![
                    HistoricalSession {
                        start_date_time: "20261130-09:30:00".into(),
                        end_date_time: "20261130-16:00:00".into(),
                        ref_date: "20261130".into(),
                    },
                    HistoricalSession {
                        start_date_time: "20261201-09:30:00".into(),
                        end_date_time: "20261201-16:00:00".into(),
                        ref_date: "20261201".into(),
                    },
                ],
            }),
        ]
    }

    /// Every field's values in visit order (a list's items give one each).
    #[derive(Default)]
    struct AllValues(std::collections::BTreeMap<String, Vec<Value>>);

    impl AllValues {
        fn put(&mut self, name: &str, value: Value) {
            self.0.entry(name.to_owned()).or_default().push(value);
        }
    }

    impl tws::protocol::FieldVisitor for AllValues {
        fn int(&mut self, name: &'static str, value: i64) {
            self.put(name, value.into());
        }
        fn float(&mut self, name: &'static str, value: f64) {
            self.put(name, value.into());
        }
        fn bool(&mut self, name: &'static str, value: bool) {
            self.put(name, value.into());
        }
        fn str(&mut self, name: &'static str, value: &str) {
            self.put(name, value.into());
        }
    }

    fn same(a: &Value, b: &Value) -> bool {
        match (a.as_f64(), b.as_f64()) {
            (Some(x), Some(y)) => x == y,
            _ => a == b,
        }
    }

    /// At every version of the grid (text below 208, protobuf from it),
    /// each reply as our decoder reads it equals what ibapi's decoder
    /// reports, field by field and item by item.
    #[test]
    fn history_replies_decode_the_same_with_ibapi() {
        let versions = grid_versions();
        let dir = tempdir::Dir::new("issue15");
        let mut args = vec!["decode".to_owned()];
        let mut all_ours = Vec::new();
        for &version in &versions {
            let mut stream = Vec::new();
            let mut ours = Vec::new();
            for m in replies() {
                let mut bytes = Vec::new();
                m.encode(version, &mut bytes).unwrap();
                let raw = RawMessage::split(&bytes[4..], version).unwrap();
                let back = Incoming::decode(&raw, version).unwrap().unwrap();
                let mut values = AllValues::default();
                back.visit(&mut values);
                ours.push((back.name(), values.0));
                stream.extend_from_slice(&bytes);
            }
            let file = dir.path(&format!("history-{version}.bin"));
            std::fs::write(&file, &stream).unwrap();
            args.push(version.to_string());
            args.push(file.to_str().unwrap().to_owned());
            all_ours.push(ours);
        }
        let (streams, err) = oracle_batch(&args);
        assert_eq!(streams.len(), versions.len(), "the oracle failed: {err}");
        let mut diffs = Vec::new();
        for ((version, ours), (ok, theirs)) in versions.iter().zip(&all_ours).zip(&streams) {
            assert!(ok, "v{version}: ibapi's decoder complained: {err}");
            assert_eq!(ours.len(), theirs.len(), "v{version}: {theirs:?}");
            for ((name, fields), t) in ours.iter().zip(theirs) {
                assert_eq!(t["name"], *name, "v{version}");
                let t = t["fields"].as_object().unwrap();
                let keys: std::collections::BTreeSet<&String> =
                    fields.keys().chain(t.keys()).collect();
                for k in keys {
                    // The generic recorder (headTimestamp, historicalDataEnd)
                    // gives single values, the hand-written one lists.
                    let b = t.get(k).map(|v| match v {
                        Value::Array(a) => a.clone(),
                        v => vec![v.clone()],
                    });
                    let a = fields.get(k);
                    let equal = match (a, &b) {
                        (Some(a), Some(b)) => {
                            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
                        }
                        _ => false,
                    };
                    if !equal {
                        diffs.push(format!("v{version} {name} {k}: libtws {a:?}, ibapi {b:?}"));
                    }
                }
            }
        }
        assert!(
            diffs.is_empty(),
            "{} differences:\n{}",
            diffs.len(),
            diffs.join("\n")
        );
    }
}

// ---- (h) the rest of the API (issue 16), byte for byte and decoded -------------

mod issue16 {
    use super::*;
    use tws::protocol::advisors::*;
    use tws::protocol::config::*;
    use tws::protocol::contract::Contract;
    use tws::protocol::display_groups::*;
    use tws::protocol::instruments::TagValue;
    use tws::protocol::messages::{
        SetServerLogLevel, VerifyAndAuthCompleted, VerifyAndAuthMessage, VerifyAndAuthMessageApi,
        VerifyAndAuthRequest, VerifyCompleted, VerifyMessage, VerifyMessageApi, VerifyRequest,
    };
    use tws::protocol::news::*;
    use tws::protocol::scanner::*;
    use tws::protocol::wsh::*;
    use tws::protocol::Incoming;

    /// The oracle's `REST_CALLS`, as our requests.
    fn calls() -> Vec<(&'static str, Request)> {
        vec![
            (
                "ReqNewsBulletins",
                Request::ReqNewsBulletins(ReqNewsBulletins { all_msgs: true }),
            ),
            (
                "CancelNewsBulletins",
                Request::CancelNewsBulletins(CancelNewsBulletins {}),
            ),
            (
                "ReqNewsProviders",
                Request::ReqNewsProviders(ReqNewsProviders {}),
            ),
            (
                "ReqNewsArticle",
                Request::ReqNewsArticle(ReqNewsArticle {
                    req_id: 31,
                    provider_code: "BRFG".into(),
                    article_id: "BRFG$0c6a1b2e".into(),
                    news_article_options: Vec::<TagValue>::new(),
                }),
            ),
            (
                "ReqHistoricalNews",
                Request::ReqHistoricalNews(ReqHistoricalNews {
                    req_id: 32,
                    con_id: 8314,
                    provider_codes: "BRFG+DJNL".into(),
                    start_date_time: "2026-11-01 00:00:00.0".into(),
                    end_date_time: "2026-12-01 00:00:00.0".into(),
                    total_results: 10,
                    historical_news_options: Vec::new(),
                }),
            ),
            (
                "ReqScannerParameters",
                Request::ReqScannerParameters(ReqScannerParameters {}),
            ),
            (
                "ReqScannerSubscription",
                Request::ReqScannerSubscription(ReqScannerSubscription {
                    req_id: 41,
                    subscription: Box::new(subscription(Vec::new())),
                }),
            ),
            (
                "ReqScannerSubscription#filter",
                Request::ReqScannerSubscription(ReqScannerSubscription {
                    req_id: 42,
                    // One filter: in protobuf the filters are a map, which
                    // ibapi serialises in its own order, not the caller's.
                    subscription: Box::new(subscription(vec![tag("priceAbove", "5")])),
                }),
            ),
            (
                "CancelScannerSubscription",
                Request::CancelScannerSubscription(CancelScannerSubscription { req_id: 41 }),
            ),
            ("ReqFa", Request::ReqFa(ReqFa { fa_data: 1 })),
            (
                "ReplaceFa",
                Request::ReplaceFa(ReplaceFa {
                    req_id: 43,
                    fa_data: 1,
                    cxml: "<ListOfGroups><Group><name>G1</name></Group></ListOfGroups>".into(),
                }),
            ),
            (
                "QueryDisplayGroups",
                Request::QueryDisplayGroups(QueryDisplayGroups { req_id: 44 }),
            ),
            (
                "SubscribeToGroupEvents",
                Request::SubscribeToGroupEvents(SubscribeToGroupEvents {
                    req_id: 45,
                    group_id: 1,
                }),
            ),
            (
                "UpdateDisplayGroup",
                Request::UpdateDisplayGroup(UpdateDisplayGroup {
                    req_id: 45,
                    contract_info: "8314@SMART".into(),
                }),
            ),
            (
                "UnsubscribeFromGroupEvents",
                Request::UnsubscribeFromGroupEvents(UnsubscribeFromGroupEvents { req_id: 45 }),
            ),
            (
                "ReqWshMetaData",
                Request::ReqWshMetaData(ReqWshMetaData { req_id: 46 }),
            ),
            (
                "CancelWshMetaData",
                Request::CancelWshMetaData(CancelWshMetaData { req_id: 46 }),
            ),
            (
                "ReqWshEventData",
                Request::ReqWshEventData(ReqWshEventData {
                    req_id: 47,
                    con_id: 8314,
                    total_limit: i32::MAX,
                    ..ReqWshEventData::default()
                }),
            ),
            (
                "ReqWshEventData#filters",
                Request::ReqWshEventData(ReqWshEventData {
                    req_id: 48,
                    con_id: 8314,
                    filter: r#"{"watchlist":["8314"]}"#.into(),
                    fill_watchlist: true,
                    start_date: "20261201".into(),
                    end_date: "20261231".into(),
                    total_limit: 10,
                    ..ReqWshEventData::default()
                }),
            ),
            (
                "CancelWshEventData",
                Request::CancelWshEventData(CancelWshEventData { req_id: 47 }),
            ),
            (
                "SetServerLogLevel",
                Request::SetServerLogLevel(SetServerLogLevel { log_level: 5 }),
            ),
            (
                "VerifyRequest",
                Request::VerifyRequest(VerifyRequest {
                    api_name: "libtws-test".into(),
                    api_version: "1.0".into(),
                }),
            ),
            (
                "VerifyMessage",
                Request::VerifyMessage(VerifyMessage {
                    api_data: "challenge-answer".into(),
                }),
            ),
            (
                "VerifyAndAuthRequest",
                Request::VerifyAndAuthRequest(VerifyAndAuthRequest {
                    api_name: "libtws-test".into(),
                    api_version: "1.0".into(),
                    opaque_isv_key: "isv-key".into(),
                }),
            ),
            (
                "VerifyAndAuthMessage",
                Request::VerifyAndAuthMessage(VerifyAndAuthMessage {
                    api_data: "challenge-answer".into(),
                    xyz_response: "xyz".into(),
                }),
            ),
            ("ReqConfig", Request::ReqConfig(ReqConfig { req_id: 49 })),
            ("UpdateConfig", Request::UpdateConfig(update_config())),
            (
                "UpdateConfig#empty",
                Request::UpdateConfig(UpdateConfig {
                    req_id: 51,
                    ..UpdateConfig::default()
                }),
            ),
        ]
    }

    /// The oracle's `update_config_request(50)`: bools set false as well as
    /// true, the rest left unset.
    fn update_config() -> UpdateConfig {
        UpdateConfig {
            req_id: 50,
            lock_and_exit: Some(LockAndExitConfig {
                auto_logoff_time: "11:40 PM".into(),
                ..LockAndExitConfig::default()
            }),
            messages: vec![MessageConfigUpdate {
                id: 2,
                enabled: 0,
                ..MessageConfigUpdate::default()
            }],
            api: Some(Box::new(ApiConfigUpdate {
                precautions: Some(ApiPrecautionsConfigUpdate {
                    bypass_order_precautions: 1,
                    bypass_bond_warning: 0,
                    ..ApiPrecautionsConfigUpdate::default()
                }),
                settings: Some(ApiSettingsConfigUpdate {
                    read_only_api: 0,
                    socket_port: 7496,
                    master_client_id: 0,
                    trusted_ips: vec!["10.0.0.2".into()],
                    ..ApiSettingsConfigUpdate::default()
                }),
            })),
            orders: Some(OrdersConfigUpdate {
                smart_routing: Some(OrdersSmartRoutingConfigUpdate {
                    do_not_route_to_dark_pools: 1,
                    ..OrdersSmartRoutingConfigUpdate::default()
                }),
            }),
            accepted_warnings: vec![UpdateConfigWarning {
                message_id: 3,
                title: "Restart".into(),
                message: String::new(),
            }],
            reset_api_order_sequence: 1,
        }
    }

    fn tag(tag: &str, value: &str) -> TagValue {
        TagValue {
            tag: tag.into(),
            value: value.into(),
        }
    }

    /// The oracle's `scanner_subscription()`: every number unset but the
    /// price and volume floors.
    fn subscription(filter_options: Vec<TagValue>) -> ScannerSubscription {
        ScannerSubscription {
            number_of_rows: 25,
            instrument: "STK".into(),
            location_code: "STK.US.MAJOR".into(),
            scan_code: "TOP_PERC_GAIN".into(),
            above_price: 5.0,
            below_price: f64::MAX,
            above_volume: 100_000,
            market_cap_above: f64::MAX,
            market_cap_below: f64::MAX,
            coupon_rate_above: f64::MAX,
            coupon_rate_below: f64::MAX,
            average_option_volume_above: i32::MAX,
            stock_type_filter: "ALL".into(),
            filter_options,
            ..ScannerSubscription::default()
        }
    }

    /// Our frame for a call at `version`, or `None` where we refuse it.
    fn ours(request: &Request, version: i32) -> Option<String> {
        if version < request.min_server_version() {
            return None;
        }
        let mut out = Vec::new();
        match request.encode(version, &mut out) {
            Ok(()) => Some(out.iter().map(|b| format!("{b:02x}")).collect()),
            Err(tws::protocol::EncodeError::NotSupported { .. }) => None,
            Err(e) => panic!("v{version}: {}: {e}", request.name()),
        }
    }

    #[test]
    fn rest_requests_equal_the_official_clients() {
        let versions = grid_versions();
        let mut args = vec!["encode16".to_owned()];
        args.extend(versions.iter().map(|v| v.to_string()));
        let (sessions, err) = oracle_batch(&args);
        assert_eq!(sessions.len(), versions.len(), "the oracle failed: {err}");
        let calls = calls();
        let mut failures = Vec::new();
        let mut rows = 0;
        for (version, (ok, lines)) in versions.iter().zip(&sessions) {
            assert!(ok, "v{version}: the oracle failed: {err}");
            assert_eq!(lines.len(), calls.len(), "v{version}: {lines:?}");
            for ((name, request), line) in calls.iter().zip(lines) {
                assert_eq!(line["name"], *name);
                let theirs = line["fields"]["hex"].as_str().unwrap();
                let theirs = (!theirs.is_empty()).then(|| theirs.to_owned());
                if theirs.is_none() {
                    // ibapi refuses with 503 (TWS out of date) and sends nothing.
                    assert_eq!(
                        line["fields"]["errors"],
                        serde_json::json!([503]),
                        "{name} v{version}"
                    );
                }
                let ours = ours(request, *version);
                rows += 1;
                if ours != theirs {
                    failures.push(format!(
                        "{name:<28} v{version}: libtws {ours:?}\n{:<34}ibapi  {theirs:?}",
                        ""
                    ));
                }
            }
        }
        assert_eq!(rows, calls.len() * versions.len());
        assert!(
            failures.is_empty(),
            "{} of {rows} rows differ:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    /// One of every reply of the family, with realistic values.
    fn replies() -> Vec<Incoming> {
        vec![
            Incoming::UpdateNewsBulletin(UpdateNewsBulletin {
                msg_id: 7,
                msg_type: 1,
                news_message: "Trading in XYZ halted pending news".into(),
                origin_exch: "NYSE".into(),
            }),
            Incoming::NewsProviders(NewsProviders {
                news_providers: vec![
                    NewsProvider {
                        code: "BRFG".into(),
                        name: "Briefing.com General Market Columns".into(),
                    },
                    NewsProvider {
                        code: "DJNL".into(),
                        name: "Dow Jones Newsletters".into(),
                    },
                ],
            }),
            Incoming::NewsArticle(NewsArticle {
                req_id: 31,
                article_type: 0,
                article_text: "<html>Stocks rose.</html>".into(),
            }),
            Incoming::HistoricalNews(HistoricalNews {
                req_id: 32,
                time: "2026-11-30 14:05:00.0".into(),
                provider_code: "BRFG".into(),
                article_id: "BRFG$0c6a1b2e".into(),
                headline: "Stocks rise on rate hopes".into(),
            }),
            Incoming::HistoricalNewsEnd(HistoricalNewsEnd {
                req_id: 32,
                has_more: true,
            }),
            Incoming::TickNews(TickNews {
                req_id: 21,
                time_stamp: 1_764_000_000_000,
                provider_code: "BRFG".into(),
                article_id: "BRFG$0c6a1b2f".into(),
                headline: "Apple unveils new product".into(),
                extra_data: "A:800015:L:en".into(),
            }),
            Incoming::ScannerParameters(ScannerParameters {
                xml: "<ScanParameterResponse><InstrumentList/></ScanParameterResponse>".into(),
            }),
            Incoming::ScannerData(ScannerData {
                req_id: 41,
                items: vec![scan_row(0, 265598, "AAPL"), scan_row(1, 272093, "MSFT")],
            }),
            Incoming::ScannerData(ScannerData {
                req_id: 42,
                items: Vec::new(),
            }),
            Incoming::ReceiveFa(ReceiveFa {
                fa_data: 1,
                cxml: "<ListOfGroups><Group><name>G1</name></Group></ListOfGroups>".into(),
            }),
            Incoming::ReplaceFaEnd(ReplaceFaEnd {
                req_id: 43,
                text: "FA data replaced".into(),
            }),
            Incoming::DisplayGroupList(DisplayGroupList {
                req_id: 44,
                groups: "1|2|3".into(),
            }),
            Incoming::DisplayGroupUpdated(DisplayGroupUpdated {
                req_id: 45,
                contract_info: "8314@SMART".into(),
            }),
            Incoming::WshMetaData(WshMetaData {
                req_id: 46,
                data_json: r#"{"validated":true,"meta_data":{"event_types":[]}}"#.into(),
            }),
            Incoming::WshEventData(WshEventData {
                req_id: 47,
                data_json: r#"{"event_type":"wshe_ed","data":{"earnings_date":"20261029"}}"#.into(),
            }),
            Incoming::VerifyMessageApi(VerifyMessageApi {
                api_data: "challenge".into(),
            }),
            Incoming::VerifyCompleted(VerifyCompleted {
                is_successful: true,
                error_text: String::new(),
            }),
            Incoming::VerifyCompleted(VerifyCompleted {
                is_successful: false,
                error_text: "API verification failed".into(),
            }),
            Incoming::VerifyAndAuthMessageApi(VerifyAndAuthMessageApi {
                api_data: "challenge".into(),
                xyz_challenge: "xyz".into(),
            }),
            Incoming::VerifyAndAuthCompleted(VerifyAndAuthCompleted {
                is_successful: true,
                error_text: String::new(),
            }),
        ]
    }

    /// The protobuf-only replies (configuration, server 219 and 221 on).
    fn proto_replies() -> Vec<Incoming> {
        vec![
            Incoming::ConfigResponse(ConfigResponse {
                req_id: 49,
                lock_and_exit: Some(LockAndExitConfig {
                    auto_logoff_time: "11:45 PM".into(),
                    auto_logoff_period: "PM".into(),
                    auto_logoff_type: "logoff".into(),
                }),
                messages: vec![MessageConfig {
                    id: 2,
                    title: "Order precautions".into(),
                    message: "The order size exceeds the limit".into(),
                    default_action: "Ok".into(),
                    enabled: true,
                }],
                api: Some(Box::new(ApiConfig {
                    precautions: Some(ApiPrecautionsConfig {
                        bypass_order_precautions: true,
                        ..ApiPrecautionsConfig::default()
                    }),
                    settings: Some(ApiSettingsConfig {
                        read_only_api: true,
                        socket_port: 7497,
                        master_client_id: 0,
                        logging_level: "error".into(),
                        trusted_ips: vec!["127.0.0.1".into(), "10.0.0.2".into()],
                        ..ApiSettingsConfig::default()
                    }),
                })),
                orders: Some(OrdersConfig {
                    smart_routing: Some(OrdersSmartRoutingConfig {
                        seek_price_improvement: true,
                        default_algorithm: "Adaptive".into(),
                        ..OrdersSmartRoutingConfig::default()
                    }),
                }),
            }),
            Incoming::ConfigResponse(ConfigResponse {
                req_id: 50,
                ..ConfigResponse::default()
            }),
            Incoming::UpdateConfigResponse(UpdateConfigResponse {
                req_id: 51,
                status: "SUCCESS".into(),
                message: "Configuration updated".into(),
                changed_fields: vec!["api.settings.socketPort".into()],
                errors: Vec::new(),
                warnings: vec![UpdateConfigWarning {
                    message_id: 3,
                    title: "Restart".into(),
                    message: "TWS must restart for the port to change".into(),
                }],
            }),
        ]
    }

    fn scan_row(rank: i32, con_id: i32, symbol: &str) -> ScanData {
        ScanData {
            rank,
            contract: Contract {
                con_id,
                symbol: symbol.into(),
                sec_type: "STK".into(),
                strike: 0.0,
                exchange: "SMART".into(),
                currency: "USD".into(),
                local_symbol: symbol.into(),
                trading_class: "NMS".into(),
                ..Contract::default()
            },
            market_name: "NMS".into(),
            distance: String::new(),
            benchmark: String::new(),
            projection: String::new(),
            legs_str: String::new(),
        }
    }

    #[test]
    fn rest_replies_decode_the_same_with_ibapi() {
        let versions = grid_versions();
        let dir = tempdir::Dir::new("issue16");
        let mut args = vec!["decode".to_owned()];
        let mut all_ours = Vec::new();
        for &version in &versions {
            let mut stream = Vec::new();
            let mut expected = replies().len();
            for m in replies() {
                m.encode(version, &mut stream).unwrap();
            }
            // Each from its own threshold (CONFIG 219, UPDATE_CONFIG 221):
            // below it there is no form to send it in.
            for m in proto_replies() {
                if m.encode(version, &mut stream).is_ok() {
                    expected += 1;
                }
            }
            let file = dir.path(&format!("rest-{version}.bin"));
            std::fs::write(&file, &stream).unwrap();
            let ours = tws_decode(version, &file);
            assert_eq!(ours.len(), expected, "v{version}: {ours:?}");
            args.push(version.to_string());
            args.push(file.to_str().unwrap().to_owned());
            all_ours.push(ours);
        }
        let (streams, err) = oracle_batch(&args);
        assert_eq!(streams.len(), versions.len(), "the oracle failed: {err}");
        for ((version, ours), (ok, theirs)) in versions.iter().zip(&all_ours).zip(&streams) {
            let mut diffs = compare_decoded(ours, theirs);
            if !ok {
                diffs.push(format!("ibapi's decoder complained: {err}"));
            }
            assert!(diffs.is_empty(), "v{version}:\n{}", diffs.join("\n"));
        }
    }
}
