#pragma once
/// \file
/// Seed sweeps inside Catch2 tests (opt-in component `catch2`: CMake target hio::catch2, which
/// links Catch2; find_package(hio COMPONENTS sim catch2)). Catch2 v3 where it is installed,
/// else v2.13.
///
///     TEST_CASE("my service survives drawn faults") {
///         hio::sim::catch2::sweep_seeds(200, [](std::uint64_t seed) {
///             hio::sim::World world{{.seed = seed, .faults = hio::sim::draw_faults(seed, most)}};
///             ...
///             return hio::sim::SweepRun{.failure = ok ? "" : "lost a request",
///                                       .options = world.options().faults.describe()};
///         });
///     }
///
/// The first failing seed fails the test with what it expanded to and a command that reruns
/// it alone; HIO_SIM_SEED=N and HIO_SIM_RUNS=K choose the seeds (sim::sweep_options_from_environment).

#include <cstdint>
#include <functional>
#include <string>

#if defined(__linux__)
#include <unistd.h>
#endif

#if __has_include(<catch2/catch_test_macros.hpp>)
#include <catch2/catch_test_macros.hpp>
#include <catch2/interfaces/catch_interfaces_capture.hpp>
#else
#include <catch2/catch.hpp>
#endif

#include <hio/sim/sweep.hpp>

namespace hio::sim::catch2 {

/// The path of the running test program, for the replay command ("the test program" where it
/// cannot be read).
inline std::string test_program() {
#if defined(__linux__)
    std::string self(4096, '\0');
    const ssize_t length = ::readlink("/proc/self/exe", self.data(), self.size());
    if (length > 0) {
        self.resize(static_cast<std::size_t>(length));
        return self;
    }
#endif
    return "<the test program>";
}

/// Sweeps `runs` seeds from `first_seed` (HIO_SIM_SEED=N reruns seed N alone, HIO_SIM_RUNS=K
/// sweeps K) inside the current Catch2 test case. `run(seed)` builds and runs one simulation
/// and says how it went (SweepRun: a failure text, empty when it passed, and the options the
/// seed expanded to); an exception it throws is a failure too. The first failing seed fails the
/// test (Catch2's FAIL) with its options and a one-line command that replays it, e.g.
/// `HIO_SIM_SEED=13 build/tests/my_tests "my service survives drawn faults"`; when every seed
/// passes, the test records how many did. Throws ValidationError for a HIO_SIM_SEED or
/// HIO_SIM_RUNS that is not a whole number.
inline void sweep_seeds(std::uint64_t runs, const std::function<SweepRun(std::uint64_t)>& run,
                        std::uint64_t first_seed = 1) {
    const SweepOptions seeds = sweep_options_from_environment({first_seed, runs});
    const std::string replay =
        "HIO_SIM_SEED={seed} " + test_program() + " \"" + Catch::getResultCapture().getCurrentTestName() + "\"";
    const auto failure = sweep(seeds, run, replay);
    if (failure)
        FAIL(failure->report());
    SUCCEED(std::to_string(seeds.runs) + " seeds from " + std::to_string(seeds.first_seed) + " passed");
}

}  // namespace hio::sim::catch2
