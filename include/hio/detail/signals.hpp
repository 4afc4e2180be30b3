#pragma once
/// \file
/// SIGINT/SIGTERM capture for Doist's real-time mode. Internal: may change any day.

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <ctime>
#include <mutex>

#include <fcntl.h>
#include <poll.h>
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

/// How a Doist without a Waiter sleeps between passes: until a deadline, a signal (the wait
/// ends with EINTR), or a wake() from any thread (a stop request), whichever comes first. A
/// non-blocking pipe made on the first sleep carries the wakes; poll() is never restarted
/// after a signal handler, so SIGINT and SIGTERM end a sleep at once.
class Sleeper {
public:
    Sleeper() = default;
    Sleeper(const Sleeper&) = delete;
    Sleeper& operator=(const Sleeper&) = delete;
    ~Sleeper() {
        const int read_fd = read_fd_.load();
        if (read_fd >= 0) {
            ::close(read_fd);
            ::close(write_fd_.load());
        }
    }

    /// Sleeps until `deadline` (steady_clock) unless `interrupted()` holds, checked first and
    /// after each wake-up. Returns true once the deadline passed, false when interrupted.
    template <class Interrupted>
    bool sleep_until(std::chrono::steady_clock::time_point deadline, Interrupted interrupted) {
        open();
        for (;;) {
            if (interrupted())
                return false;
            const auto now = std::chrono::steady_clock::now();
            if (now >= deadline)
                return true;
            const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - now).count();
            timespec timeout{};
            timeout.tv_sec = static_cast<std::time_t>(left / 1'000'000'000);
            timeout.tv_nsec = static_cast<long>(left % 1'000'000'000);
            pollfd watched{};
            watched.fd = read_fd_.load();
            watched.events = POLLIN;
            if (watched.fd < 0) {  // no pipe (out of descriptors): a plain sleep, signals still end it
                ::nanosleep(&timeout, nullptr);
                continue;
            }
            if (::ppoll(&watched, 1, &timeout, nullptr) > 0) {
                std::array<char, 64> drain{};
                while (::read(watched.fd, drain.data(), drain.size()) > 0) {
                }
            }
        }
    }

    /// Ends a sleep in progress (or makes the next one check at once). Safe from any thread.
    void wake() noexcept {
        const int fd = write_fd_.load();
        if (fd >= 0) {
            const char byte = 1;
            [[maybe_unused]] const auto ignored = ::write(fd, &byte, 1);
        }
    }

private:
    void open() noexcept {
        if (read_fd_.load() >= 0 || failed_)
            return;
        std::array<int, 2> fds{-1, -1};
        if (::pipe2(fds.data(), O_NONBLOCK | O_CLOEXEC) != 0) {
            failed_ = true;
            return;
        }
        write_fd_.store(fds[1]);
        read_fd_.store(fds[0]);
    }

    std::atomic<int> read_fd_{-1};
    std::atomic<int> write_fd_{-1};
    bool failed_ = false;
};

}  // namespace hio::detail
