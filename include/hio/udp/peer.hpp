#pragma once
/// \file
/// hio::udp::Peer (hio: udp.Peer): a UDP socket bound to an IPv4 or IPv6 address, with a
/// bounded queue of datagrams each way; udp::PeerDoer and udp::EchoPeerDoer serve one.

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <hio/error.hpp>
#include <hio/io/address.hpp>
#include <hio/io/datagram.hpp>
#include <hio/io/datagram_peer.hpp>

namespace hio::udp {

/// Settings of a udp::Peer.
struct PeerOptions {
    /// The numeric address to bind (hio: host): "127.0.0.1", "::1", "0.0.0.0" or "" (every
    /// IPv4 interface), "::" (every interface). Names are not looked up.
    std::string host = "127.0.0.1";
    /// The port; 0 picks a free one (read it back with port()).
    std::uint16_t port = 0;
    /// May send to broadcast addresses (hio: bcast). Receiving broadcasts needs no option.
    bool broadcast = false;
    /// Largest datagram kept whole (hio: bs); a longer one is cut and reported as truncated.
    /// 65507 is the largest UDP payload over IPv4.
    std::size_t max_datagram = 65507;
    /// Received datagrams held for the program (back pressure when full).
    std::size_t receive_queue = 1024;
    /// Datagrams queued to send (send_to refuses when full).
    std::size_t send_queue = 1024;
    /// Datagrams per system call (recvmmsg/sendmmsg).
    std::size_t batch = 32;
    /// SO_RCVBUF/SO_SNDBUF to ask for; 0: the kernel's default.
    std::size_t socket_buffer = 0;
};

/// The address of numeric `host` and `port` ("" means 0.0.0.0). Throws ValidationError
/// naming `component` for anything else.
inline SocketAddress numeric_address(std::string_view host, std::uint16_t port, const char* component) {
    SocketAddress address;
    if (!SocketAddress::parse(host.empty() ? std::string_view{"0.0.0.0"} : host, port, address))
        throw ValidationError{std::string{component} + ": '" + std::string{host} +
                              "' is not a numeric IPv4 or IPv6 address (names are not looked up)"};
    return address;
}

/// A UDP peer (hio: udp.Peer). open() binds it; send_to() queues a datagram, peek()/pop() or
/// receive() take the received ones; service() (or a PeerDoer) moves them.
///
/// ```
/// hio::udp::Network network{reactor};
/// hio::udp::Peer peer{network, {.host = "127.0.0.1", .port = 0}};
/// peer.open();                                   // bound: peer.port() is known
/// peer.send_to("hello", "127.0.0.1", 5000);      // queued; sent by service()
/// ```
class Peer : public DatagramPeer {
public:
    /// A peer on `network` (not owned). Throws ValidationError for bad options or a host that
    /// is not a numeric address.
    Peer(DatagramNetwork& network, PeerOptions options = {})
        : DatagramPeer{network, to_peer_options(options), "udp::Peer"}, options_{std::move(options)},
          address_{numeric_address(options_.host, options_.port, "udp::Peer")} {}

    ~Peer() override { Peer::close(); }

    /// Binds (hio: reopen). Throws hio::SystemError: address_in_use, permission_denied, ...
    void open() override { open_at(address_); }

    /// The port bound (the real one when 0 was asked for); 0 when closed.
    [[nodiscard]] std::uint16_t port() const { return local_address().port(); }

    using DatagramPeer::send_to;
    /// Queues `payload` for numeric `host`:`port` (see DatagramPeer::send_to). Throws
    /// ValidationError for a host that is not a numeric address.
    std::error_code send_to(std::string_view payload, std::string_view host, std::uint16_t port) {
        return send_to(payload, numeric_address(host, port, "udp::Peer::send_to"));
    }

    /// Joins the multicast group `group` ("239.1.2.3", "ff02::1:3") on the interface with
    /// address `interface_host` (IPv4) or the kernel's choice (empty). Returns the kernel's
    /// error, if any (a group of the other family: address_family_not_supported).
    std::error_code join(std::string_view group, std::string_view interface_host = {}) {
        return membership(numeric_address(group, 0, "udp::Peer::join"), interface_of(interface_host), true);
    }
    /// Leaves a group joined with join().
    std::error_code leave(std::string_view group, std::string_view interface_host = {}) {
        return membership(numeric_address(group, 0, "udp::Peer::leave"), interface_of(interface_host), false);
    }

    /// The settings it was made with.
    [[nodiscard]] const PeerOptions& peer_options() const noexcept { return options_; }

private:
    static DatagramPeerOptions to_peer_options(const PeerOptions& o) {
        return {.receive_queue = o.receive_queue,
                .send_queue = o.send_queue,
                .socket = {.broadcast = o.broadcast, .socket_buffer = o.socket_buffer, .batch = o.batch,
                           .max_datagram = o.max_datagram}};
    }

    static SocketAddress interface_of(std::string_view host) {
        return host.empty() ? SocketAddress{} : numeric_address(host, 0, "udp::Peer: interface");
    }

    PeerOptions options_;
    SocketAddress address_;
};

/// Serves a udp::Peer (hio: udp.PeerDoer): opens it at enter, moves datagrams each run,
/// closes it at exit. Override serve().
class PeerDoer : public DatagramPeerDoer {
public:
    using DatagramPeerDoer::DatagramPeerDoer;
};

/// Echoes every datagram to its sender.
class EchoPeerDoer : public EchoDatagramDoer {
public:
    using EchoDatagramDoer::EchoDatagramDoer;
};

}  // namespace hio::udp
