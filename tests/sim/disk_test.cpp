// sim/disk.hpp and a host's crash state: what was synced survives a crash, what was not is lost
// from a seeded point on, a torn last write; on_crash and on_restart say what a crash loses.
#include <map>
#include <string>

#include <hio/sim.hpp>

#include "catch.hpp"

TEST_CASE("A disk keeps what was synced across a crash and loses the unsynced tail from a seeded point",
          "[sim][disk]") {
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        INFO("seed " << seed);
        hio::sim::Disk disk;
        disk.put("a", "1");
        disk.put("b", "2");
        disk.sync();
        disk.put("c", "3");  // unsynced from here
        disk.erase("a");
        disk.put("d", "4");
        CHECK(disk.get("a") == std::nullopt);  // the host sees its own writes
        CHECK(disk.unsynced() == 3);
        hio::Random random{seed};
        const std::string line = disk.crash(random, 0.0);
        CHECK(line.find(" of 3 unsynced writes kept") != std::string::npos);
        CHECK(disk.unsynced() == 0);
        const std::map<std::string, std::string> after = disk.contents();
        CHECK(after.at("b") == "2");  // synced: always there
        // A prefix of the unsynced writes got there: c, then the erase of a, then d, in order.
        const bool c = after.count("c") != 0;
        const bool a_erased = after.count("a") == 0;
        const bool d = after.count("d") != 0;
        CHECK((c || !a_erased));  // the erase came after c: not without it
        CHECK((a_erased || !d));  // d came after the erase
        CHECK(disk.stats().lost == 3 - (c ? 1U : 0U) - (a_erased ? 1U : 0U) - (d ? 1U : 0U));
    }
    hio::sim::Disk twice;
    twice.put("k", "v");
    hio::Random first{7};
    hio::Random second{7};
    hio::sim::Disk other;
    other.put("k", "v");
    CHECK(twice.crash(first, 0.0) == other.crash(second, 0.0));  // the same seed, the same loss
}

TEST_CASE("A torn write keeps a cut-short value, and with nothing unsynced there is nothing to log", "[sim][disk]") {
    hio::sim::Disk disk;
    CHECK(hio::sim::Disk{}.crash(*std::make_unique<hio::Random>(1), 1.0).empty());
    bool torn_seen = false;
    for (std::uint64_t seed = 1; seed <= 50 && !torn_seen; ++seed) {
        hio::sim::Disk log;
        log.put("entry", "0123456789");
        hio::Random random{seed};
        const std::string line = log.crash(random, 1.0);
        if (line.find("the last torn") == std::string::npos)
            continue;
        torn_seen = true;
        const auto kept = log.get("entry");
        REQUIRE(kept.has_value());
        CHECK(kept->size() <= 10);
        CHECK(std::string{"0123456789"}.starts_with(*kept));
        CHECK(log.stats().torn == 1);
    }
    CHECK(torn_seen);
}

TEST_CASE("A crashed host's program says what it loses and reloads its disk before its doers enter again",
          "[sim][disk][crash]") {
    hio::sim::World world{{.seed = 11}};
    hio::sim::Host& host = world.host("store");
    std::map<std::string, std::string> memory;  // the program's in-memory table
    std::vector<std::string> order;
    // Writes one key per run, synced; records what it finds when it enters.
    class Writer : public hio::Doer {
    public:
        Writer(hio::sim::Host& host, std::map<std::string, std::string>& memory, std::vector<std::string>& order)
            : host_{host}, memory_{memory}, order_{order} {}

    protected:
        void enter() override { order_.push_back("enter with " + std::to_string(memory_.size())); }
        bool recur(double) override {
            const std::string key = "k" + std::to_string(++n_);
            memory_[key] = "v";
            host_.disk().put(key, "v");
            host_.disk().sync();
            return false;
        }

    private:
        hio::sim::Host& host_;
        std::map<std::string, std::string>& memory_;
        std::vector<std::string>& order_;
        int n_ = 0;
    } writer{host, memory, order};
    host.add({&writer});
    host.on_crash([&] {
        order.push_back("crash");
        memory.clear();  // a crash loses memory
    });
    host.on_restart([&] {
        order.push_back("restart");
        memory = host.disk().contents();  // what was synced comes back
    });
    world.at(1.0, [&] { world.crash("store"); });
    world.at(2.0, [&] { world.restart("store"); });
    hio::Doist doist{{.tock = 0.25, .limit = 3.0, .waiter = &world}, world.doers()};
    doist.run();
    REQUIRE(order.size() == 4);
    CHECK(order[0] == "enter with 0");
    CHECK(order[1] == "crash");
    CHECK(order[2] == "restart");
    CHECK(order[3] == "enter with 4");  // runs at 0, 0.25, 0.5, 0.75 wrote k1..k4, synced
    CHECK(memory.size() == 8);          // then 2.0 ... 2.75
}
