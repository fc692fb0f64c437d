# The two commands that matter: `make demo` and `make test`.
# Both install what is missing, build, and then run.
BUILD_DIR ?= build
DATA_DIR ?= refuge-data
LISTEN ?= 127.0.0.1:8080
BUILD_TYPE ?= RelWithDebInfo

.PHONY: all deps build test demo bench fuzz clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) >/dev/null
	@cmake --build $(BUILD_DIR)

# Every test runs on SQLite and on a throw-away PostgreSQL cluster started for the run.
test: build
	@scripts/with-postgres.sh ctest --test-dir $(BUILD_DIR) --output-on-failure -j2

demo: build
	@scripts/demo.sh $(BUILD_DIR)/refuge $(DATA_DIR) $(LISTEN)

# Benchmarks against references measured in the same run (docs/performance.md);
# BENCH_PERSONS=1000000 for national scale.
bench: deps
	@scripts/install-deps.sh --bench
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) >/dev/null
	@cmake --build $(BUILD_DIR) --target refuge refuge-bench deadlines_bench vault_bench
	@bench/run.sh $(BUILD_DIR)

FUZZ_SECONDS ?= 30
fuzz: deps
	@cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DREFUGE_FUZZ=ON \
	  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
	@cmake --build build-fuzz --target fuzz_targets
	@scripts/fuzz.sh build-fuzz $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD_DIR)
