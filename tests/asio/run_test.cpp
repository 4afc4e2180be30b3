// hio::asio::async_run: a Doist inside an application's io_context, driven by it, awaited by
// an Asio coroutine; its failures, cancellation and the io_context's end.
#include <chrono>
#include <exception>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <hio/asio.hpp>
#include <hio/doist.hpp>

#include "catch.hpp"
#include "support/recording_doers.hpp"

namespace {

// Counts its recurs and finishes after `runs`.
class Counter : public hio::Doer {
public:
    explicit Counter(int runs, double tock = 0.0) : Doer{tock}, runs_{runs} {}
    std::vector<double> tymes;

protected:
    bool recur(double tyme) override {
        tymes.push_back(tyme);
        return static_cast<int>(tymes.size()) == runs_;
    }

private:
    int runs_;
};

}  // namespace

TEST_CASE("A Doist runs inside an application's io_context, beside its handlers, and is awaited", "[asio][run]") {
    asio::io_context io;
    Counter counter{5};
    hio::Doist doist{{.tock = 0.01, .real = true}, {&counter}};
    int ticks = 0;  // the application's own work, in the same thread
    asio::steady_timer app_timer{io};
    std::function<void()> tick_again = [&] {
        app_timer.expires_after(std::chrono::milliseconds{5});
        app_timer.async_wait([&](std::error_code error) {
            if (!error && ++ticks < 100)
                tick_again();
        });
    };
    tick_again();
    std::optional<hio::RunEnd> end;
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
        end = co_await hio::asio::async_run(io, doist, asio::use_awaitable);
        app_timer.cancel();
    }, asio::detached);
    io.run();  // returns when the coroutine and the timer are done: no work left behind
    REQUIRE(end.has_value());
    CHECK(*end == hio::RunEnd::done);
    CHECK(counter.tymes == std::vector<double>{0.0, 0.01, 0.02, 0.03, 0.04});
    CHECK(ticks >= 3);  // the application's handlers ran while the Doist was paced
}

TEST_CASE("A virtual-time Doist inside an io_context runs its passes one after another, the application's handlers between", "[asio][run]") {
    asio::io_context io;
    hio_test::ExDoer a;
    hio_test::TryDoer b{6, 0.5};
    hio::Doist doist{{.tock = 0.25, .limit = 2.0}, {&a, &b}};
    int between = 0;
    asio::post(io, [&] { ++between; });
    std::exception_ptr failure;
    hio::RunEnd end = hio::RunEnd::none;
    hio::asio::async_run(io, doist, [&](std::exception_ptr error, hio::RunEnd why) {
        failure = error;
        end = why;
    });
    io.run();
    CHECK_FALSE(failure);
    CHECK(end == hio::RunEnd::limit);
    CHECK(between == 1);
    // The same trace as run() gives.
    hio_test::ExDoer a2;
    hio_test::TryDoer b2{6, 0.5};
    hio::Doist reference{{.tock = 0.25, .limit = 2.0}, {&a2, &b2}};
    reference.run();
    CHECK(a.trace() == a2.trace());
    CHECK(b.trace() == b2.trace());
}

TEST_CASE("A doer's exception reaches the awaiting coroutine after hio's ordered close", "[asio][run]") {
    asio::io_context io;
    struct Thrower : hio::Doer {
        bool recur(double tyme) override {
            if (tyme >= 0.02)
                throw std::runtime_error{"boom in a doer"};
            return false;
        }
    } thrower;
    hio_test::ExDoer bystander;
    hio::Doist doist{{.tock = 0.01, .real = true}, {&bystander, &thrower}};
    std::string caught;
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
        try {
            co_await hio::asio::async_run(io, doist, asio::use_awaitable);
        } catch (const std::runtime_error& error) {
            caught = error.what();
        }
    }, asio::detached);
    io.run();
    CHECK(caught == "boom in a doer");
    CHECK(doist.ended_by() == hio::RunEnd::failed);
    CHECK(bystander.trace().ends_with("close@0.02(None,4) exit@0.02(None,5)"));  // closed, not dropped
}

TEST_CASE("Cancelling the awaiting operation stops the Doist gracefully, and its grace period lets doers wind down", "[asio][run]") {
    asio::io_context io;
    struct Winder : hio::Doer {
        bool winding = false;
        double closed_at = -1.0;
        bool wind_down(double) override {
            winding = true;
            return true;
        }
        bool recur(double tyme) override {
            if (winding) {
                closed_at = tyme;
                return true;  // done winding down
            }
            idle();
            return false;
        }
    } winder;
    hio::Doist doist{{.tock = 0.01, .real = true, .grace = 1.0}, {&winder}};
    asio::cancellation_signal cancel;
    std::optional<hio::RunEnd> end;
    hio::asio::async_run(io, doist, asio::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr, hio::RunEnd why) {
        end = why;
    }));
    asio::steady_timer later{io, std::chrono::milliseconds{30}};
    later.async_wait([&](std::error_code) { cancel.emit(asio::cancellation_type::terminal); });
    io.run();
    REQUIRE(end.has_value());
    CHECK(*end == hio::RunEnd::stopped);
    CHECK(winder.winding);
    CHECK(winder.closed_at >= 0.0);
}

TEST_CASE("An io_context destroyed mid-run closes the Doist's doers in hio's order", "[asio][run]") {
    hio_test::ExDoer first;
    hio_test::TryDoer second{1000};
    hio::Doist doist{{.tock = 0.01, .real = true}, {&first, &second}};
    {
        asio::io_context io;
        hio::asio::async_run(io, doist, [](std::exception_ptr, hio::RunEnd) { FAIL("the run cannot complete"); });
        io.run_for(std::chrono::milliseconds{25});
        // The application stops: its io_context goes away with the Doist's step pending.
    }
    CHECK_FALSE(doist.running());
    CHECK(doist.ended_by() == hio::RunEnd::stopped);
    CHECK(second.trace().find("close@") != std::string::npos);
    CHECK(second.trace().ends_with("(None," + std::to_string(second.log.count) + ")"));
    CHECK(first.trace().find("exit@") != std::string::npos);
}

TEST_CASE("async_run refuses a Doist whose sockets another loop would serve", "[asio][run]") {
    asio::io_context io;
    asio::io_context other;
    hio::asio::Context elsewhere{other};
    hio::Doer doer;
    hio::Doist doist{{.tock = 0.01, .real = true, .waiter = &elsewhere}, {&doer}};
    std::string message;
    hio::asio::async_run(io, doist, [&](std::exception_ptr error, hio::RunEnd) {
        try {
            std::rethrow_exception(error);
        } catch (const hio::Error& refused) {
            message = refused.what();
        }
    });
    io.run();
    CHECK(message.find("on another io_context") != std::string::npos);
    CHECK_FALSE(doist.running());
}
