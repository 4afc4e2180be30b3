#pragma once
/// \file
/// gzip response compression through zlib, opt-in: only programs that include this header
/// need zlib (CMake component gzip, target hio::gzip). `http::Gzip` is a middleware that
/// compresses whole bodies the client accepts gzip for; `gunzip()` decodes on the client side.
///
/// ```
/// hio::http::Gzip gzip{{.min_size = 1024}};
/// hio::http::ServerDoer http{server, hio::http::chain(app, {&gzip})};
/// // client: request.headers.set("Accept-Encoding", "gzip"), then hio::http::decode_body(response)
/// ```

#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <hio/error.hpp>
#include <hio/http/client.hpp>
#include <hio/http/message.hpp>
#include <hio/http/middleware.hpp>

namespace hio::http {

/// `bytes` gzip-compressed at `level` (1 fastest .. 9 smallest). Throws hio::Error if zlib fails.
inline std::string gzip(std::string_view bytes, int level = 6) {
    z_stream z{};
    if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)  // 15 + 16: gzip wrapper
        throw hio::Error{"http::gzip: deflateInit2 failed"};
    std::string out(deflateBound(&z, static_cast<uLong>(bytes.size())) + 32, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    z.avail_in = static_cast<uInt>(bytes.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    const int rc = deflate(&z, Z_FINISH);
    out.resize(z.total_out);
    deflateEnd(&z);
    if (rc != Z_STREAM_END)
        throw hio::Error{"http::gzip: deflate did not finish"};
    return out;
}

/// `bytes` decompressed from gzip, at most `limit` bytes out. Throws hio::ValidationError for
/// data that is not gzip, is cut short, or inflates past the limit (a zip bomb).
inline std::string gunzip(std::string_view bytes, std::size_t limit = 64 * 1024 * 1024) {
    z_stream z{};
    if (inflateInit2(&z, 15 + 16) != Z_OK)
        throw hio::Error{"http::gunzip: inflateInit2 failed"};
    std::string out;
    char chunk[16384];
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    z.avail_in = static_cast<uInt>(bytes.size());
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
        z.next_out = reinterpret_cast<Bytef*>(chunk);
        z.avail_out = sizeof chunk;
        rc = inflate(&z, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END) {
            inflateEnd(&z);
            throw ValidationError{"http::gunzip: not gzip data, or corrupt"};
        }
        out.append(chunk, sizeof chunk - z.avail_out);
        if (out.size() > limit) {
            inflateEnd(&z);
            throw ValidationError{"http::gunzip: inflates past " + std::to_string(limit) + " bytes"};
        }
        if (rc == Z_OK && z.avail_in == 0 && z.avail_out != 0) {
            inflateEnd(&z);
            throw ValidationError{"http::gunzip: the gzip data is cut short"};
        }
    }
    inflateEnd(&z);
    return out;
}

/// Settings of Gzip.
struct GzipOptions {
    /// Bodies smaller than this are sent as they are (compression would not pay).
    std::size_t min_size = 1024;
    /// zlib level, 1 (fastest) to 9 (smallest).
    int level = 6;
};

/// True for a Content-Type worth compressing: text, JSON, JavaScript, XML, SVG.
inline bool compressible(std::string_view type) {
    const std::string_view media = media_type(type);
    return media.substr(0, 5) == "text/" || media.find("json") != std::string_view::npos ||
           media.find("javascript") != std::string_view::npos || media.find("xml") != std::string_view::npos;
}

/// True when the Accept-Encoding field `accept` allows gzip (listed, or "*", with a q above 0).
inline bool accepts_gzip(std::string_view accept) {
    return list_accepts(accept, [](std::string_view coding) { return iequals(coding, "gzip") || coding == "*"; });
}

/// Compresses whole response bodies (not streamed ones, not shared ones) of a compressible
/// type when the request accepts gzip: Content-Encoding gzip, Vary Accept-Encoding. A body
/// already encoded, a range (206) and a bodiless status pass untouched.
class Gzip final : public Middleware {
public:
    /// Throws ValidationError for a level outside 1..9.
    explicit Gzip(GzipOptions options = {}) : options_{options} {
        if (options_.level < 1 || options_.level > 9)
            throw ValidationError{"http::Gzip: level must be in [1, 9], got " + std::to_string(options_.level)};
    }

    void after(const Request& request, Response& response) override {
        if (!compressible(response.headers.value("Content-Type")))
            return;
        response.headers.add("Vary", "Accept-Encoding");  // the answer depends on it either way
        if (response.status == 206 || status_forbids_body(response.status) ||
            response.body_stream || response.shared_body || response.body.size() < options_.min_size ||
            response.headers.has("Content-Encoding") || !accepts_gzip(request.headers.value("Accept-Encoding")))
            return;
        response.body = gzip(response.body, options_.level);
        response.headers.set("Content-Encoding", "gzip");
        ++compressed_;
    }

    /// Bodies compressed so far.
    [[nodiscard]] std::uint64_t compressed() const noexcept { return compressed_; }

private:
    GzipOptions options_;
    std::uint64_t compressed_ = 0;
};

/// Decodes a client response's gzip body in place (Content-Encoding: gzip), and removes the
/// field; a body in no encoding is left. Throws ValidationError for a corrupt body.
inline void decode_body(ClientResponse& response, std::size_t limit = 64 * 1024 * 1024) {
    const std::string encoding = response.headers.value("Content-Encoding");
    if (!iequals(encoding, "gzip") && !iequals(encoding, "x-gzip"))
        return;
    response.body = gunzip(response.body, limit);
    response.headers.remove("Content-Encoding");
}

}  // namespace hio::http
