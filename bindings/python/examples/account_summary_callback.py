#!/usr/bin/env python3
"""The hello world in callback mode: events arrive on libtws's dispatch
thread; the main thread waits until the callback has seen the end marker.
Prints the same lines as examples-c/account_summary_callback.c.

    account_summary_callback.py [HOST [PORT [CLIENT_ID]]]   defaults: 127.0.0.1 7497 0
"""

import sys
import threading
from typing import List

import tws


class Progress:
    """What the callback tells the main thread."""

    def __init__(self) -> None:
        self.req_id = -1
        self.done = 0  # 1: end marker seen, -1: failed
        self.rows = 0
        self.changed = threading.Event()


def main(argv: List[str]) -> int:
    if len(argv) > 4:
        print("usage: account_summary_callback.py [HOST [PORT [CLIENT_ID]]]", file=sys.stderr)
        return 2
    host = argv[1] if len(argv) > 1 else "127.0.0.1"
    port = int(argv[2]) if len(argv) > 2 else 7497
    client_id = int(argv[3]) if len(argv) > 3 else 0
    p = Progress()

    def on_event(event: tws.Event) -> None:  # runs on libtws's dispatch thread
        finished = 0
        if isinstance(event, tws.AccountSummary):
            print(
                f"AccountSummary. ReqId: {event.req_id} Account: {event.account} "
                f"Tag: {event.tag} Value: {event.value} Currency: {event.currency}",
                flush=True,
            )
            p.rows += 1
        elif isinstance(event, tws.AccountSummaryEnd):
            print(f"AccountSummaryEnd. ReqId: {event.req_id}", flush=True)
            finished = 1
        elif isinstance(event, tws.ErrorMessage):
            kind = "Error" if event.error_class == tws.ErrorClass.ERROR else "Notice"
            print(f"{kind} {event.code}: {event.message}", file=sys.stderr)
            if event.error_class == tws.ErrorClass.ERROR and event.req_id == p.req_id:
                finished = -1
        elif isinstance(event, tws.StateChanged) and event.state == tws.ConnectionState.CONNECTION_LOST:
            finished = -1
        if finished:
            p.done = finished
            p.changed.set()

    try:
        with tws.Client() as client:
            client.set_callback(on_event)
            client.connect(host, port, client_id, timeout=10)
            p.req_id = client.next_request_id()
            client.req_account_summary(group="All", tags=tws.ALL_TAGS, req_id=p.req_id)
            p.changed.wait(30)
            client.disconnect()
        # Leaving the block closed the client: no callback runs after this.
    except tws.TwsError as e:
        print(f"account_summary_callback: {e}", file=sys.stderr)
        return 1
    if p.done != 1:
        print(f"account_summary_callback: {'timed out' if p.done == 0 else 'failed'}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
