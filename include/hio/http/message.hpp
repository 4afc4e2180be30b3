#pragma once
/// \file
/// HTTP/1.1 messages: Headers (case-insensitive, repeated names kept), Request and Response
/// (hio: the WSGI environ and the status/headers/body an app returns), and the client's
/// ClientRequest and ClientResponse. Values only: no I/O.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <hio/detail/utc.hpp>
#include <hio/http/detail/grammar.hpp>
#include <hio/http/error.hpp>
#include <hio/http/query.hpp>
#include <hio/http/stream.hpp>

namespace hio::http {

// HTTP's grammar (detail/grammar.hpp), the parts applications use: iequals (names and
// tokens, ignoring ASCII case), trim_blanks (optional whitespace), has_token (a token in a
// comma-separated field value), media_type (a Content-Type without its parameters) and
// list_accepts (a q-weighted list such as Accept).
using detail::has_token;
using detail::iequals;
using detail::list_accepts;
using detail::media_type;
using detail::trim_blanks;

/// Header fields in the order they came or were added. Lookups ignore case; a name may
/// repeat (Set-Cookie, Via), and every value is kept.
class Headers {
public:
    /// One field: name (as spelled) and value.
    using Field = std::pair<std::string, std::string>;

    /// No fields.
    Headers() = default;
    /// `fields`, in order.
    Headers(std::initializer_list<Field> fields) : fields_{fields} {}

    /// The first value of `name`, or nothing.
    [[nodiscard]] std::optional<std::string_view> get(std::string_view name) const {
        for (const Field& field : fields_)
            if (iequals(field.first, name))
                return std::string_view{field.second};
        return std::nullopt;
    }

    /// The first value of `name`, or `fallback`.
    [[nodiscard]] std::string value(std::string_view name, std::string_view fallback = {}) const {
        const auto found = get(name);
        return std::string{found ? *found : fallback};
    }

    /// Every value of `name`, in order.
    [[nodiscard]] std::vector<std::string_view> get_all(std::string_view name) const {
        std::vector<std::string_view> values;
        for (const Field& field : fields_)
            if (iequals(field.first, name))
                values.emplace_back(field.second);
        return values;
    }

    /// True when a field of `name` is present.
    [[nodiscard]] bool has(std::string_view name) const { return get(name).has_value(); }

    /// Appends a field; an existing one of the same name stays.
    void add(std::string name, std::string value) { fields_.emplace_back(std::move(name), std::move(value)); }

    /// Replaces every field of `name` with one.
    void set(std::string name, std::string value) {
        remove(name);
        add(std::move(name), std::move(value));
    }

    /// Removes every field of `name`.
    void remove(std::string_view name) {
        std::erase_if(fields_, [&](const Field& field) { return iequals(field.first, name); });
    }

    /// Every field, in order.
    [[nodiscard]] const std::vector<Field>& fields() const noexcept { return fields_; }
    /// The number of fields.
    [[nodiscard]] std::size_t size() const noexcept { return fields_.size(); }
    /// True when there are none.
    [[nodiscard]] bool empty() const noexcept { return fields_.empty(); }
    /// The first field, for iteration in order.
    [[nodiscard]] auto begin() const noexcept { return fields_.begin(); }
    /// Past the last field.
    [[nodiscard]] auto end() const noexcept { return fields_.end(); }

private:
    std::vector<Field> fields_;
};

/// Takes a request's body as it arrives, in place of Request::body: a file, a multipart
/// parser (MultipartSink), a hash. ServerOptions::body_sink chooses one per request from its
/// header. write() and end() run in the server's pass; a thrown http::Error refuses the
/// request with its answer (the connection then closes), any other exception with a 500.
class BodySink {
public:
    virtual ~BodySink() = default;
    /// The next bytes of the body, de-chunked.
    virtual void write(std::string_view bytes) = 0;
    /// The body is complete (a chunked body's trailers are in the request); the handler runs
    /// next.
    virtual void end() {}
    /// The request failed before end() (the client left or reset, a timeout, a limit, a
    /// refusal, the sink's own included): what the sink kept is a partial body, to be thrown
    /// away. Called once, at most; never after end().
    virtual void abort() noexcept {}
};

/// One request as the server parsed it (hio: the WSGI environ).
struct Request {
    std::string method;        ///< "GET", "POST", ...
    std::string target;        ///< as sent: "/a/b?x=1", or absolute "http://host/a/b?x=1"
    std::string path;          ///< the target's path, still percent-encoded: "/a/b"
    std::string query_string;  ///< after '?', without it, still encoded; empty when none
    int version_major = 1;     ///< 1
    int version_minor = 1;     ///< 1 for HTTP/1.1, 0 for HTTP/1.0
    Headers headers;           ///< the header fields, in order
    /// The trailer fields of a chunked body, kept apart from `headers` (RFC 9110 6.5): a
    /// trailer never looks like a header. A request whose trailer holds a framing, routing or
    /// connection field (Content-Length, Transfer-Encoding, Host, ...) is refused (400).
    Headers trailers;
    std::string body;          ///< de-chunked; empty when a body_sink took it
    /// The sink ServerOptions::body_sink chose for this request, which took its body; null
    /// when the body is in `body`.
    std::shared_ptr<BodySink> body_sink{};
    bool keep_alive = true;    ///< the connection stays open after the response
    std::string remote;        ///< the client's "host:port" (hio: REMOTE_ADDR)

    /// The query parameters, decoded (hio: parseQuery), in order, names case-sensitive.
    /// Throws http::Error 400 for a malformed %-escape, so a handler that lets it go answers
    /// the client with what was wrong.
    [[nodiscard]] QueryParams query() const { return decode(query_string, "query"); }

    /// The fields of an `application/x-www-form-urlencoded` body. Throws http::Error 415 for
    /// another Content-Type and 400 for a malformed body.
    [[nodiscard]] QueryParams form() const {
        const std::string type = headers.value("Content-Type");
        if (!iequals(media_type(type), "application/x-www-form-urlencoded"))
            throw Error{415, "Unsupported Media Type",
                        "expected an application/x-www-form-urlencoded body, got '" + type + "'"};
        return decode(body, "form body");
    }

private:
    static QueryParams decode(std::string_view text, const char* what) {
        try {
            return QueryParams::parse(text);
        } catch (const ValidationError&) {
            throw Error{400, "Bad Request", std::string{"malformed percent-encoding in the "} + what};
        }
    }
};

/// What a handler answers. The server adds Date, Content-Length (or chunked framing) and
/// Connection, and sends no body where HTTP forbids one (HEAD, 1xx, 204, 304).
struct Response {
    int status = 200;          ///< the status code
    Headers headers;           ///< fields to send; the server owns Content-Length, Transfer-Encoding, Connection
    std::string body;          ///< the body, unless stream() makes it a BodyStream
    /// Close the connection after this response, whatever the request asked.
    bool close = false;
    /// A body shared between responses (a cached page, a file held in memory): sent from this
    /// storage, never copied, so a thousand slow readers of it cost one copy. Takes precedence
    /// over `body`.
    std::shared_ptr<const std::string> shared_body{};
    /// Set by stream(): the body comes from this stream over later passes, not from `body`.
    std::shared_ptr<BodyStream> body_stream{};

    /// Makes the body a stream the application fills over several passes (hio: a WSGI app
    /// returning an iterable): the status and headers leave when the handler returns, the
    /// body as it is written. Keep the returned stream (or hand it to a doer), write to it,
    /// and end() it. Throws ValidationError for a zero capacity.
    std::shared_ptr<BodyStream> stream(StreamOptions options = {}) {
        body_stream = std::make_shared<BodyStream>(options);
        return body_stream;
    }
};

/// One request for a Client (hio: the request a Requester builds).
struct ClientRequest {
    /// The method: a token ("GET", "POST", ...).
    std::string method = "GET";
    /// "http://host[:port]/path?query" or https.
    std::string url;
    /// Extra fields; Host, User-Agent and Content-Length are added unless given.
    Headers headers{};
    /// The body, sent whole with a Content-Length.
    std::string body{};
};

/// The answer to one ClientRequest (hio: a Respondent's response dict). When `error` is set
/// the request failed and `status` is 0 (or the last status seen, for too many redirects).
struct ClientResponse {
    std::uint64_t request_id = 0;  ///< what Client::request() returned
    int status = 0;                 ///< the status code; 0 when no response came
    std::string reason{};           ///< the reason phrase
    int version_minor = 1;          ///< 1 for HTTP/1.1, 0 for HTTP/1.0
    Headers headers{};              ///< the response's header fields
    Headers trailers{};             ///< a chunked body's trailer fields, apart from headers
    std::string body{};             ///< de-chunked; empty for event streams (see Client::events())
    std::string url{};              ///< the URL that answered, after redirects
    int redirects = 0;              ///< redirects followed
    /// Why it failed: an http::Errc (timeout, too_many_redirects, bad_response, ...) or the
    /// cause below HTTP (std::errc::connection_refused, an OpenSSL verification failure);
    /// empty on success.
    std::error_code error{};
    /// The failure in words, naming the URL; empty on success.
    std::string message{};

    /// True when the request got a response (of any status).
    [[nodiscard]] bool ok() const noexcept { return !error; }
};

/// The reason phrase for `status` ("Not Found"), or "Unknown".
inline std::string_view reason_phrase(int status) noexcept {
    switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 417: return "Expectation Failed";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
    }
}

/// True when a response with `status` has no body by definition (RFC 9112 6.3).
inline bool status_forbids_body(int status) noexcept {
    return (status >= 100 && status < 200) || status == 204 || status == 304;
}

/// `when` (seconds since the epoch) as an IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
/// English names whatever the C locale is.
inline std::string http_date(std::time_t when) {
    static constexpr std::string_view days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr std::string_view months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const std::tm utc = hio::detail::utc_time(when);
    // Written by hand, not with snprintf: servers format one per response (Last-Modified).
    std::string text = "Sun, 00 Jan 0000 00:00:00 GMT";
    const auto digits = [&text](std::size_t at, int value, int width) {
        for (int i = width - 1; i >= 0; --i, value /= 10)
            text[at + static_cast<std::size_t>(i)] = static_cast<char>('0' + value % 10);
    };
    text.replace(0, 3, days[static_cast<std::size_t>(utc.tm_wday) % 7]);
    digits(5, utc.tm_mday, 2);
    text.replace(8, 3, months[static_cast<std::size_t>(utc.tm_mon) % 12]);
    digits(12, std::clamp(utc.tm_year + 1900, 0, 9999), 4);
    digits(17, utc.tm_hour, 2);
    digits(20, utc.tm_min, 2);
    digits(23, utc.tm_sec, 2);
    return text;
}

}  // namespace hio::http
