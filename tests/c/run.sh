#!/usr/bin/env bash
# Runs the C programs against the simulator, then again under valgrind.
# Called by `make c-test` with TWS_BIN, TWS_SIM and VALGRIND set.
set -u
cd "$(dirname "$0")/../.."
bin=${TWS_BIN:-build/bin}
sim=${TWS_SIM:-target/release/tws-sim}
vg=${VALGRIND:-valgrind --error-exitcode=1 --leak-check=full --quiet}
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
check "refused port" refused_port_fails_cleanly
check "C API tests" $with_sim -- "$bin/test_api"
check "C API tests: account data" $with_sim --accounts DU123456,DU654321 -- "$bin/test_account_data"

if command -v "${vg%% *}" >/dev/null 2>&1; then
  check "valgrind: hello world (poll)" hello_world_output_is_right $vg "$bin/account_summary"
  check "valgrind: hello world (callback)" hello_world_output_is_right $vg "$bin/account_summary_callback"
  check "valgrind: C API tests" $with_sim -- $vg "$bin/test_api"
  check "valgrind: positions example" positions_output_is_right 222 $vg
  check "valgrind: C API tests: account data" $with_sim --accounts DU123456,DU654321 -- $vg "$bin/test_account_data"
else
  echo "FAIL valgrind is not installed"; fail=$((fail + 1))
fi

echo "c-tests: $pass passed, $fail failed"
[ $fail -eq 0 ]
