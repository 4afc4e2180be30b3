#pragma once
/// \file
/// The link from a Doer back to the scheduler that holds it. Internal: may change any day.

#include <cstdint>
#include <limits>

namespace hio {
class Doer;
}

namespace hio::detail {

/// What a Doer needs from the scheduler that lists it or runs it: to be forgotten when the
/// Doer is destroyed first, so the scheduler never touches a dead object, and to be woken.
class Membership {
public:
    virtual void forget(Doer& doer) noexcept = 0;

    /// Runs `doer` in the next pass even if it is not due (I/O became ready for it).
    virtual void wake(Doer& doer) noexcept = 0;

protected:
    Membership() = default;
    Membership(const Membership&) = default;
    Membership& operator=(const Membership&) = default;
    ~Membership() = default;
};

/// Told when a doer of a scheduler was woken: a DoDoer wakes itself in its own scheduler, a
/// Doist ends its idle wait.
class WakeSink {
public:
    virtual void on_wake() noexcept = 0;

protected:
    WakeSink() = default;
    WakeSink(const WakeSink&) = default;
    WakeSink& operator=(const WakeSink&) = default;
    ~WakeSink() = default;
};

/// "No slot": a doer with no live deed.
inline constexpr std::uint32_t no_slot = std::numeric_limits<std::uint32_t>::max();

}  // namespace hio::detail
