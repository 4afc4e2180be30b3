#pragma once
/// \file
/// sim::detail::Pipe: one direction of a simulated stream over its link. Internal.
///
/// A pipe holds the bytes one end sent and the other has not read, as [arrived | in flight |
/// unsent] in one FIFO, and the packets (SYN, segments, FIN, RST, ...) on their way. It owns the
/// link physics: segments of at most the link's size (or seeded shorter ones), each leaving
/// when the link is free at its bandwidth, arriving after the latency plus seeded jitter, in
/// order, and only as far as the receiver's window allows. What the packets mean is the stream
/// model's business (streams.hpp).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>

#include <hio/random.hpp>
#include <hio/sim/detail/queue.hpp>
#include <hio/sim/fabric.hpp>

namespace hio::sim::detail {

/// What a packet carries.
enum class PacketKind : std::uint8_t { syn, syn_ack, refuse, segment, fin, rst };

/// A packet on its way: when it arrives, its payload size (segments), what it is.
struct Packet {
    double time;
    std::uint32_t size;
    PacketKind kind;
};

/// One direction of a stream (see the file comment).
struct Pipe {
    Fifo<std::byte> data;       // [arrived | in flight | unsent]
    Fifo<Packet> packets;       // in arrival order
    LinkState* link = nullptr;  // the direction's link: its settings, whether it is held
    std::size_t arrived = 0;
    std::size_t flight = 0;
    double free_at = 0.0;       // bandwidth: when the link is free for the next segment
    double last_arrival = 0.0;  // packets arrive in order
    double event_at = std::numeric_limits<double>::infinity();  // the pending deliver event, if any
    bool fin_wanted = false;
    bool fin_sent = false;
    bool drip = false;     // a fault: one byte per segment, drip_interval apart
    bool waiting = false;  // listed in its link's held pipes
    bool lost = false;     // bytes were sent toward a crashed host

    /// Bytes sent and not yet on the wire.
    [[nodiscard]] std::size_t unsent() const noexcept { return data.size() - arrived - flight; }

    /// Queues a packet leaving at `depart` (or `now`, if later): it arrives after the link's
    /// latency plus jitter drawn from `random`, never before the packet queued before it.
    void queue(PacketKind kind, std::uint32_t size, double depart, double now, Random& random) {
        const LinkOptions& options = link->options;
        double arrival = std::max(depart, now) + options.latency;
        if (options.jitter > 0.0)
            arrival += options.jitter * random.unit();
        arrival = std::max(arrival, last_arrival);
        last_arrival = arrival;
        packets.push({arrival, size, kind});
    }

    /// Puts unsent bytes on the wire as segments, as far as the receiver's window allows, and
    /// the FIN once they are all out and it is wanted (`drip_interval`: the pace of a
    /// dripping pipe).
    void pump(double now, Random& random, double drip_interval) {
        const LinkOptions& options = link->options;
        while (unsent() != 0) {
            const std::size_t used = arrived + flight;
            if (used >= options.receive_window)
                break;
            std::size_t size = std::min({unsent(), options.receive_window - used, options.segment});
            if (drip)
                size = 1;
            else if (options.split > 0.0 && size > 1 && random.chance(options.split))
                size = static_cast<std::size_t>(random.between(1, size));
            const double depart = std::max(now, free_at);
            double serial = options.bandwidth > 0.0 ? static_cast<double>(size) / options.bandwidth : 0.0;
            if (drip)
                serial = std::max(serial, drip_interval);
            free_at = depart + serial;
            flight += size;
            queue(PacketKind::segment, static_cast<std::uint32_t>(size), depart + serial, now, random);
        }
        if (unsent() == 0 && fin_wanted && !fin_sent) {
            fin_sent = true;
            queue(PacketKind::fin, 0, free_at, now, random);
        }
    }

    /// The tyme the next deliver event must come at, when the one pending (event_at) is later
    /// or none is: a packet became the head. Sets event_at then; false when no event is owed.
    bool owe_delivery(double& at) noexcept {
        if (packets.empty() || event_at <= packets.front().time)
            return false;
        at = event_at = packets.front().time;
        return true;
    }

    /// Forgets everything it holds or carries.
    void drop() noexcept {
        packets.clear();
        data.clear();
        arrived = 0;
        flight = 0;
    }
};

}  // namespace hio::sim::detail
