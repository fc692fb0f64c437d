# The two commands that matter: `make demo` and `make test`.
# Both install what is missing, build, and then run.
BUILD_DIR ?= build
DATA_DIR ?= refuge-data
LISTEN ?= 127.0.0.1:8080
BUILD_TYPE ?= RelWithDebInfo

.PHONY: all deps build test demo bench clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) >/dev/null
	@cmake --build $(BUILD_DIR)

test: build
	@ctest --test-dir $(BUILD_DIR) --output-on-failure -j2

demo: build
	@scripts/demo.sh $(BUILD_DIR)/refuge $(DATA_DIR) $(LISTEN)

bench: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(BUILD_DIR) --target refuge deadlines_bench
	@$(BUILD_DIR)/deadlines_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true

clean:
	rm -rf $(BUILD_DIR)
