#pragma once
/// \file
/// HTTP's error codes: why an exchange failed, as a std::error_code a program can test
/// (`response.error == hio::http::Errc::too_many_redirects`) instead of parsing text; and
/// http::Error, the exception a handler throws to answer with an error status.

#include <optional>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include <hio/error.hpp>

namespace hio::http {

/// Why an HTTP exchange failed, in http::error_category(). Failures below HTTP keep their own
/// codes: a refused or reset connection is a std::errc value, a TLS failure an OpenSSL one.
enum class Errc {
    timeout = 1,         ///< no complete response within ClientOptions::timeout (≡ std::errc::timed_out)
    stream_silent,       ///< an event stream sent nothing for stream_idle_timeout (≡ std::errc::timed_out)
    bad_response,        ///< the bytes are not an HTTP/1.1 response, or pass a limit
    closed_early,        ///< the connection closed before the response was complete
    too_many_redirects,  ///< more redirects than ClientOptions::max_redirects
    bad_redirect,        ///< a Location that cannot be followed (not a URL, https without a TLS network)
    refused_downgrade,   ///< a redirect from https to http, which is never followed
    bad_event_stream,    ///< an event stream that breaks the format's limits
};

/// The category of http::Errc: name "hio.http", messages in plain words. timeout and
/// stream_silent compare equal to std::errc::timed_out.
class ErrorCategory final : public std::error_category {
public:
    /// "hio.http".
    [[nodiscard]] const char* name() const noexcept override { return "hio.http"; }

    /// The code in plain words.
    [[nodiscard]] std::string message(int value) const override {
        switch (static_cast<Errc>(value)) {
        case Errc::timeout: return "timed out";
        case Errc::stream_silent: return "the event stream was silent too long";
        case Errc::bad_response: return "bad response";
        case Errc::closed_early: return "the connection closed before the response was complete";
        case Errc::too_many_redirects: return "too many redirects";
        case Errc::bad_redirect: return "cannot follow the redirect";
        case Errc::refused_downgrade: return "refusing a redirect from https to http";
        case Errc::bad_event_stream: return "bad event stream";
        }
        return "unknown HTTP error " + std::to_string(value);
    }

    /// std::errc::timed_out for the two time-outs, the code itself otherwise.
    [[nodiscard]] std::error_condition default_error_condition(int value) const noexcept override {
        const auto code = static_cast<Errc>(value);
        if (code == Errc::timeout || code == Errc::stream_silent)
            return std::errc::timed_out;
        return {value, *this};
    }
};

/// The one instance of ErrorCategory.
inline const std::error_category& error_category() noexcept {
    static const ErrorCategory category;
    return category;
}

/// Makes `std::error_code{Errc::x}` and comparisons with Errc work.
inline std::error_code make_error_code(Errc code) noexcept { return {static_cast<int>(code), error_category()}; }

/// Thrown from a handler, answers the request with `status` (hio: HTTPError): the server
/// renders it as `application/problem+json` (RFC 9457) when the request's Accept asks for
/// JSON, as text otherwise (render_error() in problem.hpp). Any other exception stays a bare
/// 500 that reveals nothing.
///
/// ```
/// if (!found) throw hio::http::Error{404, "No such item", "item " + id + " does not exist"};
/// ```
class Error : public hio::Error {
public:
    /// An error answer: `status` (400 to 599), a short `title` (default: the reason phrase),
    /// a `detail` for this occurrence, an application `fault` code (hio: fault), and extra
    /// header fields (Retry-After, WWW-Authenticate, Allow).
    explicit Error(int status, std::string title = {}, std::string detail = {}, std::optional<long> fault = {},
                   std::vector<std::pair<std::string, std::string>> headers = {})
        : hio::Error{"HTTP " + std::to_string(status) + (title.empty() ? "" : " " + title) +
                     (detail.empty() ? "" : ": " + detail)},
          status_{status < 400 || status > 599 ? 500 : status}, title_{std::move(title)}, detail_{std::move(detail)},
          fault_{fault}, headers_{std::move(headers)} {}

    /// The status sent (a status outside 400..599 is sent as 500).
    [[nodiscard]] int status() const noexcept { return status_; }
    /// The title; empty: the reason phrase is used.
    [[nodiscard]] const std::string& title() const noexcept { return title_; }
    /// The detail.
    [[nodiscard]] const std::string& detail() const noexcept { return detail_; }
    /// The application's fault code, if any.
    [[nodiscard]] std::optional<long> fault() const noexcept { return fault_; }
    /// Extra header fields for the answer.
    [[nodiscard]] const std::vector<std::pair<std::string, std::string>>& headers() const noexcept { return headers_; }

private:
    int status_;
    std::string title_;
    std::string detail_;
    std::optional<long> fault_;
    std::vector<std::pair<std::string, std::string>> headers_;
};

}  // namespace hio::http

/// \cond INTERNAL
template <>
struct std::is_error_code_enum<hio::http::Errc> : std::true_type {};
/// \endcond
