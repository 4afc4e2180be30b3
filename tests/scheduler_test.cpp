// The deed engine (detail/scheduler.hpp) against a literal port of hio's deque algorithm:
// random programs with mixed tocks, doers that extend and remove others mid-pass, and
// exceptions, must produce the same lifecycle journal and the same deque order.
#include <deque>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <hio/doist.hpp>

#include "catch.hpp"
#include "support/recording_doers.hpp"

namespace {

using hio_test::Journal;

/// What a program doer can do to its scheduler.
class Host {
public:
    virtual void extend(const std::vector<hio::Doer*>& doers) = 0;
    virtual void remove(const std::vector<hio::Doer*>& doers) = 0;

protected:
    ~Host() = default;
};

/// hio v0.6.11's Doist.enter/recur/extend/remove/exit over the public dog protocol, literally:
/// a deque of (doer, retyme) with a marker.
class ReferenceDoist final : public hio::Tymist, public Host {
public:
    explicit ReferenceDoist(double tock) : Tymist{0.0, tock} {}

    std::vector<hio::Doer*> doers;
    struct Deed {
        hio::Doer* doer;  // nullptr: the marker
        double retyme;
    };
    std::deque<Deed> deeds;

    void enter() {
        for (hio::Doer* doer : doers)
            if (doer->begin(*this))
                deeds.push_back({doer, tyme()});
    }

    void recur() {
        deeds.push_back({nullptr, 0.0});
        for (;;) {
            Deed deed = deeds.front();
            deeds.pop_front();
            if (deed.doer == nullptr)
                break;
            if (deed.retyme <= tyme()) {
                const auto tock = deed.doer->send(tyme());  // an exception leaves the marker
                if (!tock)
                    continue;
                deed.retyme = *tock > 0 ? deed.retyme + *tock : tyme() + this->tock();
            }
            deeds.push_back(deed);
        }
        tick();
    }

    void extend(const std::vector<hio::Doer*>& more) override {
        for (hio::Doer* doer : more) {
            if (std::find(doers.begin(), doers.end(), doer) != doers.end())
                continue;
            doers.push_back(doer);
            if (doer->begin(*this))
                deeds.push_back({doer, tyme()});
        }
    }

    void remove(const std::vector<hio::Doer*>& gone) override {
        std::vector<hio::Doer*> listed;
        for (hio::Doer* doer : gone)
            if (std::find(doers.begin(), doers.end(), doer) != doers.end() &&
                std::find(listed.begin(), listed.end(), doer) == listed.end())
                listed.push_back(doer);
        std::deque<Deed> removed;
        for (std::size_t n = deeds.size(); n > 0; --n) {
            Deed deed = deeds.front();
            deeds.pop_front();
            if (deed.doer != nullptr && std::find(listed.begin(), listed.end(), deed.doer) != listed.end())
                removed.push_back(deed);
            else
                deeds.push_back(deed);
        }
        for (hio::Doer* doer : listed)
            doers.erase(std::find(doers.begin(), doers.end(), doer));
        close(removed);
    }

    void exit() { close(deeds); }

    static void close(std::deque<Deed>& which) {
        while (!which.empty()) {
            Deed deed = which.back();
            which.pop_back();
            if (deed.doer != nullptr)
                deed.doer->halt();
        }
    }
};

class RealHost final : public Host {
public:
    explicit RealHost(hio::Doist& doist) : doist_{doist} {}
    void extend(const std::vector<hio::Doer*>& doers) override { doist_.extend(doers); }
    void remove(const std::vector<hio::Doer*>& doers) override { doist_.remove(doers); }

private:
    hio::Doist& doist_;
};

/// A doer driven by a random script: its tock, when it finishes, when it spawns new doers,
/// removes others, changes its tock, or throws.
class ProgramDoer;

struct World {
    Journal journal;
    std::mt19937 random;
    std::vector<std::unique_ptr<ProgramDoer>> all;
    Host* host = nullptr;
    int failures_left = 1;

    explicit World(unsigned seed) : random{seed} {}
    ProgramDoer& make();
    int pick(int n) { return std::uniform_int_distribution<int>{0, n - 1}(random); }
};

class ProgramDoer : public hio::Doer {
public:
    ProgramDoer(World& world, std::string name, double tock) : Doer{tock}, world_{world}, name_{std::move(name)} {
        stop_ = world.pick(4) == 0 ? -1 : 1 + world.pick(12);
    }

protected:
    void enter() override {
        recurs_ = 0;
        world_.journal.add(name_, "enter", tyme());
    }
    bool recur(double tyme) override {
        ++recurs_;
        world_.journal.add(name_, "recur", tyme);
        const int action = world_.pick(20);
        if (action == 0 && world_.all.size() < 120) {
            std::vector<hio::Doer*> spawned;
            for (int n = 1 + world_.pick(3); n > 0; --n)
                spawned.push_back(&world_.make());
            world_.host->extend(spawned);
        } else if (action == 1 && !world_.all.empty()) {
            std::vector<hio::Doer*> victims;
            for (int n = 1 + world_.pick(4); n > 0; --n)
                victims.push_back(world_.all[static_cast<std::size_t>(world_.pick(static_cast<int>(world_.all.size())))].get());
            world_.host->remove(victims);
        } else if (action == 2) {
            tock(kTocks[world_.pick(kTockCount)]);
        } else if (action == 3 && world_.failures_left > 0 && world_.pick(8) == 0) {
            --world_.failures_left;
            throw std::runtime_error{name_ + " failed"};
        }
        return stop_ >= 0 && recurs_ >= stop_;
    }
    void clean() override { world_.journal.add(name_, "clean", tyme()); }
    void close() noexcept override { world_.journal.add(name_, "close", tyme()); }
    void abort(std::exception_ptr) noexcept override { world_.journal.add(name_, "abort", tyme()); }
    void exit() noexcept override { world_.journal.add(name_, "exit", tyme()); }

public:
    static constexpr int kTockCount = 8;
    static constexpr double kTocks[kTockCount] = {0.0, 0.03125, 0.0625, 0.1, 0.2, 0.25, 1.0, 2.5};

private:
    World& world_;
    std::string name_;
    int stop_;
    int recurs_ = 0;
};

ProgramDoer& World::make() {
    const double tock = ProgramDoer::kTocks[pick(ProgramDoer::kTockCount)];
    all.push_back(std::make_unique<ProgramDoer>(*this, "d" + std::to_string(all.size()), tock));
    return *all.back();
}

struct Outcome {
    std::string journal;
    std::vector<std::string> orders;  // deque order and retymes after each pass
    std::string error;
};

std::string order_of(const std::vector<std::pair<const hio::Doer*, double>>& deeds, const World& world) {
    std::string out;
    for (const auto& [doer, retyme] : deeds)
        for (std::size_t i = 0; i < world.all.size(); ++i)
            if (world.all[i].get() == doer)
                out += "d" + std::to_string(i) + "@" + hio_test::num(retyme) + " ";
    return out;
}

template <class Scheduler, class Setup, class Deeds>
Outcome play(unsigned seed, Scheduler& scheduler, Host& host, Setup setup, Deeds deeds) {
    World world{seed};
    world.host = &host;
    std::vector<hio::Doer*> initial;
    for (int n = 3 + world.pick(20); n > 0; --n)
        initial.push_back(&world.make());
    Outcome outcome;
    try {
        setup(scheduler, initial);
        scheduler.enter();
        for (int pass = 0; pass < 80; ++pass) {
            scheduler.recur();
            outcome.orders.push_back(order_of(deeds(scheduler), world));
        }
    } catch (const std::exception& ex) {
        outcome.error = ex.what();
    }
    scheduler.exit();
    outcome.journal = world.journal.joined();
    return outcome;
}

}  // namespace

TEST_CASE("The deed engine runs random programs exactly as hio's deque does", "[scheduler][reference]") {
    const double doist_tocks[] = {0.03125, 0.1, 0.25, 1.0};
    int failures_seen = 0;
    for (unsigned seed = 1; seed <= 300; ++seed) {
        const double tock = doist_tocks[seed % 4];
        ReferenceDoist reference{tock};
        const auto list_reference = [](ReferenceDoist& r, const std::vector<hio::Doer*>& doers) { r.doers = doers; };
        const Outcome expected = play(seed, reference, reference, list_reference, [](const ReferenceDoist& r) {
            std::vector<std::pair<const hio::Doer*, double>> out;
            for (const auto& deed : r.deeds)
                if (deed.doer != nullptr)
                    out.emplace_back(deed.doer, deed.retyme);
            return out;
        });

        hio::Doist doist{{.tock = tock}};
        RealHost host{doist};
        const auto list_doist = [](hio::Doist& d, const std::vector<hio::Doer*>& doers) { d.extend(doers); };
        const Outcome actual = play(seed, doist, host, list_doist, [](const hio::Doist& d) {
            std::vector<std::pair<const hio::Doer*, double>> out;
            for (const auto& deed : d.deeds())
                out.emplace_back(deed.doer, deed.retyme);
            return out;
        });
        INFO("seed " << seed);
        for (std::size_t pass = 0; pass < std::min(actual.orders.size(), expected.orders.size()); ++pass) {
            INFO("after pass " << pass);
            REQUIRE(actual.orders[pass] == expected.orders[pass]);
        }
        REQUIRE(actual.journal == expected.journal);
        REQUIRE(actual.error == expected.error);
        failures_seen += expected.error.empty() ? 0 : 1;
    }
    CHECK(failures_seen > 5);  // the programs do exercise the interrupted-pass order
}

TEST_CASE("Doers that are not due cost nothing and keep their order", "[scheduler]") {
    // 20 000 slow doers and 5 fast ones interleaved; the fast ones run every pass, in order.
    struct Counter : hio::Doer {
        using Doer::Doer;
        int runs = 0;
        std::vector<int>* order = nullptr;
        int id = 0;
        bool recur(double) override {
            ++runs;
            if (order != nullptr)
                order->push_back(id);
            return false;
        }
    };
    std::vector<int> order;
    std::vector<std::unique_ptr<Counter>> doers;
    std::vector<hio::Doer*> list;
    for (int i = 0; i < 20005; ++i) {
        const bool fast = i % 4001 == 0;
        doers.push_back(std::make_unique<Counter>(fast ? 0.0 : 1000.0));
        if (fast) {
            doers.back()->order = &order;
            doers.back()->id = i;
        }
        list.push_back(doers.back().get());
    }
    hio::Doist doist{{.tock = 1.0}, list};
    doist.enter();
    for (int pass = 0; pass < 50; ++pass)
        doist.recur();
    int slow_runs = 0;
    int fast_runs = 0;
    for (const auto& doer : doers)
        (doer->order != nullptr ? fast_runs : slow_runs) += doer->runs;
    CHECK(slow_runs == 20000);  // once, at enter tyme; next due at 1000
    CHECK(fast_runs == 5 * 50);
    for (std::size_t i = 5; i < order.size(); ++i)
        CHECK(order[i] == order[i - 5]);
    doist.exit();
}
