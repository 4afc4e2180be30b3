// gzip compression (opt-in hio/http/gzip.hpp, zlib) against curl --compressed, Python's gzip,
// our own client's decode_body() and gzip_decoding(); whole bodies, streamed ones, event
// streams and StaticFiles.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <hio/http/gzip.hpp>
#include <hio/http/static_files.hpp>

#include "catch.hpp"
#include "support/http.hpp"

namespace {

const std::string page = [] {
    std::string text;
    for (int i = 0; i < 500; ++i)
        text += "line " + std::to_string(i) + " of a page that compresses well\n";
    return text;
}();

void site(const hio::http::Request& request, hio::http::Response& response) {
    response.headers.set("Content-Type", request.path == "/image" ? "image/png" : "text/plain; charset=utf-8");
    response.body = request.path == "/small" ? std::string{"tiny\n"} : page;
}

}  // namespace

TEST_CASE("gzip and gunzip round-trip, and gunzip refuses garbage, cut data and bombs", "[http][gzip]") {
    const std::string packed = hio::http::gzip(page);
    CHECK(packed.size() < page.size() / 4);
    CHECK(hio::http::gunzip(packed) == page);
    CHECK_THROWS_AS(hio::http::gunzip("not gzip at all"), hio::ValidationError);
    CHECK_THROWS_AS(hio::http::gunzip(packed.substr(0, packed.size() / 2)), hio::ValidationError);
    CHECK_THROWS_AS(hio::http::gunzip(hio::http::gzip(std::string(1 << 20, 'a')), 1000), hio::ValidationError);
    CHECK(hio::http::accepts_gzip("deflate, gzip;q=0.5"));
    CHECK_FALSE(hio::http::accepts_gzip("gzip;q=0, br"));
    CHECK(hio::http::accepts_gzip("*"));
    CHECK_FALSE(hio::http::accepts_gzip(""));
    CHECK_THROWS_AS(hio::http::Gzip({.level = 0}), hio::ValidationError);
}

TEST_CASE("curl --compressed gets gzip bodies of text, plain ones of images, small ones and to clients that do "
          "not ask", "[http][gzip][peer]") {
    hio::http::Gzip gzip{{.min_size = 100}};
    const hio::http::Handler handler = hio::http::chain(site, {&gzip});
    using hio_test::curl;
    std::string out = curl(handler, {"--compressed", "-D", "-", "{base}/page"});
    INFO(out.substr(0, 400));
    CHECK(out.find("\r\nContent-Encoding: gzip\r\n") != std::string::npos);
    CHECK(out.find("\r\nVary: Accept-Encoding\r\n") != std::string::npos);
    CHECK(out.ends_with("\r\n\r\n" + page));  // curl decoded it
    CHECK(curl(handler, {"-s", "-o", "/dev/null", "-w", "%{size_download}", "-H", "Accept-Encoding: gzip",
                         "{base}/page"}) == std::to_string(hio::http::gzip(page).size()));
    CHECK(curl(handler, {"-s", "-o", "/dev/null", "-w", "%{size_download}", "{base}/page"}) ==
          std::to_string(page.size()));  // no Accept-Encoding: as it is
    out = curl(handler, {"--compressed", "-D", "-", "-o", "/dev/null", "{base}/image"});
    CHECK(out.find("Content-Encoding") == std::string::npos);
    out = curl(handler, {"--compressed", "-D", "-", "-o", "/dev/null", "{base}/small"});
    CHECK(out.find("Content-Encoding") == std::string::npos);
}

TEST_CASE("Python's gzip decodes what we send, our client decodes it with decode_body", "[http][gzip][peer]") {
    hio::http::Gzip gzip;
    hio_test::HttpRig server{hio::http::chain(site, {&gzip})};
    std::string out;
    REQUIRE(server.python("import gzip\n"
                          "c = http.client.HTTPConnection('127.0.0.1', PORT, timeout=5)\n"
                          "c.request('GET', '/page', headers={'Accept-Encoding': 'gzip'})\n"
                          "r = c.getresponse(); data = r.read()\n"
                          "assert r.getheader('Content-Encoding') == 'gzip'\n"
                          "print(len(gzip.decompress(data)))\n",
                          out) == 0);
    CHECK(out == std::to_string(page.size()) + "\n");

    hio_test::HttpRig again{hio::http::chain(site, {&gzip})};
    hio::http::ClientRequest request{.url = "{base}/page"};
    request.headers.set("Accept-Encoding", "gzip");
    auto answer = again.fetch(request);
    REQUIRE(answer.has_value());
    REQUIRE(answer->ok());
    CHECK(answer->headers.value("Content-Encoding") == "gzip");
    hio::http::decode_body(*answer);
    CHECK(answer->body == page);
    CHECK_FALSE(answer->headers.has("Content-Encoding"));
}

namespace {

// Writes `page` into every stream it is given, a piece per pass, then ends it: a body
// produced over several passes, as a doer of an application would.
class Piecewise : public hio::Doer {
public:
    Piecewise() : hio::Doer{0.0} {}
    void add(std::shared_ptr<hio::http::BodyStream> stream) { streams_.push_back({std::move(stream), 0}); }

protected:
    bool recur(double) override {
        for (auto& [stream, at] : streams_) {
            at += stream->write(std::string_view{page}.substr(at, std::min<std::size_t>(700, page.size() - at)));
            if (at == page.size())
                stream->end();
        }
        std::erase_if(streams_, [](const auto& entry) { return entry.first->ended() || entry.first->closed(); });
        return false;
    }

private:
    std::vector<std::pair<std::shared_ptr<hio::http::BodyStream>, std::size_t>> streams_;
};

}  // namespace

TEST_CASE("A streamed body is gzipped as it is written, chunked, for curl --compressed, and plain for "
          "curl without it", "[http][gzip][stream][peer]") {
    hio::http::Gzip gzip;
    Piecewise producer;
    const hio::http::Handler handler = hio::http::chain(
        [&producer](const hio::http::Request&, hio::http::Response& response) {
            response.headers.set("Content-Type", "text/plain");
            producer.add(response.stream({.content_length = page.size()}));
        },
        {&gzip});
    std::string out = hio_test::curl(handler, {"--compressed", "-D", "-", "{base}/s"}, {&producer});
    INFO(out.substr(0, 300));
    CHECK(out.find("\r\nContent-Encoding: gzip\r\n") != std::string::npos);
    CHECK(out.find("\r\nTransfer-Encoding: chunked\r\n") != std::string::npos);
    CHECK(out.find("Content-Length") == std::string::npos);  // the encoded length is not known
    CHECK(out.ends_with("\r\n\r\n" + page));
    const std::string wire = hio_test::curl(handler, {"-H", "Accept-Encoding: gzip", "{base}/s"}, {&producer});
    CHECK(wire.size() < page.size() / 3);
    CHECK(hio::http::gunzip(wire) == page);
    out = hio_test::curl(handler, {"-D", "-", "{base}/s"}, {&producer});
    CHECK(out.find("\r\nContent-Length: " + std::to_string(page.size()) + "\r\n") != std::string::npos);
    CHECK(out.ends_with("\r\n\r\n" + page));
    CHECK(gzip.compressed() == 2);

    // Ended short of its announced length: gzipped (chunked) it must still show as cut.
    hio_test::HttpRig server{hio::http::chain(
        [](const hio::http::Request&, hio::http::Response& response) {
            response.headers.set("Content-Type", "text/plain");
            const auto body = response.stream({.content_length = page.size()});
            body->write(std::string_view{page}.substr(0, 1000));
            body->end();
        },
        {&gzip})};
    REQUIRE(server.run({"curl", "-s", "-m", "10", "--compressed", "-o", "/dev/null",
                        "http://127.0.0.1:" + server.port() + "/short"},
                       out) == 18);  // curl: "partial file", the last chunk never came
}

TEST_CASE("A gzipped event stream is flushed at each event: Python decodes the first while the stream is "
          "still open", "[http][gzip][sse][peer]") {
    hio::http::Gzip gzip;
    std::vector<hio::http::EventStream> streams;
    hio_test::HttpRig server{hio::http::chain(
        [&streams](const hio::http::Request& request, hio::http::Response& response) {
            hio::http::EventStream stream{request, response};
            stream.send({.id = "1", .data = "one"});
            streams.push_back(stream);  // kept open: never ended
        },
        {&gzip})};
    std::string out;
    REQUIRE(server.python("import zlib\n"
                          "c = http.client.HTTPConnection('127.0.0.1', PORT, timeout=5)\n"
                          "c.request('GET', '/events', headers={'Accept-Encoding': 'gzip'})\n"
                          "r = c.getresponse()\n"
                          "assert r.getheader('Content-Encoding') == 'gzip', r.getheaders()\n"
                          "z = zlib.decompressobj(16 + 15); text = b''\n"
                          "while b'data: one' not in text:\n"
                          "    text += z.decompress(r.read1(65536))\n"
                          "print(text.decode().strip())\n",
                          out) == 0);
    CHECK(out == "id: 1\ndata: one\n");
    REQUIRE(streams.size() == 1);
}

TEST_CASE("A client with gzip_decoding asks for gzip and gets bodies and events decoded, refuses corrupt "
          "bodies and bombs", "[http][gzip][client]") {
    hio::http::Gzip gzip;
    std::vector<std::string> asked;  // the Accept-Encoding of each request
    std::vector<hio::http::EventStream> streams;
    const std::string bomb = hio::http::gzip(std::string(8 << 20, '\0'));
    hio_test::HttpRig server{hio::http::chain(
        [&](const hio::http::Request& request, hio::http::Response& response) {
            asked.push_back(request.headers.value("Accept-Encoding"));
            if (request.path == "/events") {
                hio::http::EventStream stream{request, response};
                stream.send({.id = "7", .data = page.substr(0, 2000)});
                stream.end();
                return;
            }
            if (request.path == "/corrupt" || request.path == "/bomb") {
                response.headers.set("Content-Type", "application/octet-stream");
                response.headers.set("Content-Encoding", "gzip");
                response.body = request.path == "/bomb" ? bomb : std::string{"not gzip"};
                return;
            }
            site(request, response);
        },
        {&gzip})};
    hio::http::Client client{server.rig.network, {.max_body_bytes = 1 << 20, .decodings = {hio::http::gzip_decoding()}}};
    hio::http::ClientDoer doer{client};
    const std::string base = "http://127.0.0.1:" + server.port();
    client.request({.url = base + "/page"});
    client.request({.method = "HEAD", .url = base + "/page"});
    client.request({.url = base + "/corrupt"});
    client.request({.url = base + "/bomb"});
    client.request({.url = base + "/events"});
    std::vector<hio::http::ClientResponse> answers;
    std::vector<hio::http::Event> events;
    REQUIRE(server.rig.run_until({&server.http, &doer}, [&] {
        while (auto answer = client.responses().pull())
            answers.push_back(std::move(*answer));
        while (auto event = client.events().pull())
            events.push_back(std::move(*event));
        return answers.size() == 5;
    }, 10.0));
    CHECK(asked == std::vector<std::string>(5, "gzip"));
    REQUIRE(answers[0].ok());
    CHECK(answers[0].body == page);
    CHECK_FALSE(answers[0].headers.has("Content-Encoding"));
    CHECK(answers[1].ok());  // HEAD: Content-Encoding gzip and no body, nothing to decode
    CHECK(answers[1].body.empty());
    CHECK(answers[2].error == hio::http::Errc::bad_response);
    CHECK(answers[2].message.find("not gzip") != std::string::npos);
    CHECK(answers[3].error == hio::http::Errc::bad_response);
    CHECK(answers[3].message.find("inflates past 1048576 bytes") != std::string::npos);
    CHECK(answers[4].ok());
    REQUIRE(events.size() == 1);
    CHECK(events[0].id == "7");
    CHECK(events[0].data == page.substr(0, 2000));
    CHECK_THROWS_AS((hio::http::Client{server.rig.network, {.decodings = {{"g zip", hio::http::gzip_decoding().make}}}}),
                    hio::ValidationError);
}

TEST_CASE("StaticFiles behind Gzip: a text file goes gzipped with a weak ETag that still gets 304, a range "
          "goes as it is", "[http][gzip][static][peer]") {
    const std::string root = hio_test::temp_path("gzip_root");
    std::filesystem::create_directories(root);
    { std::ofstream{root + "/notes.txt", std::ios::binary} << page; }
    hio::http::StaticFiles files{{.root = root}};
    hio::http::Gzip gzip;
    const hio::http::Handler handler = hio::http::chain(
        [&files](const hio::http::Request& request, hio::http::Response& response) {
            files.serve(request, response, request.path.substr(1));
        },
        {&gzip});
    std::string out = hio_test::curl(handler, {"--compressed", "-D", "-", "{base}/notes.txt"}, {&files.doer()});
    INFO(out.substr(0, 400));
    CHECK(out.find("\r\nContent-Encoding: gzip\r\n") != std::string::npos);
    CHECK(out.find("Accept-Ranges") == std::string::npos);
    CHECK(out.ends_with("\r\n\r\n" + page));
    const std::size_t at = out.find("\r\nETag: W/\"");
    REQUIRE(at != std::string::npos);
    const std::string etag = out.substr(at + 8, out.find("\r\n", at + 2) - at - 8);
    out = hio_test::curl(handler, {"--compressed", "-D", "-", "-H", "If-None-Match: " + etag, "{base}/notes.txt"},
                         {&files.doer()});
    CHECK(out.rfind("HTTP/1.1 304", 0) == 0);
    CHECK(out.find("\r\nETag: " + etag + "\r\n") != std::string::npos);  // the validator of the gzipped 200
    CHECK(out.find("\r\nVary: Accept-Encoding\r\n") != std::string::npos);
    out = hio_test::curl(handler, {"--compressed", "-D", "-", "-r", "0-9", "{base}/notes.txt"}, {&files.doer()});
    CHECK(out.rfind("HTTP/1.1 206", 0) == 0);
    CHECK(out.find("Content-Encoding") == std::string::npos);
    CHECK(out.ends_with("\r\n\r\n" + page.substr(0, 10)));
    std::filesystem::remove_all(root);
}
