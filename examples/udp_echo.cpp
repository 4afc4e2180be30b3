// udp_echo: a UDP echo peer. Every datagram goes back to where it came from.
//
// Run:   build/examples/udp_echo                      (127.0.0.1, a free port)
//        build/examples/udp_echo --host ::1 --port 7007 --quiet
// Talk:  nc -u 127.0.0.1 PORT      (type lines; each comes back)
//        python3 -c "import socket; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);
//                    s.sendto(b'hi',('127.0.0.1',PORT)); print(s.recv(100))"
// Stop:  Ctrl-C or SIGTERM: it prints what it echoed and exits 0.
//
// One Doist runs one doer that serves a udp::Peer. The peer reads and sends many datagrams
// per system call, holds at most --queue of them each way, and the Doist sleeps in the
// Reactor until a datagram arrives: an idle peer makes no system call.
#include <cstdio>
#include <exception>
#include <string>
#include <unordered_set>

#include <hio/udp.hpp>

#include "arguments.hpp"
#include "backend.hpp"

namespace {

// Sends every datagram back to its sender, and prints one line for each peer heard from the
// first time (up to `most_remembered` peers, so a flood of spoofed sources cannot grow the set
// without bound).
class Echo : public hio::udp::PeerDoer {
public:
    Echo(hio::udp::Peer& peer, bool quiet) : hio::udp::PeerDoer{peer}, quiet_{quiet} {}

    unsigned long long echoed = 0;

protected:
    bool serve(double) override {
        hio::DatagramPeer& p = peer();
        // Take a datagram only when its reply fits: a full send queue leaves the rest queued,
        // so a flood fills the queues and then the kernel's buffer, and is dropped there.
        while (const hio::Datagram* datagram = p.peek()) {
            if (p.send_queue_full())
                break;
            if (!quiet_ && seen_.size() < most_remembered && seen_.insert(datagram->peer.text()).second) {
                std::printf("peer %s\n", datagram->peer.text().c_str());
                std::fflush(stdout);
            }
            static_cast<void>(p.send_to(datagram->payload, datagram->peer));
            p.pop();
            ++echoed;
        }
        return false;
    }

private:
    static constexpr std::size_t most_remembered = 65536;
    bool quiet_;
    std::unordered_set<std::string> seen_;
};

}  // namespace

int main(int argc, char** argv) {
    const example::Arguments args{argc, argv,
                                  "udp_echo [--host H] [--port P] [--backend epoll|asio] [--queue N] [--tock SECONDS] [--quiet]",
                                  {"--host", "--port", "--backend", "--queue", "--tock"}, {"--quiet"}};
    hio::udp::PeerOptions options;
    options.host = args.text("--host", options.host);
    options.port = static_cast<std::uint16_t>(args.integer("--port", 0, 0, 65535));
    options.receive_queue = options.send_queue = static_cast<std::size_t>(args.integer("--queue", 1024, 1, 1 << 20));
    const double tock = args.number("--tock", 0.03125, 0.0, 60.0);
    const bool quiet = args.flag("--quiet");
    const std::string backend = args.text("--backend", "epoll");
    if (backend != "epoll" && backend != "asio")
        args.fail("--backend must be epoll or asio");
    try {
        example::Sockets sockets{backend};  // --backend: hio's epoll Reactor, or Asio
        hio::DatagramNetwork& network = sockets.datagrams();
        hio::udp::Peer peer{network, options};
        peer.open();  // bind now, so the port is known
        std::printf("listening on %s\n", peer.local_endpoint().c_str());
        std::fflush(stdout);
        Echo echo{peer, quiet};
        hio::Doist doist{{.tock = tock, .real = true, .waiter = &sockets.waiter()}, {&echo}};
        doist.run();  // until Ctrl-C or SIGTERM
        std::printf("stopped: %llu datagrams echoed, %llu send errors\n",
                    echo.echoed,
                    static_cast<unsigned long long>(peer.stats().send_errors));
        return 0;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "udp_echo: %s\n", error.what());
        return 1;
    }
}
