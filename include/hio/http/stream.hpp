#pragma once
/// \file
/// BodyStream: the body of a response that is produced over several passes (hio: a WSGI app
/// that returns an iterable or generator instead of a finished body); the content codings a
/// body goes through: BodyEncoder on the way out, BodyDecoder (ContentDecoding) on the way in.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <hio/error.hpp>

namespace hio::http {

/// Told when a BodyStream has something for the server: data was written, or it ended. The
/// server's per-connection state implements it (and asks its connection to be served), so
/// message types need no I/O layer.
class StreamWaker {
public:
    /// Data was written to the stream, or it ended or was aborted.
    virtual void on_stream_ready() noexcept = 0;

protected:
    ///@{
    /// Made and copied only by the classes that implement it.
    StreamWaker() = default;
    StreamWaker(const StreamWaker&) = default;
    StreamWaker& operator=(const StreamWaker&) = default;
    ///@}
    ~StreamWaker() = default;
};

/// A content coding applied to a BodyStream as it is written (BodyStream::encode_with): gzip
/// in hio/http/gzip.hpp. Each encode() flushes, so a client can decode every byte written so
/// far (an event stream's events arrive when sent, not when a compressor's buffer fills).
class BodyEncoder {
public:
    virtual ~BodyEncoder() = default;
    /// Appends to `out` the encoding of `data`, flushed.
    virtual void encode(std::string_view data, std::string& out) = 0;
    /// Appends to `out` the end of the encoding (after the last encode()).
    virtual void finish(std::string& out) = 0;
};

/// Decodes a response body in a content coding (ClientOptions::decodings), piece by piece:
/// gzip in hio/http/gzip.hpp (gzip_decoding()).
class BodyDecoder {
public:
    virtual ~BodyDecoder() = default;
    /// Appends to `out` what `data` decodes to. Throws ValidationError for corrupt data, and
    /// when `out` would pass `limit` bytes (a compression bomb).
    virtual void decode(std::string_view data, std::string& out, std::size_t limit) = 0;
    /// Throws ValidationError unless the encoded data ended where it should (not cut short).
    virtual void finish() = 0;
};

/// A content coding a Client can decode: its name in Accept-Encoding and Content-Encoding
/// ("gzip"; "x-gzip" is taken for it too), and a way to make one decoder per response.
struct ContentDecoding {
    std::string coding;                                   ///< "gzip"
    std::function<std::unique_ptr<BodyDecoder>()> make;  ///< a decoder for one response
};

/// Part of an open file for BodyStream::write_file(): the server has the kernel send it
/// (sendfile), so its bytes never pass through the application. `keep` owns whatever must
/// live while it is sent (the descriptor, typically) and is let go once it went or the
/// connection closed.
struct FileSlice {
    int fd = -1;                      ///< an open, readable file
    std::uint64_t offset = 0;         ///< where the slice starts
    std::uint64_t length = 0;         ///< its bytes
    std::shared_ptr<const void> keep{};  ///< held until sent
};

/// Settings of a streamed response body (Response::stream()).
struct StreamOptions {
    /// Bytes the stream holds for the server before write() accepts fewer than offered. The
    /// server takes what is queued whenever the connection has room, so this bounds the memory
    /// a slow client can make the server keep.
    std::size_t capacity = 64 * 1024;
    /// The body's exact length, when known: the response carries Content-Length and no chunk
    /// framing. Unset: chunked transfer coding (HTTP/1.1) or a body ended by the close
    /// (HTTP/1.0 clients).
    std::optional<std::uint64_t> content_length{};
    /// A stream with no end of its own (server-sent events): a graceful shutdown ends it,
    /// where it waits for a stream with an end to finish.
    bool open_ended = false;
};

/// The writing end of a streamed response body, shared by the handler (or any doer it hands
/// the stream to) and the server.
///
/// The application writes as data becomes ready and ends the stream with end(); the server
/// sends what is queued in the pass after, framed as the response requires. Back pressure is
/// state: write() accepts at most room() bytes, and room() grows as the client reads. When the
/// client goes away, the request was HEAD, or the status allows no body, the stream is
/// closed(): writes accept nothing, and the application should drop it. Single-threaded, like
/// everything driven by a Doist.
class BodyStream {
public:
    /// A stream with `options`. Throws ValidationError for a zero capacity.
    explicit BodyStream(StreamOptions options = {}) : options_{options} {
        if (options_.capacity == 0)
            throw ValidationError{"http::StreamOptions: capacity must be >= 1, got 0"};
    }

    BodyStream(const BodyStream&) = delete;
    BodyStream& operator=(const BodyStream&) = delete;

    /// Queues as much of `data` as there is room for; returns the bytes accepted (fewer than
    /// offered: back pressure; 0 once ended or closed). Throws hio::Error when the bytes would
    /// pass the announced content_length.
    std::size_t write(std::string_view data) {
        if (ended_ || closed_ || data.empty())
            return 0;
        if (announced_ && written_ + data.size() > *announced_)
            throw hio::Error{"http::BodyStream: writing " + std::to_string(data.size()) + " bytes after " +
                        std::to_string(written_) + " passes the Content-Length of " + std::to_string(*announced_)};
        const std::size_t accepted = std::min(data.size(), room());
        if (accepted == 0)
            return 0;
        if (encoder_)
            encoder_->encode(data.substr(0, accepted), queue_);
        else
            queue_.append(data.substr(0, accepted));
        written_ += accepted;
        poke();
        return accepted;
    }

    /// Ends the body: what is queued is still sent, then the response completes. A body
    /// shorter than its announced content_length closes the connection instead (the client
    /// can tell it was cut short). Idempotent.
    void end() noexcept {
        if (ended_)
            return;
        ended_ = true;
        if (encoder_ && !closed_) {
            // The chunked encoding shows no announced length: a body shorter than it is cut.
            if (announced_ && written_ != *announced_) {
                aborted_ = true;
            } else {
                try {
                    encoder_->finish(queue_);
                } catch (const std::exception&) {
                    aborted_ = true;  // the client must not take a cut encoding for a whole body
                }
            }
        }
        poke();
    }

    /// Gives up on the body: the connection is closed without completing the response, so the
    /// client sees it cut short (for an error found after the status was sent): the last chunk
    /// or the announced length is missing. An HTTP/1.0 client, whose body the close ends,
    /// cannot tell. Idempotent.
    void abort() noexcept {
        if (aborted_)
            return;
        ended_ = true;
        aborted_ = true;
        poke();
    }

    /// Bytes write() would accept now (none while a file slice waits).
    [[nodiscard]] std::size_t room() const noexcept {
        return closed_ || ended_ || file_ ? 0 : options_.capacity - std::min(options_.capacity, queued());
    }

    /// True when write_file() is taken: the server said its connection can send files (plain
    /// TCP), the body has a content_length and no encoder. A producer checks it once the
    /// handler has returned (the server decides when it takes the response).
    [[nodiscard]] bool accepts_files() const noexcept {
        return accepts_files_ && !encoder_ && !closed_ && !ended_;
    }
    /// Queues `slice` as the next part of the body, for the kernel to send: true when taken,
    /// false (nothing queued) when files are not accepted, or bytes or a slice already wait.
    /// Throws hio::Error when the slice would pass the announced content_length.
    bool write_file(FileSlice slice) {
        if (!accepts_files() || file_ || !queue_.empty() || slice.fd < 0)
            return false;
        if (announced_ && written_ + slice.length > *announced_)
            throw hio::Error{"http::BodyStream: a file slice of " + std::to_string(slice.length) + " bytes after " +
                             std::to_string(written_) + " passes the Content-Length of " + std::to_string(*announced_)};
        written_ += slice.length;
        file_.emplace(std::move(slice));
        poke();
        return true;
    }
    /// Bytes written and not yet taken by the server.
    [[nodiscard]] std::size_t queued() const noexcept { return queue_.size(); }
    /// Bytes accepted in all.
    [[nodiscard]] std::uint64_t written() const noexcept { return written_; }
    /// True once end() or abort() was called.
    [[nodiscard]] bool ended() const noexcept { return ended_; }
    /// True once abort() was called.
    [[nodiscard]] bool aborted() const noexcept { return aborted_; }
    /// True once nothing more will reach the client: it went away, the response has no body,
    /// or the body was sent in full.
    [[nodiscard]] bool closed() const noexcept { return closed_; }
    /// The options it was made with (content_length is unset once an encoder is set).
    [[nodiscard]] const StreamOptions& options() const noexcept { return options_; }

    /// Encodes the body from here on with `encoder` (a Content-Encoding such as gzip, set by
    /// middleware before the server starts sending): what is queued is encoded now, later
    /// writes as they come, and end() finishes the encoding. The encoded length is not known
    /// in advance, so content_length is dropped (the body goes chunked). Capacity and room()
    /// count encoded bytes; the announced length still bounds the bytes written, and a body
    /// ended short of it is aborted. Throws hio::Error once the server has the response (it
    /// sent the head) or when an encoder or a file slice is already set.
    void encode_with(std::unique_ptr<BodyEncoder> encoder) {
        if (started_ || encoder_ || file_)
            throw hio::Error{"http::BodyStream: an encoder must be set before the body starts to go out"};
        if (!encoder)
            throw ValidationError{"http::BodyStream: the encoder must not be null"};
        encoder_ = std::move(encoder);
        options_.content_length.reset();
        std::string raw;
        raw.swap(queue_);
        if (!raw.empty())
            encoder_->encode(raw, queue_);
        if (ended_ && !aborted_) {  // ended before it went out: the whole body is here
            if (announced_ && written_ != *announced_)
                aborted_ = true;  // short of its length: the client must see it cut
            else
                encoder_->finish(queue_);
        }
    }
    /// True when an encoder was set.
    [[nodiscard]] bool encoded() const noexcept { return encoder_ != nullptr; }

    /// Bytes that mean nothing to the client (an SSE comment) that the server sends when the
    /// stream was silent for `interval` tyme, so that proxies and idle timeouts keep the
    /// connection open. 0: none. Throws ValidationError for a negative interval or empty text.
    void heartbeat(double interval, std::string text) {
        if (!(interval >= 0.0) || (interval > 0.0 && text.empty()))
            throw ValidationError{"http::BodyStream: heartbeat needs an interval >= 0 and some text, got " +
                                  std::to_string(interval)};
        heartbeat_interval_ = interval;
        heartbeat_text_ = std::move(text);
    }
    /// The heartbeat interval (0: none).
    [[nodiscard]] double heartbeat_interval() const noexcept { return heartbeat_interval_; }

    // --- The server's side ------------------------------------------------------------

    /// For the server: who to tell when data is written or the stream ends (null: nobody).
    /// The head has been sent: too late for an encoder.
    void bind(StreamWaker* waker) noexcept {
        waker_ = waker;
        started_ = true;
    }
    /// For the server: whether write_file() may be used (its connection can send files).
    void accept_files(bool accept) noexcept { accepts_files_ = accept; }
    /// For the server: true while a file slice waits to be taken.
    [[nodiscard]] bool has_file() const noexcept { return file_.has_value(); }
    /// For the server: takes the waiting file slice (has_file() must be true), and tells the
    /// producer there is room.
    FileSlice take_file() noexcept {
        FileSlice slice = std::move(*file_);
        file_.reset();
        started_ = true;
        if (on_room_)
            on_room_();
        return slice;
    }

    /// For the server: what is queued, to copy out before discard(). The queue keeps its
    /// storage, so streaming allocates nothing per piece.
    [[nodiscard]] std::string_view pending() const noexcept { return queue_; }
    /// For the server: drops what is queued (after copying it out), and tells the producer
    /// there is room (see on_room).
    void discard() noexcept {
        const bool had = !queue_.empty();
        started_ = started_ || had;
        queue_.clear();
        if (had && on_room_)
            on_room_();
    }

    /// For the producer: `notify` runs (from the server's pass, noexcept) each time the server
    /// took what was queued, so a producer that idles while the stream is full is woken to
    /// write more (a Doer's wake()). Empty: nobody is told.
    void on_room(std::function<void()> notify) { on_room_ = std::move(notify); }

    /// Removes and returns what is queued.
    std::string take() {
        std::string taken{pending()};
        discard();
        return taken;
    }

    /// For the server: queues the heartbeat text (not counted as body).
    void beat() {
        if (closed_ || ended_ || heartbeat_text_.empty() || queued() != 0)
            return;
        if (encoder_)
            encoder_->encode(heartbeat_text_, queue_);
        else
            queue_ = heartbeat_text_;
        poke();
    }

    /// For the server: nothing more can be sent; drops what is queued.
    void close() noexcept {
        closed_ = true;
        waker_ = nullptr;
        queue_.clear();
        file_.reset();
        if (on_room_)
            on_room_();  // the producer learns that nothing more will go
    }

private:
    void poke() noexcept {
        if (waker_ != nullptr)
            waker_->on_stream_ready();
    }

    StreamOptions options_;
    std::optional<std::uint64_t> announced_ = options_.content_length;  // kept when an encoder drops it
    std::string queue_;
    std::uint64_t written_ = 0;
    StreamWaker* waker_ = nullptr;
    std::function<void()> on_room_;
    std::unique_ptr<BodyEncoder> encoder_;
    std::optional<FileSlice> file_;  // a file slice for the server to have the kernel send
    std::string heartbeat_text_;
    double heartbeat_interval_ = 0.0;
    bool ended_ = false;
    bool aborted_ = false;
    bool closed_ = false;
    bool started_ = false;  // bound, or bytes taken: the body has begun to go out (no encoder now)
    bool accepts_files_ = false;
};

}  // namespace hio::http
