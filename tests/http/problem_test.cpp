// http/problem.hpp: an http::Error rendered (hio: HTTPError.render) as problem+json or text.
#include <string>

#include <hio/http/message.hpp>
#include <hio/http/problem.hpp>

#include "catch.hpp"

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

