#!/usr/bin/env python3
"""Orders: place a limit order, print each status change, the fill (its
execution) and the commission, exit 0 once the order is filled and its
commission reported. Prints the same lines as examples-c/place_order.c.

    place_order.py [HOST [PORT [CLIENT_ID [SYMBOL [ACTION [QUANTITY [LIMIT [SECONDS]]]]]]]]
        defaults: 127.0.0.1 7497 0 AAPL BUY 100 189.50 30

Output:
    Placed. Id: 5 Symbol: AAPL Action: BUY Quantity: 100 Type: LMT Limit: 189.50
    OrderStatus. Id: 5 Status: Submitted Filled: 0 Remaining: 100 AvgPrice: 0.00
    OrderStatus. Id: 5 Status: Filled Filled: 100 Remaining: 0 AvgPrice: 189.50
    Execution. Id: 5 ExecId: 0000e0d5.6571a2b1.01.01 Side: BOT Shares: 100 Price: 189.50
    Commission. ExecId: 0000e0d5.6571a2b1.01.01 Amount: 1.00 Currency: USD

Against a real account this trades: run it on a paper account.
"""

import sys
import time
from typing import List, Set

import tws


def fail(what: str, e: tws.TwsError) -> int:
    print(f"place_order: {what} failed: {e}", file=sys.stderr)
    if isinstance(e, tws.ConnectionRefused):
        print("place_order: is TWS or IB Gateway running with the API enabled on that port?", file=sys.stderr)
    return 1


def main(argv: List[str]) -> int:
    if len(argv) > 9:
        print(
            "usage: place_order.py [HOST [PORT [CLIENT_ID [SYMBOL [ACTION [QUANTITY [LIMIT [SECONDS]]]]]]]]",
            file=sys.stderr,
        )
        return 2
    host = argv[1] if len(argv) > 1 else "127.0.0.1"
    port = int(argv[2]) if len(argv) > 2 else 7497
    client_id = int(argv[3]) if len(argv) > 3 else 0
    symbol = argv[4] if len(argv) > 4 else "AAPL"
    action = argv[5] if len(argv) > 5 else "BUY"
    quantity = argv[6] if len(argv) > 6 else "100"
    limit = float(argv[7]) if len(argv) > 7 else 189.50
    seconds = int(argv[8]) if len(argv) > 8 else 30
    with tws.Client() as client:
        try:
            client.connect(host, port, client_id, timeout=10)
        except tws.TwsError as e:
            return fail("connect", e)
        try:
            order_id = client.place_order(tws.stock(symbol), tws.limit_order(action, quantity, limit, tif="DAY"))
        except tws.TwsError as e:
            return fail("placeOrder", e)
        print(f"Placed. Id: {order_id} Symbol: {symbol} Action: {action} Quantity: {quantity} Type: LMT Limit: {limit:.2f}")
        sys.stdout.flush()

        exec_ids: Set[str] = set()
        commissions = 0
        filled = False
        last_status = ""
        deadline = time.monotonic() + seconds
        while not (filled and exec_ids and commissions >= len(exec_ids)) and time.monotonic() < deadline:
            event = client.poll(0.2)
            if isinstance(event, tws.ErrorMessage):
                print(f"place_order: TWS {event.code}: {event.message}", file=sys.stderr)
                if event.req_id == order_id and event.error_class == tws.ErrorClass.ERROR:
                    print(f"place_order: the order was refused ({tws.error_code_name(event.code) or '?'})", file=sys.stderr)
                    return 1
            elif isinstance(event, tws.OrderStatus) and event.order_id == order_id:
                # TWS repeats a status when nothing changed: print changes only.
                line = f"{event.status} {event.filled} {event.remaining} {event.avg_fill_price:.2f}"
                if line == last_status:
                    continue
                last_status = line
                print(
                    f"OrderStatus. Id: {order_id} Status: {event.status} Filled: {event.filled} "
                    f"Remaining: {event.remaining} AvgPrice: {event.avg_fill_price:.2f}"
                )
                if event.status == "Filled":
                    filled = True
                if event.status in ("Cancelled", "Inactive"):
                    print(f"place_order: the order ended {event.status}", file=sys.stderr)
                    return 1
            elif isinstance(event, tws.ExecDetails) and event.execution.order_id == order_id:
                e = event.execution
                print(f"Execution. Id: {order_id} ExecId: {e.exec_id} Side: {e.side} Shares: {e.shares} Price: {e.price:.2f}")
                exec_ids.add(e.exec_id)
            elif isinstance(event, tws.CommissionAndFeesReport) and event.exec_id in exec_ids:
                print(
                    f"Commission. ExecId: {event.exec_id} Amount: {event.commission_and_fees:.2f} "
                    f"Currency: {event.currency}"
                )
                commissions += 1
            sys.stdout.flush()
        if not (filled and exec_ids and commissions >= len(exec_ids)):
            print(f"place_order: not filled and reported within {seconds} s", file=sys.stderr)
            return 1
        return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
