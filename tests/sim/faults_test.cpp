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

TEST_CASE("Aimed faults land only on the hosts and links named, crashes keep their own lengths",
          "[sim][faults][plan]") {
    const std::vector<std::string> hosts{"client-1", "client-2", "server-1", "server-2"};
    const hio::sim::FaultOptions aimed{.partitions = 20, .one_way = 10, .crashes = 10, .min_length = 0.1,
                                       .max_length = 0.2, .hosts = {"server-1", "server-2", "client-1"},
                                       .links = {{"server-1", "server-2"}}, .isolations = 5,
                                       .crash_min_length = 2.0, .crash_max_length = 3.0};
    hio::Random random{9};
    const auto plan = hio::sim::plan_faults(aimed, random, hosts, hosts);
    REQUIRE(plan.size() == 45);
    for (const hio::sim::PlannedFault& fault : plan) {
        INFO(fault.a << " " << fault.b);
        switch (fault.kind) {
        case hio::sim::PlannedFault::Kind::partition:
        case hio::sim::PlannedFault::Kind::one_way:  // only the link named, either way
            CHECK(((fault.a == "server-1" && fault.b == "server-2") || (fault.a == "server-2" && fault.b == "server-1")));
            CHECK(fault.until - fault.from <= 0.2);
            break;
        case hio::sim::PlannedFault::Kind::crash:
            CHECK(fault.a != "client-2");  // not aimed at
            CHECK(fault.until - fault.from >= 2.0);
            CHECK(fault.until - fault.from <= 3.0);
            break;
        case hio::sim::PlannedFault::Kind::isolate:
            CHECK(fault.a != "client-2");
            break;
        }
    }
    // Turning aimed kinds on moves none of the faults drawn before them.
    hio::Random plain{9};
    hio::Random with_more{9};
    const hio::sim::FaultOptions base{.partitions = 3, .crashes = 2};
    hio::sim::FaultOptions more = base;
    more.isolations = 4;
    more.fail_rate = 1.0;
    more.repair_rate = 2.0;
    const auto before = hio::sim::plan_faults(base, plain, hosts, hosts);
    const auto after = hio::sim::plan_faults(more, with_more, hosts, hosts);
    REQUIRE(after.size() > before.size());
    for (std::size_t i = 0; i < before.size(); ++i) {
        CHECK(after[i].a == before[i].a);
        CHECK(after[i].from == before[i].from);
    }
}

TEST_CASE("Link failures come and go at the seeded rates, each repaired before the next", "[sim][faults][plan]") {
    const hio::sim::FaultOptions menu{.start = 0.0, .horizon = 100.0, .links = {{"a", "b"}}, .fail_rate = 0.5,
                                      .repair_rate = 2.0};
    hio::Random random{4};
    const auto plan = hio::sim::plan_faults(menu, random, {"a", "b", "c"}, {});
    REQUIRE(plan.size() > 20);  // about one failure every 2.5 tyme over 100
    double last_end = 0.0;
    double down = 0.0;
    for (const hio::sim::PlannedFault& fault : plan) {
        CHECK(fault.kind == hio::sim::PlannedFault::Kind::partition);
        CHECK(fault.a == "a");
        CHECK(fault.b == "b");
        CHECK(fault.from >= last_end);  // repaired before it fails again
        CHECK(fault.from < 100.0);
        down += fault.until - fault.from;
        last_end = fault.until;
    }
    const double share = down / last_end;  // about repair / (fail + repair) = 0.5 / 2.5 = 0.2
    CHECK(share > 0.1);
    CHECK(share < 0.3);
    CHECK_THROWS_WITH((hio::sim::FaultOptions{.fail_rate = 1.0}.validate()), Catch::Contains("needs a repair_rate"));
    CHECK_THROWS_WITH((hio::sim::FaultOptions{.links = {{"a", "a"}}}.validate()),
                      Catch::Contains("a link joins two different hosts"));
}

TEST_CASE("An isolated host hears nobody until it rejoins, and overlapping holds each release their own",
          "[sim][faults]") {
    EchoWorld echo{{.seed = 3, .link = {.latency = 1.0 / 64}}, 1, 1, 64, {.timeout = 10.0}};
    echo.world.at(0.0, [&] { echo.world.isolate("server"); });
    echo.world.at(0.5, [&] { echo.world.partition("client", "server"); });  // a second hold on the same links
    echo.world.at(1.0, [&] { echo.world.rejoin("server"); });               // the partition still holds them
    echo.world.at(2.0, [&] { echo.world.heal("client", "server"); });
    echo.run();
    REQUIRE(echo.doers.front()->ok());
    // The SYN sent at 0 waited for the last release at 2.0, then one latency.
    CHECK(echo.doers.front()->finished_at() >= 2.0 + 1.0 / 64);
    CHECK(echo.world.met_fault(echo.doers.front()->endpoints().front()));
    std::string log;
    for (const hio::sim::FaultEvent& fault : echo.world.faults())
        log += fault.what + "; ";
    CHECK(log == "isolate server; partition client <-> server; rejoin server; heal client <-> server; ");
}

TEST_CASE("The fault menu must aim at hosts the World has", "[sim][faults]") {
    hio::sim::World world{{.faults = {.partitions = 1, .hosts = {"server", "sever"}}}};
    world.host("server");
    world.host("client");
    hio::Doist doist{{.tock = 0.01, .limit = 1.0, .waiter = &world}, world.doers()};
    CHECK_THROWS_WITH(doist.run(), Catch::Contains("aims at host 'sever'"));
}
