//! `tws-sim`: the TWS simulator as a standalone program.
//!
//! Prints `listening 127.0.0.1:PORT` as its first stdout line, then serves
//! until it is killed.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use tws::sim::{self, SimConfig};

const USAGE: &str = "\
usage: tws-sim [--port PORT] [--server-version V] [--accounts A,B,...] [--quiet]
               [--record FILE] [--capture FILE]

A simulated TWS on 127.0.0.1, speaking the TWS API wire protocol.

  --port PORT            port to listen on (default 7497; 0 picks a free port)
  --server-version V     server version to speak (default 222)
  --accounts A,B,...     managed accounts (default DU123456)
  --quiet                no log lines on stderr
  --record FILE          write every message received and sent as a JSON line
                         (conn, dir: out = from the client / in = to the client,
                         name, form, fields, hex of the whole frame)
  --capture FILE         write the raw server-to-client bytes after the handshake
                         (read them back with `tws-decode --server-version V FILE`)
  -h, --help             this text

The first line on stdout is `listening 127.0.0.1:PORT`. Runs until killed.";

enum Command {
    Run(SimConfig),
    Help,
}

fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut config = SimConfig {
        port: 7497,
        ..SimConfig::default()
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg, None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--port" => {
                let v = value("--port")?;
                config.port = v.parse().map_err(|_| format!("bad port {v:?}"))?;
            }
            "--server-version" => {
                let v = value("--server-version")?;
                config.server_version = v
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("bad server version {v:?}"))?;
            }
            "--accounts" => {
                let v = value("--accounts")?;
                config.accounts = v
                    .split(',')
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .map(str::to_owned)
                    .collect();
                if config.accounts.is_empty() {
                    return Err(format!("bad account list {v:?}"));
                }
            }
            "--quiet" if inline.is_none() => config.quiet = true,
            "--record" => config.record = Some(value("--record")?.into()),
            "--capture" => config.capture = Some(value("--capture")?.into()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Command::Run(config))
}

fn main() -> ExitCode {
    let config = match parse(std::env::args().skip(1)) {
        Ok(Command::Run(config)) => config,
        Ok(Command::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("tws-sim: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let handle = match sim::start(config) {
        Ok(handle) => handle,
        Err(e) => {
            eprintln!("tws-sim: cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    let mut stdout = std::io::stdout().lock();
    if writeln!(stdout, "listening {}", handle.addr())
        .and_then(|()| stdout.flush())
        .is_err()
    {
        return ExitCode::from(1);
    }
    drop(stdout);
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}
