// The socket backend an example runs on, chosen with --backend: "epoll" (hio's own Reactor:
// epoll, edge-triggered, sendfile and recvmmsg; the default on Linux) or "asio" (Asio's
// io_context and sockets: the only one, and the default, on Windows and macOS; or inside an
// application that runs Asio). The doers are the same either way: only the Waiter and the
// Networks change. A program with no such option names the platform's with hio::Sockets
// (hio/sockets.hpp).
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>

#include "arguments.hpp"

#if defined(__linux__)
#include <hio/tcp.hpp>
#include <hio/udp.hpp>
#endif
#if defined(HIO_EXAMPLE_ASIO)
#include <hio/asio/context.hpp>
#include <hio/asio/datagrams.hpp>
#include <hio/asio/network.hpp>
#endif

namespace example {

/// --workers N: worker threads, each a Doist of its own (hio::tcp::Workers: Linux, epoll);
/// 0 (the default): one Doist on the main thread. Fails the arguments elsewhere.
inline std::size_t workers_option(const Arguments& args, const std::string& backend) {
    const auto workers = static_cast<std::size_t>(args.integer("--workers", 0, 0, 1024));
#if !defined(__linux__)
    if (workers != 0)
        args.fail("--workers: worker threads are Linux's (the epoll backend) for now");
#endif
    if (workers != 0 && backend != "epoll")
        args.fail("--workers runs on the epoll backend");
    return workers;
}

#if defined(__linux__)
inline const std::string default_backend = "epoll";
#else
inline const std::string default_backend = "asio";
#endif

/// The event loop and the TCP and UDP networks of one backend.
class Sockets {
public:
    /// The backend named `name` ("epoll" or "asio"). Throws std::invalid_argument for another
    /// name, or for asio in a program built without it.
    explicit Sockets(const std::string& name) {
#if defined(__linux__)
        if (name == "epoll") {
            reactor_.emplace();
            waiter_ = &*reactor_;
            return;
        }
#endif
#if defined(HIO_EXAMPLE_ASIO)
        if (name == "asio") {
            context_.emplace();
            waiter_ = &*context_;
            return;
        }
#endif
        throw std::invalid_argument{name == "asio"    ? "--backend asio: this program was built without Asio "
                                                        "(install libasio-dev and rebuild)"
                                    : name == "epoll" ? "--backend epoll: epoll is Linux's; use --backend asio"
                                                      : "--backend must be epoll or asio, got " + name};
    }

    /// What the Doist waits in (DoistOptions::waiter).
    [[nodiscard]] hio::Waiter& waiter() noexcept { return *waiter_; }

    /// The TCP network (made on first use).
    hio::Network& network() {
#if defined(__linux__)
#if defined(HIO_EXAMPLE_ASIO)
        if (context_)
            return asio_tcp_ ? *asio_tcp_ : asio_tcp_.emplace(*context_);
#endif
        return tcp_ ? *tcp_ : tcp_.emplace(*reactor_);
#else
        return asio_tcp_ ? *asio_tcp_ : asio_tcp_.emplace(*context_);  // the only backend here
#endif
    }

    /// The UDP network (made on first use).
    hio::DatagramNetwork& datagrams() {
#if defined(__linux__)
#if defined(HIO_EXAMPLE_ASIO)
        if (context_)
            return asio_udp_ ? *asio_udp_ : asio_udp_.emplace(*context_);
#endif
        return udp_ ? *udp_ : udp_.emplace(*reactor_);
#else
        return asio_udp_ ? *asio_udp_ : asio_udp_.emplace(*context_);  // the only backend here
#endif
    }

private:
    // Destroyed in reverse order: the networks before their loop.
#if defined(__linux__)
    std::optional<hio::Reactor> reactor_;
    std::optional<hio::tcp::Network> tcp_;
    std::optional<hio::udp::Network> udp_;
#endif
#if defined(HIO_EXAMPLE_ASIO)
    std::optional<hio::asio::Context> context_;
    std::optional<hio::asio::Network> asio_tcp_;
    std::optional<hio::asio::DatagramNetwork> asio_udp_;
#endif
    hio::Waiter* waiter_ = nullptr;
};

}  // namespace example
