// TLS over the TCP doers: real OpenSSL peers (s_client, s_server), our client and server with
// mutual TLS, and failures that must be clean: untrusted, wrong name, expired, no client
// certificate, plain TCP or garbage on the TLS port, a stalled handshake.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <hio/hio.hpp>

#include "catch.hpp"
#include "support/net.hpp"
#include "support/pki.hpp"

using hio_test::NetRig;
using hio_test::ProcessDoer;
using hio_test::Until;
using hio_test::pki;

namespace {

// A TLS echo server on a free port, in one bundle.
struct TlsEcho {
    NetRig& rig;
    hio::tls::Context context;
    hio::tls::Network network;
    hio::StreamServer server;
    hio::EchoServerDoer echo;
    TlsEcho(NetRig& r, hio::tls::Config config, hio::StreamServerOptions options = {})
        : rig{r}, context{hio::tls::Role::server, std::move(config)}, network{rig.network, context},
          server{network, options}, echo{server} {
        server.open();
    }
};

// Sends a message over a TLS client and waits for the echo or a failure.
class Talker : public hio::StreamClientDoer {
public:
    Talker(hio::StreamClient& client, std::string message) : StreamClientDoer{client}, message_{std::move(message)} {}
    std::string echoed;
    std::error_code error;
    std::string alpn;  // the protocol agreed, noted while connected

protected:
    bool talk(double) override {
        hio::StreamClient& c = client();
        if (c.connection() != nullptr && c.connection()->last_error())
            error = c.connection()->last_error();
        if (!c.active()) {
            if (!error)
                error = c.last_error();
            return true;
        }
        if (!c.connected())
            return false;
        if (c.connection()->established())
            alpn = c.connection()->alpn();
        if (sent_ < message_.size())
            sent_ += c.send(std::string_view{message_}.substr(sent_));
        echoed += c.receive();
        return echoed.size() >= message_.size() || c.peer_closed();
    }

private:
    std::string message_;
    std::size_t sent_ = 0;
};

// Runs a Talker against `port` with `config`; returns it for inspection.
struct TlsClientRun {
    hio::tls::Context context;
    hio::tls::Network network;
    hio::StreamClient client;
    Talker talker;
    TlsClientRun(NetRig& rig, hio::tls::Config config, std::uint16_t port, std::string message,
                 std::string host = "127.0.0.1")
        : context{hio::tls::Role::client, std::move(config)}, network{rig.network, context},
          client{network, {.host = std::move(host), .port = port, .timeout = 5.0}}, talker{client, std::move(message)} {}
};

}  // namespace

TEST_CASE("openssl s_client talks to our TLS echo server", "[tls][peer]") {
    NetRig rig;
    TlsEcho tls{rig, pki().server()};
    const std::string output = hio_test::temp_path("s_client_out");
    // -verify_return_error: s_client refuses our certificate unless it checks against the CA.
    ProcessDoer s_client{{"sh", "-c",
                          "(printf 'hello over tls\\n'; sleep 1) | openssl s_client -connect 127.0.0.1:" +
                              std::to_string(tls.server.port()) + " -CAfile " + pki().path("ca.pem") +
                              " -verify_hostname localhost -verify_return_error -quiet -no_ign_eof"},
                         {},
                         output};
    CHECK(rig.run_until({&tls.echo, &s_client}, [&] { return s_client.done(); }, 20.0));
    CHECK(s_client.exit_code() == 0);
    CHECK(hio_test::slurp(output) == "hello over tls\n");
    std::remove(output.c_str());
}

TEST_CASE("A server with min_version tls1_3 refuses a TLS 1.2 client and serves a TLS 1.3 one", "[tls][peer]") {
    NetRig rig;
    hio::tls::Config config = pki().server();
    config.min_version = hio::tls::Version::tls1_3;
    TlsEcho tls{rig, config};
    const auto s_client = [&](const std::string& version) {
        return std::vector<std::string>{"sh", "-c",
                                        "(printf 'v\\n'; sleep 0.3) | openssl s_client -connect 127.0.0.1:" +
                                            std::to_string(tls.server.port()) + " -CAfile " + pki().path("ca.pem") +
                                            " " + version + " -verify_return_error -quiet -no_ign_eof"};
    };
    ProcessDoer old_client{s_client("-tls1_2")};
    ProcessDoer new_client{s_client("-tls1_3")};
    CHECK(rig.run_until({&tls.echo, &old_client, &new_client},
                        [&] { return old_client.done() && new_client.done(); }, 20.0));
    CHECK(old_client.exit_code() != 0);  // "no protocols available" / protocol version alert
    CHECK(new_client.exit_code() == 0);
}

TEST_CASE("Python's ssl module moves megabytes through our TLS echo server byte-exact", "[tls][peer]") {
    NetRig rig;
    TlsEcho tls{rig, pki().server()};
    // A foreign TLS stack, many records per read, our read-ahead and back pressure in between.
    const std::string script =
        "import socket, ssl, sys\n"
        "data = bytes((i * 7 + 3) % 251 for i in range(3_000_000))\n"
        "context = ssl.create_default_context(cafile='" + pki().path("ca.pem") + "')\n"
        "raw = socket.create_connection(('127.0.0.1', " + std::to_string(tls.server.port()) + "), timeout=20)\n"
        "s = context.wrap_socket(raw, server_hostname='localhost')\n"
        "got = bytearray()\n"
        "for at in range(0, len(data), 100_000):\n"  // one thread: an SSL object is not thread-safe
        "    s.sendall(data[at:at + 100_000])\n"
        "    while len(got) < min(at + 100_000, len(data)):\n"
        "        chunk = s.recv(1 << 20)\n"
        "        if not chunk: sys.exit('EOF after %d bytes' % len(got))\n"
        "        got += chunk\n"
        "sys.exit(0 if bytes(got) == data else 'echo differs')\n";
    ProcessDoer python{{"python3", "-c", script}};
    CHECK(rig.run_until({&tls.echo, &python}, [&] { return python.done(); }, 30.0));
    CHECK(python.exit_code() == 0);
}

TEST_CASE("Megabytes cross our TLS client and server byte-exact through small buffers", "[tls][back-pressure]") {
    NetRig rig;
    TlsEcho tls{rig, pki().server(), {.buffer_size = 4096}};  // smaller than one TLS record
    std::vector<std::unique_ptr<TlsClientRun>> runs;
    std::vector<hio::Doer*> talkers;
    for (unsigned i = 0; i < 4; ++i) {
        runs.push_back(std::make_unique<TlsClientRun>(rig, pki().client(), tls.server.port(),
                                                      hio_test::pattern(1024 * 1024, i)));
        talkers.push_back(&runs.back()->talker);
    }
    hio::DoDoer all{{}, talkers};
    REQUIRE(rig.run_until({&tls.echo, &all}, [&] { return all.done(); }, 60.0));
    for (unsigned i = 0; i < 4; ++i) {
        CHECK(!runs[i]->talker.error);
        CHECK(runs[i]->talker.echoed == hio_test::pattern(1024 * 1024, i));
    }
}

// Echoes, and notes the protocol ALPN agreed for the connections it served.
class AlpnEcho : public hio::StreamServerDoer {
public:
    using StreamServerDoer::StreamServerDoer;
    std::vector<std::string> seen;

protected:
    void serve(hio::Connection& connection, double) override {
        if (connection.rx_buffer().size() != 0)
            seen.push_back(connection.alpn());
        connection.tx_buffer().transfer_from(connection.rx_buffer());
    }
};

TEST_CASE("ALPN: the server picks the first of its protocols that the client offers", "[tls][alpn]") {
    NetRig rig;
    hio::tls::Config config = pki().server();
    config.alpn = {"h2", "http/1.1"};
    hio::tls::Context context{hio::tls::Role::server, config};
    hio::tls::Network network{rig.network, context};
    hio::StreamServer server{network, {}};
    AlpnEcho echo{server};
    server.open();
    const std::string port = std::to_string(server.port());

    SECTION("openssl s_client offers http/1.1") {
        const std::string output = hio_test::temp_path("alpn_out");
        ProcessDoer s_client{{"sh", "-c",
                              "(printf 'alpn\\n'; sleep 1) | openssl s_client -connect 127.0.0.1:" + port +
                                  " -CAfile " + pki().path("ca.pem") + " -alpn spdy/1,http/1.1 -no_ign_eof"},
                             {},
                             output};
        CHECK(rig.run_until({&echo, &s_client}, [&] { return s_client.done(); }, 20.0));
        CHECK(s_client.exit_code() == 0);
        CHECK(hio_test::slurp(output).find("ALPN protocol: http/1.1") != std::string::npos);
        REQUIRE(echo.seen.size() == 1);
        CHECK(echo.seen[0] == "http/1.1");
        std::remove(output.c_str());
    }

    SECTION("our client, with and without a protocol in common") {
        hio::tls::Config agreeing = pki().client();
        agreeing.alpn = {"http/1.1"};
        hio::tls::Config strange = pki().client();
        strange.alpn = {"gopher"};
        TlsClientRun first{rig, agreeing, server.port(), "one"};
        TlsClientRun second{rig, strange, server.port(), "two"};
        hio::DoDoer both{{}, {&first.talker, &second.talker}};
        REQUIRE(rig.run_until({&echo, &both}, [&] { return both.done(); }, 20.0));
        CHECK(first.talker.echoed == "one");
        CHECK(second.talker.echoed == "two");  // no protocol in common: no ALPN, still served
        CHECK(first.talker.alpn == "http/1.1");
        CHECK(second.talker.alpn.empty());
        std::vector<std::string> seen = echo.seen;
        std::sort(seen.begin(), seen.end());
        CHECK(seen == std::vector<std::string>{"", "http/1.1"});
    }
}

TEST_CASE("Our TLS client talks to openssl s_server", "[tls][peer]") {
    NetRig rig;
    const std::uint16_t port = hio_test::unused_port();
    ProcessDoer s_server{{"openssl", "s_server", "-accept", "127.0.0.1:" + std::to_string(port), "-cert",
                          pki().path("server.pem"), "-key", pki().path("server.key"), "-rev", "-quiet",
                          "-naccept", "1"}};
    hio::tls::Context context{hio::tls::Role::client, pki().client()};
    hio::tls::Network network{rig.network, context};
    hio::StreamClient client{network, {.host = "localhost", .port = port, .reconnect_interval = 0.05, .timeout = 10.0}};
    Talker talker{client, "hello\n"};
    CHECK(rig.run_until({&s_server, &talker}, [&] { return talker.echoed.size() >= 6 || talker.done(); }, 20.0));
    CHECK(talker.echoed == "olleh\n");  // s_server -rev reverses each line
    CHECK_FALSE(talker.error);
}

TEST_CASE("Our TLS client and server talk with mutual TLS", "[tls][mtls]") {
    NetRig rig;
    hio::tls::Config server_config = pki().server();
    server_config.ca_file = pki().path("ca.pem");
    server_config.require_client_certificate = true;
    TlsEcho tls{rig, server_config};
    hio::tls::Config client_config = pki().client();
    client_config.certificate_file = pki().path("client.pem");
    client_config.key_file = pki().path("client.key");
    TlsClientRun run{rig, client_config, tls.server.port(), std::string(200000, 'm')};
    CHECK(rig.run_until({&tls.echo, &run.talker}, [&] { return run.talker.done(); }, 20.0));
    CHECK(run.talker.echoed == std::string(200000, 'm'));
    CHECK_FALSE(run.talker.error);
}

TEST_CASE("TLS failures are clean, name their cause, and the server serves others", "[tls][failure]") {
    NetRig rig;
    hio::tls::Config mtls = pki().server();
    mtls.ca_file = pki().path("ca.pem");
    mtls.require_client_certificate = true;
    TlsEcho strict{rig, mtls};
    TlsEcho expired{rig, pki().server("expired.pem")};
    TlsEcho untrusted{rig, pki().server("untrusted.pem")};
    TlsEcho normal{rig, pki().server(), {.handshake_timeout = 0.3}};

    TlsClientRun to_untrusted{rig, pki().client(), untrusted.server.port(), "x"};
    TlsClientRun to_expired{rig, pki().client(), expired.server.port(), "x"};
    hio::tls::Config wrong_name = pki().client();
    wrong_name.server_name = "not-the-server.example";
    TlsClientRun misnamed{rig, wrong_name, normal.server.port(), "x"};
    TlsClientRun without_certificate{rig, pki().client(), strict.server.port(), "x"};

    // Plain TCP, garbage, and a silent peer on the TLS port, then a good client.
    hio::StreamClient plain{rig.network, {.port = normal.server.port()}};
    Talker plain_talker{plain, "GET / HTTP/1.0\r\n\r\n"};
    hio::StreamClient silent{rig.network, {.port = normal.server.port()}};
    hio::StreamClientDoer silent_doer{silent};
    TlsClientRun good{rig, pki().client(), normal.server.port(), "still serving"};

    std::vector<hio::Doer*> doers{&strict.echo, &expired.echo, &untrusted.echo, &normal.echo,
                                  &to_untrusted.talker, &to_expired.talker, &misnamed.talker,
                                  &without_certificate.talker, &plain_talker, &silent_doer, &good.talker};
    CHECK(rig.run_until(doers,
                        [&] {
                            return to_untrusted.talker.done() && to_expired.talker.done() && misnamed.talker.done() &&
                                   without_certificate.talker.done() && plain_talker.done() && good.talker.done() &&
                                   normal.server.handshake_timeouts() >= 1;
                        },
                        20.0));

    CHECK_THAT(to_untrusted.talker.error.message(), Catch::Contains("unable to get local issuer certificate"));
    CHECK_THAT(to_expired.talker.error.message(), Catch::Contains("certificate has expired"));
    CHECK_THAT(misnamed.talker.error.message(), Catch::Contains("hostname mismatch"));
    CHECK(without_certificate.talker.echoed.empty());  // refused: no echo without a certificate
    CHECK(plain_talker.echoed.empty());                // a plain client gets no HTTP answer
    CHECK(good.talker.echoed == "still serving");
    CHECK(normal.server.handshake_timeouts() >= 1);    // the silent peer was cut off
}

TEST_CASE("A TLS client gives up on a server that never answers its handshake", "[tls][failure]") {
    NetRig rig;
    hio::StreamServer mute{rig.network, {.port = 0}};  // plain TCP: accepts, never speaks TLS
    hio::StreamServerDoer mute_doer{mute};
    mute.open();
    hio::tls::Context context{hio::tls::Role::client, pki().client()};
    hio::tls::Network network{rig.network, context};
    hio::StreamClient client{network, {.port = mute.port(), .timeout = 0.3}};
    Talker talker{client, "anyone?"};
    CHECK(rig.run_until({&mute_doer, &talker}, [&] { return talker.done(); }, 5.0));
    CHECK(client.timed_out());
    CHECK(client.last_error() == std::errc::timed_out);
}

// Starts waves of TLS clients in `clients` one after the other, each when the last has finished.
namespace {
class Waves : public hio::Doer {
public:
    Waves(NetRig& rig, hio::DoDoer& clients, std::uint16_t port, std::size_t waves, std::size_t per_wave)
        : rig_{rig}, clients_{clients}, port_{port}, waves_{waves}, per_wave_{per_wave} {}

    std::size_t echoed = 0;

protected:
    bool recur(double) override {
        if (std::any_of(runs_.begin(), runs_.end(), [](const auto& run) { return !run->talker.done(); }))
            return false;
        std::vector<hio::Doer*> finished;
        for (std::size_t i = 0; i < runs_.size(); ++i) {
            echoed += runs_[i]->talker.echoed == message(i) ? 1U : 0U;
            finished.push_back(&runs_[i]->talker);
        }
        clients_.remove(finished);
        runs_.clear();
        if (wave_ == waves_)
            return true;
        ++wave_;
        std::vector<hio::Doer*> started;
        for (std::size_t i = 0; i < per_wave_; ++i) {
            runs_.push_back(std::make_unique<TlsClientRun>(rig_, pki().client(), port_, message(i)));
            started.push_back(&runs_.back()->talker);
        }
        clients_.extend(started);
        return false;
    }

private:
    [[nodiscard]] std::string message(std::size_t i) const {
        return "client " + std::to_string(wave_) + "." + std::to_string(i);
    }

    NetRig& rig_;
    hio::DoDoer& clients_;
    std::uint16_t port_;
    std::size_t waves_;
    std::size_t per_wave_;
    std::size_t wave_ = 0;
    std::vector<std::unique_ptr<TlsClientRun>> runs_;
};
}  // namespace

TEST_CASE("Thousands of TLS connections come and go without leaking", "[tls][leak]") {
    // Run under ASan (the sanitized suite): LeakSanitizer fails the run on any SSL object left.
    // Waves of clients, so the server sees connections close while others open.
    NetRig rig;
    TlsEcho tls{rig, pki().server()};
    constexpr std::size_t waves = 8;
    constexpr std::size_t per_wave = 250;
    hio::DoDoer clients{{.always = true}, {}};
    Waves driver{rig, clients, tls.server.port(), waves, per_wave};
    REQUIRE(rig.run_until({&tls.echo, &clients, &driver},
                          [&] { return driver.done() && tls.server.connection_count() == 0; }, 120.0));
    CHECK(driver.echoed == waves * per_wave);
    CHECK(tls.server.accepted() == waves * per_wave);
}

TEST_CASE("TLS 1.2 offers AEAD suites only by default, tls12_ciphers widens them", "[tls][peer]") {
    NetRig rig;
    TlsEcho strict{rig, pki().server()};
    hio::tls::Config wide_config = pki().server();
    wide_config.tls12_ciphers = "DEFAULT";
    TlsEcho wide{rig, wide_config};
    const auto s_client = [&](std::uint16_t port, const std::string& cipher) {
        return std::vector<std::string>{"sh", "-c",
                                        "(printf 'c\\n'; sleep 0.3) | openssl s_client -connect 127.0.0.1:" +
                                            std::to_string(port) + " -CAfile " + pki().path("ca.pem") +
                                            " -tls1_2 -cipher " + cipher + " -verify_return_error -quiet -no_ign_eof"};
    };
    ProcessDoer cbc_strict{s_client(strict.server.port(), "ECDHE-ECDSA-AES128-SHA")};  // a CBC suite
    ProcessDoer gcm_strict{s_client(strict.server.port(), "ECDHE-ECDSA-AES128-GCM-SHA256")};
    ProcessDoer cbc_wide{s_client(wide.server.port(), "ECDHE-ECDSA-AES128-SHA")};
    CHECK(rig.run_until({&strict.echo, &wide.echo, &cbc_strict, &gcm_strict, &cbc_wide},
                        [&] { return cbc_strict.done() && gcm_strict.done() && cbc_wide.done(); }, 20.0));
    CHECK(cbc_strict.exit_code() != 0);  // no shared cipher
    CHECK(gcm_strict.exit_code() == 0);
    CHECK(cbc_wide.exit_code() == 0);
    hio::tls::Config none = pki().server();
    none.tls12_ciphers = "NO-SUCH-CIPHER";
    CHECK_THROWS_AS(hio::tls::Context(hio::tls::Role::server, none), hio::ValidationError);
}
