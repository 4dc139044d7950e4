//! The rest of the API's blocking calls (news, scanner, advisors, display
//! groups, Wall Street Horizon, user info): each waits for its answer and
//! returns it as `tws_messages` rows, read with the generic accessor's names
//! (`tws_event_field_by_name` on `tws_messages_at(rows, i)`). Their one-shot
//! requests go through `tws_client_send` with the message name
//! (`"ReqScannerSubscription"`, `"ReqNewsBulletins"`, `"UpdateConfig"`, ...).
//!
//! Every call fails as the requests do (TWS_ERR_NULL_ARGUMENT,
//! TWS_ERR_NOT_CONNECTED, TWS_ERR_IO, TWS_ERR_CONNECTION_CLOSED; with
//! strings TWS_ERR_INVALID_UTF8 and TWS_ERR_INVALID_CHARACTER), plus
//! TWS_ERR_TIMEOUT and TWS_ERR_REQUEST_FAILED (TWS refused it:
//! `tws_last_tws_error_code`). On failure `*out` is NULL. The calls whose
//! answer carries no request id (scanner parameters, news providers, FA)
//! run one at a time per client (TWS_ERR_BUSY).

use std::ffi::c_char;

use crate::protocol::advisors::ReceiveFa;
use crate::protocol::display_groups::DisplayGroupList;
use crate::protocol::messages::UserInfo;
use crate::protocol::news::{HistoricalNewsEnd, NewsProviders};
use crate::protocol::scanner::ScannerParameters;
use crate::protocol::wsh::WshMetaData;
use crate::protocol::Incoming;

use super::instruments::{blocking, tws_messages};
use super::result::tws_result;
use super::{c_str, ms, tws_client};

/// Blocking: the scanner parameters (reqScannerParameters), at most
/// `timeout_ms`. On success `*out` holds one "ScannerParameters" message
/// (`xml`).
#[no_mangle]
pub unsafe extern "C" fn tws_client_scanner_parameters(
    client: *mut tws_client,
    timeout_ms: u32,
    out: *mut *mut tws_messages,
) -> tws_result {
    blocking(client, out, |c| {
        let xml = c.inner.scanner_parameters(ms(timeout_ms))?;
        Ok(vec![Incoming::ScannerParameters(ScannerParameters { xml })])
    })
}

/// Blocking: the news providers (reqNewsProviders), at most `timeout_ms`.
/// On success `*out` holds one "NewsProviders" message
/// (`news_providers[i].code`, `news_providers[i].name`).
#[no_mangle]
pub unsafe extern "C" fn tws_client_news_providers(
    client: *mut tws_client,
    timeout_ms: u32,
    out: *mut *mut tws_messages,
) -> tws_result {
    blocking(client, out, |c| {
        let news_providers = c.inner.news_providers(ms(timeout_ms))?;
        Ok(vec![Incoming::NewsProviders(NewsProviders {
            news_providers,
        })])
    })
}

/// Blocking: one news article (reqNewsArticle under a reserved id), at most
/// `timeout_ms`. On success `*out` holds one "NewsArticle" message
/// (`article_type`: 0 text, 1 binary as base64; `article_text`).
#[no_mangle]
pub unsafe extern "C" fn tws_client_news_article(
    client: *mut tws_client,
    provider_code: *const c_char,
    article_id: *const c_char,
    timeout_ms: u32,
    out: *mut *mut tws_messages,
) -> tws_result {
    blocking(client, out, |c| {
        let provider = c_str(provider_code, "provider_code")?;
        let article = c_str(article_id, "article_id")?;
        let m = c.inner.news_article(provider, article, ms(timeout_ms))?;
        Ok(vec![Incoming::NewsArticle(m)])
    })
}

/// Blocking: the headlines of `con_id` from `provider_codes` (`BRFG+DJNL`)
/// between `start_date_time` and `end_date_time` (`yyyy-MM-dd HH:mm:ss.0`,
/// empty for none), at most `total_results` (reqHistoricalNews under a
/// reserved id), up to historicalNewsEnd, at most `timeout_ms`. On success
/// `*out` holds one "HistoricalNews" message per headline (`time`,
/// `provider_code`, `article_id`, `headline`), then one "HistoricalNewsEnd"
/// (`has_more`).
#[no_mangle]
pub unsafe extern "C" fn tws_client_historical_news(
    client: *mut tws_client,
    con_id: i32,
    provider_codes: *const c_char,
    start_date_time: *const c_char,
    end_date_time: *const c_char,
    total_results: i32,
    timeout_ms: u32,
    out: *mut *mut tws_messages,
) -> tws_result {
    blocking(client, out, |c| {
        let providers = c_str(provider_codes, "provider_codes")?;
        let start = c_str(start_date_time, "start_date_time")?;
        let end = c_str(end_date_time, "end_date_time")?;
        let (rows, has_more) = c.inner.historical_news(
            con_id,
            providers,
            start,
            end,
            total_results,
            ms(timeout_ms),
        )?;
        let mut out: Vec<Incoming> = rows.into_iter().map(Incoming::HistoricalNews).collect();
        out.push(Incoming::HistoricalNewsEnd(HistoricalNewsEnd {
            req_id: -1,
            has_more,
        }));
        Ok(out)
    })
}

/// Blocking: the user info (reqUserInfo under a reserved id), at most
/// `timeout_ms`. On success `*out` holds one "UserInfo" message
/// (`white_branding_id`, empty for IB's own brand).
#[no_mangle]
pub unsafe extern "C" fn tws_client_user_info(
    client: *mut tws_client,
    timeout_ms: u32,
    out: *mut *mut tws_messages,
) -> tws_result {
    blocking(client, out, |c| {
        let id = c.inner.user_info(ms(timeout_ms))?;
        Ok(vec![Incoming::UserInfo(UserInfo {
            req_id: -1,
            white_branding_id: id.into(),
        })])
    })
}

/// Blocking: the Wall Street Horizon metadata (reqWshMetaData under a
/// reserved id, cancelled once it came), at most `timeout_ms`. On success
/// `*out` holds one "WshMetaData" message (`data_json`).
#[no_mangle]
pub unsafe extern "C" fn tws_client_wsh_meta_data(
    client: *mut tws_client,
    timeout_ms: u32,
    out: *mut *mut tws_messages,
) -> tws_result {
    blocking(client, out, |c| {
        let data_json = c.inner.wsh_meta_data(ms(timeout_ms))?;
        Ok(vec![Incoming::WshMetaData(WshMetaData {
            req_id: -1,
            data_json,
        })])
    })
}

/// Blocking: the FA configuration of one kind (requestFA; `fa_data_type` 1
/// groups, 3 account aliases), at most `timeout_ms`. On success `*out` holds
/// one "ReceiveFa" message (`fa_data`, `cxml`). TWS refuses a login that is
/// no advisor without naming the request: that is TWS_ERR_TIMEOUT.
#[no_mangle]
pub unsafe extern "C" fn tws_client_request_fa(
    client: *mut tws_client,
    fa_data_type: i32,
    timeout_ms: u32,
    out: *mut *mut tws_messages,
) -> tws_result {
    blocking(client, out, |c| {
        let cxml = c.inner.request_fa(fa_data_type, ms(timeout_ms))?;
        Ok(vec![Incoming::ReceiveFa(ReceiveFa {
            fa_data: fa_data_type,
            cxml,
        })])
    })
}

/// Blocking: the display groups (queryDisplayGroups under a reserved id),
/// at most `timeout_ms`. On success `*out` holds one "DisplayGroupList"
/// message (`groups`: the ids, `|`-separated).
#[no_mangle]
pub unsafe extern "C" fn tws_client_query_display_groups(
    client: *mut tws_client,
    timeout_ms: u32,
    out: *mut *mut tws_messages,
) -> tws_result {
    blocking(client, out, |c| {
        let groups = c.inner.query_display_groups(ms(timeout_ms))?;
        let groups: Vec<String> = groups.iter().map(i32::to_string).collect();
        Ok(vec![Incoming::DisplayGroupList(DisplayGroupList {
            req_id: -1,
            groups: groups.join("|"),
        })])
    })
}
