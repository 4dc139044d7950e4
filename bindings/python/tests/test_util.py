"""tws.util: flat rows of events, and pandas DataFrames of positions and
account values from the simulator (pandas is optional)."""

from __future__ import annotations

import sys
from collections import Counter, namedtuple
from dataclasses import dataclass
from decimal import Decimal

import pytest

import tws
import tws.util

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Inner:
    con_id: int
    symbol: str


@dataclass(frozen=True)
class Outer:
    account: str
    contract: Inner
    position: Decimal
    avg_cost: float
    legs: list


def test_flatten_nests_records_with_dots():
    row = tws.util.flatten(Outer("DU1", Inner(265598, "AAPL"), Decimal("100"), 172.35, [1]))
    assert row["account"] == "DU1"
    assert row["contract.symbol"] == "AAPL" and row["contract.con_id"] == 265598
    assert row["position"] == Decimal("100") and row["avg_cost"] == 172.35
    assert "contract" not in row and row["legs"] == [1]
    assert tws.util.flatten({"a": 1}) == {"a": 1}
    assert tws.util.flatten(namedtuple("P", "x y")(1, 2)) == {"x": 1, "y": 2}
    with pytest.raises(TypeError):
        tws.util.flatten(42)


def test_df_without_pandas_names_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now fails
    with pytest.raises(ImportError, match="pip install pandas"):
        tws.util.df([{"a": 1}])


def test_positions_and_account_values_as_dataframes(sim):
    pandas = pytest.importorskip("pandas")
    with tws.Client() as client:
        client.connect(HOST, sim.port, client_id=61, timeout=10)
        rows = client.positions()
        positions = tws.util.df(rows)
        values = tws.util.df(client.account_updates("DU123456").values)
        summary = tws.util.df(client.account_summary(tags="NetLiquidation"))
    assert isinstance(positions, pandas.DataFrame)
    assert len(positions) == 7
    assert list(positions.columns[:2]) == ["account", "contract.con_id"]
    aapl = positions[(positions["contract.symbol"] == "AAPL") & (positions["contract.sec_type"] == "STK")]
    assert aapl.iloc[0]["position"] == Decimal("100")
    assert positions.groupby("account").size().to_dict() == Counter(p.account for p in rows)
    assert set(positions["account"]) == {"DU123456", "DU654321"}
    net = values[(values["key"] == "NetLiquidation") & (values["currency"] == "USD")]
    assert net.iloc[0]["value"] == "983631.71"
    assert list(summary.columns) == ["account", "tag", "value", "currency"]
    assert set(summary["account"]) == {"DU123456", "DU654321"}
    picked = tws.util.df(client_rows := [tws.AccountSummaryRow("A", "T", "1", "USD")], labels=["tag", "account"])
    assert list(picked.columns) == ["tag", "account"] and len(client_rows) == 1
    assert tws.util.df([]).empty
