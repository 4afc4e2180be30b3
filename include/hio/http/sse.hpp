#pragma once
/// \file
/// Server-sent events (the WHATWG `text/event-stream` format): Event, EventStream (the
/// server's side, over a streamed response) and EventParser (the client's side; hio: the
/// Respondent's event parsing).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <hio/error.hpp>
#include <hio/http/message.hpp>
#include <hio/http/stream.hpp>

namespace hio::http {

/// One server-sent event (hio: the dict a Respondent appends to its events deck).
struct Event {
    /// "id:" field; the client remembers it as the last event id. Empty: none sent.
    std::string id{};
    /// "event:" field, the event's type; empty means "message" (a parsed event always has one).
    std::string event{};
    /// "data:" lines joined with '\n'.
    std::string data{};
    /// "retry:" field: the reconnection time the client should use, in milliseconds.
    std::optional<std::uint64_t> retry{};

    /// Field by field.
    friend bool operator==(const Event&, const Event&) = default;
};

/// `event` in the wire format: "id: ..\nevent: ..\nretry: ..\ndata: ..\n\n", data split
/// into one "data:" line per line (CRLF, LF or CR end a line). Throws ValidationError when
/// id or event holds a line break or NUL: they could inject fields.
inline std::string format_event(const Event& event) {
    const auto single_line = [](std::string_view what, std::string_view value) {
        if (value.find_first_of(std::string_view{"\r\n\0", 3}) != std::string_view::npos)
            throw ValidationError{"http::Event: " + std::string{what} +
                                  " must not hold CR, LF or NUL, got \"" + std::string{value} + "\""};
    };
    single_line("id", event.id);
    single_line("event", event.event);
    std::string text;
    text.reserve(event.data.size() + event.id.size() + event.event.size() + 32);
    if (!event.id.empty())
        text.append("id: ").append(event.id).append("\n");
    if (!event.event.empty())
        text.append("event: ").append(event.event).append("\n");
    if (event.retry)
        text.append("retry: ").append(std::to_string(*event.retry)).append("\n");
    std::string_view data = event.data;
    for (;;) {
        const std::size_t end = data.find_first_of("\r\n");
        text.append("data: ").append(data.substr(0, end)).append("\n");
        if (end == std::string_view::npos)
            break;
        data.remove_prefix(end + (data[end] == '\r' && end + 1 < data.size() && data[end + 1] == '\n' ? 2 : 1));
    }
    text += '\n';
    return text;
}

/// Settings of an EventStream.
struct EventStreamOptions {
    /// Bytes of events queued for a client before send() refuses more (a slow client's cost
    /// is bounded; the application decides whether to drop or retry).
    std::size_t capacity = 64 * 1024;
    /// Tyme without an event after which a comment line (":\n\n") is sent, so that idle
    /// timeouts and proxies keep the stream open; 0: none.
    double heartbeat = 15.0;
    /// Sent first as a "retry:" field when set: the client's reconnection delay, in ms.
    std::optional<std::uint64_t> retry{};
};

/// The server's end of one client's event stream: made inside a handler, it turns the
/// response into `text/event-stream` and is then kept (copies share the stream) by whatever
/// produces events, for as long as the client stays.
///
/// ```
/// std::vector<hio::http::EventStream> clients;   // kept by a clock doer
/// server handler:  clients.emplace_back(request, response);
/// clock doer:      for (auto& client : clients) client.send({.data = now});
///                  std::erase_if(clients, [](auto& c) { return c.closed(); });
/// ```
class EventStream {
public:
    /// Starts an event stream as the answer to `request`: status 200, Content-Type
    /// text/event-stream, Cache-Control no-cache. `Last-Event-ID` from the request (a client
    /// reconnecting) is in last_event_id().
    EventStream(const Request& request, Response& response, EventStreamOptions options = {})
        : last_event_id_{request.headers.value("Last-Event-ID")} {
        response.status = 200;
        response.headers.set("Content-Type", "text/event-stream");
        response.headers.set("Cache-Control", "no-cache");
        stream_ = response.stream({.capacity = options.capacity, .open_ended = true});
        stream_->heartbeat(options.heartbeat, ":\n\n");
        if (options.retry) {
            const std::string field = "retry: " + std::to_string(*options.retry) + "\n\n";
            if (field.size() > options.capacity)
                throw ValidationError{"http::EventStreamOptions: capacity " + std::to_string(options.capacity) +
                                      " cannot hold the retry field"};
            stream_->write(field);
        }
    }

    /// Queues `event` whole, or nothing: returns false when it does not fit (the client reads
    /// slower than events come) or the client is gone. Throws ValidationError for an id or
    /// event name with a line break.
    bool send(const Event& event) {
        const std::string text = format_event(event);
        if (text.size() > stream_->room())
            return false;
        stream_->write(text);
        return true;
    }

    /// Queues a comment line (ignored by clients); false when it does not fit.
    bool comment(std::string_view text) {
        if (text.find_first_of(std::string_view{"\r\n\0", 3}) != std::string_view::npos)
            throw ValidationError{"http::EventStream: a comment must be one line"};
        const std::string line = ":" + std::string{text} + "\n\n";
        if (line.size() > stream_->room())
            return false;
        stream_->write(line);
        return true;
    }

    /// Ends the stream: queued events are sent, then the response completes.
    void end() noexcept { stream_->end(); }

    /// True once the client is gone (or the stream ended and was sent): drop this handle.
    [[nodiscard]] bool closed() const noexcept { return stream_->closed(); }
    /// Bytes send() would accept now.
    [[nodiscard]] std::size_t room() const noexcept { return stream_->room(); }
    /// The `Last-Event-ID` the client sent (empty: a first connection).
    [[nodiscard]] const std::string& last_event_id() const noexcept { return last_event_id_; }
    /// The underlying body stream.
    [[nodiscard]] BodyStream& body() const noexcept { return *stream_; }

private:
    std::shared_ptr<BodyStream> stream_;
    std::string last_event_id_;
};

/// Parses a `text/event-stream` body fed in pieces of any size, per the WHATWG rules: lines
/// end with CRLF, LF or CR; "field: value" loses one space after the colon; lines starting
/// with ':' are comments; a blank line dispatches the event (none if it had no data); the id
/// persists as last_event_id(); a UTF-8 BOM at the start is skipped. Unknown fields are
/// ignored. `on_event(Event&&)` is called for each event (hio: Respondent.events).
class EventParser {
public:
    /// A parser for a new stream; `last_event_id` carries over from an earlier connection of
    /// the same stream (what the client sent as Last-Event-ID).
    explicit EventParser(std::string last_event_id = {}) : last_event_id_{std::move(last_event_id)} {}

    /// Feeds body bytes; calls `on_event` for each event completed by them. Throws
    /// hio::Error when a line passes `max_line` bytes or an event's data `max_event` (a peer
    /// that never ends one).
    template <class OnEvent>
    void feed(std::string_view bytes, OnEvent&& on_event) {
        for (const char c : bytes) {
            if (bom_at_ < 3) {
                static constexpr char bom[] = "\xEF\xBB\xBF";
                if (c == bom[bom_at_] && line_.empty() && !seen_) {
                    ++bom_at_;
                    continue;
                }
                if (bom_at_ != 0 && !seen_)
                    line_.append(bom, bom_at_);  // not a BOM after all
                bom_at_ = 3;
            }
            seen_ = true;
            if (after_cr_ && c == '\n') {  // the LF of a CRLF
                after_cr_ = false;
                continue;
            }
            after_cr_ = c == '\r';
            if (c == '\r' || c == '\n') {
                line(on_event);
                continue;
            }
            if (line_.size() >= max_line)
                throw hio::Error{"http::EventParser: an event-stream line passed " + std::to_string(max_line) + " bytes"};
            line_ += c;
        }
    }

    /// The id of the last event that set one (send it as Last-Event-ID when reconnecting).
    [[nodiscard]] const std::string& last_event_id() const noexcept { return last_event_id_; }
    /// The last retry field received, in milliseconds.
    [[nodiscard]] std::optional<std::uint64_t> retry() const noexcept { return retry_; }

    /// Longest line accepted.
    std::size_t max_line = 1024 * 1024;
    /// Most data one event may gather (a peer that never ends an event).
    std::size_t max_event = 8 * 1024 * 1024;

private:
    template <class OnEvent>
    void line(OnEvent& on_event) {
        if (line_.empty()) {
            dispatch(on_event);
            return;
        }
        std::string_view text = line_;
        if (text.front() == ':') {
            line_.clear();
            return;
        }
        const std::size_t colon = text.find(':');
        const std::string_view field = text.substr(0, colon);
        std::string_view value = colon == std::string_view::npos ? std::string_view{} : text.substr(colon + 1);
        if (!value.empty() && value.front() == ' ')
            value.remove_prefix(1);
        if (field == "data") {
            if (data_.size() + value.size() >= max_event)
                throw hio::Error{"http::EventParser: an event's data passed " + std::to_string(max_event) + " bytes"};
            data_.append(value).append("\n");
            has_data_ = true;
        } else if (field == "event") {
            event_.event = std::string{value};
        } else if (field == "id") {
            if (value.find('\0') == std::string_view::npos) {  // the spec ignores such an id
                event_.id = std::string{value};
                id_set_ = true;
            }
        } else if (field == "retry") {
            if (!value.empty() && value.size() <= 19 &&
                value.find_first_not_of("0123456789") == std::string_view::npos) {
                retry_ = std::stoull(std::string{value});
                event_.retry = retry_;
            }
        }
        line_.clear();
    }

    template <class OnEvent>
    void dispatch(OnEvent& on_event) {
        if (id_set_)
            last_event_id_ = event_.id;
        if (has_data_) {
            data_.pop_back();  // the last line's '\n'
            Event event{.id = last_event_id_, .event = event_.event.empty() ? "message" : event_.event,
                        .data = std::move(data_), .retry = event_.retry};
            on_event(std::move(event));
        }
        data_.clear();
        has_data_ = false;
        id_set_ = false;
        event_ = Event{};
    }

    std::string line_;
    std::string data_;
    Event event_;
    std::string last_event_id_;
    std::optional<std::uint64_t> retry_;
    unsigned bom_at_ = 0;
    bool seen_ = false;
    bool after_cr_ = false;
    bool has_data_ = false;
    bool id_set_ = false;
};

}  // namespace hio::http
