#pragma once
/// \file
/// The stop signals for Doist's real-time mode: SIGINT and SIGTERM on POSIX; Ctrl-C,
/// Ctrl-Break and the console's close on Windows. Internal: may change any day.

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <ctime>
#include <mutex>

#if defined(_WIN32)
#include <hio/detail/platform.hpp>

#include <algorithm>
#include <condition_variable>
#include <utility>
#include <vector>
#else
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>
#endif

namespace hio::detail {

/// Count of stop signals received while a Doist listens; only ever grows.
inline std::atomic<unsigned> stop_signals{0};

#if defined(_WIN32)

// Windows calls a console control handler on a thread of its own, not inside the interrupted
// thread: the handler may lock and notify. Each sleeping Doist (its Sleeper, or an
// asio::Context it waits in) registers a waker that the handler calls.
struct SignalWakers {
    std::mutex mutex;
    std::vector<std::pair<void (*)(void*), void*>> list;
    int guards = 0;                   // SignalGuards alive (the handler is installed while > 0)
    std::condition_variable released; // guards reached 0: a console close may end the process
};
inline SignalWakers& signal_wakers() {
    static SignalWakers shared;
    return shared;
}

/// Calls `wake(context)` from the handler's thread at each stop signal, until removed.
inline void add_signal_waker(void (*wake)(void*), void* context) {
    auto& wakers = signal_wakers();
    std::lock_guard lock{wakers.mutex};
    wakers.list.emplace_back(wake, context);
}

inline void remove_signal_waker(void (*wake)(void*), void* context) noexcept {
    auto& wakers = signal_wakers();
    std::lock_guard lock{wakers.mutex};
    std::erase(wakers.list, std::pair{wake, context});
}

inline BOOL WINAPI count_stop_signal(DWORD type) noexcept {
    if (type != CTRL_C_EVENT && type != CTRL_BREAK_EVENT && type != CTRL_CLOSE_EVENT)
        return FALSE;  // log-off and shut-down: the default (services and other handlers)
    stop_signals.fetch_add(1, std::memory_order_relaxed);
    auto& wakers = signal_wakers();
    std::unique_lock lock{wakers.mutex};
    for (const auto& [wake, context] : wakers.list)
        wake(context);
    if (type == CTRL_CLOSE_EVENT) {
        // Windows ends the process when this returns (and at the latest 5 s after the close):
        // give the Doists that wind down the time they have, while any listens.
        wakers.released.wait_for(lock, std::chrono::milliseconds{4500}, [&wakers] { return wakers.guards == 0; });
    }
    return TRUE;
}

/// Installs the counting console control handler while alive; the last guard in the process
/// removes it.
class SignalGuard {
public:
    explicit SignalGuard(bool enable) : enabled_{enable} {
        if (!enabled_)
            return;
        auto& wakers = signal_wakers();
        std::lock_guard lock{wakers.mutex};
        if (wakers.guards++ == 0)
            ::SetConsoleCtrlHandler(&count_stop_signal, TRUE);
    }

    SignalGuard(const SignalGuard&) = delete;
    SignalGuard& operator=(const SignalGuard&) = delete;

    ~SignalGuard() {
        if (!enabled_)
            return;
        auto& wakers = signal_wakers();
        std::lock_guard lock{wakers.mutex};
        if (--wakers.guards == 0) {
            ::SetConsoleCtrlHandler(&count_stop_signal, FALSE);
            wakers.released.notify_all();
        }
    }

private:
    bool enabled_;
};

/// How a Doist without a Waiter sleeps between passes: until a deadline, a stop signal or a
/// wake() from any thread, whichever comes first (a condition variable the console handler
/// notifies too).
class Sleeper {
public:
    Sleeper() { add_signal_waker(&Sleeper::notify, this); }
    Sleeper(const Sleeper&) = delete;
    Sleeper& operator=(const Sleeper&) = delete;
    ~Sleeper() { remove_signal_waker(&Sleeper::notify, this); }

    /// Sleeps until `deadline` (steady_clock) unless `interrupted()` holds, checked first and
    /// after each wake-up. Returns true once the deadline passed, false when interrupted.
    template <class Interrupted>
    bool sleep_until(std::chrono::steady_clock::time_point deadline, Interrupted interrupted) {
        for (;;) {
            std::uint64_t seen = 0;
            {
                std::lock_guard lock{mutex_};
                seen = generation_;  // before the check: a wake after it is not lost
            }
            if (interrupted())
                return false;
            if (std::chrono::steady_clock::now() >= deadline)
                return true;
            std::unique_lock lock{mutex_};
            woken_.wait_until(lock, deadline, [this, seen] { return generation_ != seen; });
        }
    }

    /// Ends a sleep in progress (or makes the next one check at once). Safe from any thread.
    void wake() noexcept { notify(this); }

private:
    static void notify(void* self) noexcept {
        auto& sleeper = *static_cast<Sleeper*>(self);
        {
            std::lock_guard lock{sleeper.mutex_};
            ++sleeper.generation_;
        }
        sleeper.woken_.notify_all();
    }

    std::mutex mutex_;
    std::condition_variable woken_;
    std::uint64_t generation_ = 0;
};

#else

/// The write ends of the pipes that the signal handler pokes, one per Waiter that may block
/// in the kernel (a Reactor, an asio::Context): every waiting Doist of the process wakes, one
/// per worker thread included. -1: a free slot.
struct SignalWakeSlot {
    std::atomic<int> fd{-1};
};
inline std::array<SignalWakeSlot, 64> signal_wake_fds{};

/// Registers `fd` to be poked at each stop signal; false when all 64 slots are taken (that
/// Waiter then hears a signal only at its next timed wake-up).
inline bool add_signal_wake_fd(int fd) noexcept {
    for (auto& slot : signal_wake_fds) {
        int none = -1;
        if (slot.fd.compare_exchange_strong(none, fd))
            return true;
    }
    return false;
}

/// Unregisters `fd`.
inline void remove_signal_wake_fd(int fd) noexcept {
    for (auto& slot : signal_wake_fds) {
        int mine = fd;
        if (slot.fd.compare_exchange_strong(mine, -1))
            return;
    }
}

/// A pipe whose both ends are non-blocking and close on exec (pipe2 on Linux; pipe and fcntl
/// where there is no pipe2, as on macOS). False with errno on failure.
inline bool make_pipe(std::array<int, 2>& fds) noexcept {
#if defined(__linux__)
    return ::pipe2(fds.data(), O_NONBLOCK | O_CLOEXEC) == 0;
#else
    if (::pipe(fds.data()) != 0)
        return false;
    for (const int fd : fds) {
        ::fcntl(fd, F_SETFD, FD_CLOEXEC);
        ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    }
    return true;
#endif
}

inline void count_stop_signal(int) noexcept {
    stop_signals.fetch_add(1, std::memory_order_relaxed);
    const int saved = errno;  // a handler must leave errno as it found it
    for (const auto& slot : signal_wake_fds) {
        const int fd = slot.fd.load(std::memory_order_relaxed);
        if (fd >= 0) {
            const char byte = 1;
            [[maybe_unused]] const auto ignored = ::write(fd, &byte, 1);  // async-signal-safe
        }
    }
    errno = saved;
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
#if defined(__linux__)
            const int ready = ::ppoll(&watched, 1, &timeout, nullptr);
#else  // no ppoll (macOS): poll, rounding the wait up to a whole millisecond
            const int ready = ::poll(&watched, 1, static_cast<int>(std::min<long long>(left / 1'000'000 + 1, 1 << 30)));
#endif
            if (ready > 0) {
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
        if (!make_pipe(fds)) {
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

#endif

}  // namespace hio::detail
