#!/usr/bin/env bash
# Installs libtws into a temporary prefix with `make install`, then checks what
# a C developer gets there: the files and soname links, a dynamic symbol table
# with tws_* only, and an out-of-tree program built once with pkg-config and
# once with CMake find_package (shared and static), each run against tws-sim.
# Called by `make install-test` with TWS_SIM set.
set -u
cd "$(dirname "$0")/../.."
sim=${TWS_SIM:-target/release/tws-sim}
make=${MAKE:-make}
with_sim="scripts/with-sim.sh $sim"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
major=${version%%.*}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix with space"
pass=0 fail=0

check() { # NAME COMMAND...
  local name=$1; shift
  if "$@"; then pass=$((pass + 1)); echo "ok   $name"; else fail=$((fail + 1)); echo "FAIL $name"; fi
}

installs() {
  $make --no-print-directory install PREFIX="$prefix" >"$work/install.log" 2>&1 || { cat "$work/install.log"; return 1; }
}

files_are_in_place() {
  local ok=1 f
  for f in "lib/libtws.so.$version" lib/libtws.a include/tws.h lib/pkgconfig/tws.pc \
           lib/cmake/tws/twsConfig.cmake lib/cmake/tws/twsConfigVersion.cmake; do
    [ -f "$prefix/$f" ] || { echo "missing $f"; ok=0; }
  done
  [ "$(readlink "$prefix/lib/libtws.so.$major")" = "libtws.so.$version" ] || { echo "bad libtws.so.$major link"; ok=0; }
  [ "$(readlink "$prefix/lib/libtws.so")" = "libtws.so.$major" ] || { echo "bad libtws.so link"; ok=0; }
  readelf -d "$prefix/lib/libtws.so.$version" | grep -q "SONAME.*\[libtws.so.$major\]" || { echo "soname is not libtws.so.$major"; ok=0; }
  [ $ok -eq 1 ]
}

only_tws_symbols_are_exported() {
  local so="$prefix/lib/libtws.so.$version" all others
  all=$(nm -D --defined-only "$so" | awk '{print $NF}')
  others=$(printf '%s\n' "$all" | grep -v '^tws_' | grep -v '^$')
  [ -n "$others" ] && { echo "exported besides tws_*:"; echo "$others" | head -20; return 1; }
  # The exports the header declares are all there.
  local missing=0 fn
  for fn in $(grep -o '\btws_[a-z_]*(' include/tws.h | tr -d '(' | sort -u); do
    printf '%s\n' "$all" | grep -qx "$fn" || { echo "not exported: $fn"; missing=1; }
  done
  [ $missing -eq 0 ]
}

output_is_hello_world() { # FILE
  grep -qx 'AccountSummary. ReqId: 0 Account: DU123456 Tag: NetLiquidation Value: 983631.71 Currency: USD' "$1" &&
    [ "$(tail -n 1 "$1")" = "AccountSummaryEnd. ReqId: 0" ]
}

runs_against_sim() { # BINARY [ENV...]
  local out="$work/out.txt"
  $with_sim -- env "${@:2}" "$1" 127.0.0.1 PORT 0 >"$out" 2>"$work/err.txt" || { cat "$work/err.txt"; return 1; }
  output_is_hello_world "$out" || { echo "unexpected output:"; head -3 "$out"; return 1; }
}

builds_with_pkg_config() {
  export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
  local flags; flags=$(pkg-config --cflags --libs tws) || return 1
  [ "$(pkg-config --modversion tws)" = "$version" ] || { echo "pkg-config version"; return 1; }
  # shellcheck disable=SC2086 # the flags are words
  eval "cc -std=c11 -Wall -Wextra -Werror tests/install/consumer.c -o '$work/consumer_pc' $flags" || return 1
  # Resolved from the installed prefix, not from the tree.
  LD_LIBRARY_PATH="$prefix/lib" ldd "$work/consumer_pc" | grep -q "libtws.so.$major => $prefix/lib/libtws.so.$major" || { echo "not linked to the installed library"; return 1; }
  runs_against_sim "$work/consumer_pc" LD_LIBRARY_PATH="$prefix/lib"
}

builds_with_cmake() {
  local b="$work/cmake-build"
  cmake -S tests/install/cmake -B "$b" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_FLAGS="-Wall -Wextra -Werror" >"$work/cmake.log" 2>&1 &&
    cmake --build "$b" >>"$work/cmake.log" 2>&1 || { cat "$work/cmake.log"; return 1; }
  # CMake gives the shared build an rpath to the installed library: no LD_LIBRARY_PATH.
  runs_against_sim "$b/consumer_shared" && runs_against_sim "$b/consumer_static" &&
    ! readelf -d "$b/consumer_static" | grep -q 'libtws.so'
}

check "make install PREFIX=..." installs
check "installed files and soname links" files_are_in_place
check "only tws_* symbols are exported" only_tws_symbols_are_exported
check "pkg-config build runs against the simulator" builds_with_pkg_config
check "CMake find_package build runs against the simulator" builds_with_cmake

echo "install-tests: $pass passed, $fail failed"
[ $fail -eq 0 ]
