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
