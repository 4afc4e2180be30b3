#pragma once
/// \file
/// Reactor: the epoll-based Waiter that lets a Doist sleep on socket readiness.

#if !defined(__linux__)
#error "hio/io/reactor.hpp: the Reactor is epoll, Linux only; elsewhere a Doist waits in hio::asio::Context (hio/sockets.hpp picks the platform's; docs/platforms.md)"
#endif

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <functional>
#include <system_error>

#include <hio/detail/signals.hpp>
#include <hio/error.hpp>
#include <hio/io/transport.hpp>
#include <hio/waiter.hpp>

namespace hio {

class Reactor;

namespace detail {

/// One file descriptor registered with a Reactor, edge-triggered. Owned by a transport or
/// listener; must be removed (or destroyed) before the descriptor is closed.
class Watch {
public:
    Watch() = default;
    Watch(const Watch&) = delete;
    Watch& operator=(const Watch&) = delete;
    inline ~Watch();

    /// Registers `fd` for input readiness, reporting to `events` (may be null for now).
    inline void add(Reactor& reactor, int fd);
    /// Unregisters; no event is delivered afterwards. Idempotent.
    inline void remove() noexcept;

    void events(TransportEvents* events) noexcept { events_ = events; }

    /// True once the peer hung up (or the socket failed): read on until EOF or the error.
    [[nodiscard]] bool hangup() const noexcept { return hangup_; }

    /// Readable: reported on every input edge, so an edge is never lost.
    void arm_read() noexcept { read_armed_ = true; }
    /// Writable: adds output interest on first use, then reports the next output edge.
    inline void arm_write();

private:
    friend class hio::Reactor;

    void dispatch(std::uint32_t ready) noexcept {
        if (events_ == nullptr)
            return;
        const bool failed = (ready & (EPOLLERR | EPOLLHUP)) != 0;
        if ((ready & EPOLLRDHUP) != 0 || failed)
            hangup_ = true;  // the edge is gone: a short read no longer means "drained"
        if ((ready & (EPOLLIN | EPOLLRDHUP)) != 0 || failed) {
            read_armed_ = false;
            events_->on_readable();
        }
        if (((ready & EPOLLOUT) != 0 || failed) && write_armed_) {
            write_armed_ = false;
            events_->on_writable();
        }
    }

    Reactor* reactor_ = nullptr;
    TransportEvents* events_ = nullptr;
    int fd_ = -1;
    bool read_armed_ = false;
    bool write_armed_ = false;
    bool output_registered_ = false;
    bool hangup_ = false;
};

}  // namespace detail

/// What a real-time Doist waits in between passes: epoll over every socket of its transports.
///
/// A transport registers its socket once (edge-triggered); when bytes arrive the Reactor tells
/// the connection, which wakes the doer that serves it; the wait returns and the Doist runs a
/// pass at once. An idle server therefore sleeps in epoll_wait and uses no CPU, a request is
/// answered in the pass where it arrives, and a busy connection costs about one recv and one
/// send per message, with no epoll_ctl. The Reactor knows descriptors only: what owns them
/// (tcp::Network's sockets, a datagram peer, a console) registers them through a Watch.
///
/// Only one thread runs the Doist and its Reactor; `interrupt()` may be called from any, and
/// SIGINT/SIGTERM (while a Doist handles signals) end a wait at once.
///
/// ```
/// hio::Reactor reactor;
/// hio::tcp::Network network{reactor};
/// hio::Doist doist{{.tock = 0.03125, .real = true, .waiter = &reactor}, {&server_doer}};
/// ```
class Reactor final : public Waiter {
public:
    /// Throws hio::SystemError when epoll, the wake-up pipe or the deadline timer cannot be
    /// made (out of descriptors).
    Reactor() {
        epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
        if (epoll_fd_ < 0)
            throw SystemError{last_system_error(), "Reactor: cannot create epoll"};
        std::array<int, 2> fds{-1, -1};
        if (::pipe2(fds.data(), O_NONBLOCK | O_CLOEXEC) != 0) {
            const std::error_code error = last_system_error();
            ::close(epoll_fd_);
            throw SystemError{error, "Reactor: cannot create the wake-up pipe"};
        }
        wake_read_fd_ = fds[0];
        wake_write_fd_ = fds[1];
        timer_fd_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
        if (timer_fd_ < 0) {
            const std::error_code error = last_system_error();
            ::close(wake_read_fd_);
            ::close(wake_write_fd_);
            ::close(epoll_fd_);
            throw SystemError{error, "Reactor: cannot create the deadline timer"};
        }
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.ptr = nullptr;  // null: the wake-up pipe
        ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_read_fd_, &event);
        event.data.ptr = &timer_fd_;  // the deadline timer
        ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, timer_fd_, &event);
        owns_signal_fd_ = detail::add_signal_wake_fd(wake_write_fd_);
    }

    Reactor(const Reactor&) = delete;
    Reactor& operator=(const Reactor&) = delete;

    ~Reactor() override {
        if (owns_signal_fd_)
            detail::remove_signal_wake_fd(wake_write_fd_);
        ::close(timer_fd_);
        ::close(wake_read_fd_);
        ::close(wake_write_fd_);
        ::close(epoll_fd_);
    }

    /// Dispatches the readiness that is there now, without blocking.
    void poll() override { wait_for(false); }

    /// Dispatches readiness as it comes until `deadline` or `stop()`.
    void wait_until(std::chrono::steady_clock::time_point deadline,
                    const std::function<bool()>& stop) override {
        for (;;) {
            if (stop() || std::chrono::steady_clock::now() >= deadline)
                return;
            arm_deadline(deadline);
            wait_for(true);
        }
    }

    /// Ends a blocked wait so it checks its stop condition. Safe from any thread.
    void interrupt() noexcept override {
        const char byte = 1;
        [[maybe_unused]] const auto ignored = ::write(wake_write_fd_, &byte, 1);
    }

    /// Descriptors registered now.
    [[nodiscard]] std::size_t watched() const noexcept { return watched_; }

private:
    friend class detail::Watch;

    // The deadline lives in a timerfd in the epoll set, set only when it changes (once per
    // tock), so each wait is a plain epoll_wait with no timeout: a timeout argument would arm
    // a kernel high-resolution timer on every call, which cost 18% of a busy echo server.
    void arm_deadline(std::chrono::steady_clock::time_point deadline) {
        if (deadline == armed_deadline_)
            return;
        // steady_clock is CLOCK_MONOTONIC on Linux, so its time_since_epoch is the timer's.
        const auto since = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline.time_since_epoch()).count();
        itimerspec spec{};
        spec.it_value.tv_sec = static_cast<std::time_t>(since / 1'000'000'000);
        spec.it_value.tv_nsec = static_cast<long>(since % 1'000'000'000);
        if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0)
            spec.it_value.tv_nsec = 1;  // all zero would disarm the timer
        ::timerfd_settime(timer_fd_, TFD_TIMER_ABSTIME, &spec, nullptr);
        armed_deadline_ = deadline;
    }

    // One epoll wait (blocking until an event, the deadline timer or the wake pipe, or not at
    // all); dispatches what it got.
    void wait_for(bool block) {
        std::array<epoll_event, 256> events{};
        const int count = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), block ? -1 : 0);
        if (count < 0)
            return;  // EINTR: a signal; the caller checks its stop condition
        for (int i = 0; i < count; ++i) {
            // Handlers only set flags and wake doers; nothing is destroyed during dispatch.
            void* tag = events[static_cast<std::size_t>(i)].data.ptr;
            if (tag == nullptr) {
                drain_wake_pipe();
            } else if (tag == &timer_fd_) {
                std::uint64_t expirations = 0;
                [[maybe_unused]] const auto ignored = ::read(timer_fd_, &expirations, sizeof expirations);
            } else {
                static_cast<detail::Watch*>(tag)->dispatch(events[static_cast<std::size_t>(i)].events);
            }
        }
    }

    void drain_wake_pipe() noexcept {
        std::array<char, 64> drain{};
        while (::read(wake_read_fd_, drain.data(), drain.size()) > 0) {
        }
    }

    int epoll_fd_ = -1;
    int wake_read_fd_ = -1;
    int wake_write_fd_ = -1;
    int timer_fd_ = -1;
    std::chrono::steady_clock::time_point armed_deadline_{};
    std::size_t watched_ = 0;
    bool owns_signal_fd_ = false;
};

namespace detail {

inline Watch::~Watch() { remove(); }

inline void Watch::add(Reactor& reactor, int fd) {
    remove();
    epoll_event event{};
    event.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
    event.data.ptr = this;
    if (::epoll_ctl(reactor.epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0)
        throw SystemError{last_system_error(), "Reactor: cannot watch descriptor " + std::to_string(fd)};
    reactor_ = &reactor;
    fd_ = fd;
    output_registered_ = false;
    hangup_ = false;
    ++reactor.watched_;
}

inline void Watch::remove() noexcept {
    if (reactor_ == nullptr)
        return;
    ::epoll_ctl(reactor_->epoll_fd_, EPOLL_CTL_DEL, fd_, nullptr);
    --reactor_->watched_;
    reactor_ = nullptr;
    fd_ = -1;
    read_armed_ = write_armed_ = false;
}

inline void Watch::arm_write() {
    write_armed_ = true;
    if (output_registered_ || reactor_ == nullptr)
        return;
    // Output interest only once a send would block: most connections never need it.
    epoll_event event{};
    event.events = EPOLLIN | EPOLLRDHUP | EPOLLOUT | EPOLLET;
    event.data.ptr = this;
    if (::epoll_ctl(reactor_->epoll_fd_, EPOLL_CTL_MOD, fd_, &event) == 0)
        output_registered_ = true;
}

}  // namespace detail

}  // namespace hio
