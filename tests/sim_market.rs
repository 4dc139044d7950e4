//! The simulator's instruments and market over a raw socket, using only
//! `tws::wire` and `tws::protocol`: contract and reference data, market
//! data, depth, tick-by-tick, real-time bars and their errors, in text and
//! in protobuf form.

use std::io::{self, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use tws::protocol::contract::Contract;
use tws::protocol::handshake::{client_hello, parse_server_hello};
use tws::protocol::instruments::{
    ReqContractDetails, ReqFamilyCodes, ReqMarketRule, ReqMatchingSymbols, ReqMktDepthExchanges,
    ReqSecDefOptParams, ReqSmartComponents,
};
use tws::protocol::market_data::{
    CancelMktData, CancelMktDepth, CancelTickByTickData, ReqCalcImpliedVolatility,
    ReqCalcOptionPrice, ReqMarketDataType, ReqMktData, ReqMktDepth, ReqRealTimeBars,
    ReqTickByTickData,
};
use tws::protocol::messages::{ErrorMessage, StartApi};
use tws::protocol::{Incoming, RawMessage, Request};
use tws::sim::{self, Permission, SimConfig, SimHandle};
use tws::wire::{FrameSplitter, DEFAULT_MAX_FRAME_LEN};

/// A text-only version and the simulator's default (protobuf for most of
/// these requests and replies).
const VERSIONS: &[i32] = &[176, 222];
const TIMEOUT: Duration = Duration::from_secs(15);

fn start(server_version: i32, tweak: impl FnOnce(&mut SimConfig)) -> SimHandle {
    let mut config = SimConfig {
        server_version,
        quiet: true,
        summary_refresh: None,
        ..SimConfig::default()
    };
    tweak(&mut config);
    sim::start(config).expect("simulator starts")
}

struct Peer {
    stream: TcpStream,
    splitter: FrameSplitter,
    version: i32,
}

impl Peer {
    /// Handshake, startApi and the startup sequence.
    fn connect(sim: &SimHandle) -> Peer {
        let mut stream = TcpStream::connect(sim.addr()).unwrap();
        stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        stream.write_all(&client_hello(100, 226, "")).unwrap();
        let mut peer = Peer {
            stream,
            splitter: FrameSplitter::new(DEFAULT_MAX_FRAME_LEN),
            version: 0,
        };
        let answer = peer.frame();
        peer.version = parse_server_hello(&answer).unwrap().0;
        peer.send(Request::StartApi(StartApi {
            client_id: 0,
            optional_capabilities: String::new(),
        }));
        for _ in 0..5 {
            peer.recv(); // managedAccounts, nextValidId, three farm notices
        }
        peer
    }

    fn send(&mut self, request: Request) {
        let mut out = Vec::new();
        request.encode(self.version, &mut out).unwrap();
        self.stream.write_all(&out).unwrap();
    }

    fn frame(&mut self) -> Vec<u8> {
        loop {
            if let Some(frame) = self.splitter.next_frame().unwrap() {
                return frame.to_vec();
            }
            match self.splitter.read_from(&mut self.stream) {
                Ok(0) => panic!("the simulator closed the connection"),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => panic!("no message in time"),
                Err(e) => panic!("read failed: {e}"),
            }
        }
    }

    fn recv(&mut self) -> Incoming {
        let frame = self.frame();
        let raw = RawMessage::split(&frame, self.version).unwrap();
        Incoming::decode(&raw, self.version)
            .unwrap()
            .unwrap_or_else(|| panic!("unknown message id {}", raw.id))
    }

    /// The first message `pick` accepts, skipping the others (ticks of
    /// other subscriptions, notices).
    fn until<T>(&mut self, what: &str, mut pick: impl FnMut(&Incoming) -> Option<T>) -> T {
        let deadline = Instant::now() + TIMEOUT;
        while Instant::now() < deadline {
            let msg = self.recv();
            if let Some(found) = pick(&msg) {
                return found;
            }
        }
        panic!("no {what} in time");
    }

    /// The next error for `req_id`.
    fn error_for(&mut self, req_id: i32) -> ErrorMessage {
        self.until("error", |m| match m {
            Incoming::Error(e) if e.req_id == req_id => Some(e.clone()),
            _ => None,
        })
    }
}

fn contract(symbol: &str, sec_type: &str, exchange: &str) -> Box<Contract> {
    Box::new(Contract {
        symbol: symbol.into(),
        sec_type: sec_type.into(),
        exchange: exchange.into(),
        currency: "USD".into(),
        ..Contract::default()
    })
}

fn mkt_data(req_id: i32, contract: Box<Contract>, snapshot: bool) -> Request {
    Request::ReqMktData(ReqMktData {
        req_id,
        contract,
        generic_tick_list: String::new(),
        snapshot,
        regulatory_snapshot: false,
        mkt_data_options: Vec::new(),
    })
}

#[test]
fn reference_data_at_each_form() {
    for &version in VERSIONS {
        let sim = start(version, |_| {});
        let mut peer = Peer::connect(&sim);

        peer.send(Request::ReqMatchingSymbols(ReqMatchingSymbols {
            req_id: 1,
            pattern: "AAP".into(),
        }));
        let Incoming::SymbolSamples(samples) = peer.recv() else {
            panic!("symbolSamples expected at {version}")
        };
        assert_eq!(samples.req_id, 1);
        let aapl = &samples.descriptions[0];
        assert_eq!(
            (aapl.contract.con_id, aapl.contract.symbol.as_str()),
            (265_598, "AAPL")
        );
        assert_eq!(aapl.contract.primary_exchange, "NASDAQ");
        assert!(aapl.derivative_sec_types.iter().any(|t| t == "OPT"));

        peer.send(Request::ReqSecDefOptParams(ReqSecDefOptParams {
            req_id: 2,
            underlying_symbol: "AAPL".into(),
            fut_fop_exchange: "".into(),
            underlying_sec_type: "STK".into(),
            underlying_con_id: 265_598,
        }));
        let mut rows = Vec::new();
        loop {
            match peer.recv() {
                Incoming::SecDefOptParameter(p) => rows.push(p),
                Incoming::SecDefOptParameterEnd(end) => {
                    assert_eq!(end.req_id, 2);
                    break;
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        assert!(rows.len() > 10, "a row per exchange");
        assert_eq!(rows[0].exchange, "SMART");
        assert_eq!(rows[0].trading_class, "AAPL");
        assert_eq!(rows[0].multiplier, "100");
        assert_eq!(rows[0].expirations.len(), 3);
        assert_eq!(rows[0].strikes.len(), 17);
        assert!(rows[0].strikes.contains(&190.0));

        // An unknown underlying: error 200.
        peer.send(Request::ReqSecDefOptParams(ReqSecDefOptParams {
            req_id: 3,
            underlying_symbol: "NOPE".into(),
            fut_fop_exchange: "".into(),
            underlying_sec_type: "STK".into(),
            underlying_con_id: 42,
        }));
        assert_eq!(peer.error_for(3).code, 200);

        peer.send(Request::ReqMarketRule(ReqMarketRule {
            market_rule_id: 110,
        }));
        let Incoming::MarketRule(rule) = peer.recv() else {
            panic!("marketRule expected")
        };
        assert_eq!(rule.market_rule_id, 110);
        let steps: Vec<(f64, f64)> = rule
            .price_increments
            .iter()
            .map(|p| (p.low_edge, p.increment))
            .collect();
        assert_eq!(steps, [(0.0, 0.01), (3.0, 0.05)]);

        peer.send(Request::ReqSmartComponents(ReqSmartComponents {
            req_id: 4,
            bbo_exchange: "9c0001".into(),
        }));
        let Incoming::SmartComponents(parts) = peer.recv() else {
            panic!("smartComponents expected")
        };
        assert_eq!(parts.req_id, 4);
        assert_eq!(parts.components.len(), 10);
        assert_eq!(
            (
                parts.components[0].bit_number,
                parts.components[0].exchange.as_str(),
                parts.components[0].exchange_letter.as_str()
            ),
            (1, "NYSE", "N")
        );

        peer.send(Request::ReqMktDepthExchanges(ReqMktDepthExchanges {}));
        let Incoming::MktDepthExchanges(depth) = peer.recv() else {
            panic!("mktDepthExchanges expected")
        };
        assert!(depth
            .descriptions
            .iter()
            .any(|d| d.exchange == "ISLAND" && d.sec_type == "STK"));

        peer.send(Request::ReqFamilyCodes(ReqFamilyCodes {}));
        let Incoming::FamilyCodes(codes) = peer.recv() else {
            panic!("familyCodes expected")
        };
        assert_eq!(codes.family_codes.len(), 1);
        assert_eq!(codes.family_codes[0].account_id, "DU123456");
        assert_eq!(codes.family_codes[0].family_code, "F123456");

        // Unknown contract details: error 200 and no end marker (the next
        // message is the answer to the next request).
        peer.send(Request::ReqContractDetails(ReqContractDetails {
            req_id: 5,
            contract: contract("NOPE", "STK", "SMART"),
        }));
        peer.send(Request::ReqMarketRule(ReqMarketRule { market_rule_id: 26 }));
        match peer.recv() {
            Incoming::Error(e) => assert_eq!((e.req_id, e.code), (5, 200)),
            other => panic!("expected error 200, got {other:?}"),
        }
        assert!(matches!(peer.recv(), Incoming::MarketRule(r) if r.market_rule_id == 26));
    }
}

#[test]
fn market_data_lines_and_their_errors() {
    for &version in VERSIONS {
        let sim = start(version, |c| {
            c.max_tickers = 2;
            c.market_data_rate = 20;
            c.market_data_permissions = vec![("MSFT".into(), Permission::ApiSubscriptionMissing)];
        });
        let mut peer = Peer::connect(&sim);
        peer.send(mkt_data(1, contract("AAPL", "STK", "SMART"), false));
        // tickReqParams comes first.
        match peer.recv() {
            Incoming::TickReqParams(p) => {
                assert_eq!(p.req_id, 1);
                assert_eq!(p.min_tick, 0.01);
                assert_eq!(p.bbo_exchange, "9c0001");
                assert_eq!(p.snapshot_permissions, 3);
            }
            other => panic!("expected tickReqParams at {version}, got {other:?}"),
        }
        // The quote moves: sizes change and trades print (volume grows).
        let mut volumes = Vec::new();
        while volumes.len() < 3 {
            let v = peer.until("volume", |m| match m {
                Incoming::TickSize(t) if t.req_id == 1 && t.tick_type == 8 => {
                    Some(t.size.parse::<f64>().unwrap())
                }
                _ => None,
            });
            volumes.push(v);
        }
        assert!(
            volumes.windows(2).all(|w| w[0] < w[1]),
            "volume grows: {volumes:?}"
        );
        let stamp = peer.until("last timestamp", |m| match m {
            Incoming::TickString(t) if t.req_id == 1 && t.tick_type == 45 => Some(t.value.clone()),
            _ => None,
        });
        assert!(stamp.parse::<i64>().unwrap() > 1_700_000_000, "{stamp}");

        // A snapshot ends with tickSnapshotEnd and takes no line.
        peer.send(mkt_data(2, contract("SPY", "STK", "SMART"), true));
        peer.until("snapshot end", |m| match m {
            Incoming::TickSnapshotEnd(e) if e.req_id == 2 => Some(()),
            _ => None,
        });
        // Errors: unknown contract, ambiguous contract, no API subscription,
        // too many tickers, cancel of a line that is not open.
        peer.send(mkt_data(3, contract("NOPE", "STK", "SMART"), false));
        assert_eq!(peer.error_for(3).code, 200);
        peer.send(mkt_data(4, contract("ES", "FUT", "CME"), false));
        let ambiguous = peer.error_for(4);
        assert_eq!(ambiguous.code, 200);
        assert!(ambiguous.message.contains("ambiguous"), "{ambiguous:?}");
        peer.send(mkt_data(5, contract("MSFT", "STK", "SMART"), false));
        assert_eq!(peer.error_for(5).code, 10089);
        peer.send(mkt_data(6, contract("SPY", "STK", "SMART"), false));
        peer.until("spy line", |m| match m {
            Incoming::TickReqParams(p) if p.req_id == 6 => Some(()),
            _ => None,
        });
        peer.send(mkt_data(7, contract("MSFT", "STK", "SMART"), false));
        assert_eq!(peer.error_for(7).code, 101);
        peer.send(Request::CancelMktData(CancelMktData { req_id: 6 }));
        peer.send(Request::CancelMktData(CancelMktData { req_id: 6 }));
        assert_eq!(peer.error_for(6).code, 300);

        // Delayed data for the bond (no subscription): 10167, then the type.
        peer.send(mkt_data(
            8,
            Box::new(Contract {
                con_id: 650_000_001,
                exchange: "SMART".into(),
                ..Contract::default()
            }),
            false,
        ));
        assert_eq!(peer.error_for(8).code, 354);
        peer.send(Request::CancelMktData(CancelMktData { req_id: 1 }));
        peer.send(Request::ReqMarketDataType(ReqMarketDataType {
            market_data_type: 3,
        }));
        peer.send(mkt_data(9, contract("US-T", "BOND", "SMART"), false));
        assert_eq!(peer.error_for(9).code, 10167);
        let data_type = peer.until("marketDataType", |m| match m {
            Incoming::MarketDataType(t) if t.req_id == 9 => Some(t.market_data_type),
            _ => None,
        });
        assert_eq!(data_type, 3);
    }
}

#[test]
fn depth_books_and_limits() {
    for &version in VERSIONS {
        let sim = start(version, |c| c.max_depth_requests = 2);
        let mut peer = Peer::connect(&sim);
        peer.send(Request::ReqMktDepth(ReqMktDepth {
            req_id: 1,
            contract: contract("AAPL", "STK", "SMART"),
            num_rows: 5,
            is_smart_depth: true,
            mkt_depth_options: Vec::new(),
        }));
        // The whole book first: 5 inserts per side, positions 0..4.
        let mut inserts = Vec::new();
        while inserts.len() < 10 {
            match peer.recv() {
                Incoming::UpdateMktDepthL2(u) => {
                    assert_eq!(u.req_id, 1);
                    assert_eq!(u.data.operation, 0, "inserts first");
                    assert!(u.data.is_smart_depth || version < 146);
                    assert!(!u.data.market_maker.is_empty());
                    inserts.push((u.data.side, u.data.position, u.data.price));
                }
                other => panic!("expected updateMktDepthL2 at {version}, got {other:?}"),
            }
        }
        let asks: Vec<_> = inserts.iter().filter(|i| i.0 == 0).collect();
        let bids: Vec<_> = inserts.iter().filter(|i| i.0 == 1).collect();
        assert_eq!(
            asks.iter().map(|i| i.1).collect::<Vec<_>>(),
            [0, 1, 2, 3, 4]
        );
        assert_eq!(
            bids.iter().map(|i| i.1).collect::<Vec<_>>(),
            [0, 1, 2, 3, 4]
        );
        assert!(bids[0].2 < asks[0].2, "best bid below best ask");

        // A futures book is L1.
        let mut es = contract("ES", "FUT", "CME");
        es.last_trade_date_or_contract_month = "20261218".into();
        peer.send(Request::ReqMktDepth(ReqMktDepth {
            req_id: 2,
            contract: es.clone(),
            num_rows: 3,
            is_smart_depth: false,
            mkt_depth_options: Vec::new(),
        }));
        peer.until("an L1 row", |m| match m {
            Incoming::UpdateMktDepth(u) if u.req_id == 2 => Some(()),
            _ => None,
        });
        peer.send(Request::ReqMktDepth(ReqMktDepth {
            req_id: 3,
            contract: es,
            num_rows: 3,
            is_smart_depth: false,
            mkt_depth_options: Vec::new(),
        }));
        assert_eq!(peer.error_for(3).code, 309);
        // The book changes: updates follow.
        peer.until("an update", |m| match m {
            Incoming::UpdateMktDepthL2(u) if u.req_id == 1 && u.data.operation == 1 => Some(()),
            _ => None,
        });
        peer.send(Request::CancelMktDepth(CancelMktDepth {
            req_id: 1,
            is_smart_depth: true,
        }));
    }
}

#[test]
fn real_time_bars_every_five_seconds() {
    let sim = start(222, |_| {});
    let mut peer = Peer::connect(&sim);
    peer.send(Request::ReqRealTimeBars(ReqRealTimeBars {
        req_id: 1,
        contract: contract("AAPL", "STK", "SMART"),
        bar_size: 5,
        what_to_show: "TRADES".into(),
        use_rth: false,
        real_time_bars_options: Vec::new(),
    }));
    let bar = peer.until("a bar", |m| match m {
        Incoming::RealTimeBar(b) => Some(b.clone()),
        _ => None,
    });
    assert_eq!(bar.req_id, 1);
    assert_eq!(bar.time % 5, 0);
    assert!(bar.low <= bar.open && bar.open <= bar.high);
    assert!(bar.low <= bar.close && bar.close <= bar.high);
    assert!(bar.low > 100.0 && bar.high < 300.0, "{bar:?}");
    // A bar size other than 5 seconds is refused.
    peer.send(Request::ReqRealTimeBars(ReqRealTimeBars {
        req_id: 2,
        contract: contract("AAPL", "STK", "SMART"),
        bar_size: 10,
        what_to_show: "TRADES".into(),
        use_rth: false,
        real_time_bars_options: Vec::new(),
    }));
    assert_eq!(peer.error_for(2).code, 321);
}

/// The book a fresh connection sees first (quotes standing still).
fn first_book(sim: &SimHandle) -> Vec<(i32, i32, f64, String, String)> {
    let mut peer = Peer::connect(sim);
    peer.send(Request::ReqMktDepth(ReqMktDepth {
        req_id: 1,
        contract: contract("MSFT", "STK", "SMART"),
        num_rows: 10,
        is_smart_depth: true,
        mkt_depth_options: Vec::new(),
    }));
    let mut rows = Vec::new();
    while rows.len() < 16 {
        if let Incoming::UpdateMktDepthL2(u) = peer.recv() {
            let d = u.data;
            rows.push((
                d.side,
                d.position,
                d.price,
                d.size.to_string(),
                d.market_maker.to_string(),
            ));
        }
    }
    rows
}

#[test]
fn the_seed_decides_the_market() {
    let config = |seed| {
        move |c: &mut SimConfig| {
            c.seed = seed;
            c.market_data_rate = 0;
        }
    };
    let a = start(222, config(5));
    let b = start(176, config(5));
    let c = start(222, config(6));
    let book = first_book(&a);
    assert_eq!(book, first_book(&a), "a second connection sees the same");
    assert_eq!(
        book,
        first_book(&b),
        "and so does another simulator, in text"
    );
    assert_ne!(book, first_book(&c), "another seed, another market");
}

/// contractDetails rows (bond rows for the bond) up to the end marker.
fn details(peer: &mut Peer, req_id: i32, contract: Box<Contract>) -> Vec<Incoming> {
    peer.send(Request::ReqContractDetails(ReqContractDetails {
        req_id,
        contract,
    }));
    let mut rows = Vec::new();
    loop {
        match peer.recv() {
            Incoming::ContractDataEnd(end) => {
                assert_eq!(end.req_id, req_id);
                return rows;
            }
            row @ (Incoming::ContractData(_) | Incoming::BondContractData(_)) => rows.push(row),
            e @ Incoming::Error(_) => panic!("unexpected {e:?}"),
            _ => {} // ticks of a line cancelled just before
        }
    }
}

#[test]
fn contract_details_rows() {
    for &version in VERSIONS {
        let sim = start(version, |_| {});
        let mut peer = Peer::connect(&sim);
        let rows = details(&mut peer, 1, contract("AAPL", "STK", "SMART"));
        let [Incoming::ContractData(aapl)] = rows.as_slice() else {
            panic!("one AAPL row at {version}: {rows:?}")
        };
        assert_eq!(aapl.req_id, 1);
        assert_eq!(aapl.contract.con_id, 265_598);
        assert_eq!(aapl.contract.exchange, "SMART");
        assert_eq!(aapl.contract.primary_exchange, "NASDAQ");
        assert_eq!(aapl.details.long_name, "APPLE INC");
        assert_eq!(aapl.details.min_tick, 0.01);
        assert_eq!(aapl.details.time_zone_id, "US/Eastern");
        assert_eq!(aapl.details.industry, "Technology");
        assert!(aapl.details.valid_exchanges.starts_with("SMART,"));
        assert!(aapl.details.market_rule_ids.starts_with("26,26"));
        assert!(aapl.details.trading_hours.contains(":0400-"));
        assert!(aapl.details.liquid_hours.contains(":0930-"));
        let isin = aapl.details.sec_id_list.iter().find(|t| t.tag == "ISIN");
        assert_eq!(isin.map(|t| t.value.as_str()), Some("US0378331005"));

        // Every month of ES; each names the index as its underlying.
        let rows = details(&mut peer, 2, contract("ES", "FUT", "CME"));
        assert_eq!(rows.len(), 4);
        for row in &rows {
            let Incoming::ContractData(es) = row else {
                panic!("{row:?}")
            };
            assert_eq!(es.contract.multiplier, "50");
            assert_eq!(es.details.min_tick, 0.25);
            assert_eq!(es.details.under_con_id, 11_004_968);
            assert_eq!(es.contract.last_trade_date_or_contract_month.len(), 8);
        }

        // One option of the chain.
        let mut call = contract("AAPL", "OPT", "SMART");
        call.strike = 190.0;
        call.right = "C".into();
        let chain = details(&mut peer, 3, call.clone());
        assert_eq!(chain.len(), 3, "one call at 190 per expiry");

        // The bond comes as a bond row.
        let bond = Box::new(Contract {
            sec_id_type: "CUSIP".into(),
            sec_id: "91282CJL6".into(),
            ..Contract::default()
        });
        let rows = details(&mut peer, 4, bond);
        let [Incoming::BondContractData(bond)] = rows.as_slice() else {
            panic!("one bond row at {version}: {rows:?}")
        };
        assert_eq!(bond.details.cusip, "91282CJL6");
        assert_eq!(bond.details.coupon, 4.375);
        assert_eq!(bond.details.bond_type, "GOVT");
    }
}

#[test]
fn quotes_and_option_computations() {
    for &version in VERSIONS {
        let sim = start(version, |c| c.market_data_rate = 20);
        let mut peer = Peer::connect(&sim);
        peer.send(mkt_data(1, contract("AAPL", "STK", "SMART"), false));
        let bid = peer.until("bid", |m| match m {
            Incoming::TickPrice(t) if t.req_id == 1 && t.tick_type == 1 => Some(t.clone()),
            _ => None,
        });
        let ask = peer.until("ask", |m| match m {
            Incoming::TickPrice(t) if t.req_id == 1 && t.tick_type == 2 => Some(t.clone()),
            _ => None,
        });
        assert!(bid.price > 100.0 && bid.price < ask.price && ask.price - bid.price < 0.1);
        assert!(bid.size.parse::<f64>().unwrap() >= 100.0, "{bid:?}");
        // Trades print.
        peer.until("last", |m| match m {
            Incoming::TickPrice(t) if t.req_id == 1 && t.tick_type == 4 => Some(()),
            _ => None,
        });
        peer.send(Request::CancelMktData(CancelMktData { req_id: 1 }));

        let mut call = contract("AAPL", "OPT", "SMART");
        call.strike = 190.0;
        call.right = "C".into();
        let expiry = {
            let Incoming::ContractData(row) = &details(&mut peer, 9, call.clone())[0] else {
                panic!("an option row")
            };
            row.contract.last_trade_date_or_contract_month.clone()
        };
        call.last_trade_date_or_contract_month = expiry;
        peer.send(mkt_data(2, call.clone(), false));
        let model = peer.until("model computation", |m| match m {
            Incoming::TickOptionComputation(o) if o.req_id == 2 && o.tick_type == 13 => {
                Some(o.clone())
            }
            _ => None,
        });
        assert!(model.delta > 0.2 && model.delta < 0.9, "{model:?}");
        assert!(model.implied_vol > 0.1 && model.implied_vol < 0.6);
        assert!(model.gamma > 0.0 && model.vega > 0.0 && model.theta < 0.0);
        assert!(model.und_price > 100.0 && model.opt_price > 0.0);

        // The calculations answer one computation of type 53.
        peer.send(Request::ReqCalcOptionPrice(ReqCalcOptionPrice {
            req_id: 3,
            contract: call.clone(),
            volatility: 0.3,
            under_price: 190.0,
            options: Vec::new(),
        }));
        let priced = peer.until("option price", |m| match m {
            Incoming::TickOptionComputation(o) if o.req_id == 3 => Some(o.clone()),
            _ => None,
        });
        assert_eq!(priced.tick_type, 53);
        assert!(
            priced.opt_price > 1.0 && priced.opt_price < 30.0,
            "{priced:?}"
        );
        peer.send(Request::ReqCalcImpliedVolatility(
            ReqCalcImpliedVolatility {
                req_id: 4,
                contract: call,
                option_price: priced.opt_price,
                under_price: 190.0,
                options: Vec::new(),
            },
        ));
        let implied = peer.until("implied volatility", |m| match m {
            Incoming::TickOptionComputation(o) if o.req_id == 4 => Some(o.clone()),
            _ => None,
        });
        assert!((implied.implied_vol - 0.3).abs() < 1e-4, "{implied:?}");
        // Not an option: refused.
        peer.send(Request::ReqCalcImpliedVolatility(
            ReqCalcImpliedVolatility {
                req_id: 5,
                contract: contract("AAPL", "STK", "SMART"),
                option_price: 1.0,
                under_price: 190.0,
                options: Vec::new(),
            },
        ));
        assert_eq!(peer.error_for(5).code, 321);
    }
}

#[test]
fn tick_by_tick_refusals() {
    let sim = start(222, |_| {});
    let mut peer = Peer::connect(&sim);
    let tbt = |req_id, contract, tick_type: &str| {
        Request::ReqTickByTickData(ReqTickByTickData {
            req_id,
            contract,
            tick_type: tick_type.into(),
            number_of_ticks: 0,
            ignore_size: false,
        })
    };
    peer.send(tbt(1, contract("NOPE", "STK", "SMART"), "Last"));
    assert_eq!(peer.error_for(1).code, 200);
    peer.send(tbt(2, contract("US-T", "BOND", "SMART"), "BidAsk"));
    assert_eq!(peer.error_for(2).code, 354);
    peer.send(tbt(3, contract("AAPL", "STK", "SMART"), "Quotes"));
    assert_eq!(peer.error_for(3).code, 321);
    peer.send(tbt(4, contract("AAPL", "STK", "SMART"), "AllLast"));
    peer.send(tbt(4, contract("AAPL", "STK", "SMART"), "AllLast"));
    assert_eq!(peer.error_for(4).code, 322);
    peer.send(Request::CancelTickByTickData(CancelTickByTickData {
        req_id: 4,
    }));
}

/// Tick-by-tick streams put their ticks on the wire as tickByTick, in text
/// (176) and in protobuf (222), each with the form of its tick type only.
#[test]
fn tick_by_tick_streams_send_ticks_of_their_type() {
    for &version in VERSIONS {
        let sim = start(version, |_| {});
        let mut peer = Peer::connect(&sim);
        for (req_id, kind) in [(1, "BidAsk"), (2, "MidPoint"), (3, "AllLast")] {
            peer.send(Request::ReqTickByTickData(ReqTickByTickData {
                req_id,
                contract: contract("AAPL", "STK", "SMART"),
                tick_type: kind.into(),
                number_of_ticks: 0,
                ignore_size: false,
            }));
        }
        let bid_ask = peer.until("a BidAsk tick", |m| match m {
            Incoming::TickByTick(t) if t.req_id == 1 => Some(t.clone()),
            _ => None,
        });
        assert_eq!(bid_ask.tick_type, 3, "v{version}");
        assert!(bid_ask.last.is_none() && bid_ask.mid_point.is_none());
        let q = bid_ask.bid_ask.unwrap();
        assert!(
            q.bid_price > 100.0 && q.bid_price < q.ask_price,
            "v{version}: {q:?}"
        );
        assert!(q.bid_size.parse::<f64>().unwrap() > 0.0 && q.time > 1_600_000_000);
        let mid = peer.until("a MidPoint tick", |m| match m {
            Incoming::TickByTick(t) if t.req_id == 2 => Some(t.clone()),
            _ => None,
        });
        assert_eq!(mid.tick_type, 4);
        assert!(mid.last.is_none() && mid.bid_ask.is_none());
        assert!(mid.mid_point.unwrap().price > 100.0);
        let trade = peer.until("an AllLast tick", |m| match m {
            Incoming::TickByTick(t) if t.req_id == 3 => Some(t.clone()),
            _ => None,
        });
        assert_eq!(trade.tick_type, 2);
        assert!(trade.bid_ask.is_none() && trade.mid_point.is_none());
        let last = trade.last.unwrap();
        assert!(last.price > 100.0 && !last.exchange.is_empty(), "{last:?}");
        assert!(last.size.parse::<f64>().unwrap() > 0.0);
        for req_id in 1..=3 {
            peer.send(Request::CancelTickByTickData(CancelTickByTickData {
                req_id,
            }));
        }
    }
}
