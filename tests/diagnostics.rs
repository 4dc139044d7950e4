//! The library's log and the wire trace, against the simulator: the log names
//! the milestones of a session, the trace has one line per message both ways,
//! the connection's events, and the hex of bad frames, which `tws-decode`
//! reproduces; `tws-decode`'s own diagnostics.

use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tws::client::{Client, ConnectionState, Event, Options, ReconnectPolicy};
use tws::logging::{self, Level};
use tws::protocol::Incoming;
use tws::sim::{self, Faults, Garbage, Restart, SimConfig};

const T: Duration = Duration::from_secs(5);

#[test]
fn log_and_trace_follow_a_session() {
    let sim = sim::start(SimConfig {
        server_version: 222,
        ..SimConfig::default()
    })
    .expect("simulator starts");
    let dir = std::env::temp_dir().join(format!("tws-trace-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let trace = dir.join("wire.log");
    let _ = std::fs::remove_file(&trace);

    let records: Arc<Mutex<Vec<(Level, String, String)>>> = Arc::default();
    let r = records.clone();
    logging::set_max_level(Level::Debug);
    logging::set_sink(Some(Arc::new(move |l, t: &str, m: &str| {
        r.lock().unwrap().push((l, t.to_owned(), m.to_owned()))
    })));

    let client = Client::new(Options {
        trace_file: Some(trace.clone()),
        ..Options::default()
    })
    .unwrap();
    client.connect("127.0.0.1", sim.port(), 3, T).unwrap();
    let rows = client.account_summary("All", "NetLiquidation", T).unwrap();
    assert_eq!(rows.len(), 1);
    client.disconnect();
    logging::set_sink(None);

    let text = std::fs::read_to_string(&trace).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let find = |needle: &str| {
        lines
            .iter()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no trace line with {needle:?} in:\n{text}"))
    };
    assert!(find(" -> Handshake ").contains("max_version: 226"));
    assert!(find(" <- ServerVersion ").contains("server_version: 222"));
    assert!(find(" -> StartApi ").contains("client_id: 3"));
    assert!(find(" <- NextValidId ").contains("order_id:"));
    let req = find(" -> ReqAccountSummary ");
    assert!(req.contains("group: \"All\"") && req.contains("tags: \"NetLiquidation\""));
    let row = find(" <- AccountSummary ");
    assert!(row.contains("tag: \"NetLiquidation\"") && row.contains("value: \"983631.71\""));
    find(" <- AccountSummaryEnd ");
    find(" -> CancelAccountSummary ");
    for l in &lines {
        // 2026-11-25T14:50:35.123456Z
        let ts = l.split(' ').next().unwrap();
        assert_eq!(ts.len(), 27, "{l}");
        assert!(ts.ends_with('Z') && ts.as_bytes()[10] == b'T', "{l}");
    }

    let records = records.lock().unwrap();
    let has = |level: Level, needle: &str| {
        records
            .iter()
            .any(|(l, t, m)| *l == level && t.starts_with("tws::client") && m.contains(needle))
    };
    assert!(has(Level::Info, "connecting to 127.0.0.1"), "{records:?}");
    assert!(has(Level::Info, "server version 222"), "{records:?}");
    assert!(has(Level::Info, "session ready"), "{records:?}");
    assert!(has(Level::Debug, "connect attempt"), "{records:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unwritable_trace_file_fails_client_creation() {
    let err = Client::new(Options {
        trace_file: Some("/nonexistent-dir/x/trace.log".into()),
        ..Options::default()
    })
    .err()
    .expect("creation fails");
    assert!(err.to_string().contains("trace file"), "{err}");
}

// ---- the trace records what happened to the connection ---------------------------

/// Polls until `pred` matches; panics after `limit`.
fn until(client: &Client, limit: Duration, what: &str, pred: impl Fn(&Event) -> bool) {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Ok(Some(e)) = client.poll(Duration::from_millis(100)) {
            if pred(&e) {
                return;
            }
        }
    }
    panic!("no {what} within {limit:?}");
}

fn is_state(e: &Event, wanted: ConnectionState) -> bool {
    matches!(e, Event::State { state, .. } if *state == wanted)
}

/// A trace file of its own under target/, removed when the test passes.
struct TraceFile(PathBuf);

impl TraceFile {
    fn new(tag: &str) -> TraceFile {
        let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("diagnostics-{}-{tag}.trace", std::process::id()));
        let _ = std::fs::remove_file(&path);
        TraceFile(path)
    }
    fn text(&self) -> String {
        std::fs::read_to_string(&self.0).unwrap_or_default()
    }
}

impl Drop for TraceFile {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_file(&self.0);
        }
    }
}

/// The first trace line `TIME MARK NAME ...` (MARK is `->`, `<-` or `--`).
fn trace_line<'a>(text: &'a str, mark: &str, name: &str) -> &'a str {
    text.lines()
        .find(|l| {
            let mut words = l.split(' ').skip(1);
            words.next() == Some(mark) && words.next() == Some(name)
        })
        .unwrap_or_else(|| panic!("no {mark} {name} line in the trace:\n{text}"))
}

/// The value of `name: "..."` on a trace line (a Rust-quoted string).
fn quoted_field(line: &str, name: &str) -> String {
    let at = line
        .find(&format!("{name}: \""))
        .unwrap_or_else(|| panic!("no {name} in {line}"));
    let rest = &line[at + name.len() + 3..];
    let mut out = String::new();
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return out,
            '\\' => out.push(chars.next().unwrap()),
            c => out.push(c),
        }
    }
    panic!("unterminated {name} in {line}")
}

struct Decoded {
    code: Option<i32>,
    stdout: Vec<Value>,
    stderr: String,
}

fn tws_decode(args: &[&str]) -> Decoded {
    let out = Command::new(env!("CARGO_BIN_EXE_tws-decode"))
        .args(args)
        .output()
        .expect("tws-decode runs");
    let stdout = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    Decoded {
        code: out.status.code(),
        stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn the_trace_records_bad_frames_as_hex_that_tws_decode_reproduces() {
    for version in [176, 222] {
        for mode in [Garbage::Truncated, Garbage::BadField, Garbage::Oversize] {
            let what = format!("{mode} at v{version}");
            let sim = sim::start(SimConfig {
                server_version: version,
                quiet: true,
                faults: Faults {
                    garbage: Some(mode),
                    ..Faults::default()
                },
                ..SimConfig::default()
            })
            .expect("simulator starts");
            let trace = TraceFile::new(&format!("{mode}-{version}"));
            let client = Client::new(Options {
                trace_file: Some(trace.0.clone()),
                reconnect: ReconnectPolicy::off(),
                ..Options::default()
            })
            .unwrap();
            client.connect("127.0.0.1", sim.port(), 5, T).unwrap();
            client
                .req_account_summary(4, "All", "NetLiquidation")
                .unwrap();
            if mode == Garbage::Oversize {
                until(&client, T, "connection lost", |e| {
                    is_state(e, ConnectionState::ConnectionLost)
                });
            } else {
                until(&client, T, "summary end", |e| {
                    matches!(e, Event::Message(Incoming::AccountSummaryEnd(_)))
                });
            }
            client.disconnect();
            let text = trace.text();

            let connect = trace_line(&text, "--", "Connect");
            let port = sim.port();
            for field in [
                "host: \"127.0.0.1\"".to_owned(),
                format!("port: {port}"),
                "client_id: 5".to_owned(),
                format!("server_version: {version}"),
            ] {
                assert!(connect.contains(&field), "{what}: {field} in {connect}");
            }
            trace_line(&text, "--", "Connected");
            let (bad, expected_reason) = if mode == Garbage::Oversize {
                let bad = trace_line(&text, "<-", "ProtocolError");
                let lost = trace_line(&text, "--", "ConnectionLost");
                let reason = quoted_field(lost, "reason");
                assert!(reason.contains("protocol error"), "{what}: {lost}");
                (bad, reason)
            } else {
                let bad = trace_line(&text, "<-", "DecodeFailed");
                (bad, quoted_field(bad, "reason"))
            };
            let disconnected = trace_line(&text, "--", "Disconnected");
            assert!(
                disconnected.contains("disconnect requested"),
                "{disconnected}"
            );

            // The recorded hex, fed back, gives the same error.
            let hex = bad.rsplit("hex: ").next().unwrap();
            let v = version.to_string();
            let again = tws_decode(&["--server-version", &v, "--hex", hex]);
            assert_eq!(again.code, Some(1), "{what}: {}", again.stderr);
            assert_eq!(again.stdout.len(), 1, "{what}: {:?}", again.stdout);
            let error = again.stdout[0]["error"].as_str().unwrap().to_owned();
            assert!(
                expected_reason.contains(&error),
                "{what}: tws-decode says {error:?}, the trace {expected_reason:?}"
            );
            if mode == Garbage::BadField {
                assert!(error.contains("not-a-number"), "{what}: {error}");
            }

            // And --trace finds it (with the connection's version) by itself.
            let path = trace.0.to_str().unwrap();
            let from_trace = tws_decode(&["--trace", path]);
            assert_eq!(from_trace.code, Some(1), "{what}: {}", from_trace.stderr);
            assert_eq!(
                from_trace.stdout.len(),
                1,
                "{what}: {:?}",
                from_trace.stdout
            );
            let line = &from_trace.stdout[0];
            assert_eq!(line["error"], error.as_str(), "{what}: {line}");
            assert_eq!(line["server_version"], version, "{what}: {line}");
            let n = line["trace_line"].as_u64().unwrap() as usize;
            assert_eq!(text.lines().nth(n - 1), Some(bad), "{what}: {line}");
        }
    }
}

#[test]
fn the_trace_records_a_restart_and_the_reconnect() {
    let sim = sim::start(SimConfig {
        server_version: 222,
        quiet: true,
        faults: Faults {
            restart: Some(Restart {
                after: Duration::from_millis(800),
                down: Duration::from_millis(600),
            }),
            ..Faults::default()
        },
        ..SimConfig::default()
    })
    .expect("simulator starts");
    let trace = TraceFile::new("restart");
    let client = Client::new(Options {
        trace_file: Some(trace.0.clone()),
        reconnect: ReconnectPolicy {
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(300),
            ..ReconnectPolicy::default()
        },
        ..Options::default()
    })
    .unwrap();
    client.connect("127.0.0.1", sim.port(), 0, T).unwrap();
    until(&client, T, "reconnected", |e| {
        is_state(e, ConnectionState::Reconnected)
    });
    client.disconnect();
    let text = trace.text();
    // The order reconciliation after the reconnect may finish before the
    // disconnect (its `Reconciled` line then comes right after
    // `Reconnected`) or not: the lines below leave it out.
    let reconciled = text.lines().position(|l| l.contains(" -- Reconciled "));
    let reconnected = text.lines().position(|l| l.contains(" -- Reconnected "));
    if let Some(at) = reconciled {
        assert!(reconnected.is_some_and(|r| r < at), "{text}");
    }
    let events: Vec<&str> = text
        .lines()
        .filter(|l| l.contains(" -- ") && !l.contains(" -- Reconciled "))
        .collect();
    let names: Vec<&str> = events
        .iter()
        .map(|l| l.split(' ').nth(2).unwrap())
        .collect();
    // Connect, Connected; lost; one or more attempts; Connect, Reconnected; Disconnected.
    assert_eq!(
        &names[..3],
        ["Connect", "Connected", "ConnectionLost"],
        "{text}"
    );
    assert!(events[2].contains("closed by peer"), "{}", events[2]);
    assert_eq!(names[3], "Reconnecting", "{text}");
    assert!(
        events[3].contains("attempt: 1, delay_ms: "),
        "{}",
        events[3]
    );
    let tail = &names[names.len() - 3..];
    assert_eq!(tail, ["Connect", "Reconnected", "Disconnected"], "{text}");
    assert!(
        names[3..names.len() - 3]
            .iter()
            .all(|n| *n == "Reconnecting"),
        "{text}"
    );
    assert!(events[events.len() - 2].contains("attempt: "), "{text}");
}

// ---- tws-decode on wrong versions and bad input ---------------------------------

/// A capture of the simulator's startup messages and one summary at `version`.
fn capture(version: i32) -> (TraceFile, Vec<u8>) {
    let file = TraceFile::new(&format!("capture-{version}"));
    let sim = sim::start(SimConfig {
        server_version: version,
        quiet: true,
        capture: Some(file.0.clone()),
        ..SimConfig::default()
    })
    .expect("simulator starts");
    let client = Client::new(Options::default()).unwrap();
    client.connect("127.0.0.1", sim.port(), 0, T).unwrap();
    client.account_summary("All", "NetLiquidation", T).unwrap();
    client.disconnect();
    sim.stop();
    let bytes = std::fs::read(&file.0).unwrap();
    (file, bytes)
}

#[test]
fn a_wrong_server_version_is_named_once_with_the_likely_range() {
    for (actual, given, range) in [(222, "176", "201..=226"), (176, "222", "100..=200")] {
        let (file, _) = capture(actual);
        let out = tws_decode(&["--server-version", given, file.0.to_str().unwrap()]);
        assert_eq!(out.code, Some(1), "v{actual} as {given}");
        assert!(out.stdout.len() > 3 && out.stdout.iter().all(|l| l.get("error").is_some()));
        assert_eq!(out.stderr.matches("hint:").count(), 1, "{}", out.stderr);
        assert!(
            out.stderr.contains(range),
            "v{actual} as {given}: {}",
            out.stderr
        );
        // At the right version: no hint, everything decodes.
        let right = tws_decode(&[
            "--server-version",
            &actual.to_string(),
            file.0.to_str().unwrap(),
        ]);
        assert_eq!(right.code, Some(0), "{}", right.stderr);
        assert!(!right.stderr.contains("hint"), "{}", right.stderr);
    }
}

#[test]
fn bad_hex_and_bad_usage_are_text_errors_with_status_2() {
    for (hex, says) in [
        (
            "0000000",
            "odd number of hex digits: the digit at position 6 has no pair",
        ),
        ("00 00 0g", "not a hex digit: 'g' at position 7"),
        ("0x00", "not a hex digit: 'x' at position 1"),
    ] {
        let out = tws_decode(&["--server-version", "176", "--hex", hex]);
        assert_eq!(out.code, Some(2), "{hex}");
        assert!(out.stdout.is_empty(), "{hex}");
        assert_eq!(out.stderr.trim(), format!("tws-decode: {says}"), "{hex}");
    }
    for args in [
        &["--hex", "00"][..],
        &["--server-version", "x", "--hex", "00"],
        &["--server-version", "176", "--frobnicate"],
        &["--server-version", "176"],
        &["--trace", "/nonexistent/trace.log"],
    ] {
        let out = tws_decode(args);
        assert_eq!(out.code, Some(2), "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.starts_with("tws-decode: "),
            "{args:?}: {}",
            out.stderr
        );
    }
}
