//! Answers to the position, account-update, *Multi and PnL requests, built
//! from the holdings (the order desk's positions, valued by
//! [`super::portfolio`]) and [`super::account_data`]. The answers are
//! snapshots; the order desk pushes the changes of fills to the reqPositions
//! and reqAccountUpdates subscriptions (`orders::subscriptions`).

use crate::protocol::account_data::*;
use crate::protocol::account_tags::ALL_TAGS;
use crate::protocol::error_codes::BAD_REQUEST;
use crate::protocol::messages::ErrorMessage;
use crate::protocol::Incoming;

use super::account_data::{AccountData, Value, BASE_LEDGER};
use super::clock;
use super::portfolio::{account_pnl, holdings, Holding};

/// What an account holds now.
pub type HoldingsOf<'a> = &'a dyn Fn(&str) -> Vec<Holding>;

/// reqPositions: every position of every account, then positionEnd.
pub fn reply_positions(accounts: &[String], holdings: HoldingsOf<'_>) -> Vec<Incoming> {
    positions(accounts, holdings)
}

/// reqAccountUpdates: the account's values and holdings when it subscribes;
/// nothing for an unsubscribe.
pub fn reply_account_updates(
    r: &ReqAccountUpdates,
    accounts: &[String],
    holdings: HoldingsOf<'_>,
) -> Vec<Incoming> {
    if r.subscribe {
        account_updates(&r.account, accounts, holdings)
    } else {
        Vec::new()
    }
}

/// The account a reqAccountUpdates names (a login with one account may
/// name none), if it is one of `accounts`.
pub fn updates_account(account: &str, accounts: &[String]) -> Option<String> {
    let account = match (account, accounts) {
        ("", [only]) => only.as_str(),
        _ => account,
    };
    known(account, accounts).then(|| account.to_owned())
}

/// reqPositionsMulti: one account's (or all accounts') positions, or 321.
pub fn reply_positions_multi(
    r: &ReqPositionsMulti,
    accounts: &[String],
    holdings: HoldingsOf<'_>,
) -> Vec<Incoming> {
    match select(&r.account, accounts) {
        Some(selected) => positions_multi(r, &selected, holdings),
        None => vec![invalid_account(r.req_id, &r.account)],
    }
}

/// reqAccountUpdatesMulti: one account's (or all accounts') values, or 321.
pub fn reply_account_updates_multi(
    r: &ReqAccountUpdatesMulti,
    accounts: &[String],
) -> Vec<Incoming> {
    match select(&r.account, accounts) {
        Some(selected) => account_updates_multi(r, &selected),
        None => vec![invalid_account(r.req_id, &r.account)],
    }
}

/// reqPnL: the account's daily, unrealized and realized PnL, or 321.
pub fn reply_pnl(r: &ReqPnL, accounts: &[String]) -> Vec<Incoming> {
    if !known(&r.account, accounts) {
        return vec![invalid_account(r.req_id, &r.account)];
    }
    let (daily_pnl, unrealized_pnl, realized_pnl) = account_pnl(&r.account);
    vec![Incoming::PnL(PnL {
        req_id: r.req_id,
        daily_pnl,
        unrealized_pnl,
        realized_pnl,
    })]
}

/// reqPnLSingle: one holding's PnL, or 321.
pub fn reply_pnl_single(r: &ReqPnLSingle, accounts: &[String]) -> Vec<Incoming> {
    if !known(&r.account, accounts) {
        return vec![invalid_account(r.req_id, &r.account)];
    }
    vec![pnl_single(r)]
}

fn known(account: &str, accounts: &[String]) -> bool {
    accounts.iter().any(|a| a == account)
}

/// The accounts a *Multi request names: one account, or all for "" and "All".
fn select(account: &str, accounts: &[String]) -> Option<Vec<String>> {
    if account.is_empty() || account.eq_ignore_ascii_case("All") {
        Some(accounts.to_vec())
    } else {
        known(account, accounts).then(|| vec![account.to_owned()])
    }
}

fn invalid_account(req_id: i32, account: &str) -> Incoming {
    Incoming::Error(ErrorMessage {
        req_id,
        time_ms: clock::now_unix_ms(),
        code: BAD_REQUEST,
        message: format!(
            "Error validating request.-'bN' : cause - Invalid account code '{account}'"
        ),
        advanced_order_reject_json: String::new(),
    })
}

fn positions(accounts: &[String], holdings: HoldingsOf<'_>) -> Vec<Incoming> {
    let mut out: Vec<Incoming> = accounts
        .iter()
        .flat_map(|account| {
            holdings(account)
                .into_iter()
                .map(move |h| position(account, &h))
        })
        .collect();
    out.push(Incoming::PositionEnd(PositionEnd {}));
    out
}

/// A position message of one holding.
pub fn position(account: &str, h: &Holding) -> Incoming {
    Incoming::Position(Position {
        account: account.to_owned(),
        contract: Box::new(position_contract(h)),
        position: h.quantity.clone(),
        avg_cost: h.avg_cost,
    })
}

/// An updatePortfolio message of one holding.
pub fn portfolio_value(account: &str, h: &Holding) -> Incoming {
    Incoming::PortfolioValue(PortfolioValue {
        contract: Box::new(portfolio_contract(h)),
        position: h.quantity.clone(),
        market_price: h.market_price,
        market_value: h.market_value,
        average_cost: h.avg_cost,
        unrealized_pnl: h.unrealized_pnl,
        realized_pnl: h.realized_pnl,
        account: account.to_owned(),
    })
}

/// accountUpdateTime: the time of the last account update (`hh:mm`).
pub fn update_time() -> Incoming {
    // `yyyymmdd hh:mm:ss EST` -> `hh:mm`.
    let time_stamp = clock::connection_time().get(9..14).unwrap_or("").to_owned();
    Incoming::AccountUpdateTime(AccountUpdateTime {
        time_stamp: time_stamp.into(),
    })
}

/// Position messages carry the exchange, not the primary exchange.
fn position_contract(h: &Holding) -> crate::protocol::contract::Contract {
    let mut c = h.contract.clone();
    c.primary_exchange.clear();
    c
}

/// Portfolio messages carry the primary exchange, not the exchange.
fn portfolio_contract(h: &Holding) -> crate::protocol::contract::Contract {
    let mut c = h.contract.clone();
    c.exchange.clear();
    c
}

/// Every value of an account: the summary tags, then each currency's ledger
/// and the base ledger.
fn values(account: &str) -> Vec<Value> {
    let data = AccountData::for_account(account);
    let mut out: Vec<Value> = ALL_TAGS
        .split(',')
        .filter_map(|tag| data.summary_value(tag))
        .collect();
    for currency in data.currencies() {
        out.extend(data.ledger(currency));
    }
    out.extend(data.ledger(BASE_LEDGER));
    out
}

fn account_updates(account: &str, accounts: &[String], holdings: HoldingsOf<'_>) -> Vec<Incoming> {
    let Some(account) = updates_account(account, accounts) else {
        return vec![invalid_account(-1, account)];
    };
    let account = account.as_str();
    let mut out: Vec<Incoming> = values(account)
        .into_iter()
        .map(|v| {
            Incoming::AccountValue(AccountValue {
                key: v.tag.into(),
                value: v.value.into(),
                currency: v.currency.into(),
                account: account.into(),
            })
        })
        .collect();
    out.extend(
        holdings(account)
            .iter()
            .map(|h| portfolio_value(account, h)),
    );
    out.push(update_time());
    out.push(Incoming::AccountDownloadEnd(AccountDownloadEnd {
        account: account.into(),
    }));
    out
}

fn positions_multi(
    r: &ReqPositionsMulti,
    accounts: &[String],
    holdings: HoldingsOf<'_>,
) -> Vec<Incoming> {
    let mut out: Vec<Incoming> = accounts
        .iter()
        .flat_map(|account| {
            holdings(account).into_iter().map(move |h| {
                Incoming::PositionMulti(PositionMulti {
                    req_id: r.req_id,
                    account: account.clone(),
                    contract: Box::new(position_contract(&h)),
                    position: h.quantity,
                    avg_cost: h.avg_cost,
                    model_code: r.model_code.to_string(),
                })
            })
        })
        .collect();
    out.push(Incoming::PositionMultiEnd(PositionMultiEnd {
        req_id: r.req_id,
    }));
    out
}

/// The values `ledgerAndNLV` keeps: the ledgers and the net liquidation.
fn ledger_or_nlv(v: &Value) -> bool {
    v.tag == "NetLiquidation" || v.tag == "NetLiquidationByCurrency" || v.tag == "CashBalance"
}

fn account_updates_multi(r: &ReqAccountUpdatesMulti, accounts: &[String]) -> Vec<Incoming> {
    let mut out = Vec::new();
    for account in accounts {
        for v in values(account) {
            if r.ledger_and_nlv && !ledger_or_nlv(&v) {
                continue;
            }
            out.push(Incoming::AccountUpdateMulti(AccountUpdateMulti {
                req_id: r.req_id,
                account: account.clone().into(),
                model_code: r.model_code.clone(),
                key: v.tag.into(),
                value: v.value.into(),
                currency: v.currency.into(),
            }));
        }
    }
    out.push(Incoming::AccountUpdateMultiEnd(AccountUpdateMultiEnd {
        req_id: r.req_id,
    }));
    out
}

fn pnl_single(r: &ReqPnLSingle) -> Incoming {
    let single = match holdings(&r.account)
        .into_iter()
        .find(|h| h.contract.con_id == r.con_id)
    {
        Some(h) => PnLSingle {
            req_id: r.req_id,
            position: h.quantity,
            daily_pnl: h.daily_pnl,
            unrealized_pnl: h.unrealized_pnl,
            realized_pnl: h.realized_pnl,
            value: h.market_value,
        },
        // TWS reports a contract the account does not hold as a flat position.
        None => PnLSingle {
            req_id: r.req_id,
            position: "0".to_owned(),
            ..PnLSingle::default()
        },
    };
    Incoming::PnLSingle(single)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accounts() -> Vec<String> {
        vec!["DU123456".into(), "DU654321".into()]
    }

    #[test]
    fn positions_of_every_account_then_end() {
        let out = reply_positions(&accounts(), &holdings);
        assert_eq!(out.len(), 4 + 3 + 1);
        assert!(matches!(out.last(), Some(Incoming::PositionEnd(_))));
    }

    #[test]
    fn unknown_account_is_321() {
        let req = ReqPnL {
            req_id: 5,
            account: "XX1".into(),
            model_code: Default::default(),
        };
        let out = reply_pnl(&req, &accounts());
        assert!(matches!(&out[..], [Incoming::Error(e)] if e.code == 321 && e.req_id == 5));
    }

    #[test]
    fn account_updates_end_with_time_and_end_marker() {
        let req = ReqAccountUpdates {
            subscribe: true,
            account: "DU123456".into(),
        };
        let out = reply_account_updates(&req, &accounts(), &holdings);
        let n = out.len();
        assert!(matches!(&out[n - 2], Incoming::AccountUpdateTime(t) if t.time_stamp.len() == 5));
        assert!(matches!(&out[n - 1], Incoming::AccountDownloadEnd(e) if e.account == "DU123456"));
        let portfolio = out
            .iter()
            .filter(|m| matches!(m, Incoming::PortfolioValue(_)))
            .count();
        assert_eq!(portfolio, 4);
    }

    #[test]
    fn an_unsubscribe_is_not_answered() {
        let req = ReqAccountUpdates {
            subscribe: false,
            account: "DU123456".into(),
        };
        assert!(reply_account_updates(&req, &accounts(), &holdings).is_empty());
    }
}
