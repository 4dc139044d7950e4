#!/usr/bin/env bash
# Installs libtws into a temporary prefix with `make install`, then checks what
# a C or C++ developer gets there: the files and soname links, a dynamic symbol
# table with tws_* only, out-of-tree C and C++ programs built with pkg-config
# and with CMake find_package (tws::tws, tws::tws_static, tws::tws_cpp,
# tws::tws_cpp_static), each run against tws-sim, and the installed tws-sim and
# tws-decode. Called by `make install-test` with TWS_SIM (and CXX) set.
set -u
cd "$(dirname "$0")/../.."
sim=${TWS_SIM:-target/release/tws-sim}
make=${MAKE:-make}
cxx=${CXX:-c++}
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
  for f in "lib/libtws.so.$version" lib/libtws.a include/tws.h include/tws.hpp include/tws_generated.hpp lib/pkgconfig/tws.pc \
           lib/cmake/tws/twsConfig.cmake lib/cmake/tws/twsConfigVersion.cmake bin/tws-sim bin/tws-decode; do
    [ -f "$prefix/$f" ] || { echo "missing $f"; ok=0; }
  done
  for f in bin/tws-sim bin/tws-decode; do
    [ -x "$prefix/$f" ] || { echo "$f is not executable"; ok=0; }
  done
  for f in tws.hpp tws_generated.hpp; do
    cmp -s "bindings/cpp/include/$f" "$prefix/include/$f" || { echo "include/$f differs from the tree's"; ok=0; }
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

builds_cpp_with_pkg_config() {
  # tws.hpp sits next to tws.h: the C flags serve C++ too (plus -std=c++17).
  # With an rpath to the prefix's lib (as the README says), no LD_LIBRARY_PATH.
  export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
  # pkg-config escapes the space in this prefix; eval reads the escapes.
  local flags libdir; flags=$(pkg-config --cflags --libs tws) && libdir=$(pkg-config --variable=libdir tws) || return 1
  eval "$cxx -std=c++17 -Wall -Wextra -Werror tests/install/consumer.cpp -o '$work/consumer_cpp_pc' $flags -Wl,-rpath,$libdir" ||
    return 1
  ldd "$work/consumer_cpp_pc" | grep -q "libtws.so.$major => $prefix/lib/" || { echo "not linked to the installed library"; ldd "$work/consumer_cpp_pc"; return 1; }
  runs_against_sim "$work/consumer_cpp_pc"
}

builds_with_cmake() {
  local b="$work/cmake-build"
  cmake -S tests/install/cmake -B "$b" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_FLAGS="-Wall -Wextra -Werror" \
    -DCMAKE_CXX_COMPILER="$(command -v "$cxx")" -DCMAKE_CXX_FLAGS="-Wall -Wextra -Werror" >"$work/cmake.log" 2>&1 &&
    cmake --build "$b" >>"$work/cmake.log" 2>&1 || { cat "$work/cmake.log"; return 1; }
  # CMake gives the shared build an rpath to the installed library: no LD_LIBRARY_PATH.
  runs_against_sim "$b/consumer_shared" && runs_against_sim "$b/consumer_static" &&
    ! readelf -d "$b/consumer_static" | grep -q 'libtws.so' &&
    runs_against_sim "$b/consumer_cpp" && runs_against_sim "$b/consumer_cpp_static" &&
    ! readelf -d "$b/consumer_cpp_static" | grep -q 'libtws.so'
}

installed_tools_work() {
  # The installed simulator serves the installed C++ program and captures what
  # it sent; the installed decoder reads the capture back.
  local cap="$work/capture.bin" out="$work/decoded.txt"
  scripts/with-sim.sh "$prefix/bin/tws-sim" --server-version 176 --capture "$cap" -- \
    "$work/consumer_cpp_pc" 127.0.0.1 PORT 0 >"$work/out.txt" 2>"$work/err.txt" || { cat "$work/err.txt"; return 1; }
  output_is_hello_world "$work/out.txt" || { echo "unexpected output from the installed tws-sim"; return 1; }
  "$prefix/bin/tws-decode" --server-version 176 "$cap" >"$out" || { echo "tws-decode failed"; head -3 "$out"; return 1; }
  grep -q '"name":"ManagedAccounts","form":"text"' "$out" &&
    grep -q '"name":"AccountSummary".*"tag":"NetLiquidation","value":"983631.71"' "$out" ||
    { echo "unexpected tws-decode output:"; head -3 "$out"; return 1; }
}

check "make install PREFIX=..." installs
check "installed files and soname links" files_are_in_place
check "only tws_* symbols are exported" only_tws_symbols_are_exported
check "pkg-config build runs against the simulator" builds_with_pkg_config
check "C++ pkg-config build (with an rpath) runs against the simulator" builds_cpp_with_pkg_config
check "CMake find_package builds (C and C++) run against the simulator" builds_with_cmake
check "installed tws-sim and tws-decode work" installed_tools_work

echo "install-tests: $pass passed, $fail failed"
[ $fail -eq 0 ]
