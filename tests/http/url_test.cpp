// Url: parsing of http and https URLs and RFC 3986 reference resolution (for redirects).
#include <hio/http/url.hpp>

#include "catch.hpp"

using hio::http::Url;

TEST_CASE("Url parses http and https URLs and resolves Locations, bad ones are refused", "[http][url]") {
    const Url url = Url::parse("HTTP://example.com:8080/a/b?x=1#frag");
    CHECK(url.scheme == "http");
    CHECK(url.host == "example.com");
    CHECK(url.port == 8080);
    CHECK(url.target == "/a/b?x=1");
    CHECK(url.authority() == "example.com:8080");
    CHECK(Url::parse("https://h").target == "/");
    CHECK(Url::parse("https://h").port == 443);
    CHECK(Url::parse("https://h?q").target == "/?q");
    const Url v6 = Url::parse("http://[::1]:81/p");
    CHECK(v6.host == "::1");
    CHECK(v6.authority() == "[::1]:81");
    CHECK(url.resolve("/c").text() == "http://example.com:8080/c");
    CHECK(url.resolve("c?y").text() == "http://example.com:8080/a/c?y");
    CHECK(url.resolve("//other/p").text() == "http://other/p");
    CHECK(url.resolve("../c").text() == "http://example.com:8080/c");
    CHECK(url.resolve("?q=1").text() == "http://example.com:8080/a/b?q=1");
    CHECK(url.resolve("").text() == "http://example.com:8080/a/b?x=1");
    CHECK(url.resolve("#f").text() == "http://example.com:8080/a/b?x=1");
    CHECK(url.resolve("foo?u=http://x").text() == "http://example.com:8080/a/foo?u=http://x");
    CHECK(url.resolve("./d/../../../e?q=../x").text() == "http://example.com:8080/e?q=../x");
    CHECK(Url::without_dot_segments("/a/b/../c/./d/..") == "/a/c/");
    CHECK(url.resolve("https://s/t").text() == "https://s/t");
    for (const char* bad : {"ftp://h/", "h/path", "http://", "http://u:p@h/", "http://h:0/", "http://h:99999/",
                            "http://h:x/", "http://[::1/", "http://h/a b"}) {
        INFO(bad);
        CHECK_THROWS_AS(Url::parse(bad), hio::ValidationError);
    }
}
