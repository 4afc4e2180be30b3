// echo_client: sends lines to an echo server and prints what comes back.
//
// Run:   build/examples/echo_client --port PORT                 (lines from stdin)
//        build/examples/echo_client --port PORT --count 5       (five numbered messages)
//        build/examples/echo_client --host ::1 --port PORT --count 1
//        build/examples/echo_client --tls --ca ca.pem --host localhost --port PORT --count 3
// Exits 0 when every byte came back, 1 on a mismatch, refusal or timeout.
//
// One Doist runs one ClientDoer subclass: it connects (retrying for up to --timeout seconds),
// queues the messages, prints the echoes as they arrive and finishes when all came back.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <optional>
#include <string>

#include <hio/hio.hpp>

#include "arguments.hpp"

namespace {

class EchoTalker : public hio::StreamClientDoer {
public:
    EchoTalker(hio::StreamClient& client, std::string message) : StreamClientDoer{client}, expected_{std::move(message)} {}

    bool ok() const noexcept { return ok_; }

protected:
    bool talk(double) override {
        hio::StreamClient& c = client();
        if (!c.active())
            return true;  // gave up: refused or timed out
        if (!c.connected())
            return false;
        if (queued_ < expected_.size())  // the tx buffer may take it in pieces
            queued_ += c.send(std::string_view{expected_}.substr(queued_));
        const std::string echoed = c.receive();
        if (!echoed.empty()) {
            std::fwrite(echoed.data(), 1, echoed.size(), stdout);
            std::fflush(stdout);
            received_ += echoed;
        }
        if (received_.size() >= expected_.size()) {
            ok_ = received_ == expected_;
            return true;
        }
        return c.peer_closed();  // server went away early
    }

private:
    std::string expected_;
    std::string received_;
    std::size_t queued_ = 0;
    bool ok_ = false;
};

}  // namespace

int main(int argc, char** argv) {
    const example::Arguments args{argc, argv,
                                  "echo_client --port P [--host H] [--count N] [--timeout SECONDS]\n"
                                  "                   [--tls [--ca FILE] [--cert FILE --key FILE]]",
                                  {"--port", "--host", "--count", "--timeout", "--ca", "--cert", "--key"},
                                  {"--tls"}};
    if (!args.has("--port"))
        args.fail("--port is needed");
    hio::StreamClientOptions options;
    options.host = args.text("--host", options.host);
    options.port = static_cast<std::uint16_t>(args.integer("--port", 0, 1, 65535));
    options.timeout = args.number("--timeout", options.timeout, 0.0, 1e6);
    const long count = args.integer("--count", -1, 0, 100'000'000);
    hio::tls::Config tls_config;
    tls_config.ca_file = args.text("--ca");
    tls_config.certificate_file = args.text("--cert");
    tls_config.key_file = args.text("--key");
    const bool tls = args.flag("--tls");
    std::string message;
    if (count >= 0) {
        for (long n = 1; n <= count; ++n)
            message += "message " + std::to_string(n) + "\n";
    } else {
        for (std::string line; std::getline(std::cin, line);)
            message += line + "\n";
    }
    if (message.empty())
        return 0;
    try {
        hio::Reactor reactor;
        hio::tcp::Network tcp{reactor};
        std::optional<hio::tls::Context> tls_context;
        std::optional<hio::tls::Network> tls_network;
        hio::Network* network = &tcp;
        if (tls) {
            tls_context.emplace(hio::tls::Role::client, tls_config);
            tls_network.emplace(tcp, *tls_context);
            network = &*tls_network;
        }
        hio::StreamClient client{*network, options};
        EchoTalker talker{client, message};
        hio::Doist doist{{.tock = 0.03125, .real = true, .waiter = &reactor}, {&talker}};
        doist.run();
        if (!talker.ok()) {
            std::fprintf(stderr, "echo_client: %s:%u: %s\n", options.host.c_str(), options.port,
                         client.last_error() ? client.last_error().message().c_str() : "echo did not match");
            return 1;
        }
        return 0;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "echo_client: %s\n", error.what());
        return 1;
    }
}
