#pragma once
/// \file
/// HTTP/1.1 server as a doer (hio: core/http/serving.py Server, which hosts WSGI apps).
///
/// `http::ServerDoer` serves a `StreamServer` (over plain TCP or TLS) with a handler: a function
/// from Request to Response, called in the pass where the request completes. Requests are
/// parsed by llhttp, one at a time per connection, so pipelined requests are answered in
/// order; keep-alive, `Connection: close`, HTTP/1.0, chunked request bodies (their trailers
/// kept apart), `Expect: 100-continue` and HEAD follow RFC 9112. Refusals answer with the
/// status RFC 9112 asks for and close the connection: a malformed request line, a missing,
/// repeated or invalid Host, smuggling-shaped framing 400; an unknown method 501; an HTTP
/// version other than 1.x 505; a header block too large 431 (a target 414); a body too large
/// 413; a request not complete in time 408.
///
/// No connection is held by silence: a new connection must send a complete header within
/// `header_timeout` of its accept, a kept-alive one is closed after `keep_alive_timeout` idle
/// (advertised as `Keep-Alive: timeout=N`), and a request must complete within
/// `request_timeout` of its first byte. These are per-connection timers in the TCP server's
/// deadline heap, so an idle server sleeps.
///
/// A handler that needs time answers with `response.stream()` (a BodyStream that any doer
/// writes over later passes; chunked, fixed-length, or until the close for HTTP/1.0) or an
/// EventStream (server-sent events, with heartbeats). The next pipelined request waits until
/// the stream has ended.
///
/// On a graceful shutdown (SIGTERM with a grace period) the server stops accepting, closes idle
/// keep-alive connections at once, lets requests in flight finish (their answers carry
/// `Connection: close`), ends event streams cleanly, and finishes when no connection is left.
///
/// ```
/// hio::StreamServer tcp{network, {.port = 8080}};
/// hio::http::ServerDoer http{tcp, [](const hio::http::Request& request, hio::http::Response& response) {
///     response.headers.set("Content-Type", "text/plain");
///     response.body = "hello " + request.path + "\n";
/// }};
/// ```

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <exception>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include <hio/detail/validate.hpp>
#include <hio/error.hpp>
#include <hio/http/detail/request_parser.hpp>
#include <hio/http/detail/wire.hpp>
#include <hio/http/message.hpp>
#include <hio/http/problem.hpp>
#include <hio/http/stream.hpp>
#include <hio/io/connection.hpp>
#include <hio/io/stream_server_doer.hpp>

namespace hio::http {

/// Answers one request by filling `response` (hio: a WSGI app). A thrown http::Error becomes
/// its own answer (render_error: problem+json or text, by the request's Accept); any other
/// exception a 500 for that request that says nothing of it; other requests and connections
/// go on.
using Handler = std::function<void(const Request& request, Response& response)>;

/// HTTP limits and timeouts; the connection limits (max_connections, buffer sizes, the idle
/// timeout of a connection that moves no byte) are the StreamServerOptions of the server served.
struct ServerOptions {
    /// Request line and header fields together; past it: 431 (414 for the request line).
    std::size_t max_header_bytes = 16 * 1024;
    /// Request body, de-chunked; past it: 413.
    std::size_t max_body_bytes = 1024 * 1024;
    /// Chooses, from a request's header (method, target, path, headers; no body yet), a
    /// BodySink that takes its body as it arrives instead of Request::body, so that an upload
    /// larger than memory goes to a file, or through a MultipartSink to one per part. It may
    /// throw http::Error to refuse the request before its body comes (and before 100
    /// Continue). Null, or empty: every body is collected, up to max_body_bytes. A large
    /// upload must also fit in request_timeout (60 s: 4 GiB needs some 70 MB/s).
    std::function<std::shared_ptr<BodySink>(const Request&)> body_sink{};
    /// A body given to a BodySink, de-chunked; past it: 413. 0: no limit.
    std::uint64_t max_streamed_body_bytes = std::uint64_t{4} << 30;
    /// Tyme a connection has, from its accept, to send a complete request header, and a later
    /// request, from its first byte; past it: 408, or a silent close when nothing came at all
    /// (nginx: client_header_timeout, 60 s). 0: no limit.
    double header_timeout = 60.0;
    /// Tyme a request may take from its first byte to its last (a slow body); past it: 408.
    /// 0: no limit.
    double request_timeout = 60.0;
    /// Tyme a kept-alive connection may wait for its next request; then it is closed. Sent as
    /// `Keep-Alive: timeout=N`, so that clients and proxies that honour it do not reuse a
    /// connection about to close (nginx: keepalive_timeout, 75 s). 0: no limit.
    double keep_alive_timeout = 75.0;
    /// The Server header; empty: none.
    std::string server_header = "hio-cpp";
};

/// Serves HTTP/1.1 on every connection of a StreamServer (hio: http Server with its app).
class ServerDoer : public StreamServerDoer {
public:
    /// Serves `server` (not owned; must outlive this) with `handler`. Throws ValidationError
    /// for a missing handler, a zero limit or a negative timeout.
    ServerDoer(StreamServer& server, Handler handler, ServerOptions options = {}, double tock = 0.0)
        : StreamServerDoer{server, tock}, handler_{std::move(handler)}, options_{checked(std::move(options))} {
        if (!handler_)
            throw ValidationError{"http::ServerDoer: handler must not be empty"};
    }

    /// The HTTP options it was made with.
    [[nodiscard]] const ServerOptions& options() const noexcept { return options_; }

    /// Requests answered, refusals included.
    [[nodiscard]] std::uint64_t requests() const noexcept { return requests_; }
    /// Refusals: 4xx and 5xx answers the server chose (malformed, too large, timed out, a
    /// handler's exception).
    [[nodiscard]] std::uint64_t refused() const noexcept { return refused_; }

protected:
    void serve(Connection& connection, double tyme) override {
        Session* session = connection.session<Session>();
        if (session == nullptr) {
            // Between requests no state is kept: a session is made at the first byte.
            if (connection.rx_buffer().empty()) {
                idle(connection, tyme);
                return;
            }
            session = &connection.emplace_session<Session>(options_, connection, tyme, server().opened_at(connection));
            session->last = draining();  // a request that starts during a shutdown is the last
        }
        if (expire(*session, tyme))
            return;
        // One request at a time: parse the next only when the last answer (streamed or not)
        // has left for tx, so a client that pipelines without reading cannot make us buffer
        // without bound.
        for (;;) {
            pump(*session, tyme);
            flush(*session);
            if (session->closing || session->busy() || connection.rx_buffer().empty())
                break;
            feed(*session, tyme);
        }
        wind_up(*session, tyme);
    }

    /// Graceful shutdown: an answer in flight is the connection's last (Connection: close), an
    /// event stream ends now.
    void drain(Connection& connection, double tyme) override {
        Session* session = connection.session<Session>();
        if (session == nullptr)
            return;  // idle: quiet(), closed at once
        session->last = true;
        if (session->stream && session->stream->options().open_ended)
            session->stream->end();
        wind_up(*session, tyme);
    }

    /// Idle (no session: between requests) or closing with nothing left to send.
    [[nodiscard]] bool quiet(const Connection& connection) const override {
        const Session* session = connection.session<Session>();
        if (session == nullptr)
            return connection.rx_buffer().empty() && !connection.sending();
        return !session->parser.in_request() && !session->busy() && !connection.sending();
    }

private:
    using Framing = detail::Framing;
    static constexpr double never = std::numeric_limits<double>::infinity();

    // The state of a connection while a request is in progress or its answer is being sent:
    // a parser, the answer waiting for room in tx, the stream in progress. Made at a request's
    // first byte and dropped once its answer has left and nothing else arrived, so an idle
    // keep-alive connection holds none. It is the waker of the stream it sends, so a stream
    // written by another doer gets its connection served again.
    struct Session final : ConnectionSession, StreamWaker {
        Session(const ServerOptions& options, Connection& served, double tyme, double opened_at)
            : parser{{.max_header_bytes = options.max_header_bytes,
                      .max_body_bytes = options.max_body_bytes,
                      .max_streamed_body_bytes = options.max_streamed_body_bytes},
                     &options.body_sink},
              connection{served},
              header_from{served.proven() ? tyme : opened_at} {}
        detail::RequestParser parser;
        Connection& connection;
        std::string out;                            // head, chunk framing, interim responses
        std::size_t out_at = 0;
        std::string body;                           // a whole body, moved from the Response
        std::shared_ptr<const std::string> shared;  // or one shared between responses
        std::size_t body_at = 0;
        double header_from;                         // the header timeout runs from here
        double started = -1.0;                      // tyme the request in progress began
        std::shared_ptr<BodyStream> stream;         // the streamed answer in progress, if any
        Framing framing = Framing::whole;
        double streamed_at = 0.0;                   // tyme stream bytes last left (heartbeats)
        bool closing = false;                       // no request after the answer in progress
        bool last = false;                          // draining: the next answer closes

        Session(const Session&) = delete;
        Session& operator=(const Session&) = delete;
        ~Session() override {
            if (stream)
                stream->close();  // the connection is gone: tell the application
        }

        [[nodiscard]] std::string_view whole_body() const noexcept { return shared ? *shared : body; }
        // An answer, or part of one, is still to be handed to tx.
        [[nodiscard]] bool busy() const noexcept {
            return out_at < out.size() || body_at < whole_body().size() || stream != nullptr;
        }
        [[nodiscard]] bool pending_output() const noexcept override {
            // An ended stream is output too: its end (the last chunk) is still to be written.
            // A stream's queued bytes count only once tx has room for them (pump() leaves
            // them in the stream while tx holds a stream's capacity): else a slow reader
            // would have the server look at its connection every pass.
            // While the connection sends a file nothing else can go into tx: the connection
            // says when it is done.
            if (connection.file_pending())
                return false;
            return out_at < out.size() || body_at < whole_body().size() ||
                   (stream && (stream->ended() || stream->has_file() ||
                               (stream->queued() != 0 && tx_has_room_for_stream())));
        }
        // pump() takes from the stream only while tx holds less than the stream's capacity, so
        // a slow reader holds about one stream's worth in tx, not a whole tx buffer.
        [[nodiscard]] bool tx_has_room_for_stream() const noexcept {
            return connection.tx_buffer().size() < stream->options().capacity;
        }
        void on_stream_ready() noexcept override { connection.request_service(); }
    };

    static ServerOptions checked(ServerOptions options) {
        if (options.max_header_bytes == 0)
            throw ValidationError{"http::ServerOptions: max_header_bytes must be >= 1, got 0"};
        hio::detail::require_non_negative("http::ServerOptions", "header_timeout", options.header_timeout);
        hio::detail::require_non_negative("http::ServerOptions", "request_timeout", options.request_timeout);
        hio::detail::require_non_negative("http::ServerOptions", "keep_alive_timeout", options.keep_alive_timeout);
        return options;
    }

    // A connection between requests: a new one that sent nothing within header_timeout, or a
    // kept-alive one idle for keep_alive_timeout, is closed without a word; otherwise it is
    // served again by that tyme.
    void idle(Connection& connection, double tyme) {
        if (connection.file_pending()) {  // the last answer is still going out (sendfile): not idle
            connection.serve_at(never);     // the TCP idle timeout still applies; the file's end serves it
            return;
        }
        const bool fresh = !connection.proven() && connection.bytes_received() == 0;
        const double limit = fresh ? options_.header_timeout : options_.keep_alive_timeout;
        const double since = fresh ? server().opened_at(connection) : server().last_activity(connection);
        if (limit <= 0.0) {
            connection.serve_at(never);
        } else if (tyme - since >= limit) {
            connection.close();
        } else {
            connection.serve_at(server().coarsen(since + limit, limit));
        }
    }

    // Parses the next piece of rx: a request is answered, a refusal written.
    void feed(Session& session, double tyme) {
        Connection& connection = session.connection;
        const std::span<const std::byte> bytes = connection.rx_buffer().read_span();
        std::size_t taken = 0;
        const auto outcome = session.parser.feed(bytes, taken);
        connection.rx_buffer().consume(taken);
        if (session.parser.in_request() && session.started < 0.0)
            session.started = tyme;
        if (session.parser.wants_continue()) {
            session.parser.continue_sent();
            session.out += "HTTP/1.1 100 Continue\r\n\r\n";
        }
        if (outcome == detail::RequestParser::Outcome::request) {
            session.started = -1.0;
            session.header_from = tyme;  // a pipelined request's header starts now
            session.parser.request().remote = connection.remote_endpoint();
            answer(session, session.parser.request(), tyme);
        } else if (outcome == detail::RequestParser::Outcome::failed) {
            refuse(session, session.parser.status(), session.parser.refusal());
        }
        // Outcome::more: the next piece of rx (a wrapped ring has two), or out of bytes.
    }

    // The timers of a request in progress or an answer streaming: 408 for a header or a request
    // that took too long, heartbeats for a silent stream. True when the connection is done.
    bool expire(Session& session, double tyme) {
        if (session.closing)
            return false;
        const bool in_request = session.parser.in_request();
        const bool header_late = in_request && !session.parser.header_complete() && options_.header_timeout > 0.0 &&
                                 tyme - session.header_from >= options_.header_timeout;
        const bool request_late = in_request && session.started >= 0.0 && options_.request_timeout > 0.0 &&
                                  tyme - session.started >= options_.request_timeout;
        if (header_late || request_late) {
            refuse(session, 408);
            flush(session);
            wind_up(session, tyme);
            return true;
        }
        beat(session, tyme);
        return false;
    }

    // Moves what the application streamed into the answer, framed, once the last piece has
    // left for tx and tx holds less than the stream's capacity; ends the answer when the stream
    // has ended.
    static void pump(Session& session, double tyme) {
        if (!session.stream || session.out_at < session.out.size())
            return;
        BodyStream& stream = *session.stream;
        if (session.connection.file_pending())
            return;  // the slice before is still going
        if (stream.has_file()) {  // after what tx holds (the head), by the kernel
            FileSlice slice = stream.take_file();
            if (!session.connection.send_file(slice.fd, slice.offset, slice.length, std::move(slice.keep)))
                session.closing = true;  // closed or shut down meanwhile: the body cannot be whole
            session.streamed_at = tyme;
        }
        // While tx still holds a stream's worth for a slow reader, leave the next piece in the
        // stream: the producer waits (back pressure) instead of every buffer on the way filling.
        if (stream.queued() != 0 && !session.tx_has_room_for_stream())
            return;
        if (stream.queued() != 0) {
            const std::string_view data = stream.pending();
            session.streamed_at = tyme;
            if (session.framing == Framing::chunked)
                detail::write_chunk(session.out, data);
            else
                session.out.append(data);
            stream.discard();
        }
        if (!stream.ended())
            return;
        if (stream.aborted()) {
            session.closing = true;  // cut short: the client must not take it as complete
        } else if (session.framing == Framing::chunked) {
            session.out += detail::last_chunk;
        } else if (session.framing == Framing::until_close ||
                   stream.written() != stream.options().content_length.value_or(0)) {
            session.closing = true;  // the close ends the body (or shows it short)
        }
        stream.close();
        session.stream.reset();
    }

    // Heartbeats for silent streams (SSE comments), so idle timeouts keep them open.
    static void beat(Session& session, double tyme) {
        if (!session.stream || session.framing == Framing::length)
            return;  // a counted body has no room for extra bytes
        const double interval = session.stream->heartbeat_interval();
        if (interval > 0.0 && tyme - session.streamed_at >= interval && session.out_at == session.out.size()) {
            session.streamed_at = tyme;
            session.stream->beat();
        }
    }

    // Moves waiting answer bytes into tx as room allows: the head, then the body from its own
    // storage (never copied whole into a per-connection buffer).
    static void flush(Session& session) {
        Connection& connection = session.connection;
        if (session.out_at < session.out.size()) {
            session.out_at += connection.send(std::string_view{session.out}.substr(session.out_at));
            if (session.out_at < session.out.size())
                return;
        }
        if (!session.out.empty()) {
            session.out.clear();
            session.out_at = 0;
        }
        const std::string_view body = session.whole_body();
        if (session.body_at < body.size()) {
            session.body_at += connection.send(body.substr(session.body_at));
            if (session.body_at < body.size())
                return;
        }
        if (!body.empty()) {
            std::string{}.swap(session.body);
            session.shared.reset();
            session.body_at = 0;
        }
    }

    // After a pass over the connection: a closing connection reads nothing more and ends once
    // its last answer has left; a connection whose answer has left and that holds no further
    // request forgets its session and waits for the next one; otherwise the connection is
    // served again by its next deadline.
    void wind_up(Session& session, double tyme) {
        Connection& connection = session.connection;
        if (session.closing) {
            connection.rx_buffer().clear();  // nothing after the last answer is served
            if (!session.busy())
                connection.shutdown_send();  // our FIN once tx drains; the peer's close ends it
            connection.serve_at(session.stream ? next_beat(session) : never);
            return;
        }
        if (!session.busy() && !session.parser.in_request() && connection.rx_buffer().empty()) {
            connection.proven(true);
            connection.reset_session();  // destroys `session`
            idle(connection, tyme);
            return;
        }
        double next = next_beat(session);
        if (session.parser.in_request()) {
            const StreamServer& tcp = server();
            if (!session.parser.header_complete() && options_.header_timeout > 0.0)
                next = std::min(next, tcp.coarsen(session.header_from + options_.header_timeout, options_.header_timeout));
            if (session.started >= 0.0 && options_.request_timeout > 0.0)
                next = std::min(next, tcp.coarsen(session.started + options_.request_timeout, options_.request_timeout));
        }
        connection.serve_at(next);
    }

    static double next_beat(const Session& session) noexcept {
        if (!session.stream || session.framing == Framing::length)
            return never;
        const double interval = session.stream->heartbeat_interval();
        return interval > 0.0 ? session.streamed_at + interval : never;
    }

    void answer(Session& session, Request& request, double tyme) {
        Response response;
        try {
            handler_(request, response);
        } catch (const Error& error) {  // an answer the handler chose: rendered, not hidden
            drop_stream(response);
            response = render_error(error, request);
        } catch (...) {
            // Nothing of the exception reaches the client: its message may hold internals.
            drop_stream(response);
            response = error_response(500);
            ++refused_;
        }
        ++requests_;
        const bool head = request.method == "HEAD";
        const bool http_1_0 = request.version_minor == 0;
        bool close = response.close || !request.keep_alive || session.parser.upgrade() || session.last ||
                     has_token(response.headers.value("Connection"), "close");
        std::shared_ptr<BodyStream> stream = std::move(response.body_stream);
        Framing framing = Framing::whole;
        if (stream && !status_forbids_body(response.status)) {
            if (stream->options().content_length)
                framing = Framing::length;
            else if (http_1_0)
                framing = Framing::until_close;  // HTTP/1.0 has no chunked coding
            else
                framing = Framing::chunked;
            close = close || framing == Framing::until_close;
        }
        const bool bodiless = status_forbids_body(response.status) || head;
        const std::size_t whole = response.shared_body ? response.shared_body->size() : response.body.size();
        const std::uint64_t length = framing == Framing::length ? *stream->options().content_length : whole;
        write_head(session, response, framing, length, close, http_1_0 && request.keep_alive);
        if (framing == Framing::whole && !bodiless) {
            if (response.shared_body)
                session.shared = std::move(response.shared_body);
            else
                session.body = std::move(response.body);
            session.body_at = 0;
        }
        if (stream) {
            if (head || framing == Framing::whole) {
                stream->close();  // no body will be sent: the application should stop
            } else {
                session.stream = std::move(stream);
                session.framing = framing;
                session.streamed_at = tyme;
                session.stream->bind(&session);
                // A counted body over plain TCP may come as file slices the kernel sends.
                session.stream->accept_files(framing == Framing::length && session.connection.can_send_files());
            }
        }
        if (close)
            session.closing = true;
    }

    // A handler that threw after starting a stream: the stream will never be sent, so it
    // reports closed() to whoever holds it.
    static void drop_stream(Response& response) noexcept {
        if (response.body_stream)
            response.body_stream->close();
    }

    // Answers a request the parser refused with `status` and closes; `error`: a BodySink's
    // http::Error, rendered as a handler's would be.
    void refuse(Session& session, int status, const Error* error = nullptr) {
        ++requests_;
        ++refused_;
        Response response = error != nullptr ? render_error(*error, session.parser.request()) : error_response(status);
        response.close = true;
        write_head(session, response, Framing::whole, response.body.size(), true, false);
        session.body = std::move(response.body);
        session.body_at = 0;
        session.closing = true;
    }

    static Response error_response(int status) {
        Response response;
        response.status = status;
        response.headers.set("Content-Type", "text/plain; charset=utf-8");
        response.body = std::string{reason_phrase(status)} + "\n";
        response.close = true;
        return response;
    }

    // The response's head: status line, the handler's fields, Date, Server, framing, and
    // Connection / Keep-Alive.
    void write_head(Session& session, const Response& response, Framing framing, std::uint64_t length, bool close,
                    bool keep_alive_1_0) {
        std::optional<long> keep_alive;
        if (!close && options_.keep_alive_timeout > 0.0)
            keep_alive = static_cast<long>(std::floor(options_.keep_alive_timeout));
        detail::write_response_head(session.out, response.status, response.headers,
                                    {.framing = framing,
                                     .content_length = length,
                                     .close = close,
                                     .keep_alive_1_0 = keep_alive_1_0,
                                     .date = date(),
                                     .server = options_.server_header,
                                     .keep_alive_timeout = keep_alive});
    }

    // The Date field, formatted once per second of the Doist's wall clock (in virtual time an
    // epoch plus tyme, so a run replays byte for byte: Tymist::wall_time).
    const std::string& date() {
        const double wall = tymist() != nullptr ? tymist()->wall_time() : static_cast<double>(std::time(nullptr));
        const auto second = static_cast<std::time_t>(std::floor(wall));
        if (second != date_second_ || date_.empty()) {
            date_second_ = second;
            date_ = http_date(second);
        }
        return date_;
    }

    Handler handler_;
    ServerOptions options_;
    std::string date_;
    std::time_t date_second_ = 0;
    std::uint64_t requests_ = 0;
    std::uint64_t refused_ = 0;
};

}  // namespace hio::http
