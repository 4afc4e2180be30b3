#pragma once
/// \file
/// hio::tls::Network: TLS over another Network (usually hio::tcp::Network), so that
/// StreamServer, StreamClient and every doer on them work over TLS unchanged
/// (hio: ServerTls, ClientTls).

#include <cstdint>
#include <memory>
#include <string>
#include <system_error>
#include <utility>

#include <hio/tls/detail/engine.hpp>
#include <hio/error.hpp>
#include <hio/tls/context.hpp>
#include <hio/io/transport.hpp>

namespace hio::tls {

/// Wraps every connection of `inner` in TLS with `context`: listen() needs a server Context,
/// connect() a client one. The Context may be reloaded at any time; connections keep the
/// certificates they started with.
///
/// ```
/// hio::tls::Context tls{hio::tls::Role::server, {.certificate_file = "cert.pem", .key_file = "key.pem"}};
/// hio::tls::Network secure{tcp_network, tls};
/// hio::StreamServer server{secure, {.port = 8443}};   // an ordinary server, now speaking TLS
/// ```
class Network final : public hio::Network {
public:
    /// TLS over `inner` with `context` (neither owned; both must outlive every connection).
    Network(hio::Network& inner, Context& context) noexcept : inner_{inner}, context_{context} {}

    /// The inner network's Waiter: TLS adds no readiness of its own.
    [[nodiscard]] Waiter* waiter() const noexcept override { return inner_.waiter(); }

    std::unique_ptr<Listener> listen(const std::string& host, std::uint16_t port, int backlog) override {
        if (context_.role() != Role::server)
            throw ValidationError{"tls::Network: listen() needs a server Context"};
        return std::make_unique<TlsListener>(inner_.listen(host, port, backlog), context_);
    }

    std::unique_ptr<Transport> connect(const std::string& host, std::uint16_t port,
                                       std::error_code& error) override {
        if (context_.role() != Role::client)
            throw ValidationError{"tls::Network: connect() needs a client Context"};
        std::unique_ptr<Transport> tcp = inner_.connect(host, port, error);
        if (!tcp)
            return nullptr;
        const std::string& name = context_.config().server_name.empty() ? host : context_.config().server_name;
        return std::make_unique<detail::TlsTransport>(std::move(tcp), context_.native(), Role::client,
                                                      context_.config(), name);
    }

private:
    class TlsListener final : public Listener {
    public:
        TlsListener(std::unique_ptr<Listener> inner, Context& context) : inner_{std::move(inner)}, context_{context} {}

        std::unique_ptr<Transport> accept(std::error_code& error) override {
            std::unique_ptr<Transport> tcp = inner_->accept(error);
            if (!tcp)
                return nullptr;
            return std::make_unique<detail::TlsTransport>(std::move(tcp), context_.native(), Role::server,
                                                          context_.config(), std::string{});
        }
        void watch(TransportEvents* events) noexcept override { inner_->watch(events); }
        void arm_accept() override { inner_->arm_accept(); }
        [[nodiscard]] std::string local_endpoint() const override { return inner_->local_endpoint(); }
        [[nodiscard]] std::uint16_t port() const override { return inner_->port(); }
        void close() noexcept override { inner_->close(); }

    private:
        std::unique_ptr<Listener> inner_;
        Context& context_;
    };

    hio::Network& inner_;
    Context& context_;
};

}  // namespace hio::tls
