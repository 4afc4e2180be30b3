// http/multipart.hpp: multipart/form-data parsed whole or byte by byte, built and parsed back, and
// refused when malformed.
#include <string>

#include <hio/http/multipart.hpp>

#include "catch.hpp"

TEST_CASE("A multipart body parses the same fed whole or a byte at a time, the builder's output parses back",
          "[http][multipart]") {
    hio::http::MultipartBuilder builder{"XyZ"};
    builder.field("title", "a \"quoted\" name").file("upload", "notes.txt", "text/plain", "line 1\r\n--Xy\r\n");  // a delimiter's prefix
    builder.field("empty", "");
    CHECK(builder.content_type() == "multipart/form-data; boundary=XyZ");
    CHECK(hio::http::multipart_boundary("multipart/form-data; charset=utf-8; boundary=\"XyZ\"") == "XyZ");
    CHECK_FALSE(hio::http::multipart_boundary("text/plain; boundary=XyZ"));
    const std::string body = "preamble\r\n" + builder.body() + "epilogue";
    for (const std::size_t step : {body.size(), std::size_t{1}, std::size_t{7}}) {
        std::vector<hio::http::Part> parts;
        hio::http::MultipartParser parser{"XyZ",
                                          {.on_part = [&](const hio::http::PartHeader& h) { parts.push_back({h, {}}); },
                                           .on_data = [&](std::string_view d) { parts.back().body.append(d); },
                                           .on_end = {}}};
        for (std::size_t at = 0; at < body.size(); at += step)
            parser.feed(std::string_view{body}.substr(at, step));
        parser.finish();
        INFO("step " << step);
        REQUIRE(parts.size() == 3);
        CHECK(parts[0].header.name == "title");
        CHECK(parts[0].body == "a \"quoted\" name");
        CHECK(parts[1].header.filename == "notes.txt");
        CHECK(parts[1].header.content_type == "text/plain");
        CHECK(parts[1].body == "line 1\r\n--Xy\r\n");
        CHECK(parts[2].header.name == "empty");
        CHECK(parts[2].body.empty());
    }
    CHECK_THROWS_AS(hio::http::MultipartBuilder{"XyZ"}.field("x", "a\r\n--XyZ b"), hio::ValidationError);
    hio::http::MultipartParser cut{"XyZ", {}};
    cut.feed(builder.body().substr(0, 40));
    CHECK_THROWS_AS(cut.finish(), hio::http::Error);
    hio::http::MultipartParser many{"b", {}, {.max_parts = 1}};
    CHECK_THROWS_AS(many.feed("--b\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--b\r\n"
                              "Content-Disposition: form-data; name=b\r\n\r\ny\r\n--b--\r\n"),
                    hio::http::Error);
    hio::http::MultipartParser headless{"b", {}};
    CHECK_THROWS_AS(headless.feed("--b\r\nX-Other: 1\r\n\r\nx\r\n--b--\r\n"), hio::http::Error);
}
