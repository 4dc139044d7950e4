#!/usr/bin/env bash
# Runs a command against a fresh tws-sim on a free loopback port.
#   scripts/with-sim.sh SIM_BINARY [SIM_ARGS...] -- COMMAND [ARGS...]
# In COMMAND's arguments, the word PORT is replaced by the simulator's port;
# TWS_SIM_PORT is exported too. The simulator is stopped afterwards, whatever
# happens; the command's exit code is returned.
set -u
sim=$1; shift
sim_args=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do sim_args+=("$1"); shift; done
[ $# -gt 0 ] && shift

out=$(mktemp)
"$sim" --port 0 "${sim_args[@]}" >"$out" &
sim_pid=$!
trap 'kill $sim_pid 2>/dev/null; wait $sim_pid 2>/dev/null; rm -f "$out"' EXIT
for _ in $(seq 1 100); do
  line=$(head -n 1 "$out" 2>/dev/null)
  case "$line" in listening\ *) break ;; esac
  sleep 0.05
done
case "$line" in
  listening\ *) ;;
  *) echo "with-sim: the simulator did not start" >&2; exit 1 ;;
esac
port=${line##*:}
export TWS_SIM_PORT=$port
cmd=()
for a in "$@"; do cmd+=("${a//PORT/$port}"); done
"${cmd[@]}"
