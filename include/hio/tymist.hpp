#pragma once
/// \file
/// Tymist: the virtual clock every doer reads (hio: base.tyming.Tymist).

#include <cstdint>
#include <memory>
#include <unordered_map>

#include <hio/detail/validate.hpp>
#include <hio/random.hpp>

namespace hio {

namespace detail {
class DoorbellHub;
}  // namespace detail
class Tracer;
class Waiter;

/// A virtual clock: `tyme` in seconds, advanced by `tick()` one `tock` at a time.
///
/// Mirrors hio's Tymist. Tyme arithmetic is hio's to the bit: `tyme += tock` in double
/// precision, so sums of non-dyadic tocks (0.2 + 0.2 + 0.2) round exactly as in Python.
/// Doers never hold a copy of the tyme; they read it through their Tymist (hio's tymth
/// closure), so every reader sees the same value for the whole of a pass.
class Tymist {
public:
    /// hio's default tock: 1/32 s.
    static constexpr double default_tock = 0.03125;

    /// Starts at `tyme` with period `tock`. Throws ValidationError for a NaN or infinite tyme,
    /// or a negative, NaN or infinite tock.
    explicit Tymist(double tyme = 0.0, double tock = default_tock)
        : tyme_{detail::require_finite("Tymist", "tyme", tyme)},
          tock_{detail::require_non_negative("Tymist", "tock", tock)} {}

    Tymist(const Tymist&) = delete;
    Tymist& operator=(const Tymist&) = delete;
    virtual ~Tymist() = default;

    /// The current virtual time in seconds.
    [[nodiscard]] double tyme() const noexcept { return tyme_; }

    /// Sets the virtual time (hio: `tymist.tyme = x`). Throws ValidationError unless finite.
    void tyme(double value) { tyme_ = detail::require_finite("Tymist", "tyme", value); }

    /// The period added by `tick()`.
    [[nodiscard]] double tock() const noexcept { return tock_; }

    /// Sets the period. Throws ValidationError unless finite and >= 0.
    void tock(double value) { tock_ = detail::require_non_negative("Tymist", "tock", value); }

    /// Advances tyme by one tock and returns the new tyme.
    double tick() noexcept {
        tyme_ += tock_;
        return tyme_;
    }

    /// Advances tyme by `tock` (leaving the period unchanged) and returns the new tyme.
    double tick(double tock) {
        tyme_ += detail::require_non_negative("Tymist", "tick tock", tock);
        return tyme_;
    }

    /// The wall-clock time that goes with the current tyme, in seconds since the Unix epoch:
    /// `epoch()` plus tyme. It is a function of tyme, so what doers derive from it (an HTTP
    /// Date field) replays exactly; a real-time Doist sets the epoch from the system clock
    /// when its run starts, so there it is the wall clock (to within a tock).
    [[nodiscard]] double wall_time() const noexcept { return epoch_ + tyme_; }

    /// The wall-clock time of tyme 0, in seconds since the Unix epoch.
    [[nodiscard]] double epoch() const noexcept { return epoch_; }
    /// Sets the wall-clock time of tyme 0 (a replay sets the epoch its capture recorded).
    /// Throws ValidationError unless finite.
    void epoch(double value) { epoch_ = detail::require_finite("Tymist", "epoch", value); }

    /// The default epoch of a virtual clock: 2026-01-01T00:00:00Z.
    static constexpr double virtual_epoch = 1767225600.0;

    /// The clock's seeded generator: each doer on it draws from a stream forked from its seed
    /// (stream(), Doer::random); other Tymees draw from it directly (Tymee::random). Drawing
    /// does not change the clock, so a const Tymist hands it out too. Seeded with 0 unless a
    /// Doist's DoistOptions::seed or a simulation (sim::World) sets it, before doers enter.
    [[nodiscard]] Random& random() const noexcept { return random_; }

    /// The next number for a doer that enters on this clock (Doer::number): 1, 2, ... in the
    /// order doers enter, so the same program numbers them the same way.
    [[nodiscard]] std::uint32_t number_doer() const noexcept { return ++doers_numbered_; }

    /// The Random of the doer numbered `number` (Doer::random): forked from random()'s seed by
    /// that number at its first use, so each doer draws from its own stream and one more draw
    /// in one doer does not shift the numbers another sees. The reference stays valid until
    /// release_stream(number).
    [[nodiscard]] Random& stream(std::uint32_t number) const {
        const auto found = streams_.find(number);
        if (found != streams_.end())
            return found->second;
        return streams_.emplace(number, random_.fork("doers").fork(std::uint64_t{number})).first->second;
    }

    /// Forgets the stream of the doer numbered `number` (it exited: a doer that enters again
    /// gets a new number and a new stream), so restarted doers do not grow the clock.
    void release_stream(std::uint32_t number) const noexcept { streams_.erase(number); }

    /// The Tracer told of passes and doer runs, or nullptr.
    [[nodiscard]] Tracer* tracer() const noexcept { return tracer_; }
    /// Sets (nullptr: clears) the Tracer; not owned, must outlive its use.
    void tracer(Tracer* value) noexcept { tracer_ = value; }

    /// The Waiter that dispatches I/O for doers on this clock (a Doist's DoistOptions::waiter),
    /// or nullptr. I/O doers check at enter that it is their network's.
    [[nodiscard]] virtual Waiter* waiter() const noexcept { return nullptr; }

    /// True when tymes follow the wall clock (a Doist with DoistOptions::real); false for a
    /// virtual clock, whose runs must replay (hio::Offload then runs jobs inline).
    [[nodiscard]] virtual bool real_time() const noexcept { return false; }

    /// Where threads ring this clock's doers awake (hio::Doorbell): a Doist's, or nullptr.
    [[nodiscard]] virtual std::shared_ptr<detail::DoorbellHub> doorbell_hub() const noexcept { return nullptr; }

private:
    double tyme_;
    double tock_;
    double epoch_ = virtual_epoch;
    Tracer* tracer_ = nullptr;
    mutable Random random_{};
    mutable std::uint32_t doers_numbered_ = 0;
    mutable std::unordered_map<std::uint32_t, Random> streams_{};
};

}  // namespace hio
