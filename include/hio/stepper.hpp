#pragma once
/// \file
/// Stepper: named states for hand-written resumable doers.

#include <hio/detail/validate.hpp>

namespace hio {

/// The state of a hand-written state-machine doer, with the tyme it entered that state.
///
/// A Doer's recur is a resumable function: it runs a little, returns, and continues where it
/// left off at the next tock. Stepper keeps that "where" readable: an enum of named states,
/// a `go()` to move on, `first()` to run a state's entry action once, and `held()` to wait in
/// a state. It allocates nothing and is 24 bytes for an enum state.
///
/// ```
/// enum class Blink { on, off };
/// bool recur(double tyme) override {
///     switch (step_.state()) {
///     case Blink::on:
///         if (step_.first()) led(true);
///         if (step_.held(tyme) >= 0.5) step_.go(Blink::off, tyme);
///         return false;
///     case Blink::off:
///         if (step_.first()) led(false);
///         if (step_.held(tyme) >= 0.5) step_.go(Blink::on, tyme);
///         return false;
///     }
///     return true;
/// }
/// hio::Stepper<Blink> step_{Blink::on};
/// ```
template <class State>
class Stepper {
public:
    /// Starts in `initial`, entered at `tyme`.
    explicit Stepper(State initial, double tyme = 0.0) noexcept : state_{initial}, since_{tyme} {}

    /// The current state.
    [[nodiscard]] State state() const noexcept { return state_; }

    /// True when in `state`.
    [[nodiscard]] bool at(State state) const noexcept { return state_ == state; }

    /// Moves to `next` at `tyme`; the next `first()` is true again (also when next == state()).
    void go(State next, double tyme) {
        state_ = next;
        since_ = detail::require_finite("Stepper", "tyme", tyme);
        fresh_ = true;
    }

    /// Restarts the state machine in `initial` at `tyme` (use in a doer's enter).
    void reset(State initial, double tyme) { go(initial, tyme); }

    /// True the first time it is asked after entering the current state.
    [[nodiscard]] bool first() noexcept {
        const bool was = fresh_;
        fresh_ = false;
        return was;
    }

    /// Tyme spent in the current state.
    [[nodiscard]] double held(double tyme) const noexcept { return tyme - since_; }

    /// Tyme the current state was entered.
    [[nodiscard]] double since() const noexcept { return since_; }

private:
    State state_;
    double since_;
    bool fresh_ = true;
};

}  // namespace hio
