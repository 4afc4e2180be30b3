#pragma once
/// \file
/// Reactor: the Asio-backed Waiter that lets a Doist sleep on socket readiness.

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <functional>
#include <system_error>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include <hio/detail/signals.hpp>
#include <hio/error.hpp>
#include <hio/waiter.hpp>

namespace hio {

/// An Asio io_context that a Doist waits in between passes.
///
/// Transports (TCP, TLS) register their sockets with `context()` and ask for readiness with
/// `async_wait`; when a socket becomes ready its handler wakes the doer that serves it, the
/// Reactor's wait returns and the Doist runs a pass at once. An idle server therefore blocks
/// in epoll_wait and uses no CPU, and a request is answered in the pass where it arrives.
/// Only one thread runs the Doist and its Reactor; `interrupt()` may be called from any.
///
/// ```
/// hio::Reactor reactor;
/// hio::tcp::Server server{reactor, {.port = 0}};
/// hio::Doist doist{{.tock = 0.03125, .real = true, .waiter = &reactor}, {&echo}};
/// ```
class Reactor final : public Waiter {
public:
    /// A Reactor with its own io_context. Throws hio::Error when the wake-up pipe cannot be
    /// made (out of file descriptors).
    Reactor() : work_{asio::make_work_guard(io_)}, timer_{io_}, signal_pipe_{io_} {
        std::array<int, 2> fds{-1, -1};
        if (::pipe2(fds.data(), O_NONBLOCK | O_CLOEXEC) != 0)
            throw Error{"Reactor: cannot create the signal wake-up pipe: " +
                        std::error_code{errno, std::system_category()}.message()};
        signal_pipe_.assign(fds[0]);
        signal_write_fd_ = fds[1];
        int none = -1;
        owns_signal_fd_ = detail::signal_wake_fd.compare_exchange_strong(none, signal_write_fd_);
        arm_signal_pipe();
    }

    Reactor(const Reactor&) = delete;
    Reactor& operator=(const Reactor&) = delete;

    ~Reactor() override {
        if (owns_signal_fd_)
            detail::signal_wake_fd.store(-1);
        std::error_code ignored;
        signal_pipe_.close(ignored);
        ::close(signal_write_fd_);
    }

    /// The io_context that transports register their sockets with.
    [[nodiscard]] asio::io_context& context() noexcept { return io_; }

    /// Runs every ready handler without blocking.
    void poll() override {
        restart_if_stopped();
        io_.poll();
    }

    /// Runs handlers as they become ready until `deadline` or `stop()`.
    void wait_until(std::chrono::steady_clock::time_point deadline,
                    const std::function<bool()>& stop) override {
        restart_if_stopped();
        io_.poll();  // what is ready already, without arming the timer
        if (stop() || std::chrono::steady_clock::now() >= deadline)
            return;
        bool fired = false;
        timer_.expires_at(deadline);
        timer_.async_wait([&fired](const std::error_code&) { fired = true; });
        while (!fired && !stop()) {
            if (io_.run_one() == 0)
                break;  // stopped from outside
        }
        if (!fired) {
            timer_.cancel();
            // The cancelled wait still completes, and its handler refers to `fired`.
            while (!fired && io_.run_one() != 0) {
            }
        }
    }

    /// Makes a blocked wait check its stop condition. Safe from any thread.
    void interrupt() noexcept override {
        try {
            asio::post(io_, [] {});
        } catch (...) {  // out of memory: the wait still ends at its deadline
        }
    }

private:
    void restart_if_stopped() {
        if (io_.stopped())
            io_.restart();
    }

    // The signal handler writes a byte; reading it ends the blocked run_one() so the Doist
    // sees the signal at once.
    void arm_signal_pipe() {
        signal_pipe_.async_wait(asio::posix::stream_descriptor::wait_read, [this](const std::error_code& error) {
            if (error)
                return;  // closed: the Reactor is going away
            std::array<char, 64> drain{};
            while (::read(signal_pipe_.native_handle(), drain.data(), drain.size()) > 0) {
            }
            arm_signal_pipe();
        });
    }

    asio::io_context io_{1};
    asio::executor_work_guard<asio::io_context::executor_type> work_;
    asio::steady_timer timer_;
    asio::posix::stream_descriptor signal_pipe_;
    int signal_write_fd_ = -1;
    bool owns_signal_fd_ = false;
};

}  // namespace hio
