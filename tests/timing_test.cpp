// Timer and MonoTimer (hio: help/timing), on a clock the test moves by hand: nothing sleeps.
#include <limits>
#include <string>

#include <hio/timing.hpp>

#include "catch.hpp"

namespace {

struct HandClock {
    double now = 1000.0;
    hio::Clock clock() {
        return [this] { return now; };
    }
};

}  // namespace

TEST_CASE("A Timer tells elapsed, remaining and expired from its clock", "[timing]") {
    HandClock hand;
    hio::Timer timer{2.0, std::nullopt, hand.clock()};
    CHECK(timer.duration() == 2.0);
    CHECK(timer.started_at() == 1000.0);
    CHECK(timer.elapsed() == 0.0);
    CHECK(timer.remaining() == 2.0);
    CHECK_FALSE(timer.expired());
    hand.now = 1001.5;
    CHECK(timer.elapsed() == 1.5);
    CHECK(timer.remaining() == 0.5);
    CHECK_FALSE(timer.expired());
    hand.now = 1002.0;
    CHECK(timer.expired());
    hand.now = 1003.0;
    CHECK(timer.remaining() == -1.0);
}

TEST_CASE("Timer::restart starts where the last period stopped, so no time is lost", "[timing]") {
    HandClock hand;
    hio::Timer timer{2.0, std::nullopt, hand.clock()};
    hand.now = 1002.5;  // noticed late
    CHECK(timer.restart() == 1002.0);
    CHECK(timer.remaining() == 1.5);
    CHECK(timer.restart(5.0) == 1004.0);
    CHECK(timer.duration() == 5.0);
    CHECK(timer.stops_at() == 1009.0);
    CHECK(timer.start() == 1002.5);  // start: from now, same duration
    CHECK(timer.stops_at() == 1007.5);
    CHECK(timer.start(1.0, 990.0) == 990.0);
    CHECK(timer.expired());
}

TEST_CASE("A Timer follows its clock backwards, a MonoTimer moves its span back instead", "[timing]") {
    HandClock hand;
    hio::Timer plain{10.0, std::nullopt, hand.clock()};
    hio::MonoTimer mono{10.0, std::nullopt, true, hand.clock()};
    hand.now = 1004.0;
    CHECK(plain.elapsed() == 4.0);
    CHECK(mono.elapsed() == 4.0);
    hand.now = 994.0;  // the clock is set back by 10 s
    CHECK(plain.elapsed() == -6.0);
    CHECK(mono.elapsed() == 4.0);  // the lost 10 s are not counted
    CHECK(mono.started_at() == 990.0);
    CHECK(mono.remaining() == 6.0);
    hand.now = 1000.0;
    CHECK(mono.elapsed() == 10.0);
    CHECK(mono.expired());
}

TEST_CASE("A MonoTimer with retro off throws RetroTimerError saying how far the clock went back", "[timing]") {
    HandClock hand;
    hio::MonoTimer mono{10.0, std::nullopt, false, hand.clock()};
    CHECK_FALSE(mono.retro());
    hand.now = 1003.0;
    CHECK(mono.elapsed() == 3.0);
    hand.now = 1001.0;
    try {
        static_cast<void>(mono.expired());
        FAIL("no RetroTimerError");
    } catch (const hio::RetroTimerError& error) {
        CHECK(error.by() == -2.0);
        CHECK(std::string{error.what()} ==
              "hio::MonoTimer: the clock went back by 2 s while the timer was running");
    }
    // A new start reads the clock again: the retrograde before it is not charged to it.
    hand.now = 1000.0;
    mono.start();
    hand.now = 1001.0;
    CHECK(mono.elapsed() == 1.0);
    const hio::TimerError& as_base = hio::RetroTimerError{-1.0};
    CHECK(dynamic_cast<const hio::Error*>(&as_base) != nullptr);
}

TEST_CASE("Timers refuse a negative or non-finite duration or start, and an empty clock", "[timing]") {
    HandClock hand;
    CHECK_THROWS_AS(hio::Timer(-1.0, std::nullopt, hand.clock()), hio::ValidationError);
    CHECK_THROWS_AS(hio::Timer(std::numeric_limits<double>::infinity(), std::nullopt, hand.clock()), hio::ValidationError);
    CHECK_THROWS_AS(hio::MonoTimer(1.0, std::numeric_limits<double>::quiet_NaN(), true, hand.clock()), hio::ValidationError);
    CHECK_THROWS_AS(hio::Timer(1.0, std::nullopt, hio::Clock{}), hio::ValidationError);
    hio::Timer timer{1.0, std::nullopt, hand.clock()};
    CHECK_THROWS_AS(timer.start(-2.0), hio::ValidationError);
    CHECK(timer.duration() == 1.0);  // unchanged by the refused start
}

TEST_CASE("The default clocks are the system's wall clock and the steady clock", "[timing]") {
    const double wall = hio::system_seconds();
    CHECK(wall > 1.7e9);  // after 2023
    hio::Timer timer{60.0};
    CHECK(timer.elapsed() >= 0.0);
    CHECK(timer.elapsed() < 5.0);
    CHECK_FALSE(timer.expired());
    const double a = hio::steady_seconds();
    CHECK(hio::steady_seconds() >= a);
    hio::MonoTimer mono{60.0, std::nullopt, true, hio::steady_seconds};
    CHECK(mono.remaining() > 55.0);
}
