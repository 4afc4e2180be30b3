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
#include <limits>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include <hio/detail/validate.hpp>
#include <hio/doer.hpp>
#include <hio/error.hpp>
#include <hio/io/connection.hpp>
#include <hio/io/ring_buffer.hpp>
#include <hio/io/transport.hpp>

namespace hio::tcp {

/// Settings of a Server. The defaults are safe for a server on the internet: no connection is
/// held forever by a silent peer, and a full server makes room for newcomers.
struct ServerOptions {
    /// Address to listen on: "127.0.0.1", "::1", "0.0.0.0", "::", or a host name.
    std::string host = "127.0.0.1";
    /// Port; 0 picks a free one (read it back with Server::port()).
    std::uint16_t port = 0;
    /// Pending-connection queue; hio used 5 and stalled near 50 concurrent clients.
    int backlog = SOMAXCONN;
    /// Open connections allowed. A peer beyond it makes the server close its longest-idle
    /// connection that is not proven (Connection::proven(): it never completed a request), or,
    /// when all are proven, is accepted and closed at once (counted in Server::refused()).
    std::size_t max_connections = 1024;
    /// Tyme a connection may stay without moving a byte before it is closed; 0: never.
    double idle_timeout = 300.0;
    /// Tyme a connection may take to become established (the TLS handshake) before it is
    /// closed; 0: never. A peer that stalls a handshake cannot hold a connection forever.
    double handshake_timeout = 10.0;
    /// Timeouts are rounded up to a grid of min(timer_slack, timeout / 16) tyme (see
    /// Server::coarsen()), so that a server whose many connections time out at scattered tymes
    /// wakes for them at most once per `timer_slack`; a timeout fires at most that much late
    /// (a 300 s idle timeout within 1 s, a 0.5 s one within 1/32 s). 0: exact tymes.
    double timer_slack = 1.0;
    /// Capacity of each connection's rx and tx buffers. Storage is borrowed from a pool only
    /// while bytes are held, so idle connections cost no buffer memory.
    std::size_t buffer_size = RingBuffer::default_capacity;
    /// Peers accepted per service() at most, so a connection storm cannot starve the others.
    std::size_t accepts_per_service = 64;
    /// The kernel send buffer of each accepted connection (SO_SNDBUF), in bytes; 0: the
    /// kernel's, which grows to megabytes per connection (net.ipv4.tcp_wmem): 1000 slow
    /// readers can then take all of the kernel's TCP memory (tcp_mem), for every program on
    /// the machine. nginx: `listen ... sndbuf=`.
    std::size_t send_buffer = 0;
};

/// A listening TCP endpoint and its open connections (hio: Server with its Remoters).
///
/// `service(tyme)` accepts waiting peers, fires the timeouts that are due, and moves bytes for
/// the connections the reactor reported ready, and only those: its cost follows what is ready
/// and what is due, not what is open. `ready()` then lists the connections that had activity
/// (or whose Connection::serve_at() tyme came), in id order, for the application;
/// `finish(tyme)` sends what the application queued, and forgets closed connections.
/// `next_deadline()` says when the server must be serviced again if nothing happens, so the
/// doer that runs it can idle until then (Doer::idle_until). ServerDoer runs these steps.
///
/// Timeouts live in a heap keyed on each connection's next deadline (idle, handshake, or the
/// application's serve_at()); activity only moves a connection's deadline later, and a heap
/// entry that finds its deadline moved requeues itself, so a busy connection costs no heap
/// work per message and an idle server no scan over its connections.
class Server final : private TransportEvents, private ConnectionObserver {
public:
    /// A server on `network` (not owned; must outlive it). Call open() to listen.
    /// Throws ValidationError for bad options.
    Server(hio::Network& network, ServerOptions options)
        : network_{network}, options_{checked(std::move(options))}, buffers_{options_.buffer_size} {}

    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;
    ~Server() { close(); }

    /// Binds and listens. Throws hio::SystemError naming the address and cause (address in
    /// use, permission), or ValidationError for a bad backlog.
    void open() {
        if (listener_)
            return;
        listener_ = network_.listen(options_.host, options_.port, options_.backlog);
        listener_->watch(this);
        accept_ready_ = true;  // peers may already be queued
        bound_port_ = listener_->port();
        bound_endpoint_ = listener_->local_endpoint();
    }

    /// Stops listening (new peers are refused by the system) and keeps the open connections:
    /// the first step of a graceful shutdown. Idempotent.
    void stop_listening() noexcept {
        if (listener_) {
            listener_->close();
            listener_.reset();
        }
        accept_ready_ = false;
    }

    /// Stops listening and closes every connection. Idempotent.
    void close() noexcept {
        stop_listening();
        for (Slot& slot : slots_)
            if (slot.connection)
                slot.connection->close();
        slots_.clear();
        free_slots_.clear();
        open_ = 0;
        timers_.clear();
        active_.clear();
        reported_.clear();
        current_.clear();
        servicing_ = false;  // also after an exception left serve()
    }

    /// True while listening (between open() and stop_listening() or close()).
    [[nodiscard]] bool opened() const noexcept { return listener_ != nullptr; }

    /// The bound port (the real one when 0 was asked for); 0 before open(). Kept after
    /// stop_listening().
    [[nodiscard]] std::uint16_t port() const noexcept { return bound_port_; }

    /// "host:port" bound, e.g. "127.0.0.1:40123" or "[::1]:40123"; empty before open().
    [[nodiscard]] const std::string& local_endpoint() const noexcept { return bound_endpoint_; }

    /// The options it was made with.
    [[nodiscard]] const ServerOptions& options() const noexcept { return options_; }

    /// The doer that runs this server, woken when a socket becomes ready (ServerDoer sets
    /// itself); nullptr: none. Held as a Waker: destroying the doer detaches it.
    void owner(Doer* doer) { doer_ = doer != nullptr ? doer->waker() : Waker{}; }
    /// Sets the doer woken on readiness by its Waker (empty: none).
    void owner(Waker waker) noexcept { doer_ = std::move(waker); }
    /// The doer woken on readiness, or nullptr (also once that doer was destroyed).
    [[nodiscard]] Doer* owner() const noexcept { return doer_.doer(); }

    /// The network this server listens on.
    [[nodiscard]] hio::Network& network() const noexcept { return network_; }

    /// Accepts what waits, fires due timeouts and moves bytes for the ready connections;
    /// fills ready().
    void service(double tyme) {
        service(tyme, [](Connection&) {});
    }

    /// As service(), with `serve(connection)` called for each ready connection between its
    /// receive and its send: its answer leaves at once, before the next connection is read,
    /// instead of after every ready connection was read and served (a shorter tail of
    /// latency when many connections are ready together). ServerDoer uses this one.
    template <class Serve>
    void service(double tyme, Serve&& serve) {
        servicing_ = true;
        if (accept_ready_ && listener_ && tyme >= accept_retry_at_)
            accept_waiting(tyme);
        fire_timers(tyme);
        std::sort(active_.begin(), active_.end(), by_slot);
        active_.erase(std::unique(active_.begin(), active_.end(), same_slot), active_.end());
        current_.clear();
        for (const Ref ref : active_) {
            Connection* found = at(ref);
            if (found == nullptr)
                continue;
            Connection& connection = *found;
            if (connection.service())
                connection.last_activity(tyme);
            current_.push_back(&connection);
            serve(connection);
            if (connection.send_ready())
                connection.last_activity(tyme);
        }
        active_.clear();
    }

    /// The connections that had activity in the last service(), in a deterministic order (the
    /// order of the server's slots).
    [[nodiscard]] const std::vector<Connection*>& ready() const noexcept { return current_; }

    /// Sends what the application queued on the ready connections, closes finished ones,
    /// forgets closed ones (after `on_close`, if set, saw them), and sets their timeouts.
    void finish(double tyme) {
        for (Connection* connection : current_) {
            const std::uint64_t received = connection->bytes_received();
            const bool was_peer_closed = connection->peer_closed();
            if (connection->service())
                connection->last_activity(tyme);
            const ConnectionSession* state = connection->any_session();
            const bool app_pending = state != nullptr && state->pending_output();
            // Peer done and nothing left to say: close our side too.
            if (connection->peer_closed() && connection->rx_buffer().empty() && !connection->sending() &&
                !app_pending)
                connection->close();
            // Bytes read just now, an EOF read just now, rx room with more to read, more to
            // send, or application output that now fits: the application must see this
            // connection again in the next pass. (An EOF it has seen is not a reason: a peer
            // that half-closed while the application waits would spin the server.)
            if (!connection->closed() &&
                (connection->bytes_received() != received || (connection->peer_closed() && !was_peer_closed) ||
                 connection->wants_service() || (app_pending && !connection->tx_buffer().full())))
                queue_for_service(ref_of(*connection));
        }
        // What was reported during this pass for connections served in it is settled by the
        // check above (their own sends, say, were flushed just now: no pass is owed for them);
        // what was reported for the others is served next pass.
        for (const Ref ref : reported_) {
            const bool served = std::binary_search(current_.begin(), current_.end(), ref.slot,
                                                   [](const auto& a, const auto& b) { return slot_of(a) < slot_of(b); });
            if (!served)
                queue_for_service(ref);
        }
        reported_.clear();
        for (Connection* connection : current_) {
            if (connection->closed())
                forget(ref_of(*connection));
            else
                schedule(*connection);
        }
        current_.clear();
        servicing_ = false;
        if (!active_.empty() || (accept_ready_ && listener_ && tyme >= accept_retry_at_))
            doer_.wake();  // connections marked during this pass, or peers still waiting
    }

    /// The tyme by which service() must run again if no socket becomes ready: the first
    /// timeout (idle, handshake, a connection's serve_at(), an accept retry); +infinity when
    /// there is none.
    [[nodiscard]] double next_deadline() {
        double due = std::numeric_limits<double>::infinity();
        while (!timers_.empty()) {
            const Timer top = timers_.front();
            Connection* found = at(top.ref);
            if (found != nullptr && found->timer_at() == top.due) {
                if (deadline_of(*found) <= top.due) {
                    due = top.due;
                    break;
                }
                pop_timer();  // the deadline moved later (activity): requeue it there
                found->timer_at(no_timer);
                schedule(*found);
                continue;
            }
            pop_timer();  // stale: forgotten, or superseded by an earlier entry
        }
        if (accept_ready_ && listener_)
            due = std::min(due, accept_retry_at_);
        return due;
    }

    /// `due` (a tyme `timeout` after something) rounded up to the timer grid, min(timer_slack,
    /// timeout / 16): the tyme a timeout of that length fires. Applications that set
    /// Connection::serve_at() for timeouts of their own use it too, so that their timers
    /// coalesce with the server's.
    [[nodiscard]] double coarsen(double due, double timeout) const noexcept {
        const double grid = std::min(options_.timer_slack, timeout / 16.0);
        if (!(grid > 0.0) || std::isinf(due))
            return due;
        return std::ceil(due / grid) * grid;
    }

    /// Called with each new connection.
    void on_open(std::function<void(Connection&)> callback) { on_open_ = std::move(callback); }
    /// Called with each connection about to be forgotten (closed by either side, timed out,
    /// evicted).
    void on_close(std::function<void(Connection&)> callback) { on_close_ = std::move(callback); }

    /// Open connections.
    [[nodiscard]] std::size_t connection_count() const noexcept { return open_; }

    /// Calls `fn(connection)` for every open connection, in slot order. `fn` may send and close
    /// but must not open() or close() the server.
    template <class Fn>
    void visit(Fn&& fn) {
        for (std::size_t i = 0; i < slots_.size(); ++i)
            if (Connection* connection = slots_[i].connection.get(); connection != nullptr && !connection->closed())
                fn(*connection);
    }

    /// Closes and forgets (after `on_close`) every connection for which `condition(connection)`
    /// holds; returns how many. Not from inside serve(): between passes, or from the doer's
    /// own recur outside service()..finish().
    template <class Condition>
    std::size_t close_if(Condition&& condition) {
        std::vector<Ref> chosen;
        for (Slot& slot : slots_)
            if (slot.connection && condition(*slot.connection))
                chosen.push_back(ref_of(*slot.connection));
        for (const Ref ref : chosen) {
            at(ref)->close();
            forget(ref);
        }
        return chosen.size();
    }

    /// The connection with `id`, or nullptr. A search over the open connections: for tests
    /// and diagnostics (the server's own bookkeeping goes by slot).
    [[nodiscard]] Connection* connection(std::uint64_t id) const {
        for (const Slot& slot : slots_)
            if (slot.connection && slot.connection->id() == id)
                return slot.connection.get();
        return nullptr;
    }

    /// Peers turned away because max_connections were open and all of them were proven.
    [[nodiscard]] std::uint64_t refused() const noexcept { return refused_; }
    /// Connections closed to make room for a newcomer when full (not proven, idle longest).
    [[nodiscard]] std::uint64_t evicted() const noexcept { return evicted_; }
    /// Connections closed by the idle timeout.
    [[nodiscard]] std::uint64_t idle_closed() const noexcept { return idle_closed_; }
    /// Connections closed because they were not established in time (TLS handshake).
    [[nodiscard]] std::uint64_t handshake_timeouts() const noexcept { return handshake_timeouts_; }
    /// Connections accepted in all.
    [[nodiscard]] std::uint64_t accepted() const noexcept { return accepted_; }
    /// The last accept failure (out of file descriptors, ...); empty if none.
    [[nodiscard]] std::error_code last_accept_error() const noexcept { return accept_error_; }

private:
    static constexpr double no_timer = std::numeric_limits<double>::infinity();
    // After an accept failure (out of descriptors) the listener is tried again this much later.
    static constexpr double accept_backoff = 0.25;

    // A connection's place in the slab, and the slot's generation (bumped when the slot is
    // emptied), so that a stale reference to a forgotten connection finds nothing.
    struct Ref {
        std::uint32_t slot;
        std::uint32_t gen;
    };
    struct Slot {
        std::unique_ptr<Connection> connection;
        std::uint32_t gen = 0;
    };
    struct Timer {
        double due;
        Ref ref;
    };

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
        hio::detail::require_non_negative("tcp::Server", "timer_slack", options.timer_slack);
        return options;
    }

    static bool later(const Timer& a, const Timer& b) noexcept { return a.due > b.due; }

    static std::uint32_t slot_of(const Connection* connection) noexcept { return connection->server_slot(); }
    static std::uint32_t slot_of(std::uint32_t slot) noexcept { return slot; }
    static bool by_slot(Ref a, Ref b) noexcept { return a.slot < b.slot || (a.slot == b.slot && a.gen < b.gen); }
    static bool same_slot(Ref a, Ref b) noexcept { return a.slot == b.slot && a.gen == b.gen; }

    [[nodiscard]] Ref ref_of(const Connection& connection) const noexcept {
        const std::uint32_t slot = connection.server_slot();
        return {slot, slots_[slot].gen};
    }
    // The connection `ref` names, or nullptr once it is forgotten.
    [[nodiscard]] Connection* at(Ref ref) const noexcept {
        if (ref.slot >= slots_.size() || slots_[ref.slot].gen != ref.gen)
            return nullptr;
        return slots_[ref.slot].connection.get();
    }

    // The first of the connection's deadlines: idle, handshake, the application's serve_at().
    [[nodiscard]] double deadline_of(const Connection& connection) const noexcept {
        double due = connection.serve_at();
        if (options_.idle_timeout > 0.0)
            due = std::min(due, coarsen(connection.last_activity() + options_.idle_timeout, options_.idle_timeout));
        if (options_.handshake_timeout > 0.0 && !connection.established())
            due = std::min(due, coarsen(connection.opened_at() + options_.handshake_timeout, options_.handshake_timeout));
        return due;
    }

    // Queues the connection's next deadline unless an entry at or before it is there already
    // (Connection::timer_at() is the due tyme of its live entry).
    void schedule(Connection& connection) {
        const double due = deadline_of(connection);
        if (std::isinf(due) || connection.timer_at() <= due)
            return;
        timers_.push_back({due, ref_of(connection)});
        std::push_heap(timers_.begin(), timers_.end(), later);
        connection.timer_at(due);
    }

    void pop_timer() noexcept {
        std::pop_heap(timers_.begin(), timers_.end(), later);
        timers_.pop_back();
    }

    // Closes what timed out; puts connections whose serve_at() came into the ready list.
    void fire_timers(double tyme) {
        while (!timers_.empty() && timers_.front().due <= tyme) {
            const Timer top = timers_.front();
            pop_timer();
            Connection* found = at(top.ref);
            if (found == nullptr || found->timer_at() != top.due)
                continue;  // forgotten, or superseded by an earlier entry
            Connection& connection = *found;
            connection.timer_at(no_timer);
            if (connection.closed())
                continue;  // finish() forgets it
            if (options_.idle_timeout > 0.0 && tyme - connection.last_activity() >= options_.idle_timeout) {
                ++idle_closed_;
                connection.close();
                forget(top.ref);
            } else if (options_.handshake_timeout > 0.0 && !connection.established() &&
                       tyme - connection.opened_at() >= options_.handshake_timeout) {
                ++handshake_timeouts_;
                connection.close();
                forget(top.ref);
            } else if (connection.serve_at() <= tyme) {
                connection.serve_at(no_timer);  // the application sets its next one
                active_.push_back(top.ref);
            } else {
                schedule(connection);  // activity moved the deadline later
            }
        }
    }

    // Forgets a connection now (after on_close saw it): its slot is free for the next one.
    void forget(Ref ref) {
        Connection* found = at(ref);
        if (found == nullptr)
            return;
        if (on_close_)
            on_close_(*found);
        Slot& slot = slots_[ref.slot];
        slot.connection.reset();
        ++slot.gen;
        --open_;
        try {
            free_slots_.push_back(ref.slot);
        } catch (...) {  // out of memory: the slot stays empty and unused
        }
    }

    // Full: closes the longest-idle connection not proven; false when every one is proven.
    bool make_room() {
        const Connection* victim = nullptr;
        for (const Slot& slot : slots_) {
            const Connection* connection = slot.connection.get();
            if (connection != nullptr && !connection->proven() &&
                (victim == nullptr || connection->last_activity() < victim->last_activity()))
                victim = connection;
        }
        if (victim == nullptr)
            return false;
        const Ref ref = ref_of(*victim);
        at(ref)->close();
        forget(ref);
        ++evicted_;
        return true;
    }

    void accept_waiting(double tyme) {
        for (std::size_t n = 0; n < options_.accepts_per_service; ++n) {
            std::error_code error;
            std::unique_ptr<Transport> transport = listener_->accept(error);
            if (error) {
                accept_error_ = error;  // e.g. EMFILE: try again a little later
                accept_retry_at_ = tyme + accept_backoff;
                return;
            }
            if (!transport) {
                accept_ready_ = false;
                listener_->arm_accept();
                return;
            }
            if (open_ >= options_.max_connections && !make_room()) {
                transport->close();
                ++refused_;
                continue;
            }
            ++accepted_;
            if (options_.send_buffer != 0)
                transport->limit_send_buffer(options_.send_buffer);
            const std::uint64_t id = ++last_id_;
            auto connection = std::make_unique<Connection>(std::move(transport), RingBuffer{buffers_},
                                                           RingBuffer{buffers_},
                                                           static_cast<ConnectionObserver*>(this));
            connection->id(id);
            connection->last_activity(tyme);
            connection->opened_at(tyme);
            std::uint32_t slot = 0;
            if (!free_slots_.empty()) {
                slot = free_slots_.back();
                free_slots_.pop_back();
            } else {
                slot = static_cast<std::uint32_t>(slots_.size());
                slots_.emplace_back();
            }
            connection->server_slot(slot);
            slots_[slot].connection = std::move(connection);
            ++open_;
            Connection& added = *slots_[slot].connection;
            active_.push_back(ref_of(added));  // read what may already have arrived
            if (on_open_)
                on_open_(added);
        }
    }

    void queue_for_service(Ref ref) noexcept {
        try {
            active_.push_back(ref);
        } catch (...) {  // out of memory: it is served when it is next ready
        }
    }

    void mark_active(Connection& connection) noexcept {
        // Inside service()..finish() the doer is running: finish() sorts the reports out and
        // wakes it once if needed.
        if (servicing_) {
            try {
                reported_.push_back(ref_of(connection));
            } catch (...) {
                queue_for_service(ref_of(connection));
            }
            return;
        }
        queue_for_service(ref_of(connection));
        doer_.wake();
    }

    void on_activity(Connection& connection) noexcept override { mark_active(connection); }

    void on_readable() noexcept override {  // the listener: peers are waiting
        accept_ready_ = true;
        doer_.wake();
    }
    void on_writable() noexcept override {}

    hio::Network& network_;
    ServerOptions options_;
    BufferPool buffers_;  // rx and tx of every connection: one pool, so an echo can trade blocks
    std::unique_ptr<Listener> listener_;
    std::vector<Slot> slots_;              // the connections, at their Connection::server_slot()
    std::vector<std::uint32_t> free_slots_;
    std::size_t open_ = 0;
    std::vector<Timer> timers_;            // min-heap on due
    std::vector<Ref> active_;              // reported ready since the last service()
    std::vector<Connection*> current_;     // active in this pass, for the application (by slot)
    std::vector<Ref> reported_;            // reported while this pass serviced
    std::function<void(Connection&)> on_open_;
    std::function<void(Connection&)> on_close_;
    Waker doer_;  // the doer that runs it
    std::string bound_endpoint_;
    std::error_code accept_error_;
    std::uint64_t last_id_ = 0;
    std::uint64_t refused_ = 0;
    std::uint64_t evicted_ = 0;
    std::uint64_t idle_closed_ = 0;
    std::uint64_t handshake_timeouts_ = 0;
    std::uint64_t accepted_ = 0;
    double accept_retry_at_ = -std::numeric_limits<double>::infinity();
    std::uint16_t bound_port_ = 0;
    bool accept_ready_ = false;
    bool servicing_ = false;
};

/// A doer that runs a Server: opens it on enter, services it when a socket is ready or a
/// timeout is due, closes it on exit (hio: ServerDoer). Subclasses override `serve()` to act
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
class ServerDoer : public Doer {
public:
    /// Runs `server` (not owned; must outlive the doer) with period `tock` (0: every pass).
    explicit ServerDoer(Server& server, double tock = 0.0) : Doer{tock}, server_{server} {}

    /// The server it runs.
    [[nodiscard]] Server& server() noexcept { return server_; }

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
        hio::detail::require_waiter(tymist(), server_.network(), "tcp::ServerDoer");
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

    /// Called for each connection with activity this pass (or whose serve_at() came): read its
    /// rx, write its tx.
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

    Server& server_;
    bool draining_ = false;
};

/// Sends every byte back to its sender, in order (hio: EchoServerDoer). When a peer's tx
/// buffer is full its rx is left to fill, and then its socket is not read until there is
/// room: a peer that does not read its echoes slows only itself. A peer that got an echo is
/// proven: a full server makes room by closing silent peers first.
class EchoServerDoer : public ServerDoer {
public:
    using ServerDoer::ServerDoer;

protected:
    void serve(Connection& connection, double) override {
        if (connection.tx_buffer().transfer_from(connection.rx_buffer()) != 0)
            connection.proven(true);
    }
};

}  // namespace hio::tcp
