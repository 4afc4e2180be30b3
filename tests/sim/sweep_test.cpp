// Seed sweeps over a faulty simulated network: the echo server and 20 clients; a planted bug
// found by a sweep and replayed from its seed; the determinism check.
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <hio/sim.hpp>
#include <hio/io/stream_client.hpp>
#include <hio/io/stream_server_doer.hpp>

#include "catch.hpp"
#include "support/sim.hpp"

namespace {

using hio_test::tick;

// The fault menu a sweep draws from (each seed turns each kind on or off and picks a rate).
hio::sim::FaultOptions most_faults() {
    hio::sim::FaultOptions most;
    most.reset = 0.2;
    most.drip = 0.1;
    most.black_hole = 0.1;
    most.accept_delay = 0.3;
    most.would_block = 0.02;
    most.partitions = 2;
    most.one_way = 2;
    most.crashes = 1;
    most.start = 0.0;
    most.horizon = 2.0;
    most.max_length = 1.0;
    return most;
}

hio::sim::WorldOptions faulty_world(std::uint64_t seed) {
    hio::sim::WorldOptions options{.seed = seed};
    options.link = {.latency = 0.001, .jitter = 0.002, .segment = 1460, .split = 0.3, .short_writes = 0.3,
                    .send_window = 16384, .receive_window = 16384};
    options.faults = hio::sim::draw_faults(seed, most_faults());
    return options;
}

// One echo run: a server host, a client host with `count` clients. Returns a failure text.
struct EchoRun {
    explicit EchoRun(const hio::sim::WorldOptions& options, int count = 20) : world{options} {
        hio::sim::Host& server_host = world.host("server");
        hio::sim::Host& client_host = world.host("clients", {.crashable = false});
        server.emplace(server_host.network(), hio::StreamServerOptions{.host = "server", .port = 7});
        echo.emplace(*server);
        server_host.add({&*echo});
        for (int i = 0; i < count; ++i) {
            clients.push_back(std::make_unique<hio::StreamClient>(
                client_host.network(), hio::StreamClientOptions{.host = "server", .port = 7, .reconnect_interval = 0.05,
                                                               .timeout = 1.0, .reconnect = true}));
            doers.push_back(std::make_unique<hio_test::EchoClientDoer>(
                *clients.back(), 6, static_cast<std::size_t>(1 + (i * 97) % 700), 1.0, 6, 0.5));
            client_host.add({doers.back().get()});
        }
        world.stop_when([this] {
            for (const auto& doer : doers)
                if (!doer->ok() && !doer->failed())
                    return false;
            return true;
        });
    }

    // Runs to the liveness deadline: every fault has healed by 4 s (start + horizon + length).
    std::string run(double deadline = 30.0) {
        hio::Doist doist{{.tock = tick, .limit = deadline, .waiter = &world}, world.doers()};
        doist.run();
        for (std::size_t i = 0; i < doers.size(); ++i) {
            const hio_test::EchoClientDoer& doer = *doers[i];
            const std::string who = "client " + std::to_string(i);
            if (doer.corrupted())
                return who + " got back bytes it did not send";
            if (!doer.ok() && !doer.failed())
                return who + " still running at the liveness deadline (tyme " + std::to_string(deadline) + ")";
            bool met = false;
            for (const std::string& endpoint : doer.endpoints())
                met = met || world.met_fault(endpoint);
            if (doer.failed() && !met)
                return who + " failed without meeting a fault: " + doer.why();
        }
        return {};
    }

    hio::sim::World world;
    std::optional<hio::StreamServer> server;
    std::optional<hio::EchoServerDoer> echo;
    std::vector<std::unique_ptr<hio::StreamClient>> clients;
    std::vector<std::unique_ptr<hio_test::EchoClientDoer>> doers;
};

}  // namespace

TEST_CASE("Sweep: the echo server and 20 clients over a faulty network, every byte back in order",
          "[sim][sweep]") {
    hio_test::sweep_seeds(hio_test::sanitized ? 100 : 1000, [](std::uint64_t seed) {
        const hio::sim::WorldOptions options = faulty_world(seed);
        EchoRun run{options};
        return hio::sim::SweepRun{run.run(), options.faults.describe()};
    });
}

TEST_CASE("The determinism check finds two runs of a seed identical, pass by pass", "[sim][sweep][trace]") {
    const auto run = [](const hio::sim::WorldOptions& options) {
        EchoRun rig{options, 5};
        rig.run();
        return rig.world.trace();
    };
    CHECK(hio::sim::check_determinism(faulty_world(3), run).empty());
}

TEST_CASE("The determinism check names where two runs part", "[sim][sweep][trace]") {
    int runs = 0;
    const auto run = [&runs](const hio::sim::WorldOptions& options) {
        hio::sim::WorldOptions changed = options;
        if (++runs == 2)
            changed.link.latency *= 2;  // the second run differs from its first segment on
        EchoRun rig{changed, 2};
        rig.run();
        return rig.world.trace();
    };
    const std::string report = hio::sim::check_determinism(faulty_world(3), run);
    INFO(report);
    CHECK_THAT(report, Catch::Matchers::StartsWith("the runs part at step "));
    CHECK_THAT(report, Catch::Matchers::Contains("the first run") && Catch::Matchers::Contains("the second"));
}

namespace {

// A line echo server: answers each "\r\n"-terminated line with the same line. The planted
// bug: it looks for the line end in each read on its own, so a read that ends between '\r'
// and '\n' ends the line at the '\r', and the '\n' starts the next line (an extra byte).
struct LineSession final : hio::ConnectionSession {
    std::string pending;
};

class LineEchoDoer final : public hio::StreamServerDoer {
public:
    LineEchoDoer(hio::StreamServer& server, bool buggy) : StreamServerDoer{server}, buggy_{buggy} {}

protected:
    void serve(hio::Connection& connection, double) override {
        LineSession* session = connection.session<LineSession>();
        if (session == nullptr)
            session = &connection.emplace_session<LineSession>();
        const std::string read = connection.receive();
        std::string& pending = session->pending;
        if (buggy_) {
            pending += read;
            for (std::size_t end = pending.find('\r'); end != std::string::npos; end = pending.find('\r')) {
                const bool whole = end + 1 < pending.size() && pending[end + 1] == '\n';
                connection.send(pending.substr(0, end) + "\r\n");
                pending.erase(0, whole ? end + 2 : end + 1);  // BUG: a '\n' still to come is kept
            }
        } else {
            pending += read;
            for (std::size_t end = pending.find("\r\n"); end != std::string::npos; end = pending.find("\r\n")) {
                connection.send(pending.substr(0, end + 2));
                pending.erase(0, end + 2);
            }
        }
        connection.proven(true);
    }

private:
    bool buggy_;
};

// Sends `lines` random lines at once and expects exactly them back.
class LineClientDoer final : public hio::StreamClientDoer {
public:
    LineClientDoer(hio::StreamClient& client, int lines) : StreamClientDoer{client}, lines_{lines} {}
    std::string failure;
    bool finished = false;

protected:
    bool talk(double) override {
        hio::StreamClient& c = client();
        if (!c.connected()) {
            if (!c.active())
                return stop("lost the connection: " + c.last_error().message());
            idle_between_events();
            return false;
        }
        if (sent_.empty()) {
            for (int i = 0; i < lines_; ++i) {
                const std::uint64_t length = random().between(1, 12);
                for (std::uint64_t k = 0; k < length; ++k)
                    sent_ += static_cast<char>('a' + random().below(26));
                sent_ += "\r\n";
            }
            c.send(sent_);
        }
        got_ += c.receive();
        if (got_.size() > sent_.size() || sent_.compare(0, got_.size(), got_) != 0)
            return stop("the echo differs from what was sent at byte " + std::to_string(first_difference()));
        if (got_.size() == sent_.size())
            return stop({});
        idle_between_events();
        return false;
    }

private:
    bool stop(std::string why) {
        failure = std::move(why);
        finished = true;
        client().close();
        return true;
    }
    [[nodiscard]] std::size_t first_difference() const {
        std::size_t at = 0;
        while (at < got_.size() && at < sent_.size() && got_[at] == sent_[at])
            ++at;
        return at;
    }

    int lines_;
    std::string sent_;
    std::string got_;
};

struct LineRun {
    std::string failure;
    std::string trace;
};

LineRun run_lines(std::uint64_t seed, bool buggy) {
    hio::sim::World world{{.seed = seed, .link = {.latency = 0.001, .jitter = 0.004, .split = 0.5, .short_writes = 0.3}}};
    hio::sim::Host& server_host = world.host("server");
    hio::sim::Host& client_host = world.host("client");
    hio::StreamServer server{server_host.network(), {.host = "server", .port = 9}};
    LineEchoDoer echo{server, buggy};
    server_host.add({&echo});
    std::vector<std::unique_ptr<hio::StreamClient>> clients;
    std::vector<std::unique_ptr<LineClientDoer>> doers;
    for (int i = 0; i < 3; ++i) {
        clients.push_back(std::make_unique<hio::StreamClient>(client_host.network(),
                                                             hio::StreamClientOptions{.host = "server", .port = 9}));
        doers.push_back(std::make_unique<LineClientDoer>(*clients.back(), 8));
        client_host.add({doers.back().get()});
    }
    world.stop_when([&] {
        return std::all_of(doers.begin(), doers.end(), [](const auto& doer) { return doer->finished; });
    });
    hio::Doist doist{{.tock = tick, .limit = 10.0, .waiter = &world}, world.doers()};
    doist.run();
    LineRun out{{}, world.trace().hex()};
    for (const auto& doer : doers)
        if (!doer->finished)
            out.failure = "a client did not finish";
        else if (!doer->failure.empty())
            out.failure = doer->failure;
    return out;
}

}  // namespace

TEST_CASE("A sweep finds a planted bug at an unlucky read boundary, and its seed replays it", "[sim][sweep]") {
    const auto first = hio::sim::sweep({1, 200}, [](std::uint64_t seed) {
        return hio::sim::SweepRun{run_lines(seed, true).failure, "jitter=0.004 split=0.5 short_writes=0.3"};
    }, "HIO_SIM_SEED={seed} hio_sim_tests \"planted bug\"");
    REQUIRE(first.has_value());
    INFO(first->report());
    CHECK_THAT(first->report(), Catch::Matchers::Contains("replay: HIO_SIM_SEED=" + std::to_string(first->seed)));
    CHECK_THAT(first->message, Catch::Matchers::StartsWith("the echo differs from what was sent at byte "));
    // Rerunning the seed fails the same way, bit for bit (the same trace), every time.
    const LineRun again = run_lines(first->seed, true);
    CHECK(again.failure == first->message);
    CHECK(run_lines(first->seed, true).trace == again.trace);
    // The fixed server passes the seeds that found the bug.
    for (std::uint64_t seed = 1; seed <= first->seed; ++seed)
        CHECK(run_lines(seed, false).failure.empty());
}
