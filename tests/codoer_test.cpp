// CoDoer: coroutine doers (hio's doify/doize generator doers): scenarios S08, S10, S16 of
// hio-scenarios.md, and the same ordering as hand-written doers.
#include <stdexcept>
#include <string>
#include <vector>

#include <hio/codoer.hpp>
#include <hio/dodoer.hpp>
#include <hio/doist.hpp>

#include "catch.hpp"
#include "support/recording_doers.hpp"

using hio_test::ExDoer;
using hio_test::Journal;
using hio_test::LogDoer;
using hio_test::num;
using hio_test::Recorder;

namespace {

// hio's doifyExDo as a coroutine: records enter, recurs, close and exit; done after 4 recurs.
hio::Dog ex_do(hio::CoDoer& me, Recorder& log, double tock) {
    log.count = 0;
    log.add(me.tyme(), "enter", num(me.tyme()));
    struct ExitRecord {
        hio::CoDoer& me;
        Recorder& log;
        ~ExitRecord() {
            ++log.count;
            log.add(me.tyme(), "exit", "None");
        }
    } exit_record{me, log};
    try {
        for (;;) {
            const double tyme = co_yield tock;
            ++log.count;
            log.add(tyme, "recur", num(tyme));
            if (log.count > 3)
                break;
        }
    } catch (const hio::Closed&) {
        ++log.count;
        log.add(me.tyme(), "close", "None");
        throw;
    }
    co_return true;
}

struct ExCoDoer {
    Recorder log;
    hio::CoDoer doer;
    explicit ExCoDoer(double tock)
        : doer{[this, tock](hio::CoDoer& me) { return ex_do(me, log, tock); }, tock} {}
};

}  // namespace

TEST_CASE("S08: coroutine doers record the same lifecycle as Doer subclasses", "[codoer][scenario]") {
    ExCoDoer gf0{0.03125};
    ExCoDoer gf1{0.0625};
    ExCoDoer gf2{0.0625};
    CHECK(gf0.doer.done_state() == std::nullopt);
    hio::Doist doist{{.tock = 0.03125, .limit = 0.125}};
    doist.run({&gf0.doer, &gf1.doer, &gf2.doer});
    CHECK(gf0.doer.done_state() == true);
    CHECK(gf1.doer.done_state() == false);
    CHECK(gf2.doer.done_state() == false);
    CHECK(gf0.log.joined() == "enter@0(0,0) recur@0(0,1) recur@0.03125(0.03125,2) recur@0.0625(0.0625,3) "
                              "recur@0.09375(0.09375,4) exit@0.09375(None,5)");
    const char* slow = "enter@0(0,0) recur@0(0,1) recur@0.0625(0.0625,2) close@0.125(None,3) exit@0.125(None,4)";
    CHECK(gf1.log.joined() == slow);
    CHECK(gf2.log.joined() == slow);

    // Run again: a fresh coroutine is made, as hio makes a fresh generator.
    gf0.log = {};
    doist.tyme(0.0);
    doist.run({&gf0.doer});
    CHECK(gf0.doer.done());
    CHECK(gf0.log.records.size() == 6);
}

TEST_CASE("S10: a coroutine doer yields its own tocks and may finish with false", "[codoer][scenario]") {
    std::vector<double> seen;
    hio::CoDoer counter{[&](hio::CoDoer&) -> hio::Dog {
        for (double count = 0;; ++count) {
            seen.push_back(co_yield count);  // yields 0, 1, 2, 3: not its tock
            if (count >= 3)
                co_return false;
        }
    }};
    hio::Tymist tymist{0.0, 0.125};
    REQUIRE(counter.begin(tymist));
    CHECK(counter.send(0.0) == 1.0);
    CHECK(counter.send(0.125) == 2.0);
    CHECK(counter.send(0.25) == 3.0);
    CHECK(counter.send(0.375) == std::nullopt);
    CHECK(counter.done_state() == false);  // finished, with a false result
    CHECK(seen == std::vector<double>{0.0, 0.125, 0.25, 0.375});
}

TEST_CASE("A coroutine doer's exception propagates, its locals are destroyed", "[codoer]") {
    bool destroyed = false;
    hio::CoDoer failing{[&](hio::CoDoer&) -> hio::Dog {
        struct Guard {
            bool& flag;
            ~Guard() { flag = true; }
        } guard{destroyed};
        co_yield 0.0;
        throw std::runtime_error{"coroutine failed"};
    }};
    hio::Doist doist{{.tock = 1.0, .limit = 5.0}};
    CHECK_THROWS_WITH(doist.run({&failing}), "coroutine failed");
    CHECK(destroyed);
    CHECK(failing.done_state() == false);
}

TEST_CASE("S16: tock 0.2 accumulates in doubles, deciding passes exactly as in hio", "[codoer][scenario]") {
    for (const bool nested : {false, true}) {
        int ax = 0;
        int bx = 0;
        hio::CoDoer a{[&](hio::CoDoer&) -> hio::Dog {
                          ax = 1;
                          while (ax <= 3) {
                              co_yield 0.2;
                              ++ax;
                          }
                          co_return true;
                      },
                      0.2};
        hio::CoDoer b{[&](hio::CoDoer&) -> hio::Dog {
                          bx = 1;
                          for (;;) {
                              co_yield 0.2;
                              ++bx;
                          }
                      },
                      0.2};
        hio::DoDoer holder_a{{}, {}};
        hio::DoDoer holder_b{{}, {}};
        hio::Doist first{{.limit = 1.0}};
        if (nested) {
            holder_a.extend({&a});
            first.run({&holder_a});
        } else {
            first.run({&a});
        }
        CHECK(ax == 4);
        CHECK(a.done());
        CHECK(first.tyme() == 0.4375);

        hio::Doist second{{.limit = 1.0}};
        if (nested) {
            holder_b.extend({&b});
            second.run({&holder_b});
        } else {
            second.run({&b});
        }
        CHECK(bx == 6);  // the pass at 0.625 runs because 0.2+0.2+0.2 <= 0.625
        CHECK(b.done_state() == false);
        CHECK(second.tyme() == 1.0);
    }
}

TEST_CASE("Coroutine and hand-written doers interleave in one deterministic order", "[codoer]") {
    const auto program = [](bool coroutines) {
        Journal journal;
        std::vector<std::unique_ptr<hio::Doer>> doers;
        std::vector<hio::Doer*> list;
        for (int i = 0; i < 4; ++i) {
            const std::string name = "d" + std::to_string(i);
            const double tock = 0.25 * i;
            if (coroutines && i % 2 == 1) {
                doers.push_back(std::make_unique<hio::CoDoer>(
                    [&journal, name, tock, i](hio::CoDoer& me) -> hio::Dog {
                        journal.add(name, "enter", me.tyme());
                        try {
                            for (int n = 1;; ++n) {
                                const double tyme = co_yield tock;
                                journal.add(name, "recur", tyme);
                                if (n >= 2 + i) {
                                    journal.add(name, "clean", tyme);
                                    break;
                                }
                            }
                        } catch (const hio::Closed&) {
                            journal.add(name, "close", me.tyme());
                            journal.add(name, "exit", me.tyme());
                            throw;
                        }
                        journal.add(name, "exit", me.tyme());
                        co_return true;
                    },
                    tock));
            } else {
                doers.push_back(std::make_unique<LogDoer>(journal, name, hio_test::LogPlan{.stop = 2 + i}, tock));
            }
            list.push_back(doers.back().get());
        }
        hio::Doist doist{{.tock = 0.125, .limit = 3.0}};
        doist.run(list);
        return journal.joined();
    };
    CHECK(program(true) == program(false));
}
