#pragma once
/// \file
/// The exception types of hio (hio: hioing.HioError, ValidationError).

#include <cerrno>
#include <exception>
#include <stdexcept>
#include <string>
#include <system_error>

namespace hio {

/// Base of every error hio throws (hio: HioError).
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Invalid input: a negative or NaN tock, limit or duration, a doer that cannot be added, ...
/// The message names the component, the argument and the value (hio: ValidationError).
class ValidationError : public Error {
public:
    using Error::Error;
};

/// A failure the operating system reported (bind: address in use, permission denied; epoll;
/// name resolution), with its `std::error_code`: test `error.code() == std::errc::address_in_use`
/// instead of parsing the message. The message names the component, the operation and the
/// address or descriptor, then the code's own text (asio's `throw_error(ec, "listen")` habit).
class SystemError : public Error {
public:
    /// `what` says what failed ("tcp::Network: cannot listen on 127.0.0.1:80"); the code's
    /// message is appended after ": ".
    SystemError(std::error_code code, const std::string& what)
        : Error{what + ": " + code.message()}, code_{code} {}

    /// The cause, in the category it came in (std::system_category() for errno values).
    [[nodiscard]] const std::error_code& code() const noexcept { return code_; }

private:
    std::error_code code_;
};

/// The last errno as a std::error_code (for SystemError).
inline std::error_code last_system_error() noexcept { return {errno, std::system_category()}; }

/// A doer or a Doist's run outlived its grace period during a graceful shutdown; handed to
/// `Doer::abort()` of every doer that had not finished when the grace period ran out.
class ShutdownTimeout : public Error {
public:
    using Error::Error;
};

/// Thrown by a doer to stop the whole Doist gracefully: hio's KeyboardInterrupt path.
///
/// It deliberately does not derive from `std::exception`, so `catch (const std::exception&)`
/// in user code does not swallow it (as Python's `except Exception` does not catch
/// KeyboardInterrupt). The throwing doer exits without `abort()`, every other running doer is
/// closed, and `Doist::run()` returns normally with `done()` false.
struct Interrupt {
    /// Why the run was interrupted, for logs.
    const char* reason = "interrupt";
};

/// Raised inside a coroutine doer at its suspended `co_yield` when the doer is closed by force
/// (limit, removal, parent close): hio's GeneratorExit. Catch it to run close-only actions;
/// it does not derive from `std::exception` for the same reason as `Interrupt`.
struct Closed {};

/// The message of an exception held in an `exception_ptr`, for logs and failure records.
/// Returns "unknown exception" for types that carry no message.
inline std::string describe(const std::exception_ptr& error) {
    if (!error)
        return "no exception";
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& ex) {
        return ex.what();
    } catch (const Interrupt& interrupt) {
        return std::string{"hio::Interrupt: "} + interrupt.reason;
    } catch (const Closed&) {
        return "hio::Closed";
    } catch (...) {
        return "unknown exception";
    }
}

}  // namespace hio
