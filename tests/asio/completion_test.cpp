// hio::asio::Completion: a doer waits for an Asio operation and sees its result in the very
// next pass; hio::asio::Context: the Doist's waits run Asio's handlers.
#include <chrono>
#include <ctime>
#include <system_error>
#include <thread>

#include <asio/steady_timer.hpp>

#include <hio/asio.hpp>
#include <hio/doist.hpp>

#include "catch.hpp"

namespace {

// Starts a timer in enter; idles until it fires; records when its recur saw it.
class TimerDoer : public hio::Doer {
public:
    TimerDoer(asio::io_context& io, std::chrono::milliseconds after) : timer_{io}, after_{after} {}

    std::chrono::steady_clock::time_point started{};
    std::chrono::steady_clock::time_point seen{};
    double seen_tyme = -1.0;
    int recurs = 0;
    std::error_code error{std::make_error_code(std::errc::timed_out)};

protected:
    void enter() override {
        started = std::chrono::steady_clock::now();
        timer_.expires_after(after_);
        timer_.async_wait(fired_.handler(*this));
    }
    bool recur(double tyme) override {
        ++recurs;
        if (!fired_.ready()) {
            idle();  // nothing to do until the timer's completion wakes it
            return false;
        }
        seen = std::chrono::steady_clock::now();
        seen_tyme = tyme;
        error = std::get<0>(fired_.take());
        return true;
    }
    void exit() noexcept override { timer_.cancel(); }

private:
    asio::steady_timer timer_;
    std::chrono::milliseconds after_;
    hio::asio::Completion<std::error_code> fired_;
};

}  // namespace

TEST_CASE("A doer sees an Asio timer's completion in the pass right after it fired, no pass wasted", "[asio][completion]") {
    hio::asio::Context context;
    TimerDoer doer{context.io(), std::chrono::milliseconds{40}};
    // A tock of 5 s: without the wake, the doer would next run 5 s later.
    hio::Doist doist{{.tock = 5.0, .limit = 20.0, .real = true, .waiter = &context}, {&doer}};
    const auto begin = std::chrono::steady_clock::now();
    doist.run();
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    CHECK(doist.ended_by() == hio::RunEnd::done);
    CHECK_FALSE(doer.error);
    CHECK(doer.recurs == 2);          // the first pass (idles), then the pass the completion woke:
                                      // no pass in between
    CHECK(doer.seen_tyme == 0.0);     // a wake pass, at the tyme of the pass just run
    CHECK(doer.seen - doer.started >= std::chrono::milliseconds{40});
    CHECK(doer.seen - doer.started < std::chrono::milliseconds{1000});
    CHECK(took < 1.0);
}

TEST_CASE("A Completion drops what comes for a superseded operation or after it was reset", "[asio][completion]") {
    asio::io_context io;
    hio::Doer doer;
    hio::asio::Completion<int> completion;
    CHECK_FALSE(completion.pending());
    CHECK_THROWS_WITH(completion.take(), "asio::Completion: take() called before the operation completed");
    auto first = completion.handler(doer);
    auto second = completion.handler(doer);  // a new operation supersedes the first
    CHECK(completion.pending());
    first(1);
    CHECK_FALSE(completion.ready());
    second(2);
    REQUIRE(completion.ready());
    CHECK(std::get<0>(completion.result()) == 2);
    CHECK(std::get<0>(completion.take()) == 2);
    CHECK_FALSE(completion.ready());
    auto third = completion.handler(doer);
    completion.reset();
    third(3);
    CHECK_FALSE(completion.ready());
    auto orphan = [&] {
        hio::asio::Completion<int> gone;
        return gone.handler(doer);
    }();
    orphan(4);  // the Completion is gone: nothing kept, nothing woken, no crash
}

TEST_CASE("A Doist waiting in a Context runs handlers posted from another thread and sleeps without work", "[asio][context]") {
    hio::asio::Context context;
    int ran = 0;
    struct Until : hio::Doer {
        int* count = nullptr;
        bool recur(double) override {
            idle();
            return *count == 3;
        }
    } doer;
    doer.count = &ran;
    hio::Doist doist{{.tock = 10.0, .limit = 30.0, .real = true, .waiter = &context}, {&doer}};
    std::thread poster{[&] {
        for (int k = 0; k < 3; ++k) {
            std::this_thread::sleep_for(std::chrono::milliseconds{20});
            asio::post(context.io(), [&] {
                ++ran;
                doer.wake();  // a handler on the Doist's thread may wake a doer
            });
        }
    }};
    const auto begin = std::chrono::steady_clock::now();
    doist.run();
    poster.join();
    CHECK(ran == 3);
    CHECK(doist.ended_by() == hio::RunEnd::done);
    CHECK(std::chrono::steady_clock::now() - begin < std::chrono::seconds{5});
    CHECK(doist.wake_passes() == 2);  // the third wake pass ended the run: it counts as its end
}

namespace completion_test {
// The CPU time this process used, in seconds (std::clock() is wall time on Windows).
double cpu_seconds() {
#if defined(_WIN32)
    FILETIME created{}, exited{}, kernel{}, user{};
    ::GetProcessTimes(::GetCurrentProcess(), &created, &exited, &kernel, &user);
    const auto ticks = [](const FILETIME& t) {
        return static_cast<double>((static_cast<unsigned long long>(t.dwHighDateTime) << 32) | t.dwLowDateTime);
    };
    return (ticks(kernel) + ticks(user)) / 1e7;
#else
    return static_cast<double>(std::clock()) / CLOCKS_PER_SEC;
#endif
}
}  // namespace completion_test

TEST_CASE("An idle Doist waiting in a Context with no Asio work sleeps: no spin", "[asio][context]") {
    hio::asio::Context context;
    hio::Doer idle;  // runs every tock, does nothing
    hio::Doist doist{{.tock = 0.1, .limit = 0.5, .real = true, .waiter = &context}, {&idle}};
    const double cpu_before = completion_test::cpu_seconds();
    doist.run();
    const double cpu = completion_test::cpu_seconds() - cpu_before;
    CHECK(doist.ended_by() == hio::RunEnd::limit);
    CHECK(doist.passes() == 5);
    CHECK(cpu < 0.05);  // half a second of waiting: a spinning wait would use all of it
}
