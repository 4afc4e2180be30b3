#pragma once
/// \file
/// Tymer: a timer measured in virtual tyme (hio: base.tyming.Tymer).

#include <optional>

#include <hio/detail/validate.hpp>
#include <hio/tymee.hpp>

namespace hio {

/// A timer on a Tymist's virtual clock: duration, elapsed, remaining, expired.
///
/// Mirrors hio's Tymer exactly: a zero-duration timer is expired at once, `remaining()` may be
/// negative, `restart()` is lossless (the new window starts where the old one stopped, so
/// periodic work keeps its rate), and `wind()` restarts the timer at the new clock's tyme.
/// Because every deadline lives on the Doist's tyme, code that uses Tymers runs unchanged in
/// virtual time (exact replay) and in real time.
class Tymer : public Tymee {
public:
    /// An unwound timer of `duration` starting at 0 (hio: Tymer(duration) with no tymth).
    explicit Tymer(double duration = 0.0)
        : start_{0.0}, stop_{checked(duration)} {}

    /// A timer of `duration` wound to `tymist`, started now.
    explicit Tymer(const Tymist& tymist, double duration = 0.0)
        : Tymee{tymist}, start_{tymist.tyme()}, stop_{start_ + checked(duration)} {}

    /// A timer of `duration` wound to `tymist`, started at `start` (may be in the future).
    Tymer(const Tymist& tymist, double duration, double start)
        : Tymee{tymist},
          start_{detail::require_finite("Tymer", "start", start)},
          stop_{start_ + checked(duration)} {}

    /// Length of the current window.
    [[nodiscard]] double duration() const noexcept { return stop_ - start_; }

    /// Tyme since the window started. Throws hio::Error when not wound.
    [[nodiscard]] double elapsed() const { return tyme() - start_; }

    /// Tyme until the window ends; negative once past it. Throws hio::Error when not wound.
    [[nodiscard]] double remaining() const { return stop_ - tyme(); }

    /// True once tyme has reached the end of the window. Throws hio::Error when not wound.
    [[nodiscard]] bool expired() const { return tyme() >= stop_; }

    /// When the current window started and stops.
    [[nodiscard]] double start_tyme() const noexcept { return start_; }
    /// When the current window stops (expired() from then on).
    [[nodiscard]] double stop_tyme() const noexcept { return stop_; }

    /// Starts a new window at `start` (default: now) lasting `duration` (default: the current
    /// duration); returns the start. This is the restart "with loss": time past the old stop
    /// is forgotten. Throws ValidationError for a bad duration, hio::Error when not wound and
    /// no start is given.
    double start(std::optional<double> duration = std::nullopt,
                 std::optional<double> start = std::nullopt) {
        const double length = duration ? checked(*duration) : this->duration();
        start_ = start ? detail::require_finite("Tymer", "start", *start) : tyme();
        stop_ = start_ + length;
        return start_;
    }

    /// Lossless restart (hio: restart): the new window begins where the old one stopped.
    double restart(std::optional<double> duration = std::nullopt) {
        return start(duration, stop_);
    }

    /// Winds to `tymist` and restarts the window at its tyme with the same duration.
    void wind(const Tymist& tymist) override {
        Tymee::wind(tymist);
        start();
    }

private:
    static double checked(double duration) {
        return detail::require_non_negative("Tymer", "duration", duration);
    }

    double start_;
    double stop_;
};

}  // namespace hio
