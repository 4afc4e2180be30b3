#pragma once
/// \file
/// CoDoer: a doer written as a C++20 coroutine (hio: generator-function doers, doify/doize).

#include <coroutine>
#include <exception>
#include <functional>
#include <utility>

#include <hio/detail/validate.hpp>
#include <hio/doer.hpp>
#include <hio/error.hpp>

namespace hio {

/// The coroutine type of a CoDoer body (hio's "dog", the generator a doer function returns).
///
/// In the body, `double tyme = co_yield tock;` suspends until the doer is due again, `tock`
/// tyme later (0: the next pass), and resumes with the tyme of that pass. `co_return done;`
/// finishes the doer. The code before the first `co_yield` is the enter context.
class Dog {
public:
    /// \cond INTERNAL
    // The coroutine machinery (the promise and its awaiter): public because the language
    // looks it up, not part of the API.
    struct promise_type {
        double sent = 0.0;      // tyme handed to the suspended co_yield
        double yielded = 0.0;   // tock asked for
        bool result = false;    // co_return value
        bool closing = false;   // resume to throw hio::Closed at the co_yield
        std::exception_ptr error;

        Dog get_return_object() noexcept {
            return Dog{std::coroutine_handle<promise_type>::from_promise(*this)};
        }
        std::suspend_always initial_suspend() noexcept { return {}; }
        std::suspend_always final_suspend() noexcept { return {}; }
        void unhandled_exception() noexcept { error = std::current_exception(); }
        void return_value(bool done) noexcept { result = done; }

        struct Resume {
            promise_type& promise;
            bool await_ready() const noexcept { return false; }
            void await_suspend(std::coroutine_handle<>) const noexcept {}
            double await_resume() const {
                if (promise.closing)
                    throw Closed{};
                return promise.sent;
            }
        };
        Resume yield_value(double tock) noexcept {
            yielded = tock;
            return Resume{*this};
        }
    };
    /// \endcond

    /// An empty Dog (no coroutine).
    Dog() noexcept = default;
    /// Dogs move: the coroutine frame has one owner.
    Dog(Dog&& other) noexcept : handle_{std::exchange(other.handle_, {})} {}
    /// Destroys this Dog's frame, if any, and takes `other`'s.
    Dog& operator=(Dog&& other) noexcept {
        if (this != &other) {
            reset();
            handle_ = std::exchange(other.handle_, {});
        }
        return *this;
    }
    Dog(const Dog&) = delete;
    Dog& operator=(const Dog&) = delete;
    ~Dog() { reset(); }

private:
    friend class CoDoer;
    explicit Dog(std::coroutine_handle<promise_type> handle) noexcept : handle_{handle} {}

    void reset() noexcept {
        if (handle_)
            handle_.destroy();  // runs the destructors of the body's locals
        handle_ = {};
    }

    std::coroutine_handle<promise_type> handle_{};
};

/// A doer whose whole life is one coroutine: enter before the first `co_yield`, recur between
/// yields, clean before `co_return`. Runs under Doist and DoDoer exactly like any Doer.
///
/// Mirrors hio's doify/doize generator doers. Each run calls `body(*this)` for a fresh Dog, so a
/// CoDoer can run again, as hio re-creates generators. The contexts map as in Python:
/// - forced close: the suspended `co_yield` throws hio::Closed (hio: GeneratorExit); catch it
///   for close-only actions, or let it go;
/// - an exception thrown in the body propagates through the scheduler after exit (abort);
/// - exit: the frame is destroyed, running the destructors of its locals (hio: finally).
/// The body must not outlive what it captures; the CoDoer keeps `body` alive while it exists.
/// Coroutine frames are heap-allocated; prefer a Doer subclass where allocations matter.
class CoDoer : public Doer {
public:
    /// The coroutine function: called with the CoDoer at each enter, returns its Dog.
    using Body = std::function<Dog(CoDoer&)>;

    /// A coroutine doer whose `tock()` is `tock`. The scheduler does not use it: the first
    /// recur runs at the enter tyme and each co_yield names the next tock; the body may read
    /// `me.tock()` to yield it. Throws ValidationError for an empty body or a bad tock.
    explicit CoDoer(Body body, double tock = 0.0) : Doer{tock, CustomDog{}}, body_{std::move(body)} {
        if (!body_)
            throw ValidationError{"CoDoer: body must not be empty"};
    }

protected:
    /// Closes the coroutine: hio::Closed is thrown at its co_yield and it runs to its end.
    void close() noexcept override {
        auto handle = dog_.handle_;
        if (!handle || handle.done())
            return;
        handle.promise().closing = true;
        handle.resume();
    }

    /// Destroys the coroutine frame (the body's locals' destructors run).
    void exit() noexcept override { dog_.reset(); }

private:
    bool dog_enter() override {
        dog_ = body_(*this);
        if (!dog_.handle_)
            throw Error{"CoDoer: body returned an empty Dog"};
        return advance();
    }

    bool dog_send(double tyme, double& next_tock) override {
        dog_.handle_.promise().sent = tyme;
        if (advance())
            return true;
        next_tock = detail::require_non_negative("CoDoer", "yielded tock", dog_.handle_.promise().yielded);
        return false;
    }

    // Resumes to the next co_yield or the end; true at the end (done set), rethrows errors.
    bool advance() {
        auto handle = dog_.handle_;
        handle.resume();
        if (!handle.done())
            return false;
        auto& promise = handle.promise();
        if (promise.error)
            std::rethrow_exception(std::exchange(promise.error, nullptr));
        done(promise.result);
        return true;
    }

    Body body_;
    Dog dog_;
};

}  // namespace hio
