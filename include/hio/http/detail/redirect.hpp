#pragma once
/// \file
/// The redirect rule of hio::http::Client as a pure function: given a request, the URL it went
/// to and a 3xx answer, the request that follows, or why none does. Internal; tested without a
/// socket (tests/http/redirect_test.cpp).

#include <string>
#include <string_view>
#include <system_error>

#include <hio/error.hpp>
#include <hio/http/error.hpp>
#include <hio/http/message.hpp>
#include <hio/http/url.hpp>

namespace hio::http::detail {

/// True for the statuses that redirect (RFC 9110 15.4): 301, 302, 303, 307, 308.
constexpr bool is_redirect(int status) noexcept {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/// What follow_redirect() decided.
struct Redirected {
    std::error_code error{};  ///< bad_redirect or refused_downgrade; empty: follow it
    std::string message{};    ///< why not, in words (names the URL)
    Url url{};                ///< where the request goes next
};

/// Rewrites `request`, sent to `from`, to follow a `status` answer whose Location is
/// `location` (RFC 9110 15.4, and hio's rules):
/// - the Location is resolved against `from` (RFC 3986 5); one that does not resolve is a
///   bad_redirect;
/// - an https target needs a TLS network (`tls`): else bad_redirect; https never goes to http
///   (refused_downgrade, as hio refuses it);
/// - 303, and 301 or 302 after a POST, turn the request into a GET (a HEAD stays HEAD) without
///   its body or Content-Type; 307 and 308 keep method and body;
/// - credentials stay with their origin: Authorization and Cookie go when the origin changes;
/// - Host goes: the next request sets its own.
/// `request` is changed only when the redirect is followed (no error).
inline Redirected follow_redirect(ClientRequest& request, const Url& from, int status, std::string_view location,
                                  bool tls) {
    Redirected out;
    try {
        out.url = from.resolve(location);
    } catch (const ValidationError& error) {
        out.error = Errc::bad_redirect;
        out.message = std::string{"cannot follow the redirect: "} + error.what();
        return out;
    }
    if (out.url.scheme == "https" && !tls) {
        out.error = Errc::bad_redirect;
        out.message = "cannot follow the redirect to " + out.url.text() + ": no TLS network";
        return out;
    }
    if (out.url.scheme == "http" && from.scheme == "https") {
        out.error = Errc::refused_downgrade;
        out.message = "refusing the redirect from https to " + out.url.text();
        return out;
    }
    if (status == 303 || ((status == 301 || status == 302) && request.method == "POST")) {
        if (request.method != "HEAD")
            request.method = "GET";
        request.body.clear();
        request.headers.remove("Content-Type");
    }
    if (out.url.origin() != from.origin()) {
        request.headers.remove("Authorization");
        request.headers.remove("Cookie");
    }
    request.headers.remove("Host");
    return out;
}

}  // namespace hio::http::detail
