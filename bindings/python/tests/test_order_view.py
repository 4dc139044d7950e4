"""The order view and the order reconciliation from Python."""

from __future__ import annotations

import ctypes
import shutil
import subprocess
from pathlib import Path

import pytest

import tws
from tws import _ffi

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler to read the header's layout")
def test_struct_mirrors_have_the_header_layout(tmp_path):
    from tws.order_view import tws_order_view, tws_reconciliation

    lines = ["#include <stddef.h>", "#include <stdio.h>", '#include "tws.h"', "int main(void) {"]
    expected = []
    for mirror in (tws_order_view, tws_reconciliation):
        name = mirror.__name__
        lines.append(f'printf("%zu\\n", sizeof({name}));')
        expected.append(ctypes.sizeof(mirror))
        for field, _ in mirror._fields_:
            lines.append(f'printf("%zu\\n", offsetof({name}, {field}));')
            expected.append(getattr(mirror, field).offset)
    lines.append("return 0; }")
    src, exe = tmp_path / "layout.c", tmp_path / "layout"
    src.write_text("\n".join(lines))
    subprocess.run(["cc", "-I", str(ROOT / "include"), str(src), "-o", str(exe)], check=True, timeout=60)
    got = [int(x) for x in subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout.split()]
    assert got == expected
    assert _ffi.text(_ffi.lib.tws_state_str(8)) == "Reconciled"
    assert tws.ConnectionState.RECONCILED == 8


def test_an_unknown_order_is_none(sim):
    with pytest.raises(TypeError):
        tws.Client(order_view_capacity="many")
    client = tws.Client(order_view_capacity=5)
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
