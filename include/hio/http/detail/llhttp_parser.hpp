#pragma once
/// \file
/// The llhttp plumbing the request and response parsers share: llhttp's error category, and
/// the CRTP base that collects the start line, the fields and the trailers. Internal: used by
/// detail::RequestParser and detail::ResponseParser; the only place, with them, where llhttp
/// is included.

#include <llhttp.h>

#include <cstddef>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <hio/http/detail/grammar.hpp>
#include <hio/http/message.hpp>

namespace hio::http::detail {

/// std::error_code category for llhttp's parse errors: the value is an llhttp_errno_t, the
/// message its name ("HPE_INVALID_METHOD"); name "llhttp".
class LlhttpCategory final : public std::error_category {
public:
    [[nodiscard]] const char* name() const noexcept override { return "llhttp"; }
    [[nodiscard]] std::string message(int value) const override {
        return llhttp_errno_name(static_cast<llhttp_errno_t>(value));
    }
};

inline const std::error_category& llhttp_category() noexcept {
    static const LlhttpCategory category;
    return category;
}

/// The llhttp plumbing both parsers share (CRTP): the callbacks, forwarded to Derived; the
/// start line (target or reason phrase), the header fields and the trailer fields (kept apart:
/// RFC 9110 6.5), collected within `max_header_bytes`; and execute(), which reports how many
/// bytes llhttp used. Derived provides, with llhttp's return conventions:
/// `std::string& start_line()`, `Headers& fields()`, `int add_trailer(std::string, std::string)`,
/// `int overflow(bool in_start_line)` (records why, returns -1),
/// `int field_name_complete(std::string_view)`, `int folded()` (an obs-fold in the header
/// section: RFC 9112 5.2), `int on_headers()`, `int on_body(const char*, std::size_t)` and
/// `int on_message()`.
///
/// An obs-fold (a field line continued on a line that begins with a space or a tab) reaches
/// llhttp 8 as a further value piece of the same field, the line break left out; a fold right
/// after the colon ("X:\r\n two") comes as the value's first piece, the break skipped as if it
/// were whitespace. So a fold is a non-empty value piece preceded by a line feed: for a further
/// piece, the byte before it (in this buffer, or the last of the one before); for a first
/// piece, any byte between the field name and it (a few bytes of whitespace, remembered across
/// buffers). Folds are found without a walk of our own over the header bytes. The callback table is
/// shared by every parser of a kind: a parser holds only llhttp's state and what it collects.
template <class Derived>
class LlhttpParser {
public:
    LlhttpParser(const LlhttpParser&) = delete;
    LlhttpParser& operator=(const LlhttpParser&) = delete;

    /// True when some of the current message arrived.
    [[nodiscard]] bool started() const noexcept { return started_; }

protected:
    LlhttpParser(llhttp_type_t type, std::size_t max_header_bytes) : max_header_bytes_{max_header_bytes} {
        llhttp_init(&parser_, type, &settings(type));
        parser_.data = this;
    }
    ~LlhttpParser() = default;

    /// Runs llhttp over `bytes`; `taken` is how many it used (all unless it paused or failed).
    llhttp_errno_t execute(std::span<const std::byte> bytes, std::size_t& taken) {
        const char* data = reinterpret_cast<const char*>(bytes.data());
        begin_ = data;
        const llhttp_errno_t error = llhttp_execute(&parser_, data, bytes.size());
        const char* stop = error == HPE_OK ? nullptr : llhttp_get_error_pos(&parser_);
        taken = stop != nullptr && stop >= data ? static_cast<std::size_t>(stop - data) : bytes.size();
        if (taken != 0)
            last_ = data[taken - 1];
        if (gap_) {  // between a field name and its value when the buffer ran out: a line feed?
            const std::size_t from = field_end_ < taken ? field_end_ : taken;
            gap_break_ = gap_break_ || std::memchr(data + from, '\n', taken - from) != nullptr;
            field_end_ = 0;  // the rest of the gap starts the next buffer
        }
        return error;
    }

    /// Forgets the fields and the byte count of the message before.
    void reset_message() noexcept {
        field_.clear();
        value_.clear();
        header_bytes_ = 0;
        started_ = false;
        in_trailers_ = false;
        last_ = '\n';
        gap_ = gap_break_ = false;
    }

    /// Counts `length` more bytes of the head toward max_header_bytes; false when past it.
    [[nodiscard]] bool count_head(std::size_t length) noexcept {
        header_bytes_ += length;
        return header_bytes_ <= max_header_bytes_;
    }
    [[nodiscard]] std::size_t max_header_bytes() const noexcept { return max_header_bytes_; }

    llhttp_t parser_{};

private:
    static LlhttpParser& self(llhttp_t* parser) { return *static_cast<LlhttpParser*>(parser->data); }
    Derived& derived() noexcept { return static_cast<Derived&>(*this); }

    // One callback table per kind of parser: the callbacks find their parser in parser->data.
    static const llhttp_settings_t& settings(llhttp_type_t type) {
        static const llhttp_settings_t shared = [type] {
            llhttp_settings_t made;
            llhttp_settings_init(&made);
            made.on_message_begin = [](llhttp_t* p) {
                self(p).started_ = true;
                return 0;
            };
            const llhttp_data_cb start_line = [](llhttp_t* p, const char* at, std::size_t length) {
                return self(p).collect(self(p).derived().start_line(), at, length, true);
            };
            (type == HTTP_REQUEST ? made.on_url : made.on_status) = start_line;
            made.on_header_field = [](llhttp_t* p, const char* at, std::size_t length) {
                LlhttpParser& parser = self(p);
                parser.gap_ = true;  // until its value's first piece
                parser.gap_break_ = false;
                parser.field_end_ = static_cast<std::size_t>(at + length - parser.begin_);
                return self(p).collect(self(p).field_, at, length, false);
            };
            made.on_header_field_complete = [](llhttp_t* p) {
                return self(p).derived().field_name_complete(self(p).field_);
            };
            made.on_header_value = [](llhttp_t* p, const char* at, std::size_t length) {
                LlhttpParser& parser = self(p);
                if (length != 0 && !parser.in_trailers_ && parser.folded_at(at))
                    if (const int refused = parser.derived().folded(); refused != 0)
                        return refused;
                if (length != 0)
                    parser.gap_ = false;
                return parser.collect(parser.value_, at, length, false);
            };
            made.on_header_value_complete = [](llhttp_t* p) {  // also for an empty value
                return self(p).finish_field();
            };
            made.on_headers_complete = [](llhttp_t* p) {
                self(p).in_trailers_ = true;  // fields from now on are trailers (chunked bodies)
                return self(p).derived().on_headers();
            };
            made.on_body = [](llhttp_t* p, const char* at, std::size_t length) {
                return self(p).derived().on_body(at, length);
            };
            made.on_message_complete = [](llhttp_t* p) { return self(p).derived().on_message(); };
            return made;
        }();
        return shared;
    }

    // True when the value piece at `at` continues its field on a new line (see the class
    // comment).
    bool folded_at(const char* at) const noexcept {
        if (!gap_)
            return (at > begin_ ? at[-1] : last_) == '\n';
        const std::size_t offset = static_cast<std::size_t>(at - begin_);
        const std::size_t from = field_end_ < offset ? field_end_ : offset;
        return gap_break_ || std::memchr(begin_ + from, '\n', offset - from) != nullptr;
    }

    // Appends a piece of the start line or of a field, counted toward max_header_bytes.
    int collect(std::string& into, const char* at, std::size_t length, bool in_start_line) {
        header_bytes_ += length;
        if (header_bytes_ > max_header_bytes_)
            return derived().overflow(in_start_line);
        into.append(at, length);
        return 0;
    }

    int finish_field() {
        while (!value_.empty() && (value_.back() == ' ' || value_.back() == '\t'))
            value_.pop_back();  // trailing optional whitespace is not part of the value
        int result = 0;
        if (in_trailers_)
            result = derived().add_trailer(std::move(field_), std::move(value_));
        else
            derived().fields().add(std::move(field_), std::move(value_));
        field_.clear();
        value_.clear();
        return result;
    }

    std::string field_;
    std::string value_;
    const char* begin_ = nullptr;  // the buffer execute() runs over
    std::size_t field_end_ = 0;    // where the last field name ended in it (0: in a buffer before)
    char last_ = '\n';            // the last byte of the buffer before (a fold's line feed)
    bool gap_ = false;             // between a field name and its value's first piece
    bool gap_break_ = false;       // a line feed in that gap, in a buffer before
    std::size_t max_header_bytes_;
    std::size_t header_bytes_ = 0;
    bool started_ = false;
    bool in_trailers_ = false;
};

/// True for the fields a trailer must never carry, because they frame or route the message or
/// manage the connection (RFC 9110 6.5.1): a trailer with one is an attempt to smuggle them.
inline bool forbidden_in_trailer(std::string_view name) noexcept {
    for (const std::string_view forbidden : {"content-length", "transfer-encoding", "host", "connection", "keep-alive",
                                             "upgrade", "te", "trailer", "content-encoding", "content-type",
                                             "content-range", "expect", "max-forwards", "authorization", "cookie",
                                             "set-cookie", "proxy-authorization"})
        if (iequals(name, forbidden))
            return true;
    return false;
}

}  // namespace hio::http::detail
