// sim/faults.hpp and the World's faults: partitions, crashes and black holes, and the plan
// the fault menu draws from the seed.
#include <string>
#include <vector>

#include <hio/sim.hpp>

#include "catch.hpp"
#include "support/sim.hpp"

using hio_test::EchoWorld;
using hio_test::tick;

TEST_CASE("A partition holds segments until the heal, then they arrive in order", "[sim][faults]") {
    hio::sim::WorldOptions options;
    options.link.latency = tick;
    EchoWorld rig{options, 1, 2};
    rig.world.at(3 * tick, [&] { rig.world.partition("client", "server"); });
    rig.world.at(100 * tick, [&] { rig.world.heal("client", "server"); });
    rig.run();
    const hio_test::EchoClientDoer& client = *rig.doers[0];
    REQUIRE(client.ok());
    // The first message left at 2 and was held at 3; the heal at 100 lets it arrive at 101,
    // its echo at 102; the second round trip ends at 104.
    CHECK(client.finished_at() == 104 * tick);
    REQUIRE(rig.world.faults().size() == 2);
    CHECK(rig.world.faults()[0].what == "partition client <-> server");
    CHECK(rig.world.faults()[1].what == "heal client <-> server");
    CHECK(rig.world.met_fault(client.endpoints().at(0)));
}

TEST_CASE("A crashed server host goes silent, after its restart a reconnecting client is served",
          "[sim][faults]") {
    hio::sim::WorldOptions options;
    options.link.latency = tick;
    EchoWorld rig{options, 1, 40, 64, {.reconnect_interval = 8 * tick, .timeout = 2.0, .reconnect = true}, 0.5};
    rig.world.at(10 * tick, [&] { rig.world.crash("server"); });
    rig.world.at(200 * tick, [&] { rig.world.restart("server"); });
    rig.run();
    const hio_test::EchoClientDoer& client = *rig.doers[0];
    // The client heard nothing for its patience (0.5), dropped the connection and tried a new
    // one, which the host, up again at 200 ticks with its echo doer re-entered, served.
    CHECK(rig.world.find_host("server")->crashes() == 1);
    REQUIRE(client.ok());
    CHECK(client.endpoints().size() == 2);
    CHECK(rig.world.met_fault(client.endpoints().at(0)));
    CHECK_FALSE(rig.world.met_fault(client.endpoints().at(1)));
    CHECK_FALSE(client.corrupted());
}

TEST_CASE("A connect into a black hole times out at exactly the client's timeout", "[sim][faults]") {
    // Found by the HTTP sweep: a connect attempt that never got an answer (no RST, no SYN-ACK)
    // was never timed out, and the client waited forever.
    hio::sim::World world{{.link = {.latency = tick}, .faults = {.black_hole = 1.0}}};
    hio::sim::Host& server_host = world.host("server");
    hio::sim::Host& client_host = world.host("client");
    const auto listener = server_host.network().listen("server", 7, 5);
    hio::StreamClient client{client_host.network(), {.host = "server", .port = 7, .timeout = 2.0}};
    hio::StreamClientDoer doer{client};
    client_host.add({&doer});
    hio::Doist doist{{.tock = tick, .limit = 10.0, .waiter = &world}, world.doers()};
    doist.run();
    CHECK(doer.done());
    CHECK(client.timed_out());
    CHECK(client.last_error() == std::errc::timed_out);
    CHECK(doist.tyme() == 2.0 + tick);  // the client finished in the pass at 2.0; run() ticked once more
    REQUIRE(world.faults().size() == 1);
    CHECK(world.faults()[0].what == "black hole 10.0.0.2:40000 -> 10.0.0.1:7");
}


TEST_CASE("The fault menu's plan comes from the seed, in a fixed order, within its windows", "[sim][faults][plan]") {
    const hio::sim::FaultOptions menu{.partitions = 3, .one_way = 2, .crashes = 4, .start = 1.0, .horizon = 2.0,
                                      .min_length = 0.25, .max_length = 0.5};
    const std::vector<std::string> hosts{"a", "b", "c", "d"};
    const std::vector<std::string> crashable{"b", "d"};
    hio::Random first{42};
    hio::Random second{42};
    const auto plan = hio::sim::plan_faults(menu, first, hosts, crashable);
    const auto again = hio::sim::plan_faults(menu, second, hosts, crashable);
    REQUIRE(plan.size() == 9);
    REQUIRE(again.size() == plan.size());
    for (std::size_t i = 0; i < plan.size(); ++i) {
        const hio::sim::PlannedFault& fault = plan[i];
        INFO("fault " << i);
        CHECK(fault.kind == (i < 3 ? hio::sim::PlannedFault::Kind::partition
                             : i < 5 ? hio::sim::PlannedFault::Kind::one_way
                                     : hio::sim::PlannedFault::Kind::crash));
        CHECK(fault.from >= 1.0);
        CHECK(fault.from < 3.0);
        CHECK(fault.until - fault.from >= 0.25);
        CHECK(fault.until - fault.from <= 0.5);
        if (fault.kind == hio::sim::PlannedFault::Kind::crash) {
            CHECK((fault.a == "b" || fault.a == "d"));  // only crashable hosts
            CHECK(fault.b.empty());
        } else {
            CHECK(fault.a != fault.b);  // a pair of two hosts
        }
        CHECK(fault.a == again[i].a);  // the same seed, the same plan
        CHECK(fault.b == again[i].b);
        CHECK(fault.from == again[i].from);
    }
    hio::Random other{43};
    const auto elsewhere = hio::sim::plan_faults(menu, other, hosts, crashable);
    CHECK(elsewhere.front().from != plan.front().from);

    hio::Random lone{42};  // one host: no pair to cut, and no crashable host: no crash
    CHECK(hio::sim::plan_faults(menu, lone, {"only"}, {}).empty());
}
