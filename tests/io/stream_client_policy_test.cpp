// io/stream_client.hpp's reconnect policy over the simulated network, in virtual time, to the
// tyme: per-attempt timeouts that keep a link trying through a crash, back-off with seeded
// jitter, and the generation that tells a talker it is on a new connection.
#include <cstdint>
#include <utility>
#include <vector>

#include <hio/sim.hpp>

#include "catch.hpp"
#include "support/sim.hpp"

using hio_test::tick;

namespace {

// Records the tyme of every connect attempt (the passes where attempts() grew) and of every
// new connection (generation() grew); never finishes on its own.
class AttemptLog : public hio::StreamClientDoer {
public:
    using StreamClientDoer::StreamClientDoer;
    std::vector<double> attempts;
    std::vector<double> connections;

protected:
    bool talk(double tyme) override {
        hio::StreamClient& c = client();
        while (attempts.size() < c.attempts())
            attempts.push_back(tyme);
        while (connections.size() < c.generation())
            connections.push_back(tyme);
        idle_between_events();
        return false;
    }
};

}  // namespace

TEST_CASE("A link that never gives up abandons each unanswered attempt and connects once the server is back",
          "[sim][streams][client][reconnect]") {
    hio::sim::World world{{.seed = 1, .link = {.latency = 1.0 / 64}}};
    hio::sim::Host& server_host = world.host("server");
    hio::sim::Host& client_host = world.host("client");
    hio::StreamServer server{server_host.network(), {.host = "server", .port = 7}};
    hio::EchoServerDoer echo{server};
    server_host.add({&echo});
    hio::StreamClient client{client_host.network(), {.host = "server", .port = 7, .reconnect_interval = 0.25,
                                                     .timeout = 0.0, .reconnect = true, .attempt_timeout = 1.0}};
    AttemptLog log{client};
    client_host.add({&log});
    world.at(0.0, [&] { world.crash("server"); });  // SYNs to a crashed host are lost: no answer at all
    world.at(3.5, [&] { world.restart("server"); });
    world.stop_when([&] { return client.connected(); });
    hio::Doist doist{{.tock = tick, .limit = 10.0, .waiter = &world}, world.doers()};
    doist.run();
    // Each attempt waits its second, is abandoned, and the next starts at once (the interval,
    // 0.25, has passed): at 0, 1, 2, 3; the one at 4 finds the server up again.
    CHECK(log.attempts == std::vector<double>{0.0, 1.0, 2.0, 3.0, 4.0});
    CHECK(log.connections == std::vector<double>{4.0 + 2.0 / 64});  // one round trip later
    CHECK_FALSE(client.timed_out());
    CHECK(client.generation() == 1);
}

TEST_CASE("Refused attempts back off by the factor up to the longest wait, then give up at the timeout",
          "[sim][streams][client][reconnect]") {
    hio::sim::World world{{.link = {.latency = 1.0 / 64}}};
    world.host("server");  // nobody listens: every attempt is refused after a round trip
    hio::sim::Host& client_host = world.host("client");
    hio::StreamClient client{client_host.network(), {.host = "server", .port = 7, .reconnect_interval = 0.25,
                                                     .timeout = 3.0, .backoff = 2.0, .max_interval = 1.0}};
    AttemptLog log{client};
    client_host.add({&log});
    hio::Doist doist{{.tock = tick, .limit = 10.0, .waiter = &world}, world.doers()};
    doist.run();
    CHECK(log.attempts == std::vector<double>{0.0, 0.25, 0.75, 1.75, 2.75});  // waits 0.25, 0.5, 1, 1
    CHECK(client.timed_out());
    CHECK(client.last_error() == std::errc::connection_refused);
}

TEST_CASE("Jittered waits are drawn from the seed: the same seed retries at the same tymes, another at others",
          "[sim][streams][client][reconnect]") {
    const auto attempts = [](std::uint64_t seed) {
        hio::sim::World world{{.seed = seed, .link = {.latency = 1.0 / 64}}};
        world.host("server");
        hio::sim::Host& client_host = world.host("client");
        hio::StreamClient client{client_host.network(),
                                 {.host = "server", .port = 7, .reconnect_interval = 0.5, .timeout = 4.0, .jitter = 0.5}};
        AttemptLog log{client};
        client_host.add({&log});
        hio::Doist doist{{.tock = tick, .limit = 10.0, .waiter = &world}, world.doers()};
        doist.run();
        return log.attempts;
    };
    const std::vector<double> first = attempts(3);
    CHECK(first == attempts(3));
    CHECK(first != attempts(4));
    REQUIRE(first.size() >= 8);  // waits of 0.25 to 0.5 within 4 s
    for (std::size_t i = 1; i < first.size(); ++i) {
        const double gap = first[i] - first[i - 1];
        INFO("attempt " << i << " after " << gap);
        CHECK(gap >= 0.25);
        CHECK(gap <= 0.5 + tick);  // the attempt runs in the first pass at or after its tyme
    }
}

TEST_CASE("A reconnected link counts a new generation, so its talker knows to resend what was in flight",
          "[sim][streams][client][reconnect]") {
    hio::sim::World world{{.seed = 2, .link = {.latency = 1.0 / 64}}};
    hio::sim::Host& server_host = world.host("server");
    hio::sim::Host& client_host = world.host("client");
    hio::StreamServer server{server_host.network(), {.host = "server", .port = 7, .idle_timeout = 1.0, .timer_slack = 0.0}};
    hio::EchoServerDoer echo{server};
    server_host.add({&echo});
    hio::StreamClient client{client_host.network(),
                             {.host = "server", .port = 7, .reconnect_interval = 0.5, .reconnect = true}};
    AttemptLog log{client};
    client_host.add({&log});
    world.stop_when([&] { return client.generation() == 2 && client.connected(); });
    hio::Doist doist{{.tock = tick, .limit = 10.0, .waiter = &world}, world.doers()};
    doist.run();
    // Connected at one round trip; the server closes the silent connection at 1 + 1/64 (its
    // last activity, the accept), the client hears the FIN a latency later and reconnects half a
    // second after that, one round trip to its second connection.
    REQUIRE(log.connections.size() == 2);
    CHECK(log.connections[0] == 2.0 / 64);
    CHECK(log.connections[1] == 1.0 + 1.0 / 64 + 1.0 / 64 + 0.5 + 2.0 / 64);
    CHECK(client.attempts() == 2);  // since connect(), the reconnect included
}

TEST_CASE("The reconnect policy refuses what it cannot follow, naming the field", "[sim][streams][client][reconnect]") {
    hio::sim::World world;
    hio::Network& network = world.host("h").network();
    CHECK_THROWS_WITH((hio::StreamClient{network, {.port = 7, .backoff = 0.5}}), Catch::Contains("backoff must be"));
    CHECK_THROWS_WITH((hio::StreamClient{network, {.port = 7, .jitter = 1.5}}), Catch::Contains("jitter must be from 0 to 1"));
    CHECK_THROWS_WITH((hio::StreamClient{network, {.port = 7, .reconnect_interval = 2.0, .max_interval = 1.0}}),
                      Catch::Contains("max_interval (1) must be >= reconnect_interval (2)"));
    CHECK_THROWS_WITH((hio::StreamClient{network, {.port = 7, .attempt_timeout = -1.0}}), Catch::Contains("attempt_timeout"));
}
