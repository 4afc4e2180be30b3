#pragma once
/// \file
/// Ogler and Logger: hio's logging (help/ogling.py). Named loggers with hio's levels, lines in
/// hio's "<prefix>: <message>" shape with the tyme of the Doist (and the wall time in real
/// time), a console sink, a file in hio's directory rule, and a hook into an application's own
/// logging. A message below its logger's level costs one comparison: no formatting, no
/// allocation.

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

#include <hio/detail/utc.hpp>
#include <hio/detail/paths.hpp>
#include <hio/error.hpp>
#include <hio/tymist.hpp>

namespace hio {

/// hio's levels (Python logging's values). A logger passes a message at its level or above.
enum class Level : int {
    debug = 10,
    info = 20,
    warning = 30,
    error = 40,
    critical = 50,
    off = 100,  ///< passes nothing
};

/// "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", "OFF".
constexpr std::string_view level_name(Level level) noexcept {
    switch (level) {
    case Level::debug: return "DEBUG";
    case Level::info: return "INFO";
    case Level::warning: return "WARNING";
    case Level::error: return "ERROR";
    case Level::critical: return "CRITICAL";
    case Level::off: return "OFF";
    }
    return "?";
}

/// The level named `text` in any case ("debug", "INFO", "warn" too), for a command line; nullopt
/// for anything else.
inline std::optional<Level> parse_level(std::string_view text) noexcept {
    std::string upper;
    for (const char c : text)
        upper += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
    for (const Level level : {Level::debug, Level::info, Level::warning, Level::error, Level::critical, Level::off})
        if (upper == level_name(level))
            return level;
    if (upper == "WARN")
        return Level::warning;
    return std::nullopt;
}

/// One message, as sinks and hooks see it.
struct LogRecord {
    Level level;                 ///< its level
    std::string_view logger;     ///< the logger's name
    std::string_view message;    ///< the formatted message
    std::optional<double> tyme;  ///< the tyme of the logger's clock, when it has one
    std::optional<double> wall;  ///< the wall time (seconds since the epoch) in real time
};

namespace detail {

// Appends one argument of a log message.
inline void log_append(std::string& out, std::string_view text) { out += text; }
inline void log_append(std::string& out, const char* text) { out += text != nullptr ? text : "(null)"; }
inline void log_append(std::string& out, const std::string& text) { out += text; }
inline void log_append(std::string& out, char c) { out += c; }
inline void log_append(std::string& out, bool value) { out += value ? "true" : "false"; }
template <class T>
    requires(std::is_integral_v<T> && !std::is_same_v<T, bool> && !std::is_same_v<T, char>)
void log_append(std::string& out, T value) {
    char digits[24];
    const auto [end, error] = std::to_chars(digits, digits + sizeof digits, value);
    static_cast<void>(error);
    out.append(digits, end);
}
template <class T>
    requires std::is_floating_point_v<T>
void log_append(std::string& out, T value) {
    char digits[32];
    const int n = std::snprintf(digits, sizeof digits, "%.6g", static_cast<double>(value));
    out.append(digits, static_cast<std::size_t>(std::max(n, 0)));
}
template <class T>
    requires(!std::is_arithmetic_v<T> && !std::is_convertible_v<const T&, std::string_view>)
void log_append(std::string& out, const T& value) {
    std::ostringstream stream;
    stream << value;
    out += stream.str();
}

// "{}" in `pattern` replaced by the arguments in turn ("{{" and "}}" are braces); extra
// arguments are appended after a space, missing ones leave "{}".
inline void log_format(std::string& out, std::string_view pattern) {
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if ((pattern[i] == '{' || pattern[i] == '}') && i + 1 < pattern.size() && pattern[i + 1] == pattern[i])
            ++i;
        out += pattern[i];
    }
}
template <class First, class... Rest>
void log_format(std::string& out, std::string_view pattern, const First& first, const Rest&... rest) {
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] == '{' && i + 1 < pattern.size()) {
            if (pattern[i + 1] == '{') {
                out += '{';
                ++i;
                continue;
            }
            if (pattern[i + 1] == '}') {
                log_append(out, first);
                log_format(out, pattern.substr(i + 2), rest...);
                return;
            }
        }
        if (pattern[i] == '}' && i + 1 < pattern.size() && pattern[i + 1] == '}')
            ++i;
        out += pattern[i];
    }
    out += ' ';  // more arguments than "{}": kept, not lost
    log_append(out, first);
    (((out += ' '), log_append(out, rest)), ...);
}

// What the loggers of one Ogler share: the sinks and the levels.
struct OglerCore {
    std::mutex mutex;                                    // the sinks and `levels`
    std::string prefix;
    bool consoled = true;
    std::FILE* console = stderr;
    std::ofstream file;
    std::function<void(const LogRecord&)> hook;
    std::map<std::string, std::shared_ptr<std::atomic<int>>, std::less<>> levels;  // per logger
    std::atomic<int> default_level{static_cast<int>(Level::error)};
};

}  // namespace detail

/// A named logger of an Ogler (cheap to copy). Its level is an atomic read: a message below
/// it is neither formatted nor allocated.
///
/// ```
/// hio::Logger log = ogler.logger("server");
/// log.info("listening on {}", endpoint);        // "{}": the arguments in turn
/// log.warning("refused {} at the limit of {}", peer, limit);
/// ```
class Logger {
public:
    /// A logger that passes nothing.
    Logger() = default;

    /// True when a message at `level` would be written.
    [[nodiscard]] bool enabled(Level level) const noexcept {
        return level_ != nullptr && static_cast<int>(level) >= level_->load(std::memory_order_relaxed);
    }

    /// Writes `pattern` with its "{}" replaced by `args`, at `level`, if enabled.
    template <class... Args>
    void log(Level level, std::string_view pattern, const Args&... args) const {
        if (!enabled(level))
            return;
        std::string message;
        detail::log_format(message, pattern, args...);
        emit(level, message);
    }
    ///@{
    /// log() at that level.
    template <class... Args>
    void debug(std::string_view pattern, const Args&... args) const { log(Level::debug, pattern, args...); }
    template <class... Args>
    void info(std::string_view pattern, const Args&... args) const { log(Level::info, pattern, args...); }
    template <class... Args>
    void warning(std::string_view pattern, const Args&... args) const { log(Level::warning, pattern, args...); }
    template <class... Args>
    void error(std::string_view pattern, const Args&... args) const { log(Level::error, pattern, args...); }
    template <class... Args>
    void critical(std::string_view pattern, const Args&... args) const { log(Level::critical, pattern, args...); }
    ///@}

    /// Lines carry the tyme of `clock` (a Doist; it must outlive this logger's use), and the
    /// wall time when `real` (real time). nullptr: no tyme.
    void clock(const Tymist* clock, bool real) noexcept {
        clock_ = clock;
        real_ = real;
    }

    /// The logger's name.
    [[nodiscard]] const std::string& name() const noexcept { return name_; }
    /// Its level now.
    [[nodiscard]] Level level() const noexcept {
        return level_ != nullptr ? static_cast<Level>(level_->load()) : Level::off;
    }

private:
    friend class Ogler;
    Logger(std::shared_ptr<detail::OglerCore> core, std::string name, std::shared_ptr<std::atomic<int>> level)
        : core_{std::move(core)}, name_{std::move(name)}, level_{std::move(level)} {}

    void emit(Level level, std::string_view message) const {
        LogRecord record{level, name_, message, std::nullopt, std::nullopt};
        if (clock_ != nullptr)
            record.tyme = clock_->tyme();
        if (real_)
            record.wall = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
        std::string line;
        if (record.wall) {  // 2026-12-08T03:20:01.123Z
            const auto seconds = static_cast<std::time_t>(*record.wall);
            const std::tm utc = detail::utc_time(seconds);
            char stamp[40];
            const int millis = static_cast<int>((*record.wall - static_cast<double>(seconds)) * 1000.0);
            std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ ", utc.tm_year + 1900, utc.tm_mon + 1,
                          utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, std::clamp(millis, 0, 999));
            line += stamp;
        }
        line += core_->prefix;
        line += ": ";
        if (record.tyme) {
            char tyme[32];
            const int n = std::snprintf(tyme, sizeof tyme, "%.6f ", *record.tyme);
            line.append(tyme, static_cast<std::size_t>(std::max(n, 0)));
        }
        line += level_name(level);
        line += ' ';
        line += name_;
        line += ": ";
        line += message;
        line += '\n';
        std::lock_guard lock{core_->mutex};
        if (core_->consoled && core_->console != nullptr) {
            std::fwrite(line.data(), 1, line.size(), core_->console);
            std::fflush(core_->console);
        }
        if (core_->file.is_open()) {
            core_->file << line;
            core_->file.flush();
        }
        if (core_->hook)
            core_->hook(record);
    }

    std::shared_ptr<detail::OglerCore> core_;
    std::string name_;
    std::shared_ptr<std::atomic<int>> level_;
    const Tymist* clock_ = nullptr;
    bool real_ = false;
};

/// Settings of an Ogler (hio: Ogler(name, level, temp, prefix, headDirPath, reopen, clear,
/// consoled, syslogged, filed)).
struct OglerOptions {
    /// The log file's name: `<name>.log`.
    std::string name = "main";
    /// The level of loggers made without one (hio's default: error).
    Level level = Level::error;
    /// A temporary directory (for tests): /tmp/hio/logs/test_XXXXXX_temp, removed by close().
    bool temp = false;
    /// The line prefix and the directory's: `<head>/<prefix>/logs`.
    std::string prefix = "hio";
    /// Where the log directory goes; when it cannot be made or written, `~/.<prefix>/logs`.
    std::string head_dir = "/usr/local/var";
    /// Remove the log directory at close (a temp one always is).
    bool clear = false;
    /// Write lines to stderr.
    bool consoled = true;
    /// Write lines to `<name>.log` in the log directory.
    bool filed = true;
};

/// A logging factory with hio's Ogler semantics (../shared/hio-spec.md §4): loggers by name,
/// the sinks they share, and the log directory.
///
/// ```
/// hio::Ogler ogler{{.level = hio::Level::info, .filed = false}};
/// hio::Logger log = ogler.logger("app");
/// log.info("started with {} workers", 4);   // hio: 0.000000 INFO app: started with 4 workers
/// ```
class Ogler {
public:
    /// Opens the sinks. Throws ValidationError when neither `consoled` nor `filed` (nor a hook
    /// later) could receive anything: hio's OglerError; hio::SystemError naming the directory
    /// when neither it nor the home fallback can be made.
    explicit Ogler(OglerOptions options = {}) : options_{std::move(options)}, core_{std::make_shared<detail::OglerCore>()} {
        if (!options_.consoled && !options_.filed)
            throw ValidationError{"Ogler: needs a sink: consoled or filed (or both)"};
        core_->prefix = options_.prefix;
        core_->consoled = options_.consoled;
        core_->default_level.store(static_cast<int>(options_.level));
        reopen();
    }

    Ogler(const Ogler&) = delete;
    Ogler& operator=(const Ogler&) = delete;
    ~Ogler() { close(options_.clear || options_.temp); }

    /// The logger `name` (made at `level`, or the Ogler's, on first use; the same thereafter).
    [[nodiscard]] Logger logger(const std::string& name, std::optional<Level> level = std::nullopt) {
        std::lock_guard lock{core_->mutex};
        auto& slot = core_->levels[name];
        if (!slot)
            slot = std::make_shared<std::atomic<int>>(static_cast<int>(level.value_or(static_cast<Level>(core_->default_level.load()))));
        else if (level)
            slot->store(static_cast<int>(*level));
        return Logger{core_, name, slot};
    }

    /// Sets the level of logger `name`; with `globally`, of every logger and of those made
    /// later (hio: resetLevel). Safe from any thread: a logger sees it at its next message.
    void reset_level(const std::string& name, Level level, bool globally = false) {
        std::lock_guard lock{core_->mutex};
        if (globally) {
            core_->default_level.store(static_cast<int>(level));
            for (auto& [_, slot] : core_->levels)
                slot->store(static_cast<int>(level));
            return;
        }
        auto& slot = core_->levels[name];
        if (!slot)
            slot = std::make_shared<std::atomic<int>>(static_cast<int>(level));
        else
            slot->store(static_cast<int>(level));
    }

    /// Also hands every line's record to `hook` (an application's own logging: spdlog, syslog,
    /// a test), under the Ogler's lock; empty: none.
    void hook(std::function<void(const LogRecord&)> hook) {
        std::lock_guard lock{core_->mutex};
        core_->hook = std::move(hook);
    }

    /// Where console lines go (stderr; a test may give a file). Not owned.
    void console(std::FILE* stream) {
        std::lock_guard lock{core_->mutex};
        core_->console = stream;
    }

    /// (Re)opens the log directory and file (hio: reopen). The directory: a temporary one
    /// (`temp`), else `<head_dir>/<prefix>/logs`, else `~/.<prefix>/logs`.
    void reopen() {
        close(false);
        if (!options_.filed)
            return;
        namespace fs = std::filesystem;
        std::error_code error;
        if (options_.temp) {
            const fs::path base = fs::temp_directory_path(error) / "hio" / "logs";
            fs::create_directories(base, error);
            for (int attempt = 0; attempt < 100 && dir_.empty(); ++attempt) {
                const fs::path candidate = base / detail::unique_name("test_", "_temp");
                if (fs::create_directory(candidate, error))
                    dir_ = candidate;
            }
            if (dir_.empty())
                throw SystemError{error, "Ogler: cannot make a temporary log directory under " + base.string()};
        } else {
            dir_ = fs::path{options_.head_dir} / options_.prefix / "logs";
            if (!usable(dir_)) {
                const fs::path fallback = detail::home_directory() / ("." + options_.prefix) / "logs";
                if (!usable(fallback))
                    throw SystemError{std::make_error_code(std::errc::permission_denied),
                                      "Ogler: cannot make the log directory " + dir_.string() + " nor " +
                                          fallback.string()};
                dir_ = fallback;
            }
        }
        path_ = dir_ / (options_.name + ".log");
        std::lock_guard lock{core_->mutex};
        core_->file.open(path_, std::ios::app | std::ios::binary);  // "\n" everywhere: a log replays byte for byte
        if (!core_->file)
            throw SystemError{std::make_error_code(std::errc::permission_denied), "Ogler: cannot open " + path_.string()};
    }

    /// Closes the file; with `clear`, removes the log directory (hio: close(clear)).
    void close(bool clear = false) noexcept {
        {
            std::lock_guard lock{core_->mutex};
            if (core_->file.is_open())
                core_->file.close();
        }
        if (clear && !dir_.empty()) {
            std::error_code ignored;
            std::filesystem::remove_all(dir_, ignored);
            dir_.clear();
            path_.clear();
        }
    }

    /// The log directory ("" when not filed or closed with clear).
    [[nodiscard]] const std::filesystem::path& dir_path() const noexcept { return dir_; }
    /// The log file.
    [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
    /// The settings.
    [[nodiscard]] const OglerOptions& options() const noexcept { return options_; }

private:
    static bool usable(const std::filesystem::path& dir) {
        std::error_code error;
        std::filesystem::create_directories(dir, error);
        if (!std::filesystem::is_directory(dir, error))
            return false;
        const std::filesystem::path probe = dir / ".hio_probe";
        std::ofstream out{probe};
        const bool writable = static_cast<bool>(out);
        out.close();
        std::filesystem::remove(probe, error);
        return writable;
    }

    OglerOptions options_;
    std::shared_ptr<detail::OglerCore> core_;
    std::filesystem::path dir_;
    std::filesystem::path path_;
};

}  // namespace hio
