// http::StaticFiles against curl: types, ETag and Last-Modified with 304, single ranges (206,
// 416), HEAD, index files, traversal and symbolic links out of the root refused, and a large
// file streamed in bounded memory.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <hio/http/static_files.hpp>

#include "catch.hpp"
#include "support/http.hpp"

using hio_test::HttpRig;

namespace {

// A directory of files to serve, removed at the end.
struct Site {
    std::filesystem::path root = hio_test::temp_path("static_site");
    Site() {
        std::filesystem::create_directories(root / "sub");
        std::ofstream{root / "hello.txt"} << "hello, static world\n";
        std::ofstream{root / "page.html"} << "<h1>page</h1>";
        std::ofstream{root / "sub" / "index.html"} << "<p>index</p>";
        std::ofstream{root / "digits.bin"} << "0123456789abcdefghij" << std::string(40000, 'x');
        std::ofstream{std::filesystem::path{hio_test::temp_path("static_secret.txt")}} << "secret";
        std::filesystem::create_symlink(hio_test::temp_path("static_secret.txt"), root / "escape.txt");
        std::filesystem::create_symlink(root / "hello.txt", root / "alias.txt");
    }
    // big.bin of `size` zero bytes, sparse: reading it costs no disk.
    void big(std::uintmax_t size) const {
        { std::ofstream{root / "big.bin"}; }
        std::filesystem::resize_file(root / "big.bin", size);
    }
    ~Site() {
        std::filesystem::remove_all(root);
        std::filesystem::remove(hio_test::temp_path("static_secret.txt"));
    }
};

// The epoll sockets send files by sendfile(2); Asio's cannot (the bytes go through the buffers).
bool kernel_sends() { return hio_test::backend() == hio_test::Backend::epoll; }

long peak_rss_kib() {
    std::ifstream status{"/proc/self/status"};
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmHWM:", 0) == 0)
            return std::stol(line.substr(6));
    return 0;
}

}  // namespace

TEST_CASE("StaticFiles: curl gets files with their type, ETag and Last-Modified, and 304 when unchanged",
          "[http][static][peer]") {
    Site site;
    hio::http::StaticFiles files{{.root = site.root.string()}};
    const auto get = [&](std::vector<std::string> args) { return hio_test::curl(std::ref(files), std::move(args), {&files.doer()}); };
    std::string out = get({"-i", "{base}/hello.txt"});
    INFO(out);
    CHECK(out.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(out.find("\r\nContent-Type: text/plain; charset=utf-8\r\n") != std::string::npos);
    CHECK(out.find("\r\nAccept-Ranges: bytes\r\n") != std::string::npos);
    CHECK(out.find("\r\nLast-Modified: ") != std::string::npos);
    CHECK(out.ends_with("\r\n\r\nhello, static world\n"));
    const std::size_t at = out.find("\r\nETag: ");
    REQUIRE(at != std::string::npos);
    const std::string etag = out.substr(at + 8, out.find("\r\n", at + 8) - at - 8);
    const std::vector<std::string> code{"-o", "/dev/null", "-w", "%{http_code}"};
    const auto with = [&](std::vector<std::string> more) {
        std::vector<std::string> args = code;
        args.insert(args.end(), more.begin(), more.end());
        return args;
    };
    CHECK(get(with({"-H", "If-None-Match: " + etag, "{base}/hello.txt"})) == "304");
    CHECK(get(with({"-H", "If-None-Match: W/" + etag, "{base}/hello.txt"})) == "304");
    CHECK(get(with({"-H", "If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT", "{base}/hello.txt"})) == "304");
    CHECK(get(with({"-H", "If-None-Match: \"other\"", "{base}/hello.txt"})) == "200");
    CHECK(get({"-w", " %{content_type}", "{base}/sub/"}) == "<p>index</p> text/html; charset=utf-8");
    out = get({"-I", "{base}/page.html"});
    CHECK(out.find("\r\nContent-Length: 13\r\n") != std::string::npos);
    CHECK(out.ends_with("\r\n\r\n"));  // HEAD: no body
    CHECK(get(with({"-X", "POST", "{base}/hello.txt"})) == "405");
}

TEST_CASE("StaticFiles: single ranges give 206 with Content-Range, beyond the end 416", "[http][static][peer]") {
    Site site;
    hio::http::StaticFiles files{{.root = site.root.string(), .chunk = 1024}};
    const auto get = [&](std::vector<std::string> args) { return hio_test::curl(std::ref(files), std::move(args), {&files.doer()}); };
    std::string out = get({"-i", "-r", "10-19", "{base}/digits.bin"});
    CHECK(out.rfind("HTTP/1.1 206 Partial Content\r\n", 0) == 0);
    CHECK(out.find("\r\nContent-Range: bytes 10-19/40020\r\n") != std::string::npos);
    CHECK(out.ends_with("\r\n\r\nabcdefghij"));
    CHECK(get({"-r", "-5", "{base}/digits.bin"}) == "xxxxx");
    CHECK(get({"-o", "/dev/null", "-w", "%{http_code} %{size_download}", "-r", "5-", "{base}/digits.bin"}) ==
          "206 40015");  // past one chunk: sent by the kernel from offset 5
    CHECK(get({"-r", "15-2014", "{base}/digits.bin"}) == "fghij" + std::string(1995, 'x'));
    CHECK(files.sent_by_kernel() == (kernel_sends() ? 2 : 0));
    out = get({"-i", "-r", "50000-", "{base}/digits.bin"});
    CHECK(out.rfind("HTTP/1.1 416 ", 0) == 0);
    CHECK(out.find("\r\nContent-Range: bytes */40020\r\n") != std::string::npos);
    CHECK(get({"-o", "/dev/null", "-w", "%{http_code} %{size_download}", "-r", "0-1,5-6", "{base}/digits.bin"}) ==
          "200 40020");  // several ranges: the whole file (allowed by RFC 9110)
}

TEST_CASE("StaticFiles: no request reaches outside the root, by .., encoded .., or a symbolic link",
          "[http][static][peer]") {
    Site site;
    hio::http::StaticFiles files{{.root = site.root.string()}};
    const auto code = [&](const std::string& path) {
        return hio_test::curl(std::ref(files), {"--path-as-is", "-o", "/dev/null", "-w", "%{http_code}", "{base}" + path},
                              {&files.doer()});
    };
    for (const std::string path : {"/../static_secret.txt", "/sub/../../static_secret.txt", "/%2e%2e/static_secret.txt",
                                   "/escape.txt"}) {
        INFO(path);
        CHECK(code(path) == "403");
    }
    CHECK(hio_test::curl(std::ref(files), {"{base}/alias.txt"}, {&files.doer()}) == "hello, static world\n");
    CHECK(code("/a%00b") == "400");
    CHECK(code("/missing") == "404");
    CHECK_THROWS_AS(hio::http::StaticFiles({.root = site.root.string() + "/hello.txt"}), hio::SystemError);
    CHECK_THROWS_AS(hio::http::StaticFiles({.root = "/no/such/dir"}), hio::SystemError);
}

TEST_CASE("StaticFiles: a 256 MB file goes whole (by sendfile where the transport can) while the server's memory stays flat",
          "[http][static][peer]") {
    Site site;
    site.big(256ULL << 20);
    hio::http::StaticFiles files{{.root = site.root.string()}};
    HttpRig server{std::ref(files)};
    const long before = peak_rss_kib();
    std::string out;
    REQUIRE(server.run({"curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
                        "http://127.0.0.1:" + server.port() + "/big.bin"}, out, 60.0, {&files.doer()}) == 0);
    CHECK(out == "200 268435456");
    const long grown = peak_rss_kib() - before;
    INFO("peak RSS grew by " << grown << " KiB");
    CHECK(grown < 32 * 1024);  // a file read whole would be 256 MB (the sanitizers alone add ~9 MB)
    CHECK(files.streaming() == 0);  // finished: its file is closed
    CHECK(files.sent_by_kernel() == (kernel_sends() ? 1 : 0));  // epoll TCP: sendfile, no byte through the server
}

TEST_CASE("StaticFiles: a client that resets in the middle of a file costs a connection, not the process",
          "[http][static][peer]") {
    Site site;
    site.big(64ULL << 20);
    hio::http::StaticFiles files{{.root = site.root.string()}};
    HttpRig server{std::ref(files)};
    std::string out;
    // SIGPIPE would end this test process (the server runs in it): sendfile has no MSG_NOSIGNAL.
    const int code = server.python(
        "import struct\n"
        "for attempt in range(5):\n"
        "    s = socket.create_connection(('127.0.0.1', PORT), timeout=5)\n"
        "    s.sendall(b'GET /big.bin HTTP/1.1\\r\\nHost: t\\r\\n\\r\\n')\n"
        "    got = b''\n"
        "    while len(got) < 200000:  # body bytes: the kernel is sending the file\n"
        "        got += s.recv(65536)\n"
        "    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))\n"
        "    s.close()  # a reset, while the server still has 64 MB to send\n"
        "    time.sleep(0.05)\n"
        "c = http.client.HTTPConnection('127.0.0.1', PORT, timeout=5)\n"
        "c.request('GET', '/hello.txt')\n"
        "print(c.getresponse().read().decode(), end='')\n",
        out, 30.0, {&files.doer()});
    REQUIRE(code == 0);
    CHECK(out == "hello, static world\n");
    CHECK(files.sent_by_kernel() == (kernel_sends() ? 5 : 0));
}

TEST_CASE("StreamServerOptions::send_buffer caps what a slow reader makes the kernel hold for it",
          "[http][static][peer]") {
    Site site;
    site.big(64ULL << 20);
    // A reader with a tiny receive window that reads nothing for a second (slowhttptest's
    // slow read); how many bytes the kernel took from the server for it by then.
    const auto held = [&](std::size_t send_buffer) {
        hio::http::StaticFiles files{{.root = site.root.string()}};
        HttpRig server{std::ref(files), {}, {.send_buffer = send_buffer}};
        std::uint64_t sent = 0;
        hio_test::Until probe{[&] {
            server.tcp.visit([&](const hio::Connection& connection) { sent = std::max(sent, connection.bytes_sent()); });
            return false;
        }};
        std::string out;
        const int code = server.python(
            "s = socket.socket()\n"
            "s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)\n"
            "s.connect(('127.0.0.1', PORT))\n"
            "s.sendall(b'GET /big.bin HTTP/1.1\\r\\nHost: t\\r\\n\\r\\n')\n"
            "time.sleep(1.0)\n"
            "s.close()\n",
            out, 20.0, {&files.doer(), &probe});
        REQUIRE(code == 0);
        return sent;
    };
    const std::uint64_t capped = held(16 * 1024);
    const std::uint64_t uncapped = held(0);
    INFO("capped " << capped << " bytes, uncapped " << uncapped);
    CHECK(capped < 256 * 1024);
    CHECK(uncapped > 4 * capped);  // the kernel's own buffer grew far past the cap
}
