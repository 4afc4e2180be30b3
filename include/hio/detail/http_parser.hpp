#pragma once
/// \file
/// Incremental HTTP/1.1 request and response parsers on llhttp, one message at a time.
/// Internal: used by hio::http::ServerDoer and hio::http::Client.
///
/// feed() parses bytes until a request is complete (then it stops, so pipelined requests are
/// answered one by one, in order), the bytes run out, or the request is refused. Framing is
/// llhttp's strict mode: Content-Length together with Transfer-Encoding, conflicting
/// Content-Lengths and a Transfer-Encoding whose last coding is not chunked are errors, so a
/// request cannot be smuggled past this server. Limits turn into the status to answer.

#include <llhttp.h>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include <hio/http/message.hpp>

namespace hio::detail {

/// RFC 9110 5.1: a field name (and a method) is a token. llhttp lets "Host : x" through (a
/// space before the colon), which RFC 9112 5.1 says to refuse: proxies disagree on what it
/// means.
inline bool is_http_token(std::string_view name) noexcept {
    if (name.empty())
        return false;
    for (const char c : name) {
        const auto u = static_cast<unsigned char>(c);
        const bool ok = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') ||
                        std::string_view{"!#$%&'*+-.^_`|~"}.find(c) != std::string_view::npos;
        if (!ok)
            return false;
    }
    return true;
}

/// Header fields as llhttp hands them over, in pieces, counted against a byte limit.
struct HttpFieldCollector {
    std::string field;
    std::string value;
    std::size_t bytes = 0;

    /// Counts `length` more header bytes; false once past `limit`.
    bool count(std::size_t length, std::size_t limit) noexcept {
        bytes += length;
        return bytes <= limit;
    }

    /// Adds the field collected to `headers`, without trailing whitespace in the value.
    void finish(http::Headers& headers) {
        while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
            value.pop_back();  // trailing optional whitespace is not part of the value
        headers.add(std::move(field), std::move(value));
        field.clear();
        value.clear();
    }

    void reset() noexcept {
        field.clear();
        value.clear();
        bytes = 0;
    }
};

class HttpRequestParser {
public:
    /// What feed() found.
    enum class Outcome {
        more,      ///< every byte taken; the request is not complete yet
        request,   ///< request() holds a complete request; feed the rest afterwards
        failed,    ///< refused: answer status() and close the connection
    };

    struct Limits {
        std::size_t max_header_bytes;  ///< request line and header fields together
        std::size_t max_body_bytes;
    };

    explicit HttpRequestParser(Limits limits) : limits_{limits} {
        llhttp_settings_init(&settings_);
        settings_.on_message_begin = &on_message_begin;
        settings_.on_url = &on_url;
        settings_.on_header_field = &on_header_field;
        settings_.on_header_field_complete = &on_header_field_complete;
        settings_.on_header_value = &on_header_value;
        settings_.on_header_value_complete = &on_header_value_complete;
        settings_.on_headers_complete = &on_headers_complete;
        settings_.on_body = &on_body;
        settings_.on_message_complete = &on_message_complete;
        llhttp_init(&parser_, HTTP_REQUEST, &settings_);
        parser_.data = this;
    }

    HttpRequestParser(const HttpRequestParser&) = delete;
    HttpRequestParser& operator=(const HttpRequestParser&) = delete;

    /// Parses from `bytes`; `taken` is how many it used (all of them unless a request ended
    /// or the parser failed).
    Outcome feed(std::span<const std::byte> bytes, std::size_t& taken) {
        taken = 0;
        if (failed_)
            return Outcome::failed;
        if (paused_) {
            llhttp_resume(&parser_);
            paused_ = false;
            reset_request();
        }
        const char* data = reinterpret_cast<const char*>(bytes.data());
        const llhttp_errno_t error = llhttp_execute(&parser_, data, bytes.size());
        if (error == HPE_OK) {
            taken = bytes.size();
            return Outcome::more;
        }
        const char* stop = llhttp_get_error_pos(&parser_);
        taken = stop != nullptr && stop >= data ? static_cast<std::size_t>(stop - data) : bytes.size();
        if (error == HPE_PAUSED) {
            paused_ = true;
            upgrade_ = llhttp_get_upgrade(&parser_) != 0;
            return Outcome::request;
        }
        if (error == HPE_PAUSED_UPGRADE) {  // the request is complete; what follows is not HTTP
            paused_ = true;
            upgrade_ = true;
            return Outcome::request;
        }
        failed_ = true;
        if (status_ == 0)
            status_ = status_for(error);
        reason_ = llhttp_get_error_reason(&parser_) != nullptr ? llhttp_get_error_reason(&parser_) : "";
        return Outcome::failed;
    }

    /// The request, once feed() returned Outcome::request.
    [[nodiscard]] http::Request& request() noexcept { return request_; }

    /// True while a request has begun (some of it arrived) and has not completed.
    [[nodiscard]] bool in_request() const noexcept { return started_ && !paused_; }

    /// The request asked for `Expect: 100-continue` and a body follows: say "100 Continue"
    /// now (once); the client waits for it before sending the body.
    [[nodiscard]] bool wants_continue() const noexcept { return continue_wanted_; }
    void continue_sent() noexcept { continue_wanted_ = false; }

    /// The request was an Upgrade (or CONNECT): nothing after it is HTTP.
    [[nodiscard]] bool upgrade() const noexcept { return upgrade_; }

    /// After Outcome::failed: the status to answer (400, 413, 431, 501, 505) and why.
    [[nodiscard]] int status() const noexcept { return status_; }
    [[nodiscard]] const std::string& reason() const noexcept { return reason_; }

private:
    static HttpRequestParser& self(llhttp_t* parser) { return *static_cast<HttpRequestParser*>(parser->data); }

    void reset_request() {
        request_ = http::Request{};
        fields_.reset();
        started_ = false;
        continue_wanted_ = false;
    }

    // Counts bytes toward the header limit; false (and a status) past it.
    bool count_header_bytes(std::size_t length, int status) {
        if (fields_.count(length, limits_.max_header_bytes))
            return true;
        status_ = status;
        return false;
    }

    static int on_message_begin(llhttp_t* parser) {
        self(parser).started_ = true;
        return 0;
    }

    static int on_url(llhttp_t* parser, const char* at, std::size_t length) {
        HttpRequestParser& p = self(parser);
        if (!p.count_header_bytes(length, 414))
            return -1;
        p.request_.target.append(at, length);
        return 0;
    }

    static int on_header_field(llhttp_t* parser, const char* at, std::size_t length) {
        HttpRequestParser& p = self(parser);
        if (!p.count_header_bytes(length, 431))
            return -1;
        p.fields_.field.append(at, length);
        return 0;
    }

    static int on_header_field_complete(llhttp_t* parser) {
        HttpRequestParser& p = self(parser);
        if (!is_http_token(p.fields_.field)) {
            p.status_ = 400;
            return -1;
        }
        return 0;
    }

    static int on_header_value(llhttp_t* parser, const char* at, std::size_t length) {
        HttpRequestParser& p = self(parser);
        if (!p.count_header_bytes(length, 431))
            return -1;
        p.fields_.value.append(at, length);
        return 0;
    }

    static int on_header_value_complete(llhttp_t* parser) {
        HttpRequestParser& p = self(parser);
        p.fields_.finish(p.request_.headers);  // an empty value may come without on_header_value
        return 0;
    }

    static int on_headers_complete(llhttp_t* parser) {
        HttpRequestParser& p = self(parser);
        http::Request& request = p.request_;
        request.method = llhttp_method_name(static_cast<llhttp_method_t>(parser->method));
        request.version_major = parser->http_major;
        request.version_minor = parser->http_minor;
        request.keep_alive = llhttp_should_keep_alive(parser) != 0;
        if (!split_target(request)) {
            p.status_ = 400;  // not one of RFC 9112's four target forms
            return -1;
        }
        const bool chunked = (parser->flags & F_CHUNKED) != 0;
        const bool has_length = (parser->flags & F_CONTENT_LENGTH) != 0;
        if (has_length && parser->content_length > p.limits_.max_body_bytes) {
            p.status_ = 413;  // refused before the client sends it (and before 100 Continue)
            return -1;
        }
        if (parser->http_major == 1 && parser->http_minor >= 1 && (chunked || (has_length && parser->content_length > 0))) {
            const auto expect = request.headers.get("Expect");
            if (expect && http::iequals(*expect, "100-continue"))
                p.continue_wanted_ = true;
        }
        return 0;
    }

    static int on_body(llhttp_t* parser, const char* at, std::size_t length) {
        HttpRequestParser& p = self(parser);
        if (p.request_.body.size() + length > p.limits_.max_body_bytes) {
            p.status_ = 413;
            return -1;
        }
        p.request_.body.append(at, length);
        return 0;
    }

    static int on_message_complete(llhttp_t*) {
        return HPE_PAUSED;  // one request at a time: pipelined ones wait their turn
    }

    // Splits the target into path and query. RFC 9112 3.2: origin form "/p?q", absolute
    // form "http://h/p?q", asterisk form "*" (OPTIONS only), authority form "h:443" (CONNECT
    // only); anything else is refused (false).
    static bool split_target(http::Request& request) {
        std::string_view target = request.target;
        if (target == "*") {
            request.path = "*";
            return request.method == "OPTIONS";
        }
        if (request.method == "CONNECT") {
            request.path = request.target;
            return !target.empty() && target.front() != '/';
        }
        if (target.empty())
            return false;
        if (target.front() != '/') {
            const std::size_t scheme = target.find("://");
            if (scheme == std::string_view::npos || scheme == 0)
                return false;
            const std::size_t path = target.find_first_of("/?#", scheme + 3);
            target = path == std::string_view::npos ? std::string_view{"/"} : target.substr(path);
        }
        const std::size_t fragment = target.find('#');
        target = target.substr(0, fragment);
        const std::size_t question = target.find('?');
        request.path = std::string{target.substr(0, question)};
        if (request.path.empty())
            request.path = "/";
        request.query = question == std::string_view::npos ? std::string{} : std::string{target.substr(question + 1)};
        return true;
    }

    static int status_for(llhttp_errno_t error) noexcept {
        switch (error) {
        case HPE_INVALID_METHOD:
            return 501;
        case HPE_INVALID_VERSION:
            return 505;
        default:
            return 400;
        }
    }

    llhttp_t parser_{};
    llhttp_settings_t settings_{};
    Limits limits_;
    http::Request request_;
    HttpFieldCollector fields_;
    std::string reason_;
    int status_ = 0;
    bool started_ = false;
    bool paused_ = false;
    bool failed_ = false;
    bool upgrade_ = false;
    bool continue_wanted_ = false;
};

/// An incremental HTTP/1.1 response parser on llhttp, for hio::http::Client: one response at a
/// time (the client sends the next request only after it), 1xx interim responses skipped,
/// bodies framed by Content-Length, chunked coding or the close (finish() at EOF).
class HttpResponseParser {
public:
    enum class Outcome {
        more,      ///< every byte taken; the response is not complete yet
        response,  ///< a complete response: status(), headers(), body(); then expect() again
        failed,    ///< not HTTP, or past a limit: reason() says why; the connection is useless
    };

    struct Limits {
        std::size_t max_header_bytes;
        std::size_t max_body_bytes;  ///< not applied to event streams, whose body the client drains
    };

    explicit HttpResponseParser(Limits limits) : limits_{limits} {
        llhttp_settings_init(&settings_);
        settings_.on_message_begin = &on_message_begin;
        settings_.on_status = &on_status;
        settings_.on_header_field = &on_header_field;
        settings_.on_header_value = &on_header_value;
        settings_.on_header_value_complete = &on_header_value_complete;
        settings_.on_headers_complete = &on_headers_complete;
        settings_.on_body = &on_body;
        settings_.on_message_complete = &on_message_complete;
        llhttp_init(&parser_, HTTP_RESPONSE, &settings_);
        parser_.data = this;
    }

    HttpResponseParser(const HttpResponseParser&) = delete;
    HttpResponseParser& operator=(const HttpResponseParser&) = delete;

    /// Prepares for the response to the request just sent (`head`: a HEAD request, whose
    /// response has no body whatever its headers say).
    void expect(bool head) {
        if (paused_) {
            llhttp_resume(&parser_);
            paused_ = false;
        }
        head_ = head;
        reset_response();
    }

    /// Parses from `bytes`; `taken` is how many it used.
    Outcome feed(std::span<const std::byte> bytes, std::size_t& taken) {
        taken = 0;
        if (failed_)
            return Outcome::failed;
        if (complete_)
            return Outcome::response;
        const char* data = reinterpret_cast<const char*>(bytes.data());
        const llhttp_errno_t error = llhttp_execute(&parser_, data, bytes.size());
        if (error == HPE_OK) {
            taken = bytes.size();
            return Outcome::more;
        }
        const char* stop = llhttp_get_error_pos(&parser_);
        taken = stop != nullptr && stop >= data ? static_cast<std::size_t>(stop - data) : bytes.size();
        if (error == HPE_PAUSED || error == HPE_PAUSED_UPGRADE) {
            paused_ = true;
            return Outcome::response;
        }
        return fail(llhttp_get_error_reason(&parser_));
    }

    /// The connection ended: completes a body that runs until the close; otherwise a response
    /// in progress failed (cut short).
    Outcome finish() {
        if (failed_)
            return Outcome::failed;
        if (complete_)
            return Outcome::response;
        if (!started_)
            return fail("the connection closed before a response");
        const llhttp_errno_t error = llhttp_finish(&parser_);
        if (complete_ && (error == HPE_OK || error == HPE_PAUSED)) {
            paused_ = error == HPE_PAUSED;
            return Outcome::response;
        }
        return fail("the connection closed before the response was complete");
    }

    [[nodiscard]] int status() const noexcept { return status_; }
    [[nodiscard]] const std::string& reason_phrase() const noexcept { return reason_phrase_; }
    [[nodiscard]] int version_minor() const noexcept { return version_minor_; }
    [[nodiscard]] http::Headers& headers() noexcept { return headers_; }
    /// The body so far (whole once the response is complete); an event stream's client
    /// drains it as it grows.
    [[nodiscard]] std::string& body() noexcept { return body_; }
    [[nodiscard]] const std::string& body() const noexcept { return body_; }
    /// True once the status line and headers are in.
    [[nodiscard]] bool headers_complete() const noexcept { return headers_complete_; }
    /// True when the response is a 200 text/event-stream (its body is not limited).
    [[nodiscard]] bool event_stream() const noexcept { return event_stream_; }
    /// True when some of a response arrived.
    [[nodiscard]] bool started() const noexcept { return started_; }
    /// After a complete response: the connection may carry the next request.
    [[nodiscard]] bool keep_alive() const noexcept { return keep_alive_; }
    /// After Outcome::failed: why.
    [[nodiscard]] const std::string& reason() const noexcept { return reason_; }

private:
    static HttpResponseParser& self(llhttp_t* parser) { return *static_cast<HttpResponseParser*>(parser->data); }

    Outcome fail(const char* why) {
        failed_ = true;
        if (reason_.empty())
            reason_ = why != nullptr ? why : "malformed response";
        return Outcome::failed;
    }

    void reset_response() {
        status_ = 0;
        version_minor_ = 1;
        reason_phrase_.clear();
        headers_ = http::Headers{};
        body_.clear();
        fields_.reset();
        started_ = false;
        headers_complete_ = false;
        event_stream_ = false;
        complete_ = false;
        keep_alive_ = false;
    }

    static int on_message_begin(llhttp_t* parser) {
        self(parser).started_ = true;
        return 0;
    }

    static int on_status(llhttp_t* parser, const char* at, std::size_t length) {
        HttpResponseParser& p = self(parser);
        if (!p.fields_.count(length, p.limits_.max_header_bytes))
            return p.refuse("the status line is longer than max_header_bytes");
        p.reason_phrase_.append(at, length);
        return 0;
    }

    static int on_header_field(llhttp_t* parser, const char* at, std::size_t length) {
        HttpResponseParser& p = self(parser);
        if (!p.fields_.count(length, p.limits_.max_header_bytes))
            return p.refuse("the response header is larger than max_header_bytes");
        p.fields_.field.append(at, length);
        return 0;
    }

    static int on_header_value(llhttp_t* parser, const char* at, std::size_t length) {
        HttpResponseParser& p = self(parser);
        if (!p.fields_.count(length, p.limits_.max_header_bytes))
            return p.refuse("the response header is larger than max_header_bytes");
        p.fields_.value.append(at, length);
        return 0;
    }

    static int on_header_value_complete(llhttp_t* parser) {
        HttpResponseParser& p = self(parser);
        p.fields_.finish(p.headers_);
        return 0;
    }

    static int on_headers_complete(llhttp_t* parser) {
        HttpResponseParser& p = self(parser);
        p.status_ = parser->status_code;
        p.version_minor_ = parser->http_minor;
        if (p.status_ < 100 || p.status_ > 999)  // llhttp takes "HTTP/1.1 20 x" as 20 (found by fuzzing)
            return p.refuse("the status code is not three digits");
        // RFC 9112 6.3: 1xx, 204 and 304 responses end at the blank line, whatever their
        // framing fields say (llhttp 8.1 reads a Content-Length body on them).
        if (p.status_ >= 100 && p.status_ < 200 && p.status_ != 101)
            return 1;  // interim (100 Continue, 103): skipped in on_message_complete
        p.headers_complete_ = true;
        std::string_view type = p.headers_.get("Content-Type").value_or("");
        type = type.substr(0, type.find(';'));
        while (!type.empty() && (type.back() == ' ' || type.back() == '\t'))
            type.remove_suffix(1);
        p.event_stream_ = p.status_ == 200 && !p.head_ && http::iequals(type, "text/event-stream");
        if (!p.event_stream_ && (parser->flags & F_CONTENT_LENGTH) != 0 &&
            parser->content_length > p.limits_.max_body_bytes)
            return p.refuse("the response body is larger than max_body_bytes");
        // 1: no body (a HEAD response's length describes the GET).
        return p.head_ || p.status_ == 204 || p.status_ == 304 ? 1 : 0;
    }

    static int on_body(llhttp_t* parser, const char* at, std::size_t length) {
        HttpResponseParser& p = self(parser);
        if (!p.event_stream_ && p.body_.size() + length > p.limits_.max_body_bytes)
            return p.refuse("the response body is larger than max_body_bytes");
        p.body_.append(at, length);
        return 0;
    }

    static int on_message_complete(llhttp_t* parser) {
        HttpResponseParser& p = self(parser);
        if (!p.headers_complete_) {  // an interim response: the real one follows
            const bool head = p.head_;
            p.reset_response();
            p.head_ = head;
            return 0;
        }
        p.complete_ = true;
        // After a 101 (or any upgrade) the bytes are another protocol: never reuse.
        p.keep_alive_ = llhttp_should_keep_alive(parser) != 0 && p.status_ != 101 && llhttp_get_upgrade(parser) == 0;
        return HPE_PAUSED;
    }

    int refuse(const char* why) {
        reason_ = why;
        return -1;
    }

    llhttp_t parser_{};
    llhttp_settings_t settings_{};
    Limits limits_;
    HttpFieldCollector fields_;
    http::Headers headers_;
    std::string body_;
    std::string reason_phrase_;
    std::string reason_;
    int status_ = 0;
    int version_minor_ = 1;
    bool head_ = false;
    bool started_ = false;
    bool headers_complete_ = false;
    bool event_stream_ = false;
    bool complete_ = false;
    bool keep_alive_ = false;
    bool paused_ = false;
    bool failed_ = false;
};

}  // namespace hio::detail
