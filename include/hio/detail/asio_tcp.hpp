#pragma once
/// \file
/// TCP transports and listeners on Asio sockets in non-blocking mode. Internal: use
/// hio::tcp::Network. Only the readiness machinery of Asio is used (async_wait); bytes move
/// with plain non-blocking read_some/write_some calls straight into the ring buffers.

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <memory>
#include <string>
#include <system_error>
#include <utility>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ip/v6_only.hpp>
#include <asio/socket_base.hpp>

#include <hio/transport.hpp>

namespace hio::detail {

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

/// Shared between a socket's owner and its pending waits, so a wait that completes after the
/// owner is gone (its socket closed) finds `events` null instead of a dead object.
struct WaitToken {
    TransportEvents* events = nullptr;
};

/// Arms one-shot readiness waits on an Asio socket or acceptor.
template <class Socket>
class Readiness {
public:
    explicit Readiness(Socket& socket) : socket_{socket}, token_{std::make_shared<WaitToken>()} {}
    Readiness(const Readiness&) = delete;
    Readiness& operator=(const Readiness&) = delete;
    ~Readiness() { token_->events = nullptr; }

    void watch(TransportEvents* events) noexcept { token_->events = events; }

    void arm_read() {
        if (read_armed_)
            return;
        read_armed_ = true;
        socket_.async_wait(Socket::wait_read, [this, token = token_](const std::error_code& error) {
            if (token->events == nullptr)
                return;  // the owner is gone; `this` with it
            read_armed_ = false;
            if (error != asio::error::operation_aborted)
                token->events->on_readable();
        });
    }

    void arm_write() {
        if (write_armed_)
            return;
        write_armed_ = true;
        socket_.async_wait(Socket::wait_write, [this, token = token_](const std::error_code& error) {
            if (token->events == nullptr)
                return;
            write_armed_ = false;
            if (error != asio::error::operation_aborted)
                token->events->on_writable();
        });
    }

    // Called before the socket closes: pending waits complete with operation_aborted and must
    // not call back.
    void detach() noexcept { token_->events = nullptr; }

private:
    Socket& socket_;
    std::shared_ptr<WaitToken> token_;
    bool read_armed_ = false;
    bool write_armed_ = false;
};

/// A connected (or connecting) TCP socket as a Transport.
class AsioTcpTransport final : public Transport {
public:
    explicit AsioTcpTransport(asio::ip::tcp::socket socket) : socket_{std::move(socket)}, readiness_{socket_} {
        std::error_code ignored;
        socket_.non_blocking(true, ignored);
        socket_.set_option(asio::ip::tcp::no_delay{true}, ignored);  // small echoes leave at once
    }
    ~AsioTcpTransport() override { close(); }

    IoResult receive(std::span<std::byte> into) override {
        IoResult result;
        if (into.empty())
            return result;
        std::error_code error;
        result.bytes = socket_.read_some(asio::buffer(into.data(), into.size()), error);
        classify(error, result);
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
        readiness_.detach();
        std::error_code ignored;
        socket_.close(ignored);
    }

    void watch(TransportEvents* events) noexcept override { readiness_.watch(events); }
    void arm_read() override { readiness_.arm_read(); }
    void arm_write() override { readiness_.arm_write(); }

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
    Readiness<asio::ip::tcp::socket> readiness_;
};

/// A listening TCP socket as a Listener.
class AsioTcpListener final : public Listener {
public:
    AsioTcpListener(asio::io_context& io, const asio::ip::tcp::endpoint& endpoint, int backlog)
        : io_{io}, acceptor_{io}, readiness_{acceptor_} {
        acceptor_.open(endpoint.protocol());
        acceptor_.set_option(asio::socket_base::reuse_address{true});
        if (endpoint.protocol() == asio::ip::tcp::v6())
            acceptor_.set_option(asio::ip::v6_only{true});  // "::1" means IPv6 only
        acceptor_.bind(endpoint);
        acceptor_.listen(backlog);
        acceptor_.non_blocking(true);
    }
    ~AsioTcpListener() override { close(); }

    std::unique_ptr<Transport> accept(std::error_code& error) override {
        error.clear();
        asio::ip::tcp::socket socket{io_};
        acceptor_.accept(socket, error);
        error = to_std(error);
        if (error == std::errc::operation_would_block || error == std::errc::resource_unavailable_try_again ||
            error == std::errc::connection_aborted) {
            error.clear();  // nothing waiting, or a peer that left before we got to it
            return nullptr;
        }
        if (error)
            return nullptr;
        return std::make_unique<AsioTcpTransport>(std::move(socket));
    }

    void watch(TransportEvents* events) noexcept override { readiness_.watch(events); }
    void arm_accept() override { readiness_.arm_read(); }

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
        readiness_.detach();
        std::error_code ignored;
        acceptor_.close(ignored);
    }

private:
    asio::io_context& io_;
    asio::ip::tcp::acceptor acceptor_;
    Readiness<asio::ip::tcp::acceptor> readiness_;
};

}  // namespace hio::detail
