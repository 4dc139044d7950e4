#!/usr/bin/env bash
# Creates (once) target/ibapi-venv with IB's official Python client, the
# conformance tests' oracle, and prints the path of its python.
#   scripts/ibapi-venv.sh            -> target/ibapi-venv/bin/python
# Safe to run concurrently: a lock serialises the first creation.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${IBAPI_VENV:-$PWD/target/ibapi-venv}
pins="ibapi-latest==10.51.1 protobuf"
stamp="$venv/.installed"
mkdir -p "$(dirname "$venv")"
exec 9>"$venv.lock"
flock 9
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$pins" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check $pins >&2
  "$venv/bin/python" -c 'import ibapi.decoder, google.protobuf' >&2
  echo "$pins" >"$stamp"
fi
echo "$venv/bin/python"
