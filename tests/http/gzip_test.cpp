// gzip compression (opt-in hio/http/gzip.hpp, zlib) against curl --compressed, Python's gzip,
// and our own client's decode_body().
#include <string>

#include <hio/http/gzip.hpp>

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
    hio::http::Client client{again.rig.network};
    hio::http::ClientDoer doer{client};
    hio::http::ClientRequest request{.url = "http://127.0.0.1:" + again.port() + "/page"};
    request.headers.set("Accept-Encoding", "gzip");
    client.request(request);
    std::optional<hio::http::ClientResponse> answer;
    REQUIRE(again.rig.run_until({&again.http, &doer}, [&] {
        if (!answer)
            answer = client.responses().pull();
        return answer.has_value();
    }, 10.0));
    REQUIRE(answer->ok());
    CHECK(answer->headers.value("Content-Encoding") == "gzip");
    hio::http::decode_body(*answer);
    CHECK(answer->body == page);
    CHECK_FALSE(answer->headers.has("Content-Encoding"));
}
