// hio::sim::World, the facade: hosts, the seed and the trace, and how a Doist attaches.
#include <string>
#include <vector>

#include <hio/sim.hpp>

#include "catch.hpp"
#include "support/sim.hpp"

using hio_test::EchoWorld;
using hio_test::tick;

TEST_CASE("The same seed gives the same trace, another seed another", "[sim][world][trace]") {
    const auto run = [](std::uint64_t seed) {
        hio::sim::WorldOptions options{.seed = seed};
        options.link = {.latency = 0.002, .jitter = 0.003, .split = 0.5, .short_writes = 0.5};
        EchoWorld rig{options, 5, 10, 300};
        rig.run();
        for (const auto& doer : rig.doers)
            REQUIRE(doer->ok());
        return rig.world.trace().hex();
    };
    const std::string first = run(11);
    CHECK(run(11) == first);
    CHECK(run(12) != first);
}


TEST_CASE("Under a World the World's seed drives the doers' Random, and a different Doist seed is refused",
          "[sim][world][seed]") {
    // A doer that draws one number from its Tymee::random() when it runs.
    class Drawer : public hio::Doer {
    public:
        std::uint64_t drawn = 0;

    protected:
        bool recur(double) override {
            drawn = random().next();
            return true;
        }
    };
    const auto draw = [](std::uint64_t world_seed, std::optional<std::uint64_t> doist_seed) {
        hio::sim::World world{{.seed = world_seed}};
        Drawer drawer;
        world.host("h").add({&drawer});
        hio::Doist doist{{.tock = tick, .limit = 1.0, .waiter = &world, .seed = doist_seed}, world.doers()};
        doist.run();
        return drawer.drawn;
    };
    CHECK(draw(7, std::nullopt) == draw(7, std::nullopt));
    CHECK(draw(7, std::nullopt) != draw(8, std::nullopt));
    CHECK(draw(7, 7) == draw(7, std::nullopt));  // the same seed given twice: no conflict
    try {
        static_cast<void>(draw(7, 5));
        FAIL("a Doist seed that differs from the World's must be refused");
    } catch (const hio::ValidationError& error) {
        const std::string message = error.what();
        CHECK(message.find("Doist's seed (5)") != std::string::npos);
        CHECK(message.find("World's (7)") != std::string::npos);
    }
}

TEST_CASE("stop_when ends the run after the first pass whose poll sees it hold, and says it did",
          "[sim][world]") {
    hio::sim::World world{{.seed = 1}};
    // Counts its runs, never finishes on its own.
    class Counter : public hio::Doer {
    public:
        int runs = 0;

    protected:
        bool recur(double) override {
            ++runs;
            return false;
        }
    } counter;
    world.host("h").add({&counter});
    world.stop_when([&] { return counter.runs >= 5; });
    hio::Doist doist{{.tock = 0.25, .limit = 100.0, .waiter = &world}, world.doers()};
    doist.run();
    // Runs at 0 ... 1.0 (the fifth); the poll before the pass at 1.25 sees the condition and
    // asks to stop; that pass runs, and the run ends with the tick after it.
    CHECK(counter.runs == 6);
    CHECK(doist.tyme() == 1.5);
    CHECK_FALSE(counter.running());
    CHECK(doist.ended_by() == hio::RunEnd::stopped);
    CHECK(world.stopped_by_condition());
}

TEST_CASE("A doer outside every host, or a host the Doist does not run, is an error, not a silent gap",
          "[sim][world]") {
    {
        hio::sim::World world;
        world.host("h");
        hio::Doer stray;  // would survive the crash of the host whose network it uses
        std::vector<hio::Doer*> doers = world.doers();
        doers.push_back(&stray);
        hio::Doist doist{{.tock = 0.25, .limit = 1.0, .waiter = &world}, doers};
        CHECK_THROWS_WITH(doist.run(), Catch::Contains("runs a doer that is on no host"));
    }
    {
        hio::sim::World world;
        world.host("early");
        hio::Doist doist{{.tock = 0.25, .limit = 1.0, .waiter = &world}, world.doers()};
        world.host("late");  // world.doers() was taken before it existed
        CHECK_THROWS_WITH(doist.run(), Catch::Contains("host 'late' is not run by the Doist"));
    }
    {
        hio::sim::World world;
        // Tries to add a host from inside the run.
        class AddsHost : public hio::Doer {
        public:
            explicit AddsHost(hio::sim::World& world) : world_{world} {}
            std::string error;

        protected:
            bool recur(double) override {
                try {
                    world_.host("during");
                } catch (const hio::Error& failure) {
                    error = failure.what();
                }
                return true;
            }

        private:
            hio::sim::World& world_;
        } adds{world};
        world.host("h").add({&adds});
        hio::Doist doist{{.tock = 0.25, .limit = 1.0, .waiter = &world}, world.doers()};
        doist.run();
        CHECK(adds.error.find("host 'during' added while a run is in progress") != std::string::npos);
    }
}
