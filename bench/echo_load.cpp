// echo_load: a closed-loop load generator for echo servers; checks every echoed byte.
//
// Run:   build/bench/echo_load --port P [--host H] [--connections N] [--size BYTES]
//                              [--seconds T] [--warmup T] [--idle M] [--tls] [--handshakes]
// Each active connection sends one message of --size bytes (a pattern per connection and
// sequence number), waits for the whole echo, checks it, records the round trip, repeats.
// --idle opens M more connections that stay silent. Prints a summary and one line
// "connections=.. size=.. round_trips=.. rt_per_s=.. mb_per_s=.. p50_us=.. p99_us=.. errors=..".
// --tls speaks TLS (no certificate check: a benchmark, not a client); --handshakes instead
// connects, completes a TLS handshake and closes, repeatedly, and reports handshakes/s.
// One thread, non-blocking sockets, epoll: pin it to its own core (taskset) when comparing.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

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
    bool tls = false;
    bool handshakes = false;
};

struct Connection {
    int fd = -1;
    std::size_t index = 0;
    std::uint64_t sequence = 0;
    std::vector<char> pattern;  // this connection's bytes; each message is a window of them
    std::vector<char> out;
    std::vector<char> in;
    std::size_t sent = 0;
    std::size_t received = 0;
    bool partial = false;  // output interest registered
    Clock::time_point started;
    SSL* ssl = nullptr;
};

[[noreturn]] void die(const std::string& message) {
    std::fprintf(stderr, "echo_load: %s\n", message.c_str());
    std::exit(1);
}

Options parse(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string option = argv[i];
        if (option == "--tls" || option == "--handshakes") {
            options.tls = true;
            options.handshakes = options.handshakes || option == "--handshakes";
            continue;
        }
        if (i + 1 >= argc)
            die(option + " needs a value");
        const char* value = argv[++i];
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

SSL_CTX* tls_context() {
    static SSL_CTX* ctx = [] {
        SSL_CTX* made = SSL_CTX_new(TLS_client_method());
        SSL_CTX_set_verify(made, SSL_VERIFY_NONE, nullptr);
        SSL_CTX_set_mode(made, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
        return made;
    }();
    return ctx;
}

// A TLS session on a connected, still blocking socket; the handshake completes here.
SSL* tls_handshake(int fd) {
    SSL* ssl = SSL_new(tls_context());
    SSL_set_fd(ssl, fd);
    if (SSL_connect(ssl) != 1) {
        char reason[256];
        ERR_error_string_n(ERR_get_error(), reason, sizeof reason);
        die(std::string{"TLS handshake failed: "} + reason);
    }
    return ssl;
}

// Send and receive, plain or TLS; returns bytes, 0 for EOF, -1 for would-block (errno set
// to EAGAIN), -2 for an error.
ssize_t io_send(Connection& c, const char* data, std::size_t size) {
    if (c.ssl == nullptr) {
        const ssize_t w = ::send(c.fd, data, size, MSG_NOSIGNAL);
        return w < 0 ? (errno == EAGAIN ? -1 : -2) : w;
    }
    std::size_t written = 0;
    if (SSL_write_ex(c.ssl, data, size, &written) == 1)
        return static_cast<ssize_t>(written);
    const int error = SSL_get_error(c.ssl, 0);
    return error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE ? -1 : -2;
}

ssize_t io_recv(Connection& c, char* data, std::size_t size) {
    if (c.ssl == nullptr) {
        const ssize_t r = ::recv(c.fd, data, size, 0);
        return r < 0 ? (errno == EAGAIN ? -1 : -2) : r;
    }
    std::size_t got = 0;
    if (SSL_read_ex(c.ssl, data, size, &got) == 1)
        return static_cast<ssize_t>(got);
    const int error = SSL_get_error(c.ssl, 0);
    if (error == SSL_ERROR_ZERO_RETURN)
        return 0;
    return error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE ? -1 : -2;
}

// The message for (connection, sequence): a window of the connection's pattern at an offset
// that moves with the sequence, so a stale or misrouted echo does not match. A copy, not a
// generator: making the bytes must not cost the load generator more than sending them.
constexpr std::size_t pattern_slack = 4093;  // prime: consecutive offsets never repeat soon

void make_pattern(Connection& c) {
    c.pattern.resize(c.out.size() + pattern_slack);
    std::uint32_t state = static_cast<std::uint32_t>(c.index * 2654435761U + 1U);
    for (char& byte : c.pattern) {
        state = state * 1103515245U + 12345U;
        byte = static_cast<char>(state >> 16);
    }
}

void fill(Connection& c) {
    const std::size_t offset = (c.sequence * 613U) % pattern_slack;
    std::memcpy(c.out.data(), c.pattern.data() + offset, c.out.size());
}

}  // namespace

int main(int argc, char** argv) {
    const Options options = parse(argc, argv);

    if (options.handshakes) {
        const auto stop = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>{options.seconds});
        std::uint64_t count = 0;
        while (Clock::now() < stop) {
            const int fd = connect_to(options);
            SSL* ssl = tls_handshake(fd);
            SSL_shutdown(ssl);
            SSL_free(ssl);
            ::close(fd);
            ++count;
        }
        std::printf("handshakes=%llu seconds=%.2f handshakes_per_s=%.1f\n", static_cast<unsigned long long>(count),
                    options.seconds, static_cast<double>(count) / options.seconds);
        return 0;
    }

    std::vector<int> idle;
    for (std::size_t i = 0; i < options.idle; ++i)
        idle.push_back(connect_to(options));

    const int epoll_fd = ::epoll_create1(0);
    std::vector<Connection> connections(options.connections);
    for (std::size_t i = 0; i < connections.size(); ++i) {
        Connection& c = connections[i];
        c.fd = connect_to(options);
        if (options.tls)
            c.ssl = tls_handshake(c.fd);
        c.index = i;
        c.out.resize(options.size);
        c.in.resize(options.size);
        make_pattern(c);
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
        const ssize_t w = io_send(c, c.out.data() + c.sent, c.out.size() - c.sent);
        if (w > 0)
            c.sent += static_cast<std::size_t>(w);
        else if (w == -2)
            die("send on connection " + std::to_string(c.index) + " failed");
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
                const ssize_t r = io_recv(c, c.in.data() + c.received, c.in.size() - c.received);
                if (r == 0)
                    die("connection " + std::to_string(c.index) + " closed by the server");
                if (r == -1)
                    break;
                if (r < 0)
                    die("recv on connection " + std::to_string(c.index) + " failed");
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
    for (const Connection& c : connections) {
        if (c.ssl != nullptr)
            SSL_free(c.ssl);
        ::close(c.fd);
    }
    for (const int fd : idle)
        ::close(fd);
    ::close(epoll_fd);
    return 0;
}
