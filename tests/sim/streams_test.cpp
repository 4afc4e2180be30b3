// sim/streams.hpp: the stream model under the unchanged stream doers, in virtual time, with
// exact tymes: latency, refusals, windows, and the server's and client's timers over it.
#include <optional>
#include <string>
#include <vector>

#include <hio/sim.hpp>

#include <hio/dodoer_of.hpp>

#include "catch.hpp"
#include "support/sim.hpp"

using hio_test::EchoWorld;
using hio_test::tick;

TEST_CASE("An echo round trip over the simulated network takes exactly its latencies", "[sim][streams]") {
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

TEST_CASE("A connect to a port nobody listens on is refused after one round trip", "[sim][streams]") {
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
          "[sim][streams]") {
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

TEST_CASE("A server that does not read pushes back on the writer through the windows", "[sim][streams]") {
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

TEST_CASE("TCP timeouts in virtual time: an idle connection is closed at its last byte + idle_timeout",
          "[sim][streams][timeouts]") {
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

TEST_CASE("I/O doers inside compile-time groups keep their exact tymes, wakes and skipped passes",
          "[sim][streams][dodoer_of]") {
    // The idle-timeout program above, with each host's doer held by a DoDoerOf: the same
    // tymes, and the same passes (the groups idle when their members do, so the Doist skips).
    const auto run = [](bool grouped) {
        hio::sim::World world{{.link = {.latency = tick}}};
        hio::sim::Host& server_host = world.host("server");
        hio::sim::Host& client_host = world.host("client");
        hio::StreamServer server{server_host.network(), {.host = "server", .port = 7, .idle_timeout = 30.0, .timer_slack = 0.0}};
        hio::EchoServerDoer echo{server};
        hio::StreamClient client{client_host.network(), {.host = "server", .port = 7}};
        hio_test::ScriptedPeer peer{client, {{0.0, "hi"}}};
        std::optional<hio::DoDoerOf<hio::Doer&>> server_group;
        std::optional<hio::DoDoerOf<hio::Doer&>> client_group;
        if (grouped) {
            server_group.emplace(hio::DoDoerOptions{}, echo);
            client_group.emplace(hio::DoDoerOptions{}, peer);
        }
        server_host.add({grouped ? static_cast<hio::Doer*>(&*server_group) : &echo});
        client_host.add({grouped ? static_cast<hio::Doer*>(&*client_group) : &peer});
        world.stop_when([&] { return peer.done(); });
        hio::Doist doist{{.tock = tick, .limit = 100.0, .waiter = &world}, world.doers()};
        doist.run();
        CHECK(peer.received == "hi");
        CHECK(peer.first_byte_at == 4 * tick);
        CHECK(peer.closed_at == 30.0 + 4 * tick);
        CHECK(server.idle_closed() == 1);
        return doist.passes();
    };
    const std::size_t plain = run(false);
    const std::size_t grouped = run(true);
    CHECK(grouped == plain);
    CHECK(grouped < 100);  // not the 30 / tick passes of a Doist that never skips
}

TEST_CASE("TCP timeouts in virtual time: refused attempts start reconnect_interval apart until the timeout",
          "[sim][streams][timeouts]") {
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
