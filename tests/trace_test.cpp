// hio::Tracer: a Doist reports every pass and every doer it runs, at any depth, in order.
#include <chrono>
#include <string>
#include <vector>

#include <hio/dodoer.hpp>
#include <hio/doist.hpp>
#include <hio/trace.hpp>

#include "catch.hpp"
#include "support/recording_doers.hpp"

namespace {
class Log final : public hio::Tracer {
public:
    std::vector<std::string> lines;
    std::uint32_t next = 0;

    void pass(double tyme) noexcept override { lines.push_back("pass@" + hio_test::num(tyme)); }
    void ran(hio::Doer& doer, double tyme, bool entering) noexcept override {
        if (entering)
            doer.trace_id(++next);
        lines.push_back((entering ? "enter#" : "run#") + std::to_string(doer.trace_id()) + "@" +
                        hio_test::num(tyme));
    }
};
}  // namespace

TEST_CASE("A Tracer hears each pass and each doer run, children inside their DoDoer", "[trace][doist]") {
    hio_test::ExDoer first{0.0};   // done after 4 recurs
    hio_test::ExDoer child{0.0};
    hio::DoDoer parent{{}, {&child}};
    Log log;
    hio::Doist doist{{.tock = 0.5, .limit = 1.0}, {&first, &parent}};
    doist.tracer(&log);
    doist.run();
    const std::vector<std::string> expected{
        "enter#1@0", "enter#2@0", "enter#3@0",                  // first, parent, then its child
        "pass@0",   "run#1@0",   "run#2@0",   "run#3@0",         // the child runs inside its parent
        "pass@0.5", "run#1@0.5", "run#2@0.5", "run#3@0.5",
    };
    CHECK(log.lines == expected);
}

TEST_CASE("Without a Tracer nothing is reported and trace ids stay 0", "[trace][doist]") {
    hio_test::ExDoer doer{0.0};
    hio::Doist doist{{.tock = 1.0}, {&doer}};
    doist.run();
    CHECK(doist.tracer() == nullptr);
    CHECK(doer.trace_id() == 0);
}

TEST_CASE("wall_time is the epoch plus tyme: fixed in virtual time, the system clock in real time",
          "[trace][tymist][doist]") {
    hio::Tymist tymist{10.0};
    CHECK(tymist.wall_time() == hio::Tymist::virtual_epoch + 10.0);
    tymist.epoch(1000.0);
    CHECK(tymist.wall_time() == 1010.0);
    CHECK_THROWS_AS(tymist.epoch(std::numeric_limits<double>::quiet_NaN()), hio::ValidationError);

    hio::Doist replay{{.tock = 1.0, .epoch = 1700000000.0}};
    CHECK(replay.wall_time() == 1700000000.0);

    hio_test::ExDoer doer{0.0};
    hio::Doist real{{.tock = 0.001, .real = true, .handle_signals = false}, {&doer}};
    real.run();
    const double now =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    CHECK(real.wall_time() <= now + 0.001);
    CHECK(real.wall_time() > now - 1.0);  // the run took a few ms; tyme follows the wall clock
}
