#!/usr/bin/env python3
"""Watches the account summary unattended: connects with automatic reconnect
on, subscribes to every account-summary tag of group "All", and prints every
row (in the hello world's format) and every state change (lines starting with
"State. ") for SECONDS seconds. When TWS restarts or the network drops,
libtws reconnects with backoff and re-issues the subscription under the same
request id; this program only prints what happens. Delivery by poll. The
Python side of examples-c/watch_account.c.

    watch_account.py HOST PORT CLIENT_ID SECONDS

Exit codes: 0 after SECONDS; 1 when connecting fails or reconnecting gives up
(for example error 326: another session uses CLIENT_ID); 2 for bad usage.
"""

import sys
import time
from typing import Any, List

import tws


def state_name(state: Any) -> str:
    """libtws's name of a state ("ConnectionLost"), as ``tws_state_str``."""
    if isinstance(state, tws.ConnectionState):
        return "".join(w.capitalize() for w in state.name.split("_"))
    return "Unknown"


def show(event: Any) -> bool:
    """Prints one event; True when reconnecting gave up."""
    if isinstance(event, tws.AccountSummary):
        print(
            f"AccountSummary. ReqId: {event.req_id} Account: {event.account} "
            f"Tag: {event.tag} Value: {event.value} Currency: {event.currency}"
        )
    elif isinstance(event, tws.AccountSummaryEnd):
        print(f"AccountSummaryEnd. ReqId: {event.req_id}")
    elif isinstance(event, tws.StateChanged):
        s = event.state
        if s == tws.ConnectionState.RECONNECTING:
            print(f"State. Reconnecting attempt {event.attempt} in {event.next_delay_ms} ms")
        elif s == tws.ConnectionState.RECONNECTED:
            print(f"State. Reconnected, resubscribed {event.resubscribed}")
        elif s == tws.ConnectionState.IB_LINK_RESTORED:
            print(f"State. IbLinkRestored, resubscribed {event.resubscribed}: {event.reason}")
        else:
            print(f"State. {state_name(s)}{' ' if event.reason else ''}{event.reason}")
        if s == tws.ConnectionState.RECONNECT_FAILED:
            print(f"watch_account: gave up reconnecting: {event.reason}", file=sys.stderr)
            return True
    elif isinstance(event, tws.ErrorMessage):
        kind = "Error" if event.error_class == tws.ErrorClass.ERROR else "Notice"
        print(f"{kind} {event.code}: {event.message}", file=sys.stderr)
    elif isinstance(event, (tws.DecodeError, tws.ProtocolViolation)):
        print(f"{type(event).__name__}: {event.reason}", file=sys.stderr)
    return False


def main(argv: List[str]) -> int:
    try:
        if len(argv) != 5:
            raise ValueError
        host, port, client_id, seconds = argv[1], int(argv[2]), int(argv[3]), int(argv[4])
        if not (1 <= port <= 65535 and 0 <= seconds <= 31 * 24 * 3600):
            raise ValueError
    except ValueError:
        print("usage: watch_account.py HOST PORT CLIENT_ID SECONDS", file=sys.stderr)
        return 2
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    # On (the default), spelled out: 0.5 s first delay, at most 30 s, 20 % jitter, no limit.
    with tws.Client(
        reconnect=True,
        reconnect_initial_delay=0.5,
        reconnect_max_delay=30,
        reconnect_jitter_percent=20,
        reconnect_max_attempts=0,
    ) as client:
        try:
            client.connect(host, port, client_id, timeout=10)
            client.req_account_summary("All", tws.ALL_TAGS)
        except tws.ClientIdInUse:
            print(
                f"watch_account: client id {client_id} is in use by another session (TWS error 326); "
                "stop that session or pass another CLIENT_ID",
                file=sys.stderr,
            )
            return 1
        except tws.TwsError as e:
            print(f"watch_account: connect failed: {e}", file=sys.stderr)
            return 1
        gave_up = False
        until = time.monotonic() + seconds
        while not gave_up:
            left = until - time.monotonic()
            if left <= 0:
                break
            try:
                event = client.poll(min(left, 0.2))
            except tws.NotConnected:
                gave_up = True  # reconnecting gave up and everything was shown
                break
            if event is not None:
                gave_up = show(event)
        client.disconnect()
        for event in client.events(timeout=0):
            show(event)
    return 1 if gave_up else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
