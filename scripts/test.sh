#!/usr/bin/env bash
# Builds and runs hio-cpp's whole test suite twice:
#   1. gcc, RelWithDebInfo (-O2 -g1; test executables -O1), warnings as errors, with the
#      benchmarks built;
#   2. clang, Debug, AddressSanitizer + UndefinedBehaviorSanitizer, with the libFuzzer
#      targets (each fuzzed for 10 s as a ctest labelled "fuzz"); the header-alone and
#      consumer-package guards run in suite 1 only (they test includes and packaging).
# Build trees go to build/test-gcc and build/test-sanitize (kept between runs
# for speed; CI=true starts them fresh). Uses 2 parallel jobs; override with JOBS.
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=${JOBS:-2}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

run_suite() {
    local name=$1 dir=$2
    shift 2
    local start=$SECONDS
    if [[ "${CI:-}" == "true" ]]; then
        rm -rf "$dir"
    fi
    echo "=== $name: configure"
    cmake -S . -B "$dir" -DHIO_BUILD_TESTS=ON -DHIO_BUILD_EXAMPLES=ON "$@"
    echo "=== $name: build"
    cmake --build "$dir" -j "$jobs"
    echo "=== $name: test"
    ctest --test-dir "$dir" -j "$jobs" --output-on-failure --timeout 600
    echo "=== $name: passed in $((SECONDS - start)) s"
}

total=$SECONDS
# -g1 (line tables: enough for backtraces) instead of -g: gcc's full debug information of
# these template-heavy tests costs 40% of the build (28 s vs 16 s for one test file). The
# test, example and benchmark executables (and the library inlined into them) at -O1, which
# costs 35% less to build than -O2 (sim/http_test.cpp: 10.9 s vs 16.8 s), the test files
# as two unity translation units per executable (the net tests: 52 s of compiler CPU
# instead of 132); the sanitized suite runs everything at -O0. Benchmarks are measured from
# a Release build of their own (docs/benchmarks.md), not from this one.
run_suite "gcc" build/test-gcc \
    -DCMAKE_CXX_COMPILER=g++ -DCMAKE_C_COMPILER=gcc \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHIO_WERROR=ON -DHIO_BUILD_BENCH=ON -DHIO_TEST_OPTIMIZE=-O1 -DHIO_TEST_UNITY=ON \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG" "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG"
run_suite "clang + address,undefined sanitizers" build/test-sanitize \
    -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
    -DCMAKE_BUILD_TYPE=Debug -DHIO_WERROR=ON -DHIO_SANITIZE=address,undefined -DHIO_BUILD_FUZZ=ON \
    -DHIO_FUZZ_SECONDS=10 -DHIO_BUILD_GUARDS=OFF -DHIO_TEST_UNITY=ON  # the include and package guards ran in the gcc suite
echo "=== all suites passed in $((SECONDS - total)) s"
