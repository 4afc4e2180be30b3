#pragma once
/// \file
/// HTTP/1.1 client (hio: core/http/clienting.py Client with its Requester and Respondent, and
/// ClientDoer).
///
/// `http::Client` takes requests into a queue (hio: the requests deck) and serves them in order
/// over kept-alive connections (`max_connections` at once; 1 by default, so one at a time), on
/// plain TCP or TLS. Responses come out of `responses()` (hio: the respondent's responses
/// deck); a failure (refused, timed out, malformed, too many redirects) is a response whose
/// `error` code and `message` say why, so every request gets exactly one answer. Redirects are followed up to a limit. A 200
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
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <hio/deck.hpp>
#include <hio/detail/validate.hpp>
#include <hio/doer.hpp>
#include <hio/error.hpp>
#include <hio/http/detail/exchange.hpp>
#include <hio/http/detail/redirect.hpp>
#include <hio/http/detail/response_parser.hpp>
#include <hio/http/error.hpp>
#include <hio/http/message.hpp>
#include <hio/http/sse.hpp>
#include <hio/http/url.hpp>
#include <hio/io/connection.hpp>
#include <hio/io/ring_buffer.hpp>
#include <hio/io/transport.hpp>
#include <hio/io/stream_client.hpp>

namespace hio::http {

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
    /// Status line and header fields together; past it the response fails (bad_response).
    std::size_t max_header_bytes = 64 * 1024;
    /// The body, de-chunked (not applied to event streams); past it the response fails.
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
    /// Connections open at once, across origins: requests run in parallel up to it and
    /// their responses come in the order they complete. 1: one request at a time, responses
    /// in request order (hio's client).
    std::size_t max_connections = 1;
    /// Connections open at once to one origin (0: up to max_connections); a request to an
    /// origin at its maximum waits for one of its connections, and the requests queued after
    /// it wait too (they keep their order).
    std::size_t max_per_origin = 0;
    /// Content codings the client decodes: requests without an Accept-Encoding field get one
    /// listing them, and a response in one of them (whole or an event stream) is delivered
    /// decoded, without its Content-Encoding and Content-Length fields; max_body_bytes then
    /// bounds the decoded body. Empty (the default): bodies arrive as sent.
    std::vector<ContentDecoding> decodings{};
};

/// An HTTP/1.1 client with a request queue (hio: Client). Run it with a ClientDoer, or call
/// service(tyme) from a doer of your own.
///
/// Each request runs on a *lane*: one connection (kept alive between requests to the same
/// origin) with at most one exchange on it. `max_connections` lanes run at once; requests
/// beyond wait in the queue, in order.
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
        doer_.wake();
        return last_id_;
    }

    /// A GET of `url`; see request().
    std::uint64_t get(std::string url, Headers headers = {}) {
        return request({.method = "GET", .url = std::move(url), .headers = std::move(headers)});
    }

    /// Completed responses (hio: respondent.responses), in the order they completed: request
    /// order with max_connections 1.
    [[nodiscard]] Deck<ClientResponse>& responses() noexcept { return responses_; }
    /// Events of event streams, in arrival order (hio: respondent.events). Read them: past
    /// max_events the stream is not read.
    [[nodiscard]] Deck<Event>& events() noexcept { return events_; }

    /// True when no request is queued or in progress.
    [[nodiscard]] bool idle() const noexcept { return pending() == 0; }
    /// Requests queued or in progress.
    [[nodiscard]] std::size_t pending() const noexcept {
        std::size_t running = 0;
        for (const Lane& lane : lanes_)
            running += lane.job ? 1U : 0U;
        return queue_.size() + running;
    }
    /// True while an event stream's headers have arrived and it has not ended (or, with
    /// resume_streams, while it waits to be resumed).
    [[nodiscard]] bool streaming() const noexcept {
        return std::any_of(lanes_.begin(), lanes_.end(), [](const Lane& lane) { return lane.streaming(); });
    }
    /// The last event id of the current or last event stream (for Last-Event-ID).
    [[nodiscard]] const std::string& last_event_id() const noexcept { return last_event_id_; }
    /// Connections opened in all (keep-alive reuse shows as fewer than requests).
    [[nodiscard]] std::uint64_t connections_opened() const noexcept { return opened_; }
    /// Event streams requested again after they ended or broke (resume_streams).
    [[nodiscard]] std::uint64_t stream_resumes() const noexcept { return resumes_; }

    /// Ends the event streams in progress (closing their connections, or cancelling their
    /// resumes); their responses are delivered.
    void end_stream() {
        for (Lane& lane : lanes_) {
            if (!lane.streaming())
                continue;
            deliver(lane, {}, {});
            lane.drop();  // also a resumed request still waiting for its headers
        }
    }

    /// Drops the connections and forgets queued and in-progress requests (no responses).
    void close() noexcept {
        lanes_.clear();
        queue_.clear();
    }

    /// The doer that runs this client, woken when a socket is ready (ClientDoer sets itself).
    /// Held as a Waker: destroying the doer detaches it.
    void owner(Doer* doer) { owner(doer != nullptr ? doer->waker() : Waker{}); }
    /// Sets the doer woken on readiness by its Waker (empty: none).
    void owner(Waker waker) noexcept {
        doer_ = std::move(waker);
        for (Lane& lane : lanes_)
            if (lane.link)
                lane.link->owner(doer_);
    }
    /// The doer woken on readiness, or nullptr (also once that doer was destroyed).
    [[nodiscard]] Doer* owner() const noexcept { return doer_.doer(); }

    /// The network for http URLs.
    [[nodiscard]] hio::Network& network() const noexcept { return network_; }

    /// Moves requests along at `tyme`: connects, sends, reads and parses, follows redirects,
    /// delivers responses, and times out what takes too long.
    void service(double tyme) {
        now_ = tyme;
        bool again = false;
        for (int round = 0; round < 64; ++round) {  // bounded: each round makes progress or stops
            dispatch(tyme);
            again = false;
            for (Lane& lane : lanes_) {
                if (!lane.job)
                    watch_idle(lane, tyme);
                else if (step(lane, tyme))
                    again = true;
            }
            std::erase_if(lanes_, [](const Lane& lane) { return !lane.job && !lane.link; });
            if (!again)
                return;
        }
        doer_.wake();  // more to do: come back in the next pass
    }

    /// The options it was made with.
    [[nodiscard]] const ClientOptions& options() const noexcept { return options_; }

    /// The tyme by which service() must run again if no socket becomes ready and no request
    /// is queued: a timeout, a stream's resume; -infinity while events wait for room in
    /// events() (the consumer's pulls wake nobody); +infinity when it waits only for the
    /// network or for requests.
    [[nodiscard]] double next_deadline() const noexcept {
        constexpr double none = std::numeric_limits<double>::infinity();
        double due = none;
        for (const Lane& lane : lanes_) {
            if (lane.link)
                due = std::min(due, lane.link->next_deadline());
            if (!lane.job)
                continue;
            const Job& job = *lane.job;
            if (job.not_before > now_)
                due = std::min(due, job.not_before);
            if (lane.exchange && (lane.exchange->events.waiting() || lane.exchange->ended))
                return -none;  // events wait for room in events()
            if (lane.event_stream()) {
                if (options_.stream_idle_timeout > 0.0 && lane.exchange->heard_at >= 0.0)
                    due = std::min(due, lane.exchange->heard_at + options_.stream_idle_timeout);
            } else if (options_.timeout > 0.0) {
                due = std::min(due, std::max(job.started, job.not_before) + options_.timeout);
            }
        }
        return due;
    }

private:
    using Outcome = detail::ResponseParser::Outcome;

    using Job = detail::ClientJob;
    using Exchange = detail::ClientExchange;
    using Lane = detail::ClientLane;

    static std::string accept_encoding(const ClientOptions& options) {
        std::string value;
        for (const ContentDecoding& decoding : options.decodings)
            value += (value.empty() ? "" : ", ") + decoding.coding;
        return value;
    }

    static ClientOptions checked(ClientOptions options) {
        hio::detail::require_non_negative("http::ClientOptions", "timeout", options.timeout);
        hio::detail::require_non_negative("http::ClientOptions", "stream_idle_timeout", options.stream_idle_timeout);
        hio::detail::require_non_negative("http::ClientOptions", "stream_retry", options.stream_retry);
        if (options.max_redirects < 0)
            throw ValidationError{"http::ClientOptions: max_redirects must be >= 0, got " +
                                  std::to_string(options.max_redirects)};
        if (options.max_events == 0 || options.buffer_size == 0 || options.max_header_bytes == 0 ||
            options.max_connections == 0)
            throw ValidationError{
                "http::ClientOptions: max_events, buffer_size, max_header_bytes and max_connections must be >= 1"};
        for (const ContentDecoding& decoding : options.decodings)
            if (decoding.coding.empty() || !decoding.make || !detail::is_http_token(decoding.coding))
                throw ValidationError{"http::ClientOptions: a decoding needs a coding name (a token) and a maker, got '" +
                                      decoding.coding + "'"};
        return options;
    }

    // Hands queued jobs to lanes, in order: an idle lane already connected to the job's origin,
    // else (while the origin has fewer than max_per_origin) a new lane while fewer than
    // max_connections exist, else an idle lane of another origin (its connection is closed). The first job that finds no lane waits, and so do the
    // ones after it.
    void dispatch(double tyme) {
        while (!queue_.empty()) {
            const std::string origin = queue_.front().url.origin();
            Lane* lane = nullptr;
            std::size_t to_origin = 0;  // lanes busy with, or connected to, this origin
            for (Lane& candidate : lanes_) {
                if (!candidate.job && candidate.link && candidate.origin == origin)
                    lane = &candidate;
                if (candidate.job ? candidate.job->url.origin() == origin : candidate.link && candidate.origin == origin)
                    ++to_origin;
            }
            const bool origin_full = options_.max_per_origin != 0 && to_origin >= options_.max_per_origin;
            if (lane == nullptr && !origin_full && lanes_.size() < options_.max_connections)
                lane = &lanes_.emplace_back();
            if (lane == nullptr && !origin_full)
                for (Lane& candidate : lanes_)
                    if (!candidate.job)
                        lane = &candidate;
            if (lane == nullptr)
                return;
            lane->job = std::move(queue_.front());
            queue_.pop_front();
            lane->job->started = tyme;
        }
    }

    // One step of the lane's request: true when it made progress that lets the next step run
    // at once (finished, redirected, reconnecting); false when it waits for I/O.
    bool step(Lane& lane, double tyme) {
        Job& job = *lane.job;
        if (tyme < job.not_before)
            return false;  // a stream waiting to resume
        if (!lane.link || lane.origin != job.url.origin())
            open(lane, job.url, tyme);
        lane.link->service(tyme);
        if (!lane.link->connected()) {
            if (lane.link->active() && !lane.link->last_error())
                return expire(lane, tyme);  // still connecting
            if (lane.exchange && lane.link->peer_closed() && !lane.link->last_error())
                return read(lane, nullptr) || expire(lane, tyme);  // the server closed: the body may end here
            // A response may have arrived before the failure (an early 413, then a reset).
            Connection* lost = lane.link->connection();
            if (lane.exchange && lost != nullptr && !lost->rx_buffer().empty() && read(lane, lost))
                return true;
            const std::error_code error =
                lane.link->last_error() ? lane.link->last_error() : std::make_error_code(std::errc::not_connected);
            if (retry_stale(lane))
                return true;
            return fail(lane, error, "connection to " + job.url.authority(true) + " failed: " + error.message());
        }
        Connection& connection = *lane.link->connection();
        if (!connection.established())
            return expire(lane, tyme);
        if (!lane.exchange && !connection.rx_buffer().empty()) {
            lane.drop();  // bytes nobody asked for (a 408 before the close): not a response
            return true;
        }
        if (!lane.exchange)
            lane.begin(tyme, {.user_agent = options_.user_agent,
                              .accept_encoding = accept_encoding_,
                              .max_header_bytes = options_.max_header_bytes,
                              .max_body_bytes = options_.max_body_bytes});
        Exchange& exchange = *lane.exchange;
        if (connection.bytes_received() != lane.received) {
            lane.received = connection.bytes_received();
            exchange.heard_at = tyme;  // bytes came (parsed or not: a full events() defers parsing)
        }
        if (!exchange.sent_whole())
            exchange.out_at += connection.send(std::string_view{exchange.out}.substr(exchange.out_at));
        if (read(lane, &connection))
            return true;
        lane.link->service(tyme);  // send what was queued in this same pass
        return expire(lane, tyme);
    }

    void open(Lane& lane, const Url& url, double tyme) {
        lane.open(url.scheme == "https" ? *tls_network_ : network_, url, tyme, options_.timeout, options_.buffer_size,
                  doer_);
        ++opened_;
    }

    // Parses what arrived (`connection` null: the server closed and everything it sent was
    // read); true when the request finished, failed, or goes on elsewhere (redirected,
    // retried).
    bool read(Lane& lane, Connection* connection) {
        Exchange& exchange = *lane.exchange;
        detail::ResponseParser& parser = *lane.parser;
        // Events not yet handed over wait for room in events(); until then nothing more is
        // parsed, so rx fills and TCP slows the server.
        if (!drain_events(lane))
            return true;
        if (exchange.events.waiting())
            return false;
        if (exchange.ended)
            return conclude(lane, *exchange.ended, false);
        while (connection != nullptr && !connection->rx_buffer().empty()) {
            RingBuffer& rx = connection->rx_buffer();
            std::size_t taken = 0;
            const Outcome outcome = parser.feed(rx.read_span(), taken);
            rx.consume(taken);
            if (taken != 0)
                exchange.answered = true;
            if (!drain_events(lane))
                return true;
            if (outcome != Outcome::more && exchange.events.waiting()) {
                exchange.ended = outcome;  // concluded once the consumer took the last events
                return false;
            }
            if (outcome != Outcome::more)
                return conclude(lane, outcome, rx.empty());
            if (exchange.events.waiting())
                return false;
        }
        if (connection != nullptr && !connection->peer_closed())
            return false;
        const Outcome outcome = parser.finish();
        if (!drain_events(lane))
            return true;
        if (exchange.events.waiting()) {
            exchange.ended = outcome;
            return false;
        }
        return conclude(lane, outcome, false);
    }

    // The response is complete (deliver or redirect) or failed (retry a stale connection once,
    // or fail the request).
    bool conclude(Lane& lane, Outcome outcome, bool reusable) {
        if (outcome == Outcome::response)
            return complete(lane, reusable);
        if (retry_stale(lane))
            return true;
        return fail(lane, lane.parser->closed_early() ? Errc::closed_early : Errc::bad_response,
                    "bad response from " + lane.job->url.authority(true) + ": " + lane.parser->reason());
    }

    // Parses an event stream's new body bytes into events() while it has room (so it never
    // holds more than max_events); false (and the request failed) when the stream breaks the
    // format's limits or its coding.
    bool drain_events(Lane& lane) {
        if (!lane.parser->event_stream())
            return true;
        Exchange& exchange = *lane.exchange;
        try {
            exchange.events.take(lane.parser->body(), lane.decoder(options_.decodings), options_.max_body_bytes,
                                 events_, options_.max_events);
            last_event_id_ = exchange.events.last_event_id();
        } catch (const std::exception& error) {  // a malformed stream, or a decoder that failed
            fail(lane, Errc::bad_event_stream,
                 std::string{"bad event stream from "} + lane.job->url.authority(true) + ": " + error.what());
            return false;
        }
        return true;
    }

    // A kept-alive connection the server had closed before our request reached it (no byte
    // of a response came): send the request again, once, on a new connection (as browsers and
    // curl do).
    static bool retry_stale(Lane& lane) {
        Job& job = *lane.job;
        const std::string& method = job.request.method;
        const bool idempotent = method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "PUT" ||
                                method == "DELETE" || method == "TRACE";
        // RFC 9112 9.3.1: a request that may have had an effect is not sent again by itself.
        if (!lane.reused || job.retried || (lane.exchange && lane.exchange->answered) || !idempotent)
            return false;
        job.retried = true;
        lane.drop();
        return true;
    }

    // An event stream that ended or broke, when resume_streams is set: the same request again
    // after the retry delay, with Last-Event-ID. True when it will be resumed.
    bool resume(Lane& lane) {
        if (!options_.resume_streams || !lane.event_stream())
            return false;
        Job& job = *lane.job;
        const detail::EventReader& events = lane.exchange->events;
        const detail::ResponseParser& parser = *lane.parser;
        if (!events.last_event_id().empty())
            job.request.headers.set("Last-Event-ID", events.last_event_id());
        if (events.retry())
            job.stream_retry = events.retry();
        const auto retry = job.stream_retry;
        job.not_before = now_ + (retry ? static_cast<double>(*retry) / 1000.0 : options_.stream_retry);
        job.started = job.not_before;
        job.retried = false;
        job.stream_head = ClientResponse{.status = parser.status(), .reason = parser.reason_phrase(),
                                         .version_minor = parser.version_minor(), .headers = parser.headers()};
        ++resumes_;
        lane.drop();
        return true;
    }

    // A complete response: follow a redirect, or deliver it. True either way.
    bool complete(Lane& lane, bool reusable) {
        if (resume(lane))
            return true;
        Job& job = *lane.job;
        const detail::ResponseParser& parser = *lane.parser;
        const int status = parser.status();
        const auto location = parser.headers().get("Location");
        const bool redirect = detail::is_redirect(status) && location && options_.max_redirects > 0;
        // Reuse only a connection whose request went out whole (an early answer to an upload
        // leaves the server expecting the rest), that nothing else arrived on, and that neither
        // side said to close (RFC 9112 9.6: no request follows a `close`).
        const bool keep = reusable && lane.exchange->sent_whole() && parser.keep_alive() && !parser.event_stream() &&
                          !lane.exchange->close;
        if (redirect && job.redirects < options_.max_redirects) {
            detail::Redirected next = detail::follow_redirect(job.request, job.url, status, *location, tls_network_ != nullptr);
            if (next.error)
                return fail(lane, next.error, std::move(next.message));
            job.url = std::move(next.url);
            ++job.redirects;
            job.retried = false;
            finish_exchange(lane, keep);
            return true;  // the same job goes on at once, on this connection or a new one
        }
        if (redirect)
            deliver(lane, Errc::too_many_redirects, "too many redirects (" + std::to_string(job.redirects) + ")");
        else
            deliver(lane, {}, {});
        finish_exchange(lane, keep);
        return true;
    }

    // The exchange is over: keep the connection for the next request, or close it.
    static void finish_exchange(Lane& lane, bool keep) {
        if (keep && lane.link) {
            lane.exchange.reset();
            lane.reused = true;
        } else {
            lane.drop();
        }
    }

    // Delivers what came of the lane's job: its status, headers and body (from the parser, or
    // from the last connection of a stream waiting to resume), with `error` if any.
    void deliver(Lane& lane, std::error_code error, std::string message) {
        ClientResponse response = lane.job->stream_head.value_or(ClientResponse{});
        const bool stream = lane.event_stream();
        if (lane.parser && lane.exchange && lane.parser->headers_complete()) {
            detail::ResponseParser& parser = *lane.parser;
            try {
                lane.decoder(options_.decodings);  // while the headers are the parser's
            } catch (const std::exception& failure) {  // a decoding's make() failed
                error = Errc::bad_response;
                message = std::string{"cannot decode the response: "} + failure.what();
            }
            response.status = parser.status();
            response.reason = parser.reason_phrase();
            response.version_minor = parser.version_minor();
            response.headers = std::move(parser.headers());
            response.trailers = std::move(parser.trailers());
            response.body = parser.event_stream() ? std::string{} : std::move(parser.body());
            if (!error)
                decode(lane, response, error, message);
        }
        answer(lane, std::move(response), error, std::move(message));
        if (stream)
            lane.drop();
    }

    // Decodes a whole body in the coding the client asked for, in place; a corrupt one (or one
    // decoding past max_body_bytes) becomes a bad_response error. An empty body (HEAD, 304)
    // has nothing to decode.
    void decode(Lane& lane, ClientResponse& response, std::error_code& error, std::string& message) {
        BodyDecoder* decoder = lane.decoder(options_.decodings);
        if (decoder == nullptr)
            return;
        try {
            if (!lane.parser->event_stream() && !response.body.empty()) {
                std::string decoded;
                decoder->decode(response.body, decoded, options_.max_body_bytes);
                decoder->finish();
                response.body = std::move(decoded);
            }
            response.headers.remove("Content-Encoding");
            response.headers.remove("Content-Length");
        } catch (const hio::Error& failure) {
            response.body.clear();
            error = Errc::bad_response;
            message = "bad response from " + lane.job->url.authority(true) + ": " + failure.what();
        }
    }

    // Fails the lane's job (or resumes it, for an event stream with resume_streams).
    bool fail(Lane& lane, std::error_code error, std::string message) {
        if (resume(lane))
            return true;
        answer(lane, ClientResponse{}, error, std::move(message));
        lane.drop();
        return true;
    }

    // Hands `response` out as the lane's answer and ends its job.
    void answer(Lane& lane, ClientResponse response, std::error_code error, std::string message) {
        const Job& job = *lane.job;
        response.request_id = job.id;
        response.url = job.url.text();
        response.redirects = job.redirects;
        response.error = error;
        response.message = std::move(message);
        responses_.push(std::move(response));
        lane.job.reset();
    }

    // Times out the lane's request; true when it did.
    bool expire(Lane& lane, double tyme) {
        const Job& job = *lane.job;
        if (lane.event_stream()) {
            const double heard = lane.exchange->heard_at;
            if (options_.stream_idle_timeout > 0.0 && heard >= 0.0 && tyme - heard >= options_.stream_idle_timeout)
                return fail(lane, Errc::stream_silent,
                            "the event stream from " + job.url.authority(true) + " was silent for " +
                                std::to_string(options_.stream_idle_timeout) + " s");
            return false;
        }
        if (options_.timeout > 0.0 && tyme - job.started >= options_.timeout)
            return fail(lane, Errc::timeout,
                        "timed out after " + std::to_string(options_.timeout) + " s: " + job.url.text());
        return false;
    }

    // Between requests: notice a kept-alive connection the server closed.
    static void watch_idle(Lane& lane, double tyme) {
        if (!lane.link)
            return;
        lane.link->service(tyme);
        if (!lane.link->connected() || lane.link->peer_closed() ||
            !lane.link->connection()->rx_buffer().empty())  // bytes nobody asked for
            lane.drop();
    }

    hio::Network& network_;
    hio::Network* tls_network_;
    ClientOptions options_;
    std::string accept_encoding_ = accept_encoding(options_);  // the decodings, as a field value
    std::deque<Job> queue_;
    std::deque<Lane> lanes_;  // a deque: lanes keep their addresses as others are added
    Deck<ClientResponse> responses_;
    Deck<Event> events_;
    Waker doer_;  // the doer that runs it
    std::uint64_t last_id_ = 0;
    std::uint64_t opened_ = 0;
    std::uint64_t resumes_ = 0;
    double now_ = 0.0;
    std::string last_event_id_;
};

/// A doer that runs a Client: services it when a socket is ready, a request is queued or a
/// timeout is due, and idles in between (Doer::idle_until); closes it on exit (hio:
/// ClientDoer). It never finishes on its own; stop it, or finish a parent when the responses
/// are in.
class ClientDoer : public Doer {
public:
    /// Runs `client` (not owned; must outlive the doer) with period `tock` (0: every pass).
    explicit ClientDoer(Client& client, double tock = 0.0) : Doer{tock}, client_{client} {}

    /// The client it runs.
    [[nodiscard]] Client& client() noexcept { return client_; }

protected:
    void enter() override {
        hio::detail::require_waiter(tymist(), client_.network(), "http::ClientDoer");
        client_.owner(this);
    }

    bool recur(double tyme) override {
        client_.service(tyme);
        idle_until(client_.next_deadline());  // requests and readiness wake it
        return false;
    }

    void exit() noexcept override {
        client_.close();
        client_.owner(Waker{});
    }

private:
    Client& client_;
};

}  // namespace hio::http
