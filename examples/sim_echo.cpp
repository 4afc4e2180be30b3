// sim_echo: the echo server and N clients over a simulated, faulty network, in virtual time.
//
// Run:   build/examples/sim_echo --seed 7
//        build/examples/sim_echo --seed 7 --clients 100 --messages 50
//        build/examples/sim_echo --seed 7 --faults off
// Prints one line per fault the network injects, a summary, and last `trace <16 hex digits>`:
// the run's fingerprint. The same seed prints the same trace, every time, on every machine.
// Exits 0 when every byte came back in order and every client that met no fault finished,
// 1 otherwise.
//
// The server and the clients are the same doers that run over real sockets
// (EchoServerDoer, a StreamClientDoer subclass); only the Network they are given differs.
// No socket is opened and no system call is made for the I/O: it runs far faster than the
// real thing, and a run can be replayed from its seed.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <hio/sim.hpp>
#include <hio/io/stream_client.hpp>
#include <hio/io/stream_server_doer.hpp>

#include "arguments.hpp"

namespace {

// Sends `messages` messages of random bytes one at a time and checks each echo. Like an
// application with timeouts, it drops a connection that stays silent for a second and tries a
// new one (at most four), which is how it notices a crashed server.
class EchoClient : public hio::StreamClientDoer {
public:
    EchoClient(hio::StreamClient& client, int messages) : StreamClientDoer{client}, messages_{messages} {}

    int echoed = 0;
    bool corrupted = false;
    bool gave_up = false;
    std::vector<std::string> endpoints;  // of each connection it made, to ask the World about faults

protected:
    void enter() override {
        StreamClientDoer::enter();
        heard_at_ = tyme();
    }

    bool recur(double tyme) override {
        const bool over = StreamClientDoer::recur(tyme);
        if (!over)
            idle_until(std::min(client().next_deadline(), heard_at_ + patience));
        return over;
    }

    bool talk(double tyme) override {
        hio::StreamClient& c = client();
        if (tyme - heard_at_ >= patience || !c.active()) {  // silent, or given up: a new connection
            if (++connections_ > 4) {
                gave_up = true;
                return true;
            }
            c.connect(tyme);
            heard_at_ = tyme;
            sent_.clear();
        }
        if (c.connection() != nullptr &&
            (endpoints.empty() || endpoints.back() != c.connection()->local_endpoint())) {
            endpoints.push_back(c.connection()->local_endpoint());
            sent_.clear();  // a new connection: the message starts again
        }
        if (!c.connected())
            return false;
        if (sent_.empty()) {
            sent_.resize(1 + random().below(2000));  // the World's seed drives this too
            for (char& byte : sent_)
                byte = static_cast<char>('a' + random().below(26));
            got_.clear();
            queued_ = 0;
        }
        queued_ += c.send(std::string_view{sent_}.substr(queued_));
        const std::string arrived = c.receive();
        if (!arrived.empty())
            heard_at_ = tyme;
        got_ += arrived;
        if (sent_.compare(0, got_.size(), got_) != 0) {
            corrupted = true;
            return true;
        }
        if (got_.size() == sent_.size()) {
            sent_.clear();
            if (++echoed == messages_)
                return true;
            return talk(tyme);  // the next message, in the same pass
        }
        return false;
    }

private:
    static constexpr double patience = 1.0;
    int messages_;
    int connections_ = 1;
    double heard_at_ = 0.0;
    std::string sent_;
    std::string got_;
    std::size_t queued_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
    const example::Arguments args{argc, argv,
                                  "sim_echo [--seed S] [--clients N] [--messages M] [--faults on|off]",
                                  {"--seed", "--clients", "--messages", "--faults"}, {}};
    const auto seed = static_cast<std::uint64_t>(args.integer("--seed", 1, 0, 1LL << 52));
    const auto clients = static_cast<int>(args.integer("--clients", 20, 1, 100000));
    const auto messages = static_cast<int>(args.integer("--messages", 10, 1, 1000000));
    const std::string faults = args.text("--faults", "on");
    if (faults != "on" && faults != "off")
        args.fail("--faults is on or off, got '" + faults + "'");

    // The network: 1 ms latency, up to 2 ms of jitter, segments cut at random, and the fault
    // menu, all drawn from the one seed.
    hio::sim::WorldOptions options{.seed = seed};
    options.link = {.latency = 0.001, .jitter = 0.002, .split = 0.3, .short_writes = 0.3};
    if (faults == "on")
        options.faults = {.reset = 0.1, .drip = 0.05, .black_hole = 0.05, .accept_delay = 0.2, .would_block = 0.005,
                          .partitions = 1, .one_way = 1, .crashes = 1, .horizon = 2.0};
    hio::sim::World world{options};
    world.on_fault([](const hio::sim::FaultEvent& fault) {
        std::printf("fault  %10.6f  %s\n", fault.tyme, fault.what.c_str());
    });

    // The echo server, on a host named "server"; the clients on a host of their own.
    hio::sim::Host& server_host = world.host("server");
    hio::sim::Host& client_host = world.host("clients", {.crashable = false});
    hio::StreamServer server{server_host.network(), {.host = "server", .port = 7, .max_connections = 100000}};
    hio::EchoServerDoer echo{server};
    server_host.add({&echo});
    std::vector<std::unique_ptr<hio::StreamClient>> connections;
    std::vector<std::unique_ptr<EchoClient>> talkers;
    for (int i = 0; i < clients; ++i) {
        connections.push_back(std::make_unique<hio::StreamClient>(
            client_host.network(), hio::StreamClientOptions{.host = "server", .port = 7, .timeout = 1.0}));
        talkers.push_back(std::make_unique<EchoClient>(*connections.back(), messages));
        client_host.add({talkers.back().get()});
    }

    // Virtual time, 1/1024 s per pass; the run ends when every client has finished (the
    // server never does) or at tyme 600.
    world.stop_when([&] {
        for (const auto& talker : talkers)
            if (!talker->done_state().value_or(false))
                return false;
        return true;
    });
    hio::Doist doist{{.tock = 1.0 / 1024, .limit = 600.0, .waiter = &world}, world.doers()};
    doist.run();

    int finished = 0, gave_up = 0, corrupted = 0, unexplained = 0;
    long echoed = 0;
    for (const auto& talker : talkers) {
        echoed += talker->echoed;
        corrupted += talker->corrupted ? 1 : 0;
        if (talker->gave_up) {
            ++gave_up;
            bool met = false;
            for (const std::string& endpoint : talker->endpoints)
                met = met || world.met_fault(endpoint);
            unexplained += met ? 0 : 1;
        } else if (talker->echoed == messages) {
            ++finished;
        }
    }
    const hio::sim::WorldStats& stats = world.stats();
    std::printf("clients %d: %d finished, %d gave up after faults, %d gave up without one, %d corrupted\n",
                clients, finished, gave_up - unexplained, unexplained, corrupted);
    std::printf("messages echoed %ld; %llu faults; %llu connections, %llu resets; %llu segments, %llu bytes\n",
                echoed, static_cast<unsigned long long>(stats.faults),
                static_cast<unsigned long long>(stats.connections), static_cast<unsigned long long>(stats.resets),
                static_cast<unsigned long long>(stats.segments), static_cast<unsigned long long>(stats.bytes));
    std::printf("virtual time %.3f s in %llu passes\n", doist.tyme(),
                static_cast<unsigned long long>(doist.passes()));
    std::printf("trace %s\n", world.trace().hex().c_str());
    return corrupted == 0 && unexplained == 0 && finished + gave_up == clients ? 0 : 1;
}
