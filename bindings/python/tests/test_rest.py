"""The rest of the API from Python against the simulator: the blocking
calls (RestMixin) and one-shot requests through Client.send."""

import pytest

import tws

AAPL = 265598


def test_blocking_calls_return_the_simulators_answers(sim):
    with tws.Client() as client:
        client.connect("127.0.0.1", sim.port, client_id=74, timeout=10)
        assert "TOP_PERC_GAIN" in client.scanner_parameters()
        assert [p.code for p in client.news_providers()] == ["BRFG", "BRFUPDN", "DJNL"]
        headlines, more = client.historical_news(AAPL, "BRFG+DJNL", total_results=4)
        assert len(headlines) == 4 and not more
        assert "AAPL" in headlines[0].headline
        article = client.news_article("BRFG", headlines[0].article_id)
        assert headlines[0].article_id in article.article_text
        with pytest.raises(tws.RequestFailed):
            client.news_article("NOPE", "x")
        assert "<ListOfGroups>" in client.request_fa(1)
        assert client.query_display_groups() == [1, 2, 3]
        assert client.user_info() == ""
        assert "wshe_ed" in client.wsh_meta_data()


def test_one_shot_requests_are_sent_generically(sim):
    with tws.Client() as client:
        client.connect("127.0.0.1", sim.port, client_id=75, timeout=10)
        client.send("ReqNewsBulletins", all_msgs=True)
        client.send("UpdateConfig", req_id=9, reset_api_order_sequence=1)
        seen = set()
        for event in client.events(timeout=10):
            if isinstance(event, tws.UpdateNewsBulletin):
                seen.add("bulletin")
            if isinstance(event, tws.UpdateConfigResponse):
                assert event.req_id == 9
                assert list(event.changed_fields) == ["resetAPIOrderSequence"]
                seen.add("config")
            if seen == {"bulletin", "config"}:
                break
        assert seen == {"bulletin", "config"}
