#pragma once
/// \file
/// Tymee: anything that reads a Tymist's clock (hio: base.tyming.Tymee).

#include <hio/error.hpp>
#include <hio/tymist.hpp>

namespace hio {

/// Reads the tyme of a Tymist it is wound to, without owning it.
///
/// Mirrors hio's Tymee: hio injects a `tymth` closure; here the Tymee keeps a pointer to the
/// Tymist, which must outlive the winding. Reading `tyme()` before `wind()` throws hio::Error
/// (hio raises TypeError). Subclasses that own other Tymees override `wind()` to pass the
/// clock on, as hio's do.
class Tymee {
public:
    /// An unwound Tymee: tyme() throws until wind().
    Tymee() noexcept = default;
    /// A Tymee wound to `tymist`.
    explicit Tymee(const Tymist& tymist) noexcept : tymist_{&tymist} {}
    /// Copies read the same clock.
    Tymee(const Tymee&) noexcept = default;
    /// Reads the clock `other` reads.
    Tymee& operator=(const Tymee&) noexcept = default;
    virtual ~Tymee() = default;

    /// Binds this Tymee to `tymist` (hio: wind(tymth)).
    virtual void wind(const Tymist& tymist) { tymist_ = &tymist; }

    /// True once wound to a Tymist.
    [[nodiscard]] bool wound() const noexcept { return tymist_ != nullptr; }

    /// The Tymist wound to, or nullptr.
    [[nodiscard]] const Tymist* tymist() const noexcept { return tymist_; }

    /// The wound Tymist's current tyme. Throws hio::Error when not wound.
    [[nodiscard]] double tyme() const {
        if (tymist_ == nullptr)
            throw Error{"Tymee: tyme read before wind(): not bound to a Tymist"};
        return tymist_->tyme();
    }

    /// The wound Tymist's seeded Random (Tymist::random), which replays with its run. A Doer
    /// hides it with a stream of its own (Doer::random). Throws hio::Error when not wound.
    [[nodiscard]] Random& random() const {
        if (tymist_ == nullptr)
            throw Error{"Tymee: random() used before wind(): not bound to a Tymist"};
        return tymist_->random();
    }

private:
    const Tymist* tymist_ = nullptr;
};

}  // namespace hio
