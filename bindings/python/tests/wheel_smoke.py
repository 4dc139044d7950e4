"""Smoke test of an installed binary wheel (make python-wheel-test): run by
the python of a fresh venv holding only the wheel, with a PATH that has no
Rust toolchain, from outside the repository. Checks that the package loads
the libtws it ships, then talks to tws-sim (TWS_SIM) blocking and with
asyncio, and that pandas stays optional. Prints 'N passed, 0 failed'."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable, List


def main() -> int:
    checks: List[Callable[[], None]] = []
    check = checks.append

    import tws
    import tws.aio
    import tws.util

    here = Path(tws.__file__).resolve().parent

    @check
    def no_rust_toolchain_on_path() -> None:
        assert shutil.which("cargo") is None and shutil.which("rustc") is None, os.environ.get("PATH")

    @check
    def installed_from_the_wheel_with_its_own_libtws() -> None:
        assert "site-packages" in str(here), here
        assert Path(tws._ffi.lib._name).resolve().parent == here, tws._ffi.lib._name
        assert "TWS_LIBRARY" not in os.environ
        assert (here / "py.typed").is_file()
        assert tws.library_version() == tws.__version__

    sim = subprocess.Popen(
        [os.environ["TWS_SIM"], "--port", "0", "--quiet"], stdout=subprocess.PIPE, text=True
    )
    assert sim.stdout is not None
    port = int(sim.stdout.readline().rsplit(":", 1)[1])

    @check
    def blocking_hello_world() -> None:
        with tws.Client() as client:
            client.connect("127.0.0.1", port, client_id=0, timeout=10)
            rows = client.account_summary(tags="NetLiquidation")
        assert tws.AccountSummaryRow("DU123456", "NetLiquidation", "983631.71", "USD") in rows

    @check
    def asyncio_hello_world() -> None:
        async def run() -> List[tws.AccountSummaryRow]:
            async with tws.aio.AsyncClient() as client:
                await client.connect("127.0.0.1", port, client_id=1)
                return await client.account_summary(tags="NetLiquidation")

        rows = asyncio.run(run())
        assert [r.value for r in rows] == ["983631.71"]

    @check
    def pandas_is_not_a_dependency() -> None:
        try:
            import pandas  # noqa: F401
        except ImportError:
            pass
        else:
            raise AssertionError("pandas is installed in the clean venv")
        try:
            tws.util.df([{"a": 1}])
        except ImportError as e:
            assert "pip install pandas" in str(e)
        else:
            raise AssertionError("tws.util.df worked without pandas")

    failed = 0
    try:
        for fn in checks:
            try:
                fn()
                print(f"ok {fn.__name__}")
            except Exception as e:  # report every check
                failed += 1
                print(f"FAILED {fn.__name__}: {e!r}")
    finally:
        sim.kill()
        sim.wait()
    print(f"{len(checks) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
