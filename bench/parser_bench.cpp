// parser_bench: requests per second through the HTTP request parser alone (no socket, no
// server), for three shapes of request: curl's GET (3 fields), a browser's GET (13 fields,
// ~600 bytes) and a POST with a 1 KB body. Each request is fed whole, one after another
// through one parser, as a kept-alive connection feeds it.
//
// Run:   build/bench/parser_bench [seconds per shape, default 2]
//        bench/run_parser_bench.sh OLD_INCLUDE_DIR NEW_INCLUDE_DIR   (two versions, alternating)
//
// It compiles against older trees too: before the parser was cut in three (one header,
// detail/parser.hpp), the same class had the same interface.
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>

#if __has_include(<hio/http/detail/request_parser.hpp>)
#include <hio/http/detail/request_parser.hpp>
#else
#include <hio/http/detail/parser.hpp>
#endif

namespace {

using hio::http::detail::RequestParser;
using Clock = std::chrono::steady_clock;

struct Shape {
    const char* name;
    std::string request;
};

// Requests per second for `request` over about `seconds`.
double requests_per_second(const std::string& request, double seconds) {
    RequestParser parser{{.max_header_bytes = 16 * 1024, .max_body_bytes = 1024 * 1024}};
    const auto bytes = std::as_bytes(std::span{request.data(), request.size()});
    std::size_t done = 0;
    const auto start = Clock::now();
    const auto until = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    for (;;) {
        for (int i = 0; i < 1000; ++i) {
            std::size_t taken = 0;
            if (parser.feed(bytes, taken) != RequestParser::Outcome::request || taken != bytes.size()) {
                std::fprintf(stderr, "parser_bench: the request was not taken whole\n");
                std::exit(1);
            }
        }
        done += 1000;
        if (Clock::now() >= until)
            break;
    }
    return static_cast<double>(done) / std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
    const double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
    const Shape shapes[] = {
        {"curl GET", "GET /hello HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n"},
        {"browser GET",
         "GET /app/items?page=2&sort=name HTTP/1.1\r\n"
         "Host: example.com\r\n"
         "Connection: keep-alive\r\n"
         "sec-ch-ua: \"Chromium\";v=\"156\", \"Not=A?Brand\";v=\"24\"\r\n"
         "sec-ch-ua-mobile: ?0\r\n"
         "sec-ch-ua-platform: \"Linux\"\r\n"
         "Upgrade-Insecure-Requests: 1\r\n"
         "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 "
         "Safari/537.36\r\n"
         "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\r\n"
         "Sec-Fetch-Site: same-origin\r\n"
         "Sec-Fetch-Mode: navigate\r\n"
         "Referer: https://example.com/app/items?page=1\r\n"
         "Accept-Encoding: gzip, deflate, br\r\n"
         "Accept-Language: en-GB,en;q=0.9\r\n\r\n"},
        {"POST 1 KB", "POST /api/items HTTP/1.1\r\nHost: example.com\r\nContent-Type: application/json\r\n"
                      "Content-Length: 1024\r\n\r\n" +
                          std::string(1024, 'x')},
    };
    std::printf("%-12s %8s %14s %12s\n", "shape", "bytes", "requests/s", "MB/s");
    for (const Shape& shape : shapes) {
        const double rate = requests_per_second(shape.request, seconds);
        std::printf("%-12s %8zu %14.0f %12.1f\n", shape.name, shape.request.size(), rate,
                    rate * static_cast<double>(shape.request.size()) / 1e6);
    }
    return 0;
}
