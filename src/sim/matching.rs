//! The simulator's matching engine: orders against the simulator's own
//! moving quotes, independent of the wire types.
//!
//! An [`OrderRequest`] goes in; [`Event`]s come out: status transitions
//! (named as TWS names them), the order's open-order view, executions with
//! TWS-shaped exec ids and perm ids, a commission report per execution,
//! position changes, what-if answers, and errors with TWS's codes and
//! wording ([`code`]). Everything is deterministic for a seed: the same
//! calls against the same quotes give the same events, step for step.
//!
//! # How it is meant to be driven
//!
//! One [`Engine`] per simulator (in the server, not in a session), so that
//! orders and fills outlive a connection and a simulated restart, and fills
//! happen while a client is away. It is stepped against one [`Venue`]: a
//! server-level [`Market`] (no subscriptions needed) that a server thread
//! steps at the market-data rate.
//!
//! - **placeOrder** (new id or a live id, which modifies): build an
//!   [`OrderRequest`] from the wire order (client id = the connection's),
//!   call [`Engine::place`]. Route each event to the connection of its
//!   client id: [`Event::Open`] -> openOrder, [`Event::Status`] ->
//!   orderStatus, [`Event::Execution`] -> execDetails (reqId -1),
//!   [`Event::Commission`] -> commissionAndFeesReport, [`Event::Error`] ->
//!   error(order id, code, message), [`Event::WhatIf`] -> openOrder whose
//!   order state carries the margin fields, [`Event::Position`] -> position /
//!   portfolio updates of subscribed connections. Client 0 and the master
//!   client also get the open orders and statuses of other clients
//!   ([`Viewer`]).
//! - **cancelOrder**: [`Engine::cancel`] with the connection's client id.
//! - **reqGlobalCancel**: [`Engine::global_cancel`] (every client's orders).
//! - **each market step**: `market.step()` then [`Engine::on_step`]
//!   (triggers stops, fills resting orders, continues partial fills, and
//!   with [`EngineConfig::trading_hours`] expires DAY orders at the session
//!   end). Route the events as above; a client that is not connected misses
//!   them, which is what reconciliation must then recover.
//! - **session end** (a simulated end of day): [`Engine::end_session`]
//!   expires the DAY orders, GTC orders stay; **a new day**:
//!   [`Engine::new_day`] forgets the day's executions and completed orders.
//! - **reqOpenOrders / reqAllOpenOrders / reqAutoOpenOrders**:
//!   [`Engine::open_orders`] with a [`Viewer`] (the requesting client, or
//!   [`Viewer::all`]): one openOrder and orderStatus per view, then
//!   openOrderEnd.
//! - **reqExecutions**: [`Engine::executions`] with the request's filter
//!   and the requesting [`Viewer`]: execDetails (with the request's id) and
//!   commissionAndFeesReport per record, then execDetailsEnd; a bad filter
//!   time is a [`FilterError`].
//! - **reqCompletedOrders**: [`Engine::completed_orders`]: one
//!   completedOrder per view, then completedOrdersEnd.
//! - **positions**: seed the engine with the simulated accounts' holdings
//!   ([`Engine::seed_portfolio`], or [`Engine::set_position`] one by one);
//!   [`Engine::positions`] then holds the holdings plus every fill, for
//!   reqPositions / reqAccountUpdates once the portfolio reads them.
//!
//! Simplifications (documented behaviour, not TWS's exact one): OCA groups
//! behave as OCA type 1 (the first execution cancels the others); the
//! children of a bracket are activated when the parent is completely filled
//! and are OCA'd with each other; a cancel goes straight to `Cancelled`
//! (`ApiCancelled` for an order never transmitted) without `PendingCancel`;
//! stops trigger on the quote (a buy stop on the ask, a sell stop on the
//! bid); resting limit orders fill at their limit, marketable ones at the
//! quote.

pub mod costs;
pub mod history;
pub mod qty;
pub mod time;

use std::collections::BTreeMap;

use super::instruments::Instrument;
use super::market::{Market, Quote, Rng};

pub use history::{ExecFilter, FilterError};
pub use qty::{Qty, QtyError};

/// The error codes the engine answers with (TWS's).
pub mod code {
    /// Duplicate order id (an id already used by a finished order).
    pub const DUPLICATE_ORDER_ID: i32 = 103;
    /// A modification of a filled order.
    pub const CANT_MODIFY_FILLED: i32 = 104;
    /// A modification that changes the contract or the side.
    pub const MODIFY_MISMATCH: i32 = 105;
    /// A price off the contract's minimum price variation.
    pub const BAD_TICK: i32 = 110;
    /// A child order whose parent does not exist.
    pub const ORDER_NOT_FOUND: i32 = 135;
    /// A contract the simulator does not know.
    pub const UNKNOWN_CONTRACT: i32 = 200;
    /// Order rejected (margin, short sale, untradable, bad price).
    pub const REJECTED: i32 = 201;
    /// Order cancelled (the notice after a cancel).
    pub const CANCELLED: i32 = 202;
    /// A size of zero or below.
    pub const ZERO_SIZE: i32 = 434;
    /// A cancel of an order id that is not known.
    pub const CANCEL_NOT_FOUND: i32 = 10147;
    /// A cancel of an order that is already finished.
    pub const CANCEL_NOT_CANCELLABLE: i32 = 10148;
}

/// Where the engine reads contracts, quotes and the time.
pub trait Venue {
    fn instrument(&self, con_id: i32) -> Option<&Instrument>;
    /// The live quote (bid/ask 0 when there is none).
    fn quote(&self, con_id: i32) -> Option<&Quote>;
    /// Now, in unix milliseconds.
    fn time_ms(&self) -> i64;
}

impl Venue for Market {
    fn instrument(&self, con_id: i32) -> Option<&Instrument> {
        let all = self.instruments();
        all.index_of(con_id).map(|n| all.get(n))
    }

    fn quote(&self, con_id: i32) -> Option<&Quote> {
        Market::quote(self, con_id)
    }

    fn time_ms(&self) -> i64 {
        Market::time_ms(self)
    }
}

/// BUY, SELL or SSHORT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Buy,
    Sell,
    /// A short sale (needs a locate: held a step with why-held `locate`).
    SShort,
}

impl Action {
    /// From the wire text (any case).
    pub fn parse(text: &str) -> Option<Action> {
        match text.trim().to_ascii_uppercase().as_str() {
            "BUY" => Some(Action::Buy),
            "SELL" => Some(Action::Sell),
            "SSHORT" => Some(Action::SShort),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Buy => "BUY",
            Action::Sell => "SELL",
            Action::SShort => "SSHORT",
        }
    }

    fn buys(self) -> bool {
        self == Action::Buy
    }
}

/// The order types the engine works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderType {
    /// MKT
    Market,
    /// LMT at the limit price.
    Limit,
    /// STP: a market order once the aux (stop) price trades.
    Stop,
    /// STP LMT: a limit order once the aux (stop) price trades.
    StopLimit,
    /// MIT: a market order once the aux price is touched from the other side.
    MarketIfTouched,
    /// LIT: a limit order once the aux price is touched.
    LimitIfTouched,
    /// TRAIL: a stop that follows the market by the aux price (an amount)
    /// or the trailing percent.
    Trail,
}

impl OrderType {
    /// From the wire text (`MKT`, `LMT`, `STP`, `STP LMT`, `MIT`, `LIT`, `TRAIL`).
    pub fn parse(text: &str) -> Option<OrderType> {
        match text.trim().to_ascii_uppercase().as_str() {
            "MKT" => Some(OrderType::Market),
            "LMT" => Some(OrderType::Limit),
            "STP" => Some(OrderType::Stop),
            "STP LMT" | "STPLMT" => Some(OrderType::StopLimit),
            "MIT" => Some(OrderType::MarketIfTouched),
            "LIT" => Some(OrderType::LimitIfTouched),
            "TRAIL" => Some(OrderType::Trail),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            OrderType::Market => "MKT",
            OrderType::Limit => "LMT",
            OrderType::Stop => "STP",
            OrderType::StopLimit => "STP LMT",
            OrderType::MarketIfTouched => "MIT",
            OrderType::LimitIfTouched => "LIT",
            OrderType::Trail => "TRAIL",
        }
    }

    fn needs_limit(self) -> bool {
        matches!(
            self,
            OrderType::Limit | OrderType::StopLimit | OrderType::LimitIfTouched
        )
    }

    fn needs_aux(self) -> bool {
        matches!(
            self,
            OrderType::Stop
                | OrderType::StopLimit
                | OrderType::MarketIfTouched
                | OrderType::LimitIfTouched
        )
    }
}

/// Time in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tif {
    /// Expires at the end of the session.
    Day,
    /// Good till cancelled: survives session ends.
    Gtc,
    /// Immediate or cancel: what does not fill at once is cancelled.
    Ioc,
}

impl Tif {
    /// From the wire text; empty is DAY.
    pub fn parse(text: &str) -> Option<Tif> {
        match text.trim().to_ascii_uppercase().as_str() {
            "" | "DAY" => Some(Tif::Day),
            "GTC" => Some(Tif::Gtc),
            "IOC" => Some(Tif::Ioc),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Tif::Day => "DAY",
            Tif::Gtc => "GTC",
            Tif::Ioc => "IOC",
        }
    }
}

/// An order as the engine takes it.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderRequest {
    pub order_id: i32,
    pub client_id: i32,
    /// Empty: the first configured account.
    pub account: String,
    pub con_id: i32,
    pub action: Action,
    pub total_quantity: Qty,
    pub order_type: OrderType,
    pub limit_price: Option<f64>,
    /// The stop / trigger price, or a TRAIL order's trailing amount.
    pub aux_price: Option<f64>,
    /// A TRAIL order's trailing percent (when it has no trailing amount).
    pub trailing_percent: Option<f64>,
    pub tif: Tif,
    pub outside_rth: bool,
    /// `false`: held in the engine, not working, until it (or a child of
    /// it) is placed again with `transmit`.
    pub transmit: bool,
    /// 0: none.
    pub parent_id: i32,
    /// Empty: none.
    pub oca_group: String,
    pub what_if: bool,
    /// Empty: SMART.
    pub exchange: String,
    pub order_ref: String,
}

impl OrderRequest {
    /// A transmitted DAY order of client 0 with no prices.
    pub fn new(
        order_id: i32,
        con_id: i32,
        action: Action,
        total_quantity: Qty,
        order_type: OrderType,
    ) -> OrderRequest {
        OrderRequest {
            order_id,
            client_id: 0,
            account: String::new(),
            con_id,
            action,
            total_quantity,
            order_type,
            limit_price: None,
            aux_price: None,
            trailing_percent: None,
            tif: Tif::Day,
            outside_rth: false,
            transmit: true,
            parent_id: 0,
            oca_group: String::new(),
            what_if: false,
            exchange: String::new(),
            order_ref: String::new(),
        }
    }
}

/// An order's status, as TWS names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Held: placed with transmit=false, not working.
    PendingSubmit,
    /// Accepted but not working at the exchange yet: waiting for its
    /// parent, a locate, a trigger or the session.
    PreSubmitted,
    /// Working.
    Submitted,
    /// Cancelled before it was ever transmitted.
    ApiCancelled,
    Cancelled,
    Filled,
    /// Rejected after acceptance (margin, short sale).
    Inactive,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::PendingSubmit => "PendingSubmit",
            Status::PreSubmitted => "PreSubmitted",
            Status::Submitted => "Submitted",
            Status::ApiCancelled => "ApiCancelled",
            Status::Cancelled => "Cancelled",
            Status::Filled => "Filled",
            Status::Inactive => "Inactive",
        }
    }

    /// Whether the order is finished.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Status::ApiCancelled | Status::Cancelled | Status::Filled | Status::Inactive
        )
    }
}

/// The side of an execution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// BOT
    Bought,
    /// SLD
    Sold,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Bought => "BOT",
            Side::Sold => "SLD",
        }
    }
}

/// Whether an execution added liquidity (1, a resting order) or removed it
/// (2, a marketable one): execDetails' lastLiquidity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Liquidity {
    Added = 1,
    Removed = 2,
}

/// An order as the engine holds it (openOrder / completedOrder material).
#[derive(Debug, Clone, PartialEq)]
pub struct OrderView {
    /// The order as last placed (account filled in).
    pub request: OrderRequest,
    pub perm_id: i32,
    pub status: Status,
    pub filled: Qty,
    pub remaining: Qty,
    /// 0 before the first fill.
    pub avg_fill_price: f64,
    pub last_fill_price: f64,
    /// `locate` while a short sale waits for its locate; else empty.
    pub why_held: String,
    /// The commission charged so far, in `commission_currency`.
    pub commission: f64,
    pub commission_currency: String,
    /// A TRAIL order's current stop price.
    pub trail_stop_price: Option<f64>,
    /// When it was accepted, unix milliseconds.
    pub placed_ms: i64,
    /// For a finished order: its completion time (`yyyymmdd hh:mm:ss zone`)
    /// and TWS's completed status text; empty while live.
    pub completed_time: String,
    pub completed_status: String,
}

/// An orderStatus.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusUpdate {
    pub client_id: i32,
    pub order_id: i32,
    pub status: Status,
    pub filled: Qty,
    pub remaining: Qty,
    pub avg_fill_price: f64,
    pub perm_id: i32,
    pub parent_id: i32,
    pub last_fill_price: f64,
    pub why_held: String,
}

/// An execution (execDetails).
#[derive(Debug, Clone, PartialEq)]
pub struct Execution {
    pub client_id: i32,
    pub order_id: i32,
    pub perm_id: i32,
    /// `pppppppp.qqqqqqqq.ss.01`: the engine's prefix, the perm id, the
    /// execution's number in its order (hex): unique and the same in every run.
    pub exec_id: String,
    /// `yyyymmdd hh:mm:ss <zone>` (the engine's zone).
    pub time: String,
    pub time_ms: i64,
    pub account: String,
    pub con_id: i32,
    pub symbol: String,
    pub sec_type: String,
    pub currency: String,
    pub local_symbol: String,
    /// Where it executed (the instrument's primary exchange for SMART stocks).
    pub exchange: String,
    pub side: Side,
    pub shares: Qty,
    pub price: f64,
    pub cum_qty: Qty,
    pub avg_price: f64,
    pub liquidity: Liquidity,
    pub order_ref: String,
}

/// A commissionAndFeesReport.
#[derive(Debug, Clone, PartialEq)]
pub struct CommissionReport {
    pub exec_id: String,
    pub commission: f64,
    pub currency: String,
    /// Set when the execution reduced a position (net of its commission).
    pub realized_pnl: Option<f64>,
}

/// One execution of the day with its commission.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecutionRecord {
    pub execution: Execution,
    pub commission: CommissionReport,
}

/// A what-if answer (the margin fields of an openOrder's order state), in
/// the account's base currency (USD).
#[derive(Debug, Clone, PartialEq)]
pub struct WhatIf {
    pub init_margin_before: f64,
    pub init_margin_change: f64,
    pub init_margin_after: f64,
    pub maint_margin_before: f64,
    pub maint_margin_change: f64,
    pub maint_margin_after: f64,
    pub equity_with_loan_before: f64,
    pub equity_with_loan_change: f64,
    pub equity_with_loan_after: f64,
    pub commission: f64,
    pub min_commission: f64,
    pub max_commission: f64,
    pub commission_currency: String,
    pub warning_text: String,
}

/// One position of one account.
#[derive(Debug, Clone, PartialEq)]
pub struct Position {
    pub account: String,
    pub con_id: i32,
    pub quantity: Qty,
    /// Per unit, times the multiplier, commissions included (as TWS reports it).
    pub avg_cost: f64,
    pub realized_pnl: f64,
}

/// What the engine tells the connections.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// openOrder: the order's current view.
    Open(OrderView),
    Status(StatusUpdate),
    Execution(Execution),
    Commission {
        client_id: i32,
        report: CommissionReport,
    },
    /// An account's position after a fill.
    Position(Position),
    /// The answer to a what-if order (nothing works).
    WhatIf {
        order: OrderView,
        what_if: WhatIf,
    },
    /// error(order id, code, message): rejects and notices.
    Error {
        client_id: i32,
        order_id: i32,
        code: i32,
        message: String,
    },
}

/// Who asks for open orders, executions or completed orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer {
    pub client_id: i32,
    /// Client 0 and the master client see every client's orders.
    pub sees_all: bool,
}

impl Viewer {
    /// The connection of `client_id`; client 0 and `master_client_id` see all.
    pub fn new(client_id: i32, master_client_id: Option<i32>) -> Viewer {
        Viewer {
            client_id,
            sees_all: client_id == 0 || master_client_id == Some(client_id),
        }
    }

    /// Every client's orders (reqAllOpenOrders).
    pub fn all() -> Viewer {
        Viewer {
            client_id: 0,
            sees_all: true,
        }
    }

    fn sees(self, client_id: i32) -> bool {
        self.sees_all || self.client_id == client_id
    }
}

/// How the engine behaves.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineConfig {
    pub seed: u64,
    /// The managed accounts; an order without an account goes to the first.
    pub accounts: Vec<String>,
    /// Each account's equity with loan value (USD): an order whose initial
    /// margin after would exceed it is rejected (201), a what-if too.
    pub equity_with_loan: f64,
    /// Whether short sales are allowed at all.
    pub short_selling: bool,
    /// Contracts that cannot be sold short.
    pub no_short: Vec<i32>,
    /// Enforce the instruments' hours: outside them orders wait
    /// (PreSubmitted; `outside_rth` uses the trading hours instead of the
    /// liquid hours), and DAY orders expire at their session's end on a step.
    pub trading_hours: bool,
    /// The chance that a fill takes only part of what it could.
    pub partial_fill_chance: f64,
    /// The zone of execution and completion times (TWS's login zone); empty: UTC.
    pub zone: String,
    /// 0: an order works as soon as it is accepted. N: it waits
    /// (PreSubmitted) and works from the Nth market step after it was
    /// accepted or modified, so a test can have it fill on a later step.
    pub fill_delay_steps: u32,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            seed: 1,
            accounts: vec!["DU123456".to_owned()],
            equity_with_loan: 983_631.71,
            short_selling: true,
            no_short: Vec::new(),
            trading_hours: false,
            partial_fill_chance: 0.3,
            zone: "US/Eastern".to_owned(),
            fill_delay_steps: 0,
        }
    }
}

/// Why a live order is held back from working.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wait {
    None,
    Parent,
    Locate,
    Trigger,
    Hours,
}

#[derive(Debug, Clone)]
struct Order {
    req: OrderRequest,
    perm_id: i32,
    status: Status,
    filled: Qty,
    /// Sum of price times quantity of the fills.
    fill_value: f64,
    last_fill_price: f64,
    why_held: String,
    transmitted: bool,
    triggered: bool,
    trail_stop: Option<f64>,
    exec_seq: u32,
    commission: f64,
    placed_ms: i64,
    /// Steps a short sale still waits for its locate.
    locate_steps: u32,
    /// Steps it still waits before working ([`EngineConfig::fill_delay_steps`]).
    delay_steps: u32,
    /// Whether it has been seen by the market without filling completely
    /// (its later fills add liquidity).
    rested: bool,
    completed_seq: u64,
    completed_time: String,
    completed_status: String,
    /// The commission currency (the instrument's).
    currency: String,
}

impl Order {
    fn remaining(&self) -> Qty {
        let r = self.req.total_quantity - self.filled;
        if r.is_negative() {
            Qty::ZERO
        } else {
            r
        }
    }

    fn avg_price(&self) -> f64 {
        if self.filled.is_positive() {
            self.fill_value / self.filled.to_f64()
        } else {
            0.0
        }
    }
}

/// The matching engine (see the module docs for how to drive it).
#[derive(Debug, Clone)]
pub struct Engine {
    config: EngineConfig,
    rng: Rng,
    orders: BTreeMap<(i32, i32), Order>,
    next_perm_id: i32,
    exec_prefix: u32,
    executions: Vec<ExecutionRecord>,
    positions: BTreeMap<(String, i32), Position>,
    completed_count: u64,
}

type Reject = (i32, String);

fn reject_text(reason: &str) -> String {
    format!("Order rejected - reason:{reason}")
}

fn on_tick(price: f64, inst: &Instrument) -> bool {
    let inc = inst.market_rule().increment_at(price.abs());
    if inc.is_nan() || inc <= 0.0 {
        return true;
    }
    let k = price / inc;
    (k - k.round()).abs() < 1e-6
}

fn round_to_tick(price: f64, inst: &Instrument, up: bool) -> f64 {
    let inc = inst.market_rule().increment_at(price.abs());
    let k = price / inc;
    let k = if up {
        (k - 1e-7).ceil()
    } else {
        (k + 1e-7).floor()
    };
    let digits = (-inc.log10()).ceil().max(0.0) as i32 + 1;
    let scale = 10f64.powi(digits);
    (k * inc * scale).round() / scale
}

impl Engine {
    pub fn new(config: EngineConfig) -> Engine {
        let mut rng = Rng::new(config.seed ^ 0x4D41_5443_4845_5221);
        let exec_prefix = (rng.next_u64() % 0x1_0000) as u32 | 0x1000;
        let next_perm_id = 1_000_000_000 + (rng.next_u64() % 500_000_000) as i32;
        Engine {
            config,
            rng,
            orders: BTreeMap::new(),
            next_perm_id,
            exec_prefix,
            executions: Vec::new(),
            positions: BTreeMap::new(),
            completed_count: 0,
        }
    }

    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    // ---- views ----------------------------------------------------------

    fn view(&self, o: &Order) -> OrderView {
        OrderView {
            request: o.req.clone(),
            perm_id: o.perm_id,
            status: o.status,
            filled: o.filled,
            remaining: o.remaining(),
            avg_fill_price: o.avg_price(),
            last_fill_price: o.last_fill_price,
            why_held: o.why_held.clone(),
            commission: o.commission,
            commission_currency: o.currency.clone(),
            trail_stop_price: o.trail_stop,
            placed_ms: o.placed_ms,
            completed_time: o.completed_time.clone(),
            completed_status: o.completed_status.clone(),
        }
    }

    /// One order by its client and order id (live or finished today).
    pub fn order(&self, client_id: i32, order_id: i32) -> Option<OrderView> {
        self.orders
            .get(&(client_id, order_id))
            .map(|o| self.view(o))
    }

    /// The live orders (held, waiting or working) `viewer` sees, by client
    /// then order id.
    pub fn open_orders(&self, viewer: Viewer) -> Vec<OrderView> {
        self.orders
            .values()
            .filter(|o| !o.status.is_final() && viewer.sees(o.req.client_id))
            .map(|o| self.view(o))
            .collect()
    }

    /// The orders finished today (filled, cancelled, rejected) `viewer`
    /// sees, in the order they finished.
    pub fn completed_orders(&self, viewer: Viewer) -> Vec<OrderView> {
        let mut done: Vec<&Order> = self
            .orders
            .values()
            .filter(|o| o.status.is_final() && viewer.sees(o.req.client_id))
            .collect();
        done.sort_by_key(|o| o.completed_seq);
        done.into_iter().map(|o| self.view(o)).collect()
    }

    /// Today's executions `viewer` sees that `filter` selects, in the order
    /// they happened.
    pub fn executions(
        &self,
        viewer: Viewer,
        filter: &ExecFilter,
    ) -> Result<Vec<&ExecutionRecord>, FilterError> {
        let compiled = history::Compiled::new(filter, &self.config.zone)?;
        Ok(self
            .executions
            .iter()
            .filter(|r| viewer.sees(r.execution.client_id) && compiled.matches(r))
            .collect())
    }

    /// Every position of `account` (seeded and traded), by con id.
    pub fn positions(&self, account: &str) -> Vec<Position> {
        self.positions
            .values()
            .filter(|p| p.account == account)
            .cloned()
            .collect()
    }

    pub fn position(&self, account: &str, con_id: i32) -> Option<&Position> {
        self.positions.get(&(account.to_owned(), con_id))
    }

    /// Sets a holding (the simulated account's starting portfolio).
    pub fn set_position(&mut self, account: &str, con_id: i32, quantity: Qty, avg_cost: f64) {
        self.positions.insert(
            (account.to_owned(), con_id),
            Position {
                account: account.to_owned(),
                con_id,
                quantity,
                avg_cost,
                realized_pnl: 0.0,
            },
        );
    }

    /// Seeds every configured account with the simulated portfolio's
    /// holdings (`portfolio::holdings`), so fills add to what the account
    /// already holds.
    pub fn seed_portfolio(&mut self) {
        for account in self.config.accounts.clone() {
            for h in super::portfolio::holdings(&account) {
                if let Ok(quantity) = Qty::parse(&h.quantity) {
                    self.set_position(&account, h.contract.con_id, quantity, h.avg_cost);
                }
            }
        }
    }

    // ---- placing -----------------------------------------------------------

    fn error(client_id: i32, order_id: i32, (code, message): Reject) -> Event {
        Event::Error {
            client_id,
            order_id,
            code,
            message,
        }
    }

    fn validate<'v>(
        &self,
        venue: &'v impl Venue,
        req: &OrderRequest,
    ) -> Result<&'v Instrument, Reject> {
        let inst = venue.instrument(req.con_id).ok_or_else(|| {
            (
                code::UNKNOWN_CONTRACT,
                "No security definition has been found for the request".to_owned(),
            )
        })?;
        if !req.total_quantity.is_positive() {
            return Err((code::ZERO_SIZE, "The order size cannot be zero".to_owned()));
        }
        let prices = [
            (req.order_type.needs_limit(), req.limit_price, "limit"),
            (req.order_type.needs_aux(), req.aux_price, "stop"),
        ];
        for (needed, price, what) in prices {
            match price {
                None if needed => {
                    return Err((
                        code::REJECTED,
                        reject_text(&format!("The {what} price is missing")),
                    ))
                }
                Some(p) if !p.is_finite() => {
                    return Err((
                        code::REJECTED,
                        reject_text(&format!("The {what} price is not valid")),
                    ))
                }
                Some(p) if needed && !on_tick(p, inst) => return Err((
                    code::BAD_TICK,
                    "The price does not conform to the minimum price variation for this contract."
                        .to_owned(),
                )),
                _ => {}
            }
        }
        if req.order_type == OrderType::Trail
            && !req.aux_price.is_some_and(|a| a > 0.0)
            && !req.trailing_percent.is_some_and(|p| p > 0.0)
        {
            return Err((
                code::REJECTED,
                reject_text("A trailing amount or percent is required"),
            ));
        }
        if inst.quote.last_only {
            return Err((code::REJECTED, reject_text("This contract is not tradable")));
        }
        if !req.account.is_empty() && !self.config.accounts.contains(&req.account) {
            return Err((code::REJECTED, reject_text("Invalid account code")));
        }
        Ok(inst)
    }

    /// The price an order is valued at: its limit, its trigger, or the quote.
    fn reference_price(inst: &Instrument, q: Option<&Quote>, req: &OrderRequest) -> f64 {
        if let Some(p) = req.limit_price.filter(|p| *p > 0.0) {
            return p;
        }
        if let Some(p) = req
            .aux_price
            .filter(|p| *p > 0.0 && req.order_type.needs_aux())
        {
            return p;
        }
        let q = match q {
            Some(q) => q,
            None => return inst.quote.start_price,
        };
        let side = if req.action.buys() { q.ask } else { q.bid };
        [side, q.mid, q.last]
            .into_iter()
            .find(|p| *p > 0.0)
            .unwrap_or(inst.quote.start_price)
    }

    fn fx_to_usd(currency: &str) -> f64 {
        match currency {
            "EUR" => super::account_data::EUR_RATE_MICROS as f64 / 1e6,
            _ => 1.0,
        }
    }

    /// Initial and maintenance margin (USD) of the account's positions, with
    /// `extra` units of `con_id` added at `price`.
    fn margins(
        &self,
        venue: &impl Venue,
        account: &str,
        extra: Option<(i32, Qty, f64)>,
    ) -> (f64, f64) {
        let mut holdings: BTreeMap<i32, (Qty, Option<f64>)> = self
            .positions
            .values()
            .filter(|p| p.account == account)
            .map(|p| (p.con_id, (p.quantity, None)))
            .collect();
        if let Some((con_id, qty, price)) = extra {
            let e = holdings.entry(con_id).or_insert((Qty::ZERO, None));
            e.0 = e.0 + qty;
            e.1 = Some(price);
        }
        let mut init = 0.0;
        let mut maint = 0.0;
        for (con_id, (qty, price)) in holdings {
            let Some(inst) = venue.instrument(con_id) else {
                continue;
            };
            let price = price.unwrap_or_else(|| {
                venue
                    .quote(con_id)
                    .map(|q| if q.mid > 0.0 { q.mid } else { q.last })
                    .unwrap_or(inst.quote.start_price)
            });
            let value = qty.abs().to_f64()
                * price
                * costs::value_multiplier(inst)
                * Self::fx_to_usd(inst.currency);
            let (i, m) = costs::margin_rates(inst, qty.is_negative());
            init += value * i;
            maint += value * m;
        }
        (init, maint)
    }

    fn what_if(
        &self,
        venue: &impl Venue,
        inst: &Instrument,
        req: &OrderRequest,
        account: &str,
    ) -> WhatIf {
        let price = Self::reference_price(inst, venue.quote(req.con_id), req);
        let signed = if req.action.buys() {
            req.total_quantity
        } else {
            Qty::ZERO - req.total_quantity
        };
        let (ib, mb) = self.margins(venue, account, None);
        let (ia, ma) = self.margins(venue, account, Some((req.con_id, signed, price)));
        let qty = req.total_quantity.to_f64();
        let commission = costs::order_commission(
            inst,
            qty,
            qty * price * costs::value_multiplier(inst),
            !req.action.buys(),
        );
        let r2 = |x: f64| (x * 100.0).round() / 100.0;
        let equity = self.config.equity_with_loan;
        WhatIf {
            init_margin_before: r2(ib),
            init_margin_change: r2(ia - ib),
            init_margin_after: r2(ia),
            maint_margin_before: r2(mb),
            maint_margin_change: r2(ma - mb),
            maint_margin_after: r2(ma),
            equity_with_loan_before: r2(equity),
            equity_with_loan_change: r2(-commission * Self::fx_to_usd(inst.currency)),
            equity_with_loan_after: r2(equity - commission * Self::fx_to_usd(inst.currency)),
            commission,
            min_commission: commission,
            max_commission: commission,
            commission_currency: costs::commission_currency(inst).to_owned(),
            warning_text: String::new(),
        }
    }

    fn margin_reject(&self, w: &WhatIf) -> Option<Reject> {
        (w.init_margin_change > 0.0 && w.init_margin_after > w.equity_with_loan_before).then(|| {
            (
                code::REJECTED,
                reject_text(&format!(
                    "YOUR ORDER IS NOT ACCEPTED. IN ORDER TO OBTAIN THE DESIRED POSITION YOUR EQUITY WITH LOAN VALUE [{:.2} USD] MUST EXCEED THE INITIAL MARGIN [{:.2} USD]",
                    w.equity_with_loan_before, w.init_margin_after
                )),
            )
        })
    }

    fn short_reject(&self, req: &OrderRequest, account: &str) -> Option<Reject> {
        if req.action.buys() {
            return None;
        }
        let held = self
            .position(account, req.con_id)
            .map_or(Qty::ZERO, |p| p.quantity);
        let shorts = req.action == Action::SShort || req.total_quantity > held;
        let allowed = self.config.short_selling && !self.config.no_short.contains(&req.con_id);
        (shorts && !allowed).then(|| {
            (
                code::REJECTED,
                reject_text("The contract is not available for short sale."),
            )
        })
    }

    /// placeOrder: a new order, or a modification when `req`'s id is live.
    pub fn place(&mut self, venue: &impl Venue, mut req: OrderRequest) -> Vec<Event> {
        let mut events = Vec::new();
        let key = (req.client_id, req.order_id);
        if req.account.is_empty() {
            req.account = self.config.accounts.first().cloned().unwrap_or_default();
        }
        if let Some(existing) = self.orders.get(&key) {
            if existing.status == Status::Filled {
                events.push(Self::error(
                    req.client_id,
                    req.order_id,
                    (
                        code::CANT_MODIFY_FILLED,
                        "Can't modify a filled order.".to_owned(),
                    ),
                ));
                return events;
            }
            if existing.status.is_final() {
                events.push(Self::error(
                    req.client_id,
                    req.order_id,
                    (code::DUPLICATE_ORDER_ID, "Duplicate order ID.".to_owned()),
                ));
                return events;
            }
            if !req.what_if {
                self.modify(venue, req, &mut events);
                return events;
            }
        }
        let inst = match self.validate(venue, &req) {
            Ok(inst) => inst,
            Err(r) => {
                events.push(Self::error(req.client_id, req.order_id, r));
                return events;
            }
        };
        let account = req.account.clone();
        let w = self.what_if(venue, inst, &req, &account);
        let now = venue.time_ms();
        if req.what_if {
            if let Some(r) = self.margin_reject(&w) {
                events.push(Self::error(req.client_id, req.order_id, r));
                return events;
            }
            let o = self.new_order(req, inst, now);
            let mut order = self.view(&o);
            order.status = Status::PreSubmitted;
            events.push(Event::WhatIf { order, what_if: w });
            return events;
        }
        if req.parent_id != 0 {
            match self.orders.get(&(req.client_id, req.parent_id)) {
                None => {
                    events.push(Self::error(
                        req.client_id,
                        req.order_id,
                        (
                            code::ORDER_NOT_FOUND,
                            format!("Can't find order with id ={}", req.parent_id),
                        ),
                    ));
                    return events;
                }
                Some(p) if p.status.is_final() && p.status != Status::Filled => {
                    events.push(Self::error(
                        req.client_id,
                        req.order_id,
                        (
                            code::REJECTED,
                            reject_text("Parent order is being cancelled."),
                        ),
                    ));
                    return events;
                }
                Some(_) => {}
            }
        }
        let refused = self
            .short_reject(&req, &account)
            .or_else(|| self.margin_reject(&w));
        let mut o = self.new_order(req, inst, now);
        if let Some(r) = refused {
            events.push(Self::error(o.req.client_id, o.req.order_id, r));
            self.finish(&mut o, Status::Inactive, "Rejected", now);
            events.push(Event::Status(Self::status_of(&o)));
            self.orders.insert(key, o);
            return events;
        }
        if o.req.action == Action::SShort {
            o.locate_steps = 1;
        }
        let transmit = o.req.transmit;
        self.orders.insert(key, o);
        if transmit {
            self.transmit(venue, key, &mut events);
        } else {
            let o = &self.orders[&key];
            events.push(Event::Open(self.view(o)));
            events.push(Event::Status(Self::status_of(o)));
        }
        events
    }

    fn new_order(&mut self, req: OrderRequest, inst: &Instrument, now: i64) -> Order {
        let perm_id = if req.what_if {
            0
        } else {
            let p = self.next_perm_id;
            self.next_perm_id = self.next_perm_id.wrapping_add(1).max(1);
            p
        };
        Order {
            req,
            perm_id,
            status: Status::PendingSubmit,
            filled: Qty::ZERO,
            fill_value: 0.0,
            last_fill_price: 0.0,
            why_held: String::new(),
            transmitted: false,
            triggered: false,
            trail_stop: None,
            exec_seq: 0,
            commission: 0.0,
            placed_ms: now,
            locate_steps: 0,
            delay_steps: self.config.fill_delay_steps,
            rested: false,
            completed_seq: 0,
            completed_time: String::new(),
            completed_status: String::new(),
            currency: costs::commission_currency(inst).to_owned(),
        }
    }

    /// Transmits an order, its held parent and the parent's held children
    /// (the last child of a bracket transmits the whole bracket).
    fn transmit(&mut self, venue: &impl Venue, key: (i32, i32), events: &mut Vec<Event>) {
        let parent_id = self.orders[&key].req.parent_id;
        let mut keys = Vec::new();
        if parent_id != 0 {
            let pk = (key.0, parent_id);
            if self
                .orders
                .get(&pk)
                .is_some_and(|p| !p.transmitted && !p.status.is_final())
            {
                keys.push(pk);
            }
            keys.extend(
                self.orders
                    .iter()
                    .filter(|(k, o)| {
                        **k != key
                            && k.0 == key.0
                            && o.req.parent_id == parent_id
                            && !o.transmitted
                            && !o.status.is_final()
                    })
                    .map(|(k, _)| *k),
            );
        }
        keys.push(key);
        for k in &keys {
            let o = self.orders.get_mut(k).expect("live order");
            o.transmitted = true;
            o.req.transmit = true;
            let view = self.view(&self.orders[k]);
            events.push(Event::Open(view));
            self.set_status(*k, Status::PreSubmitted, events);
        }
        for k in keys {
            self.evaluate(venue, k, events);
        }
    }

    fn modify(&mut self, venue: &impl Venue, mut req: OrderRequest, events: &mut Vec<Event>) {
        let key = (req.client_id, req.order_id);
        let (con_id, action, filled, parent_id, transmitted) = {
            let o = &self.orders[&key];
            (
                o.req.con_id,
                o.req.action,
                o.filled,
                o.req.parent_id,
                o.transmitted,
            )
        };
        if req.con_id != con_id || req.action != action {
            events.push(Self::error(
                key.0,
                key.1,
                (
                    code::MODIFY_MISMATCH,
                    "Order being modified does not match original order.".to_owned(),
                ),
            ));
            return;
        }
        if let Err(r) = self.validate(venue, &req) {
            events.push(Self::error(key.0, key.1, r));
            return;
        }
        if req.total_quantity < filled {
            events.push(Self::error(
                key.0,
                key.1,
                (
                    code::REJECTED,
                    reject_text("The order size cannot be below the filled quantity"),
                ),
            ));
            return;
        }
        req.parent_id = parent_id;
        let transmit_now = req.transmit && !transmitted;
        let delay = self.config.fill_delay_steps;
        {
            let o = self.orders.get_mut(&key).expect("live order");
            let retrigger = o.req.order_type != req.order_type || o.req.aux_price != req.aux_price;
            // A new price arrives at the market anew: marketable, it takes
            // the quote rather than resting at its limit.
            if o.req.limit_price != req.limit_price {
                o.rested = false;
            }
            o.req = req;
            o.req.transmit = o.transmitted || transmit_now;
            o.delay_steps = delay;
            if retrigger {
                o.triggered = false;
                o.trail_stop = None;
            }
        }
        if transmit_now {
            self.transmit(venue, key, events);
            return;
        }
        let o = &self.orders[&key];
        events.push(Event::Open(self.view(o)));
        events.push(Event::Status(Self::status_of(o)));
        if o.remaining().is_zero() {
            let now = venue.time_ms();
            let mut o = self.orders.remove(&key).expect("live order");
            self.finish(&mut o, Status::Filled, "Filled", now);
            events.push(Event::Status(Self::status_of(&o)));
            self.orders.insert(key, o);
            return;
        }
        if transmitted {
            self.evaluate(venue, key, events);
        }
    }

    // ---- cancelling ----------------------------------------------------------

    /// cancelOrder from `client_id`.
    pub fn cancel(&mut self, venue: &impl Venue, client_id: i32, order_id: i32) -> Vec<Event> {
        let mut events = Vec::new();
        let key = (client_id, order_id);
        match self.orders.get(&key) {
            None => events.push(Self::error(
                client_id,
                order_id,
                (
                    code::CANCEL_NOT_FOUND,
                    format!("OrderId {order_id} that needs to be cancelled is not found."),
                ),
            )),
            Some(o) if o.status.is_final() => events.push(Self::error(
                client_id,
                order_id,
                (
                    code::CANCEL_NOT_CANCELLABLE,
                    format!(
                        "OrderId {order_id} that needs to be cancelled cannot be cancelled, state: {}.",
                        o.status.as_str()
                    ),
                ),
            )),
            Some(_) => self.cancel_tree(venue, key, "Cancelled by Trader", true, &mut events),
        }
        events
    }

    /// reqGlobalCancel: every live order of every client.
    pub fn global_cancel(&mut self, venue: &impl Venue) -> Vec<Event> {
        let mut events = Vec::new();
        let keys: Vec<(i32, i32)> = self
            .orders
            .iter()
            .filter(|(_, o)| !o.status.is_final())
            .map(|(k, _)| *k)
            .collect();
        for k in keys {
            if !self.orders[&k].status.is_final() {
                self.cancel_tree(venue, k, "Cancelled by Trader", true, &mut events);
            }
        }
        events
    }

    /// The end of the trading session: DAY orders expire, GTC orders stay.
    pub fn end_session(&mut self, venue: &impl Venue) -> Vec<Event> {
        let mut events = Vec::new();
        let keys: Vec<(i32, i32)> = self
            .orders
            .iter()
            .filter(|(_, o)| !o.status.is_final() && o.req.tif == Tif::Day)
            .map(|(k, _)| *k)
            .collect();
        for k in keys {
            if !self.orders[&k].status.is_final() {
                self.cancel_tree(venue, k, "Cancelled by System", false, &mut events);
            }
        }
        events
    }

    /// A new trading day: forgets the day's executions and finished orders
    /// (their ids become free); live (GTC) orders and positions stay.
    pub fn new_day(&mut self) {
        self.executions.clear();
        self.orders.retain(|_, o| !o.status.is_final());
    }

    /// Cancels an order and its live children.
    fn cancel_tree(
        &mut self,
        venue: &impl Venue,
        key: (i32, i32),
        why: &str,
        notice: bool,
        events: &mut Vec<Event>,
    ) {
        let children: Vec<(i32, i32)> = self
            .orders
            .iter()
            .filter(|(k, o)| k.0 == key.0 && o.req.parent_id == key.1 && !o.status.is_final())
            .map(|(k, _)| *k)
            .collect();
        self.cancel_one(venue, key, why, notice, events);
        for c in children {
            self.cancel_one(venue, c, why, notice, events);
        }
    }

    fn cancel_one(
        &mut self,
        venue: &impl Venue,
        key: (i32, i32),
        why: &str,
        notice: bool,
        events: &mut Vec<Event>,
    ) {
        let Some(mut o) = self.orders.remove(&key) else {
            return;
        };
        if o.status.is_final() {
            self.orders.insert(key, o);
            return;
        }
        let status = if o.transmitted {
            Status::Cancelled
        } else {
            Status::ApiCancelled
        };
        self.finish(&mut o, status, why, venue.time_ms());
        if notice {
            events.push(Self::error(
                key.0,
                key.1,
                (code::CANCELLED, "Order Canceled - reason:".to_owned()),
            ));
        }
        events.push(Event::Status(Self::status_of(&o)));
        self.orders.insert(key, o);
    }

    fn finish(&mut self, o: &mut Order, status: Status, why: &str, now: i64) {
        o.status = status;
        o.why_held.clear();
        self.completed_count += 1;
        o.completed_seq = self.completed_count;
        o.completed_time = time::exec_time(&self.config.zone, now);
        o.completed_status = why.to_owned();
    }

    // ---- matching ------------------------------------------------------------

    fn status_of(o: &Order) -> StatusUpdate {
        StatusUpdate {
            client_id: o.req.client_id,
            order_id: o.req.order_id,
            status: o.status,
            filled: o.filled,
            remaining: o.remaining(),
            avg_fill_price: o.avg_price(),
            perm_id: o.perm_id,
            parent_id: o.req.parent_id,
            last_fill_price: o.last_fill_price,
            why_held: o.why_held.clone(),
        }
    }

    /// Sets a live order's status, with an orderStatus when it (or why it
    /// is held) changed.
    fn set_status(&mut self, key: (i32, i32), status: Status, events: &mut Vec<Event>) {
        self.set_status_held(key, status, None, events);
    }

    fn set_status_held(
        &mut self,
        key: (i32, i32),
        status: Status,
        why_held: Option<&str>,
        events: &mut Vec<Event>,
    ) {
        let o = self.orders.get_mut(&key).expect("live order");
        let why = why_held.unwrap_or("");
        if o.status != status || o.why_held != why {
            o.status = status;
            o.why_held = why.to_owned();
            events.push(Event::Status(Self::status_of(o)));
        }
    }

    fn in_hours(inst: &Instrument, now_ms: i64, outside_rth: bool) -> bool {
        let hours = if outside_rth {
            &inst.trading_hours
        } else {
            &inst.liquid_hours
        };
        let now = now_ms.div_euclid(1000);
        time::sessions(hours, inst.time_zone_id)
            .iter()
            .any(|&(a, b)| (a..b).contains(&now))
    }

    /// The end of the session an order placed at `placed_ms` belongs to
    /// (the one it is in, or the next), unix ms.
    fn session_end(inst: &Instrument, placed_ms: i64, outside_rth: bool) -> Option<i64> {
        let hours = if outside_rth {
            &inst.trading_hours
        } else {
            &inst.liquid_hours
        };
        let t = placed_ms.div_euclid(1000);
        time::sessions(hours, inst.time_zone_id)
            .into_iter()
            .map(|(_, b)| b)
            .filter(|&b| b > t)
            .min()
            .map(|b| b * 1000)
    }

    /// Works one live order against the quote: waits, triggers, fills.
    fn evaluate(&mut self, venue: &impl Venue, key: (i32, i32), events: &mut Vec<Event>) {
        let Some(o) = self.orders.get(&key) else {
            return;
        };
        if o.status.is_final() || !o.transmitted {
            return;
        }
        let now = venue.time_ms();
        let Some(inst) = venue.instrument(o.req.con_id) else {
            return;
        };
        let quote = venue.quote(o.req.con_id).cloned();
        let wait = self.wait_of(key, inst, quote.as_ref(), now);
        match wait {
            Wait::None => {}
            Wait::Locate => {
                self.set_status_held(key, Status::PreSubmitted, Some("locate"), events);
                return;
            }
            Wait::Parent | Wait::Trigger | Wait::Hours => {
                self.set_status(key, Status::PreSubmitted, events);
                return;
            }
        }
        self.set_status(key, Status::Submitted, events);
        let o = &self.orders[&key];
        let buys = o.req.action.buys();
        let limit = match o.req.order_type {
            OrderType::Limit | OrderType::StopLimit | OrderType::LimitIfTouched => {
                o.req.limit_price
            }
            OrderType::Market | OrderType::Stop | OrderType::MarketIfTouched | OrderType::Trail => {
                None
            }
        };
        let rested = o.rested;
        let remaining = o.remaining();
        let tif = o.req.tif;
        let mut crossed = false;
        if let Some(q) = quote {
            let (px, size) = if buys {
                (q.ask, q.ask_size)
            } else {
                (q.bid, q.bid_size)
            };
            let crosses = px > 0.0
                && limit.map_or(true, |l| if buys { px <= l + 1e-9 } else { px >= l - 1e-9 });
            crossed = crosses;
            if crosses {
                let (price, liquidity) = match limit {
                    Some(l) if rested => (l, Liquidity::Added),
                    _ => (px, Liquidity::Removed),
                };
                let qty = self.fill_qty(remaining, size);
                self.fill(venue, key, qty, price, liquidity, now, events);
            }
        }
        let Some(o) = self.orders.get_mut(&key) else {
            return;
        };
        if o.status.is_final() {
            return;
        }
        // A marketable order that filled only in part has not rested: the
        // rest takes the quote while it stays marketable.
        if !crossed {
            o.rested = true;
        }
        if tif == Tif::Ioc {
            self.cancel_one(venue, key, "Cancelled by System", false, events);
        }
    }

    /// Why a live, transmitted order is not working now (and the trigger
    /// bookkeeping of stops and trailing stops).
    fn wait_of(&mut self, key: (i32, i32), inst: &Instrument, q: Option<&Quote>, now: i64) -> Wait {
        let (client_id, parent_id) = {
            let o = &self.orders[&key];
            (o.req.client_id, o.req.parent_id)
        };
        if parent_id != 0
            && self
                .orders
                .get(&(client_id, parent_id))
                .is_some_and(|p| p.status != Status::Filled)
        {
            return Wait::Parent;
        }
        let o = self.orders.get_mut(&key).expect("live order");
        if o.delay_steps > 0 {
            o.delay_steps -= 1;
            return Wait::Trigger;
        }
        if o.locate_steps > 0 {
            o.locate_steps -= 1;
            return Wait::Locate;
        }
        if self.config.trading_hours && !Self::in_hours(inst, now, o.req.outside_rth) {
            return Wait::Hours;
        }
        if o.triggered {
            return Wait::None;
        }
        let (bid, ask) = q.map_or((0.0, 0.0), |q| (q.bid, q.ask));
        let buys = o.req.action.buys();
        let aux = o.req.aux_price.unwrap_or(0.0);
        let fired = match o.req.order_type {
            OrderType::Market | OrderType::Limit => true,
            OrderType::Stop | OrderType::StopLimit => {
                if buys {
                    ask > 0.0 && ask >= aux
                } else {
                    bid > 0.0 && bid <= aux
                }
            }
            OrderType::MarketIfTouched | OrderType::LimitIfTouched => {
                if buys {
                    ask > 0.0 && ask <= aux
                } else {
                    bid > 0.0 && bid >= aux
                }
            }
            OrderType::Trail => {
                let reference = if buys { ask } else { bid };
                if reference <= 0.0 {
                    false
                } else {
                    let amount = match o.req.aux_price.filter(|a| *a > 0.0) {
                        Some(a) => a,
                        None => reference * o.req.trailing_percent.unwrap_or(0.0) / 100.0,
                    };
                    let candidate = if buys {
                        round_to_tick(reference + amount, inst, true)
                    } else {
                        round_to_tick(reference - amount, inst, false)
                    };
                    let stop = match o.trail_stop {
                        None => candidate,
                        Some(s) if buys => s.min(candidate),
                        Some(s) => s.max(candidate),
                    };
                    o.trail_stop = Some(stop);
                    if buys {
                        reference >= stop
                    } else {
                        reference <= stop
                    }
                }
            }
        };
        if fired {
            o.triggered = true;
            Wait::None
        } else {
            Wait::Trigger
        }
    }

    /// How much of `remaining` fills against `displayed` (the quote's size):
    /// at most the displayed size, and sometimes (seeded) only a part.
    fn fill_qty(&mut self, remaining: Qty, displayed: f64) -> Qty {
        let mut q = remaining;
        if displayed >= 1.0 {
            let cap = Qty::whole(displayed.floor() as i64);
            if cap < q {
                q = cap;
            }
        }
        if q == remaining
            && remaining >= Qty::whole(2)
            && self.rng.chance(self.config.partial_fill_chance)
        {
            let part = remaining.whole_part() * i64::from(self.rng.range((1, 3))) / 4;
            q = Qty::whole(part.max(1));
        }
        q
    }

    #[allow(clippy::too_many_arguments)]
    fn fill(
        &mut self,
        venue: &impl Venue,
        key: (i32, i32),
        qty: Qty,
        price: f64,
        liquidity: Liquidity,
        now: i64,
        events: &mut Vec<Event>,
    ) {
        let Some(inst) = venue.instrument(self.orders[&key].req.con_id) else {
            return;
        };
        let mult = costs::value_multiplier(inst);
        let exec_prefix = self.exec_prefix;
        let zone = self.config.zone.clone();
        let o = self.orders.get_mut(&key).expect("live order");
        let buys = o.req.action.buys();
        o.filled = o.filled + qty;
        o.fill_value += price * qty.to_f64();
        o.last_fill_price = price;
        o.exec_seq += 1;
        let total = costs::order_commission(inst, o.filled.to_f64(), o.fill_value * mult, !buys);
        let commission = ((total - o.commission) * 1e6).round() / 1e6;
        o.commission = total;
        let exchange = if o.req.exchange.is_empty() || o.req.exchange.eq_ignore_ascii_case("SMART")
        {
            if inst.primary_exchange.is_empty() {
                inst.exchange.to_owned()
            } else {
                inst.primary_exchange.to_owned()
            }
        } else {
            o.req.exchange.to_ascii_uppercase()
        };
        let execution = Execution {
            client_id: o.req.client_id,
            order_id: o.req.order_id,
            perm_id: o.perm_id,
            exec_id: format!(
                "{exec_prefix:08x}.{:08x}.{:02x}.01",
                o.perm_id as u32, o.exec_seq
            ),
            time: time::exec_time(&zone, now),
            time_ms: now,
            account: o.req.account.clone(),
            con_id: inst.con_id,
            symbol: inst.symbol.clone(),
            sec_type: inst.sec_type.to_owned(),
            currency: inst.currency.to_owned(),
            local_symbol: inst.local_symbol.clone(),
            exchange,
            side: if buys { Side::Bought } else { Side::Sold },
            shares: qty,
            price,
            cum_qty: o.filled,
            avg_price: o.avg_price(),
            liquidity,
            order_ref: o.req.order_ref.clone(),
        };
        let done = o.remaining().is_zero();
        let (client_id, account, oca, parent_id, first) = (
            o.req.client_id,
            o.req.account.clone(),
            o.req.oca_group.clone(),
            o.req.parent_id,
            o.exec_seq == 1,
        );
        let realized = self.book_fill(&account, inst, buys, qty, price, commission);
        let report = CommissionReport {
            exec_id: execution.exec_id.clone(),
            commission,
            currency: costs::commission_currency(inst).to_owned(),
            realized_pnl: realized,
        };
        self.executions.push(ExecutionRecord {
            execution: execution.clone(),
            commission: report.clone(),
        });
        events.push(Event::Execution(execution));
        if done {
            let mut o = self.orders.remove(&key).expect("live order");
            self.finish(&mut o, Status::Filled, "Filled", now);
            self.orders.insert(key, o);
        }
        let o = &self.orders[&key];
        events.push(Event::Status(Self::status_of(o)));
        if done {
            events.push(Event::Open(self.view(o)));
        }
        events.push(Event::Commission { client_id, report });
        if let Some(p) = self.position(&account, inst.con_id) {
            events.push(Event::Position(p.clone()));
        }
        if first {
            // OCA (type 1): the first execution cancels the group's others;
            // the children of one parent are OCA'd with each other.
            let others: Vec<(i32, i32)> = self
                .orders
                .iter()
                .filter(|(k, x)| {
                    **k != key
                        && k.0 == client_id
                        && !x.status.is_final()
                        && ((!oca.is_empty() && x.req.oca_group == oca)
                            || (parent_id != 0 && x.req.parent_id == parent_id))
                })
                .map(|(k, _)| *k)
                .collect();
            for k in others {
                self.cancel_tree(venue, k, "Cancelled by System", false, events);
            }
        }
        if done {
            let children: Vec<(i32, i32)> = self
                .orders
                .iter()
                .filter(|(k, x)| {
                    k.0 == client_id
                        && x.req.parent_id == key.1
                        && x.transmitted
                        && !x.status.is_final()
                })
                .map(|(k, _)| *k)
                .collect();
            for c in children {
                self.evaluate(venue, c, events);
            }
        }
    }

    /// Books a fill on the account's position; the realized PnL (net of the
    /// commission) when it reduced the position.
    fn book_fill(
        &mut self,
        account: &str,
        inst: &Instrument,
        buys: bool,
        qty: Qty,
        price: f64,
        commission: f64,
    ) -> Option<f64> {
        let mult = costs::value_multiplier(inst);
        let p = self
            .positions
            .entry((account.to_owned(), inst.con_id))
            .or_insert_with(|| Position {
                account: account.to_owned(),
                con_id: inst.con_id,
                quantity: Qty::ZERO,
                avg_cost: 0.0,
                realized_pnl: 0.0,
            });
        let signed = if buys { qty } else { Qty::ZERO - qty };
        let before = p.quantity;
        let reduces = (before.is_positive() && !buys) || (before.is_negative() && buys);
        if !reduces {
            let old = before.abs().to_f64();
            let new = old + qty.to_f64();
            p.avg_cost = (old * p.avg_cost + qty.to_f64() * price * mult + commission) / new;
            p.quantity = before + signed;
            return None;
        }
        let closing = if qty < before.abs() {
            qty
        } else {
            before.abs()
        };
        let per_unit = price * mult;
        let gross = if before.is_positive() {
            (per_unit - p.avg_cost) * closing.to_f64()
        } else {
            (p.avg_cost - per_unit) * closing.to_f64()
        };
        let opening = qty - closing;
        let share = if qty.is_positive() {
            closing.to_f64() / qty.to_f64()
        } else {
            1.0
        };
        let realized = gross - commission * share;
        p.realized_pnl += realized;
        p.quantity = before + signed;
        if p.quantity.is_zero() {
            p.avg_cost = 0.0;
        } else if opening.is_positive() {
            p.avg_cost =
                (opening.to_f64() * per_unit + commission * (1.0 - share)) / opening.to_f64();
        }
        Some((realized * 1e6).round() / 1e6)
    }

    /// After each market step: expires DAY orders past their session's end
    /// (with [`EngineConfig::trading_hours`]), then works every live order
    /// against the new quotes.
    pub fn on_step(&mut self, venue: &impl Venue) -> Vec<Event> {
        let mut events = Vec::new();
        let now = venue.time_ms();
        if self.config.trading_hours {
            let expired: Vec<(i32, i32)> = self
                .orders
                .iter()
                .filter(|(_, o)| !o.status.is_final() && o.req.tif == Tif::Day)
                .filter(|(_, o)| {
                    venue.instrument(o.req.con_id).is_some_and(|inst| {
                        Self::session_end(inst, o.placed_ms, o.req.outside_rth)
                            .is_some_and(|end| now >= end)
                    })
                })
                .map(|(k, _)| *k)
                .collect();
            for k in expired {
                self.cancel_tree(venue, k, "Cancelled by System", false, &mut events);
            }
        }
        let live: Vec<(i32, i32)> = self
            .orders
            .iter()
            .filter(|(_, o)| o.transmitted && !o.status.is_final())
            .map(|(k, _)| *k)
            .collect();
        for k in live {
            self.evaluate(venue, k, &mut events);
        }
        events
    }
}

#[cfg(test)]
mod tests;
