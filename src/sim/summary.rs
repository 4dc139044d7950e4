//! Account-summary subscriptions of one connection: which accounts a group
//! names, which rows a tag list asks for, the subscription limit, refreshes.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::protocol::error_codes::{BAD_REQUEST, DUPLICATE_OR_TOO_MANY};
use crate::protocol::messages::{AccountSummary, AccountSummaryEnd, ReqAccountSummary};
use crate::protocol::Incoming;

use super::account_data::{AccountData, Value, BASE_CURRENCY, BASE_LEDGER};

/// A refused request: the error code and text to send with its req id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: i32,
    pub message: String,
}

#[derive(Debug, Clone)]
struct Subscription {
    accounts: Vec<String>,
    tags: String,
    next_refresh: Option<Instant>,
}

/// The open subscriptions of one connection.
#[derive(Debug)]
pub struct Subscriptions {
    open: BTreeMap<i32, Subscription>,
    max: usize,
    refresh: Option<Duration>,
}

impl Subscriptions {
    /// At most `max` open at once; each is sent again every `refresh`.
    pub fn new(max: usize, refresh: Option<Duration>) -> Self {
        Subscriptions {
            open: BTreeMap::new(),
            max,
            refresh,
        }
    }

    /// Opens a subscription and returns its first snapshot (rows, then the
    /// end marker), or the refusal to send instead.
    pub fn open(
        &mut self,
        req: &ReqAccountSummary,
        managed: &[String],
    ) -> Result<Vec<Incoming>, Refusal> {
        if self.open.contains_key(&req.req_id) {
            return Err(Refusal {
                code: DUPLICATE_OR_TOO_MANY,
                message: "Error processing request:-'bd' : cause - Duplicate ticker id".into(),
            });
        }
        if self.open.len() >= self.max {
            return Err(Refusal {
                code: DUPLICATE_OR_TOO_MANY,
                message: "Error processing request:-'bd' : cause - Maximum number of account summary requests exceeded".into(),
            });
        }
        let accounts = resolve_group(&req.group, managed).ok_or_else(|| Refusal {
            code: BAD_REQUEST,
            message: format!(
                "Error validating request.-'bd' : cause - Invalid account or group: {}",
                req.group
            ),
        })?;
        let snapshot = snapshot(req.req_id, &accounts, &req.tags);
        self.open.insert(
            req.req_id,
            Subscription {
                accounts,
                tags: req.tags.to_string(),
                next_refresh: self.refresh.map(|r| Instant::now() + r),
            },
        );
        Ok(snapshot)
    }

    /// Closes a subscription; an unknown id is ignored, as TWS does.
    pub fn cancel(&mut self, req_id: i32) {
        self.open.remove(&req_id);
    }

    /// The earliest time a refresh is due.
    pub fn next_due(&self) -> Option<Instant> {
        self.open.values().filter_map(|s| s.next_refresh).min()
    }

    /// The snapshots of every subscription due at `now`, rescheduled.
    pub fn due(&mut self, now: Instant) -> Vec<Incoming> {
        let mut out = Vec::new();
        for (&req_id, sub) in &mut self.open {
            match (sub.next_refresh, self.refresh) {
                (Some(at), Some(every)) if at <= now => {
                    out.extend(snapshot(req_id, &sub.accounts, &sub.tags));
                    sub.next_refresh = Some(now + every);
                }
                _ => {}
            }
        }
        out
    }
}

/// The accounts a group names: `All` is every managed account, an account
/// code is that account; anything else (FA groups are not simulated) is `None`.
fn resolve_group(group: &str, managed: &[String]) -> Option<Vec<String>> {
    let group = group.trim();
    if group.eq_ignore_ascii_case("All") {
        return Some(managed.to_vec());
    }
    managed
        .iter()
        .find(|a| *a == group)
        .map(|a| vec![a.clone()])
}

/// Rows for every account and every tag (unknown tags skipped), then the end.
fn snapshot(req_id: i32, accounts: &[String], tags: &str) -> Vec<Incoming> {
    let mut out = Vec::new();
    for account in accounts {
        let data = AccountData::for_account(account);
        for value in values(&data, tags) {
            out.push(Incoming::AccountSummary(AccountSummary {
                req_id,
                account: account.clone().into(),
                tag: value.tag.into(),
                value: value.value.into(),
                currency: value.currency.into(),
            }));
        }
    }
    out.push(Incoming::AccountSummaryEnd(AccountSummaryEnd { req_id }));
    out
}

/// The values a comma list of tags asks for: plain tags, `$LEDGER` (base
/// currency), `$LEDGER:ALL` (every held currency, then `BASE`) and
/// `$LEDGER:<CCY>`.
fn values(data: &AccountData, tags: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for tag in tags.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        match ledger_selector(tag) {
            Some(None) => out.extend(data.ledger(BASE_CURRENCY)),
            Some(Some(ccy)) if ccy.eq_ignore_ascii_case("ALL") => {
                for held in data.currencies() {
                    out.extend(data.ledger(held));
                }
                out.extend(data.ledger(BASE_LEDGER));
            }
            Some(Some(ccy)) => out.extend(data.ledger(ccy)),
            None => out.extend(data.summary_value(tag)),
        }
    }
    out
}

/// `Some(None)` for `$LEDGER`, `Some(Some(x))` for `$LEDGER:x`, `None` otherwise.
fn ledger_selector(tag: &str) -> Option<Option<&str>> {
    let head = tag.get(..7)?;
    if !head.eq_ignore_ascii_case("$LEDGER") {
        return None;
    }
    match &tag[7..] {
        "" => Some(None),
        rest => rest.strip_prefix(':').map(|ccy| Some(ccy.trim())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::all_tags;

    fn req(req_id: i32, group: &str, tags: &str) -> ReqAccountSummary {
        ReqAccountSummary {
            req_id,
            group: group.into(),
            tags: tags.into(),
        }
    }

    fn rows(out: &[Incoming]) -> Vec<&AccountSummary> {
        out.iter()
            .filter_map(|m| match m {
                Incoming::AccountSummary(s) => Some(s),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn all_tags_for_all_accounts() {
        let managed = vec!["DU123456".to_owned(), "DU654321".to_owned()];
        let mut subs = Subscriptions::new(2, None);
        let out = subs.open(&req(7, "All", all_tags()), &managed).unwrap();
        assert_eq!(rows(&out).len(), 66);
        assert_eq!(
            out.last(),
            Some(&Incoming::AccountSummaryEnd(AccountSummaryEnd {
                req_id: 7
            }))
        );
        let out = subs
            .open(&req(8, "DU654321", "NetLiquidation,Bogus,"), &managed)
            .unwrap();
        assert_eq!(rows(&out).len(), 1);
        assert_eq!(rows(&out)[0].account, "DU654321");
        let refused = subs.open(&req(9, "All", "NetLiquidation"), &managed);
        assert_eq!(refused.unwrap_err().code, 322);
        subs.cancel(7);
        assert!(subs
            .open(&req(9, "All", "NetLiquidation"), &managed)
            .is_ok());
    }

    #[test]
    fn ledger_selectors() {
        let managed = vec!["DU123456".to_owned()];
        let mut subs = Subscriptions::new(5, None);
        let base = subs.open(&req(1, "All", "$LEDGER"), &managed).unwrap();
        assert!(rows(&base).iter().all(|r| r.currency == "USD"));
        let all = subs.open(&req(2, "All", "$LEDGER:ALL"), &managed).unwrap();
        assert_eq!(rows(&all).len(), 3 * rows(&base).len());
        let eur = subs.open(&req(3, "All", "$LEDGER:EUR"), &managed).unwrap();
        assert!(rows(&eur).iter().all(|r| r.currency == "EUR"));
        assert_eq!(rows(&eur).len(), rows(&base).len());
        let none = subs.open(&req(4, "All", "$LEDGER:JPY"), &managed).unwrap();
        assert!(rows(&none).is_empty());
        let bad = subs.open(&req(5, "NoSuchGroup", "$LEDGER"), &managed);
        assert_eq!(bad.unwrap_err().code, 321);
    }

    #[test]
    fn refresh_is_scheduled() {
        let managed = vec!["DU123456".to_owned()];
        let mut subs = Subscriptions::new(2, Some(Duration::from_millis(10)));
        subs.open(&req(1, "All", "NetLiquidation"), &managed)
            .unwrap();
        assert!(subs.due(Instant::now()).is_empty());
        let later = Instant::now() + Duration::from_millis(20);
        assert_eq!(subs.due(later).len(), 2);
        assert!(subs.due(later).is_empty());
    }
}
