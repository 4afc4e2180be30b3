#pragma once
/// \file
/// An incremental HTTP/1.1 request parser on llhttp, one request at a time. Internal: used by
/// hio::http::ServerDoer.
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
        field_.clear();
        value_.clear();
        header_bytes_ = 0;
        started_ = false;
        continue_wanted_ = false;
    }

    // Counts bytes toward the header limit; false (and a status) past it.
    bool count_header_bytes(std::size_t length, int status) {
        header_bytes_ += length;
        if (header_bytes_ <= limits_.max_header_bytes)
            return true;
        status_ = status;
        return false;
    }

    // RFC 9110 5.1: a field name is a token. llhttp lets "Host : x" through (a space before
    // the colon), which RFC 9112 5.1 says to refuse: proxies disagree on what it means.
    static bool is_token(std::string_view name) noexcept {
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

    void finish_field() {
        while (!value_.empty() && (value_.back() == ' ' || value_.back() == '\t'))
            value_.pop_back();  // trailing optional whitespace is not part of the value
        request_.headers.add(std::move(field_), std::move(value_));
        field_.clear();
        value_.clear();
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
        p.field_.append(at, length);
        return 0;
    }

    static int on_header_field_complete(llhttp_t* parser) {
        HttpRequestParser& p = self(parser);
        if (!is_token(p.field_)) {
            p.status_ = 400;
            return -1;
        }
        return 0;
    }

    static int on_header_value(llhttp_t* parser, const char* at, std::size_t length) {
        HttpRequestParser& p = self(parser);
        if (!p.count_header_bytes(length, 431))
            return -1;
        p.value_.append(at, length);
        return 0;
    }

    static int on_header_value_complete(llhttp_t* parser) {
        self(parser).finish_field();  // an empty value may come without on_header_value
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
    std::string field_;
    std::string value_;
    std::string reason_;
    std::size_t header_bytes_ = 0;
    int status_ = 0;
    bool started_ = false;
    bool paused_ = false;
    bool failed_ = false;
    bool upgrade_ = false;
    bool continue_wanted_ = false;
};

}  // namespace hio::detail
