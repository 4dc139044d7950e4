"""Fixtures: a fresh tws-sim on a free loopback port per test."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Callable, Iterator, List

import pytest

ROOT = Path(__file__).resolve().parents[3]
SIM = Path(os.environ.get("TWS_SIM", ROOT / "target" / "release" / "tws-sim"))


class Sim:
    """A running simulator: ``port``, and ``stop()`` to make the connection drop."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [str(SIM), "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        line = self.proc.stdout.readline()  # the simulator prints it first, or exits
        if not line.startswith("listening "):
            self.stop()
            raise RuntimeError(f"tws-sim did not start: {line!r}")
        self.port = int(line.rsplit(":", 1)[1])

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        if self.proc.stdout:
            self.proc.stdout.close()


@pytest.fixture
def start_sim() -> Iterator[Callable[..., Sim]]:
    """Starts simulators with the given arguments; all are stopped afterwards."""
    started: List[Sim] = []

    def start(*args: str) -> Sim:
        sim = Sim(*args)
        started.append(sim)
        return sim

    yield start
    for sim in started:
        sim.stop()


@pytest.fixture
def sim(start_sim) -> Sim:
    """A simulator with two accounts at the default server version."""
    return start_sim("--accounts", "DU123456,DU654321")


def wait_until(pred: Callable[[], bool], seconds: float = 5.0) -> bool:
    """Polls ``pred`` until true or ``seconds`` passed."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.01)
    return pred()
