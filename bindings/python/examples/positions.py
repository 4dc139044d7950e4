#!/usr/bin/env python3
"""Positions: connect, request every position of every account, print one
line per position, stop at positionEnd, disconnect. Prints the same lines as
examples-c/positions.c.

    positions.py [HOST [PORT [CLIENT_ID]]]     defaults: 127.0.0.1 7497 0

Quantities are exact decimals, printed as TWS sent them (fractional shares
exist); the average cost is a float, printed with up to 10 significant digits.
"""

import sys
from typing import List

import tws


def main(argv: List[str]) -> int:
    if len(argv) > 4:
        print("usage: positions.py [HOST [PORT [CLIENT_ID]]]", file=sys.stderr)
        return 2
    host = argv[1] if len(argv) > 1 else "127.0.0.1"
    port = int(argv[2]) if len(argv) > 2 else 7497
    client_id = int(argv[3]) if len(argv) > 3 else 0
    try:
        with tws.Client() as client:
            client.connect(host, port, client_id, timeout=10)
            client.req_positions()
            for event in client.events(timeout=30):
                if isinstance(event, tws.Position):
                    c = event.contract
                    quantity = "" if event.position is None else event.position
                    print(
                        f"Position. Account: {event.account} Symbol: {c.symbol} SecType: {c.sec_type} "
                        f"Currency: {c.currency} Position: {quantity} Avg cost: {event.avg_cost:.10g}"
                    )
                elif isinstance(event, tws.PositionEnd):
                    client.cancel_positions()
                    return 0
                elif isinstance(event, tws.ErrorMessage):
                    print(f"ERROR {event.code} (id {event.req_id}): {event.message}", file=sys.stderr)
                elif isinstance(event, tws.StateChanged) and event.state == tws.ConnectionState.CONNECTION_LOST:
                    print(f"positions: connection lost: {event.reason}", file=sys.stderr)
                    return 1
            print("positions: no positionEnd within 30 s", file=sys.stderr)
            return 1
    except tws.TwsError as e:
        print(f"positions: {e}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
