#pragma once
/// \file
/// StreamServer: a listener plus one Connection per peer, over any Network (real TCP, TLS,
/// the simulation, a wire log) (hio: core.tcp.serving Server and its Remoters). The doers that
/// run one are in stream_server_doer.hpp.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <hio/detail/slab.hpp>
#include <hio/detail/timed_heap.hpp>
#include <hio/detail/validate.hpp>
#include <hio/doer.hpp>
#include <hio/error.hpp>
#include <hio/io/connection.hpp>
#include <hio/io/ring_buffer.hpp>
#include <hio/io/transport.hpp>

namespace hio {

/// Settings of a StreamServer. The defaults are safe for a server on the internet: no
/// connection is held forever by a silent peer, and a full server makes room for newcomers.
struct StreamServerOptions {
    /// Address to listen on: "127.0.0.1", "::1", "0.0.0.0", "::", or a host name.
    std::string host = "127.0.0.1";
    /// Port; 0 picks a free one (read it back with StreamServer::port()).
    std::uint16_t port = 0;
    /// Pending-connection queue (the kernel caps it at net.core.somaxconn); hio used 5 and
    /// stalled near 50 concurrent clients.
    int backlog = 4096;
    /// Open connections allowed. A peer beyond it makes the server close its longest-idle
    /// connection that is not proven (Connection::proven(): it never completed a request), or,
    /// when all are proven, is accepted and closed at once (counted in StreamServer::refused()).
    std::size_t max_connections = 1024;
    /// Tyme a connection may stay without moving a byte before it is closed; 0: never.
    double idle_timeout = 300.0;
    /// Tyme a connection may take to become established (the TLS handshake) before it is
    /// closed; 0: never. A peer that stalls a handshake cannot hold a connection forever.
    double handshake_timeout = 10.0;
    /// Timeouts are rounded up to a grid of min(timer_slack, timeout / 16) tyme (see
    /// StreamServer::coarsen()), so that a server whose many connections time out at scattered
    /// tymes wakes for them at most once per `timer_slack`; a timeout fires at most that much
    /// late (a 300 s idle timeout within 1 s, a 0.5 s one within 1/32 s). 0: exact tymes.
    double timer_slack = 1.0;
    /// Capacity of each connection's rx and tx buffers. Storage is borrowed from a pool only
    /// while bytes are held, so idle connections cost no buffer memory.
    std::size_t buffer_size = RingBuffer::default_capacity;
    /// Peers accepted per service() at most, so a connection storm cannot starve the others.
    std::size_t accepts_per_service = 64;
    /// The kernel send buffer of each accepted connection (SO_SNDBUF), in bytes; 0: the
    /// kernel's, which grows to megabytes per connection (net.ipv4.tcp_wmem): 1000 slow
    /// readers can then take all of the kernel's TCP memory (tcp_mem), for every program on
    /// the machine. nginx: `listen ... sndbuf=`. Ignored where the transport has no such
    /// buffer (the simulation).
    std::size_t send_buffer = 0;
};

/// Names one connection of a StreamServer, for other doers that answer it later (a proxy, a
/// replicator, an RPC server whose answer waits for other work): StreamServer::connection()
/// finds it in one step, and finds nothing once that connection closed, never another
/// connection that took its place. Cheap to copy and keep.
struct ConnectionHandle {
    std::uint32_t slot = detail::no_slab_slot;  ///< its place in the server
    std::uint32_t gen = 0;                      ///< the place's generation when it opened

    /// True for a handle made by a server (not default-constructed).
    explicit operator bool() const noexcept { return slot != detail::no_slab_slot; }
    /// Two handles name the same connection.
    friend bool operator==(ConnectionHandle a, ConnectionHandle b) noexcept {
        return a.slot == b.slot && a.gen == b.gen;
    }
};

/// A listening endpoint and its open connections over any Network (hio: Server with its
/// Remoters).
///
/// `service(tyme)` accepts waiting peers, fires the timeouts that are due, and moves bytes for
/// the connections the network reported ready, and only those: its cost follows what is ready
/// and what is due, not what is open. `ready()` then lists the connections that had activity
/// (or whose Connection::serve_at() tyme came, or that another doer asked to serve again), in
/// slot order, for the application; `finish(tyme)` sends what the application queued, and
/// forgets closed connections. `next_deadline()` says when the server must be serviced again if
/// nothing happens, so the doer that runs it can idle until then (Doer::idle_until).
/// StreamServerDoer runs these steps.
///
/// Each connection lives in a slab entry of the server, with what only the server needs (its
/// number, when it opened and last moved a byte, its timer); other doers name it with a
/// ConnectionHandle. Timeouts live in a heap keyed on each connection's next deadline (idle,
/// handshake, or the application's serve_at()); activity only moves a connection's deadline
/// later, and a heap entry that finds its deadline moved requeues itself, so a busy connection
/// costs no heap work per message and an idle server no scan over its connections.
class StreamServer final : private TransportEvents {
public:
    /// A server on `network` (not owned; must outlive it). Call open() to listen.
    /// Throws ValidationError for bad options.
    StreamServer(hio::Network& network, StreamServerOptions options)
        : network_{network}, options_{checked(std::move(options))}, buffers_{options_.buffer_size} {}

    StreamServer(const StreamServer&) = delete;
    StreamServer& operator=(const StreamServer&) = delete;
    ~StreamServer() { close(); }

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
        for (Slot& slot : slots_.entries())
            if (slot.entry)
                slot.entry->connection.close();
        slots_.clear();
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
    [[nodiscard]] const StreamServerOptions& options() const noexcept { return options_; }

    /// The doer that runs this server, woken when a socket becomes ready (StreamServerDoer
    /// sets itself); nullptr: none. Held as a Waker: destroying the doer detaches it.
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
    /// latency when many connections are ready together). StreamServerDoer uses this one.
    template <class Serve>
    void service(double tyme, Serve&& serve);

    /// The connections that had activity in the last service(), in a deterministic order (the
    /// order of the server's slots).
    [[nodiscard]] const std::vector<Connection*>& ready() const noexcept { return current_; }

    /// Sends what the application queued on the ready connections, closes finished ones,
    /// forgets closed ones (after `on_close`, if set, saw them), and sets their timeouts.
    void finish(double tyme);

    /// The tyme by which service() must run again if no socket becomes ready: the first
    /// timeout (idle, handshake, a connection's serve_at(), an accept retry); +infinity when
    /// there is none.
    [[nodiscard]] double next_deadline();

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
        for (std::uint32_t i = 0; i < slots_.size(); ++i)
            if (Entry* entry = slots_[i].entry.get(); entry != nullptr && !entry->connection.closed())
                fn(entry->connection);
    }

    /// Closes and forgets (after `on_close`) every connection for which `condition(connection)`
    /// holds; returns how many. Not from inside serve(): between passes, or from the doer's
    /// own recur outside service()..finish().
    template <class Condition>
    std::size_t close_if(Condition&& condition) {
        std::vector<Ref> chosen;
        for (std::uint32_t i = 0; i < slots_.size(); ++i)
            if (Entry* entry = slots_[i].entry.get(); entry != nullptr && condition(entry->connection))
                chosen.push_back(slots_.ref(i));
        for (const Ref ref : chosen) {
            at(ref)->connection.close();
            forget(ref);
        }
        return chosen.size();
    }

    /// The handle of `connection`, one of this server's (from ready(), visit(), on_open()):
    /// keep it to find the connection again from another doer. Throws ValidationError for a
    /// connection of another server or a client.
    [[nodiscard]] ConnectionHandle handle(const Connection& connection) const {
        const Entry& entry = entry_of(connection);
        return {entry.slot, slots_[entry.slot].gen};
    }

    /// The open connection `handle` names, or nullptr once it closed (never another
    /// connection that took its place). One step, no search.
    [[nodiscard]] Connection* connection(ConnectionHandle handle) const noexcept {
        Entry* entry = at({handle.slot, handle.gen});
        return entry != nullptr && !entry->connection.closed() ? &entry->connection : nullptr;
    }

    /// Asks for the connection `handle` names to be served again (in ready(), so the doer's
    /// serve() sees it) in the server's next pass, which it wakes. For another doer that has
    /// the answer now: it writes it with Connection::send(), or leaves it in the
    /// connection's session for serve() to write. False when the connection has closed.
    bool serve_again(ConnectionHandle handle) noexcept {
        Entry* entry = at({handle.slot, handle.gen});
        if (entry == nullptr || entry->connection.closed())
            return false;
        mark_active(*entry);
        return true;
    }

    /// The number this server gave `connection` when it opened (1, 2, ... in accept order;
    /// for logs: "#17"). Throws ValidationError as handle().
    [[nodiscard]] std::uint64_t number(const Connection& connection) const { return entry_of(connection).number; }
    /// The tyme `connection` opened. Throws ValidationError as handle().
    [[nodiscard]] double opened_at(const Connection& connection) const { return entry_of(connection).opened_at; }
    /// The tyme `connection` last moved a byte (or opened): its idle timeout counts from it.
    /// Throws ValidationError as handle().
    [[nodiscard]] double last_activity(const Connection& connection) const {
        return entry_of(connection).last_activity;
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

    using Ref = detail::SlabRef;

    // A connection and what only the server keeps of it. The entry is the connection's
    // observer: its activity reaches the server with the slot, no search.
    struct Entry final : ConnectionObserver {
        Entry(StreamServer& owner, std::uint32_t at, std::uint64_t id, double tyme, std::unique_ptr<Transport> transport)
            : server{owner}, slot{at}, number{id}, opened_at{tyme}, last_activity{tyme},
              connection{std::move(transport), RingBuffer{owner.buffers_}, RingBuffer{owner.buffers_}, this} {}
        Entry(const Entry&) = delete;
        Entry& operator=(const Entry&) = delete;
        ~Entry() = default;

        void on_activity(Connection&) noexcept override { server.mark_active(*this); }

        StreamServer& server;
        std::uint32_t slot;
        std::uint64_t number;
        double opened_at;
        double last_activity;  // tyme of the last byte moved (idle timeout)
        double timer_at = no_timer;  // the due tyme of its live entry in timers_
        Connection connection;  // last: destroyed (and so closed) first
    };
    struct Slot {
        std::unique_ptr<Entry> entry;
        std::uint32_t gen = 0;
    };
    struct Timer {
        double due;
        Ref ref;
    };

    static StreamServerOptions checked(StreamServerOptions options) {
        if (options.backlog < 1)
            throw ValidationError{"StreamServer: backlog must be >= 1, got " + std::to_string(options.backlog)};
        if (options.max_connections == 0)
            throw ValidationError{"StreamServer: max_connections must be >= 1, got 0"};
        if (options.buffer_size == 0)
            throw ValidationError{"StreamServer: buffer_size must be >= 1, got 0"};
        if (options.accepts_per_service == 0)
            throw ValidationError{"StreamServer: accepts_per_service must be >= 1, got 0"};
        hio::detail::require_non_negative("StreamServer", "idle_timeout", options.idle_timeout);
        hio::detail::require_non_negative("StreamServer", "handshake_timeout", options.handshake_timeout);
        hio::detail::require_non_negative("StreamServer", "timer_slack", options.timer_slack);
        return options;
    }

    static std::uint32_t slot_of(const Connection* connection) noexcept {
        return static_cast<const Entry*>(connection->observer())->slot;
    }
    static std::uint32_t slot_of(std::uint32_t slot) noexcept { return slot; }
    static bool by_slot(Ref a, Ref b) noexcept { return a.slot < b.slot || (a.slot == b.slot && a.gen < b.gen); }

    // The entry of one of this server's connections; a connection of another server, or of a
    // client, is refused (its observer is not an Entry of ours).
    [[nodiscard]] Entry& entry_of(const Connection& connection) const {
        auto* entry = dynamic_cast<Entry*>(connection.observer());
        if (entry == nullptr || &entry->server != this)
            throw ValidationError{"StreamServer: the connection is not one of this server's"};
        return *entry;
    }
    [[nodiscard]] Ref ref_of(const Entry& entry) const noexcept { return slots_.ref(entry.slot); }
    // The entry `ref` names, or nullptr once it is forgotten.
    [[nodiscard]] Entry* at(Ref ref) const noexcept {
        const Slot* slot = slots_.find(ref);
        return slot != nullptr ? slot->entry.get() : nullptr;
    }

    // The first of the connection's deadlines: idle, handshake, the application's serve_at().
    [[nodiscard]] double deadline_of(const Entry& entry) const noexcept {
        double due = entry.connection.serve_at();
        if (options_.idle_timeout > 0.0)
            due = std::min(due, coarsen(entry.last_activity + options_.idle_timeout, options_.idle_timeout));
        if (options_.handshake_timeout > 0.0 && !entry.connection.established())
            due = std::min(due, coarsen(entry.opened_at + options_.handshake_timeout, options_.handshake_timeout));
        return due;
    }

    // The timer heap's lookup: the record of an entry's live connection, null once forgotten.
    struct TimerRecord {
        const StreamServer* server;
        double* operator()(const Timer& timer) const noexcept {
            Entry* entry = server->at(timer.ref);
            return entry != nullptr ? &entry->timer_at : nullptr;
        }
    };

    // Queues the connection's next deadline unless an entry at or before it is there already.
    void schedule(Entry& entry) {
        const double due = deadline_of(entry);
        if (!std::isinf(due))
            timers_.push_live({due, ref_of(entry)}, entry.timer_at);
    }

    inline void fire_timers(double tyme);
    inline void forget(Ref ref);
    inline bool make_room();
    inline void accept_waiting(double tyme);

    void queue_for_service(Ref ref) noexcept {
        try {
            active_.push_back(ref);
        } catch (...) {  // out of memory: it is served when it is next ready
        }
    }

    void mark_active(Entry& entry) noexcept {
        // Inside service()..finish() the doer is running: finish() sorts the reports out and
        // wakes it once if needed.
        if (servicing_) {
            try {
                reported_.push_back(ref_of(entry));
            } catch (...) {
                queue_for_service(ref_of(entry));
            }
            return;
        }
        queue_for_service(ref_of(entry));
        doer_.wake();
    }

    void on_readable() noexcept override {  // the listener: peers are waiting
        accept_ready_ = true;
        doer_.wake();
    }
    void on_writable() noexcept override {}

    hio::Network& network_;
    StreamServerOptions options_;
    BufferPool buffers_;  // rx and tx of every connection: one pool, so an echo can trade blocks
    std::unique_ptr<Listener> listener_;
    detail::Slab<Slot> slots_{"StreamServer"};  // the connections
    std::size_t open_ = 0;
    detail::TimedHeap<Timer> timers_;      // the connections' next deadlines
    std::vector<Ref> active_;              // reported ready since the last service()
    std::vector<Connection*> current_;     // active in this pass, for the application (by slot)
    std::vector<Ref> reported_;            // reported while this pass serviced
    std::function<void(Connection&)> on_open_;
    std::function<void(Connection&)> on_close_;
    Waker doer_;  // the doer that runs it
    std::string bound_endpoint_;
    std::error_code accept_error_;
    std::uint64_t last_number_ = 0;
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

template <class Serve>
void StreamServer::service(double tyme, Serve&& serve) {
    servicing_ = true;
    if (accept_ready_ && listener_ && tyme >= accept_retry_at_)
        accept_waiting(tyme);
    fire_timers(tyme);
    std::sort(active_.begin(), active_.end(), by_slot);
    active_.erase(std::unique(active_.begin(), active_.end()), active_.end());
    current_.clear();
    for (const Ref ref : active_) {
        Entry* found = at(ref);
        if (found == nullptr)
            continue;
        Connection& connection = found->connection;
        if (connection.service())
            found->last_activity = tyme;
        current_.push_back(&connection);
        serve(connection);
        if (connection.send_ready())
            found->last_activity = tyme;
    }
    active_.clear();
}

inline void StreamServer::finish(double tyme) {
    for (Connection* connection : current_) {
        Entry& entry = *static_cast<Entry*>(connection->observer());
        const std::uint64_t received = connection->bytes_received();
        const bool was_peer_closed = connection->peer_closed();
        if (connection->service())
            entry.last_activity = tyme;
        const ConnectionSession* state = connection->any_session();
        const bool app_pending = state != nullptr && state->pending_output();
        // Peer done and nothing left to say: close our side too.
        if (connection->peer_closed() && connection->rx_buffer().empty() && !connection->sending() && !app_pending)
            connection->close();
        // Bytes read just now, an EOF read just now, rx room with more to read, more to
        // send, or application output that now fits: the application must see this
        // connection again in the next pass. (An EOF it has seen is not a reason: a peer
        // that half-closed while the application waits would spin the server.)
        if (!connection->closed() &&
            (connection->bytes_received() != received || (connection->peer_closed() && !was_peer_closed) ||
             connection->wants_service() || (app_pending && !connection->tx_buffer().full())))
            queue_for_service(ref_of(entry));
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
        Entry& entry = *static_cast<Entry*>(connection->observer());
        if (connection->closed())
            forget(ref_of(entry));
        else
            schedule(entry);
    }
    current_.clear();
    servicing_ = false;
    if (!active_.empty() || (accept_ready_ && listener_ && tyme >= accept_retry_at_))
        doer_.wake();  // connections marked during this pass, or peers still waiting
}

inline double StreamServer::next_deadline() {
    double due = timers_.next_due(
        TimerRecord{this}, [this](const Timer& timer) { return deadline_of(*at(timer.ref)); },
        [this](const Timer& timer, double) { schedule(*at(timer.ref)); });
    if (accept_ready_ && listener_)
        due = std::min(due, accept_retry_at_);
    return due;
}

// Closes what timed out; puts connections whose serve_at() came into the ready list.
inline void StreamServer::fire_timers(double tyme) {
    Timer timer{};
    while (timers_.pop_due(tyme, TimerRecord{this}, timer)) {
        Entry& entry = *at(timer.ref);
        Connection& connection = entry.connection;
        if (connection.closed())
            continue;  // finish() forgets it
        if (options_.idle_timeout > 0.0 && tyme - entry.last_activity >= options_.idle_timeout) {
            ++idle_closed_;
            connection.close();
            forget(timer.ref);
        } else if (options_.handshake_timeout > 0.0 && !connection.established() &&
                   tyme - entry.opened_at >= options_.handshake_timeout) {
            ++handshake_timeouts_;
            connection.close();
            forget(timer.ref);
        } else if (connection.serve_at() <= tyme) {
            connection.serve_at(no_timer);  // the application sets its next one
            active_.push_back(timer.ref);
        } else {
            schedule(entry);  // activity moved the deadline later
        }
    }
}

// Forgets a connection now (after on_close saw it): its slot is free for the next one.
inline void StreamServer::forget(Ref ref) {
    Entry* found = at(ref);
    if (found == nullptr)
        return;
    if (on_close_)
        on_close_(found->connection);
    slots_[ref.slot].entry.reset();
    slots_.release(ref.slot);
    --open_;
}

// Full: closes the longest-idle connection not proven; false when every one is proven.
inline bool StreamServer::make_room() {
    const Entry* victim = nullptr;
    for (const Slot& slot : slots_.entries()) {
        const Entry* entry = slot.entry.get();
        if (entry != nullptr && !entry->connection.proven() &&
            (victim == nullptr || entry->last_activity < victim->last_activity))
            victim = entry;
    }
    if (victim == nullptr)
        return false;
    const Ref ref = ref_of(*victim);
    at(ref)->connection.close();
    forget(ref);
    ++evicted_;
    return true;
}

inline void StreamServer::accept_waiting(double tyme) {
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
        const std::uint32_t slot = slots_.acquire();
        try {
            slots_[slot].entry = std::make_unique<Entry>(*this, slot, ++last_number_, tyme, std::move(transport));
        } catch (...) {
            slots_.release(slot);
            throw;
        }
        ++open_;
        Entry& added = *slots_[slot].entry;
        active_.push_back(ref_of(added));  // read what may already have arrived
        if (on_open_)
            on_open_(added.connection);
    }
}

}  // namespace hio
