#pragma once
/// \file
/// SIGINT/SIGTERM capture for Doist's real-time mode. Internal: may change any day.

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <ctime>
#include <mutex>

#include <signal.h>
#include <unistd.h>

namespace hio::detail {

/// Count of SIGINT and SIGTERM received while a Doist listens; only ever grows.
inline std::atomic<unsigned> stop_signals{0};

/// The write end of a pipe that the signal handler pokes, so that a Waiter blocked on I/O
/// (hio::Reactor) wakes up; -1 when none listens.
inline std::atomic<int> signal_wake_fd{-1};

inline void count_stop_signal(int) noexcept {
    stop_signals.fetch_add(1, std::memory_order_relaxed);
    const int fd = signal_wake_fd.load(std::memory_order_relaxed);
    if (fd >= 0) {
        const int saved = errno;  // a handler must leave errno as it found it
        const char byte = 1;
        [[maybe_unused]] const auto ignored = ::write(fd, &byte, 1);  // async-signal-safe
        errno = saved;
    }
}

/// Installs the counting handler for SIGINT and SIGTERM while alive and restores the previous
/// handlers when the last guard in the process goes away. Without SA_RESTART, so a sleeping
/// Doist wakes at once.
class SignalGuard {
public:
    explicit SignalGuard(bool enable) : enabled_{enable} {
        if (!enabled_)
            return;
        std::lock_guard lock{state().mutex};
        if (state().users++ == 0) {
            struct sigaction action {};
            action.sa_handler = &count_stop_signal;
            sigemptyset(&action.sa_mask);
            action.sa_flags = 0;
            sigaction(SIGINT, &action, &state().old_int);
            sigaction(SIGTERM, &action, &state().old_term);
        }
    }

    SignalGuard(const SignalGuard&) = delete;
    SignalGuard& operator=(const SignalGuard&) = delete;

    ~SignalGuard() {
        if (!enabled_)
            return;
        std::lock_guard lock{state().mutex};
        if (--state().users == 0) {
            sigaction(SIGINT, &state().old_int, nullptr);
            sigaction(SIGTERM, &state().old_term, nullptr);
        }
    }

private:
    struct State {
        std::mutex mutex;
        int users = 0;
        struct sigaction old_int {};
        struct sigaction old_term {};
    };
    static State& state() {
        static State shared;
        return shared;
    }

    bool enabled_;
};

/// Sleeps until `deadline` on the monotonic clock (steady_clock on Linux). Returns early,
/// false, when a signal arrives and `interrupted()` says so; true once the deadline passed.
template <class Interrupted>
bool sleep_until(std::chrono::steady_clock::time_point deadline, Interrupted interrupted) {
    const auto since_epoch = deadline.time_since_epoch();
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
    timespec when{};
    when.tv_sec = static_cast<std::time_t>(seconds.count());
    when.tv_nsec = static_cast<long>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch - seconds).count());
    for (;;) {
        const int result = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &when, nullptr);
        if (result == 0)
            return true;
        if (result != EINTR)
            return true;  // a bad deadline: do not spin
        if (interrupted())
            return false;
    }
}

}  // namespace hio::detail
