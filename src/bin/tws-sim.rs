//! `tws-sim`: the TWS simulator as a standalone program.
//!
//! Prints `listening 127.0.0.1:PORT` as its first stdout line, then serves
//! until it is killed.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use tws::sim::faults::{self, parse_seconds, Restart};
use tws::sim::{self, Permission, SimConfig};

/// How long a restart stays down when only `--restart-after` is given.
const DEFAULT_RESTART_DOWN: Duration = Duration::from_secs(5);

const USAGE: &str = "\
usage: tws-sim [--port PORT] [--server-version V] [--accounts A,B,...] [--quiet]
               [--record FILE] [--capture FILE]
               [MARKET OPTIONS] [FAULT OPTIONS]

A simulated TWS on 127.0.0.1, speaking the TWS API wire protocol.

  --port PORT            port to listen on (default 7497; 0 picks a free port)
  --server-version V     server version to speak (default 222)
  --accounts A,B,...     managed accounts (default DU123456)
  --max-account-summaries N
                         account-summary subscriptions open at once per
                           connection (default 2, as TWS; error 322 beyond)
  --quiet                no log lines on stderr
  --record FILE          write every message received and sent as a JSON line
                         (conn, dir: out = from the client / in = to the client,
                         name, form, fields, hex of the whole frame)
  --capture FILE         write the raw server-to-client bytes after the handshake
                         (read them back with `tws-decode --server-version V FILE`)
  -h, --help             this text

Market (quotes are a seeded random walk per instrument; see README):
  --seed N               seed of every walk (default 1): same seed, same quotes
  --market-data-rate N   quote updates per second per instrument (default 4,
                           at most 100; 0 keeps quotes still)
  --max-tickers N        market-data lines per connection (default 100;
                           error 101 beyond)
  --max-depth-requests N depth subscriptions per connection (default 3;
                           error 309 beyond)
  --permission SYM=P     market-data entitlement of a symbol or local symbol,
                           repeatable; P is live, none (354; delayed
                           available), api (10089; delayed available),
                           partial (10090) or unavailable (354 at every type).
                           Default: all live except US-T (none)
  --market-closed        outside trading hours: quotes stand still, frozen
                           types give frozen data
  --competing-session    every market-data request gets error 10197
  --depth-reset-every N  every N walk steps each depth book is reset
                           (error 317, then the whole book again)

Orders (matched against the simulator's own quotes; see README):
  --master-client-id N   this client id sees every client's orders and
                           executions, as client 0 does (default: none)
  --fill-delay-steps N   every order waits N market steps before it works
                           (default 0: a marketable order fills at once)
  --trading-hours        orders keep the instruments' hours (outside them
                           they wait) and DAY orders expire at the session
                           end (default: around the clock, DAY lasts)
Historical data (TWS's pacing rules are on; violations get 162, or 420
with keep up to date; see the README, Historical data pacing):
  --history-pacing-scale F  multiply every pacing window by F (0.01: the
                           10-minute window lasts 6 s, 15 s identical 0.15 s)
  --history-pacing-all   pace every bar size (TWS: bars of 30 s or less)
  --no-history-pacing    serve every historical request

Faults (all off by default; SECONDS may have fractions; loopback only):
  --restart-after S      every S seconds, close every connection and the
  --restart-down S         listener, refuse connections for --restart-down
                           seconds (default 5), then listen on the same port
  --drop-after N         close each connection once it has sent N messages
                           (the startup sequence is 5 messages)
  --garbage MODE         send one malformed frame per connection, right before
                           the rows of its first account-summary snapshot
                           (the normal rows follow). MODE is one of:
                           zero-length   a frame of length 0
                           oversize      a length over 16 MiB; then the
                                         simulator closes the connection
                           bad-id        a non-numeric text id (< v201),
                                         message id 0 (v201+)
                           unknown-id    a message with id 150, which no TWS sends
                           truncated     an account-summary row missing fields
                           bad-field     an account-summary row with a
                                         non-numeric request id
                           bad-protobuf  an invalid protobuf body (v201+)
  --slow MS              wait MS milliseconds (at most 10000) before every message
  --flood N              answer each account-summary request with N extra rows
                           (tag FloodRow, value 0..N-1) before the end marker,
                           written as fast as the socket takes them
  --large-unknown CxB    then C messages with the unknown id 150, each with its
                           index 0..C-1 and B bytes of filler (at most 1 GiB in all)
  --max-msg-rate N       answer error 100 instead of any client message beyond
                           N in one second
  --connectivity SEQ     send connectivity errors at times after startApi,
                           e.g. 1100@2,1101@4 (codes 1100, 1101, 1102)
  --freeze-after S       a frozen TWS: S seconds after startApi each session
                           stops reading and writing but keeps its socket
                           open (and its client id) until the simulator stops

The first line on stdout is `listening 127.0.0.1:PORT`. Runs until killed.";

enum Command {
    Run(Box<SimConfig>),
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
            "--max-account-summaries" => config.max_account_summaries = number(&value(&flag)?)?,
            "--restart-after" | "--restart-down" => {
                let v = parse_seconds(&value(&flag)?, faults::MAX_SCRIPTED_DELAY)?;
                let restart = config.faults.restart.get_or_insert(Restart {
                    after: Duration::ZERO,
                    down: DEFAULT_RESTART_DOWN,
                });
                if flag == "--restart-after" {
                    restart.after = v;
                } else {
                    restart.down = v;
                }
            }
            "--seed" => config.seed = number(&value(&flag)?)?,
            "--market-data-rate" => {
                config.market_data_rate = number(&value(&flag)?)?;
                if config.market_data_rate > sim::MAX_MARKET_DATA_RATE {
                    return Err(format!(
                        "--market-data-rate is at most {}",
                        sim::MAX_MARKET_DATA_RATE
                    ));
                }
            }
            "--max-tickers" => config.max_tickers = number(&value(&flag)?)?,
            "--max-depth-requests" => config.max_depth_requests = number(&value(&flag)?)?,
            "--permission" => {
                let v = value(&flag)?;
                let (symbol, permission) = v
                    .split_once('=')
                    .filter(|(s, _)| !s.trim().is_empty())
                    .ok_or_else(|| format!("bad permission {v:?}, expected SYMBOL=P"))?;
                let permission = match permission.trim() {
                    "live" => Permission::Live,
                    "none" => Permission::NoSubscription,
                    "api" => Permission::ApiSubscriptionMissing,
                    "partial" => Permission::Partial,
                    "unavailable" => Permission::Unavailable,
                    other => return Err(format!("bad permission {other:?}")),
                };
                config
                    .market_data_permissions
                    .push((symbol.trim().to_owned(), permission));
            }
            "--market-closed" if inline.is_none() => config.market_closed = true,
            "--competing-session" if inline.is_none() => config.competing_live_session = true,
            "--depth-reset-every" => {
                let n: u32 = number(&value(&flag)?)?;
                config.depth_reset_every = (n > 0).then_some(n);
            }
            "--master-client-id" => config.master_client_id = Some(number(&value(&flag)?)?),
            "--fill-delay-steps" => config.fill_delay_steps = number(&value(&flag)?)?,
            "--trading-hours" if inline.is_none() => config.order_trading_hours = true,
            "--history-pacing-scale" => {
                let f: f64 = number(&value(&flag)?)?;
                if !(f.is_finite() && f > 0.0 && f <= 100.0) {
                    return Err("--history-pacing-scale is above 0 and at most 100".into());
                }
                config.history_pacing = config.history_pacing.clone().scaled(f);
            }
            "--history-pacing-all" if inline.is_none() => {
                config.history_pacing.all_bar_sizes = true
            }
            "--no-history-pacing" if inline.is_none() => config.history_pacing.enabled = false,
            "--drop-after" => config.faults.drop_after = Some(number(&value(&flag)?)?),
            "--garbage" => config.faults.garbage = Some(value(&flag)?.parse()?),
            "--slow" => {
                let ms: u64 = number(&value(&flag)?)?;
                config.faults.slow = Some(Duration::from_millis(ms));
            }
            "--flood" => config.faults.flood = Some(number(&value(&flag)?)?),
            "--large-unknown" => config.faults.large_unknown = Some(value(&flag)?.parse()?),
            "--max-msg-rate" => config.faults.max_msg_rate = Some(number(&value(&flag)?)?),
            "--freeze-after" => {
                let v = parse_seconds(&value(&flag)?, faults::MAX_SCRIPTED_DELAY)?;
                config.faults.freeze_after = Some(v);
            }
            "--connectivity" => {
                config.faults.connectivity = faults::parse_connectivity(&value(&flag)?)?
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if config.faults.restart.is_some_and(|r| r.after.is_zero()) {
        return Err("--restart-down needs --restart-after".into());
    }
    config.faults.validate(config.server_version)?;
    Ok(Command::Run(Box::new(config)))
}

/// A non-negative whole number.
fn number<T: std::str::FromStr>(text: &str) -> Result<T, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("bad number {text:?}"))
}

fn main() -> ExitCode {
    let config = match parse(std::env::args().skip(1)) {
        Ok(Command::Run(config)) => *config,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn config(args: &[&str]) -> Result<SimConfig, String> {
        match parse(args.iter().map(|a| a.to_string()))? {
            Command::Run(config) => Ok(*config),
            Command::Help => Err("help".into()),
        }
    }

    #[test]
    fn market_flags() {
        let c = config(&[
            "--seed",
            "42",
            "--market-data-rate=10",
            "--max-tickers",
            "5",
            "--max-depth-requests",
            "1",
            "--permission",
            "AAPL=api",
            "--permission=US-T=live",
            "--market-closed",
            "--competing-session",
            "--depth-reset-every",
            "50",
        ])
        .unwrap();
        assert_eq!((c.seed, c.market_data_rate, c.max_tickers), (42, 10, 5));
        assert_eq!(c.max_depth_requests, 1);
        assert_eq!(
            c.market_data_permissions,
            [
                ("AAPL".to_owned(), Permission::ApiSubscriptionMissing),
                ("US-T".to_owned(), Permission::Live)
            ]
        );
        assert!(c.market_closed && c.competing_live_session);
        assert_eq!(c.depth_reset_every, Some(50));
        assert_eq!(config(&[]).unwrap().seed, 1);
        assert!(config(&["--market-data-rate", "101"]).is_err());
        let h = config(&["--history-pacing-scale", "0.01", "--history-pacing-all"]).unwrap();
        assert_eq!(h.history_pacing.window, Duration::from_secs(6));
        assert!(h.history_pacing.all_bar_sizes && h.history_pacing.enabled);
        assert!(
            !config(&["--no-history-pacing"])
                .unwrap()
                .history_pacing
                .enabled
        );
        assert!(config(&["--history-pacing-scale", "0"]).is_err());
        assert!(config(&["--permission", "AAPL"]).is_err());
        assert!(config(&["--permission", "AAPL=gold"]).is_err());
        assert!(config(&["--seed", "-1"]).is_err());
    }

    #[test]
    fn order_flags() {
        let c = config(&[
            "--master-client-id",
            "7",
            "--fill-delay-steps=3",
            "--trading-hours",
        ])
        .unwrap();
        assert_eq!((c.master_client_id, c.fill_delay_steps), (Some(7), 3));
        assert!(c.order_trading_hours);
        let d = config(&[]).unwrap();
        assert_eq!((d.master_client_id, d.fill_delay_steps), (None, 0));
        assert!(!d.order_trading_hours);
        assert!(config(&["--fill-delay-steps", "-1"]).is_err());
    }
}
