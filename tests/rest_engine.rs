//! The rest of the API through the engine, against the simulator over
//! 127.0.0.1: the blocking calls of news, scanner, advisors, display groups,
//! Wall Street Horizon, user info and configuration, their fixed routes
//! (replies without a request id reach the call, not the event queue), and
//! typed one-shot requests answered as events.

use std::time::{Duration, Instant};

use tws::client::{Client, Error, Event, Options};
use tws::protocol::config::{ApiConfigUpdate, ApiSettingsConfigUpdate, UpdateConfig};
use tws::protocol::scanner::ScannerSubscription;
use tws::protocol::wsh::ReqWshEventData;
use tws::protocol::Incoming;
use tws::sim::{self, SimConfig};

const T: Duration = Duration::from_secs(5);
const AAPL: i32 = 265_598;

fn session(server_version: i32) -> (sim::SimHandle, Client) {
    let sim = sim::start(SimConfig {
        server_version,
        quiet: true,
        summary_refresh: None,
        ..SimConfig::default()
    })
    .expect("simulator starts");
    let client = Client::new(Options::default()).unwrap();
    client
        .connect("127.0.0.1", sim.port(), 7, T)
        .expect("connects");
    (sim, client)
}

/// The first event message `pick` accepts within `T`.
fn wait_for<R>(client: &Client, mut pick: impl FnMut(Incoming) -> Option<R>) -> R {
    let deadline = Instant::now() + T;
    while Instant::now() < deadline {
        if let Ok(Some(Event::Message(msg))) = client.poll(Duration::from_millis(100)) {
            if let Some(r) = pick(msg) {
                return r;
            }
        }
    }
    panic!("no such event within {T:?}");
}

#[test]
fn blocking_news_scanner_and_display_group_calls_return_the_simulators_answers() {
    for version in [176, 222] {
        let (_sim, client) = session(version);
        let xml = client.scanner_parameters(T).unwrap();
        assert!(xml.contains("<ScanParameterResponse>"), "v{version}: {xml}");
        assert!(xml.contains("TOP_PERC_GAIN"));

        let providers = client.news_providers(T).unwrap();
        let codes: Vec<&str> = providers.iter().map(|p| p.code.as_str()).collect();
        assert_eq!(codes, ["BRFG", "BRFUPDN", "DJNL"], "v{version}");

        let (headlines, more) = client
            .historical_news(AAPL, "BRFG+DJNL", "", "", 4, T)
            .unwrap();
        assert_eq!(headlines.len(), 4, "v{version}: {headlines:?}");
        assert!(!more);
        assert!(headlines[0].headline.contains("AAPL"), "{headlines:?}");
        assert_eq!(headlines[3].provider_code, "DJNL");

        let article = client
            .news_article("BRFG", &headlines[0].article_id, T)
            .unwrap();
        assert_eq!(article.article_type, 0);
        assert!(article.article_text.contains(&headlines[0].article_id));
        match client.news_article("NOPE", "x", T) {
            Err(Error::Request { code: 321, .. }) => {}
            other => panic!("an unknown provider is refused: {other:?}"),
        }

        assert_eq!(client.query_display_groups(T).unwrap(), [1, 2, 3]);
        assert_eq!(client.user_info(T).unwrap(), "");
        let meta = client.wsh_meta_data(T).unwrap();
        assert!(meta.contains("wshe_ed"), "{meta}");
    }
}

#[test]
fn request_fa_returns_the_xml_of_each_kind_for_the_accounts() {
    let (_sim, client) = session(222);
    let groups = client.request_fa(1, T).unwrap();
    assert!(groups.contains("<ListOfGroups>"), "{groups}");
    let aliases = client.request_fa(3, T).unwrap();
    assert!(aliases.contains("<ListOfAccountAliases>"), "{aliases}");
    for account in client.managed_accounts() {
        assert!(groups.contains(&account), "{account} in {groups}");
    }
}

#[test]
fn config_and_update_config_need_their_versions_and_answer_from_them() {
    let (_sim, client) = session(222);
    let config = client.config(T).unwrap();
    let settings = config.api.unwrap().settings.unwrap();
    assert_eq!(settings.socket_port, 7497);
    let update = UpdateConfig {
        api: Some(Box::new(ApiConfigUpdate {
            settings: Some(ApiSettingsConfigUpdate {
                read_only_api: 0,
                ..ApiSettingsConfigUpdate::default()
            }),
            ..ApiConfigUpdate::default()
        })),
        ..UpdateConfig::default()
    };
    let answer = client.update_config(&update, T).unwrap();
    assert_eq!(answer.status, "SUCCESS");
    assert_eq!(answer.changed_fields, ["api.settings"]);

    let (_old, old_client) = session(220);
    assert!(old_client.config(T).is_ok(), "reqConfig exists from 219");
    match old_client.update_config(&update, T) {
        Err(Error::Encode(tws::protocol::EncodeError::NotSupported { .. })) => {}
        other => panic!("updateConfig needs 221: {other:?}"),
    }
}

#[test]
fn one_shot_requests_are_answered_as_events() {
    let (_sim, client) = session(222);
    let subscription = ScannerSubscription {
        number_of_rows: 3,
        instrument: "STK".into(),
        location_code: "STK.US.MAJOR".into(),
        scan_code: "TOP_PERC_GAIN".into(),
        ..ScannerSubscription::default()
    };
    client.req_scanner_subscription(11, &subscription).unwrap();
    let rows = wait_for(&client, |m| match m {
        Incoming::ScannerData(d) if d.req_id == 11 => Some(d.items),
        _ => None,
    });
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(rows.iter().all(|r| r.contract.sec_type == "STK"));
    assert_eq!(rows[2].rank, 2);
    client.cancel_scanner_subscription(11).unwrap();

    client.req_news_bulletins(true).unwrap();
    let bulletin = wait_for(&client, |m| match m {
        Incoming::UpdateNewsBulletin(b) => Some(b),
        _ => None,
    });
    assert_eq!(bulletin.origin_exch, "NYSE");
    client.cancel_news_bulletins().unwrap();

    client.replace_fa(12, 1, "<ListOfGroups/>").unwrap();
    let end = wait_for(&client, |m| match m {
        Incoming::ReplaceFaEnd(e) => Some(e),
        _ => None,
    });
    assert_eq!(end.req_id, 12);

    client.subscribe_to_group_events(13, 1).unwrap();
    client.update_display_group(13, "265598@SMART").unwrap();
    let shown = wait_for(&client, |m| match m {
        Incoming::DisplayGroupUpdated(u) if u.contract_info != "none" => Some(u),
        _ => None,
    });
    assert_eq!(
        (shown.req_id, shown.contract_info.as_str()),
        (13, "265598@SMART")
    );
    client.unsubscribe_from_group_events(13).unwrap();

    client
        .req_wsh_event_data(&ReqWshEventData {
            req_id: 14,
            con_id: AAPL,
            total_limit: i32::MAX,
            ..ReqWshEventData::default()
        })
        .unwrap();
    let event = wait_for(&client, |m| match m {
        Incoming::WshEventData(e) => Some(e),
        _ => None,
    });
    assert_eq!(event.req_id, 14);
    assert!(
        event.data_json.contains("\"symbol\":\"AAPL\""),
        "{}",
        event.data_json
    );

    client.verify_request("libtws-test", "1.0").unwrap();
    let verified = wait_for(&client, |m| match m {
        Incoming::VerifyCompleted(v) => Some(v),
        _ => None,
    });
    assert!(!verified.is_successful);
    client.set_server_log_level(5).unwrap();
}

#[test]
fn scanner_parameters_without_a_waiting_call_are_an_event() {
    // The fixed route holds only while a call waits: a one-shot's reply is
    // an ordinary event.
    let (_sim, client) = session(222);
    client.req_scanner_parameters().unwrap();
    let xml = wait_for(&client, |m| match m {
        Incoming::ScannerParameters(p) => Some(p.xml),
        _ => None,
    });
    assert!(xml.contains("STK.US.MAJOR"));
    client.req_news_providers().unwrap();
    let n = wait_for(&client, |m| match m {
        Incoming::NewsProviders(p) => Some(p.news_providers.len()),
        _ => None,
    });
    assert_eq!(n, 3);
}

#[test]
fn generic_tick_292_brings_a_headline_on_the_subscription() {
    let (_sim, client) = session(222);
    let aapl = tws::protocol::messages::Contract {
        symbol: "AAPL".into(),
        sec_type: "STK".into(),
        exchange: "SMART".into(),
        currency: "USD".into(),
        ..Default::default()
    };
    client
        .req_mkt_data(15, &aapl, "292", false, false, &[])
        .unwrap();
    let news = wait_for(&client, |m| match m {
        Incoming::TickNews(n) if n.req_id == 15 => Some(n),
        _ => None,
    });
    assert_eq!(news.provider_code, "BRFG");
    assert!(news.headline.contains("AAPL"), "{}", news.headline);
    // Its article is one the simulator serves.
    let article = client
        .news_article(&news.provider_code, &news.article_id, T)
        .unwrap();
    assert!(article.article_text.contains(&news.article_id));
}
