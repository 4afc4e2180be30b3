#pragma once
/// \file
/// The incremental HTTP/1.1 response parser on llhttp. Internal: used by hio::http::Client.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include <hio/http/detail/grammar.hpp>
#include <hio/http/detail/llhttp_parser.hpp>
#include <hio/http/message.hpp>

namespace hio::http::detail {

/// An incremental HTTP/1.1 response parser on llhttp, for hio::http::Client: one response at a
/// time (the client sends the next request only after it), 1xx interim responses skipped,
/// bodies framed by Content-Length, chunked coding or the close (finish() at EOF).
class ResponseParser final : public LlhttpParser<ResponseParser> {
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

    explicit ResponseParser(Limits limits)
        : LlhttpParser{HTTP_RESPONSE, limits.max_header_bytes}, limits_{limits} {}

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
        const llhttp_errno_t error = execute(bytes, taken);
        if (error == HPE_OK)
            return Outcome::more;
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
        closed_early_ = true;  // unless the close ends a body that runs until it
        if (!started())
            return fail("the connection closed before a response");
        const llhttp_errno_t error = llhttp_finish(&parser_);
        if (complete_ && (error == HPE_OK || error == HPE_PAUSED)) {
            closed_early_ = false;
            paused_ = error == HPE_PAUSED;
            return Outcome::response;
        }
        return fail("the connection closed before the response was complete");
    }

    [[nodiscard]] int status() const noexcept { return status_; }
    [[nodiscard]] const std::string& reason_phrase() const noexcept { return reason_phrase_; }
    [[nodiscard]] int version_minor() const noexcept { return version_minor_; }
    [[nodiscard]] Headers& headers() noexcept { return headers_; }
    [[nodiscard]] const Headers& headers() const noexcept { return headers_; }
    /// The trailer fields of a chunked response (none that frame or route: those are dropped).
    [[nodiscard]] Headers& trailers() noexcept { return trailers_; }
    /// The body so far (whole once the response is complete); an event stream's client
    /// drains it as it grows.
    [[nodiscard]] std::string& body() noexcept { return body_; }
    [[nodiscard]] const std::string& body() const noexcept { return body_; }
    /// True once the status line and headers are in.
    [[nodiscard]] bool headers_complete() const noexcept { return headers_complete_; }
    /// True when the response is a 200 text/event-stream (its body is not limited).
    [[nodiscard]] bool event_stream() const noexcept { return event_stream_; }
    /// After a complete response: the connection may carry the next request.
    [[nodiscard]] bool keep_alive() const noexcept { return keep_alive_; }
    /// After Outcome::failed: why.
    [[nodiscard]] const std::string& reason() const noexcept { return reason_; }
    /// After Outcome::failed from finish(): the connection ended before the response did.
    [[nodiscard]] bool closed_early() const noexcept { return closed_early_; }

private:
    friend class LlhttpParser<ResponseParser>;

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
        headers_ = Headers{};
        trailers_ = Headers{};
        body_.clear();
        reset_message();
        headers_complete_ = false;
        event_stream_ = false;
        complete_ = false;
        keep_alive_ = false;
        closed_early_ = false;
    }

    std::string& start_line() noexcept { return reason_phrase_; }
    Headers& fields() noexcept { return headers_; }

    // A trailer of a chunked response: kept apart; the fields a trailer must not carry are
    // dropped (never merged into the header fields).
    int add_trailer(std::string name, std::string value) {
        if (!forbidden_in_trailer(name))
            trailers_.add(std::move(name), std::move(value));
        return 0;
    }

    int overflow(bool in_start_line) noexcept {
        return refuse(in_start_line ? "the status line is longer than max_header_bytes"
                                    : "the response header is larger than max_header_bytes");
    }

    static int field_name_complete(std::string_view) noexcept { return 0; }
    // A response's folded field is taken as llhttp joins it (clients are lenient in what they
    // accept).
    static int folded() noexcept { return 0; }

    int on_headers() {
        status_ = parser_.status_code;
        version_minor_ = parser_.http_minor;
        if (status_ < 100 || status_ > 999)  // llhttp takes "HTTP/1.1 20 x" as 20 (found by fuzzing)
            return refuse("the status code is not three digits");
        // RFC 9112 6.3: 1xx, 204 and 304 responses end at the blank line, whatever their
        // framing fields say (llhttp 8.1 reads a Content-Length body on them).
        if (status_ >= 100 && status_ < 200 && status_ != 101)
            return 1;  // interim (100 Continue, 103): skipped in on_message
        headers_complete_ = true;
        std::string_view type = headers_.get("Content-Type").value_or("");
        type = type.substr(0, type.find(';'));
        while (!type.empty() && (type.back() == ' ' || type.back() == '\t'))
            type.remove_suffix(1);
        event_stream_ = status_ == 200 && !head_ && iequals(type, "text/event-stream");
        if (!event_stream_ && (parser_.flags & F_CONTENT_LENGTH) != 0 && parser_.content_length > limits_.max_body_bytes)
            return refuse("the response body is larger than max_body_bytes");
        // 1: no body (a HEAD response's length describes the GET).
        return head_ || status_ == 204 || status_ == 304 ? 1 : 0;
    }

    int on_body(const char* at, std::size_t length) {
        if (!event_stream_ && body_.size() + length > limits_.max_body_bytes)
            return refuse("the response body is larger than max_body_bytes");
        body_.append(at, length);
        return 0;
    }

    int on_message() {
        if (!headers_complete_) {  // an interim response: the real one follows
            reset_response();  // keeps head_
            return 0;
        }
        complete_ = true;
        // After a 101 (or any upgrade) the bytes are another protocol: never reuse.
        keep_alive_ = llhttp_should_keep_alive(&parser_) != 0 && status_ != 101 && llhttp_get_upgrade(&parser_) == 0;
        return HPE_PAUSED;
    }

    int refuse(const char* why) {
        reason_ = why;
        return -1;
    }

    Limits limits_;
    Headers headers_;
    Headers trailers_;
    std::string body_;
    std::string reason_phrase_;
    std::string reason_;
    int status_ = 0;
    int version_minor_ = 1;
    bool head_ = false;
    bool headers_complete_ = false;
    bool event_stream_ = false;
    bool complete_ = false;
    bool keep_alive_ = false;
    bool paused_ = false;
    bool failed_ = false;
    bool closed_early_ = false;
};

}  // namespace hio::http::detail
