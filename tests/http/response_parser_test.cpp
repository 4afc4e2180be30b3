// http/detail/response_parser.hpp, driven directly: framing, interim responses, responses cut
// short or malformed, limits.
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include <hio/http/detail/response_parser.hpp>

#include "catch.hpp"

using hio::http::detail::ResponseParser;

namespace {

std::span<const std::byte> response_bytes(std::string_view text) { return std::as_bytes(std::span{text.data(), text.size()}); }

}  // namespace

TEST_CASE("ResponseParser frames bodies by length, chunks or the close", "[http][response_parser]") {
    using Outcome = ResponseParser::Outcome;
    ResponseParser parser{{.max_header_bytes = 1024, .max_body_bytes = 1024}};
    std::size_t taken = 0;

    parser.expect(false);
    CHECK(parser.feed(response_bytes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), taken) == Outcome::response);
    CHECK(parser.status() == 200);
    CHECK(parser.reason_phrase() == "OK");
    CHECK(parser.body() == "ok");
    CHECK(parser.keep_alive());

    parser.expect(false);
    CHECK(parser.feed(response_bytes("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
                               "2\r\nab\r\n0\r\n\r\n"),
                      taken) == Outcome::response);
    CHECK(parser.status() == 201);  // the interim response was skipped
    CHECK(parser.body() == "ab");

    parser.expect(true);  // HEAD: the length describes the GET, no body follows
    CHECK(parser.feed(response_bytes("HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n"), taken) == Outcome::response);
    CHECK(parser.body().empty());

    ResponseParser until_close{{.max_header_bytes = 1024, .max_body_bytes = 1024}};
    until_close.expect(false);
    CHECK(until_close.feed(response_bytes("HTTP/1.0 200 OK\r\n\r\nto the end"), taken) == Outcome::more);
    CHECK(until_close.finish() == Outcome::response);
    CHECK(until_close.body() == "to the end");
    CHECK_FALSE(until_close.keep_alive());
}

TEST_CASE("ResponseParser tells a response cut short from a malformed one", "[http][response_parser]") {
    using Outcome = ResponseParser::Outcome;
    std::size_t taken = 0;
    ResponseParser cut{{.max_header_bytes = 1024, .max_body_bytes = 1024}};
    cut.expect(false);
    CHECK(cut.feed(response_bytes("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"), taken) == Outcome::more);
    CHECK(cut.finish() == Outcome::failed);
    CHECK(cut.closed_early());

    ResponseParser bad{{.max_header_bytes = 1024, .max_body_bytes = 1024}};
    bad.expect(false);
    CHECK(bad.feed(response_bytes("HTTP/1.1 20 OK\r\n\r\n"), taken) == Outcome::failed);  // not three digits
    CHECK_FALSE(bad.closed_early());
    CHECK(bad.reason() == "the status code is not three digits");

    ResponseParser big{{.max_header_bytes = 1024, .max_body_bytes = 4}};
    big.expect(false);
    CHECK(big.feed(response_bytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"), taken) == Outcome::failed);

    ResponseParser events{{.max_header_bytes = 1024, .max_body_bytes = 4}};
    events.expect(false);
    CHECK(events.feed(response_bytes("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n\r\n"
                               "data: longer than four\n\n"),
                      taken) == Outcome::more);
    CHECK(events.event_stream());  // no body limit: the client drains it as it comes
    CHECK(events.body() == "data: longer than four\n\n");
}
