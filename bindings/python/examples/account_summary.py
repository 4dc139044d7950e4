#!/usr/bin/env python3
"""The libtws hello world in Python: connect, subscribe to the account summary
(group "All", every tag), print each row until the end marker, disconnect.
Prints the same lines as examples-c/account_summary.c.

    account_summary.py [HOST [PORT [CLIENT_ID]]]     defaults: 127.0.0.1 7497 0
"""

import sys
from typing import List

import tws


def main(argv: List[str]) -> int:
    if len(argv) > 4:
        print("usage: account_summary.py [HOST [PORT [CLIENT_ID]]]", file=sys.stderr)
        return 2
    host = argv[1] if len(argv) > 1 else "127.0.0.1"
    port = int(argv[2]) if len(argv) > 2 else 7497
    client_id = int(argv[3]) if len(argv) > 3 else 0
    try:
        with tws.Client() as client:
            client.connect(host, port, client_id, timeout=10)
            req_id = client.req_account_summary(group="All", tags=tws.ALL_TAGS)
            for event in client.events(timeout=30):
                if isinstance(event, tws.AccountSummary):
                    print(
                        f"AccountSummary. ReqId: {event.req_id} Account: {event.account} "
                        f"Tag: {event.tag} Value: {event.value} Currency: {event.currency}"
                    )
                elif isinstance(event, tws.AccountSummaryEnd):
                    print(f"AccountSummaryEnd. ReqId: {event.req_id}")
                    client.cancel_account_summary(req_id)
                    return 0
                elif isinstance(event, tws.ErrorMessage):
                    kind = event.error_class.name.capitalize() if isinstance(event.error_class, tws.ErrorClass) else "Error"
                    print(f"{kind} {event.code} (id {event.req_id}): {event.message}", file=sys.stderr)
            print("account_summary: no accountSummaryEnd within 30 s", file=sys.stderr)
            return 1
    except tws.ClientIdInUse as e:
        print(f"account_summary: {e}\nanother session uses this client id; pass another CLIENT_ID", file=sys.stderr)
    except tws.ConnectionRefused as e:
        print(f"account_summary: {e}\nis TWS or IB Gateway running with the API enabled on that port?", file=sys.stderr)
    except tws.TwsError as e:
        print(f"account_summary: {e}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
