//! The simulator's answers to issue 16's requests (news, scanner, advisors,
//! display groups, Wall Street Horizon, verification): small and fixed, as a
//! paper account without subscriptions sees them.

use crate::protocol::news::{HistoricalNewsEnd, NewsProvider, NewsProviders};
use crate::protocol::Incoming;

/// The news providers every paper login has (the free Briefing.com and Dow
/// Jones feeds).
pub fn news_providers() -> Vec<Incoming> {
    let provider = |code: &str, name: &str| NewsProvider {
        code: code.into(),
        name: name.into(),
    };
    vec![Incoming::NewsProviders(NewsProviders {
        news_providers: vec![
            provider("BRFG", "Briefing.com General Market Columns"),
            provider("BRFUPDN", "Briefing.com Analyst Actions"),
            provider("DJNL", "Dow Jones Newsletters"),
        ],
    })]
}

/// No headlines in the simulated archive: the end marker at once.
pub fn historical_news(req_id: i32) -> Vec<Incoming> {
    vec![Incoming::HistoricalNewsEnd(HistoricalNewsEnd {
        req_id,
        has_more: false,
    })]
}

/// A few lines of the scanner parameters XML (TWS sends about 2 MB).
pub fn scanner_parameters() -> Vec<Incoming> {
    let xml = concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
        "<ScanParameterResponse>\n",
        " <InstrumentList><Instrument><name>US Stocks</name><type>STK</type></Instrument></InstrumentList>\n",
        " <LocationTree><Location><displayName>US Major</displayName><locationCode>STK.US.MAJOR</locationCode></Location></LocationTree>\n",
        " <ScanTypeList><ScanType><displayName>Top % Gainers</displayName><scanCode>TOP_PERC_GAIN</scanCode></ScanType></ScanTypeList>\n",
        "</ScanParameterResponse>\n",
    );
    vec![Incoming::ScannerParameters(
        crate::protocol::scanner::ScannerParameters { xml: xml.into() },
    )]
}

/// TWS's refusal of an FA request from a login that is no financial advisor.
pub fn not_an_advisor(req_id: i32) -> Vec<Incoming> {
    vec![super::market_replies::error(
        req_id,
        321,
        "Error validating request.-'bE' : cause - FA data operations ignored for non FA customers.",
    )]
}

/// The simulated TWS has three display groups.
pub fn display_groups(req_id: i32) -> Vec<Incoming> {
    vec![Incoming::DisplayGroupList(
        crate::protocol::display_groups::DisplayGroupList {
            req_id,
            groups: "1|2|3".into(),
        },
    )]
}

/// The contract a followed display group shows (`none` for an empty one).
pub fn display_group_updated(req_id: i32, contract_info: &str) -> Vec<Incoming> {
    vec![Incoming::DisplayGroupUpdated(
        crate::protocol::display_groups::DisplayGroupUpdated {
            req_id,
            contract_info: contract_info.into(),
        },
    )]
}
