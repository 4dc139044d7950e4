//! A TWS simulator that speaks the real wire protocol at any server version.
//!
//! It serves the handshake, `startApi` (with a client-id registry shared by all
//! connections), the startup sequence TWS sends (managed accounts, next valid
//! id, data-farm notices) and the requests of the account-summary hello world,
//! with realistic, deterministic paper-account values. The tests and the demo
//! talk to it; the `tws-sim` binary runs it standalone.
//!
//! ```no_run
//! let sim = tws::sim::start(tws::sim::SimConfig::default()).unwrap();
//! println!("simulated TWS on {}", sim.addr());
//! sim.stop();
//! ```
//!
//! Module map: [`account_data`] (the values), [`instruments`] (contracts
//! and their details), [`market`] (the quotes' random walk and the
//! market-data subscriptions), [`matching`] (the matching engine: orders,
//! executions, commissions), `orders` (the server's one engine, its
//! market and the routing of order events to connections),
//! `order_replies` (engine events as wire messages), `portfolio` (the holdings),
//! `account_replies` (positions, account updates, *Multi, PnL), `summary`
//! (account-summary subscriptions), `session` (one connection's protocol),
//! `transport` (bounded reads and writes), `registry` (client ids), `server`
//! (listener, threads and restarts), `clock` (time), `recorder` (`--record`
//! and `--capture`); the scripted faults: [`faults`] (what can be scripted),
//! `injector` (one connection's fault state), `garbage` (malformed frames),
//! `flood` (pre-encoded rows); history: `history` (the deterministic
//! bars and ticks), `history_time` (exchange time zones, sessions, date
//! texts), `history_replies` (requests to messages), `pacing` (TWS's
//! historical-data pacing rules).

pub mod account_data;
mod account_replies;
mod clock;
pub mod faults;
mod flood;
mod garbage;
mod history;
mod history_replies;
mod history_time;
mod injector;
pub mod instruments;
pub mod market;
mod market_replies;
pub mod matching;
mod order_replies;
mod orders;
mod pacing;
mod portfolio;
mod recorder;
mod registry;
mod rest_replies;
mod server;
mod session;
mod summary;
mod transport;

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

pub use account_data::all_tags;
pub use faults::{ConnectivityStep, Faults, Garbage, LargeUnknown, Restart};
pub use flood::FLOOD_TAG;
pub use garbage::UNKNOWN_ID as GARBAGE_UNKNOWN_ID;
pub use instruments::Permission;
pub use pacing::HistoryPacing;

/// How a simulator behaves. Start from [`SimConfig::default`] and change what
/// a test needs: `SimConfig { server_version: 176, ..Default::default() }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimConfig {
    /// Port on 127.0.0.1; 0 picks a free port (read it back with [`SimHandle::port`]).
    pub port: u16,
    /// The server version the simulator speaks; a client whose advertised
    /// range does not contain it has its socket closed without an answer.
    pub server_version: i32,
    /// The managed accounts. `DU123456` has a net liquidation of 983631.71 USD;
    /// other accounts get values derived from their name.
    pub accounts: Vec<String>,
    /// The order id sent as `nextValidId` at startup and for `reqIds`.
    pub next_valid_id: i32,
    /// How long the client may take to send its hello and then `startApi`.
    pub handshake_timeout: Duration,
    /// How often an open account-summary subscription is sent again (TWS:
    /// every three minutes); `None` sends the first snapshot only.
    pub summary_refresh: Option<Duration>,
    /// Concurrent account-summary subscriptions per connection (TWS allows
    /// two); one more is refused with error 322.
    pub max_account_summaries: usize,
    /// Suppresses the simulator's log lines on stderr.
    pub quiet: bool,
    /// Writes every message received and sent as a JSON line to this file
    /// (`tws-sim --record`).
    pub record: Option<PathBuf>,
    /// Writes the raw server-to-client bytes after each handshake to this
    /// file, the input of `tws-decode` (`tws-sim --capture`).
    pub capture: Option<PathBuf>,
    /// Scripted faults (restarts, drops, garbage, slowness, floods, rate
    /// limits, connectivity errors); none by default.
    pub faults: Faults,
    /// Seeds every instrument's random walk: the same seed and the same
    /// requests give the same quotes, step for step.
    pub seed: u64,
    /// Quote updates (walk steps) per second per instrument, at most
    /// [`MAX_MARKET_DATA_RATE`]; 0 keeps quotes still.
    pub market_data_rate: u32,
    /// Market-data lines open at once per connection (TWS: 100 by
    /// default); one more gets error 101.
    pub max_tickers: usize,
    /// Depth subscriptions open at once per connection (TWS: 3); one more
    /// gets error 309.
    pub max_depth_requests: usize,
    /// Market-data entitlements by symbol or local symbol, over the
    /// defaults (everything live except the Treasury note `US-T`, which has
    /// no subscription: 354 live, 10167 and delayed data when delayed).
    pub market_data_permissions: Vec<(String, Permission)>,
    /// Outside trading hours: quotes stand still, and the frozen market data
    /// types give frozen data.
    pub market_closed: bool,
    /// Another session uses the login: every market-data request gets 10197.
    pub competing_live_session: bool,
    /// Every this many walk steps each depth subscription is reset (error
    /// 317, then its whole book as inserts).
    pub depth_reset_every: Option<u32>,
    /// The master API client id: like client 0, it sees the open orders
    /// and executions of every client id; `None`: no master client.
    pub master_client_id: Option<i32>,
    /// 0: orders work as soon as they are accepted (a marketable one fills
    /// at once). N: every order waits (PreSubmitted) and works from the Nth
    /// market step after it is accepted, so a test can leave before it fills.
    pub fill_delay_steps: u32,
    /// Orders keep the instruments' hours: outside them they wait
    /// (PreSubmitted; outsideRth uses the trading hours instead of the
    /// liquid hours), and DAY orders expire at their session's end. Off by
    /// default: orders work around the clock and DAY orders last until
    /// cancelled.
    pub order_trading_hours: bool,
    /// TWS's pacing rules for historical data (15 s identical, six per
    /// contract in 2 s, 60 in 10 minutes, 50 open); shrink the windows with
    /// [`HistoryPacing::scaled`]. Violations get error 162 (420 with keep up
    /// to date) and are counted ([`SimHandle::history_pacing_violations`]).
    pub history_pacing: HistoryPacing,
}

/// The highest [`SimConfig::market_data_rate`].
pub const MAX_MARKET_DATA_RATE: u32 = 100;

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            port: 0,
            server_version: 222,
            accounts: vec!["DU123456".to_owned()],
            next_valid_id: 1,
            handshake_timeout: Duration::from_secs(10),
            summary_refresh: Some(Duration::from_secs(180)),
            max_account_summaries: 2,
            quiet: false,
            record: None,
            capture: None,
            faults: Faults::default(),
            seed: 1,
            market_data_rate: 4,
            max_tickers: 100,
            max_depth_requests: 3,
            market_data_permissions: Vec::new(),
            market_closed: false,
            competing_live_session: false,
            depth_reset_every: None,
            master_client_id: None,
            fill_delay_steps: 0,
            order_trading_hours: false,
            history_pacing: HistoryPacing::default(),
        }
    }
}

/// A running simulator. Dropping it stops it, as [`SimHandle::stop`] does.
#[derive(Debug)]
pub struct SimHandle {
    server: server::Server,
}

impl SimHandle {
    /// The address it listens on (always 127.0.0.1).
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// Historical-data requests refused for breaking the pacing rules so
    /// far, on every connection.
    pub fn history_pacing_violations(&self) -> u64 {
        self.server.history_pacing_violations()
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.server.addr().port()
    }

    /// Closes the listener and every connection, and joins every thread.
    pub fn stop(mut self) {
        self.server.stop();
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.server.stop();
    }
}

/// Starts a simulator on 127.0.0.1 with its own threads; returns once it listens.
///
/// Fails when the port cannot be bound, or with `InvalidInput` when an account
/// code is empty or holds a comma or a character outside printable ASCII, or
/// when the faults are out of bounds ([`Faults::validate`]), or the market
/// data rate is above [`MAX_MARKET_DATA_RATE`].
pub fn start(config: SimConfig) -> io::Result<SimHandle> {
    if let Some(bad) = config.accounts.iter().find(|a| !valid_account(a)) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("invalid account code {bad:?}"),
        ));
    }
    if config.market_data_rate > MAX_MARKET_DATA_RATE {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "market data rate {} is above {MAX_MARKET_DATA_RATE} per second",
                config.market_data_rate
            ),
        ));
    }
    config
        .faults
        .validate(config.server_version)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    Ok(SimHandle {
        server: server::Server::start(config)?,
    })
}

fn valid_account(code: &str) -> bool {
    !code.is_empty() && code.chars().all(|c| c.is_ascii_graphic() && c != ',')
}
