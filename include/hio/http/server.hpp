#pragma once
/// \file
/// HTTP/1.1 server as a doer (hio: core/http/serving.py Server, which hosts WSGI apps).
///
/// `http::ServerDoer` serves a `tcp::Server` (over plain TCP or TLS) with a handler: a function
/// from Request to Response, called in the pass where the request completes. Requests are
/// parsed by llhttp, one at a time per connection, so pipelined requests are answered in
/// order; keep-alive, `Connection: close`, HTTP/1.0, chunked request bodies,
/// `Expect: 100-continue` and HEAD follow RFC 9112. Limits answer with the right status: a
/// header block too large 431 (a target 414), a body too large 413, a malformed request 400, an
/// unknown method 501, a request not complete within `request_timeout` 408; each of these
/// closes the connection. Idle keep-alive connections close after the TCP server's
/// `idle_timeout`, and `max_connections` is the TCP server's.
///
/// A handler that needs time answers with `response.stream()` (a BodyStream that any doer
/// writes over later passes; chunked, fixed-length, or until the close for HTTP/1.0) or an
/// EventStream (server-sent events, with heartbeats). The next pipelined request waits until
/// the stream has ended.
///
/// ```
/// hio::tcp::Server tcp{network, {.port = 8080, .idle_timeout = 15.0}};
/// hio::http::ServerDoer http{tcp, [](const hio::http::Request& request, hio::http::Response& response) {
///     response.headers.set("Content-Type", "text/plain");
///     response.body = "hello " + request.path + "\n";
/// }};
/// ```

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <exception>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <utility>

#include <hio/io/connection.hpp>
#include <hio/http/detail/parser.hpp>
#include <hio/http/detail/wire.hpp>
#include <hio/detail/validate.hpp>
#include <hio/error.hpp>
#include <hio/http/message.hpp>
#include <hio/http/stream.hpp>
#include <hio/tcp/server.hpp>

namespace hio::http {

/// Answers one request by filling `response` (hio: a WSGI app). An exception becomes a 500
/// for that request; other requests and connections go on.
using Handler = std::function<void(const Request& request, Response& response)>;

/// HTTP limits; the connection limits (max_connections, idle_timeout for keep-alive, buffer
/// sizes) are the tcp::ServerOptions of the server served.
struct ServerOptions {
    /// Request line and header fields together; past it: 431 (414 for the target alone).
    std::size_t max_header_bytes = 16 * 1024;
    /// Request body, de-chunked; past it: 413.
    std::size_t max_body_bytes = 1024 * 1024;
    /// Tyme a request may take from its first byte to its last; past it: 408. 0: no limit.
    double request_timeout = 30.0;
    /// The Server header; empty: none.
    std::string server_header = "hio-cpp";
};

/// Serves HTTP/1.1 on every connection of a tcp::Server (hio: http Server with its app).
class ServerDoer : public tcp::ServerDoer {
public:
    /// Serves `server` (not owned; must outlive this) with `handler`. Throws ValidationError
    /// for a missing handler, a zero limit or a negative timeout.
    ServerDoer(tcp::Server& server, Handler handler, ServerOptions options = {}, double tock = 0.0)
        : tcp::ServerDoer{server, tock}, handler_{std::move(handler)}, options_{checked(std::move(options))} {
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
    bool recur(double tyme) override {
        const bool done = tcp::ServerDoer::recur(tyme);
        // A request that stalls sends nothing, and a silent stream moves nothing, so neither
        // connection is ever active: look now and then.
        if (tyme >= next_check_) {
            double period = std::min(min_heartbeat_ / 2.0, 1.0);
            if (options_.request_timeout > 0.0)
                period = std::min(period, options_.request_timeout / 4.0);
            next_check_ = tyme + period;
            server().visit([&](Connection& connection) {
                if (auto* session = connection.session<Session>()) {
                    expire(*session, connection, tyme);
                    beat(*session, tyme);
                }
            });
        }
        return done;
    }

    void serve(Connection& connection, double tyme) override {
        Session& session = session_of(connection);
        // One request at a time: parse the next only when the last answer (streamed or not)
        // has left for tx, so a client that pipelines without reading cannot make us buffer
        // without bound.
        for (;;) {
            pump(session, tyme);
            flush(session, connection);
            if (session.closing || !session.out.empty() || session.stream || connection.rx_buffer().empty())
                break;
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
                session.parser.request().remote = connection.remote_endpoint();
                answer(session, session.parser.request(), tyme);
            } else if (outcome == detail::RequestParser::Outcome::failed) {
                refuse(session, session.parser.status());
            }
            // Outcome::more: the next piece of rx (a wrapped ring has two), or out of bytes.
        }
        expire(session, connection, tyme);
        wind_up(session, connection);
    }

private:
    using Framing = detail::Framing;

    // The per-connection state: a parser and the answers waiting for room in tx. It is the
    // waker of the stream it sends, so a stream written by another doer gets its connection
    // served again.
    struct Session final : ConnectionSession, StreamWaker {
        Session(const ServerOptions& options, Connection& served)
            : parser{{.max_header_bytes = options.max_header_bytes, .max_body_bytes = options.max_body_bytes}},
              connection{served} {}
        detail::RequestParser parser;
        Connection& connection;
        std::string out;
        std::size_t out_at = 0;
        double started = -1.0;  // tyme the request in progress began
        bool closing = false;
        std::shared_ptr<BodyStream> stream;  // the streamed answer in progress, if any
        Framing framing = Framing::whole;
        double streamed_at = 0.0;  // tyme stream bytes last left (for heartbeats)

        Session(const Session&) = delete;
        Session& operator=(const Session&) = delete;
        ~Session() override {
            if (stream)
                stream->close();  // the connection is gone: tell the application
        }
        [[nodiscard]] bool pending_output() const noexcept override {
            // An ended stream is output too: its end (the last chunk) is still to be written.
            return out_at < out.size() || (stream && (stream->queued() != 0 || stream->ended()));
        }
        void on_stream_ready() noexcept override { connection.request_service(); }
    };

    // Moves what the application streamed into the answer, framed, once the last piece has
    // left for tx; ends the answer when the stream has ended.
    static void pump(Session& session, double tyme) {
        if (!session.stream || !session.out.empty())
            return;
        BodyStream& stream = *session.stream;
        if (stream.queued() != 0) {
            const std::string_view data = stream.pending();
            session.streamed_at = tyme;
            if (session.framing == Framing::chunked) {
                detail::write_chunk(session.out, data);
            } else {
                session.out.append(data);
            }
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
        if (interval > 0.0 && tyme - session.streamed_at >= interval && session.out.empty()) {
            session.streamed_at = tyme;
            session.stream->beat();
        }
    }

    // 408 for a request that began request_timeout ago and is not complete.
    void expire(Session& session, Connection& connection, double tyme) {
        if (session.closing || options_.request_timeout <= 0.0 || session.started < 0.0 ||
            tyme - session.started < options_.request_timeout)
            return;
        refuse(session, 408);
        flush(session, connection);
        wind_up(session, connection);
    }

    // A closing connection reads nothing more, and ends once its last answer has left.
    static void wind_up(Session& session, Connection& connection) {
        if (!session.closing)
            return;
        connection.rx_buffer().clear();  // nothing after the last answer is served
        if (session.out.empty() && !session.stream)
            connection.shutdown_send();  // our FIN once tx drains; the peer's close ends it
    }

    static ServerOptions checked(ServerOptions options) {
        if (options.max_header_bytes == 0)
            throw ValidationError{"http::ServerOptions: max_header_bytes must be >= 1, got 0"};
        hio::detail::require_non_negative("http::ServerOptions", "request_timeout", options.request_timeout);
        return options;
    }

    Session& session_of(Connection& connection) {
        if (auto* session = connection.session<Session>())
            return *session;
        return connection.emplace_session<Session>(options_, connection);
    }

    // Moves waiting answer bytes into tx as room allows.
    static void flush(Session& session, Connection& connection) {
        if (session.out_at < session.out.size()) {
            const std::string_view rest = std::string_view{session.out}.substr(session.out_at);
            session.out_at += connection.send(rest);
        }
        if (session.out_at == session.out.size()) {
            session.out.clear();
            session.out_at = 0;
        }
    }

    void answer(Session& session, Request& request, double tyme) {
        Response response;
        try {
            handler_(request, response);
        } catch (const std::exception& error) {
            drop_stream(response);
            response = error_response(500, std::string{"internal server error: "} + error.what());
            ++refused_;
        } catch (...) {
            drop_stream(response);
            response = error_response(500, "internal server error");
            ++refused_;
        }
        ++requests_;
        const bool head = request.method == "HEAD";
        const bool http_1_0 = request.version_minor == 0;
        bool close = response.close || !request.keep_alive || session.parser.upgrade() ||
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
        const std::uint64_t length = framing == Framing::length ? *stream->options().content_length : response.body.size();
        write(session, response, framing, length, head, close, http_1_0 && request.keep_alive);
        if (stream) {
            if (head || framing == Framing::whole) {
                stream->close();  // no body will be sent: the application should stop
            } else {
                session.stream = std::move(stream);
                session.framing = framing;
                session.streamed_at = tyme;
                session.stream->bind(&session);
                if (const double interval = session.stream->heartbeat_interval(); interval > 0.0) {
                    min_heartbeat_ = std::min(min_heartbeat_, interval);
                    next_check_ = std::min(next_check_, tyme + interval / 2.0);
                }
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

    void refuse(Session& session, int status) {
        ++requests_;
        ++refused_;
        write(session, error_response(status, std::string{reason_phrase(status)}), Framing::whole, 0, false,
              true, false);
        session.closing = true;
    }

    static Response error_response(int status, const std::string& text) {
        Response response;
        response.status = status;
        response.headers.set("Content-Type", "text/plain; charset=utf-8");
        response.body = text + "\n";
        response.close = true;
        return response;
    }

    // Serializes `response`: the head (see detail::write_response_head), then the body unless
    // HEAD, the status forbids one, or it is streamed.
    void write(Session& session, const Response& response, Framing framing, std::uint64_t length, bool head,
               bool close, bool keep_alive_1_0) {
        detail::write_response_head(session.out, response.status, response.headers,
                                    {.framing = framing,
                                     .content_length = framing == Framing::whole ? response.body.size() : length,
                                     .close = close,
                                     .keep_alive_1_0 = keep_alive_1_0,
                                     .date = date(),
                                     .server = options_.server_header});
        if (!status_forbids_body(response.status) && !head && framing == Framing::whole)
            session.out += response.body;
    }

    // The Date field, formatted once per second.
    const std::string& date() {
        const std::time_t now = std::time(nullptr);
        if (now != date_second_) {
            date_second_ = now;
            date_ = http_date(now);
        }
        return date_;
    }

    Handler handler_;
    ServerOptions options_;
    std::string date_;
    std::time_t date_second_ = 0;
    double next_check_ = 0.0;
    double min_heartbeat_ = 2.0;  // the shortest heartbeat interval seen (bounds the check period)
    std::uint64_t requests_ = 0;
    std::uint64_t refused_ = 0;
};

}  // namespace hio::http
