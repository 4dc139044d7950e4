"""Client.poll_many: many events per call into libtws, in order, nothing lost;
and the delivery options for speed (callbacks on the reader thread, busy poll)."""

from __future__ import annotations

import threading

import pytest

import tws


def test_poll_many_returns_the_events_poll_would_in_order(sim):
    with tws.Client() as a, tws.Client() as b:
        for client in (a, b):
            client.connect("127.0.0.1", sim.port, 11 if client is a else 12, timeout=10)
            client.req_account_summary(tags="NetLiquidation,AccountType", req_id=5)
        one_by_one = []
        while not any(isinstance(e, tws.AccountSummaryEnd) for e in one_by_one):
            event = a.poll(timeout=5)
            assert event is not None, "the summary did not end"
            one_by_one.append(event)
        batched = []
        while not any(isinstance(e, tws.AccountSummaryEnd) for e in batched):
            got = b.poll_many(3, timeout=5)
            assert 1 <= len(got) <= 3
            batched += got
    rows = lambda events: [(e.tag, e.value) for e in events if isinstance(e, tws.AccountSummary)]
    assert rows(batched) == rows(one_by_one)
    assert len(rows(batched)) >= 2
    assert isinstance(batched[-1], tws.AccountSummaryEnd)


def test_poll_many_times_out_empty_and_refuses_zero(sim):
    with tws.Client() as client:
        client.connect("127.0.0.1", sim.port, 13, timeout=10)
        while client.poll_many(100, timeout=0.3):
            pass  # the startup sequence
        assert client.poll_many(100, timeout=0.05) == []
        with pytest.raises(ValueError):
            client.poll_many(0)


def test_poll_many_without_a_session_raises_not_connected():
    with tws.Client() as client:
        with pytest.raises(tws.NotConnected):
            client.poll_many(10, timeout=0.1)


def test_conflate_ticks_is_an_option_checked_before_anything_is_created():
    with tws.Client(conflate_ticks=False):
        pass
    with pytest.raises(TypeError):
        tws.Client(conflate_ticks="no")


@pytest.mark.parametrize("busy_poll", [False, True])
def test_callbacks_on_the_reader_thread_get_every_event_and_refuse_waiting_calls(sim, busy_poll):
    seen = []
    refused = []
    done = threading.Event()
    with tws.Client(callbacks_on_reader=True, busy_poll=busy_poll) as client:

        def on_event(event):
            seen.append(event)
            if isinstance(event, tws.AccountSummaryEnd):
                try:
                    client.positions(timeout=1)
                except tws.Reentrant as e:
                    refused.append(e)
                done.set()

        client.set_callback(on_event)
        client.connect("127.0.0.1", sim.port, 14, timeout=10)
        client.req_account_summary(tags="NetLiquidation,AccountType", req_id=5)
        assert done.wait(10), "the summary did not end"
        client.set_callback(None)
    rows = [e for e in seen if isinstance(e, tws.AccountSummary)]
    assert len(rows) >= 2
    assert len(refused) == 1, "a blocking call on the reader thread is refused"
    with pytest.raises(TypeError):
        tws.Client(callbacks_on_reader="yes")
    with pytest.raises(TypeError):
        tws.Client(busy_poll=1.5)
