// Doist: scenarios S03-S06, S14, S15 of hio-scenarios.md and the lifecycle-ordering rules of
// hio-spec.md section 3 (exceptions, interrupts, limits, shutdown).
#include <chrono>
#include <limits>
#include <csignal>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#if defined(_WIN32)
#include <hio/detail/signals.hpp>
#else
#include <signal.h>
#endif

#include <hio/detail/scheduler.hpp>
#include <hio/doist.hpp>

#include "catch.hpp"
#include "support/recording_doers.hpp"

using hio_test::ExDoer;
using hio_test::Journal;
using hio_test::LogDoer;
using hio_test::TryDoer;

namespace {

std::vector<double> retymes(const hio::Doist& doist) {
    std::vector<double> out;
    for (const auto& deed : doist.deeds())
        out.push_back(deed.retyme);
    return out;
}

std::vector<std::optional<bool>> dones(const std::vector<ExDoer*>& doers) {
    std::vector<std::optional<bool>> out;
    for (const auto* doer : doers)
        out.push_back(doer->done_state());
    return out;
}

}  // namespace

TEST_CASE("S03: manual enter and recur run each doer at its own cumulative tock", "[doist][scenario]") {
    hio::Doist doist{{.tock = 0.25}};
    ExDoer d0{0.25};
    ExDoer d1{0.5};
    doist.extend({&d0, &d1});
    doist.enter();
    CHECK(retymes(doist) == std::vector<double>{0.0, 0.0});
    CHECK(d0.done_state() == false);
    CHECK(d1.done_state() == false);

    struct Row {
        double tyme;
        std::vector<double> retymes;
        bool done0, done1;
    };
    const std::vector<Row> rows{{0.25, {0.25, 0.5}, false, false}, {0.5, {0.5, 0.5}, false, false},
                                {0.75, {0.75, 1.0}, false, false}, {1.0, {1.0}, true, false},
                                {1.25, {1.5}, true, false},        {1.5, {1.5}, true, false},
                                {1.75, {}, true, true}};
    for (const Row& row : rows) {
        doist.recur();
        CHECK(doist.tyme() == row.tyme);
        CHECK(retymes(doist) == row.retymes);
        CHECK(d0.done() == row.done0);
        CHECK(d1.done() == row.done1);
    }
    CHECK(d0.trace() == "enter@0(0,0) recur@0(0,1) recur@0.25(0.25,2) recur@0.5(0.5,3) recur@0.75(0.75,4) "
                        "exit@0.75(None,5)");
    CHECK(d1.trace() == "enter@0(0,0) recur@0(0,1) recur@0.5(0.5,2) recur@1(1,3) recur@1.5(1.5,4) "
                        "exit@1.5(None,5)");
}

TEST_CASE("S04: run stops at the limit after the tick and closes the slower doer there", "[doist][scenario]") {
    hio::Doist doist{{.tock = 0.03125}};
    ExDoer d0{0.03125};
    ExDoer d1{0.0625};
    CHECK(d0.done_state() == std::nullopt);
    CHECK(doist.done_state() == std::nullopt);
    doist.limit(0.125);
    doist.run({&d0, &d1});
    CHECK(doist.tyme() == 0.125);
    CHECK(doist.done_state() == false);
    CHECK(d0.done_state() == true);
    CHECK(d1.done_state() == false);
    CHECK(doist.deed_count() == 0);
    CHECK(d0.trace() == "enter@0(0,0) recur@0(0,1) recur@0.03125(0.03125,2) recur@0.0625(0.0625,3) "
                        "recur@0.09375(0.09375,4) exit@0.09375(None,5)");
    CHECK(d1.trace() == "enter@0(0,0) recur@0(0,1) recur@0.0625(0.0625,2) close@0.125(None,3) "
                        "exit@0.125(None,4)");
}

TEST_CASE("S05: doers that finish on the last pass make the run done despite the limit", "[doist][scenario]") {
    ExDoer d0;
    ExDoer d1;
    hio::Doist doist{{.tock = 0.03125, .limit = 0.125}};
    doist.run({&d0, &d1});
    CHECK(doist.tyme() == 0.125);
    CHECK(doist.done());
    CHECK(dones({&d0, &d1}) == std::vector<std::optional<bool>>{true, true});
    const char* expected = "enter@0(0,0) recur@0(0,1) recur@0.03125(0.03125,2) recur@0.0625(0.0625,3) "
                           "recur@0.09375(0.09375,4) exit@0.09375(None,5)";
    CHECK(d0.trace() == expected);
    CHECK(d1.trace() == expected);
}

TEST_CASE("S05: a low limit closes asap doers before they finish", "[doist][scenario]") {
    ExDoer d0;
    ExDoer d1;
    hio::Doist doist{{.tock = 0.03125, .limit = 0.0625}};
    doist.run({&d0, &d1});
    CHECK(doist.tyme() == 0.0625);
    CHECK(doist.done_state() == false);
    CHECK(dones({&d0, &d1}) == std::vector<std::optional<bool>>{false, false});
    CHECK(d0.trace() == "enter@0(0,0) recur@0(0,1) recur@0.03125(0.03125,2) close@0.0625(None,3) "
                        "exit@0.0625(None,4)");
}

TEST_CASE("S06: real time gives the virtual-time results, paced to the wall clock", "[doist][scenario][real]") {
    hio::Doist doist{{.tock = 0.03125, .limit = 0.125, .real = true}};
    ExDoer d0{0.03125};
    ExDoer d1{0.0625};
    const auto start = std::chrono::steady_clock::now();
    doist.run({&d0, &d1});
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    CHECK(took.count() >= 0.09);  // four paced passes; the last one sleeps too
    CHECK(doist.tyme() == 0.125);
    CHECK(d0.done_state() == true);
    CHECK(d1.done_state() == false);
    CHECK(d1.trace() == "enter@0(0,0) recur@0(0,1) recur@0.0625(0.0625,2) close@0.125(None,3) "
                        "exit@0.125(None,4)");
}

TEST_CASE("S14: repeated runs restart tyme when asked, and extend enters at the current tyme",
          "[doist][scenario]") {
    TryDoer t0{1};
    TryDoer t1{2};
    TryDoer t2{3};
    hio::Doist doist{{.tock = 1.0, .limit = 5.0}, {&t0, &t1, &t2}};
    for (int run = 0; run < 3; ++run) {
        if (run > 0)
            doist.tyme(0.0);
        doist.limit(2.0);
        doist.run();
        CHECK(doist.tyme() == 2.0);
        CHECK(doist.done_state() == false);
        CHECK(dones({&t0, &t1, &t2}) == std::vector<std::optional<bool>>{true, false, false});
        CHECK(doist.deed_count() == 0);
    }
    doist.tyme(0.0);
    doist.enter();
    doist.recur();
    doist.recur();
    TryDoer t3{1};
    TryDoer t4{2};
    doist.extend({&t3, &t4});
    const auto deeds = doist.deeds();
    REQUIRE(deeds.size() == 4);
    CHECK(deeds[0].doer == &t1);
    CHECK(deeds[1].doer == &t2);
    CHECK(deeds[2].doer == &t3);
    CHECK(deeds[3].doer == &t4);
    CHECK(retymes(doist) == std::vector<double>{2.0, 2.0, 2.0, 2.0});
    CHECK(doist.doers().size() == 5);
    doist.recur();
    doist.recur();
    CHECK(doist.tyme() == 4.0);
    CHECK(dones({&t0, &t1, &t2, &t3, &t4}) == std::vector<std::optional<bool>>{true, true, true, true, false});
    CHECK(doist.deed_count() == 1);
    doist.exit();
    CHECK(dones({&t0, &t1, &t2, &t3, &t4}) == std::vector<std::optional<bool>>{true, true, true, true, false});
    CHECK(doist.deed_count() == 0);
    CHECK(t3.trace() == "enter@2(\"Default\",0) recur@2(2,1) recur@3(3,2) exit@3(None,3)");
    CHECK(t4.trace() == "enter@2(\"Default\",0) recur@2(2,1) recur@3(3,2) close@4(None,3) exit@4(None,4)");
}

namespace {

// S15's removeDo: removes doers on its first recur, recurs twice more, then finishes.
class RemoveDoer : public hio::Doer {
public:
    RemoveDoer(hio::Doist& doist, std::vector<hio::Doer*> targets) : doist_{doist}, targets_{std::move(targets)} {}
    void targets(std::vector<hio::Doer*> targets) { targets_ = std::move(targets); }

protected:
    void enter() override { count_ = 0; }
    bool recur(double) override {
        if (++count_ == 1)
            doist_.remove(targets_);
        return count_ >= 3;
    }

private:
    hio::Doist& doist_;
    std::vector<hio::Doer*> targets_;
    int count_ = 0;
};

}  // namespace

TEST_CASE("S15: a doer removes the others, they are closed at once", "[doist][scenario]") {
    hio::Doist doist{{.tock = 1.0, .limit = 5.0}};
    std::vector<TryDoer> tries(5);
    std::vector<hio::Doer*> targets;
    for (auto& t : tries)
        targets.push_back(&t);
    RemoveDoer remover{doist, targets};
    auto all = targets;
    all.push_back(&remover);
    doist.extend(all);
    doist.enter();
    const std::size_t expected_deeds[] = {1, 1, 0};
    for (std::size_t pass = 0; pass < 3; ++pass) {
        doist.recur();
        CHECK(doist.doers().size() == 1);
        CHECK(doist.deed_count() == expected_deeds[pass]);
        for (const auto& t : tries)
            CHECK(t.done_state() == false);
        CHECK(remover.done() == (pass == 2));
    }
    CHECK(tries[0].trace() == "enter@0(\"Default\",0) recur@0(0,1) close@0(None,2) exit@0(None,3)");
}

TEST_CASE("S15: a doer that removes itself too keeps running until it finishes", "[doist][scenario]") {
    hio::Doist doist{{.tock = 1.0, .limit = 5.0}};
    std::vector<TryDoer> tries(5);
    std::vector<hio::Doer*> all;
    for (auto& t : tries)
        all.push_back(&t);
    RemoveDoer remover{doist, {}};
    all.push_back(&remover);
    remover.targets(all);
    doist.extend(all);
    doist.enter();
    const std::size_t expected_deeds[] = {1, 1, 0};
    for (std::size_t pass = 0; pass < 3; ++pass) {
        doist.recur();
        CHECK(doist.doers().empty());
        CHECK(doist.deed_count() == expected_deeds[pass]);
        CHECK(remover.done() == (pass == 2));
    }
    for (const auto& t : tries)
        CHECK(t.done_state() == false);
}

TEST_CASE("An exception in recur aborts that doer, closes the others in hio's order, then propagates",
          "[doist][lifecycle]") {
    Journal journal;
    LogDoer a{journal, "a"};
    LogDoer b{journal, "b"};
    LogDoer c{journal, "c", {.raise_at = 2}};
    LogDoer d{journal, "d"};
    hio::Doist doist{{.tock = 1.0, .limit = 10.0}};
    CHECK_THROWS_WITH(doist.run({&a, &b, &c, &d}), "c failed");
    // The pass at 1 was interrupted at c: hio's deque is [d, MARKER, a, b], closed right to left.
    CHECK(journal.joined() ==
          "a enter@0, b enter@0, c enter@0, d enter@0, a recur@0, b recur@0, c recur@0, d recur@0, "
          "a recur@1, b recur@1, c recur@1, c abort@1, c exit@1, "
          "b close@1, b exit@1, a close@1, a exit@1, d close@1, d exit@1");
    CHECK(doist.tyme() == 1.0);  // the interrupted pass did not tick
    CHECK(doist.done_state() == false);
    CHECK(doist.deed_count() == 0);
}

TEST_CASE("hio::Interrupt from a doer ends the run normally: it exits without abort", "[doist][lifecycle]") {
    Journal journal;
    LogDoer a{journal, "a"};
    LogDoer b{journal, "b", {.interrupt_at = 2}};
    LogDoer c{journal, "c"};
    hio::Doist doist{{.tock = 1.0, .limit = 10.0}};
    doist.run({&a, &b, &c});
    CHECK(journal.joined() == "a enter@0, b enter@0, c enter@0, a recur@0, b recur@0, c recur@0, "
                              "a recur@1, b recur@1, b exit@1, a close@1, a exit@1, c close@1, c exit@1");
    CHECK(doist.done_state() == false);
}

TEST_CASE("A doer done in enter gets no deed, an enter that throws closes those entered before",
          "[doist][lifecycle]") {
    Journal journal;
    LogDoer a{journal, "a", {.stop = 1}};
    LogDoer e{journal, "e", {.done_in_enter = true}};
    hio::Doist doist{{.tock = 1.0}};
    doist.run({&a, &e});
    CHECK(journal.joined() == "a enter@0, e enter@0, e clean@0, e exit@0, a recur@0, a clean@0, a exit@0");
    CHECK(doist.done());

    Journal second;
    LogDoer x{second, "x"};
    LogDoer y{second, "y", {.raise_in_enter = true}};
    LogDoer z{second, "z"};
    hio::Doist failing{{.tock = 1.0}};
    CHECK_THROWS_WITH(failing.run({&x, &y, &z}), "y failed in enter");
    CHECK(second.joined() == "x enter@0, y enter@0, y abort@0, y exit@0, x close@0, x exit@0");
}

TEST_CASE("Forced close at the limit goes in reverse order of entry", "[doist][lifecycle]") {
    Journal journal;
    LogDoer a{journal, "a"};
    LogDoer b{journal, "b", {}, 0.5};
    LogDoer c{journal, "c"};
    hio::Doist doist{{.tock = 0.25, .limit = 0.5}};
    doist.run({&a, &b, &c});
    CHECK(journal.joined() == "a enter@0, b enter@0, c enter@0, a recur@0, b recur@0, c recur@0, "
                              "a recur@0.25, c recur@0.25, c close@0.5, c exit@0.5, b close@0.5, "
                              "b exit@0.5, a close@0.5, a exit@0.5");
}

TEST_CASE("Doist ignores a doer added twice and a removal of a doer it does not hold", "[doist]") {
    TryDoer a;
    TryDoer stranger;
    hio::Doist doist;
    doist.extend({&a});
    doist.extend({&a});
    CHECK(doist.doers().size() == 1);
    doist.remove({&stranger});
    CHECK(doist.doers().size() == 1);
    hio::Doist other;
    CHECK_THROWS_AS(other.extend({&a}), hio::ValidationError);
    CHECK_THROWS_AS(other.extend({nullptr}), hio::ValidationError);
}

TEST_CASE("Doist rejects negative and NaN options with a message naming them", "[doist]") {
    CHECK_THROWS_WITH(hio::Doist({.tock = -1.0}), "Tymist: tock must be finite and >= 0, got -1");
    CHECK_THROWS_WITH(hio::Doist({.limit = -2.0}), "Doist: limit must be finite and >= 0, got -2");
    CHECK_THROWS_AS(hio::Doist({.limit = std::numeric_limits<double>::quiet_NaN()}), hio::ValidationError);
    CHECK_THROWS_WITH(hio::Doist({.grace = -0.5}), "Doist: grace must be finite and >= 0, got -0.5");
}

TEST_CASE("A destroyed doer leaves its Doist without a trace", "[doist]") {
    hio::Doist doist{{.tock = 1.0}};
    TryDoer keep{5};
    doist.extend({&keep});
    {
        TryDoer gone{5};
        doist.extend({&gone});
        doist.enter();
        doist.recur();
        CHECK(doist.deed_count() == 2);
    }
    CHECK(doist.doers().size() == 1);
    CHECK(doist.deed_count() == 1);
    doist.recur();
    doist.exit();
    CHECK(keep.log.count == 4);  // enter, 2 recurs, close, exit
}

namespace {

// Raises `signal` at its `at`-th recur. On Windows, where a console control event comes on a
// thread of its own, the handler runs on another thread (as Windows would call it).
class Signaller : public hio::Doer {
public:
    Signaller(int signal, int at) : signal_{signal}, at_{at} {}

protected:
    bool recur(double) override {
        if (++count_ == at_) {
#if defined(_WIN32)
            const DWORD event = signal_ == SIGINT ? CTRL_C_EVENT : CTRL_BREAK_EVENT;
            std::thread{[event] { hio::detail::count_stop_signal(event); }}.join();
#else
            std::raise(signal_);
#endif
        }
        return false;
    }

private:
    int signal_;
    int at_;
    int count_ = 0;
};

// A doer that needs `linger` tyme to wind down (never, when negative).
class Lingerer : public LogDoer {
public:
    Lingerer(Journal& journal, std::string name, double linger) : LogDoer{journal, std::move(name)}, linger_{linger} {}
    bool wind_down(double tyme) override {
        until_ = linger_ < 0 ? std::numeric_limits<double>::infinity() : tyme + linger_;
        return true;
    }

protected:
    bool recur(double tyme) override {
        LogDoer::recur(tyme);
        return tyme >= until_;
    }

private:
    double linger_;
    double until_ = std::numeric_limits<double>::infinity();
};

// Calls request_stop() on its Doist at tyme `at`.
class Stopper : public hio::Doer {
public:
    Stopper(hio::Doist& doist, double at) : doist_{doist}, at_{at} {}

protected:
    bool recur(double tyme) override {
        if (tyme >= at_)
            doist_.request_stop();
        return false;
    }

private:
    hio::Doist& doist_;
    double at_;
};

}  // namespace

TEST_CASE("SIGTERM and SIGINT in real time close every doer in reverse order and restore handlers",
          "[doist][signals][real]") {
    for (const int signal : {SIGTERM, SIGINT}) {
#if !defined(_WIN32)
        struct sigaction before {};
        sigaction(signal, nullptr, &before);
#endif
        Journal journal;
        LogDoer a{journal, "a"};
        Signaller s{signal, 3};
        LogDoer c{journal, "c"};
        hio::Doist doist{{.tock = 0.01, .limit = 5.0, .real = true}};
        const auto start = std::chrono::steady_clock::now();
        doist.run({&a, &s, &c});
        const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
        CHECK(took.count() < 2.0);
        CHECK(doist.done_state() == false);
        CHECK(doist.tyme() == Approx(0.03));
        const auto& lines = journal.lines;
        REQUIRE(lines.size() >= 4);
        CHECK(lines[lines.size() - 4].rfind("c close", 0) == 0);
        CHECK(lines[lines.size() - 3].rfind("c exit", 0) == 0);
        CHECK(lines[lines.size() - 2].rfind("a close", 0) == 0);
        CHECK(lines[lines.size() - 1].rfind("a exit", 0) == 0);
#if defined(_WIN32)
        CHECK(hio::detail::signal_wakers().guards == 0);  // the console handler removed
#else
        struct sigaction after {};
        sigaction(signal, nullptr, &after);
        CHECK(after.sa_handler == before.sa_handler);
#endif
    }
}

TEST_CASE("A stop request with a grace period lets doers wind down, then aborts the stragglers",
          "[doist][shutdown]") {
    Journal journal;
    hio::Doist doist{{.tock = 0.25, .limit = 100.0, .grace = 1.0}};
    Stopper stopper{doist, 1.0};
    LogDoer quick{journal, "quick"};
    Lingerer slow{journal, "slow", 0.5};
    Lingerer stuck{journal, "stuck", -1.0};
    doist.run({&stopper, &quick, &slow, &stuck});
    // The stop is seen after the pass at 1.0, at tyme 1.25: quick is closed at once, slow
    // finishes at 1.75, stuck is aborted when the grace period ends at 2.25.
    const std::string log = journal.joined();
    CHECK(log.find("quick close@1.25, quick exit@1.25") != std::string::npos);
    CHECK(log.find("slow recur@1.75, slow clean@1.75, slow exit@1.75") != std::string::npos);
    CHECK(log.find("stuck recur@2, stuck abort@2.25, stuck exit@2.25") != std::string::npos);
    CHECK(doist.tyme() == 2.25);
    CHECK(doist.done_state() == false);
    CHECK(slow.done());
}

TEST_CASE("A stop request without grace closes everything after the current pass", "[doist][shutdown]") {
    Journal journal;
    hio::Doist doist{{.tock = 0.5, .limit = 100.0}};
    LogDoer a{journal, "a"};
    Stopper stopper{doist, 1.0};
    LogDoer c{journal, "c"};
    doist.run({&a, &stopper, &c});
    CHECK(doist.tyme() == 1.5);
    const auto& lines = journal.lines;
    REQUIRE(lines.size() >= 4);
    CHECK(lines[lines.size() - 4] == "c close@1.5");
    CHECK(lines[lines.size() - 1] == "a exit@1.5");
}

namespace {

// Records its recur tymes; wakes `target` at the tymes listed.
class Waker : public hio::Doer {
public:
    Waker(std::vector<double> at, hio::Doer* target, std::vector<double>& log)
        : hio::Doer{0.0}, at_{std::move(at)}, target_{target}, log_{log} {}

protected:
    bool recur(double tyme) override {
        log_.push_back(-tyme - 100.0);  // the waker's own runs, told apart by sign
        for (const double when : at_)
            if (when == tyme)
                target_->wake();
        return false;
    }

private:
    std::vector<double> at_;
    hio::Doer* target_;
    std::vector<double>& log_;
};

class Sleeper : public hio::Doer {
public:
    Sleeper(double tock, std::vector<double>& log) : hio::Doer{tock}, log_{log} {}

protected:
    bool recur(double tyme) override {
        log_.push_back(tyme);
        return false;
    }

private:
    std::vector<double>& log_;
};

std::vector<double> own_runs(const std::vector<double>& log) {
    std::vector<double> out;
    for (const double v : log)
        if (v >= 0.0)
            out.push_back(v);
    return out;
}

}  // namespace

TEST_CASE("A woken doer runs in the next pass and keeps its own schedule", "[doist][wake]") {
    std::vector<double> log;
    Sleeper sleeper{1.0, log};
    Waker waker{{0.25, 1.5}, &sleeper, log};
    hio::Doist doist{{.tock = 0.25, .limit = 3.0}, {&sleeper, &waker}};
    doist.run();
    // Regular runs at 0, 1, 2; woken at 0.25 -> runs at 0.5; woken at 1.5 -> runs at 1.75.
    CHECK(own_runs(log) == std::vector<double>{0.0, 0.5, 1.0, 1.75, 2.0});
}

TEST_CASE("Waking a doer in a DoDoer wakes the DoDoer, in deque order", "[doist][dodoer][wake]") {
    std::vector<double> log;
    Sleeper first{1.0, log};
    Sleeper second{1.0, log};
    hio::DoDoer group{{.tock = 1.0}, {&first, &second}};
    Waker waker{{0.5}, &second, log};
    hio::Doist doist{{.tock = 0.25, .limit = 2.0}, {&group, &waker}};
    doist.run();
    // Only `second` was woken: it runs at 0.75 without `first`; both keep their schedules.
    CHECK(own_runs(log) == std::vector<double>{0.0, 0.0, 0.75, 1.0, 1.0});
}

TEST_CASE("Waking a doer that is not running does nothing", "[doist][wake]") {
    std::vector<double> log;
    Sleeper idle{1.0, log};
    idle.wake();
    hio::Doist doist{{.tock = 0.25, .limit = 0.5}, {&idle}};
    doist.run();
    idle.wake();
    CHECK(own_runs(log) == std::vector<double>{0.0});
}

// --- Idle doers (beyond hio): Doer::idle_until, and passes a Doist need not wait for ---------

namespace {

// Idles after each run until the next tyme of `plan` (+inf: until woken); records its runs.
class Idler : public hio::Doer {
public:
    Idler(double tock, std::vector<double> plan, std::vector<double>& log)
        : hio::Doer{tock}, plan_{std::move(plan)}, log_{log} {}

protected:
    bool recur(double tyme) override {
        log_.push_back(tyme);
        if (next_ < plan_.size())
            idle_until(plan_[next_++]);
        return false;
    }

private:
    std::vector<double> plan_;
    std::size_t next_ = 0;
    std::vector<double>& log_;
};

constexpr double forever = std::numeric_limits<double>::infinity();

}  // namespace

TEST_CASE("An idle doer runs next at the first pass at or after its idle tyme", "[doist][idle]") {
    std::vector<double> log;
    Idler asap{0.0, {1.1, 1.25, forever}, log};  // tock 0: every pass unless idle
    hio::Doist doist{{.tock = 0.25, .limit = 3.0}, {&asap}};
    doist.run();
    // 0 -> idle until 1.1 -> 1.25 -> idle until 1.25 -> 1.5 (the next pass) -> parked.
    CHECK(log == std::vector<double>{0.0, 1.25, 1.5});
    CHECK_FALSE(asap.idling());     // closed at the limit: it waits for nothing now
    CHECK(retymes(doist).empty());
}

TEST_CASE("An idle doer with a tock of its own wakes on its own grid", "[doist][idle]") {
    std::vector<double> log;
    Idler periodic{0.5, {1.1}, log};  // grid 0, 0.5, 1.0, 1.5, ...
    hio::Doist doist{{.tock = 0.25, .limit = 2.5}, {&periodic}};
    doist.run();
    CHECK(log == std::vector<double>{0.0, 1.5, 2.0});  // 1.1 rounds up to 1.5, then every 0.5
}

TEST_CASE("A parked doer waits for a wake, shows an infinite retyme, then runs as before", "[doist][idle]") {
    std::vector<double> log;
    Idler parked{0.0, {forever}, log};
    Waker waker{{1.0}, &parked, log};
    hio::Doist doist{{.tock = 0.25}, {&parked, &waker}};
    doist.enter();
    for (int pass = 0; pass < 3; ++pass)
        doist.recur();  // 0, 0.25, 0.5
    CHECK(parked.idling());
    CHECK(retymes(doist) == std::vector<double>{forever, 0.75});
    for (int pass = 0; pass < 4; ++pass)
        doist.recur();  // 0.75, 1.0 (wakes it), 1.25 (it runs), 1.5 (every pass again)
    CHECK(own_runs(log) == std::vector<double>{0.0, 1.25, 1.5});
    CHECK_FALSE(parked.idling());
    doist.exit();
}

TEST_CASE("A doer idling again at each wake keeps one heap entry, not one per wake", "[doist][idle]") {
    // The deed engine directly: 100 000 wakes of a doer that idles until a deadline that moves
    // later each time. The heap must not keep an entry per wake.
    struct Mover : hio::Doer {
        double until = 10.0;
        int runs = 0;
        bool recur(double) override {
            ++runs;
            idle_until(until += 1.0);
            return false;
        }
    } mover;
    hio::Tymist clock{0.0, 0.25};
    hio::detail::Scheduler scheduler{"test"};
    scheduler.extend({&mover});
    scheduler.enter(clock);
    scheduler.pass(clock.tyme(), 0.25, clock.tyme() + 0.25);
    for (int wake = 0; wake < 100000; ++wake) {
        mover.wake();
        scheduler.pass(clock.tyme(), 0.25, clock.tyme() + 0.25);
    }
    CHECK(mover.runs == 100001);
    CHECK(scheduler.timed_entries() <= 2);
    CHECK(scheduler.next_due() == mover.until);
    scheduler.exit();
}

TEST_CASE("In real time an idle Doist sleeps through the passes nobody is due in", "[doist][idle][real]") {
    std::vector<double> log;
    Idler sleepy{0.0, {0.3, forever}, log};
    const auto start = std::chrono::steady_clock::now();
    hio::Doist doist{{.tock = 0.01, .limit = 0.5, .real = true}, {&sleepy}};
    doist.run();
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    REQUIRE(log.size() == 2);
    CHECK(log[0] == 0.0);
    CHECK(log[1] >= 0.3);                 // the first grid point at or after 0.3 ...
    CHECK(log[1] < 0.3 + 0.01 + 1e-9);    // ... on the 0.01 grid
    CHECK(doist.tyme() >= 0.5);           // the limit still ends the run on the grid
    CHECK(doist.tyme() < 0.5 + 0.01 + 1e-9);
    CHECK(wall >= 0.45);                  // in real time
    CHECK(doist.passes() <= 4);           // not 50: the passes in between were slept through
}

namespace {

// A DoDoer that records the tymes of its own recurs.
class CountingGroup : public hio::DoDoer {
public:
    CountingGroup(hio::DoDoer::Options options, const std::vector<hio::Doer*>& doers, std::vector<double>& log)
        : hio::DoDoer{options, doers}, log_{log} {}

protected:
    bool recur(double tyme) override {
        log_.push_back(tyme);
        return hio::DoDoer::recur(tyme);
    }

private:
    std::vector<double>& log_;
};

// Extends `group` with `child` at tyme `at`.
class Extender : public hio::Doer {
public:
    Extender(double at, hio::DoDoer& group, hio::Doer& child) : at_{at}, group_{group}, child_{child} {}

protected:
    bool recur(double tyme) override {
        if (tyme != at_)
            return false;
        group_.extend({&child_});
        return true;
    }

private:
    double at_;
    hio::DoDoer& group_;
    hio::Doer& child_;
};

}  // namespace

TEST_CASE("A DoDoer whose children all idle idles until the first is due", "[doist][dodoer][idle]") {
    std::vector<double> a_log;
    std::vector<double> b_log;
    std::vector<double> group_log;
    Idler a{0.0, {1.0, forever}, a_log};
    Idler b{0.0, {2.0, forever}, b_log};
    CountingGroup group{{}, {&a, &b}, group_log};
    hio::Doist doist{{.tock = 0.25, .limit = 3.0}, {&group}};
    doist.run();
    CHECK(a_log == std::vector<double>{0.0, 1.0});
    CHECK(b_log == std::vector<double>{0.0, 2.0});
    CHECK(group_log == std::vector<double>{0.0, 1.0, 2.0});  // not twelve recurs
}

TEST_CASE("A DoDoer with one child that does not idle runs every pass, as in hio", "[doist][dodoer][idle]") {
    std::vector<double> log;
    std::vector<double> group_log;
    Idler idle{0.0, {forever}, log};
    Sleeper periodic{1.0, log};
    CountingGroup group{{}, {&idle, &periodic}, group_log};
    hio::Doist doist{{.tock = 0.25, .limit = 1.0}, {&group}};
    doist.run();
    CHECK(group_log == std::vector<double>{0.0, 0.25, 0.5, 0.75});
    CHECK(retymes(doist).empty());
}

TEST_CASE("Extending an idle DoDoer wakes it: the new child runs in the next pass", "[doist][dodoer][idle]") {
    std::vector<double> log;
    std::vector<double> group_log;
    std::vector<double> late_log;
    Idler idle{0.0, {forever}, log};
    Idler late{0.0, {forever}, late_log};
    CountingGroup group{{}, {&idle}, group_log};
    Extender extender{1.0, group, late};
    hio::Doist doist{{.tock = 0.25, .limit = 2.0}, {&group, &extender}};
    doist.run();
    CHECK(late_log == std::vector<double>{1.25});
    CHECK(group_log == std::vector<double>{0.0, 1.25});
}

namespace {

// Idles until `until`, then records that it ran and finishes.
class UntilSleeper : public hio::Doer {
public:
    explicit UntilSleeper(double until) : until_{until} {}
    std::vector<double> ran;

protected:
    bool recur(double tyme) override {
        ran.push_back(tyme);
        if (tyme >= until_)
            return true;
        idle_until(until_);
        return false;
    }

private:
    double until_;
};

}  // namespace

TEST_CASE("A virtual Doist skips the passes in which no doer is due, on the same tyme grid", "[doist][idle]") {
    UntilSleeper sleeper{1000.0};
    hio::Doist doist{{.tock = 0.1}, {&sleeper}};
    doist.run();
    REQUIRE(sleeper.ran.size() == 2);
    double grid = 0.0;  // the tyme hio's arithmetic reaches after the same ticks: tyme += tock
    while (grid < 1000.0)
        grid += 0.1;
    CHECK(sleeper.ran[1] == grid);  // exactly what passes one by one would have reached
    CHECK(doist.passes() == 2);     // not 10 001
    CHECK(doist.ended_by() == hio::RunEnd::done);
}

TEST_CASE("Skipped passes still end a run at its limit's tyme", "[doist][idle]") {
    UntilSleeper sleeper{1000.0};
    hio::Doist doist{{.tock = 0.25, .limit = 10.0}, {&sleeper}};
    doist.run();
    CHECK(doist.tyme() == 10.0);
    CHECK(doist.passes() == 1);
    CHECK(doist.ended_by() == hio::RunEnd::limit);
    CHECK_FALSE(sleeper.running());
}

TEST_CASE("A Doist says why its run ended", "[doist][run]") {
    class Throws : public hio::Doer {
    protected:
        bool recur(double) override { throw std::runtime_error{"boom"}; }
    } throws;
    hio::Doist failing{{.tock = 1.0}, {&throws}};
    CHECK(failing.ended_by() == hio::RunEnd::none);
    CHECK_THROWS(failing.run());
    CHECK(failing.ended_by() == hio::RunEnd::failed);

    class Interrupts : public hio::Doer {
    protected:
        bool recur(double) override { throw hio::Interrupt{}; }
    } interrupts;
    hio::Doist interrupted{{.tock = 1.0}, {&interrupts}};
    interrupted.run();
    CHECK(interrupted.ended_by() == hio::RunEnd::interrupted);

    hio::Doer endless;
    hio::Doist stopped{{.tock = 1.0, .limit = 100.0}, {&endless}};
    class Stopper : public hio::Doer {
    public:
        explicit Stopper(hio::Doist& doist) : doist_{doist} {}

    protected:
        bool recur(double tyme) override {
            if (tyme >= 3.0)
                doist_.request_stop();
            return false;
        }

    private:
        hio::Doist& doist_;
    } stopper{stopped};
    stopped.extend({&stopper});
    stopped.run();
    CHECK(stopped.ended_by() == hio::RunEnd::stopped);
    CHECK(stopped.tyme() == 4.0);
}

namespace {
// Steps a started Doist as an event loop would, in virtual time (every step at once).
void drive_to_the_end(hio::Doist& doist) {
    doist.start();
    for (int steps = 0; steps < 10000; ++steps)
        if (doist.step().finished)
            return;
    FAIL("the driven run did not end within 10000 steps");
}
}  // namespace

TEST_CASE("A Doist driven by another loop (start, step) runs what run() runs, in the same order", "[doist][driven]") {
    const auto program = [](bool driven, double limit) {
        hio_test::ExDoer a;                // done after 4 recurs
        hio_test::ExDoer b{0.5};           // its own tock
        hio_test::TryDoer c{10, 0.25};     // still running at the limit: closed
        hio::Doist doist{{.tock = 0.125, .limit = limit}, {&a, &b, &c}};
        if (driven)
            drive_to_the_end(doist);
        else
            doist.run();
        return a.trace() + " | " + b.trace() + " | " + c.trace() + " | " + hio_test::num(doist.tyme()) + " " +
               std::to_string(static_cast<int>(doist.ended_by())) + " " + std::to_string(doist.passes());
    };
    CHECK(program(true, 1.0) == program(false, 1.0));
    CHECK(program(true, 0.0) == program(false, 0.0));  // no limit: c finishes, the run is done
    CHECK(program(true, 0.0).find(" 1 ") != std::string::npos);  // RunEnd::done
}

TEST_CASE("A driven Doist: failures, Interrupt, abandon and misuse", "[doist][driven]") {
    class Thrower : public hio::Doer {
    protected:
        bool recur(double tyme) override {
            if (tyme >= 0.5)
                throw std::runtime_error{"boom"};
            return false;
        }
    } thrower;
    hio_test::ExDoer other;
    hio::Doist failing{{.tock = 0.25}, {&other, &thrower}};
    failing.start();
    CHECK_THROWS_WITH([&] {
        for (int k = 0; k < 100; ++k)
            failing.step();
    }(), "boom");
    CHECK(failing.ended_by() == hio::RunEnd::failed);
    CHECK_FALSE(failing.running());
    CHECK(other.trace().find("exit@") != std::string::npos);  // the others were closed
    CHECK_THROWS_WITH(failing.step(), "Doist: step() called without start()");

    hio_test::ExDoer first;
    hio_test::TryDoer second{100};
    hio::Doist abandoned{{.tock = 0.25}, {&first, &second}};
    abandoned.start();
    abandoned.step();
    abandoned.abandon();  // the loop stopped: hio's ordered close
    CHECK(abandoned.ended_by() == hio::RunEnd::stopped);
    CHECK(second.trace().ends_with("close@0.25(None,2) exit@0.25(None,3)"));
    CHECK(first.trace().ends_with("close@0.25(None,2) exit@0.25(None,3)"));
    abandoned.start();  // a new run may start
    CHECK(abandoned.running());
    CHECK_THROWS_WITH(abandoned.run(), "Doist: run() called while already running");
    abandoned.abandon();
}

TEST_CASE("A driven Doist in real time runs a woken doer at once and asks for the next tock", "[doist][driven]") {
    // b idles until woken. Woken between steps (as an I/O handler would), it makes the wake
    // hook fire, and the next step runs it in a wake pass at the tyme of the pass just run.
    struct Sleeper : hio::Doer {
        std::vector<double> runs;
        bool recur(double tyme) override {
            runs.push_back(tyme);
            idle();
            return false;
        }
    } b;
    hio::Doist doist{{.tock = 10.0, .real = true}, {&b}};
    int hooks = 0;
    doist.wake_hook([&] { ++hooks; });
    const auto started = std::chrono::steady_clock::now();
    doist.start();
    const hio::Doist::Step first = doist.step();  // the first pass: b runs, then idles
    CHECK(b.runs == std::vector<double>{0.0});
    CHECK_FALSE(first.finished);
    CHECK(first.next >= started + std::chrono::seconds(10));  // idle: not before the next tock
    const hio::Doist::Step early = doist.step();  // nothing woken: no pass
    CHECK(b.runs.size() == 1);
    CHECK(doist.passes() == 1);
    CHECK(early.next == first.next);
    CHECK(hooks == 0);
    b.wake();
    CHECK(hooks == 1);
    doist.step();
    CHECK(b.runs == std::vector<double>{0.0, 0.0});  // a wake pass, at the tyme of the pass just run
    CHECK(doist.wake_passes() == 1);
    CHECK(doist.passes() == 2);
    CHECK(doist.tyme() == 0.0);
    doist.request_stop();  // from the loop's signal handler, say
    CHECK(hooks == 2);
    CHECK(doist.step().finished);
    CHECK(doist.ended_by() == hio::RunEnd::stopped);
    CHECK(doist.tyme() == 10.0);  // the stop is handled after the tick, as run() does
}

TEST_CASE("A graceful shutdown runs idle doers that keep winding down, and ends at the grace period though all idle", "[doist][signals]") {
    // Before: a doer that idled (no deadline) and returned true from wind_down was never run
    // again, and a real-time Doist whose doers all idled slept past the grace period forever.
    struct Drainer : hio::Doer {
        bool winding = false;
        double drained_at = -1.0;
        bool wind_down(double) override {
            winding = true;
            return true;
        }
        bool recur(double tyme) override {
            if (winding) {
                drained_at = tyme;
                return true;
            }
            idle();
            return false;
        }
    } drainer;
    struct Stuck : hio::Doer {
        std::string aborted;
        bool wind_down(double) override { return true; }
        bool recur(double) override {
            idle();  // never finishes, never wakes
            return false;
        }
        void abort(std::exception_ptr error) noexcept override { aborted = hio::describe(error); }
    } stuck;
    struct Stopper : hio::Doer {
        hio::Doist* doist = nullptr;
        bool recur(double tyme) override {
            if (tyme >= 0.02)
                doist->request_stop();
            return tyme >= 0.02;
        }
    } stopper;
    for (const bool real : {false, true}) {
        drainer.winding = false;
        drainer.drained_at = -1.0;
        stuck.aborted.clear();
        hio::Doist doist{{.tock = 0.01, .limit = 30.0, .real = real, .grace = 0.05}, {&drainer, &stuck, &stopper}};
        stopper.doist = &doist;
        const auto begin = std::chrono::steady_clock::now();
        doist.run();
        CHECK(std::chrono::steady_clock::now() - begin < std::chrono::seconds{5});
        CHECK(doist.ended_by() == hio::RunEnd::stopped);
        CHECK(drainer.drained_at >= 0.02);  // woken to wind down
        CHECK(stuck.aborted.find("grace period") != std::string::npos);
        CHECK(doist.tyme() < 1.0);
    }
}

TEST_CASE("A real-time Doist with no Waiter, its doers idle, stops at once when another thread asks", "[doist][signals]") {
    // Before: it slept until its next due pass (here: the limit, 30 s away).
    struct Idle : hio::Doer {
        bool recur(double) override {
            idle();
            return false;
        }
    } idle_doer;
    hio::Doist doist{{.tock = 0.01, .limit = 30.0, .real = true}, {&idle_doer}};
    std::thread stopper{[&] {
        std::this_thread::sleep_for(std::chrono::milliseconds{50});
        doist.request_stop();
    }};
    const auto begin = std::chrono::steady_clock::now();
    doist.run();
    stopper.join();
    CHECK(std::chrono::steady_clock::now() - begin < std::chrono::seconds{2});
    CHECK(doist.ended_by() == hio::RunEnd::stopped);
}
