#pragma once
/// \file
/// TCP server: Server (listener plus one Connection per peer), ServerDoer, EchoServerDoer
/// (hio: core.tcp.serving Server, Remoter, ServerDoer, EchoServerDoer).

#include <sys/socket.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include <hio/io/connection.hpp>
#include <hio/detail/validate.hpp>
#include <hio/doer.hpp>
#include <hio/error.hpp>
#include <hio/io/ring_buffer.hpp>
#include <hio/io/transport.hpp>

namespace hio::tcp {

/// Settings of a Server.
struct ServerOptions {
    /// Address to listen on: "127.0.0.1", "::1", "0.0.0.0", "::", or a host name.
    std::string host = "127.0.0.1";
    /// Port; 0 picks a free one (read it back with Server::port()).
    std::uint16_t port = 0;
    /// Pending-connection queue; hio used 5 and stalled near 50 concurrent clients.
    int backlog = SOMAXCONN;
    /// Open connections allowed; a peer beyond it is accepted and closed at once (counted in
    /// Server::refused()).
    std::size_t max_connections = 1024;
    /// Tyme a connection may stay without moving a byte before it is closed; 0: never.
    double idle_timeout = 0.0;
    /// Tyme a connection may take to become established (the TLS handshake) before it is
    /// closed; 0: never. A peer that stalls a handshake cannot hold a connection forever.
    double handshake_timeout = 10.0;
    /// Capacity of each connection's rx and tx buffers. Storage is borrowed from a pool only
    /// while bytes are held, so idle connections cost no buffer memory.
    std::size_t buffer_size = RingBuffer::default_capacity;
    /// Peers accepted per service() at most, so a connection storm cannot starve the others.
    std::size_t accepts_per_service = 64;
};

/// A listening TCP endpoint and its open connections (hio: Server with its Remoters).
///
/// `service(tyme)` accepts waiting peers and moves bytes for the connections the reactor
/// reported ready, and only those: its cost follows what is ready, not what is open.
/// `ready()` then lists the connections that had activity, in id order, for the
/// application; `finish(tyme)` sends what the application queued, closes idle and finished
/// connections and forgets closed ones. ServerDoer runs these steps once per recur.
class Server final : private TransportEvents, private ConnectionObserver {
public:
    /// A server on `network` (not owned; must outlive it). Call open() to listen.
    /// Throws ValidationError for bad options.
    Server(hio::Network& network, ServerOptions options)
        : network_{network}, options_{checked(std::move(options))}, buffers_{options_.buffer_size} {}

    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;
    ~Server() { close(); }

    /// Binds and listens. Throws hio::Error naming the address and cause (in use, ...).
    void open() {
        if (listener_)
            return;
        listener_ = network_.listen(options_.host, options_.port, options_.backlog);
        listener_->watch(this);
        accept_ready_ = true;  // peers may already be queued
    }

    /// Stops listening and closes every connection. Idempotent.
    void close() noexcept {
        if (listener_) {
            listener_->close();
            listener_.reset();
        }
        for (auto& [id, connection] : connections_)
            connection->close();
        connections_.clear();
        active_.clear();
        reported_.clear();
        servicing_ = false;  // also after an exception left serve()
    }

    /// True between open() and close().
    [[nodiscard]] bool opened() const noexcept { return listener_ != nullptr; }

    /// The bound port (the real one when 0 was asked for); 0 before open().
    [[nodiscard]] std::uint16_t port() const { return listener_ ? listener_->port() : std::uint16_t{0}; }

    /// "host:port" bound, e.g. "127.0.0.1:40123" or "[::1]:40123".
    [[nodiscard]] std::string local_endpoint() const { return listener_ ? listener_->local_endpoint() : std::string{}; }

    /// The options it was made with.
    [[nodiscard]] const ServerOptions& options() const noexcept { return options_; }

    /// The doer that runs this server, woken when a socket becomes ready (ServerDoer sets
    /// itself); nullptr: none.
    void owner(Doer* doer) noexcept { doer_ = doer; }
    /// The doer woken on readiness, or nullptr.
    [[nodiscard]] Doer* owner() const noexcept { return doer_; }

    /// The network this server listens on.
    [[nodiscard]] hio::Network& network() const noexcept { return network_; }

    /// Accepts what waits and moves bytes for the ready connections; fills ready().
    void service(double tyme) {
        if (!listener_)
            return;
        servicing_ = true;
        if (accept_ready_)
            accept_waiting(tyme);
        std::sort(active_.begin(), active_.end());
        active_.erase(std::unique(active_.begin(), active_.end()), active_.end());
        current_.clear();
        for (const std::uint64_t id : active_) {
            const auto found = connections_.find(id);
            if (found == connections_.end())
                continue;
            Connection& connection = *found->second;
            if (connection.service())
                connection.last_activity(tyme);
            current_.push_back(&connection);
        }
        active_.clear();
    }

    /// The connections that had activity in the last service(), in id order.
    [[nodiscard]] const std::vector<Connection*>& ready() const noexcept { return current_; }

    /// Sends what the application queued on the active connections, closes finished and idle
    /// ones, and forgets closed ones (after `on_close`, if set, saw them).
    void finish(double tyme) {
        for (Connection* connection : current_) {
            const std::uint64_t received = connection->bytes_received();
            const bool was_peer_closed = connection->peer_closed();
            if (connection->service())
                connection->last_activity(tyme);
            const ConnectionSession* state = connection->any_session();
            const bool app_pending = state != nullptr && state->pending_output();
            // Peer done and nothing left to say: close our side too.
            if (connection->peer_closed() && connection->rx_buffer().empty() && connection->tx_buffer().empty() &&
                !app_pending)
                connection->close();
            // Bytes read just now, an EOF read just now, rx room with more to read, more to
            // send, or application output that now fits: the application must see this
            // connection again in the next pass. (An EOF it has seen is not a reason: a peer
            // that half-closed while the application waits would spin the server.)
            if (!connection->closed() &&
                (connection->bytes_received() != received || (connection->peer_closed() && !was_peer_closed) ||
                 connection->wants_service() || (app_pending && !connection->tx_buffer().full())))
                queue_for_service(connection->id());
        }
        // What was reported during this pass for connections served in it is settled by the
        // check above (their own sends, say, were flushed just now: no pass is owed for them);
        // what was reported for the others is served next pass.
        for (const std::uint64_t id : reported_) {
            const bool served = std::binary_search(current_.begin(), current_.end(), id,
                                                   [](const auto& a, const auto& b) { return id_of(a) < id_of(b); });
            if (!served)
                queue_for_service(id);
        }
        reported_.clear();
        if (timeouts_apply() && tyme >= next_idle_check_) {
            next_idle_check_ = tyme + check_interval();
            for (auto& [id, connection] : connections_) {
                if (connection->closed())
                    continue;
                if (options_.idle_timeout > 0.0 && tyme - connection->last_activity() >= options_.idle_timeout) {
                    connection->close();
                    ++idle_closed_;
                    closing_.push_back(id);
                } else if (options_.handshake_timeout > 0.0 && !connection->established() &&
                           tyme - connection->opened_at() >= options_.handshake_timeout) {
                    connection->close();
                    ++handshake_timeouts_;
                    closing_.push_back(id);
                }
            }
        }
        for (Connection* connection : current_)
            if (connection->closed())
                closing_.push_back(connection->id());
        current_.clear();
        for (const std::uint64_t id : closing_) {
            const auto found = connections_.find(id);
            if (found == connections_.end())
                continue;
            if (on_close_)
                on_close_(*found->second);
            connections_.erase(found);
        }
        closing_.clear();
        servicing_ = false;
        if (!active_.empty() && doer_ != nullptr)
            doer_->wake();  // connections marked during this pass: one more pass, at once
    }

    /// Called with each new connection.
    void on_open(std::function<void(Connection&)> callback) { on_open_ = std::move(callback); }
    /// Called with each connection about to be forgotten (closed by either side).
    void on_close(std::function<void(Connection&)> callback) { on_close_ = std::move(callback); }

    /// Open connections.
    [[nodiscard]] std::size_t connection_count() const noexcept { return connections_.size(); }

    /// Calls `fn(connection)` for every open connection, in id order. `fn` may send and close
    /// but must not open() or close() the server.
    template <class Fn>
    void visit(Fn&& fn) {
        for (auto& [id, connection] : connections_)
            if (!connection->closed())
                fn(*connection);
    }

    /// The connection with `id`, or nullptr.
    [[nodiscard]] Connection* connection(std::uint64_t id) const {
        const auto found = connections_.find(id);
        return found == connections_.end() ? nullptr : found->second.get();
    }

    /// Peers turned away because max_connections were open.
    [[nodiscard]] std::uint64_t refused() const noexcept { return refused_; }
    /// Connections closed by the idle timeout.
    [[nodiscard]] std::uint64_t idle_closed() const noexcept { return idle_closed_; }
    /// Connections closed because they were not established in time (TLS handshake).
    [[nodiscard]] std::uint64_t handshake_timeouts() const noexcept { return handshake_timeouts_; }
    /// Connections accepted in all.
    [[nodiscard]] std::uint64_t accepted() const noexcept { return accepted_; }
    /// The last accept failure (out of file descriptors, ...); empty if none.
    [[nodiscard]] std::error_code last_accept_error() const noexcept { return accept_error_; }

private:
    static ServerOptions checked(ServerOptions options) {
        if (options.backlog < 1)
            throw ValidationError{"tcp::Server: backlog must be >= 1, got " + std::to_string(options.backlog)};
        if (options.max_connections == 0)
            throw ValidationError{"tcp::Server: max_connections must be >= 1, got 0"};
        if (options.buffer_size == 0)
            throw ValidationError{"tcp::Server: buffer_size must be >= 1, got 0"};
        if (options.accepts_per_service == 0)
            throw ValidationError{"tcp::Server: accepts_per_service must be >= 1, got 0"};
        hio::detail::require_non_negative("tcp::Server", "idle_timeout", options.idle_timeout);
        hio::detail::require_non_negative("tcp::Server", "handshake_timeout", options.handshake_timeout);
        return options;
    }

    [[nodiscard]] bool timeouts_apply() const noexcept {
        return options_.idle_timeout > 0.0 || options_.handshake_timeout > 0.0;
    }

    // Timeouts are checked by a scan every eighth of the shortest one: the cost is one pass
    // over the connections now and then, not a timer per connection.
    [[nodiscard]] double check_interval() const noexcept {
        double shortest = options_.idle_timeout > 0.0 ? options_.idle_timeout : options_.handshake_timeout;
        if (options_.handshake_timeout > 0.0 && options_.handshake_timeout < shortest)
            shortest = options_.handshake_timeout;
        return shortest / 8.0;
    }

    void accept_waiting(double tyme) {
        for (std::size_t n = 0; n < options_.accepts_per_service; ++n) {
            std::error_code error;
            std::unique_ptr<Transport> transport = listener_->accept(error);
            if (error) {
                accept_error_ = error;  // e.g. EMFILE: retry next pass, keep serving the others
                return;
            }
            if (!transport) {
                accept_ready_ = false;
                listener_->arm_accept();
                return;
            }
            if (connections_.size() >= options_.max_connections) {
                transport->close();
                ++refused_;
                continue;
            }
            ++accepted_;
            const std::uint64_t id = ++last_id_;
            auto connection = std::make_unique<Connection>(std::move(transport), RingBuffer{buffers_},
                                                           RingBuffer{buffers_},
                                                           static_cast<ConnectionObserver*>(this));
            connection->id(id);
            connection->last_activity(tyme);
            connection->opened_at(tyme);
            Connection& added = *connections_.emplace(id, std::move(connection)).first->second;
            active_.push_back(id);  // read what may already have arrived
            if (on_open_)
                on_open_(added);
        }
    }

    static std::uint64_t id_of(const Connection* connection) noexcept { return connection->id(); }
    static std::uint64_t id_of(std::uint64_t id) noexcept { return id; }

    void queue_for_service(std::uint64_t id) noexcept {
        try {
            active_.push_back(id);
        } catch (...) {  // out of memory: it is served when it is next ready
        }
    }

    void mark_active(Connection& connection) noexcept {
        // Inside service()..finish() the doer is running: finish() sorts the reports out and
        // wakes it once if needed.
        if (servicing_) {
            try {
                reported_.push_back(connection.id());
            } catch (...) {
                queue_for_service(connection.id());
            }
            return;
        }
        queue_for_service(connection.id());
        if (doer_ != nullptr)
            doer_->wake();
    }

    void on_activity(Connection& connection) noexcept override { mark_active(connection); }

    void on_readable() noexcept override {  // the listener: peers are waiting
        accept_ready_ = true;
        if (doer_ != nullptr)
            doer_->wake();
    }
    void on_writable() noexcept override {}

    hio::Network& network_;
    ServerOptions options_;
    BufferPool buffers_;  // rx and tx of every connection: one pool, so an echo can trade blocks
    std::unique_ptr<Listener> listener_;
    std::map<std::uint64_t, std::unique_ptr<Connection>> connections_;
    std::vector<std::uint64_t> active_;    // ids reported ready since the last service()
    std::vector<Connection*> current_;     // active in this pass, for the application (by id)
    std::vector<std::uint64_t> reported_;  // ids reported while this pass serviced
    std::vector<std::uint64_t> closing_;
    std::function<void(Connection&)> on_open_;
    std::function<void(Connection&)> on_close_;
    Doer* doer_ = nullptr;
    std::error_code accept_error_;
    std::uint64_t last_id_ = 0;
    std::uint64_t refused_ = 0;
    std::uint64_t idle_closed_ = 0;
    std::uint64_t handshake_timeouts_ = 0;
    std::uint64_t accepted_ = 0;
    double next_idle_check_ = 0.0;
    bool accept_ready_ = false;
    bool servicing_ = false;
};

/// A doer that runs a Server: opens it on enter, services it every recur, closes it on exit
/// (hio: ServerDoer). Subclasses override `serve()` to act on active connections.
class ServerDoer : public Doer {
public:
    /// Runs `server` (not owned; must outlive the doer) with period `tock` (0: every pass).
    explicit ServerDoer(Server& server, double tock = 0.0) : Doer{tock}, server_{server} {}

    /// The server it runs.
    [[nodiscard]] Server& server() noexcept { return server_; }

protected:
    void enter() override {
        hio::detail::require_waiter(tymist(), server_.network(), "tcp::ServerDoer");
        server_.owner(this);
        server_.open();
    }

    bool recur(double tyme) override {
        server_.service(tyme);
        for (Connection* connection : server_.ready())
            serve(*connection, tyme);
        server_.finish(tyme);
        return false;
    }

    void exit() noexcept override {
        server_.close();
        server_.owner(nullptr);
    }

    /// Called for each connection with activity this pass: read its rx, write its tx.
    virtual void serve(Connection& connection, double tyme) {
        static_cast<void>(connection);
        static_cast<void>(tyme);
    }

private:
    Server& server_;
};

/// Sends every byte back to its sender, in order (hio: EchoServerDoer). When a peer's tx
/// buffer is full its rx is left to fill, and then its socket is not read until there is
/// room: a peer that does not read its echoes slows only itself.
class EchoServerDoer : public ServerDoer {
public:
    using ServerDoer::ServerDoer;

protected:
    void serve(Connection& connection, double) override {
        connection.tx_buffer().transfer_from(connection.rx_buffer());
    }
};

}  // namespace hio::tcp
