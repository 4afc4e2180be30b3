#pragma once
/// \file
/// Filer and FilerDoer: hio's base/filing.py. A directory (or one file) for a program's state,
/// at hio's path: `<head>/hio[/clean]/<base>/<name>`, falling back to `~/.hio[/clean]/...`
/// when the head cannot be used, or in a temporary directory for tests.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <system_error>
#include <utility>

#include <hio/doer.hpp>
#include <hio/detail/paths.hpp>
#include <hio/error.hpp>

namespace hio {

/// Settings of a Filer (hio: Filer(name, base, temp, headDirPath, perm, reopen, clear, reuse,
/// clean, filed, mode, fext)).
struct FilerOptions {
    /// The directory's (or file's) name.
    std::string name = "main";
    /// A path between the tail and the name ("" for none).
    std::string base{};
    /// In a new temporary directory (`<tmp>/hio_XXXXXXXX_test`), removed at close.
    bool temp = false;
    /// Where the path starts; "" is hio's `/usr/local/var`.
    std::string head_dir{};
    /// Permissions of what is made: hio's 01700 for a directory, 0600 for a file (POSIX).
    std::optional<std::filesystem::perms> perm{};
    /// Open at construction.
    bool reopen = true;
    /// Remove what exists at the path when it is closed (a temp one always is).
    bool clear = false;
    /// Reopen an existing path as it is instead of making it anew.
    bool reuse = false;
    /// The `clean` tail (`hio/clean`), whose path is emptied first: state that must not
    /// survive a restart.
    bool clean = false;
    /// A file rather than a directory.
    bool filed = false;
    /// A file's extension when its name has none (`main` -> `main.text`).
    std::string fext = "text";
};

/// A program's directory or file at hio's path (see the file comment). Errors name the path
/// and the reason.
class Filer {
public:
    /// Opens it when `options.reopen` (hio's default).
    explicit Filer(FilerOptions options = {}) : options_{std::move(options)} {
        if (options_.name.empty())
            throw ValidationError{"Filer: name must not be empty"};
        if (options_.reopen)
            reopen();
    }

    Filer(const Filer&) = delete;
    Filer& operator=(const Filer&) = delete;
    ~Filer() { close(options_.clear || options_.temp); }

    /// Closes (clearing when asked), then makes the path again, or takes the existing one with
    /// `reuse`. Throws hio::SystemError naming the path when neither it nor the home fallback
    /// can be made.
    void reopen() {
        namespace fs = std::filesystem;
        close(options_.clear);
        std::error_code error;
        if (options_.temp) {
            const fs::path tmp = fs::temp_directory_path(error);
            for (int attempt = 0; attempt < 100 && temp_head_.empty(); ++attempt) {
                const fs::path candidate = tmp / detail::unique_name("hio_", "_test");
                if (fs::create_directory(candidate, error))
                    temp_head_ = candidate;
            }
            if (temp_head_.empty())
                throw SystemError{error, "Filer: cannot make a temporary directory in " + tmp.string()};
            path_ = temp_head_ / tail("hio") / leaf();
            make(path_);
        } else {
            path_ = primary();
            if (!(options_.reuse && usable(path_)) && !try_make(path_)) {
                const fs::path fallback = fallback_path();
                if (!(options_.reuse && usable(fallback)) && !try_make(fallback))
                    throw SystemError{std::make_error_code(std::errc::permission_denied),
                                      "Filer: cannot make " + path_.string() + " nor " + fallback.string()};
                path_ = fallback;
            }
        }
        if (options_.filed) {
            file_.open(path_, std::ios::in | std::ios::out | std::ios::binary);
            if (!file_)
                throw SystemError{std::make_error_code(std::errc::permission_denied), "Filer: cannot open " + path_.string()};
        }
        opened_ = true;
    }

    /// Closes the file; with `clear`, removes the path (and a temporary head directory).
    void close(bool clear = false) noexcept {
        if (file_.is_open())
            file_.close();
        opened_ = false;
        if (!clear)
            return;
        std::error_code ignored;
        if (!path_.empty())
            std::filesystem::remove_all(path_, ignored);
        if (!temp_head_.empty())
            std::filesystem::remove_all(temp_head_, ignored);
        temp_head_.clear();
    }

    /// True when the path exists as a usable directory (or file, when filed), at the head's
    /// path or the home fallback (hio: exists; temp is not considered).
    [[nodiscard]] bool exists() const { return usable(primary()) || usable(fallback_path()); }

    /// The path in use ("" before the first open).
    [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
    /// True while open.
    [[nodiscard]] bool opened() const noexcept { return opened_; }
    /// The file (filed only; open while opened()).
    [[nodiscard]] std::fstream& file() noexcept { return file_; }
    /// The settings.
    [[nodiscard]] const FilerOptions& options() const noexcept { return options_; }

private:
    // "hio" or "hio/clean" (".hio", ".hio/clean" at home).
    std::filesystem::path tail(const char* top) const {
        return options_.clean ? std::filesystem::path{top} / "clean" : std::filesystem::path{top};
    }
    // <base>/<name>[.<fext>]
    std::filesystem::path leaf() const { return std::filesystem::path{options_.base} / file_name(); }
    // <head>/hio[/clean]/<base>/<name>
    std::filesystem::path primary() const {
        const std::filesystem::path head = options_.head_dir.empty() ? "/usr/local/var" : options_.head_dir;
        return head / tail("hio") / leaf();
    }
    // ~/.hio[/clean]/<base>/<name>
    std::filesystem::path fallback_path() const { return detail::home_directory() / tail(".hio") / leaf(); }

    std::string file_name() const {
        if (options_.filed && !std::filesystem::path{options_.name}.has_extension())
            return options_.name + "." + options_.fext;
        return options_.name;
    }

    bool usable(const std::filesystem::path& path) const {
        std::error_code error;
        return options_.filed ? std::filesystem::is_regular_file(path, error) : std::filesystem::is_directory(path, error);
    }

    // Makes `path` (emptied first when clean); false when it cannot.
    bool try_make(const std::filesystem::path& path) noexcept {
        try {
            make(path);
            return true;
        } catch (const SystemError&) {
            return false;
        }
    }

    void make(const std::filesystem::path& path) {
        namespace fs = std::filesystem;
        std::error_code error;
        if (options_.clean)
            fs::remove_all(path, error);
        fs::create_directories(options_.filed ? path.parent_path() : path, error);
        if (options_.filed) {
            if (!fs::exists(path, error)) {
                std::ofstream made{path, std::ios::binary};
                if (!made)
                    throw SystemError{std::make_error_code(std::errc::permission_denied), "Filer: cannot make " + path.string()};
            }
        }
        if (!usable(path))
            throw SystemError{error ? error : std::make_error_code(std::errc::permission_denied),
                              "Filer: cannot make " + path.string()};
        // Writable? A directory takes a probe file; a file opens for writing.
        const fs::path probe = options_.filed ? path : path / ".hio_probe";
        {
            std::ofstream out{probe, std::ios::app | std::ios::binary};
            if (!out)
                throw SystemError{std::make_error_code(std::errc::permission_denied), "Filer: cannot write in " + path.string()};
        }
        if (!options_.filed)
            fs::remove(probe, error);
#if !defined(_WIN32)
        const fs::perms perm = options_.perm.value_or(options_.filed ? fs::perms{0600} : fs::perms{01700});
        fs::permissions(path, perm, error);
#endif
    }

    FilerOptions options_;
    std::filesystem::path path_;
    std::filesystem::path temp_head_;
    std::fstream file_;
    bool opened_ = false;
};

/// Opens its Filer at enter (unless open) and closes it at exit, clearing a temporary one
/// (hio: FilerDoer).
class FilerDoer : public Doer {
public:
    /// A doer for `filer`, which must outlive it.
    explicit FilerDoer(Filer& filer, double tock = 0.0) : Doer{tock}, filer_{filer} {}

    /// The Filer.
    [[nodiscard]] Filer& filer() noexcept { return filer_; }

protected:
    void enter() override {
        if (!filer_.opened())
            filer_.reopen();
    }
    void exit() noexcept override { filer_.close(filer_.options().temp); }

private:
    Filer& filer_;
};

}  // namespace hio
