#pragma once
/// \file
/// What a member of a compile-time group (hio::DoDoerOf, hio::DoistOf) is: the StaticMember
/// concept, and StaticDoer, a base with every context already there.

#include <concepts>
#include <cstdint>
#include <exception>
#include <type_traits>

#include <hio/detail/validate.hpp>
#include <hio/doer.hpp>

namespace hio {

/// A base for the members of a compile-time group: the lifecycle contexts of Doer with the
/// same names and signatures, none of them virtual, each doing nothing until hidden by the
/// subclass; a tock; and `done(true)` to finish from enter. No scheduler state: a StaticDoer
/// is 16 bytes (a Doer is 64), and a group runs it without a virtual call.
///
/// A member need not derive from StaticDoer: any type with the six contexts is one (see
/// StaticMember). Deriving spares writing the ones it does not need, at the price that a
/// misspelt context (`clena`) is not caught, as `override` catches it for a Doer.
class StaticDoer {
public:
    /// A member that runs on every pass of its group (tock 0).
    StaticDoer() noexcept : tock_{0.0} {}
    /// A member that runs every `tock` seconds of tyme (0: every pass of its group).
    /// Throws ValidationError for a negative, NaN or infinite tock.
    explicit StaticDoer(double tock) : tock_{detail::require_non_negative("StaticDoer", "tock", tock)} {}

    /// This member's period in tyme; 0 means every pass. Read after each recur, as in hio.
    [[nodiscard]] double tock() const noexcept { return tock_; }
    /// Changes the period (from recur: takes effect at this yield). Throws ValidationError
    /// unless finite and >= 0.
    void tock(double value) { tock_ = detail::require_non_negative("StaticDoer", "tock", value); }

    /// True when enter asked to finish at once with `done(true)`; read by the group after enter.
    [[nodiscard]] bool done() const noexcept { return done_; }

    /// Runs once when the member starts. May call `done(true)` to finish before any recur.
    void enter() {}
    /// Runs once per tock at `tyme`; returning true finishes the member.
    bool recur(double tyme) {
        static_cast<void>(tyme);
        return false;
    }
    /// Runs after recur returned true, before exit.
    void clean() {}
    /// Runs when the member is stopped by force, before exit.
    void close() noexcept {}
    /// Runs when an exception left enter or recur, before exit.
    void abort(std::exception_ptr error) noexcept { static_cast<void>(error); }
    /// Runs last, always.
    void exit() noexcept {}

protected:
    /// From enter: `done(true)` finishes the member before any recur (hio: self.done).
    void done(bool value) noexcept { done_ = value; }

private:
    friend struct detail::DoerAccess;  // a group clears done before each enter

    double tock_;
    bool done_ = false;
};

namespace detail {
/// True for a member that is a Doer (held by value or by reference): driven through its dog
/// protocol, woken and idled as in a DoDoer.
template <class T>
inline constexpr bool is_doer = std::is_base_of_v<Doer, std::remove_cvref_t<T>>;

template <class T>
concept has_enter = requires(T& t) { t.enter(); };
template <class T>
concept has_recur = requires(T& t, double tyme) {
    { t.recur(tyme) } -> std::convertible_to<bool>;
};
template <class T>
concept has_clean = requires(T& t) { t.clean(); };
template <class T>
concept has_close = requires(T& t) {
    { t.close() } noexcept;
};
template <class T>
concept has_abort = requires(T& t, std::exception_ptr error) {
    { t.abort(error) } noexcept;
};
template <class T>
concept has_exit = requires(T& t) {
    { t.exit() } noexcept;
};
template <class T>
concept has_tock = requires(const T& t) {
    { t.tock() } -> std::convertible_to<double>;
};
template <class T>
concept has_done = requires(const T& t) {
    { t.done() } -> std::convertible_to<bool>;
};
}  // namespace detail

/// A type a compile-time group can hold by value: it has Doer's six lifecycle contexts
/// (`enter()`, `bool recur(double)`, `clean()`, `close()`, `abort(std::exception_ptr)`,
/// `exit()`). Optional: `double tock() const` (0 without it) and `bool done() const`, read
/// after enter (true: finished during enter). A Doer is a member too, by reference
/// (`hio::DoDoerOf<A, hio::Doer&>`: an ordinary doer made elsewhere) or by value (a nested
/// group, `hio::DoDoerOf<hio::DoDoerOf<A, B>, C>`): the group drives it through its dog
/// protocol.
template <class T>
concept StaticMember = detail::has_enter<T> && detail::has_recur<T> && detail::has_clean<T> &&
                       detail::has_close<T> && detail::has_abort<T> && detail::has_exit<T>;

namespace detail {
/// Names the context a member lacks: instantiated for each member, so that the compiler's
/// "required from here" shows the member's index and type beside the message.
template <std::size_t Index, class T>
struct CheckMember {
    static constexpr bool doer = is_doer<T>;
    static_assert(doer || !std::is_reference_v<T>,
                  "hio::DoDoerOf: a member held by reference must be a hio::Doer (Doer&); hold other types by value");
    static_assert(doer || has_enter<T>, "hio::DoDoerOf: this member (T, at Index) has no `void enter()`");
    static_assert(doer || has_recur<T>, "hio::DoDoerOf: this member (T, at Index) has no `bool recur(double tyme)`");
    static_assert(doer || has_clean<T>, "hio::DoDoerOf: this member (T, at Index) has no `void clean()`");
    static_assert(doer || has_close<T>, "hio::DoDoerOf: this member (T, at Index) has no `void close() noexcept`");
    static_assert(doer || has_abort<T>,
                  "hio::DoDoerOf: this member (T, at Index) has no `void abort(std::exception_ptr) noexcept`");
    static_assert(doer || has_exit<T>, "hio::DoDoerOf: this member (T, at Index) has no `void exit() noexcept`");
    static constexpr bool ok = true;
};
}  // namespace detail

}  // namespace hio
