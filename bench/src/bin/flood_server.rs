//! `flood-server --server-version V --events N [--chunk BYTES] [--spin] [--port P]`:
//! the flood server as a process of its own, for the C and Python clients
//! (every flood it answers, rows, ticks or tick-by-tick, has N events,
//! written in `--chunk` byte writes, 1 MiB by default; `--rows` is an old
//! name of `--events`; `--spin`: wait for requests spinning, not sleeping,
//! for the latency cases' awake state). Prints `listening 127.0.0.1:PORT` and serves until
//! its standard input closes.

use std::io::Read;

use tws_bench::flood::{FloodServer, DEFAULT_CHUNK};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |names: &[&str], default: &str| -> String {
        args.iter()
            .position(|a| names.contains(&a.as_str()))
            .and_then(|i| args.get(i + 1))
            .cloned()
            .unwrap_or_else(|| default.to_owned())
    };
    let version: i32 = arg(&["--server-version"], "222")
        .parse()
        .expect("--server-version");
    let events: u64 = arg(&["--events", "--rows"], "1000000")
        .parse()
        .expect("--events");
    let chunk: usize = arg(&["--chunk"], &DEFAULT_CHUNK.to_string())
        .parse()
        .expect("--chunk");
    let port: u16 = arg(&["--port"], "0").parse().expect("--port");
    let server = FloodServer::bind(port, version, events)
        .expect("bind")
        .with_chunk(chunk)
        .with_spin(args.iter().any(|a| a == "--spin"));
    println!("listening 127.0.0.1:{}", server.port());
    server.spawn();
    // Ends with its parent: the runner holds our stdin open while it needs us.
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
}
