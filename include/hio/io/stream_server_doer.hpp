#pragma once
/// \file
/// StreamServerDoer, the doer that runs a StreamServer, and EchoServerDoer (hio:
/// core.tcp.serving ServerDoer, EchoServerDoer).

#include <hio/detail/validate.hpp>
#include <hio/doer.hpp>
#include <hio/io/connection.hpp>
#include <hio/io/stream_server.hpp>
#include <hio/io/transport.hpp>

namespace hio {

/// A doer that runs a StreamServer: opens it on enter, services it when a socket is ready or
/// a timeout is due, closes it on exit (hio: ServerDoer). Subclasses override `serve()` to act
/// on ready connections.
///
/// Between events it idles (Doer::idle_until) until the server's next deadline, so a Doist of
/// servers sleeps while nothing happens. A subclass that overrides recur and needs to run on
/// a schedule of its own asks for it after calling this recur (idle_until an earlier tyme, or
/// stay_awake()).
///
/// On a graceful shutdown (Doer::wind_down) it stops listening at once, lets drain() finish
/// what is in progress, closes the connections that are quiet() as they become so, and
/// finishes when none is left (the Doist's grace period bounds the wait).
class StreamServerDoer : public Doer {
public:
    /// Runs `server` (not owned; must outlive the doer) with period `tock` (0: every pass).
    explicit StreamServerDoer(StreamServer& server, double tock = 0.0) : Doer{tock}, server_{server} {}

    /// The server it runs.
    [[nodiscard]] StreamServer& server() noexcept { return server_; }
    /// The server it runs, read-only.
    [[nodiscard]] const StreamServer& server() const noexcept { return server_; }

    /// True once a graceful shutdown began (until the next enter).
    [[nodiscard]] bool draining() const noexcept { return draining_; }

    /// Starts a graceful shutdown: no new connections, drain() on each open one, and quiet ones
    /// closed now. True (keep running) while connections remain.
    bool wind_down(double tyme) override {
        server_.stop_listening();
        draining_ = true;
        server_.visit([&](Connection& connection) { drain(connection, tyme); });
        close_quiet();
        return server_.connection_count() != 0;
    }

protected:
    void enter() override {
        hio::detail::require_waiter(tymist(), server_.network(), "StreamServerDoer");
        draining_ = false;
        server_.owner(this);
        server_.open();
    }

    bool recur(double tyme) override {
        server_.service(tyme, [this, tyme](Connection& connection) { serve(connection, tyme); });
        server_.finish(tyme);
        if (draining_) {
            close_quiet();
            if (server_.connection_count() == 0)
                return true;
        }
        idle_until(server_.next_deadline());
        return false;
    }

    void exit() noexcept override {
        server_.close();
        server_.owner(Waker{});
    }

    /// Called for each connection with activity this pass (or whose serve_at() came, or that
    /// another doer asked to serve again): read its rx, write its tx.
    virtual void serve(Connection& connection, double tyme) {
        static_cast<void>(connection);
        static_cast<void>(tyme);
    }

    /// Called for each open connection when a graceful shutdown begins: finish what is in
    /// progress (HTTP: the answer in flight, with Connection: close). The default does nothing.
    virtual void drain(Connection& connection, double tyme) {
        static_cast<void>(connection);
        static_cast<void>(tyme);
    }

    /// True when the connection may be closed now in a graceful shutdown: by default, when
    /// nothing waits in rx or tx (or a file being sent) and the application holds no output.
    [[nodiscard]] virtual bool quiet(const Connection& connection) const {
        const ConnectionSession* session = connection.any_session();
        return connection.rx_buffer().empty() && !connection.sending() &&
               (session == nullptr || !session->pending_output());
    }

private:
    void close_quiet() {
        server_.close_if([this](const Connection& connection) { return connection.closed() || quiet(connection); });
    }

    StreamServer& server_;
    bool draining_ = false;
};

/// Sends every byte back to its sender, in order (hio: EchoServerDoer). When a peer's tx
/// buffer is full its rx is left to fill, and then its socket is not read until there is
/// room: a peer that does not read its echoes slows only itself. A peer that got an echo is
/// proven: a full server makes room by closing silent peers first.
class EchoServerDoer : public StreamServerDoer {
public:
    using StreamServerDoer::StreamServerDoer;

protected:
    void serve(Connection& connection, double) override {
        if (connection.tx_buffer().transfer_from(connection.rx_buffer()) != 0)
            connection.proven(true);
    }
};

}  // namespace hio
