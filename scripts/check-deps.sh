#!/usr/bin/env bash
# Checks that the tools a make command needs are there, before it starts.
#   scripts/check-deps.sh test    # what `make test` needs
#   scripts/check-deps.sh demo    # what `make demo` needs (cargo, cc, make)
# Run first by `make test` / `make demo`, and by .ci/run: this is the one list.
#
# If something is missing and this runs as root on a machine with apt-get, it
# installs the Debian packages (and the clippy / rustfmt components with
# rustup); TWS_DEPS_NO_INSTALL=1 turns that off. Otherwise it stops at once
# with exit status 1, naming each missing tool and how to get it.
# CC and CXX name the compilers to check (default cc and g++, as the Makefile).
set -u
mode=${1:-test}
case "$mode" in
  test | demo) ;;
  *) echo "usage: $0 test|demo" >&2; exit 2 ;;
esac

cc=${CC:-cc}; cc=${cc%% *}
cxx=${CXX:-g++}; cxx=${cxx%% *}

# One line per requirement: WHAT | CHECK COMMAND | DEBIAN PACKAGE (empty: not
# from apt) | how to get it otherwise.
requirements() {
  echo "cargo|command -v cargo||install Rust with rustup: https://rustup.rs"
  echo "$cc|command -v $cc|gcc|"
  echo "make|command -v make|make|"
  [ "$mode" = demo ] && return
  echo "cargo clippy|cargo clippy --version||rustup component add clippy"
  echo "cargo fmt|cargo fmt --version||rustup component add rustfmt"
  echo "$cxx|command -v $cxx|g++|"
  echo "valgrind|command -v valgrind|valgrind|"
  echo "pkg-config|command -v pkg-config|pkg-config|"
  echo "cmake|command -v cmake|cmake|"
  echo "readelf, nm|command -v readelf && command -v nm|binutils|"
  echo "python3|command -v python3|python3|"
  echo "python3 venv (with ensurepip)|python3 -c 'import venv, ensurepip'|python3-venv|"
}

missing=() # "WHAT|PACKAGE|HOW"
check_all() {
  missing=()
  local what check pkg how
  local no_cargo=0
  while IFS='|' read -r what check pkg how; do
    # Without cargo, its components are not worth naming: rustup brings them.
    case "$what" in "cargo "*) [ $no_cargo -eq 1 ] && continue ;; esac
    bash -c "$check" >/dev/null 2>&1 && continue
    missing+=("$what|$pkg|$how")
    [ "$what" = cargo ] && no_cargo=1
  done < <(requirements)
}

check_all
[ ${#missing[@]} -eq 0 ] && exit 0

can_install=0
if [ "${TWS_DEPS_NO_INSTALL:-0}" != 1 ] && [ "$(id -u 2>/dev/null)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  can_install=1
fi

if [ $can_install -eq 1 ]; then
  pkgs=() components=()
  for m in "${missing[@]}"; do
    IFS='|' read -r what pkg how <<<"$m"
    if [ -n "$pkg" ]; then
      case " ${pkgs[*]} " in *" $pkg "*) ;; *) pkgs+=("$pkg") ;; esac
    fi
    case "$how" in "rustup component add "*) components+=("${how#rustup component add }") ;; esac
  done
  if [ ${#pkgs[@]} -gt 0 ]; then
    echo "check-deps: installing ${pkgs[*]} (apt-get, running as root)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq "${pkgs[@]}" >/dev/null
  fi
  if [ ${#components[@]} -gt 0 ] && command -v rustup >/dev/null 2>&1; then
    echo "check-deps: rustup component add ${components[*]}"
    rustup component add "${components[@]}"
  fi
  check_all
  [ ${#missing[@]} -eq 0 ] && exit 0
fi

{
  echo "check-deps: \`make $mode\` needs tools that are missing:"
  pkgs=()
  for m in "${missing[@]}"; do
    IFS='|' read -r what pkg how <<<"$m"
    if [ -n "$pkg" ]; then
      printf '  %-30s Debian/Ubuntu package %s\n' "$what" "$pkg"
      pkgs+=("$pkg")
    else
      printf '  %-30s %s\n' "$what" "$how"
    fi
  done
  if [ ${#pkgs[@]} -gt 0 ]; then
    echo "Install them with: apt-get install ${pkgs[*]}"
    echo "(run as root, this script or .ci/run installs them itself unless TWS_DEPS_NO_INSTALL=1)."
  fi
} >&2
exit 1
