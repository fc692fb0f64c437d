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

bench: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD_DIR) --target refuge deadlines_bench
	@$(BUILD_DIR)/deadlines_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
	@cmake --build $(BUILD_DIR) --target vault_bench
	@bench/vault_bench.sh $(BUILD_DIR) 5 1024

FUZZ_SECONDS ?= 30
fuzz: deps
	@cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DREFUGE_FUZZ=ON \
	  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
	@cmake --build build-fuzz --target fuzz_targets
	@scripts/fuzz.sh build-fuzz $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD_DIR)
