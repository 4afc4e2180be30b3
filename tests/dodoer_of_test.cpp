// DoDoerOf and DoDoerArray: compile-time groups, checked line by line against the dynamic
// DoDoer on random programs, and shown to allocate nothing.
#include <atomic>
#include <cstdlib>
#include <new>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <hio/dodoer.hpp>
#include <hio/dodoer_of.hpp>
#include <hio/doist.hpp>
#include <hio/doist_of.hpp>

#include "catch.hpp"
#include "support/recording_doers.hpp"

// --- Counting every allocation of this program while `counting` is on --------------------
// Every form of plain new is replaced (a sanitizer checks that new and delete match). The
// replacements pair operator new with free() on purpose (they are malloc and free); gcc
// sees the inlined calls of its own operator new and warns.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
namespace {
std::atomic<bool> counting{false};
std::atomic<long> allocations{0};
}  // namespace

void* operator new(std::size_t size) {
    if (counting.load(std::memory_order_relaxed))
        allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(size == 0 ? 1 : size))
        return p;
    throw std::bad_alloc{};
}
void* operator new[](std::size_t size) { return ::operator new(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
    if (counting.load(std::memory_order_relaxed))
        allocations.fetch_add(1, std::memory_order_relaxed);
    return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept { return ::operator new(size, tag); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace dodoer_of_test {

// --- One random program, run by three schedulers ------------------------------------------

constexpr std::size_t members = 6;
constexpr double tocks[] = {0.0, 0.03125, 0.0625, 0.1, 0.25, 1.0};

/// What one member does: its tock, when it finishes, when it throws, when it changes its tock.
struct Plan {
    double tock = 0.0;
    int stop = -1;           // finishes at this recur (-1: never)
    bool enter_done = false;  // finishes in enter
    int throw_at = -1;       // throws at this recur of each run ...
    int throws = 0;          // ... this many times in all
    bool throw_in_enter = false;
    int retock_at = -1;      // changes its tock at this recur
    double new_tock = 0.0;
};

struct Log {
    const hio::Tymist* clock = nullptr;
    std::string text;
    void add(std::size_t who, const char* what, double tyme) {
        text += "m" + std::to_string(who) + " " + what + " " + hio_test::num(tyme) + "\n";
    }
    void add(std::size_t who, const char* what) { add(who, what, clock->tyme()); }
};

/// The script every kind of member follows.
struct Script {
    Log* journal = nullptr;
    Plan plan;
    std::size_t who = 0;
    int recurs = 0;
    int thrown = 0;

    // Returns true when enter finishes the member.
    bool enter() {
        recurs = 0;
        journal->add(who, "enter");
        if (plan.throw_in_enter && thrown < plan.throws) {
            ++thrown;
            throw std::runtime_error{"m" + std::to_string(who) + " failed in enter"};
        }
        return plan.enter_done;
    }
    // Returns true when done; `tock` is set to the tock to use from now on.
    bool recur(double tyme, double& tock) {
        ++recurs;
        journal->add(who, "recur", tyme);
        if (recurs == plan.retock_at)
            tock = plan.new_tock;
        if (recurs == plan.throw_at && thrown < plan.throws) {
            ++thrown;
            throw std::runtime_error{"m" + std::to_string(who) + " failed"};
        }
        return plan.stop > 0 && recurs >= plan.stop;
    }
};

/// A member held by value.
struct ValueMember : hio::StaticDoer {
    Script script;
    ValueMember() = default;
    explicit ValueMember(Script s) : hio::StaticDoer{s.plan.tock}, script{s} {}
    void enter() { done(script.enter()); }
    bool recur(double tyme) {
        double next = tock();
        const bool finished = script.recur(tyme, next);
        tock(next);
        return finished;
    }
    void clean() { script.journal->add(script.who, "clean"); }
    void close() noexcept { script.journal->add(script.who, "close"); }
    void abort(std::exception_ptr) noexcept { script.journal->add(script.who, "abort"); }
    void exit() noexcept { script.journal->add(script.who, "exit"); }
};

/// The same member as an ordinary Doer.
class DoerMember final : public hio::Doer {
public:
    explicit DoerMember(Script s) : Doer{s.plan.tock}, script_{s} {}

protected:
    void enter() override { done(script_.enter()); }
    bool recur(double tyme) override {
        double next = tock();
        const bool finished = script_.recur(tyme, next);
        tock(next);
        return finished;
    }
    void clean() override { script_.journal->add(script_.who, "clean"); }
    void close() noexcept override { script_.journal->add(script_.who, "close"); }
    void abort(std::exception_ptr) noexcept override { script_.journal->add(script_.who, "abort"); }
    void exit() noexcept override { script_.journal->add(script_.who, "exit"); }

private:
    Script script_;
};

struct Program {
    double doist_tock;
    double limit;
    hio::DoDoerOptions options;
    std::vector<Plan> plans;
};

Program random_program(unsigned seed) {
    std::mt19937 random{seed};
    const auto pick = [&](int n) { return std::uniform_int_distribution<int>{0, n - 1}(random); };
    constexpr int tock_count = sizeof(tocks) / sizeof(tocks[0]);
    Program program;
    program.doist_tock = tocks[1 + pick(tock_count - 2)];
    program.limit = 0.5 + 0.5 * pick(6);
    program.options.tock = pick(3) == 0 ? tocks[pick(tock_count)] : 0.0;
    program.options.always = pick(6) == 0;
    program.options.on_failure = static_cast<hio::FailurePolicy>(pick(3));
    program.options.restart = {.max_restarts = static_cast<std::size_t>(pick(3)), .backoff = 0.1 * pick(4), .factor = 2.0, .max_backoff = 0.5};
    for (std::size_t i = 0; i < members; ++i) {
        Plan plan;
        plan.tock = tocks[pick(tock_count)];
        plan.stop = pick(4) == 0 ? -1 : 1 + pick(12);
        plan.enter_done = pick(12) == 0;
        if (pick(4) == 0) {
            plan.throws = 1 + pick(3);
            plan.throw_in_enter = pick(4) == 0;
            plan.throw_at = 1 + pick(8);
        }
        if (pick(5) == 0) {
            plan.retock_at = 1 + pick(6);
            plan.new_tock = tocks[pick(tock_count)];
        }
        program.plans.push_back(plan);
    }
    return program;
}

struct Outcome {
    std::string journal;
    std::string error;
    std::string done;  // each member's done state at the end: -, 0 or 1
    std::string group_done;
    std::size_t failures = 0;
};

std::string state_text(std::optional<bool> state) { return !state ? "-" : *state ? "1" : "0"; }

template <class Group, class Done>
Outcome run(const Program& program, Log& journal, Group& group, Done done) {
    hio::Doist doist{{.tock = program.doist_tock, .limit = program.limit}, {&group}};
    journal.clock = &doist;
    Outcome outcome;
    try {
        doist.run();
    } catch (const std::exception& error) {
        outcome.error = error.what();
    }
    outcome.journal = journal.text;
    for (std::size_t i = 0; i < members; ++i)
        outcome.done += state_text(done(i));
    outcome.group_done = state_text(group.done_state());
    outcome.failures = group.failures().size();
    return outcome;
}

Script script_for(const Program& program, Log& journal, std::size_t who) {
    return Script{&journal, program.plans[who], who};
}

TEST_CASE("DoDoerOf and DoDoerArray run random programs exactly as a DoDoer of the same doers", "[dodoer_of][reference]") {
    int failed_runs = 0;
    int restarted = 0;
    for (unsigned seed = 1; seed <= 400; ++seed) {
        const Program program = random_program(seed);
        INFO("seed " << seed);

        Log dynamic_journal;
        std::vector<std::unique_ptr<DoerMember>> doers;
        std::vector<hio::Doer*> listed;
        for (std::size_t i = 0; i < members; ++i) {
            doers.push_back(std::make_unique<DoerMember>(script_for(program, dynamic_journal, i)));
            listed.push_back(doers.back().get());
        }
        hio::DoDoer dynamic{program.options, listed};
        const Outcome expected = run(program, dynamic_journal, dynamic, [&](std::size_t i) { return doers[i]->done_state(); });

        Log array_journal;
        hio::DoDoerArray<ValueMember, members> array{program.options};
        for (std::size_t i = 0; i < members; ++i)
            array.at(i) = ValueMember{script_for(program, array_journal, i)};
        const Outcome by_array = run(program, array_journal, array, [&](std::size_t i) { return array.done_state(i); });

        Log tuple_journal;
        DoerMember last{script_for(program, tuple_journal, members - 1)};
        hio::DoDoerOf<ValueMember, ValueMember, ValueMember, ValueMember, ValueMember, hio::Doer&> tuple{
            program.options,
            ValueMember{script_for(program, tuple_journal, 0)},
            ValueMember{script_for(program, tuple_journal, 1)},
            ValueMember{script_for(program, tuple_journal, 2)},
            ValueMember{script_for(program, tuple_journal, 3)},
            ValueMember{script_for(program, tuple_journal, 4)},
            last};
        const Outcome by_tuple = run(program, tuple_journal, tuple, [&](std::size_t i) { return tuple.done_state(i); });

        REQUIRE(by_array.journal == expected.journal);
        REQUIRE(by_array.error == expected.error);
        REQUIRE(by_array.done == expected.done);
        REQUIRE(by_array.group_done == expected.group_done);
        REQUIRE(by_array.failures == expected.failures);
        REQUIRE(by_tuple.journal == expected.journal);
        REQUIRE(by_tuple.error == expected.error);
        REQUIRE(by_tuple.done == expected.done);
        REQUIRE(by_tuple.group_done == expected.group_done);
        REQUIRE(by_tuple.failures == expected.failures);
        failed_runs += expected.error.empty() ? 0 : 1;
        restarted += expected.journal.find("enter", expected.journal.find("abort")) != std::string::npos ? 1 : 0;
    }
    CHECK(failed_runs > 20);  // the programs do reach the interrupted-pass order ...
    CHECK(restarted > 20);    // ... and restarts (a member entered again after an abort)
}

struct Counter : hio::StaticDoer {
    int recurs = 0;
    int until = 50;
    bool recur(double) { return ++recurs == until; }
};
struct Ticker : hio::StaticDoer {
    int recurs = 0;
    Ticker() : hio::StaticDoer{0.25} {}
    bool recur(double) {
        ++recurs;
        return false;
    }
};

TEST_CASE("A DoistOf of nested compile-time groups allocates nothing from construction through run and close",
          "[dodoer_of][memory]") {
    allocations = 0;
    counting = true;
    std::optional<bool> first_done;
    int ticks = 0;
    int counted = 0;
    hio::RunEnd ended = hio::RunEnd::none;
    {
        hio::DoistOf<Counter, Ticker, hio::DoDoerArray<Counter, 1000>, hio::DoDoerOf<Ticker, Counter>> doist{
            {.tock = 0.125, .limit = 10.0}};
        doist.run();
        first_done = doist.done_state(0);
        ticks = doist.get<1>().recurs;
        for (const Counter& counter : doist.get<2>().members())
            counted += counter.recurs;
        ended = doist.ended_by();
    }
    counting = false;
    CHECK(allocations == 0);
    CHECK(first_done == true);
    CHECK(ticks == 40);              // every 0.25 of tyme until the limit: 0, 0.25, ..., 9.75
    CHECK(counted == 1000 * 50);     // each member of the array finished at its 50th recur
    CHECK(ended == hio::RunEnd::limit);  // the Tickers never finish
}

TEST_CASE("A DoistOf runs its members with a Doist's tymes and ends as a Doist does", "[dodoer_of]") {
    // The same members in a Doist (as Doers) and in a DoistOf: the same journal.
    Log by_doist_journal;
    const Program program = random_program(7);
    std::vector<std::unique_ptr<DoerMember>> doers;
    std::vector<hio::Doer*> listed;
    for (std::size_t i = 0; i < 2; ++i) {
        doers.push_back(std::make_unique<DoerMember>(script_for(program, by_doist_journal, i)));
        listed.push_back(doers.back().get());
    }
    hio::Doist doist{{.tock = 0.0625, .limit = 2.0}, listed};
    by_doist_journal.clock = &doist;
    doist.run();

    Log by_doist_of_journal;
    hio::DoistOf<ValueMember, ValueMember> doist_of{{.tock = 0.0625, .limit = 2.0},
                                                    ValueMember{script_for(program, by_doist_of_journal, 0)},
                                                    ValueMember{script_for(program, by_doist_of_journal, 1)}};
    by_doist_of_journal.clock = &doist_of;
    doist_of.run();
    CHECK(by_doist_of_journal.text == by_doist_journal.text);
    CHECK(doist_of.ended_by() == doist.ended_by());
    CHECK(doist_of.done() == doist.done());
    CHECK(doist_of.tyme() == doist.tyme());
}

/// Idles after each recur until woken.
class Sleeper final : public hio::Doer {
public:
    explicit Sleeper(Log& journal) : journal_{journal} {}

protected:
    bool recur(double tyme) override {
        journal_.add(9, "recur", tyme);
        idle();
        return false;
    }

private:
    Log& journal_;
};

/// Wakes its target at its 3rd and 5th recur.
struct Poker : hio::StaticDoer {
    hio::Doer* target = nullptr;
    int recurs = 0;
    Poker() : hio::StaticDoer{0.25} {}
    explicit Poker(hio::Doer& doer) : hio::StaticDoer{0.25}, target{&doer} {}
    bool recur(double) {
        ++recurs;
        if (recurs == 3 || recurs == 5)
            target->wake();
        return false;
    }
};

class PokerDoer final : public hio::Doer {
public:
    explicit PokerDoer(hio::Doer& doer) : Doer{0.25}, poker_{doer} {}

protected:
    bool recur(double tyme) override { return poker_.recur(tyme); }

private:
    Poker poker_;
};

TEST_CASE("A Doer member of a compile-time group idles and is woken as in a DoDoer, and the group idles with it",
          "[dodoer_of]") {
    const auto run_with = [](auto make_group) {
        Log journal;
        Sleeper sleeper{journal};
        auto group = make_group(sleeper);
        hio::Doist doist{{.tock = 0.0625, .limit = 2.0}, {group.get()}};
        journal.clock = &doist;
        doist.run();
        return std::make_pair(journal.text, doist.passes());
    };
    const auto dynamic = run_with([](Sleeper& sleeper) {
        struct Both {
            PokerDoer poker;
            hio::DoDoer group;
            explicit Both(Sleeper& s) : poker{s}, group{{}, {&s, &poker}} {}
        };
        struct Holder {
            std::unique_ptr<Both> both;
            hio::Doer* get() { return &both->group; }
        };
        return Holder{std::make_unique<Both>(sleeper)};
    });
    const auto fixed = run_with([](Sleeper& sleeper) {
        return std::make_unique<hio::DoDoerOf<hio::Doer&, Poker>>(hio::DoDoerOptions{}, sleeper, Poker{sleeper});
    });
    CHECK(fixed.first == dynamic.first);
    // Woken by the Poker's 3rd and 5th runs (tymes 0.5 and 1), after its own turn in those
    // passes: it runs in the next ones.
    CHECK(fixed.first == "m9 recur 0\nm9 recur 0.5625\nm9 recur 1.0625\n");
    CHECK(fixed.second == dynamic.second);
}

TEST_CASE("A compile-time group is a child of a DoDoer, and a member of one is refused by another scheduler", "[dodoer_of]") {
    Log journal;
    const Plan plan{.tock = 0.25, .stop = 2};
    hio::DoDoerOf<ValueMember> inner{{}, ValueMember{Script{&journal, plan, 0}}};
    DoerMember sibling{Script{&journal, plan, 1}};
    hio::DoDoer outer{{}, {&inner, &sibling}};
    hio::Doist doist{{.tock = 0.125, .limit = 1.0}, {&outer}};
    journal.clock = &doist;
    doist.run();
    CHECK(journal.text == "m0 enter 0\nm1 enter 0\nm0 recur 0\nm1 recur 0\nm0 recur 0.25\nm0 clean 0.25\nm0 exit 0.25\n"
                          "m1 recur 0.25\nm1 clean 0.25\nm1 exit 0.25\n");
    CHECK(outer.done());

    Sleeper held{journal};
    hio::DoDoer owner{{}, {&held}};
    CHECK_THROWS_WITH((hio::DoDoerOf<hio::Doer&>{{}, held}),
                      "DoDoerOf: member 0 is a Doer another scheduler (a Doist, DoDoer or group) already holds");
}

}  // namespace dodoer_of_test

namespace dodoer_of_test {

TEST_CASE("A compile-time group refuses the same Doer twice and forgets a member destroyed before it", "[dodoer_of]") {
    Log journal;
    Sleeper sleeper{journal};
    CHECK_THROWS_WITH((hio::DoDoerOf<hio::Doer&, hio::Doer&>{{}, sleeper, sleeper}),
                      "DoDoerOf: members 0 and 1 are the same Doer");
    CHECK(sleeper.done_state() == std::nullopt);  // and it is not held by the refused group

    auto doomed = std::make_unique<Sleeper>(journal);
    const Plan plan{.tock = 0.25, .stop = 2};
    hio::DoDoerOf<hio::Doer&, ValueMember> group{{}, *doomed, ValueMember{Script{&journal, plan, 1}}};
    doomed.reset();  // the group never touches it again (ASan checks)
    hio::Doist doist{{.tock = 0.25, .limit = 1.0}, {&group}};
    journal.clock = &doist;
    doist.run();
    CHECK(journal.text == "m1 enter 0\nm1 recur 0\nm1 recur 0.25\nm1 clean 0.25\nm1 exit 0.25\n");
    CHECK(doist.done());
}

namespace {
/// Halts its group from inside its own recur, then finishes.
class Halter final : public hio::Doer {
public:
    Halter(Log& journal, hio::Doer*& group) : journal_{journal}, group_{group} {}

protected:
    bool recur(double tyme) override {
        journal_.add(7, "recur", tyme);
        if (tyme >= 0.5) {
            group_->halt();
            return true;
        }
        return false;
    }
    void exit() noexcept override { journal_.add(7, "exit"); }

private:
    Log& journal_;
    hio::Doer*& group_;
};
}  // namespace

TEST_CASE("A member that halts its own group mid-pass finishes its recur once, as in a DoDoer", "[dodoer_of]") {
    const auto run_with = [](bool fixed) {
        Log journal;
        hio::Doer* group = nullptr;
        Halter halter{journal, group};
        const Plan plan{.tock = 0.25};
        DoerMember after{Script{&journal, plan, 2}};
        std::unique_ptr<hio::Doer> made;
        if (fixed)
            made = std::make_unique<hio::DoDoerOf<hio::Doer&, hio::Doer&>>(hio::DoDoerOptions{}, halter, after);
        else
            made = std::make_unique<hio::DoDoer>(hio::DoDoerOptions{}, std::vector<hio::Doer*>{&halter, &after});
        group = made.get();
        hio::Doist doist{{.tock = 0.25, .limit = 2.0}, {group}};
        journal.clock = &doist;
        doist.run();
        return journal.text;
    };
    const std::string dynamic = run_with(false);
    const std::string fixed = run_with(true);
    CHECK(fixed == dynamic);
    CHECK(fixed.find("m7 exit") == fixed.rfind("m7 exit"));  // exit ran once
}

TEST_CASE("A wake from an earlier member during a pass runs a later, idle member in the next pass, as in a DoDoer",
          "[dodoer_of]") {
    const auto run_with = [](bool fixed) {
        Log journal;
        Sleeper sleeper{journal};
        PokerDoer poker_doer{sleeper};
        std::unique_ptr<hio::Doer> group;
        if (fixed)
            group = std::make_unique<hio::DoDoerOf<Poker, hio::Doer&>>(hio::DoDoerOptions{}, Poker{sleeper}, sleeper);
        else
            group = std::make_unique<hio::DoDoer>(hio::DoDoerOptions{}, std::vector<hio::Doer*>{&poker_doer, &sleeper});
        hio::Doist doist{{.tock = 0.0625, .limit = 2.0}, {group.get()}};
        journal.clock = &doist;
        doist.run();
        return std::make_pair(journal.text, doist.passes());
    };
    const auto dynamic = run_with(false);
    const auto fixed = run_with(true);
    CHECK(fixed.first == dynamic.first);
    CHECK(fixed.second == dynamic.second);
}

}  // namespace dodoer_of_test
