"""The README's side-by-side: IB's ibapi hello world and ours, blocking and
with asyncio, extracted from README.md and run against tws-sim; each must
print every row (ibapi's AllTags leaves out six tags that ours asks for). ibapi's runs where its venv exists
(target/ibapi-venv, made by make test's conformance suite)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

from conftest import ROOT

README = ROOT / "README.md"
IBAPI_PYTHON = ROOT / "target" / "ibapi-venv" / "bin" / "python"


def snippet(name: str) -> str:
    text = README.read_text()
    m = re.search(rf"<!-- side-by-side: {name} -->\n```python\n(.*?)```", text, re.S)
    assert m, f"README has no {name} snippet"
    return m.group(1)


def rows_printed(python: Path, code: str, port: int) -> List[str]:
    assert "7497" in code
    out = subprocess.run(
        [str(python), "-c", code.replace("7497", str(port))], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    return sorted(line for line in out.stdout.splitlines() if not line.startswith("error "))


@pytest.mark.parametrize("name", ["blocking", "asyncio"])
def test_ours_prints_every_row(sim, name):
    rows = rows_printed(Path(sys.executable), snippet(name), sim.port)
    assert "DU123456 NetLiquidation 983631.71 USD" in rows
    assert "DU654321 NetLiquidation" in " ".join(rows)
    assert len(rows) >= 60


def test_ibapi_prints_the_same_rows(sim):
    if not IBAPI_PYTHON.is_file():
        pytest.skip("no target/ibapi-venv (scripts/ibapi-venv.sh makes it)")
    ours = rows_printed(Path(sys.executable), snippet("blocking"), sim.port)
    theirs = rows_printed(IBAPI_PYTHON, snippet("ibapi"), sim.port)
    assert "DU123456 NetLiquidation 983631.71 USD" in theirs
    # ibapi's AllTags is a subset of libtws's every tag: its rows are ours, ours has a few more.
    assert set(theirs) < set(ours), sorted(set(theirs) - set(ours))
    extra = {line.split()[1] for line in set(ours) - set(theirs)}
    assert extra <= {"RegTEquity", "RegTMargin"} | {f"DayTradesRemainingT+{i}" for i in range(1, 5)}, extra
