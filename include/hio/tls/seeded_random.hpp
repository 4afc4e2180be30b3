#pragma once
/// \file
/// hio::tls::SeededRandom: OpenSSL's random source fed from a seed, for simulations whose TLS
/// bytes on the wire must replay. Never in production.

#include <openssl/rand.h>

#include <cstdint>
#include <cstring>

#include <hio/error.hpp>
#include <hio/random.hpp>

namespace hio::tls {

/// While it lives, every random byte OpenSSL draws in this process (key shares, client and
/// server randoms, signature nonces, padding) comes from a hio::Random seeded with `seed`, so
/// that a simulated run with TLS sends the same bytes on the wire each time it is replayed:
/// `hio::tls::SeededRandom random{world.seed()};` before the Contexts are made. With
/// Config::session_tickets off on the server (a ticket carries the wall clock), two runs of
/// the same seed then agree bit for bit, trace hash included.
///
/// This makes TLS predictable, hence insecure: it is for tests and simulations only. It is
/// process-wide (OpenSSL has one random method), so only one may live at a time; destroying
/// it restores the method it replaced. Built on RAND_set_rand_method, which OpenSSL 3 still
/// honours (deprecated, not removed).
class SeededRandom {
public:
    /// Installs the seeded source. Throws hio::Error when another SeededRandom lives, or when
    /// OpenSSL refuses the method.
    explicit SeededRandom(std::uint64_t seed) : random_{seed} {
        if (active() != nullptr)
            throw Error{"tls::SeededRandom: another SeededRandom is installed already"};
        previous_ = current_method();
        active() = &random_;
        if (!install(&method())) {
            active() = nullptr;
            throw Error{"tls::SeededRandom: OpenSSL refused the random method"};
        }
    }

    SeededRandom(const SeededRandom&) = delete;
    SeededRandom& operator=(const SeededRandom&) = delete;

    /// Restores OpenSSL's previous random method.
    ~SeededRandom() {
        install(previous_);
        active() = nullptr;
    }

private:
    static Random*& active() noexcept {
        static Random* source = nullptr;
        return source;
    }

    static int on_bytes(unsigned char* out, int count) {
        Random* source = active();
        if (source == nullptr || count < 0)
            return 0;
        for (int at = 0; at < count; at += 8) {
            const std::uint64_t word = source->next();
            std::memcpy(out + at, &word, static_cast<std::size_t>(count - at < 8 ? count - at : 8));
        }
        return 1;
    }
    static int on_seed(const void*, int) { return 1; }
    static int on_add(const void*, int, double) { return 1; }
    static int on_status() { return 1; }
    static void on_cleanup() {}

// RAND_METHOD is deprecated in OpenSSL 3 in favour of providers, which cannot be swapped
// for one process as simply; the legacy method is still consulted first by RAND_bytes_ex and
// RAND_priv_bytes_ex, which every TLS and key-generation path goes through.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    static const RAND_METHOD& method() noexcept {
        static const RAND_METHOD seeded{&on_seed, &on_bytes, &on_cleanup, &on_add, &on_bytes, &on_status};
        return seeded;
    }
    static const RAND_METHOD* current_method() noexcept { return RAND_get_rand_method(); }
    static bool install(const RAND_METHOD* method) noexcept { return RAND_set_rand_method(method) == 1; }
#pragma GCC diagnostic pop

    Random random_;
    const RAND_METHOD* previous_ = nullptr;
};

}  // namespace hio::tls
