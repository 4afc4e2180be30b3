// sim_bench: echo round trips per CPU-second over the simulated network against the same doers
// over real loopback sockets, in the same run.
//
// Run:   build/bench/sim_bench [--seconds T] [--rounds R] [--connections 1,100,10000] [--only sim|real]
//                             [--quick]
// For each connection count: the echo server (EchoServerDoer) and N clients that each
// send 64 bytes, wait for the echo and send again, in one process and one Doist, first over
// sim::World (virtual time), then over tcp::Network on 127.0.0.1 (real time, epoll). Prints
// round trips per CPU-second of the process (user + system: the simulation spends no system
// time) for both, medians of R rounds (default 3) that alternate the two, their ratio, and the
// memory the simulation holds per connection. --quick: one short round (to check that it runs).
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <hio/hio.hpp>

namespace {

// Sends 64 bytes, waits for the whole echo, counts a round trip, sends again.
class Pinger final : public hio::StreamClientDoer {
public:
    Pinger(hio::StreamClient& client, std::uint64_t& round_trips) : StreamClientDoer{client}, round_trips_{round_trips} {}

protected:
    bool talk(double) override {
        hio::StreamClient& c = client();
        if (c.connected()) {
            got_ += c.receive().size();
            if (got_ >= message.size()) {
                got_ -= message.size();
                ++round_trips_;
                waiting_ = false;
            }
            if (!waiting_)
                waiting_ = c.send(message) == message.size();
        }
        idle_between_events();
        return false;
    }

private:
    static inline const std::string message = std::string(64, 'x');
    std::uint64_t& round_trips_;
    std::size_t got_ = 0;
    bool waiting_ = false;
};

double cpu_seconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const auto seconds = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

long rss_kib() {
    std::ifstream status{"/proc/self/status"};
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmRSS:", 0) == 0)
            return std::strtol(line.c_str() + 6, nullptr, 10);
    return 0;
}

struct Result {
    std::uint64_t round_trips = 0;
    double cpu = 0.0;
    double bytes_per_connection = 0.0;
    [[nodiscard]] double rate() const { return cpu > 0.0 ? static_cast<double>(round_trips) / cpu : 0.0; }
};

// Looks at the CPU clock every 0.1 s of tyme: in virtual time that is ~100 passes, so the
// getrusage calls cost nothing next to the round trips.
class Watch final : public hio::Doer {
public:
    explicit Watch(std::function<bool()> check) : hio::Doer{0.1}, check_{std::move(check)} {}

protected:
    bool recur(double) override { return check_(); }

private:
    std::function<bool()> check_;
};

// The server and `count` pingers on `server_network` / `client_network`, run by `doist` (via
// `run`) until `seconds` of CPU time have been measured, after a warm-up of a fifth of it.
// With hosts (the simulation) the doers go on them; else into the list `run` gets.
template <class Run>
Result measure(hio::Network& server_network, hio::Network& client_network, const std::string& host, std::size_t count,
               double seconds, hio::Doist& doist, Run&& run, hio::sim::Host* server_host = nullptr,
               hio::sim::Host* client_host = nullptr) {
    const long rss_before = rss_kib();
    // 4 KiB buffers on both sides (64-byte messages): 10 000 connections in flight then hold
    // 40 MiB of blocks, not 640 MiB, for the simulation and the real sockets alike.
    hio::StreamServer server{server_network,
                            {.host = host, .port = 7007, .max_connections = count + 16, .buffer_size = 4096}};
    hio::EchoServerDoer echo{server};
    std::uint64_t round_trips = 0;
    std::vector<std::unique_ptr<hio::StreamClient>> clients;
    std::vector<std::unique_ptr<Pinger>> pingers;
    clients.reserve(count);
    pingers.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        clients.push_back(std::make_unique<hio::StreamClient>(
            client_network, hio::StreamClientOptions{.host = host, .port = 7007, .timeout = 30.0, .buffer_size = 4096}));
        pingers.push_back(std::make_unique<Pinger>(*clients.back(), round_trips));
    }
    Result result;
    double started = -1.0;
    std::uint64_t at_start = 0;
    const double begin = cpu_seconds();
    Watch watch{[&] {
        const double now = cpu_seconds();
        if (started < 0.0 && now - begin >= seconds / 5.0) {
            started = now;
            at_start = round_trips;
            result.bytes_per_connection =
                static_cast<double>(rss_kib() - rss_before) * 1024.0 / static_cast<double>(count);
        }
        if (started >= 0.0 && now - started >= seconds) {
            result.round_trips = round_trips - at_start;
            result.cpu = now - started;
            doist.request_stop();
            return true;
        }
        return false;
    }};
    std::vector<hio::Doer*> doers;
    if (server_host != nullptr) {
        server_host->add({&echo});
        for (auto& pinger : pingers)
            client_host->add({pinger.get()});
        client_host->add({&watch});
    } else {
        doers.push_back(&echo);
        for (auto& pinger : pingers)
            doers.push_back(pinger.get());
        doers.push_back(&watch);
    }
    run(doers);
    return result;
}

Result simulated(std::size_t count, double seconds) {
    hio::sim::World world{{.link = {.latency = 0.0005}}};
    hio::sim::Host& server_host = world.host("server");
    hio::sim::Host& client_host = world.host("client");
    hio::Doist doist{{.tock = 1.0 / 1024, .waiter = &world}};
    return measure(
        server_host.network(), client_host.network(), "server", count, seconds, doist,
        [&](const std::vector<hio::Doer*>&) { doist.run(world.doers()); }, &server_host, &client_host);
}

Result real(std::size_t count, double seconds) {
    hio::Reactor reactor;
    hio::tcp::Network network{reactor};
    hio::Doist doist{{.tock = 0.001, .real = true, .handle_signals = false, .waiter = &reactor}};
    return measure(network, network, "127.0.0.1", count, seconds, doist,
                   [&](const std::vector<hio::Doer*>& doers) { doist.run(doers); });
}

double median(std::vector<double> values) {
    if (values.empty())
        return 0.0;
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

std::vector<std::size_t> parse_counts(const std::string& text) {
    std::vector<std::size_t> out;
    std::size_t at = 0;
    while (at < text.size()) {
        const std::size_t comma = text.find(',', at);
        out.push_back(std::stoul(text.substr(at, comma - at)));
        at = comma == std::string::npos ? text.size() : comma + 1;
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    double seconds = 3.0;
    int rounds = 3;
    std::vector<std::size_t> counts{1, 100, 10000};
    std::string only;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--quick") {
            seconds = 0.1;
            rounds = 1;
            counts = {1, 100};
        } else if (arg == "--seconds" && i + 1 < argc) {
            seconds = std::strtod(argv[++i], nullptr);
        } else if (arg == "--rounds" && i + 1 < argc) {
            rounds = std::max(1, std::atoi(argv[++i]));
        } else if (arg == "--only" && i + 1 < argc) {
            only = argv[++i];  // sim or real: one side alone (for a profiler)
        } else if (arg == "--connections" && i + 1 < argc) {
            counts = parse_counts(argv[++i]);
        } else {
            std::fprintf(stderr, "usage: sim_bench [--seconds T] [--rounds R] [--connections 1,100,10000] "
                                 "[--only sim|real] [--quick]\n");
            return arg == "--help" ? 0 : 2;
        }
    }
    rlimit files{};
    getrlimit(RLIMIT_NOFILE, &files);
    const auto most = static_cast<rlim_t>(*std::max_element(counts.begin(), counts.end()) * 2 + 256);
    if (files.rlim_cur < most) {
        files.rlim_cur = std::min(most, files.rlim_max);
        setrlimit(RLIMIT_NOFILE, &files);
    }
    std::printf("%-12s %16s %16s %8s %18s\n", "connections", "sim rt/CPU-s", "real rt/CPU-s", "sim/real",
                "sim B/connection");
    for (const std::size_t count : counts) {
        // Rounds alternate the two, and the medians are compared: one round on a shared or
        // virtual machine can be 30 % off.
        std::vector<double> sim_rates;
        std::vector<double> real_rates;
        double bytes = 0.0;
        for (int round = 0; round < rounds; ++round) {
            if (only != "real") {
                const Result sim = simulated(count, seconds);
                sim_rates.push_back(sim.rate());
                bytes = sim.bytes_per_connection;
            }
            if (only != "sim")
                real_rates.push_back(real(count, seconds).rate());
        }
        const double sim_rate = median(sim_rates);
        const double real_rate = median(real_rates);
        std::printf("%-12zu %16.0f %16.0f %7.1fx %18.0f\n", count, sim_rate, real_rate,
                    real_rate > 0.0 ? sim_rate / real_rate : 0.0, bytes);
        std::fflush(stdout);
    }
    return 0;
}
