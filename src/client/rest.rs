//! The rest of the API (news, scanner, financial advisors, display groups,
//! Wall Street Horizon, verification, session settings, configuration):
//! typed one-shot requests (their replies arrive as events) and the blocking
//! calls that collect the useful answers.

use std::time::Duration;

use crate::protocol::advisors::{ReplaceFa, ReqFa};
use crate::protocol::config::{ConfigResponse, ReqConfig, UpdateConfig, UpdateConfigResponse};
use crate::protocol::display_groups::{
    QueryDisplayGroups, SubscribeToGroupEvents, UnsubscribeFromGroupEvents, UpdateDisplayGroup,
};
use crate::protocol::messages::{
    ReqUserInfo, SetServerLogLevel, VerifyAndAuthMessage, VerifyAndAuthRequest, VerifyMessage,
    VerifyRequest,
};
use crate::protocol::news::{
    CancelNewsBulletins, HistoricalNews, NewsArticle, NewsProvider, ReqHistoricalNews,
    ReqNewsArticle, ReqNewsBulletins, ReqNewsProviders,
};
use crate::protocol::scanner::{
    CancelScannerSubscription, ReqScannerParameters, ReqScannerSubscription, ScannerSubscription,
};
use crate::protocol::wsh::{
    CancelWshEventData, CancelWshMetaData, ReqWshEventData, ReqWshMetaData,
};
use crate::protocol::{Incoming, Request};

use super::blocking::{Answers, Step};
use super::routes::{check_user_id, RouteKey};
use super::{Client, Error};

impl Client {
    /// reqNewsBulletins: `updateNewsBulletin` events until cancelled
    /// (`all_msgs`: today's earlier bulletins too).
    pub fn req_news_bulletins(&self, all_msgs: bool) -> Result<(), Error> {
        self.request(Request::ReqNewsBulletins(ReqNewsBulletins { all_msgs }))
    }

    /// cancelNewsBulletins.
    pub fn cancel_news_bulletins(&self) -> Result<(), Error> {
        self.request(Request::CancelNewsBulletins(CancelNewsBulletins {}))
    }

    /// reqNewsProviders: one `newsProviders` event.
    pub fn req_news_providers(&self) -> Result<(), Error> {
        self.request(Request::ReqNewsProviders(ReqNewsProviders {}))
    }

    /// reqNewsArticle: one `newsArticle` event tagged `req_id`.
    pub fn req_news_article(
        &self,
        req_id: i32,
        provider_code: &str,
        article_id: &str,
    ) -> Result<(), Error> {
        self.request(Request::ReqNewsArticle(ReqNewsArticle {
            req_id,
            provider_code: provider_code.into(),
            article_id: article_id.into(),
            news_article_options: Vec::new(),
        }))
    }

    /// reqHistoricalNews: `historicalNews` headlines, then
    /// `historicalNewsEnd`, tagged `req_id`.
    pub fn req_historical_news(&self, request: &ReqHistoricalNews) -> Result<(), Error> {
        self.request(Request::ReqHistoricalNews(request.clone()))
    }

    /// reqScannerParameters: one `scannerParameters` event (XML).
    pub fn req_scanner_parameters(&self) -> Result<(), Error> {
        self.request(Request::ReqScannerParameters(ReqScannerParameters {}))
    }

    /// reqScannerSubscription: `scannerData` events tagged `req_id` until
    /// cancelled.
    pub fn req_scanner_subscription(
        &self,
        req_id: i32,
        subscription: &ScannerSubscription,
    ) -> Result<(), Error> {
        self.request(Request::ReqScannerSubscription(ReqScannerSubscription {
            req_id,
            subscription: Box::new(subscription.clone()),
        }))
    }

    /// cancelScannerSubscription.
    pub fn cancel_scanner_subscription(&self, req_id: i32) -> Result<(), Error> {
        check_user_id(req_id)?;
        self.request(Request::CancelScannerSubscription(
            CancelScannerSubscription { req_id },
        ))
    }

    /// requestFA: one `receiveFA` event (1 groups, 3 account aliases).
    pub fn req_fa(&self, fa_data: i32) -> Result<(), Error> {
        self.request(Request::ReqFa(ReqFa { fa_data }))
    }

    /// replaceFA: replaces the FA configuration of one kind with `cxml`; a
    /// `replaceFAEnd` event tagged `req_id` follows.
    pub fn replace_fa(&self, req_id: i32, fa_data: i32, cxml: &str) -> Result<(), Error> {
        self.request(Request::ReplaceFa(ReplaceFa {
            req_id,
            fa_data,
            cxml: cxml.into(),
        }))
    }

    /// queryDisplayGroups: one `displayGroupList` event tagged `req_id`.
    pub fn query_display_groups_request(&self, req_id: i32) -> Result<(), Error> {
        self.request(Request::QueryDisplayGroups(QueryDisplayGroups { req_id }))
    }

    /// subscribeToGroupEvents: `displayGroupUpdated` events tagged `req_id`.
    pub fn subscribe_to_group_events(&self, req_id: i32, group_id: i32) -> Result<(), Error> {
        self.request(Request::SubscribeToGroupEvents(SubscribeToGroupEvents {
            req_id,
            group_id,
        }))
    }

    /// updateDisplayGroup: shows `contract_info` (`conid@exchange`) in the
    /// group subscribed under `req_id`.
    pub fn update_display_group(&self, req_id: i32, contract_info: &str) -> Result<(), Error> {
        self.request(Request::UpdateDisplayGroup(UpdateDisplayGroup {
            req_id,
            contract_info: contract_info.into(),
        }))
    }

    /// unsubscribeFromGroupEvents.
    pub fn unsubscribe_from_group_events(&self, req_id: i32) -> Result<(), Error> {
        check_user_id(req_id)?;
        self.request(Request::UnsubscribeFromGroupEvents(
            UnsubscribeFromGroupEvents { req_id },
        ))
    }

    /// reqWshMetaData: one `wshMetaData` event (JSON) tagged `req_id`.
    pub fn req_wsh_meta_data(&self, req_id: i32) -> Result<(), Error> {
        self.request(Request::ReqWshMetaData(ReqWshMetaData { req_id }))
    }

    /// cancelWshMetaData.
    pub fn cancel_wsh_meta_data(&self, req_id: i32) -> Result<(), Error> {
        check_user_id(req_id)?;
        self.request(Request::CancelWshMetaData(CancelWshMetaData { req_id }))
    }

    /// reqWshEventData: `wshEventData` events (JSON) tagged with the
    /// request's id.
    pub fn req_wsh_event_data(&self, request: &ReqWshEventData) -> Result<(), Error> {
        self.request(Request::ReqWshEventData(request.clone()))
    }

    /// cancelWshEventData.
    pub fn cancel_wsh_event_data(&self, req_id: i32) -> Result<(), Error> {
        check_user_id(req_id)?;
        self.request(Request::CancelWshEventData(CancelWshEventData { req_id }))
    }

    /// setServerLogLevel: TWS's API log level (1 system .. 5 detail).
    pub fn set_server_log_level(&self, log_level: i32) -> Result<(), Error> {
        self.request(Request::SetServerLogLevel(SetServerLogLevel { log_level }))
    }

    /// verifyRequest (third-party API verification).
    pub fn verify_request(&self, api_name: &str, api_version: &str) -> Result<(), Error> {
        self.request(Request::VerifyRequest(VerifyRequest {
            api_name: api_name.into(),
            api_version: api_version.into(),
        }))
    }

    /// verifyMessage.
    pub fn verify_message(&self, api_data: &str) -> Result<(), Error> {
        self.request(Request::VerifyMessage(VerifyMessage {
            api_data: api_data.into(),
        }))
    }

    /// verifyAndAuthRequest.
    pub fn verify_and_auth_request(
        &self,
        api_name: &str,
        api_version: &str,
        opaque_isv_key: &str,
    ) -> Result<(), Error> {
        self.request(Request::VerifyAndAuthRequest(VerifyAndAuthRequest {
            api_name: api_name.into(),
            api_version: api_version.into(),
            opaque_isv_key: opaque_isv_key.into(),
        }))
    }

    /// verifyAndAuthMessage.
    pub fn verify_and_auth_message(&self, api_data: &str, xyz_response: &str) -> Result<(), Error> {
        self.request(Request::VerifyAndAuthMessage(VerifyAndAuthMessage {
            api_data: api_data.into(),
            xyz_response: xyz_response.into(),
        }))
    }

    /// reqConfig (server 219+): one `configResponse` tagged `req_id`.
    pub fn req_config(&self, req_id: i32) -> Result<(), Error> {
        self.request(Request::ReqConfig(ReqConfig { req_id }))
    }

    /// updateConfig (server 221+): one `updateConfigResponse` tagged with
    /// the request's id.
    pub fn update_config_request(&self, update: &UpdateConfig) -> Result<(), Error> {
        self.request(Request::UpdateConfig(update.clone()))
    }
}

impl Client {
    /// Requests the scanner parameters and waits for `scannerParameters`
    /// (at most `timeout`): the XML of every instrument, location, scan code
    /// and filter. No request id: while it waits the reply goes to it; one
    /// call at a time (`Busy`).
    pub fn scanner_parameters(&self, timeout: Duration) -> Result<String, Error> {
        let call = self.start_call(
            Answers::Key(RouteKey::ScannerParameters),
            "scanner_parameters",
            timeout,
        )?;
        self.send_internal(&Request::ReqScannerParameters(ReqScannerParameters {}))?;
        let mut xml = String::new();
        self.collect(&call, "scannerParameters", |msg| {
            if let Incoming::ScannerParameters(m) = msg {
                xml = m.xml;
                return Step::Done;
            }
            Step::More
        })?;
        Ok(xml)
    }

    /// Requests the news providers and waits for `newsProviders` (at most
    /// `timeout`). No request id: one call at a time (`Busy`).
    pub fn news_providers(&self, timeout: Duration) -> Result<Vec<NewsProvider>, Error> {
        let call = self.start_call(
            Answers::Key(RouteKey::NewsProviders),
            "news_providers",
            timeout,
        )?;
        self.send_internal(&Request::ReqNewsProviders(ReqNewsProviders {}))?;
        let mut providers = Vec::new();
        self.collect(&call, "newsProviders", |msg| {
            if let Incoming::NewsProviders(m) = msg {
                providers = m.news_providers;
                return Step::Done;
            }
            Step::More
        })?;
        Ok(providers)
    }

    /// Requests one news article and waits for it (at most `timeout`), under
    /// an id of its own. Fails with `Request` when TWS refuses it.
    pub fn news_article(
        &self,
        provider_code: &str,
        article_id: &str,
        timeout: Duration,
    ) -> Result<NewsArticle, Error> {
        let call = self.start_call(Answers::OwnId, "news_article", timeout)?;
        self.send_internal(&Request::ReqNewsArticle(ReqNewsArticle {
            req_id: call.req_id,
            provider_code: provider_code.into(),
            article_id: article_id.into(),
            news_article_options: Vec::new(),
        }))?;
        let mut article = None;
        self.collect(&call, "newsArticle", |msg| {
            if let Incoming::NewsArticle(m) = msg {
                article = Some(m);
                return Step::Done;
            }
            Step::More
        })?;
        Ok(article.unwrap_or_default())
    }

    /// Requests the headlines of `con_id` from `provider_codes`
    /// (`BRFG+DJNL`) between the two times (`yyyy-MM-dd HH:mm:ss.0`, empty
    /// for none), at most `total_results`, and waits for every one up to
    /// `historicalNewsEnd` (at most `timeout`). Returns the headlines and
    /// whether more are available.
    pub fn historical_news(
        &self,
        con_id: i32,
        provider_codes: &str,
        start_date_time: &str,
        end_date_time: &str,
        total_results: i32,
        timeout: Duration,
    ) -> Result<(Vec<HistoricalNews>, bool), Error> {
        let call = self.start_call(Answers::OwnId, "historical_news", timeout)?;
        self.send_internal(&Request::ReqHistoricalNews(ReqHistoricalNews {
            req_id: call.req_id,
            con_id,
            provider_codes: provider_codes.into(),
            start_date_time: start_date_time.into(),
            end_date_time: end_date_time.into(),
            total_results,
            historical_news_options: Vec::new(),
        }))?;
        let mut rows = Vec::new();
        let mut has_more = false;
        self.collect(&call, "historicalNewsEnd", |msg| {
            if let Incoming::HistoricalNews(m) = msg {
                rows.push(m);
            } else if let Incoming::HistoricalNewsEnd(m) = msg {
                has_more = m.has_more;
                return Step::Done;
            }
            Step::More
        })?;
        Ok((rows, has_more))
    }

    /// Requests the user info and waits for `userInfo` (at most `timeout`):
    /// the white-branding id (empty for IB's own brand).
    pub fn user_info(&self, timeout: Duration) -> Result<String, Error> {
        let call = self.start_call(Answers::OwnId, "user_info", timeout)?;
        self.send_internal(&Request::ReqUserInfo(ReqUserInfo {
            req_id: call.req_id,
        }))?;
        let mut id = String::new();
        self.collect(&call, "userInfo", |msg| {
            if let Incoming::UserInfo(m) = msg {
                id = m.white_branding_id.to_string();
                return Step::Done;
            }
            Step::More
        })?;
        Ok(id)
    }

    /// Requests the Wall Street Horizon metadata and waits for `wshMetaData`
    /// (at most `timeout`): its JSON.
    pub fn wsh_meta_data(&self, timeout: Duration) -> Result<String, Error> {
        let call = self.start_call(Answers::OwnId, "wsh_meta_data", timeout)?;
        let req_id = call.req_id;
        self.send_internal(&Request::ReqWshMetaData(ReqWshMetaData { req_id }))?;
        let mut json = String::new();
        self.collect(&call, "wshMetaData", |msg| {
            if let Incoming::WshMetaData(m) = msg {
                json = m.data_json;
                return Step::Done;
            }
            Step::More
        })?;
        // TWS keeps the metadata subscription open until cancelled.
        let _ = self.send_internal(&Request::CancelWshMetaData(CancelWshMetaData { req_id }));
        Ok(json)
    }

    /// Requests the FA configuration of one kind (1 groups, 3 account
    /// aliases) and waits for `receiveFA` (at most `timeout`): its XML. No
    /// request id: one call at a time (`Busy`). TWS refuses a non-advisor
    /// login without naming the request, so that is a `Timeout`.
    pub fn request_fa(&self, fa_data: i32, timeout: Duration) -> Result<String, Error> {
        let call = self.start_call(Answers::Key(RouteKey::Fa), "request_fa", timeout)?;
        self.send_internal(&Request::ReqFa(ReqFa { fa_data }))?;
        let mut xml = String::new();
        self.collect(&call, "receiveFA", |msg| {
            if let Incoming::ReceiveFa(m) = msg {
                if m.fa_data == fa_data {
                    xml = m.cxml;
                    return Step::Done;
                }
            }
            Step::More
        })?;
        Ok(xml)
    }

    /// Queries the display groups and waits for `displayGroupList` (at most
    /// `timeout`): the group ids (TWS sends them `|`-separated).
    pub fn query_display_groups(&self, timeout: Duration) -> Result<Vec<i32>, Error> {
        let call = self.start_call(Answers::OwnId, "query_display_groups", timeout)?;
        self.send_internal(&Request::QueryDisplayGroups(QueryDisplayGroups {
            req_id: call.req_id,
        }))?;
        let mut groups = String::new();
        self.collect(&call, "displayGroupList", |msg| {
            if let Incoming::DisplayGroupList(m) = msg {
                groups = m.groups;
                return Step::Done;
            }
            Step::More
        })?;
        Ok(groups
            .split('|')
            .filter_map(|g| g.trim().parse().ok())
            .collect())
    }

    /// Requests TWS's API configuration and waits for `configResponse` (at
    /// most `timeout`; server 219+, `NotSupported` below).
    pub fn config(&self, timeout: Duration) -> Result<ConfigResponse, Error> {
        let call = self.start_call(Answers::OwnId, "config", timeout)?;
        self.send_internal(&Request::ReqConfig(ReqConfig {
            req_id: call.req_id,
        }))?;
        let mut out = None;
        self.collect(&call, "configResponse", |msg| {
            if let Incoming::ConfigResponse(m) = msg {
                out = Some(m);
                return Step::Done;
            }
            Step::More
        })?;
        Ok(out.unwrap_or_default())
    }

    /// Sends `update` (its request id replaced by one of the call's own) and
    /// waits for `updateConfigResponse` (at most `timeout`; server 221+).
    pub fn update_config(
        &self,
        update: &UpdateConfig,
        timeout: Duration,
    ) -> Result<UpdateConfigResponse, Error> {
        let call = self.start_call(Answers::OwnId, "update_config", timeout)?;
        let mut update = update.clone();
        update.req_id = call.req_id;
        self.send_internal(&Request::UpdateConfig(update))?;
        let mut out = None;
        self.collect(&call, "updateConfigResponse", |msg| {
            if let Incoming::UpdateConfigResponse(m) = msg {
                out = Some(m);
                return Step::Done;
            }
            Step::More
        })?;
        Ok(out.unwrap_or_default())
    }
}
