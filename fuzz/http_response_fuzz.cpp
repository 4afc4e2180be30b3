// libFuzzer target: the HTTP client's response parser (llhttp and the checks around it) and
// the server-sent-events parser on any bytes, fed in pieces whose sizes come from the input.
//
// Build and run as http_request_fuzz.cpp says, with fuzz/corpus/http_response.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>

#include <hio/http/detail/response_parser.hpp>
#include <hio/error.hpp>
#include <hio/http/sse.hpp>

namespace {

constexpr std::size_t max_body = 4096;

// Checks a complete response, and parses an event stream's body with EventParser.
void check_response(const hio::http::detail::ResponseParser& parser) {
    const int status = parser.status();
    if (status < 100 || status > 999)
        std::abort();  // llhttp takes three digits
    if (!parser.event_stream() && parser.body().size() > max_body)
        std::abort();  // the body limit held
    if ((status == 204 || status == 304) && !parser.body().empty())
        std::abort();  // RFC 9112 6.3: no body, whatever the framing fields say
}

void parse_events(hio::http::detail::ResponseParser& parser, hio::http::EventParser& events) {
    if (!parser.event_stream())
        return;
    try {
        events.feed(parser.body(), [](hio::http::Event&& event) {
            if (event.event.empty() || event.id.find('\0') != std::string::npos)
                std::abort();  // a parsed event always has a type, and an id without NUL
        });
    } catch (const hio::Error&) {
        // a line or an event past its limit: the client fails that request
    }
    parser.body().clear();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0)
        return 0;
    // The first byte: the piece size (1..64) and whether the request was HEAD (bit 6).
    const std::size_t piece = static_cast<std::size_t>(data[0] % 64) + 1;
    const bool head = (data[0] & 0x40) != 0;
    std::span<const std::byte> stream{reinterpret_cast<const std::byte*>(data + 1), size - 1};
    hio::http::detail::ResponseParser parser{{.max_header_bytes = 2048, .max_body_bytes = max_body}};
    hio::http::EventParser events;
    events.max_line = 512;
    events.max_event = 2048;
    parser.expect(head);
    using Outcome = hio::http::detail::ResponseParser::Outcome;
    while (!stream.empty()) {
        const std::span<const std::byte> bytes = stream.first(std::min(piece, stream.size()));
        std::size_t taken = 0;
        const Outcome outcome = parser.feed(bytes, taken);
        if (taken > bytes.size())
            std::abort();  // the parser claims bytes it was not given
        stream = stream.subspan(taken);
        parse_events(parser, events);
        if (outcome == Outcome::failed) {
            if (parser.reason().empty())
                std::abort();  // a failure says why
            return 0;
        }
        if (outcome == Outcome::response) {
            check_response(parser);
            if (!parser.keep_alive())
                return 0;  // the client drops the connection
            parser.expect(false);
        } else if (taken == 0) {
            std::abort();  // no progress without an outcome: a busy loop in the client
        }
    }
    if (parser.finish() == Outcome::response)  // the connection ends here
        check_response(parser);
    parse_events(parser, events);
    return 0;
}
