#pragma once
/// \file
/// hio::udp::Network: real datagram sockets (UDP over IPv4 and IPv6, Unix-domain datagrams)
/// whose readiness a Reactor dispatches.

#include <memory>

#include <hio/io/datagram.hpp>
#include <hio/io/reactor.hpp>
#include <hio/udp/detail/socket.hpp>

namespace hio::udp {

/// Makes datagram sockets on this machine, registered with a Reactor: the DatagramNetwork
/// that udp::Peer and uxd::Peer use outside a simulation.
class Network final : public DatagramNetwork {
public:
    /// A Network on `reactor`, which must outlive it and every socket it makes.
    explicit Network(Reactor& reactor) noexcept : reactor_{reactor} {}

    /// Binds a socket to `address` (see DatagramNetwork::bind). Throws ValidationError for
    /// options out of range and hio::SystemError when the kernel refuses.
    std::unique_ptr<DatagramSocket> bind(const SocketAddress& address, const DatagramSocketOptions& options) override {
        return std::make_unique<detail::Socket>(reactor_, address, options);
    }

    /// The Reactor: a Doist running doers on this network must wait in it.
    [[nodiscard]] Waiter* waiter() const noexcept override { return &reactor_; }

    /// The Reactor that dispatches this network's readiness.
    [[nodiscard]] Reactor& reactor() const noexcept { return reactor_; }

private:
    Reactor& reactor_;
};

}  // namespace hio::udp
