// The examples' command lines: `--name value` options and `--flag` switches, checked, with
// `--help`. Shared by the examples so that each reads as its own program; not part of hio.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>

namespace example {

/// Parses argv against the options and flags an example declares. `--help` prints the usage
/// to stdout and exits 0; an unknown option, a missing value or a bad number prints the
/// problem and the usage to stderr and exits 2.
class Arguments {
public:
    /// `usage`: the lines after "usage: ", e.g. "echo_server [--port P] [--quiet]".
    Arguments(int argc, char** argv, std::string usage, std::set<std::string> options, std::set<std::string> flags)
        : usage_{std::move(usage)} {
        for (int i = 1; i < argc; ++i) {
            const std::string name = argv[i];
            if (name == "--help" || name == "-h") {
                std::printf("usage: %s\n", usage_.c_str());
                std::exit(0);
            }
            if (flags.count(name) != 0) {
                flags_.insert(name);
            } else if (options.count(name) != 0) {
                if (i + 1 >= argc)
                    fail(name + " needs a value");
                values_[name] = argv[++i];
            } else {
                fail("unknown option " + name);
            }
        }
    }

    /// True when `--flag` was given.
    [[nodiscard]] bool flag(const std::string& name) const { return flags_.count(name) != 0; }
    /// True when `--option value` was given.
    [[nodiscard]] bool has(const std::string& name) const { return values_.count(name) != 0; }

    /// The value of `--option`, or `fallback`.
    [[nodiscard]] std::string text(const std::string& name, const std::string& fallback = {}) const {
        const auto found = values_.find(name);
        return found == values_.end() ? fallback : found->second;
    }

    /// The value of `--option` as a number within [low, high], or `fallback`.
    [[nodiscard]] double number(const std::string& name, double fallback, double low, double high) const {
        const auto found = values_.find(name);
        if (found == values_.end())
            return fallback;
        char* end = nullptr;
        const double value = std::strtod(found->second.c_str(), &end);
        if (end == found->second.c_str() || *end != '\0' || !(value >= low && value <= high))
            fail(name + " needs a number from " + format(low) + " to " + format(high) + ", got '" + found->second +
                 "'");
        return value;
    }

    /// The value of `--option` as a whole number within [low, high], or `fallback`.
    [[nodiscard]] long long integer(const std::string& name, long long fallback, long long low, long long high) const {
        const double value = number(name, static_cast<double>(fallback), static_cast<double>(low),
                                    static_cast<double>(high));
        if (value != static_cast<double>(static_cast<long long>(value)))
            fail(name + " needs a whole number, got '" + text(name) + "'");
        return static_cast<long long>(value);
    }

    /// Prints `problem` and the usage, and exits 2.
    [[noreturn]] void fail(const std::string& problem) const {
        std::fprintf(stderr, "%s\nusage: %s\n", problem.c_str(), usage_.c_str());
        std::exit(2);
    }

private:
    static std::string format(double value) {
        char text[32];
        std::snprintf(text, sizeof text, "%g", value);
        return text;
    }

    std::string usage_;
    std::map<std::string, std::string> values_;
    std::set<std::string> flags_;
};

}  // namespace example
