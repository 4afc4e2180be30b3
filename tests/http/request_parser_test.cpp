// http/detail/request_parser.hpp, driven directly: what it takes, what it refuses and with
// which status, whatever the split of the bytes.
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <hio/http/detail/request_parser.hpp>

#include "catch.hpp"

using hio::http::detail::RequestParser;

namespace {

std::span<const std::byte> request_bytes(std::string_view text) { return std::as_bytes(std::span{text.data(), text.size()}); }

RequestParser request_parser(std::size_t max_header = 1024, std::size_t max_body = 1024) {
    return RequestParser{{.max_header_bytes = max_header, .max_body_bytes = max_body}};
}

// Feeds `text` in pieces of `piece` bytes (0: whole) until the parser stops with a request or
// a refusal; returns that outcome and how many bytes it used in all.
struct Fed {
    RequestParser::Outcome outcome = RequestParser::Outcome::more;
    std::size_t used = 0;
};
Fed feed(RequestParser& parser, std::string_view text, std::size_t piece = 0) {
    Fed fed;
    while (fed.used < text.size()) {
        const std::size_t length = piece == 0 ? text.size() - fed.used : std::min(piece, text.size() - fed.used);
        std::size_t taken = 0;
        fed.outcome = parser.feed(request_bytes(text.substr(fed.used, length)), taken);
        fed.used += taken;
        if (fed.outcome != RequestParser::Outcome::more)
            return fed;
        if (taken < length)
            break;  // llhttp stopped early without saying why: a test bug
    }
    return fed;
}

// The status a request is refused with (0 when it is accepted).
int refusal(std::string_view text, std::size_t max_header = 1024, std::size_t max_body = 1024) {
    RequestParser parser = request_parser(max_header, max_body);
    const Fed fed = feed(parser, text);
    return fed.outcome == RequestParser::Outcome::failed ? parser.status() : 0;
}

}  // namespace

TEST_CASE("RequestParser takes a request whole, or a byte at a time, to the same result", "[http][request_parser]") {
    const std::string text =
        "POST /a/b?x=1&y HTTP/1.1\r\nHost: h\r\nX-A: one\r\nx-a: two  \r\nContent-Length: 5\r\n\r\nhello";
    for (const std::size_t piece : {std::size_t{0}, std::size_t{1}, std::size_t{7}}) {
        INFO("pieces of " << piece);
        RequestParser parser = request_parser();
        const Fed fed = feed(parser, text, piece);
        REQUIRE(fed.outcome == RequestParser::Outcome::request);
        CHECK(fed.used == text.size());
        const hio::http::Request& request = parser.request();
        CHECK(request.method == "POST");
        CHECK(request.target == "/a/b?x=1&y");
        CHECK(request.path == "/a/b");
        CHECK(request.query_string == "x=1&y");
        CHECK(request.version_major == 1);
        CHECK(request.version_minor == 1);
        CHECK(request.keep_alive);
        CHECK(request.body == "hello");
        CHECK(request.headers.get_all("X-A") == std::vector<std::string_view>{"one", "two"});  // OWS trimmed
    }
}

TEST_CASE("RequestParser stops after each pipelined request and goes on when fed again", "[http][request_parser]") {
    const std::string text = "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
    RequestParser parser = request_parser();
    Fed first = feed(parser, text);
    REQUIRE(first.outcome == RequestParser::Outcome::request);
    CHECK(parser.request().path == "/1");
    CHECK(first.used < text.size());  // the second request waits its turn
    const Fed second = feed(parser, std::string_view{text}.substr(first.used));
    REQUIRE(second.outcome == RequestParser::Outcome::request);
    CHECK(parser.request().path == "/2");
    CHECK_FALSE(parser.request().keep_alive);
}

TEST_CASE("RequestParser de-chunks bodies and keeps HTTP/1.0 and absolute targets apart", "[http][request_parser]") {
    RequestParser parser = request_parser();
    REQUIRE(feed(parser, "PUT /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                         "3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\n\r\n")
                .outcome == RequestParser::Outcome::request);
    CHECK(parser.request().body == "abcde");

    RequestParser old = request_parser();
    REQUIRE(feed(old, "GET http://example.com/p?q HTTP/1.0\r\n\r\n").outcome == RequestParser::Outcome::request);
    CHECK(old.request().version_minor == 0);
    CHECK_FALSE(old.request().keep_alive);  // HTTP/1.0 closes unless it asks otherwise
    CHECK(old.request().path == "/p");
    CHECK(old.request().query_string == "q");
}

TEST_CASE("RequestParser asks for 100 Continue only when a body is announced", "[http][request_parser]") {
    RequestParser parser = request_parser();
    CHECK(feed(parser, "POST /u HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n").outcome ==
          RequestParser::Outcome::more);
    CHECK(parser.wants_continue());
    parser.continue_sent();
    CHECK_FALSE(parser.wants_continue());
    CHECK(parser.in_request());
    CHECK(feed(parser, "abc").outcome == RequestParser::Outcome::request);

    RequestParser bodiless = request_parser();
    feed(bodiless, "GET / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n\r\n");
    CHECK_FALSE(bodiless.wants_continue());
}

TEST_CASE("RequestParser refuses with the status RFC 9112 asks for", "[http][request_parser]") {
    CHECK(refusal("GET / HTTP/1.1\r\nHost: h\r\n\r\n") == 0);
    CHECK(refusal("GET / HTTP/1.1\r\nHost : h\r\n\r\n") == 400);  // space before the colon
    CHECK(refusal("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n") == 400);
    CHECK(refusal("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n") == 400);
    CHECK(refusal("GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n") == 400);  // last coding not chunked
    CHECK(refusal("GET nothing HTTP/1.1\r\nHost: h\r\n\r\n") == 400);  // in no target form
    CHECK(refusal("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 2000\r\n\r\n") == 413);
    CHECK(refusal("GET /" + std::string(2000, 'a') + " HTTP/1.1\r\n\r\n") == 414);
    CHECK(refusal("GET / HTTP/1.1\r\nX: " + std::string(2000, 'a') + "\r\n\r\n") == 431);
}

TEST_CASE("RequestParser reports llhttp's error as a code in the llhttp category", "[http][request_parser]") {
    RequestParser parser = request_parser();
    REQUIRE(feed(parser, "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: x\r\n\r\n").outcome ==
            RequestParser::Outcome::failed);
    CHECK(parser.status() == 400);
    CHECK(parser.error().category().name() == std::string{"llhttp"});
    CHECK(parser.error().value() == HPE_INVALID_CONTENT_LENGTH);
    CHECK(parser.error().message() == "HPE_INVALID_CONTENT_LENGTH");
    std::size_t taken = 0;
    CHECK(parser.feed(request_bytes("GET / HTTP/1.1\r\n\r\n"), taken) == RequestParser::Outcome::failed);  // stays failed
}


TEST_CASE("RequestParser refuses an obs-fold and a space before the first field, however the bytes are cut",
          "[http][request_parser]") {
    const std::string folded = "GET / HTTP/1.1\r\nHost: h\r\nX: one\r\n two\r\n\r\n";
    const std::string tabbed = "GET / HTTP/1.1\r\nHost: h\r\nX:\r\n\ttwo\r\n\r\n";  // an empty value, folded
    const std::string spaced = "GET / HTTP/1.1\r\n Host: h\r\n\r\n";
    const std::string plain = "GET / HTTP/1.1\r\nHost: h\r\nX: one two\r\n\r\n";
    for (const std::size_t piece : {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{5},
                                    std::size_t{17}, std::size_t{33}, std::size_t{36}, std::size_t{37}}) {
        INFO("pieces of " << piece);
        for (const std::string* text : {&folded, &tabbed, &spaced}) {
            RequestParser parser = request_parser();
            INFO(*text);
            CHECK(feed(parser, *text, piece).outcome == RequestParser::Outcome::failed);
            CHECK(parser.status() == 400);
        }
        RequestParser parser = request_parser();  // a value cut between feeds is not a fold
        REQUIRE(feed(parser, plain, piece).outcome == RequestParser::Outcome::request);
        CHECK(parser.request().headers.value("X") == "one two");
    }
}

TEST_CASE("RequestParser reads the request line in place or normalised: HTTP/1.x, bare LF, blank lines first",
          "[http][request_parser]") {
    struct Case {
        std::string text;
        int minor;
    };
    for (const Case& c : {Case{"GET /p HTTP/1.1\r\nHost: h\r\n\r\n", 1}, Case{"GET /p HTTP/1.0\r\n\r\n", 0},
                          Case{"GET /p HTTP/1.7\r\nHost: h\r\n\r\n", 1},  // 1.2-1.9 served as 1.1
                          Case{"GET /p HTTP/1.1\nHost: h\r\n\r\n", 1},     // a bare LF ends the line too
                          Case{"\r\n\r\nGET /p HTTP/1.1\r\nHost: h\r\n\r\n", 1}}) {
        for (const std::size_t piece : {std::size_t{0}, std::size_t{1}, std::size_t{4}, std::size_t{9}}) {
            INFO(c.text << " in pieces of " << piece);
            RequestParser parser = request_parser();
            const Fed fed = feed(parser, c.text, piece);
            REQUIRE(fed.outcome == RequestParser::Outcome::request);
            CHECK(fed.used == c.text.size());
            CHECK(parser.request().path == "/p");
            CHECK(parser.request().version_minor == c.minor);
        }
    }
    CHECK(refusal("GET /p HTTP/2.0\r\nHost: h\r\n\r\n") == 505);
    CHECK(refusal("GET  /p HTTP/1.1\r\nHost: h\r\n\r\n") == 400);  // two spaces
    CHECK(refusal("GET /p\x7f HTTP/1.1\r\nHost: h\r\n\r\n") == 400);
    CHECK(refusal("BREW /p HTTP/1.1\r\nHost: h\r\n\r\n") == 501);  // a token llhttp does not know
    // The request line may be as long as max_header_bytes, its CR included, and no longer.
    const std::string target = "/" + std::string(99 - std::string_view{"GET  HTTP/1.1\r"}.size(), 'a');
    CHECK(refusal("GET " + target + " HTTP/1.1\r\nHost: h\r\n\r\n", 100) == 0);
    CHECK(refusal("GET " + target + "a HTTP/1.1\r\nHost: h\r\n\r\n", 100) == 414);
}
