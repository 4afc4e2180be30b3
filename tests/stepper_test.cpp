// Stepper: the helper for hand-written state-machine doers.
#include <string>
#include <vector>

#include <hio/doist.hpp>
#include <hio/stepper.hpp>

#include "catch.hpp"

namespace {

// Blinks: on for 0.5, off for 0.25, three times, as a newcomer would write it.
class Blinker : public hio::Doer {
public:
    std::vector<std::string> events;

protected:
    enum class Phase { on, off };

    void enter() override {
        step_.reset(Phase::on, tyme());
        blinks_ = 0;
    }

    bool recur(double tyme) override {
        switch (step_.state()) {
        case Phase::on:
            if (step_.first())
                events.push_back("on@" + std::to_string(tyme));
            if (step_.held(tyme) >= 0.5)
                step_.go(Phase::off, tyme);
            return false;
        case Phase::off:
            if (step_.first())
                events.push_back("off@" + std::to_string(tyme));
            if (step_.held(tyme) >= 0.25) {
                if (++blinks_ == 3)
                    return true;
                step_.go(Phase::on, tyme);
            }
            return false;
        }
        return true;
    }

private:
    hio::Stepper<Phase> step_{Phase::on};
    int blinks_ = 0;
};

}  // namespace

TEST_CASE("Stepper drives a readable state-machine doer through timed states", "[stepper]") {
    Blinker blinker;
    hio::Doist doist{{.tock = 0.25, .limit = 10.0}, {&blinker}};
    doist.run();
    CHECK(blinker.done());
    // A state's entry action runs on the first recur after go(); held() counts from go().
    CHECK(blinker.events == std::vector<std::string>{"on@0.000000", "off@0.750000", "on@1.000000",
                                                     "off@1.500000", "on@1.750000", "off@2.250000"});
    CHECK(doist.tyme() == 2.5);  // done in the pass at 2.25, then one tick
}

TEST_CASE("Stepper reports first entry once per state and time held", "[stepper]") {
    enum class S { a, b };
    hio::Stepper<S> step{S::a, 1.0};
    CHECK(step.at(S::a));
    CHECK(step.first());
    CHECK_FALSE(step.first());
    CHECK(step.held(1.5) == 0.5);
    step.go(S::a, 2.0);  // re-entering the same state counts as fresh
    CHECK(step.first());
    CHECK(step.since() == 2.0);
    CHECK_THROWS_AS(step.go(S::b, std::numeric_limits<double>::quiet_NaN()), hio::ValidationError);
}
