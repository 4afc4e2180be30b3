#!/usr/bin/env bash
# Builds and runs hio-cpp's whole test suite, in four suites:
#   1. gcc, RelWithDebInfo (-O2 -g1; test executables -O1), warnings as errors, with the
#      benchmarks built;
#   2. clang, Debug, AddressSanitizer + UndefinedBehaviorSanitizer, with the libFuzzer
#      targets (each fuzzed for 10 s as a ctest labelled "fuzz"); the header-alone and
#      consumer-package guards run in suite 1 only (they test includes and packaging);
#   3. threads: clang with ThreadSanitizer, the multi-threaded tests alone (ThreadDeck,
#      Offload, tcp::Workers: HIO_THREAD_TESTS_ONLY);
#   4. Windows: cross-built with MinGW-w64 (cmake/toolchains/mingw-w64.cmake), its tests and the
#      echo and HTTP servers run under Wine (tests/windows.cmake). Without MinGW or Wine it
#      fails, naming what to install; HIO_SKIP_WINDOWS=1 skips it, saying so.
# Build trees go to build/test-gcc, build/test-sanitize, build/test-threads and build/test-windows (kept between runs
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
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
run_suite "clang + thread sanitizer (the multi-threaded tests)" build/test-threads \
    -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
    -DCMAKE_BUILD_TYPE=Debug -DHIO_WERROR=ON -DHIO_SANITIZE=thread -DHIO_TEST_OPTIMIZE=-O1 \
    -DHIO_THREAD_TESTS_ONLY=ON -DHIO_BUILD_EXAMPLES=OFF -DHIO_BUILD_GUARDS=OFF
if [[ -n "${HIO_SKIP_WINDOWS:-}" ]]; then
    echo "=== windows: SKIPPED because HIO_SKIP_WINDOWS is set: the Windows build was NOT tested"
else
    for tool in x86_64-w64-mingw32-g++-posix /usr/lib/wine/wine64; do
        if ! command -v "$tool" >/dev/null; then
            echo "=== windows: FAILED: $tool is missing (bash scripts/install-deps.sh installs" \
                 "g++-mingw-w64-x86-64-posix and wine64; HIO_SKIP_WINDOWS=1 skips this suite)" >&2
            exit 1
        fi
    done
    # -O1 for the test executables (tests/windows.cmake); Release for the library code in them.
    run_suite "windows (MinGW-w64, under Wine)" build/test-windows \
        --toolchain cmake/toolchains/mingw-w64.cmake -DCMAKE_BUILD_TYPE=Release -DHIO_WERROR=ON
fi
echo "=== all suites passed in $((SECONDS - total)) s"
