"""Build step of the Python package: builds libtws with cargo and ships it.

`pip install ./bindings/python` runs `cargo build --release --lib` at the root
of the libtws repository (found above this directory, or named by
TWS_SOURCE_DIR) and copies target/release/libtws.so into the package.
With TWS_PREBUILT_LIBRARY=/path/to/libtws.so.X.Y.Z (e.g. build/lib/ after
`make lib`) that library is shipped instead and cargo is not run: this is how
a binary wheel is built (`pip wheel ./bindings/python`), which then installs
on machines without a Rust toolchain. With TWS_USE_SYSTEM_LIBRARY=1 nothing
is built or shipped: the package then loads an installed libtws
(ctypes.util.find_library) or the one TWS_LIBRARY names. Every way, every
libtws.so* already in the build directory (a stale copy from an earlier build
in build/, or one lying in src/tws/) is removed first, so the wheel holds the
fresh library or none.

The wheel is tagged py3-none-PLATFORM: the binding is pure Python (ctypes),
so one wheel serves every Python 3 on that platform; only libtws inside is
native. TWS_WHEEL_PLATFORM overrides the platform tag (for example
manylinux_2_28_x86_64 after checking the library with auditwheel).
"""

import os
import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

HERE = Path(__file__).resolve().parent


def repository_root() -> Path:
    named = os.environ.get("TWS_SOURCE_DIR")
    if named:
        return Path(named).resolve()
    for d in [HERE, *HERE.parents]:
        manifest = d / "Cargo.toml"
        if manifest.is_file() and 'name = "tws"' in manifest.read_text():
            return d
    raise SystemExit(
        "libtws sources not found above bindings/python: set TWS_SOURCE_DIR, or set "
        "TWS_USE_SYSTEM_LIBRARY=1 to use an installed libtws"
    )


def build_libtws() -> Path:
    root = repository_root()
    cargo = os.environ.get("CARGO", "cargo")
    subprocess.run([cargo, "build", "--release", "--lib"], cwd=root, check=True)
    target = Path(os.environ.get("CARGO_TARGET_DIR", root / "target"))
    if not target.is_absolute():
        target = root / target
    built = target / "release" / "libtws.so"
    if not built.is_file():
        raise SystemExit(f"cargo did not produce {built}")
    return built


class BuildPyWithLibtws(build_py):
    """The usual build_py, plus libtws.so inside the package."""

    def run(self) -> None:
        super().run()
        package = Path(self.build_lib) / "tws"
        # The package loader tries every libtws.so* next to it: none may be stale.
        for stale in package.glob("libtws.so*"):
            stale.unlink()
        if os.environ.get("TWS_USE_SYSTEM_LIBRARY") == "1":
            return
        dest = package / "libtws.so"
        dest.parent.mkdir(parents=True, exist_ok=True)
        prebuilt = os.environ.get("TWS_PREBUILT_LIBRARY")
        if prebuilt:
            source = Path(prebuilt).resolve()  # through the soname links, to the file
            if not source.is_file():
                raise SystemExit(f"TWS_PREBUILT_LIBRARY names no file: {prebuilt}")
        else:
            source = build_libtws()
        shutil.copyfile(source, dest)


class BinaryDistribution(Distribution):
    """The wheel carries a native library: tag it for this platform."""

    def has_ext_modules(self) -> bool:
        return True


def wheel_command():
    """bdist_wheel tagged py3-none-PLATFORM: any Python 3, one platform (the
    library's). None where no bdist_wheel exists (old setuptools without the
    wheel package): then nothing builds wheels anyway."""
    try:  # setuptools >= 70.1 has its own; older ones use the wheel package's
        from setuptools.command.bdist_wheel import bdist_wheel
    except ImportError:
        try:
            from wheel.bdist_wheel import bdist_wheel
        except ImportError:
            return None

    class PlatformWheel(bdist_wheel):
        def get_tag(self):
            _, _, platform = super().get_tag()
            return "py3", "none", os.environ.get("TWS_WHEEL_PLATFORM") or platform

    return PlatformWheel


commands = {"build_py": BuildPyWithLibtws}
if wheel_command() is not None:
    commands["bdist_wheel"] = wheel_command()
setup(cmdclass=commands, distclass=BinaryDistribution)
