#pragma once
/// \file
/// hio::tcp::Network: real TCP sockets (IPv4 and IPv6) for servers and clients.

#include <cstdint>
#include <memory>
#include <string>
#include <system_error>

#include <asio/ip/tcp.hpp>

#include <hio/detail/asio_tcp.hpp>
#include <hio/error.hpp>
#include <hio/reactor.hpp>
#include <hio/transport.hpp>

namespace hio::tcp {

/// Makes TCP listeners and connections whose readiness is dispatched by a Reactor.
///
/// Host names are resolved when listen() or connect() is called, with the system resolver
/// (this blocks for as long as the resolver takes; numeric addresses never block). The
/// first address that works is used.
class Network final : public hio::Network {
public:
    /// A Network on `reactor`, which must outlive it and every socket it makes.
    explicit Network(Reactor& reactor) noexcept : reactor_{reactor} {}

    /// The Reactor that dispatches readiness for this Network's sockets.
    [[nodiscard]] Reactor& reactor() const noexcept { return reactor_; }

    std::unique_ptr<Listener> listen(const std::string& host, std::uint16_t port, int backlog) override {
        if (backlog < 1)
            throw ValidationError{"tcp::Network: backlog must be >= 1, got " + std::to_string(backlog)};
        std::error_code error;
        const auto endpoints = resolve(host, port, asio::ip::resolver_base::passive, error);
        if (error)
            throw Error{"tcp::Network: cannot resolve listen address " + host + ":" +
                        std::to_string(port) + ": " + error.message()};
        std::string last = "no address";
        for (const auto& entry : endpoints) {
            try {
                return std::make_unique<detail::AsioTcpListener>(reactor_, entry.endpoint(), backlog);
            } catch (const std::system_error& failure) {
                last = failure.code().message();
            }
        }
        throw Error{"tcp::Network: cannot listen on " + host + ":" + std::to_string(port) + ": " + last};
    }

    std::unique_ptr<Transport> connect(const std::string& host, std::uint16_t port,
                                       std::error_code& error) override {
        const auto endpoints = resolve(host, port, {}, error);
        if (error) {
            error = detail::to_std(error);
            return nullptr;
        }
        for (const auto& entry : endpoints) {
            asio::ip::tcp::socket socket{reactor_.context()};
            socket.open(entry.endpoint().protocol(), error);
            if (error)
                continue;
            socket.non_blocking(true, error);
            if (error)
                continue;
            socket.connect(entry.endpoint(), error);
            // In progress (or already done, on loopback): the transport reports when writable.
            if (!error || error == asio::error::in_progress || error == asio::error::would_block) {
                error.clear();
                return std::make_unique<detail::AsioTcpTransport>(std::move(socket), reactor_);
            }
        }
        error = error ? detail::to_std(error) : std::make_error_code(std::errc::address_not_available);
        return nullptr;
    }

private:
    asio::ip::tcp::resolver::results_type resolve(const std::string& host, std::uint16_t port,
                                                  asio::ip::resolver_base::flags flags,
                                                  std::error_code& error) {
        asio::ip::tcp::resolver resolver{reactor_.context()};
        return resolver.resolve(host, std::to_string(port), flags | asio::ip::resolver_base::numeric_service,
                                error);
    }

    Reactor& reactor_;
};

}  // namespace hio::tcp
