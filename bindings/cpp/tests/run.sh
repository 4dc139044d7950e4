#!/usr/bin/env bash
# Runs the C++ example and tests against the simulator, then under valgrind.
# Called by `make cpp-test` with TWS_BIN, TWS_SIM and VALGRIND set.
set -u
cd "$(dirname "$0")/../../.."
bin=${TWS_BIN:-build/bin}
sim=${TWS_SIM:-target/release/tws-sim}
vg=${VALGRIND:-valgrind --error-exitcode=1 --leak-check=full --quiet}
with_sim="scripts/with-sim.sh $sim"
pass=0 fail=0

check() { # NAME COMMAND...
  local name=$1; shift
  if "$@"; then pass=$((pass + 1)); echo "ok   $name"; else fail=$((fail + 1)); echo "FAIL $name"; fi
}

hello_world() { # [VALGRIND...]
  local out err rc ok=1
  out=$(mktemp); err=$(mktemp)
  $with_sim --accounts DU123456,DU654321 -- "$@" "$bin/cpp_account_summary" 127.0.0.1 PORT 0 >"$out" 2>"$err"
  rc=$?
  [ $rc -eq 0 ] || { echo "exit code $rc"; cat "$err"; ok=0; }
  grep -qx 'AccountSummary. ReqId: 0 Account: DU123456 Tag: NetLiquidation Value: 983631.71 Currency: USD' "$out" || { echo "NetLiquidation row missing"; ok=0; }
  [ "$(tail -n 1 "$out")" = "AccountSummaryEnd. ReqId: 0" ] || { echo "end marker is not last"; ok=0; }
  [ "$(grep -c '^AccountSummary\. ' "$out")" -ge 60 ] || { echo "too few rows"; ok=0; }
  grep -q '2104' "$err" || { echo "notices should go to stderr"; ok=0; }
  rm -f "$out" "$err"
  [ $ok -eq 1 ]
}

positions() { # [VALGRIND...]: the same lines as the C example, and the right ones
  local out c_out ok=1
  out=$(mktemp); c_out=$(mktemp)
  $with_sim --accounts DU123456,DU654321 -- "$@" "$bin/cpp_positions" 127.0.0.1 PORT 0 >"$out" 2>/dev/null || { echo "exit code $?"; ok=0; }
  $with_sim --accounts DU123456,DU654321 -- "$bin/positions" 127.0.0.1 PORT 0 >"$c_out" 2>/dev/null || { echo "C example failed"; ok=0; }
  grep -qx 'Position. Account: DU123456 Symbol: AAPL SecType: STK Currency: USD Position: 100 Avg cost: 172.35' "$out" || { echo "AAPL line missing"; ok=0; }
  grep -qx 'Position. Account: DU123456 Symbol: MSFT SecType: STK Currency: USD Position: 0.5 Avg cost: 402.1' "$out" || { echo "fractional line missing"; ok=0; }
  [ "$(grep -c '^Position\. ' "$out")" -eq 7 ] || { echo "expected 7 positions"; ok=0; }
  cmp -s "$out" "$c_out" || { echo "output differs from examples-c/positions.c"; diff "$c_out" "$out"; ok=0; }
  rm -f "$out" "$c_out"
  [ $ok -eq 1 ]
}

refused() {
  local err; err=$(mktemp)
  "$bin/cpp_account_summary" 127.0.0.1 1 0 >/dev/null 2>"$err"; local rc=$?
  grep -q 'TWS_ERR_CONNECTION_REFUSED' "$err"; local found=$?
  rm -f "$err"
  [ $rc -ne 0 ] && [ $found -eq 0 ]
}

check "c++ hello world" hello_world
check "c++ refused port" refused
check "c++ positions example" positions
unit_tests() { # [VALGRIND...]: the simulator records what it receives (TWS_SIM_RECORD);
  # a second, frozen one (TWS_FROZEN_SIM: its port) for the dead-peer test.
  local rec rc
  rec=$(mktemp)
  $with_sim --freeze-after 1 --quiet -- env TWS_FROZEN_SIM=PORT \
    $with_sim --accounts DU123456,DU654321 --record "$rec" -- env TWS_SIM_RECORD="$rec" "$@" "$bin/cpp_test_tws"
  rc=$?
  rm -f "$rec"
  return $rc
}

check "c++ tests" unit_tests
if command -v "${vg%% *}" >/dev/null 2>&1; then
  check "valgrind: c++ hello world" hello_world $vg
  check "valgrind: c++ positions example" positions $vg
  check "valgrind: c++ tests" unit_tests $vg
else
  echo "FAIL valgrind is not installed"; fail=$((fail + 1))
fi
echo "cpp-tests: $pass passed, $fail failed"
[ $fail -eq 0 ]
