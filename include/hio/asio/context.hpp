#pragma once
/// \file
/// hio::asio::Context: a Waiter over an Asio io_context. A Doist that waits in it runs Asio's
/// handlers between its passes, in its own thread, and sleeps in Asio until the next pass, an
/// I/O event or a completed Asio operation, whichever comes first.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>

#if !defined(_WIN32)
#include <fcntl.h>
#include <unistd.h>

#include <array>

#include <asio/posix/stream_descriptor.hpp>
#endif

#include <hio/detail/signals.hpp>

#include <hio/error.hpp>
#include <hio/waiter.hpp>

namespace hio::asio {

/// Asio's io_context as a Doist's Waiter (hio::Reactor's counterpart over Asio).
///
/// As the Doist's waiter (`DoistOptions::waiter`) it makes Asio the Doist's event loop: before
/// each pass the Doist runs the handlers that are ready (`poll()`), and between passes it waits
/// in the io_context (`run_one_until`) until the next pass is due, or a handler woke a doer
/// (an hio::asio::Network socket became ready, a Completion came back), or a stop was asked.
/// Asio operations that doers start (timers, resolvers, an Asio-based library's calls) complete
/// in that wait; see hio::asio::Completion. The io_context never runs out of work while a Doist
/// waits in it (a work guard is held during the wait), so its handlers' coming and going never
/// ends a wait early or makes it spin.
///
/// The other direction, a Doist inside an application whose loop is Asio's, is
/// hio::asio::async_run(): the Context then borrows the application's io_context and is only
/// the mark that the Doist's sockets belong to it (no wait runs in it).
///
/// One thread runs the Doist and the io_context; interrupt() may be called from any. While a
/// Doist that handles signals waits here, SIGINT and SIGTERM (Ctrl-C, Ctrl-Break and the console's close on Windows)
/// end the wait at once.
class Context final : public hio::Waiter {
public:
    /// A Context with an io_context of its own (one thread: concurrency hint 1).
    Context() : owned_{std::make_unique<::asio::io_context>(1)}, io_{*owned_} {}

    /// A Context over the application's `io` (not owned: it must outlive the Context and every
    /// socket made on it).
    explicit Context(::asio::io_context& io) noexcept : io_{io} {}

    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;

    ~Context() override {
#if !defined(_WIN32)
        if (signal_pipe_) {
            detail::remove_signal_wake_fd(signal_pipe_->write_fd);
            std::error_code ignored;
            signal_pipe_->reader.close(ignored);
            ::close(signal_pipe_->write_fd);
        }
#else
        if (watching_signals_)
            detail::remove_signal_waker(&Context::wake_from_signal, this);
#endif
    }

    /// The io_context: make Asio objects on it, post to it.
    [[nodiscard]] ::asio::io_context& io() noexcept { return io_; }

    /// Runs the handlers that are ready now, without blocking.
    void poll() override {
        if (io_.stopped())
            io_.restart();
        io_.poll();
    }

    /// Runs handlers as they come until `deadline`, or until `stop()` (checked after each).
    void wait_until(std::chrono::steady_clock::time_point deadline, const std::function<bool()>& stop) override {
        watch_signals();
        const auto guard = ::asio::make_work_guard(io_);  // out of work must not end the wait
        for (;;) {
            if (stop() || std::chrono::steady_clock::now() >= deadline)
                return;
            if (io_.stopped())
                io_.restart();
            if (io_.run_one_until(deadline) != 0 && stop()) {
                // A doer is due: first run the handlers that are ready too (the other
                // completions of the same epoll_wait, posts), so that one pass serves them all,
                // as one epoll_wait serves many sockets in the epoll backend. Bounded, so that a
                // stream of posts cannot hold the pass back.
                for (int more = 0; more < drain_limit && io_.poll_one() != 0; ++more) {
                }
                return;
            }
        }
    }

    /// Ends a wait so that it checks its stop condition. Safe from any thread.
    void interrupt() noexcept override {
        try {
            ::asio::post(io_, [] {});
        } catch (...) {
            // Out of memory: the wait ends at its deadline anyway.
        }
    }

private:
    static constexpr int drain_limit = 1024;  // ready handlers run after the one that woke a doer

    std::unique_ptr<::asio::io_context> owned_;
    ::asio::io_context& io_;

    // POSIX: the Doist's signal handler writes to a pipe (detail::signal_wake_fds) that a
    // handler here reads, so a signal ends a wait at once (Asio's own wait retries on EINTR).
    // Made at the first wait: a Context whose io_context the application runs itself
    // (async_run) keeps no operation pending, so the application's run() can return.
    void watch_signals() {
#if !defined(_WIN32)
        if (signal_pipe_)
            return;
        std::array<int, 2> fds{-1, -1};
        if (!detail::make_pipe(fds))
            throw SystemError{last_system_error(), "asio::Context: cannot create the signal pipe"};
        signal_pipe_.emplace(io_, fds[0], fds[1]);
        detail::add_signal_wake_fd(fds[1]);
        arm_signal_reader();
#else
        // Windows: the console handler runs on a thread of its own and calls interrupt().
        if (!watching_signals_) {
            detail::add_signal_waker(&Context::wake_from_signal, this);
            watching_signals_ = true;
        }
#endif
    }

#if defined(_WIN32)
    static void wake_from_signal(void* self) noexcept { static_cast<Context*>(self)->interrupt(); }
    bool watching_signals_ = false;
#endif

#if !defined(_WIN32)
    void arm_signal_reader() {
        signal_pipe_->reader.async_wait(::asio::posix::stream_descriptor::wait_read, [this](std::error_code error) {
            if (error)
                return;  // closed
            std::array<char, 64> drain{};
            while (::read(signal_pipe_->reader.native_handle(), drain.data(), drain.size()) > 0) {
            }
            arm_signal_reader();  // the wait loop checks the Doist's stop condition next
        });
    }

    struct SignalPipe {
        SignalPipe(::asio::io_context& io, int read_fd, int write) : reader{io, read_fd}, write_fd{write} {}
        ::asio::posix::stream_descriptor reader;
        int write_fd;
    };
    std::optional<SignalPipe> signal_pipe_;  // after io_: destroyed before the io_context
#endif
};

}  // namespace hio::asio
