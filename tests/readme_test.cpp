// The README's code, compiled and run, so that the README cannot drift from the API.
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include <hio/core.hpp>

#include "catch.hpp"

namespace {

// README "A first program".
class Counter : public hio::Doer {
public:
    std::vector<double> seen;
    bool exited = false;

protected:
    void enter() override { count_ = 0; }
    bool recur(double tyme) override {
        seen.push_back(tyme);
        return ++count_ == 3;
    }
    void exit() noexcept override { exited = true; }

private:
    int count_ = 0;
};

// README "Writing a doer as a state machine".
class Blinker : public hio::Doer {
public:
    std::vector<std::string> leds;

protected:
    enum class Phase { on, off };
    void enter() override { step_.reset(Phase::on, tyme()); }
    bool recur(double tyme) override {
        switch (step_.state()) {
        case Phase::on:
            if (step_.first())
                led(true);
            if (step_.held(tyme) >= 0.5)
                step_.go(Phase::off, tyme);
            return false;
        case Phase::off:
            if (step_.first())
                led(false);
            if (step_.held(tyme) >= 0.25)
                step_.go(Phase::on, tyme);
            return false;
        }
        return true;
    }

private:
    void led(bool on) { leds.push_back((on ? "on@" : "off@") + std::to_string(tyme())); }
    hio::Stepper<Phase> step_{Phase::on};
};

// Fails on its second recur, for the README's failure policy snippet.
class Flaky : public hio::Doer {
protected:
    void enter() override { count_ = 0; }
    bool recur(double) override {
        if (++count_ == 2)
            throw std::runtime_error{"flaky"};
        return false;
    }

private:
    int count_ = 0;
};

}  // namespace

TEST_CASE("README: the first program counts to three in virtual time", "[readme]") {
    Counter counter;
    hio::Doist doist{{.tock = 0.25, .limit = 10.0}, {&counter}};
    doist.run();
    CHECK(counter.seen == std::vector<double>{0.0, 0.25, 0.5});
    CHECK(counter.exited);
    CHECK(doist.done());
}

TEST_CASE("README: the Stepper blinker alternates on and off", "[readme]") {
    Blinker blinker;
    hio::Doist doist{{.tock = 0.25, .limit = 2.0}, {&blinker}};
    doist.run();
    CHECK(blinker.leds == std::vector<std::string>{"on@0.000000", "off@0.750000", "on@1.000000",
                                                   "off@1.500000", "on@1.750000"});
}

TEST_CASE("README: the coroutine blinker wakes every 0.5 of tyme", "[readme]") {
    std::vector<double> blinks;
    hio::CoDoer blink{[&blinks](hio::CoDoer&) -> hio::Dog {
        for (int i = 0; i < 3; ++i) {
            double tyme = co_yield 0.5;
            blinks.push_back(tyme);
        }
        co_return true;
    }};
    hio::Doist doist{{.tock = 0.25, .limit = 10.0}, {&blink}};
    doist.run();
    CHECK(blinks == std::vector<double>{0.0, 0.5, 1.0});  // the first recur runs at the enter tyme
    CHECK(blink.done());
}

TEST_CASE("README: a restart policy re-enters a failing doer, then gives up", "[readme]") {
    Flaky reader;
    Counter writer;
    hio::DoDoer group{{.on_failure = hio::FailurePolicy::restart,
                       .restart = {.max_restarts = 3, .backoff = 1.0}},
                      {&reader, &writer}};
    hio::Doist doist{{.tock = 0.25, .limit = 60.0}, {&group}};
    CHECK_THROWS_WITH(doist.run(), "flaky");
    REQUIRE(group.failures().size() == 4);  // three restarts, then the fourth failure propagates
    CHECK(group.failures().front().what() == "flaky");
    CHECK(group.failures().front().tyme == 0.25);
}
