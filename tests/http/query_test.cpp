// http/query.hpp: query strings and form bodies (hio: parseQuery, updateQargsQuery).
#include <string>

#include <hio/http/message.hpp>
#include <hio/http/query.hpp>

#include "catch.hpp"

using hio::http::QueryParams;

TEST_CASE("A query decodes in order, names case-sensitive, values kept when a name repeats", "[http][query]") {
    const QueryParams q = QueryParams::parse("a=1&B=x+y&a=%C3%A9t%C3%A9&flag&empty=&;c=%2B%26");
    REQUIRE(q.size() == 6);
    CHECK(q.value("a") == "1");
    CHECK(q.get_all("a") == std::vector<std::string_view>{"1", "été"});
    CHECK(q.value("B") == "x y");
    CHECK_FALSE(q.has("b"));
    CHECK(q.has("flag"));
    CHECK(q.value("flag", "none").empty());
    CHECK(q.value("c") == "+&");
    CHECK(q.value("missing", "fallback") == "fallback");
    CHECK(QueryParams::parse("").empty());
    CHECK_THROWS_AS(QueryParams::parse("a=%zz"), hio::ValidationError);
    CHECK_THROWS_AS(QueryParams::parse("a=%00"), hio::ValidationError);
}

TEST_CASE("Parameters encode back to what decodes to them", "[http][query]") {
    QueryParams q{{"name", "a b&c"}, {"x", "1/2=é"}, {"x", ""}};
    CHECK(q.encode() == "name=a+b%26c&x=1%2F2%3D%C3%A9&x=");
    CHECK(QueryParams::parse(q.encode()) == q);
    q.set("x", "3");
    CHECK(q.encode() == "name=a+b%26c&x=3");
    q.remove("name");
    CHECK(q.encode() == "x=3");
}

TEST_CASE("with_query merges parameters into a URL as hio's updateQargsQuery does", "[http][query]") {
    using hio::http::with_query;
    CHECK(with_query("http://h/p", {{"a", "1"}}) == "http://h/p?a=1");
    CHECK(with_query("http://h/p?a=0&b=2&a=9", {{"a", "1"}, {"c", "x y"}}) == "http://h/p?b=2&a=1&c=x+y");
    CHECK(with_query("/p?keep=1#frag", {{"n", "2"}}) == "/p?keep=1&n=2#frag");
    CHECK(with_query("/p?", {}) == "/p");
    CHECK_THROWS_AS(with_query("/p?a=%4", {{"b", "1"}}), hio::ValidationError);
}

TEST_CASE("Request::query and form answer a bad request with http::Error, not a crash", "[http][query]") {
    hio::http::Request request;
    request.query_string = "q=caf%C3%A9&page=2";
    CHECK(request.query().value("q") == "café");
    request.query_string = "q=%G1";
    try {
        static_cast<void>(request.query());
        FAIL("decoded a bad escape");
    } catch (const hio::http::Error& error) {
        CHECK(error.status() == 400);
        CHECK(error.detail() == "malformed percent-encoding in the query");
    }
    request.body = "name=Ada+Lovelace&lang=en";
    CHECK_THROWS_AS(request.form(), hio::http::Error);  // no Content-Type: 415
    request.headers.set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
    CHECK(request.form().value("name") == "Ada Lovelace");
}

