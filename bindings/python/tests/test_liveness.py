"""Dead-peer detection, the queue's byte bound, and the end of the event stream."""

from __future__ import annotations

import time

import pytest

import tws

HOST = "127.0.0.1"


def test_a_frozen_tws_is_reported_as_a_dead_peer(start_sim):
    sim = start_sim("--freeze-after", "1")
    with tws.Client(liveness_idle=0.3, liveness_timeout=0.3, reconnect=False) as client:
        client.connect(HOST, sim.port, 0, timeout=5)
        deadline = time.monotonic() + 8
        lost = None
        while lost is None and time.monotonic() < deadline:
            event = client.poll(0.25)
            if isinstance(event, tws.StateChanged) and event.state == tws.ConnectionState.CONNECTION_LOST:
                lost = event
        assert lost is not None, "no ConnectionLost from a frozen TWS"
        assert "dead-peer" in lost.reason, lost.reason


def test_liveness_off_keeps_a_frozen_session(start_sim):
    sim = start_sim("--freeze-after", "0.2")
    with tws.Client(liveness_idle=0, reconnect=False) as client:
        client.connect(HOST, sim.port, 0, timeout=5)
        states = [e.state for e in client.events(timeout=1.5) if isinstance(e, tws.StateChanged)]
        assert states == [tws.ConnectionState.CONNECTED]  # the startup event only
        assert client.state == tws.ConnectionState.CONNECTED


@pytest.mark.parametrize(
    "options,name",
    [
        ({"liveness_idle": 0.005}, "liveness"),  # 5 ms: below the engine's 10 ms
        ({"liveness_idle": 1, "liveness_timeout": 0.001}, "liveness"),
        ({"liveness_idle": 3601}, "liveness"),
        ({"queue_max_bytes": 0}, "queue"),
    ],
)
def test_out_of_range_options_are_refused_by_the_engine(options, name):
    with pytest.raises(tws.InvalidArgument) as info:
        tws.Client(**options)
    assert info.value.code == -2  # TWS_ERR_INVALID_ARGUMENT, from tws_options_set_*


@pytest.mark.parametrize(
    "options,error,name",
    [
        ({"liveness_idle": "1"}, TypeError, "liveness_idle"),
        ({"liveness_timeout": True}, TypeError, "liveness_timeout"),
        ({"liveness_idle": -1.0}, ValueError, "liveness_idle"),
        ({"queue_max_bytes": 1.5}, TypeError, "queue_max_bytes"),
        ({"queue_max_bytes": -1}, ValueError, "queue_max_bytes"),
        ({"queue_max_bytes": 2**64}, ValueError, "queue_max_bytes"),
    ],
)
def test_wrong_option_types_name_the_option(options, error, name):
    with pytest.raises(error, match=name):
        tws.Client(**options)


def test_valid_options_are_accepted(sim):
    with tws.Client(liveness_idle=5, liveness_timeout=2.5, queue_max_bytes=1 << 20) as client:
        client.connect(HOST, sim.port, 0, timeout=5)
        client.req_current_time()
    with tws.Client(liveness_timeout=1) as client:  # idle stays at its default
        client.connect(HOST, sim.port, 1, timeout=5)


def flood_waits(port: int, client_id: int, **options) -> "tuple[int, int]":
    """(rows, queue_full_waits) for a 200-row flood read only after it was all sent."""
    with tws.Client(**options) as client:
        client.connect(HOST, port, client_id, timeout=5)
        list(client.events(timeout=0.2))
        req = client.req_account_summary(tags="NetLiquidation")
        time.sleep(1.0)  # the reader fills the queue meanwhile (or waits for room)
        rows = 0
        for event in client.events(timeout=5):
            if isinstance(event, tws.AccountSummary) and event.tag == "FloodRow":
                rows += 1
            if isinstance(event, tws.AccountSummaryEnd) and event.req_id == req:
                break
        return rows, client.stats().queue_full_waits


def test_queue_max_bytes_reaches_the_engine(start_sim):
    # With the default 64 MiB the flood fits; with 1 byte only one event fits
    # at a time (one always enters an empty queue), so the reader waits for
    # room, which the stats count; nothing is lost either way.
    sim = start_sim("--flood", "200")
    assert flood_waits(sim.port, 0) == (200, 0)
    rows, waits = flood_waits(sim.port, 1, queue_max_bytes=1)
    assert rows == 200 and waits > 0


def test_poll_without_a_session_raises_not_connected_at_once():
    with tws.Client() as client:
        start = time.monotonic()
        with pytest.raises(tws.NotConnected) as info:
            client.poll(5)
        assert not isinstance(info.value, tws.ClientClosed)
        assert time.monotonic() - start < 4  # not the whole timeout


def test_events_end_when_no_session_is_left(sim):
    with tws.Client() as client:
        assert list(client.events()) == []  # never connected: ends at once
        client.connect(HOST, sim.port, 0, timeout=5)
        list(client.events(timeout=0.2))
        client.disconnect()
        # No timeout: ends by itself once the DISCONNECTED event was yielded.
        rest = list(client.events())
        assert [e.state for e in rest if isinstance(e, tws.StateChanged)][-1:] == [tws.ConnectionState.DISCONNECTED]
        with pytest.raises(tws.NotConnected):
            client.poll(0)


def test_events_end_after_a_loss_without_reconnect(start_sim):
    sim = start_sim()
    with tws.Client(reconnect=False) as client:
        client.connect(HOST, sim.port, 0, timeout=5)
        list(client.events(timeout=0.2))
        sim.stop()
        states = [e.state for e in client.events() if isinstance(e, tws.StateChanged)]
        assert tws.ConnectionState.CONNECTION_LOST in states
