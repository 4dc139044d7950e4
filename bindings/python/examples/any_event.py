#!/usr/bin/env python3
"""Any event, any field: requests positions and PnL, then prints every event
that carries a message, field by field, without knowing its class:
"PnL req_id=1 daily_pnl=... unrealized_pnl=(absent) ...". Nested records
are named like libtws's generic accessor names them ("contract.symbol"),
lists as their count then each item ("combo_legs[0].ratio"). Works for every
message, also those this binding has no class for (``tws.GenericMessage``).
The Python side of examples-c/any_event.c.

    any_event.py [HOST [PORT [CLIENT_ID [ACCOUNT]]]]   defaults: 127.0.0.1 7497 0 DU123456
"""

import dataclasses
import sys
from decimal import Decimal
from typing import Any, Iterator, List, Tuple

import tws


def fields(value: Any, prefix: str = "") -> Iterator[Tuple[str, Any]]:
    """(name, value) of every field of a message, nested records and lists flattened."""
    for f in dataclasses.fields(value):
        name, v = prefix + f.name, getattr(value, f.name)
        if dataclasses.is_dataclass(v):
            yield from fields(v, name + ".")
        elif isinstance(v, list):
            yield name, len(v)
            for i, item in enumerate(v):
                if dataclasses.is_dataclass(item):
                    yield from fields(item, f"{name}[{i}].")
                else:
                    yield f"{name}[{i}]", item
        else:
            yield name, v


def show(value: Any) -> str:
    if value is None:
        return "(absent)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):  # also IntEnum values (error_class)
        return str(int(value))
    if isinstance(value, float):
        return f"{value:.10g}"
    if isinstance(value, Decimal):
        return f'"{value}"'
    return f'"{value}"'


def print_fields(event: Any) -> None:
    if isinstance(event, tws.GenericMessage):
        items: List[Tuple[str, Any]] = list(event.fields.items())
        name = event.name
    else:
        items, name = list(fields(event)), event.MESSAGE
    print(" ".join([name] + [f"{k}={show(v)}" for k, v in items]))


def main(argv: List[str]) -> int:
    if len(argv) > 5:
        print("usage: any_event.py [HOST [PORT [CLIENT_ID [ACCOUNT]]]]", file=sys.stderr)
        return 2
    host = argv[1] if len(argv) > 1 else "127.0.0.1"
    port = int(argv[2]) if len(argv) > 2 else 7497
    client_id = int(argv[3]) if len(argv) > 3 else 0
    account = argv[4] if len(argv) > 4 else "DU123456"
    try:
        with tws.Client() as client:
            client.connect(host, port, client_id, timeout=10)
            client.req_positions()
            client.req_pnl(account, req_id=1)
            position_end = pnl = False
            for event in client.events(timeout=10):
                if not hasattr(event, "MESSAGE") and not isinstance(event, tws.GenericMessage):
                    continue  # engine events: state, unknown, decode/protocol error
                print_fields(event)
                position_end |= isinstance(event, tws.PositionEnd)
                pnl |= isinstance(event, tws.PnL)
                if position_end and pnl:
                    break
            else:
                print("any_event: timed out", file=sys.stderr)
            client.cancel_pnl(1)
            return 0 if position_end and pnl else 1
    except tws.TwsError as e:
        print(f"any_event: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
