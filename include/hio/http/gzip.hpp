#pragma once
/// \file
/// gzip response compression through zlib, opt-in: only programs that include this header
/// need zlib (CMake component gzip, target hio::gzip). `http::Gzip` is a middleware that
/// compresses the bodies the client accepts gzip for, whole or streamed (BodyStream, event
/// streams: flushed at each write, so events arrive as they are sent); on the client side
/// `gzip_decoding()` makes a Client ask for gzip and decode it, and `gunzip()` decodes bytes.
///
/// ```
/// hio::http::Gzip gzip{{.min_size = 1024}};
/// hio::http::ServerDoer http{server, hio::http::chain(app, {&gzip})};
/// hio::http::Client client{network, {.decodings = {hio::http::gzip_decoding()}}};
/// ```

#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <hio/error.hpp>
#include <hio/http/message.hpp>
#include <hio/http/middleware.hpp>
#include <hio/http/stream.hpp>

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

/// A BodyDecoder for gzip: inflates piece by piece, bounded by the limit given to each
/// decode() (a zip bomb fails, it is never inflated whole).
class GzipDecoder final : public BodyDecoder {
public:
    /// Throws hio::Error if zlib cannot start.
    GzipDecoder() {
        if (inflateInit2(&z_, 15 + 16) != Z_OK)  // 15 + 16: a gzip wrapper, the largest window
            throw hio::Error{"http::GzipDecoder: inflateInit2 failed"};
    }
    ~GzipDecoder() override { inflateEnd(&z_); }
    GzipDecoder(const GzipDecoder&) = delete;
    GzipDecoder& operator=(const GzipDecoder&) = delete;

    void decode(std::string_view data, std::string& out, std::size_t limit) override {
        z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
        z_.avail_in = static_cast<uInt>(data.size());
        char chunk[16384];
        do {  // until the input is used up and zlib holds no more output (a full chunk: ask again)
            z_.next_out = reinterpret_cast<Bytef*>(chunk);
            z_.avail_out = sizeof chunk;
            const int rc = inflate(&z_, Z_NO_FLUSH);
            if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
                throw ValidationError{"http::gunzip: not gzip data, or corrupt"};
            const std::size_t produced = sizeof chunk - z_.avail_out;
            if (out.size() + produced > limit)
                throw ValidationError{"http::gunzip: inflates past " + std::to_string(limit) + " bytes"};
            out.append(chunk, produced);
            ended_ = rc == Z_STREAM_END;
            if (rc == Z_BUF_ERROR && produced == 0)
                break;  // needs more input than there is
        } while (!ended_ && (z_.avail_in != 0 || z_.avail_out == 0));
        if (ended_ && z_.avail_in != 0)
            throw ValidationError{"http::gunzip: bytes after the end of the gzip data"};
    }

    void finish() override {
        if (!ended_)
            throw ValidationError{"http::gunzip: the gzip data is cut short"};
    }

private:
    z_stream z_{};
    bool ended_ = false;
};

/// `bytes` decompressed from gzip, at most `limit` bytes out. Throws hio::ValidationError for
/// data that is not gzip, is cut short, or inflates past the limit (a zip bomb).
inline std::string gunzip(std::string_view bytes, std::size_t limit = 64 * 1024 * 1024) {
    GzipDecoder decoder;
    std::string out;
    decoder.decode(bytes, out, limit);
    decoder.finish();
    return out;
}

/// The gzip decoding for ClientOptions::decodings: the client asks for gzip (Accept-Encoding)
/// and decodes gzip bodies and event streams as they arrive.
inline ContentDecoding gzip_decoding() {
    return {"gzip", [] { return std::make_unique<GzipDecoder>(); }};
}

/// A BodyEncoder that gzips a streamed body as it is written, flushing each piece
/// (Z_SYNC_FLUSH) so that the client can decode everything sent so far. Its zlib state costs
/// about 2^(window_bits + 2) + 2^(mem_level + 9) bytes plus 6 KiB while the stream lives.
class GzipEncoder final : public BodyEncoder {
public:
    /// Throws ValidationError for a level outside 1..9, window_bits outside 9..15 or
    /// mem_level outside 1..9; hio::Error if zlib cannot start.
    explicit GzipEncoder(int level = 6, int window_bits = 15, int mem_level = 8) {
        if (level < 1 || level > 9 || window_bits < 9 || window_bits > 15 || mem_level < 1 || mem_level > 9)
            throw ValidationError{"http::GzipEncoder: level " + std::to_string(level) + ", window_bits " +
                                  std::to_string(window_bits) + " or mem_level " + std::to_string(mem_level) +
                                  " out of range (1..9, 9..15, 1..9)"};
        if (deflateInit2(&z_, level, Z_DEFLATED, window_bits + 16, mem_level, Z_DEFAULT_STRATEGY) != Z_OK)
            throw hio::Error{"http::GzipEncoder: deflateInit2 failed"};
    }
    ~GzipEncoder() override { deflateEnd(&z_); }
    GzipEncoder(const GzipEncoder&) = delete;
    GzipEncoder& operator=(const GzipEncoder&) = delete;

    void encode(std::string_view data, std::string& out) override { run(data, Z_SYNC_FLUSH, out); }
    void finish(std::string& out) override { run({}, Z_FINISH, out); }

private:
    void run(std::string_view data, int flush, std::string& out) {
        z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
        z_.avail_in = static_cast<uInt>(data.size());
        do {
            const std::size_t at = out.size();
            const std::size_t grow = data.size() / 2 + 64;
            out.resize(at + grow);
            z_.next_out = reinterpret_cast<Bytef*>(out.data() + at);
            z_.avail_out = static_cast<uInt>(grow);
            const int rc = deflate(&z_, flush);
            out.resize(at + grow - z_.avail_out);
            if (rc == Z_STREAM_ERROR)
                throw hio::Error{"http::GzipEncoder: deflate failed"};
        } while (z_.avail_out == 0);
    }

    z_stream z_{};
};

/// Settings of Gzip.
struct GzipOptions {
    /// Bodies smaller than this are sent as they are (compression would not pay). A stream
    /// counts by its content_length; one of unknown length is compressed.
    std::size_t min_size = 1024;
    /// zlib level, 1 (fastest) to 9 (smallest).
    int level = 6;
    /// Compress streamed bodies (BodyStream, event streams) too.
    bool streams = true;
    /// zlib window of a compressed stream, whose state lives as long as the stream:
    /// 2^stream_window_bits bytes (9..15). With stream_mem_level's default, about 38 KiB per
    /// stream (15 and 8, zlib's own, would cost 262 KiB: 1000 event streams, 262 MB).
    int stream_window_bits = 12;
    /// zlib memory level of a compressed stream (1..9): 2^(stream_mem_level + 9) bytes.
    int stream_mem_level = 5;
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

/// Compresses the response bodies of a compressible type when the request accepts gzip:
/// whole bodies at once, streamed ones (BodyStream, event streams) as they are written, each
/// write flushed. Sets Content-Encoding gzip and Vary Accept-Encoding, and makes a strong
/// ETag weak (the bytes differ from the file's; If-None-Match compares weakly, so 304s still
/// work). A body already encoded, a range (206), a bodiless status and a shared body pass
/// untouched.
class Gzip final : public Middleware {
public:
    /// Throws ValidationError for a level outside 1..9 or stream settings outside zlib's.
    explicit Gzip(GzipOptions options = {}) : options_{options} {
        if (options_.level < 1 || options_.level > 9)
            throw ValidationError{"http::Gzip: level must be in [1, 9], got " + std::to_string(options_.level)};
        GzipEncoder check{options_.level, options_.stream_window_bits, options_.stream_mem_level};  // throws
    }

    void after(const Request& request, Response& response) override {
        if (!compressible(response.headers.value("Content-Type")))
            return;
        response.headers.add("Vary", "Accept-Encoding");  // the answer depends on it either way
        if (response.status == 206 || response.shared_body || response.headers.has("Content-Encoding") ||
            !accepts_gzip(request.headers.value("Accept-Encoding")))
            return;
        if (response.status == 304) {  // the validator of the gzipped 200 this client got
            weaken_etag(response);
            return;
        }
        if (status_forbids_body(response.status))
            return;
        if (const auto& stream = response.body_stream) {
            const auto length = stream->options().content_length;
            if (!options_.streams || (length && *length < options_.min_size) || stream->closed())
                return;
            stream->encode_with(std::make_unique<GzipEncoder>(options_.level, options_.stream_window_bits,
                                                              options_.stream_mem_level));
            response.headers.remove("Content-Length");
            response.headers.remove("Accept-Ranges");  // ranges of the encoded bytes are not offered
        } else {
            if (response.body.size() < options_.min_size)
                return;
            response.body = gzip(response.body, options_.level);
        }
        response.headers.set("Content-Encoding", "gzip");
        weaken_etag(response);
        ++compressed_;
    }

    /// Bodies compressed so far, whole and streamed.
    [[nodiscard]] std::uint64_t compressed() const noexcept { return compressed_; }

private:
    // The gzipped bytes differ from the identity ones: a strong validator of those would lie.
    static void weaken_etag(Response& response) {
        const std::string etag = response.headers.value("ETag");
        if (!etag.empty() && etag.rfind("W/", 0) != 0)
            response.headers.set("ETag", "W/" + etag);
    }

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
