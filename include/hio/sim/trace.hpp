#pragma once
/// \file
/// hio::sim::Trace: a rolling 64-bit hash of a run (passes, doers run, bytes moved), and the
/// determinism check built on it.

#include <cxxabi.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include <hio/doer.hpp>
#include <hio/trace.hpp>

namespace hio::sim {

/// What a run did, folded into one 64-bit hash: per pass its tyme, which doers ran in which
/// order (numbered as they enter, see Doer::trace_id), and per transport the bytes it moved
/// (count and content), plus the faults the network injected.
///
/// Same program and same seed give the same hash, bit for bit; a run that differs anywhere
/// (a doer ran in another order, one byte differed) gives another. With `record` on, every
/// folded step is also kept, so compare() can name the first one where two runs part.
class Trace final : public Tracer {
public:
    /// What one folded step was.
    enum class Kind : std::uint8_t {
        pass,      ///< a pass began (subject: the pass number)
        enter,     ///< a doer entered (subject: its trace id)
        run,       ///< a doer ran (subject: its trace id)
        received,  ///< a transport received bytes (subject: transport number, value: count)
        sent,      ///< a transport sent bytes (subject: transport number, value: count)
        event,     ///< the network did something: a connect, a close, a fault
    };

    /// One folded step (kept only when recording).
    struct Record {
        std::uint64_t pass;    ///< passes begun before it (the first pass is 1)
        double tyme;           ///< the tyme of that pass
        Kind kind;             ///< what it was
        std::uint64_t subject; ///< doer trace id, transport number, or 0
        std::uint64_t value;   ///< byte count, content hash, or 0
        std::string label;     ///< the doer's type, the bytes' content hash, or the event's text
    };

    /// A trace; `record` keeps every step (for compare()), at most `record_limit` of them.
    explicit Trace(bool record = false, std::size_t record_limit = 1U << 20)
        : record_{record}, record_limit_{record_limit} {}

    /// The hash so far.
    [[nodiscard]] std::uint64_t hash() const noexcept { return finish(hash_); }
    /// The hash as 16 lowercase hex digits (what examples print after `trace`).
    [[nodiscard]] std::string hex() const { return to_hex(hash()); }
    /// Passes begun.
    [[nodiscard]] std::uint64_t passes() const noexcept { return passes_; }
    /// The kept steps (empty unless recording).
    [[nodiscard]] const std::vector<Record>& records() const noexcept { return records_; }

    /// Forgets everything (a new run).
    void clear() noexcept {
        hash_ = start;
        passes_ = 0;
        next_id_ = 0;
        tyme_ = 0.0;
        records_.clear();
    }

    void pass(double tyme) noexcept override {
        ++passes_;
        tyme_ = tyme;
        fold(bits(tyme) ^ 0x70617373ULL);  // "pass"
        keep(Kind::pass, passes_, 0, {});
    }

    void ran(Doer& doer, double tyme, bool entering) noexcept override {
        static_cast<void>(tyme);  // the pass's tyme is folded already
        if (entering)
            doer.trace_id(++next_id_);
        fold((entering ? 0x656e00000000ULL : 0x72756e00000000ULL) ^ doer.trace_id());
        if (record_)
            keep(entering ? Kind::enter : Kind::run, doer.trace_id(), 0, type_name(doer));
    }

    /// Transport `transport` moved `bytes` (received when `incoming`). The content of what a
    /// transport sends is folded; of what it receives, only the count (the simulation delivers
    /// exactly the bytes sent, in order, so their content is in the hash already, and the
    /// counts show how they were cut).
    void moved(std::uint64_t transport, bool incoming, std::span<const std::byte> bytes) noexcept {
        // One word for what moved where (kind, transport, count), one for the content.
        fold((transport << 1 | (incoming ? 1U : 0U)) ^ (std::uint64_t{bytes.size()} << 40));
        if (!incoming)
            fold(content_hash(bytes));
        if (record_)
            keep(incoming ? Kind::received : Kind::sent, transport, bytes.size(), to_hex(content_hash(bytes)));
    }

    /// The network did `what` (its text is folded, so faults and connects count).
    void event(std::string_view what) noexcept {
        fold(content_hash(std::as_bytes(std::span{what.data(), what.size()})) ^ 0x657674ULL);
        if (record_)
            keep(Kind::event, 0, 0, std::string{what});
    }

    /// Where two recorded runs of the same program part: empty when they agree, else one
    /// paragraph naming the first differing step (its pass, tyme, doer or transport).
    [[nodiscard]] static std::string compare(const Trace& first, const Trace& second) {
        const auto& a = first.records_;
        const auto& b = second.records_;
        const std::size_t common = std::min(a.size(), b.size());
        for (std::size_t i = 0; i < common; ++i)
            if (!same(a[i], b[i]))
                return "the runs part at step " + std::to_string(i) + ", in pass " + std::to_string(a[i].pass) +
                       " (tyme " + hio::detail::format_number(a[i].tyme) + "): the first run " + describe(a[i]) +
                       ", the second " + describe(b[i]);
        if (a.size() != b.size()) {
            const bool first_longer = a.size() > b.size();
            const Record& extra = first_longer ? a[common] : b[common];
            return std::string{"the "} + (first_longer ? "first" : "second") + " run goes on after step " +
                   std::to_string(common) + ": " + describe(extra);
        }
        if (first.hash() != second.hash())
            return "the hashes differ (" + first.hex() + " and " + second.hex() +
                   ") but every recorded step agrees: the record limit was reached";
        return {};
    }

    /// 16 lowercase hex digits of `value`.
    [[nodiscard]] static std::string to_hex(std::uint64_t value) {
        std::string text(16, '0');
        for (int i = 15; i >= 0; --i, value >>= 4)
            text[static_cast<std::size_t>(i)] = "0123456789abcdef"[value & 15U];
        return text;
    }

    /// A 64-bit hash of `bytes` (not cryptographic): four lanes of 8-byte words mixed side by
    /// side (the multiplies overlap), then folded together with the length.
    [[nodiscard]] static std::uint64_t content_hash(std::span<const std::byte> bytes) noexcept {
        std::uint64_t lane[4] = {0x243f6a8885a308d3ULL, 0x13198a2e03707344ULL, 0xa4093822299f31d0ULL,
                                 0x082efa98ec4e6c89ULL};
        const std::byte* data = bytes.data();
        std::size_t left = bytes.size();
        for (; left >= 32; data += 32, left -= 32)
            for (int k = 0; k < 4; ++k) {
                std::uint64_t word = 0;
                std::memcpy(&word, data + 8 * k, 8);
                lane[k] = mix(lane[k] ^ word);
            }
        std::uint64_t h = mix(lane[0] ^ rotate(lane[1], 16) ^ rotate(lane[2], 32) ^ rotate(lane[3], 48) ^ bytes.size());
        for (; left >= 8; data += 8, left -= 8) {
            std::uint64_t word = 0;
            std::memcpy(&word, data, 8);
            h = mix(h ^ word);
        }
        if (left != 0) {
            std::uint64_t tail = 0;
            std::memcpy(&tail, data, left);
            h = mix(h ^ tail ^ (std::uint64_t{left} << 56));
        }
        return h;
    }

private:
    static constexpr std::uint64_t start = 0x6a09e667f3bcc908ULL;

    static constexpr std::uint64_t rotate(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
    static constexpr std::uint64_t mix(std::uint64_t h) noexcept {
        h *= 0x9fb21c651e98df25ULL;
        return h ^ (h >> 29);
    }
    static constexpr std::uint64_t finish(std::uint64_t h) noexcept {
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdULL;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53ULL;
        return h ^ (h >> 33);
    }
    static std::uint64_t bits(double value) noexcept {
        std::uint64_t out = 0;
        std::memcpy(&out, &value, sizeof out);
        return out;
    }

    void fold(std::uint64_t value) noexcept { hash_ = mix(hash_ ^ value) + 0x632be59bd9b4e019ULL; }

    void keep(Kind kind, std::uint64_t subject, std::uint64_t value, std::string label) noexcept {
        if (!record_ || records_.size() >= record_limit_)
            return;
        try {
            records_.push_back({passes_, tyme_, kind, subject, value, std::move(label)});
        } catch (...) {
            record_limit_ = records_.size();  // out of memory: stop recording, keep hashing
        }
    }

    static std::string type_name(const Doer& doer) {
        const char* mangled = typeid(doer).name();
        int status = 0;
        std::unique_ptr<char, void (*)(void*)> demangled{abi::__cxa_demangle(mangled, nullptr, nullptr, &status),
                                                        std::free};
        return status == 0 && demangled ? std::string{demangled.get()} : std::string{mangled};
    }

    static bool same(const Record& a, const Record& b) noexcept {
        return a.pass == b.pass && a.tyme == b.tyme && a.kind == b.kind && a.subject == b.subject &&
               a.value == b.value && a.label == b.label;
    }

    static std::string describe(const Record& r) {
        switch (r.kind) {
        case Kind::pass: return "began pass " + std::to_string(r.subject);
        case Kind::enter: return "entered doer #" + std::to_string(r.subject) + " (" + r.label + ")";
        case Kind::run: return "ran doer #" + std::to_string(r.subject) + " (" + r.label + ")";
        case Kind::received:
            return "received " + std::to_string(r.value) + " bytes on transport " + std::to_string(r.subject) +
                   " (content " + r.label + ")";
        case Kind::sent:
            return "sent " + std::to_string(r.value) + " bytes on transport " + std::to_string(r.subject) +
                   " (content " + r.label + ")";
        case Kind::event: return "saw \"" + r.label + "\"";
        }
        return "?";
    }

    std::uint64_t hash_ = start;
    std::uint64_t passes_ = 0;
    std::uint32_t next_id_ = 0;
    double tyme_ = 0.0;
    bool record_;
    std::size_t record_limit_;
    std::vector<Record> records_;
};

}  // namespace hio::sim
