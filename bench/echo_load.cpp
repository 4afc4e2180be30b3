// echo_load: a closed-loop load generator for echo servers; checks every echoed byte.
//
// Run:   build/bench/echo_load --port P [--host H] [--connections N] [--size BYTES]
//                              [--seconds T] [--warmup T] [--idle M]
// Each active connection sends one message of --size bytes (a pattern per connection and
// sequence number), waits for the whole echo, checks it, records the round trip, repeats.
// --idle opens M more connections that stay silent. Prints a summary and one line
// "connections=.. size=.. round_trips=.. rt_per_s=.. mb_per_s=.. p50_us=.. p99_us=.. errors=..".
// One thread, non-blocking sockets, epoll: pin it to its own core (taskset) when comparing.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
    std::string host = "127.0.0.1";
    unsigned short port = 0;
    std::size_t connections = 1;
    std::size_t size = 64;
    double seconds = 5.0;
    double warmup = 1.0;
    std::size_t idle = 0;
};

struct Connection {
    int fd = -1;
    std::size_t index = 0;
    std::uint64_t sequence = 0;
    std::vector<char> out;
    std::vector<char> in;
    std::size_t sent = 0;
    std::size_t received = 0;
    bool partial = false;  // output interest registered
    Clock::time_point started;
};

[[noreturn]] void die(const std::string& message) {
    std::fprintf(stderr, "echo_load: %s\n", message.c_str());
    std::exit(1);
}

Options parse(int argc, char** argv) {
    Options options;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string option = argv[i];
        const char* value = argv[i + 1];
        if (option == "--host")
            options.host = value;
        else if (option == "--port")
            options.port = static_cast<unsigned short>(std::strtoul(value, nullptr, 10));
        else if (option == "--connections")
            options.connections = std::strtoul(value, nullptr, 10);
        else if (option == "--size")
            options.size = std::strtoul(value, nullptr, 10);
        else if (option == "--seconds")
            options.seconds = std::strtod(value, nullptr);
        else if (option == "--warmup")
            options.warmup = std::strtod(value, nullptr);
        else if (option == "--idle")
            options.idle = std::strtoul(value, nullptr, 10);
        else
            die("unknown option " + option);
    }
    if (options.port == 0 || options.size == 0 || options.seconds <= 0.0 || options.seconds > 600.0)
        die("need --port, --size >= 1 and 0 < --seconds <= 600");
    return options;
}

int connect_to(const Options& options) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        die(std::string{"socket: "} + std::strerror(errno));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(options.port);
    if (::inet_pton(AF_INET, options.host.c_str(), &address.sin_addr) != 1)
        die("--host must be an IPv4 address, got " + options.host);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
        die("connect to " + options.host + ":" + std::to_string(options.port) + ": " + std::strerror(errno));
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

// The message for (connection, sequence): every byte depends on both.
void fill(Connection& c) {
    std::uint32_t state = static_cast<std::uint32_t>(c.index * 2654435761U + c.sequence * 40503U + 1U);
    for (char& byte : c.out) {
        state = state * 1103515245U + 12345U;
        byte = static_cast<char>(state >> 16);
    }
}

}  // namespace

int main(int argc, char** argv) {
    const Options options = parse(argc, argv);

    std::vector<int> idle;
    for (std::size_t i = 0; i < options.idle; ++i)
        idle.push_back(connect_to(options));

    const int epoll_fd = ::epoll_create1(0);
    std::vector<Connection> connections(options.connections);
    for (std::size_t i = 0; i < connections.size(); ++i) {
        Connection& c = connections[i];
        c.fd = connect_to(options);
        c.index = i;
        c.out.resize(options.size);
        c.in.resize(options.size);
        ::fcntl(c.fd, F_SETFL, O_NONBLOCK);
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.ptr = &c;
        ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, c.fd, &event);
    }

    std::vector<double> latencies;
    latencies.reserve(1 << 20);
    std::uint64_t round_trips = 0;
    const auto begin = Clock::now();
    const auto measure_from = begin + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>{options.warmup});
    const auto end = measure_from + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>{options.seconds});

    const auto start_message = [](Connection& c) {
        fill(c);
        c.sent = c.received = 0;
        c.started = Clock::now();
    };
    // Output interest only while a message is partly sent (large messages).
    const auto want_output = [epoll_fd](Connection& c, bool want) {
        epoll_event event{};
        event.events = want ? EPOLLIN | EPOLLOUT : EPOLLIN;
        event.data.ptr = &c;
        ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c.fd, &event);
    };
    const auto send_some = [&](Connection& c) {
        const bool was_partial = c.partial;
        const ssize_t w = ::send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
        if (w > 0)
            c.sent += static_cast<std::size_t>(w);
        else if (w < 0 && errno != EAGAIN)
            die("send on connection " + std::to_string(c.index) + ": " + std::strerror(errno));
        c.partial = c.sent < c.out.size();
        if (c.partial != was_partial)
            want_output(c, c.partial);
    };
    for (Connection& c : connections) {
        start_message(c);
        send_some(c);
    }
    if (connections.empty()) {  // only idle connections: hold them for the duration
        while (Clock::now() < end)
            ::usleep(10000);
    }

    std::vector<epoll_event> events(1024);
    while (!connections.empty() && Clock::now() < end) {
        const int n = ::epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()), 100);
        for (int i = 0; i < n; ++i) {
            Connection& c = *static_cast<Connection*>(events[static_cast<std::size_t>(i)].data.ptr);
            if (c.sent < c.out.size())
                send_some(c);
            for (;;) {
                if (c.received == c.in.size())
                    break;
                const ssize_t r = ::recv(c.fd, c.in.data() + c.received, c.in.size() - c.received, 0);
                if (r == 0)
                    die("connection " + std::to_string(c.index) + " closed by the server");
                if (r < 0) {
                    if (errno == EAGAIN)
                        break;
                    die("recv on connection " + std::to_string(c.index) + ": " + std::strerror(errno));
                }
                c.received += static_cast<std::size_t>(r);
            }
            if (c.received == c.in.size() && c.sent == c.out.size()) {
                const auto now = Clock::now();
                if (std::memcmp(c.in.data(), c.out.data(), c.in.size()) != 0) {
                    std::size_t at = 0;
                    while (c.in[at] == c.out[at])
                        ++at;
                    die("echo mismatch on connection " + std::to_string(c.index) + " at byte " + std::to_string(at) +
                        " of message " + std::to_string(c.sequence));
                }
                if (c.started >= measure_from && now <= end) {
                    ++round_trips;
                    latencies.push_back(std::chrono::duration<double, std::micro>(now - c.started).count());
                }
                ++c.sequence;
                start_message(c);
                send_some(c);
            }
        }
    }
    std::sort(latencies.begin(), latencies.end());
    const auto percentile = [&](double p) {
        return latencies.empty() ? 0.0 : latencies[std::min(latencies.size() - 1, static_cast<std::size_t>(p * static_cast<double>(latencies.size())))];
    };
    const double rt_per_s = static_cast<double>(round_trips) / options.seconds;
    const double mb_per_s = rt_per_s * static_cast<double>(options.size) / 1e6;
    std::printf("connections=%zu idle=%zu size=%zu seconds=%.2f round_trips=%llu rt_per_s=%.1f mb_per_s=%.2f "
                "p50_us=%.1f p99_us=%.1f errors=0\n",
                options.connections, options.idle, options.size, options.seconds,
                static_cast<unsigned long long>(round_trips), rt_per_s, mb_per_s, percentile(0.50), percentile(0.99));
    for (const Connection& c : connections)
        ::close(c.fd);
    for (const int fd : idle)
        ::close(fd);
    ::close(epoll_fd);
    return 0;
}
