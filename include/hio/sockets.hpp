#pragma once
/// \file
/// hio::Sockets: the platform's network in one name. On Linux, hio's own epoll Reactor with
/// its TCP and UDP networks (sendfile, batched datagrams); elsewhere (Windows, macOS) Asio's
/// io_context and sockets (IOCP, kqueue) through the asio component. A program written
/// against it builds on each platform unchanged. CMake target hio::sockets.

#if defined(__linux__) && !defined(HIO_SOCKETS_ASIO)
#include <hio/io/reactor.hpp>
#include <hio/tcp/network.hpp>
#include <hio/udp/network.hpp>
#else
#include <hio/asio/context.hpp>
#include <hio/asio/datagrams.hpp>
#include <hio/asio/network.hpp>
#endif

#include <optional>

#include <hio/io/datagram.hpp>
#include <hio/io/transport.hpp>
#include <hio/waiter.hpp>

namespace hio {

namespace detail {
#if defined(__linux__) && !defined(HIO_SOCKETS_ASIO)
using SocketsLoop = Reactor;
using SocketsTcp = tcp::Network;
using SocketsUdp = udp::Network;
inline constexpr const char* sockets_backend = "epoll";
#else
using SocketsLoop = asio::Context;
using SocketsTcp = asio::Network;
using SocketsUdp = asio::DatagramNetwork;
inline constexpr const char* sockets_backend = "asio";
#endif
}  // namespace detail

/// The platform's event loop and its TCP and UDP networks (see the file comment). Give its
/// waiter() to the Doist (`DoistOptions::waiter`) and its network() to the servers and
/// clients; it must outlive them.
///
/// ```
/// hio::Sockets sockets;
/// hio::StreamServer server{sockets.network(), {.host = "127.0.0.1", .port = 7000}};
/// hio::EchoServerDoer echo{server};
/// hio::Doist doist{{.real = true, .waiter = &sockets.waiter()}, {&echo}};
/// doist.run();
/// ```
///
/// Define HIO_SOCKETS_ASIO (and link hio::asio) to take Asio's on Linux too.
class Sockets {
public:
    /// The event loop's type: hio::Reactor (epoll) or hio::asio::Context.
    using Loop = detail::SocketsLoop;

    /// "epoll" or "asio": the backend in use.
    static constexpr const char* backend = detail::sockets_backend;

    Sockets() = default;
    Sockets(const Sockets&) = delete;
    Sockets& operator=(const Sockets&) = delete;

    /// What the Doist waits in.
    [[nodiscard]] Waiter& waiter() noexcept { return loop_; }
    /// The event loop itself.
    [[nodiscard]] Loop& loop() noexcept { return loop_; }
    /// The TCP network (made on first use).
    [[nodiscard]] Network& network() { return tcp_ ? *tcp_ : tcp_.emplace(loop_); }
    /// The UDP network (made on first use).
    [[nodiscard]] DatagramNetwork& datagrams() { return udp_ ? *udp_ : udp_.emplace(loop_); }

private:
    // Destroyed in reverse order: the networks before their loop.
    Loop loop_;
    std::optional<detail::SocketsTcp> tcp_;
    std::optional<detail::SocketsUdp> udp_;
};

}  // namespace hio
