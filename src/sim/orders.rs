//! The simulator's order desk: one matching engine per simulator, matched
//! against one server-wide market that a server thread steps (so orders
//! and fills outlive connections and restarts, and fills happen while no
//! client is connected), and the routing of the engine's events to the
//! connections of their client ids.
//!
//! The placing connection gets the messages of its own request at once
//! (in order, after what it already got); events of other client ids (a
//! global cancel, a fill on a market step) wait in each connected client's
//! outbox until its session takes them. A client that is not connected
//! misses them, as with TWS: reqOpenOrders, reqExecutions and
//! reqCompletedOrders tell it what happened.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crate::protocol::executions::{ExecDetailsEnd, ExecutionFilter};
use crate::protocol::orders::{CompletedOrdersEnd, OpenOrderEnd, Order, PlaceOrder};
use crate::protocol::Incoming;

use super::clock;
use super::market::{Market, MarketConfig};
use super::matching::{Engine, EngineConfig, Event, OrderView, Venue, Viewer};
use super::order_replies as replies;
use super::SimConfig;

/// The desk of one simulator, behind its lock.
#[derive(Debug)]
pub struct Desk {
    inner: Mutex<Book>,
}

/// What the lock guards.
#[derive(Debug)]
pub struct Book {
    engine: Engine,
    /// The market orders fill against, built when the first order request
    /// arrives (a simulator that takes no orders never builds it).
    market: Option<Market>,
    market_config: MarketConfig,
    step_every: Option<Duration>,
    master_client_id: Option<i32>,
    first_order_id: i32,
    /// The wire order of each order as last placed, echoed in openOrder.
    placed: BTreeMap<(i32, i32), Order>,
    /// The highest order id each client id has used.
    highest_id: BTreeMap<i32, i32>,
    /// Connected sessions: connection -> (client id, waiting messages).
    links: BTreeMap<u64, (i32, Vec<Incoming>)>,
}

impl Desk {
    /// A desk with no orders.
    pub fn new(config: &SimConfig) -> Desk {
        let mut engine = Engine::new(EngineConfig {
            seed: config.seed,
            accounts: config.accounts.clone(),
            fill_delay_steps: config.fill_delay_steps,
            trading_hours: config.order_trading_hours,
            ..EngineConfig::default()
        });
        engine.seed_portfolio();
        Desk {
            inner: Mutex::new(Book {
                engine,
                market: None,
                market_config: MarketConfig::from_sim(config),
                // As the market steps (Market::step_interval).
                step_every: match config.market_data_rate {
                    0 => None,
                    _ if config.market_closed => None,
                    rate => Some(Duration::from_millis(u64::from((1000 / rate).max(1)))),
                },
                master_client_id: config.master_client_id,
                first_order_id: config.next_valid_id,
                placed: BTreeMap::new(),
                highest_id: BTreeMap::new(),
                links: BTreeMap::new(),
            }),
        }
    }

    /// The book, locked.
    pub fn lock(&self) -> MutexGuard<'_, Book> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers a connected session of `client_id`; it is unregistered when
    /// the returned link is dropped.
    pub fn attach(&self, conn: u64, client_id: i32) -> Link<'_> {
        self.lock().links.insert(conn, (client_id, Vec::new()));
        Link { desk: self, conn }
    }
}

/// A session's registration with the desk.
#[derive(Debug)]
pub struct Link<'a> {
    desk: &'a Desk,
    conn: u64,
}

impl Link<'_> {
    /// The messages that arrived for this session since the last call.
    pub fn take(&self) -> Vec<Incoming> {
        self.desk
            .lock()
            .links
            .get_mut(&self.conn)
            .map(|(_, out)| std::mem::take(out))
            .unwrap_or_default()
    }
}

impl Drop for Link<'_> {
    fn drop(&mut self) {
        self.desk.lock().links.remove(&self.conn);
    }
}

impl Book {
    /// How often the market steps; `None`: quotes stand still (orders then
    /// fill only when they are placed or modified).
    pub fn step_interval(&self) -> Option<Duration> {
        self.step_every
    }

    /// One market step: the quotes move, resting orders work against them.
    pub fn step(&mut self) {
        let Some(market) = self.market.as_mut() else {
            return;
        };
        market.step();
        let events = self.engine.on_step(market);
        self.route(events, None);
    }

    /// The engine and its market (built, as of now, on first use).
    fn engine_and_market(&mut self) -> (&mut Engine, &Market) {
        let config = &self.market_config;
        let market = self
            .market
            .get_or_insert_with(|| Market::new(config.clone(), clock::now_unix_ms()));
        (&mut self.engine, market)
    }

    /// Who `client_id` is for open orders and executions.
    pub fn viewer(&self, client_id: i32) -> Viewer {
        Viewer::new(client_id, self.master_client_id)
    }

    /// nextValidId for `client_id`: above every id it used.
    pub fn next_valid_id(&self, client_id: i32) -> i32 {
        let used = self.highest_id.get(&client_id).copied().unwrap_or(i32::MIN);
        self.first_order_id.max(used.saturating_add(1))
    }

    /// placeOrder from `client_id`: its messages for the caller.
    pub fn place(&mut self, client_id: i32, req: &PlaceOrder) -> Vec<Incoming> {
        let mut out = self.pending(client_id);
        out.extend(self.place_now(client_id, req));
        out
    }

    fn place_now(&mut self, client_id: i32, req: &PlaceOrder) -> Vec<Incoming> {
        let order_id = req.order_id;
        let instruments = self.engine_and_market().1.instruments();
        let con_id = match replies::resolve(instruments, order_id, &req.contract) {
            Ok(n) => instruments.get(n).con_id,
            Err(e) => return vec![*e],
        };
        let request = match replies::order_request(
            client_id,
            order_id,
            con_id,
            &req.contract.exchange,
            &req.order,
        ) {
            Ok(r) => r,
            Err(e) => return vec![*e],
        };
        if request.what_if {
            // Nothing is kept: the answer carries the order as placed.
            let (engine, market) = self.engine_and_market();
            let events = engine.place(market, request);
            return self.messages_with(&events, client_id, Some(&req.order));
        }
        let before = self.engine.order(client_id, order_id);
        let (engine, market) = self.engine_and_market();
        let events = engine.place(market, request);
        let after = self.engine.order(client_id, order_id);
        if let Some(after) = after {
            let entry = self.highest_id.entry(client_id).or_insert(order_id);
            *entry = (*entry).max(order_id);
            // A refused modification leaves the order as it was.
            if before.map_or(true, |b| b.request != after.request) {
                self.placed
                    .insert((client_id, order_id), (*req.order).clone());
            }
        }
        self.route(events, Some(client_id))
    }

    /// cancelOrder from `client_id`.
    pub fn cancel(&mut self, client_id: i32, order_id: i32) -> Vec<Incoming> {
        let mut out = self.pending(client_id);
        let (engine, market) = self.engine_and_market();
        let events = engine.cancel(market, client_id, order_id);
        out.extend(self.route(events, Some(client_id)));
        out
    }

    /// reqGlobalCancel from `client_id`: every client's live orders.
    pub fn global_cancel(&mut self, client_id: i32) -> Vec<Incoming> {
        let mut out = self.pending(client_id);
        let (engine, market) = self.engine_and_market();
        let events = engine.global_cancel(market);
        out.extend(self.route(events, Some(client_id)));
        out
    }

    /// reqOpenOrders (`all`: reqAllOpenOrders): openOrder and orderStatus
    /// per live order the client sees, then openOrderEnd.
    pub fn open_orders(&mut self, client_id: i32, all: bool) -> Vec<Incoming> {
        let viewer = if all {
            Viewer::all()
        } else {
            self.viewer(client_id)
        };
        let mut out = self.pending(client_id);
        for view in self.engine.open_orders(viewer) {
            if let Some(inst) = self.instrument(view.request.con_id) {
                out.push(replies::open_order(inst, &view, self.placed_of(&view)));
                out.push(replies::order_status(&status_of(&view)));
            }
        }
        out.push(Incoming::OpenOrderEnd(OpenOrderEnd {}));
        out
    }

    /// reqCompletedOrders: today's finished orders, then completedOrdersEnd.
    pub fn completed_orders(&mut self, client_id: i32) -> Vec<Incoming> {
        let mut out = self.pending(client_id);
        for view in self.engine.completed_orders(Viewer::all()) {
            if let Some(inst) = self.instrument(view.request.con_id) {
                out.push(replies::completed_order(inst, &view, self.placed_of(&view)));
            }
        }
        out.push(Incoming::CompletedOrdersEnd(CompletedOrdersEnd {}));
        out
    }

    /// reqExecutions: execDetails and commissionAndFeesReport per execution
    /// of today the client sees and the filter selects, then execDetailsEnd.
    pub fn executions(
        &mut self,
        client_id: i32,
        req_id: i32,
        filter: &ExecutionFilter,
    ) -> Vec<Incoming> {
        let mut out = self.pending(client_id);
        match self
            .engine
            .executions(self.viewer(client_id), &replies::exec_filter(filter))
        {
            Ok(records) => {
                for r in records {
                    if let Some(inst) = self.instrument(r.execution.con_id) {
                        out.push(replies::exec_details(req_id, inst, &r.execution));
                        out.push(replies::commission(&r.commission));
                    }
                }
            }
            Err(e) => out.push(replies::error(
                req_id,
                replies::VALIDATION_ERROR,
                &format!("Error validating request:-'{e}'"),
            )),
        }
        out.push(Incoming::ExecDetailsEnd(ExecDetailsEnd { req_id }));
        out
    }

    /// An instrument of the market (none before the market is built, when
    /// there are no orders either).
    fn instrument(&self, con_id: i32) -> Option<&super::instruments::Instrument> {
        self.market.as_ref().and_then(|m| m.instrument(con_id))
    }

    fn placed_of(&self, view: &OrderView) -> Option<&Order> {
        self.placed
            .get(&(view.request.client_id, view.request.order_id))
    }

    /// What waits for `client_id`'s session: it goes before the answer to
    /// its request, so that the session sees every order's changes in order.
    fn pending(&mut self, client_id: i32) -> Vec<Incoming> {
        let mut out = Vec::new();
        for (owner, waiting) in self.links.values_mut() {
            if *owner == client_id {
                out.append(waiting);
            }
        }
        out
    }

    /// The messages of `events` for the caller `caller` (returned), the
    /// others put in the outboxes of their client ids' sessions.
    fn route(&mut self, events: Vec<Event>, caller: Option<i32>) -> Vec<Incoming> {
        let mut mine = Vec::new();
        for event in events {
            let Some(client_id) = client_of(&event) else {
                continue;
            };
            let messages = self.messages(&event, None);
            if caller == Some(client_id) {
                mine.extend(messages);
                continue;
            }
            for (owner, out) in self.links.values_mut() {
                if *owner == client_id {
                    out.extend(messages.iter().cloned());
                }
            }
        }
        mine
    }

    /// Every message of `events` for `client_id` (a what-if answer).
    fn messages_with(
        &self,
        events: &[Event],
        client_id: i32,
        placed: Option<&Order>,
    ) -> Vec<Incoming> {
        events
            .iter()
            .filter(|e| client_of(e) == Some(client_id))
            .flat_map(|e| self.messages(e, placed))
            .collect()
    }

    /// The wire messages of one event.
    fn messages(&self, event: &Event, placed: Option<&Order>) -> Vec<Incoming> {
        let inst = |con_id| self.instrument(con_id);
        match event {
            Event::Open(view) => inst(view.request.con_id)
                .map(|i| replies::open_order(i, view, placed.or(self.placed_of(view))))
                .into_iter()
                .collect(),
            Event::Status(s) => vec![replies::order_status(s)],
            Event::Execution(x) => inst(x.con_id)
                .map(|i| replies::exec_details(-1, i, x))
                .into_iter()
                .collect(),
            Event::Commission { report, .. } => vec![replies::commission(report)],
            // Positions and portfolios are answered from the simulated
            // holdings (account_replies), not pushed.
            Event::Position(_) => Vec::new(),
            Event::WhatIf { order, what_if } => inst(order.request.con_id)
                .map(|i| replies::what_if(i, order, what_if, placed))
                .into_iter()
                .collect(),
            Event::Error {
                order_id,
                code,
                message,
                ..
            } => vec![replies::error(*order_id, *code, message)],
        }
    }
}

/// The client id an event is for (`None`: for no connection).
fn client_of(event: &Event) -> Option<i32> {
    match event {
        Event::Open(view) => Some(view.request.client_id),
        Event::Status(s) => Some(s.client_id),
        Event::Execution(x) => Some(x.client_id),
        Event::Commission { client_id, .. } => Some(*client_id),
        Event::Position(_) => None,
        Event::WhatIf { order, .. } => Some(order.request.client_id),
        Event::Error { client_id, .. } => Some(*client_id),
    }
}

/// An orderStatus of a view (reqOpenOrders).
fn status_of(view: &OrderView) -> super::matching::StatusUpdate {
    super::matching::StatusUpdate {
        client_id: view.request.client_id,
        order_id: view.request.order_id,
        status: view.status,
        filled: view.filled,
        remaining: view.remaining,
        avg_fill_price: view.avg_fill_price,
        perm_id: view.perm_id,
        parent_id: view.request.parent_id,
        last_fill_price: view.last_fill_price,
        why_held: view.why_held.clone(),
    }
}
