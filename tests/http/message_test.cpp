// HTTP message values: Headers, has_token, reason phrases, bodiless statuses, IMF dates.
#include <string>
#include <vector>

#include <hio/http/message.hpp>

#include "catch.hpp"

using hio::http::Headers;

TEST_CASE("Headers look names up ignoring case and keep every repeated field in order", "[http][message]") {
    Headers headers{{"Content-Type", "text/plain"}, {"Set-Cookie", "a=1"}, {"set-cookie", "b=2"}};
    CHECK(headers.get("content-type") == "text/plain");
    CHECK(headers.value("CONTENT-TYPE") == "text/plain");
    CHECK_FALSE(headers.get("Accept").has_value());
    CHECK(headers.value("Accept", "*/*") == "*/*");
    const std::vector<std::string_view> cookies = headers.get_all("Set-Cookie");
    REQUIRE(cookies.size() == 2);
    CHECK(cookies[0] == "a=1");
    CHECK(cookies[1] == "b=2");
    headers.add("Set-Cookie", "c=3");
    CHECK(headers.get_all("set-cookie").size() == 3);
    headers.set("SET-COOKIE", "only");  // replaces every field of the name
    CHECK(headers.get_all("Set-Cookie") == std::vector<std::string_view>{"only"});
    headers.remove("set-cookie");
    CHECK_FALSE(headers.has("Set-Cookie"));
    CHECK(headers.size() == 1);
    CHECK(headers.fields().front().first == "Content-Type");  // names keep their spelling
}

TEST_CASE("has_token finds a token in a comma-separated list, ignoring case and spaces", "[http][message]") {
    CHECK(hio::http::has_token("keep-alive, Upgrade", "upgrade"));
    CHECK(hio::http::has_token(" close ", "close"));
    CHECK(hio::http::has_token("a,\tclose", "CLOSE"));
    CHECK_FALSE(hio::http::has_token("closed", "close"));
    CHECK_FALSE(hio::http::has_token("", "close"));
    CHECK_FALSE(hio::http::has_token("x-close", "close"));
}

TEST_CASE("Reason phrases and the statuses that have no body", "[http][message]") {
    CHECK(hio::http::reason_phrase(200) == "OK");
    CHECK(hio::http::reason_phrase(413) == "Content Too Large");
    CHECK(hio::http::reason_phrase(505) == "HTTP Version Not Supported");
    CHECK(hio::http::reason_phrase(299) == "Unknown");
    for (const int status : {100, 101, 103, 204, 304})
        CHECK(hio::http::status_forbids_body(status));
    for (const int status : {200, 201, 206, 301, 400, 404, 500})
        CHECK_FALSE(hio::http::status_forbids_body(status));
}

TEST_CASE("http_date writes IMF-fixdates in English, whatever the locale", "[http][message]") {
    CHECK(hio::http::http_date(784111777) == "Sun, 06 Nov 1994 08:49:37 GMT");  // RFC 9110's example
    CHECK(hio::http::http_date(0) == "Thu, 01 Jan 1970 00:00:00 GMT");
    CHECK(hio::http::http_date(951782400) == "Tue, 29 Feb 2000 00:00:00 GMT");
}

TEST_CASE("A Response's stream makes the body a BodyStream", "[http][message]") {
    hio::http::Response response;
    CHECK(response.body_stream == nullptr);
    const auto stream = response.stream({.capacity = 8});
    REQUIRE(stream != nullptr);
    CHECK(response.body_stream == stream);
    CHECK(stream->room() == 8);
    CHECK_THROWS_AS(response.stream({.capacity = 0}), hio::ValidationError);
}
