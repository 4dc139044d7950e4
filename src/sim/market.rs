//! The simulator's market: quotes that move, and one connection's market-data
//! subscriptions over them.
//!
//! Every instrument of [`Instruments`] follows a seeded random walk (its own
//! generator, seeded from the simulator's seed and its conId): the mid moves
//! with the instrument's volatility, the spread and the sizes vary, trades
//! print at the bid or the ask and add to the volume; options are priced
//! from their underlying with Black-Scholes and a volatility smile. One
//! [`Market::step`] advances every instrument by `1 / rate` seconds of
//! simulated time, so the same seed and the same requests give the same
//! output, step for step. Delayed data is the same walk some steps behind;
//! frozen data is the walk as it stood when the session began.
//!
//! [`Market`] also holds one connection's subscriptions (market data,
//! depth, tick-by-tick, real-time bars) and answers each request with
//! [`Out`] values: ticks, depth operations, bars and errors, independent of
//! the wire types (`market_replies` encodes them).

use std::collections::BTreeMap;
use std::time::Duration;

use super::instruments::{ContractQuery, Date, Instrument, Instruments, Permission, Unresolved};

/// Simulated milliseconds per step when the rate is 0 (no steps are taken).
const DEFAULT_STEP_MS: i64 = 250;
/// The most steps delayed data lags behind live data.
const MAX_DELAY_STEPS: u64 = 1200;
/// How far delayed data lags, in simulated seconds (TWS: 15 minutes).
const DELAY_SECS: u64 = 900;
/// The deepest book the simulator keeps.
pub const MAX_DEPTH_ROWS: usize = 10;
/// The risk-free rate of the option model.
const RATE: f64 = 0.045;
/// The length of a real-time bar.
pub const BAR_SECS: i64 = 5;

/// Tick types (IB's numbering).
pub mod tick {
    pub const BID_SIZE: i32 = 0;
    pub const BID: i32 = 1;
    pub const ASK: i32 = 2;
    pub const ASK_SIZE: i32 = 3;
    pub const LAST: i32 = 4;
    pub const LAST_SIZE: i32 = 5;
    pub const HIGH: i32 = 6;
    pub const LOW: i32 = 7;
    pub const VOLUME: i32 = 8;
    pub const CLOSE: i32 = 9;
    pub const BID_OPTION: i32 = 10;
    pub const ASK_OPTION: i32 = 11;
    pub const LAST_OPTION: i32 = 12;
    pub const MODEL_OPTION: i32 = 13;
    pub const OPEN: i32 = 14;
    pub const LOW_13_WEEK: i32 = 15;
    pub const HIGH_52_WEEK: i32 = 20;
    pub const AVG_VOLUME: i32 = 21;
    pub const OPTION_HISTORICAL_VOL: i32 = 23;
    pub const OPTION_IMPLIED_VOL: i32 = 24;
    pub const OPTION_CALL_OPEN_INTEREST: i32 = 27;
    pub const OPTION_PUT_OPEN_INTEREST: i32 = 28;
    pub const OPTION_CALL_VOLUME: i32 = 29;
    pub const OPTION_PUT_VOLUME: i32 = 30;
    pub const AUCTION_VOLUME: i32 = 34;
    pub const AUCTION_PRICE: i32 = 35;
    pub const AUCTION_IMBALANCE: i32 = 36;
    pub const MARK_PRICE: i32 = 37;
    pub const LAST_TIMESTAMP: i32 = 45;
    pub const SHORTABLE: i32 = 46;
    pub const RT_VOLUME: i32 = 48;
    pub const HALTED: i32 = 49;
    pub const CUST_OPTION_COMPUTATION: i32 = 53;
    pub const TRADE_COUNT: i32 = 54;
    pub const TRADE_RATE: i32 = 55;
    pub const VOLUME_RATE: i32 = 56;
    pub const RT_HISTORICAL_VOL: i32 = 58;
    pub const IB_DIVIDENDS: i32 = 59;
    pub const DELAYED_BID: i32 = 66;
    pub const DELAYED_ASK: i32 = 67;
    pub const DELAYED_LAST: i32 = 68;
    pub const DELAYED_BID_SIZE: i32 = 69;
    pub const DELAYED_ASK_SIZE: i32 = 70;
    pub const DELAYED_LAST_SIZE: i32 = 71;
    pub const DELAYED_HIGH: i32 = 72;
    pub const DELAYED_LOW: i32 = 73;
    pub const DELAYED_VOLUME: i32 = 74;
    pub const DELAYED_CLOSE: i32 = 75;
    pub const DELAYED_OPEN: i32 = 76;
    pub const RT_TRD_VOLUME: i32 = 77;
    pub const DELAYED_BID_OPTION: i32 = 80;
    pub const DELAYED_MODEL_OPTION: i32 = 83;
    pub const FUTURES_OPEN_INTEREST: i32 = 86;
    pub const DELAYED_LAST_TIMESTAMP: i32 = 88;
    pub const SHORTABLE_SHARES: i32 = 89;
    pub const DELAYED_HALTED: i32 = 90;

    /// The delayed twin of a live tick type, if it has one.
    pub fn delayed(t: i32) -> Option<i32> {
        Some(match t {
            BID_SIZE => DELAYED_BID_SIZE,
            BID => DELAYED_BID,
            ASK => DELAYED_ASK,
            ASK_SIZE => DELAYED_ASK_SIZE,
            LAST => DELAYED_LAST,
            LAST_SIZE => DELAYED_LAST_SIZE,
            HIGH => DELAYED_HIGH,
            LOW => DELAYED_LOW,
            VOLUME => DELAYED_VOLUME,
            CLOSE => DELAYED_CLOSE,
            OPEN => DELAYED_OPEN,
            BID_OPTION..=MODEL_OPTION => t - BID_OPTION + DELAYED_BID_OPTION,
            LAST_TIMESTAMP => DELAYED_LAST_TIMESTAMP,
            HALTED => DELAYED_HALTED,
            _ => return None,
        })
    }
}

/// Error codes the market answers with.
pub mod code {
    pub const MAX_TICKERS: i32 = 101;
    pub const NO_SECURITY_DEFINITION: i32 = 200;
    pub const TICKER_NOT_FOUND: i32 = 300;
    pub const MAX_DEPTH_REQUESTS: i32 = 309;
    pub const DEPTH_RESET: i32 = 317;
    pub const VALIDATION: i32 = 321;
    pub const PROCESSING: i32 = 322;
    pub const NOT_SUBSCRIBED: i32 = 354;
    pub const FARM_CONNECTING: i32 = 2119;
    pub const FARM_OK: i32 = 2104;
    pub const API_SUBSCRIPTION_NEEDED: i32 = 10089;
    pub const PARTIALLY_SUBSCRIBED: i32 = 10090;
    pub const DELAYED_INSTEAD: i32 = 10167;
    pub const COMPETING_SESSION: i32 = 10197;
}

/// Market data types (reqMarketDataType).
pub mod data_type {
    pub const LIVE: i32 = 1;
    pub const FROZEN: i32 = 2;
    pub const DELAYED: i32 = 3;
    pub const DELAYED_FROZEN: i32 = 4;
}

/// A small, fast, seedable generator (SplitMix64): the same seed gives the
/// same numbers on every platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in lo..=hi.
    pub fn range(&mut self, (lo, hi): (u32, u32)) -> u32 {
        if hi <= lo {
            lo
        } else {
            lo + (self.next_u64() % u64::from(hi - lo + 1)) as u32
        }
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// A standard normal number (Box-Muller).
    pub fn gauss(&mut self) -> f64 {
        let u1 = self.unit().max(1e-12);
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> Option<T> {
        if items.is_empty() {
            None
        } else {
            Some(items[(self.next_u64() % items.len() as u64) as usize])
        }
    }
}

/// How a connection's market behaves (from [`super::SimConfig`], see
/// [`MarketConfig::from_sim`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketConfig {
    pub seed: u64,
    /// Steps per second (quote updates per instrument); 0: quotes stand still.
    pub rate: u32,
    /// Market-data lines open at once; one more gets error 101.
    pub max_tickers: usize,
    /// Depth subscriptions open at once; one more gets error 309.
    pub max_depth_requests: usize,
    /// Entitlements by symbol or local symbol, over the catalogue's defaults.
    pub permissions: Vec<(String, Permission)>,
    /// Outside trading hours: nothing moves; frozen types give frozen data.
    pub closed: bool,
    /// Another session uses the login: every market-data request gets 10197.
    pub competing_session: bool,
    /// Every this many steps each depth book is reset (error 317, then
    /// the whole book again).
    pub depth_reset_every: Option<u32>,
}

impl MarketConfig {
    /// The market part of a simulator's configuration.
    pub fn from_sim(config: &super::SimConfig) -> MarketConfig {
        MarketConfig {
            seed: config.seed,
            rate: config.market_data_rate,
            max_tickers: config.max_tickers,
            max_depth_requests: config.max_depth_requests,
            permissions: config.market_data_permissions.clone(),
            closed: config.market_closed,
            competing_session: config.competing_live_session,
            depth_reset_every: config.depth_reset_every,
        }
    }
}

impl Default for MarketConfig {
    fn default() -> Self {
        MarketConfig {
            seed: 1,
            rate: 4,
            max_tickers: 100,
            max_depth_requests: 3,
            permissions: Vec::new(),
            closed: false,
            competing_session: false,
            depth_reset_every: None,
        }
    }
}

/// The state of one instrument's quote.
#[derive(Debug, Clone, PartialEq)]
pub struct Quote {
    /// The walk's mid (for options: the model price).
    pub mid: f64,
    pub bid: f64,
    pub ask: f64,
    pub bid_size: f64,
    pub ask_size: f64,
    /// 0 when it never traded.
    pub last: f64,
    pub last_size: f64,
    pub last_time_ms: i64,
    pub volume: f64,
    pub high: f64,
    pub low: f64,
    pub open: f64,
    pub close: f64,
    pub trade_count: u64,
    /// Sum of price times size of today's trades (for the VWAP).
    pub turnover: f64,
    /// For options: the model volatility and the underlying's price.
    pub model_vol: f64,
    pub under_price: f64,
}

impl Quote {
    pub fn vwap(&self) -> f64 {
        if self.volume > 0.0 {
            self.turnover / self.volume
        } else {
            self.last
        }
    }
}

/// One trade print.
#[derive(Debug, Clone, PartialEq)]
pub struct Trade {
    pub price: f64,
    /// 0 for an index.
    pub size: f64,
    pub time_ms: i64,
    pub exchange: &'static str,
    /// Empty for a regular trade; `I` (odd lot) is not in "Last" streams.
    pub special_conditions: &'static str,
}

/// What changed in the last step.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Changed {
    bid: bool,
    ask: bool,
    bid_size: bool,
    ask_size: bool,
    high: bool,
    low: bool,
}

impl Changed {
    fn any_quote(self) -> bool {
        self.bid || self.ask || self.bid_size || self.ask_size
    }
}

/// One row of a depth book.
#[derive(Debug, Clone, PartialEq)]
pub struct BookRow {
    pub price: f64,
    pub size: f64,
    /// Empty in an L1 book.
    pub market_maker: &'static str,
}

/// A depth book: bids best (highest) first, asks best (lowest) first.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Book {
    pub bids: Vec<BookRow>,
    pub asks: Vec<BookRow>,
}

/// One depth operation, in updateMktDepth(L2) terms.
#[derive(Debug, Clone, PartialEq)]
pub struct DepthOp {
    pub position: i32,
    pub market_maker: &'static str,
    /// 0 insert, 1 update, 2 delete.
    pub operation: i32,
    /// 0 ask, 1 bid.
    pub side: i32,
    pub price: f64,
    pub size: f64,
}

/// An option computation (tickOptionComputation); `None` is "not computed".
#[derive(Debug, Clone, PartialEq)]
pub struct OptionTick {
    pub tick_type: i32,
    /// 0 return-based, 1 price-based.
    pub tick_attrib: i32,
    pub implied_vol: Option<f64>,
    pub delta: Option<f64>,
    pub opt_price: Option<f64>,
    pub pv_dividend: Option<f64>,
    pub gamma: Option<f64>,
    pub vega: Option<f64>,
    pub theta: Option<f64>,
    pub und_price: Option<f64>,
}

/// One market-data tick of a subscription.
#[derive(Debug, Clone, PartialEq)]
pub enum Tick {
    /// tickPrice; `size` for bid, ask and last (and their delayed twins).
    /// `attrib_mask`: bit 0 can auto execute, 1 past limit, 2 pre open.
    Price {
        tick_type: i32,
        price: f64,
        size: Option<f64>,
        attrib_mask: i32,
    },
    Size {
        tick_type: i32,
        size: f64,
    },
    String {
        tick_type: i32,
        value: String,
    },
    Generic {
        tick_type: i32,
        value: f64,
    },
    Option(OptionTick),
    ReqParams {
        min_tick: f64,
        bbo_exchange: String,
        snapshot_permissions: i32,
    },
    SnapshotEnd,
    /// marketDataType for this subscription.
    DataType(i32),
}

/// One tick-by-tick tick.
#[derive(Debug, Clone, PartialEq)]
pub enum TbtTick {
    /// tick type 1 (Last) or 2 (AllLast).
    Last {
        tick_type: i32,
        time: i64,
        price: f64,
        size: f64,
        past_limit: bool,
        unreported: bool,
        exchange: &'static str,
        special_conditions: &'static str,
    },
    BidAsk {
        time: i64,
        bid_price: f64,
        ask_price: f64,
        bid_size: f64,
        ask_size: f64,
        bid_past_low: bool,
        ask_past_high: bool,
    },
    MidPoint {
        time: i64,
        mid_point: f64,
    },
}

/// One 5-second real-time bar; `time` is its start in unix seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub time: i64,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    pub volume: f64,
    pub wap: f64,
    pub count: i32,
}

/// What the market sends a connection.
#[derive(Debug, Clone, PartialEq)]
pub enum Out {
    Tick {
        req_id: i32,
        tick: Tick,
    },
    /// `l2`: updateMktDepthL2 (with market maker), else updateMktDepth.
    Depth {
        req_id: i32,
        op: DepthOp,
        l2: bool,
        smart: bool,
    },
    TickByTick {
        req_id: i32,
        tick: TbtTick,
    },
    Bar {
        req_id: i32,
        bar: Bar,
    },
    Error {
        req_id: i32,
        code: i32,
        text: String,
    },
}

fn err(req_id: i32, code: i32, text: impl Into<String>) -> Out {
    Out::Error {
        req_id,
        code,
        text: text.into(),
    }
}

/// The number of decimals of an increment (0.00005 has 5).
fn decimals(increment: f64) -> i32 {
    let mut scaled = increment;
    let mut digits = 0;
    while digits < 10 && (scaled - scaled.round()).abs() > 1e-9 {
        scaled *= 10.0;
        digits += 1;
    }
    digits
}

/// How [`on_grid`] rounds.
#[derive(Debug, Clone, Copy)]
enum Round {
    Down,
    Up,
    Nearest,
}

/// `price` on the grid of `increment`, as the shortest decimal (so 190.01
/// prints as 190.01); a price already on the grid stays where it is.
fn on_grid(price: f64, increment: f64, how: Round) -> f64 {
    let x = price / increment;
    let k = match how {
        Round::Down => (x + 1e-7).floor(),
        Round::Up => (x - 1e-7).ceil(),
        Round::Nearest => x.round(),
    };
    round_digits(k * increment, decimals(increment))
}

pub(super) fn round_to(price: f64, increment: f64) -> f64 {
    on_grid(price, increment, Round::Nearest)
}

/// Rounds to `digits` decimals: the nearest f64 to that decimal, the value
/// parsing its text would give (an integer over an exact power of ten).
pub(super) fn round_digits(x: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    let n = (x * scale).round();
    if n.is_finite() {
        n / scale
    } else {
        x
    }
}

// ---- Black-Scholes ----------------------------------------------------------

/// The standard normal distribution function (Abramowitz-Stegun 26.2.17,
/// error below 7.5e-8).
fn norm_cdf(x: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.231_641_9 * x.abs());
    let poly = t
        * (0.319_381_530
            + t * (-0.356_563_782
                + t * (1.781_477_937 + t * (-1.821_255_978 + t * 1.330_274_429))));
    let tail = norm_pdf(x) * poly;
    if x >= 0.0 {
        1.0 - tail
    } else {
        tail
    }
}

fn norm_pdf(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// An option's model value and greeks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Greeks {
    pub price: f64,
    pub delta: f64,
    pub gamma: f64,
    /// Per volatility point (1%).
    pub vega: f64,
    /// Per calendar day.
    pub theta: f64,
}

/// Black-Scholes for a call (`call`) or put on a non-dividend underlying;
/// `years` to expiry, `vol` annualized.
pub fn black_scholes(call: bool, spot: f64, strike: f64, years: f64, vol: f64) -> Greeks {
    let years = years.max(1e-6);
    let vol = vol.max(1e-6);
    let sq = years.sqrt();
    let d1 = ((spot / strike).ln() + (RATE + 0.5 * vol * vol) * years) / (vol * sq);
    let d2 = d1 - vol * sq;
    let disc = (-RATE * years).exp();
    let (price, delta, carry) = if call {
        (
            spot * norm_cdf(d1) - strike * disc * norm_cdf(d2),
            norm_cdf(d1),
            -RATE * strike * disc * norm_cdf(d2),
        )
    } else {
        (
            strike * disc * norm_cdf(-d2) - spot * norm_cdf(-d1),
            norm_cdf(d1) - 1.0,
            RATE * strike * disc * norm_cdf(-d2),
        )
    };
    Greeks {
        price,
        delta,
        gamma: norm_pdf(d1) / (spot * vol * sq),
        vega: spot * norm_pdf(d1) * sq / 100.0,
        theta: (-spot * norm_pdf(d1) * vol / (2.0 * sq) + carry) / 365.0,
    }
}

/// The volatility at which Black-Scholes gives `price`, by bisection;
/// `None` when no volatility in 0.1%..500% does.
pub fn implied_vol(call: bool, price: f64, spot: f64, strike: f64, years: f64) -> Option<f64> {
    let (mut lo, mut hi) = (0.001, 5.0);
    let at = |v| black_scholes(call, spot, strike, years, v).price;
    if !(price.is_finite()) || price < at(lo) || price > at(hi) {
        return None;
    }
    for _ in 0..80 {
        let mid = 0.5 * (lo + hi);
        if at(mid) < price {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(0.5 * (lo + hi))
}

/// The model volatility of a strike: a smile around the at-the-money vol.
pub(super) fn smile(atm: f64, spot: f64, strike: f64) -> f64 {
    let m = (strike / spot).ln();
    atm * (1.0 + 1.2 * m * m) - 0.08 * m
}

/// Years from `time_ms` to an expiry date's 16:00 New York (21:00 UTC).
pub(super) fn years_to(expiry: &str, time_ms: i64) -> f64 {
    let date = Date {
        year: expiry.get(..4).and_then(|y| y.parse().ok()).unwrap_or(1970),
        month: expiry.get(4..6).and_then(|m| m.parse().ok()).unwrap_or(1),
        day: expiry.get(6..8).and_then(|d| d.parse().ok()).unwrap_or(1),
    };
    let secs = date.unix_at_hour(21) - time_ms.div_euclid(1000);
    (secs as f64 / (365.0 * 86_400.0)).max(1.0 / (365.0 * 24.0))
}

// ---- the walk ----------------------------------------------------------------

#[derive(Debug, Clone)]
struct State {
    quote: Quote,
    rng: Rng,
    depth_rng: Rng,
    changed: Changed,
    trade: Option<Trade>,
    book: Book,
}

/// Every instrument's state at one moment.
#[derive(Debug, Clone)]
struct World {
    states: Vec<State>,
    time_ms: i64,
    step_ms: i64,
    /// Index of each option's underlying.
    underlying: Vec<Option<usize>>,
}

fn seed_for(seed: u64, con_id: i32, salt: u64) -> u64 {
    seed ^ (u64::from(con_id as u32).wrapping_mul(0x9E37_79B9_7F4A_7C15)) ^ salt
}

impl World {
    fn new(instruments: &Instruments, seed: u64, time_ms: i64, step_ms: i64) -> World {
        let underlying: Vec<Option<usize>> = instruments
            .all()
            .iter()
            .map(|i| {
                if i.is_option() {
                    instruments.index_of(i.under_con_id)
                } else {
                    None
                }
            })
            .collect();
        let mut states: Vec<State> = Vec::with_capacity(instruments.all().len());
        for (n, inst) in instruments.all().iter().enumerate() {
            let mut rng = Rng::new(seed_for(seed, inst.con_id, 0));
            let depth_rng = Rng::new(seed_for(seed, inst.con_id, 0xD0_D0));
            let (mid, model_vol, under_price) = match underlying[n] {
                Some(u) => {
                    let spot = states[u].quote.mid;
                    let vol = smile(inst.quote.volatility, spot, inst.strike);
                    let years = years_to(&inst.last_trade_date, time_ms);
                    let g = black_scholes(inst.right == "C", spot, inst.strike, years, vol);
                    (g.price, vol, spot)
                }
                None => (inst.quote.start_price, inst.quote.volatility, 0.0),
            };
            let mut quote = Quote {
                mid,
                bid: 0.0,
                ask: 0.0,
                bid_size: 0.0,
                ask_size: 0.0,
                last: 0.0,
                last_size: 0.0,
                last_time_ms: 0,
                volume: 0.0,
                high: 0.0,
                low: 0.0,
                open: 0.0,
                close: 0.0,
                trade_count: 0,
                turnover: 0.0,
                model_vol,
                under_price,
            };
            set_spread(inst, &mut quote, &mut rng);
            quote.bid_size = inst.quote.lot * f64::from(rng.range(inst.quote.size_lots));
            quote.ask_size = inst.quote.lot * f64::from(rng.range(inst.quote.size_lots));
            let rule = inst.market_rule();
            let inc = rule.increment_at(mid);
            quote.close = round_to(mid * inst.quote.prior_close_ratio, inc);
            quote.open = round_to(quote.close * (1.0 + 0.002 * rng.gauss()), inc);
            quote.high = round_to(mid.max(quote.open) * (1.0 + 0.004 * rng.unit()), inc);
            quote.low = round_to(mid.min(quote.open) * (1.0 - 0.004 * rng.unit()), inc);
            if inst.quote.trade_chance > 0.0 {
                quote.last = if inst.quote.last_only {
                    round_to(mid, inc)
                } else {
                    quote.bid
                };
                quote.high = quote.high.max(quote.last);
                quote.low = quote.low.min(quote.last);
                quote.last_time_ms = time_ms - 1000;
                if !inst.quote.last_only {
                    quote.last_size = inst.quote.lot * f64::from(rng.range(inst.quote.trade_lots));
                    quote.volume = inst.quote.lot * f64::from(rng.range((2000, 20_000)));
                    quote.trade_count = u64::from(rng.range((500, 5000)));
                    quote.turnover = quote.volume * (quote.high + quote.low) / 2.0;
                }
            }
            let mut state = State {
                quote,
                rng,
                depth_rng,
                changed: Changed::default(),
                trade: None,
                book: Book::default(),
            };
            rebuild_book(inst, &mut state);
            states.push(state);
        }
        World {
            states,
            time_ms,
            step_ms,
            underlying,
        }
    }

    /// One step; the depth books of the instruments `books` names are kept
    /// (the others only when a depth subscription starts).
    fn step(&mut self, instruments: &Instruments, books: &[bool]) {
        self.time_ms += self.step_ms;
        let dt_years = self.step_ms as f64 / 1000.0 / (252.0 * 6.5 * 3600.0);
        for n in 0..self.states.len() {
            let inst = instruments.get(n);
            let spot = self.underlying[n].map(|u| self.states[u].quote.mid);
            let time_ms = self.time_ms;
            let state = &mut self.states[n];
            let book = books.get(n).copied().unwrap_or(false);
            step_one(inst, state, spot, dt_years, time_ms, book);
        }
    }
}

/// Bid and ask around the mid, on the grid, with a random spread.
fn set_spread(inst: &Instrument, q: &mut Quote, rng: &mut Rng) {
    if inst.quote.last_only {
        return;
    }
    let rule = inst.market_rule();
    let inc = rule.increment_at(q.mid);
    // Narrow spreads are the likeliest.
    let (lo, hi) = inst.quote.spread_ticks;
    let ticks = lo + rng.range((0, hi.saturating_sub(lo))) * u32::from(rng.chance(0.4));
    let ticks = f64::from(ticks.max(1));
    let bid = on_grid(q.mid - ticks * inc / 2.0, inc, Round::Down).max(inc);
    let candidate = (bid + ticks * inc).max(q.mid);
    let ask_inc = rule.increment_at(candidate);
    let ask = on_grid(candidate, ask_inc, Round::Up);
    q.bid = bid;
    q.ask = if ask > bid {
        ask
    } else {
        round_to(bid + ask_inc, ask_inc)
    };
}

fn step_one(
    inst: &Instrument,
    s: &mut State,
    spot: Option<f64>,
    dt_years: f64,
    time_ms: i64,
    book: bool,
) {
    let model = &inst.quote;
    let before = s.quote.clone();
    s.trade = None;
    match spot {
        Some(spot) => {
            let years = years_to(&inst.last_trade_date, time_ms);
            let vol = smile(model.volatility, spot, inst.strike) * (1.0 + 0.01 * s.rng.gauss());
            s.quote.model_vol = vol;
            s.quote.under_price = spot;
            s.quote.mid = black_scholes(inst.right == "C", spot, inst.strike, years, vol).price;
        }
        None => {
            let sigma = model.volatility * dt_years.sqrt();
            let moved = s.quote.mid * (1.0 + sigma * s.rng.gauss());
            // The walk stays within a band around its start.
            let start = model.start_price;
            s.quote.mid = moved.clamp(start * 0.5, start * 1.5);
        }
    }
    let rule = inst.market_rule();
    if model.last_only {
        let price = round_to(s.quote.mid, rule.increment_at(s.quote.mid));
        if price != s.quote.last {
            s.trade = Some(Trade {
                price,
                size: 0.0,
                time_ms,
                exchange: model.trade_exchanges.first().copied().unwrap_or(""),
                special_conditions: "",
            });
        }
    } else {
        let keep_spread = s.quote.mid > s.quote.bid && s.quote.mid < s.quote.ask;
        if !keep_spread || s.rng.chance(0.15) {
            set_spread(inst, &mut s.quote, &mut s.rng);
        }
        if s.rng.chance(0.3) || s.quote.bid != before.bid {
            s.quote.bid_size = model.lot * f64::from(s.rng.range(model.size_lots));
        }
        if s.rng.chance(0.3) || s.quote.ask != before.ask {
            s.quote.ask_size = model.lot * f64::from(s.rng.range(model.size_lots));
        }
        if s.rng.chance(model.trade_chance) {
            let buy = s.rng.chance(0.5);
            let odd_lot = model.lot >= 100.0 && s.rng.chance(0.1);
            let size = if odd_lot {
                f64::from(s.rng.range((1, 99)))
            } else {
                model.lot * f64::from(s.rng.range(model.trade_lots))
            };
            s.trade = Some(Trade {
                price: if buy { s.quote.ask } else { s.quote.bid },
                size,
                time_ms,
                exchange: s.rng.pick(model.trade_exchanges).unwrap_or(""),
                special_conditions: if odd_lot { "I" } else { "" },
            });
        }
    }
    if let Some(t) = &s.trade {
        let q = &mut s.quote;
        q.last = t.price;
        q.last_size = t.size;
        q.last_time_ms = t.time_ms;
        q.volume += t.size;
        q.turnover += t.price * t.size;
        q.trade_count += u64::from(t.size > 0.0);
        q.high = q.high.max(t.price);
        q.low = if q.low > 0.0 {
            q.low.min(t.price)
        } else {
            t.price
        };
    }
    let q = &s.quote;
    s.changed = Changed {
        bid: q.bid != before.bid,
        ask: q.ask != before.ask,
        bid_size: q.bid_size != before.bid_size,
        ask_size: q.ask_size != before.ask_size,
        high: q.high != before.high,
        low: q.low != before.low,
    };
    if !book {
    } else if s.changed.bid || s.changed.ask {
        rebuild_book(inst, s);
    } else {
        mutate_book(inst, s);
    }
}

fn book_increment(inst: &Instrument, price: f64) -> f64 {
    inst.market_rule().increment_at(price)
}

/// The next row of one side, `away` from the previous one.
fn deeper_row(inst: &Instrument, rng: &mut Rng, prev: &BookRow, bid: bool) -> BookRow {
    let makers = inst.quote.market_makers;
    let inc = book_increment(inst, prev.price);
    let levels = if makers.is_empty() {
        1 + rng.range((0, 1))
    } else {
        rng.range((0, 1))
    };
    let away = f64::from(levels) * inc;
    let price = if bid {
        round_to((prev.price - away).max(inc), inc)
    } else {
        round_to(prev.price + away, inc)
    };
    BookRow {
        price,
        size: inst.quote.lot * f64::from(rng.range(inst.quote.size_lots)),
        market_maker: rng.pick(makers).unwrap_or(""),
    }
}

fn rebuild_side(inst: &Instrument, rng: &mut Rng, best: f64, size: f64, bid: bool) -> Vec<BookRow> {
    let makers = inst.quote.market_makers;
    let rows = MAX_DEPTH_ROWS - rng.range((0, 2)) as usize;
    let mut side = vec![BookRow {
        price: best,
        size,
        market_maker: rng.pick(makers).unwrap_or(""),
    }];
    while side.len() < rows {
        let prev = side[side.len() - 1].clone();
        let row = deeper_row(inst, rng, &prev, bid);
        if bid && row.price >= prev.price && makers.is_empty() {
            break; // no room below the lowest price
        }
        side.push(row);
    }
    side
}

fn rebuild_book(inst: &Instrument, s: &mut State) {
    if inst.quote.last_only {
        return;
    }
    let q = &s.quote;
    let (bid, bid_size, ask, ask_size) = (q.bid, q.bid_size, q.ask, q.ask_size);
    s.book.bids = rebuild_side(inst, &mut s.depth_rng, bid, bid_size, true);
    s.book.asks = rebuild_side(inst, &mut s.depth_rng, ask, ask_size, false);
}

/// A step without a new best price: the best sizes follow the quote, one
/// deeper row may change size, the deepest row may go or a new one arrive.
fn mutate_book(inst: &Instrument, s: &mut State) {
    if inst.quote.last_only {
        return;
    }
    let (bid_size, ask_size) = (s.quote.bid_size, s.quote.ask_size);
    let rng = &mut s.depth_rng;
    for (side, best_size, bid) in [
        (&mut s.book.bids, bid_size, true),
        (&mut s.book.asks, ask_size, false),
    ] {
        if let Some(top) = side.first_mut() {
            top.size = best_size;
        }
        if side.len() > 1 && rng.chance(0.4) {
            let n = 1 + (rng.next_u64() % (side.len() as u64 - 1)) as usize;
            side[n].size = inst.quote.lot * f64::from(rng.range(inst.quote.size_lots));
        }
        if side.len() > 5 && rng.chance(0.1) {
            side.pop();
        } else if side.len() < MAX_DEPTH_ROWS && rng.chance(0.1) {
            if let Some(prev) = side.last().cloned() {
                let row = deeper_row(inst, rng, &prev, bid);
                if !bid || row.price < prev.price || !inst.quote.market_makers.is_empty() {
                    side.push(row);
                }
            }
        }
    }
}

/// The operations that turn `old` into `new` (one side), in order.
fn diff_side(old: &[BookRow], new: &[BookRow], side: i32, ops: &mut Vec<DepthOp>) {
    let op = |position: usize, operation, row: &BookRow| DepthOp {
        position: position as i32,
        market_maker: row.market_maker,
        operation,
        side,
        price: row.price,
        size: row.size,
    };
    for (n, (o, w)) in old.iter().zip(new).enumerate() {
        if o != w {
            ops.push(op(n, 1, w));
        }
    }
    for (n, row) in new.iter().enumerate().skip(old.len()) {
        ops.push(op(n, 0, row));
    }
    for n in (new.len()..old.len()).rev() {
        ops.push(op(n, 2, &old[n]));
    }
}

// ---- subscriptions ---------------------------------------------------------------

/// Which data a market-data line shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Live,
    Frozen,
    Delayed,
    DelayedFrozen,
    /// Live, but only the subscription-independent ticks (10090).
    Partial,
}

impl Kind {
    fn data_type(self) -> i32 {
        match self {
            Kind::Live | Kind::Partial => data_type::LIVE,
            Kind::Frozen => data_type::FROZEN,
            Kind::Delayed => data_type::DELAYED,
            Kind::DelayedFrozen => data_type::DELAYED_FROZEN,
        }
    }

    fn delayed(self) -> bool {
        matches!(self, Kind::Delayed | Kind::DelayedFrozen)
    }

    fn streams(self) -> bool {
        matches!(self, Kind::Live | Kind::Delayed | Kind::Partial)
    }
}

#[derive(Debug, Clone)]
struct MktSub {
    index: usize,
    generic: Vec<u32>,
    kind: Kind,
}

#[derive(Debug, Clone)]
struct DepthSub {
    index: usize,
    rows: usize,
    smart: bool,
    sent: Book,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TbtKind {
    Last,
    AllLast,
    BidAsk,
    MidPoint,
}

#[derive(Debug, Clone)]
struct TbtSub {
    index: usize,
    kind: TbtKind,
    ignore_size: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BarSource {
    Trades,
    MidPoint,
    Bid,
    Ask,
}

#[derive(Debug, Clone)]
struct BarSub {
    index: usize,
    source: BarSource,
    /// The bar being built: its start (unix seconds) and the values so far.
    start: i64,
    bar: Option<Bar>,
    turnover: f64,
    /// The first bar started before the subscription: not sent.
    partial: bool,
    last_close: f64,
}

/// Generic ticks the simulator serves, and the sec types they apply to.
const GENERIC_TICKS: &[(u32, &str, &[&str])] = &[
    (100, "Option Volume", &["STK"]),
    (101, "Option Open Interest", &["STK", "OPT"]),
    (104, "Historical Volatility", &["STK", "OPT"]),
    (106, "Option Implied Volatility", &["STK", "OPT"]),
    (
        165,
        "Misc. Stats",
        &["STK", "FUT", "OPT", "CASH", "IND", "BOND"],
    ),
    (221, "Mark Price", &["STK", "FUT", "OPT", "CASH", "BOND"]),
    (225, "Auction values", &["STK"]),
    (233, "RTVolume", &["STK", "FUT", "OPT"]),
    (236, "Shortable", &["STK"]),
    (293, "Trade Count", &["STK", "FUT", "OPT"]),
    (294, "Trade Rate", &["STK", "FUT", "OPT"]),
    (295, "Volume Rate", &["STK", "FUT", "OPT"]),
    (375, "RTTrdVolume", &["STK", "FUT"]),
    (411, "rthistvol", &["STK", "FUT", "OPT", "IND"]),
    (456, "IBDividends", &["STK"]),
    (588, "Futures Open Interest", &["FUT"]),
];

fn legal_generic_ticks(sec_type: &str) -> String {
    GENERIC_TICKS
        .iter()
        .filter(|(_, _, types)| types.contains(&sec_type))
        .map(|(id, name, _)| format!("{id}({name})"))
        .collect::<Vec<_>>()
        .join(",")
}

/// A reqMktData request, as far as the market goes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MktDataRequest {
    pub req_id: i32,
    pub contract: ContractQuery,
    /// Comma list of generic tick ids.
    pub generic_ticks: String,
    pub snapshot: bool,
    pub regulatory_snapshot: bool,
}

/// One connection's market: the walk and the subscriptions over it.
#[derive(Debug, Clone)]
pub struct Market {
    instruments: Instruments,
    config: MarketConfig,
    live: World,
    delayed: World,
    frozen: World,
    delayed_frozen: World,
    data_type: i32,
    type_requested: bool,
    farms: Vec<&'static str>,
    mkt: BTreeMap<i32, MktSub>,
    depth: BTreeMap<i32, DepthSub>,
    tbt: BTreeMap<i32, TbtSub>,
    bars: BTreeMap<i32, BarSub>,
    steps: u64,
}

impl Market {
    /// The market of one connection, as of `start_ms` (unix milliseconds):
    /// the catalogue for that date, each walk seeded from `config.seed`.
    pub fn new(config: MarketConfig, start_ms: i64) -> Market {
        let mut instruments = Instruments::build(Date::from_unix_secs(start_ms.div_euclid(1000)));
        for (name, permission) in &config.permissions {
            instruments.set_permission(name, *permission);
        }
        let step_ms = match config.rate {
            0 => DEFAULT_STEP_MS,
            r => (1000 / i64::from(r)).max(1),
        };
        let lag = if config.rate == 0 {
            0
        } else {
            (DELAY_SECS * u64::from(config.rate)).min(MAX_DELAY_STEPS)
        };
        let delayed = World::new(
            &instruments,
            config.seed,
            start_ms - lag as i64 * step_ms,
            step_ms,
        );
        let mut live = delayed.clone();
        for _ in 0..lag {
            live.step(&instruments, &[]);
        }
        Market {
            frozen: live.clone(),
            delayed_frozen: delayed.clone(),
            live,
            delayed,
            instruments,
            config,
            data_type: data_type::LIVE,
            type_requested: false,
            farms: vec!["usfarm"],
            mkt: BTreeMap::new(),
            depth: BTreeMap::new(),
            tbt: BTreeMap::new(),
            bars: BTreeMap::new(),
            steps: 0,
        }
    }

    pub fn instruments(&self) -> &Instruments {
        &self.instruments
    }

    /// How often [`Market::step`] should run; `None` when quotes stand still.
    pub fn step_interval(&self) -> Option<Duration> {
        match self.config.rate {
            0 => None,
            _ if self.config.closed => None,
            _ => Some(Duration::from_millis(self.live.step_ms as u64)),
        }
    }

    /// The simulated time of live data, in unix milliseconds.
    pub fn time_ms(&self) -> i64 {
        self.live.time_ms
    }

    /// The live quote of an instrument.
    pub fn quote(&self, con_id: i32) -> Option<&Quote> {
        let n = self.instruments.index_of(con_id)?;
        Some(&self.live.states[n].quote)
    }

    /// The delayed quote of an instrument.
    pub fn delayed_quote(&self, con_id: i32) -> Option<&Quote> {
        let n = self.instruments.index_of(con_id)?;
        Some(&self.delayed.states[n].quote)
    }

    /// The live depth book of an instrument.
    pub fn book(&self, con_id: i32) -> Option<&Book> {
        let n = self.instruments.index_of(con_id)?;
        Some(&self.live.states[n].book)
    }

    /// Open market-data lines.
    pub fn tickers(&self) -> usize {
        self.mkt.len()
    }

    /// reqMarketDataType: applies to the subscriptions opened afterwards.
    pub fn set_market_data_type(&mut self, market_data_type: i32) -> Vec<Out> {
        if !(data_type::LIVE..=data_type::DELAYED_FROZEN).contains(&market_data_type) {
            return vec![err(
                -1,
                code::VALIDATION,
                format!("Error validating request:-'bO' : cause - Invalid market data type {market_data_type}"),
            )];
        }
        self.data_type = market_data_type;
        self.type_requested = true;
        Vec::new()
    }

    // The refusal is the message sent: short-lived, built once per request.
    #[allow(clippy::result_large_err)]
    fn resolve(&self, req_id: i32, contract: &ContractQuery) -> Result<usize, Out> {
        self.instruments.resolve(contract).map_err(|why| match why {
            Unresolved::Unknown => err(
                req_id,
                code::NO_SECURITY_DEFINITION,
                "No security definition has been found for the request",
            ),
            Unresolved::Ambiguous => err(
                req_id,
                code::NO_SECURITY_DEFINITION,
                format!(
                    "The contract description specified for {} is ambiguous.",
                    contract.symbol
                ),
            ),
        })
    }

    /// 2119 then 2104 the first time an instrument of a farm other than
    /// usfarm is asked for.
    fn farm(&mut self, index: usize, out: &mut Vec<Out>) {
        let farm = self.instruments.get(index).farm;
        if !self.farms.contains(&farm) {
            self.farms.push(farm);
            out.push(err(
                -1,
                code::FARM_CONNECTING,
                format!("Market data farm is connecting:{farm}"),
            ));
            out.push(err(
                -1,
                code::FARM_OK,
                format!("Market data farm connection is OK:{farm}"),
            ));
        }
    }

    /// The kind of data a line gets, or the refusal.
    // The refusal is the message sent: short-lived, built once per request.
    #[allow(clippy::result_large_err)]
    fn kind(&self, req_id: i32, inst: &Instrument) -> Result<(Kind, Option<Out>), Out> {
        let requested = self.data_type;
        let closed = self.config.closed;
        let frozen_type = matches!(requested, data_type::FROZEN | data_type::DELAYED_FROZEN);
        let delayed_type = matches!(requested, data_type::DELAYED | data_type::DELAYED_FROZEN);
        let delayed_kind = if closed && requested == data_type::DELAYED_FROZEN {
            Kind::DelayedFrozen
        } else {
            Kind::Delayed
        };
        let delayed_warning = || {
            err(
                req_id,
                code::DELAYED_INSTEAD,
                format!(
                    "Requested market data is not subscribed. Displaying delayed market data for {}.",
                    inst.local_symbol
                ),
            )
        };
        match inst.permission {
            Permission::Live => Ok((
                if closed && frozen_type {
                    Kind::Frozen
                } else {
                    Kind::Live
                },
                None,
            )),
            Permission::Partial if !delayed_type => Ok((
                Kind::Partial,
                Some(err(
                    req_id,
                    code::PARTIALLY_SUBSCRIBED,
                    "Part of requested market data is not subscribed. Subscription-independent ticks are still active.Delayed market data is available.",
                )),
            )),
            Permission::Partial => Ok((delayed_kind, Some(delayed_warning()))),
            Permission::NoSubscription | Permission::ApiSubscriptionMissing if delayed_type => {
                Ok((delayed_kind, Some(delayed_warning())))
            }
            Permission::NoSubscription => Err(err(
                req_id,
                code::NOT_SUBSCRIBED,
                format!("Requested market data is not subscribed.Delayed market data is available.{}", inst.local_symbol),
            )),
            Permission::ApiSubscriptionMissing => Err(err(
                req_id,
                code::API_SUBSCRIPTION_NEEDED,
                format!("Requested market data requires additional subscription for API. See link in 'Market Data Connections' dialog for more details.Delayed market data is available.{}", inst.local_symbol),
            )),
            Permission::Unavailable => Err(err(
                req_id,
                code::NOT_SUBSCRIBED,
                format!("Requested market data is not subscribed.{}", inst.local_symbol),
            )),
        }
    }

    fn world(&self, kind: Kind) -> &World {
        match kind {
            Kind::Live | Kind::Partial => &self.live,
            Kind::Frozen => &self.frozen,
            Kind::Delayed => &self.delayed,
            Kind::DelayedFrozen => &self.delayed_frozen,
        }
    }

    /// reqMktData: a streaming line, or a snapshot ending in tickSnapshotEnd.
    pub fn req_mkt_data(&mut self, req: &MktDataRequest) -> Vec<Out> {
        let req_id = req.req_id;
        let mut out = Vec::new();
        if self.config.competing_session {
            return vec![err(
                req_id,
                code::COMPETING_SESSION,
                "No market data during competing live session",
            )];
        }
        let snapshot = req.snapshot || req.regulatory_snapshot;
        if !snapshot && self.mkt.contains_key(&req_id) {
            return vec![err(
                req_id,
                code::PROCESSING,
                "Error processing request:-'bW' : cause - Duplicate ticker id",
            )];
        }
        let index = match self.resolve(req_id, &req.contract) {
            Ok(index) => index,
            Err(e) => return vec![e],
        };
        let inst = self.instruments.get(index).clone();
        let mut generic = Vec::new();
        for token in req
            .generic_ticks
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            let known = token.parse::<u32>().ok().filter(|id| {
                GENERIC_TICKS
                    .iter()
                    .any(|(g, _, types)| g == id && types.contains(&inst.sec_type))
            });
            match known {
                Some(id) => generic.push(id),
                None => {
                    return vec![err(
                        req_id,
                        code::VALIDATION,
                        format!(
                            "Error validating request:-'bN' : cause - Incorrect generic tick list of {}.  Legal ones for ({}) are: {}",
                            req.generic_ticks,
                            inst.sec_type,
                            legal_generic_ticks(inst.sec_type)
                        ),
                    )]
                }
            }
        }
        if snapshot && !generic.is_empty() {
            return vec![err(
                req_id,
                code::VALIDATION,
                "Error validating request:-'bN' : cause - Snapshot market data subscription is not applicable to generic ticks",
            )];
        }
        if !snapshot && self.mkt.len() >= self.config.max_tickers {
            return vec![err(
                req_id,
                code::MAX_TICKERS,
                "Max number of tickers has been reached",
            )];
        }
        let (kind, warning) = match self.kind(req_id, &inst) {
            Ok(k) => k,
            Err(e) => return vec![e],
        };
        self.farm(index, &mut out);
        out.push(Out::Tick {
            req_id,
            tick: Tick::ReqParams {
                min_tick: inst.min_tick,
                bbo_exchange: inst.bbo_exchange.to_owned(),
                snapshot_permissions: 3,
            },
        });
        out.extend(warning);
        if self.type_requested || kind.data_type() != data_type::LIVE {
            out.push(Out::Tick {
                req_id,
                tick: Tick::DataType(kind.data_type()),
            });
        }
        let world = self.world(kind);
        let state = &world.states[index];
        let mut ticks = initial_ticks(&inst, &state.quote, kind, world.time_ms);
        ticks.extend(generic_ticks(
            &inst,
            &state.quote,
            &generic,
            world.time_ms,
            true,
        ));
        out.extend(ticks.into_iter().map(|tick| Out::Tick { req_id, tick }));
        if snapshot {
            out.push(Out::Tick {
                req_id,
                tick: Tick::SnapshotEnd,
            });
        } else {
            self.mkt.insert(
                req_id,
                MktSub {
                    index,
                    generic,
                    kind,
                },
            );
        }
        out
    }

    /// cancelMktData: error 300 when the line is not open.
    pub fn cancel_mkt_data(&mut self, req_id: i32) -> Vec<Out> {
        match self.mkt.remove(&req_id) {
            Some(_) => Vec::new(),
            None => vec![err(
                req_id,
                code::TICKER_NOT_FOUND,
                format!("Can't find EId with tickerId:{req_id}"),
            )],
        }
    }

    /// Entitlement for depth, tick-by-tick and bars: live data only.
    // The refusal is the message sent: short-lived, built once per request.
    #[allow(clippy::result_large_err)]
    fn live_only(&self, req_id: i32, inst: &Instrument) -> Result<(), Out> {
        match inst.permission {
            Permission::Live => Ok(()),
            Permission::ApiSubscriptionMissing => Err(err(
                req_id,
                code::API_SUBSCRIPTION_NEEDED,
                format!(
                    "Requested market data requires additional subscription for API.{}",
                    inst.local_symbol
                ),
            )),
            Permission::NoSubscription | Permission::Partial | Permission::Unavailable => Err(err(
                req_id,
                code::NOT_SUBSCRIBED,
                format!(
                    "Requested market data is not subscribed.{}",
                    inst.local_symbol
                ),
            )),
        }
    }

    fn open_stream(
        &mut self,
        req_id: i32,
        contract: &ContractQuery,
        duplicate: bool,
        out: &mut Vec<Out>,
    ) -> Option<usize> {
        if self.config.competing_session {
            out.push(err(
                req_id,
                code::COMPETING_SESSION,
                "No market data during competing live session",
            ));
            return None;
        }
        if duplicate {
            out.push(err(
                req_id,
                code::PROCESSING,
                "Error processing request:-'bW' : cause - Duplicate ticker id",
            ));
            return None;
        }
        let index = match self.resolve(req_id, contract) {
            Ok(index) => index,
            Err(e) => {
                out.push(e);
                return None;
            }
        };
        if let Err(e) = self.live_only(req_id, self.instruments.get(index)) {
            out.push(e);
            return None;
        }
        Some(index)
    }

    /// reqMktDepth: the whole book as inserts, then the changes.
    pub fn req_mkt_depth(
        &mut self,
        req_id: i32,
        contract: &ContractQuery,
        num_rows: i32,
        smart: bool,
    ) -> Vec<Out> {
        let mut out = Vec::new();
        let duplicate = self.depth.contains_key(&req_id);
        let Some(index) = self.open_stream(req_id, contract, duplicate, &mut out) else {
            return out;
        };
        if self.instruments.get(index).quote.last_only {
            out.push(err(req_id, code::VALIDATION, "Error validating request:-'bU' : cause - Market depth is not available for indices"));
            return out;
        }
        if self.depth.len() >= self.config.max_depth_requests {
            let max = self.config.max_depth_requests;
            out.push(err(
                req_id,
                code::MAX_DEPTH_REQUESTS,
                format!("Max number ({max}) of market depth requests has been reached"),
            ));
            return out;
        }
        self.farm(index, &mut out);
        if !self.depth.values().any(|d| d.index == index) {
            let inst = self.instruments.get(index);
            rebuild_book(inst, &mut self.live.states[index]);
        }
        let rows = usize::try_from(num_rows)
            .unwrap_or(0)
            .clamp(1, MAX_DEPTH_ROWS);
        let mut sub = DepthSub {
            index,
            rows,
            smart,
            sent: Book::default(),
        };
        self.depth_ops(req_id, &mut sub, &mut out);
        self.depth.insert(req_id, sub);
        out
    }

    fn depth_ops(&self, req_id: i32, sub: &mut DepthSub, out: &mut Vec<Out>) {
        let inst = self.instruments.get(sub.index);
        let book = &self.live.states[sub.index].book;
        let new = Book {
            bids: book.bids.iter().take(sub.rows).cloned().collect(),
            asks: book.asks.iter().take(sub.rows).cloned().collect(),
        };
        let mut ops = Vec::new();
        diff_side(&sub.sent.asks, &new.asks, 0, &mut ops);
        diff_side(&sub.sent.bids, &new.bids, 1, &mut ops);
        let l2 = sub.smart || !inst.quote.market_makers.is_empty();
        out.extend(ops.into_iter().map(|op| Out::Depth {
            req_id,
            op,
            l2,
            smart: sub.smart,
        }));
        sub.sent = new;
    }

    /// cancelMktDepth (nothing when not open).
    pub fn cancel_mkt_depth(&mut self, req_id: i32) -> Vec<Out> {
        self.depth.remove(&req_id);
        Vec::new()
    }

    /// reqTickByTickData: `Last`, `AllLast`, `BidAsk` or `MidPoint`.
    /// `number_of_ticks` (historical ticks first) is not simulated.
    pub fn req_tick_by_tick(
        &mut self,
        req_id: i32,
        contract: &ContractQuery,
        tick_type: &str,
        ignore_size: bool,
    ) -> Vec<Out> {
        let mut out = Vec::new();
        let kind = match tick_type {
            "Last" => TbtKind::Last,
            "AllLast" => TbtKind::AllLast,
            "BidAsk" => TbtKind::BidAsk,
            "MidPoint" => TbtKind::MidPoint,
            other => {
                return vec![err(
                    req_id,
                    code::VALIDATION,
                    format!("Error validating request:-'ca' : cause - Invalid tick type {other:?}"),
                )]
            }
        };
        let duplicate = self.tbt.contains_key(&req_id);
        let Some(index) = self.open_stream(req_id, contract, duplicate, &mut out) else {
            return out;
        };
        self.farm(index, &mut out);
        // The current bid/ask or midpoint comes first, as TWS sends it.
        let state = &self.live.states[index];
        let time = self.live.time_ms.div_euclid(1000);
        let q = &state.quote;
        if !self.instruments.get(index).quote.last_only {
            match kind {
                TbtKind::BidAsk => out.push(Out::TickByTick {
                    req_id,
                    tick: bid_ask(q, time),
                }),
                TbtKind::MidPoint => out.push(Out::TickByTick {
                    req_id,
                    tick: mid_point(q, time),
                }),
                TbtKind::Last | TbtKind::AllLast => {}
            }
        }
        self.tbt.insert(
            req_id,
            TbtSub {
                index,
                kind,
                ignore_size,
            },
        );
        out
    }

    pub fn cancel_tick_by_tick(&mut self, req_id: i32) -> Vec<Out> {
        self.tbt.remove(&req_id);
        Vec::new()
    }

    /// reqRealTimeBars: 5-second bars of TRADES, MIDPOINT, BID or ASK.
    pub fn req_real_time_bars(
        &mut self,
        req_id: i32,
        contract: &ContractQuery,
        bar_size: i32,
        what_to_show: &str,
    ) -> Vec<Out> {
        let mut out = Vec::new();
        if bar_size != BAR_SECS as i32 {
            return vec![err(req_id, code::VALIDATION, format!("Error validating request:-'bY' : cause - Invalid bar size {bar_size}: real time bars are 5 seconds"))];
        }
        let source = match what_to_show.to_ascii_uppercase().as_str() {
            "TRADES" => BarSource::Trades,
            "MIDPOINT" => BarSource::MidPoint,
            "BID" => BarSource::Bid,
            "ASK" => BarSource::Ask,
            other => {
                return vec![err(
                    req_id,
                    code::VALIDATION,
                    format!("Error validating request:-'bY' : cause - Invalid whatToShow {other}"),
                )]
            }
        };
        let duplicate = self.bars.contains_key(&req_id);
        let Some(index) = self.open_stream(req_id, contract, duplicate, &mut out) else {
            return out;
        };
        let inst = self.instruments.get(index);
        if source == BarSource::Trades && inst.quote.trade_chance == 0.0 {
            out.push(err(
                req_id,
                code::VALIDATION,
                format!(
                    "Error validating request:-'bY' : cause - TRADES data is not available for {}",
                    inst.local_symbol
                ),
            ));
            return out;
        }
        self.farm(index, &mut out);
        let now = self.live.time_ms;
        let start = now.div_euclid(1000 * BAR_SECS) * BAR_SECS;
        let last_close = self.live.states[index].quote.last;
        self.bars.insert(
            req_id,
            BarSub {
                index,
                source,
                start,
                bar: None,
                turnover: 0.0,
                partial: now.rem_euclid(1000 * BAR_SECS) != 0,
                last_close,
            },
        );
        out
    }

    pub fn cancel_real_time_bars(&mut self, req_id: i32) -> Vec<Out> {
        self.bars.remove(&req_id);
        Vec::new()
    }

    // The refusal is the message sent: short-lived, built once per request.
    #[allow(clippy::result_large_err)]
    fn option_for(&self, req_id: i32, contract: &ContractQuery) -> Result<(usize, f64), Out> {
        let index = self.resolve(req_id, contract)?;
        let inst = self.instruments.get(index);
        if !inst.is_option() {
            return Err(err(
                req_id,
                code::VALIDATION,
                format!(
                    "Error validating request:-'bs' : cause - {} is not an option",
                    inst.local_symbol
                ),
            ));
        }
        Ok((index, years_to(&inst.last_trade_date, self.live.time_ms)))
    }

    /// reqCalcImpliedVolatility: one tickOptionComputation (type 53).
    pub fn calc_implied_volatility(
        &self,
        req_id: i32,
        contract: &ContractQuery,
        option_price: f64,
        under_price: f64,
    ) -> Vec<Out> {
        let (index, years) = match self.option_for(req_id, contract) {
            Ok(x) => x,
            Err(e) => return vec![e],
        };
        let inst = self.instruments.get(index);
        let call = inst.right == "C";
        let iv = implied_vol(call, option_price, under_price, inst.strike, years);
        let g = iv.map(|v| black_scholes(call, under_price, inst.strike, years, v));
        vec![Out::Tick {
            req_id,
            tick: Tick::Option(OptionTick {
                tick_type: tick::CUST_OPTION_COMPUTATION,
                tick_attrib: 1,
                implied_vol: iv,
                delta: g.map(|g| g.delta),
                opt_price: Some(option_price),
                pv_dividend: Some(0.0),
                gamma: g.map(|g| g.gamma),
                vega: g.map(|g| g.vega),
                theta: g.map(|g| g.theta),
                und_price: Some(under_price),
            }),
        }]
    }

    /// reqCalcOptionPrice: one tickOptionComputation (type 53).
    pub fn calc_option_price(
        &self,
        req_id: i32,
        contract: &ContractQuery,
        volatility: f64,
        under_price: f64,
    ) -> Vec<Out> {
        let (index, years) = match self.option_for(req_id, contract) {
            Ok(x) => x,
            Err(e) => return vec![e],
        };
        let inst = self.instruments.get(index);
        if !(volatility > 0.0 && under_price > 0.0) {
            return vec![err(req_id, code::VALIDATION, "Error validating request:-'bt' : cause - volatility and underlying price must be positive")];
        }
        let g = black_scholes(
            inst.right == "C",
            under_price,
            inst.strike,
            years,
            volatility,
        );
        vec![Out::Tick {
            req_id,
            tick: Tick::Option(OptionTick {
                tick_type: tick::CUST_OPTION_COMPUTATION,
                tick_attrib: 0,
                implied_vol: Some(volatility),
                delta: Some(g.delta),
                opt_price: Some(g.price),
                pv_dividend: Some(0.0),
                gamma: Some(g.gamma),
                vega: Some(g.vega),
                theta: Some(g.theta),
                und_price: Some(under_price),
            }),
        }]
    }

    /// Advances the market one step and returns what the open subscriptions
    /// get. Nothing moves while the market is closed.
    pub fn step(&mut self) -> Vec<Out> {
        let mut out = Vec::new();
        if self.config.closed {
            return out;
        }
        let mut books = vec![false; self.instruments.all().len()];
        for sub in self.depth.values() {
            books[sub.index] = true;
        }
        self.live.step(&self.instruments, &books);
        self.delayed.step(&self.instruments, &[]);
        self.steps += 1;
        for (&req_id, sub) in &self.mkt {
            if !sub.kind.streams() {
                continue;
            }
            let world = self.world(sub.kind);
            let inst = self.instruments.get(sub.index);
            let state = &world.states[sub.index];
            let ticks = update_ticks(inst, state, sub, world.time_ms);
            out.extend(ticks.into_iter().map(|tick| Out::Tick { req_id, tick }));
        }
        let reset = self
            .config
            .depth_reset_every
            .is_some_and(|n| n > 0 && self.steps % u64::from(n) == 0);
        let mut depth = std::mem::take(&mut self.depth);
        for (&req_id, sub) in &mut depth {
            if reset {
                out.push(err(req_id, code::DEPTH_RESET, "Market depth data has been RESET. Please empty deep book contents before applying any new entries."));
                sub.sent = Book::default();
            }
            self.depth_ops(req_id, sub, &mut out);
        }
        self.depth = depth;
        let time = self.live.time_ms.div_euclid(1000);
        for (&req_id, sub) in &self.tbt {
            let state = &self.live.states[sub.index];
            let inst = self.instruments.get(sub.index);
            let q = &state.quote;
            let changed = state.changed;
            let tick = match sub.kind {
                TbtKind::Last | TbtKind::AllLast => state.trade.as_ref().and_then(|t| {
                    let all = sub.kind == TbtKind::AllLast;
                    (all || t.special_conditions.is_empty()).then(|| TbtTick::Last {
                        tick_type: if all { 2 } else { 1 },
                        time: t.time_ms.div_euclid(1000),
                        price: t.price,
                        size: t.size,
                        past_limit: false,
                        unreported: false,
                        exchange: t.exchange,
                        special_conditions: t.special_conditions,
                    })
                }),
                _ if inst.quote.last_only => None,
                TbtKind::BidAsk => {
                    let moved = changed.bid || changed.ask;
                    let sized = changed.bid_size || changed.ask_size;
                    (moved || (sized && !sub.ignore_size)).then(|| bid_ask(q, time))
                }
                TbtKind::MidPoint => (changed.bid || changed.ask).then(|| mid_point(q, time)),
            };
            out.extend(tick.map(|tick| Out::TickByTick { req_id, tick }));
        }
        let now = self.live.time_ms;
        for (&req_id, sub) in &mut self.bars {
            let state = &self.live.states[sub.index];
            let start = now.div_euclid(1000 * BAR_SECS) * BAR_SECS;
            if start > sub.start {
                let done = sub.bar.take();
                let bar = done.or_else(|| {
                    (sub.source == BarSource::Trades && sub.last_close > 0.0).then_some(Bar {
                        time: sub.start,
                        open: sub.last_close,
                        high: sub.last_close,
                        low: sub.last_close,
                        close: sub.last_close,
                        volume: 0.0,
                        wap: sub.last_close,
                        count: 0,
                    })
                });
                if let Some(mut bar) = bar {
                    if sub.source == BarSource::Trades && bar.volume > 0.0 {
                        bar.wap = round_digits(sub.turnover / bar.volume, 6);
                    }
                    sub.last_close = bar.close;
                    if !sub.partial {
                        out.push(Out::Bar { req_id, bar });
                    }
                }
                sub.partial = false;
                sub.start = start;
                sub.turnover = 0.0;
            }
            let q = &state.quote;
            let sample = match sub.source {
                BarSource::Trades => state.trade.as_ref().map(|t| (t.price, t.size)),
                BarSource::MidPoint => Some((round_digits((q.bid + q.ask) / 2.0, 8), 0.0)),
                BarSource::Bid => Some((q.bid, 0.0)),
                BarSource::Ask => Some((q.ask, 0.0)),
            };
            if let Some((price, size)) = sample {
                sub.turnover += price * size;
                let bar = sub.bar.get_or_insert(Bar {
                    time: sub.start,
                    open: price,
                    high: price,
                    low: price,
                    close: price,
                    volume: 0.0,
                    wap: if sub.source == BarSource::Trades {
                        price
                    } else {
                        0.0
                    },
                    count: 0,
                });
                bar.high = bar.high.max(price);
                bar.low = bar.low.min(price);
                bar.close = price;
                if sub.source == BarSource::Trades {
                    bar.volume += size;
                    bar.count += 1;
                }
            }
        }
        out
    }
}

fn bid_ask(q: &Quote, time: i64) -> TbtTick {
    TbtTick::BidAsk {
        time,
        bid_price: q.bid,
        ask_price: q.ask,
        bid_size: q.bid_size,
        ask_size: q.ask_size,
        bid_past_low: false,
        ask_past_high: false,
    }
}

fn mid_point(q: &Quote, time: i64) -> TbtTick {
    TbtTick::MidPoint {
        time,
        mid_point: round_digits((q.bid + q.ask) / 2.0, 8),
    }
}

/// The tick type a line of this kind uses, or `None` when it has no delayed twin.
fn typed(kind: Kind, t: i32) -> Option<i32> {
    if kind.delayed() {
        tick::delayed(t)
    } else {
        Some(t)
    }
}

fn price_tick(kind: Kind, t: i32, price: f64, size: Option<f64>, out: &mut Vec<Tick>) {
    if let Some(tick_type) = typed(kind, t) {
        let attrib_mask = i32::from(matches!(t, tick::BID | tick::ASK) && kind == Kind::Live);
        let size = if matches!(t, tick::BID | tick::ASK | tick::LAST) {
            Some(size.unwrap_or(0.0))
        } else {
            None
        };
        out.push(Tick::Price {
            tick_type,
            price,
            size,
            attrib_mask,
        });
    }
}

fn size_tick(kind: Kind, t: i32, size: f64, out: &mut Vec<Tick>) {
    if let Some(tick_type) = typed(kind, t) {
        out.push(Tick::Size { tick_type, size });
    }
}

/// The option computations of an option line (bid, ask, last, model).
fn option_ticks(
    inst: &Instrument,
    q: &Quote,
    kind: Kind,
    time_ms: i64,
    last: bool,
    out: &mut Vec<Tick>,
) {
    let call = inst.right == "C";
    let years = years_to(&inst.last_trade_date, time_ms);
    let spot = q.under_price;
    let at = |t: i32, price: f64, vol: Option<f64>| {
        let g = vol.map(|v| black_scholes(call, spot, inst.strike, years, v));
        typed(kind, t).map(|tick_type| {
            Tick::Option(OptionTick {
                tick_type,
                tick_attrib: 1,
                implied_vol: vol.map(|v| round_digits(v, 6)),
                delta: g.map(|g| round_digits(g.delta, 6)),
                opt_price: Some(price),
                pv_dividend: Some(0.0),
                gamma: g.map(|g| round_digits(g.gamma, 6)),
                vega: g.map(|g| round_digits(g.vega, 6)),
                theta: g.map(|g| round_digits(g.theta, 6)),
                und_price: Some(spot),
            })
        })
    };
    let iv = |price: f64| implied_vol(call, price, spot, inst.strike, years);
    out.extend(at(tick::BID_OPTION, q.bid, iv(q.bid)));
    out.extend(at(tick::ASK_OPTION, q.ask, iv(q.ask)));
    if last && q.last > 0.0 {
        out.extend(at(tick::LAST_OPTION, q.last, iv(q.last)));
    }
    out.extend(at(
        tick::MODEL_OPTION,
        round_digits(q.mid, 6),
        Some(q.model_vol),
    ));
}

/// Everything a new line (or a snapshot) starts with.
fn initial_ticks(inst: &Instrument, q: &Quote, kind: Kind, time_ms: i64) -> Vec<Tick> {
    let mut out = Vec::new();
    let quotes = !inst.quote.last_only && kind != Kind::Partial;
    if quotes {
        price_tick(kind, tick::BID, q.bid, Some(q.bid_size), &mut out);
        price_tick(kind, tick::ASK, q.ask, Some(q.ask_size), &mut out);
    }
    if q.last > 0.0 && kind != Kind::Partial {
        let size = (!inst.quote.last_only).then_some(q.last_size);
        price_tick(kind, tick::LAST, q.last, size, &mut out);
        if let Some(tick_type) = typed(kind, tick::LAST_TIMESTAMP) {
            out.push(Tick::String {
                tick_type,
                value: q.last_time_ms.div_euclid(1000).to_string(),
            });
        }
    }
    if q.volume > 0.0 {
        size_tick(kind, tick::VOLUME, q.volume, &mut out);
    }
    price_tick(kind, tick::HIGH, q.high, None, &mut out);
    price_tick(kind, tick::LOW, q.low, None, &mut out);
    price_tick(kind, tick::CLOSE, q.close, None, &mut out);
    price_tick(kind, tick::OPEN, q.open, None, &mut out);
    if matches!(inst.sec_type, "STK" | "FUT" | "OPT") {
        if let Some(tick_type) = typed(kind, tick::HALTED) {
            out.push(Tick::Generic {
                tick_type,
                value: 0.0,
            });
        }
    }
    if inst.is_option() && quotes {
        option_ticks(inst, q, kind, time_ms, true, &mut out);
    }
    out
}

/// The generic ticks of a line: `all` at the start, else those that follow trades.
fn generic_ticks(
    inst: &Instrument,
    q: &Quote,
    generic: &[u32],
    time_ms: i64,
    all: bool,
) -> Vec<Tick> {
    let mut out = Vec::new();
    let p = q.mid;
    let rule = inst.market_rule();
    let inc = rule.increment_at(p);
    for &g in generic {
        match g {
            233 | 375 if q.last > 0.0 => out.push(Tick::String {
                tick_type: if g == 233 {
                    tick::RT_VOLUME
                } else {
                    tick::RT_TRD_VOLUME
                },
                value: format!(
                    "{};{};{};{};{};{}",
                    q.last,
                    q.last_size,
                    q.last_time_ms,
                    q.volume,
                    round_digits(q.vwap(), 8),
                    true
                ),
            }),
            293 => out.push(Tick::Generic {
                tick_type: tick::TRADE_COUNT,
                value: q.trade_count as f64,
            }),
            294 => out.push(Tick::Generic {
                tick_type: tick::TRADE_RATE,
                value: round_digits(q.trade_count as f64 / 390.0, 2),
            }),
            295 => out.push(Tick::Generic {
                tick_type: tick::VOLUME_RATE,
                value: round_digits(q.volume / 390.0, 2),
            }),
            _ if !all => {}
            100 => {
                out.push(Tick::Size {
                    tick_type: tick::OPTION_CALL_VOLUME,
                    size: 81_234.0,
                });
                out.push(Tick::Size {
                    tick_type: tick::OPTION_PUT_VOLUME,
                    size: 62_877.0,
                });
            }
            101 => {
                out.push(Tick::Size {
                    tick_type: tick::OPTION_CALL_OPEN_INTEREST,
                    size: 1_204_511.0,
                });
                out.push(Tick::Size {
                    tick_type: tick::OPTION_PUT_OPEN_INTEREST,
                    size: 987_260.0,
                });
            }
            104 => out.push(Tick::Generic {
                tick_type: tick::OPTION_HISTORICAL_VOL,
                value: round_digits(inst.quote.volatility * 0.93, 6),
            }),
            106 => out.push(Tick::Generic {
                tick_type: tick::OPTION_IMPLIED_VOL,
                value: round_digits(inst.quote.volatility, 6),
            }),
            165 => {
                let (lows, highs) = ([0.86, 0.80, 0.71], [1.04, 1.09, 1.17]);
                for (k, (lo, hi)) in lows.iter().zip(highs).enumerate() {
                    let t = tick::LOW_13_WEEK + 2 * k as i32;
                    out.push(Tick::Price {
                        tick_type: t,
                        price: round_to(p * lo, inc),
                        size: None,
                        attrib_mask: 0,
                    });
                    out.push(Tick::Price {
                        tick_type: t + 1,
                        price: round_to(p * hi, inc),
                        size: None,
                        attrib_mask: 0,
                    });
                }
                debug_assert_eq!(tick::LOW_13_WEEK + 5, tick::HIGH_52_WEEK);
                if q.volume > 0.0 {
                    out.push(Tick::Size {
                        tick_type: tick::AVG_VOLUME,
                        size: (q.volume * 1.7).round(),
                    });
                }
            }
            221 => out.push(Tick::Price {
                tick_type: tick::MARK_PRICE,
                price: round_digits(p, 6),
                size: None,
                attrib_mask: 0,
            }),
            225 => {
                out.push(Tick::Size {
                    tick_type: tick::AUCTION_VOLUME,
                    size: 0.0,
                });
                out.push(Tick::Price {
                    tick_type: tick::AUCTION_PRICE,
                    price: q.close,
                    size: None,
                    attrib_mask: 0,
                });
                out.push(Tick::Size {
                    tick_type: tick::AUCTION_IMBALANCE,
                    size: 0.0,
                });
            }
            236 => {
                out.push(Tick::Generic {
                    tick_type: tick::SHORTABLE,
                    value: 3.0,
                });
                out.push(Tick::Size {
                    tick_type: tick::SHORTABLE_SHARES,
                    size: 50_000_000.0,
                });
            }
            411 => out.push(Tick::Generic {
                tick_type: tick::RT_HISTORICAL_VOL,
                value: round_digits(inst.quote.volatility * 0.97, 6),
            }),
            456 => {
                let ex = Date::from_unix_secs(time_ms.div_euclid(1000))
                    .plus_days(30)
                    .ymd();
                out.push(Tick::String {
                    tick_type: tick::IB_DIVIDENDS,
                    value: format!("0.98,1.04,{ex},0.26"),
                });
            }
            588 => out.push(Tick::Size {
                tick_type: tick::FUTURES_OPEN_INTEREST,
                size: 2_134_567.0,
            }),
            _ => {}
        }
    }
    out
}

/// What one step changed, for one line.
fn update_ticks(inst: &Instrument, s: &State, sub: &MktSub, time_ms: i64) -> Vec<Tick> {
    let mut out = Vec::new();
    let kind = sub.kind;
    let q = &s.quote;
    let c = s.changed;
    let quotes = !inst.quote.last_only && kind != Kind::Partial;
    if quotes {
        if c.bid {
            price_tick(kind, tick::BID, q.bid, Some(q.bid_size), &mut out);
        } else if c.bid_size {
            size_tick(kind, tick::BID_SIZE, q.bid_size, &mut out);
        }
        if c.ask {
            price_tick(kind, tick::ASK, q.ask, Some(q.ask_size), &mut out);
        } else if c.ask_size {
            size_tick(kind, tick::ASK_SIZE, q.ask_size, &mut out);
        }
    }
    if let Some(t) = &s.trade {
        if kind != Kind::Partial {
            let size = (!inst.quote.last_only).then_some(t.size);
            price_tick(kind, tick::LAST, t.price, size, &mut out);
            if let Some(tick_type) = typed(kind, tick::LAST_TIMESTAMP) {
                out.push(Tick::String {
                    tick_type,
                    value: t.time_ms.div_euclid(1000).to_string(),
                });
            }
        }
        if t.size > 0.0 {
            size_tick(kind, tick::VOLUME, q.volume, &mut out);
        }
    }
    if c.high {
        price_tick(kind, tick::HIGH, q.high, None, &mut out);
    }
    if c.low {
        price_tick(kind, tick::LOW, q.low, None, &mut out);
    }
    if inst.is_option() && quotes && (c.any_quote() || s.trade.is_some()) {
        option_ticks(inst, q, kind, time_ms, s.trade.is_some(), &mut out);
    }
    if s.trade.is_some() && !kind.delayed() {
        out.extend(generic_ticks(inst, q, &sub.generic, time_ms, false));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::instruments::{AAPL_CON_ID, BOND_CON_ID, EURUSD_CON_ID, MSFT_CON_ID};
    use super::*;

    /// 2026-12-01 15:00:00 UTC, on a 5-second boundary.
    const START_MS: i64 = 1_796_137_200_000;

    fn market(config: MarketConfig) -> Market {
        Market::new(config, START_MS)
    }

    fn stk(symbol: &str) -> ContractQuery {
        ContractQuery::new(symbol, "STK", "SMART", "USD")
    }

    fn mkt(req_id: i32, contract: ContractQuery) -> MktDataRequest {
        MktDataRequest {
            req_id,
            contract,
            ..MktDataRequest::default()
        }
    }

    fn errors(out: &[Out]) -> Vec<i32> {
        out.iter()
            .filter_map(|o| match o {
                Out::Error { code, .. } => Some(*code),
                _ => None,
            })
            .collect()
    }

    fn ticks(out: &[Out]) -> Vec<&Tick> {
        out.iter()
            .filter_map(|o| match o {
                Out::Tick { tick, .. } => Some(tick),
                _ => None,
            })
            .collect()
    }

    fn call_190() -> ContractQuery {
        ContractQuery {
            last_trade_date_or_contract_month: "20261218".into(),
            strike: 190.0,
            right: "C".into(),
            ..ContractQuery::new("AAPL", "OPT", "SMART", "USD")
        }
    }

    /// A script of requests and steps; its whole output.
    fn script(seed: u64) -> Vec<Out> {
        let mut m = market(MarketConfig {
            seed,
            ..MarketConfig::default()
        });
        let mut out = m.req_mkt_data(&MktDataRequest {
            generic_ticks: "233,236".into(),
            ..mkt(1, stk("AAPL"))
        });
        out.extend(m.req_mkt_data(&mkt(2, call_190())));
        out.extend(m.req_mkt_depth(3, &stk("MSFT"), 5, true));
        out.extend(m.req_tick_by_tick(4, &stk("SPY"), "AllLast", false));
        out.extend(m.req_real_time_bars(5, &stk("AAPL"), 5, "TRADES"));
        for _ in 0..400 {
            out.extend(m.step());
        }
        out
    }

    #[test]
    fn deterministic_by_seed() {
        let a = script(7);
        assert!(a.len() > 1000, "{}", a.len());
        assert_eq!(a, script(7));
        assert_ne!(a, script(8));
        // The walk itself, without subscriptions, is the same too.
        let mut m1 = market(MarketConfig::default());
        let mut m2 = market(MarketConfig::default());
        for _ in 0..50 {
            m1.step();
            m2.step();
        }
        assert_eq!(m1.quote(AAPL_CON_ID), m2.quote(AAPL_CON_ID));
        assert_eq!(m1.book(MSFT_CON_ID), m2.book(MSFT_CON_ID));
    }

    fn on_grid_check(price: f64, inc: f64) -> bool {
        let k = price / inc;
        (k - k.round()).abs() < 1e-6
    }

    #[test]
    fn spreads_and_prices_are_sane() {
        let mut m = market(MarketConfig::default());
        let starts: Vec<f64> = m
            .instruments()
            .all()
            .iter()
            .map(|i| {
                m.live.states[m.instruments().index_of(i.con_id).unwrap()]
                    .quote
                    .mid
            })
            .collect();
        let mut volumes: Vec<f64> = m.live.states.iter().map(|s| s.quote.volume).collect();
        let mut moved = vec![false; volumes.len()];
        for _ in 0..2000 {
            m.step();
            for (n, inst) in m.instruments().all().iter().enumerate() {
                let q = &m.live.states[n].quote;
                let rule = inst.market_rule();
                assert!(
                    q.volume >= volumes[n],
                    "{} volume went down",
                    inst.local_symbol
                );
                volumes[n] = q.volume;
                if q.last > 0.0 && !inst.quote.last_only {
                    assert!(
                        q.low <= q.last && q.last <= q.high,
                        "{}: {q:?}",
                        inst.local_symbol
                    );
                }
                if inst.quote.last_only {
                    moved[n] |= q.last != m.frozen.states[n].quote.last;
                    continue;
                }
                moved[n] |= q.bid != m.frozen.states[n].quote.bid;
                assert!(q.bid > 0.0 && q.bid < q.ask, "{}: {q:?}", inst.local_symbol);
                assert!(
                    on_grid_check(q.bid, rule.increment_at(q.bid)),
                    "{}: bid {}",
                    inst.local_symbol,
                    q.bid
                );
                assert!(
                    on_grid_check(q.ask, rule.increment_at(q.ask)),
                    "{}: ask {}",
                    inst.local_symbol,
                    q.ask
                );
                assert!(q.bid_size > 0.0 && q.ask_size > 0.0);
                if !inst.is_option() {
                    let widest =
                        f64::from(inst.quote.spread_ticks.1.max(1) + 1) * rule.increment_at(q.ask);
                    assert!(
                        q.ask - q.bid <= widest + 1e-9,
                        "{}: spread {q:?}",
                        inst.local_symbol
                    );
                    assert!(
                        (q.mid / starts[n] - 1.0).abs() < 0.2,
                        "{} ran away",
                        inst.local_symbol
                    );
                    assert!(q.bid <= q.mid + 1e-9 && q.mid <= q.ask + 1e-9);
                }
                // The printed form of a price is short (no float noise).
                assert!(q.bid.to_string().len() <= 12, "{}", q.bid);
            }
        }
        // Quotes move: every stock, future and EUR.USD changed its bid.
        for (n, inst) in m.instruments().all().iter().enumerate() {
            if !inst.is_option() && !inst.is_bond() {
                assert!(moved[n], "{} never moved", inst.local_symbol);
            }
        }
    }

    #[test]
    fn stream_ticks_and_snapshot() {
        let mut m = market(MarketConfig::default());
        let out = m.req_mkt_data(&mkt(1, stk("AAPL")));
        assert!(
            matches!(ticks(&out)[0], Tick::ReqParams { bbo_exchange, .. } if bbo_exchange == "9c0001")
        );
        let q = m.quote(AAPL_CON_ID).unwrap().clone();
        assert!(ticks(&out).contains(&&Tick::Price {
            tick_type: tick::BID,
            price: q.bid,
            size: Some(q.bid_size),
            attrib_mask: 1
        }));
        assert!(errors(&out).is_empty());
        assert_eq!(m.tickers(), 1);
        let mut updates = 0;
        for _ in 0..100 {
            updates += ticks(&m.step()).len();
        }
        assert!(updates > 50, "{updates}");
        // A snapshot: the values then the end, no line left open.
        let snap = m.req_mkt_data(&MktDataRequest {
            snapshot: true,
            ..mkt(2, stk("MSFT"))
        });
        assert_eq!(ticks(&snap).last(), Some(&&Tick::SnapshotEnd));
        assert_eq!(m.tickers(), 1);
        let generic = m.req_mkt_data(&MktDataRequest {
            snapshot: true,
            generic_ticks: "233".into(),
            ..mkt(3, stk("MSFT"))
        });
        assert_eq!(errors(&generic), [code::VALIDATION]);
        assert!(m.cancel_mkt_data(1).is_empty());
        assert_eq!(errors(&m.cancel_mkt_data(1)), [code::TICKER_NOT_FOUND]);
        assert!(ticks(&m.step()).is_empty());
        // Generic ticks: known ones flow, unknown ones are refused.
        let g = m.req_mkt_data(&MktDataRequest {
            generic_ticks: "165,236,456".into(),
            ..mkt(4, stk("AAPL"))
        });
        let types: Vec<i32> = ticks(&g)
            .iter()
            .filter_map(|t| match t {
                Tick::Generic { tick_type, .. }
                | Tick::Size { tick_type, .. }
                | Tick::String { tick_type, .. } => Some(*tick_type),
                _ => None,
            })
            .collect();
        assert!(
            types.contains(&tick::SHORTABLE)
                && types.contains(&tick::IB_DIVIDENDS)
                && types.contains(&tick::AVG_VOLUME),
            "{types:?}"
        );
        let bad = m.req_mkt_data(&MktDataRequest {
            generic_ticks: "999".into(),
            ..mkt(5, stk("AAPL"))
        });
        assert_eq!(errors(&bad), [code::VALIDATION]);
    }

    #[test]
    fn refusals() {
        let mut m = market(MarketConfig {
            max_tickers: 2,
            max_depth_requests: 1,
            ..MarketConfig::default()
        });
        assert_eq!(
            errors(&m.req_mkt_data(&mkt(1, stk("NOPE")))),
            [code::NO_SECURITY_DEFINITION]
        );
        let es = ContractQuery::new("ES", "FUT", "CME", "USD");
        assert_eq!(
            errors(&m.req_mkt_data(&mkt(1, es))),
            [code::NO_SECURITY_DEFINITION]
        );
        assert!(errors(&m.req_mkt_data(&mkt(1, stk("AAPL")))).is_empty());
        assert_eq!(
            errors(&m.req_mkt_data(&mkt(1, stk("MSFT")))),
            [code::PROCESSING]
        );
        assert!(errors(&m.req_mkt_data(&mkt(2, stk("MSFT")))).is_empty());
        assert_eq!(
            errors(&m.req_mkt_data(&mkt(3, stk("SPY")))),
            [code::MAX_TICKERS]
        );
        // Depth: one allowed, the second refused with 309.
        assert!(errors(&m.req_mkt_depth(10, &stk("AAPL"), 5, false)).is_empty());
        assert_eq!(
            errors(&m.req_mkt_depth(11, &stk("MSFT"), 5, false)),
            [code::MAX_DEPTH_REQUESTS]
        );
        assert_eq!(
            errors(&m.req_mkt_depth(10, &stk("MSFT"), 5, false)),
            [code::PROCESSING]
        );
        // The options farm connects on first use.
        let opt = m.req_tick_by_tick(20, &call_190(), "BidAsk", false);
        assert_eq!(errors(&opt), [code::FARM_CONNECTING, code::FARM_OK]);
        assert!(errors(&m.req_tick_by_tick(21, &call_190(), "MidPoint", false)).is_empty());
        assert_eq!(
            errors(&m.req_real_time_bars(30, &stk("AAPL"), 10, "TRADES")),
            [code::VALIDATION]
        );
        let fx = ContractQuery::new("EUR", "CASH", "IDEALPRO", "USD");
        assert_eq!(
            errors(&m.req_real_time_bars(31, &fx, 5, "TRADES")),
            [code::VALIDATION]
        );
        assert_eq!(
            errors(&m.req_real_time_bars(31, &fx, 5, "MIDPOINT")),
            [code::FARM_CONNECTING, code::FARM_OK]
        );

        let mut busy = market(MarketConfig {
            competing_session: true,
            ..MarketConfig::default()
        });
        assert_eq!(
            errors(&busy.req_mkt_data(&mkt(1, stk("AAPL")))),
            [code::COMPETING_SESSION]
        );
        assert_eq!(
            errors(&busy.req_mkt_depth(2, &stk("AAPL"), 5, false)),
            [code::COMPETING_SESSION]
        );
    }

    #[test]
    fn subscriptions_and_delayed_data() {
        let bond = ContractQuery::by_con_id(BOND_CON_ID, "SMART");
        let mut m = market(MarketConfig {
            permissions: vec![
                ("MSFT".into(), Permission::ApiSubscriptionMissing),
                ("SPY".into(), Permission::Partial),
                ("EUR".into(), Permission::Unavailable),
            ],
            ..MarketConfig::default()
        });
        assert_eq!(
            errors(&m.req_mkt_data(&mkt(1, bond.clone()))),
            [code::NOT_SUBSCRIBED]
        );
        assert_eq!(
            errors(&m.req_mkt_data(&mkt(2, stk("MSFT")))),
            [code::API_SUBSCRIPTION_NEEDED]
        );
        let partial = m.req_mkt_data(&mkt(3, stk("SPY")));
        assert_eq!(errors(&partial), [code::PARTIALLY_SUBSCRIBED]);
        assert!(!ticks(&partial).iter().any(|t| matches!(
            t,
            Tick::Price {
                tick_type: tick::BID | tick::ASK | tick::LAST,
                ..
            }
        )));
        assert!(ticks(&partial).iter().any(|t| matches!(
            t,
            Tick::Price {
                tick_type: tick::HIGH,
                ..
            }
        )));
        assert_eq!(
            errors(&m.req_mkt_depth(4, &stk("MSFT"), 5, false)),
            [code::API_SUBSCRIPTION_NEEDED]
        );
        assert_eq!(
            errors(&m.req_tick_by_tick(5, &bond, "Last", false)),
            [code::NOT_SUBSCRIBED]
        );

        // Delayed: a warning, the type, delayed tick types from the lagging walk.
        assert!(m.set_market_data_type(data_type::DELAYED).is_empty());
        let delayed = m.req_mkt_data(&mkt(6, bond.clone()));
        assert_eq!(errors(&delayed), [code::DELAYED_INSTEAD]);
        assert!(ticks(&delayed).contains(&&Tick::DataType(data_type::DELAYED)));
        let dq = m.delayed_quote(BOND_CON_ID).unwrap().clone();
        assert!(ticks(&delayed).contains(&&Tick::Price {
            tick_type: tick::DELAYED_BID,
            price: dq.bid,
            size: Some(dq.bid_size),
            attrib_mask: 0
        }));
        assert!(!ticks(&delayed).iter().any(|t| matches!(
            t,
            Tick::Price {
                tick_type: tick::BID,
                ..
            }
        )));
        assert_ne!(m.quote(AAPL_CON_ID), m.delayed_quote(AAPL_CON_ID));
        assert_eq!(
            errors(&m.req_mkt_data(&mkt(7, ContractQuery::by_con_id(EURUSD_CON_ID, "IDEALPRO")))),
            [code::NOT_SUBSCRIBED]
        );
        // A subscribed instrument stays live, and says so.
        let live = m.req_mkt_data(&mkt(8, stk("AAPL")));
        assert!(ticks(&live).contains(&&Tick::DataType(data_type::LIVE)));
        assert!(m.set_market_data_type(9).len() == 1);

        // Closed market: frozen types give frozen data and nothing moves.
        let mut closed = market(MarketConfig {
            closed: true,
            ..MarketConfig::default()
        });
        closed.set_market_data_type(data_type::FROZEN);
        let frozen = closed.req_mkt_data(&mkt(1, stk("AAPL")));
        assert!(ticks(&frozen).contains(&&Tick::DataType(data_type::FROZEN)));
        closed.set_market_data_type(data_type::DELAYED_FROZEN);
        let df = closed.req_mkt_data(&mkt(2, bond));
        assert!(ticks(&df).contains(&&Tick::DataType(data_type::DELAYED_FROZEN)));
        assert!(closed.step().is_empty());
        assert_eq!(closed.step_interval(), None);
    }

    fn apply(book: &mut Book, op: &DepthOp) {
        let side = if op.side == 1 {
            &mut book.bids
        } else {
            &mut book.asks
        };
        let row = BookRow {
            price: op.price,
            size: op.size,
            market_maker: op.market_maker,
        };
        let at = op.position as usize;
        match op.operation {
            0 => {
                assert!(at <= side.len(), "insert past the end");
                side.insert(at, row);
            }
            1 => {
                assert!(at < side.len(), "update past the end");
                side[at] = row;
            }
            _ => {
                assert!(at < side.len(), "delete past the end");
                side.remove(at);
            }
        }
    }

    fn check_book(book: &Book, l1: bool) {
        for w in book.bids.windows(2) {
            assert!(
                if l1 {
                    w[0].price > w[1].price
                } else {
                    w[0].price >= w[1].price
                },
                "{book:?}"
            );
        }
        for w in book.asks.windows(2) {
            assert!(
                if l1 {
                    w[0].price < w[1].price
                } else {
                    w[0].price <= w[1].price
                },
                "{book:?}"
            );
        }
        assert!(book.bids[0].price < book.asks[0].price);
        assert!(book.bids.iter().chain(&book.asks).all(|r| r.size > 0.0));
    }

    #[test]
    fn depth_books_stay_consistent() {
        let es = ContractQuery {
            last_trade_date_or_contract_month: "202612".into(),
            ..ContractQuery::new("ES", "FUT", "CME", "USD")
        };
        let mut m = market(MarketConfig {
            max_depth_requests: 3,
            depth_reset_every: Some(150),
            ..MarketConfig::default()
        });
        let subs = [
            (1, stk("AAPL"), 10, false),
            (2, es, 5, false),
            (3, stk("MSFT"), 3, true),
        ];
        let mut mirrors = vec![Book::default(); 3];
        let mut out = Vec::new();
        for (id, c, rows, smart) in &subs {
            out.extend(m.req_mkt_depth(*id, c, *rows, *smart));
        }
        // The futures farm connects on first use.
        out.retain(|o| {
            !matches!(
                o,
                Out::Error {
                    code: code::FARM_CONNECTING | code::FARM_OK,
                    ..
                }
            )
        });
        let mut ops = 0;
        let mut resets = 0;
        for round in 0..400 {
            if round > 0 {
                out = m.step();
            }
            for o in &out {
                match o {
                    Out::Depth {
                        req_id,
                        op,
                        l2,
                        smart,
                    } => {
                        ops += 1;
                        let n = (*req_id - 1) as usize;
                        assert_eq!(*l2, n != 1, "ES is an L1 book, the stocks L2");
                        assert_eq!(*smart, n == 2);
                        apply(&mut mirrors[n], op);
                    }
                    Out::Error {
                        req_id,
                        code: code::DEPTH_RESET,
                        ..
                    } => {
                        resets += 1;
                        mirrors[(*req_id - 1) as usize] = Book::default();
                    }
                    other => panic!("unexpected {other:?}"),
                }
            }
            for (n, (_, c, rows, _)) in subs.iter().enumerate() {
                let inst = m.instruments().get(m.instruments().resolve(c).unwrap());
                let book = m.book(inst.con_id).unwrap();
                let want = Book {
                    bids: book.bids.iter().take(*rows as usize).cloned().collect(),
                    asks: book.asks.iter().take(*rows as usize).cloned().collect(),
                };
                assert_eq!(mirrors[n], want, "sub {n} at round {round}");
                check_book(&mirrors[n], n == 1);
                let q = m.quote(inst.con_id).unwrap();
                assert_eq!(
                    (mirrors[n].bids[0].price, mirrors[n].asks[0].price),
                    (q.bid, q.ask)
                );
                assert_eq!(
                    (mirrors[n].bids[0].size, mirrors[n].asks[0].size),
                    (q.bid_size, q.ask_size)
                );
            }
        }
        assert!(ops > 1000, "{ops}");
        assert_eq!(resets, 3 * 2);
        assert!(m.cancel_mkt_depth(1).is_empty());
        assert!(!m
            .step()
            .iter()
            .any(|o| matches!(o, Out::Depth { req_id: 1, .. })));
    }

    #[test]
    fn bars_aggregate_the_trades() {
        let mut m = market(MarketConfig::default());
        m.req_tick_by_tick(1, &stk("AAPL"), "AllLast", false);
        m.req_tick_by_tick(2, &stk("AAPL"), "Last", false);
        m.req_real_time_bars(3, &stk("AAPL"), 5, "TRADES");
        m.req_real_time_bars(4, &stk("AAPL"), 5, "MIDPOINT");
        let (mut trades, mut bars, mut mids) = (Vec::new(), Vec::new(), Vec::new());
        let mut last_only = 0;
        for _ in 0..(4 * 60) {
            for o in m.step() {
                match o {
                    Out::TickByTick {
                        req_id: 1,
                        tick:
                            TbtTick::Last {
                                time,
                                price,
                                size,
                                tick_type: 2,
                                ..
                            },
                    } => trades.push((time, price, size)),
                    Out::TickByTick {
                        req_id: 2,
                        tick:
                            TbtTick::Last {
                                special_conditions,
                                tick_type: 1,
                                ..
                            },
                    } => {
                        assert_eq!(special_conditions, "");
                        last_only += 1;
                    }
                    Out::Bar { req_id: 3, bar } => bars.push(bar),
                    Out::Bar { req_id: 4, bar } => mids.push(bar),
                    other => panic!("unexpected {other:?}"),
                }
            }
        }
        // 60 seconds: 12 bars, each 5 seconds after the other (the last
        // step opens the 13th).
        assert_eq!(bars.len(), 12);
        assert!(last_only < trades.len() && last_only > 0);
        for (k, bar) in bars.iter().enumerate() {
            assert_eq!(bar.time, START_MS / 1000 + 5 * k as i64);
            let inside: Vec<_> = trades
                .iter()
                .filter(|t| t.0 >= bar.time && t.0 < bar.time + 5)
                .collect();
            assert!(!inside.is_empty(), "AAPL trades every few steps");
            assert_eq!(bar.open, inside[0].1);
            assert_eq!(bar.close, inside[inside.len() - 1].1);
            assert_eq!(
                bar.high,
                inside.iter().map(|t| t.1).fold(f64::MIN, f64::max)
            );
            assert_eq!(bar.low, inside.iter().map(|t| t.1).fold(f64::MAX, f64::min));
            assert_eq!(bar.volume, inside.iter().map(|t| t.2).sum::<f64>());
            assert_eq!(bar.count, inside.len() as i32);
            assert!(bar.low <= bar.wap && bar.wap <= bar.high);
        }
        assert_eq!(mids.len(), 12);
        assert!(mids
            .iter()
            .all(|b| b.low <= b.open && b.open <= b.high && b.volume == 0.0));
    }

    #[test]
    fn option_greeks() {
        let g = black_scholes(true, 190.0, 190.0, 0.25, 0.25);
        let p = black_scholes(false, 190.0, 190.0, 0.25, 0.25);
        // Put-call parity.
        let parity = g.price - p.price - (190.0 - 190.0 * (-RATE * 0.25f64).exp());
        assert!(parity.abs() < 1e-4, "{parity}");
        assert!(g.delta > 0.5 && g.delta < 0.65 && (p.delta - (g.delta - 1.0)).abs() < 1e-9);
        assert!(g.gamma > 0.0 && g.vega > 0.0 && g.theta < 0.0);
        let iv = implied_vol(true, g.price, 190.0, 190.0, 0.25).unwrap();
        assert!((iv - 0.25).abs() < 1e-6);
        assert_eq!(implied_vol(true, 0.0, 190.0, 190.0, 0.25), None);

        let mut m = market(MarketConfig::default());
        let out = m.req_mkt_data(&mkt(1, call_190()));
        let computations: Vec<&OptionTick> = ticks(&out)
            .into_iter()
            .filter_map(|t| match t {
                Tick::Option(o) => Some(o),
                _ => None,
            })
            .collect();
        let model = computations
            .iter()
            .find(|o| o.tick_type == tick::MODEL_OPTION)
            .unwrap();
        let delta = model.delta.unwrap();
        assert!(delta > 0.3 && delta < 0.8, "{delta}");
        let q = m
            .quote(
                m.instruments()
                    .get(m.instruments().resolve(&call_190()).unwrap())
                    .con_id,
            )
            .unwrap()
            .clone();
        assert!(q.bid <= q.mid && q.mid <= q.ask, "{q:?}");
        let calc = m.calc_implied_volatility(2, &call_190(), q.mid, q.under_price);
        let Out::Tick {
            tick: Tick::Option(o),
            ..
        } = &calc[0]
        else {
            panic!("{calc:?}")
        };
        assert_eq!(o.tick_type, tick::CUST_OPTION_COMPUTATION);
        assert!((o.implied_vol.unwrap() - q.model_vol).abs() < 1e-4);
        let price = m.calc_option_price(3, &call_190(), q.model_vol, q.under_price);
        let Out::Tick {
            tick: Tick::Option(o),
            ..
        } = &price[0]
        else {
            panic!("{price:?}")
        };
        assert!((o.opt_price.unwrap() - q.mid).abs() < 1e-3);
        assert_eq!(
            errors(&m.calc_option_price(4, &stk("AAPL"), 0.2, 190.0)),
            [code::VALIDATION]
        );
        assert_eq!(
            errors(&m.calc_implied_volatility(5, &stk("NOPE"), 1.0, 190.0)),
            [code::NO_SECURITY_DEFINITION]
        );
        // Puts have negative deltas; the chain moves with its underlying.
        let put = ContractQuery {
            right: "P".into(),
            ..call_190()
        };
        let out = m.req_mkt_data(&mkt(6, put));
        assert!(ticks(&out).iter().any(|t| matches!(t, Tick::Option(o) if o.tick_type == tick::MODEL_OPTION && o.delta.unwrap() < 0.0)));
        let mut updates = 0;
        for _ in 0..40 {
            updates += m
                .step()
                .iter()
                .filter(|o| {
                    matches!(
                        o,
                        Out::Tick {
                            tick: Tick::Option(_),
                            ..
                        }
                    )
                })
                .count();
        }
        assert!(updates > 0);
    }
}
