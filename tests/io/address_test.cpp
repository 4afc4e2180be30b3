// io/address.hpp: SocketAddress for IPv4, IPv6 and Unix paths, parsed and printed back.
#include <string>

#include <hio/io/address.hpp>

#include "catch.hpp"

TEST_CASE("Numeric IPv4 and IPv6 addresses parse, print back, and compare", "[io][address]") {
    hio::SocketAddress v4;
    REQUIRE(hio::SocketAddress::parse("127.0.0.1", 8080, v4));
    CHECK(v4.family() == AF_INET);
    CHECK(v4.text() == "127.0.0.1:8080");
    CHECK(v4.host() == "127.0.0.1");
    CHECK(v4.port() == 8080);

    hio::SocketAddress v6;
    REQUIRE(hio::SocketAddress::parse("::1", 443, v6));
    CHECK(v6.family() == AF_INET6);
    CHECK(v6.text() == "[::1]:443");
    CHECK(v6.host() == "::1");
    hio::SocketAddress bracketed;
    REQUIRE(hio::SocketAddress::parse("[::1]", 443, bracketed));
    CHECK(bracketed == v6);
    CHECK_FALSE(bracketed == v4);

    hio::SocketAddress other_port;
    REQUIRE(hio::SocketAddress::parse("127.0.0.1", 8081, other_port));
    CHECK_FALSE(other_port == v4);
}

TEST_CASE("Names and malformed addresses do not parse: nothing is looked up here", "[io][address]") {
    hio::SocketAddress out;
    for (const char* text : {"localhost", "", "127.0.0.256", "1.2.3", "::g", "[::1", "::1]", "127.0.0.1:80"})
        CHECK_FALSE(hio::SocketAddress::parse(text, 1, out));
    CHECK(hio::SocketAddress{}.empty());
    CHECK(hio::SocketAddress{}.family() == AF_UNSPEC);
}

TEST_CASE("A Unix path fits the kernel's sun_path or is refused", "[io][address]") {
    hio::SocketAddress unix_address;
    REQUIRE(hio::SocketAddress::unix_path("/tmp/hio.sock", unix_address));
    CHECK(unix_address.family() == AF_UNIX);
    CHECK(unix_address.path() == "/tmp/hio.sock");
    CHECK(unix_address.text() == "/tmp/hio.sock");
    CHECK(unix_address.port() == 0);
    CHECK(unix_address.host().empty());
    const std::string longest(107, 'a');  // sun_path holds 108 bytes with its NUL
    CHECK(hio::SocketAddress::unix_path(longest, unix_address));
    CHECK_FALSE(hio::SocketAddress::unix_path(longest + "a", unix_address));
    CHECK_FALSE(hio::SocketAddress::unix_path("", unix_address));
    CHECK_FALSE(hio::SocketAddress::unix_path(std::string{"a\0b", 3}, unix_address));
}
