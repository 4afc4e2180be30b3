#pragma once
/// \file
/// TCP transports and listeners on Asio sockets in non-blocking mode. Internal: use
/// hio::tcp::Network. This folder is the only place in hio that includes Asio. Readiness comes from hio::Reactor (epoll, edge-triggered, registered
/// once per socket); bytes move with plain non-blocking calls straight into the ring buffers.

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstdint>
#include <memory>
#include <string>
#include <system_error>
#include <utility>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ip/v6_only.hpp>
#include <asio/socket_base.hpp>

#include <hio/error.hpp>
#include <hio/io/reactor.hpp>
#include <hio/io/transport.hpp>

namespace hio::tcp::detail {

/// "host:port", with brackets around IPv6 hosts.
inline std::string format_endpoint(const asio::ip::tcp::endpoint& endpoint) {
    const asio::ip::address address = endpoint.address();
    const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
    return host + ":" + std::to_string(endpoint.port());
}

/// Asio reports system errors in its own category; hio reports them in
/// std::system_category(), so that `error == std::errc::connection_refused` holds.
inline std::error_code to_std(const std::error_code& error) noexcept {
    if (error && error.category() == asio::error::get_system_category())
        return {error.value(), std::system_category()};
    return error;
}

/// A connected (or connecting) TCP socket as a Transport.
class AsioTcpTransport final : public Transport {
public:
    /// Takes `socket` (connected or connecting) and watches it with `reactor`.
    AsioTcpTransport(asio::ip::tcp::socket socket, Reactor& reactor) : socket_{std::move(socket)} {
        std::error_code ignored;
        socket_.non_blocking(true, ignored);
        socket_.set_option(asio::ip::tcp::no_delay{true}, ignored);  // small echoes leave at once
        watch_.add(reactor, socket_.native_handle());
    }
    ~AsioTcpTransport() override { close(); }

    IoResult receive(std::span<std::byte> into) override {
        IoResult result;
        if (into.empty())
            return result;
        std::error_code error;
        result.bytes = socket_.read_some(asio::buffer(into.data(), into.size()), error);
        classify(error, result);
        result.more = watch_.hangup();
        return result;
    }

    IoResult send(std::span<const std::byte> from) override {
        IoResult result;
        if (from.empty())
            return result;
        // MSG_NOSIGNAL: a peer that reset must give EPIPE, not kill the process with SIGPIPE.
        const ssize_t sent = ::send(socket_.native_handle(), from.data(), from.size(), MSG_NOSIGNAL);
        if (sent >= 0) {
            result.bytes = static_cast<std::size_t>(sent);
            return result;
        }
        classify(std::error_code{errno, std::system_category()}, result);
        return result;
    }

    std::error_code shutdown_send() noexcept override {
        std::error_code error;
        socket_.shutdown(asio::ip::tcp::socket::shutdown_send, error);
        return error;
    }

    void close() noexcept override {
        watch_.remove();
        std::error_code ignored;
        socket_.close(ignored);
    }

    void watch(TransportEvents* events) noexcept override { watch_.events(events); }
    void arm_read() override { watch_.arm_read(); }
    void arm_write() override { watch_.arm_write(); }

    std::error_code finish_connect() noexcept override {
        int value = 0;
        socklen_t length = sizeof value;
        if (::getsockopt(socket_.native_handle(), SOL_SOCKET, SO_ERROR, &value, &length) != 0)
            return {errno, std::system_category()};
        return {value, std::system_category()};
    }

    [[nodiscard]] std::string remote_endpoint() const override {
        std::error_code error;
        const auto endpoint = socket_.remote_endpoint(error);
        return error ? std::string{"?"} : format_endpoint(endpoint);
    }

    [[nodiscard]] std::string local_endpoint() const override {
        std::error_code error;
        const auto endpoint = socket_.local_endpoint(error);
        return error ? std::string{"?"} : format_endpoint(endpoint);
    }

private:
    static void classify(const std::error_code& error, IoResult& result) {
        if (!error)
            return;
        if (error == asio::error::would_block || error == asio::error::try_again ||
            error == std::errc::operation_would_block || error == std::errc::resource_unavailable_try_again)
            result.would_block = true;
        else if (error == asio::error::eof)
            result.eof = true;
        else
            result.error = to_std(error);
    }

    asio::ip::tcp::socket socket_;
    hio::detail::Watch watch_;
};

/// A listening TCP socket as a Listener.
class AsioTcpListener final : public Listener {
public:
    AsioTcpListener(asio::io_context& context, Reactor& reactor, const asio::ip::tcp::endpoint& endpoint,
                    int backlog)
        : context_{context}, reactor_{reactor}, acceptor_{context} {
        acceptor_.open(endpoint.protocol());
        acceptor_.set_option(asio::socket_base::reuse_address{true});
        if (endpoint.protocol() == asio::ip::tcp::v6())
            acceptor_.set_option(asio::ip::v6_only{true});  // "::1" means IPv6 only
        acceptor_.bind(endpoint);
        acceptor_.listen(backlog);
        acceptor_.non_blocking(true);
        watch_.add(reactor_, acceptor_.native_handle());
    }
    ~AsioTcpListener() override { close(); }

    std::unique_ptr<Transport> accept(std::error_code& error) override {
        error.clear();
        asio::ip::tcp::socket socket{context_};
        acceptor_.accept(socket, error);
        error = to_std(error);
        if (error == std::errc::operation_would_block || error == std::errc::resource_unavailable_try_again ||
            error == std::errc::connection_aborted) {
            error.clear();  // nothing waiting, or a peer that left before we got to it
            return nullptr;
        }
        if (error)
            return nullptr;
        return std::make_unique<AsioTcpTransport>(std::move(socket), reactor_);
    }

    void watch(TransportEvents* events) noexcept override { watch_.events(events); }
    void arm_accept() override { watch_.arm_read(); }

    [[nodiscard]] std::string local_endpoint() const override {
        std::error_code error;
        const auto endpoint = acceptor_.local_endpoint(error);
        return error ? std::string{"?"} : format_endpoint(endpoint);
    }

    [[nodiscard]] std::uint16_t port() const override {
        std::error_code error;
        const auto endpoint = acceptor_.local_endpoint(error);
        return error ? std::uint16_t{0} : endpoint.port();
    }

    void close() noexcept override {
        watch_.remove();
        std::error_code ignored;
        acceptor_.close(ignored);
    }

private:
    asio::io_context& context_;
    Reactor& reactor_;
    asio::ip::tcp::acceptor acceptor_;
    hio::detail::Watch watch_;
};

/// Opens listeners and outgoing connections: the Asio half of tcp::Network. Owns the
/// io_context the socket objects belong to (its handlers never run: readiness comes from the
/// Reactor) and resolves names with the system resolver.
class Sockets {
public:
    explicit Sockets(Reactor& reactor) noexcept : reactor_{reactor} {}

    /// Listens on the first address of `host` that binds. Throws hio::SystemError.
    std::unique_ptr<Listener> listen(const std::string& host, std::uint16_t port, int backlog) {
        std::error_code error;
        const auto endpoints = resolve(host, port, asio::ip::resolver_base::passive, error);
        if (error)
            throw SystemError{to_std(error), "tcp::Network: cannot resolve listen address " + host + ":" +
                                                 std::to_string(port)};
        std::error_code last = std::make_error_code(std::errc::address_not_available);
        for (const auto& entry : endpoints) {
            try {
                return std::make_unique<AsioTcpListener>(io_, reactor_, entry.endpoint(), backlog);
            } catch (const std::system_error& failure) {
                last = to_std(failure.code());
            }
        }
        throw SystemError{last, "tcp::Network: cannot listen on " + host + ":" + std::to_string(port)};
    }

    /// Starts connecting to the first address of `host` that takes a socket; nullptr with
    /// `error` set when none does.
    std::unique_ptr<Transport> connect(const std::string& host, std::uint16_t port, std::error_code& error) {
        const auto endpoints = resolve(host, port, {}, error);
        if (error) {
            error = to_std(error);
            return nullptr;
        }
        for (const auto& entry : endpoints) {
            asio::ip::tcp::socket socket{io_};
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
                return std::make_unique<AsioTcpTransport>(std::move(socket), reactor_);
            }
        }
        error = error ? to_std(error) : std::make_error_code(std::errc::address_not_available);
        return nullptr;
    }

private:
    asio::ip::tcp::resolver::results_type resolve(const std::string& host, std::uint16_t port,
                                                  asio::ip::resolver_base::flags flags, std::error_code& error) {
        asio::ip::tcp::resolver resolver{io_};
        return resolver.resolve(host, std::to_string(port), flags | asio::ip::resolver_base::numeric_service,
                                error);
    }

    Reactor& reactor_;
    asio::io_context io_{1};
};

}  // namespace hio::tcp::detail
