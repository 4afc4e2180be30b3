#pragma once
/// \file
/// Incremental HTTP/1.1 request and response parsers on llhttp, one message at a time.
/// Internal: used by hio::http::ServerDoer and hio::http::Client.
///
/// feed() parses bytes until a request is complete (then it stops, so pipelined requests are
/// answered one by one, in order), the bytes run out, or the request is refused. Framing
/// follows llhttp's rules: Content-Length together with Transfer-Encoding, conflicting
/// Content-Lengths and a Transfer-Encoding whose last coding is not chunked are errors, so a
/// request cannot be smuggled past this server. Limits turn into the status to answer.

#include <llhttp.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <hio/http/message.hpp>

namespace hio::http::detail {

/// std::error_code category for llhttp's parse errors: the value is an llhttp_errno_t, the
/// message its name ("HPE_INVALID_METHOD"); name "llhttp".
class LlhttpCategory final : public std::error_category {
public:
    [[nodiscard]] const char* name() const noexcept override { return "llhttp"; }
    [[nodiscard]] std::string message(int value) const override {
        return llhttp_errno_name(static_cast<llhttp_errno_t>(value));
    }
};

inline const std::error_category& llhttp_category() noexcept {
    static const LlhttpCategory category;
    return category;
}

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

/// The llhttp plumbing both parsers share (CRTP): the callbacks, forwarded to Derived; the
/// start line (target or reason phrase), the header fields and the trailer fields (kept apart:
/// RFC 9110 6.5), collected within `max_header_bytes`; and execute(), which reports how many
/// bytes llhttp used. Derived provides, with llhttp's return conventions:
/// `std::string& start_line()`, `Headers& fields()`, `int add_trailer(std::string, std::string)`,
/// `int overflow(bool in_start_line)` (records why, returns -1),
/// `int field_name_complete(std::string_view)`, `int on_headers()`,
/// `int on_body(const char*, std::size_t)` and `int on_message()`. The callback table is
/// shared by every parser of a kind: a parser holds only llhttp's state and what it collects.
template <class Derived>
class LlhttpParser {
public:
    LlhttpParser(const LlhttpParser&) = delete;
    LlhttpParser& operator=(const LlhttpParser&) = delete;

    /// True when some of the current message arrived.
    [[nodiscard]] bool started() const noexcept { return started_; }

protected:
    LlhttpParser(llhttp_type_t type, std::size_t max_header_bytes) : max_header_bytes_{max_header_bytes} {
        llhttp_init(&parser_, type, &settings(type));
        parser_.data = this;
    }
    ~LlhttpParser() = default;

    /// Runs llhttp over `bytes`; `taken` is how many it used (all unless it paused or failed).
    llhttp_errno_t execute(std::span<const std::byte> bytes, std::size_t& taken) {
        const char* data = reinterpret_cast<const char*>(bytes.data());
        const llhttp_errno_t error = llhttp_execute(&parser_, data, bytes.size());
        const char* stop = error == HPE_OK ? nullptr : llhttp_get_error_pos(&parser_);
        taken = stop != nullptr && stop >= data ? static_cast<std::size_t>(stop - data) : bytes.size();
        return error;
    }

    /// Forgets the fields and the byte count of the message before.
    void reset_message() noexcept {
        field_.clear();
        value_.clear();
        header_bytes_ = 0;
        started_ = false;
        in_trailers_ = false;
    }

    /// Counts `length` more bytes of the head toward max_header_bytes; false when past it.
    [[nodiscard]] bool count_head(std::size_t length) noexcept {
        header_bytes_ += length;
        return header_bytes_ <= max_header_bytes_;
    }
    [[nodiscard]] std::size_t max_header_bytes() const noexcept { return max_header_bytes_; }

    llhttp_t parser_{};

private:
    static LlhttpParser& self(llhttp_t* parser) { return *static_cast<LlhttpParser*>(parser->data); }
    Derived& derived() noexcept { return static_cast<Derived&>(*this); }

    // One callback table per kind of parser: the callbacks find their parser in parser->data.
    static const llhttp_settings_t& settings(llhttp_type_t type) {
        static const llhttp_settings_t shared = [type] {
            llhttp_settings_t made;
            llhttp_settings_init(&made);
            made.on_message_begin = [](llhttp_t* p) {
                self(p).started_ = true;
                return 0;
            };
            const llhttp_data_cb start_line = [](llhttp_t* p, const char* at, std::size_t length) {
                return self(p).collect(self(p).derived().start_line(), at, length, true);
            };
            (type == HTTP_REQUEST ? made.on_url : made.on_status) = start_line;
            made.on_header_field = [](llhttp_t* p, const char* at, std::size_t length) {
                return self(p).collect(self(p).field_, at, length, false);
            };
            made.on_header_field_complete = [](llhttp_t* p) {
                return self(p).derived().field_name_complete(self(p).field_);
            };
            made.on_header_value = [](llhttp_t* p, const char* at, std::size_t length) {
                return self(p).collect(self(p).value_, at, length, false);
            };
            made.on_header_value_complete = [](llhttp_t* p) {  // also for an empty value
                return self(p).finish_field();
            };
            made.on_headers_complete = [](llhttp_t* p) {
                self(p).in_trailers_ = true;  // fields from now on are trailers (chunked bodies)
                return self(p).derived().on_headers();
            };
            made.on_body = [](llhttp_t* p, const char* at, std::size_t length) {
                return self(p).derived().on_body(at, length);
            };
            made.on_message_complete = [](llhttp_t* p) { return self(p).derived().on_message(); };
            return made;
        }();
        return shared;
    }

    // Appends a piece of the start line or of a field, counted toward max_header_bytes.
    int collect(std::string& into, const char* at, std::size_t length, bool in_start_line) {
        header_bytes_ += length;
        if (header_bytes_ > max_header_bytes_)
            return derived().overflow(in_start_line);
        into.append(at, length);
        return 0;
    }

    int finish_field() {
        while (!value_.empty() && (value_.back() == ' ' || value_.back() == '\t'))
            value_.pop_back();  // trailing optional whitespace is not part of the value
        int result = 0;
        if (in_trailers_)
            result = derived().add_trailer(std::move(field_), std::move(value_));
        else
            derived().fields().add(std::move(field_), std::move(value_));
        field_.clear();
        value_.clear();
        return result;
    }

    std::string field_;
    std::string value_;
    std::size_t max_header_bytes_;
    std::size_t header_bytes_ = 0;
    bool started_ = false;
    bool in_trailers_ = false;
};

/// True for the fields a trailer must never carry, because they frame or route the message or
/// manage the connection (RFC 9110 6.5.1): a trailer with one is an attempt to smuggle them.
inline bool forbidden_in_trailer(std::string_view name) noexcept {
    for (const std::string_view forbidden : {"content-length", "transfer-encoding", "host", "connection", "keep-alive",
                                             "upgrade", "te", "trailer", "content-encoding", "content-type",
                                             "content-range", "expect", "max-forwards", "authorization", "cookie",
                                             "set-cookie", "proxy-authorization"})
        if (iequals(name, forbidden))
            return true;
    return false;
}

/// RFC 9110 7.2 and RFC 3986 3.2.2: `host [ ":" port ]`, where host is a reg-name
/// (unreserved, percent-encoded and sub-delims characters), an IPv4 address (a reg-name too)
/// or a bracketed IP literal, and port is digits. Empty is valid (a target without authority).
inline bool valid_host_field(std::string_view value) noexcept {
    std::string_view host = value;
    std::string_view port;
    if (!host.empty() && host.front() == '[') {
        const std::size_t close = host.find(']');
        if (close == std::string_view::npos || close == 1)
            return false;
        for (const char c : host.substr(1, close - 1)) {
            const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' ||
                            c == '.' || c == 'v' || c == 'V';
            if (!ok)
                return false;
        }
        const std::string_view rest = host.substr(close + 1);
        if (!rest.empty() && rest.front() != ':')
            return false;
        port = rest.empty() ? rest : rest.substr(1);
        host = {};
    } else {
        const std::size_t colon = host.rfind(':');
        if (colon != std::string_view::npos) {
            port = host.substr(colon + 1);
            host = host.substr(0, colon);
        }
        if (host.find("..") != std::string_view::npos)
            return false;  // an empty label: no DNS name has one (nginx refuses it too)
        for (std::size_t i = 0; i < host.size(); ++i) {
            const char c = host[i];
            const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                                    c == '-' || c == '.' || c == '_' || c == '~';
            const bool sub_delim = std::string_view{"!$&'()*+,;="}.find(c) != std::string_view::npos;
            const auto hex = [](char h) {
                return (h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F');
            };
            if (c == '%') {
                if (i + 2 >= host.size() || !hex(host[i + 1]) || !hex(host[i + 2]))
                    return false;
                i += 2;
            } else if (!unreserved && !sub_delim) {
                return false;
            }
        }
    }
    return port.size() <= 5 && port.find_first_not_of("0123456789") == std::string_view::npos;
}

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
        if (scanning_fields_ && !scan_fields(bytes))
            return Outcome::failed;
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
        scanning_fields_ = false;
        at_line_start_ = false;
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

    // Collects the request line from `bytes` (into line_ when it arrives in pieces), checks it
    // and hands llhttp a normalised copy. False while the line is incomplete, or when it was
    // refused (failed_ set); `taken` is how many bytes it used.
    bool take_request_line(std::span<const std::byte> bytes, std::size_t& taken) {
        const char* data = reinterpret_cast<const char*>(bytes.data());
        while (taken < bytes.size()) {
            const char c = data[taken++];
            if (c != '\n') {
                if (line_.size() >= max_header_bytes())
                    return refuse_line(414);
                line_ += c;
                continue;
            }
            if (!line_.empty() && line_.back() == '\r')
                line_.pop_back();
            if (line_.empty())
                continue;  // an empty line before the request line is skipped (RFC 9112 2.2)
            line_done_ = true;
            scanning_fields_ = true;
            at_line_start_ = true;
            return check_request_line();
        }
        return false;
    }

    bool check_request_line() {
        const std::string_view line = line_;
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
        // HTTP/1.1 and later 1.x minors are served as 1.1; HTTP/1.0 as 1.0.
        std::string normal{line.substr(0, second + 1)};
        normal += version[7] == '0' ? "HTTP/1.0\r\n" : "HTTP/1.1\r\n";
        std::size_t used = 0;
        const llhttp_errno_t error =
            execute(std::as_bytes(std::span{normal.data(), normal.size()}), used);
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

    // RFC 9112 5.2: an obs-fold (a field line continued on a line that starts with space or
    // tab) is refused, as nginx does (llhttp would join it with a space), and so is
    // whitespace before the first field (2.2). Scans the header section as it arrives, up to
    // the blank line that ends it. False (refused) on a fold.
    bool scan_fields(std::span<const std::byte> bytes) {
        for (const std::byte b : bytes) {
            const char c = static_cast<char>(b);
            if (at_line_start_) {
                if (c == ' ' || c == '\t')
                    return refuse_line(400);
                if (c == '\n') {
                    scanning_fields_ = false;  // the blank line: the header section is complete
                    return true;
                }
                if (c == '\r')
                    continue;  // a CRLF blank line, or a CR a later check refuses
            }
            at_line_start_ = c == '\n';
        }
        return true;
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
                if (!only_chunked(list)) {
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

    // True when every coding in the comma-separated list is "chunked" (any case).
    static bool only_chunked(std::string_view list) {
        bool any = false;
        while (!list.empty()) {
            const std::size_t comma = list.find(',');
            std::string_view item = list.substr(0, comma);
            while (!item.empty() && (item.front() == ' ' || item.front() == '\t'))
                item.remove_prefix(1);
            while (!item.empty() && (item.back() == ' ' || item.back() == '\t'))
                item.remove_suffix(1);
            if (!item.empty()) {
                if (!iequals(item, "chunked"))
                    return false;
                any = true;
            }
            if (comma == std::string_view::npos)
                break;
            list.remove_prefix(comma + 1);
        }
        return any;
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
    bool line_done_ = false;        // the request line was checked and given to llhttp
    bool begun_ = false;            // some byte of this request arrived
    bool header_complete_ = false;
    bool scanning_fields_ = false;  // looking for obs-folds until the header section ends
    bool at_line_start_ = false;
    std::string line_;              // the request line while it arrives
};

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
