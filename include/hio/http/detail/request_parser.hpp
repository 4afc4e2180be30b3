#pragma once
/// \file
/// The incremental HTTP/1.1 request parser on llhttp, one request at a time. Internal: used by
/// hio::http::ServerDoer.
///
/// feed() parses bytes until a request is complete (then it stops, so pipelined requests are
/// answered one by one, in order), the bytes run out, or the request is refused. Framing
/// follows llhttp's rules: Content-Length together with Transfer-Encoding, conflicting
/// Content-Lengths and a Transfer-Encoding whose last coding is not chunked are errors, so a
/// request cannot be smuggled past this server. Limits turn into the status to answer.
///
/// The head is read once: the request line is found with memchr and checked where it lies
/// (copied only when it comes in pieces, or in a form llhttp must be given normalised), then
/// llhttp reads it and the fields in one run; an obs-fold is recognised from llhttp's
/// callbacks (see LlhttpParser), with no scan of our own over the fields.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <hio/http/detail/grammar.hpp>
#include <hio/http/detail/llhttp_parser.hpp>
#include <hio/http/error.hpp>
#include <hio/http/message.hpp>

namespace hio::http::detail {

/// An incremental HTTP/1.1 request parser on llhttp, for hio::http::ServerDoer: one request
/// at a time (see the file comment).
class RequestParser final : public LlhttpParser<RequestParser> {
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
        std::uint64_t max_streamed_body_bytes = 0;  ///< a body given to a BodySink; 0: no limit
    };

    /// Chooses a BodySink for a request from its header (ServerOptions::body_sink).
    using SinkChooser = std::function<std::shared_ptr<BodySink>(const Request&)>;

    /// A parser with `limits`; `choose_sink`, when given and not empty, may send bodies to a
    /// BodySink (not owned: it must outlive the parser).
    explicit RequestParser(Limits limits, const SinkChooser* choose_sink = nullptr)
        : LlhttpParser{HTTP_REQUEST, limits.max_header_bytes}, limits_{limits},
          choose_sink_{choose_sink != nullptr && *choose_sink ? choose_sink : nullptr} {}
    RequestParser(const RequestParser&) = delete;
    RequestParser& operator=(const RequestParser&) = delete;
    ~RequestParser() { abort_sink(); }  // a body cut short by the connection's end

    /// Parses from `bytes`; `taken` is how many it used (all of them unless a request ended
    /// or the parser failed).
    ///
    /// The request line is checked here before llhttp sees it (RFC 9112 3): `method SP target
    /// SP HTTP/d.d`, with the method a token and the target free of spaces and control bytes;
    /// anything else is a 400 (empty lines before it are skipped). A well-formed request line
    /// whose method llhttp does not know is a 501, an HTTP version whose major is not 1 a 505,
    /// and HTTP/1.2 to HTTP/1.9 are served as HTTP/1.1 (RFC 9112 2.3).
    Outcome feed(std::span<const std::byte> bytes, std::size_t& taken) {
        taken = 0;
        if (failed_)
            return Outcome::failed;
        if (paused_) {
            llhttp_resume(&parser_);
            paused_ = false;
            reset_request();
        }
        if (!line_done_) {
            begun_ = begun_ || !bytes.empty();
            if (!take_request_line(bytes, taken))
                return failed_ ? Outcome::failed : Outcome::more;
            bytes = bytes.subspan(taken);
        }
        std::size_t used = 0;
        const llhttp_errno_t error = execute(bytes, used);
        taken += used;
        if (error == HPE_OK)
            return Outcome::more;
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
        error_ = {static_cast<int>(error), llhttp_category()};
        if (status_ == 0)
            status_ = status_for(error);
        reason_ = llhttp_get_error_reason(&parser_) != nullptr ? llhttp_get_error_reason(&parser_) : "";
        return Outcome::failed;
    }

    /// The request, once feed() returned Outcome::request.
    [[nodiscard]] Request& request() noexcept { return request_; }

    /// True while a request has begun (some of it arrived) and has not completed.
    [[nodiscard]] bool in_request() const noexcept { return (begun_ || started()) && !paused_; }

    /// True once the request's header section is complete (its body may follow).
    [[nodiscard]] bool header_complete() const noexcept { return header_complete_; }

    /// The request asked for `Expect: 100-continue` and a body follows: say "100 Continue"
    /// now (once); the client waits for it before sending the body.
    [[nodiscard]] bool wants_continue() const noexcept { return continue_wanted_; }
    void continue_sent() noexcept { continue_wanted_ = false; }

    /// The request was an Upgrade (or CONNECT): nothing after it is HTTP.
    [[nodiscard]] bool upgrade() const noexcept { return upgrade_; }

    /// After Outcome::failed: the status to answer (400, 413, 431, 501, 505) and why.
    [[nodiscard]] int status() const noexcept { return status_; }
    /// After Outcome::failed: llhttp's error (llhttp_category(); HPE_USER when a check of
    /// ours refused the request, with status() saying which).
    [[nodiscard]] std::error_code error() const noexcept { return error_; }
    [[nodiscard]] const std::string& reason() const noexcept { return reason_; }
    /// After Outcome::failed: the http::Error a BodySink (or the chooser) refused the request
    /// with, to be answered as such; null when the parser refused it.
    [[nodiscard]] const Error* refusal() const noexcept { return refusal_ ? &*refusal_ : nullptr; }

private:
    friend class LlhttpParser<RequestParser>;

    void reset_request() {
        abort_sink();
        request_ = Request{};
        streamed_ = 0;
        reset_message();
        continue_wanted_ = false;
        line_.clear();
        line_done_ = false;
        begun_ = false;
        header_complete_ = false;
    }

    std::string& start_line() noexcept { return request_.target; }
    Headers& fields() noexcept { return request_.headers; }

    int add_trailer(std::string name, std::string value) {
        if (forbidden_in_trailer(name)) {
            status_ = 400;  // framing, routing or connection fields in a trailer: smuggling
            return -1;
        }
        request_.trailers.add(std::move(name), std::move(value));
        return 0;
    }

    // Finds the request line in `bytes` (collecting it in line_ when it arrives in pieces) and
    // checks it; `taken` is how many bytes it used. A line that arrived whole and is already
    // in the form llhttp is given (HTTP/1.0 or 1.1, CRLF) is not copied: `taken` then stops at
    // its first byte, and llhttp reads it in the same run as the fields. False while the line
    // is incomplete, or when it was refused (failed_ set).
    bool take_request_line(std::span<const std::byte> bytes, std::size_t& taken) {
        const char* data = reinterpret_cast<const char*>(bytes.data());
        const std::size_t size = bytes.size();
        for (;;) {
            const std::size_t start = taken;
            const void* found = start < size ? std::memchr(data + start, '\n', size - start) : nullptr;
            const std::size_t end = found != nullptr ? static_cast<std::size_t>(static_cast<const char*>(found) - data) : size;
            if (line_.size() + (end - start) > max_header_bytes())
                return refuse_line(414);
            if (found == nullptr) {
                line_.append(data + start, size - start);  // the rest comes in a later feed
                taken = size;
                return false;
            }
            taken = end + 1;
            const bool whole = line_.empty();  // the line is all in this buffer
            std::string_view line{data + start, end - start};
            if (!whole) {
                line_.append(line);
                line = line_;
            }
            const bool crlf = !line.empty() && line.back() == '\r';
            if (crlf)
                line.remove_suffix(1);
            if (line.empty()) {  // an empty line before the request line is skipped (RFC 9112 2.2)
                line_.clear();
                continue;
            }
            line_done_ = true;
            bool raw = false;
            if (!check_request_line(line, whole && crlf, raw))
                return false;
            if (raw)
                taken = start;  // llhttp reads the line where it is
            return true;
        }
    }

    // Checks the request line (without its line break); `as_sent` when the bytes that follow
    // it are CRLF in the caller's buffer. Sets `raw` when llhttp may read the line as sent;
    // otherwise hands llhttp a normalised copy here. False (failed_ set) when refused.
    bool check_request_line(std::string_view line, bool as_sent, bool& raw) {
        const std::size_t first = line.find(' ');
        const std::size_t second = first == std::string_view::npos ? first : line.find(' ', first + 1);
        if (second == std::string_view::npos || line.find(' ', second + 1) != std::string_view::npos)
            return refuse_line(400);  // not three parts separated by single spaces
        const std::string_view method = line.substr(0, first);
        const std::string_view target = line.substr(first + 1, second - first - 1);
        const std::string_view version = line.substr(second + 1);
        if (!is_http_token(method) || target.empty())
            return refuse_line(400);
        for (const char c : target)
            if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
                return refuse_line(400);
        if (version.size() != 8 || !version.starts_with("HTTP/") || version[6] != '.' || version[5] < '0' ||
            version[5] > '9' || version[7] < '0' || version[7] > '9')
            return refuse_line(400);
        if (version[5] != '1')
            return refuse_line(505);
        if (as_sent && (version[7] == '0' || version[7] == '1')) {
            raw = true;
            std::string{}.swap(line_);
            return true;
        }
        // HTTP/1.2 to 1.9 are served as 1.1, a bare LF ends the line as CRLF does: llhttp gets
        // the line in its normal form.
        std::string normal{line.substr(0, second + 1)};
        normal += version[7] == '0' ? "HTTP/1.0\r\n" : "HTTP/1.1\r\n";
        std::size_t used = 0;
        const llhttp_errno_t error = execute(std::as_bytes(std::span{normal.data(), normal.size()}), used);
        std::string{}.swap(line_);
        if (error == HPE_OK)
            return true;
        failed_ = true;
        error_ = {static_cast<int>(error), llhttp_category()};
        if (status_ == 0)
            status_ = error == HPE_INVALID_METHOD ? 501 : 400;  // a token llhttp does not know
        reason_ = llhttp_get_error_reason(&parser_) != nullptr ? llhttp_get_error_reason(&parser_) : "";
        return false;
    }

    bool refuse_line(int status) {
        failed_ = true;
        status_ = status;
        error_ = {static_cast<int>(HPE_USER), llhttp_category()};
        reason_ = status == 414 ? "request line too long" : status == 505 ? "HTTP version not supported"
                                                                          : "malformed request line";
        return false;
    }

    int overflow(bool in_start_line) noexcept {
        status_ = in_start_line ? 414 : 431;
        return -1;
    }

    // RFC 9112 5.2: an obs-fold is refused, as nginx does (llhttp would join the lines).
    int folded() noexcept {
        status_ = 400;
        return -1;
    }

    int field_name_complete(std::string_view name) noexcept {
        if (is_http_token(name))
            return 0;
        status_ = 400;
        return -1;
    }

    int on_headers() {
        Request& request = request_;
        request.method = llhttp_method_name(static_cast<llhttp_method_t>(parser_.method));
        request.version_major = parser_.http_major;
        request.version_minor = parser_.http_minor;
        request.keep_alive = llhttp_should_keep_alive(&parser_) != 0;
        if (!split_target(request)) {
            status_ = 400;  // not one of RFC 9112's four target forms
            return -1;
        }
        // RFC 9112 3.2: a 400 for an HTTP/1.1 request without Host, for any request with more
        // than one, and for one whose value is not a host[:port].
        // An empty Host is valid only for a target without an authority, which an origin
        // server does not serve (nginx refuses it too).
        const std::vector<std::string_view> hosts = request.headers.get_all("Host");
        if ((hosts.empty() && request.version_minor >= 1) || hosts.size() > 1 ||
            (hosts.size() == 1 && (hosts.front().empty() || !valid_host_field(hosts.front())))) {
            status_ = 400;
            return -1;
        }
        // Transfer codings: chunked alone is implemented (RFC 9112 6.1: 501 for a coding not
        // understood; llhttp has refused a chunked that is not last with 400). HTTP/1.0 has no
        // transfer coding: such a message was forwarded without it being handled (400).
        const std::vector<std::string_view> codings = request.headers.get_all("Transfer-Encoding");
        if (!codings.empty()) {
            if (request.version_minor == 0) {
                status_ = 400;
                return -1;
            }
            // chunked last but other codings before it: understood framing, a coding we do not
            // implement (501); chunked not last: the length cannot be known (RFC 9112 6.3: 400).
            const bool chunked_last = (parser_.flags & F_CHUNKED) != 0;
            for (const std::string_view list : codings)
                if (!only_token(list, "chunked")) {
                    status_ = chunked_last ? 501 : 400;
                    return -1;
                }
        }
        header_complete_ = true;
        const bool chunked = (parser_.flags & F_CHUNKED) != 0;
        const bool has_length = (parser_.flags & F_CONTENT_LENGTH) != 0;
        if (choose_sink_ != nullptr && (chunked || (has_length && parser_.content_length > 0)) &&
            !sink_call([&] { request.body_sink = (*choose_sink_)(request); }))
            return -1;  // refused before the body comes (and before 100 Continue)
        if (has_length && parser_.content_length > body_limit()) {
            status_ = 413;  // refused before the client sends it (and before 100 Continue)
            return -1;
        }
        if (parser_.http_major == 1 && parser_.http_minor >= 1 && (chunked || (has_length && parser_.content_length > 0))) {
            const auto expect = request.headers.get("Expect");
            if (expect && iequals(*expect, "100-continue"))
                continue_wanted_ = true;
        }
        return 0;
    }

    int on_body(const char* at, std::size_t length) {
        if (request_.body_sink) {
            streamed_ += length;
            if (streamed_ > body_limit()) {
                status_ = 413;
                return -1;
            }
            return sink_call([&] { request_.body_sink->write({at, length}); }) ? 0 : -1;
        }
        if (request_.body.size() + length > limits_.max_body_bytes) {
            status_ = 413;
            return -1;
        }
        request_.body.append(at, length);
        return 0;
    }

    int on_message() {
        if (request_.body_sink) {
            if (!sink_call([&] { request_.body_sink->end(); }))
                return -1;
            sink_ended_ = true;
        }
        return HPE_PAUSED;  // one request at a time: pipelined ones wait their turn
    }

    // Tells a sink whose body did not end that it never will.
    void abort_sink() noexcept {
        if (request_.body_sink && !sink_ended_)
            request_.body_sink->abort();
        sink_ended_ = false;
    }

    [[nodiscard]] std::uint64_t body_limit() const noexcept {
        if (!request_.body_sink)
            return limits_.max_body_bytes;
        return limits_.max_streamed_body_bytes == 0 ? ~std::uint64_t{0} : limits_.max_streamed_body_bytes;
    }

    // Runs a call into the application's sink from inside an llhttp callback (no exception
    // may cross llhttp's C frames): false, with the refusal kept, when it threw.
    template <class Call>
    bool sink_call(Call&& call) noexcept {
        try {
            call();
            return true;
        } catch (const Error& error) {
            refusal_.emplace(error);
        } catch (...) {
            refusal_.emplace(500);  // nothing of the exception reaches the client
        }
        status_ = refusal_->status();
        return false;
    }

    // Splits the target into path and query. RFC 9112 3.2: origin form "/p?q", absolute
    // form "http://h/p?q", asterisk form "*" (OPTIONS only), authority form "h:443" (CONNECT
    // only); anything else is refused (false).
    static bool split_target(Request& request) {
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
        request.query_string = question == std::string_view::npos ? std::string{} : std::string{target.substr(question + 1)};
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

    Limits limits_;
    const SinkChooser* choose_sink_;
    std::optional<Error> refusal_;  // a sink's http::Error, answered as such
    std::uint64_t streamed_ = 0;    // body bytes given to the request's sink
    bool sink_ended_ = false;       // the sink's end() ran (abort() must not follow)
    Request request_;
    std::string reason_;
    std::error_code error_;
    int status_ = 0;
    bool paused_ = false;
    bool failed_ = false;
    bool upgrade_ = false;
    bool continue_wanted_ = false;
    bool line_done_ = false;        // the request line was checked (and given to llhttp, or is next)
    bool begun_ = false;            // some byte of this request arrived
    bool header_complete_ = false;
    std::string line_;              // the request line while it arrives in pieces
};

}  // namespace hio::http::detail
