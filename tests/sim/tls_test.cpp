// TLS over the simulated network: tls::Network wraps sim::Network as it wraps tcp::Network,
// so handshakes, failures and timeouts run in virtual time, to the tyme.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <hio/sim.hpp>
#include <hio/io/stream_client.hpp>
#include <hio/io/stream_server_doer.hpp>
#include <hio/tls/context.hpp>
#include <hio/tls/network.hpp>
#include <hio/tls/seeded_random.hpp>

#include "catch.hpp"
#include "support/pki.hpp"
#include "support/sim.hpp"

using hio_test::pki;

namespace {

using hio_test::tick;

// A TLS echo server on "server":443 and `count` echo clients, all over the simulation.
struct TlsWorld {
    TlsWorld(std::uint64_t seed, hio::tls::Config client_config, int count = 1, int messages = 3,
             hio::StreamServerOptions server_options = {}, hio::tls::Config server_config = pki().server())
        : world{{.seed = seed, .link = {.latency = tick, .jitter = 0.002, .split = 0.3}}},
          server_context{hio::tls::Role::server, std::move(server_config)},
          client_context{hio::tls::Role::client, std::move(client_config)} {
        hio::sim::Host& server_host = world.host("server");
        hio::sim::Host& client_host = world.host("client");
        server_tls.emplace(server_host.network(), server_context);
        client_tls.emplace(client_host.network(), client_context);
        server_options.host = "server";
        server_options.port = 443;
        server.emplace(*server_tls, server_options);
        echo.emplace(*server);
        server_host.add({&*echo});
        for (int i = 0; i < count; ++i) {
            clients.push_back(std::make_unique<hio::StreamClient>(
                *client_tls, hio::StreamClientOptions{.host = "server", .port = 443, .timeout = 5.0}));
            doers.push_back(std::make_unique<hio_test::EchoClientDoer>(*clients.back(), messages, 2000));
            client_host.add({doers.back().get()});
        }
        world.stop_when([this] {
            for (const auto& doer : doers)
                if (!doer->ok() && !doer->failed())
                    return false;
            return true;
        });
        hio::Doist doist{{.tock = tick, .limit = 60.0, .waiter = &world}, world.doers()};
        doist.run();
    }

    // What the clients got back, in order: the plaintext at the buffer boundary.
    [[nodiscard]] std::vector<int> echoed() const {
        std::vector<int> out;
        for (const auto& doer : doers)
            out.push_back(doer->echoed());
        return out;
    }

    hio::sim::World world;
    hio::tls::Context server_context;
    hio::tls::Context client_context;
    std::optional<hio::tls::Network> server_tls;
    std::optional<hio::tls::Network> client_tls;
    std::optional<hio::StreamServer> server;
    std::optional<hio::EchoServerDoer> echo;
    std::vector<std::unique_ptr<hio::StreamClient>> clients;
    std::vector<std::unique_ptr<hio_test::EchoClientDoer>> doers;
};

hio::tls::Config trusting() {
    hio::tls::Config config = pki().client();
    config.server_name = "localhost";  // the name in the test certificate
    return config;
}

}  // namespace

TEST_CASE("TLS over the simulated network: handshakes and echoes in virtual time", "[sim][tls]") {
    const TlsWorld run{1, trusting(), 4};
    for (const auto& doer : run.doers) {
        INFO(doer->why());
        CHECK(doer->ok());
        CHECK(doer->echoed() == 3);
    }
}

TEST_CASE("TLS over the simulated network: an untrusted server fails the handshake cleanly", "[sim][tls]") {
    hio::tls::Config other = trusting();
    other.ca_file = pki().path("other_ca.pem");
    const TlsWorld run{1, other};
    REQUIRE(run.doers[0]->failed());
    CHECK_THAT(run.doers[0]->why(), Catch::Matchers::Contains("unable to get local issuer certificate"));
}

TEST_CASE("TLS over the simulated network: a peer that never starts its handshake is closed at accept + "
          "handshake_timeout",
          "[sim][tls][timeouts]") {
    hio::sim::World world{{.link = {.latency = tick}}};
    hio::sim::Host& server_host = world.host("server");
    hio::sim::Host& client_host = world.host("client");
    hio::tls::Context context{hio::tls::Role::server, pki().server()};
    hio::tls::Network secure{server_host.network(), context};
    hio::StreamServer server{secure, {.host = "server", .port = 443, .handshake_timeout = 10.0, .timer_slack = 0.0}};
    hio::EchoServerDoer echo{server};
    server_host.add({&echo});
    hio::StreamClient plain{client_host.network(), {.host = "server", .port = 443}};  // plain TCP, silent
    hio_test::ScriptedPeer peer{plain, {}};
    client_host.add({&peer});
    world.stop_when([&] { return peer.done(); });
    hio::Doist doist{{.tock = tick, .limit = 60.0, .waiter = &world}, world.doers()};
    doist.run();
    CHECK(peer.closed_at == 10.0 + 2 * tick);  // accepted at 1 tick, closed at 10 + 1, seen 1 later
    CHECK(server.handshake_timeouts() == 1);
}

TEST_CASE("TLS over the simulated network: a client gives up on a server that never answers its handshake",
          "[sim][tls][timeouts]") {
    hio::sim::World world{{.link = {.latency = tick}}};
    hio::sim::Host& server_host = world.host("server");
    hio::sim::Host& client_host = world.host("client");
    const auto mute = server_host.network().listen("server", 443, 5);  // accepts TCP, never speaks
    hio::tls::Context context{hio::tls::Role::client, trusting()};
    hio::tls::Network secure{client_host.network(), context};
    hio::StreamClient client{secure, {.host = "server", .port = 443, .timeout = 3.0}};
    hio::StreamClientDoer doer{client};
    client_host.add({&doer});
    hio::Doist doist{{.tock = tick, .limit = 60.0, .waiter = &world}, world.doers()};
    doist.run();
    CHECK(client.timed_out());
    CHECK(client.last_error() == std::errc::timed_out);
    CHECK(doist.tyme() == 3.0 + 2 * tick + tick);  // connected at 2 ticks, gave up 3 later
}

TEST_CASE("TLS over the simulation replays: the plaintext always, the wire bytes with a SeededRandom",
          "[sim][tls][trace]") {
    // OpenSSL draws fresh randomness each run: the same seed moves the same plaintext at the
    // buffer boundary at the same tymes, but other bytes on the wire.
    const TlsWorld first{5, trusting(), 3};
    const TlsWorld second{5, trusting(), 3};
    CHECK(first.echoed() == second.echoed());
    CHECK(first.world.trace().hex() != second.world.trace().hex());
    // Fed from the seed (and without session tickets, which carry the wall clock), OpenSSL
    // sends the same bytes too: the whole run replays, trace hash included.
    hio::tls::Config no_tickets = pki().server();
    no_tickets.session_tickets = false;
    const auto seeded = [&](std::uint64_t seed) {
        const hio::tls::SeededRandom random{seed};
        const TlsWorld run{seed, trusting(), 3, 3, {}, no_tickets};
        for (const auto& doer : run.doers)
            REQUIRE(doer->ok());
        return run.world.trace().hex();
    };
    const std::string trace = seeded(5);
    CHECK(seeded(5) == trace);
    CHECK(seeded(6) != trace);
    CHECK_THROWS_AS((hio::tls::SeededRandom{1}, hio::tls::SeededRandom{2}), hio::Error);
}
