//! The simulator's answers to issue 16's requests (news, scanner, advisors,
//! display groups, Wall Street Horizon, verification, configuration): small,
//! fixed and shaped as TWS sends them, built from the simulator's accounts
//! and instruments where a reply names them.

use crate::protocol::advisors::{ReceiveFa, ReplaceFaEnd};
use crate::protocol::config::{
    ApiConfig, ApiPrecautionsConfig, ApiSettingsConfig, ConfigResponse, LockAndExitConfig,
    MessageConfig, OrdersConfig, OrdersSmartRoutingConfig, UpdateConfig, UpdateConfigResponse,
};
use crate::protocol::display_groups::{DisplayGroupList, DisplayGroupUpdated};
use crate::protocol::messages::{VerifyAndAuthCompleted, VerifyCompleted};
use crate::protocol::news::{
    HistoricalNews, HistoricalNewsEnd, NewsArticle, NewsProvider, NewsProviders, ReqHistoricalNews,
    ReqNewsArticle, UpdateNewsBulletin,
};
use crate::protocol::scanner::{ReqScannerSubscription, ScanData, ScannerData, ScannerParameters};
use crate::protocol::wsh::{ReqWshEventData, WshEventData, WshMetaData};
use crate::protocol::Incoming;

use super::instruments::Instruments;
use super::market_replies::{contract, error};

/// TWS's code for a request it cannot validate (an unknown provider, a
/// non-advisor's FA request, a bad FA data type).
const BAD_REQUEST: i32 = 321;

/// The news providers every paper login has (the free Briefing.com and Dow
/// Jones feeds).
const PROVIDERS: [(&str, &str); 3] = [
    ("BRFG", "Briefing.com General Market Columns"),
    ("BRFUPDN", "Briefing.com Analyst Actions"),
    ("DJNL", "Dow Jones Newsletters"),
];

/// reqNewsProviders: the providers of [`PROVIDERS`].
pub fn news_providers() -> Vec<Incoming> {
    vec![Incoming::NewsProviders(NewsProviders {
        news_providers: PROVIDERS
            .iter()
            .map(|(code, name)| NewsProvider {
                code: (*code).into(),
                name: (*name).into(),
            })
            .collect(),
    })]
}

fn is_provider(code: &str) -> bool {
    PROVIDERS.iter().any(|(c, _)| *c == code)
}

/// reqNewsBulletins: one regular bulletin (type 1) from NYSE.
pub fn news_bulletins() -> Vec<Incoming> {
    vec![Incoming::UpdateNewsBulletin(UpdateNewsBulletin {
        msg_id: 1,
        msg_type: 1,
        news_message: "Trading in the simulated market is open".into(),
        origin_exch: "NYSE".into(),
    })]
}

/// The simulated archive's headlines of a contract: `(time, n, headline)`.
fn headlines(symbol: &str) -> [(String, String); 3] {
    [
        (
            "2026-11-30 14:05:00.0".to_owned(),
            format!("{symbol} shares rise on rate hopes"),
        ),
        (
            "2026-11-27 09:30:00.0".to_owned(),
            format!("Analysts raise their {symbol} price target"),
        ),
        (
            "2026-11-20 16:10:00.0".to_owned(),
            format!("{symbol} beats estimates"),
        ),
    ]
}

/// An article id of the simulated archive: `PROVIDER$conid-n`.
fn article_id(provider: &str, con_id: i32, n: usize) -> String {
    format!("{provider}${con_id:x}-{n}")
}

/// reqHistoricalNews: up to `total_results` headlines per requested
/// provider (newest first), then historicalNewsEnd (no more).
pub fn historical_news(req: &ReqHistoricalNews, instruments: &Instruments) -> Vec<Incoming> {
    let symbol = instruments
        .index_of(req.con_id)
        .map(|i| instruments.get(i).symbol.clone());
    let mut out = Vec::new();
    if let Some(symbol) = symbol {
        let limit = usize::try_from(req.total_results.clamp(0, 300)).unwrap_or(0);
        for provider in req.provider_codes.split('+').filter(|p| is_provider(p)) {
            for (n, (time, headline)) in headlines(&symbol).into_iter().enumerate() {
                out.push(Incoming::HistoricalNews(HistoricalNews {
                    req_id: req.req_id,
                    time,
                    provider_code: provider.into(),
                    article_id: article_id(provider, req.con_id, n),
                    headline: format!("{{A:800015:L:en:K:n/a:C:0.5}}{headline}"),
                }));
            }
        }
        out.truncate(limit);
    }
    out.push(Incoming::HistoricalNewsEnd(HistoricalNewsEnd {
        req_id: req.req_id,
        has_more: false,
    }));
    out
}

/// reqNewsArticle: a short HTML article (type 0, text) for a known
/// provider; TWS's validation error otherwise.
pub fn news_article(req: &ReqNewsArticle) -> Vec<Incoming> {
    if !is_provider(&req.provider_code) {
        return vec![error(
            req.req_id,
            BAD_REQUEST,
            &format!(
                "Error validating request.-'bQ' : cause - Invalid provider code: {}",
                req.provider_code
            ),
        )];
    }
    vec![Incoming::NewsArticle(NewsArticle {
        req_id: req.req_id,
        article_type: 0,
        article_text: format!(
            "<html><body><p>{} article {}: markets moved on the day.</p></body></html>",
            req.provider_code, req.article_id
        ),
    })]
}

/// A few lines of the scanner parameters XML (TWS sends about 2 MB).
pub fn scanner_parameters() -> Vec<Incoming> {
    let xml = concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
        "<ScanParameterResponse>\n",
        " <InstrumentList><Instrument><name>US Stocks</name><type>STK</type></Instrument></InstrumentList>\n",
        " <LocationTree><Location><displayName>US Major</displayName><locationCode>STK.US.MAJOR</locationCode></Location></LocationTree>\n",
        " <ScanTypeList><ScanType><displayName>Top % Gainers</displayName><scanCode>TOP_PERC_GAIN</scanCode></ScanType>",
        "<ScanType><displayName>Most Active</displayName><scanCode>MOST_ACTIVE</scanCode></ScanType></ScanTypeList>\n",
        " <FilterList><RangeFilter><id>priceAbove</id><category>Price</category></RangeFilter></FilterList>\n",
        "</ScanParameterResponse>\n",
    );
    vec![Incoming::ScannerParameters(ScannerParameters {
        xml: xml.into(),
    })]
}

/// reqScannerSubscription: one scannerData of the simulator's instruments of
/// the subscription's instrument type (`STK` for stocks), ranked in catalogue
/// order, at most `number_of_rows` (50 when unset). The simulated scan does
/// not change, so no update follows and a cancel has nothing to stop.
pub fn scanner_data(req: &ReqScannerSubscription, instruments: &Instruments) -> Vec<Incoming> {
    let s = &req.subscription;
    let wanted = match s.instrument.as_str() {
        "" | "STK" => "STK",
        other => other,
    };
    let rows = if s.number_of_rows > 0 && s.number_of_rows != i32::MAX {
        s.number_of_rows
    } else {
        50
    };
    let items = instruments
        .all()
        .iter()
        .filter(|inst| inst.sec_type == wanted)
        .take(usize::try_from(rows).unwrap_or(0))
        .enumerate()
        .map(|(rank, inst)| ScanData {
            rank: i32::try_from(rank).unwrap_or(i32::MAX),
            contract: contract(inst, "SMART"),
            market_name: inst.market_name.clone(),
            ..ScanData::default()
        })
        .collect();
    vec![Incoming::ScannerData(ScannerData {
        req_id: req.req_id,
        items,
    })]
}

/// The FA configuration of the simulated login: one group of every account
/// (type 1) or each account's alias (type 3); TWS's error for any other type.
pub fn fa(fa_data: i32, accounts: &[String]) -> Vec<Incoming> {
    let cxml = match fa_data {
        1 => {
            let accts: String = accounts
                .iter()
                .map(|a| format!("<String>{a}</String>"))
                .collect();
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListOfGroups><Group><name>All</name>\
                 <ListOfAccts varName=\"list\">{accts}</ListOfAccts><defaultMethod>AvailableEquity</defaultMethod>\
                 </Group></ListOfGroups>\n"
            )
        }
        3 => {
            let aliases: String = accounts
                .iter()
                .map(|a| {
                    format!("<AccountAlias><account>{a}</account><alias>{a}</alias></AccountAlias>")
                })
                .collect();
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListOfAccountAliases>{aliases}</ListOfAccountAliases>\n"
            )
        }
        other => return vec![bad_fa_type(-1, other)],
    };
    vec![Incoming::ReceiveFa(ReceiveFa { fa_data, cxml })]
}

fn bad_fa_type(req_id: i32, fa_data: i32) -> Incoming {
    error(
        req_id,
        BAD_REQUEST,
        &format!("Error validating request.-'bE' : cause - Invalid FA data type: {fa_data}"),
    )
}

/// replaceFA: accepted (the simulator keeps its own configuration), then
/// replaceFAEnd.
pub fn replace_fa(req_id: i32, fa_data: i32) -> Vec<Incoming> {
    if fa_data != 1 && fa_data != 3 {
        return vec![bad_fa_type(req_id, fa_data)];
    }
    vec![Incoming::ReplaceFaEnd(ReplaceFaEnd {
        req_id,
        text: "FA data replaced".into(),
    })]
}

/// The simulated TWS has three display groups.
pub fn display_groups(req_id: i32) -> Vec<Incoming> {
    vec![Incoming::DisplayGroupList(DisplayGroupList {
        req_id,
        groups: "1|2|3".into(),
    })]
}

/// The contract a followed display group shows (`none` for an empty one).
pub fn display_group_updated(req_id: i32, contract_info: &str) -> Vec<Incoming> {
    vec![Incoming::DisplayGroupUpdated(DisplayGroupUpdated {
        req_id,
        contract_info: contract_info.into(),
    })]
}

/// reqWshMetaData: the event types the simulated calendar knows.
pub fn wsh_meta_data(req_id: i32) -> Vec<Incoming> {
    let data_json = concat!(
        r#"{"validated":true,"meta_data":{"event_types":["#,
        r#"{"tag":"wshe_ed","name":"Earnings Date","category":"Earnings"},"#,
        r#"{"tag":"wshe_div","name":"Dividend","category":"Dividends"}]}}"#,
    );
    vec![Incoming::WshMetaData(WshMetaData {
        req_id,
        data_json: data_json.into(),
    })]
}

/// reqWshEventData: an earnings date of the requested contract (or of each
/// contract of the filter's watchlist), as one JSON message each.
pub fn wsh_event_data(req: &ReqWshEventData, instruments: &Instruments) -> Vec<Incoming> {
    let mut con_ids = Vec::new();
    if req.con_id != i32::MAX && req.con_id != 0 {
        con_ids.push(req.con_id);
    }
    con_ids.extend(watchlist(&req.filter));
    let limit = if req.total_limit > 0 && req.total_limit != i32::MAX {
        usize::try_from(req.total_limit).unwrap_or(usize::MAX)
    } else {
        usize::MAX
    };
    con_ids
        .into_iter()
        .filter_map(|id| instruments.index_of(id).map(|i| instruments.get(i)))
        .take(limit)
        .map(|inst| {
            Incoming::WshEventData(WshEventData {
                req_id: req.req_id,
                data_json: format!(
                    r#"{{"event_type":"wshe_ed","event_key":"{}-ed","data":{{"conid":{},"symbol":"{}","earnings_date":"20270128","time_of_day":"AMC"}}}}"#,
                    inst.con_id, inst.con_id, inst.symbol
                ),
            })
        })
        .collect()
}

/// The contract ids of a filter's `"watchlist":["8314", ...]`.
fn watchlist(filter: &str) -> Vec<i32> {
    let Some(start) = filter.find("\"watchlist\"") else {
        return Vec::new();
    };
    let rest = &filter[start..];
    let (Some(open), Some(close)) = (rest.find('['), rest.find(']')) else {
        return Vec::new();
    };
    if close < open {
        return Vec::new();
    }
    rest[open + 1..close]
        .split(',')
        .filter_map(|s| s.trim().trim_matches('"').parse().ok())
        .collect()
}

/// verifyRequest / verifyMessage: the simulator verifies no third-party API
/// client (as TWS for a client that is not set up for it): a failed
/// verifyCompleted.
pub fn verify_refused() -> Vec<Incoming> {
    vec![Incoming::VerifyCompleted(VerifyCompleted {
        is_successful: false,
        error_text: "API client verification is not enabled".into(),
    })]
}

/// verifyAndAuthRequest / verifyAndAuthMessage: as [`verify_refused`].
pub fn verify_and_auth_refused() -> Vec<Incoming> {
    vec![Incoming::VerifyAndAuthCompleted(VerifyAndAuthCompleted {
        is_successful: false,
        error_text: "API client verification is not enabled".into(),
    })]
}

/// The socket port of a paper TWS.
const PAPER_PORT: i32 = 7497;

/// reqConfig: the API settings of a paper TWS.
pub fn config(req_id: i32) -> Vec<Incoming> {
    vec![Incoming::ConfigResponse(ConfigResponse {
        req_id,
        lock_and_exit: Some(LockAndExitConfig {
            auto_logoff_time: "11:45 PM".into(),
            auto_logoff_period: "PM".into(),
            auto_logoff_type: "logoff".into(),
        }),
        messages: vec![MessageConfig {
            id: 1,
            title: "Order precautions".into(),
            message: "The order size exceeds the precautionary limit".into(),
            default_action: "Ok".into(),
            enabled: true,
        }],
        api: Some(Box::new(ApiConfig {
            precautions: Some(ApiPrecautionsConfig {
                bypass_order_precautions: true,
                ..ApiPrecautionsConfig::default()
            }),
            settings: Some(ApiSettingsConfig {
                socket_port: PAPER_PORT,
                download_open_orders_on_connection: true,
                master_client_id: 0,
                logging_level: "error".into(),
                bulk_data_timeout: 30,
                allow_localhost_only: true,
                trusted_ips: vec!["127.0.0.1".into()],
                ..ApiSettingsConfig::default()
            }),
        })),
        orders: Some(OrdersConfig {
            smart_routing: Some(OrdersSmartRoutingConfig {
                seek_price_improvement: true,
                default_algorithm: "Adaptive".into(),
                ..OrdersSmartRoutingConfig::default()
            }),
        }),
    })]
}

/// updateConfig: accepted; the response names each section the update set.
pub fn update_config(req: &UpdateConfig) -> Vec<Incoming> {
    let mut changed = Vec::new();
    if req.lock_and_exit.is_some() {
        changed.push("lockAndExit");
    }
    if !req.messages.is_empty() {
        changed.push("messages");
    }
    if let Some(api) = &req.api {
        if api.precautions.is_some() {
            changed.push("api.precautions");
        }
        if api.settings.is_some() {
            changed.push("api.settings");
        }
    }
    if req
        .orders
        .as_ref()
        .is_some_and(|o| o.smart_routing.is_some())
    {
        changed.push("orders.smartRouting");
    }
    if req.reset_api_order_sequence >= 0 {
        changed.push("resetAPIOrderSequence");
    }
    vec![Incoming::UpdateConfigResponse(UpdateConfigResponse {
        req_id: req.req_id,
        status: "SUCCESS".into(),
        message: if changed.is_empty() {
            "Nothing to update".into()
        } else {
            "Configuration updated".into()
        },
        changed_fields: changed.into_iter().map(String::from).collect(),
        errors: Vec::new(),
        warnings: Vec::new(),
    })]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_watchlist_filter_gives_its_contract_ids() {
        assert_eq!(
            watchlist(r#"{"watchlist":["8314", "265598"]}"#),
            [8314, 265598]
        );
        assert!(watchlist(r#"{"country":"US"}"#).is_empty());
    }

    #[test]
    fn fa_groups_list_every_account_and_a_bad_type_is_refused() {
        let accounts = vec!["DU1".to_owned(), "DU2".to_owned()];
        match &fa(1, &accounts)[0] {
            Incoming::ReceiveFa(m) => {
                assert_eq!(m.fa_data, 1);
                assert!(m.cxml.contains("<String>DU1</String><String>DU2</String>"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(&fa(2, &accounts)[0], Incoming::Error(e) if e.code == BAD_REQUEST));
    }

    #[test]
    fn an_update_names_the_sections_it_sets() {
        let req = UpdateConfig {
            req_id: 5,
            reset_api_order_sequence: 1,
            ..UpdateConfig::default()
        };
        match &update_config(&req)[0] {
            Incoming::UpdateConfigResponse(r) => {
                assert_eq!(r.req_id, 5);
                assert_eq!(r.changed_fields, ["resetAPIOrderSequence"]);
            }
            other => panic!("{other:?}"),
        }
    }
}
