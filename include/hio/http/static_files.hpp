#pragma once
/// \file
/// http::StaticFiles: files under a directory served with bounded memory (by the kernel with
/// sendfile over plain TCP, else streamed in chunks through BodyStream), Content-Type by extension, ETag and Last-Modified with 304, single
/// byte ranges (206, 416), HEAD, a directory's index file, and no way out of the directory.

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <iterator>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <hio/doer.hpp>
#include <hio/error.hpp>
#include <hio/http/detail/file.hpp>
#include <hio/http/message.hpp>
#include <hio/http/query.hpp>
#include <hio/http/stream.hpp>

namespace hio::http {

/// Settings of StaticFiles.
struct StaticFilesOptions {
    /// The directory served (it must exist). Nothing outside it is ever served, whatever the
    /// request path or a symbolic link says.
    std::string root{};
    /// The file served for a directory ("" for none: a directory is 404).
    std::string index = "index.html";
    /// Bytes read from a file at a time, and the most a response holds queued for its client
    /// (BodyStream capacity): a 1 GB file costs no more memory than a few of these per reader
    /// (the stream, the server's answer buffer, tx).
    std::size_t chunk = 8 * 1024;
    /// A Cache-Control value to send ("" for none), e.g. "max-age=3600".
    std::string cache_control{};
};

/// The Content-Type for a file name, by its extension ("application/octet-stream" if unknown).
inline std::string_view content_type_for(std::string_view name) {
    const std::size_t dot = name.rfind('.');
    const std::string_view ext = dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
    static constexpr std::pair<std::string_view, std::string_view> types[] = {
        {"html", "text/html; charset=utf-8"}, {"htm", "text/html; charset=utf-8"},
        {"css", "text/css; charset=utf-8"},   {"js", "text/javascript; charset=utf-8"},
        {"mjs", "text/javascript; charset=utf-8"}, {"json", "application/json"},
        {"txt", "text/plain; charset=utf-8"}, {"md", "text/markdown; charset=utf-8"},
        {"xml", "application/xml"},           {"svg", "image/svg+xml"},
        {"png", "image/png"},                 {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},               {"gif", "image/gif"},
        {"webp", "image/webp"},               {"ico", "image/x-icon"},
        {"wasm", "application/wasm"},         {"pdf", "application/pdf"},
        {"woff2", "font/woff2"},              {"woff", "font/woff"},
        {"mp4", "video/mp4"},                 {"webm", "video/webm"},
        {"map", "application/json"},          {"gz", "application/gzip"},
    };
    for (const auto& [extension, type] : types)
        if (iequals(ext, extension))
            return type;
    return "application/octet-stream";
}

/// Reads an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") as seconds since the epoch.
inline std::optional<std::time_t> parse_http_date(std::string_view text) {
    return hio::detail::parse_imf_fixdate(text);
}

/// Serves the files under a directory (hio's examples serve static files by hand; this is the
/// library's handler). Use it as a Handler, or from a route with the path to serve; run its
/// doer() in the same Doist, which feeds the streamed bodies as their clients take them. Over
/// plain TCP a body longer than `chunk` is handed to the kernel whole (sendfile: no read, no
/// copy, no memory per client); over TLS, the simulated network, or with an encoder (Gzip) it
/// is read `chunk` bytes at a time as the client takes them.
///
/// ```
/// hio::http::StaticFiles files{{.root = "public"}};
/// hio::http::ServerDoer http{server, std::ref(files)};        // or router.get("/*", ...)
/// hio::Doist doist{{...}, {&http, &files.doer()}};
/// ```
///
/// Paths are percent-decoded (a bad escape or %00 is 400) and refused (403) when a segment is
/// "..", or when the file's real path (symbolic links followed) is outside the root. Only regular
/// files are served; other methods than GET and HEAD get 405.
class StaticFiles {
public:
    /// Serves `options.root`. Throws hio::SystemError when it is not a readable directory and
    /// ValidationError for a chunk of 0.
    explicit StaticFiles(StaticFilesOptions options)
        : options_{std::move(options)}, root_{check(options_)}, doer_{*this} {
        buffer_.resize(options_.chunk);
    }

    StaticFiles(const StaticFiles&) = delete;
    StaticFiles& operator=(const StaticFiles&) = delete;
    ~StaticFiles() {
        for (Transfer& transfer : transfers_) {
            transfer.stream->on_room({});  // a server that outlives us must not call back
            if (transfer.fd >= 0)
                detail::close_file(transfer.fd);
        }
    }

    /// Answers `request` from the file at its path (a Handler).
    void operator()(const Request& request, Response& response) {
        const std::optional<std::string> decoded = percent_decode(request.path);
        if (!decoded)
            return plain(response, 400, "400 Bad Request\n");
        serve(request, response, *decoded);
    }

    /// Answers `request` from the file at `path`, decoded, relative to the root (a route's
    /// tail, which the Router decodes).
    void serve(const Request& request, Response& response, std::string_view path) {
        if (request.method != "GET" && request.method != "HEAD") {
            response.status = 405;
            response.headers.set("Allow", "GET, HEAD");
            response.body = "405 Method Not Allowed\n";
            return;
        }
        std::string relative;
        if (!clean(path, relative))
            return plain(response, 403, "403 Forbidden\n");  // a way out of the root
        detail::FileStatus status;
        int fd = root_.open(relative);
        if (fd >= 0 && detail::file_status(fd, status) && status.directory) {
            detail::close_file(fd);
            if (options_.index.empty())
                return plain(response, 404, "404 Not Found\n");
            relative += (relative.back() == '/' ? "" : "/") + options_.index;
            fd = root_.open(relative);
        }
        if (fd < 0) {
            const bool forbidden = errno == EXDEV || errno == EACCES || errno == ELOOP;  // EXDEV: a way out
            return plain(response, forbidden ? 403 : 404, forbidden ? "403 Forbidden\n" : "404 Not Found\n");
        }
        if (!detail::file_status(fd, status) || !status.regular) {
            detail::close_file(fd);
            return plain(response, 404, "404 Not Found\n");
        }
        const std::uint64_t size = status.size;
        const std::string etag = entity_tag(status);
        response.headers.set("ETag", etag);
        response.headers.set("Last-Modified", http_date(status.modified));
        response.headers.set("Accept-Ranges", "bytes");
        if (!options_.cache_control.empty())
            response.headers.set("Cache-Control", options_.cache_control);
        // Before the 304 too: middleware (Gzip) then gives it the Vary and validator of a 200.
        response.headers.set("Content-Type", std::string{content_type_for(relative)});
        if (not_modified(request, etag, status.modified)) {
            detail::close_file(fd);
            response.status = 304;
            return;
        }
        std::uint64_t first = 0, length = size;
        if (const auto range = request.headers.get("Range"); range && range_applies(request, etag)) {
            const auto wanted = parse_range(*range, size);
            if (wanted && !wanted->second) {
                detail::close_file(fd);
                response.headers.set("Content-Range", "bytes */" + std::to_string(size));
                return plain(response, 416, "416 Range Not Satisfiable\n");
            }
            if (wanted) {
                first = wanted->first.first;
                length = wanted->first.second - first + 1;
                response.status = 206;
                response.headers.set("Content-Range", "bytes " + std::to_string(first) + "-" +
                                                          std::to_string(first + length - 1) + "/" + std::to_string(size));
            }
        }
        ++served_;
        if (request.method == "HEAD") {  // the length alone: a stream the server closes at once
            detail::close_file(fd);
            static_cast<void>(response.stream({.capacity = options_.chunk, .content_length = length}));
            return;
        }
        if (length <= options_.chunk) {  // small: read at once
            response.body.resize(length);
            const long long got = detail::read_at(fd, response.body.data(), length, first);
            detail::close_file(fd);
            if (got != static_cast<long long>(length))
                return plain(response, 500, "500 Internal Server Error\n");
            return;
        }
        transfers_.push_back({fd, first, length, response.stream({.capacity = options_.chunk, .content_length = length})});
        const auto transfer = std::prev(transfers_.end());
        transfer->stream->on_room([this, transfer] { mark(transfer); });  // the client took a chunk
        mark(transfer);
    }

    /// Moves file bytes into the streams whose client took what they held (only those: a
    /// thousand slow readers cost nothing until one reads); closes finished or abandoned ones.
    /// The doer calls it each run. Returns true while transfers remain.
    bool pump() {
        std::vector<Transfers::iterator> due;
        due.swap(ready_);
        for (const Transfers::iterator it : due) {
            it->ready = false;
            if (feed(*it))
                continue;
            it->stream->on_room({});  // the server may hold the stream longer than we do
            if (it->fd >= 0)
                detail::close_file(it->fd);
            transfers_.erase(it);
        }
        return !transfers_.empty();
    }

    /// The doer that feeds the streamed bodies: put it in the Doist with the server doer.
    [[nodiscard]] Doer& doer() noexcept { return doer_; }
    /// Bodies being streamed now (each holds one open file).
    [[nodiscard]] std::size_t streaming() const noexcept { return transfers_.size(); }
    /// Files served (200, 206 and HEAD answers).
    [[nodiscard]] std::uint64_t served() const noexcept { return served_; }
    /// Bodies handed whole to the kernel (sendfile over plain TCP) rather than read and copied.
    [[nodiscard]] std::uint64_t sent_by_kernel() const noexcept { return sent_by_kernel_; }
    /// The root, resolved.
    [[nodiscard]] const std::string& root() const noexcept { return root_.path(); }

private:
    struct Transfer {
        int fd;
        std::uint64_t offset;
        std::uint64_t left;
        std::shared_ptr<BodyStream> stream;
        bool ready = false;  // listed in ready_
    };
    using Transfers = std::list<Transfer>;  // stable iterators: the streams' callbacks hold them

    // Lists a transfer whose stream has room (or closed) for the next pump, once.
    void mark(Transfers::iterator transfer) noexcept {
        if (transfer->ready)
            return;
        transfer->ready = true;
        ready_.push_back(transfer);
        doer_.wake();
    }

    // Reads into the stream while it has room; false once the transfer is over (sent whole,
    // abandoned by the client, or the file failed).
    bool feed(Transfer& t) {
        if (t.stream->closed() || t.stream->ended())
            return false;
        if (t.stream->accepts_files() && t.stream->queued() == 0) {  // plain TCP: the kernel sends it
            const int fd = std::exchange(t.fd, -1);
            struct Closer {
                int fd;
                ~Closer() { detail::close_file(fd); }
            };
            t.stream->write_file({fd, t.offset, t.left, std::shared_ptr<const Closer>{new Closer{fd}}});
            t.left = 0;
            t.stream->end();
            ++sent_by_kernel_;
            return false;
        }
        while (t.left != 0) {
            const std::size_t room = t.stream->room();
            if (room == 0)
                return true;
            const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>({room, t.left, buffer_.size()}));
            const long long got = detail::read_at(t.fd, buffer_.data(), want, t.offset);
            if (got <= 0) {  // the file shrank or failed under us: the client sees a cut body
                t.stream->abort();
                return false;
            }
            const std::size_t taken = t.stream->write(std::string_view{buffer_.data(), static_cast<std::size_t>(got)});
            t.offset += taken;
            t.left -= taken;
        }
        t.stream->end();
        return false;
    }

    // Runs the pump, then idles until a stream has room again (on_room) or a new body starts.
    class Pump final : public Doer {
    public:
        explicit Pump(StaticFiles& files) : Doer{0.0}, files_{files} {}

    protected:
        bool recur(double) override {
            files_.pump();
            idle();
            return false;
        }

    private:
        StaticFiles& files_;
    };

    static void plain(Response& response, int status, std::string text) {
        response.status = status;
        response.headers.remove("ETag");
        response.headers.remove("Last-Modified");
        response.headers.remove("Accept-Ranges");
        response.headers.set("Content-Type", "text/plain; charset=utf-8");
        response.body = std::move(text);
    }

    // The options, checked before the root is opened.
    static const std::string& check(const StaticFilesOptions& options) {
        if (options.chunk == 0)
            throw ValidationError{"http::StaticFiles: chunk must be >= 1"};
        return options.root;
    }

    // "/a/./b//c" -> "/a/b/c"; false for "..", a NUL, or a name the platform reads as
    // something else (on Windows "a\\..", "a.txt::$DATA", "NUL": detail::segment_refused).
    static bool clean(std::string_view path, std::string& out) {
        out.clear();
        while (!path.empty()) {
            const std::size_t slash = path.find('/');
            const std::string_view segment = path.substr(0, slash);
            if (segment == ".." || segment.find('\0') != std::string_view::npos || detail::segment_refused(segment))
                return false;
            if (!segment.empty() && segment != ".") {
                out += '/';
                out += segment;
            }
            if (slash == std::string_view::npos)
                break;
            path.remove_prefix(slash + 1);
        }
        if (out.empty())
            out = "/";
        return true;
    }

    // "size-mtime" in hex, the mtime in nanoseconds (nginx's is size and seconds).
    static std::string entity_tag(const detail::FileStatus& status) {
        const auto hex = [](std::string& out, unsigned long long value) {
            char digits[16];
            int count = 0;
            do {
                digits[count++] = "0123456789abcdef"[value & 0xf];
                value >>= 4;
            } while (value != 0);
            while (count > 0)
                out += digits[--count];
        };
        std::string tag = "\"";
        hex(tag, status.size);
        tag += '-';
        hex(tag, status.modified_ns);
        tag += '"';
        return tag;
    }

    static bool not_modified(const Request& request, const std::string& etag, std::time_t modified) {
        if (const auto match = request.headers.get("If-None-Match")) {  // it decides when present
            std::string_view list = *match;
            while (!list.empty()) {
                const std::size_t comma = list.find(',');
                std::string_view item = list.substr(0, comma);
                while (!item.empty() && item.front() == ' ')
                    item.remove_prefix(1);
                while (!item.empty() && item.back() == ' ')
                    item.remove_suffix(1);
                if (item.substr(0, 2) == "W/")
                    item.remove_prefix(2);  // weak comparison (RFC 9110 13.1.2)
                if (item == "*" || item == etag)
                    return true;
                if (comma == std::string_view::npos)
                    break;
                list.remove_prefix(comma + 1);
            }
            return false;
        }
        if (const auto since = request.headers.get("If-Modified-Since"))
            if (const auto when = parse_http_date(*since))
                return modified <= *when;
        return false;
    }

    static bool range_applies(const Request& request, const std::string& etag) {
        const auto condition = request.headers.get("If-Range");
        return !condition || *condition == etag;  // a changed file: the whole of it
    }

    // A single "bytes=a-b", "bytes=a-" or "bytes=-n": ((first, last), satisfiable), or nothing
    // for a Range this server ignores (another unit, several ranges, a malformed one).
    static std::optional<std::pair<std::pair<std::uint64_t, std::uint64_t>, bool>> parse_range(std::string_view text,
                                                                                              std::uint64_t size) {
        if (text.substr(0, 6) != "bytes=" || text.find(',') != std::string_view::npos)
            return std::nullopt;
        text.remove_prefix(6);
        const std::size_t dash = text.find('-');
        if (dash == std::string_view::npos)
            return std::nullopt;
        const auto number = [](std::string_view digits) -> std::optional<std::uint64_t> {
            if (digits.empty() || digits.size() > 18 || digits.find_first_not_of("0123456789") != std::string_view::npos)
                return std::nullopt;
            return std::strtoull(std::string{digits}.c_str(), nullptr, 10);
        };
        const std::string_view left = text.substr(0, dash);
        const std::string_view right = text.substr(dash + 1);
        if (left.empty()) {  // the last n bytes
            const auto n = number(right);
            if (!n)
                return std::nullopt;
            if (*n == 0 || size == 0)
                return std::pair{std::pair<std::uint64_t, std::uint64_t>{0, 0}, false};
            const std::uint64_t count = std::min(*n, size);
            return std::pair{std::pair{size - count, size - 1}, true};
        }
        const auto first = number(left);
        if (!first)
            return std::nullopt;
        std::uint64_t last = size == 0 ? 0 : size - 1;
        if (!right.empty()) {
            const auto given = number(right);
            if (!given || *given < *first)
                return std::nullopt;
            last = std::min(*given, last);
        }
        if (*first >= size)
            return std::pair{std::pair<std::uint64_t, std::uint64_t>{0, 0}, false};
        return std::pair{std::pair{*first, last}, true};
    }

    StaticFilesOptions options_;
    detail::Root root_;
    std::uint64_t sent_by_kernel_ = 0;
    std::vector<char> buffer_;
    Transfers transfers_;
    std::vector<Transfers::iterator> ready_;
    std::uint64_t served_ = 0;
    Pump doer_;
};

}  // namespace hio::http
