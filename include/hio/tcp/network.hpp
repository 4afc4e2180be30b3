#pragma once
/// \file
/// hio::tcp::Network: real TCP sockets (IPv4 and IPv6) for servers and clients.

#include <cstdint>
#include <memory>
#include <string>
#include <system_error>

#include <hio/error.hpp>
#include <hio/io/reactor.hpp>
#include <hio/io/transport.hpp>
#include <hio/tcp/detail/socket.hpp>

namespace hio::tcp {

/// Makes TCP listeners and connections whose readiness is dispatched by a Reactor.
///
/// Host names are resolved when listen() or connect() is called, with the system resolver
/// (this blocks for as long as the resolver takes; numeric addresses never block). The
/// first address that works is used.
class Network final : public hio::Network {
public:
    /// A Network on `reactor`, which must outlive it and every socket it makes.
    explicit Network(Reactor& reactor) : reactor_{reactor}, sockets_{reactor} {}

    /// The Reactor that dispatches readiness for this Network's sockets.
    [[nodiscard]] Reactor& reactor() const noexcept { return reactor_; }

    /// The Reactor: a Doist running this Network's doers must wait in it (DoistOptions::waiter).
    [[nodiscard]] Waiter* waiter() const noexcept override { return &reactor_; }

    /// Listens on `host`:`port` (0: any free port). Throws ValidationError for a backlog below
    /// 1, and hio::SystemError when the address cannot be resolved or bound: its code() is
    /// e.g. std::errc::address_in_use or std::errc::permission_denied.
    std::unique_ptr<Listener> listen(const std::string& host, std::uint16_t port, int backlog) override {
        if (backlog < 1)
            throw ValidationError{"tcp::Network: backlog must be >= 1, got " + std::to_string(backlog)};
        return sockets_.listen(host, port, backlog);
    }

    std::unique_ptr<Transport> connect(const std::string& host, std::uint16_t port,
                                       std::error_code& error) override {
        return sockets_.connect(host, port, error);
    }

private:
    Reactor& reactor_;
    detail::Sockets sockets_;
};

}  // namespace hio::tcp
