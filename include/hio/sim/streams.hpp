#pragma once
/// \file
/// sim::detail::Streams: the stream model of the simulated network (TCP-like). Internal.
///
/// A stream joins two ends on two hosts (or one), each direction a pipe that carries
/// [arrived | in flight | unsent] bytes in one FIFO: in order, after the link's latency plus
/// seeded jitter, at its bandwidth, in segments of seeded sizes (short reads), bounded by the
/// receiver's window (a reader that does not read stops the writer) and the sender's buffer
/// (short writes). SYN, SYN-ACK, refusal, FIN and RST travel the same pipes. Listeners keep an
/// accept queue with a backlog; SYNs beyond it wait, as a full kernel queue drops them and the
/// client retries.
///
/// The stream ends (stream_end.hpp) are thin: each transport call is one call here, keyed by
/// (stream, side), so the model's state has one owner. Readiness is reported through the
/// calendar's notices, never from inside a receive or send: an armed end hears in the next
/// poll.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <system_error>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <hio/error.hpp>
#include <hio/io/transport.hpp>
#include <hio/random.hpp>
#include <hio/sim/fabric.hpp>
#include <hio/sim/listeners.hpp>
#include <hio/sim/pipe.hpp>

namespace hio::sim::detail {

/// The stream model (see the file comment).
class Streams {
public:
    /// What the calendar brings back to this room (Event::kind).
    enum class Kind : std::uint8_t {
        deliver,        // a pipe's head packet is due (side: the direction)
        notify_read,    // tell an armed end it is readable
        notify_write,   // tell an armed end it is writable
        accept_ready,   // a delayed connection becomes acceptable
        reset_fault,    // reset a connection
        storm_end,      // a would-block storm ends (side: the end)
    };

    static constexpr std::uint32_t no_listener = std::numeric_limits<std::uint32_t>::max();  // a stream not yet accepted

    explicit Streams(Fabric& fabric) noexcept : fabric_{fabric}, listeners_{fabric} {}
    Streams(const Streams&) = delete;
    Streams& operator=(const Streams&) = delete;

    // --- Connecting and listening (sim::Network) -------------------------------------------

    /// Starts a connection from `from` to `host`:`port`: the stream's id, or false with
    /// host_unreachable for an unknown host. A black hole (FaultOptions::black_hole) swallows
    /// the SYN.
    bool connect(HostState& from, const std::string& host, std::uint16_t port, std::uint32_t& id,
                 std::error_code& error);

    /// Opens a listener on `on`: its index. Throws as sim::Network::listen.
    std::uint32_t listen(HostState& on, const std::string& host, std::uint16_t& port, int backlog) {
        return listeners_.open(on, host, port, backlog);
    }

    // --- One end of a stream (StreamEnd) ---------------------------------------------------

    /// Binds the end (stream `id`, `side` 0: connecting, 1: accepting) to its transport's
    /// events; null detaches it (the transport closes).
    void watch(std::uint32_t id, std::uint8_t side, TransportEvents* events) noexcept;
    /// Transport::receive for an end.
    IoResult receive(std::uint32_t id, std::uint8_t side, std::span<std::byte> into);
    /// Transport::send for an end.
    IoResult send(std::uint32_t id, std::uint8_t side, std::span<const std::byte> from);
    /// Transport::shutdown_send for an end.
    std::error_code shutdown(std::uint32_t id, std::uint8_t side) noexcept;
    /// Transport::close for an end: FIN after what was queued, or RST over unread input.
    void close(std::uint32_t id, std::uint8_t side) noexcept;
    /// Transport::arm_read / arm_write for an end.
    void arm(std::uint32_t id, std::uint8_t side, bool read);
    /// Transport::finish_connect for an end.
    [[nodiscard]] std::error_code connect_result(std::uint32_t id, std::uint8_t side) const noexcept;
    /// "address:port" of an end (side) of stream `id`, as the host and port it was made with.
    [[nodiscard]] std::pair<std::uint32_t, std::uint16_t> address_of(std::uint32_t id, std::uint8_t side) const noexcept;

    // --- A listener (StreamListener) -------------------------------------------------------

    /// The next connection to accept on listener `index` (its stream id), if any.
    bool accept(std::uint32_t index, std::uint32_t& id);
    /// Listener::watch.
    void watch_listener(std::uint32_t index, TransportEvents* events) noexcept { listeners_.watch(index, events); }
    /// Listener::arm_accept.
    void arm_accept(std::uint32_t index) { listeners_.arm(index); }
    /// Listener::close: connections nobody accepted are reset, waiting SYNs refused.
    void close_listener(std::uint32_t index) noexcept;

    // --- The World's faults ---------------------------------------------------------------

    /// A host crashed: its listeners and stream ends vanish (no FIN), what they had unsent is
    /// lost.
    void crash(std::uint32_t host);
    /// A host came back: peers that were still sending to it get a reset.
    void restart(std::uint32_t host);
    /// A held link was released: what waited on it goes on after one latency, in order.
    void release(LinkState& link);
    /// True when the connection whose client end is `local_endpoint` met a fault.
    [[nodiscard]] bool met_fault(const std::string& local_endpoint) const {
        const auto found = by_client_endpoint_.find(local_endpoint);
        return found != by_client_endpoint_.end() && faulted_.count(found->second) != 0;
    }

    /// Handles an event of this room, or of its listeners' (Room::listeners).
    void dispatch(const Event& event);

private:
    static constexpr double never = Fabric::never;

    struct End {
        std::uint32_t host = 0;
        std::uint16_t port = 0;
        TransportEvents* events = nullptr;
        std::error_code error{};
        double storm_until = -never;
        bool attached = false;  // a transport still uses this end
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
        bool faulted = false;
    };
    [[nodiscard]] double now() const noexcept { return fabric_.now(); }
    [[nodiscard]] Stream* stream_at(std::uint32_t id) const noexcept {
        return id < streams_.size() ? streams_[id].get() : nullptr;
    }
    [[nodiscard]] std::string endpoint(const End& end) const { return fabric_.endpoint(end.host, end.port); }

    void push(double due, std::uint32_t target, std::uint8_t side, Kind kind) {
        fabric_.calendar().push({due, 0, target, side, static_cast<std::uint8_t>(kind), Room::streams});
    }
    void push_notice(std::uint32_t target, std::uint8_t side, Kind kind) {
        fabric_.calendar().notice({now(), 0, target, side, static_cast<std::uint8_t>(kind), Room::streams});
    }

    void mark_faulted(std::uint32_t id, Stream& stream) {
        stream.faulted = true;
        faulted_.insert(id);
    }

    std::uint32_t new_stream(HostState& from, std::uint16_t from_port, HostState& to, std::uint16_t to_port);
    void schedule_delivery(std::uint32_t id, std::uint8_t dir, Pipe& pipe);
    void send_packet(Stream& stream, std::uint8_t dir, PacketKind kind, std::uint32_t size = 0, double depart = -1.0);
    void pump(Stream& stream, std::uint8_t dir);
    [[nodiscard]] bool writable(const Stream& stream, std::uint8_t side) const noexcept;
    [[nodiscard]] static bool readable(const Stream& stream, std::uint8_t side) noexcept {
        const End& end = stream.end[side];
        return stream.pipe[side ^ 1].arrived != 0 || end.fin_in || end.error;
    }
    void notice(Stream& stream, std::uint8_t side, bool read);
    void notify(const Event& event);
    void deliver(std::uint32_t id, std::uint8_t dir);
    void arrive(std::uint32_t id, Stream& stream, std::uint8_t dir, const Packet& packet);
    void reset_end(Stream& stream, std::uint8_t side);
    void arrive_syn(std::uint32_t id, Stream& stream);
    void make_acceptable(std::uint32_t id);
    void reset_fault(std::uint32_t id);
    void release_if_dead(std::uint32_t id);

    Fabric& fabric_;
    std::vector<std::unique_ptr<Stream>> streams_;
    Listeners listeners_;
    std::unordered_map<std::string, std::uint32_t> by_client_endpoint_;
    std::unordered_set<std::uint32_t> faulted_;
};

// --- Connecting and listening --------------------------------------------------------------

inline bool Streams::connect(HostState& from, const std::string& host, std::uint16_t port, std::uint32_t& id,
                             std::error_code& error) {
    error.clear();
    HostState* to = (host == "127.0.0.1" || host == "::1" || host == "localhost") ? &from : fabric_.find_host(host);
    if (to == nullptr) {
        error = std::make_error_code(std::errc::host_unreachable);
        return false;
    }
    ++fabric_.stats().connections;
    id = new_stream(from, from.take_port(), *to, port);
    Stream& stream = *streams_[id];
    by_client_endpoint_[endpoint(stream.end[0])] = id;
    if (stream.random.chance(fabric_.faults().black_hole)) {
        fabric_.log_fault("black hole " + endpoint(stream.end[0]) + " -> " + to->address + ":" + std::to_string(port));
        mark_faulted(id, stream);
        return true;
    }
    send_packet(stream, 0, PacketKind::syn);
    return true;
}

inline std::uint32_t Streams::new_stream(HostState& from, std::uint16_t from_port, HostState& to, std::uint16_t to_port) {
    const auto id = static_cast<std::uint32_t>(streams_.size());
    auto stream = std::make_unique<Stream>();
    stream->random = fabric_.random().fork(id);
    stream->id = id;
    stream->end[0].host = from.index;
    stream->end[0].port = from_port;
    stream->end[1].host = to.index;
    stream->end[1].port = to_port;
    stream->pipe[0].link = &fabric_.link(from.index, to.index);
    stream->pipe[1].link = &fabric_.link(to.index, from.index);
    streams_.push_back(std::move(stream));
    return id;
}

// --- One end of a stream --------------------------------------------------------------------

inline void Streams::watch(std::uint32_t id, std::uint8_t side, TransportEvents* events) noexcept {
    End& end = streams_[id]->end[side];
    end.events = events;
    end.attached = true;
}

inline IoResult Streams::receive(std::uint32_t id, std::uint8_t side, std::span<std::byte> into) {
    Stream& s = *streams_[id];
    End& e = s.end[side];
    if (e.vanished)
        return {.would_block = true};
    Pipe& in = s.pipe[side ^ 1];
    const std::size_t count = std::min(into.size(), in.arrived);
    if (count != 0) {
        std::copy_n(in.data.begin(), count, into.data());
        in.data.pop(count);
        in.arrived -= count;
        fabric_.trace().moved(std::uint64_t{id} * 2 + side, true, {into.data(), count});
        pump(s, side ^ 1);  // the window opened: the peer may send more
        return {.bytes = count, .more = in.arrived != 0 || e.fin_in || bool(e.error)};
    }
    if (e.error)
        return {.error = e.error};
    if (e.fin_in)
        return {.eof = true};
    return {.would_block = true};
}

inline IoResult Streams::send(std::uint32_t id, std::uint8_t side, std::span<const std::byte> from) {
    Stream& s = *streams_[id];
    End& e = s.end[side];
    if (e.vanished)
        return {.would_block = true};
    if (e.error)
        return {.error = e.error};
    if (e.shut)
        return {.error = std::make_error_code(std::errc::broken_pipe)};
    // Bytes sent while the handshake is under way wait in the send buffer and leave with its
    // completion (as with TCP Fast Open). Connection never sends before it is connected;
    // sim::Replay does, to put a captured first request in the pass of its accept.
    if (from.empty())
        return {};
    const double tyme = now();
    if (tyme < e.storm_until)
        return {.would_block = true};
    const FaultOptions& faults = fabric_.faults();
    if (faults.would_block > 0.0 && s.random.chance(faults.would_block)) {
        e.storm_until = tyme + faults.storm_length;
        fabric_.log_fault("would-block storm on " + endpoint(e));
        push(e.storm_until, id, side, Kind::storm_end);
        return {.would_block = true};
    }
    Pipe& out = s.pipe[side];
    const LinkOptions& link = out.link->options;
    const std::size_t room = link.send_window - std::min(link.send_window, out.unsent());
    if (room == 0)
        return {.would_block = true};
    std::size_t count = std::min(room, from.size());
    if (link.short_writes > 0.0 && count > 1 && s.random.chance(link.short_writes))
        count = static_cast<std::size_t>(s.random.between(1, count));
    out.data.append(from.data(), count);
    fabric_.trace().moved(std::uint64_t{id} * 2 + side, false, from.first(count));
    pump(s, side);
    return {.bytes = count};
}

inline std::error_code Streams::shutdown(std::uint32_t id, std::uint8_t side) noexcept {
    Stream& s = *streams_[id];
    End& e = s.end[side];
    if (e.vanished || e.shut)
        return {};
    e.shut = true;
    s.pipe[side].fin_wanted = true;
    try {
        pump(s, side);
    } catch (...) {
        return std::make_error_code(std::errc::not_enough_memory);
    }
    return {};
}

inline void Streams::close(std::uint32_t id, std::uint8_t side) noexcept {
    Stream& s = *streams_[id];
    End& e = s.end[side];
    e.events = nullptr;
    e.attached = false;
    e.read_armed = e.write_armed = false;
    if (!e.vanished && !e.app_closed) {
        e.app_closed = true;
        Pipe& out = s.pipe[side];
        Pipe& in = s.pipe[side ^ 1];
        try {
            if (!s.end[side ^ 1].dead() && !e.error && (in.arrived != 0 || !e.connected)) {
                // Unread input (or a connect given up): Linux answers with a reset.
                out.data.truncate(out.arrived + out.flight);
                if (e.connected) {
                    e.rst_sent = true;
                    send_packet(s, side, PacketKind::rst);
                }
            } else if (!e.error && e.connected) {
                out.fin_wanted = true;  // the kernel sends what was queued, then FIN
                pump(s, side);
            }
        } catch (...) {
            // out of memory while queueing the goodbye: the peer times out instead
        }
    }
    release_if_dead(id);
}

inline void Streams::arm(std::uint32_t id, std::uint8_t side, bool read) {
    Stream& s = *streams_[id];
    End& e = s.end[side];
    if (read) {
        e.read_armed = true;
        if (readable(s, side))
            notice(s, side, true);
        return;
    }
    e.write_armed = true;
    if (e.error || e.vanished || (e.connected && writable(s, side)))
        notice(s, side, false);
}

inline std::error_code Streams::connect_result(std::uint32_t id, std::uint8_t side) const noexcept {
    const End& e = streams_[id]->end[side];
    if (e.error)
        return e.error;
    return e.connected ? std::error_code{} : std::make_error_code(std::errc::operation_in_progress);
}

inline std::pair<std::uint32_t, std::uint16_t> Streams::address_of(std::uint32_t id, std::uint8_t side) const noexcept {
    const End& e = streams_[id]->end[side];
    return {e.host, e.port};
}

// --- A listener ------------------------------------------------------------------------------

inline bool Streams::accept(std::uint32_t index, std::uint32_t& id) {
    std::optional<std::uint32_t> answer;
    if (!listeners_.take(index, id, answer))
        return false;
    watch(id, 1, nullptr);  // the accepting end is in use from now on
    if (answer)  // room in the backlog: answer a waiting SYN
        if (Stream* stream = stream_at(*answer))
            arrive_syn(*answer, *stream);
    return true;
}

inline void Streams::close_listener(std::uint32_t index) noexcept {
    try {
        // Connections nobody accepted are reset; waiting SYNs refused.
        const Listeners::Listener closed = listeners_.remove(index);
        for (const std::uint32_t id : closed.ready)
            if (Stream* stream = stream_at(id)) {
                stream->end[1].app_closed = true;
                if (!stream->end[0].dead()) {
                    stream->end[1].rst_sent = true;
                    send_packet(*stream, 1, PacketKind::rst);
                }
                release_if_dead(id);
            }
        for (const std::uint32_t id : closed.pending)
            if (Stream* stream = stream_at(id)) {
                stream->end[1].app_closed = true;
                send_packet(*stream, 1, PacketKind::refuse);
            }
    } catch (...) {
        // out of memory: the peers time out instead
    }
}

// --- The World's faults ----------------------------------------------------------------------

inline void Streams::crash(std::uint32_t host) {
    for (const std::uint32_t index : listeners_.of_host(host)) {
        // The StreamListener lives on with its server until the host's doers close it; it
        // finds no listener and does nothing.
        const Listeners::Listener gone = listeners_.remove(index);
        for (const std::uint32_t id : gone.ready)
            if (Stream* stream = stream_at(id))
                stream->end[1].vanished = true;
        for (const std::uint32_t id : gone.pending)
            if (Stream* stream = stream_at(id))
                stream->end[1].vanished = true;
    }
    for (std::uint32_t id = 0; id < streams_.size(); ++id) {
        Stream* stream = streams_[id].get();
        if (stream == nullptr)
            continue;
        for (std::uint8_t side = 0; side < 2; ++side)
            if (stream->end[side].host == host && !stream->end[side].vanished) {
                End& end = stream->end[side];
                end.vanished = true;
                mark_faulted(id, *stream);
                Pipe& out = stream->pipe[side];  // its unsent bytes and packets die with it
                out.packets.clear();
                out.data.truncate(out.arrived);
                out.flight = 0;
            }
        release_if_dead(id);
    }
}

inline void Streams::restart(std::uint32_t host) {
    for (std::uint32_t id = 0; id < streams_.size(); ++id) {
        Stream* stream = streams_[id].get();
        if (stream == nullptr)
            continue;
        for (std::uint8_t side = 0; side < 2; ++side)
            if (stream->end[side].host == host && stream->end[side].vanished) {
                const Pipe& in = stream->pipe[side ^ 1];
                if (in.lost || in.unsent() != 0)
                    send_packet(*stream, side, PacketKind::rst);
            }
    }
}

inline void Streams::release(LinkState& link) {
    // What waited goes on after one latency, in order, behind nothing sent later.
    std::vector<std::pair<std::uint32_t, std::uint8_t>> waiting;
    waiting.swap(link.waiting);
    const double resume = now() + link.options.latency;
    for (const auto& [id, dir] : waiting) {
        Stream* stream = stream_at(id);
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

inline void Streams::reset_fault(std::uint32_t id) {
    Stream* stream = stream_at(id);
    if (stream == nullptr || stream->end[0].dead() || stream->end[1].dead() || stream->end[0].error ||
        stream->end[1].error)
        return;
    fabric_.log_fault("reset " + endpoint(stream->end[0]) + " <-> " + endpoint(stream->end[1]));
    mark_faulted(id, *stream);
    fabric_.stats().resets += 2;
    for (std::uint8_t side = 0; side < 2; ++side) {
        stream->pipe[side].packets.clear();
        stream->pipe[side].data.truncate(stream->pipe[side].arrived);
        stream->pipe[side].flight = 0;
    }
    reset_end(*stream, 0);
    reset_end(*stream, 1);
}

// --- Events -----------------------------------------------------------------------------------

inline void Streams::dispatch(const Event& event) {
    if (event.room == Room::listeners)
        return listeners_.dispatch(event);
    switch (static_cast<Kind>(event.kind)) {
    case Kind::deliver: return deliver(event.target, event.side);
    case Kind::notify_read:
    case Kind::notify_write: return notify(event);
    case Kind::accept_ready: return make_acceptable(event.target);
    case Kind::reset_fault: return reset_fault(event.target);
    case Kind::storm_end: {
        Stream* stream = stream_at(event.target);
        if (stream != nullptr && stream->end[event.side].write_armed && writable(*stream, event.side))
            notice(*stream, event.side, false);
        return;
    }
    }
}

inline void Streams::schedule_delivery(std::uint32_t id, std::uint8_t dir, Pipe& pipe) {
    double at = 0.0;
    if (pipe.owe_delivery(at))
        push(at, id, dir, Kind::deliver);
}

// Queues a packet from end[dir] toward the other end: arrives in order, after the latency.
inline void Streams::send_packet(Stream& stream, std::uint8_t dir, PacketKind kind, std::uint32_t size, double depart) {
    Pipe& pipe = stream.pipe[dir];
    pipe.queue(kind, size, depart, now(), stream.random);
    schedule_delivery(stream.id, dir, pipe);
}

// Moves unsent bytes of pipe `dir` onto the wire as far as the receiver's window allows.
inline void Streams::pump(Stream& stream, std::uint8_t dir) {
    Pipe& pipe = stream.pipe[dir];
    const End& from = stream.end[dir];
    if (!from.vanished && from.connected) {
        pipe.pump(now(), stream.random, fabric_.faults().drip_interval);
        schedule_delivery(stream.id, dir, pipe);
    }
    if (from.write_armed && writable(stream, dir))
        notice(stream, dir, false);
}

inline bool Streams::writable(const Stream& stream, std::uint8_t side) const noexcept {
    const End& end = stream.end[side];
    if (end.error || end.vanished)
        return true;  // the send reports it
    if (!end.connected)
        return false;
    if (now() < end.storm_until)
        return false;
    return stream.pipe[side].unsent() < stream.pipe[side].link->options.send_window;
}

// Queues one readiness call for an armed end (never called back from inside a receive or a
// send: it runs in the next poll).
inline void Streams::notice(Stream& stream, std::uint8_t side, bool read) {
    End& end = stream.end[side];
    bool& queued = read ? end.read_notice : end.write_notice;
    if (queued)
        return;
    queued = true;
    push_notice(stream.id, side, read ? Kind::notify_read : Kind::notify_write);
}

inline void Streams::notify(const Event& event) {
    Stream* stream = stream_at(event.target);
    if (stream == nullptr)
        return;
    End& end = stream->end[event.side];
    const bool read = static_cast<Kind>(event.kind) == Kind::notify_read;
    (read ? end.read_notice : end.write_notice) = false;
    bool& armed = read ? end.read_armed : end.write_armed;
    if (!armed || !end.attached)
        return;
    if (read ? !readable(*stream, event.side) : !writable(*stream, event.side))
        return;  // no longer true (a storm began): stay armed
    armed = false;
    if (end.events != nullptr)
        read ? end.events->on_readable() : end.events->on_writable();
}

inline void Streams::deliver(std::uint32_t id, std::uint8_t dir) {
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

inline void Streams::arrive(std::uint32_t id, Stream& stream, std::uint8_t dir, const Packet& packet) {
    Pipe& pipe = stream.pipe[dir];
    End& to = stream.end[dir ^ 1];
    if (packet.kind == PacketKind::segment)
        pipe.flight -= packet.size;
    if (!fabric_.host(to.host).up || (to.vanished && packet.kind == PacketKind::syn)) {
        // Toward a crashed host: lost, and so is all the pipe holds (the sender's
        // retransmissions get a reset after the restart, see restart()).
        if (packet.kind == PacketKind::segment)
            pipe.lost = true;
        pipe.drop();
        mark_faulted(id, stream);
        return;
    }
    if (to.dead() && packet.kind != PacketKind::rst && packet.kind != PacketKind::refuse) {
        // The connection is gone at that end (closed, or its host rebooted): answer with a reset.
        if (packet.kind == PacketKind::segment)
            pipe.drop();  // nobody will read it
        if ((packet.kind == PacketKind::segment || packet.kind == PacketKind::syn_ack) && !to.rst_sent &&
            !stream.end[dir].dead()) {
            to.rst_sent = true;
            send_packet(stream, dir ^ 1, PacketKind::rst);
        }
        return;
    }
    switch (packet.kind) {
    case PacketKind::syn: return arrive_syn(id, stream);
    case PacketKind::syn_ack:
        to.connected = true;
        pump(stream, dir ^ 1);
        if (to.write_armed)
            notice(stream, dir ^ 1, false);
        return;
    case PacketKind::refuse:
        ++fabric_.stats().refused;
        to.error = std::make_error_code(std::errc::connection_refused);
        if (to.write_armed)
            notice(stream, dir ^ 1, false);
        return;
    case PacketKind::segment:
        ++fabric_.stats().segments;
        fabric_.stats().bytes += packet.size;
        pipe.arrived += packet.size;
        if (to.read_armed)
            notice(stream, dir ^ 1, true);
        return;
    case PacketKind::fin:
        to.fin_in = true;
        if (to.read_armed)
            notice(stream, dir ^ 1, true);
        return;
    case PacketKind::rst:
        if (to.error)
            return;
        ++fabric_.stats().resets;
        reset_end(stream, dir ^ 1);
        return;
    }
}

// A reset reaches end `side`: what already arrived stays readable, then the error.
inline void Streams::reset_end(Stream& stream, std::uint8_t side) {
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

inline void Streams::arrive_syn(std::uint32_t id, Stream& stream) {
    End& server = stream.end[1];
    std::uint32_t index = 0;
    Listeners::Listener* listener = listeners_.on(server.host, server.port, index);
    if (listener == nullptr) {
        server.app_closed = true;
        send_packet(stream, 1, PacketKind::refuse);
        return;
    }
    if (listener->ready.size() >= listener->backlog) {
        listener->pending.push_back(id);  // as a full accept queue drops SYNs: the client retries
        return;
    }
    server.connected = true;
    stream.listener = index;
    const FaultOptions& f = fabric_.faults();
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
        fabric_.log_fault("drip " + endpoint(stream.end[0]) +
                          (drip_up && drip_down ? " <-> " : drip_up ? " -> " : " <- ") + endpoint(server));
    }
    if (reset)
        push(now() + reset_after, id, 0, Kind::reset_fault);
    send_packet(stream, 1, PacketKind::syn_ack);
    if (delay && delay_for > 0.0) {
        fabric_.log_fault("accept delay " + hio::detail::format_number(delay_for) + " for " + endpoint(stream.end[0]));
        push(now() + delay_for, id, 0, Kind::accept_ready);
    } else {
        make_acceptable(id);
    }
}

inline void Streams::make_acceptable(std::uint32_t id) {
    if (Stream* stream = stream_at(id))
        listeners_.make_acceptable(stream->listener, id);
}

// Frees a stream once neither end can use it.
inline void Streams::release_if_dead(std::uint32_t id) {
    Stream* stream = stream_at(id);
    if (stream == nullptr || !stream->end[0].dead() || !stream->end[1].dead())
        return;
    if (stream->end[0].attached || stream->end[1].attached)
        return;  // a transport still points here (a crashed host's, until its doers close)
    streams_[id].reset();
}

}  // namespace hio::sim::detail
