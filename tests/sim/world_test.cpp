// hio::sim::World: the unchanged TCP doers over the simulated network, in virtual time, with
// exact tymes.
#include <string>
#include <vector>

#include <hio/sim.hpp>
#include <hio/io/stream_client.hpp>
#include <hio/io/stream_server.hpp>

#include "catch.hpp"
#include "support/sim.hpp"

namespace {

using hio_test::tick;

// The echo server on host "server" port 7 and `count` echo clients on host "client".
struct EchoWorld {
    explicit EchoWorld(hio::sim::WorldOptions options, int count = 1, int messages = 1, std::size_t size = 64,
                       hio::StreamClientOptions client_options = {}, double patience = 0.0)
        : world{options} {
        hio::sim::Host& server_host = world.host("server");
        hio::sim::Host& client_host = world.host("client");
        server.emplace(server_host.network(), hio::StreamServerOptions{.host = "server", .port = 7});
        echo.emplace(*server);
        server_host.add({&*echo});
        client_options.host = "server";
        client_options.port = 7;
        clients.reserve(static_cast<std::size_t>(count));
        doers.reserve(static_cast<std::size_t>(count));
        for (int i = 0; i < count; ++i) {
            clients.emplace_back(std::make_unique<hio::StreamClient>(client_host.network(), client_options));
            doers.emplace_back(std::make_unique<hio_test::EchoClientDoer>(*clients.back(), messages, size, patience));
            client_host.add({doers.back().get()});
        }
        world.stop_when([this] {
            for (const auto& doer : doers)
                if (!doer->done_state().has_value() || doer->done_state() == false)
                    if (!doer->ok() && !doer->failed())
                        return false;
            return true;
        });
    }

    double run(double limit = 30.0) {
        hio::Doist doist{{.tock = tick, .limit = limit, .waiter = &world}, world.doers()};
        doist.run();
        return doist.tyme();
    }

    hio::sim::World world;
    std::optional<hio::StreamServer> server;
    std::optional<hio::EchoServerDoer> echo;
    std::vector<std::unique_ptr<hio::StreamClient>> clients;
    std::vector<std::unique_ptr<hio_test::EchoClientDoer>> doers;
};

}  // namespace

TEST_CASE("An echo round trip over the simulated network takes exactly its latencies", "[sim][world]") {
    hio::sim::WorldOptions options;
    options.link.latency = tick;
    EchoWorld rig{options, 1, 3};
    rig.run();
    const hio_test::EchoClientDoer& client = *rig.doers[0];
    REQUIRE(client.ok());
    // connect: SYN at 1 tick, SYN-ACK at 2; then three round trips of 2 ticks each.
    CHECK(client.finished_at() == 8 * tick);
    CHECK(client.echoed() == 3);
    CHECK(rig.world.stats().connections == 1);
    CHECK(rig.world.stats().bytes == 2 * 3 * 64);
    CHECK(rig.world.faults().empty());
}

TEST_CASE("A connect to a port nobody listens on is refused after one round trip", "[sim][world]") {
    hio::sim::World world{{.link = {.latency = tick}}};
    world.host("server");
    hio::sim::Host& client_host = world.host("client");
    hio::StreamClient client{client_host.network(), {.host = "server", .port = 9, .timeout = 0.0}};
    hio::StreamClientDoer doer{client};
    client_host.add({&doer});
    hio::Doist doist{{.tock = tick, .limit = 4 * tick, .waiter = &world}, world.doers()};
    doist.run();
    CHECK(client.last_error() == std::errc::connection_refused);
    CHECK(world.stats().refused == 1);
}

TEST_CASE("An unknown host fails at once, listen rejects another host's address and a taken port",
          "[sim][world]") {
    hio::sim::World world;
    hio::sim::Host& a = world.host("a");
    world.host("b");
    std::error_code error;
    CHECK(a.network().connect("nowhere", 80, error) == nullptr);
    CHECK(error == std::errc::host_unreachable);
    CHECK_THROWS_AS(a.network().listen("b", 80, 5), hio::SystemError);
    const auto listener = a.network().listen("a", 80, 5);
    CHECK(listener->local_endpoint() == "10.0.0.1:80");
    try {
        static_cast<void>(a.network().listen("0.0.0.0", 80, 5));
        FAIL("a second listen on a taken port succeeded");
    } catch (const hio::SystemError& failure) {
        CHECK(failure.code() == std::errc::address_in_use);
    }
    CHECK_THROWS_WITH(world.host("a"), "sim::World: host name or address already taken: a / 10.0.0.3");
}

TEST_CASE("A server that does not read pushes back on the writer through the windows", "[sim][world]") {
    hio::sim::World world{{.link = {.latency = tick, .send_window = 4096, .receive_window = 8192}}};
    hio::sim::Host& server_host = world.host("server");
    hio::sim::Host& client_host = world.host("client");
    const auto listener = server_host.network().listen("server", 7, 5);
    hio::StreamClient client{client_host.network(), {.host = "server", .port = 7, .buffer_size = 1 << 20}};
    hio::StreamClientDoer doer{client};
    client_host.add({&doer});
    hio::Doist doist{{.tock = tick, .limit = 64 * tick, .waiter = &world}, world.doers()};
    world.at(4 * tick, [&] {
        client.send(std::string(100000, 'x'));
        client.connection()->request_service();
    });
    // Nobody accepts or reads: the receiver holds its window, the sender its buffer, the rest
    // waits in the client's tx (checked before the run's end closes the client).
    bool checked = false;
    world.at(60 * tick, [&] {
        REQUIRE(client.connected());
        CHECK(client.connection()->bytes_sent() == 8192 + 4096);
        CHECK(client.connection()->tx_buffer().size() == 100000 - 8192 - 4096);
        checked = true;
    });
    doist.run();
    CHECK(checked);
}

TEST_CASE("A partition holds segments until the heal, then they arrive in order", "[sim][world][faults]") {
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
          "[sim][world][faults]") {
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

TEST_CASE("A connect into a black hole times out at exactly the client's timeout", "[sim][world][faults]") {
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

TEST_CASE("TCP timeouts in virtual time: an idle connection is closed at its last byte + idle_timeout",
          "[sim][world][timeouts]") {
    hio::sim::World world{{.link = {.latency = tick}}};
    hio::sim::Host& server_host = world.host("server");
    hio::sim::Host& client_host = world.host("client");
    hio::StreamServer server{server_host.network(), {.host = "server", .port = 7, .idle_timeout = 30.0, .timer_slack = 0.0}};
    hio::EchoServerDoer echo{server};
    server_host.add({&echo});
    hio::StreamClient client{client_host.network(), {.host = "server", .port = 7}};
    hio_test::ScriptedPeer peer{client, {{0.0, "hi"}}};  // sent at 2 ticks, echoed at 3
    client_host.add({&peer});
    world.stop_when([&] { return peer.done(); });
    hio::Doist doist{{.tock = tick, .limit = 100.0, .waiter = &world}, world.doers()};
    doist.run();
    CHECK(peer.received == "hi");
    CHECK(peer.first_byte_at == 4 * tick);
    CHECK(peer.closed_at == 30.0 + 4 * tick);  // the last byte moved at 3 ticks
    CHECK(server.idle_closed() == 1);
}

TEST_CASE("TCP timeouts in virtual time: refused attempts start reconnect_interval apart until the timeout",
          "[sim][world][timeouts]") {
    hio::sim::World world{{.link = {.latency = tick}}};
    world.host("server");
    hio::sim::Host& client_host = world.host("client");
    hio::StreamClient client{client_host.network(), {.host = "server", .port = 7, .reconnect_interval = 0.125, .timeout = 1.0}};
    hio::StreamClientDoer doer{client};
    client_host.add({&doer});
    hio::Doist doist{{.tock = tick, .limit = 10.0, .waiter = &world}, world.doers()};
    doist.run();
    CHECK(client.timed_out());
    CHECK(client.last_error() == std::errc::connection_refused);  // the cause of the last failure
    CHECK(client.attempts() == 8);                               // at 0, 0.125, ..., 0.875
    CHECK(world.stats().refused == 8);
    CHECK(doist.tyme() == 1.0 + tick);  // gave up in the pass at 1.0
}
