#pragma once
/// \file
/// HTTP/1.1 client (hio: core/http/clienting.py Client with its Requester and Respondent, and
/// ClientDoer).
///
/// `http::Client` takes requests into a queue (hio: the requests deck) and serves them in order,
/// one at a time, over one kept-alive connection per origin, on plain TCP or TLS. Responses
/// come out of `responses()` in request order (hio: the respondent's responses deck); a failure
/// (refused, timed out, malformed, too many redirects) is a response whose `error` says why,
/// so every request gets exactly one answer. Redirects are followed up to a limit. A 200
/// `text/event-stream` response is read as server-sent events into `events()` as they arrive
/// (hio: the respondent's events), and its response is delivered when the stream ends.
///
/// ```
/// hio::http::Client client{network};                 // add a tls::Network for https URLs
/// hio::http::ClientDoer doer{client};
/// client.request({.url = "http://127.0.0.1:8080/hello"});
/// // ... in a later pass:
/// if (auto response = client.responses().pull()) { response->status, response->body }
/// ```

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <hio/connection.hpp>
#include <hio/deck.hpp>
#include <hio/detail/http_parser.hpp>
#include <hio/detail/validate.hpp>
#include <hio/doer.hpp>
#include <hio/error.hpp>
#include <hio/http/message.hpp>
#include <hio/http/sse.hpp>
#include <hio/ring_buffer.hpp>
#include <hio/tcp/client.hpp>
#include <hio/transport.hpp>

namespace hio::http {

/// The parts of an http or https URL the client uses.
struct Url {
    std::string scheme;  ///< "http" or "https"
    std::string host;    ///< a name, an IPv4 address or an IPv6 address without brackets
    std::uint16_t port = 0;
    std::string target;  ///< path and query, as sent in the request line: "/a/b?x=1"

    /// "scheme://host:port", the key of a connection.
    [[nodiscard]] std::string origin() const { return scheme + "://" + authority(true); }
    /// The Host field: the host (bracketed if IPv6) and the port when not the default.
    [[nodiscard]] std::string authority(bool with_port = false) const {
        std::string text = host.find(':') != std::string::npos ? "[" + host + "]" : host;
        if (with_port || port != (scheme == "https" ? 443 : 80))
            text += ":" + std::to_string(port);
        return text;
    }
    [[nodiscard]] std::string text() const { return scheme + "://" + authority() + target; }

    /// Parses "http[s]://host[:port][/path][?query][#fragment]". Throws ValidationError naming
    /// the URL for anything else (another scheme, user info, a bad port, no host).
    static Url parse(std::string_view url) {
        const auto bad = [&](const std::string& why) {
            return ValidationError{"http::Url: " + why + ": \"" + std::string{url} + "\""};
        };
        Url parsed;
        const std::size_t colon = url.find("://");
        if (colon == std::string_view::npos)
            throw bad("not an absolute http or https URL");
        parsed.scheme = std::string{url.substr(0, colon)};
        for (char& c : parsed.scheme)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (parsed.scheme != "http" && parsed.scheme != "https")
            throw bad("the scheme must be http or https");
        std::string_view rest = url.substr(colon + 3);
        const std::size_t end = rest.find_first_of("/?#");
        std::string_view authority = rest.substr(0, end);
        rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
        if (authority.find('@') != std::string_view::npos)
            throw bad("user info in URLs is not supported");
        std::string_view port;
        if (!authority.empty() && authority.front() == '[') {
            const std::size_t close = authority.find(']');
            if (close == std::string_view::npos)
                throw bad("unclosed IPv6 bracket");
            parsed.host = std::string{authority.substr(1, close - 1)};
            const std::string_view after = authority.substr(close + 1);
            if (!after.empty() && after.front() != ':')
                throw bad("junk after the IPv6 address");
            port = after.empty() ? after : after.substr(1);
        } else {
            const std::size_t at = authority.rfind(':');
            parsed.host = std::string{authority.substr(0, at)};
            port = at == std::string_view::npos ? std::string_view{} : authority.substr(at + 1);
        }
        if (parsed.host.empty())
            throw bad("no host");
        if (parsed.host.find_first_of(" \t\r\n/\\%") != std::string::npos)
            throw bad("a bad character in the host");
        parsed.port = parsed.scheme == "https" ? 443 : 80;
        if (!port.empty()) {
            if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos ||
                std::stoul(std::string{port}) == 0 || std::stoul(std::string{port}) > 65535)
                throw bad("the port must be 1-65535");
            parsed.port = static_cast<std::uint16_t>(std::stoul(std::string{port}));
        }
        rest = rest.substr(0, rest.find('#'));
        parsed.target = rest.empty() || rest.front() != '/' ? "/" + std::string{rest} : std::string{rest};
        if (parsed.target.find_first_of(std::string_view{" \t\r\n\0", 5}) != std::string::npos)
            throw bad("whitespace or a control character in the path");
        return parsed;
    }

    /// `location` (a Location field) resolved against this URL (RFC 3986 5.2): absolute,
    /// scheme-relative ("//host/p"), absolute-path ("/p"), query-only ("?q"), empty or
    /// relative ("p", against this path's directory); dot segments are removed.
    [[nodiscard]] Url resolve(std::string_view location) const {
        if (has_scheme(location))
            return parse(location);
        if (location.starts_with("//"))
            return parse(scheme + ":" + std::string{location});
        location = location.substr(0, location.find('#'));
        const std::string path = target.substr(0, target.find('?'));
        std::string next;
        if (location.empty())
            next = target;
        else if (location.front() == '?')
            next = path + std::string{location};
        else if (location.front() == '/')
            next = std::string{location};
        else
            next = path.substr(0, path.rfind('/') + 1) + std::string{location};
        const std::size_t query = next.find('?');
        next = without_dot_segments(std::string_view{next}.substr(0, query)) +
               (query == std::string::npos ? std::string{} : next.substr(query));
        return parse(scheme + "://" + authority(true) + next);
    }

    /// True when `reference` starts with a scheme: ALPHA *(ALPHA / DIGIT / "+" / "-" / ".") ":".
    static bool has_scheme(std::string_view reference) noexcept {
        const std::size_t colon = reference.find(':');
        if (colon == std::string_view::npos || colon == 0 || !std::isalpha(static_cast<unsigned char>(reference[0])))
            return false;
        for (const char c : reference.substr(0, colon))
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.')
                return false;
        return true;
    }

    /// `path` with "." and ".." segments applied (RFC 3986 5.2.4): "/a/b/../c/./d" -> "/a/c/d".
    static std::string without_dot_segments(std::string_view path) {
        std::string out;
        while (!path.empty()) {
            const std::size_t slash = path.find('/', 1);
            const std::string_view segment = path.substr(0, slash);  // "/name", or the last
            path.remove_prefix(segment.size());
            if (segment == "/." || segment == "/..") {
                if (segment == "/..")
                    out.erase(std::min(out.size(), out.rfind('/')));
                if (path.empty())
                    out += '/';
            } else {
                out += segment;
            }
        }
        return out.empty() ? "/" : out;
    }
};

/// One request for a Client (hio: the request a Requester builds).
struct ClientRequest {
    std::string method = "GET";
    /// "http://host[:port]/path?query" or https.
    std::string url;
    /// Extra fields; Host, User-Agent and Content-Length are added unless given.
    Headers headers{};
    std::string body{};
};

/// The answer to one ClientRequest (hio: a Respondent's response dict). When `error` is not
/// empty the request failed and `status` is 0 (or the last status seen, for too many
/// redirects).
struct ClientResponse {
    std::uint64_t request_id = 0;  ///< what Client::request() returned
    int status = 0;
    std::string reason{};           ///< the reason phrase
    int version_minor = 1;
    Headers headers{};
    std::string body{};             ///< de-chunked; empty for event streams (see Client::events())
    std::string url{};              ///< the URL that answered, after redirects
    int redirects = 0;              ///< redirects followed
    std::string error{};            ///< why it failed; empty on success
    std::error_code error_code{};   ///< the system or OpenSSL cause, when there is one

    [[nodiscard]] bool ok() const noexcept { return error.empty(); }
};

/// Settings of a Client. Every interval is tyme, so a client behaves the same in virtual time.
struct ClientOptions {
    /// Tyme a request may take from its start (connecting included) to its complete response;
    /// for an event stream, to its headers. 0: no limit.
    double timeout = 30.0;
    /// Tyme an open event stream may stay silent (heartbeats count) before it is given up;
    /// 0: forever.
    double stream_idle_timeout = 0.0;
    /// Redirects (301, 302, 303, 307, 308 with a Location) followed per request; past it the
    /// response is delivered with an error. 0: redirects are delivered as responses.
    int max_redirects = 5;
    std::size_t max_header_bytes = 64 * 1024;
    std::size_t max_body_bytes = 64 * 1024 * 1024;
    /// Events held in events() before the client stops reading the stream (TCP then slows the
    /// server): a consumer that falls behind costs bounded memory.
    std::size_t max_events = 1024;
    /// When an open event stream ends or is lost, request it again after the server's retry
    /// delay (stream_retry until the server sends one) with Last-Event-ID, as a browser's
    /// EventSource does (hio: a reconnectable Client's SSE resume). A 204 or a response that
    /// is not an event stream ends it; so does end_stream().
    bool resume_streams = false;
    /// Tyme before resuming a stream when the server sent no retry field.
    double stream_retry = 3.0;
    /// The User-Agent field; empty: none.
    std::string user_agent = "hio-cpp";
    /// Capacity of the connection's rx and tx buffers.
    std::size_t buffer_size = RingBuffer::default_capacity;
};

/// An HTTP/1.1 client with a request queue (hio: Client). Run it with a ClientDoer, or call
/// service(tyme) from a doer of your own.
class Client {
public:
    /// A client for http URLs on `network` and, when given, https URLs on `tls_network` (a
    /// tls::Network with a client Context). Neither is owned; both must outlive the client.
    /// Throws ValidationError for bad options.
    explicit Client(hio::Network& network, ClientOptions options = {}, hio::Network* tls_network = nullptr)
        : network_{network}, tls_network_{tls_network}, options_{checked(std::move(options))} {}

    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;
    ~Client() { close(); }

    /// Queues `request` (hio: requests deck); returns its id, which its response carries.
    /// Throws ValidationError for a bad URL or method, an https URL without a TLS network, or
    /// a header that could inject fields.
    std::uint64_t request(ClientRequest request) {
        Job job;
        job.url = Url::parse(request.url);
        if (job.url.scheme == "https" && tls_network_ == nullptr)
            throw ValidationError{"http::Client: an https URL needs a TLS network: " + request.url};
        if (!detail::is_http_token(request.method))
            throw ValidationError{"http::Client: the method must be a token, got \"" + request.method + "\""};
        for (const auto& [name, value] : request.headers) {
            if (!detail::is_http_token(name))
                throw ValidationError{"http::Client: a header name must be a token, got \"" + name + "\""};
            if (value.find_first_of(std::string_view{"\r\n\0", 3}) != std::string::npos)
                throw ValidationError{"http::Client: the value of " + name + " holds CR, LF or NUL"};
            if (iequals(name, "Transfer-Encoding") || iequals(name, "Content-Length"))
                throw ValidationError{"http::Client: " + name + " is the client's to set (the body is sent whole)"};
        }
        job.id = ++last_id_;
        job.request = std::move(request);
        queue_.push_back(std::move(job));
        if (doer_ != nullptr)
            doer_->wake();
        return last_id_;
    }

    /// A GET of `url`; see request().
    std::uint64_t get(std::string url, Headers headers = {}) {
        return request({.method = "GET", .url = std::move(url), .headers = std::move(headers)});
    }

    /// Completed responses, in request order (hio: respondent.responses).
    [[nodiscard]] Deck<ClientResponse>& responses() noexcept { return responses_; }
    /// Events of event streams, in arrival order (hio: respondent.events). Read them: past
    /// max_events the stream is not read.
    [[nodiscard]] Deck<Event>& events() noexcept { return events_; }

    /// True when no request is queued or in progress.
    [[nodiscard]] bool idle() const noexcept { return !current_ && queue_.empty(); }
    /// Requests queued or in progress.
    [[nodiscard]] std::size_t pending() const noexcept { return queue_.size() + (current_ ? 1 : 0); }
    /// True while an event stream's headers have arrived and it has not ended (or, with
    /// resume_streams, while it waits to be resumed).
    [[nodiscard]] bool streaming() const noexcept {
        return current_ && ((parser_ && parser_->event_stream()) || current_->stream_head.has_value());
    }
    /// The last event id of the current or last event stream (for Last-Event-ID).
    [[nodiscard]] const std::string& last_event_id() const noexcept { return last_event_id_; }
    /// Connections opened in all (keep-alive reuse shows as fewer than requests).
    [[nodiscard]] std::uint64_t connections_opened() const noexcept { return opened_; }
    /// Event streams requested again after they ended or broke (resume_streams).
    [[nodiscard]] std::uint64_t stream_resumes() const noexcept { return resumes_; }

    /// Ends the event stream in progress (closing its connection, or cancelling its resume);
    /// its response is delivered.
    void end_stream() {
        if (!streaming())
            return;
        deliver_current(std::string{});
        drop_connection();  // also a resumed request still waiting for its headers
    }

    /// Drops the connection and forgets queued and in-progress requests (no responses).
    void close() noexcept {
        drop_connection();
        current_.reset();
        queue_.clear();
    }

    /// The doer to wake when the socket is ready (ClientDoer sets itself).
    void attach(Doer* doer) noexcept {
        doer_ = doer;
        if (connection_)
            connection_->attach(doer);
    }

    /// Moves requests along at `tyme`: connects, sends, reads and parses, follows redirects,
    /// delivers responses, and times out what takes too long.
    void service(double tyme) {
        now_ = tyme;
        for (int round = 0; round < 64; ++round) {  // bounded: each round makes progress or stops
            if (!current_) {
                if (queue_.empty()) {
                    watch_idle(tyme);
                    return;
                }
                current_ = std::move(queue_.front());
                queue_.pop_front();
                current_->started = tyme;
            }
            if (!step(tyme))
                return;
        }
        if (doer_ != nullptr)
            doer_->wake();  // more to do: come back in the next pass
    }

    [[nodiscard]] const ClientOptions& options() const noexcept { return options_; }

private:
    struct Job {
        std::uint64_t id = 0;
        ClientRequest request;
        Url url;
        int redirects = 0;
        double started = 0.0;
        double not_before = 0.0;  // a resumed stream waits for its retry delay
        bool retried = false;  // sent again once after a kept-alive connection turned out closed
        std::optional<ClientResponse> stream_head;  // a resumed stream's last status and headers
        std::optional<std::uint64_t> stream_retry;  // the server's retry field, kept across resumes
    };

    static ClientOptions checked(ClientOptions options) {
        detail::require_non_negative("http::ClientOptions", "timeout", options.timeout);
        detail::require_non_negative("http::ClientOptions", "stream_idle_timeout", options.stream_idle_timeout);
        detail::require_non_negative("http::ClientOptions", "stream_retry", options.stream_retry);
        if (options.max_redirects < 0)
            throw ValidationError{"http::ClientOptions: max_redirects must be >= 0, got " +
                                  std::to_string(options.max_redirects)};
        if (options.max_events == 0 || options.buffer_size == 0 || options.max_header_bytes == 0)
            throw ValidationError{"http::ClientOptions: max_events, buffer_size and max_header_bytes must be >= 1"};
        return options;
    }

    // One step of the request in progress: true when it made progress that lets the next step
    // run at once (finished, redirected, reconnecting); false when it waits for I/O.
    bool step(double tyme) {
        Job& job = *current_;
        if (tyme < job.not_before)
            return false;  // a stream waiting to resume
        if (!connection_ || origin_ != job.url.origin())
            open(job.url, tyme);
        connection_->service(tyme);
        if (!connection_->connected()) {
            if (connection_->active() && !connection_->last_error())
                return expire(tyme);  // still connecting
            if (sent_ && connection_->peer_closed() && !connection_->last_error())
                return read(nullptr) || expire(tyme);  // the server closed: the body may end here
            // A response may have arrived before the failure (an early 413, then a reset).
            Connection* lost = connection_->connection();
            if (sent_ && lost != nullptr && !lost->rx_buffer().empty() && read(lost))
                return true;
            const std::error_code error = connection_->last_error() ? connection_->last_error()
                                                                    : std::make_error_code(std::errc::not_connected);
            if (retry_stale())
                return true;
            return fail("connection to " + job.url.authority(true) + " failed: " + error.message(), error);
        }
        Connection& connection = *connection_->connection();
        if (!connection.established())
            return expire(tyme);
        if (connection.bytes_received() != received_) {
            received_ = connection.bytes_received();
            heard_at_ = tyme;  // bytes came (parsed or not: a full events() defers parsing)
        }
        if (!sent_ && !connection.rx_buffer().empty()) {
            drop_connection();  // bytes nobody asked for (a 408 before the close): not a response
            return true;
        }
        if (!sent_)
            start_sending(job, tyme);
        if (out_at_ < out_.size())
            out_at_ += connection.send(std::string_view{out_}.substr(out_at_));
        if (read(&connection))
            return true;
        connection_->service(tyme);  // send what was queued in this same pass
        return expire(tyme);
    }

    void open(const Url& url, double tyme) {
        drop_connection();
        hio::Network& network = url.scheme == "https" ? *tls_network_ : network_;
        connection_ = std::make_unique<tcp::Client>(
            network, tcp::ClientOptions{.host = url.host, .port = url.port, .timeout = options_.timeout,
                                        .reconnect = false, .buffer_size = options_.buffer_size});
        connection_->attach(doer_);
        connection_->connect(tyme);
        origin_ = url.origin();
        reused_ = false;
        received_ = 0;
        ++opened_;
    }

    void drop_connection() noexcept {
        if (connection_) {
            connection_->close();
            connection_.reset();
        }
        parser_.reset();
        stream_bytes_.clear();
        ended_.reset();
        origin_.clear();
        sent_ = false;
        out_.clear();
        out_at_ = 0;
    }

    void start_sending(const Job& job, double tyme) {
        const ClientRequest& request = job.request;
        out_.clear();
        out_at_ = 0;
        out_ += request.method + " " + job.url.target + " HTTP/1.1\r\n";
        if (!request.headers.has("Host"))
            out_ += "Host: " + job.url.authority() + "\r\n";
        if (!options_.user_agent.empty() && !request.headers.has("User-Agent"))
            out_ += "User-Agent: " + options_.user_agent + "\r\n";
        for (const auto& [name, value] : request.headers)
            out_ += name + ": " + value + "\r\n";
        if (!request.body.empty() || request.method == "POST" || request.method == "PUT" || request.method == "PATCH")
            out_ += "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
        out_ += "\r\n";
        out_ += request.body;
        if (!parser_)
            parser_ = std::make_unique<detail::HttpResponseParser>(detail::HttpResponseParser::Limits{
                .max_header_bytes = options_.max_header_bytes, .max_body_bytes = options_.max_body_bytes});
        parser_->expect(request.method == "HEAD");
        events_parser_ = EventParser{job.request.headers.value("Last-Event-ID")};
        stream_bytes_.clear();
        ended_.reset();
        sent_ = true;
        answered_ = false;
        heard_at_ = tyme;
    }

    // Parses what arrived (`connection` null: the server closed and everything it sent was
    // read); true when the request finished, failed, or goes on elsewhere (redirected,
    // retried).
    bool read(Connection* connection) {
        using Outcome = detail::HttpResponseParser::Outcome;
        // Events not yet handed over wait for room in events(); until then nothing more is
        // parsed, so rx fills and TCP slows the server.
        if (!drain_events())
            return true;
        if (!stream_bytes_.empty())
            return false;
        if (ended_)
            return conclude(*ended_, false);
        while (connection != nullptr && !connection->rx_buffer().empty()) {
            RingBuffer& rx = connection->rx_buffer();
            std::size_t taken = 0;
            const Outcome outcome = parser_->feed(rx.read_span(), taken);
            rx.consume(taken);
            if (taken != 0)
                answered_ = true;
            if (!drain_events())
                return true;
            if (outcome != Outcome::more && !stream_bytes_.empty()) {
                ended_ = outcome;  // concluded once the consumer took the last events
                return false;
            }
            if (outcome != Outcome::more)
                return conclude(outcome, rx.empty());
            if (!stream_bytes_.empty())
                return false;
        }
        if (connection != nullptr && !connection->peer_closed())
            return false;
        const Outcome outcome = parser_->finish();
        if (!drain_events())
            return true;
        if (!stream_bytes_.empty()) {
            ended_ = outcome;
            return false;
        }
        return conclude(outcome, false);
    }

    // The response is complete (deliver or redirect) or failed (retry a stale connection once,
    // or fail the request).
    bool conclude(detail::HttpResponseParser::Outcome outcome, bool reusable) {
        if (outcome == detail::HttpResponseParser::Outcome::response)
            return complete(reusable);
        if (retry_stale())
            return true;
        return fail("bad response from " + current_->url.authority(true) + ": " + parser_->reason(), {});
    }

    // Moves an event stream's new body bytes to stream_bytes_ and parses them into events()
    // while it has room, a line at a time (so it never holds more than max_events); false
    // (and the request failed) when the stream breaks the format's limits.
    bool drain_events() {
        if (!parser_->event_stream())
            return true;
        std::string& body = parser_->body();
        stream_bytes_ += body;
        body.clear();
        std::size_t at = 0;
        try {
            while (at < stream_bytes_.size() && events_.size() < options_.max_events) {
                const std::size_t end = stream_bytes_.find_first_of("\r\n", at);
                const std::size_t next = end == std::string::npos ? stream_bytes_.size() : end + 1;
                events_parser_.feed(std::string_view{stream_bytes_}.substr(at, next - at),
                                    [&](Event&& event) { events_.push(std::move(event)); });
                at = next;
            }
            last_event_id_ = events_parser_.last_event_id();
        } catch (const Error& error) {
            fail(std::string{"bad event stream from "} + current_->url.authority(true) + ": " + error.what(), {});
            return false;
        }
        stream_bytes_.erase(0, at);
        return true;
    }

    // A kept-alive connection the server had closed before our request reached it (no byte
    // of a response came): send the request again, once, on a new connection (as browsers and
    // curl do).
    bool retry_stale() {
        const std::string& method = current_->request.method;
        const bool idempotent = method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "PUT" ||
                                method == "DELETE" || method == "TRACE";
        // RFC 9112 9.3.1: a request that may have had an effect is not sent again by itself.
        if (!reused_ || current_->retried || answered_ || !idempotent)
            return false;
        current_->retried = true;
        drop_connection();
        return true;
    }

    // An event stream that ended or broke, when resume_streams is set: the same request again
    // after the retry delay, with Last-Event-ID. True when it will be resumed.
    bool resume() {
        if (!options_.resume_streams || !parser_ || !parser_->event_stream() || !current_)
            return false;
        Job& job = *current_;
        if (!events_parser_.last_event_id().empty())
            job.request.headers.set("Last-Event-ID", events_parser_.last_event_id());
        if (events_parser_.retry())
            job.stream_retry = events_parser_.retry();
        const auto retry = job.stream_retry;
        job.not_before = now_ + (retry ? static_cast<double>(*retry) / 1000.0 : options_.stream_retry);
        job.started = job.not_before;
        job.retried = false;
        job.stream_head = ClientResponse{.status = parser_->status(), .reason = parser_->reason_phrase(),
                                         .version_minor = parser_->version_minor(), .headers = parser_->headers()};
        ++resumes_;
        drop_connection();
        return true;
    }

    // A complete response: follow a redirect, or deliver it. True either way.
    bool complete(bool reusable) {
        if (resume())
            return true;
        Job& job = *current_;
        const int status = parser_->status();
        const auto location = parser_->headers().get("Location");
        const bool redirect = (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) &&
                              location && options_.max_redirects > 0;
        // Reuse only a connection whose request went out whole (an early answer to an upload
        // leaves the server expecting the rest) and that nothing else arrived on.
        const bool keep = reusable && out_at_ == out_.size() && parser_->keep_alive() && !parser_->event_stream();
        if (redirect && job.redirects < options_.max_redirects) {
            Url next;
            try {
                next = job.url.resolve(*location);
            } catch (const ValidationError& error) {
                return fail(std::string{"cannot follow the redirect: "} + error.what(), {});
            }
            if (next.scheme == "https" && tls_network_ == nullptr)
                return fail("cannot follow the redirect to " + next.text() + ": no TLS network", {});
            if (next.scheme == "http" && job.url.scheme == "https")  // as hio: never downgrade
                return fail("refusing the redirect from https to " + next.text(), {});
            if (status == 303 || ((status == 301 || status == 302) && job.request.method == "POST")) {
                if (job.request.method != "HEAD")
                    job.request.method = "GET";
                job.request.body.clear();
                job.request.headers.remove("Content-Type");
            }
            if (next.origin() != job.url.origin()) {  // credentials stay with their origin
                job.request.headers.remove("Authorization");
                job.request.headers.remove("Cookie");
            }
            job.request.headers.remove("Host");
            job.url = std::move(next);
            ++job.redirects;
            job.retried = false;
            finish_exchange(keep);
            return true;  // the same job goes on at once, on this connection or a new one
        }
        std::string error;
        if (redirect)
            error = "too many redirects (" + std::to_string(job.redirects) + ")";
        deliver_current(std::move(error));
        finish_exchange(keep);
        return true;
    }

    void finish_exchange(bool keep) {
        if (keep && connection_) {
            sent_ = false;
            reused_ = true;
            out_.clear();
            out_at_ = 0;
        } else {
            drop_connection();
        }
    }

    // Delivers what came of the current job: its status, headers and body (from the parser,
    // or from the last connection of a stream waiting to resume), with `error` if any.
    void deliver_current(std::string error) {
        ClientResponse response = current_->stream_head.value_or(ClientResponse{});
        if (parser_ && parser_->headers_complete()) {
            response.status = parser_->status();
            response.reason = parser_->reason_phrase();
            response.version_minor = parser_->version_minor();
            response.headers = std::move(parser_->headers());
            response.body = parser_->event_stream() ? std::string{} : std::move(parser_->body());
        }
        const bool stream = parser_ && parser_->event_stream();
        answer(std::move(response), std::move(error), {});
        if (stream)
            drop_connection();
    }

    // Fails the current job (or resumes it, for an event stream with resume_streams).
    bool fail(std::string why, std::error_code code) {
        if (resume())
            return true;
        answer(ClientResponse{}, std::move(why), code);
        drop_connection();
        return true;
    }

    // Hands `response` out as the current job's answer and ends the job.
    void answer(ClientResponse response, std::string error, std::error_code code) {
        const Job& job = *current_;
        response.request_id = job.id;
        response.url = job.url.text();
        response.redirects = job.redirects;
        response.error = std::move(error);
        response.error_code = code;
        responses_.push(std::move(response));
        current_.reset();
    }

    // Times out the request in progress; true when it did.
    bool expire(double tyme) {
        const Job& job = *current_;
        if (parser_ && parser_->event_stream()) {
            if (options_.stream_idle_timeout > 0.0 && heard_at_ >= 0.0 &&
                tyme - heard_at_ >= options_.stream_idle_timeout)
                return fail("the event stream from " + job.url.authority(true) + " was silent for " +
                                std::to_string(options_.stream_idle_timeout) + " s",
                            std::make_error_code(std::errc::timed_out));
            return false;
        }
        if (options_.timeout > 0.0 && tyme - job.started >= options_.timeout)
            return fail("timed out after " + std::to_string(options_.timeout) + " s: " + job.url.text(),
                        std::make_error_code(std::errc::timed_out));
        return false;
    }

    // Between requests: notice a kept-alive connection the server closed.
    void watch_idle(double tyme) {
        if (!connection_)
            return;
        connection_->service(tyme);
        if (!connection_->connected() || connection_->peer_closed() ||
            !connection_->connection()->rx_buffer().empty())  // bytes nobody asked for
            drop_connection();
    }

    hio::Network& network_;
    hio::Network* tls_network_;
    ClientOptions options_;
    std::deque<Job> queue_;
    std::optional<Job> current_;
    std::unique_ptr<tcp::Client> connection_;
    std::unique_ptr<detail::HttpResponseParser> parser_;
    EventParser events_parser_;
    std::string stream_bytes_;  // event-stream bytes parsed by llhttp, not yet into events()
    std::optional<detail::HttpResponseParser::Outcome> ended_;  // the end, once events are taken
    Deck<ClientResponse> responses_;
    Deck<Event> events_;
    std::string origin_;
    std::string out_;
    std::size_t out_at_ = 0;
    Doer* doer_ = nullptr;
    std::uint64_t last_id_ = 0;
    std::uint64_t opened_ = 0;
    std::uint64_t resumes_ = 0;
    double now_ = 0.0;
    std::string last_event_id_;
    std::uint64_t received_ = 0;  // the connection's bytes_received() when last looked at
    double heard_at_ = -1.0;      // tyme bytes last arrived (or the request was sent)
    bool answered_ = false;       // some byte of a response (even an interim one) arrived
    bool sent_ = false;
    bool reused_ = false;
};

/// A doer that runs a Client: services it every recur, closes it on exit (hio: ClientDoer).
/// It never finishes on its own; stop it, or finish a parent when the responses are in.
class ClientDoer : public Doer {
public:
    /// Runs `client` (not owned; must outlive the doer) with period `tock` (0: every pass).
    explicit ClientDoer(Client& client, double tock = 0.0) : Doer{tock}, client_{client} {}

    [[nodiscard]] Client& client() noexcept { return client_; }

protected:
    void enter() override { client_.attach(this); }

    bool recur(double tyme) override {
        client_.service(tyme);
        return false;
    }

    void exit() noexcept override {
        client_.close();
        client_.attach(nullptr);
    }

private:
    Client& client_;
};

}  // namespace hio::http
