//! `replay-server --server-version V --kind rows|ticks|tbt --events N
//! [--req-id ID]... [--chunk BYTES] [--port P]`: the second, trivial flood
//! server, to check the flood server's figures against.
//!
//! It builds the whole byte stream of one flood per request id named on the
//! command line before it listens (so a request costs nothing but the
//! writes), then, per connection, does the handshake and replays the stream
//! of the request's id with plain `write_all` calls of `--chunk` bytes
//! (1 MiB), Nagle left as the system sets it. A request id it has no stream
//! for is built on demand (and said on standard error: that client's figure
//! then includes the build). It answers nothing else. Prints
//! `listening 127.0.0.1:PORT` and serves until its standard input closes.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

use tws::protocol::{RawMessage, Request};
use tws::wire::{FrameSplitter, DEFAULT_MAX_FRAME_LEN};
use tws_bench::flood::{next_frame, serve_handshake, FloodStream, Kind, DEFAULT_CHUNK};

struct Config {
    version: i32,
    kind: Kind,
    events: u64,
    chunk: usize,
}

type Streams = Arc<Mutex<HashMap<i32, Arc<Vec<u8>>>>>;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str, default: &str| -> String {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
            .unwrap_or_else(|| default.to_owned())
    };
    let config = Arc::new(Config {
        version: arg("--server-version", "222")
            .parse()
            .expect("--server-version"),
        kind: Kind::parse(&arg("--kind", "ticks")).expect("--kind rows|ticks|tbt"),
        events: arg("--events", "1000000").parse().expect("--events"),
        chunk: arg("--chunk", &DEFAULT_CHUNK.to_string())
            .parse()
            .expect("--chunk"),
    });
    let ids: Vec<i32> = args
        .windows(2)
        .filter(|w| w[0] == "--req-id")
        .map(|w| w[1].parse().expect("--req-id"))
        .collect();
    let streams: Streams = Arc::default();
    for id in ids {
        let bytes = build(&config, id);
        streams.lock().unwrap().insert(id, bytes);
    }
    let port: u16 = arg("--port", "0").parse().expect("--port");
    let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind");
    println!(
        "listening 127.0.0.1:{}",
        listener.local_addr().unwrap().port()
    );
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (config, streams) = (config.clone(), streams.clone());
            thread::spawn(move || {
                if let Err(e) = serve(stream, &config, &streams) {
                    if e.kind() != std::io::ErrorKind::UnexpectedEof {
                        eprintln!("replay-server: connection ended: {e}");
                    }
                }
            });
        }
    });
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
}

fn build(config: &Config, req_id: i32) -> Arc<Vec<u8>> {
    let flood = FloodStream::new(
        config.kind,
        config.version,
        req_id,
        config.events,
        config.chunk,
    );
    Arc::new(flood.to_vec())
}

fn serve(mut stream: TcpStream, config: &Config, streams: &Streams) -> std::io::Result<()> {
    let mut splitter = FrameSplitter::new(DEFAULT_MAX_FRAME_LEN);
    serve_handshake(&mut stream, &mut splitter, config.version)?;
    loop {
        let frame = next_frame(&mut stream, &mut splitter)?;
        let Ok(raw) = RawMessage::split(&frame, config.version) else {
            continue;
        };
        let Ok(Some(request)) = Request::decode(&raw, config.version) else {
            continue;
        };
        let Some((kind, req_id)) = Kind::of_request(&request) else {
            continue;
        };
        if kind != config.kind {
            continue;
        }
        let known = streams.lock().unwrap().get(&req_id).cloned();
        let bytes = known.unwrap_or_else(|| {
            eprintln!("replay-server: no stream prebuilt for request id {req_id}: building it now");
            let bytes = build(config, req_id);
            streams.lock().unwrap().insert(req_id, bytes.clone());
            bytes
        });
        for chunk in bytes.chunks(config.chunk) {
            stream.write_all(chunk)?;
        }
    }
}
