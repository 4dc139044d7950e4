# libtws: build, demo and tests. The README's two commands are `make demo`
# and `make test`.

CARGO    ?= cargo
CC       ?= cc
VALGRIND ?= valgrind
BUILD    := build
LIBDIR   := $(BUILD)/lib
BINDIR   := $(BUILD)/bin
RELEASE  := target/release
VERSION  := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
MAJOR    := $(firstword $(subst ., ,$(VERSION)))
SONAME   := libtws.so.$(MAJOR)
CWARN    := -std=c11 -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L
CFLAGS   ?= -O2 -g
CPPFLAGS += -Iinclude
LDLIBS   := -L$(LIBDIR) -Wl,-rpath,$(abspath $(LIBDIR)) -ltws -lpthread
SIM      := $(RELEASE)/tws-sim
DECODE   := $(RELEASE)/tws-decode
WITH_SIM := scripts/with-sim.sh $(SIM)
VG       := $(VALGRIND) --suppressions=tests/c/valgrind.supp --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect,possible --quiet
HG       := $(VALGRIND) --tool=helgrind --suppressions=tests/c/helgrind.supp --error-exitcode=1 --quiet

EXAMPLES := $(patsubst examples-c/%.c,$(BINDIR)/%,$(wildcard examples-c/*.c))
CTESTS   := $(patsubst tests/c/%.c,$(BINDIR)/%,$(wildcard tests/c/*.c))

.PHONY: all lib sim examples demo demo-run test rust-test c-test c-test-valgrind header lint bench bench-build clean FORCE \
        install install-test python-test python-wheel-test cpp-test deps-test readme-test generate

all: lib sim examples

# The Rust build: libtws.so (with soname libtws.so.MAJOR), libtws.a, tws-sim
# and tws-decode.
$(RELEASE)/libtws.so $(RELEASE)/libtws.a $(SIM) $(DECODE): FORCE
	$(CARGO) build --release --lib --bins

lib: $(RELEASE)/libtws.so
	@mkdir -p $(LIBDIR)
	cp -f $(RELEASE)/libtws.so $(LIBDIR)/libtws.so.$(VERSION)
	ln -sf libtws.so.$(VERSION) $(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(LIBDIR)/libtws.so
	cp -f $(RELEASE)/libtws.a $(LIBDIR)/libtws.a

sim: $(SIM)

$(BINDIR)/%: examples-c/%.c include/tws.h lib
	@mkdir -p $(BINDIR)
	$(CC) $(CWARN) $(CFLAGS) $(CPPFLAGS) $< -o $@ $(LDLIBS)

$(BINDIR)/%: tests/c/%.c tests/c/check.h include/tws.h lib
	@mkdir -p $(BINDIR)
	$(CC) $(CWARN) $(CFLAGS) $(CPPFLAGS) $< -o $@ $(LDLIBS)

examples: $(EXAMPLES)

# C++: the header-only wrapper, its example and tests.
CXX      ?= g++
CXXWARN  := -std=c++17 -Wall -Wextra -Werror
CXXFLAGS ?= -O2 -g
CPPHDR   := bindings/cpp/include/tws.hpp bindings/cpp/include/tws_generated.hpp
CPPBINS  := $(BINDIR)/cpp_account_summary $(BINDIR)/cpp_positions $(BINDIR)/cpp_test_tws

$(BINDIR)/cpp_account_summary: bindings/cpp/examples/account_summary.cpp $(CPPHDR) include/tws.h lib
	@mkdir -p $(BINDIR)
	$(CXX) $(CXXWARN) $(CXXFLAGS) $(CPPFLAGS) -Ibindings/cpp/include $< -o $@ $(LDLIBS)

$(BINDIR)/cpp_positions: bindings/cpp/examples/positions.cpp $(CPPHDR) include/tws.h lib
	@mkdir -p $(BINDIR)
	$(CXX) $(CXXWARN) $(CXXFLAGS) $(CPPFLAGS) -Ibindings/cpp/include $< -o $@ $(LDLIBS)

$(BINDIR)/cpp_test_tws: bindings/cpp/tests/test_tws.cpp $(CPPHDR) include/tws.h lib
	@mkdir -p $(BINDIR)
	$(CXX) $(CXXWARN) $(CXXFLAGS) $(CPPFLAGS) -Ibindings/cpp/include $< -o $@ $(LDLIBS)

cpp-test: lib sim $(CPPBINS) $(BINDIR)/positions
	TWS_BIN=$(BINDIR) TWS_SIM=$(SIM) VALGRIND="$(VG)" bindings/cpp/tests/run.sh

# Quick start 1: builds libtws, tws-sim and every example in examples-c/, then
# runs the C hello world against the simulator. scripts/check-deps.sh first
# checks for cargo, cc and make (and installs them as root, or names them).
demo:
	CC="$(CC)" scripts/check-deps.sh demo
	$(MAKE) --no-print-directory demo-run

demo-run: lib sim examples
	$(WITH_SIM) -- $(BINDIR)/account_summary 127.0.0.1 PORT 0

# Quick start 2: every test there is. scripts/check-deps.sh first checks every
# tool they need (installs what is missing as root with apt-get, or stops at
# once naming each missing tool and its package).
TESTS := lint rust-test c-test cpp-test python-test python-wheel-test install-test deps-test readme-test
test:
	CC="$(CC)" CXX="$(CXX)" scripts/check-deps.sh test
	$(MAKE) --no-print-directory $(TESTS)

rust-test:
	$(CARGO) test --all-targets

c-test: lib sim $(EXAMPLES) $(CTESTS)
	TWS_BIN=$(BINDIR) TWS_SIM=$(SIM) VALGRIND="$(VG)" HELGRIND="$(HG)" tests/c/run.sh

# Installs like a C library: PREFIX (default /usr/local) gets
# lib/libtws.so.X.Y.Z with its soname links, lib/libtws.a, include/tws.h and
# the C++ wrapper include/tws.hpp (with include/tws_generated.hpp), bin/tws-sim and bin/tws-decode,
# lib/pkgconfig/tws.pc and lib/cmake/tws/ (find_package(tws); targets
# tws::tws, tws::tws_static, tws::tws_cpp, tws::tws_cpp_static).
# DESTDIR is honoured for packagers.
PREFIX  ?= /usr/local
DEST    := $(DESTDIR)$(PREFIX)
SUBST   := sed -e 's/@VERSION@/$(VERSION)/g' -e 's/@MAJOR@/$(MAJOR)/g'
install: lib sim $(DECODE)
	install -d "$(DEST)/lib/pkgconfig" "$(DEST)/lib/cmake/tws" "$(DEST)/include" "$(DEST)/bin"
	install -m 0755 $(LIBDIR)/libtws.so.$(VERSION) "$(DEST)/lib/libtws.so.$(VERSION)"
	ln -sf libtws.so.$(VERSION) "$(DEST)/lib/$(SONAME)"
	ln -sf $(SONAME) "$(DEST)/lib/libtws.so"
	install -m 0644 $(LIBDIR)/libtws.a "$(DEST)/lib/libtws.a"
	install -m 0644 include/tws.h "$(DEST)/include/tws.h"
	install -m 0644 bindings/cpp/include/tws.hpp "$(DEST)/include/tws.hpp"
	install -m 0644 bindings/cpp/include/tws_generated.hpp "$(DEST)/include/tws_generated.hpp"
	install -m 0755 $(SIM) "$(DEST)/bin/tws-sim"
	install -m 0755 $(DECODE) "$(DEST)/bin/tws-decode"
	$(SUBST) packaging/tws.pc.in > "$(DEST)/lib/pkgconfig/tws.pc"
	$(SUBST) packaging/twsConfig.cmake.in > "$(DEST)/lib/cmake/tws/twsConfig.cmake"
	$(SUBST) packaging/twsConfigVersion.cmake.in > "$(DEST)/lib/cmake/tws/twsConfigVersion.cmake"

# Python: a venv under target/ with pytest, pytest-asyncio, mypy and pandas,
# the package installed the way a user installs it (pip install
# ./bindings/python builds and ships libtws); mypy --strict on the package
# and on the examples.
PYVENV  := target/pyvenv
python-test: lib sim $(BINDIR)/positions
	test -x $(PYVENV)/bin/python || python3 -m venv $(PYVENV)
	$(PYVENV)/bin/python -m pip install -q --disable-pip-version-check pytest pytest-asyncio mypy pandas
	$(PYVENV)/bin/python -m pip install -q --disable-pip-version-check ./bindings/python
	cd bindings/python && ../../$(PYVENV)/bin/python -m mypy --strict --cache-dir ../../target/mypy-cache src/tws
	cd bindings/python && MYPYPATH=src ../../$(PYVENV)/bin/python -m mypy --strict --cache-dir ../../target/mypy-cache examples/*.py
	cd bindings/python/tests && TWS_SIM=$(abspath $(SIM)) ../../../$(PYVENV)/bin/python -m pytest -q -p no:cacheprovider .

# The binary wheel: built once from build/lib's libtws (no cargo run), installed
# into a fresh venv and smoke-tested from / with a PATH that holds no Rust
# toolchain (only the venv's bin), against tws-sim.
WHEELDIR  := target/wheels
WHEELVENV := target/wheel-venv
python-wheel-test: lib sim
	test -x $(PYVENV)/bin/python || python3 -m venv $(PYVENV)
	rm -rf $(WHEELDIR) $(WHEELVENV)
	env PATH=/usr/bin:/bin TWS_PREBUILT_LIBRARY=$(abspath $(LIBDIR)/libtws.so.$(VERSION)) \
	  $(PYVENV)/bin/python -m pip wheel -q --disable-pip-version-check --no-deps -w $(WHEELDIR) ./bindings/python
	$(PYVENV)/bin/python -m venv $(WHEELVENV)
	cd / && env -i HOME=$(abspath $(WHEELVENV)) PATH=$(abspath $(WHEELVENV))/bin \
	  $(abspath $(WHEELVENV))/bin/python -m pip install -q --disable-pip-version-check --no-index $(abspath $(WHEELDIR))/tws-*.whl
	cd / && env -i HOME=$(abspath $(WHEELVENV)) PATH=$(abspath $(WHEELVENV))/bin TWS_SIM=$(abspath $(SIM)) \
	  $(abspath $(WHEELVENV))/bin/python $(abspath bindings/python/tests/wheel_smoke.py)

install-test: lib sim
	TWS_SIM=$(SIM) MAKE="$(MAKE)" CXX="$(CXX)" tests/install/run.sh

# scripts/check-deps.sh on a simulated machine without cmake.
deps-test:
	tests/install/check_deps.sh

# The README's complete C program, extracted from README.md, compiles warning-free.
readme-test: lib sim
	CC="$(CC)" MAKE="$(MAKE)" TWS_SIM=$(SIM) tests/install/readme_example.sh

# Regenerates the code derived from the message catalogue (catalogue/*.toml,
# docs/catalogue.md): src/protocol/generated/, bindings/python/src/tws/_generated.py
# and bindings/cpp/include/tws_generated.hpp. `cargo test --test generated`
# fails when the checked-in files are out of date.
generate:
	$(CARGO) run --quiet --manifest-path codegen/Cargo.toml --target-dir target -- .

# Refreshes include/tws.h from the header build.rs generated.
header:
	TWS_REFRESH_HEADER=1 $(CARGO) test --test header

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets -- -D warnings
	# The bench crate is not run by the tests, but it must keep compiling.
	CARGO_TARGET_DIR=target/bench-cargo $(CARGO) check --quiet --manifest-path bench/Cargo.toml

# Benchmarks (issues 8 and 17), not part of `make test`: builds the bench crate, the C
# bench program (-O2) and a Python venv, then runs every case in one go.
# Writes target/bench/results.json, results.md and results.png.
BENCH_OUT    := target/bench
BENCH_VENV   := $(BENCH_OUT)/venv
BENCH_PY_PKG := ibapi-latest==10.51.1 protobuf ib_async

bench: bench-build
	$(BENCH_VENV)/bin/python bench/run.py

bench-build: lib $(BENCH_VENV)/.installed
	CARGO_TARGET_DIR=target/bench-cargo $(CARGO) build --release --manifest-path bench/Cargo.toml
	@mkdir -p $(BENCH_OUT)/bin
	$(CC) $(CWARN) -O2 $(CPPFLAGS) bench/c/bench_tws.c -o $(BENCH_OUT)/bin/bench_tws $(LDLIBS)
	# The binding bundles libtws.so: reinstalled with the library just built.
	$(BENCH_VENV)/bin/pip install -q --no-deps --force-reinstall ./bindings/python

$(BENCH_VENV)/.installed:
	python3 -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install -q $(BENCH_PY_PKG)
	$(BENCH_VENV)/bin/pip install -q matplotlib || echo "no matplotlib: the chart is drawn by hand"
	$(BENCH_VENV)/bin/pip install -q ./bindings/python
	touch $@

clean:
	$(CARGO) clean
	rm -rf $(BUILD)

FORCE:
