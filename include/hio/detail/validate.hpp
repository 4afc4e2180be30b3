#pragma once
/// \file
/// Argument checks shared by the scheduler headers. Internal: may change any day.

#include <cmath>
#include <sstream>
#include <string>

#include <hio/error.hpp>

namespace hio::detail {

/// Shortest text that reads back as the same double (as Python's repr does for floats).
inline std::string format_number(double value) {
    std::ostringstream out;
    out.precision(17);
    out << value;
    // Prefer the shortest exact form: try fewer digits first.
    for (int digits = 1; digits < 17; ++digits) {
        std::ostringstream shorter;
        shorter.precision(digits);
        shorter << value;
        if (std::stod(shorter.str()) == value || std::isnan(value))
            return shorter.str();
    }
    return out.str();
}

/// Throws ValidationError unless `value` is finite and >= 0.
/// `component` and `argument` name the culprit in the message, e.g. "Doist", "tock".
inline double require_non_negative(const char* component, const char* argument, double value) {
    if (!(value >= 0.0) || std::isinf(value))
        throw ValidationError{std::string{component} + ": " + argument +
                              " must be finite and >= 0, got " + format_number(value)};
    return value;
}

/// Throws ValidationError unless `value` is finite (any sign).
inline double require_finite(const char* component, const char* argument, double value) {
    if (!std::isfinite(value))
        throw ValidationError{std::string{component} + ": " + argument + " must be finite, got " +
                              format_number(value)};
    return value;
}

}  // namespace hio::detail
