// Router: method and path patterns, captures, 404/405/400, HEAD falling back to GET; and
// percent_decode. In-process: a Router is an ordinary handler (curl drives it through the
// http_server example's test).
#include <string>

#include <hio/hio.hpp>

#include "catch.hpp"
#include "support/net.hpp"

using hio::http::Request;
using hio::http::Response;
using hio::http::RouteMatch;

namespace {

Response call(const hio::http::Router& router, std::string method, std::string path) {
    Request request;
    request.method = std::move(method);
    request.path = std::move(path);
    Response response;
    router(request, response);
    return response;
}

// A route handler that answers "<name> <captures>".
hio::http::RouteHandler answer(std::string name) {
    return [name](const Request&, Response& response, const RouteMatch& match) {
        response.body = name;
        for (const auto& [key, value] : match.params())
            response.body += " " + key + "=" + value;
    };
}

}  // namespace

TEST_CASE("percent_decode decodes escapes and refuses bad ones and NUL", "[http][router]") {
    CHECK(hio::http::percent_decode("/a%20b/%2e%2E/%C3%A9+") == "/a b/../\xC3\xA9+");
    CHECK_FALSE(hio::http::percent_decode("%"));
    CHECK_FALSE(hio::http::percent_decode("%4"));
    CHECK_FALSE(hio::http::percent_decode("%zz"));
    CHECK_FALSE(hio::http::percent_decode("a%00b"));
    CHECK(hio::http::percent_decode("") == "");
}

TEST_CASE("Router dispatches by method and pattern, first route first", "[http][router]") {
    hio::http::Router router;
    router.get("/", answer("root"))
        .get("/users/{id}", answer("user"))
        .put("/users/{id}", answer("put-user"))
        .get("/users/{id}/posts/{post}", answer("post"))
        .get("/files/*", answer("files"))
        .add("*", "/any", answer("any"))
        .add("HEAD", "/head", answer("head"))
        .get("/head", answer("get-head"));
    CHECK(call(router, "GET", "/").body == "root");
    CHECK(call(router, "GET", "/users/42").body == "user id=42");
    CHECK(call(router, "PUT", "/users/42").body == "put-user id=42");
    CHECK(call(router, "GET", "/users/a%20b/posts/7").body == "post id=a b post=7");
    CHECK(call(router, "GET", "/files/a/b/c.txt").body == "files *=a/b/c.txt");
    CHECK(call(router, "GET", "/files").body == "files *=");
    CHECK(call(router, "PATCH", "/any").body == "any");
    CHECK(call(router, "HEAD", "/users/1").body == "user id=1");  // HEAD uses GET routes
    CHECK(call(router, "HEAD", "/head").body == "head");          // unless a HEAD route matches
    CHECK(call(router, "GET", "/users/").status == 404);          // {id} needs a segment
    CHECK(call(router, "GET", "/users/1/extra").status == 404);
    CHECK(call(router, "GET", "/nowhere").status == 404);
    const Response refused = call(router, "DELETE", "/users/1");
    CHECK(refused.status == 405);
    CHECK(refused.headers.value("Allow") == "GET, PUT");
    CHECK(call(router, "GET", "/users/%zz").status == 400);
}

TEST_CASE("Router refuses bad patterns and empty handlers", "[http][router]") {
    hio::http::Router router;
    CHECK_THROWS_WITH(router.get("users", answer("x")), Catch::Contains("must start with '/'"));
    CHECK_THROWS_AS(router.get("/a/*/b", answer("x")), hio::ValidationError);
    CHECK_THROWS_AS(router.get("/a/{}", answer("x")), hio::ValidationError);
    CHECK_THROWS_AS(router.get("/a/{id", answer("x")), hio::ValidationError);
    CHECK_THROWS_AS(router.get("/a/b{id}", answer("x")), hio::ValidationError);
    CHECK_THROWS_AS(router.get("/a", hio::http::RouteHandler{}), hio::ValidationError);
}

TEST_CASE("A Router is a handler the server doer takes", "[http][router]") {
    hio_test::NetRig rig;
    hio::StreamServer tcp{rig.network, {}};
    // As in the README.
    hio::http::Router router;
    router.get("/users/{id}", [](const hio::http::Request&, hio::http::Response& response,
                                 const hio::http::RouteMatch& match) { response.body = "user " + match.value("id"); });
    hio::http::ServerDoer routed{tcp, router};
    CHECK(call(router, "GET", "/users/7").body == "user 7");
}
