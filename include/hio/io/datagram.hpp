#pragma once
/// \file
/// The datagram seam: Datagram, DatagramSocket and DatagramNetwork, what a datagram peer
/// talks to, as Transport and Network are for byte streams. UDP and Unix-domain datagram
/// sockets implement it (udp/network.hpp), and so can a simulated network.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <system_error>

#include <hio/io/address.hpp>
#include <hio/io/transport.hpp>
#include <hio/waiter.hpp>

namespace hio {

/// One datagram: its payload and the peer it came from or goes to.
struct Datagram {
    /// The bytes (for a received datagram, at most the peer's limit: see `size`).
    std::string payload{};
    /// Where it came from (received) or goes to (sent).
    SocketAddress peer{};
    /// For a received datagram, its length on the wire: larger than payload.size() when it was
    /// cut at the limit (MSG_TRUNC).
    std::size_t size = 0;

    /// True when the datagram was longer than the limit and cut.
    [[nodiscard]] bool truncated() const noexcept { return size > payload.size(); }
};

/// The outcome of one receive or send of a batch of datagrams.
struct DatagramResult {
    /// Datagrams received, or sent.
    std::size_t count = 0;
    /// Nothing more can move now: arm and wait for readiness.
    bool would_block = false;
    /// A send: the datagram after the `count` sent failed with this error (it should be
    /// dropped: a datagram is sent whole or not at all). A receive: the socket failed.
    std::error_code error{};
};

/// Settings of a datagram socket.
struct DatagramSocketOptions {
    /// May send to broadcast addresses (SO_BROADCAST; hio: bcast). Off: such sends fail with
    /// permission_denied.
    bool broadcast = false;
    /// SO_RCVBUF and SO_SNDBUF to ask for, in bytes; 0: the kernel's default.
    std::size_t socket_buffer = 0;
    /// Datagrams at most per system call (recvmmsg/sendmmsg), 1 to 1024.
    std::size_t batch = 32;
    /// Received datagrams are cut to this many bytes (and reported as truncated).
    std::size_t max_datagram = 65507;
};

/// A non-blocking datagram socket. Readiness is one-shot, as for Transport.
class DatagramSocket {
public:
    virtual ~DatagramSocket() = default;

    /// Receives up to `into.size()` datagrams without blocking; each payload is cut to the
    /// socket's max_datagram (Datagram::size tells the real length).
    virtual DatagramResult receive(std::span<Datagram> into) = 0;

    /// Sends `from` in order without blocking; `count` says how many went. When a datagram
    /// fails on its own (too large, unreachable, broadcast not allowed), `error` says why and
    /// it is the one at `count`.
    virtual DatagramResult send(std::span<const Datagram> from) = 0;

    /// Joins (`join`) or leaves a multicast group on the interface of `interface_address`
    /// (empty: the kernel's choice). The default: operation_not_supported.
    virtual std::error_code membership(const SocketAddress& group, const SocketAddress& interface_address,
                                       bool join) {
        static_cast<void>(group);
        static_cast<void>(interface_address);
        static_cast<void>(join);
        return std::make_error_code(std::errc::operation_not_supported);
    }

    /// Where readiness goes (nullptr: nowhere).
    virtual void watch(TransportEvents* events) noexcept = 0;
    /// Asks for one on_readable() when a receive would make progress.
    virtual void arm_read() = 0;
    /// Asks for one on_writable() when a send would make progress.
    virtual void arm_write() = 0;
    /// Closes at once; no more events. Idempotent.
    virtual void close() noexcept = 0;

    /// The address bound (the real port when 0 was asked for).
    [[nodiscard]] virtual SocketAddress local_address() const = 0;

protected:
    ///@{
    /// Made and copied only by the classes that implement it.
    DatagramSocket() = default;
    DatagramSocket(const DatagramSocket&) = default;
    DatagramSocket& operator=(const DatagramSocket&) = default;
    ///@}
};

/// Makes datagram sockets: real ones (udp::Network) or simulated.
class DatagramNetwork {
public:
    virtual ~DatagramNetwork() = default;

    /// Opens a socket bound to `address` (an IP address and port, 0 for any free one, or a
    /// Unix path). Throws hio::SystemError with the operating system's code (address_in_use,
    /// permission_denied, ...) when it cannot, ValidationError for bad options.
    virtual std::unique_ptr<DatagramSocket> bind(const SocketAddress& address, const DatagramSocketOptions& options) = 0;

    /// The Waiter that dispatches this network's readiness (a Doist must wait on it).
    [[nodiscard]] virtual Waiter* waiter() const noexcept = 0;

protected:
    ///@{
    /// Made and copied only by the classes that implement it.
    DatagramNetwork() = default;
    DatagramNetwork(const DatagramNetwork&) = default;
    DatagramNetwork& operator=(const DatagramNetwork&) = default;
    ///@}
};

}  // namespace hio
