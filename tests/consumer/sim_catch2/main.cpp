// A consumer of hio's sim and catch2 components: a sweep over seeds of an echo over the
// simulated network, as a user's own test would be written. check_consumer.cmake runs it
// (every seed passes), then runs the hidden case "[.planted]", whose check fails on one seed,
// and checks that the failure names that seed and a command that replays it.
#include <hio/io/stream_client.hpp>
#include <hio/io/stream_server_doer.hpp>
#include <hio/sim.hpp>
#include <hio/sim/catch2.hpp>

#include <cstdint>
#include <string>

namespace {

// Sends one line and keeps what comes back.
class Greeter : public hio::StreamClientDoer {
public:
    using StreamClientDoer::StreamClientDoer;
    std::string answer;

protected:
    bool talk(double) override {
        hio::Connection* connection = client().connection();
        if (connection == nullptr || !client().connected())
            return !client().active();
        if (!sent_)
            sent_ = connection->send("hello\n") == 6;
        if (hio::Frame line = connection->receive_line(64)) {
            answer = line.data;
            return true;
        }
        idle_between_events();
        return false;
    }

private:
    bool sent_ = false;
};

// One run: the echo server and a greeter over a jittery link; the answer it got.
std::string echo_once(std::uint64_t seed) {
    hio::sim::World world{{.seed = seed, .link = {.latency = 0.001, .jitter = 0.004}}};
    hio::sim::Host& server_host = world.host("server");
    hio::sim::Host& client_host = world.host("client");
    hio::StreamServer server{server_host.network(), {.port = 7}};
    hio::EchoServerDoer echo{server};
    server_host.add({&echo});
    hio::StreamClient client{client_host.network(), {.host = "server", .port = 7}};
    Greeter greeter{client};
    client_host.add({&greeter});
    world.stop_when([&] { return greeter.done(); });
    hio::Doist doist{{.tock = 1.0 / 1024, .limit = 5.0, .waiter = &world}, world.doers()};
    doist.run();
    return greeter.answer;
}

}  // namespace

TEST_CASE("every seed echoes the line") {
    hio::sim::catch2::sweep_seeds(20, [](std::uint64_t seed) {
        const std::string answer = echo_once(seed);
        return hio::sim::SweepRun{answer == "hello" ? "" : "got '" + answer + "'", "jitter 0.004"};
    });
}

TEST_CASE("a planted failure on seed 4", "[.planted]") {
    hio::sim::catch2::sweep_seeds(10, [](std::uint64_t seed) {
        const std::string answer = echo_once(seed);
        return hio::sim::SweepRun{seed == 4 ? "planted: seed 4 is refused" : (answer == "hello" ? "" : "echo lost"),
                                  "jitter 0.004"};
    });
}
