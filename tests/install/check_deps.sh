#!/usr/bin/env bash
# Tests scripts/check-deps.sh on a machine that lacks cmake, simulated by a
# PATH of symlinks to every command there is except cmake, with fake apt-get
# and id commands that record what they were asked. Called by `make deps-test`.
set -u
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0

check() { # NAME COMMAND...
  local name=$1; shift
  if "$@"; then pass=$((pass + 1)); echo "ok   $name"; else fail=$((fail + 1)); echo "FAIL $name"; fi
}

# $work/bin: the first of each command name on PATH, except cmake, apt-get and id.
mkdir "$work/bin"
declare -A seen=()
links=()
IFS=: read -r -a dirs <<<"$PATH"
for d in "${dirs[@]}"; do
  [ -d "$d" ] || continue
  for f in "$d"/*; do
    n=${f##*/}
    case "$n" in cmake | apt-get | id) continue ;; esac
    [ -x "$f" ] && [ ! -d "$f" ] && [ -z "${seen[$n]:-}" ] && { seen[$n]=1; links+=("$f"); }
  done
done
ln -s -t "$work/bin" "${links[@]}"
# apt-get records its arguments; "install ... cmake" puts a cmake in place,
# as the real one would.
cat >"$work/bin/apt-get" <<EOF
#!$(command -v bash)
echo "\$*" >>"$work/apt-get.log"
case " \$* " in
  *" install "*" cmake "*) printf '#!/bin/sh\necho "cmake version 3.99"\n' >"$work/bin/cmake"; chmod +x "$work/bin/cmake" ;;
esac
exit 0
EOF
chmod +x "$work/bin/apt-get"
real_uid=$(id -u)
make_id() { # UID: an id command that reports this user id
  printf '#!%s\n[ "$1" = -u ] && echo %s\n' "$(command -v bash)" "$1" >"$work/bin/id"
  chmod +x "$work/bin/id"
}
bash=$(command -v bash)

run_check() { # MODE [ENV...]: runs the script with the restricted PATH
  local mode=$1; shift
  env -i HOME="${HOME:-/root}" PATH="$work/bin" "$@" "$bash" scripts/check-deps.sh "$mode" \
    >"$work/out.txt" 2>"$work/err.txt"
}

without_cmake_names_it() {
  rm -f "$work/apt-get.log" "$work/bin/cmake"
  make_id 0 # even as root: TWS_DEPS_NO_INSTALL=1 forbids installing
  run_check test TWS_DEPS_NO_INSTALL=1 && { echo "exit status 0 without cmake"; return 1; }
  grep -q 'cmake .*Debian/Ubuntu package cmake' "$work/err.txt" &&
    grep -q 'apt-get install .*cmake' "$work/err.txt" || { echo "cmake not named:"; cat "$work/err.txt"; return 1; }
  [ ! -e "$work/apt-get.log" ] || { echo "apt-get ran although installing is off:"; cat "$work/apt-get.log"; return 1; }
  [ ! -e "$work/bin/cmake" ]
}

not_root_names_it() {
  rm -f "$work/apt-get.log" "$work/bin/cmake"
  make_id 1000
  run_check test && { echo "exit status 0 without cmake"; return 1; }
  grep -q 'cmake .*Debian/Ubuntu package cmake' "$work/err.txt" || { cat "$work/err.txt"; return 1; }
  [ ! -e "$work/apt-get.log" ] || { echo "apt-get ran for a non-root user"; return 1; }
}

root_installs_it() {
  rm -f "$work/apt-get.log" "$work/bin/cmake"
  make_id 0
  run_check test || { echo "failed although cmake was installed:"; cat "$work/err.txt"; return 1; }
  grep -q '^install .*cmake' "$work/apt-get.log" || { echo "apt-get was not asked for cmake"; return 1; }
  grep -q 'installing cmake' "$work/out.txt"
}

demo_does_not_need_cmake() {
  rm -f "$work/apt-get.log" "$work/bin/cmake"
  make_id "$real_uid"
  run_check demo TWS_DEPS_NO_INSTALL=1 || { cat "$work/err.txt"; return 1; }
}

nothing_missing_passes() {
  TWS_DEPS_NO_INSTALL=1 scripts/check-deps.sh test || return 1
}

check "without cmake, non-installing: exits 1 naming cmake and its package" without_cmake_names_it
check "without cmake, not root: exits 1 naming cmake, runs no apt-get" not_root_names_it
check "without cmake, as root with apt-get: installs cmake" root_installs_it
check "make demo's check does not need cmake" demo_does_not_need_cmake
check "this machine has everything make test needs" nothing_missing_passes
echo "check-deps tests: $pass passed, $fail failed"
[ $fail -eq 0 ]
