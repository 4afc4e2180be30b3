// http/detail/grammar.hpp alone: RFC 9110's tokens and lists, the Host field's authority
// (RFC 3986), case-insensitive comparison. Each rule with the inputs that sit on its edges.
#include <string>
#include <string_view>
#include <vector>

#include <hio/http/detail/grammar.hpp>

#include "catch.hpp"

namespace grammar = hio::http::detail;

TEST_CASE("A token is one or more tchars, nothing else", "[http][grammar]") {
    CHECK(grammar::is_http_token("GET"));
    CHECK(grammar::is_http_token("X-Custom_Name.v2"));
    CHECK(grammar::is_http_token("!#$%&'*+-.^_`|~"));
    CHECK_FALSE(grammar::is_http_token(""));
    CHECK_FALSE(grammar::is_http_token("Host "));   // a space before the colon (RFC 9112 5.1)
    CHECK_FALSE(grammar::is_http_token("a:b"));
    CHECK_FALSE(grammar::is_http_token("\xc3\xa9"));  // not ASCII
    CHECK_FALSE(grammar::is_http_token("a\"b"));
    static_assert(grammar::is_http_token("POST"), "the grammar is usable at compile time");
}

TEST_CASE("Names compare without ASCII case, and only ASCII case", "[http][grammar]") {
    CHECK(grammar::iequals("Content-Length", "content-LENGTH"));
    CHECK_FALSE(grammar::iequals("Content-Length", "Content-Lengt"));
    CHECK_FALSE(grammar::iequals("\xc3\x89", "\xc3\xa9"));  // É and é differ: not ASCII
    CHECK(grammar::iequals("", ""));
}

TEST_CASE("Lists: elements trimmed, empty ones skipped, tokens found in any case", "[http][grammar]") {
    std::vector<std::string> items;
    grammar::for_each_item(" a ,, b\t,c , ", [&](std::string_view item) {
        items.emplace_back(item);
        return false;
    });
    CHECK(items == std::vector<std::string>{"a", "b", "c"});
    CHECK(grammar::has_token("keep-alive, Upgrade", "upgrade"));
    CHECK_FALSE(grammar::has_token("keep-alive, Upgraded", "upgrade"));
    CHECK(grammar::only_token("chunked", "chunked"));
    CHECK(grammar::only_token("Chunked ,chunked", "chunked"));
    CHECK_FALSE(grammar::only_token("gzip, chunked", "chunked"));
    CHECK_FALSE(grammar::only_token(" , ", "chunked"));  // no element at all
    CHECK(grammar::trim_blanks(" \t x y \t") == "x y");
}

TEST_CASE("Media types drop their parameters, and q=0 refuses an element", "[http][grammar]") {
    CHECK(grammar::media_type(" text/html ; charset=utf-8") == "text/html");
    CHECK(grammar::media_type("application/json") == "application/json");
    const auto json = [](std::string_view type) { return type == "application/json"; };
    CHECK(grammar::list_accepts("text/html, application/json;q=0.5", json));
    CHECK_FALSE(grammar::list_accepts("text/html, application/json;q=0", json));
    CHECK_FALSE(grammar::list_accepts("application/json; q=0.0", json));
    CHECK_FALSE(grammar::list_accepts("", json));
}

TEST_CASE("A Host field is host[:port] with a reg-name, an IPv4 address or a bracketed literal", "[http][grammar]") {
    for (const std::string_view good : {"example.com", "example.com:8080", "127.0.0.1", "[::1]", "[::1]:443",
                                        "a-b_c~d", "%41bc", "x!$&'()*+,;=y", "", "h:", "[v1.fe]"})
        CHECK(grammar::valid_host_field(good));
    for (const std::string_view bad : {"a..b", "a b", "exa/mple", "h:123456", "h:8a", "[::1", "[]", "[::1]x",
                                       "[g::1]", "%4", "%zz", "a@b", "\xc3\xa9"})
        CHECK_FALSE(grammar::valid_host_field(bad));
}

TEST_CASE("Hex digits of either case, nothing else", "[http][grammar]") {
    CHECK(grammar::hex_value('0') == 0);
    CHECK(grammar::hex_value('9') == 9);
    CHECK(grammar::hex_value('a') == 10);
    CHECK(grammar::hex_value('F') == 15);
    CHECK(grammar::hex_value('g') == -1);
    CHECK(grammar::hex_value(' ') == -1);
}
