// http/detail/redirect.hpp: the client's redirect rule, without a socket: which method and
// body go on, which credentials stay behind, which redirects are refused.
#include <string>

#include <hio/http/detail/redirect.hpp>

#include "catch.hpp"

using hio::http::ClientRequest;
using hio::http::Url;
using hio::http::detail::follow_redirect;

namespace {

ClientRequest post_with_credentials() {
    return {.method = "POST",
            .url = "http://a.test/form",
            .headers = {{"Content-Type", "text/plain"}, {"Authorization", "Bearer x"}, {"Cookie", "c=1"}, {"Host", "a.test"}},
            .body = "data"};
}

}  // namespace

TEST_CASE("A 303, or a 301 or 302 after a POST, goes on as a GET without the body", "[http][redirect]") {
    for (const int status : {301, 302, 303}) {
        INFO("status " << status);
        ClientRequest request = post_with_credentials();
        const auto next = follow_redirect(request, Url::parse(request.url), status, "/done?x=1", false);
        REQUIRE_FALSE(next.error);
        CHECK(next.url.text() == "http://a.test/done?x=1");
        CHECK(request.method == "GET");
        CHECK(request.body.empty());
        CHECK_FALSE(request.headers.has("Content-Type"));
        CHECK(request.headers.has("Authorization"));  // the same origin keeps its credentials
        CHECK_FALSE(request.headers.has("Host"));     // the next request sets its own
    }
    ClientRequest head{.method = "HEAD", .url = "http://a.test/"};
    REQUIRE_FALSE(follow_redirect(head, Url::parse(head.url), 303, "/b", false).error);
    CHECK(head.method == "HEAD");  // a HEAD stays a HEAD
}

TEST_CASE("A 307 or 308 keeps the method and the body", "[http][redirect]") {
    for (const int status : {307, 308}) {
        ClientRequest request = post_with_credentials();
        REQUIRE_FALSE(follow_redirect(request, Url::parse(request.url), status, "http://a.test/other", false).error);
        CHECK(request.method == "POST");
        CHECK(request.body == "data");
        CHECK(request.headers.has("Content-Type"));
    }
    ClientRequest get{.method = "GET", .url = "http://a.test/"};
    REQUIRE_FALSE(follow_redirect(get, Url::parse(get.url), 301, "/moved", false).error);
    CHECK(get.method == "GET");
}

TEST_CASE("Credentials stay with their origin", "[http][redirect]") {
    ClientRequest request = post_with_credentials();
    const auto next = follow_redirect(request, Url::parse(request.url), 307, "http://b.test:8080/x", false);
    REQUIRE_FALSE(next.error);
    CHECK(next.url.origin() == "http://b.test:8080");
    CHECK_FALSE(request.headers.has("Authorization"));
    CHECK_FALSE(request.headers.has("Cookie"));
    CHECK(request.body == "data");
}

TEST_CASE("Redirects that cannot or must not be followed leave the request as it was", "[http][redirect]") {
    ClientRequest secure{.method = "GET", .url = "https://a.test/", .headers = {{"Authorization", "k"}}};
    auto next = follow_redirect(secure, Url::parse(secure.url), 302, "http://a.test/", true);
    CHECK(next.error == hio::http::Errc::refused_downgrade);  // https never goes to http
    CHECK(next.message.find("http://a.test/") != std::string::npos);
    CHECK(secure.headers.has("Authorization"));

    ClientRequest plain{.method = "GET", .url = "http://a.test/"};
    next = follow_redirect(plain, Url::parse(plain.url), 302, "https://a.test/", false);
    CHECK(next.error == hio::http::Errc::bad_redirect);  // no TLS network to follow it on
    CHECK(next.message.find("no TLS network") != std::string::npos);

    next = follow_redirect(plain, Url::parse(plain.url), 302, "ftp://a.test/file", false);
    CHECK(next.error == hio::http::Errc::bad_redirect);
    CHECK(next.message.find("cannot follow the redirect") != std::string::npos);

    CHECK(hio::http::detail::is_redirect(308));
    CHECK_FALSE(hio::http::detail::is_redirect(304));  // not modified: no redirect
    CHECK_FALSE(hio::http::detail::is_redirect(300));
}
