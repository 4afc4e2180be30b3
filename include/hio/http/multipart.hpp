#pragma once
/// \file
/// multipart/form-data (RFC 7578): an incremental parser that hands each part's bytes to a
/// sink as they come (so a part can go to a file instead of memory), the whole-body
/// convenience Request-side, and a builder for client uploads.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <hio/error.hpp>
#include <hio/http/error.hpp>
#include <hio/http/message.hpp>

namespace hio::http {

/// The header of one part: its fields, and what Content-Disposition says.
struct PartHeader {
    Headers headers{};         ///< the part's fields (Content-Disposition, Content-Type, ...)
    std::string name{};        ///< the form field's name
    std::string filename{};    ///< the file's name, for a file field ("" otherwise)
    std::string content_type;  ///< its Content-Type ("text/plain" when absent, RFC 7578 4.4)
};

/// One part, whole (see parse_multipart).
struct Part {
    PartHeader header;  ///< names and fields
    std::string body;   ///< its bytes
};

/// Limits of a multipart parse; past them, http::Error 413 (too large) or 400 (malformed).
struct MultipartLimits {
    std::size_t max_parts = 64;              ///< parts in the body
    std::size_t max_header_bytes = 8 * 1024;  ///< one part's header
};

/// The boundary of a `multipart/form-data; boundary=...` Content-Type, or nothing.
inline std::optional<std::string> multipart_boundary(std::string_view content_type) {
    const std::size_t semicolon = content_type.find(';');
    if (!iequals(media_type(content_type), "multipart/form-data") || semicolon == std::string_view::npos)
        return std::nullopt;
    std::string_view rest = content_type.substr(semicolon + 1);
    while (!rest.empty()) {
        const std::size_t next = rest.find(';');
        std::string_view item = rest.substr(0, next);
        while (!item.empty() && item.front() == ' ')
            item.remove_prefix(1);
        if (item.size() > 9 && iequals(item.substr(0, 9), "boundary=")) {
            std::string_view value = item.substr(9);
            if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
                value = value.substr(1, value.size() - 2);
            if (value.empty() || value.size() > 70)
                return std::nullopt;
            return std::string{value};
        }
        if (next == std::string_view::npos)
            break;
        rest.remove_prefix(next + 1);
    }
    return std::nullopt;
}

/// Parses a multipart body fed in pieces of any size: `on_part` is called with each part's
/// header, `on_data` with its bytes (in pieces), `on_end` when it is complete. Memory stays
/// bounded by the boundary length and the header limit, whatever the parts' sizes.
/// Throws http::Error 400 for a malformed body and 413 past the limits.
class MultipartParser {
public:
    /// Callbacks; each may be empty.
    struct Sinks {
        std::function<void(const PartHeader&)> on_part{};     ///< a part begins
        std::function<void(std::string_view)> on_data{};      ///< some of its bytes
        std::function<void()> on_end{};                       ///< it is complete
    };

    /// A parser for `boundary` (from multipart_boundary()).
    MultipartParser(std::string boundary, Sinks sinks, MultipartLimits limits = {})
        : delimiter_{"\r\n--" + std::move(boundary)}, sinks_{std::move(sinks)}, limits_{limits} {
        buffer_ = "\r\n";  // the first delimiter has no CRLF before it: supply one
    }

    /// Takes the next bytes of the body.
    void feed(std::string_view bytes) {
        if (state_ == State::done)
            return;  // an epilogue is ignored, not kept
        buffer_.append(bytes);
        for (;;) {
            if (state_ == State::done)
                return;  // an epilogue is ignored
            if (state_ == State::data) {
                const std::size_t at = buffer_.find(delimiter_);
                if (at == std::string::npos) {
                    // Keep a tail that may be the start of a delimiter; the rest is data.
                    const std::size_t keep = delimiter_.size() - 1;
                    if (buffer_.size() > keep) {
                        emit(std::string_view{buffer_}.substr(0, buffer_.size() - keep));
                        buffer_.erase(0, buffer_.size() - keep);
                    }
                    return;
                }
                emit(std::string_view{buffer_}.substr(0, at));
                if (sinks_.on_end)
                    sinks_.on_end();
                buffer_.erase(0, at);
                state_ = State::delimiter;
            }
            if (state_ == State::preamble || state_ == State::delimiter) {
                const std::size_t at = buffer_.find(delimiter_);
                if (at == std::string::npos) {
                    if (buffer_.size() > delimiter_.size() + 1024 && state_ == State::preamble)
                        buffer_.erase(0, buffer_.size() - delimiter_.size());  // a long preamble
                    return;
                }
                const std::size_t after = at + delimiter_.size();
                if (buffer_.size() < after + 2)
                    return;
                if (buffer_.compare(after, 2, "--") == 0) {  // the closing delimiter
                    state_ = State::done;
                    buffer_.clear();
                    return;
                }
                const std::size_t line_end = buffer_.find("\r\n", after);
                if (line_end == std::string::npos) {
                    if (buffer_.size() > after + 1024)  // padding without end: not a delimiter line
                        throw Error{400, "Bad Request", "a multipart delimiter line without its CRLF"};
                    return;  // transport padding, then CRLF
                }
                buffer_.erase(0, line_end + 2);
                if (++parts_ > limits_.max_parts)
                    throw Error{413, "Content Too Large", "more than " + std::to_string(limits_.max_parts) + " parts"};
                state_ = State::header;
            }
            if (state_ == State::header) {
                if (buffer_.size() >= 2 && buffer_.compare(0, 2, "\r\n") == 0)
                    throw Error{400, "Bad Request", "a multipart part without a header"};
                const std::size_t end = buffer_.find("\r\n\r\n");
                if (end == std::string::npos) {
                    if (buffer_.size() > limits_.max_header_bytes)
                        throw Error{413, "Content Too Large", "a part's header is over the limit"};
                    return;
                }
                if (end > limits_.max_header_bytes)
                    throw Error{413, "Content Too Large", "a part's header is over the limit"};
                PartHeader header = parse_header(std::string_view{buffer_}.substr(0, end));
                buffer_.erase(0, end + 4);  // an empty body: the delimiter's CRLF follows at once
                if (sinks_.on_part)
                    sinks_.on_part(header);
                state_ = State::data;
            }
        }
    }

    /// Ends the body: throws http::Error 400 when the closing delimiter did not come.
    void finish() {
        if (state_ != State::done)
            throw Error{400, "Bad Request", "the multipart body ends before its closing boundary"};
    }

    /// Parts begun so far.
    [[nodiscard]] std::size_t parts() const noexcept { return parts_; }

private:
    enum class State { preamble, header, data, delimiter, done };

    void emit(std::string_view data) {
        if (!data.empty() && sinks_.on_data)
            sinks_.on_data(data);
    }

    static PartHeader parse_header(std::string_view text) {
        PartHeader header;
        while (!text.empty()) {
            const std::size_t end = text.find("\r\n");
            const std::string_view line = text.substr(0, end);
            const std::size_t colon = line.find(':');
            if (colon == std::string_view::npos || colon == 0)
                throw Error{400, "Bad Request", "a malformed field in a multipart header"};
            std::string_view value = line.substr(colon + 1);
            while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
                value.remove_prefix(1);
            header.headers.add(std::string{line.substr(0, colon)}, std::string{value});
            if (end == std::string_view::npos)
                break;
            text.remove_prefix(end + 2);
        }
        const std::string disposition = header.headers.value("Content-Disposition");
        if (disposition.size() < 9 || !iequals(std::string_view{disposition}.substr(0, 9), "form-data"))
            throw Error{400, "Bad Request", "a multipart part without Content-Disposition: form-data"};
        header.name = parameter(disposition, "name");
        header.filename = parameter(disposition, "filename");
        header.content_type = header.headers.value("Content-Type", "text/plain");
        return header;
    }

    // The value of `key` in `; key="value"` (quotes and backslash escapes removed).
    static std::string parameter(std::string_view field, std::string_view key) {
        std::size_t at = 0;
        while ((at = field.find(';', at)) != std::string_view::npos) {
            ++at;
            while (at < field.size() && field[at] == ' ')
                ++at;
            if (field.size() - at > key.size() && iequals(field.substr(at, key.size()), key) &&
                field[at + key.size()] == '=') {
                std::size_t from = at + key.size() + 1;
                std::string value;
                if (from < field.size() && field[from] == '"') {
                    for (++from; from < field.size() && field[from] != '"'; ++from) {
                        if (field[from] == '\\' && from + 1 < field.size())
                            ++from;
                        value += field[from];
                    }
                } else {
                    const std::size_t end = field.find(';', from);
                    value = std::string{field.substr(from, end == std::string_view::npos ? end : end - from)};
                }
                return value;
            }
        }
        return {};
    }

    std::string delimiter_;
    Sinks sinks_;
    MultipartLimits limits_;
    std::string buffer_;
    State state_ = State::preamble;
    std::size_t parts_ = 0;
};

/// The boundary of `request`'s multipart/form-data body. Throws http::Error 415 when it is
/// not multipart/form-data with a boundary.
inline std::string request_boundary(const Request& request) {
    const std::string type = request.headers.value("Content-Type");
    auto boundary = multipart_boundary(type);
    if (!boundary)
        throw Error{415, "Unsupported Media Type", "expected multipart/form-data with a boundary, got '" + type + "'"};
    return std::move(*boundary);
}

/// A BodySink that parses a multipart/form-data request body as it arrives: each part's bytes
/// go to `sinks` as they come (a file per upload, say), so an upload of any size costs the
/// server bounded memory. Made by ServerOptions::body_sink:
///
/// ```
/// options.body_sink = [&](const hio::http::Request& request) -> std::shared_ptr<hio::http::BodySink> {
///     if (request.path != "/upload") return nullptr;   // other bodies: collected as usual
///     return std::make_shared<hio::http::MultipartSink>(request, sinks);  // 415 if not multipart
/// };
/// ```
class MultipartSink final : public BodySink {
public:
    /// For `request`'s body. Throws http::Error 415 when it is not multipart/form-data.
    MultipartSink(const Request& request, MultipartParser::Sinks sinks, MultipartLimits limits = {})
        : parser_{request_boundary(request), std::move(sinks), limits} {}

    void write(std::string_view bytes) override { parser_.feed(bytes); }
    void end() override { parser_.finish(); }

    /// Parts begun so far.
    [[nodiscard]] std::size_t parts() const noexcept { return parser_.parts(); }

private:
    MultipartParser parser_;
};

/// Every part of a multipart/form-data request, whole (the body is in memory already, bounded
/// by ServerOptions::max_body_bytes; a MultipartSink takes larger ones as they come). Throws
/// http::Error 415 when the request is not multipart/form-data, 400 when malformed, 413 past
/// `limits`.
inline std::vector<Part> parse_multipart(const Request& request, MultipartLimits limits = {}) {
    std::vector<Part> parts;
    MultipartParser parser{request_boundary(request),
                           {.on_part = [&](const PartHeader& header) { parts.push_back({header, {}}); },
                            .on_data = [&](std::string_view data) { parts.back().body.append(data); },
                            .on_end = {}},
                           limits};
    parser.feed(request.body);
    parser.finish();
    return parts;
}

/// Builds a multipart/form-data body for an upload (hio: a Requester's fargs with files).
class MultipartBuilder {
public:
    /// A builder with a random boundary (or `boundary`, for tests).
    explicit MultipartBuilder(std::string boundary = {}) : boundary_{std::move(boundary)} {
        if (boundary_.empty()) {
            std::random_device random;
            static constexpr char digits[] = "0123456789abcdef";
            boundary_ = "hio-";
            for (int i = 0; i < 24; ++i)
                boundary_ += digits[random() % 16];
        }
    }

    /// Adds a text field. Throws ValidationError when `value` holds the boundary's delimiter
    /// (it would end the part early; a random boundary makes that all but impossible).
    MultipartBuilder& field(std::string_view name, std::string_view value) {
        check(value);
        body_ += "--" + boundary_ + "\r\nContent-Disposition: form-data; name=\"" + quoted(name) + "\"\r\n\r\n";
        body_.append(value);
        body_ += "\r\n";
        return *this;
    }

    /// Adds a file field.
    MultipartBuilder& file(std::string_view name, std::string_view filename, std::string_view content_type,
                           std::string_view content) {
        check(content);
        body_ += "--" + boundary_ + "\r\nContent-Disposition: form-data; name=\"" + quoted(name) + "\"; filename=\"" +
                 quoted(filename) + "\"\r\nContent-Type: " + std::string{content_type} + "\r\n\r\n";
        body_.append(content);
        body_ += "\r\n";
        return *this;
    }

    /// The Content-Type to send with it.
    [[nodiscard]] std::string content_type() const { return "multipart/form-data; boundary=" + boundary_; }
    /// The body, closed.
    [[nodiscard]] std::string body() const { return body_ + "--" + boundary_ + "--\r\n"; }

private:
    void check(std::string_view content) const {
        if (content.find("\r\n--" + boundary_) != std::string_view::npos || content.rfind("--" + boundary_, 0) == 0)
            throw ValidationError{"http::MultipartBuilder: a part holds the boundary " + boundary_};
    }

    static std::string quoted(std::string_view text) {
        std::string out;
        for (const char c : text) {
            if (c == '"' || c == '\\')
                out += '\\';
            if (c != '\r' && c != '\n')
                out += c;
        }
        return out;
    }

    std::string boundary_;
    std::string body_;
};

}  // namespace hio::http
