// DoDoer: scenarios S07, S11, S12, S13 of hio-scenarios.md, hio's nested close and abort order,
// and the failure policies that go beyond hio.
#include <stdexcept>
#include <vector>

#include <hio/dodoer.hpp>
#include <hio/doist.hpp>

#include "catch.hpp"
#include "support/recording_doers.hpp"

using hio_test::ExDoer;
using hio_test::Journal;
using hio_test::LogDoDoer;
using hio_test::LogDoer;
using hio_test::TryDoer;

namespace {

template <class... D>
std::vector<std::optional<bool>> dones(const D&... doers) {
    return {doers.done_state()...};
}

std::string recur_tymes(const ExDoer& doer) {
    std::string out;
    for (const auto& record : doer.log.records)
        if (record.rfind("recur@", 0) == 0 || record.rfind("exit@", 0) == 0 || record.rfind("close@", 0) == 0)
            out += (out.empty() ? "" : " ") + record.substr(0, record.find('('));
    return out;
}

}  // namespace

TEST_CASE("S07: nested DoDoers run their doers only when they run themselves", "[dodoer][scenario]") {
    ExDoer d0{0.0};
    ExDoer d1{0.0625};
    ExDoer d2{0.0};
    ExDoer d3{0.125};
    hio::DoDoer a{{.tock = 0.0}, {&d0, &d1}};
    hio::DoDoer b{{.tock = 0.0625}, {&d2, &d3}};
    hio::Doist doist{{.tock = 0.03125, .limit = 0.25}};
    doist.run({&a, &b});
    CHECK(doist.tyme() == 0.25);
    CHECK(a.done());
    CHECK(b.done_state() == false);
    CHECK(dones(d0, d1, d2, d3) == std::vector<std::optional<bool>>{true, true, true, false});
    CHECK(recur_tymes(d0) == "recur@0 recur@0.03125 recur@0.0625 recur@0.09375 exit@0.09375");
    CHECK(recur_tymes(d1) == "recur@0 recur@0.0625 recur@0.125 recur@0.1875 exit@0.1875");
    CHECK(recur_tymes(d2) == "recur@0 recur@0.0625 recur@0.125 recur@0.1875 exit@0.1875");
    CHECK(recur_tymes(d3) == "recur@0 recur@0.125 close@0.25 exit@0.25");
}

TEST_CASE("S11: an empty DoDoer yields once, then finishes", "[dodoer][scenario]") {
    hio::Tymist tymist;
    hio::DoDoer empty;
    CHECK(empty.begin(tymist));
    CHECK(empty.done_state() == false);
    CHECK(empty.send(tymist.tyme()) == std::nullopt);
    CHECK(empty.done());
}

TEST_CASE("S12: always keeps a DoDoer alive across runs, and extend adds running doers",
          "[dodoer][scenario]") {
    TryDoer t0{1};
    TryDoer t1{2};
    TryDoer t2{3};
    hio::DoDoer dd{{.tock = 1.0}, {&t0, &t1, &t2}};
    hio::Doist doist{{.tock = 1.0, .limit = 5.0}, {&dd}};

    doist.run();
    CHECK(doist.tyme() == 4.0);
    CHECK(dd.done());
    CHECK(dones(t0, t1, t2) == std::vector<std::optional<bool>>{true, true, true});
    CHECK(dd.deed_count() == 0);

    doist.limit(2.0);
    doist.run();
    CHECK(doist.tyme() == 6.0);
    CHECK(dd.done_state() == false);
    CHECK(dones(t0, t1, t2) == std::vector<std::optional<bool>>{true, false, false});

    dd.always(true);
    doist.limit(5.0);
    doist.run();
    CHECK(doist.tyme() == 11.0);
    CHECK(dd.done_state() == false);
    CHECK(dones(t0, t1, t2) == std::vector<std::optional<bool>>{true, true, true});
    CHECK(dd.deed_count() == 0);

    doist.limit(2.0);
    doist.run();
    CHECK(doist.tyme() == 13.0);
    CHECK(dones(t0, t1, t2) == std::vector<std::optional<bool>>{true, false, false});

    doist.enter();
    doist.recur();
    doist.recur();
    CHECK(doist.tyme() == 15.0);
    CHECK(dd.done_state() == false);
    CHECK(dd.deed_count() == 2);

    TryDoer t3{1};
    TryDoer t4{2};
    dd.extend({&t3, &t4});
    const auto deeds = dd.deeds();
    REQUIRE(deeds.size() == 4);
    CHECK(deeds[0].doer == &t1);
    CHECK(deeds[1].doer == &t2);
    CHECK(deeds[2].doer == &t3);
    CHECK(deeds[3].doer == &t4);
    CHECK(dd.doers().size() == 5);

    doist.recur();
    doist.recur();
    CHECK(doist.tyme() == 17.0);
    CHECK(dones(t0, t1, t2, t3, t4) == std::vector<std::optional<bool>>{true, true, true, true, false});
    CHECK(dd.deed_count() == 1);

    doist.exit();
    CHECK(dd.done_state() == false);
    CHECK(t4.done_state() == false);
    CHECK(dd.deed_count() == 0);
    CHECK(t4.trace() ==
          "enter@15(\"Default\",0) recur@15(15,1) recur@16(16,2) close@17(None,3) exit@17(None,4)");
}

TEST_CASE("S13: remove closes running doers of a DoDoer, and of a Doist alike", "[dodoer][scenario]") {
    SECTION("on a DoDoer") {
        TryDoer t0{1}, t1{2}, t2{3}, t3{2}, t4{3};
        hio::DoDoer dd{{.tock = 1.0, .always = true}, {&t0, &t1, &t2, &t3, &t4}};
        hio::Doist doist{{.tock = 1.0}, {&dd}};
        doist.enter();
        doist.recur();
        doist.recur();
        CHECK(doist.tyme() == 2.0);
        CHECK(dones(t0, t1, t2, t3, t4) == std::vector<std::optional<bool>>{true, false, false, false, false});
        CHECK(dd.deed_count() == 4);

        dd.remove({&t0, &t1, &t3});
        CHECK(dd.doers() == std::vector<hio::Doer*>{&t2, &t4});
        const auto deeds = dd.deeds();
        REQUIRE(deeds.size() == 2);
        CHECK(deeds[0].doer == &t2);
        CHECK(deeds[1].doer == &t4);
        CHECK(t1.trace() == "enter@0(\"Default\",0) recur@0(0,1) recur@1(1,2) close@2(None,3) exit@2(None,4)");

        doist.recur();
        doist.recur();
        CHECK(doist.tyme() == 4.0);
        CHECK(dd.done());  // no deeds left, although always keeps it running
        CHECK(doist.done_state() == std::nullopt);
        CHECK(dones(t0, t1, t2, t3, t4) == std::vector<std::optional<bool>>{true, false, true, false, true});
        CHECK(dd.deed_count() == 0);
        doist.exit();
    }
    SECTION("on a Doist") {
        TryDoer t0{1}, t1{2}, t2{3}, t3{2}, t4{3};
        hio::Doist doist{{.tock = 1.0}, {&t0, &t1, &t2, &t3, &t4}};
        doist.enter();
        doist.recur();
        doist.recur();
        doist.remove({&t0, &t1, &t3});
        CHECK(doist.doers() == std::vector<hio::Doer*>{&t2, &t4});
        doist.recur();
        doist.recur();
        CHECK(doist.tyme() == 4.0);
        CHECK(dones(t0, t1, t2, t3, t4) == std::vector<std::optional<bool>>{true, false, true, false, true});
        CHECK(doist.deed_count() == 0);
    }
}

TEST_CASE("A forced close of a DoDoer closes its doers inside its own exit, in reverse",
          "[dodoer][lifecycle]") {
    Journal journal;
    LogDoer c1{journal, "c1"};
    LogDoer c2{journal, "c2"};
    LogDoDoer p{journal, "p", {&c1, &c2}};
    LogDoer z{journal, "z"};
    hio::Doist doist{{.tock = 1.0, .limit = 1.0}};
    doist.run({&p, &z});
    CHECK(journal.joined() == "p enter@0, c1 enter@0, c2 enter@0, z enter@0, c1 recur@0, c2 recur@0, "
                              "p recur@0, z recur@0, z close@1, z exit@1, p close@1, p exit@1, "
                              "c2 close@1, c2 exit@1, c1 close@1, c1 exit@1");
}

TEST_CASE("An exception in a nested doer aborts it and its DoDoer, closing the rest in hio's order",
          "[dodoer][lifecycle]") {
    Journal journal;
    LogDoer c1{journal, "c1"};
    LogDoer c2{journal, "c2", {.raise_at = 2}};
    LogDoer c3{journal, "c3"};
    LogDoDoer p{journal, "p", {&c1, &c2, &c3}};
    LogDoer z{journal, "z"};
    hio::Doist doist{{.tock = 1.0, .limit = 5.0}};
    CHECK_THROWS_WITH(doist.run({&p, &z}), "c2 failed");
    CHECK(journal.joined() ==
          "p enter@0, c1 enter@0, c2 enter@0, c3 enter@0, z enter@0, "
          "c1 recur@0, c2 recur@0, c3 recur@0, p recur@0, z recur@0, "
          "c1 recur@1, c2 recur@1, c2 abort@1, c2 exit@1, p abort@1, p exit@1, "
          "c1 close@1, c1 exit@1, c3 close@1, c3 exit@1, z close@1, z exit@1");
}

TEST_CASE("isolate: a failing doer is dropped and recorded while its siblings go on", "[dodoer][policy]") {
    Journal journal;
    LogDoer a{journal, "a", {.stop = 3}};
    LogDoer b{journal, "b", {.raise_at = 2}};
    LogDoer c{journal, "c", {.stop = 3}};
    hio::DoDoer dd{{.on_failure = hio::FailurePolicy::isolate}, {&a, &b, &c}};
    hio::Doist doist{{.tock = 1.0, .limit = 10.0}, {&dd}};
    doist.run();
    CHECK(doist.done());
    CHECK(a.done());
    CHECK(c.done());
    CHECK(b.done_state() == false);
    REQUIRE(dd.failures().size() == 1);
    CHECK(dd.failures()[0].doer == &b);
    CHECK(dd.failures()[0].what() == "b failed");
    CHECK(dd.failures()[0].tyme == 1.0);
    CHECK(journal.joined() == "a enter@0, b enter@0, c enter@0, a recur@0, b recur@0, c recur@0, "
                              "a recur@1, b recur@1, b abort@1, b exit@1, c recur@1, "
                              "a recur@2, a clean@2, a exit@2, c recur@2, c clean@2, c exit@2");
}

TEST_CASE("isolate also absorbs a failing enter", "[dodoer][policy]") {
    Journal journal;
    LogDoer a{journal, "a", {.stop = 1}};
    LogDoer b{journal, "b", {.raise_in_enter = true}};
    hio::DoDoer dd{{.on_failure = hio::FailurePolicy::isolate}, {&a, &b}};
    hio::Doist doist{{.tock = 1.0, .limit = 10.0}, {&dd}};
    doist.run();
    CHECK(doist.done());
    REQUIRE(dd.failures().size() == 1);
    CHECK(dd.failures()[0].what() == "b failed in enter");
}

TEST_CASE("restart: a failing doer is re-entered after a growing back-off, then the failure propagates",
          "[dodoer][policy]") {
    Journal journal;
    LogDoer b{journal, "b", {.raise_at = 2}};
    hio::DoDoer dd{{.on_failure = hio::FailurePolicy::restart,
                    .restart = {.max_restarts = 2, .backoff = 1.0, .factor = 2.0, .max_backoff = 10.0}},
                   {&b}};
    hio::Doist doist{{.tock = 1.0, .limit = 100.0}, {&dd}};
    CHECK_THROWS_WITH(doist.run(), "b failed");
    CHECK(journal.joined() == "b enter@0, b recur@0, b recur@1, b abort@1, b exit@1, "
                              "b enter@2, b recur@2, b recur@3, b abort@3, b exit@3, "
                              "b enter@5, b recur@5, b recur@6, b abort@6, b exit@6");
    REQUIRE(dd.failures().size() == 3);
    CHECK(dd.failures()[0].restarts == 0);
    CHECK(dd.failures()[2].restarts == 2);
    CHECK(dd.failures()[2].tyme == 6.0);
}

TEST_CASE("restart: a doer removed and extended again gets a fresh restart budget", "[dodoer][policy]") {
    Journal journal;
    LogDoer b{journal, "b", {.raise_at = 2}};
    hio::DoDoer dd{{.on_failure = hio::FailurePolicy::restart, .restart = {.max_restarts = 1, .backoff = 1.0}}, {&b}};
    // Once b failed and was restarted, it is removed and extended again.
    struct Replace : hio::Doer {
        hio::DoDoer& dd;
        hio::Doer& b;
        bool done_once = false;
        Replace(hio::DoDoer& d, hio::Doer& child) : dd{d}, b{child} {}
        bool recur(double) override {
            if (!done_once && !dd.failures().empty() && b.running()) {
                dd.remove({&b});
                dd.extend({&b});
                done_once = true;
            }
            return false;
        }
    } replace{dd, b};
    hio::Doist doist{{.tock = 1.0, .limit = 100.0}, {&dd, &replace}};
    CHECK_THROWS_WITH(doist.run(), "b failed");
    REQUIRE(dd.failures().size() == 3);
    CHECK(dd.failures()[0].restarts == 0);
    CHECK(dd.failures()[1].restarts == 0);  // counted afresh after the remove
    CHECK(dd.failures()[2].restarts == 1);  // then the budget of one ran out
}

TEST_CASE("DoDoer rejects a bad tock or restart policy", "[dodoer]") {
    CHECK_THROWS_WITH(hio::DoDoer({.tock = -1.0}, {}), "Doer: tock must be finite and >= 0, got -1");
    CHECK_THROWS_AS(hio::DoDoer({.restart = {.factor = 0.5}}, {}), hio::ValidationError);
    CHECK_THROWS_AS(hio::DoDoer({.restart = {.backoff = -1.0}}, {}), hio::ValidationError);
}

TEST_CASE("A DoDoer winds down its doers on a graceful stop", "[dodoer][shutdown]") {
    Journal journal;
    LogDoer quick{journal, "quick"};
    hio::DoDoer dd{{.always = true}, {&quick}};
    hio::Doist doist{{.tock = 1.0, .limit = 50.0, .grace = 5.0}, {&dd}};
    class Stop : public hio::Doer {
    public:
        explicit Stop(hio::Doist& d) : doist_{d} {}

    protected:
        bool recur(double tyme) override {
            if (tyme >= 2.0)
                doist_.request_stop();
            return false;
        }

    private:
        hio::Doist& doist_;
    } stop{doist};
    doist.extend({&stop});
    doist.run();
    // quick does not need time: it is closed at once, and the always DoDoer is closed with it.
    CHECK(doist.tyme() == 3.0);
    CHECK(journal.lines.back() == "quick exit@3");
}
