// tls/context.hpp: a Context reports what it cannot load by name and refuses settings OpenSSL
// would take silently or turn into a failure at the first handshake.
#include <string>

#include <hio/tls/context.hpp>

#include "catch.hpp"
#include "support/pki.hpp"

using hio_test::pki;

TEST_CASE("A TLS context reports unreadable files and mismatched keys by name", "[tls][context]") {
    CHECK_THROWS_WITH((hio::tls::Context{hio::tls::Role::server,
                                         {.certificate_file = "/nonexistent.pem", .key_file = "/nonexistent.key"}}),
                      Catch::Contains("cannot load certificate chain /nonexistent.pem"));
    CHECK_THROWS_WITH((hio::tls::Context{hio::tls::Role::server,
                                         {.certificate_file = pki().path("client.pem"),
                                          .key_file = pki().path("server.key")}}),
                      Catch::Contains("key values mismatch"));
    CHECK_THROWS_AS((hio::tls::Context{hio::tls::Role::server, {}}), hio::ValidationError);
    hio::tls::Context context{hio::tls::Role::server, pki().server()};
    const auto before = context.native();
    context.reload();  // new connections get a fresh context; old ones keep theirs
    CHECK(context.native() != before);
    CHECK_THROWS((context.reload({.certificate_file = "/nonexistent.pem", .key_file = "/x"})));
    CHECK(context.config().certificate_file == pki().path("server.pem"));  // kept on failure
}

TEST_CASE("A TLS context refuses an empty or overlong ALPN name, an unknown version and a missing CA",
          "[tls][context]") {
    hio::tls::Config server = pki().server();
    server.alpn = {"http/1.1", ""};
    CHECK_THROWS_WITH((hio::tls::Context{hio::tls::Role::server, server}),
                      Catch::Contains("ALPN names must be 1 to 255 bytes"));
    server.alpn = {std::string(256, 'x')};
    CHECK_THROWS_AS((hio::tls::Context{hio::tls::Role::server, server}), hio::ValidationError);
    server.alpn = {"h2", "http/1.1"};
    CHECK_NOTHROW((hio::tls::Context{hio::tls::Role::server, server}));

    hio::tls::Config odd = pki().server();
    odd.min_version = static_cast<hio::tls::Version>(7);
    CHECK_THROWS_WITH((hio::tls::Context{hio::tls::Role::server, odd}),
                      Catch::Contains("min_version must be Version::tls1_2 or Version::tls1_3"));

    CHECK_THROWS_WITH((hio::tls::Context{hio::tls::Role::client, {.ca_file = "/nonexistent-ca.pem"}}),
                      Catch::Contains("cannot load CA /nonexistent-ca.pem"));
    // A client that verifies nobody loads no CA store at all, and a server needs its files.
    CHECK_NOTHROW((hio::tls::Context{hio::tls::Role::client, {.verify_peer = false}}));
    CHECK_THROWS_WITH((hio::tls::Context{hio::tls::Role::server, {.certificate_file = pki().path("server.pem")}}),
                      Catch::Contains("a server needs certificate_file and key_file"));
}
