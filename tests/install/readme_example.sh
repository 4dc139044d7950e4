#!/usr/bin/env bash
# Keeps the README's first-run story true: the complete C program (the ```c
# block after "A complete program") is extracted from README.md, compiled with
# -Wall -Wextra -Werror against include/ and build/lib, and run against the
# simulator (its port 7497 replaced by the simulator's); and `make demo` builds
# every example in examples-c/, as the Quick start says.
# Called by `make readme-test` (after `make lib sim`) with CC, MAKE and TWS_SIM set.
set -u
cd "$(dirname "$0")/../.."
cc=${CC:-cc}
make=${MAKE:-make}
sim=${TWS_SIM:-target/release/tws-sim}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0

check() { # NAME COMMAND...
  local name=$1; shift
  if "$@"; then pass=$((pass + 1)); echo "ok   $name"; else fail=$((fail + 1)); echo "FAIL $name"; fi
}

# The first ```c block after the line that starts "A complete program".
awk '/^A complete program/ { found = 1 } found && /^```c$/ { inside = 1; next }
     inside && /^```$/ { exit } inside { print }' README.md >"$work/prog.c"

extracted() {
  [ -s "$work/prog.c" ] && grep -q 'int main' "$work/prog.c" || { echo "no C program after \"A complete program\" in README.md"; return 1; }
}

uses_next_request_id() {
  # A hard-coded request id is what the README must not teach.
  grep -q 'tws_client_next_request_id(client, &' "$work/prog.c" &&
    ! grep -Eq 'tws_client_req_account_summary\(client, *[0-9]' "$work/prog.c" ||
    { echo "the README's program does not take its request id from tws_client_next_request_id"; return 1; }
}

compiles() {
  $cc -std=c11 -Wall -Wextra -Werror -Iinclude "$work/prog.c" -o "$work/prog" \
    -Lbuild/lib -Wl,-rpath,"$PWD/build/lib" -ltws -lpthread
}

runs_against_sim() {
  # The same program, its port 7497 replaced by the simulator's (TWS_SIM_PORT,
  # exported by with-sim.sh).
  sed 's/7497/(uint16_t)atoi(getenv("TWS_SIM_PORT"))/' "$work/prog.c" >"$work/prog_sim.c"
  grep -q TWS_SIM_PORT "$work/prog_sim.c" || { echo "the program does not connect to port 7497"; return 1; }
  $cc -std=c11 -Wall -Wextra -Werror -include stdlib.h -Iinclude "$work/prog_sim.c" -o "$work/prog_sim" \
    -Lbuild/lib -Wl,-rpath,"$PWD/build/lib" -ltws -lpthread || return 1
  scripts/with-sim.sh "$sim" -- "$work/prog_sim" >"$work/out.txt" 2>"$work/err.txt" || { cat "$work/err.txt"; return 1; }
  grep -qx 'AccountSummary. ReqId: 0 Account: DU123456 Tag: NetLiquidation Value: 983631.71 Currency: USD' "$work/out.txt" ||
    { echo "unexpected output:"; head -3 "$work/out.txt"; return 1; }
}

demo_builds_every_example() {
  local plan ok=1 f
  plan=$($make -n -B --no-print-directory demo 2>&1) || { echo "$plan" | tail -5; return 1; }
  for f in examples-c/*.c; do
    printf '%s\n' "$plan" | grep -q -- "$f" || { echo "make demo does not build $f"; ok=0; }
  done
  [ $ok -eq 1 ]
}

check "README: the complete C program is there" extracted
check "README: it takes its request id from tws_client_next_request_id" uses_next_request_id
check "README: it compiles with -Wall -Wextra -Werror" compiles
check "README: it prints the hello world against the simulator" runs_against_sim
check "make demo builds every example in examples-c/" demo_builds_every_example
echo "readme tests: $pass passed, $fail failed"
[ $fail -eq 0 ]
