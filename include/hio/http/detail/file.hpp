#pragma once
/// \file
/// The files StaticFiles serves, on each platform: a root directory, opening a file beneath it
/// (nothing outside it, whatever the path or a link says), its size and time, reads at an
/// offset. Internal: may change any day.

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <system_error>

#include <hio/error.hpp>

#if defined(_WIN32)
#include <hio/detail/platform.hpp>

#include <fcntl.h>
#include <io.h>

#include <vector>
#else
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__linux__)
#include <linux/openat2.h>
#include <sys/syscall.h>
#endif

#include <climits>
#include <cstdlib>
#endif

namespace hio::http::detail {

/// What StaticFiles needs to know of an open file.
struct FileStatus {
    bool regular = false;
    bool directory = false;
    std::uint64_t size = 0;
    std::time_t modified = 0;             ///< seconds since the epoch
    std::uint64_t modified_ns = 0;        ///< the same in nanoseconds (the ETag's)
};

/// True for a path segment the platform would read as something else than a plain name, so a
/// request naming it is refused (403) before any file is opened. POSIX: none but "..", which
/// the caller refuses. Windows: a backslash or a colon (another separator, a drive or an
/// alternate data stream: "a.txt::$DATA"), a trailing dot or space (dropped by Windows: "a.txt."
/// opens "a.txt"), and the reserved device names (CON, NUL, COM1, ... with any extension).
inline bool segment_refused(std::string_view segment) noexcept {
#if defined(_WIN32)
    if (segment.empty())
        return false;
    if (segment.find_first_of("\\:") != std::string_view::npos || segment.back() == '.' || segment.back() == ' ')
        return segment != ".";
    std::string_view stem = segment.substr(0, segment.find('.'));
    while (!stem.empty() && stem.back() == ' ')
        stem.remove_suffix(1);
    char upper[8] = {};
    if (stem.size() > 7)  // "CONOUT$"
        return false;
    for (std::size_t i = 0; i < stem.size(); ++i)
        upper[i] = (stem[i] >= 'a' && stem[i] <= 'z') ? static_cast<char>(stem[i] - 32) : stem[i];
    const std::string_view name{upper, stem.size()};
    if (name == "CON" || name == "PRN" || name == "AUX" || name == "NUL" || name == "CONIN$" || name == "CONOUT$")
        return true;
    return name.size() == 4 && (name.substr(0, 3) == "COM" || name.substr(0, 3) == "LPT") && name[3] >= '0' &&
           name[3] <= '9';
#else
    static_cast<void>(segment);
    return false;
#endif
}

#if defined(_WIN32)

// UTF-8 to UTF-16 for the W functions; empty on invalid UTF-8.
inline std::wstring widen(std::string_view text) {
    if (text.empty())
        return {};
    const int count = ::MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, text.data(), static_cast<int>(text.size()), nullptr, 0);
    if (count <= 0)
        return {};
    std::wstring out(static_cast<std::size_t>(count), L'\0');
    ::MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, text.data(), static_cast<int>(text.size()), out.data(), count);
    return out;
}

inline std::string narrow(std::wstring_view text) {
    if (text.empty())
        return {};
    const int count = ::WideCharToMultiByte(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), nullptr, 0, nullptr, nullptr);
    std::string out(static_cast<std::size_t>(count > 0 ? count : 0), '\0');
    if (count > 0)
        ::WideCharToMultiByte(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), out.data(), count, nullptr, nullptr);
    return out;
}

// The final path of an open handle (links and junctions resolved), or empty.
inline std::wstring final_path(HANDLE handle) {
    std::vector<wchar_t> buffer(512);
    for (;;) {
        const DWORD length = ::GetFinalPathNameByHandleW(handle, buffer.data(), static_cast<DWORD>(buffer.size()),
                                                         FILE_NAME_NORMALIZED | VOLUME_NAME_DOS);
        if (length == 0)
            return {};
        if (length < buffer.size())
            return std::wstring{buffer.data(), length};
        buffer.resize(length + 1);
    }
}

inline void set_errno_from_windows(DWORD error) noexcept {
    switch (error) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_NAME:
    case ERROR_BAD_PATHNAME:
        errno = ENOENT;
        break;
    case ERROR_ACCESS_DENIED:
    case ERROR_SHARING_VIOLATION:
        errno = EACCES;
        break;
    case ERROR_CANT_RESOLVE_FILENAME:
        errno = ELOOP;
        break;
    default:
        errno = EIO;
        break;
    }
}

// Opens `path` for reading (a directory too), or INVALID_HANDLE_VALUE with errno.
inline HANDLE open_handle(const std::wstring& path) noexcept {
    const HANDLE handle = ::CreateFileW(path.c_str(), GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                                        nullptr, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, nullptr);
    if (handle == INVALID_HANDLE_VALUE)
        set_errno_from_windows(::GetLastError());
    return handle;
}

// Case-insensitive (Windows' file names are): does `path` lie in or under `root`?
inline bool beneath(std::wstring_view path, std::wstring_view root) noexcept {
    if (path.size() < root.size())
        return false;
    if (::CompareStringOrdinal(path.data(), static_cast<int>(root.size()), root.data(), static_cast<int>(root.size()), TRUE) != CSTR_EQUAL)
        return false;
    return path.size() == root.size() || path[root.size()] == L'\\' || (!root.empty() && root.back() == L'\\');
}

#endif

/// The directory served, resolved once; files are opened beneath it.
class Root {
public:
    /// Throws hio::SystemError naming `path` when it is not a readable directory.
    explicit Root(const std::string& path) {
#if defined(_WIN32)
        const HANDLE handle = open_handle(widen(path));
        if (handle == INVALID_HANDLE_VALUE)
            throw SystemError{{errno, std::generic_category()}, "http::StaticFiles: cannot serve " + path};
        BY_HANDLE_FILE_INFORMATION information{};
        const bool directory = ::GetFileInformationByHandle(handle, &information) != 0 &&
                               (information.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0;
        final_ = final_path(handle);
        ::CloseHandle(handle);
        if (!directory || final_.empty())
            throw SystemError{std::make_error_code(std::errc::not_a_directory),
                              "http::StaticFiles: " + path + " is not a directory"};
        resolved_ = narrow(final_);
        if (resolved_.rfind("\\\\?\\", 0) == 0 && resolved_.size() > 6 && resolved_[5] == ':')
            resolved_.erase(0, 4);  // "\\?\C:\www" -> "C:\www"
#else
        char resolved[PATH_MAX];
        if (::realpath(path.c_str(), resolved) == nullptr)
            throw SystemError{{errno, std::system_category()}, "http::StaticFiles: cannot serve " + path};
        struct ::stat status {};
        if (::stat(resolved, &status) != 0 || !S_ISDIR(status.st_mode))
            throw SystemError{std::make_error_code(std::errc::not_a_directory),
                              "http::StaticFiles: " + path + " is not a directory"};
        resolved_ = resolved;
#if defined(__linux__)
        fd_ = ::open(resolved, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd_ < 0)
            throw SystemError{{errno, std::system_category()}, "http::StaticFiles: cannot open " + path};
#endif
#endif
    }

    Root(const Root&) = delete;
    Root& operator=(const Root&) = delete;
    ~Root() {
#if defined(__linux__)
        ::close(fd_);
#endif
    }

    /// The root, resolved (links followed).
    [[nodiscard]] const std::string& path() const noexcept { return resolved_; }

    /// Opens `relative` ("/a/b", cleaned: no "..", no empty or "." segment) for reading, beneath
    /// the root. -1 with errno on failure; EXDEV when the file is outside the root.
    ///
    /// Linux: openat2 with RESOLVE_BENEATH does it in one system call, the kernel refusing any
    /// way out; it also refuses an absolute symbolic link, even one into the root, so that case
    /// (EXDEV), and a kernel without openat2 (before 5.6), get realpath() and a prefix check
    /// instead. Windows: the file is opened, then its final path (links and junctions resolved,
    /// by the handle: what was opened is what is checked) must lie under the root's.
    int open(const std::string& relative) {
#if defined(_WIN32)
        std::wstring path = final_;
        if (relative.size() > 1) {
            const std::wstring rest = widen(std::string_view{relative}.substr(1));
            if (rest.empty()) {
                errno = ENOENT;  // not UTF-8: no such name
                return -1;
            }
            if (path.empty() || path.back() != L'\\')  // a drive root (C:) ends in one already
                path += L'\\';
            for (const wchar_t c : rest)
                path += c == L'/' ? L'\\' : c;
        }
        const HANDLE handle = open_handle(path);
        if (handle == INVALID_HANDLE_VALUE)
            return -1;
        if (!beneath(final_path(handle), final_)) {
            ::CloseHandle(handle);
            errno = EXDEV;
            return -1;
        }
        const int fd = ::_open_osfhandle(reinterpret_cast<std::intptr_t>(handle), _O_RDONLY | _O_BINARY);
        if (fd < 0) {
            ::CloseHandle(handle);
            errno = EMFILE;
        }
        return fd;
#else
#if defined(__linux__)
        if (openat2_) {
            ::open_how how{};
            how.flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK;  // O_NONBLOCK: a FIFO must not block the open
            how.resolve = RESOLVE_BENEATH;
            const char* path = relative.size() > 1 ? relative.c_str() + 1 : ".";
            const long fd = ::syscall(SYS_openat2, fd_, path, &how, sizeof how);
            if (fd >= 0 || (errno != ENOSYS && errno != EPERM && errno != EINVAL && errno != E2BIG && errno != EXDEV))
                return static_cast<int>(fd);
            if (errno != EXDEV)
                openat2_ = false;  // no openat2 here (an old kernel, or a seccomp filter refusing it)
        }
#endif
        char resolved[PATH_MAX];
        const std::string file = resolved_ + relative;
        if (::realpath(file.c_str(), resolved) == nullptr)
            return -1;
        const std::string_view real = resolved;
        if (real.compare(0, resolved_.size(), resolved_) != 0 ||
            (real.size() > resolved_.size() && real[resolved_.size()] != '/')) {
            errno = EXDEV;  // a link out of the root
            return -1;
        }
        return ::open(resolved, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
#endif
    }

private:
    std::string resolved_;
#if defined(_WIN32)
    std::wstring final_;   // the root's final path ("\\?\C:\www")
#elif defined(__linux__)
    int fd_ = -1;          // the root, O_PATH: what openat2 resolves beneath
    bool openat2_ = true;  // until the kernel says it has none
#endif
};

/// What is known of the open file `fd`; false when it cannot be asked.
inline bool file_status(int fd, FileStatus& out) noexcept {
#if defined(_WIN32)
    const auto handle = reinterpret_cast<HANDLE>(::_get_osfhandle(fd));
    BY_HANDLE_FILE_INFORMATION information{};
    if (handle == INVALID_HANDLE_VALUE || ::GetFileInformationByHandle(handle, &information) == 0)
        return false;
    out.directory = (information.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0;
    out.regular = !out.directory && ::GetFileType(handle) == FILE_TYPE_DISK &&
                  (information.dwFileAttributes & FILE_ATTRIBUTE_DEVICE) == 0;
    out.size = (static_cast<std::uint64_t>(information.nFileSizeHigh) << 32) | information.nFileSizeLow;
    // FILETIME: 100 ns ticks since 1601-01-01.
    const std::uint64_t ticks = (static_cast<std::uint64_t>(information.ftLastWriteTime.dwHighDateTime) << 32) |
                                information.ftLastWriteTime.dwLowDateTime;
    constexpr std::uint64_t epoch_ticks = 116444736000000000ULL;
    const std::uint64_t since = ticks > epoch_ticks ? ticks - epoch_ticks : 0;
    out.modified = static_cast<std::time_t>(since / 10'000'000ULL);
    out.modified_ns = since * 100ULL;
    return true;
#else
    struct ::stat status {};
    if (::fstat(fd, &status) != 0)
        return false;
    out.regular = S_ISREG(status.st_mode);
    out.directory = S_ISDIR(status.st_mode);
    out.size = static_cast<std::uint64_t>(status.st_size);
    out.modified = status.st_mtime;
#if defined(__APPLE__)
    const struct ::timespec& modified = status.st_mtimespec;
#else
    const struct ::timespec& modified = status.st_mtim;
#endif
    out.modified_ns = static_cast<std::uint64_t>(modified.tv_sec) * 1000000000ULL +
                      static_cast<std::uint64_t>(modified.tv_nsec);
    return true;
#endif
}

/// Reads up to `size` bytes at `offset` of `fd` (not moving any file position another read
/// relies on). The count read, 0 at the end, -1 on failure.
inline long long read_at(int fd, char* into, std::size_t size, std::uint64_t offset) noexcept {
#if defined(_WIN32)
    const auto handle = reinterpret_cast<HANDLE>(::_get_osfhandle(fd));
    OVERLAPPED at{};
    at.Offset = static_cast<DWORD>(offset & 0xffffffffULL);
    at.OffsetHigh = static_cast<DWORD>(offset >> 32);
    DWORD got = 0;
    const auto want = static_cast<DWORD>(size > 0x40000000 ? 0x40000000 : size);
    if (::ReadFile(handle, into, want, &got, &at) == 0)
        return ::GetLastError() == ERROR_HANDLE_EOF ? 0 : -1;
    return static_cast<long long>(got);
#else
    return static_cast<long long>(::pread(fd, into, size, static_cast<off_t>(offset)));
#endif
}

/// Closes a file `Root::open` gave.
inline void close_file(int fd) noexcept {
#if defined(_WIN32)
    ::_close(fd);
#else
    ::close(fd);
#endif
}

}  // namespace hio::http::detail
