#pragma once
/// \file
/// hio::sim::World: a seeded, simulated network of named hosts, in virtual time, behind the
/// same Network, Listener, Transport and Waiter seam real sockets use.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <queue>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <hio/dodoer.hpp>
#include <hio/doer.hpp>
#include <hio/doist.hpp>
#include <hio/error.hpp>
#include <hio/io/address.hpp>
#include <hio/io/datagram.hpp>
#include <hio/io/transport.hpp>
#include <hio/random.hpp>
#include <hio/sim/detail/queue.hpp>
#include <hio/sim/options.hpp>
#include <hio/sim/trace.hpp>
#include <hio/waiter.hpp>

namespace hio::sim {

class World;
class Host;

namespace detail {
class StreamEnd;
class StreamListener;
class DatagramEnd;
}  // namespace detail

/// One fault the World injected, as logged (World::faults()).
struct FaultEvent {
    double tyme;       ///< when
    std::string what;  ///< e.g. "partition client-3 <-> server", "reset 10.0.0.2:40001 <-> 10.0.0.1:7"
};

/// What the World has carried so far.
struct WorldStats {
    std::uint64_t connections = 0;  ///< connect attempts
    std::uint64_t refused = 0;      ///< attempts refused (no listener)
    std::uint64_t resets = 0;       ///< resets delivered (faults, closes with unread data, crashes)
    std::uint64_t segments = 0;     ///< data segments delivered
    std::uint64_t bytes = 0;        ///< bytes delivered
    std::uint64_t faults = 0;       ///< faults injected
    std::uint64_t datagrams = 0;    ///< datagrams delivered to a socket
    std::uint64_t datagrams_dropped = 0;     ///< lost, sent over a held link, to nobody, or to a full socket
    std::uint64_t datagrams_duplicated = 0;  ///< delivered twice
    std::uint64_t datagrams_truncated = 0;   ///< cut at the link's mtu
};

/// The network seen from one host: what its doers use instead of a tcp::Network.
///
/// listen() binds on the host (its name, its address, a loopback or any address: "0.0.0.0",
/// "127.0.0.1", "localhost", ""); connect() reaches another host by name or address, or this
/// one by a loopback name. An unknown name fails at once (std::errc::host_unreachable).
class Network final : public hio::Network {
public:
    /// Made by the World for each host.
    Network(World& world, Host& host) noexcept : world_{world}, host_{host} {}

    /// The World: a Doist running doers on this network must have it as its waiter.
    [[nodiscard]] inline Waiter* waiter() const noexcept override;

    /// Listens on `host`:`port` of this host (0: a free port). Throws hio::SystemError with
    /// std::errc::address_in_use for a taken port, address_not_available for another host's
    /// address, and ValidationError for a backlog below 1.
    inline std::unique_ptr<Listener> listen(const std::string& host, std::uint16_t port, int backlog) override;

    /// Starts connecting to `host`:`port`; the outcome comes as a writable event after a round
    /// trip (connected or std::errc::connection_refused), or never (a black hole, a partition,
    /// a crashed host: the client's timeout decides). Returns nullptr with host_unreachable for
    /// an unknown host.
    inline std::unique_ptr<Transport> connect(const std::string& host, std::uint16_t port,
                                              std::error_code& error) override;

private:
    World& world_;
    Host& host_;
};

/// The datagram network seen from one host: what udp::Peer uses instead of a udp::Network.
///
/// bind() takes this host's address (or 0.0.0.0, 127.0.0.1) and a port (0: a free one);
/// datagrams go to another host's numeric address ("10.0.0.1") or this host's loopback. They
/// cross the link's latency plus jitter each, in no fixed order, may be lost or duplicated
/// (FaultOptions::loss, duplicate), are cut at the link's mtu, are dropped over a held link
/// (a partition) and when the receiving socket holds its receive window unread. IPv4 only.
class DatagramNetwork final : public hio::DatagramNetwork {
public:
    /// Made by the World for each host.
    DatagramNetwork(World& world, Host& host) noexcept : world_{world}, host_{host} {}

    /// Binds a simulated socket. Throws hio::SystemError: address_in_use (a taken port),
    /// address_not_available (another host's address), address_family_not_supported (not IPv4).
    inline std::unique_ptr<DatagramSocket> bind(const SocketAddress& address,
                                                const DatagramSocketOptions& options) override;

    /// The World.
    [[nodiscard]] inline Waiter* waiter() const noexcept override;

private:
    World& world_;
    Host& host_;
};

/// Settings of a Host.
struct HostOptions {
    /// Its address; empty: the World gives it 10.0.0.N.
    std::string address{};
    /// May the fault menu's random crashes pick it?
    bool crashable = true;
};

/// A simulated machine: a name, an address, a Network view, and the doers it runs, grouped in
/// a DoDoer (doer()) that goes into the Doist.
///
/// crash(): its connections vanish without FIN (peers hear nothing, then a reset once it is up
/// again and they send), its listeners are gone, and its doers are closed (close, exit).
/// restart(): its doers are entered again, as a rebooted machine starts its programs.
class Host {
public:
    Host(const Host&) = delete;
    Host& operator=(const Host&) = delete;
    ~Host() = default;

    /// Its name (unique in the World).
    [[nodiscard]] const std::string& name() const noexcept { return name_; }
    /// Its address (unique in the World).
    [[nodiscard]] const std::string& address() const noexcept { return address_; }
    /// The network as this host's doers see it.
    [[nodiscard]] hio::Network& network() noexcept { return network_; }
    /// The datagram network as this host's doers see it (for udp::Peer).
    [[nodiscard]] hio::DatagramNetwork& datagrams() noexcept { return datagrams_; }
    /// The DoDoer that runs this host's doers (World::doers() lists every host's).
    [[nodiscard]] DoDoer& doer() noexcept { return runner_; }

    /// Adds doers to the host (not owned; they must outlive the run); while running they are
    /// entered at once.
    void add(const std::vector<Doer*>& doers) {
        for (Doer* doer : doers)
            if (doer != nullptr && std::find(members_.begin(), members_.end(), doer) == members_.end())
                members_.push_back(doer);
        if (up_)
            runner_.extend(doers);
    }

    /// True unless crashed.
    [[nodiscard]] bool up() const noexcept { return up_; }
    /// May random crashes pick it?
    [[nodiscard]] bool crashable() const noexcept { return crashable_; }
    /// Times it crashed.
    [[nodiscard]] std::uint64_t crashes() const noexcept { return crashes_; }

private:
    friend class World;
    friend class Network;
    friend class DatagramNetwork;

    // The host's DoDoer: applies a crash or a restart in its own pass (so its children are
    // never closed from inside another doer's recur), and waits idle while the host is down.
    class Runner final : public DoDoer {
    public:
        explicit Runner(Host& host) : host_{host} {}

    protected:
        bool recur(double tyme) override {
            if (host_.crash_pending_) {
                host_.crash_pending_ = false;
                remove(host_.members_);
            }
            if (host_.restart_pending_ && host_.up_) {
                host_.restart_pending_ = false;
                extend(host_.members_);
            }
            if (!host_.up_) {
                idle();
                return false;
            }
            return DoDoer::recur(tyme);
        }

    private:
        Host& host_;
    };

    Host(World& world, std::string name, std::string address, std::uint32_t index, bool crashable)
        : name_{std::move(name)}, address_{std::move(address)}, index_{index}, crashable_{crashable},
          network_{world, *this}, datagrams_{world, *this}, runner_{*this} {}

    std::uint16_t next_port() noexcept {
        const std::uint16_t port = next_port_;
        next_port_ = next_port_ == 65535 ? std::uint16_t{40000} : static_cast<std::uint16_t>(next_port_ + 1);
        return port;
    }

    std::string name_;
    std::string address_;
    std::uint32_t index_;
    bool crashable_;
    bool up_ = true;
    bool crash_pending_ = false;
    bool restart_pending_ = false;
    std::uint64_t crashes_ = 0;
    std::uint16_t next_port_ = 40000;
    std::vector<Doer*> members_;
    Network network_;
    DatagramNetwork datagrams_;
    Runner runner_;
};

/// A seeded simulated network in virtual time: the Waiter of a virtual-time Doist.
///
/// Streams behave like TCP: in order, per-direction latency plus seeded jitter, bandwidth,
/// bounded send and receive windows (a reader that does not read stops the writer), segments
/// of seeded sizes (short reads), short writes, FIN and half close, RST. Reads and writes are
/// memory copies: no system call. The fault menu (FaultOptions) and World's own methods inject
/// resets, partitions, holds, crashes, drips, accept delays, black holes and would-block
/// storms; each is logged (faults()) and folded into the trace.
///
/// One seed drives it all: the network's noise, the faults, and the Random the doers draw from
/// (the Doist's, seeded by attach()). The Trace hashes every pass, doer run and byte moved,
/// so two runs of the same program and seed can be proved identical (check_determinism).
///
/// ```
/// hio::sim::World world{{.seed = 7}};
/// hio::sim::Host& server = world.host("server");
/// hio::sim::Host& client = world.host("client");
/// hio::StreamServer listener{server.network(), {.port = 7}};
/// hio::EchoServerDoer echo{listener};
/// server.add({&echo});
/// // ... a client doer on client.network(), connecting to "server", port 7
/// hio::Doist doist{{.tock = 0.001, .limit = 10.0, .waiter = &world}, world.doers()};
/// doist.run();
/// std::cout << "trace " << world.trace().hex() << "\n";
/// ```
///
/// The World must outlive every doer, server, client and transport on it. It runs in virtual
/// time only: a real-time Doist waiting on it throws hio::Error.
class World final : public Waiter {
public:
    /// A World with `options`. Throws ValidationError for bad link or fault settings.
    explicit World(WorldOptions options = {})
        : options_{checked(std::move(options))}, random_{options_.seed}, net_{random_.fork("network")},
          fault_random_{random_.fork("faults")}, trace_{options_.record} {}

    World(const World&) = delete;
    World& operator=(const World&) = delete;
    ~World() override = default;

    /// Adds a host named `name` (unique). Throws ValidationError for an empty or taken name or
    /// address. The reference stays valid as long as the World.
    Host& host(const std::string& name, HostOptions options = {}) {
        if (name.empty())
            throw ValidationError{"sim::World: a host needs a name"};
        std::string address = options.address.empty() ? "10.0.0." + std::to_string(hosts_.size() + 1)
                                                       : std::move(options.address);
        if (find_host(name) != nullptr || find_host(address) != nullptr)
            throw ValidationError{"sim::World: host name or address already taken: " + name + " / " + address};
        hosts_.push_back(std::unique_ptr<Host>{new Host{*this, name, std::move(address),
                                                        static_cast<std::uint32_t>(hosts_.size()),
                                                        options.crashable}});
        return *hosts_.back();
    }

    /// The host with this name or address, or nullptr.
    [[nodiscard]] Host* find_host(std::string_view name) const noexcept {
        for (const auto& host : hosts_)
            if (host->name_ == name || host->address_ == name)
                return host.get();
        return nullptr;
    }

    /// Every host's DoDoer, in the order the hosts were added: what the Doist runs.
    [[nodiscard]] std::vector<Doer*> doers() const {
        std::vector<Doer*> out;
        for (const auto& host : hosts_)
            out.push_back(&host->runner_);
        return out;
    }

    /// The settings of the direction `from` -> `to` (made from the World's defaults on first
    /// use); changes apply to the segments sent after them. Throws ValidationError for an
    /// unknown host.
    LinkOptions& link(const std::string& from, const std::string& to) {
        return link_state(require_host(from).index_, require_host(to).index_).options;
    }

    /// The seed the World was made with.
    [[nodiscard]] std::uint64_t seed() const noexcept { return options_.seed; }
    /// The settings it was made with.
    [[nodiscard]] const WorldOptions& options() const noexcept { return options_; }
    /// The trace of the run (its hash is the run's fingerprint).
    [[nodiscard]] Trace& trace() noexcept { return trace_; }
    /// The trace of the run, read-only.
    [[nodiscard]] const Trace& trace() const noexcept { return trace_; }
    /// The faults injected so far, in order.
    [[nodiscard]] const std::vector<FaultEvent>& faults() const noexcept { return faults_; }
    /// What the network carried.
    [[nodiscard]] const WorldStats& stats() const noexcept { return stats_; }
    /// The current tyme (the attached Doist's), 0 before attach.
    [[nodiscard]] double now() const noexcept { return clock_ != nullptr ? clock_->tyme() : 0.0; }

    /// Calls `fn` for each fault as it is injected (e.g. to print it).
    void on_fault(std::function<void(const FaultEvent&)> fn) { on_fault_ = std::move(fn); }

    /// Runs `action` at `tyme` (before the pass at or after it): schedule faults by hand,
    /// `world.at(2.0, [&] { world.partition("a", "b"); })`.
    void at(double tyme, std::function<void()> action) {
        actions_.push_back(std::move(action));
        push({std::max(tyme, now()), 0, static_cast<std::uint32_t>(actions_.size() - 1), 0, Kind::action, 0});
    }

    /// Ends the run (Doist::request_stop) in the first pass where `condition` holds; checked
    /// after each poll.
    void stop_when(std::function<bool()> condition) { stop_when_ = std::move(condition); }

    /// Holds every segment from `from` to `to` until release() (the link goes silent, TCP
    /// retransmits: nothing is lost, everything is late). Logged as a fault.
    void hold(const std::string& from, const std::string& to) { set_held(from, to, true, "hold "); }
    /// Releases a held direction: what waited arrives after one latency, in order.
    void release(const std::string& from, const std::string& to) { set_held(from, to, false, "release "); }
    /// Holds both directions between `a` and `b`.
    void partition(const std::string& a, const std::string& b) {
        log_fault("partition " + a + " <-> " + b);
        set_held(a, b, true, nullptr);
        set_held(b, a, true, nullptr);
    }
    /// Releases both directions between `a` and `b`.
    void heal(const std::string& a, const std::string& b) {
        log_fault("heal " + a + " <-> " + b);
        set_held(a, b, false, nullptr);
        set_held(b, a, false, nullptr);
    }

    /// Crashes `name` now (see Host). Throws ValidationError for an unknown host.
    void crash(const std::string& name) {
        Host& host = require_host(name);
        if (!host.up_)
            return;
        log_fault("crash " + host.name_);
        host.up_ = false;
        host.crash_pending_ = true;
        host.restart_pending_ = false;
        ++host.crashes_;
        for (std::size_t index = 0; index < listeners_.size(); ++index)
            if (listeners_[index] != nullptr && listeners_[index]->host == host.index_)
                vanish_listener(index);
        for (const auto& socket : datagram_sockets_)
            if (socket && socket->host == host.index_ && !socket->vanished) {
                socket->vanished = true;  // its datagrams, queued or coming, are gone
                socket->queue.clear();
                socket->queued_bytes = 0;
                datagram_ports_.erase({socket->host, socket->port});
            }
        for (std::size_t id = 0; id < streams_.size(); ++id) {
            Stream* stream = streams_[id].get();
            if (stream == nullptr)
                continue;
            for (std::uint8_t side = 0; side < 2; ++side)
                if (stream->end[side].host == host.index_ && !stream->end[side].vanished) {
                    End& end = stream->end[side];
                    end.vanished = true;
                    mark_faulted(static_cast<std::uint32_t>(id), *stream);
                    Pipe& out = stream->pipe[side];  // its unsent bytes and packets die with it
                    out.packets.clear();
                    out.data.truncate(out.arrived);
                    out.flight = 0;
                }
            release_if_dead(static_cast<std::uint32_t>(id));
        }
        host.runner_.wake();
    }

    /// Restarts a crashed host: its doers are entered again in its next pass.
    void restart(const std::string& name) {
        Host& host = require_host(name);
        if (host.up_)
            return;
        log_fault("restart " + host.name_);
        host.up_ = true;
        host.restart_pending_ = true;
        // Peers that were still sending to it learn now that the connection is gone.
        for (std::size_t id = 0; id < streams_.size(); ++id) {
            Stream* stream = streams_[id].get();
            if (stream == nullptr)
                continue;
            for (std::uint8_t side = 0; side < 2; ++side)
                if (stream->end[side].host == host.index_ && stream->end[side].vanished) {
                    const Pipe& in = stream->pipe[side ^ 1];
                    if (in.lost || in.unsent() != 0)
                        send_packet(*stream, side, Kind::rst);
                }
        }
        host.runner_.wake();
    }

    /// True when the connection whose client end is `local_endpoint` ("10.0.0.2:40001") met a
    /// fault: a reset, a black hole, a crash, or segments held by a partition or hold.
    [[nodiscard]] bool met_fault(const std::string& local_endpoint) const {
        const auto found = by_client_endpoint_.find(local_endpoint);
        return found != by_client_endpoint_.end() && faulted_.count(found->second) != 0;
    }

    // --- Waiter --------------------------------------------------------------------------

    /// Dispatches what is due by the attached clock's tyme: segments, connects, accepts,
    /// readiness, scheduled faults and actions.
    void poll() override {
        if (clock_ == nullptr)
            throw Error{"sim::World: poll() before a Doist was made with DoistOptions{.waiter = &world}"};
        if (!started_)
            start();
        const double tyme = now();
        for (;;) {
            // Readiness first, in the order it arose (it is always due now), then the queue.
            Event event{};
            if (!notices_.empty()) {
                event = notices_.front();
                notices_.pop();
            } else if (!next_due(tyme, event)) {
                break;
            }
            dispatch(event);
        }
        if (stop_when_ && doist_ != nullptr && !stop_requested_ && stop_when_()) {
            stop_requested_ = true;
            doist_->request_stop();
        }
    }

    /// Throws hio::Error: the simulation runs in virtual time only.
    void wait_until(std::chrono::steady_clock::time_point, const std::function<bool()>&) override {
        throw Error{"sim::World: a simulated network runs in virtual time only; make the Doist with real = false"};
    }

    void interrupt() noexcept override {}

    /// Takes the Doist's clock: reads tyme there, seeds its Random from the World's seed (so
    /// the doers' noise replays too) and makes the World's Trace its Tracer.
    void attach(Tymist& clock) override {
        clock_ = &clock;
        doist_ = dynamic_cast<Doist*>(&clock);
        clock.random() = random_.fork("doers");
        clock.tracer(&trace_);
    }

private:
    friend class Network;
    friend class DatagramNetwork;
    friend class detail::StreamEnd;
    friend class detail::StreamListener;
    friend class detail::DatagramEnd;

    static constexpr double never = std::numeric_limits<double>::infinity();

    enum class Kind : std::uint8_t {
        // packets, carried in a pipe
        syn,
        syn_ack,
        refuse,
        segment,
        fin,
        rst,
        // events in the World's queue
        deliver,        // a pipe's head packet is due
        notify_read,    // tell an armed end it is readable
        notify_write,   // tell an armed end it is writable
        notify_accept,  // tell an armed listener a peer waits
        accept_ready,   // a delayed connection becomes acceptable
        action,         // a scheduled action (a fault, a user's)
        reset_fault,    // reset a connection
        storm_end,      // a would-block storm ends
        datagram,       // a datagram in flight arrives
        notify_datagram,  // tell an armed datagram socket it is readable (side 0) or writable (1)
    };

    struct Packet {
        double time;
        std::uint32_t size;
        Kind kind;
    };

    template <class T>
    using Fifo = detail::Fifo<T>;

    // One direction of a stream: bytes [arrived | in flight | unsent] in one FIFO.
    struct LinkState;
    struct Pipe {
        Fifo<std::byte> data;
        Fifo<Packet> packets;
        LinkState* link = nullptr;
        std::size_t arrived = 0;
        std::size_t flight = 0;
        double free_at = 0.0;       // bandwidth: when the link is free for the next segment
        double last_arrival = 0.0;  // packets arrive in order
        double event_at = never;    // the pending deliver event, if any
        bool fin_wanted = false;
        bool fin_sent = false;
        bool drip = false;
        bool waiting = false;  // listed in its link's held pipes
        bool lost = false;     // bytes were sent toward a crashed host

        [[nodiscard]] std::size_t unsent() const noexcept { return data.size() - arrived - flight; }
    };
    struct End {
        std::uint32_t host = 0;
        std::uint16_t port = 0;
        detail::StreamEnd* transport = nullptr;
        std::error_code error{};
        double storm_until = -never;
        bool connected = false;
        bool app_closed = false;
        bool vanished = false;
        bool read_armed = false;
        bool write_armed = false;
        bool read_notice = false;   // a notify_read is queued
        bool write_notice = false;  // a notify_write is queued
        bool fin_in = false;
        bool shut = false;
        bool rst_sent = false;

        [[nodiscard]] bool dead() const noexcept { return app_closed || vanished; }
    };

    struct Stream {
        End end[2];    // 0: the connecting side, 1: the accepting side
        Pipe pipe[2];  // pipe[i] carries end[i] -> end[1 - i]
        Random random;
        std::uint32_t id = 0;
        std::uint32_t listener = no_listener;
        double reset_at = never;
        bool faulted = false;
    };

    struct LinkState {
        LinkOptions options;
        bool held = false;
        std::vector<std::pair<std::uint32_t, std::uint8_t>> waiting;  // (stream, direction)
    };

    struct ListenerState {
        std::uint32_t host;
        std::uint16_t port;
        std::size_t backlog;
        std::deque<std::uint32_t> ready;    // connections to accept
        std::deque<std::uint32_t> pending;  // SYNs beyond the backlog, answered when room frees
        detail::StreamListener* owner;
        bool armed = false;
        bool notice = false;
    };

    struct Event {
        double time;
        std::uint64_t seq;
        std::uint32_t target;
        std::uint8_t side;
        Kind kind;
        std::uint32_t extra;
    };
    struct Later {
        bool operator()(const Event& a, const Event& b) const noexcept {
            return a.time != b.time ? a.time > b.time : a.seq > b.seq;
        }
    };

    static constexpr std::uint32_t no_listener = std::numeric_limits<std::uint32_t>::max();

    // A bound datagram socket.
    struct DatagramState {
        std::uint32_t host = 0;
        std::uint16_t port = 0;
        detail::DatagramEnd* owner = nullptr;
        std::size_t max_datagram = 65507;
        std::deque<Datagram> queue;  // arrived, unread
        std::size_t queued_bytes = 0;
        Random random;
        bool vanished = false;  // its host crashed
        bool read_armed = false;
        bool read_notice = false;
    };
    // A datagram on its way.
    struct InFlight {
        Datagram datagram;  // peer: its source
        std::uint32_t host = 0;
        std::uint16_t port = 0;
        std::size_t window = 0;  // the receive window of its link
    };
    // Datagram sockets count apart from streams in the trace.
    static constexpr std::uint64_t datagram_trace_base = std::uint64_t{1} << 40;

    static WorldOptions checked(WorldOptions options) {
        options.link.validate();
        options.faults.validate();
        return options;
    }

    Host& require_host(std::string_view name) const {
        Host* host = find_host(name);
        if (host == nullptr)
            throw ValidationError{"sim::World: no host named " + std::string{name}};
        return *host;
    }

    LinkState& link_state(std::uint32_t from, std::uint32_t to) {
        const auto key = (static_cast<std::uint64_t>(from) << 32) | to;
        auto found = links_.find(key);
        if (found == links_.end())
            found = links_.emplace(key, LinkState{options_.link, false, {}}).first;
        return found->second;
    }

    // Events come in time order far more often than not (one latency for every segment): those
    // go to a FIFO, the others to the heap; poll takes the earlier head of the two (ties by seq).
    void push(Event event) {
        event.seq = next_seq_++;
        if (in_order_.empty() || event.time >= last_in_order_) {
            last_in_order_ = event.time;
            in_order_.push(event);
        } else {
            events_.push(event);
        }
    }

    // The next event due by `tyme`, if any, taken off its queue.
    bool next_due(double tyme, Event& out) {
        const bool fifo = !in_order_.empty() && in_order_.front().time <= tyme;
        const bool heap = !events_.empty() && events_.top().time <= tyme;
        if (fifo && (!heap || !Later{}(in_order_.front(), events_.top()))) {
            out = in_order_.front();
            in_order_.pop();
            return true;
        }
        if (heap) {
            out = events_.top();
            events_.pop();
            return true;
        }
        return false;
    }

    void log_fault(std::string what) {
        ++stats_.faults;
        faults_.push_back({now(), std::move(what)});
        trace_.event(faults_.back().what);
        if (on_fault_)
            on_fault_(faults_.back());
    }

    void mark_faulted(std::uint32_t id, Stream& stream) {
        stream.faulted = true;
        faulted_.insert(id);
    }

    [[nodiscard]] std::string endpoint(std::uint32_t host, std::uint16_t port) const {
        return hosts_[host]->address_ + ":" + std::to_string(port);
    }
    [[nodiscard]] std::string endpoint(const End& end) const { return endpoint(end.host, end.port); }

    // The scheduled faults of the menu, drawn when the run starts, among the hosts there are.
    void start() {
        started_ = true;
        const FaultOptions& f = options_.faults;
        const auto when = [&] { return f.start + fault_random_.uniform(0.0, f.horizon); };
        const auto length = [&] { return fault_random_.uniform(f.min_length, f.max_length); };
        const auto pick_pair = [&](std::string& a, std::string& b) {
            const std::uint64_t i = fault_random_.below(hosts_.size());
            std::uint64_t j = fault_random_.below(hosts_.size() - 1);
            if (j >= i)
                ++j;
            a = hosts_[i]->name_;
            b = hosts_[j]->name_;
        };
        if (hosts_.size() >= 2) {
            for (unsigned n = 0; n < f.partitions; ++n) {
                std::string a, b;
                pick_pair(a, b);
                const double from = when();
                const double until = from + length();
                at(from, [this, a, b] { partition(a, b); });
                at(until, [this, a, b] { heal(a, b); });
            }
            for (unsigned n = 0; n < f.one_way; ++n) {
                std::string a, b;
                pick_pair(a, b);
                const double from = when();
                const double until = from + length();
                at(from, [this, a, b] { hold(a, b); });
                at(until, [this, a, b] { release(a, b); });
            }
        }
        std::vector<std::string> crashable;
        for (const auto& host : hosts_)
            if (host->crashable_)
                crashable.push_back(host->name_);
        if (!crashable.empty())
            for (unsigned n = 0; n < f.crashes; ++n) {
                const std::string name = crashable[fault_random_.below(crashable.size())];
                const double from = when();
                const double until = from + length();
                at(from, [this, name] { crash(name); });
                at(until, [this, name] { restart(name); });
            }
    }

    void set_held(const std::string& from, const std::string& to, bool held, const char* log) {
        Host& a = require_host(from);
        Host& b = require_host(to);
        LinkState& link = link_state(a.index_, b.index_);
        if (link.held == held)
            return;
        if (log != nullptr)
            log_fault(std::string{log} + a.name_ + " -> " + b.name_);
        link.held = held;
        if (held)
            return;
        // What waited goes on after one latency, in order, behind nothing sent later.
        std::vector<std::pair<std::uint32_t, std::uint8_t>> waiting;
        waiting.swap(link.waiting);
        const double resume = now() + link.options.latency;
        for (const auto& [id, dir] : waiting) {
            Stream* stream = id < streams_.size() ? streams_[id].get() : nullptr;
            if (stream == nullptr)
                continue;
            Pipe& pipe = stream->pipe[dir];
            pipe.waiting = false;
            for (Packet& packet : pipe.packets)
                packet.time = std::max(packet.time, resume);
            pipe.last_arrival = std::max(pipe.last_arrival, resume);
            schedule_delivery(id, dir, pipe);
        }
    }

    void schedule_delivery(std::uint32_t id, std::uint8_t dir, Pipe& pipe) {
        if (pipe.packets.empty() || pipe.event_at <= pipe.packets.front().time)
            return;
        pipe.event_at = pipe.packets.front().time;
        push({pipe.event_at, 0, id, dir, Kind::deliver, 0});
    }

    // Queues a packet from end[dir] toward the other end: arrives in order, after the latency.
    void send_packet(Stream& stream, std::uint8_t dir, Kind kind, std::uint32_t size = 0, double depart = -1.0) {
        Pipe& pipe = stream.pipe[dir];
        const LinkOptions& link = pipe.link->options;
        const double start = std::max(depart, now());
        double arrival = start + link.latency;
        if (link.jitter > 0.0)
            arrival += link.jitter * stream.random.unit();
        arrival = std::max(arrival, pipe.last_arrival);
        pipe.last_arrival = arrival;
        pipe.packets.push({arrival, size, kind});
        schedule_delivery(id_of(stream), dir, pipe);
    }

    [[nodiscard]] static std::uint32_t id_of(const Stream& stream) noexcept { return stream.id; }

    // Moves unsent bytes of pipe `dir` onto the wire as far as the receiver's window allows.
    void pump(Stream& stream, std::uint8_t dir) {
        Pipe& pipe = stream.pipe[dir];
        const LinkOptions& link = pipe.link->options;
        End& from = stream.end[dir];
        const double tyme = now();
        while (pipe.unsent() != 0 && !from.vanished && from.connected) {
            const std::size_t used = pipe.arrived + pipe.flight;
            if (used >= link.receive_window)
                break;
            std::size_t size = std::min({pipe.unsent(), link.receive_window - used, link.segment});
            if (pipe.drip)
                size = 1;
            else if (link.split > 0.0 && size > 1 && stream.random.chance(link.split))
                size = static_cast<std::size_t>(stream.random.between(1, size));
            const double depart = std::max(tyme, pipe.free_at);
            double serial = link.bandwidth > 0.0 ? static_cast<double>(size) / link.bandwidth : 0.0;
            if (pipe.drip)
                serial = std::max(serial, options_.faults.drip_interval);
            pipe.free_at = depart + serial;
            pipe.flight += size;
            send_packet(stream, dir, Kind::segment, static_cast<std::uint32_t>(size), depart + serial);
        }
        if (pipe.unsent() == 0 && pipe.fin_wanted && !pipe.fin_sent && !from.vanished && from.connected) {
            pipe.fin_sent = true;
            send_packet(stream, dir, Kind::fin, 0, pipe.free_at);
        }
        if (from.write_armed && writable(stream, dir))
            notice(stream, dir, false);
    }

    [[nodiscard]] bool writable(const Stream& stream, std::uint8_t side) const noexcept {
        const End& end = stream.end[side];
        if (end.error || end.vanished)
            return true;  // the send reports it
        if (!end.connected)
            return false;
        if (now() < end.storm_until)
            return false;
        return stream.pipe[side].unsent() < stream.pipe[side].link->options.send_window;
    }

    [[nodiscard]] static bool readable(const Stream& stream, std::uint8_t side) noexcept {
        const End& end = stream.end[side];
        return stream.pipe[side ^ 1].arrived != 0 || end.fin_in || end.error;
    }

    // Queues one readiness call for an armed end (never called back from inside a receive or
    // a send: it runs in the next poll).
    void notice(Stream& stream, std::uint8_t side, bool read) {
        End& end = stream.end[side];
        bool& queued = read ? end.read_notice : end.write_notice;
        if (queued)
            return;
        queued = true;
        notices_.push({now(), 0, id_of(stream), side, read ? Kind::notify_read : Kind::notify_write, 0});
    }

    void dispatch(const Event& event) {
        switch (event.kind) {
        case Kind::deliver: return deliver(event.target, event.side);
        case Kind::notify_read:
        case Kind::notify_write: return notify(event);
        case Kind::notify_accept: return notify_accept(event.target);
        case Kind::accept_ready: return make_acceptable(event.target);
        case Kind::action: {
            auto action = std::move(actions_[event.target]);
            actions_[event.target] = nullptr;
            if (action)
                action();
            return;
        }
        case Kind::reset_fault: return reset_fault(event.target);
        case Kind::datagram: return arrive_datagram(event.target);
        case Kind::notify_datagram: return notify_datagram(event.target, event.side);
        case Kind::storm_end: {
            Stream* stream = stream_at(event.target);
            if (stream != nullptr && stream->end[event.side].write_armed && writable(*stream, event.side))
                notice(*stream, event.side, false);
            return;
        }
        default: return;
        }
    }

    [[nodiscard]] Stream* stream_at(std::uint32_t id) const noexcept {
        return id < streams_.size() ? streams_[id].get() : nullptr;
    }

    inline void notify(const Event& event);
    inline void notify_accept(std::uint32_t listener);

    void deliver(std::uint32_t id, std::uint8_t dir) {
        Stream* stream = stream_at(id);
        if (stream == nullptr)
            return;
        Pipe& pipe = stream->pipe[dir];
        pipe.event_at = never;
        const double tyme = now();
        while (!pipe.packets.empty() && pipe.packets.front().time <= tyme) {
            if (pipe.link->held) {
                if (!pipe.waiting) {
                    pipe.waiting = true;
                    pipe.link->waiting.emplace_back(id, dir);
                }
                mark_faulted(id, *stream);
                return;  // resumes when the link is released
            }
            const Packet packet = pipe.packets.front();
            pipe.packets.pop();
            arrive(id, *stream, dir, packet);
            stream = stream_at(id);  // an arrival may end the stream
            if (stream == nullptr)
                return;
        }
        schedule_delivery(id, dir, pipe);
    }

    void arrive(std::uint32_t id, Stream& stream, std::uint8_t dir, const Packet& packet) {
        Pipe& pipe = stream.pipe[dir];
        End& to = stream.end[dir ^ 1];
        const Host& host = *hosts_[to.host];
        if (packet.kind == Kind::segment)
            pipe.flight -= packet.size;
        if (!host.up_ || (to.vanished && packet.kind == Kind::syn)) {
            // Toward a crashed host: lost, and so is all the pipe holds (the sender's
            // retransmissions get a reset after the restart, see restart()).
            if (packet.kind == Kind::segment)
                pipe.lost = true;
            drop(pipe);
            mark_faulted(id, stream);
            return;
        }
        if (to.dead() && packet.kind != Kind::rst && packet.kind != Kind::refuse) {
            // The connection is gone at that end (closed, or its host rebooted): answer with a reset.
            if (packet.kind == Kind::segment)
                drop(pipe);  // nobody will read it
            if ((packet.kind == Kind::segment || packet.kind == Kind::syn_ack) && !to.rst_sent &&
                !stream.end[dir].dead()) {
                to.rst_sent = true;
                send_packet(stream, dir ^ 1, Kind::rst);
            }
            return;
        }
        switch (packet.kind) {
        case Kind::syn: return arrive_syn(id, stream);
        case Kind::syn_ack:
            to.connected = true;
            pump(stream, dir ^ 1);
            if (to.write_armed)
                notice(stream, dir ^ 1, false);
            return;
        case Kind::refuse:
            ++stats_.refused;
            to.error = std::make_error_code(std::errc::connection_refused);
            if (to.write_armed)
                notice(stream, dir ^ 1, false);
            return;
        case Kind::segment:
            ++stats_.segments;
            stats_.bytes += packet.size;
            pipe.arrived += packet.size;
            if (to.read_armed)
                notice(stream, dir ^ 1, true);
            return;
        case Kind::fin:
            to.fin_in = true;
            if (to.read_armed)
                notice(stream, dir ^ 1, true);
            return;
        case Kind::rst:
            if (to.error)
                return;
            ++stats_.resets;
            reset_end(stream, dir ^ 1);
            return;
        default: return;
        }
    }

    // Forgets everything a pipe holds or carries.
    static void drop(Pipe& pipe) noexcept {
        pipe.packets.clear();
        pipe.data.clear();
        pipe.arrived = 0;
        pipe.flight = 0;
    }

    // A reset reaches end `side`: what already arrived stays readable, then the error.
    void reset_end(Stream& stream, std::uint8_t side) {
        End& end = stream.end[side];
        end.error = end.connected ? std::make_error_code(std::errc::connection_reset)
                                  : std::make_error_code(std::errc::connection_refused);
        Pipe& out = stream.pipe[side];
        out.data.truncate(out.arrived + out.flight);
        if (end.read_armed)
            notice(stream, side, true);
        if (end.write_armed)
            notice(stream, side, false);
    }

    inline void arrive_syn(std::uint32_t id, Stream& stream);
    inline void make_acceptable(std::uint32_t id);
    inline void vanish_listener(std::size_t index);

    void reset_fault(std::uint32_t id) {
        Stream* stream = stream_at(id);
        if (stream == nullptr || stream->end[0].dead() || stream->end[1].dead() || stream->end[0].error ||
            stream->end[1].error)
            return;
        log_fault("reset " + endpoint(stream->end[0]) + " <-> " + endpoint(stream->end[1]));
        mark_faulted(id, *stream);
        stats_.resets += 2;
        for (std::uint8_t side = 0; side < 2; ++side) {
            stream->pipe[side].packets.clear();
            stream->pipe[side].data.truncate(stream->pipe[side].arrived);
            stream->pipe[side].flight = 0;
        }
        reset_end(*stream, 0);
        reset_end(*stream, 1);
    }

    // Frees a stream once neither end can use it.
    void release_if_dead(std::uint32_t id) {
        Stream* stream = stream_at(id);
        if (stream == nullptr || !stream->end[0].dead() || !stream->end[1].dead())
            return;
        if (stream->end[0].transport != nullptr || stream->end[1].transport != nullptr)
            return;  // a transport still points here (a crashed host's, until its doers close)
        streams_[id].reset();
    }

    // --- used by sim::Network and the transports ------------------------------------------

    std::uint32_t new_stream(Host& from, std::uint16_t from_port, Host& to, std::uint16_t to_port) {
        const auto id = static_cast<std::uint32_t>(streams_.size());
        auto stream = std::make_unique<Stream>();
        stream->random = net_.fork(id);
        stream->id = id;
        stream->end[0].host = from.index_;
        stream->end[0].port = from_port;
        stream->end[1].host = to.index_;
        stream->end[1].port = to_port;
        stream->pipe[0].link = &link_state(from.index_, to.index_);
        stream->pipe[1].link = &link_state(to.index_, from.index_);
        streams_.push_back(std::move(stream));
        return id;
    }

    inline std::unique_ptr<Transport> connect(Host& from, const std::string& host, std::uint16_t port,
                                              std::error_code& error);
    inline std::unique_ptr<DatagramSocket> bind_datagram(Host& on, const SocketAddress& address,
                                                         const DatagramSocketOptions& options);
    inline DatagramResult send_datagrams(std::uint32_t index, std::span<const Datagram> from);
    inline DatagramResult receive_datagrams(std::uint32_t index, std::span<Datagram> into);
    inline void arm_datagram(std::uint32_t index, bool read);
    inline void close_datagram(std::uint32_t index) noexcept;
    inline void arrive_datagram(std::uint32_t slot);
    inline void notify_datagram(std::uint32_t index, std::uint8_t side);
    inline std::unique_ptr<Listener> listen(Host& on, const std::string& host, std::uint16_t port, int backlog);

    WorldOptions options_;
    Random random_;
    Random net_;
    Random fault_random_;
    Trace trace_;
    Tymist* clock_ = nullptr;
    Doist* doist_ = nullptr;
    std::vector<std::unique_ptr<Host>> hosts_;
    std::map<std::uint64_t, LinkState> links_;  // node-based: pipes keep pointers
    std::vector<std::unique_ptr<Stream>> streams_;
    std::vector<std::unique_ptr<ListenerState>> listeners_;
    std::map<std::pair<std::uint32_t, std::uint16_t>, std::uint32_t> ports_;  // (host, port) -> listener
    std::unordered_map<std::string, std::uint32_t> by_client_endpoint_;
    std::vector<std::unique_ptr<DatagramState>> datagram_sockets_;
    std::map<std::pair<std::uint32_t, std::uint16_t>, std::uint32_t> datagram_ports_;  // (host, port) -> socket
    std::vector<InFlight> in_flight_;
    std::vector<std::uint32_t> free_flight_;
    std::unordered_set<std::uint32_t> faulted_;
    std::priority_queue<Event, std::vector<Event>, Later> events_;
    Fifo<Event> in_order_;  // events pushed in time order
    double last_in_order_ = 0.0;
    Fifo<Event> notices_;  // readiness to report, due now: no heap needed
    std::vector<std::function<void()>> actions_;
    std::vector<FaultEvent> faults_;
    std::function<void(const FaultEvent&)> on_fault_;
    std::function<bool()> stop_when_;
    WorldStats stats_;
    std::uint64_t next_seq_ = 0;
    bool started_ = false;
    bool stop_requested_ = false;
};

namespace detail {

/// One end of a simulated stream, as the Connection that owns it sees it.
class StreamEnd final : public Transport {
public:
    StreamEnd(World& world, std::uint32_t id, std::uint8_t side) noexcept : world_{world}, id_{id}, side_{side} {
        World::Stream& s = stream();
        s.end[side].transport = this;
        local_ = {s.end[side].host, s.end[side].port};
        remote_ = {s.end[side ^ 1].host, s.end[side ^ 1].port};
    }
    StreamEnd(const StreamEnd&) = delete;
    StreamEnd& operator=(const StreamEnd&) = delete;
    ~StreamEnd() override { close(); }

    IoResult receive(std::span<std::byte> into) override {
        if (closed_)
            return {.error = std::make_error_code(std::errc::bad_file_descriptor)};
        World::Stream& s = stream();
        World::End& e = s.end[side_];
        if (e.vanished)
            return {.would_block = true};
        World::Pipe& in = s.pipe[side_ ^ 1];
        const std::size_t count = std::min(into.size(), in.arrived);
        if (count != 0) {
            std::copy_n(in.data.begin(), count, into.data());
            in.data.pop(count);
            in.arrived -= count;
            world_.trace_.moved(transport_number(), true, {into.data(), count});
            world_.pump(s, side_ ^ 1);  // the window opened: the peer may send more
            return {.bytes = count, .more = in.arrived != 0 || e.fin_in || bool(e.error)};
        }
        if (e.error)
            return {.error = e.error};
        if (e.fin_in)
            return {.eof = true};
        return {.would_block = true};
    }

    IoResult send(std::span<const std::byte> from) override {
        if (closed_)
            return {.error = std::make_error_code(std::errc::bad_file_descriptor)};
        World::Stream& s = stream();
        World::End& e = s.end[side_];
        if (e.vanished)
            return {.would_block = true};
        if (e.error)
            return {.error = e.error};
        if (e.shut)
            return {.error = std::make_error_code(std::errc::broken_pipe)};
        // Bytes sent while the handshake is under way wait in the send buffer and leave with
        // its completion (as with TCP Fast Open). Connection never sends before it is
        // connected; sim::Replay does, to put a captured first request in the pass of its accept.
        if (from.empty())
            return {};
        const double tyme = world_.now();
        if (tyme < e.storm_until)
            return {.would_block = true};
        const FaultOptions& faults = world_.options_.faults;
        if (faults.would_block > 0.0 && s.random.chance(faults.would_block)) {
            e.storm_until = tyme + faults.storm_length;
            world_.log_fault("would-block storm on " + world_.endpoint(e));
            world_.push({e.storm_until, 0, id_, side_, World::Kind::storm_end, 0});
            return {.would_block = true};
        }
        World::Pipe& out = s.pipe[side_];
        const LinkOptions& link = out.link->options;
        const std::size_t room = link.send_window - std::min(link.send_window, out.unsent());
        if (room == 0)
            return {.would_block = true};
        std::size_t count = std::min(room, from.size());
        if (link.short_writes > 0.0 && count > 1 && s.random.chance(link.short_writes))
            count = static_cast<std::size_t>(s.random.between(1, count));
        out.data.append(from.data(), count);
        world_.trace_.moved(transport_number(), false, from.first(count));
        world_.pump(s, side_);
        return {.bytes = count};
    }

    std::error_code shutdown_send() noexcept override {
        if (closed_)
            return std::make_error_code(std::errc::bad_file_descriptor);
        World::Stream& s = stream();
        World::End& e = s.end[side_];
        if (e.vanished || e.shut)
            return {};
        e.shut = true;
        s.pipe[side_].fin_wanted = true;
        try {
            world_.pump(s, side_);
        } catch (...) {
            return std::make_error_code(std::errc::not_enough_memory);
        }
        return {};
    }

    void close() noexcept override {
        if (closed_)
            return;
        closed_ = true;
        events_ = nullptr;
        World::Stream& s = stream();
        World::End& e = s.end[side_];
        e.transport = nullptr;
        e.read_armed = e.write_armed = false;
        if (!e.vanished && !e.app_closed) {
            e.app_closed = true;
            World::Pipe& out = s.pipe[side_];
            World::Pipe& in = s.pipe[side_ ^ 1];
            try {
                if (!s.end[side_ ^ 1].dead() && !e.error && (in.arrived != 0 || !e.connected)) {
                    // Unread input (or a connect given up): Linux answers with a reset.
                    out.data.truncate(out.arrived + out.flight);
                    if (e.connected) {
                        e.rst_sent = true;
                        world_.send_packet(s, side_, World::Kind::rst);
                    }
                } else if (!e.error && e.connected) {
                    out.fin_wanted = true;  // the kernel sends what was queued, then FIN
                    world_.pump(s, side_);
                }
            } catch (...) {
                // out of memory while queueing the goodbye: the peer times out instead
            }
        }
        world_.release_if_dead(id_);
    }

    void watch(TransportEvents* events) noexcept override { events_ = events; }

    void arm_read() override {
        if (closed_)
            return;
        World::Stream& s = stream();
        s.end[side_].read_armed = true;
        if (World::readable(s, side_))
            world_.notice(s, side_, true);
    }

    void arm_write() override {
        if (closed_)
            return;
        World::Stream& s = stream();
        World::End& e = s.end[side_];
        e.write_armed = true;
        if (e.error || e.vanished || (e.connected && world_.writable(s, side_)))
            world_.notice(s, side_, false);
    }

    std::error_code finish_connect() noexcept override {
        if (closed_)
            return std::make_error_code(std::errc::bad_file_descriptor);
        const World::End& e = stream().end[side_];
        if (e.error)
            return e.error;
        return e.connected ? std::error_code{} : std::make_error_code(std::errc::operation_in_progress);
    }

    // Kept as (host, port): the stream may be gone once this end is closed.
    [[nodiscard]] std::string remote_endpoint() const override { return world_.endpoint(remote_.first, remote_.second); }
    [[nodiscard]] std::string local_endpoint() const override { return world_.endpoint(local_.first, local_.second); }

    // Called by the World's poll.
    void readable() noexcept {
        if (events_ != nullptr)
            events_->on_readable();
    }
    void writable() noexcept {
        if (events_ != nullptr)
            events_->on_writable();
    }

private:
    [[nodiscard]] World::Stream& stream() const noexcept { return *world_.streams_[id_]; }
    [[nodiscard]] std::uint64_t transport_number() const noexcept { return std::uint64_t{id_} * 2 + side_; }

    World& world_;
    std::uint32_t id_;
    std::uint8_t side_;
    std::pair<std::uint32_t, std::uint16_t> local_;
    std::pair<std::uint32_t, std::uint16_t> remote_;
    TransportEvents* events_ = nullptr;
    bool closed_ = false;
};

/// A listening port of a simulated host.
class StreamListener final : public Listener {
public:
    StreamListener(World& world, std::uint32_t index) noexcept : world_{world}, index_{index} {}
    StreamListener(const StreamListener&) = delete;
    StreamListener& operator=(const StreamListener&) = delete;
    ~StreamListener() override { close(); }

    std::unique_ptr<Transport> accept(std::error_code& error) override {
        error.clear();
        World::ListenerState* state = this->state();
        if (state == nullptr || state->ready.empty())
            return nullptr;
        const std::uint32_t id = state->ready.front();
        state->ready.pop_front();
        auto transport = std::make_unique<StreamEnd>(world_, id, std::uint8_t{1});
        if (!state->pending.empty()) {
            const std::uint32_t next = state->pending.front();  // room in the backlog: answer a waiting SYN
            state->pending.pop_front();
            if (World::Stream* stream = world_.stream_at(next))
                world_.arrive_syn(next, *stream);
        }
        return transport;
    }

    void watch(TransportEvents* events) noexcept override { events_ = events; }

    void arm_accept() override {
        World::ListenerState* state = this->state();
        if (state == nullptr)
            return;
        state->armed = true;
        if (!state->ready.empty() && !state->notice) {
            state->notice = true;
            world_.notices_.push({world_.now(), 0, index_, 0, World::Kind::notify_accept, 0});
        }
    }

    [[nodiscard]] std::string local_endpoint() const override { return address_ + ":" + std::to_string(port_); }
    [[nodiscard]] std::uint16_t port() const override { return port_; }

    void close() noexcept override {
        if (closed_)
            return;
        closed_ = true;
        events_ = nullptr;
        World::ListenerState* state = this->state();
        if (state == nullptr)
            return;
        world_.ports_.erase({state->host, state->port});
        try {
            // Connections nobody accepted are reset; waiting SYNs refused.
            for (const std::uint32_t id : state->ready)
                if (World::Stream* stream = world_.stream_at(id)) {
                    stream->end[1].app_closed = true;
                    if (!stream->end[0].dead()) {
                        stream->end[1].rst_sent = true;
                        world_.send_packet(*stream, 1, World::Kind::rst);
                    }
                    world_.release_if_dead(id);
                }
            for (const std::uint32_t id : state->pending)
                if (World::Stream* stream = world_.stream_at(id)) {
                    stream->end[1].app_closed = true;
                    world_.send_packet(*stream, 1, World::Kind::refuse);
                }
        } catch (...) {
            // out of memory: the peers time out instead
        }
        world_.listeners_[index_].reset();
    }

    void opened(std::string address, std::uint16_t port) {
        address_ = std::move(address);
        port_ = port;
    }

    void readable() noexcept {
        if (events_ != nullptr)
            events_->on_readable();
    }

private:
    [[nodiscard]] World::ListenerState* state() const noexcept {
        return closed_ || index_ >= world_.listeners_.size() ? nullptr : world_.listeners_[index_].get();
    }

    World& world_;
    std::uint32_t index_;
    std::string address_;
    std::uint16_t port_ = 0;
    TransportEvents* events_ = nullptr;
    bool closed_ = false;
};

}  // namespace detail

inline void World::notify(const Event& event) {
    Stream* stream = stream_at(event.target);
    if (stream == nullptr)
        return;
    End& end = stream->end[event.side];
    const bool read = event.kind == Kind::notify_read;
    (read ? end.read_notice : end.write_notice) = false;
    bool& armed = read ? end.read_armed : end.write_armed;
    if (!armed || end.transport == nullptr)
        return;
    if (read ? !readable(*stream, event.side) : !writable(*stream, event.side))
        return;  // no longer true (a storm began): stay armed
    armed = false;
    if (read)
        end.transport->readable();
    else
        end.transport->writable();
}

inline void World::notify_accept(std::uint32_t index) {
    ListenerState* state = index < listeners_.size() ? listeners_[index].get() : nullptr;
    if (state == nullptr)
        return;
    state->notice = false;
    if (!state->armed || state->ready.empty())
        return;
    state->armed = false;
    state->owner->readable();
}

inline void World::arrive_syn(std::uint32_t id, Stream& stream) {
    End& server = stream.end[1];
    const auto found = ports_.find({server.host, server.port});
    if (found == ports_.end()) {
        server.app_closed = true;
        send_packet(stream, 1, Kind::refuse);
        return;
    }
    ListenerState& listener = *listeners_[found->second];
    if (listener.ready.size() >= listener.backlog) {
        listener.pending.push_back(id);  // as a full accept queue drops SYNs: the client retries
        return;
    }
    server.connected = true;
    stream.listener = found->second;
    const FaultOptions& f = options_.faults;
    // Draw every fault of the connection in a fixed order, whether it is on or not, so that
    // turning one on does not change which connections the others hit.
    const bool reset = stream.random.chance(f.reset);
    const double reset_after = stream.random.uniform(0.0, f.reset_within);
    const bool drip_up = stream.random.chance(f.drip);
    const bool drip_down = stream.random.chance(f.drip);
    const bool delay = stream.random.chance(f.accept_delay);
    const double delay_for = stream.random.uniform(0.0, f.accept_delay_max);
    if (drip_up || drip_down) {
        stream.pipe[0].drip = drip_up;
        stream.pipe[1].drip = drip_down;
        log_fault("drip " + endpoint(stream.end[0]) + (drip_up && drip_down ? " <-> " : drip_up ? " -> " : " <- ") +
                  endpoint(server));
    }
    if (reset)
        push({now() + reset_after, 0, id, 0, Kind::reset_fault, 0});
    send_packet(stream, 1, Kind::syn_ack);
    if (delay && delay_for > 0.0) {
        log_fault("accept delay " + hio::detail::format_number(delay_for) + " for " + endpoint(stream.end[0]));
        push({now() + delay_for, 0, id, 0, Kind::accept_ready, 0});
    } else {
        make_acceptable(id);
    }
}

inline void World::make_acceptable(std::uint32_t id) {
    Stream* stream = stream_at(id);
    if (stream == nullptr || stream->listener >= listeners_.size() || listeners_[stream->listener] == nullptr)
        return;
    ListenerState& listener = *listeners_[stream->listener];
    listener.ready.push_back(id);
    if (listener.armed && !listener.notice) {
        listener.notice = true;
        notices_.push({now(), 0, stream->listener, 0, Kind::notify_accept, 0});
    }
}

inline void World::vanish_listener(std::size_t index) {
    ListenerState& listener = *listeners_[index];
    ports_.erase({listener.host, listener.port});
    for (const std::uint32_t id : listener.ready)
        if (Stream* stream = stream_at(id))
            stream->end[1].vanished = true;
    for (const std::uint32_t id : listener.pending)
        if (Stream* stream = stream_at(id))
            stream->end[1].vanished = true;
    // The StreamListener lives on with its server until the host's doers close it; it finds
    // no state and does nothing.
    listeners_[index].reset();
}

inline std::unique_ptr<Transport> World::connect(Host& from, const std::string& host, std::uint16_t port,
                                                 std::error_code& error) {
    error.clear();
    Host* to = (host == "127.0.0.1" || host == "::1" || host == "localhost") ? &from : find_host(host);
    if (to == nullptr) {
        error = std::make_error_code(std::errc::host_unreachable);
        return nullptr;
    }
    ++stats_.connections;
    const std::uint32_t id = new_stream(from, from.next_port(), *to, port);
    Stream& stream = *streams_[id];
    auto transport = std::make_unique<detail::StreamEnd>(*this, id, std::uint8_t{0});
    by_client_endpoint_[endpoint(stream.end[0])] = id;
    if (stream.random.chance(options_.faults.black_hole)) {
        log_fault("black hole " + endpoint(stream.end[0]) + " -> " + to->address_ + ":" + std::to_string(port));
        mark_faulted(id, stream);
        return transport;
    }
    send_packet(stream, 0, Kind::syn);
    return transport;
}

inline std::unique_ptr<Listener> World::listen(Host& on, const std::string& host, std::uint16_t port,
                                               int backlog) {
    if (backlog < 1)
        throw ValidationError{"sim::Network: backlog must be >= 1, got " + std::to_string(backlog)};
    const bool mine = host.empty() || host == "0.0.0.0" || host == "::" || host == "127.0.0.1" || host == "::1" ||
                      host == "localhost" || host == on.name_ || host == on.address_;
    if (!mine)
        throw SystemError{std::make_error_code(std::errc::address_not_available),
                          "sim::Network: host " + on.name_ + " cannot listen on " + host + ":" + std::to_string(port) +
                              " (not its address)"};
    if (port == 0) {
        for (std::uint32_t tries = 0; tries < 65536 && ports_.count({on.index_, on.next_port_}) != 0; ++tries)
            static_cast<void>(on.next_port());
        port = on.next_port();
    }
    if (ports_.count({on.index_, port}) != 0)
        throw SystemError{std::make_error_code(std::errc::address_in_use),
                          "sim::Network: " + on.name_ + ":" + std::to_string(port) + " is already listening"};
    const auto index = static_cast<std::uint32_t>(listeners_.size());
    auto listener = std::make_unique<detail::StreamListener>(*this, index);
    listener->opened(on.address_, port);
    listeners_.push_back(std::make_unique<ListenerState>(
        ListenerState{on.index_, port, static_cast<std::size_t>(backlog), {}, {}, listener.get()}));
    ports_[{on.index_, port}] = index;
    return listener;
}

namespace detail {

/// A simulated datagram socket, as a DatagramPeer sees it.
class DatagramEnd final : public hio::DatagramSocket {
public:
    DatagramEnd(World& world, std::uint32_t index, SocketAddress local) noexcept
        : world_{world}, index_{index}, local_{local} {}
    DatagramEnd(const DatagramEnd&) = delete;
    DatagramEnd& operator=(const DatagramEnd&) = delete;
    ~DatagramEnd() override { close(); }

    DatagramResult receive(std::span<Datagram> into) override {
        if (closed_) {
            DatagramResult result;
            result.would_block = true;
            return result;
        }
        return world_.receive_datagrams(index_, into);
    }
    DatagramResult send(std::span<const Datagram> from) override {
        if (closed_) {
            DatagramResult result;
            result.error = std::make_error_code(std::errc::bad_file_descriptor);
            return result;
        }
        return world_.send_datagrams(index_, from);
    }
    void watch(TransportEvents* events) noexcept override { events_ = events; }
    void arm_read() override {
        if (!closed_)
            world_.arm_datagram(index_, true);
    }
    void arm_write() override {
        if (!closed_)
            world_.arm_datagram(index_, false);
    }
    void close() noexcept override {
        if (closed_)
            return;
        closed_ = true;
        events_ = nullptr;
        world_.close_datagram(index_);
    }
    [[nodiscard]] SocketAddress local_address() const override { return local_; }

    void readable() noexcept {
        if (events_ != nullptr)
            events_->on_readable();
    }
    void writable() noexcept {
        if (events_ != nullptr)
            events_->on_writable();
    }

private:
    World& world_;
    std::uint32_t index_;
    SocketAddress local_;
    TransportEvents* events_ = nullptr;
    bool closed_ = false;
};

}  // namespace detail

inline std::unique_ptr<DatagramSocket> World::bind_datagram(Host& on, const SocketAddress& address,
                                                            const DatagramSocketOptions& options) {
    if (address.family() != AF_INET)
        throw SystemError{std::make_error_code(std::errc::address_family_not_supported),
                          "sim::DatagramNetwork: only IPv4 addresses, not " + address.text()};
    const std::string host = address.host();
    if (host != "0.0.0.0" && host != "127.0.0.1" && host != on.address_)
        throw SystemError{std::make_error_code(std::errc::address_not_available),
                          "sim::DatagramNetwork: host " + on.name_ + " cannot bind " + address.text() +
                              " (not its address)"};
    std::uint16_t port = address.port();
    if (port == 0) {
        for (std::uint32_t tries = 0; tries < 65536 && datagram_ports_.count({on.index_, on.next_port_}) != 0; ++tries)
            static_cast<void>(on.next_port());
        port = on.next_port();
    }
    if (datagram_ports_.count({on.index_, port}) != 0)
        throw SystemError{std::make_error_code(std::errc::address_in_use),
                          "sim::DatagramNetwork: " + on.name_ + ":" + std::to_string(port) + " is already bound"};
    SocketAddress local;
    if (!SocketAddress::parse(on.address_, port, local))
        throw SystemError{std::make_error_code(std::errc::address_not_available),
                          "sim::DatagramNetwork: host " + on.name_ + " has no numeric address (" + on.address_ + ")"};
    const auto index = static_cast<std::uint32_t>(datagram_sockets_.size());
    auto state = std::make_unique<DatagramState>();
    state->host = on.index_;
    state->port = port;
    state->max_datagram = options.max_datagram;
    state->random = net_.fork(datagram_trace_base + index);
    auto socket = std::make_unique<detail::DatagramEnd>(*this, index, local);
    state->owner = socket.get();
    datagram_sockets_.push_back(std::move(state));
    datagram_ports_[{on.index_, port}] = index;
    trace_.event("bind " + local.text());
    return socket;
}

inline DatagramResult World::send_datagrams(std::uint32_t index, std::span<const Datagram> from) {
    DatagramResult result;
    DatagramState& socket = *datagram_sockets_[index];
    if (socket.vanished) {  // a crashed host's socket: what it sends goes nowhere
        result.count = from.size();
        return result;
    }
    const Host& source = *hosts_[socket.host];
    for (const Datagram& datagram : from) {
        const std::string to_host = datagram.peer.family() == AF_INET ? datagram.peer.host() : std::string{};
        const Host* target = to_host == "127.0.0.1" ? &source : find_host(to_host);
        if (target == nullptr) {
            result.error = std::make_error_code(std::errc::network_unreachable);
            return result;  // this datagram fails on its own, as sendto would
        }
        ++result.count;
        trace_.moved(datagram_trace_base + index, false, std::as_bytes(std::span{datagram.payload}));
        LinkState& link = link_state(socket.host, target->index_);
        const std::string route = endpoint(socket.host, socket.port) + " -> " + datagram.peer.text();
        if (link.held || !target->up_) {
            ++stats_.datagrams_dropped;
            continue;
        }
        if (options_.faults.loss > 0.0 && socket.random.chance(options_.faults.loss)) {
            ++stats_.datagrams_dropped;
            log_fault("lose datagram " + route);
            continue;
        }
        const int copies = options_.faults.duplicate > 0.0 && socket.random.chance(options_.faults.duplicate) ? 2 : 1;
        if (copies == 2) {
            ++stats_.datagrams_duplicated;
            log_fault("duplicate datagram " + route);
        }
        for (int copy = 0; copy < copies; ++copy) {
            std::uint32_t slot;
            if (!free_flight_.empty()) {
                slot = free_flight_.back();
                free_flight_.pop_back();
            } else {
                slot = static_cast<std::uint32_t>(in_flight_.size());
                in_flight_.emplace_back();
            }
            InFlight& flight = in_flight_[slot];
            const LinkOptions& options = link.options;
            const std::size_t length =
                options.mtu != 0 && datagram.payload.size() > options.mtu ? options.mtu : datagram.payload.size();
            if (length < datagram.payload.size() && copy == 0)
                ++stats_.datagrams_truncated;
            flight.datagram.payload.assign(datagram.payload, 0, length);
            flight.datagram.size = length;
            SocketAddress::parse(source.address_, socket.port, flight.datagram.peer);
            flight.host = target->index_;
            flight.port = datagram.peer.port();
            flight.window = options.receive_window;
            const double arrival = now() + options.latency + options.jitter * socket.random.unit();
            push({arrival, 0, slot, 0, Kind::datagram, 0});
        }
    }
    return result;
}

inline void World::arrive_datagram(std::uint32_t slot) {
    InFlight& flight = in_flight_[slot];
    const auto found = datagram_ports_.find({flight.host, flight.port});
    DatagramState* socket = found == datagram_ports_.end() ? nullptr : datagram_sockets_[found->second].get();
    if (socket == nullptr || socket->vanished || !hosts_[flight.host]->up_ ||
        socket->queued_bytes + flight.datagram.payload.size() > flight.window) {
        ++stats_.datagrams_dropped;  // nobody bound there (no ICMP here), or its buffer is full
    } else {
        ++stats_.datagrams;
        socket->queued_bytes += flight.datagram.payload.size();
        socket->queue.push_back(std::move(flight.datagram));
        if (socket->read_armed && !socket->read_notice) {
            socket->read_notice = true;
            notices_.push({now(), 0, found->second, 0, Kind::notify_datagram, 0});
        }
    }
    flight.datagram = Datagram{};
    free_flight_.push_back(slot);
}

inline DatagramResult World::receive_datagrams(std::uint32_t index, std::span<Datagram> into) {
    DatagramResult result;
    DatagramState& socket = *datagram_sockets_[index];
    while (result.count < into.size() && !socket.queue.empty()) {
        Datagram& next = socket.queue.front();
        Datagram& out = into[result.count++];
        socket.queued_bytes -= next.payload.size();
        out.size = next.payload.size();
        if (next.payload.size() > socket.max_datagram)
            next.payload.resize(socket.max_datagram);  // cut, and says so (size)
        trace_.moved(datagram_trace_base + index, true, std::as_bytes(std::span{next.payload}));
        out.payload = std::move(next.payload);
        out.peer = next.peer;
        socket.queue.pop_front();
    }
    result.would_block = result.count < into.size();
    return result;
}

inline void World::arm_datagram(std::uint32_t index, bool read) {
    DatagramState& socket = *datagram_sockets_[index];
    if (read) {
        socket.read_armed = true;
        if (!socket.queue.empty() && !socket.read_notice) {
            socket.read_notice = true;
            notices_.push({now(), 0, index, 0, Kind::notify_datagram, 0});
        }
    } else {  // sends never block here
        notices_.push({now(), 0, index, 1, Kind::notify_datagram, 0});
    }
}

inline void World::notify_datagram(std::uint32_t index, std::uint8_t side) {
    DatagramState* socket = index < datagram_sockets_.size() ? datagram_sockets_[index].get() : nullptr;
    if (socket == nullptr || socket->owner == nullptr)
        return;
    if (side == 0) {
        socket->read_notice = false;
        if (!socket->read_armed)
            return;
        socket->read_armed = false;
        socket->owner->readable();
    } else {
        socket->owner->writable();
    }
}

inline void World::close_datagram(std::uint32_t index) noexcept {
    DatagramState* socket = datagram_sockets_[index].get();
    if (socket == nullptr)
        return;
    if (!socket->vanished) {
        const auto found = datagram_ports_.find({socket->host, socket->port});
        if (found != datagram_ports_.end() && found->second == index)
            datagram_ports_.erase(found);
    }
    datagram_sockets_[index].reset();
}

inline std::unique_ptr<DatagramSocket> DatagramNetwork::bind(const SocketAddress& address,
                                                             const DatagramSocketOptions& options) {
    return world_.bind_datagram(host_, address, options);
}

inline Waiter* DatagramNetwork::waiter() const noexcept { return &world_; }

inline Waiter* Network::waiter() const noexcept { return &world_; }

inline std::unique_ptr<Listener> Network::listen(const std::string& host, std::uint16_t port, int backlog) {
    return world_.listen(host_, host, port, backlog);
}

inline std::unique_ptr<Transport> Network::connect(const std::string& host, std::uint16_t port,
                                                   std::error_code& error) {
    return world_.connect(host_, host, port, error);
}

}  // namespace hio::sim
