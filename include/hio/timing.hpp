#pragma once
/// \file
/// Timers on a wall clock (hio: help/timing): Timer, and MonoTimer, which notices a clock that
/// went backwards. Doers keep time in tyme (Tymer); these are for what must follow the
/// machine's clock, outside a Doist or across runs.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <utility>

#include <hio/detail/validate.hpp>
#include <hio/error.hpp>

namespace hio {

/// A clock in seconds (fractional), read by a timer whenever it needs the time. Tests inject
/// one that they move by hand, so nothing sleeps.
using Clock = std::function<double()>;

/// The system's wall clock (hio: time.time()), seconds since the Unix epoch. It can jump:
/// forwards and, when an administrator or NTP sets it, backwards.
inline double system_seconds() noexcept {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

/// A clock that never goes backwards (std::chrono::steady_clock), seconds since an arbitrary
/// origin; for durations only.
inline double steady_seconds() noexcept {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

/// A failure of a timer (hio: TimerError).
class TimerError : public Error {
public:
    using Error::Error;
};

/// The clock went backwards while a MonoTimer was running and the timer was made not to
/// follow it (hio: RetroTimerError). `by()` is how far back, in seconds (negative).
class RetroTimerError : public TimerError {
public:
    /// The clock moved by `by` seconds (negative).
    explicit RetroTimerError(double by)
        : TimerError{"hio::MonoTimer: the clock went back by " + detail::format_number(-by) +
                     " s while the timer was running"},
          by_{by} {}

    /// How far the clock moved, in seconds (negative).
    [[nodiscard]] double by() const noexcept { return by_; }

private:
    double by_;
};

namespace detail {

/// What Timer and MonoTimer share: a span [start, stop) on a clock.
class TimerSpan {
public:
    /// The timer's length, stop - start (hio: duration).
    [[nodiscard]] double duration() const noexcept { return stop_ - start_; }
    /// When it started (seconds on its clock).
    [[nodiscard]] double started_at() const noexcept { return start_; }
    /// When it expires (seconds on its clock).
    [[nodiscard]] double stops_at() const noexcept { return stop_; }

protected:
    explicit TimerSpan(Clock clock) : clock_{std::move(clock)} {
        if (!clock_)
            throw ValidationError{"hio::Timer: the clock must not be empty"};
    }

    // Sets [start, start + duration); `start` defaults to now, `duration` to the current one.
    double set(std::optional<double> duration, std::optional<double> start, double now) {
        const double length = duration ? checked("duration", *duration) : this->duration();
        start_ = start ? require_finite("hio::Timer", "start", *start) : now;
        stop_ = start_ + length;
        return start_;
    }

    static double checked(const char* name, double value) {
        require_finite("hio::Timer", name, value);
        return require_non_negative("hio::Timer", name, value);
    }

    Clock clock_;
    // Mutable: a MonoTimer moves them when it reads a clock that went back.
    mutable double start_ = 0.0;
    mutable double stop_ = 0.0;
};

}  // namespace detail

/// A timer on a wall clock (hio: help.timing.Timer): it started at a time, lasts a duration,
/// and tells how much has elapsed, how much remains and whether it expired, by reading the
/// clock each time it is asked. A clock that jumps makes it jump too (see MonoTimer).
///
/// ```
/// hio::Timer timer{2.0};                 // two seconds from now, on the system clock
/// if (timer.expired()) timer.restart();  // the next two seconds, none lost
/// ```
class Timer : public detail::TimerSpan {
public:
    /// A timer of `duration` seconds from `start` (default: now) on `clock`. Throws
    /// ValidationError for a negative or non-finite duration or start, or an empty clock.
    explicit Timer(double duration = 0.0, std::optional<double> start = std::nullopt,
                   Clock clock = system_seconds)
        : TimerSpan{std::move(clock)} {
        set(checked("duration", duration), start, start ? 0.0 : clock_());
    }

    /// Seconds since the start (negative before a start in the future; hio: elapsed).
    [[nodiscard]] double elapsed() const { return clock_() - start_; }
    /// Seconds until it expires (negative after; hio: remaining).
    [[nodiscard]] double remaining() const { return stop_ - clock_(); }
    /// True once the clock reached the stop (hio: expired).
    [[nodiscard]] bool expired() const { return clock_() >= stop_; }

    /// Starts again at `start` (default: now) for `duration` (default: the same); returns the
    /// start (hio: start).
    double start(std::optional<double> duration = std::nullopt, std::optional<double> start = std::nullopt) {
        return set(duration, start, start ? 0.0 : clock_());
    }

    /// Starts again where it stopped, so no time is lost between periods (hio: restart).
    double restart(std::optional<double> duration = std::nullopt) { return start(duration, stop_); }
};

/// A Timer that survives a clock set backwards (hio: help.timing.MonoTimer). Each reading is
/// compared with the last one; when the clock went back, the timer either moves its start and
/// stop back by as much (`retro` true: elapsed time does not run backwards, and the time the
/// clock lost is not counted) or throws RetroTimerError (`retro` false). A clock set forwards
/// cannot be told from time passing.
class MonoTimer : public detail::TimerSpan {
public:
    /// A timer of `duration` seconds from `start` (default: now) on `clock`; `retro`: follow a
    /// clock that went back instead of throwing. Throws ValidationError as Timer.
    explicit MonoTimer(double duration = 0.0, std::optional<double> start = std::nullopt, bool retro = true,
                       Clock clock = system_seconds)
        : TimerSpan{std::move(clock)}, retro_{retro} {
        last_ = clock_();
        set(checked("duration", duration), start, last_);
    }

    /// The clock's time, adjusted for a retrograde (hio: latest). Throws RetroTimerError when
    /// the clock went back and `retro` is false.
    [[nodiscard]] double latest() const {
        const double now = clock_();
        const double delta = now - last_;
        if (delta < 0.0) {
            if (!retro_)
                throw RetroTimerError{delta};
            start_ += delta;
            stop_ += delta;
        }
        last_ = now;
        return now;
    }

    /// Seconds since the start (hio: elapsed).
    [[nodiscard]] double elapsed() const { return latest() - start_; }
    /// Seconds until it expires (hio: remaining).
    [[nodiscard]] double remaining() const { return stop_ - latest(); }
    /// True once it expired (hio: expired).
    [[nodiscard]] bool expired() const { return latest() >= stop_; }
    /// Does it follow a clock that went back (true) or throw (false)?
    [[nodiscard]] bool retro() const noexcept { return retro_; }

    /// Starts again at `start` (default: now) for `duration` (default: the same); returns the
    /// start. Reads the clock, so a retrograde before it is not charged to the new period.
    double start(std::optional<double> duration = std::nullopt, std::optional<double> start = std::nullopt) {
        last_ = clock_();
        return set(duration, start, last_);
    }

    /// Starts again where it stopped, so no time is lost (hio: restart).
    double restart(std::optional<double> duration = std::nullopt) { return start(duration, stop_); }

private:
    bool retro_;
    mutable double last_ = 0.0;
};

}  // namespace hio
