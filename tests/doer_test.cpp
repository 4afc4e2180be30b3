// Doer: the dog protocol and the six contexts; scenario S09 of hio-scenarios.md
// (hio test_doing::test_trydoer_break/close/throw). hio sends strings into the dog; a C++ dog
// receives the tyme, so the recur feeds here are tymes.
#include <cstdint>
#include <limits>
#include <memory>
#include <stdexcept>
#include <vector>

#include <hio/doer.hpp>
#include <hio/doist.hpp>

#include "catch.hpp"
#include "support/recording_doers.hpp"

using hio_test::LogDoer;
using hio_test::TryDoer;

namespace {

// The common part of S09: enter, two sends with ticks in between.
void start_common(hio::Tymist& tymist, TryDoer& doer) {
    REQUIRE(doer.begin(tymist));  // hio: send(None) yields 0.25
    CHECK(doer.done_state() == false);
    CHECK(doer.send(tymist.tyme()) == 0.25);
    tymist.tick();
    CHECK(doer.send(tymist.tyme()) == 0.25);
    tymist.tick();
}

}  // namespace

TEST_CASE("Doer finishes on its own: enter, recurs, exit, and later sends do nothing", "[doer]") {
    hio::Tymist tymist{0.0, 0.125};
    TryDoer doer{3, 0.25};
    CHECK(doer.done_state() == std::nullopt);
    start_common(tymist, doer);
    CHECK(doer.send(tymist.tyme()) == 0.25);
    tymist.tick();
    CHECK(doer.send(tymist.tyme()) == std::nullopt);  // StopIteration(True)
    CHECK(doer.done());
    CHECK_FALSE(doer.running());
    CHECK(doer.send(tymist.tyme()) == std::nullopt);  // a later send: StopIteration(None)
    CHECK(doer.done());
    CHECK(doer.trace() ==
          "enter@0(\"Default\",0) recur@0(0,1) recur@0.125(0.125,2) recur@0.25(0.25,3) "
          "recur@0.375(0.375,4) exit@0.375(None,5)");
}

TEST_CASE("Doer closed by force runs close then exit and is not done", "[doer]") {
    hio::Tymist tymist{0.0, 0.125};
    TryDoer doer{3, 0.25};
    start_common(tymist, doer);
    doer.halt();
    CHECK(doer.done_state() == false);
    CHECK(doer.trace() ==
          "enter@0(\"Default\",0) recur@0(0,1) recur@0.125(0.125,2) close@0.25(None,3) exit@0.25(None,4)");
    doer.halt();  // idempotent
    CHECK(doer.log.records.size() == 5);
}

TEST_CASE("Doer given an exception aborts, exits and lets the same exception through", "[doer]") {
    hio::Tymist tymist{0.0, 0.125};
    TryDoer doer{3, 0.25};
    start_common(tymist, doer);
    const auto error = std::make_exception_ptr(std::invalid_argument{"Bad"});
    try {
        doer.raise(error);
        FAIL("raise must rethrow");
    } catch (const std::invalid_argument& ex) {
        CHECK(std::string{ex.what()} == "Bad");
    }
    CHECK(doer.done_state() == false);
    CHECK(doer.trace() ==
          "enter@0(\"Default\",0) recur@0(0,1) recur@0.125(0.125,2) abort@0.25(Bad,3) exit@0.25(None,4)");
}

TEST_CASE("Doer that finishes in enter runs clean and exit and wants no recur", "[doer]") {
    hio_test::Journal journal;
    hio::Tymist tymist;
    LogDoer doer{journal, "e", {.done_in_enter = true}};
    CHECK_FALSE(doer.begin(tymist));
    CHECK(doer.done());
    CHECK(journal.joined() == "e enter@0, e clean@0, e exit@0");
}

TEST_CASE("Doer whose enter throws runs abort and exit", "[doer]") {
    hio_test::Journal journal;
    hio::Tymist tymist;
    LogDoer doer{journal, "b", {.raise_in_enter = true}};
    CHECK_THROWS_WITH(doer.begin(tymist), "b failed in enter");
    CHECK_FALSE(doer.running());
    CHECK(journal.joined() == "b enter@0, b abort@0, b exit@0");
}

TEST_CASE("Doer interrupted in recur exits without abort", "[doer]") {
    hio_test::Journal journal;
    hio::Tymist tymist;
    LogDoer doer{journal, "k", {.interrupt_at = 1}};
    REQUIRE(doer.begin(tymist));
    CHECK_THROWS_AS(doer.send(0.0), hio::Interrupt);
    CHECK(doer.done_state() == false);
    CHECK(journal.joined() == "k enter@0, k recur@0, k exit@0");
}

TEST_CASE("Doer cannot begin twice while running and rejects bad tocks", "[doer]") {
    hio::Tymist tymist;
    TryDoer doer;
    REQUIRE(doer.begin(tymist));
    CHECK_THROWS_AS(doer.begin(tymist), hio::Error);
    CHECK_THROWS_AS(TryDoer(1, -0.5), hio::ValidationError);
    CHECK_THROWS_AS(doer.tock(std::numeric_limits<double>::quiet_NaN()), hio::ValidationError);
    CHECK_THROWS_WITH(doer.tock(-1.0), "Doer: tock must be finite and >= 0, got -1");
    doer.tock(0.5);
    CHECK(doer.send(0.0) == 0.5);  // the tock read when it yields
}

TEST_CASE("Doer keeps its footprint small", "[doer][footprint]") {
    CHECK(sizeof(hio::Doer) <= 64);
}

TEST_CASE("A tock changed inside recur applies to the very next retyme, as in hio", "[doer]") {
    // hio yields self.tock after recur returns, so a recur that changes its tock is
    // rescheduled with the new one at once.
    class Slowing : public hio::Doer {
    public:
        std::vector<double> tymes;
        Slowing() : hio::Doer{0.25} {}

    protected:
        bool recur(double tyme) override {
            tymes.push_back(tyme);
            tock(1.0);
            return tymes.size() == 3;
        }
    } slowing;
    hio::Doist doist{{.tock = 0.25, .limit = 10.0}, {&slowing}};
    doist.run();
    CHECK(slowing.tymes == std::vector<double>{0.0, 1.0, 2.0});
}

TEST_CASE("A Waker wakes its doer while it lives and nobody once it is destroyed", "[doer][waker]") {
    hio::Waker empty;
    CHECK_FALSE(empty);
    CHECK(empty.doer() == nullptr);
    empty.wake();  // wakes nobody, and does not crash

    auto doer = std::make_unique<hio::Doer>(0.5);
    hio::Waker first = doer->waker();
    hio::Waker second = doer->waker();  // shares the first one's cell
    hio::Waker copy = first;
    CHECK(first.doer() == doer.get());
    CHECK(second.doer() == doer.get());
    hio::Doist doist{{.tock = 0.25}, {doer.get()}};
    doist.enter();
    REQUIRE(doist.recur() == false);  // ran at 0; due again at 0.5
    copy.wake();                      // not due at 0.25, but woken: it runs there
    const auto retyme = [&] { return doist.deeds().front().retyme; };
    CHECK(retyme() == 0.5);
    doist.recur();
    CHECK(doist.tyme() == 0.5);
    CHECK(retyme() == 0.5);  // the woken run kept its schedule (woken runs do not move it)

    hio::Waker moved = std::move(first);
    CHECK_FALSE(first);  // NOLINT(bugprone-use-after-move): a moved-from Waker is empty
    doer.reset();        // destroyed while it runs: every Waker lets go of it
    CHECK(moved.doer() == nullptr);
    CHECK_FALSE(second);
    copy.wake();         // a use-after-free before Waker existed; now nothing
    second = copy;
    second.reset();
    CHECK_FALSE(second);
}

namespace {
// Draws `per_recur` numbers per recur from its own stream and keeps the first of each recur.
class Drawer : public hio::Doer {
public:
    explicit Drawer(int per_recur) : per_recur_{per_recur} {}
    std::vector<std::uint64_t> seen;

protected:
    bool recur(double) override {
        seen.push_back(random().next());
        for (int k = 1; k < per_recur_; ++k)
            static_cast<void>(random().next());
        return seen.size() == 5;
    }

private:
    int per_recur_;
};

std::vector<std::uint64_t> drawn_by_second(int first_draws, std::uint64_t seed) {
    Drawer first{first_draws};
    Drawer second{1};
    hio::Doist doist{{.tock = 1.0, .seed = seed}, {&first, &second}};
    doist.run();
    return second.seen;
}
}  // namespace

TEST_CASE("Each doer draws from a stream of its own: one more draw in one doer shifts no other", "[doer][random]") {
    // One shared stream (as before) made the second doer's numbers depend on how many the
    // first drew.
    CHECK(drawn_by_second(1, 9) == drawn_by_second(3, 9));
    CHECK(drawn_by_second(1, 9) != drawn_by_second(1, 10));  // and the seed still decides

    Drawer a{1};
    Drawer b{1};
    hio::Doist doist{{.tock = 1.0, .seed = 9}, {&a, &b}};
    doist.run();
    CHECK(a.seen != b.seen);  // two doers, two streams
    CHECK(a.seen.size() == 5);
    CHECK(a.number() == 0);  // exited: its stream went back to the clock
}

TEST_CASE("A doer gets a new number, in enter order, each time it enters", "[doer][random]") {
    hio::Tymist clock;
    hio::Doer a;
    hio::Doer b;
    CHECK(a.number() == 0);
    REQUIRE(a.begin(clock));
    REQUIRE(b.begin(clock));
    CHECK(a.number() == 1);
    CHECK(b.number() == 2);
    const std::uint64_t from_a = a.random().next();
    a.halt();
    CHECK(a.number() == 0);
    REQUIRE(a.begin(clock));
    CHECK(a.number() == 3);
    CHECK(a.random().next() != from_a);  // a new stream (the old one was released)
    CHECK(&a.random() != &b.random());
    CHECK_THROWS_WITH(hio::Doer{}.random(), "Doer: random() used before the doer entered (or was wound to a Tymist)");
}
