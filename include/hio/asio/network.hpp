#pragma once
/// \file
/// hio::asio::Network: TCP listeners and connections on Asio sockets, behind the same seam as
/// the epoll sockets (hio::tcp::Network) and the simulation, so StreamServer, StreamClient,
/// TLS, HTTP and everything above them run over Asio unchanged.

#include <cstdint>
#include <memory>
#include <string>
#include <system_error>

#include <asio/ip/address.hpp>
#include <asio/ip/tcp.hpp>

#include <hio/asio/context.hpp>
#include <hio/asio/detail/stream.hpp>
#include <hio/error.hpp>
#include <hio/io/transport.hpp>

namespace hio::asio {

/// Makes TCP listeners and connections on a Context's io_context.
///
/// The Network's Waiter is its Context: a Doist that runs doers on it waits in that Context
/// (DoistOptions::waiter), or is driven by the application's io_context through
/// hio::asio::async_run(). connect() to a name resolves it with Asio's resolver (off the
/// Doist's thread) and tries each address in turn; the outcome comes as the usual writable
/// event. listen() resolves a name on the spot (it runs when a server opens). What Asio cannot
/// do portably, it reports through the seam's capability queries: can_send_files() is false
/// (files go through the buffers), so static files fall back to reading and sending.
class Network final : public hio::Network {
public:
    /// A Network on `context`, which must outlive it and every socket it makes.
    explicit Network(Context& context) noexcept : context_{context} {}

    /// The Context (a Doist running this Network's doers waits in it).
    [[nodiscard]] Context& context() const noexcept { return context_; }

    /// The Context, as the Waiter a Doist needs.
    [[nodiscard]] Waiter* waiter() const noexcept override { return &context_; }

    /// Listens on `host`:`port` (0: any free port). Throws ValidationError for a backlog below
    /// 1, and hio::SystemError when the address cannot be resolved or bound: its code() is
    /// e.g. std::errc::address_in_use or std::errc::permission_denied.
    std::unique_ptr<Listener> listen(const std::string& host, std::uint16_t port, int backlog) override {
        if (backlog < 1)
            throw ValidationError{"asio::Network: backlog must be >= 1, got " + std::to_string(backlog)};
        std::error_code error;
        const ::asio::ip::address address = ::asio::ip::make_address(host, error);
        if (!error)
            return std::make_unique<detail::AsioListener>(context_.io(), ::asio::ip::tcp::endpoint{address, port}, backlog);
        ::asio::ip::tcp::resolver resolver{context_.io()};
        const auto results = resolver.resolve(host, std::to_string(port), ::asio::ip::tcp::resolver::numeric_service |
                                                                              ::asio::ip::tcp::resolver::passive,
                                              error);
        if (error)
            throw SystemError{detail::normalized(error), "asio::Network: cannot resolve listen address " + host + ":" + std::to_string(port)};
        std::error_code last = std::make_error_code(std::errc::address_not_available);
        for (const auto& entry : results) {
            try {
                return std::make_unique<detail::AsioListener>(context_.io(), entry.endpoint(), backlog);
            } catch (const SystemError& failure) {
                last = failure.code();
            }
        }
        throw SystemError{last, "asio::Network: cannot listen on " + host + ":" + std::to_string(port)};
    }

    /// Starts connecting to `host`:`port` without blocking (see the class comment). Never
    /// fails at once: a failure comes as the transport's writable event (finish_connect()).
    std::unique_ptr<Transport> connect(const std::string& host, std::uint16_t port, std::error_code& error) override {
        error.clear();
        return std::make_unique<detail::AsioTransport>(context_.io(), host, port);
    }

private:
    Context& context_;
};

}  // namespace hio::asio
