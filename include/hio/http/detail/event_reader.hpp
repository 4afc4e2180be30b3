#pragma once
/// \file
/// EventReader: the body of an event-stream response read into events as the consumer makes
/// room for them. Internal: used by hio::http::Client.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <hio/deck.hpp>
#include <hio/http/sse.hpp>
#include <hio/http/stream.hpp>

namespace hio::http::detail {

/// Turns an event stream's body into Events (hio: the respondent's events), never holding more
/// than the consumer has room for: body bytes beyond that wait here, unparsed, and while they
/// wait the client reads no more from the connection (TCP then slows the server).
class EventReader {
public:
    /// A reader that resumes after the event with `last_event_id` (empty: from the start).
    explicit EventReader(std::string last_event_id = {}) : parser_{std::move(last_event_id)} {}

    /// Takes `body` (the bytes llhttp de-chunked; emptied), decoded by `decoder` when the
    /// stream has a content coding (at most `limit` bytes from it), and parses what it holds a
    /// line at a time into `out` while `out` holds fewer than `room`. Throws what the decoder
    /// or the event parser throws (a corrupt coding, a stream past the format's limits).
    void take(std::string& body, BodyDecoder* decoder, std::size_t limit, Deck<Event>& out, std::size_t room) {
        if (decoder != nullptr)
            decoder->decode(body, bytes_, limit);
        else
            bytes_ += body;
        body.clear();
        std::size_t at = 0;
        while (at < bytes_.size() && out.size() < room) {
            const std::size_t end = bytes_.find_first_of("\r\n", at);
            const std::size_t next = end == std::string::npos ? bytes_.size() : end + 1;
            parser_.feed(std::string_view{bytes_}.substr(at, next - at), [&](Event&& event) { out.push(std::move(event)); });
            at = next;
        }
        bytes_.erase(0, at);
    }

    /// True while body bytes wait for room in the consumer's deck.
    [[nodiscard]] bool waiting() const noexcept { return !bytes_.empty(); }
    /// The id of the last event (for Last-Event-ID on a resume).
    [[nodiscard]] const std::string& last_event_id() const noexcept { return parser_.last_event_id(); }
    /// The retry delay the server asked for, in milliseconds, if it did.
    [[nodiscard]] std::optional<std::uint64_t> retry() const noexcept { return parser_.retry(); }

private:
    EventParser parser_;
    std::string bytes_;  // body bytes not yet parsed into events
};

}  // namespace hio::http::detail
