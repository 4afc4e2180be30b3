#pragma once
/// \file
/// Seed sweeps and the determinism check: run a simulation over many seeds, report the first
/// failing seed with what it expanded to and how to replay it; prove two runs identical.

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <hio/error.hpp>
#include <hio/random.hpp>
#include <hio/sim/options.hpp>
#include <hio/sim/trace.hpp>

namespace hio::sim {

/// Which seeds a sweep runs.
struct SweepOptions {
    /// The first seed.
    std::uint64_t first_seed = 1;
    /// How many seeds, from first_seed on.
    std::uint64_t runs = 100;
};

/// The sweep's seeds as the environment asks (madsim's habit): `HIO_SIM_SEED=N` runs seed N
/// alone, `HIO_SIM_RUNS=K` sweeps K seeds from `defaults.first_seed`; otherwise `defaults`.
/// Throws ValidationError for a value that is not a whole number.
inline SweepOptions sweep_options_from_environment(SweepOptions defaults) {
    const auto number = [](const char* name, std::uint64_t& out) {
        const char* text = std::getenv(name);
        if (text == nullptr || *text == '\0')
            return false;
        char* end = nullptr;
        errno = 0;
        const unsigned long long value = std::strtoull(text, &end, 10);
        if (errno != 0 || end == text || *end != '\0' || *text == '-')
            throw ValidationError{std::string{"sim: "} + name + " must be a whole number, got \"" + text + "\""};
        out = value;
        return true;
    };
    std::uint64_t seed = 0;
    if (number("HIO_SIM_SEED", seed))
        return {seed, 1};
    number("HIO_SIM_RUNS", defaults.runs);
    return defaults;
}

/// The first seed of a sweep that failed.
struct SweepFailure {
    std::uint64_t seed;    ///< the seed
    std::string message;   ///< what the run reported (or the exception it threw)
    std::string options;   ///< what the seed expanded to (the run's description)
    std::string replay;    ///< a command that runs this seed alone
    std::uint64_t passed;  ///< seeds that passed before it

    /// All of it, as a sweep prints it.
    [[nodiscard]] std::string report() const {
        return "seed " + std::to_string(seed) + " failed (after " + std::to_string(passed) +
               " passing seeds): " + message + (options.empty() ? "" : "\n  options: " + options) +
               "\n  replay: " + replay;
    }
};

/// One run of a sweep: `failure` empty when the run passed; `options` says what the seed
/// expanded to (printed only for a failure).
struct SweepRun {
    std::string failure{};  ///< empty: passed
    std::string options{};  ///< e.g. FaultOptions::describe()
};

/// Runs `run(seed)` for each seed of `seeds`, in order, and stops at the first failure (a
/// returned failure text, or an exception). `replay` is the command that reruns one seed, with
/// `{seed}` where the seed goes, e.g. `HIO_SIM_SEED={seed} build/tests/hio_sim_tests "echo sweep"`.
inline std::optional<SweepFailure> sweep(const SweepOptions& seeds, const std::function<SweepRun(std::uint64_t)>& run,
                                         std::string_view replay) {
    for (std::uint64_t n = 0; n < seeds.runs; ++n) {
        const std::uint64_t seed = seeds.first_seed + n;
        SweepRun outcome;
        try {
            outcome = run(seed);
        } catch (const std::exception& error) {
            outcome.failure = std::string{"threw: "} + error.what();
        }
        if (outcome.failure.empty())
            continue;
        std::string command{replay};
        const std::string hole = "{seed}";
        for (std::size_t at = command.find(hole); at != std::string::npos; at = command.find(hole, at))
            command.replace(at, hole.size(), std::to_string(seed));
        return SweepFailure{seed, std::move(outcome.failure), std::move(outcome.options), std::move(command), n};
    }
    return std::nullopt;
}

/// A fault menu drawn from `seed`: each kind of fault is on or off by a coin flip, and its
/// rate or count drawn up to the one in `most`. A sweep with it tries many combinations.
inline FaultOptions draw_faults(std::uint64_t seed, const FaultOptions& most) {
    Random random = Random{seed}.fork("fault menu");
    FaultOptions out = most;
    const auto rate = [&](double limit) { return random.chance(0.5) ? random.uniform(0.0, limit) : 0.0; };
    const auto count = [&](unsigned limit) {
        return random.chance(0.5) ? static_cast<unsigned>(random.between(0, limit)) : 0U;
    };
    out.reset = rate(most.reset);
    out.drip = rate(most.drip);
    out.black_hole = rate(most.black_hole);
    out.accept_delay = rate(most.accept_delay);
    out.would_block = rate(most.would_block);
    out.partitions = count(most.partitions);
    out.one_way = count(most.one_way);
    out.crashes = count(most.crashes);
    return out;
}

/// Runs `run` twice with `options` (recording the trace) and compares the traces: empty when
/// the runs are identical, else where they part (Trace::compare). `run` builds a World with
/// the options it is given, runs it, and returns its trace.
inline std::string check_determinism(WorldOptions options, const std::function<Trace(const WorldOptions&)>& run) {
    options.record = true;
    const Trace first = run(options);
    const Trace second = run(options);
    return Trace::compare(first, second);
}

}  // namespace hio::sim
