//! The library's log and the wire trace, against the simulator: the log names
//! the milestones of a session, the trace has one line per message both ways.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tws::client::{Client, Options};
use tws::logging::{self, Level};
use tws::sim::{self, SimConfig};

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
