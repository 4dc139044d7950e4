"""Test oracle: IB's official Python client (ibapi-latest 10.51.1), driven
through its public classes. Nothing here re-implements the protocol; every
byte is produced or read by ibapi itself.

  ibapi_oracle.py hello PORT            the official hello world against a server
  ibapi_oracle.py requests PORT...      one call of every request we implement,
                                        one session per server, in turn
  ibapi_oracle.py decode VERSION FILE...
                                        decode streams of length-prefixed
                                        server-to-client frames with ibapi's
                                        Decoder (pairs VERSION FILE, in turn)

Output: JSON lines {"name": ..., "fields": {...}} using libtws's message and
field names, so the Rust tests can compare them with tws-decode's output.
With several sessions or streams, each one's lines come between a line
{"name": "@begin", "fields": {"index": I}} and {"name": "@end", "fields":
{"index": I, "ok": true|false}}, so one process serves a whole table (ibapi
takes a while to import).
Exit status 1 when ibapi logged a decode problem or reported an error code
that is not a notice (in any session or stream).
"""

import inspect
import json
import logging
import os
import struct
import sys
import threading
import time

from ibapi import comm
from ibapi.account_summary_tags import AccountSummaryTags
from ibapi.client import EClient
from ibapi.decoder import Decoder
from ibapi.common import UNSET_DECIMAL
from ibapi.const import UNSET_DOUBLE
from ibapi.wrapper import EWrapper

NOTICES = {2104, 2106, 2158}
TIMEOUT = 10.0

# Log records of ibapi that mean a message was not decoded.
DECODE_TROUBLE = ("BadMessage", "diff len fields", "no handleInfo", "Traceback",
                  "exception", "Exception", "unhandled", "could not")


class TroubleLog(logging.Handler):
    """Collects every ibapi log record at ERROR, and DEBUG records that
    describe a decode problem."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.trouble = []

    def emit(self, record):
        text = record.getMessage()
        if record.levelno >= logging.ERROR or any(t in text for t in DECODE_TROUBLE):
            self.trouble.append(f"{record.levelname}: {text[:300]}")


def install_log():
    handler = TroubleLog()
    root = logging.getLogger()
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    return handler


EMIT_LOCK = threading.Lock()


def emit(name, **fields):
    # Callbacks run on ibapi's thread and on the caller's: one line at a time.
    line = json.dumps({"name": name, "fields": fields}) + "\n"
    with EMIT_LOCK:
        sys.stdout.write(line)
        sys.stdout.flush()


def decimal(value):
    # libtws carries decimals as their exact text; unset is empty.
    return "" if value == UNSET_DECIMAL else str(value)


def double(value):
    # A field the server version does not carry yet (the unrealized PnL below
    # v129, the realized below v135): ibapi's text decoder passes None, its
    # protobuf decoder UNSET_DOUBLE; libtws reports unset doubles as UNSET_DOUBLE.
    return UNSET_DOUBLE if value is None else float(value)


# The mapping from ibapi's callbacks to libtws's names, generated from the
# catalogue by tws-codegen (`make generate`): for each incoming message its
# callback and, per field in libtws's order, the argument (and attribute, for
# a record's field) it comes from and how the value converts.
MAPPING = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                      "mapping.json")))
CONVERT = {"raw": lambda v: v, "double": double, "decimal": decimal}


def recorder(entry):
    """An EWrapper callback that emits the message `entry` describes."""
    name, callback, fields = entry["name"], entry["callback"], entry["fields"]
    signature = inspect.signature(getattr(EWrapper, callback))
    for f in fields:
        if f["arg"] not in signature.parameters:
            raise SystemExit(f"oracle: mapping.json: {callback} has no argument {f['arg']}")

    def method(self, *args, **kwargs):
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        values = {}
        for f in fields:
            value = bound.arguments[f["arg"]]
            if f["attr"] is not None:
                value = getattr(value, f["attr"])
            values[f["field"]] = CONVERT[f["conv"]](value)
        self.received(name, values)
        emit(name, **values)

    method.__name__ = callback
    return method


class Recording(EWrapper):
    """Prints the callbacks of the messages libtws implements (every incoming
    message of mapping.json)."""

    def __init__(self):
        EWrapper.__init__(self)
        self.errors = []

    def received(self, name, values):
        # The one hand-written special case: error codes decide the status.
        if name == "Error":
            self.errors.append(values["code"])


for _entry in MAPPING["incoming"]:
    setattr(Recording, _entry["callback"], recorder(_entry))


class App(Recording, EClient):
    def __init__(self):
        Recording.__init__(self)
        EClient.__init__(self, wrapper=self)
        self.ready = threading.Event()
        self.summary_done = threading.Event()

    def nextValidId(self, orderId):
        Recording.nextValidId(self, orderId)
        self.ready.set()

    def accountSummaryEnd(self, reqId):
        Recording.accountSummaryEnd(self, reqId)
        self.summary_done.set()


LOG = None


def trouble_log():
    """One handler for the whole process; callers look at what is new."""
    global LOG
    if LOG is None:
        LOG = install_log()
    return LOG


def run_session(port, body):
    log = trouble_log()
    seen = len(log.trouble)
    app = App()
    app.connect("127.0.0.1", port, 0)
    thread = threading.Thread(target=app.run, daemon=True)
    thread.start()
    if not app.ready.wait(TIMEOUT):
        print("oracle: no nextValidId", file=sys.stderr)
        return 1
    ok = body(app)
    time.sleep(0.3)
    app.disconnect()
    thread.join(TIMEOUT)
    bad = [c for c in app.errors if c not in NOTICES and c != 503]
    trouble = log.trouble[seen:]
    for line in trouble:
        print(f"oracle: port {port}: ibapi logged {line}", file=sys.stderr)
    if bad:
        print(f"oracle: port {port}: error codes {bad}", file=sys.stderr)
    return 0 if ok and not trouble and not bad else 1


def hello(port):
    """The official hello world: all tags of group All, until the end marker."""

    def body(app):
        app.reqAccountSummary(9001, "All", AccountSummaryTags.AllTags)
        if not app.summary_done.wait(TIMEOUT):
            print("oracle: no accountSummaryEnd", file=sys.stderr)
            return False
        app.cancelAccountSummary(9001)
        return True

    return run_session(port, body)


# The request table's calls, in order, by libtws's message and field names
# (tests/conformance.rs makes the same calls through libtws). mapping.json
# says which EClient method and argument each one is; startApi is sent by
# ibapi's connect itself.
REQUEST_CALLS = [
    ("ReqIds", {"num_ids": 1}),
    ("ReqManagedAccounts", {}),
    ("ReqCurrentTime", {}),
    # below v197 ibapi reports 503 and sends nothing
    ("ReqCurrentTimeInMillis", {}),
    ("ReqAccountSummary", {"req_id": 9001, "group": "All",
                           "tags": "NetLiquidation,TotalCashValue,$LEDGER:USD"}),
    ("CancelAccountSummary", {"req_id": 9001}),
    ("ReqPositions", {}),
    ("CancelPositions", {}),
    ("ReqAccountUpdates", {"subscribe": True, "account": "DU123456"}),
    ("ReqAccountUpdates", {"subscribe": False, "account": "DU123456"}),
    ("ReqPositionsMulti", {"req_id": 9002, "account": "DU123456", "model_code": ""}),
    ("CancelPositionsMulti", {"req_id": 9002}),
    ("ReqAccountUpdatesMulti", {"req_id": 9003, "account": "DU123456", "model_code": "",
                                "ledger_and_nlv": True}),
    ("CancelAccountUpdatesMulti", {"req_id": 9003}),
    ("ReqPnL", {"req_id": 9004, "account": "DU123456", "model_code": ""}),
    ("CancelPnL", {"req_id": 9004}),
    ("ReqPnLSingle", {"req_id": 9005, "account": "DU123456", "model_code": "",
                      "con_id": 265598}),
    ("CancelPnLSingle", {"req_id": 9005}),
]
REQUEST_MAPPING = {r["name"]: r for r in MAPPING["requests"]}


def call(app, name, values):
    """Calls ibapi's method for the request `name` with libtws's field values."""
    entry = REQUEST_MAPPING[name]
    kwargs = {f["arg"]: values[f["field"]] for f in entry["fields"] if f["arg"] is not None}
    getattr(app, entry["method"])(**kwargs)


def requests(port):
    """Every request libtws implements, once, in a fixed order."""

    def body(app):
        for name, values in REQUEST_CALLS:
            call(app, name, values)
        return True

    return run_session(port, body)


def decode(version, path):
    """Splits the stream as ibapi's reader does and hands each frame to its
    Decoder exactly as EClient.run does."""
    log = trouble_log()
    seen = len(log.trouble)
    wrapper = Recording()
    decoder = Decoder(wrapper, version)
    data = open(path, "rb").read()
    offset = 0
    while offset + 4 <= len(data):
        (size,) = struct.unpack("!I", data[offset:offset + 4])
        text = data[offset + 4:offset + 4 + size]
        offset += 4 + size
        if version >= 201:
            msg_id = int.from_bytes(text[:4], "big")
            text = text[4:]
        else:
            msg_id = int(text[:text.index(b"\0")])
            text = text[text.index(b"\0") + 1:]
        try:
            if msg_id > 200:
                decoder.processProtoBuf(text, msg_id - 200)
            else:
                decoder.interpret(comm.read_fields(text), msg_id)
        except Exception as e:  # the oracle reports, the test decides
            print(f"oracle: {path}: frame at {offset}: {type(e).__name__}: {e}",
                  file=sys.stderr)
            return 1
    trouble = log.trouble[seen:]
    for line in trouble:
        print(f"oracle: {path}: ibapi logged {line}", file=sys.stderr)
    return 1 if trouble else 0


def each(jobs):
    """Runs jobs in turn, each one's lines between @begin and @end when
    there are several; the status is 1 if any failed."""
    if len(jobs) == 1:
        return jobs[0]()
    status = 0
    for index, job in enumerate(jobs):
        emit("@begin", index=index)
        result = job()
        emit("@end", index=index, ok=result == 0)
        status = status or result
    return status


def main(argv):
    if len(argv) == 3 and argv[1] == "hello":
        return hello(int(argv[2]))
    if len(argv) >= 3 and argv[1] == "requests":
        return each([lambda p=int(p): requests(p) for p in argv[2:]])
    if len(argv) >= 4 and len(argv) % 2 == 0 and argv[1] == "decode":
        pairs = zip(argv[2::2], argv[3::2])
        return each([lambda v=int(v), f=f: decode(v, f) for v, f in pairs])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
