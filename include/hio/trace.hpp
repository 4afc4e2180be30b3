#pragma once
/// \file
/// Tracer: what a scheduler tells an observer about a run (passes and the doers they ran).

namespace hio {

class Doer;

/// Hears every pass of a Doist and every doer run in it, in order: the hook a simulation's
/// trace hash (hio::sim::Trace) and a determinism check are built on. Set with
/// Tymist::tracer(); without one the scheduler pays a single pointer test per doer run.
///
/// Calls arrive on the Doist's thread, during run(), and must not throw or change the
/// scheduler.
class Tracer {
public:
    /// A pass of the root Doist begins at `tyme` (wake passes included).
    virtual void pass(double tyme) noexcept = 0;

    /// `doer` ran one context at `tyme` (any depth: a DoDoer's children are reported too).
    /// `entering` is true for its enter: a tracer that numbers doers (Doer::trace_id) does it
    /// then, so the numbers follow the run, not the heap's addresses.
    virtual void ran(Doer& doer, double tyme, bool entering) noexcept = 0;

protected:
    ///@{
    /// Made and copied only by the classes that implement it.
    Tracer() = default;
    Tracer(const Tracer&) = default;
    Tracer& operator=(const Tracer&) = default;
    ///@}
    ~Tracer() = default;
};

}  // namespace hio
