// Query strings and form bodies (hio: parseQuery, updateQargsQuery), and http::Error's
// rendering (hio: HTTPError.render) as problem+json or text.
#include <string>

#include <hio/http/auth.hpp>
#include <hio/http/multipart.hpp>
#include <hio/http/problem.hpp>
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

TEST_CASE("An http::Error renders as problem+json when JSON is accepted, as text otherwise", "[http][problem]") {
    const hio::http::Error error{404, "No such item", "item \"7\" does not exist", 42, {{"X-Why", "gone"}}};
    hio::http::Request request;
    request.headers.set("Accept", "application/problem+json, text/plain;q=0.5");
    const hio::http::Response json = hio::http::render_error(error, request);
    CHECK(json.status == 404);
    CHECK(json.headers.value("Content-Type") == "application/problem+json");
    CHECK(json.headers.value("X-Why") == "gone");
    CHECK(json.body == "{\"type\": \"about:blank\", \"title\": \"No such item\", \"status\": 404, "
                       "\"detail\": \"item \\\"7\\\" does not exist\", \"fault\": 42}\n");
    request.headers.set("Accept", "text/html, application/json;q=0");
    const hio::http::Response text = hio::http::render_error(error, request);
    CHECK(text.headers.value("Content-Type") == "text/plain; charset=utf-8");
    CHECK(text.body == "404 Not Found\nNo such item\nitem \"7\" does not exist\nfault 42\n");
    CHECK(hio::http::Error{200}.status() == 500);  // not an error status: a server error
    CHECK(std::string{hio::http::Error{503, "", "down"}.what()} == "HTTP 503: down");
}

TEST_CASE("Basic and Bearer credentials go into Authorization and come back out", "[http][auth]") {
    CHECK(hio::http::base64_encode("") == "");
    CHECK(hio::http::base64_encode("f") == "Zg==");
    CHECK(hio::http::base64_encode("fo") == "Zm8=");
    CHECK(hio::http::base64_encode("foobar") == "Zm9vYmFy");
    CHECK(hio::http::base64_decode("Zm9vYg==") == "foob");
    CHECK_FALSE(hio::http::base64_decode("Zm9"));
    CHECK_FALSE(hio::http::base64_decode("Zm9v!A=="));
    CHECK(hio::http::basic_auth("Aladdin", "open sesame") == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");  // RFC 7617
    CHECK_THROWS_AS(hio::http::basic_auth("a:b", "c"), hio::ValidationError);
    hio::http::Request request;
    request.headers.set("Authorization", hio::http::basic_auth("ada", "pa:ss"));
    const auto credentials = hio::http::basic_credentials(request);
    REQUIRE(credentials);
    CHECK(credentials->first == "ada");
    CHECK(credentials->second == "pa:ss");
    CHECK_FALSE(hio::http::bearer_token(request));
    request.headers.set("Authorization", hio::http::bearer_auth("t0k3n"));
    CHECK(hio::http::bearer_token(request) == "t0k3n");
    CHECK_FALSE(hio::http::basic_credentials(request));
}

TEST_CASE("A multipart body parses the same fed whole or a byte at a time, the builder's output parses back",
          "[http][multipart]") {
    hio::http::MultipartBuilder builder{"XyZ"};
    builder.field("title", "a \"quoted\" name").file("upload", "notes.txt", "text/plain", "line 1\r\n--Xy\r\n");  // a delimiter's prefix
    builder.field("empty", "");
    CHECK(builder.content_type() == "multipart/form-data; boundary=XyZ");
    CHECK(hio::http::multipart_boundary("multipart/form-data; charset=utf-8; boundary=\"XyZ\"") == "XyZ");
    CHECK_FALSE(hio::http::multipart_boundary("text/plain; boundary=XyZ"));
    const std::string body = "preamble\r\n" + builder.body() + "epilogue";
    for (const std::size_t step : {body.size(), std::size_t{1}, std::size_t{7}}) {
        std::vector<hio::http::Part> parts;
        hio::http::MultipartParser parser{"XyZ",
                                          {.on_part = [&](const hio::http::PartHeader& h) { parts.push_back({h, {}}); },
                                           .on_data = [&](std::string_view d) { parts.back().body.append(d); },
                                           .on_end = {}}};
        for (std::size_t at = 0; at < body.size(); at += step)
            parser.feed(std::string_view{body}.substr(at, step));
        parser.finish();
        INFO("step " << step);
        REQUIRE(parts.size() == 3);
        CHECK(parts[0].header.name == "title");
        CHECK(parts[0].body == "a \"quoted\" name");
        CHECK(parts[1].header.filename == "notes.txt");
        CHECK(parts[1].header.content_type == "text/plain");
        CHECK(parts[1].body == "line 1\r\n--Xy\r\n");
        CHECK(parts[2].header.name == "empty");
        CHECK(parts[2].body.empty());
    }
    CHECK_THROWS_AS(hio::http::MultipartBuilder{"XyZ"}.field("x", "a\r\n--XyZ b"), hio::ValidationError);
    hio::http::MultipartParser cut{"XyZ", {}};
    cut.feed(builder.body().substr(0, 40));
    CHECK_THROWS_AS(cut.finish(), hio::http::Error);
    hio::http::MultipartParser many{"b", {}, {.max_parts = 1}};
    CHECK_THROWS_AS(many.feed("--b\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--b\r\n"
                              "Content-Disposition: form-data; name=b\r\n\r\ny\r\n--b--\r\n"),
                    hio::http::Error);
    hio::http::MultipartParser headless{"b", {}};
    CHECK_THROWS_AS(headless.feed("--b\r\nX-Other: 1\r\n\r\nx\r\n--b--\r\n"), hio::http::Error);
}
