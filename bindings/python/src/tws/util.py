"""Helpers around the binding's values: :func:`df` turns lists of events or
rows into pandas DataFrames.

pandas is optional: it is imported only when :func:`df` is called, and the
package never depends on it (``pip install pandas`` to use this).
"""

from __future__ import annotations

import dataclasses
import importlib
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence

__all__ = ["df", "flatten"]


def flatten(obj: Any, prefix: str = "") -> Dict[str, Any]:
    """One event or row as a flat ``dict``: the fields of a dataclass
    (nested dataclasses such as a position's ``contract`` as
    ``"contract.symbol"``, ``"contract.con_id"``, ...), the items of a
    mapping, or the fields of a named tuple. Lists stay values."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out: Dict[str, Any] = {}
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            name = prefix + f.name
            if dataclasses.is_dataclass(value) and not isinstance(value, type):
                out.update(flatten(value, name + "."))
            else:
                out[name] = value
        return out
    if isinstance(obj, Mapping):
        return {prefix + str(k): v for k, v in obj.items()}
    fields = getattr(obj, "_fields", None)  # a named tuple
    if isinstance(obj, tuple) and fields is not None:
        return {prefix + str(k): v for k, v in zip(fields, obj)}
    raise TypeError(f"cannot make a row of a {type(obj).__name__}: give dataclasses, mappings or named tuples")


def df(objs: Iterable[Any], labels: Optional[Sequence[str]] = None) -> Any:
    """A :class:`pandas.DataFrame` with one row per object of ``objs``
    (events, rows of a blocking call, :class:`tws.Quote` s, dicts), one
    column per field (see :func:`flatten`), like ib_async's ``util.df``::

        positions = tws.util.df(client.positions())
        positions[["account", "contract.symbol", "position", "avg_cost"]]
        tws.util.df(client.account_updates("DU123456").values)

    ``labels`` keeps only those columns, in that order. Decimal quantities
    stay exact :class:`decimal.Decimal` (``.astype(float)`` to compute
    fast); values TWS did not send are ``None``. Raises ``ImportError``
    when pandas is not installed. (Typed ``Any``: pandas has no type
    information of its own.)
    """
    try:
        pandas = importlib.import_module("pandas")
    except ImportError as e:
        raise ImportError("tws.util.df needs pandas, which the tws package does not install: pip install pandas") from e
    rows: List[Dict[str, Any]] = [flatten(o) for o in objs]
    columns: List[str] = []
    seen = set()
    for row in rows:  # every column, in first-seen order (rows of several kinds may mix)
        for name in row:
            if name not in seen:
                seen.add(name)
                columns.append(name)
    frame = pandas.DataFrame(rows, columns=columns)
    if labels is not None:
        frame = frame[list(labels)]
    return frame
