// http/auth.hpp: Basic and Bearer credentials, written and read back.
#include <string>

#include <hio/http/auth.hpp>
#include <hio/http/message.hpp>

#include "catch.hpp"

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

