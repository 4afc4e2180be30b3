// udp_load: the load generator of the UDP benchmark. `--senders N` sockets each keep
// `--window W` datagrams of `--size` bytes in flight to the echo peer at --host:--port, and
// send another for each echo that comes back, for --seconds after --warmup seconds. A datagram
// lost (UDP may drop under load) is replaced after 50 ms. Prints key=value figures:
// datagrams_per_s (echoes received per second), p50_us, p99_us (round trip), lost.
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Sender {
    int fd = -1;
    std::vector<Clock::time_point> sent_at;  // per slot in the window
    Clock::time_point last_heard{};
};

double micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

}  // namespace

int main(int argc, char** argv) {
    std::string host = "127.0.0.1";
    unsigned port = 0, senders = 1, window = 1;
    std::size_t size = 64;
    double seconds = 5.0, warmup = 1.0;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string option = argv[i];
        const char* value = argv[i + 1];
        if (option == "--host") host = value;
        else if (option == "--port") port = static_cast<unsigned>(std::strtoul(value, nullptr, 10));
        else if (option == "--senders") senders = static_cast<unsigned>(std::strtoul(value, nullptr, 10));
        else if (option == "--window") window = static_cast<unsigned>(std::strtoul(value, nullptr, 10));
        else if (option == "--size") size = std::strtoul(value, nullptr, 10);
        else if (option == "--seconds") seconds = std::strtod(value, nullptr);
        else if (option == "--warmup") warmup = std::strtod(value, nullptr);
        else {
            std::fprintf(stderr, "usage: udp_load --port P [--host H] [--senders N] [--window W] [--size B] "
                                 "[--seconds S] [--warmup S]\n");
            return 2;
        }
    }
    if (port == 0 || senders == 0 || window == 0 || window > 256 || size < 2 || size > 65000) {
        std::fprintf(stderr, "udp_load: need --port, senders >= 1, 1 <= window <= 256, 2 <= size <= 65000\n");
        return 2;
    }
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<std::uint16_t>(port));
    if (::inet_pton(AF_INET, host.c_str(), &to.sin_addr) != 1) {
        std::fprintf(stderr, "udp_load: --host must be a numeric IPv4 address\n");
        return 2;
    }
    const int epoll = ::epoll_create1(0);
    std::vector<Sender> all(senders);
    std::vector<char> payload(size, 'x');
    const auto send = [&](Sender& s, unsigned slot) {
        payload[0] = static_cast<char>(slot);
        s.sent_at[slot] = Clock::now();
        ::sendto(s.fd, payload.data(), payload.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
    };
    for (std::size_t i = 0; i < all.size(); ++i) {
        Sender& s = all[i];
        s.fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
        ::connect(s.fd, reinterpret_cast<const sockaddr*>(&to), sizeof to);  // only its echoes
        s.sent_at.resize(window);
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.u64 = i;
        ::epoll_ctl(epoll, EPOLL_CTL_ADD, s.fd, &event);
        for (unsigned slot = 0; slot < window; ++slot)
            send(s, slot);
        s.last_heard = Clock::now();
    }
    const auto start = Clock::now();
    const auto measure_from = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(warmup));
    const auto end = measure_from + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    std::uint64_t echoes = 0, lost = 0;
    std::vector<double> samples;
    samples.reserve(1 << 20);
    std::vector<epoll_event> events(256);
    char buffer[65536];
    for (auto now = Clock::now(); now < end; now = Clock::now()) {
        const int n = ::epoll_wait(epoll, events.data(), static_cast<int>(events.size()), 10);
        now = Clock::now();
        for (int e = 0; e < n; ++e) {
            Sender& s = all[events[static_cast<std::size_t>(e)].data.u64];
            for (;;) {
                const ssize_t got = ::recv(s.fd, buffer, sizeof buffer, 0);
                if (got <= 0)
                    break;
                const auto slot = static_cast<unsigned>(static_cast<unsigned char>(buffer[0])) % window;
                now = Clock::now();  // after this sender's own resends of the slot, never before
                if (now >= measure_from) {
                    ++echoes;
                    if ((echoes & 15U) == 0 || samples.size() < 100000)
                        samples.push_back(micros(now - s.sent_at[slot]));
                }
                s.last_heard = now;
                send(s, slot);
            }
        }
        // A sender that heard nothing for 50 ms lost its datagrams: send the window again.
        for (Sender& s : all)
            if (now - s.last_heard > std::chrono::milliseconds{50}) {
                lost += window;
                for (unsigned slot = 0; slot < window; ++slot)
                    send(s, slot);
                s.last_heard = now;
            }
    }
    std::sort(samples.begin(), samples.end());
    const auto at = [&](double q) { return samples.empty() ? 0.0 : samples[static_cast<std::size_t>(q * static_cast<double>(samples.size() - 1))]; };
    std::printf("senders=%u window=%u size=%zu seconds=%.2f datagrams=%llu datagrams_per_s=%.1f p50_us=%.1f "
                "p99_us=%.1f lost=%llu\n",
                senders, window, size, seconds, static_cast<unsigned long long>(echoes),
                static_cast<double>(echoes) / seconds, at(0.5), at(0.99), static_cast<unsigned long long>(lost));
    return 0;
}
