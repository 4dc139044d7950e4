#!/usr/bin/env bash
# Runs the C programs against the simulator, then again under valgrind.
# Called by `make c-test` with TWS_BIN, TWS_SIM and VALGRIND set.
set -u
cd "$(dirname "$0")/../.."
bin=${TWS_BIN:-build/bin}
sim=${TWS_SIM:-target/release/tws-sim}
vg=${VALGRIND:-valgrind --error-exitcode=1 --leak-check=full --quiet}
hg=${HELGRIND:-valgrind --tool=helgrind --suppressions=tests/c/helgrind.supp --error-exitcode=1 --quiet}
with_sim="scripts/with-sim.sh $sim"
pass=0 fail=0

check() { # NAME COMMAND...
  local name=$1; shift
  if "$@"; then pass=$((pass + 1)); echo "ok   $name"; else fail=$((fail + 1)); echo "FAIL $name"; fi
}

hello_world_output_is_right() { # BINARY [VALGRIND...]
  local out err
  out=$(mktemp); err=$(mktemp)
  $with_sim --accounts DU123456,DU654321 -- "$@" 127.0.0.1 PORT 0 >"$out" 2>"$err"
  local rc=$?
  local ok=1
  [ $rc -eq 0 ] || { echo "exit code $rc"; cat "$err"; ok=0; }
  grep -qx 'AccountSummary. ReqId: 0 Account: DU123456 Tag: NetLiquidation Value: 983631.71 Currency: USD' "$out" || { echo "NetLiquidation row missing"; ok=0; }
  grep -q '^AccountSummary. ReqId: 0 Account: DU654321 Tag: TotalCashValue Value: [0-9.]* Currency: USD$' "$out" || { echo "second account missing"; ok=0; }
  [ "$(tail -n 1 "$out")" = "AccountSummaryEnd. ReqId: 0" ] || { echo "end marker is not last"; ok=0; }
  local rows; rows=$(grep -c '^AccountSummary\. ' "$out")
  [ "$rows" -ge 60 ] || { echo "only $rows rows"; ok=0; }
  grep -q '2104' "$err" || { echo "notices should go to stderr"; ok=0; }
  grep -q '2104' "$out" && { echo "notices leaked to stdout"; ok=0; }
  rm -f "$out" "$err"
  [ $ok -eq 1 ]
}

refused_port_fails_cleanly() {
  local err; err=$(mktemp)
  "$bin/account_summary" 127.0.0.1 1 0 >/dev/null 2>"$err"
  local rc=$?
  grep -q 'TWS_ERR_CONNECTION_REFUSED' "$err"; local found=$?
  rm -f "$err"
  [ $rc -ne 0 ] && [ $found -eq 0 ]
}


hello_world_output_is_right_v() { # VERSION
  local out; out=$(mktemp)
  $with_sim --server-version "$1" -- "$bin/account_summary" 127.0.0.1 PORT 0 >"$out" 2>/dev/null
  local rc=$?
  grep -qx 'AccountSummary. ReqId: 0 Account: DU123456 Tag: NetLiquidation Value: 983631.71 Currency: USD' "$out"; local found=$?
  rm -f "$out"
  [ $rc -eq 0 ] && [ $found -eq 0 ]
}

watch_account_runs_and_exits_0() { # [VALGRIND...]
  local out err
  out=$(mktemp); err=$(mktemp)
  $with_sim --quiet -- "$@" "$bin/watch_account" 127.0.0.1 PORT 3 3 >"$out" 2>"$err"
  local rc=$?
  local ok=1
  [ $rc -eq 0 ] || { echo "exit code $rc"; cat "$err"; ok=0; }
  [ "$(head -n 1 "$out")" = "State. Connected" ] || { echo "first line is not State. Connected"; ok=0; }
  grep -qx 'AccountSummary. ReqId: 0 Account: DU123456 Tag: NetLiquidation Value: 983631.71 Currency: USD' "$out" || { echo "NetLiquidation row missing"; ok=0; }
  grep -qx 'AccountSummaryEnd. ReqId: 0' "$out" || { echo "end marker missing"; ok=0; }
  [ "$(tail -n 1 "$out")" = "State. Disconnected disconnect requested" ] || { echo "last line: $(tail -n 1 "$out")"; ok=0; }
  [ $ok -eq 1 ] || cat "$out"
  rm -f "$out" "$err"
  [ $ok -eq 1 ]
}

watch_account_refuses_a_client_id_in_use() {
  local err; err=$(mktemp)
  # The first watcher holds client id 7; the second must fail at once, naming 326.
  # (with-sim replaces the word PORT in arguments, so the script gets it as $3.)
  $with_sim --quiet -- bash -c '
    "$1" 127.0.0.1 "$3" 7 3 >/dev/null 2>&1 & first=$!
    sleep 1
    "$1" 127.0.0.1 "$3" 7 10 >/dev/null 2>"$2"; second=$?
    wait $first; first_rc=$?
    [ $first_rc -eq 0 ] && [ $second -eq 1 ]' _ "$bin/watch_account" "$err" PORT
  local rc=$?
  grep -q '326' "$err"; local named=$?
  [ $rc -eq 0 ] && [ $named -eq 0 ] || { echo "rc $rc"; cat "$err"; }
  rm -f "$err"
  [ $rc -eq 0 ] && [ $named -eq 0 ]
}

start_sim() { # PORT OUTFILE -> prints the port; the pid is in $sim_pid
  "$sim" --quiet --port "$1" >"$2" &
  sim_pid=$!
  local line=""
  for _ in $(seq 1 100); do
    line=$(head -n 1 "$2" 2>/dev/null)
    case "$line" in listening\ *) break ;; esac
    sleep 0.05
  done
  sim_port=${line##*:}
}

watch_account_survives_a_restart() { # SECONDS [VALGRIND...]
  local seconds=$1; shift
  local out err simout
  out=$(mktemp); err=$(mktemp); simout=$(mktemp)
  start_sim 0 "$simout"
  local port=$sim_port
  "$@" "$bin/watch_account" 127.0.0.1 "$port" 4 "$seconds" >"$out" 2>"$err" &
  local watcher=$!
  local waited=0
  until grep -q '^AccountSummaryEnd' "$out" || [ $waited -ge 100 ]; do sleep 0.1; waited=$((waited + 1)); done
  kill "$sim_pid"; wait "$sim_pid" 2>/dev/null
  sleep 1.5
  start_sim "$port" "$simout"
  wait $watcher
  local rc=$?
  kill "$sim_pid"; wait "$sim_pid" 2>/dev/null
  local ok=1
  [ $rc -eq 0 ] || { echo "exit code $rc"; ok=0; }
  grep -q '^State. ConnectionLost ' "$out" || { echo "no ConnectionLost"; ok=0; }
  grep -q '^State. Reconnecting attempt 1 in [0-9]* ms$' "$out" || { echo "no first attempt"; ok=0; }
  grep -qx 'State. Reconnected, resubscribed 1' "$out" || { echo "no Reconnected"; ok=0; }
  [ "$(grep -cx 'AccountSummaryEnd. ReqId: 0' "$out")" -eq 2 ] || { echo "rows did not come again"; ok=0; }
  [ $ok -eq 1 ] || { cat "$out" "$err"; }
  rm -f "$out" "$err" "$simout"
  [ $ok -eq 1 ]
}

check "hello world (poll)" hello_world_output_is_right "$bin/account_summary"
check "hello world (callback)" hello_world_output_is_right "$bin/account_summary_callback"
for version in 150 176 200 201 207 213 222; do
  check "hello world at server version $version" hello_world_output_is_right_v "$version"
done
positions_output_is_right() { # VERSION [VALGRIND...]
  local version=$1; shift
  local out; out=$(mktemp)
  $with_sim --server-version "$version" --accounts DU123456,DU654321 -- "$@" "$bin/positions" 127.0.0.1 PORT 0 >"$out" 2>/dev/null
  local rc=$?
  local ok=1
  [ $rc -eq 0 ] || { echo "positions exit code $rc"; ok=0; }
  grep -qx 'Position. Account: DU123456 Symbol: AAPL SecType: STK Currency: USD Position: 100 Avg cost: 172.35' "$out" || { echo "AAPL line missing"; ok=0; }
  grep -qx 'Position. Account: DU123456 Symbol: MSFT SecType: STK Currency: USD Position: 0.5 Avg cost: 402.1' "$out" || { echo "fractional line missing"; ok=0; }
  grep -q '^Position. Account: DU123456 Symbol: AAPL SecType: OPT Currency: USD Position: 2 ' "$out" || { echo "option line missing"; ok=0; }
  grep -q '^Position. Account: DU123456 Symbol: SAP SecType: STK Currency: EUR ' "$out" || { echo "EUR line missing"; ok=0; }
  grep -q '^Position. Account: DU654321 ' "$out" || { echo "second account missing"; ok=0; }
  [ "$(grep -vc '^Position\. ' "$out")" -eq 0 ] || { echo "unexpected lines on stdout"; ok=0; }
  rm -f "$out"
  [ $ok -eq 1 ]
}

for version in 150 176 200 201 207 210 222; do
  check "positions example at server version $version" positions_output_is_right "$version"
done
any_event_reads_every_field() { # [VALGRIND...]
  local out; out=$(mktemp)
  $with_sim --quiet --server-version 128 -- "$@" "$bin/any_event" 127.0.0.1 PORT 0 >"$out" 2>/dev/null
  local rc=$?
  local ok=1
  [ $rc -eq 0 ] || { echo "any_event exit code $rc"; ok=0; }
  grep -q '^PnL req_id=1 daily_pnl=[0-9.-]* unrealized_pnl=(absent) realized_pnl=(absent)$' "$out" || { echo "PnL line missing"; ok=0; }
  grep -q '^Position account="DU123456" contract.con_id=265598 contract.symbol="AAPL" contract.sec_type="STK" ' "$out" || { echo "AAPL line missing"; ok=0; }
  [ $ok -eq 1 ] || cat "$out"
  rm -f "$out"
  [ $ok -eq 1 ]
}
check "any_event example: every field, absent PnL at 128" any_event_reads_every_field
check "refused port" refused_port_fails_cleanly
market_data_example_prints_ticks() { # [VALGRIND...]
  local out err
  out=$(mktemp); err=$(mktemp)
  $with_sim --quiet --seed 7 --market-data-rate 20 -- "$@" "$bin/market_data" 127.0.0.1 PORT 0 AAPL 12 20 >"$out" 2>"$err"
  local rc=$?
  local ok=1
  [ $rc -eq 0 ] || { echo "market_data exit code $rc"; cat "$err"; ok=0; }
  grep -qx 'Contract. Symbol: AAPL ConId: 265598 Name: APPLE INC Primary: NASDAQ' "$out" || { echo "contract line missing"; ok=0; }
  grep -q '^Tick. ReqId: 0 Type: BID Price: [0-9.]* Size: [0-9]*$' "$out" || { echo "BID line missing"; ok=0; }
  grep -q '^Tick. ReqId: 0 Type: ASK Price: [0-9.]* Size: [0-9]*$' "$out" || { echo "ASK line missing"; ok=0; }
  [ "$(grep -c '^Tick\. ' "$out")" -eq 12 ] || { echo "not 12 ticks"; ok=0; }
  grep -q '^Quote. ReqId: 0 Bid: [0-9.]* Ask: [0-9.]* ' "$out" || { echo "quote line missing"; ok=0; }
  [ $ok -eq 1 ] || cat "$out"
  rm -f "$out" "$err"
  [ $ok -eq 1 ]
}
market_data_example_fails_on_unknown_symbol() {
  local err; err=$(mktemp)
  $with_sim --quiet -- "$bin/market_data" 127.0.0.1 PORT 0 NOPE 5 5 >/dev/null 2>"$err"
  local rc=$?
  grep -q 'TWS error 200 (NO_SECURITY_DEFINITION)' "$err"; local named=$?
  [ $rc -eq 1 ] && [ $named -eq 0 ] || { echo "rc $rc"; cat "$err"; }
  rm -f "$err"
  [ $rc -eq 1 ] && [ $named -eq 0 ]
}
check "market_data example: contract details, ticks, quote" market_data_example_prints_ticks
place_order_example_fills() { # [VALGRIND...]
  # examples-c/place_order.c: a limit order on the simulator, its status
  # changes, the fill, its execution and commission, then exit 0.
  local out err rc ok=1
  out=$(mktemp); err=$(mktemp)
  $with_sim --quiet -- "$@" "$bin/place_order" 127.0.0.1 PORT 0 AAPL BUY 100 189.50 30 >"$out" 2>"$err"
  rc=$?
  [ $rc -eq 0 ] || { echo "place_order exit code $rc"; cat "$err"; ok=0; }
  local id; id=$(sed -n 's/^Placed\. Id: \([0-9]*\) Symbol: AAPL Action: BUY Quantity: 100 Type: LMT Limit: 189\.50$/\1/p' "$out")
  [ -n "$id" ] || { echo "no Placed line"; ok=0; }
  grep -Eq "^OrderStatus\. Id: $id Status: Filled Filled: 100 Remaining: 0 AvgPrice: 1[0-9]{2}\.[0-9]{2}$" "$out" || { echo "no Filled status"; ok=0; }
  grep -Eq "^Execution\. Id: $id ExecId: [0-9a-f.]+ Side: BOT Shares: [0-9]+ Price: [0-9.]+$" "$out" || { echo "no execution"; ok=0; }
  grep -Eq '^Commission\. ExecId: [0-9a-f.]+ Amount: [0-9]+\.[0-9]{2} Currency: USD$' "$out" || { echo "no commission"; ok=0; }
  # Status lines are changes only, and the fill comes after the order was submitted.
  [ "$(grep '^OrderStatus' "$out" | sort | uniq -d)" = "" ] || { echo "a status printed twice"; ok=0; }
  [ $ok -eq 1 ] || cat "$out"
  rm -f "$out" "$err"
  [ $ok -eq 1 ]
}
check "place_order example: a limit order filled, its execution and commission" place_order_example_fills
check "market_data example: unknown symbol names error 200" market_data_example_fails_on_unknown_symbol
historical_bars_example_prints_bars() { # VERSION [VALGRIND...]
  local version=$1; shift
  local out err
  out=$(mktemp); err=$(mktemp)
  $with_sim --quiet --server-version "$version" -- "$@" "$bin/historical_bars" 127.0.0.1 PORT 0 >"$out" 2>"$err"
  local rc=$?
  local ok=1
  [ $rc -eq 0 ] || { echo "historical_bars exit code $rc"; cat "$err"; ok=0; }
  local bar='^Bar\. ReqId: 1 Date: 20261130 [0-9:]* US/Eastern Open: [0-9]*\.[0-9][0-9] High: [0-9]*\.[0-9][0-9] Low: [0-9]*\.[0-9][0-9] Close: [0-9]*\.[0-9][0-9] Volume: [0-9]* WAP: [0-9.]* BarCount: [0-9]*$'
  [ "$(grep -c "$bar" "$out")" -eq 7 ] || { echo "not 7 hourly bars"; ok=0; }
  grep -q '^Bar. ReqId: 1 Date: 20261130 15:00:00 US/Eastern ' "$out" || { echo "last bar missing"; ok=0; }
  [ "$(tail -n 1 "$out")" = "HistoricalDataEnd. ReqId: 1" ] || { echo "end marker is not last"; ok=0; }
  [ $ok -eq 1 ] || cat "$out"
  rm -f "$out" "$err"
  [ $ok -eq 1 ]
}
check "historical_bars example: a day of hourly bars, then the end" historical_bars_example_prints_bars 222
check "historical_bars example at server version 176 (end inside historicalData)" historical_bars_example_prints_bars 176
check "C API tests: historical data" $with_sim --quiet -- "$bin/test_history"
check "C API tests: historical data at server version 176" $with_sim --quiet --server-version 176 -- "$bin/test_history"
check "C API tests: instruments and quotes" $with_sim --quiet --market-data-rate 20 --permission MSFT=none -- "$bin/test_market_data"
check "C API tests: instruments and quotes at server version 150" $with_sim --quiet --server-version 150 --market-data-rate 20 --permission MSFT=none -- "$bin/test_market_data"
c_orders_reach_the_simulator() { # VERSION [VALGRIND...]
  # test_orders builds a conditional bracket with algo params and a combo
  # order with leg prices and routing params; the simulator's record must
  # show every field set, at text and protobuf versions.
  local version=$1; shift
  local rec; rec=$(mktemp)
  $with_sim --quiet --server-version "$version" --record "$rec" -- "$@" "$bin/test_orders"
  local rc=$?
  python3 - "$rec" "$version" <<'PY'
import json, sys
orders = [m["fields"] for m in map(json.loads, open(sys.argv[1]))
          if m.get("dir") == "out" and m.get("name") == "PlaceOrder"]
proto = int(sys.argv[2]) >= 203
def fail(why):
    print(f"at {sys.argv[2]}: {why} ({len(orders)} placeOrder requests recorded)")
    sys.exit(1)
if len(orders) != 7:
    fail(f"{len(orders)} placeOrder requests, not 7")
parent, profit, loss, modified, combo, probe, refused = orders
ids = [o["order_id"] for o in (parent, profit, loss, combo)]
if ids != list(range(ids[0], ids[0] + 4)):
    fail(f"ids {ids} are not consecutive")
if modified["order_id"] != parent["order_id"] or modified["order.lmt_price"] != 189.25:
    fail("the modification is not under the parent's id")
want = {"order.action": "BUY", "order.total_quantity": "100", "order.order_type": "LMT",
        "order.lmt_price": 189.5, "order.transmit": False, "order.algo_strategy": "Adaptive",
        "order.algo_params": 1, "order.conditions": 2, "order.order_ref": "bracket-parent"}
bad = {k: parent.get(k) for k, v in want.items() if parent.get(k) != v}
if bad:
    fail(f"parent fields {bad}")
if [profit["order.parent_id"], loss["order.parent_id"]] != [parent["order_id"]] * 2:
    fail("children do not name the parent")
if [profit["order.transmit"], loss["order.transmit"]] != [False, True]:
    fail("only the last child transmits")
if loss["order.order_type"] != "STP" or loss["order.aux_price"] != 185.0:
    fail("the stop child")
if combo["contract.combo_legs"] != 2 or combo["order.smart_combo_routing_params"] != 1:
    fail("combo legs / routing params")
if not proto and combo.get("order.order_combo_legs") != 2:
    fail("the order's leg prices (text form)")
if proto and combo.get("combo_leg.per_leg_price") != 410.25:
    fail("the last leg's price (protobuf form carries it in the leg)")
if probe["order.what_if"] is not True or refused["order.what_if"] is not True:
    fail("the what-if probes are not what-if")
if refused["order_id"] <= probe["order_id"] or probe["order_id"] <= combo["order_id"]:
    fail("the what-if probes did not take fresh ids")
PY
  local same=$?
  rm -f "$rec"
  [ $rc -eq 0 ] && [ $same -eq 0 ]
}
for version in 176 222; do
  check "C API tests: orders at server version $version (the fields reach the simulator)" c_orders_reach_the_simulator "$version"
done
check "C API tests: the rest of the API" $with_sim --quiet -- "$bin/test_rest"
check "C API tests: the rest of the API at server version 176" $with_sim --quiet --server-version 176 -- "$bin/test_rest"
check "C API tests" $with_sim -- "$bin/test_api"
check "C API tests: strings at server version 200 (text form)" $with_sim --server-version 200 -- "$bin/test_api" strings
check "C API tests: strings at server version 203 (binary id, text body)" $with_sim --server-version 203 -- "$bin/test_api" strings
check "C API tests: account data" $with_sim --accounts DU123456,DU654321 -- "$bin/test_account_data"
check "C lifetime tests" $with_sim --quiet -- "$bin/test_lifetime"
generic_send_bytes_equal_typed() { # VERSION [VALGRIND...]
  # test_send sends every request with its typed function and with
  # tws_client_send; the simulator's record must show the same bytes.
  local version=$1; shift
  local rec; rec=$(mktemp)
  $with_sim --quiet --server-version "$version" --accounts DU123456,DU654321 --record "$rec" -- "$@" "$bin/test_send"
  local rc=$?
  python3 - "$rec" "$version" <<'PY'
import json, sys
seen, count = {}, {}
for line in open(sys.argv[1]):
    m = json.loads(line)
    if m.get("dir") == "out" and "id" in m:
        seen.setdefault(m["name"], set()).add(m["hex"])
        count[m["name"]] = count.get(m["name"], 0) + 1
names = ["ReqCurrentTime", "ReqAccountSummary", "CancelAccountSummary", "ReqAccountUpdatesMulti", "CancelAccountUpdatesMulti"]
bad = [n for n in names if len(seen.get(n, ())) != 1 or count.get(n, 0) < 2]
if bad:
    print("typed and generic bytes differ (or missing):", {n: sorted(seen.get(n, ())) for n in bad})
    sys.exit(1)
# reqMktData for a BAG with legs and a delta-neutral contract (combo legs
# appended, the optional record set): at 176, ibapi 10.51.1's bytes (as
# tests/market_data_protocol.rs pins them).
ibapi = "31003131003232003000535059004241470000000000534d4152540000555344000000320037353637333300310042555900534d415254003833313400310053454c4c00534d41525400310037353637333300302e35003434352e323500003100300000"
if sys.argv[2] == "176" and not any(h.endswith(ibapi) for h in seen.get("ReqMktData", ())):
    print("reqMktData (combo) differs from ibapi's:", sorted(seen.get("ReqMktData", ())))
    sys.exit(1)
if not seen.get("ReqMktData"):
    print("no reqMktData recorded")
    sys.exit(1)
PY
  local same=$?
  rm -f "$rec"
  [ $rc -eq 0 ] && [ $same -eq 0 ]
}
for version in 150 176 200 222; do
  check "C generic requests (tws_client_send) at server version $version: bytes equal the typed functions'" generic_send_bytes_equal_typed "$version"
done
check "C ABI 1.0: generic accessors, records" $with_sim --accounts DU123456,DU654321 -- "$bin/test_fields"
check "C ABI 1.0: absent PnL values at server version 128" $with_sim --server-version 128 --accounts DU123456,DU654321 -- "$bin/test_fields" old
check "watch_account runs and exits 0" watch_account_runs_and_exits_0
check "watch_account refuses a client id in use (326)" watch_account_refuses_a_client_id_in_use
check "watch_account survives a TWS restart" watch_account_survives_a_restart 6
threads_sim="$with_sim --quiet --max-account-summaries 1000 --"
check "8 threads requesting while polling" $threads_sim "$bin/test_threads"

if command -v "${vg%% *}" >/dev/null 2>&1; then
  check "valgrind: hello world (poll)" hello_world_output_is_right $vg "$bin/account_summary"
  check "valgrind: hello world (callback)" hello_world_output_is_right $vg "$bin/account_summary_callback"
  check "valgrind: C API tests" $with_sim -- $vg "$bin/test_api"
  check "valgrind: positions example" positions_output_is_right 222 $vg
  check "valgrind: C API tests: account data" $with_sim --accounts DU123456,DU654321 -- $vg "$bin/test_account_data"
  check "valgrind: C lifetime tests" $with_sim --quiet -- $vg "$bin/test_lifetime"
  check "valgrind: C generic requests" generic_send_bytes_equal_typed 222 $vg
  check "valgrind: market_data example" market_data_example_prints_ticks $vg
  check "valgrind: historical_bars example" historical_bars_example_prints_bars 222 $vg
  check "valgrind: C API tests: historical data" $with_sim --quiet -- $vg "$bin/test_history"
  check "valgrind: place_order example" place_order_example_fills $vg
  check "valgrind: C API tests: orders" c_orders_reach_the_simulator 222 $vg
  check "valgrind: C API tests: instruments and quotes" $with_sim --quiet --market-data-rate 20 --permission MSFT=none -- $vg "$bin/test_market_data"
  check "valgrind: C API tests: the rest of the API" $with_sim --quiet -- $vg "$bin/test_rest"
  check "valgrind: C ABI 1.0 accessors" $with_sim --accounts DU123456,DU654321 -- $vg "$bin/test_fields"
  check "valgrind: watch_account" watch_account_runs_and_exits_0 $vg
  check "valgrind: watch_account survives a TWS restart" watch_account_survives_a_restart 10 $vg
  check "valgrind: 8 threads" $threads_sim $vg "$bin/test_threads"
  # helgrind: races and pthread misuse; tests/c/helgrind.supp says what it
  # cannot see inside libtws (Rust futex locks and atomics) and why.
  check "helgrind: 8 threads" $threads_sim $hg "$bin/test_threads"
  # free while the callback re-enters the client from the dispatch thread.
  check "helgrind: C lifetime tests" $with_sim --quiet -- $hg "$bin/test_lifetime"
else
  echo "FAIL valgrind is not installed"; fail=$((fail + 1))
fi

echo "c-tests: $pass passed, $fail failed"
[ $fail -eq 0 ]
