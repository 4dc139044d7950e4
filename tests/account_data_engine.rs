//! Positions, account updates, *Multi and PnL: the engine against the
//! simulator at the versions where the wire changes shape (text ids < 201,
//! binary ids with text 201..206, protobuf accounts 207+, protobuf PnL 210+).

use std::time::{Duration, Instant};

use tws::client::{
    Client, Error, Event, Options, ACCOUNT_UPDATES_SUBSCRIPTION, POSITIONS_SUBSCRIPTION,
};
use tws::protocol::account_data::Position;
use tws::protocol::{Incoming, Request};
use tws::sim::{self, SimConfig};

const VERSIONS: [i32; 7] = [150, 176, 200, 201, 207, 210, 222];
const T: Duration = Duration::from_secs(5);
const AAPL: i32 = 265598;

fn connected(version: i32) -> (sim::SimHandle, Client) {
    let sim = sim::start(SimConfig {
        server_version: version,
        accounts: vec!["DU123456".into(), "DU654321".into()],
        quiet: true,
        ..SimConfig::default()
    })
    .expect("simulator starts");
    let client = Client::new(Options::default()).unwrap();
    client
        .connect("127.0.0.1", sim.port(), 3, T)
        .expect("connects");
    (sim, client)
}

/// Collects messages until `is_end` matches one (included); panics after 5 s.
fn messages_until(client: &Client, is_end: impl Fn(&Incoming) -> bool) -> Vec<Incoming> {
    let deadline = Instant::now() + T;
    let mut out = Vec::new();
    while Instant::now() < deadline {
        if let Some(Event::Message(m)) = client.poll(Duration::from_millis(100)).unwrap() {
            let end = is_end(&m);
            out.push(m);
            if end {
                return out;
            }
        }
    }
    panic!("no end marker within 5 s; got {out:?}");
}

fn find<'a>(
    positions: &'a [Position],
    account: &str,
    symbol: &str,
    sec_type: &str,
) -> &'a Position {
    positions
        .iter()
        .find(|p| {
            p.account == account && p.contract.symbol == symbol && p.contract.sec_type == sec_type
        })
        .unwrap_or_else(|| panic!("no {account} {symbol} {sec_type} in {positions:?}"))
}

#[test]
fn positions_at_every_version() {
    for version in VERSIONS {
        let (_sim, client) = connected(version);
        let positions = client.positions(T).expect("positions");
        let aapl = find(&positions, "DU123456", "AAPL", "STK");
        assert_eq!(
            (aapl.position.as_str(), aapl.avg_cost),
            ("100", 172.35),
            "v{version}"
        );
        assert_eq!(aapl.contract.con_id, AAPL);
        assert_eq!(aapl.contract.currency, "USD");
        // Fractional quantities arrive as the exact text that was sent.
        assert_eq!(find(&positions, "DU123456", "MSFT", "STK").position, "0.5");
        let call = find(&positions, "DU123456", "AAPL", "OPT");
        assert_eq!(call.contract.strike, 200.0);
        assert_eq!(call.contract.right, "C");
        assert_eq!(call.contract.multiplier, "100");
        assert_eq!(call.contract.last_trade_date_or_contract_month, "20261218");
        assert_eq!(call.contract.local_symbol, "AAPL  261218C00200000");
        assert_eq!(
            find(&positions, "DU123456", "SAP", "STK").contract.currency,
            "EUR"
        );
        assert!(positions.iter().any(|p| p.account == "DU654321"));
        assert!(
            positions
                .iter()
                .any(|p| p.account == "DU654321" && p.position.contains('.')),
            "DU654321 holds a fraction"
        );

        // The streaming form delivers the same rows as events.
        client.req_positions().unwrap();
        assert!(client
            .subscriptions()
            .iter()
            .any(|(k, r)| *k == POSITIONS_SUBSCRIPTION && matches!(r, Request::ReqPositions(_))));
        let msgs = messages_until(&client, |m| matches!(m, Incoming::PositionEnd(_)));
        let streamed: Vec<_> = msgs
            .into_iter()
            .filter_map(|m| match m {
                Incoming::Position(p) => Some(p),
                _ => None,
            })
            .collect();
        assert_eq!(streamed, positions, "v{version}");
        client.cancel_positions().unwrap();
        assert!(client.subscriptions().is_empty());
    }
}

#[test]
fn account_updates_and_pnl_at_every_version() {
    for version in VERSIONS {
        let (_sim, client) = connected(version);
        let snap = client
            .account_updates("DU123456", T)
            .expect("account updates");
        assert_eq!(snap.account, "DU123456");
        let value = |key: &str, ccy: &str| {
            snap.values
                .iter()
                .find(|v| v.key == key && v.currency == ccy)
                .unwrap_or_else(|| panic!("no {key} {ccy}"))
                .value
                .clone()
        };
        assert_eq!(value("NetLiquidation", "USD"), "983631.71", "v{version}");
        assert_eq!(snap.portfolio.len(), 4);
        let aapl = &snap.portfolio[0];
        assert_eq!(
            (aapl.contract.symbol.as_str(), aapl.position.as_str()),
            ("AAPL", "100")
        );
        assert_eq!(aapl.contract.primary_exchange, "NASDAQ");
        assert_eq!(aapl.average_cost, 172.35);
        assert!((aapl.market_value - 100.0 * aapl.market_price).abs() < 0.005);
        assert_eq!(snap.portfolio[1].position, "0.5");
        assert_eq!(snap.time.len(), 5, "HH:MM, got {:?}", snap.time);
        assert!(
            client.subscriptions().is_empty(),
            "the blocking call unsubscribed"
        );

        // PnL agrees with the portfolio (EUR holdings converted at the ledger rate).
        let eur_rate: f64 = value("ExchangeRate", "EUR").parse().unwrap();
        let unrealized: f64 = snap
            .portfolio
            .iter()
            .map(|p| {
                p.unrealized_pnl
                    * if p.contract.currency == "EUR" {
                        eur_rate
                    } else {
                        1.0
                    }
            })
            .sum();
        let req_id = client.next_request_id();
        client.req_pnl(req_id, "DU123456", "").unwrap();
        let msgs = messages_until(&client, |m| matches!(m, Incoming::PnL(_)));
        let Some(Incoming::PnL(pnl)) = msgs.last() else {
            unreachable!()
        };
        assert_eq!(pnl.req_id, req_id);
        assert!(
            (pnl.unrealized_pnl - unrealized).abs() < 0.02,
            "{pnl:?} vs {unrealized}"
        );
        assert_eq!(pnl.realized_pnl, 312.5);
        client.cancel_pnl(req_id).unwrap();

        let single = client.next_request_id();
        client.req_pnl_single(single, "DU123456", "", AAPL).unwrap();
        let msgs = messages_until(&client, |m| matches!(m, Incoming::PnLSingle(_)));
        let Some(Incoming::PnLSingle(p)) = msgs.last() else {
            unreachable!()
        };
        assert_eq!((p.req_id, p.position.as_str()), (single, "100"));
        assert_eq!(p.value, aapl.market_value);
        assert_eq!(p.unrealized_pnl, aapl.unrealized_pnl);
        client.cancel_pnl_single(single).unwrap();
    }
}

#[test]
fn multi_requests_at_every_version() {
    for version in VERSIONS {
        let (_sim, client) = connected(version);
        let req_id = client.next_request_id();
        client.req_positions_multi(req_id, "DU123456", "").unwrap();
        let msgs = messages_until(
            &client,
            |m| matches!(m, Incoming::PositionMultiEnd(e) if e.req_id == req_id),
        );
        let rows: Vec<_> = msgs
            .iter()
            .filter_map(|m| match m {
                Incoming::PositionMulti(p) => Some(p),
                _ => None,
            })
            .collect();
        assert_eq!(rows.len(), 4, "v{version}");
        assert!(rows
            .iter()
            .all(|p| p.req_id == req_id && p.account == "DU123456"));
        assert_eq!(rows[1].position, "0.5");
        client.cancel_positions_multi(req_id).unwrap();

        let req_id = client.next_request_id();
        client
            .req_account_updates_multi(req_id, "DU654321", "", true)
            .unwrap();
        let msgs = messages_until(
            &client,
            |m| matches!(m, Incoming::AccountUpdateMultiEnd(e) if e.req_id == req_id),
        );
        let values: Vec<_> = msgs
            .iter()
            .filter_map(|m| match m {
                Incoming::AccountUpdateMulti(v) => Some(v),
                _ => None,
            })
            .collect();
        assert!(values.iter().any(|v| v.key == "NetLiquidation"));
        assert!(values
            .iter()
            .any(|v| v.key == "CashBalance" && v.currency == "EUR"));
        assert!(
            !values.iter().any(|v| v.key == "BuyingPower"),
            "ledger and NLV only"
        );
        assert!(values.iter().all(|v| v.account == "DU654321"));
        client.cancel_account_updates_multi(req_id).unwrap();
    }
}

#[test]
fn unknown_account_is_error_321() {
    for version in [176, 207, 222] {
        let (_sim, client) = connected(version);
        match client.account_updates("DU999999", T) {
            Err(Error::Request { code: 321, .. }) => {}
            other => panic!("expected error 321, got {other:?}"),
        }
        for (req_id, send) in [
            (
                100,
                Box::new(|c: &Client| c.req_pnl(100, "DU999999", ""))
                    as Box<dyn Fn(&Client) -> Result<(), Error>>,
            ),
            (
                101,
                Box::new(|c: &Client| c.req_positions_multi(101, "DU999999", "")),
            ),
        ] {
            send(&client).unwrap();
            let msgs = messages_until(
                &client,
                |m| matches!(m, Incoming::Error(e) if e.req_id == req_id),
            );
            assert!(matches!(msgs.last(), Some(Incoming::Error(e)) if e.code == 321));
        }
        // The streaming request reports it as an event without a request id.
        client.req_account_updates("DU999999").unwrap();
        assert!(client
            .subscriptions()
            .iter()
            .any(|(k, _)| *k == ACCOUNT_UPDATES_SUBSCRIPTION));
        let msgs = messages_until(
            &client,
            |m| matches!(m, Incoming::Error(e) if e.code == 321),
        );
        assert!(matches!(msgs.last(), Some(Incoming::Error(e)) if e.req_id == -1));
    }
}

#[test]
fn pnl_needs_server_version_127() {
    let (_sim, client) = connected(100);
    match client.req_pnl(1, "DU123456", "") {
        Err(Error::Encode(tws::protocol::EncodeError::NotSupported { needed: 127, .. })) => {}
        other => panic!("expected a not-supported error, got {other:?}"),
    }
    assert!(
        client.subscriptions().is_empty(),
        "a refused request is not recorded"
    );
}
