#pragma once
/// \file
/// Settings of the simulated network: links (latency, bandwidth, windows, segmenting) and the
/// fault menu, all drawn from the World's seed.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

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

    // --- Aimed faults: where the scheduled faults may land, and more of them -----------------

    /// The hosts the scheduled faults may touch (partitions, one-way holds, isolations,
    /// crashes, link failures), by name; empty: every host. With clients and servers on four
    /// hosts, `{"server-1", "server-2"}` cuts the links that matter instead of pairs that never
    /// talk.
    std::vector<std::string> hosts{};
    /// The pairs of hosts partitions, one-way holds and link failures may cut (either
    /// direction); empty: any pair of `hosts`.
    std::vector<std::pair<std::string, std::string>> links{};
    /// Isolations: a host cut from every other (madsim's clog_node), healed when the fault ends.
    unsigned isolations = 0;
    /// Crashes last a tyme drawn from [crash_min_length, crash_max_length), apart from the
    /// other faults' lengths (a reboot takes longer than a blip); unset: min_length and
    /// max_length.
    std::optional<double> crash_min_length{};
    /// See `crash_min_length`.
    std::optional<double> crash_max_length{};
    /// Link failures per tyme unit on each link of `links` (or each pair of `hosts`): a link
    /// that is up fails after a tyme drawn from an exponential distribution of this rate, and
    /// is repaired after one of `repair_rate` (turmoil's fail_rate and repair_rate), from
    /// `start` for `horizon`. 0: none.
    double fail_rate = 0.0;
    /// See `fail_rate`; must be > 0 when fail_rate is.
    double repair_rate = 0.0;
    /// Chance per crash that the last write to the host's Disk that got there is torn (kept
    /// cut short): a log or a store must notice. Writes not synced are lost from a seeded
    /// point on, torn or not.
    double torn_write = 0.0;

    /// True when any fault is on.
    [[nodiscard]] bool any() const noexcept {
        return reset > 0.0 || drip > 0.0 || black_hole > 0.0 || accept_delay > 0.0 || would_block > 0.0 ||
               loss > 0.0 || duplicate > 0.0 || partitions != 0 || one_way != 0 || crashes != 0 || isolations != 0 ||
               fail_rate > 0.0 || torn_write > 0.0;
    }

    /// The settings as `name=value` pairs (what a sweep prints for a failing seed).
    [[nodiscard]] std::string describe() const {
        const auto n = [](double v) { return hio::detail::format_number(v); };
        return "reset=" + n(reset) + " reset_within=" + n(reset_within) + " drip=" + n(drip) +
               " drip_interval=" + n(drip_interval) + " black_hole=" + n(black_hole) + " accept_delay=" +
               n(accept_delay) + " accept_delay_max=" + n(accept_delay_max) + " would_block=" + n(would_block) +
               " storm_length=" + n(storm_length) + " loss=" + n(loss) + " duplicate=" + n(duplicate) + " partitions=" + std::to_string(partitions) +
               " one_way=" + std::to_string(one_way) + " crashes=" + std::to_string(crashes) + " start=" +
               n(start) + " horizon=" + n(horizon) + " length=[" + n(min_length) + "," + n(max_length) + ")" +
               (isolations != 0 ? " isolations=" + std::to_string(isolations) : std::string{}) +
               (crash_min_length || crash_max_length
                    ? " crash_length=[" + n(crash_lengths().first) + "," + n(crash_lengths().second) + ")"
                    : std::string{}) +
               (fail_rate > 0.0 ? " fail_rate=" + n(fail_rate) + " repair_rate=" + n(repair_rate) : std::string{}) +
               (torn_write > 0.0 ? " torn_write=" + n(torn_write) : std::string{}) + aim();
    }

    /// Throws ValidationError naming the first bad field.
    void validate() const {
        for (const auto& [name, p] : {std::pair{"reset", reset}, std::pair{"drip", drip},
                                      std::pair{"black_hole", black_hole}, std::pair{"accept_delay", accept_delay},
                                      std::pair{"would_block", would_block}, std::pair{"loss", loss},
                                      std::pair{"duplicate", duplicate}, std::pair{"torn_write", torn_write}})
            LinkOptions::require_probability("sim::FaultOptions", name, p);
        for (const auto& [name, t] :
             {std::pair{"reset_within", reset_within}, std::pair{"drip_interval", drip_interval},
              std::pair{"accept_delay_max", accept_delay_max}, std::pair{"storm_length", storm_length},
              std::pair{"start", start}, std::pair{"horizon", horizon}, std::pair{"min_length", min_length},
              std::pair{"max_length", max_length}, std::pair{"crash_min_length", crash_lengths().first},
              std::pair{"crash_max_length", crash_lengths().second}, std::pair{"fail_rate", fail_rate},
              std::pair{"repair_rate", repair_rate}})
            hio::detail::require_non_negative("sim::FaultOptions", name, t);
        if (min_length > max_length)
            throw ValidationError{"sim::FaultOptions: min_length must be <= max_length"};
        if (crash_lengths().first > crash_lengths().second)
            throw ValidationError{"sim::FaultOptions: crash_min_length must be <= crash_max_length"};
        if (fail_rate > 0.0 && !(repair_rate > 0.0))
            throw ValidationError{"sim::FaultOptions: a fail_rate needs a repair_rate > 0 (links that never heal "
                                  "are partitions: use World::partition)"};
        for (const auto& [a, b] : links)
            if (a == b || a.empty() || b.empty())
                throw ValidationError{"sim::FaultOptions: a link joins two different hosts, got '" + a + "' and '" +
                                      b + "'"};
    }

    /// The lengths crashes are drawn from: [crash_min_length, crash_max_length), each
    /// defaulting to the general length.
    [[nodiscard]] std::pair<double, double> crash_lengths() const noexcept {
        return {crash_min_length.value_or(min_length), crash_max_length.value_or(max_length)};
    }

    /// The aim as text ("" when the faults may land anywhere).
    [[nodiscard]] std::string aim() const {
        std::string out;
        for (const std::string& host : hosts)
            out += (out.empty() ? " hosts=" : ",") + host;
        std::string pairs;
        for (const auto& [a, b] : links)
            pairs += (pairs.empty() ? " links=" : ",") + a + "-" + b;
        return out + pairs;
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
