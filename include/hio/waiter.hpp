#pragma once
/// \file
/// Waiter: how a Doist spends the time between passes (the seam to an I/O reactor).

#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <vector>

namespace hio {

class Doer;
class Tymist;

/// What a Doist does between passes, and where I/O readiness enters the scheduler.
///
/// hio polls: every pass calls recv() and accept() on every socket, and in real time a Doist
/// sleeps a whole tock, so each message waits up to a tock per hop. A Waiter inverts that: the
/// Doist calls `poll()` before each pass to dispatch I/O that is ready (a transport wakes the
/// doers it serves, see Doer::wake()), and in real time `wait_until()` blocks until the next
/// pass is due *or* a doer is woken, whichever comes first. The Doist then runs a pass at once,
/// so a reply goes out in the pass where its request arrived. hio::Reactor (io/reactor.hpp) is
/// the epoll implementation; a simulated network (sim::World) implements the same interface in
/// virtual time.
///
/// Without a Waiter a real-time Doist sleeps between passes, and a virtual one does not wait.
class Waiter {
public:
    virtual ~Waiter() = default;

    /// Dispatches the I/O events that are ready now, without blocking.
    virtual void poll() = 0;

    /// Dispatches I/O events as they come until `deadline`, or until `stop()` returns true
    /// (checked before blocking and after each event). Must also return soon after a SIGINT or
    /// SIGTERM counted by the Doist (see detail/signals.hpp) and after `interrupt()`.
    virtual void wait_until(std::chrono::steady_clock::time_point deadline,
                            const std::function<bool()>& stop) = 0;

    /// Makes a blocked `wait_until()` check `stop()` again. Safe from any thread.
    virtual void interrupt() noexcept = 0;

    /// What a Doist tells the Waiter it is constructed with (attach()).
    struct Attachment {
        /// The Doist's clock. It must outlive the Waiter's use of it.
        Tymist& clock;
        /// Ends the Doist's run as Doist::request_stop() does (a simulation's stop condition).
        std::function<void()> request_stop;
        /// DoistOptions::seed, when it was given.
        std::optional<std::uint64_t> seed;
        /// The doers the Doist lists (a simulation checks that each runs on one of its hosts).
        std::function<std::vector<Doer*>()> doers;
    };

    /// The tyme of the next event this Waiter will dispatch of its own accord (a simulation's
    /// next packet or fault), +infinity when none is scheduled, or -infinity when it cannot
    /// say: readiness from the operating system may come at any time. A virtual-time Doist
    /// skips the passes before it in which no doer is due; the default, -infinity, skips none.
    [[nodiscard]] virtual double next_event() const noexcept { return -std::numeric_limits<double>::infinity(); }

    /// Told by a Doist constructed with this Waiter which clock it runs on and how to stop it.
    /// A simulated network reads its time there, seeds its Random and sets its Tracer; a
    /// Reactor needs nothing. Called once per Doist.
    virtual void attach(const Attachment& doist) { static_cast<void>(doist); }

protected:
    ///@{
    /// Made and copied only by the classes that implement it.
    Waiter() = default;
    Waiter(const Waiter&) = default;
    Waiter& operator=(const Waiter&) = default;
    ///@}
};

}  // namespace hio
