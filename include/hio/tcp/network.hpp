#pragma once
/// \file
/// hio::tcp::Network: real TCP sockets (IPv4 and IPv6) for servers and clients.

#include <cstdint>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <hio/error.hpp>
#include <hio/io/reactor.hpp>
#include <hio/io/transport.hpp>
#include <hio/tcp/detail/resolver.hpp>
#include <hio/tcp/detail/socket.hpp>
#include <hio/tcp/resolve.hpp>

namespace hio::tcp {

/// Settings of a Network.
struct NetworkOptions {
    /// Resolves host names for connect() and listen(); empty: the system resolver
    /// (getaddrinfo). connect() runs it on a thread of the Network's own, so a slow answer
    /// holds up no doer; numeric addresses are never looked up.
    Resolve resolve{};
};

/// Makes TCP listeners and connections whose readiness is dispatched by a Reactor.
///
/// connect() to a numeric address starts at once; to a name, it returns a transport that waits
/// while the name is looked up off the Doist's thread, then connects to the first address that
/// takes a socket (the outcome comes as the usual writable event: connected, refused, or the
/// lookup's failure). listen() resolves a name on the spot (it runs when a server opens).
class Network final : public hio::Network {
public:
    /// A Network on `reactor`, which must outlive it and every socket it makes.
    explicit Network(Reactor& reactor, NetworkOptions options = {})
        : reactor_{reactor}, resolve_{options.resolve ? std::move(options.resolve) : Resolve{&detail::system_resolve}},
          resolver_{reactor, resolve_} {}

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
        std::vector<detail::SocketAddress> addresses;
        if (const std::error_code error = addresses_of(host, port, addresses))
            throw SystemError{error, "tcp::Network: cannot resolve listen address " + host + ":" + std::to_string(port)};
        std::error_code last = std::make_error_code(std::errc::address_not_available);
        for (const detail::SocketAddress& address : addresses) {
            try {
                return std::make_unique<detail::SocketListener>(reactor_, address, backlog);
            } catch (const SystemError& failure) {
                last = failure.code();
            }
        }
        throw SystemError{last, "tcp::Network: cannot listen on " + host + ":" + std::to_string(port)};
    }

    /// Starts connecting to `host`:`port` without blocking (see the class comment). Returns
    /// nullptr with `error` set when a numeric address cannot take a socket.
    std::unique_ptr<Transport> connect(const std::string& host, std::uint16_t port,
                                       std::error_code& error) override {
        error.clear();
        detail::SocketAddress address;
        if (detail::SocketAddress::parse(host, port, address)) {
            auto transport = std::make_unique<detail::SocketTransport>(reactor_);
            error = transport->connect_to(address);
            return error ? nullptr : std::move(transport);
        }
        auto transport = std::make_unique<detail::SocketTransport>(reactor_);
        detail::SocketTransport* waiting = transport.get();
        try {
            const std::uint64_t ticket =
                resolver_.lookup(host, port, [waiting](std::error_code failure, std::vector<Endpoint> endpoints) {
                    waiting->resolved();
                    if (!failure && endpoints.empty())
                        failure = std::make_error_code(std::errc::address_not_available);
                    for (const Endpoint& endpoint : endpoints) {
                        detail::SocketAddress candidate;
                        if (!detail::SocketAddress::parse(endpoint.address, endpoint.port, candidate))
                            continue;
                        failure = waiting->connect_to(candidate);
                        if (!failure)
                            return;  // the attempt runs; its end comes as writable
                    }
                    waiting->fail_pending(failure);
                });
            waiting->resolving(&resolver_, ticket);
        } catch (const SystemError& failure) {
            error = failure.code();
            return nullptr;
        }
        return transport;
    }

    /// Name lookups in flight (for tests and diagnostics).
    [[nodiscard]] std::size_t lookups_pending() const noexcept { return resolver_.pending(); }

private:
    // Numeric addresses parse at once; names go through the resolver, here and now.
    std::error_code addresses_of(const std::string& host, std::uint16_t port,
                                 std::vector<detail::SocketAddress>& out) const {
        detail::SocketAddress address;
        if (detail::SocketAddress::parse(host, port, address)) {
            out.push_back(address);
            return {};
        }
        std::vector<Endpoint> endpoints;
        if (const std::error_code error = resolve_(host, port, endpoints))
            return error;
        for (const Endpoint& endpoint : endpoints)
            if (detail::SocketAddress::parse(endpoint.address, endpoint.port, address))
                out.push_back(address);
        return out.empty() ? std::make_error_code(std::errc::address_not_available) : std::error_code{};
    }

    Reactor& reactor_;
    Resolve resolve_;
    detail::Resolver resolver_;
};

}  // namespace hio::tcp
