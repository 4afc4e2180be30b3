#pragma once
/// \file
/// hio::asio::async_run: a Doist (and so any tree of doers, servers, clients) run inside an
/// application's io_context, without a thread of its own, as an Asio asynchronous operation.

#include <atomic>
#include <chrono>
#include <exception>
#include <memory>
#include <utility>

#include <asio/associated_cancellation_slot.hpp>
#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/bind_executor.hpp>
#include <asio/dispatch.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include <hio/asio/context.hpp>
#include <hio/doist.hpp>
#include <hio/error.hpp>

namespace hio::asio {

namespace detail {

// Drives one run of a Doist on an io_context (Doist::start/step): the next pass on a timer at
// the time step() asks for, an early step posted (at most one pending) when a doer is woken or
// a stop is asked. Kept alive by its pending timer wait or posted step; if the io_context is
// destroyed with them pending, the destructor still closes the doers in hio's order.
template <class Handler>
class Driver : public std::enable_shared_from_this<Driver<Handler>> {
public:
    Driver(::asio::io_context& io, Doist& doist, Handler handler)
        : io_{io}, doist_{doist}, timer_{io}, handler_{std::move(handler)} {}

    Driver(const Driver&) = delete;
    Driver& operator=(const Driver&) = delete;

    ~Driver() {
        if (!finished_)
            doist_.abandon();  // the io_context went away mid-run: hio's ordered close
    }

    void begin() {
        auto slot = ::asio::get_associated_cancellation_slot(handler_);
        if (slot.is_connected()) {
            // Cancelling the awaiting operation asks the Doist to stop: its grace period lets
            // doers wind down, then what still runs is closed in hio's order.
            slot.assign([weak = this->weak_from_this()](::asio::cancellation_type) {
                if (auto self = weak.lock())
                    self->doist_.request_stop();
            });
        }
        doist_.wake_hook([weak = this->weak_from_this()] {
            if (auto self = weak.lock())
                self->post_step();
        });
        try {
            check_waiter();
            schedule(doist_.start());
        } catch (...) {
            complete_later(std::current_exception(), RunEnd::failed);
        }
    }

private:
    // The Doist's sockets must be this io_context's: a Reactor's would never be heard here.
    void check_waiter() const {
        Waiter* waiter = doist_.waiter();
        if (waiter == nullptr)
            return;
        auto* context = dynamic_cast<Context*>(waiter);
        if (context == nullptr)
            throw Error{"asio::async_run: the Doist's waiter is not an hio::asio::Context, so its sockets would "
                        "never be heard on this io_context; construct the Doist with "
                        "DoistOptions{.waiter = &context}, a hio::asio::Context on the application's io_context, "
                        "and make its networks on that Context"};
        if (&context->io() != &io_)
            throw Error{"asio::async_run: the Doist's hio::asio::Context is on another io_context than the one "
                        "asked to run it; make the Context on this io_context"};
    }

    void schedule(std::chrono::steady_clock::time_point next) {
        if (next <= std::chrono::steady_clock::now()) {
            post_step();
            return;
        }
        timer_.expires_at(next);
        timer_.async_wait([self = this->shared_from_this()](std::error_code error) {
            if (!error)
                self->step();
        });
    }

    // From the wake hook (any thread) or schedule(): one posted step at most.
    void post_step() noexcept {
        if (posted_.exchange(true))
            return;
        try {
            ::asio::post(io_, [self = this->shared_from_this()] {
                self->posted_.store(false);
                self->step();
            });
        } catch (...) {
            posted_.store(false);  // out of memory: the timer's step comes anyway
        }
    }

    void step() {
        if (finished_)
            return;
        try {
            const Doist::Step next = doist_.step();
            if (next.finished) {
                complete(nullptr, doist_.ended_by());
                return;
            }
            timer_.cancel();
            schedule(next.next);
        } catch (...) {
            complete(std::current_exception(), RunEnd::failed);
        }
    }

    void complete(std::exception_ptr error, RunEnd end) {
        finished_ = true;
        timer_.cancel();
        auto slot = ::asio::get_associated_cancellation_slot(handler_);
        if (slot.is_connected())
            slot.clear();
        auto executor = ::asio::get_associated_executor(handler_, io_.get_executor());
        ::asio::dispatch(executor, [handler = std::move(handler_), error, end]() mutable {
            std::move(handler)(error, end);
        });
    }

    // A failure before the first step: completes through the io_context, never inside the
    // initiating call (Asio's rule for asynchronous operations).
    void complete_later(std::exception_ptr error, RunEnd end) {
        finished_ = true;
        auto executor = ::asio::get_associated_executor(handler_, io_.get_executor());
        ::asio::post(executor, [handler = std::move(handler_), error, end]() mutable {
            std::move(handler)(error, end);
        });
    }

    ::asio::io_context& io_;
    Doist& doist_;
    ::asio::steady_timer timer_;
    Handler handler_;
    std::atomic<bool> posted_{false};
    bool finished_ = false;
};

}  // namespace detail

/// Runs `doist` inside `io`, the application's event loop, as an asynchronous operation whose
/// completion is `void(std::exception_ptr, hio::RunEnd)`: the exception a doer let through
/// (hio's propagate policy), or null, and why the run ended.
///
/// The Doist needs no thread of its own: its passes are handlers on `io`, scheduled at the time
/// each pass is due (real time: one tock apart, idle passes slept through; virtual time: one
/// after the other, the application's handlers in between), and at once (one pending at most)
/// when a doer is woken, so a socket's bytes are answered in the pass where they arrive. Its
/// sockets must be made on a hio::asio::Context over `io`, which is the Doist's waiter (or it
/// has none): anything else completes with a hio::Error that says so.
///
/// The application owns SIGINT and SIGTERM: on a signal (asio::signal_set) it calls
/// `doist.request_stop()`, which starts the Doist's graceful shutdown (DoistOptions::grace).
/// Cancelling the operation (a cancellation slot, asio::experimental::awaitable_operators, a
/// timeout) does the same; and if `io` is destroyed while the run is in progress, the doers are
/// closed in hio's order then (close in reverse order, exit contexts), never dropped.
///
/// ```
/// // In a coroutine (asio::co_spawn):
/// hio::RunEnd end = co_await hio::asio::async_run(io, doist, asio::use_awaitable);
/// // With a callback:
/// hio::asio::async_run(io, doist, [](std::exception_ptr error, hio::RunEnd end) { ... });
/// ```
/// With asio::use_awaitable a doer's exception is rethrown in the coroutine. The Doist must
/// outlive the operation.
template <class CompletionToken>
auto async_run(::asio::io_context& io, Doist& doist, CompletionToken&& token) {
    return ::asio::async_initiate<CompletionToken, void(std::exception_ptr, RunEnd)>(
        [&io, &doist](auto handler) {
            auto driver = std::make_shared<detail::Driver<decltype(handler)>>(io, doist, std::move(handler));
            driver->begin();
        },
        token);
}

}  // namespace hio::asio
