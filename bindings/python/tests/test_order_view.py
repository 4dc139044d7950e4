"""The order view and the order reconciliation from Python."""

from __future__ import annotations

import ctypes

import tws
from tws import _ffi

HOST = "127.0.0.1"


def test_struct_mirrors_match_the_header():
    from tws.order_view import tws_order_view, tws_reconciliation

    # int64, int32 (padded), int64 x2, then the texts, flags and numbers.
    assert ctypes.sizeof(tws_order_view) % 8 == 0
    assert tws_order_view.updated_at.offset + 8 == ctypes.sizeof(tws_order_view)
    assert ctypes.sizeof(tws_reconciliation) == 4 + 48 + 3 * 4
    assert _ffi.text(_ffi.lib.tws_state_str(8)) == "Reconciled"
    assert tws.ConnectionState.RECONCILED == 8


def test_an_unknown_order_is_none(sim):
    client = tws.Client()
    try:
        client.connect(HOST, sim.port, 1, timeout=5)
        assert client.order(1) is None
        assert client.order_ids() == []
        assert client.last_reconciliation() is None
    finally:
        client.close()


def test_a_1101_is_followed_by_a_reconciliation(start_sim):
    sim = start_sim("--connectivity", "1101@0.3")
    client = tws.Client()
    try:
        client.connect(HOST, sim.port, 0, timeout=5)
        states = []
        for e in client.events(timeout=5):
            if isinstance(e, tws.StateChanged):
                states.append(e.state)
                if e.state == tws.ConnectionState.RECONCILED:
                    assert "after 1101" in e.reason, e.reason
                    break
        assert states[-2:] == [tws.ConnectionState.IB_LINK_RESTORED, tws.ConnectionState.RECONCILED], states
        r = client.last_reconciliation()
        assert r is not None and r.cause == "1101"
        assert (r.open_orders, r.new_fills) == (0, 0)
        assert len(r.since) == 17 and r.since[8] == "-", r.since
        assert client.state == tws.ConnectionState.CONNECTED
    finally:
        client.close()
