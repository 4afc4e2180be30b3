#pragma once
/// \file
/// Random: the seeded pseudo-random source a run draws all its noise from.

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include <hio/detail/validate.hpp>
#include <hio/error.hpp>

namespace hio {

/// A small, fast, seeded pseudo-random generator (xoshiro256** seeded through SplitMix64) whose
/// every output is defined here, bit for bit, on every compiler and standard library.
///
/// std:: distributions are not used on purpose: their algorithms are unspecified, so the same
/// seed gives different numbers with libstdc++ and libc++, and a simulation could not replay
/// across machines. Each helper below is an exact, documented function of the 64-bit stream.
///
/// Every Tymist (so every Doist) owns one (Tymist::random()): a doer that wants noise (jittered
/// retries, random payloads) draws from its clock's, and a simulated run seeds it from the
/// World's seed, so the doers' noise replays with the network's. Not for cryptography.
class Random {
public:
    /// A generator seeded with `seed`.
    explicit Random(std::uint64_t seed = 0) noexcept { this->seed(seed); }

    /// Restarts the stream from `seed`: the same seed always gives the same numbers.
    void seed(std::uint64_t seed) noexcept {
        seed_ = seed;
        std::uint64_t state = seed;
        for (std::uint64_t& word : state_)
            word = split_mix(state);
    }

    /// The seed the stream started from.
    [[nodiscard]] std::uint64_t seed() const noexcept { return seed_; }

    /// The next 64 random bits.
    std::uint64_t next() noexcept {
        const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
        const std::uint64_t shifted = state_[1] << 17;
        state_[2] ^= state_[0];
        state_[3] ^= state_[1];
        state_[1] ^= state_[2];
        state_[0] ^= state_[3];
        state_[2] ^= shifted;
        state_[3] = rotl(state_[3], 45);
        return result;
    }

    /// A number in [0, bound), without modulo bias: outputs below 2^64 mod `bound` are drawn
    /// again (OpenBSD's arc4random_uniform rule), then reduced modulo `bound`. Throws
    /// ValidationError for a bound of 0.
    std::uint64_t below(std::uint64_t bound) {
        if (bound == 0)
            throw ValidationError{"Random: below() needs a bound above 0"};
        const std::uint64_t threshold = (0 - bound) % bound;  // 2^64 mod bound
        for (;;) {
            const std::uint64_t x = next();
            if (x >= threshold)
                return x % bound;
        }
    }

    /// A number in [low, high] (both included). Throws ValidationError when low > high.
    std::uint64_t between(std::uint64_t low, std::uint64_t high) {
        if (low > high)
            throw ValidationError{"Random: between() needs low <= high, got " + std::to_string(low) +
                                  " > " + std::to_string(high)};
        const std::uint64_t span = high - low;
        return span == std::numeric_limits<std::uint64_t>::max() ? next() : low + below(span + 1);
    }

    /// A double in [0, 1): the top 53 bits of next(), scaled.
    double unit() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

    /// A double in [low, high). Throws ValidationError unless both are finite and low <= high.
    double uniform(double low, double high) {
        detail::require_finite("Random", "uniform low", low);
        detail::require_finite("Random", "uniform high", high);
        if (low > high)
            throw ValidationError{"Random: uniform() needs low <= high, got " + detail::format_number(low) +
                                  " > " + detail::format_number(high)};
        return low + (high - low) * unit();
    }

    /// True with probability `p` (0: never, 1 or more: always). Draws one number either way,
    /// so turning a fault on or off elsewhere does not shift this stream.
    bool chance(double p) noexcept { return unit() < p; }

    /// An independent generator for one purpose, named by `stream`: the same seed and name
    /// always give the same child, and the parent's stream is not advanced, so adding a
    /// consumer of randomness does not change the numbers every other consumer sees.
    [[nodiscard]] Random fork(std::string_view stream) const noexcept {
        std::uint64_t mixed = seed_ ^ 0x9e3779b97f4a7c15ULL;
        for (const char c : stream)
            mixed = (mixed ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;  // FNV-1a step
        return Random{split_mix(mixed)};
    }

    /// An independent generator for numbered purpose `index` (a connection, a client).
    [[nodiscard]] Random fork(std::uint64_t index) const noexcept {
        std::uint64_t mixed = seed_ + 0xd1b54a32d192ed03ULL * (index + 1);
        return Random{split_mix(mixed)};
    }

    /// SplitMix64: one step of the seeding generator (also a good 64-bit mixer).
    static std::uint64_t split_mix(std::uint64_t& state) noexcept {
        std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }

private:
    static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }

    std::uint64_t seed_ = 0;
    std::uint64_t state_[4]{};
};

}  // namespace hio
