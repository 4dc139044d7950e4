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

refused() {
  local err; err=$(mktemp)
  "$bin/cpp_account_summary" 127.0.0.1 1 0 >/dev/null 2>"$err"; local rc=$?
  grep -q 'TWS_ERR_CONNECTION_REFUSED' "$err"; local found=$?
  rm -f "$err"
  [ $rc -ne 0 ] && [ $found -eq 0 ]
}

check "c++ hello world" hello_world
check "c++ refused port" refused
check "c++ tests" $with_sim --accounts DU123456,DU654321 -- "$bin/cpp_test_tws"
if command -v "${vg%% *}" >/dev/null 2>&1; then
  check "valgrind: c++ hello world" hello_world $vg
  check "valgrind: c++ tests" $with_sim --accounts DU123456,DU654321 -- $vg "$bin/cpp_test_tws"
else
  echo "FAIL valgrind is not installed"; fail=$((fail + 1))
fi
echo "cpp-tests: $pass passed, $fail failed"
[ $fail -eq 0 ]
