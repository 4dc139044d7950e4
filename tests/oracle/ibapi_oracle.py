"""Test oracle: IB's official Python client (ibapi-latest 10.51.1), driven
through its public classes. Nothing here re-implements the protocol; every
byte is produced or read by ibapi itself.

  ibapi_oracle.py hello PORT            the official hello world against a server
  ibapi_oracle.py requests PORT...      one call of every request we implement,
                                        one session per server, in turn
  ibapi_oracle.py encode VERSION...     the instrument and market-data requests of
                                        issue 13, encoded by ibapi at each version
                                        without a server: one line per call with
                                        the bytes sent (hex) or the error raised
  ibapi_oracle.py encode-set SET VERSION...
                                        as encode, for the calls of one set
                                        (ENCODE_SETS: "executions", ...)
  ibapi_oracle.py encode-history VERSION...
                                        the same for the historical-data requests
                                        of issue 15
  ibapi_oracle.py encode16 VERSION...   the same for the requests of issue 16 (news,
                                        scanner, advisors, display groups, WSH,
                                        verification, session settings)
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
from decimal import Decimal

from ibapi import comm
from ibapi.account_summary_tags import AccountSummaryTags
from ibapi.client import EClient
from ibapi.decoder import Decoder
from ibapi.common import UNSET_DECIMAL
from ibapi.contract import ComboLeg, Contract, DeltaNeutralContract
from ibapi.execution import ExecutionFilter
from ibapi.tag_value import TagValue
from ibapi.const import UNSET_DOUBLE, UNSET_INTEGER
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
# A list shows its count and an option its presence, as libtws's visitor does
# (the mapped messages carry them only inside records, such as a position's
# contract, where they are empty; the items of the hand-written messages below
# are walked by visit()); a mask is the int itself.
CONVERT = {"raw": lambda v: v, "double": double, "decimal": decimal, "bits": int,
           "list": lambda v: len(v or []), "optional": lambda v: v is not None}


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


# The price ticks after which ibapi's decoder raises a size tick from the
# same message (tickPrice carries both); the oracle joins them into one line.
SIZE_OF_PRICE = {1: 0, 2: 3, 4: 5, 66: 69, 67: 70, 68: 71}


def none_as(value, sentinel):
    # ibapi reports "not computed" as None; libtws keeps TWS's sentinel.
    return sentinel if value is None else float(value)


class MarketRecording(Recording):
    """The callbacks of the market-data replies (issue 13), under libtws's
    field names (its field visitor's)."""

    def __init__(self):
        Recording.__init__(self)
        self.pending_price = None
        # What ibapi's protobuf decoder parsed but its classic callbacks do
        # not carry (it hands the parsed message to *ProtoBuf first).
        self.proto_price_size = ""
        self.proto_precisions = ("", "")

    def tickPriceProtoBuf(self, proto):
        # tickPrice has no size argument and ibapi raises a size tick only
        # after the prices of SIZE_OF_PRICE: the size of any other price tick
        # (a delayed high, a close...) is seen only here.
        self.proto_price_size = decimal(Decimal(proto.size)) if proto.HasField("size") else ""

    def tickReqParamsProtoBuf(self, proto):
        # tickReqParams has no precision arguments.
        self.proto_precisions = tuple(
            getattr(proto, f) if proto.HasField(f) else ""
            for f in ("lastPricePrecision", "lastSizePrecision"))

    def flush_price(self):
        if self.pending_price is not None:
            emit("TickPrice", **self.pending_price)
            self.pending_price = None

    def tickPrice(self, reqId, tickType, price, attrib):
        self.flush_price()
        mask = (int(attrib.canAutoExecute) | int(attrib.pastLimit) << 1
                | int(attrib.preOpen) << 2)
        size, self.proto_price_size = self.proto_price_size, ""
        self.pending_price = {
            "req_id": reqId, "tick_type": tickType, "price": float(price), "size": size,
            "attrib": mask, "attrib.can_auto_execute": attrib.canAutoExecute,
            "attrib.past_limit": attrib.pastLimit, "attrib.pre_open": attrib.preOpen}
        if tickType not in SIZE_OF_PRICE:
            self.flush_price()

    def tickSize(self, reqId, tickType, size):
        p = self.pending_price
        if p is not None and p["req_id"] == reqId and SIZE_OF_PRICE.get(p["tick_type"]) == tickType:
            p["size"] = decimal(size)
            self.flush_price()
            return
        self.flush_price()
        emit("TickSize", req_id=reqId, tick_type=tickType, size=decimal(size))

    def tickString(self, reqId, tickType, value):
        self.flush_price()
        emit("TickString", req_id=reqId, tick_type=tickType, value=value)

    def tickGeneric(self, reqId, tickType, value):
        self.flush_price()
        emit("TickGeneric", req_id=reqId, tick_type=tickType, value=float(value))

    def tickEFP(self, reqId, tickType, basisPoints, formattedBasisPoints, totalDividends,
                holdDays, futureLastTradeDate, dividendImpact, dividendsToLastTradeDate):
        self.flush_price()
        emit("TickEfp", req_id=reqId, tick_type=tickType, basis_points=float(basisPoints),
             formatted_basis_points=formattedBasisPoints,
             total_dividends=float(totalDividends), hold_days=holdDays,
             future_last_trade_date=futureLastTradeDate,
             dividend_impact=float(dividendImpact),
             dividends_to_last_trade_date=float(dividendsToLastTradeDate))

    def tickOptionComputation(self, reqId, tickType, tickAttrib, impliedVol, delta, optPrice,
                              pvDividend, gamma, vega, theta, undPrice):
        self.flush_price()
        emit("TickOptionComputation", req_id=reqId, tick_type=tickType,
             tick_attrib=2147483647 if tickAttrib is None else tickAttrib,
             implied_vol=none_as(impliedVol, -1.0), delta=none_as(delta, -2.0),
             opt_price=none_as(optPrice, -1.0), pv_dividend=none_as(pvDividend, -1.0),
             gamma=none_as(gamma, -2.0), vega=none_as(vega, -2.0),
             theta=none_as(theta, -2.0), und_price=none_as(undPrice, -1.0))

    def tickReqParams(self, tickerId, minTick, bboExchange, snapshotPermissions):
        self.flush_price()
        (price_precision, size_precision), self.proto_precisions = self.proto_precisions, ("", "")
        emit("TickReqParams", req_id=tickerId, min_tick=float(minTick),
             bbo_exchange=bboExchange, snapshot_permissions=snapshotPermissions,
             last_price_precision=price_precision, last_size_precision=size_precision)

    def tickSnapshotEnd(self, reqId):
        self.flush_price()
        emit("TickSnapshotEnd", req_id=reqId)

    def marketDataType(self, reqId, marketDataType):
        self.flush_price()
        emit("MarketDataType", req_id=reqId, market_data_type=marketDataType)

    def rerouteMktDataReq(self, reqId, conId, exchange):
        self.flush_price()
        emit("RerouteMktDataReq", req_id=reqId, con_id=conId, exchange=exchange)

    def rerouteMktDepthReq(self, reqId, conId, exchange):
        self.flush_price()
        emit("RerouteMktDepthReq", req_id=reqId, con_id=conId, exchange=exchange)

    def deltaNeutralValidation(self, reqId, dn):
        self.flush_price()
        emit("DeltaNeutralValidation", req_id=reqId, con_id=dn.conId, delta=float(dn.delta),
             price=float(dn.price))

    def depth(self, name, reqId, position, marketMaker, operation, side, price, size, smart):
        self.flush_price()
        emit(name, req_id=reqId, **{
            "market_depth_data.position": position,
            "market_depth_data.operation": operation, "market_depth_data.side": side,
            "market_depth_data.price": float(price), "market_depth_data.size": decimal(size),
            "market_depth_data.market_maker": marketMaker,
            "market_depth_data.is_smart_depth": smart})

    def updateMktDepth(self, reqId, position, operation, side, price, size):
        self.depth("UpdateMktDepth", reqId, position, "", operation, side, price, size, False)

    def updateMktDepthL2(self, reqId, position, marketMaker, operation, side, price, size,
                         isSmartDepth):
        self.depth("UpdateMktDepthL2", reqId, position, marketMaker, operation, side, price,
                   size, isSmartDepth)

    def realtimeBar(self, reqId, time_, open_, high, low, close, volume, wap, count):
        self.flush_price()
        emit("RealTimeBar", req_id=reqId, time=time_, open=float(open_), high=float(high),
             low=float(low), close=float(close), volume=decimal(volume), wap=decimal(wap),
             count=count)

    # tickByTick (not an ibapi callback): ibapi raises one of the three below by
    # tick type (none for 0); libtws's one message holds that tick type's form
    # (an option each).
    def tickByTick(self, reqId, tickType, form, fields):
        self.flush_price()
        values = {"req_id": reqId, "tick_type": tickType}
        for name in ("last", "bid_ask", "mid_point"):
            values[name] = name == form
            if name == form:
                values.update({f"{form}.{k}": v for k, v in fields.items()})
        emit("TickByTick", **values)

    def tickByTickAllLast(self, reqId, tickType, time_, price, size, tickAttribLast, exchange,
                          specialConditions):
        mask = int(tickAttribLast.pastLimit) | int(tickAttribLast.unreported) << 1
        self.tickByTick(reqId, tickType, "last", {
            "time": time_, "attrib": mask, "attrib.past_limit": tickAttribLast.pastLimit,
            "attrib.unreported": tickAttribLast.unreported, "price": float(price),
            "size": decimal(size), "exchange": exchange,
            "special_conditions": specialConditions})

    def tickByTickBidAsk(self, reqId, time_, bidPrice, askPrice, bidSize, askSize,
                         tickAttribBidAsk):
        mask = int(tickAttribBidAsk.bidPastLow) | int(tickAttribBidAsk.askPastHigh) << 1
        self.tickByTick(reqId, 3, "bid_ask", {
            "time": time_, "attrib": mask, "attrib.bid_past_low": tickAttribBidAsk.bidPastLow,
            "attrib.ask_past_high": tickAttribBidAsk.askPastHigh, "bid_price": float(bidPrice),
            "ask_price": float(askPrice), "bid_size": decimal(bidSize),
            "ask_size": decimal(askSize)})

    def tickByTickMidPoint(self, reqId, time_, midPoint):
        # The text layout has no size; libtws reads it as absent (empty).
        self.tickByTick(reqId, 4, "mid_point", {
            "time": time_, "price": float(midPoint), "size": ""})

    def contractDetailsEnd(self, reqId):
        self.flush_price()
        emit("ContractDataEnd", req_id=reqId)

    def securityDefinitionOptionParameterEnd(self, reqId):
        self.flush_price()
        emit("SecDefOptParameterEnd", req_id=reqId)


# ibapi's attribute names that are not libtws's in snake case.
RENAMED = {"id_": "id", "accountID": "account_id", "familyCodeStr": "family_code",
           "ineligibilityReasonList": "ineligibility_reasons", "secIdList": "sec_id_list"}
# ibapi maps these to enums (libtws keeps TWS's text): not compared.
ENUMS = {"fundDistributionPolicyIndicator", "fundAssetType"}
DECIMALS = {"minSize", "sizeIncrement", "suggestedSizeIncrement", "minAlgoSize",
            "lastPricePrecision", "lastSizePrecision"}


def snake(name):
    if name in RENAMED:
        return RENAMED[name]
    out = ""
    for i, ch in enumerate(name):
        if ch.isupper() and i > 0 and not name[i - 1].isupper():
            out += "_"
        out += ch.lower()
    return out


def visit(obj, prefix, out):
    """An ibapi object's attributes as libtws's field visitor names them: a
    list shows its count and its last item's fields (under the item record's
    prefix), an option its presence and its fields."""
    items = {"sec_id_list": "tag_value", "ineligibility_reasons": "ineligibility_reason",
             "combo_legs": "combo_leg"}
    for attr, value in vars(obj).items():
        if attr in ENUMS:
            continue
        name = snake(attr)
        key = f"{prefix}.{name}" if prefix else name
        if attr == "contract":
            visit(value, "contract", out)
        elif attr == "deltaNeutralContract":
            out[key] = value is not None
            if value is not None:
                visit(value, "delta_neutral_contract", out)
        elif name in items or isinstance(value, list) or (
                hasattr(value, "__iter__") and not isinstance(value, (str, bytes, dict))):
            value = list(value or [])
            out[key] = len(value)
            for item in value:
                if name == "sec_id_list":
                    out["tag_value.tag"], out["tag_value.value"] = item.tag, item.value
                elif name == "derivative_sec_types":
                    out[f"{key}.item"] = item
                else:
                    visit(item, items.get(name, ""), out)
        elif attr in DECIMALS:
            out[key] = decimal(value)
        elif isinstance(value, bool) or isinstance(value, str):
            out[key] = value
        elif isinstance(value, (int, float)):
            out[key] = value
        else:
            out[key] = str(value)
    return out


class ContractRecording(MarketRecording):
    """The contract replies (issue 13), fields named as libtws's visitor does."""

    # In protobuf the security ids are a map: ibapi's list of them comes in
    # the map's iteration order, which changes from one process to the next,
    # so their wire order (libtws keeps it) is lost. For such a list of more
    # than one id the oracle gives every tag and value (sorted by tag) instead
    # of the last one; the comparison finds libtws's last id among them.
    proto_details = False

    def contractDataProtoBuf(self, proto):
        self.proto_details = True

    def bondContractDataProtoBuf(self, proto):
        self.proto_details = True

    def details_fields(self, cd):
        fields = visit(cd, "contract_details", {})
        ids = list(cd.secIdList or [])
        if self.proto_details and len(ids) > 1:
            ids.sort(key=lambda t: (t.tag, t.value))
            fields["tag_value.tag"] = [t.tag for t in ids]
            fields["tag_value.value"] = [t.value for t in ids]
        self.proto_details = False
        return fields

    def contractDetails(self, reqId, cd):
        emit("ContractData", req_id=reqId, **self.details_fields(cd))

    def bondContractDetails(self, reqId, cd):
        emit("BondContractData", req_id=reqId, **self.details_fields(cd))

    def symbolSamples(self, reqId, descriptions):
        fields = {"req_id": reqId, "descriptions": len(descriptions)}
        for d in descriptions:
            visit(d, "contract_description", fields)
        emit("SymbolSamples", **fields)

    def securityDefinitionOptionParameter(self, reqId, exchange, underlyingConId, tradingClass,
                                          multiplier, expirations, strikes):
        # ibapi keeps sets: the count and the largest (the last one sent, as
        # the test sends them in ascending order).
        fields = {"req_id": reqId, "exchange": exchange, "underlying_con_id": underlyingConId,
                  "trading_class": tradingClass, "multiplier": multiplier,
                  "expirations": len(expirations), "strikes": len(strikes)}
        if expirations:
            fields["expirations.item"] = max(expirations)
        if strikes:
            fields["strikes.item"] = float(max(strikes))
        emit("SecDefOptParameter", **fields)

    def marketRule(self, marketRuleId, priceIncrements):
        fields = {"market_rule_id": marketRuleId, "price_increments": len(priceIncrements)}
        for p in priceIncrements:
            visit(p, "price_increment", fields)
        emit("MarketRule", **fields)

    def smartComponents(self, reqId, smartComponentMap):
        fields = {"req_id": reqId, "components": len(smartComponentMap)}
        if isinstance(smartComponentMap, dict):
            # From protobuf ibapi gives {bitNumber: (exchange, exchangeLetter)}.
            for bit, (exchange, letter) in smartComponentMap.items():
                fields.update({"smart_component.bit_number": bit,
                               "smart_component.exchange": exchange,
                               "smart_component.exchange_letter": letter})
        else:
            for c in smartComponentMap:
                visit(c, "smart_component", fields)
        emit("SmartComponents", **fields)

    def mktDepthExchanges(self, descriptions):
        fields = {"descriptions": len(descriptions)}
        for d in descriptions:
            visit(d, "depth_mkt_data_description", fields)
        emit("MktDepthExchanges", **fields)

    def familyCodes(self, familyCodes):
        fields = {"family_codes": len(familyCodes)}
        for f in familyCodes:
            visit(f, "family_code", fields)
        emit("FamilyCodes", **fields)


class ExecutionRecording(ContractRecording):
    """The execution replies (issue 14), fields named as libtws's visitor does."""

    def execDetails(self, reqId, contract, execution):
        fields = {"req_id": reqId}
        visit(contract, "contract", fields)
        for attr, value in vars(execution).items():
            if attr in ("shares", "cumQty"):
                value = decimal(value)
            elif attr == "liquidation":
                value = bool(value)  # an int in ibapi, a flag in libtws
            elif attr == "optExerciseOrLapseType":
                value = value.value[0]  # ibapi's enum; libtws keeps the int
            fields["execution." + snake(attr)] = value
        emit("ExecDetails", **fields)

    def commissionAndFeesReport(self, report):
        emit("CommissionAndFeesReport", exec_id=report.execId,
             commission_and_fees=float(report.commissionAndFees), currency=report.currency,
             realized_pnl=float(report.realizedPNL), bond_yield=float(report.yield_),
             yield_redemption_date=report.yieldRedemptionDate)

    def softDollarTiers(self, reqId, tiers):
        fields = {"req_id": reqId, "tiers": len(tiers)}
        for t in tiers:
            fields.update({"soft_dollar_tier.name": t.name,
                           "soft_dollar_tier.value": t.val,
                           "soft_dollar_tier.display_name": t.displayName})
        emit("SoftDollarTiers", **fields)


def add_items(fields, prefix, objects, attrs):
    """A list's items as libtws's visitor walks them: each attribute's
    values in item order, under the item record's prefix."""
    for obj in objects or []:
        for attr, name, conv in attrs:
            fields.setdefault(f"{prefix}.{name}", []).append(conv(getattr(obj, attr)))


BAR = [("date", "date", str), ("open", "open", float), ("high", "high", float),
       ("low", "low", float), ("close", "close", float), ("volume", "volume", decimal),
       ("wap", "wap", decimal), ("barCount", "bar_count", int)]
HISTORICAL_TICK = [("time", "time", int), ("price", "price", float), ("size", "size", decimal)]
HISTORICAL_SESSION = [("startDateTime", "start_date_time", str),
                      ("endDateTime", "end_date_time", str), ("refDate", "ref_date", str)]


class HistoryRecording(ContractRecording):
    """The historical-data replies (issue 15). Every field is the list of
    its values in the message (a list's items give one value each), so that
    every bar and tick is compared, not only the last. ibapi raises
    historicalData once per bar (and, below 196, historicalDataEnd from the
    same frame): the oracle joins them into one line per frame."""

    def __init__(self):
        ContractRecording.__init__(self)
        self.pending_bars = None

    def end_frame(self):
        if self.pending_bars is not None:
            emit("HistoricalData", **self.pending_bars)
            self.pending_bars = None

    def historicalData(self, reqId, bar):
        if self.pending_bars is None:
            self.pending_bars = {"req_id": [reqId], "start_date": [""], "end_date": [""],
                                 "bars": [0]}
        self.pending_bars["bars"][0] += 1
        add_items(self.pending_bars, "bar", [bar], BAR)

    def historicalDataEnd(self, reqId, start, end):
        p = self.pending_bars
        if p is not None and p["req_id"] == [reqId]:
            # Below 196 the dates come in historicalData's own frame.
            p["start_date"], p["end_date"] = [start], [end]
            return
        emit("HistoricalDataEnd", req_id=[reqId], start_date=[start], end_date=[end])

    def historicalDataUpdate(self, reqId, bar):
        fields = {"req_id": [reqId]}
        add_items(fields, "bar", [bar], BAR)
        emit("HistoricalDataUpdate", **fields)

    def histogramData(self, reqId, items):
        fields = {"req_id": [reqId], "entries": [len(items)]}
        add_items(fields, "histogram_entry", items,
                  [("price", "price", float), ("size", "size", decimal)])
        emit("HistogramData", **fields)

    def historicalTicks(self, reqId, ticks, done):
        fields = {"req_id": [reqId], "ticks": [len(ticks)]}
        add_items(fields, "historical_tick", ticks, HISTORICAL_TICK)
        fields["done"] = [bool(done)]
        emit("HistoricalTicks", **fields)

    def historicalTicksBidAsk(self, reqId, ticks, done):
        # libtws keeps the text mask (bit 0 ask past high, bit 1 bid past low).
        fields = {"req_id": [reqId], "ticks": [len(ticks)]}
        for t in ticks:
            a = t.tickAttribBidAsk
            for name, value in (
                    ("time", int(t.time)),
                    ("attrib", int(a.askPastHigh) | int(a.bidPastLow) << 1),
                    ("attrib.ask_past_high", bool(a.askPastHigh)),
                    ("attrib.bid_past_low", bool(a.bidPastLow)),
                    ("price_bid", float(t.priceBid)), ("price_ask", float(t.priceAsk)),
                    ("size_bid", decimal(t.sizeBid)), ("size_ask", decimal(t.sizeAsk))):
                fields.setdefault(f"historical_tick_bid_ask.{name}", []).append(value)
        fields["done"] = [bool(done)]
        emit("HistoricalTicksBidAsk", **fields)

    def historicalTicksLast(self, reqId, ticks, done):
        fields = {"req_id": [reqId], "ticks": [len(ticks)]}
        for t in ticks:
            a = t.tickAttribLast
            for name, value in (
                    ("time", int(t.time)),
                    ("attrib", int(a.pastLimit) | int(a.unreported) << 1),
                    ("attrib.past_limit", bool(a.pastLimit)),
                    ("attrib.unreported", bool(a.unreported)),
                    ("price", float(t.price)), ("size", decimal(t.size)),
                    ("exchange", t.exchange), ("special_conditions", t.specialConditions)):
                fields.setdefault(f"historical_tick_last.{name}", []).append(value)
        fields["done"] = [bool(done)]
        emit("HistoricalTicksLast", **fields)

    def historicalSchedule(self, reqId, startDateTime, endDateTime, timeZone, sessions):
        fields = {"req_id": [reqId], "start_date_time": [startDateTime],
                  "end_date_time": [endDateTime], "time_zone": [timeZone],
                  "sessions": [len(sessions)]}
        add_items(fields, "historical_session", sessions, HISTORICAL_SESSION)
        emit("HistoricalSchedule", **fields)


def proto_snake(name):
    # libtws's field and record names for IB's protobuf names.
    fixed = {"prepareDailyPnL": "prepare_daily_pnl", "trustedIPs": "trusted_ips",
             "showForexDataIn1_10Pips": "show_forex_data_in_1_10_pips",
             "allowForexTradingIn1_10Pips": "allow_forex_trading_in_1_10_pips"}
    if name in fixed:
        return fixed[name]
    return snake(name.replace("API", "Api"))


def walk_proto(msg, prefix, out):
    """A parsed protobuf message as libtws's visitor names it: an optional
    message shows its presence, a list its count (and its last item)."""
    for f in msg.DESCRIPTOR.fields:
        key = f"{prefix}.{proto_snake(f.name)}" if prefix else proto_snake(f.name)
        value = getattr(msg, f.name)
        repeated = getattr(f, "is_repeated", False) or getattr(f, "label", 0) == 3
        if f.message_type is not None:
            inner = proto_snake(f.message_type.name)
            if repeated:
                out[key] = len(value)
                for item in value:
                    walk_proto(item, inner, out)
            else:
                out[key] = msg.HasField(f.name)
                if msg.HasField(f.name):
                    walk_proto(value, inner, out)
        elif repeated:
            out[key] = len(value)
            for item in value:
                out[f"{key}.item"] = item
        else:
            out[key] = value
    return out


class RestRecording(ContractRecording):
    """The replies of issue 16 whose callbacks carry objects or come one item
    at a time, fields named as libtws's visitor does."""

    def __init__(self):
        ContractRecording.__init__(self)
        self.scan = None

    def newsProviders(self, newsProviders):
        fields = {"news_providers": len(newsProviders)}
        for p in newsProviders:
            fields.update({"news_provider.code": p.code, "news_provider.name": p.name})
        emit("NewsProviders", **fields)

    def scannerData(self, reqId, rank, contractDetails, distance, benchmark, projection,
                    legsStr):
        # ibapi raises one callback per row, then scannerDataEnd: the oracle
        # joins them into the one message TWS sent (count, last row's fields).
        if self.scan is None:
            self.scan = {"req_id": reqId, "items": 0}
        self.scan["items"] += 1
        c = contractDetails.contract
        row = {"scan_data.rank": rank}
        row.update(visit(c, "contract", {}))
        row.update({"scan_data.market_name": contractDetails.marketName,
                    "scan_data.distance": distance, "scan_data.benchmark": benchmark,
                    "scan_data.projection": projection, "scan_data.legs_str": legsStr})
        self.scan.update(row)

    def verifyCompleted(self, isSuccessful, errorText):
        # Text: the word TWS sent ("true"/"false"); protobuf: a bool.
        ok = isSuccessful if isinstance(isSuccessful, bool) else isSuccessful.strip().lower() == "true"
        emit("VerifyCompleted", is_successful=ok, error_text=errorText)

    def verifyAndAuthCompleted(self, isSuccessful, errorText):
        ok = isSuccessful if isinstance(isSuccessful, bool) else isSuccessful.strip().lower() == "true"
        emit("VerifyAndAuthCompleted", is_successful=ok, error_text=errorText)

    def configResponseProtoBuf(self, proto):
        emit("ConfigResponse", **walk_proto(proto, "", {}))

    def updateConfigResponseProtoBuf(self, proto):
        emit("UpdateConfigResponse", **walk_proto(proto, "", {}))

    def scannerDataEnd(self, reqId):
        scan = self.scan or {"req_id": reqId, "items": 0}
        self.scan = None
        emit("ScannerData", **scan)


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
    ("ReqUserInfo", {"req_id": 9006}),
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
    wrapper = AllRecording()
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
        wrapper.end_frame()
    wrapper.flush_price()
    trouble = log.trouble[seen:]
    for line in trouble:
        print(f"oracle: {path}: ibapi logged {line}", file=sys.stderr)
    return 1 if trouble else 0


class Capture:
    """A connection that keeps what ibapi sends instead of sending it."""

    def __init__(self):
        self.sent = []

    def isConnected(self):
        return True

    def sendMsg(self, msg):
        self.sent.append(bytes(msg))


class EncodingApp(EWrapper, EClient):
    def __init__(self, version):
        EWrapper.__init__(self)
        EClient.__init__(self, wrapper=self)
        self.conn = Capture()
        self.connState = EClient.CONNECTED
        self.serverVersion_ = version
        self.errors = []

    def error(self, reqId, errorTime, errorCode, errorString, advancedOrderRejectJson=""):
        self.errors.append(errorCode)


def stock():
    c = Contract()
    c.symbol, c.secType, c.exchange, c.currency = "AAPL", "STK", "SMART", "USD"
    return c


def option():
    c = Contract()
    c.symbol, c.secType, c.lastTradeDateOrContractMonth = "AAPL", "OPT", "20261218"
    c.strike, c.right, c.multiplier = 200.0, "C", "100"
    c.exchange, c.currency, c.tradingClass = "SMART", "USD", "AAPL"
    return c


def bond():
    c = Contract()
    c.secType, c.exchange, c.currency, c.issuerId = "BOND", "SMART", "USD", "e1234567"
    return c


def combo():
    c = Contract()
    c.symbol, c.secType, c.exchange, c.currency = "SPY", "BAG", "SMART", "USD"
    legs = []
    for con_id, action in ((756733, "BUY"), (8314, "SELL")):
        leg = ComboLeg()
        leg.conId, leg.ratio, leg.action, leg.exchange = con_id, 1, action, "SMART"
        legs.append(leg)
    c.comboLegs = legs
    dn = DeltaNeutralContract()
    dn.conId, dn.delta, dn.price = 756733, 0.5, 445.25
    c.deltaNeutralContract = dn
    return c


def tag(t, v):
    x = TagValue()
    x.tag, x.value = t, v
    return x


# The calls of `encode`, in order, under the names the Rust side uses.
ENCODE_CALLS = [
    ("ReqContractDetails", lambda a: a.reqContractDetails(7, stock())),
    ("ReqContractDetails#issuer", lambda a: a.reqContractDetails(8, bond())),
    ("CancelContractData", lambda a: a.cancelContractData(7)),
    ("ReqMatchingSymbols", lambda a: a.reqMatchingSymbols(11, "AAP")),
    ("ReqSecDefOptParams", lambda a: a.reqSecDefOptParams(12, "AAPL", "", "STK", 265598)),
    ("ReqMarketRule", lambda a: a.reqMarketRule(26)),
    ("ReqSmartComponents", lambda a: a.reqSmartComponents(13, "a6")),
    ("ReqMktDepthExchanges", lambda a: a.reqMktDepthExchanges()),
    ("ReqFamilyCodes", lambda a: a.reqFamilyCodes()),
    ("ReqMarketDataType", lambda a: a.reqMarketDataType(3)),
    ("ReqMktData", lambda a: a.reqMktData(21, stock(), "233,236", False, False, [])),
    ("ReqMktData#combo", lambda a: a.reqMktData(22, combo(), "", True, False, [])),
    ("CancelMktData", lambda a: a.cancelMktData(21)),
    ("ReqCalcImpliedVolatility",
     lambda a: a.calculateImpliedVolatility(23, option(), 5.25, 180.5, [])),
    ("CancelCalcImpliedVolatility", lambda a: a.cancelCalculateImpliedVolatility(23)),
    ("ReqCalcOptionPrice", lambda a: a.calculateOptionPrice(24, option(), 0.25, 180.5, [])),
    ("CancelCalcOptionPrice", lambda a: a.cancelCalculateOptionPrice(24)),
    ("ReqMktDepth", lambda a: a.reqMktDepth(25, stock(), 5, False, [])),
    ("CancelMktDepth", lambda a: a.cancelMktDepth(25, False)),
    ("ReqTickByTickData", lambda a: a.reqTickByTickData(27, stock(), "BidAsk", 0, True)),
    ("CancelTickByTickData", lambda a: a.cancelTickByTickData(27)),
    ("ReqRealTimeBars",
     lambda a: a.reqRealTimeBars(28, stock(), 5, "TRADES", True, [tag("XYZ", "1")])),
    ("CancelRealTimeBars", lambda a: a.cancelRealTimeBars(28)),
]


def exec_filter(**attrs):
    f = ExecutionFilter()
    for k, v in attrs.items():
        setattr(f, k, v)
    return f


# The executions part of issue 14 (`encode-set executions`).
EXECUTION_CALLS = [
    ("ReqExecutions", lambda a: a.reqExecutions(31, ExecutionFilter())),
    ("ReqExecutions#filter", lambda a: a.reqExecutions(32, exec_filter(
        clientId=7, acctCode="DU123456", time="20261201-09:30:00", symbol="AAPL",
        secType="STK", exchange="SMART", side="BUY"))),
    ("ReqExecutions#days", lambda a: a.reqExecutions(33, exec_filter(lastNDays=3))),
    ("ReqExecutions#dates",
     lambda a: a.reqExecutions(34, exec_filter(specificDates=[20261130, 20261201]))),
    ("ExerciseOptions",
     lambda a: a.exerciseOptions(35, option(), 1, 2, "DU123456", 0, "", "", False)),
    ("ExerciseOptions#override",
     lambda a: a.exerciseOptions(36, option(), 2, 1, "", 1, "", "", False)),
    ("ExerciseOptions#manual", lambda a: a.exerciseOptions(
        37, option(), 1, 1, "DU123456", 0, "20261201-10:00:00", "", False)),
    ("ExerciseOptions#customer",
     lambda a: a.exerciseOptions(38, option(), 1, 1, "DU123456", 0, "", "C123", False)),
    ("ExerciseOptions#professional",
     lambda a: a.exerciseOptions(39, option(), 1, 1, "DU123456", 0, "", "", True)),
    ("ReqSoftDollarTiers", lambda a: a.reqSoftDollarTiers(40)),
]
# The historical-data requests of issue 15 (`encode-history`), in order.
HISTORY_CALLS = [
    ("ReqHistoricalData",
     lambda a: a.reqHistoricalData(31, stock(), "20261130 16:00:00 US/Eastern", "1 D",
                                   "1 hour", "TRADES", 1, 1, False, [])),
    ("ReqHistoricalData#update",
     lambda a: a.reqHistoricalData(32, option(), "", "2 W", "5 mins", "MIDPOINT", 0, 2, True,
                                   [tag("XYZ", "1")])),
    ("ReqHistoricalData#combo",
     lambda a: a.reqHistoricalData(33, combo(), "", "1 M", "1 day", "BID_ASK", 1, 1, False, [])),
    ("CancelHistoricalData", lambda a: a.cancelHistoricalData(32)),
    ("ReqHeadTimestamp", lambda a: a.reqHeadTimeStamp(34, stock(), "TRADES", 1, 1)),
    ("ReqHeadTimestamp#option", lambda a: a.reqHeadTimeStamp(35, option(), "BID", 0, 2)),
    ("CancelHeadTimestamp", lambda a: a.cancelHeadTimeStamp(34)),
    ("ReqHistogramData", lambda a: a.reqHistogramData(36, stock(), True, "3 days")),
    ("CancelHistogramData", lambda a: a.cancelHistogramData(36)),
    ("ReqHistoricalTicks",
     lambda a: a.reqHistoricalTicks(37, stock(), "20261130 09:30:00 US/Eastern", "", 100,
                                    "TRADES", 1, True, [])),
    ("ReqHistoricalTicks#bid_ask",
     lambda a: a.reqHistoricalTicks(38, option(), "", "20261130 16:00:00 US/Eastern", 1000,
                                    "BID_ASK", 0, False, [tag("XYZ", "1")])),
    ("CancelHistoricalTicks", lambda a: a.cancelHistoricalTicks(37)),
]

ENCODE_SETS = {"executions": EXECUTION_CALLS, "history": HISTORY_CALLS}


def encode(version, calls=None):
    """Each call of ENCODE_CALLS (or `calls`) on a fresh client at `version`."""
    for name, call in ENCODE_CALLS if calls is None else calls:
        app = EncodingApp(version)
        call(app)
        sent = b"".join(app.conn.sent)
        emit(name, hex=sent.hex(), errors=app.errors)
    return 0


# ---- order replies (issue 14): ibapi's objects as libtws's visitor names them


ORDER_RENAMED = {"val": "value", "condType": "condition_type", "rule80A": "rule80_a",
                 "mifid2DecisionMaker": "mifid2_decision_maker",
                 "mifid2DecisionAlgo": "mifid2_decision_algo",
                 "mifid2ExecutionTrader": "mifid2_execution_trader",
                 "mifid2ExecutionAlgo": "mifid2_execution_algo"}
ORDER_ITEMS = {"conditions": "order_condition", "order_combo_legs": "order_combo_leg",
               "order_allocations": "order_allocation", "combo_legs": "combo_leg",
               "algo_params": "tag_value", "smart_combo_routing_params": "tag_value",
               "order_misc_options": "tag_value", "sec_id_list": "tag_value"}
ORDER_DECIMALS = {"totalQuantity", "filledQuantity", "suggestedSize", "position",
                  "positionDesired", "positionAfter", "desiredAllocQty", "allowedAllocQty"}
# ibapi None / True / False; libtws unset / 1 / 0
ORDER_TRISTATE = {"usePriceMgmtAlgo", "routeMarketableToBbo", "seekPriceImprovement"}


def order_visit(obj, prefix, out):
    from ibapi.softdollartier import SoftDollarTier
    if prefix == "order":
        # Each condition has only its type's attributes: listed one by one
        # (the flat visitor keys keep the last item's only).
        out["@conditions"] = [order_visit(c, "order_condition", {}) for c in obj.conditions or []]
    for attr, value in vars(obj).items():
        name = ORDER_RENAMED.get(attr) or snake(attr)
        key = f"{prefix}.{name}" if prefix else name
        if attr == "deltaNeutralContract":
            out[key] = value is not None
            if value is not None:
                order_visit(value, "delta_neutral_contract", out)
        elif isinstance(value, SoftDollarTier):
            order_visit(value, "soft_dollar_tier", out)
        elif name in ORDER_ITEMS:
            value = list(value or [])
            out[key] = len(value)
            for item in value:
                order_visit(item, ORDER_ITEMS[name], out)
        elif attr in ORDER_TRISTATE:
            out[key] = UNSET_INTEGER if value is None else int(value)
        elif attr in ORDER_DECIMALS:
            out[key] = decimal(value)
        elif isinstance(value, (bool, str, int, float)):
            out[key] = value
        elif value is None:
            continue
        else:
            out[key] = str(value)
    return out


class OrderRecording(ExecutionRecording):
    """The order replies (issue 14)."""

    def openOrder(self, orderId, contract, order, orderState):
        fields = {"order_id": orderId}
        order_visit(contract, "contract", fields)
        order_visit(order, "order", fields)
        order_visit(orderState, "order_state", fields)
        emit("OpenOrder", **fields)

    def completedOrder(self, contract, order, orderState):
        fields = {}
        order_visit(contract, "contract", fields)
        order_visit(order, "order", fields)
        order_visit(orderState, "order_state", fields)
        emit("CompletedOrder", **fields)


# ---- orders (issue 14) ----------------------------------------------------------


def order(action="BUY", qty="100", order_type="LMT", lmt=None):
    from decimal import Decimal
    from ibapi.order import Order
    o = Order()
    o.action, o.totalQuantity, o.orderType = action, Decimal(qty), order_type
    if lmt is not None:
        o.lmtPrice = lmt
    o.tif = "DAY"
    o.discretionaryAmt = 0.0  # a float, as libtws holds it (ibapi's default int 0 prints "0")
    o.cashQty = 0.0  # below 111 ibapi refuses any order whose cashQty is truthy (UNSET is)
    return o


def conditions():
    from ibapi import order_condition as oc
    price = oc.PriceCondition(oc.PriceCondition.TriggerMethodEnum.Last, 265598, "SMART", True, 190.5)
    time_ = oc.TimeCondition(False, "20261201 15:30:00 US/Eastern")
    time_.isConjunctionConnection = False
    margin = oc.MarginCondition(True, 25)
    execution = oc.ExecutionCondition("STK", "SMART", "AAPL")
    volume = oc.VolumeCondition(265598, "SMART", True, 100000)
    change = oc.PercentChangeCondition(265598, "SMART", False, 2.5)
    return [price, time_, margin, execution, volume, change]


def order_calls():
    from ibapi.order import OrderComboLeg
    from ibapi.order_cancel import OrderCancel
    from ibapi.softdollartier import SoftDollarTier

    def market(a):
        a.placeOrder(101, stock(), order(order_type="MKT"))

    def limit(a):
        o = order(lmt=189.5)
        o.account, o.orderRef, o.outsideRth = "DU123456", "ref-1", True
        a.placeOrder(102, stock(), o)

    def bracket_child(a):
        o = order(action="SELL", order_type="STP")
        o.auxPrice, o.parentId, o.transmit, o.ocaGroup = 180.0, 102, False, "oca-1"
        a.placeOrder(103, stock(), o)

    def algo(a):
        o = order(lmt=189.5)
        o.algoStrategy = "Adaptive"
        o.algoParams = [tag("adaptivePriority", "Normal")]
        a.placeOrder(104, stock(), o)

    def conditional(a):
        o = order(lmt=189.5)
        o.conditions = conditions()
        o.conditionsIgnoreRth, o.conditionsCancelOrder = True, False
        a.placeOrder(105, stock(), o)

    def combo_order(a):
        o = order(lmt=1.25)
        legs = []
        for price in (1.5, None):
            leg = OrderComboLeg()
            if price is not None:
                leg.price = price
            legs.append(leg)
        o.orderComboLegs = legs
        o.smartComboRoutingParams = [tag("NonGuaranteed", "1")]
        a.placeOrder(106, combo(), o)

    def what_if(a):
        o = order(lmt=189.5)
        o.whatIf = True
        a.placeOrder(107, stock(), o)

    def pegged(a):
        o = order(order_type="PEG BENCH")
        o.referenceContractId, o.isPeggedChangeAmountDecrease = 756733, True
        o.peggedChangeAmount, o.referenceChangeAmount, o.referenceExchangeId = 0.5, 0.25, "ARCA"
        o.adjustedOrderType, o.triggerPrice, o.adjustedStopPrice = "STP", 185.0, 184.0
        a.placeOrder(108, stock(), o)

    def delta_neutral(a):
        o = order(order_type="VOL")
        o.volatility, o.volatilityType = 0.25, 2
        o.deltaNeutralOrderType, o.deltaNeutralAuxPrice = "LMT", 1.5
        o.deltaNeutralConId, o.deltaNeutralOpenClose = 265598, "O"
        o.continuousUpdate, o.referencePriceType = True, 1
        a.placeOrder(109, option(), o)

    def peg_mid(a):
        o = order(order_type="PEG MID")
        o.midOffsetAtWhole, o.midOffsetAtHalf = 0.01, 0.005
        o.usePriceMgmtAlgo = True
        a.placeOrder(110, stock(), o)

    def everything(a):
        o = order(lmt=189.5)
        o.goodTillDate, o.faGroup, o.faMethod = "20261231 16:00:00 US/Eastern", "grp", "EqualQuantity"
        o.hedgeType, o.hedgeParam = "B", "beta=1"
        o.scalePriceIncrement, o.scalePriceAdjustValue, o.scaleAutoReset = 0.05, 0.01, True
        o.scaleInitLevelSize, o.scaleSubsLevelSize = 100, 50
        o.orderMiscOptions = [tag("a", "1")]
        o.softDollarTier = SoftDollarTier("tier", "v1", "")
        o.mifid2DecisionMaker, o.mifid2ExecutionAlgo = "dm", "ea"
        o.minQty, o.percentOffset, o.trailingPercent = 10, 0.02, 1.5
        o.duration, o.postToAts, o.manualOrderIndicator = 60, 1, 0
        o.customerAccount, o.professionalCustomer = "cust", True
        o.includeOvernight, o.imbalanceOnly = True, True
        o.manualOrderTime, o.advancedErrorOverride = "20261201-10:00:00", "8229"
        o.cashQty = 1000.0
        a.placeOrder(111, stock(), o)

    def cancel(a):
        a.cancelOrder(102, OrderCancel())

    def cancel_manual(a):
        c = OrderCancel()
        c.manualOrderCancelTime, c.extOperator, c.manualOrderIndicator = "20261201-10:00:01", "op", 1
        a.cancelOrder(103, c)

    return [
        ("PlaceOrder#market", market),
        ("PlaceOrder#limit", limit),
        ("PlaceOrder#bracket", bracket_child),
        ("PlaceOrder#algo", algo),
        ("PlaceOrder#conditional", conditional),
        ("PlaceOrder#combo", combo_order),
        ("PlaceOrder#what_if", what_if),
        ("PlaceOrder#pegged", pegged),
        ("PlaceOrder#delta_neutral", delta_neutral),
        ("PlaceOrder#peg_mid", peg_mid),
        ("PlaceOrder#everything", everything),
        ("CancelOrder", cancel),
        ("CancelOrder#manual", cancel_manual),
        ("ReqGlobalCancel", lambda a: a.reqGlobalCancel(OrderCancel())),
        ("ReqOpenOrders", lambda a: a.reqOpenOrders()),
        ("ReqAllOpenOrders", lambda a: a.reqAllOpenOrders()),
        ("ReqAutoOpenOrders", lambda a: a.reqAutoOpenOrders(True)),
        ("ReqCompletedOrders", lambda a: a.reqCompletedOrders(True)),
    ]


def encode_orders(version):
    """Each call of order_calls() on a fresh client at `version`."""
    for name, call in order_calls():
        app = EncodingApp(version)
        call(app)
        sent = b"".join(app.conn.sent)
        emit(name, hex=sent.hex(), errors=app.errors)
    return 0


def scanner_subscription():
    from ibapi.scanner import ScannerSubscription
    s = ScannerSubscription()
    s.numberOfRows, s.instrument, s.locationCode = 25, "STK", "STK.US.MAJOR"
    s.scanCode, s.abovePrice, s.aboveVolume = "TOP_PERC_GAIN", 5.0, 100000
    s.stockTypeFilter = "ALL"
    return s


def wsh_event_data(full):
    from ibapi.common import WshEventData
    w = WshEventData()
    w.conId = 8314
    if full:
        w.filter, w.fillWatchlist = '{"watchlist":["8314"]}', True
        w.startDate, w.endDate, w.totalLimit = "20261201", "20261231", 10
    return w


def with_auth(call):
    def run(app):
        app.extraAuth = True
        call(app)
    return run


# The calls of `encode16`, in order, under the names the Rust side uses.
REST_CALLS = [
    ("ReqNewsBulletins", lambda a: a.reqNewsBulletins(True)),
    ("CancelNewsBulletins", lambda a: a.cancelNewsBulletins()),
    ("ReqNewsProviders", lambda a: a.reqNewsProviders()),
    ("ReqNewsArticle", lambda a: a.reqNewsArticle(31, "BRFG", "BRFG$0c6a1b2e", [])),
    ("ReqHistoricalNews",
     lambda a: a.reqHistoricalNews(32, 8314, "BRFG+DJNL", "2026-11-01 00:00:00.0",
                                   "2026-12-01 00:00:00.0", 10, [])),
    ("ReqScannerParameters", lambda a: a.reqScannerParameters()),
    # ibapi refuses any filter-options argument but None below 143.
    ("ReqScannerSubscription",
     lambda a: a.reqScannerSubscription(41, scanner_subscription(), [], None)),
    ("ReqScannerSubscription#filter",
     lambda a: a.reqScannerSubscription(42, scanner_subscription(), [],
                                        [tag("priceAbove", "5")])),
    ("CancelScannerSubscription", lambda a: a.cancelScannerSubscription(41)),
    ("ReqFa", lambda a: a.requestFA(1)),
    ("ReplaceFa", lambda a: a.replaceFA(43, 1, "<ListOfGroups><Group><name>G1</name></Group></ListOfGroups>")),
    ("QueryDisplayGroups", lambda a: a.queryDisplayGroups(44)),
    ("SubscribeToGroupEvents", lambda a: a.subscribeToGroupEvents(45, 1)),
    ("UpdateDisplayGroup", lambda a: a.updateDisplayGroup(45, "8314@SMART")),
    ("UnsubscribeFromGroupEvents", lambda a: a.unsubscribeFromGroupEvents(45)),
    ("ReqWshMetaData", lambda a: a.reqWshMetaData(46)),
    ("CancelWshMetaData", lambda a: a.cancelWshMetaData(46)),
    ("ReqWshEventData", lambda a: a.reqWshEventData(47, wsh_event_data(False))),
    # below 171 / 173 ibapi refuses the filters and the dates (503)
    ("ReqWshEventData#filters", lambda a: a.reqWshEventData(48, wsh_event_data(True))),
    ("CancelWshEventData", lambda a: a.cancelWshEventData(47)),
    ("SetServerLogLevel", lambda a: a.setServerLogLevel(5)),
    ("VerifyRequest", with_auth(lambda a: a.verifyRequest("libtws-test", "1.0"))),
    ("VerifyMessage", lambda a: a.verifyMessage("challenge-answer")),
    ("VerifyAndAuthRequest",
     with_auth(lambda a: a.verifyAndAuthRequest("libtws-test", "1.0", "isv-key"))),
    ("VerifyAndAuthMessage", lambda a: a.verifyAndAuthMessage("challenge-answer", "xyz")),
    ("ReqConfig", lambda a: a.reqConfigProtoBuf(config_request(49))),
    ("UpdateConfig", lambda a: a.updateConfigProtoBuf(update_config_request(50))),
    ("UpdateConfig#empty", lambda a: a.updateConfigProtoBuf(update_config_request(51, False))),
]


def config_request(req_id):
    from ibapi.protobuf.ConfigRequest_pb2 import ConfigRequest
    proto = ConfigRequest()
    proto.reqId = req_id
    return proto


def update_config_request(req_id, full=True):
    """A change of a few settings, set false as well as true (a bool left
    out stays as it is), and an accepted warning."""
    from ibapi.protobuf.UpdateConfigRequest_pb2 import UpdateConfigRequest
    proto = UpdateConfigRequest()
    proto.reqId = req_id
    if not full:
        return proto
    proto.lockAndExit.autoLogoffTime = "11:40 PM"
    message = proto.messages.add()
    message.id, message.enabled = 2, False
    proto.api.precautions.bypassOrderPrecautions = True
    proto.api.precautions.bypassBondWarning = False
    proto.api.settings.readOnlyApi = False
    proto.api.settings.socketPort = 7496
    proto.api.settings.masterClientId = 0
    proto.api.settings.trustedIPs.append("10.0.0.2")
    proto.orders.smartRouting.doNotRouteToDarkPools = True
    warning = proto.acceptedWarnings.add()
    warning.messageId, warning.title = 3, "Restart"
    proto.resetAPIOrderSequence = True
    return proto


def encode16(version):
    """Each call of REST_CALLS on a fresh client at `version`."""
    for name, call in REST_CALLS:
        app = EncodingApp(version)
        call(app)
        sent = b"".join(app.conn.sent)
        emit(name, hex=sent.hex(), errors=app.errors)
    return 0


class AllRecording(HistoryRecording, OrderRecording, RestRecording):
    """Every family's replies, recorded as libtws's visitor names them."""

    def __init__(self):
        HistoryRecording.__init__(self)
        self.scan = None


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
    if len(argv) >= 3 and argv[1] == "encode-orders":
        return each([lambda v=int(v): encode_orders(v) for v in argv[2:]])
    if len(argv) >= 3 and argv[1] == "encode":
        return each([lambda v=int(v): encode(v) for v in argv[2:]])
    if len(argv) >= 4 and argv[1] == "encode-set" and argv[2] in ENCODE_SETS:
        calls = ENCODE_SETS[argv[2]]
        return each([lambda v=int(v): encode(v, calls) for v in argv[3:]])
    if len(argv) >= 3 and argv[1] == "encode-history":
        return each([lambda v=int(v): encode(v, HISTORY_CALLS) for v in argv[2:]])
    if len(argv) >= 3 and argv[1] == "encode16":
        return each([lambda v=int(v): encode16(v) for v in argv[2:]])
    if len(argv) >= 4 and len(argv) % 2 == 0 and argv[1] == "decode":
        pairs = zip(argv[2::2], argv[3::2])
        return each([lambda v=int(v), f=f: decode(v, f) for v, f in pairs])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
