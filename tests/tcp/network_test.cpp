// tcp/network.hpp and its resolver: names are looked up with getaddrinfo (no Asio), failures
// keep getaddrinfo's own code and words, and listening reports the address and the cause.
#include <string>
#include <system_error>
#include <vector>

#include <hio/tcp.hpp>

#include "catch.hpp"

TEST_CASE("The system resolver finds localhost and names an unknown host with getaddrinfo's code",
          "[tcp][network][resolve][epoll]") {
    std::vector<hio::tcp::Endpoint> found;
    REQUIRE_FALSE(hio::tcp::detail::system_resolve("localhost", 8080, found));
    REQUIRE_FALSE(found.empty());
    for (const hio::tcp::Endpoint& endpoint : found) {
        CHECK((endpoint.address == "127.0.0.1" || endpoint.address == "::1"));
        CHECK(endpoint.port == 8080);
    }
    std::vector<hio::tcp::Endpoint> none;
    const std::error_code error = hio::tcp::detail::system_resolve("no-such-host.invalid", 80, none);
    REQUIRE(error);
    CHECK(none.empty());
    // EAI_NONAME where a resolver answers, EAI_AGAIN where none can be reached: getaddrinfo's
    // category either way, with its own words.
    CHECK(error.category().name() == std::string{"getaddrinfo"});
    CHECK_FALSE(error.message().empty());
}

TEST_CASE("Listening on a taken port or a bad backlog says which address and why", "[tcp][network][epoll]") {
    hio::Reactor reactor;
    hio::tcp::Network network{reactor};
    const auto first = network.listen("127.0.0.1", 0, 16);
    try {
        network.listen("127.0.0.1", first->port(), 16);
        FAIL("a second listener on the same port must be refused");
    } catch (const hio::SystemError& error) {
        CHECK(error.code() == std::errc::address_in_use);
        CHECK(std::string{error.what()}.find("127.0.0.1:" + std::to_string(first->port())) != std::string::npos);
    }
    CHECK_THROWS_AS(network.listen("127.0.0.1", 0, 0), hio::ValidationError);
    CHECK_THROWS_AS(network.listen("no-such-host.invalid", 0, 16), hio::SystemError);
}
