#pragma once
/// \file
/// Settings of the simulated network: links (latency, bandwidth, windows, segmenting) and the
/// fault menu, all drawn from the World's seed.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>

#include <hio/detail/validate.hpp>
#include <hio/error.hpp>

namespace hio::sim {

/// How one direction between two hosts carries bytes. Every duration is tyme (seconds).
struct LinkOptions {
    /// One-way delay of every segment.
    double latency = 0.001;
    /// Extra delay per segment, drawn uniformly from [0, jitter); order is kept (TCP).
    double jitter = 0.0;
    /// Bytes per second of tyme; 0: no limit (a segment costs only its latency).
    double bandwidth = 0.0;
    /// Largest segment: a send is cut into segments of at most this many bytes.
    std::size_t segment = 1460;
    /// Chance that a segment is cut at a random size (short reads at random boundaries).
    double split = 0.0;
    /// Chance that a send takes only a random prefix of what it was offered (short writes).
    double short_writes = 0.0;
    /// Bytes a sender's socket buffers before send() would block (SO_SNDBUF).
    std::size_t send_window = 65536;
    /// Bytes in flight or unread at the receiver before the sender must wait: a reader that
    /// does not read pushes back on the writer through the same buffers (SO_RCVBUF).
    std::size_t receive_window = 65536;
    /// Datagrams: the largest that crosses whole; a longer one arrives cut to this size
    /// (0: no limit). Datagrams take latency plus jitter each, with no order kept, so jitter
    /// reorders them; the receive window bounds the bytes a socket holds unread (then they drop).
    std::size_t mtu = 0;

    /// Throws ValidationError naming the first bad field.
    void validate() const {
        hio::detail::require_non_negative("sim::LinkOptions", "latency", latency);
        hio::detail::require_non_negative("sim::LinkOptions", "jitter", jitter);
        hio::detail::require_non_negative("sim::LinkOptions", "bandwidth", bandwidth);
        require_probability("sim::LinkOptions", "split", split);
        require_probability("sim::LinkOptions", "short_writes", short_writes);
        if (segment == 0 || send_window == 0 || receive_window == 0)
            throw ValidationError{"sim::LinkOptions: segment, send_window and receive_window must be >= 1"};
    }

    /// Throws ValidationError unless 0 <= `value` <= 1.
    static void require_probability(const char* component, const char* name, double value) {
        if (!(value >= 0.0 && value <= 1.0))
            throw ValidationError{std::string{component} + ": " + name + " must be a probability in [0, 1], got " +
                                  hio::detail::format_number(value)};
    }
};

/// Faults the World injects, each with a rate (a chance per connection, per connect or per
/// send) or a count scheduled at random tymes; all drawn from the seed, each logged as it
/// happens (World::faults()). Everything off by default.
struct FaultOptions {
    /// Chance per connection of a reset (RST both ways) at a random tyme within `reset_within`
    /// of its start.
    double reset = 0.0;
    /// See `reset`.
    double reset_within = 2.0;
    /// Chance per connection and direction that it drips: one byte per `drip_interval`.
    double drip = 0.0;
    /// See `drip`.
    double drip_interval = 0.002;
    /// Chance per connect that the attempt vanishes (no answer: the client's timeout decides).
    double black_hole = 0.0;
    /// Chance per connection that the server's accept sees it only after a delay in
    /// [0, accept_delay_max).
    double accept_delay = 0.0;
    /// See `accept_delay`.
    double accept_delay_max = 0.5;
    /// Chance per send that a would-block storm starts: the sender's sends would block for
    /// `storm_length`, then it becomes writable again.
    double would_block = 0.0;
    /// See `would_block`.
    double storm_length = 0.05;
    /// Chance per datagram that it is lost.
    double loss = 0.0;
    /// Chance per datagram that it arrives twice.
    double duplicate = 0.0;

    /// Symmetric partitions between two random hosts (segments held until the heal).
    unsigned partitions = 0;
    /// One-way partitions (one direction held).
    unsigned one_way = 0;
    /// Crashes of a random crashable host, restarted when the fault ends.
    unsigned crashes = 0;
    /// Scheduled faults begin at tymes drawn from [start, start + horizon).
    double start = 0.0;
    /// See `start`.
    double horizon = 5.0;
    /// Each scheduled fault lasts a tyme drawn from [min_length, max_length).
    double min_length = 0.1;
    /// See `min_length`.
    double max_length = 1.0;

    /// True when any fault is on.
    [[nodiscard]] bool any() const noexcept {
        return reset > 0.0 || drip > 0.0 || black_hole > 0.0 || accept_delay > 0.0 || would_block > 0.0 ||
               loss > 0.0 || duplicate > 0.0 || partitions != 0 || one_way != 0 || crashes != 0;
    }

    /// The settings as `name=value` pairs (what a sweep prints for a failing seed).
    [[nodiscard]] std::string describe() const {
        const auto n = [](double v) { return hio::detail::format_number(v); };
        return "reset=" + n(reset) + " reset_within=" + n(reset_within) + " drip=" + n(drip) +
               " drip_interval=" + n(drip_interval) + " black_hole=" + n(black_hole) + " accept_delay=" +
               n(accept_delay) + " accept_delay_max=" + n(accept_delay_max) + " would_block=" + n(would_block) +
               " storm_length=" + n(storm_length) + " loss=" + n(loss) + " duplicate=" + n(duplicate) + " partitions=" + std::to_string(partitions) +
               " one_way=" + std::to_string(one_way) + " crashes=" + std::to_string(crashes) + " start=" +
               n(start) + " horizon=" + n(horizon) + " length=[" + n(min_length) + "," + n(max_length) + ")";
    }

    /// Throws ValidationError naming the first bad field.
    void validate() const {
        for (const auto& [name, p] : {std::pair{"reset", reset}, std::pair{"drip", drip},
                                      std::pair{"black_hole", black_hole}, std::pair{"accept_delay", accept_delay},
                                      std::pair{"would_block", would_block}, std::pair{"loss", loss},
                                      std::pair{"duplicate", duplicate}})
            LinkOptions::require_probability("sim::FaultOptions", name, p);
        for (const auto& [name, t] :
             {std::pair{"reset_within", reset_within}, std::pair{"drip_interval", drip_interval},
              std::pair{"accept_delay_max", accept_delay_max}, std::pair{"storm_length", storm_length},
              std::pair{"start", start}, std::pair{"horizon", horizon}, std::pair{"min_length", min_length},
              std::pair{"max_length", max_length}})
            hio::detail::require_non_negative("sim::FaultOptions", name, t);
        if (min_length > max_length)
            throw ValidationError{"sim::FaultOptions: min_length must be <= max_length"};
    }
};

/// Settings of a World.
struct WorldOptions {
    /// The one seed of the run: the network's noise, the faults and the doers' Random.
    std::uint64_t seed = 0;
    /// Every link's settings, unless World::link() sets a pair's own.
    LinkOptions link{};
    /// The faults to inject.
    FaultOptions faults{};
    /// Keep every step of the trace (Trace::compare names where two runs part); costs memory.
    bool record = false;
};

}  // namespace hio::sim
