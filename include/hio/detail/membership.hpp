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
/// Doer is destroyed first, so the scheduler never touches a dead object.
class Membership {
public:
    virtual void forget(Doer& doer) noexcept = 0;

protected:
    Membership() = default;
    Membership(const Membership&) = default;
    Membership& operator=(const Membership&) = default;
    ~Membership() = default;
};

/// "No slot": a doer with no live deed.
inline constexpr std::uint32_t no_slot = std::numeric_limits<std::uint32_t>::max();

}  // namespace hio::detail
