"""Historical data from Python against tws-sim: dates and times parsed,
the pacing options, its counters and its events, a blocking call's timeout held by
the pacing, bars as dataclasses and as a DataFrame, and (once the
simulator serves history) the blocking calls' answers."""

from __future__ import annotations

import time

import pytest

import tws

FAST = tws.HistoryPacing(
    identical_window=0.4, same_contract_window=0.3, same_contract_max=5, window=1.5, window_max=20, max_open=50
)


def test_parse_time_reads_every_form_to_utc():
    assert tws.parse_time("20261130") == 1_795_996_800
    assert tws.parse_time("20261130 09:30:00 US/Eastern") == 1_795_996_800 + 14 * 3600 + 1800
    assert tws.parse_time("20261130  09:30:00", "America/New_York") == 1_795_996_800 + 14 * 3600 + 1800
    assert tws.parse_time("20261130-14:30:00") == 1_795_996_800 + 14 * 3600 + 1800
    assert tws.parse_time("1795996800") == 1_795_996_800
    assert tws.parse_time("20261130 09:30:00 Mars/Base") is None
    assert tws.parse_time("yesterday") is None


def test_pacing_options_are_checked():
    with pytest.raises(tws.InvalidArgument):
        tws.Client(history_pacing=tws.HistoryPacing(same_contract_max=1))
    with pytest.raises(TypeError):
        tws.Client(history_pacing="yes")  # type: ignore[arg-type]
    tws.Client(history_pacing=False).close()


def _burst(client: tws.Client, n: int) -> float:
    start = time.monotonic()
    for i in range(n):
        client.req_historical_data(tws.stock("AAPL"), duration=f"{i + 1} D", req_id=100 + i)
    return time.monotonic() - start


def test_a_burst_for_one_contract_waits_and_is_counted(sim):
    with tws.Client(history_pacing=FAST) as c:
        c.connect("127.0.0.1", sim.port, client_id=51, timeout=10)
        assert _burst(c, 6) >= 0.3
        assert c.stat("history_paced") == 1
        assert c.stat("history_pacing_wait_ms") >= 250
        notices = []
        for e in c.events(timeout=5):
            if isinstance(e, tws.PacingNotice):
                notices.append(e)
                if e.stage == tws.PacingStage.RELEASED:
                    break
        assert [(n.req_id, n.stage, n.rule, n.request) for n in notices] == [
            (105, tws.PacingStage.HELD, tws.PacingRule.SAME_CONTRACT, "reqHistoricalData"),
            (105, tws.PacingStage.RELEASED, tws.PacingRule.SAME_CONTRACT, "reqHistoricalData"),
        ]
        assert 0 < notices[0].wait_ms <= 360 and notices[1].wait_ms >= 250


def test_without_pacing_the_burst_goes_at_once(sim):
    with tws.Client(history_pacing=False) as c:
        c.connect("127.0.0.1", sim.port, client_id=52, timeout=10)
        assert _burst(c, 6) < 0.25
        assert c.stat("history_paced") == 0


def test_a_blocking_call_held_past_its_timeout_fails_at_once(sim):
    slow = tws.HistoryPacing(identical_window=30, same_contract_window=0.3, window=1.5, window_max=20)
    with tws.Client(history_pacing=slow) as c:
        c.connect("127.0.0.1", sim.port, client_id=53, timeout=10)
        c.req_head_timestamp(tws.stock("AAPL"), "TRADES", req_id=1)
        start = time.monotonic()
        with pytest.raises(tws.Timeout):
            c.head_timestamp(tws.stock("AAPL"), "TRADES", timeout=0.5)
        assert time.monotonic() - start < 0.4


def test_bars_are_dataclasses_and_a_dataframe_when_pandas_is_there():
    from decimal import Decimal

    bars = [
        tws.Bar("20261130 10:00:00 US/Eastern", 189.1, 190.0, 188.7, 189.5, Decimal("51230"), Decimal("189.42"), 412),
        tws.Bar("20261130 11:00:00 US/Eastern", 189.5, 189.9, 189.0, 189.2, None, None, 10),
    ]
    assert tws.bar_time(bars[0]).timestamp() == 1_795_996_800 + 15 * 3600
    pd = pytest.importorskip("pandas")
    df = tws.bars_df(bars)
    assert list(df.columns) == ["date", "open", "high", "low", "close", "volume", "wap", "bar_count"]
    assert df["close"].tolist() == [189.5, 189.2]
    assert df["volume"].iloc[0] == 51230.0 and pd.isna(df["volume"].iloc[1])
    assert df.index[0].hour == 15


def test_blocking_bars_and_the_rest_against_the_simulator(sim):
    with tws.Client(history_pacing=FAST) as c:
        c.connect("127.0.0.1", sim.port, client_id=54, timeout=10)
        bars = c.historical_bars(tws.stock("AAPL"), end="20261130 16:00:00 US/Eastern", duration="1 D")
        assert [b.date for b in bars][0] == "20261130 09:30:00 US/Eastern"
        assert len(bars) == 7 and all(isinstance(b, tws.Bar) for b in bars)
        assert all(b.low <= b.close <= b.high for b in bars)
        assert tws.bar_time(bars[-1]).hour == 20  # 15:00 in New York
        head = c.head_timestamp(tws.stock("AAPL"))
        assert tws.parse_time(head) is not None
        assert c.histogram(tws.stock("AAPL"))
        ticks = c.historical_ticks(tws.stock("AAPL"), end="20261130 16:00:00 US/Eastern", number_of_ticks=20)
        assert ticks and all(isinstance(t, tws.HistoricalTickLast) for t in ticks)
        schedule = c.historical_schedule(tws.stock("AAPL"), end="20261130 16:00:00 US/Eastern")
        assert schedule.sessions
        with pytest.raises(tws.RequestFailed) as e:
            c.historical_bars(tws.stock("NOPE"))
        assert e.value.tws_code == 200
