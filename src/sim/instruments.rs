//! The simulator's instruments: a handful of realistic contracts with their
//! full contract details, market rules, smart components, depth exchanges,
//! and the lookups TWS answers with them (contract resolution, matching
//! symbols, option-chain parameters).
//!
//! The catalogue is independent of the wire types: `market_replies` turns
//! these records into messages. It holds AAPL, MSFT (stocks), SPY (an ETF),
//! the ES index and four quarterly ES futures, EUR.USD, an AAPL option chain
//! (three monthly expiries, 17 strikes, calls and puts) and a US Treasury
//! note. Expiries are derived from the date the catalogue is built for, so
//! the same date always gives the same catalogue (conIds included).

/// `UNSET_DOUBLE`: a request's strike when it has none.
pub const UNSET_DOUBLE: f64 = f64::MAX;

/// The conId of AAPL, the underlying of the option chain.
pub const AAPL_CON_ID: i32 = 265_598;
/// The conId of MSFT.
pub const MSFT_CON_ID: i32 = 272_093;
/// The conId of the SPY ETF.
pub const SPY_CON_ID: i32 = 756_733;
/// The conId of the ES index (the futures' underlying).
pub const ES_INDEX_CON_ID: i32 = 11_004_968;
/// The conId of EUR.USD.
pub const EURUSD_CON_ID: i32 = 12_087_792;
/// The conId of the Treasury note.
pub const BOND_CON_ID: i32 = 650_000_001;

/// How a market-data subscription of an instrument is entitled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Live data (the default).
    Live,
    /// No subscription; delayed data is available: a live request gets error
    /// 354, a delayed one warning 10167 and delayed ticks.
    NoSubscription,
    /// The API needs an additional subscription: a live request gets error
    /// 10089, a delayed one warning 10167 and delayed ticks.
    ApiSubscriptionMissing,
    /// Only part is subscribed: a live request gets warning 10090 and only
    /// the subscription-independent ticks (high, low, close, volume).
    Partial,
    /// No data at all, not even delayed: error 354 at every type.
    Unavailable,
}

/// One price increment of a market rule: from `low_edge` on, prices move by
/// `increment`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PriceIncrement {
    pub low_edge: f64,
    pub increment: f64,
}

/// A market rule: its id and its increments, lowest edge first.
#[derive(Debug, Clone, PartialEq)]
pub struct MarketRule {
    pub id: i32,
    pub increments: Vec<PriceIncrement>,
}

impl MarketRule {
    /// The increment that applies at `price`.
    pub fn increment_at(&self, price: f64) -> f64 {
        self.increments
            .iter()
            .rev()
            .find(|p| price >= p.low_edge)
            .or(self.increments.first())
            .map_or(0.01, |p| p.increment)
    }
}

/// The market rules of the catalogue.
pub fn market_rules() -> &'static [MarketRule] {
    static RULES: once_cell::sync::Lazy<Vec<MarketRule>> = once_cell::sync::Lazy::new(build_rules);
    &RULES
}

fn build_rules() -> Vec<MarketRule> {
    let rule = |id, steps: &[(f64, f64)]| MarketRule {
        id,
        increments: steps
            .iter()
            .map(|&(low_edge, increment)| PriceIncrement {
                low_edge,
                increment,
            })
            .collect(),
    };
    vec![
        rule(26, &[(0.0, 0.01)]),
        rule(67, &[(0.0, 0.25)]),
        rule(110, &[(0.0, 0.01), (3.0, 0.05)]),
        rule(239, &[(0.0, 0.00005)]),
        rule(557, &[(0.0, 0.0001)]),
        rule(1000, &[(0.0, 0.01)]),
    ]
}

/// The market rule with this id.
pub fn market_rule(id: i32) -> Option<&'static MarketRule> {
    market_rules().iter().find(|r| r.id == id)
}

/// One component of a smart-routing BBO exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmartComponent {
    pub bit_number: i32,
    pub exchange: &'static str,
    pub exchange_letter: &'static str,
}

/// The BBO exchange code the stocks' tickReqParams name.
pub const STOCK_BBO_EXCHANGE: &str = "9c0001";
/// The BBO exchange code the options' tickReqParams name.
pub const OPTION_BBO_EXCHANGE: &str = "a60001";

/// The components of a BBO exchange code (from tickReqParams), or `None`
/// when the code is unknown.
pub fn smart_components(bbo_exchange: &str) -> Option<Vec<SmartComponent>> {
    let list: &[(i32, &str, &str)] = match bbo_exchange {
        STOCK_BBO_EXCHANGE => &[
            (1, "NYSE", "N"),
            (2, "ARCA", "P"),
            (3, "NASDAQ", "Q"),
            (4, "BATS", "Z"),
            (5, "IEX", "V"),
            (6, "EDGX", "K"),
            (7, "BYX", "Y"),
            (8, "MEMX", "U"),
            (9, "AMEX", "A"),
            (10, "CHX", "M"),
        ],
        OPTION_BBO_EXCHANGE => &[
            (1, "CBOE", "C"),
            (2, "AMEX", "A"),
            (3, "PHLX", "X"),
            (4, "ISE", "I"),
            (5, "BOX", "B"),
            (6, "PSE", "P"),
            (7, "MIAX", "M"),
            (8, "EDGX", "E"),
        ],
        _ => return None,
    };
    Some(
        list.iter()
            .map(|&(bit_number, exchange, exchange_letter)| SmartComponent {
                bit_number,
                exchange,
                exchange_letter,
            })
            .collect(),
    )
}

/// One exchange offering market depth (reqMktDepthExchanges).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepthExchange {
    pub exchange: &'static str,
    pub sec_type: &'static str,
    pub listing_exchange: &'static str,
    pub service_data_type: &'static str,
    pub agg_group: i32,
}

/// Every exchange the simulator offers depth for.
pub fn depth_exchanges() -> Vec<DepthExchange> {
    let d = |exchange, sec_type, listing_exchange, service_data_type, agg_group| DepthExchange {
        exchange,
        sec_type,
        listing_exchange,
        service_data_type,
        agg_group,
    };
    vec![
        d("ISLAND", "STK", "NASDAQ", "Deep2", 1),
        d("ARCA", "STK", "NYSE", "Deep2", 1),
        d("NYSE", "STK", "NYSE", "Deep", 1),
        d("BATS", "STK", "", "Deep", 1),
        d("IEX", "STK", "", "Deep", 1),
        d("CME", "FUT", "", "Deep", 2),
        d("IDEALPRO", "CASH", "", "Deep", 4),
        d("CBOE", "OPT", "", "Deep", 7),
    ]
}

/// The family code of each managed account.
pub fn family_codes(accounts: &[String]) -> Vec<(String, String)> {
    accounts
        .iter()
        .map(|a| {
            let digits: String = a.chars().filter(char::is_ascii_digit).collect();
            (a.clone(), format!("F{digits}"))
        })
        .collect()
}

/// The bond fields of a bond's contract details.
#[derive(Debug, Clone, PartialEq)]
pub struct BondFields {
    pub cusip: String,
    pub coupon: f64,
    pub maturity: String,
    pub issue_date: String,
    pub ratings: String,
    pub bond_type: String,
    pub coupon_type: String,
    pub convertible: bool,
    pub callable: bool,
    pub putable: bool,
    pub desc_append: String,
    pub next_option_date: String,
    pub next_option_type: String,
    pub next_option_partial: bool,
    pub notes: String,
}

/// How an instrument's quotes move (the random walk's parameters).
#[derive(Debug, Clone, PartialEq)]
pub struct QuoteModel {
    /// Where the walk starts (for options: unused, the price is modelled).
    pub start_price: f64,
    /// Annualized volatility of the walk (for options: the model's at-the-money vol).
    pub volatility: f64,
    /// Spread in increments: the narrowest and the widest.
    pub spread_ticks: (u32, u32),
    /// Quote sizes are `lot` times a number in this range.
    pub size_lots: (u32, u32),
    pub lot: f64,
    /// Chance of a trade per step.
    pub trade_chance: f64,
    /// Trade sizes are `lot` times a number in this range.
    pub trade_lots: (u32, u32),
    /// Exchanges trades print on.
    pub trade_exchanges: &'static [&'static str],
    /// Market makers of the L2 book; empty: an L1 book (one row per price).
    pub market_makers: &'static [&'static str],
    /// Whether it has no bid and ask (an index): only last prices.
    pub last_only: bool,
    /// Yesterday's close relative to the start price.
    pub prior_close_ratio: f64,
}

/// One instrument with its contract details.
#[derive(Debug, Clone, PartialEq)]
pub struct Instrument {
    pub con_id: i32,
    pub symbol: String,
    pub sec_type: &'static str,
    /// yyyymmdd for derivatives, empty otherwise.
    pub last_trade_date: String,
    /// hh:mm of the last trade, for derivatives.
    pub last_trade_time: String,
    pub strike: f64,
    pub right: &'static str,
    pub multiplier: String,
    /// The exchange a contract resolves to when a request leaves it empty.
    pub exchange: &'static str,
    pub primary_exchange: &'static str,
    pub currency: &'static str,
    pub local_symbol: String,
    pub trading_class: String,
    pub market_name: String,
    pub min_tick: f64,
    pub order_types: &'static str,
    /// Comma list, `SMART` first where it routes.
    pub valid_exchanges: &'static str,
    pub price_magnifier: i32,
    pub under_con_id: i32,
    pub long_name: String,
    /// yyyymm for derivatives.
    pub contract_month: String,
    pub industry: &'static str,
    pub category: &'static str,
    pub subcategory: &'static str,
    pub time_zone_id: &'static str,
    pub trading_hours: String,
    pub liquid_hours: String,
    pub ev_rule: String,
    pub ev_multiplier: f64,
    pub sec_id_list: Vec<(String, String)>,
    pub agg_group: i32,
    pub under_symbol: String,
    pub under_sec_type: &'static str,
    /// One rule id per valid exchange, comma-separated.
    pub market_rule_ids: String,
    pub real_expiration_date: String,
    pub stock_type: &'static str,
    pub min_size: f64,
    pub size_increment: f64,
    pub suggested_size_increment: f64,
    pub bond: Option<BondFields>,
    /// The market-data farm its quotes come from.
    pub farm: &'static str,
    /// The BBO exchange code of tickReqParams.
    pub bbo_exchange: &'static str,
    /// The entitlement of this instrument's market data.
    pub permission: Permission,
    pub quote: QuoteModel,
}

impl Instrument {
    /// The market rule its prices follow (the first of its rule ids; rule
    /// 26, a flat cent, if it names none the catalogue has).
    pub fn market_rule(&self) -> &'static MarketRule {
        self.market_rule_ids
            .split(',')
            .next()
            .and_then(|id| id.trim().parse().ok())
            .and_then(market_rule)
            .unwrap_or(&market_rules()[0])
    }

    /// Whether `exchange` (any case) is one it trades on.
    pub fn trades_on(&self, exchange: &str) -> bool {
        self.valid_exchanges
            .split(',')
            .any(|e| e.eq_ignore_ascii_case(exchange))
    }

    pub fn is_option(&self) -> bool {
        self.sec_type == "OPT"
    }

    pub fn is_bond(&self) -> bool {
        self.sec_type == "BOND"
    }
}

/// A request's contract, as far as resolving it goes (empty strings and a
/// zero or unset strike mean "not given").
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ContractQuery {
    pub con_id: i32,
    pub symbol: String,
    pub sec_type: String,
    pub last_trade_date_or_contract_month: String,
    pub strike: f64,
    pub right: String,
    pub multiplier: String,
    pub exchange: String,
    pub primary_exchange: String,
    pub currency: String,
    pub local_symbol: String,
    pub trading_class: String,
    pub sec_id_type: String,
    pub sec_id: String,
}

impl ContractQuery {
    /// A query by symbol, security type, exchange and currency.
    pub fn new(symbol: &str, sec_type: &str, exchange: &str, currency: &str) -> Self {
        ContractQuery {
            symbol: symbol.to_owned(),
            sec_type: sec_type.to_owned(),
            exchange: exchange.to_owned(),
            currency: currency.to_owned(),
            ..ContractQuery::default()
        }
    }

    /// A query by conId (and exchange).
    pub fn by_con_id(con_id: i32, exchange: &str) -> Self {
        ContractQuery {
            con_id,
            exchange: exchange.to_owned(),
            ..ContractQuery::default()
        }
    }

    fn is_empty(&self) -> bool {
        self.con_id <= 0
            && self.symbol.trim().is_empty()
            && self.local_symbol.trim().is_empty()
            && self.sec_id.trim().is_empty()
    }
}

/// Why a contract does not resolve to exactly one instrument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unresolved {
    /// Nothing matches (error 200, "No security definition has been found").
    Unknown,
    /// Several match (error 200, "The contract description specified is ambiguous").
    Ambiguous,
}

/// One match of reqMatchingSymbols.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SymbolSample {
    pub con_id: i32,
    pub symbol: String,
    pub sec_type: &'static str,
    pub primary_exchange: &'static str,
    pub currency: &'static str,
    pub derivative_sec_types: Vec<&'static str>,
    pub description: String,
}

/// One row of reqSecDefOptParams: an exchange's view of an option chain.
#[derive(Debug, Clone, PartialEq)]
pub struct OptionChain {
    pub exchange: String,
    pub underlying_con_id: i32,
    pub trading_class: String,
    pub multiplier: String,
    /// yyyymmdd, ascending.
    pub expirations: Vec<String>,
    /// Ascending.
    pub strikes: Vec<f64>,
}

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    /// The date of a unix time, in UTC.
    pub fn from_unix_secs(secs: i64) -> Date {
        civil_from_days(secs.div_euclid(86_400))
    }

    /// Days since 1970-01-01.
    pub fn days(self) -> i64 {
        days_from_civil(self.year, self.month, self.day)
    }

    /// Unix seconds of this date at `hour`:00 UTC.
    pub fn unix_at_hour(self, hour: i64) -> i64 {
        self.days() * 86_400 + hour * 3600
    }

    /// 0 = Monday .. 6 = Sunday.
    pub fn weekday(self) -> u32 {
        (self.days() + 3).rem_euclid(7) as u32
    }

    pub fn plus_days(self, n: i64) -> Date {
        civil_from_days(self.days() + n)
    }

    /// yyyymmdd.
    pub fn ymd(self) -> String {
        format!("{:04}{:02}{:02}", self.year, self.month, self.day)
    }

    /// yyyymm.
    pub fn ym(self) -> String {
        format!("{:04}{:02}", self.year, self.month)
    }

    /// The third Friday of a month.
    pub fn third_friday(year: i32, month: u32) -> Date {
        let first = Date {
            year,
            month,
            day: 1,
        };
        let to_friday = (4 + 7 - first.weekday()) % 7;
        first.plus_days(i64::from(to_friday) + 14)
    }

    /// The first day of the month `n` months after this date's month.
    fn month_after(self, n: u32) -> (i32, u32) {
        let m0 = self.month - 1 + n;
        (self.year + (m0 / 12) as i32, m0 % 12 + 1)
    }
}

fn days_from_civil(y: i32, m: u32, d: u32) -> i64 {
    crate::calendar::days_from_civil(i64::from(y), m, d)
}

fn civil_from_days(days: i64) -> Date {
    let (y, m, d) = crate::calendar::civil_from_days(days);
    Date {
        year: y as i32,
        month: m,
        day: d,
    }
}

/// Trading-hours text for the 7 days from `from`: `yyyymmdd:hhmm-yyyymmdd:hhmm`
/// per open day, `yyyymmdd:CLOSED` on weekends. `overnight` sessions open
/// the evening before (futures, FX).
fn hours(from: Date, open: &str, close: &str, overnight: bool) -> String {
    (0..7)
        .map(|i| {
            let day = from.plus_days(i);
            if day.weekday() >= 5 {
                format!("{}:CLOSED", day.ymd())
            } else if overnight {
                let before = day.plus_days(if day.weekday() == 0 { -3 } else { -1 });
                format!("{}:{open}-{}:{close}", before.ymd(), day.ymd())
            } else {
                format!("{}:{open}-{}:{close}", day.ymd(), day.ymd())
            }
        })
        .collect::<Vec<_>>()
        .join(";")
}

const STOCK_EXCHANGES: &str = "SMART,AMEX,NYSE,CBOE,PHLX,ISE,CHX,ARCA,ISLAND,DRCTEDGE,BEX,BATS,EDGEA,BYX,IEX,EDGX,FOXRIVER,PEARLEQ,NYSENAT,LTSE,MEMX,IBEOS,OVERNIGHT,TPLUS0,PSX";
const STOCK_ORDER_TYPES: &str = "ACTIVETIM,AD,ADJUST,ALERT,ALGO,ALLOC,AON,AVGCOST,BASKET,BENCHPX,CASHQTY,COND,CONDORDER,DARKONLY,DARKPOLL,DAY,DEACT,DEACTDIS,DEACTEOD,DIS,DUR,GAT,GTC,GTD,GTT,HID,IBKRATS,ICE,IMB,IOC,LIT,LMT,LOC,MIDPX,MIT,MKT,MOC,MTL,NGCOMB,NODARK,NONALGO,OCA,OPG,OPGREROUT,PEGBENCH,PEGMID,POSTATS,POSTONLY,PREOPGRTH,PRICECHK,REL,REL2MID,RELPCTOFS,RPI,RTH,SCALE,SCALEODD,SCALERST,SIZECHK,SNAPMID,SNAPMKT,SNAPREL,STP,STPLMT,SWEEP,TRAIL,TRAILLIT,TRAILLMT,TRAILMIT,WHATIF";
const OPTION_EXCHANGES: &str = "SMART,AMEX,CBOE,PHLX,PSE,ISE,BOX,BATS,NASDAQOM,CBOE2,NASDAQBX,MIAX,GEMINI,EDGX,MERCURY,PEARL,EMERALD,MEMX,IBUSOPT";
const OPTION_ORDER_TYPES: &str = "ACTIVETIM,AD,ADJUST,ALERT,ALLOC,AVGCOST,BASKET,COND,CONDORDER,DAY,DEACT,DEACTDIS,DEACTEOD,DIS,GAT,GTC,GTD,GTT,HID,ICE,IOC,LIT,LMT,MIT,MKT,MTL,NGCOMB,NONALGO,OCA,OPENCLOSE,PEGMIDVOL,PEGMKTVOL,PEGPRMVOL,PEGSRFVOL,POSTONLY,PRICECHK,REL,REL2MID,RELPCTOFS,SCALE,SCALERST,SIZECHK,SMARTSTG,SNAPMID,SNAPMKT,SNAPREL,STP,STPLMT,TRAIL,TRAILLIT,TRAILLMT,TRAILMIT,VOLAT,WHATIF";
const FUTURE_ORDER_TYPES: &str = "ACTIVETIM,AD,ADJUST,ALERT,ALGO,ALLOC,AVGCOST,BASKET,COND,CONDORDER,DAY,DEACT,DEACTDIS,DEACTEOD,GAT,GTC,GTD,GTT,HID,ICE,IOC,LIT,LMT,LTH,MIT,MKT,MTL,NGCOMB,NONALGO,OCA,SCALE,SCALERST,SNAPMID,SNAPMKT,SNAPREL,STP,STPLMT,TRAIL,TRAILLIT,TRAILLMT,TRAILMIT,WHATIF";
const CASH_ORDER_TYPES: &str = "ACTIVETIM,AD,ADJUST,ALERT,ALGO,ALLOC,AVGCOST,BASKET,CASHQTY,COND,CONDORDER,DAY,DEACT,DEACTDIS,DEACTEOD,GAT,GTC,GTD,GTT,HID,IOC,LIT,LMT,MIT,MKT,NONALGO,OCA,REL,RELPCTOFS,SCALE,SCALERST,SIZECHK,STP,STPLMT,TRAIL,TRAILLIT,TRAILLMT,TRAILMIT,WHATIF";
const BOND_ORDER_TYPES: &str = "ACTIVETIM,AD,ALERT,ALLOC,AVGCOST,BASKET,COND,CONDORDER,DAY,DEACT,DEACTDIS,DEACTEOD,GAT,GTC,GTD,GTT,IOC,LMT,MKT,NONALGO,OCA,SCALE,SCALERST,STP,STPLMT,TRAIL,TRAILLIT,TRAILLMT,TRAILMIT,WHATIF";

const STOCK_MAKERS: &[&str] = &["NSDQ", "ARCA", "BATS", "EDGX", "NYSE", "IEX", "MEMX"];
const STOCK_PRINTS: &[&str] = &["NASDAQ", "ARCA", "BATS", "EDGX", "NYSE", "IEX", "DARK"];

/// The option chain's strikes, around AAPL's start price.
pub fn aapl_strikes() -> Vec<f64> {
    (0..17).map(|i| 150.0 + 5.0 * f64::from(i)).collect()
}

fn rule_ids(rule: i32, exchanges: &str) -> String {
    exchanges
        .split(',')
        .map(|_| rule.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// All instruments, with expiries derived from `today`.
#[derive(Debug, Clone)]
pub struct Instruments {
    list: Vec<Instrument>,
}

impl Instruments {
    /// The catalogue as of `today`.
    pub fn build(today: Date) -> Instruments {
        let mut list = Vec::new();
        let stock_hours = hours(today, "0400", "2000", false);
        let stock_liquid = hours(today, "0930", "1600", false);
        let stock = |con_id,
                     symbol: &str,
                     primary,
                     long_name: &str,
                     industry,
                     category,
                     subcategory,
                     isin: &str,
                     stock_type,
                     price,
                     vol| Instrument {
            con_id,
            symbol: symbol.to_owned(),
            sec_type: "STK",
            last_trade_date: String::new(),
            last_trade_time: String::new(),
            strike: 0.0,
            right: "",
            multiplier: String::new(),
            exchange: "SMART",
            primary_exchange: primary,
            currency: "USD",
            local_symbol: symbol.to_owned(),
            trading_class: if primary == "ARCA" {
                symbol.to_owned()
            } else {
                "NMS".to_owned()
            },
            market_name: if primary == "ARCA" {
                symbol.to_owned()
            } else {
                "NMS".to_owned()
            },
            min_tick: 0.01,
            order_types: STOCK_ORDER_TYPES,
            valid_exchanges: STOCK_EXCHANGES,
            price_magnifier: 1,
            under_con_id: 0,
            long_name: long_name.to_owned(),
            contract_month: String::new(),
            industry,
            category,
            subcategory,
            time_zone_id: "US/Eastern",
            trading_hours: stock_hours.clone(),
            liquid_hours: stock_liquid.clone(),
            ev_rule: String::new(),
            ev_multiplier: 0.0,
            sec_id_list: vec![("ISIN".to_owned(), isin.to_owned())],
            agg_group: 1,
            under_symbol: String::new(),
            under_sec_type: "",
            market_rule_ids: rule_ids(26, STOCK_EXCHANGES),
            real_expiration_date: String::new(),
            stock_type,
            min_size: 0.0001,
            size_increment: 0.0001,
            suggested_size_increment: 100.0,
            bond: None,
            farm: "usfarm",
            bbo_exchange: STOCK_BBO_EXCHANGE,
            permission: Permission::Live,
            quote: QuoteModel {
                start_price: price,
                volatility: vol,
                spread_ticks: (1, 3),
                size_lots: (1, 30),
                lot: 100.0,
                trade_chance: 0.35,
                trade_lots: (1, 5),
                trade_exchanges: STOCK_PRINTS,
                market_makers: STOCK_MAKERS,
                last_only: false,
                prior_close_ratio: 0.996,
            },
        };
        list.push(stock(
            AAPL_CON_ID,
            "AAPL",
            "NASDAQ",
            "APPLE INC",
            "Technology",
            "Computers",
            "Computers",
            "US0378331005",
            "COMMON",
            189.50,
            0.25,
        ));
        list.push(stock(
            MSFT_CON_ID,
            "MSFT",
            "NASDAQ",
            "MICROSOFT CORP",
            "Technology",
            "Software",
            "Applications Software",
            "US5949181045",
            "COMMON",
            415.20,
            0.22,
        ));
        list.push(stock(
            SPY_CON_ID,
            "SPY",
            "ARCA",
            "SPDR S&P 500 ETF TRUST",
            "Funds",
            "Equity Fund",
            "Growth&Income-Large Cap",
            "US78462F1030",
            "ETF",
            598.30,
            0.15,
        ));

        // The ES index and its futures.
        let cme_hours = hours(today, "1700", "1600", true);
        let cme_liquid = hours(today, "0830", "1500", false);
        list.push(Instrument {
            con_id: ES_INDEX_CON_ID,
            symbol: "ES".to_owned(),
            sec_type: "IND",
            last_trade_date: String::new(),
            last_trade_time: String::new(),
            strike: 0.0,
            right: "",
            multiplier: String::new(),
            exchange: "CME",
            primary_exchange: "",
            currency: "USD",
            local_symbol: "ES".to_owned(),
            trading_class: "ES".to_owned(),
            market_name: "ES".to_owned(),
            min_tick: 0.01,
            order_types: "",
            valid_exchanges: "CME",
            price_magnifier: 1,
            under_con_id: 0,
            long_name: "E-mini S&P 500".to_owned(),
            contract_month: String::new(),
            industry: "Indices",
            category: "Broad Range Equity Index",
            subcategory: "*",
            time_zone_id: "US/Central",
            trading_hours: cme_hours.clone(),
            liquid_hours: cme_liquid.clone(),
            ev_rule: String::new(),
            ev_multiplier: 0.0,
            sec_id_list: Vec::new(),
            agg_group: 2,
            under_symbol: String::new(),
            under_sec_type: "",
            market_rule_ids: "1000".to_owned(),
            real_expiration_date: String::new(),
            stock_type: "",
            min_size: 1.0,
            size_increment: 1.0,
            suggested_size_increment: 1.0,
            bond: None,
            farm: "usfuture",
            bbo_exchange: "",
            permission: Permission::Live,
            quote: QuoteModel {
                start_price: 6012.35,
                volatility: 0.14,
                spread_ticks: (0, 0),
                size_lots: (0, 0),
                lot: 0.0,
                trade_chance: 1.0,
                trade_lots: (0, 0),
                trade_exchanges: &["CME"],
                market_makers: &[],
                last_only: true,
                prior_close_ratio: 0.997,
            },
        });
        const MONTH_CODES: [char; 12] =
            ['F', 'G', 'H', 'J', 'K', 'M', 'N', 'Q', 'U', 'V', 'X', 'Z'];
        let mut quarters = Vec::new();
        for n in 0..15 {
            let (y, m) = today.month_after(n);
            if m % 3 == 0 && Date::third_friday(y, m) > today && quarters.len() < 4 {
                quarters.push((y, m));
            }
        }
        for (i, &(y, m)) in quarters.iter().enumerate() {
            let expiry = Date::third_friday(y, m);
            let code = MONTH_CODES[(m - 1) as usize];
            let local = format!("ES{code}{}", y % 10);
            let carry = 1.0 + 0.012 * (i as f64 + 1.0);
            list.push(Instrument {
                con_id: 620_000_000 + (y % 100) * 100 + m as i32,
                symbol: "ES".to_owned(),
                sec_type: "FUT",
                last_trade_date: expiry.ymd(),
                last_trade_time: "08:30".to_owned(),
                strike: 0.0,
                right: "",
                multiplier: "50".to_owned(),
                exchange: "CME",
                primary_exchange: "",
                currency: "USD",
                local_symbol: local,
                trading_class: "ES".to_owned(),
                market_name: "ES".to_owned(),
                min_tick: 0.25,
                order_types: FUTURE_ORDER_TYPES,
                valid_exchanges: "CME,QBALGO",
                price_magnifier: 1,
                under_con_id: ES_INDEX_CON_ID,
                long_name: "E-mini S&P 500".to_owned(),
                contract_month: Date {
                    year: y,
                    month: m,
                    day: 1,
                }
                .ym(),
                industry: "",
                category: "",
                subcategory: "",
                time_zone_id: "US/Central",
                trading_hours: cme_hours.clone(),
                liquid_hours: cme_liquid.clone(),
                ev_rule: String::new(),
                ev_multiplier: 0.0,
                sec_id_list: Vec::new(),
                agg_group: 2,
                under_symbol: "ES".to_owned(),
                under_sec_type: "IND",
                market_rule_ids: "67,67".to_owned(),
                real_expiration_date: expiry.ymd(),
                stock_type: "",
                min_size: 1.0,
                size_increment: 1.0,
                suggested_size_increment: 1.0,
                bond: None,
                farm: "usfuture",
                bbo_exchange: "",
                permission: Permission::Live,
                quote: QuoteModel {
                    start_price: (6012.35 * carry * 4.0).round() / 4.0,
                    volatility: 0.14,
                    spread_ticks: (1, 2),
                    size_lots: (5, 120),
                    lot: 1.0,
                    trade_chance: if i == 0 { 0.6 } else { 0.15 },
                    trade_lots: (1, 12),
                    trade_exchanges: &["CME"],
                    market_makers: &[],
                    last_only: false,
                    prior_close_ratio: 0.997,
                },
            });
        }

        list.push(Instrument {
            con_id: EURUSD_CON_ID,
            symbol: "EUR".to_owned(),
            sec_type: "CASH",
            last_trade_date: String::new(),
            last_trade_time: String::new(),
            strike: 0.0,
            right: "",
            multiplier: String::new(),
            exchange: "IDEALPRO",
            primary_exchange: "",
            currency: "USD",
            local_symbol: "EUR.USD".to_owned(),
            trading_class: "EUR.USD".to_owned(),
            market_name: "EUR.USD".to_owned(),
            min_tick: 0.00005,
            order_types: CASH_ORDER_TYPES,
            valid_exchanges: "IDEALPRO",
            price_magnifier: 1,
            under_con_id: 0,
            long_name: "European Monetary Union Euro".to_owned(),
            contract_month: String::new(),
            industry: "",
            category: "",
            subcategory: "",
            time_zone_id: "US/Eastern",
            trading_hours: hours(today, "1715", "1700", true),
            liquid_hours: hours(today, "1715", "1700", true),
            ev_rule: String::new(),
            ev_multiplier: 0.0,
            sec_id_list: Vec::new(),
            agg_group: 4,
            under_symbol: String::new(),
            under_sec_type: "",
            market_rule_ids: "239".to_owned(),
            real_expiration_date: String::new(),
            stock_type: "",
            min_size: 1.0,
            size_increment: 1.0,
            suggested_size_increment: 25_000.0,
            bond: None,
            farm: "cashfarm",
            bbo_exchange: "",
            permission: Permission::Live,
            quote: QuoteModel {
                start_price: 1.0842,
                volatility: 0.08,
                spread_ticks: (1, 2),
                size_lots: (1, 15),
                lot: 1_000_000.0,
                trade_chance: 0.0,
                trade_lots: (0, 0),
                trade_exchanges: &[],
                market_makers: &[],
                last_only: false,
                prior_close_ratio: 1.001,
            },
        });

        // The AAPL option chain: the next three monthly expiries.
        let mut expiries = Vec::new();
        for n in 0..4 {
            let (y, m) = today.month_after(n);
            let expiry = Date::third_friday(y, m);
            if expiry > today && expiries.len() < 3 {
                expiries.push(expiry);
            }
        }
        let opt_hours = hours(today, "0930", "1600", false);
        for (e, expiry) in expiries.iter().enumerate() {
            for (s, &strike) in aapl_strikes().iter().enumerate() {
                for (r, right) in ["C", "P"].into_iter().enumerate() {
                    let local = format!(
                        "AAPL  {:02}{:02}{:02}{right}{:08}",
                        expiry.year % 100,
                        expiry.month,
                        expiry.day,
                        (strike * 1000.0).round() as i64
                    );
                    list.push(Instrument {
                        con_id: 700_000_000 + (e as i32) * 10_000 + (s as i32) * 10 + r as i32,
                        symbol: "AAPL".to_owned(),
                        sec_type: "OPT",
                        last_trade_date: expiry.ymd(),
                        last_trade_time: "16:00".to_owned(),
                        strike,
                        right,
                        multiplier: "100".to_owned(),
                        exchange: "SMART",
                        primary_exchange: "",
                        currency: "USD",
                        local_symbol: local,
                        trading_class: "AAPL".to_owned(),
                        market_name: "AAPL".to_owned(),
                        min_tick: 0.01,
                        order_types: OPTION_ORDER_TYPES,
                        valid_exchanges: OPTION_EXCHANGES,
                        price_magnifier: 1,
                        under_con_id: AAPL_CON_ID,
                        long_name: "APPLE INC".to_owned(),
                        contract_month: expiry.ym(),
                        industry: "Technology",
                        category: "Computers",
                        subcategory: "Computers",
                        time_zone_id: "US/Eastern",
                        trading_hours: opt_hours.clone(),
                        liquid_hours: opt_hours.clone(),
                        ev_rule: String::new(),
                        ev_multiplier: 0.0,
                        sec_id_list: Vec::new(),
                        agg_group: 7,
                        under_symbol: "AAPL".to_owned(),
                        under_sec_type: "STK",
                        market_rule_ids: rule_ids(110, OPTION_EXCHANGES),
                        real_expiration_date: expiry.ymd(),
                        stock_type: "",
                        min_size: 1.0,
                        size_increment: 1.0,
                        suggested_size_increment: 1.0,
                        bond: None,
                        farm: "usopt",
                        bbo_exchange: OPTION_BBO_EXCHANGE,
                        permission: Permission::Live,
                        quote: QuoteModel {
                            start_price: 0.0,
                            volatility: 0.27,
                            spread_ticks: (1, 4),
                            size_lots: (1, 60),
                            lot: 1.0,
                            trade_chance: 0.05,
                            trade_lots: (1, 10),
                            trade_exchanges: &["CBOE", "PHLX", "ISE", "AMEX", "BOX"],
                            market_makers: &[],
                            last_only: false,
                            prior_close_ratio: 1.0,
                        },
                    });
                }
            }
        }

        let bond_hours = hours(today, "0800", "1700", false);
        list.push(Instrument {
            con_id: BOND_CON_ID,
            symbol: "US-T".to_owned(),
            sec_type: "BOND",
            last_trade_date: "20301130".to_owned(),
            last_trade_time: String::new(),
            strike: 0.0,
            right: "",
            multiplier: String::new(),
            exchange: "SMART",
            primary_exchange: "",
            currency: "USD",
            local_symbol: "91282CJL6".to_owned(),
            trading_class: "US-T".to_owned(),
            market_name: "US-T".to_owned(),
            min_tick: 0.0001,
            order_types: BOND_ORDER_TYPES,
            valid_exchanges: "SMART,BONDDESK,TRADEWEB,VALUBOND",
            price_magnifier: 1,
            under_con_id: 0,
            long_name: "United States Treasury".to_owned(),
            contract_month: String::new(),
            industry: "Government",
            category: "US Government",
            subcategory: "US Treasury Note",
            time_zone_id: "US/Eastern",
            trading_hours: bond_hours.clone(),
            liquid_hours: bond_hours,
            ev_rule: String::new(),
            ev_multiplier: 0.0,
            sec_id_list: vec![
                ("CUSIP".to_owned(), "91282CJL6".to_owned()),
                ("ISIN".to_owned(), "US91282CJL62".to_owned()),
            ],
            agg_group: 3,
            under_symbol: String::new(),
            under_sec_type: "",
            market_rule_ids: rule_ids(557, "SMART,BONDDESK,TRADEWEB,VALUBOND"),
            real_expiration_date: String::new(),
            stock_type: "",
            min_size: 1000.0,
            size_increment: 1000.0,
            suggested_size_increment: 1000.0,
            bond: Some(BondFields {
                cusip: "91282CJL6".to_owned(),
                coupon: 4.375,
                maturity: "20301130".to_owned(),
                issue_date: "20231130".to_owned(),
                ratings: "AA+".to_owned(),
                bond_type: "GOVT".to_owned(),
                coupon_type: "FIXED".to_owned(),
                convertible: false,
                callable: false,
                putable: false,
                desc_append: "T 4 3/8 11/30/30".to_owned(),
                next_option_date: String::new(),
                next_option_type: String::new(),
                next_option_partial: false,
                notes: String::new(),
            }),
            farm: "usfarm",
            bbo_exchange: "",
            permission: Permission::NoSubscription,
            quote: QuoteModel {
                start_price: 100.8125,
                volatility: 0.05,
                spread_ticks: (20, 60),
                size_lots: (10, 500),
                lot: 1000.0,
                trade_chance: 0.03,
                trade_lots: (10, 100),
                trade_exchanges: &["TRADEWEB", "BONDDESK"],
                market_makers: &[],
                last_only: false,
                prior_close_ratio: 1.0004,
            },
        });
        Instruments { list }
    }

    /// Every instrument, in catalogue order.
    pub fn all(&self) -> &[Instrument] {
        &self.list
    }

    /// The instrument at this catalogue index.
    pub fn get(&self, index: usize) -> &Instrument {
        &self.list[index]
    }

    /// The catalogue index of a conId.
    pub fn index_of(&self, con_id: i32) -> Option<usize> {
        self.list.iter().position(|i| i.con_id == con_id)
    }

    /// Overrides the permission of every instrument whose symbol or local
    /// symbol is `name` (any case).
    pub fn set_permission(&mut self, name: &str, permission: Permission) {
        for i in &mut self.list {
            if i.symbol.eq_ignore_ascii_case(name) || i.local_symbol.eq_ignore_ascii_case(name) {
                i.permission = permission;
            }
        }
    }

    /// The catalogue indices of every instrument `query` describes (the rows
    /// of reqContractDetails), in catalogue order.
    pub fn find(&self, query: &ContractQuery) -> Vec<usize> {
        if query.is_empty() {
            return Vec::new();
        }
        (0..self.list.len())
            .filter(|&i| matches(&self.list[i], query))
            .collect()
    }

    /// The one instrument `query` describes (market data, depth, bars ...).
    pub fn resolve(&self, query: &ContractQuery) -> Result<usize, Unresolved> {
        match self.find(query).as_slice() {
            [] => Err(Unresolved::Unknown),
            [one] => Ok(*one),
            _ => Err(Unresolved::Ambiguous),
        }
    }

    /// reqMatchingSymbols: underlyings whose symbol starts with `pattern` or
    /// whose long name contains it (any case), at most 16, symbol matches first.
    pub fn matching_symbols(&self, pattern: &str) -> Vec<SymbolSample> {
        let pattern = pattern.trim().to_ascii_uppercase();
        if pattern.is_empty() {
            return Vec::new();
        }
        let underlyings = self
            .list
            .iter()
            .filter(|i| matches!(i.sec_type, "STK" | "IND" | "CASH" | "BOND"));
        let (mut by_symbol, mut by_name): (Vec<_>, Vec<_>) = underlyings
            .filter(|i| {
                i.symbol.to_ascii_uppercase().starts_with(&pattern)
                    || i.long_name.to_ascii_uppercase().contains(&pattern)
            })
            .partition(|i| i.symbol.to_ascii_uppercase().starts_with(&pattern));
        by_symbol.append(&mut by_name);
        by_symbol
            .into_iter()
            .take(16)
            .map(|i| {
                let mut derivative_sec_types: Vec<&'static str> = Vec::new();
                for d in self.list.iter().filter(|d| d.under_con_id == i.con_id) {
                    if !derivative_sec_types.contains(&d.sec_type) {
                        derivative_sec_types.push(d.sec_type);
                    }
                }
                if i.sec_type == "STK" {
                    for extra in ["CFD", "OPT", "IOPT", "WAR", "BAG"] {
                        if !derivative_sec_types.contains(&extra) {
                            derivative_sec_types.push(extra);
                        }
                    }
                }
                SymbolSample {
                    con_id: i.con_id,
                    symbol: i.symbol.clone(),
                    sec_type: i.sec_type,
                    primary_exchange: if i.primary_exchange.is_empty() {
                        i.exchange
                    } else {
                        i.primary_exchange
                    },
                    currency: i.currency,
                    derivative_sec_types,
                    description: i.long_name.clone(),
                }
            })
            .collect()
    }

    /// reqSecDefOptParams: one row per exchange of the options on the
    /// underlying (`fut_fop_exchange` empty for stock options); empty when
    /// the underlying is unknown or has no options.
    pub fn option_chains(
        &self,
        underlying_symbol: &str,
        fut_fop_exchange: &str,
        underlying_sec_type: &str,
        underlying_con_id: i32,
    ) -> Vec<OptionChain> {
        let Some(under) = self.list.iter().find(|i| {
            i.con_id == underlying_con_id
                && i.symbol.eq_ignore_ascii_case(underlying_symbol)
                && i.sec_type.eq_ignore_ascii_case(underlying_sec_type)
        }) else {
            return Vec::new();
        };
        let options: Vec<&Instrument> = self
            .list
            .iter()
            .filter(|o| o.is_option() && o.under_con_id == under.con_id)
            .collect();
        let Some(first) = options.first() else {
            return Vec::new();
        };
        let mut expirations: Vec<String> =
            options.iter().map(|o| o.last_trade_date.clone()).collect();
        expirations.sort();
        expirations.dedup();
        let mut strikes: Vec<f64> = options.iter().map(|o| o.strike).collect();
        strikes.sort_by(f64::total_cmp);
        strikes.dedup();
        first
            .valid_exchanges
            .split(',')
            .filter(|e| fut_fop_exchange.is_empty() || e.eq_ignore_ascii_case(fut_fop_exchange))
            .map(|exchange| OptionChain {
                exchange: exchange.to_owned(),
                underlying_con_id: under.con_id,
                trading_class: first.trading_class.clone(),
                multiplier: first.multiplier.clone(),
                expirations: expirations.clone(),
                strikes: strikes.clone(),
            })
            .collect()
    }
}

fn same(given: &str, have: &str) -> bool {
    given.trim().is_empty() || given.trim().eq_ignore_ascii_case(have)
}

fn matches(i: &Instrument, q: &ContractQuery) -> bool {
    if q.con_id > 0 && q.con_id != i.con_id {
        return false;
    }
    let date = q.last_trade_date_or_contract_month.trim();
    let date_ok = match date.len() {
        0 => true,
        6 => i.contract_month == date || i.last_trade_date.starts_with(date),
        _ => i.last_trade_date == date.get(..8).unwrap_or(date),
    };
    let strike_ok =
        q.strike == 0.0 || q.strike == UNSET_DOUBLE || (q.strike - i.strike).abs() < 1e-9;
    let right_ok = match q.right.trim().to_ascii_uppercase().as_str() {
        "" | "?" => true,
        "C" | "CALL" => i.right == "C",
        "P" | "PUT" => i.right == "P",
        _ => false,
    };
    let multiplier_ok = q.multiplier.trim().is_empty()
        || q.multiplier.trim().parse::<f64>().ok() == i.multiplier.parse::<f64>().ok();
    let exchange_ok = q.exchange.trim().is_empty() || i.trades_on(q.exchange.trim());
    let primary_ok = q.primary_exchange.trim().is_empty()
        || q.primary_exchange
            .trim()
            .eq_ignore_ascii_case(i.primary_exchange);
    let local_ok = q.local_symbol.trim().is_empty()
        || q.local_symbol
            .split_whitespace()
            .eq(i.local_symbol.split_whitespace());
    let sec_id_ok = q.sec_id.trim().is_empty()
        || i.sec_id_list
            .iter()
            .any(|(t, v)| same(&q.sec_id_type, t) && v.eq_ignore_ascii_case(q.sec_id.trim()));
    same(&q.symbol, &i.symbol)
        && same(&q.sec_type, i.sec_type)
        && date_ok
        && strike_ok
        && right_ok
        && multiplier_ok
        && exchange_ok
        && primary_ok
        && same(&q.currency, i.currency)
        && local_ok
        && same(&q.trading_class, &i.trading_class)
        && sec_id_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: Date = Date {
        year: 2026,
        month: 12,
        day: 1,
    };

    fn catalogue() -> Instruments {
        Instruments::build(TODAY)
    }

    #[test]
    fn dates() {
        assert_eq!(Date::from_unix_secs(1_709_219_045).ymd(), "20240229");
        assert_eq!(TODAY.weekday(), 1); // a Tuesday
        assert_eq!(Date::third_friday(2026, 12).ymd(), "20261218");
        assert_eq!(Date::third_friday(2027, 3).ymd(), "20270319");
        assert_eq!(Date::from_unix_secs(TODAY.unix_at_hour(0)), TODAY);
    }

    #[test]
    fn resolves_stocks_by_symbol_and_con_id() {
        let c = catalogue();
        let aapl = c.resolve(&ContractQuery::new("AAPL", "STK", "SMART", "USD"));
        assert_eq!(c.get(aapl.unwrap()).con_id, AAPL_CON_ID);
        let by_id = c.resolve(&ContractQuery::by_con_id(MSFT_CON_ID, "SMART"));
        assert_eq!(c.get(by_id.unwrap()).symbol, "MSFT");
        let spy = c.get(
            c.resolve(&ContractQuery::new("spy", "stk", "", ""))
                .unwrap(),
        );
        assert_eq!((spy.stock_type, spy.primary_exchange), ("ETF", "ARCA"));
        assert_eq!(
            c.resolve(&ContractQuery::new("NOPE", "STK", "SMART", "USD")),
            Err(Unresolved::Unknown)
        );
        // An exchange AAPL does not trade on.
        assert_eq!(
            c.resolve(&ContractQuery::new("AAPL", "STK", "CME", "USD")),
            Err(Unresolved::Unknown)
        );
        assert!(c.find(&ContractQuery::default()).is_empty());
    }

    #[test]
    fn futures_months_and_ambiguity() {
        let c = catalogue();
        let all = c.find(&ContractQuery::new("ES", "FUT", "CME", "USD"));
        assert_eq!(all.len(), 4);
        let months: Vec<&str> = all
            .iter()
            .map(|&i| c.get(i).local_symbol.as_str())
            .collect();
        assert_eq!(months, ["ESZ6", "ESH7", "ESM7", "ESU7"]);
        assert_eq!(
            c.resolve(&ContractQuery::new("ES", "FUT", "CME", "USD")),
            Err(Unresolved::Ambiguous)
        );
        let mut q = ContractQuery::new("ES", "FUT", "CME", "USD");
        q.last_trade_date_or_contract_month = "202703".into();
        let march = c.get(c.resolve(&q).unwrap());
        assert_eq!(march.last_trade_date, "20270319");
        assert_eq!(march.under_con_id, ES_INDEX_CON_ID);
        assert_eq!(march.market_rule().increment_at(6000.0), 0.25);
    }

    #[test]
    fn option_chain() {
        let c = catalogue();
        let mut q = ContractQuery::new("AAPL", "OPT", "SMART", "USD");
        assert_eq!(c.find(&q).len(), 3 * 17 * 2);
        q.last_trade_date_or_contract_month = "20261218".into();
        q.strike = 190.0;
        q.right = "C".into();
        let call = c.get(c.resolve(&q).unwrap());
        assert_eq!(call.local_symbol, "AAPL  261218C00190000");
        let by_local = ContractQuery {
            local_symbol: "AAPL  261218C00190000".into(),
            sec_type: "OPT".into(),
            ..ContractQuery::default()
        };
        assert_eq!(c.get(c.resolve(&by_local).unwrap()).con_id, call.con_id);
        let chains = c.option_chains("AAPL", "", "STK", AAPL_CON_ID);
        assert_eq!(chains.len(), OPTION_EXCHANGES.split(',').count());
        assert_eq!(chains[0].exchange, "SMART");
        assert_eq!(chains[0].expirations, ["20261218", "20270115", "20270219"]);
        assert_eq!(chains[0].strikes, aapl_strikes());
        assert_eq!(c.option_chains("AAPL", "CBOE", "STK", AAPL_CON_ID).len(), 1);
        assert!(c.option_chains("AAPL", "", "STK", 1).is_empty());
        assert!(c.option_chains("MSFT", "", "STK", MSFT_CON_ID).is_empty());
        let rule = call.market_rule();
        assert_eq!(
            (rule.increment_at(2.5), rule.increment_at(7.0)),
            (0.01, 0.05)
        );
    }

    #[test]
    fn matching_symbols_and_reference_data() {
        let c = catalogue();
        let found = c.matching_symbols("aa");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].con_id, AAPL_CON_ID);
        assert!(found[0].derivative_sec_types.contains(&"OPT"));
        let es = c.matching_symbols("ES");
        assert_eq!(es[0].sec_type, "IND");
        assert_eq!(es[0].derivative_sec_types, ["FUT"]);
        assert_eq!(c.matching_symbols("micro")[0].symbol, "MSFT");
        assert!(c.matching_symbols("").is_empty());
        assert!(c.matching_symbols("ZZZZ").is_empty());
        // Every rule id an instrument names exists.
        for i in c.all() {
            for id in i.market_rule_ids.split(',') {
                assert!(market_rule(id.parse().unwrap()).is_some(), "{id}");
            }
            assert!(i.trades_on(i.exchange), "{}", i.local_symbol);
        }
        let parts = smart_components(STOCK_BBO_EXCHANGE).unwrap();
        assert_eq!(parts[0].exchange, "NYSE");
        assert!(smart_components("nope").is_none());
        assert!(!depth_exchanges().is_empty());
        assert_eq!(
            family_codes(&["DU123456".to_owned()]),
            [("DU123456".to_owned(), "F123456".to_owned())]
        );
        let bond = c.get(
            c.resolve(&ContractQuery::by_con_id(BOND_CON_ID, ""))
                .unwrap(),
        );
        assert_eq!(bond.bond.as_ref().unwrap().cusip, "91282CJL6");
        let by_cusip = ContractQuery {
            sec_id_type: "CUSIP".into(),
            sec_id: "91282CJL6".into(),
            ..ContractQuery::default()
        };
        assert_eq!(
            c.resolve(&by_cusip),
            c.index_of(BOND_CON_ID).ok_or(Unresolved::Unknown)
        );
        assert!(c.get(0).trading_hours.contains("20261205:CLOSED"));
    }
}
