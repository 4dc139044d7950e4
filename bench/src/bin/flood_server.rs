//! `flood-server --server-version V --rows N [--port P]`: the flood server as a
//! process of its own, for the C and Python clients. Prints
//! `listening 127.0.0.1:PORT` and serves until its standard input closes.

use std::io::Read;

use tws_bench::flood::FloodServer;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str, default: &str| -> String {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
            .unwrap_or_else(|| default.to_owned())
    };
    let version: i32 = arg("--server-version", "222")
        .parse()
        .expect("--server-version");
    let rows: u64 = arg("--rows", "1000000").parse().expect("--rows");
    let port: u16 = arg("--port", "0").parse().expect("--port");
    let server = FloodServer::bind(port, version, rows).expect("bind");
    println!("listening 127.0.0.1:{}", server.port());
    server.spawn();
    // Ends with its parent: the runner holds our stdin open while it needs us.
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
}
