// The README's TCP code, compiled and run against a server of the README's kind.
#include <string>

#include <hio/hio.hpp>

#include "catch.hpp"
#include "support/net.hpp"

namespace {

// README "TCP: servers and clients are doers".
class Pinger : public hio::tcp::ClientDoer {
public:
    using ClientDoer::ClientDoer;
    const std::string& reply() const noexcept { return reply_; }

protected:
    bool talk(double) override {
        if (!client().connected())
            return !client().active();
        if (!asked_)
            asked_ = client().send("ping\n") == 5;
        reply_ += client().receive();
        return reply_.ends_with("\n");
    }

private:
    bool asked_ = false;
    std::string reply_;
};

}  // namespace

TEST_CASE("README: the Pinger client gets its echo from the README's echo server", "[readme][tcp]") {
    hio::Reactor reactor;
    hio::tcp::Network network{reactor};
    hio::tcp::Server server{network, {.port = 0, .max_connections = 1000, .idle_timeout = 30.0}};
    hio::tcp::EchoServerDoer echo{server};
    server.open();
    REQUIRE(server.port() != 0);

    hio::tcp::Client client{network, {.host = "127.0.0.1", .port = server.port(), .timeout = 5.0}};
    Pinger pinger{client};
    hio::Doist doist{{.tock = 0.03125, .limit = 5.0, .real = true, .waiter = &reactor}};
    hio_test::Until stop{[&] {
        if (pinger.done())
            doist.request_stop();
        return pinger.done();
    }};
    doist.run({&echo, &pinger, &stop});
    CHECK(pinger.reply() == "ping\n");
}

namespace {

// README "TLS: the same doers over OpenSSL", compiled (not run: it names files a user has).
[[maybe_unused]] void readme_tls(hio::tcp::Network& network) {
    hio::tls::Context tls{hio::tls::Role::server, {.certificate_file = "server.pem", .key_file = "server.key"}};
    hio::tls::Network secure{network, tls};
    hio::tcp::Server server{secure, {.port = 8443}};
    hio::tcp::EchoServerDoer echo{server};
}

}  // namespace
