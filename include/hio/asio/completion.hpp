#pragma once
/// \file
/// hio::asio::Completion: an Asio operation a doer started, whose result the doer reads in a
/// later pass.

#include <cstdint>
#include <memory>
#include <optional>
#include <tuple>
#include <utility>

#include <hio/doer.hpp>
#include <hio/error.hpp>

namespace hio::asio {

/// The result of one Asio operation (a timer, a resolver, a call of an Asio-based library)
/// that a doer started, kept for that doer to read.
///
/// `handler(doer)` is the completion handler to give the operation: when the operation
/// completes (inside the Context's wait, between passes: no handler runs inside a doer's
/// recur), it keeps the values the operation produced and wakes the doer, which therefore runs
/// in the very next pass (a wake pass in real time) and finds `ready()` true:
///
/// ```
/// class Sleeper : public hio::Doer {
///     ::asio::steady_timer timer_;
///     hio::asio::Completion<std::error_code> fired_;
///     ...
///     void enter() override {
///         timer_.expires_after(std::chrono::milliseconds{50});
///         timer_.async_wait(fired_.handler(*this));
///     }
///     bool recur(double) override {
///         if (!fired_.ready()) { idle(); return false; }   // nothing to do until it fires
///         auto [error] = fired_.take();
///         return true;
///     }
/// };
/// ```
///
/// One operation at a time: a handler made for a new operation supersedes the previous one,
/// whose result, if it still comes, is dropped. The handler is safe to outlive the doer and the
/// Completion (it then wakes nobody and keeps nothing): cancel the operation (timer.cancel(),
/// socket.close()) in the doer's exit() anyway, as its object usually dies with the doer.
template <class... Values>
class Completion {
public:
    Completion() = default;
    Completion(const Completion&) = delete;
    Completion& operator=(const Completion&) = delete;

    /// A completion handler for an operation whose handler takes `Values...`: it keeps them and
    /// wakes `doer`. Forgets the result of an earlier operation. Throws std::bad_alloc.
    [[nodiscard]] auto handler(Doer& doer) {
        if (!state_)
            state_ = std::make_shared<State>();
        state_->result.reset();
        state_->pending = true;
        const std::uint64_t operation = ++state_->operation;
        return [state = std::weak_ptr<State>{state_}, operation, waker = doer.waker()](Values... values) mutable {
            const std::shared_ptr<State> kept = state.lock();
            if (!kept || kept->operation != operation)
                return;  // the Completion is gone, or a newer operation took its place
            kept->result.emplace(std::move(values)...);
            kept->pending = false;
            waker.wake();
        };
    }

    /// True between handler() and the operation's completion.
    [[nodiscard]] bool pending() const noexcept { return state_ && state_->pending; }

    /// True when the operation completed and its result has not been taken.
    [[nodiscard]] bool ready() const noexcept { return state_ && state_->result.has_value(); }

    /// The result, read in place. Throws hio::Error unless ready().
    [[nodiscard]] const std::tuple<Values...>& result() const {
        if (!ready())
            throw Error{"asio::Completion: result() read before the operation completed"};
        return *state_->result;
    }

    /// Takes the result out (ready() is false afterwards). Throws hio::Error unless ready().
    [[nodiscard]] std::tuple<Values...> take() {
        if (!ready())
            throw Error{"asio::Completion: take() called before the operation completed"};
        std::tuple<Values...> out = std::move(*state_->result);
        state_->result.reset();
        return out;
    }

    /// Forgets the operation: its result, if it still comes, is dropped.
    void reset() noexcept {
        if (!state_)
            return;
        ++state_->operation;
        state_->pending = false;
        state_->result.reset();
    }

private:
    struct State {
        std::optional<std::tuple<Values...>> result;
        std::uint64_t operation = 0;
        bool pending = false;
    };
    std::shared_ptr<State> state_;
};

}  // namespace hio::asio
