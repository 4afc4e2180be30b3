// libFuzzer target: hio's HTTP/1.1 request parser (llhttp and the checks around it) on any
// bytes, fed in pieces whose sizes come from the input, as a socket would deliver them.
//
// Build: cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
//          -DHIO_BUILD_FUZZ=ON -DHIO_SANITIZE=address,undefined && cmake --build build-fuzz
// Run:   build-fuzz/fuzz/http_request_fuzz -max_total_time=60 fuzz/corpus/http_request
// ctest runs it for a bounded time under the label "fuzz".
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include <hio/http/detail/request_parser.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0)
        return 0;
    // The first byte picks the piece size (1..64), the rest is the stream.
    const std::size_t piece = static_cast<std::size_t>(data[0] % 64) + 1;
    std::span<const std::byte> stream{reinterpret_cast<const std::byte*>(data + 1), size - 1};
    hio::http::detail::RequestParser parser{{.max_header_bytes = 2048, .max_body_bytes = 4096}};
    std::size_t requests = 0;
    while (!stream.empty()) {
        const std::span<const std::byte> bytes = stream.first(std::min(piece, stream.size()));
        std::size_t taken = 0;
        const auto outcome = parser.feed(bytes, taken);
        if (taken > bytes.size())
            std::abort();  // the parser claims bytes it was not given
        stream = stream.subspan(taken);
        if (outcome == hio::http::detail::RequestParser::Outcome::failed) {
            const int status = parser.status();
            if (status < 400 || status > 505)
                std::abort();  // a refusal must name a client or server error
            break;
        }
        if (outcome == hio::http::detail::RequestParser::Outcome::request) {
            const hio::http::Request& request = parser.request();
            const bool path_ok = !request.path.empty() &&
                                 (request.path.front() == '/' || (request.path == "*" && request.method == "OPTIONS") ||
                                  request.method == "CONNECT");
            if (request.method.empty() || !path_ok || request.body.size() > 4096)
                std::abort();  // a complete request always has a method and a path in bounds
            ++requests;
            if (parser.upgrade())
                break;  // what follows is another protocol
        } else if (taken == 0) {
            std::abort();  // no progress without an outcome: a busy loop in the server
        }
    }
    return 0;
}
