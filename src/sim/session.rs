//! One connection's protocol: handshake, startApi, the startup sequence, then
//! answers to requests until the peer leaves or the simulator stops.

use std::time::{Duration, Instant};

use crate::inspect::Direction;
use crate::protocol::error_codes::{CLIENT_ID_IN_USE, MAX_RATE_EXCEEDED};
use crate::protocol::handshake::{parse_client_hello, server_hello, API_PREFIX};
use crate::protocol::messages::{
    CurrentTime, CurrentTimeInMillis, ErrorMessage, ManagedAccounts, NextValidId, StartApi,
};
use crate::protocol::{versions, Incoming, RawMessage, Request};
use crate::wire::LENGTH_PREFIX;

use super::account_replies;
use super::clock;
use super::history_replies::{self, Updates};
use super::injector::Injector;
use super::instruments::{Date, Instruments};
use super::market::{Market, MarketConfig, MktDataRequest};
use super::market_replies::{self, query};
use super::registry::Claim;
use super::rest_replies;
use super::server::Shared;
use super::summary::Subscriptions;
use super::transport::{End, Transport};
use super::{flood, garbage};

/// The notices TWS sends after startApi: data farms are fine.
const STARTUP_NOTICES: &[(i32, &str)] = &[
    (2104, "Market data farm connection is OK:usfarm"),
    (2106, "HMDS data farm connection is OK:ushmds"),
    (2158, "Sec-def data farm connection is OK:secdefil"),
];

const CLIENT_ID_IN_USE_TEXT: &str =
    "Unable to connect as the client id is already in use. Retry with a unique client id.";

/// The longest the serve loop waits for a frame before looking at its timers.
const IDLE_WAIT: Duration = Duration::from_secs(1);

/// How often a frozen session looks at the simulator's stop flag.
const FROZEN_POLL: Duration = Duration::from_millis(20);

/// How often a session looks for order events of other requests and of
/// market steps (fills of resting orders) waiting at the order desk.
const ORDER_POLL: Duration = Duration::from_millis(50);

/// Serves one accepted connection to its end and says why it ended.
pub fn serve(io: Transport, shared: &Shared, conn: u64) -> End {
    let (mut io, version, start) = match handshake(io, shared, conn) {
        Ok(started) => started,
        Err(end) => return end,
    };
    let Some(claim) = shared.client_ids.claim(start.client_id) else {
        let mut out = Vec::new();
        encode(
            &error(-1, CLIENT_ID_IN_USE, CLIENT_ID_IN_USE_TEXT),
            version,
            &mut out,
            shared,
            conn,
        );
        shared.recorder.capture(&out);
        if let Err(end) = io.send(&out) {
            return end;
        }
        return End::Protocol(format!("client id {} is already in use", start.client_id));
    };
    shared.log(format_args!(
        "connection {conn}: client id {} at server version {version}",
        start.client_id
    ));
    let mut session = Session {
        io,
        shared,
        version,
        conn,
        summaries: Subscriptions::new(
            shared.config.max_account_summaries,
            shared.config.summary_refresh,
        ),
        out: Vec::new(),
        faults: Injector::new(&shared.config.faults, Instant::now()),
        instruments: None,
        market: None,
        next_step: None,
        left_out_noted: false,
        client_id: start.client_id,
        orders: shared.orders.attach(conn, start.client_id),
        next_order_poll: Instant::now() + ORDER_POLL,
        history: Updates::default(),
        _claim: claim,
    };
    let end = session.run();
    session.history.close_all(&shared.pacer);
    if matches!(end, End::Fault(_)) {
        session.io.close_gracefully();
    }
    end
}

/// Reads `API\0` and the client's version range, answers with the server
/// hello if the range contains the configured version, then waits for
/// startApi. Everything must arrive within the handshake timeout.
fn handshake(
    mut io: Transport,
    shared: &Shared,
    conn: u64,
) -> Result<(Transport, i32, StartApi), End> {
    let deadline = Instant::now() + shared.config.handshake_timeout;
    let version = shared.config.server_version;

    let mut prefix = [0u8; 4];
    io.read_exact_by(&mut prefix, deadline)?;
    if prefix != API_PREFIX {
        return Err(End::Protocol(format!(
            "bad prefix {prefix:?}, expected API\\0"
        )));
    }
    let hello_frame = io.frame_by(deadline)?;
    let hello = parse_client_hello(&hello_frame).ok_or_else(|| {
        End::Protocol(format!(
            "malformed client hello {:?}",
            String::from_utf8_lossy(&hello_frame)
        ))
    })?;
    shared.recorder.client_hello(conn, &hello, &hello_frame);
    if !(hello.min_version..=hello.max_version).contains(&version) {
        return Err(End::Protocol(format!(
            "client range v{}..{} does not contain server version {version}",
            hello.min_version, hello.max_version
        )));
    }
    let time = clock::connection_time();
    let answer = server_hello(version, &time);
    shared.recorder.server_hello(conn, version, &time, &answer);
    io.send(&answer)?;

    let first = io.frame_by(deadline)?;
    record_received(shared, conn, &first, version);
    let raw = RawMessage::split(&first, version).map_err(|e| End::Protocol(e.to_string()))?;
    match Request::decode(&raw, version) {
        Ok(Some(Request::StartApi(start))) => Ok((io, version, start)),
        Ok(Some(other)) => Err(End::Protocol(format!(
            "first message was {}, not StartApi",
            other.name()
        ))),
        Ok(None) => Err(End::Protocol(format!(
            "first message has unknown id {}, not StartApi",
            raw.id
        ))),
        Err(e) => Err(End::Protocol(e.to_string())),
    }
}

/// A started session.
struct Session<'a> {
    io: Transport,
    shared: &'a Shared,
    version: i32,
    conn: u64,
    summaries: Subscriptions,
    /// Encoded messages waiting to be written.
    out: Vec<u8>,
    /// The scripted faults of this connection.
    faults: Injector,
    /// The instrument catalogue, built on the first contract request.
    instruments: Option<Instruments>,
    /// The market and this connection's subscriptions, built on the first
    /// market-data request.
    market: Option<Market>,
    /// When the market takes its next step.
    next_step: Option<Instant>,
    /// Whether the log said that market messages were left out.
    left_out_noted: bool,
    client_id: i32,
    /// This session's registration at the order desk.
    orders: super::orders::Link<'a>,
    /// When the session next takes what the order desk holds for it.
    next_order_poll: Instant,
    /// The keep-up-to-date historical-data subscriptions.
    history: Updates,
    /// Holds the client id until the session ends.
    _claim: Claim,
}

impl Session<'_> {
    fn run(&mut self) -> End {
        self.startup();
        if let Err(end) = self.flush() {
            return end;
        }
        if let Some(why) = self.faults.ending() {
            return End::Fault(why.to_owned());
        }
        loop {
            if self.faults.frozen(Instant::now()) {
                return self.freeze();
            }
            let mut until = Instant::now() + IDLE_WAIT;
            let timers = [
                self.summaries.next_due(),
                self.faults.next_due(),
                self.faults.freeze_at(),
                self.next_step,
                Some(self.next_order_poll),
            ];
            for due in timers {
                until = due.map_or(until, |due| until.min(due));
            }
            match self.io.next_frame_until(until) {
                Ok(Some(frame)) => self.handle(&frame),
                Ok(None) => {}
                Err(end) => return end,
            }
            let now = Instant::now();
            for msg in self.summaries.due(now) {
                self.push(&msg);
            }
            for step in self.faults.due(now) {
                self.push(&error(-1, step.code, step.message()));
            }
            self.market_step(now);
            if now >= self.next_order_poll {
                self.next_order_poll = now + ORDER_POLL;
                let waiting = self.orders.take();
                self.push_all(&waiting);
            }
            if let Err(end) = self.flush() {
                return end;
            }
        }
    }

    /// The `--freeze-after` fault: neither reads nor writes any more, but
    /// keeps the socket open, until the simulator stops.
    fn freeze(&mut self) -> End {
        self.warn(format_args!(
            "fault: frozen (no more reading or writing; the socket stays open)"
        ));
        while !self.shared.stop.load(std::sync::atomic::Ordering::SeqCst) {
            std::thread::sleep(FROZEN_POLL);
        }
        End::Stopped
    }

    /// managedAccounts, nextValidId, then the data-farm notices.
    fn startup(&mut self) {
        let config = &self.shared.config;
        let accounts = ManagedAccounts {
            accounts_list: config.accounts.join(",").into(),
        };
        let next_id = NextValidId {
            order_id: self.shared.orders.lock().next_valid_id(self.client_id),
        };
        self.push(&Incoming::ManagedAccounts(accounts));
        self.push(&Incoming::NextValidId(next_id));
        for &(code, text) in STARTUP_NOTICES {
            self.push(&error(-1, code, text));
        }
    }

    fn handle(&mut self, payload: &[u8]) {
        record_received(self.shared, self.conn, payload, self.version);
        let raw = match RawMessage::split(payload, self.version) {
            Ok(raw) => raw,
            Err(e) => return self.warn(format_args!("unsplittable frame: {e}")),
        };
        if !self.faults.admit(Instant::now()) {
            let text = "Max rate of messages per second has been exceeded";
            return self.push(&error(-1, MAX_RATE_EXCEEDED, text));
        }
        match Request::decode(&raw, self.version) {
            Ok(Some(request)) => self.answer(request),
            Ok(None) => self.warn(format_args!("ignored unknown request id {}", raw.id)),
            Err(e) => self.warn(format_args!("ignored undecodable request: {e}")),
        }
    }

    fn answer(&mut self, request: Request) {
        let config = &self.shared.config;
        match request {
            Request::StartApi(_) => self.warn(format_args!("ignored a second StartApi")),
            Request::ReqIds(_) => {
                // TWS answers the same id until an order uses it.
                let order_id = self.shared.orders.lock().next_valid_id(self.client_id);
                self.push(&Incoming::NextValidId(NextValidId { order_id }));
            }
            Request::ReqManagedAccounts(_) => {
                let accounts_list = config.accounts.join(",");
                self.push(&Incoming::ManagedAccounts(ManagedAccounts {
                    accounts_list: accounts_list.into(),
                }));
            }
            Request::ReqCurrentTime(_) => {
                let time = clock::now_unix_secs();
                self.push(&Incoming::CurrentTime(CurrentTime { time }));
            }
            Request::ReqCurrentTimeInMillis(_) => {
                if self.version < versions::CURRENT_TIME_IN_MILLIS {
                    // TWS of this version has no such request.
                    return self.warn(format_args!(
                        "ignored ReqCurrentTimeInMillis at server version {}",
                        self.version
                    ));
                }
                let time_ms = clock::now_unix_ms();
                self.push(&Incoming::CurrentTimeInMillis(CurrentTimeInMillis {
                    time_ms,
                }));
            }
            Request::ReqAccountSummary(req) => match self.summaries.open(&req, &config.accounts) {
                Ok(messages) => self.snapshot(req.req_id, &messages),
                Err(refusal) => self.push(&error(req.req_id, refusal.code, &refusal.message)),
            },
            Request::CancelAccountSummary(req) => self.summaries.cancel(req.req_id),
            Request::ReqContractDetails(req) => {
                let replies = self.contract_details(
                    req.req_id,
                    &query(&req.contract),
                    &req.contract.exchange,
                );
                self.push_all(&replies);
            }
            // Contract details are answered at once: nothing is left to cancel.
            Request::CancelContractData(_) => {}
            Request::ReqMatchingSymbols(req) => {
                let replies = market_replies::matching_symbols(&req, self.instruments());
                self.push_all(&replies);
            }
            Request::ReqSecDefOptParams(req) => {
                let replies = market_replies::sec_def_opt_params(&req, self.instruments());
                self.push_all(&replies);
            }
            Request::ReqMarketRule(req) => self.push_all(&market_replies::market_rule(&req)),
            Request::ReqSmartComponents(req) => {
                self.push_all(&market_replies::smart_components(&req))
            }
            Request::ReqMktDepthExchanges(_) => {
                self.push_all(&market_replies::mkt_depth_exchanges())
            }
            Request::ReqFamilyCodes(_) => {
                self.push_all(&market_replies::family_codes(&config.accounts))
            }
            Request::ReqMarketDataType(req) => {
                let out = self.market().set_market_data_type(req.market_data_type);
                self.push_market(out);
            }
            Request::ReqMktData(req) => {
                let request = MktDataRequest {
                    req_id: req.req_id,
                    contract: query(&req.contract),
                    generic_ticks: req.generic_tick_list.clone(),
                    snapshot: req.snapshot,
                    regulatory_snapshot: req.regulatory_snapshot,
                };
                let out = self.market().req_mkt_data(&request);
                self.push_market(out);
            }
            Request::CancelMktData(req) => {
                let out = self.market().cancel_mkt_data(req.req_id);
                self.push_market(out);
            }
            Request::ReqCalcImpliedVolatility(req) => {
                let contract = query(&req.contract);
                let out = self.market().calc_implied_volatility(
                    req.req_id,
                    &contract,
                    req.option_price,
                    req.under_price,
                );
                self.push_market(out);
            }
            Request::ReqCalcOptionPrice(req) => {
                let contract = query(&req.contract);
                let out = self.market().calc_option_price(
                    req.req_id,
                    &contract,
                    req.volatility,
                    req.under_price,
                );
                self.push_market(out);
            }
            // Calculations are answered at once: nothing is left to cancel.
            Request::CancelCalcImpliedVolatility(_) | Request::CancelCalcOptionPrice(_) => {}
            Request::ReqMktDepth(req) => {
                let contract = query(&req.contract);
                let out = self.market().req_mkt_depth(
                    req.req_id,
                    &contract,
                    req.num_rows,
                    req.is_smart_depth,
                );
                self.push_market(out);
            }
            Request::CancelMktDepth(req) => {
                let out = self.market().cancel_mkt_depth(req.req_id);
                self.push_market(out);
            }
            Request::ReqTickByTickData(req) => {
                let contract = query(&req.contract);
                let out = self.market().req_tick_by_tick(
                    req.req_id,
                    &contract,
                    &req.tick_type,
                    req.ignore_size,
                );
                self.push_market(out);
            }
            Request::CancelTickByTickData(req) => {
                let out = self.market().cancel_tick_by_tick(req.req_id);
                self.push_market(out);
            }
            Request::ReqRealTimeBars(req) => {
                let contract = query(&req.contract);
                let out = self.market().req_real_time_bars(
                    req.req_id,
                    &contract,
                    req.bar_size,
                    &req.what_to_show,
                );
                self.push_market(out);
            }
            Request::CancelRealTimeBars(req) => {
                let out = self.market().cancel_real_time_bars(req.req_id);
                self.push_market(out);
            }
            // ---- issue 15: historical data ----
            Request::ReqHistoricalData(req) => {
                let mut history = std::mem::take(&mut self.history);
                let out =
                    history_replies::historical_data(&self.history_context(), &req, &mut history);
                self.history = history;
                if !self.history.is_empty() {
                    self.market(); // its steps drive the updates
                }
                self.push_history(out);
            }
            Request::CancelHistoricalData(req) => {
                self.history.cancel(req.req_id, &self.shared.pacer)
            }
            Request::ReqHeadTimestamp(req) => {
                let out = history_replies::head_timestamp(&self.history_context(), &req);
                self.push_history(out);
            }
            Request::ReqHistogramData(req) => {
                let out = history_replies::histogram(&self.history_context(), &req);
                self.push_history(out);
            }
            Request::ReqHistoricalTicks(req) => {
                let out = history_replies::historical_ticks(&self.history_context(), &req);
                self.push_history(out);
            }
            // Answered at once: nothing is left to cancel.
            Request::CancelHeadTimestamp(_)
            | Request::CancelHistogramData(_)
            | Request::CancelHistoricalTicks(_) => {}
            Request::ReqUserInfo(req) => {
                // IB's own brand: an empty white-branding id.
                self.push(&Incoming::UserInfo(crate::protocol::messages::UserInfo {
                    req_id: req.req_id,
                    white_branding_id: String::new().into(),
                }));
            }
            // ---- issue 16: news ----
            // No bulletins are issued while the simulator runs.
            Request::ReqNewsBulletins(_) | Request::CancelNewsBulletins(_) => {}
            Request::ReqNewsProviders(_) => self.push_all(&rest_replies::news_providers()),
            Request::ReqNewsArticle(req) => self.warn(format_args!(
                "news article {} of {} is not served",
                req.article_id, req.provider_code
            )),
            Request::ReqHistoricalNews(req) => {
                self.push_all(&rest_replies::historical_news(req.req_id))
            }
            // ---- issue 16: scanner ----
            Request::ReqScannerParameters(_) => self.push_all(&rest_replies::scanner_parameters()),
            Request::ReqScannerSubscription(req) => self.warn(format_args!(
                "scanner subscription {} ({}) is not served",
                req.req_id, req.subscription.scan_code
            )),
            Request::CancelScannerSubscription(_) => {}
            // ---- issue 16: advisors (the simulated logins are no advisors) ----
            Request::ReqFa(_) => self.push_all(&rest_replies::not_an_advisor(-1)),
            Request::ReplaceFa(req) => self.push_all(&rest_replies::not_an_advisor(req.req_id)),
            // ---- issue 16: display groups ----
            Request::QueryDisplayGroups(req) => {
                self.push_all(&rest_replies::display_groups(req.req_id))
            }
            Request::SubscribeToGroupEvents(req) => {
                self.push_all(&rest_replies::display_group_updated(req.req_id, "none"))
            }
            Request::UpdateDisplayGroup(req) => self.push_all(
                &rest_replies::display_group_updated(req.req_id, &req.contract_info),
            ),
            Request::UnsubscribeFromGroupEvents(_) => {}
            // ---- issue 16: Wall Street Horizon (needs a data subscription) ----
            Request::ReqWshMetaData(req) => {
                self.warn(format_args!("WSH metadata {} is not served", req.req_id))
            }
            Request::ReqWshEventData(req) => {
                self.warn(format_args!("WSH event data {} is not served", req.req_id))
            }
            Request::CancelWshMetaData(_) | Request::CancelWshEventData(_) => {}
            // ---- issue 16: session settings and verification ----
            // The simulator keeps no API log: the level is accepted silently.
            Request::SetServerLogLevel(_) => {}
            Request::VerifyRequest(_)
            | Request::VerifyMessage(_)
            | Request::VerifyAndAuthRequest(_)
            | Request::VerifyAndAuthMessage(_) => {
                self.warn(format_args!("API verification is not served"))
            }
            Request::ReqConfig(req) => {
                self.warn(format_args!("configuration {} is not served", req.req_id))
            }
            Request::ReqPositions(_) => {
                self.push_all(&account_replies::reply_positions(&config.accounts))
            }
            Request::ReqAccountUpdates(req) => {
                let replies = account_replies::reply_account_updates(&req, &config.accounts);
                self.push_all(&replies)
            }
            Request::ReqPositionsMulti(req) => {
                let replies = account_replies::reply_positions_multi(&req, &config.accounts);
                self.push_all(&replies)
            }
            Request::ReqAccountUpdatesMulti(req) => {
                let replies = account_replies::reply_account_updates_multi(&req, &config.accounts);
                self.push_all(&replies)
            }
            Request::ReqPnL(req) => {
                self.push_all(&account_replies::reply_pnl(&req, &config.accounts))
            }
            Request::ReqPnLSingle(req) => {
                let replies = account_replies::reply_pnl_single(&req, &config.accounts);
                self.push_all(&replies)
            }
            // Every answer is a snapshot: nothing is left to cancel.
            Request::CancelPositions(_)
            | Request::CancelPositionsMulti(_)
            | Request::CancelAccountUpdatesMulti(_)
            | Request::CancelPnL(_)
            | Request::CancelPnLSingle(_) => {}
            // ---- issue 14: orders (the server's order desk, super::orders) ----
            Request::ReqExecutions(req) => {
                let out = self
                    .desk()
                    .executions(self.client_id, req.req_id, &req.exec_filter);
                self.push_all(&out);
            }
            Request::ReqSoftDollarTiers(req) => {
                // No soft-dollar arrangement on the simulated accounts.
                self.push(&Incoming::SoftDollarTiers(
                    crate::protocol::executions::SoftDollarTiers {
                        req_id: req.req_id,
                        tiers: Vec::new(),
                    },
                ));
            }
            Request::PlaceOrder(req) => {
                let out = self.desk().place(self.client_id, &req);
                self.push_all(&out);
            }
            Request::CancelOrder(req) => {
                let out = self.desk().cancel(self.client_id, req.order_id);
                self.push_all(&out);
            }
            Request::ReqGlobalCancel(_) => {
                let out = self.desk().global_cancel(self.client_id);
                self.push_all(&out);
            }
            Request::ReqOpenOrders(_) => {
                let out = self.desk().open_orders(self.client_id, false);
                self.push_all(&out);
            }
            Request::ReqAllOpenOrders(_) => {
                let out = self.desk().open_orders(self.client_id, true);
                self.push_all(&out);
            }
            // No orders are entered in the simulated TWS: none to bind.
            Request::ReqAutoOpenOrders(_) => {}
            Request::ReqCompletedOrders(_) => {
                let out = self.desk().completed_orders(self.client_id);
                self.push_all(&out);
            }
            Request::ExerciseOptions(req) => self.warn(format_args!(
                "ignored exerciseOptions {}: the simulator holds no options",
                req.req_id
            )),
        }
    }

    /// A first account-summary snapshot (rows, then the end marker), with
    /// the garbage and flood faults woven in.
    fn snapshot(&mut self, req_id: i32, messages: &[Incoming]) {
        let faults = &self.shared.config.faults;
        if let Some(mode) = self.faults.take_garbage() {
            self.warn(format_args!("fault: injecting garbage {mode}"));
            garbage::append(mode, self.version, req_id, &mut self.out);
            if garbage::ends_connection(mode) {
                return self.faults.end_after_flush(format!(
                    "fault: garbage {mode} leaves the stream unreadable"
                ));
            }
        }
        let (end, rows) = messages
            .split_last()
            .map_or((None, messages), |(e, r)| (Some(e), r));
        for msg in rows {
            self.push(msg);
        }
        if let Some(n) = faults.flood {
            let account = self
                .shared
                .config
                .accounts
                .first()
                .map_or("", String::as_str);
            flood::append(req_id, account, n, self.version, &mut self.out);
        }
        if let Some(l) = faults.large_unknown {
            for i in 0..l.count {
                garbage::append_large_unknown(i, l.bytes, self.version, &mut self.out);
            }
        }
        if let Some(end) = end {
            self.push(end);
        }
    }

    /// The simulator's order desk, locked (briefly: answer and let go).
    fn desk(&self) -> std::sync::MutexGuard<'_, super::orders::Book> {
        self.shared.orders.lock()
    }

    /// The instrument catalogue (for today), built on first use.
    fn instruments(&mut self) -> &Instruments {
        self.instruments
            .get_or_insert_with(|| Instruments::build(Date::from_unix_secs(clock::now_unix_secs())))
    }

    /// The market of this connection, built (and its clock started) on
    /// first use.
    fn market(&mut self) -> &mut Market {
        let config = &self.shared.config;
        let next_step = &mut self.next_step;
        self.market.get_or_insert_with(|| {
            let market = Market::new(MarketConfig::from_sim(config), clock::now_unix_ms());
            *next_step = market.step_interval().map(|every| Instant::now() + every);
            market
        })
    }

    /// Takes the market's due step and sends what it produced. A session
    /// that fell behind skips ahead rather than sending a burst.
    fn market_step(&mut self, now: Instant) {
        let (Some(due), Some(market)) = (self.next_step, self.market.as_mut()) else {
            return;
        };
        if now < due {
            return;
        }
        let out = market.step();
        let every = market.step_interval().unwrap_or(Duration::from_secs(1));
        let next = due + every;
        self.next_step = Some(if next + IDLE_WAIT < now {
            now + every
        } else {
            next
        });
        self.push_market(out);
        if !self.history.is_empty() {
            let history = std::mem::take(&mut self.history);
            let updates = history.step(&self.history_context());
            self.history = history;
            self.push_all(&updates);
        }
    }

    /// What the historical answers need, as of now.
    fn history_context(&mut self) -> history_replies::Context<'_> {
        self.instruments();
        history_replies::Context {
            instruments: self.instruments.as_ref().expect("built above"),
            seed: self.shared.config.seed,
            version: self.version,
            now: clock::now_unix_secs(),
            pacer: &self.shared.pacer,
            at: Instant::now(),
        }
    }

    /// Sends historical answers, logging pacing refusals.
    fn push_history(&mut self, out: Vec<Incoming>) {
        for msg in &out {
            if let Incoming::Error(e) = msg {
                if e.message.contains("pacing violation") {
                    let rule = self.shared.pacer.last_violation().map_or("", |v| v.rule());
                    self.warn(format_args!(
                        "history: request {} refused for pacing: {rule}",
                        e.req_id
                    ));
                }
            }
        }
        self.push_all(&out);
    }

    /// reqContractDetails: a row per matching instrument (bond rows for
    /// bonds), then the end; error 200 alone when nothing matches.
    fn contract_details(
        &mut self,
        req_id: i32,
        contract: &super::instruments::ContractQuery,
        exchange: &str,
    ) -> Vec<Incoming> {
        let instruments = self.instruments();
        let found = instruments.find(contract);
        if found.is_empty() {
            return vec![market_replies::error(
                req_id,
                super::market::code::NO_SECURITY_DEFINITION,
                "No security definition has been found for the request",
            )];
        }
        let mut out: Vec<Incoming> = found
            .into_iter()
            .map(|n| market_replies::details_row(req_id, instruments.get(n), exchange))
            .collect();
        out.push(market_replies::contract_details_end(req_id));
        out
    }

    fn push_all(&mut self, messages: &[Incoming]) {
        for msg in messages {
            self.push(msg);
        }
    }

    /// Sends the market's outputs.
    fn push_market(&mut self, out: Vec<super::market::Out>) {
        let mut left_out = 0;
        for o in out {
            match market_replies::incoming(o) {
                Some(msg) => self.push(&msg),
                None => left_out += 1,
            }
        }
        if left_out > 0 && !self.left_out_noted {
            self.left_out_noted = true;
            self.warn(format_args!(
                "left out market messages this build has no wire type for (said once)"
            ));
        }
    }

    /// Encodes one message, unless the session is being dropped.
    fn push(&mut self, msg: &Incoming) {
        if self.faults.may_send() {
            encode(msg, self.version, &mut self.out, self.shared, self.conn);
        }
    }

    /// Writes what is waiting (message by message when `--slow` is set); then
    /// ends the session if a fault says so.
    fn flush(&mut self) -> Result<(), End> {
        if !self.out.is_empty() {
            self.shared.recorder.capture(&self.out);
            match self.shared.config.faults.slow {
                Some(delay) => send_slowly(&mut self.io, &self.out, delay)?,
                None => self.io.send(&self.out)?,
            }
            self.out.clear();
        }
        match self.faults.ending() {
            Some(why) => Err(End::Fault(why.to_owned())),
            None => Ok(()),
        }
    }

    fn warn(&self, what: std::fmt::Arguments<'_>) {
        self.shared
            .log(format_args!("connection {}: {what}", self.conn));
    }
}

/// Writes `bytes` frame by frame, sleeping `delay` before each.
fn send_slowly(io: &mut Transport, bytes: &[u8], delay: Duration) -> Result<(), End> {
    let mut rest = bytes;
    while !rest.is_empty() {
        let len = match rest {
            [a, b, c, d, ..] => u32::from_be_bytes([*a, *b, *c, *d]) as usize,
            _ => 0,
        };
        let (frame, tail) = rest.split_at((LENGTH_PREFIX + len).min(rest.len()));
        std::thread::sleep(delay);
        io.send(frame)?;
        rest = tail;
    }
    Ok(())
}

/// Appends `msg` in the form the version calls for (and records it); a
/// message that cannot be encoded is logged and left out.
fn encode(msg: &Incoming, version: i32, out: &mut Vec<u8>, shared: &Shared, conn: u64) {
    let start = out.len();
    match msg.encode(version, out) {
        Ok(()) => shared
            .recorder
            .message(conn, Direction::In, &out[start..], version),
        Err(e) => shared.log(format_args!("cannot encode {}: {e}", msg.name())),
    }
}

/// Records a received frame payload (the recorder wants the whole frame).
fn record_received(shared: &Shared, conn: u64, payload: &[u8], version: i32) {
    if !shared.recorder.is_recording() {
        return;
    }
    let mut frame = Vec::with_capacity(LENGTH_PREFIX + payload.len());
    frame.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    frame.extend_from_slice(payload);
    shared
        .recorder
        .message(conn, Direction::Out, &frame, version);
}

/// An error message stamped with the current time.
fn error(req_id: i32, code: i32, message: &str) -> Incoming {
    Incoming::Error(ErrorMessage {
        req_id,
        time_ms: clock::now_unix_ms(),
        code,
        message: message.to_owned(),
        advanced_order_reject_json: String::new(),
    })
}
