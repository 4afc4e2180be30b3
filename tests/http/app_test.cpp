// What an application gets from the server, driven by curl and Python: query parameters,
// form bodies, http::Error answers (problem+json or text), JSON bodies (nlohmann/json).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <hio/http/json.hpp>

#include "catch.hpp"
#include "support/http.hpp"

using hio_test::HttpRig;

namespace {

void forms_app(const hio::http::Request& request, hio::http::Response& response) {
    if (request.path == "/search") {
        const hio::http::QueryParams q = request.query();
        response.body = "q=" + q.value("q") + " tags=" + std::to_string(q.get_all("tag").size()) + "\n";
    } else if (request.path == "/form") {
        const hio::http::QueryParams form = request.form();
        response.body = "hello " + form.value("name") + "\n";
    } else if (request.path == "/items") {
        const nlohmann::json item = hio::http::json(request);
        if (!item.contains("name"))
            throw hio::http::Error{422, "Invalid item", "an item needs a name", 7};
        hio::http::set_json(response, {{"id", 1}, {"name", item["name"]}}, 201);
    } else if (request.path == "/private") {
        const auto credentials = hio::http::basic_credentials(request);
        if (!credentials || credentials->second != "secret")
            throw hio::http::Error{401, "Unauthorized", "", {}, {{"WWW-Authenticate", "Basic realm=\"app\""}}};
        response.body = "welcome " + credentials->first + "\n";
    } else if (request.path == "/upload") {
        for (const hio::http::Part& part : hio::http::parse_multipart(request))
            response.body += part.header.name + "=" + (part.header.filename.empty() ? "" : part.header.filename + ":") +
                             std::to_string(part.body.size()) + "\n";
    } else if (request.path == "/boom") {
        throw std::runtime_error{"secret internal state"};
    } else {
        throw hio::http::Error{404, "No such page", request.path + " is not here"};
    }
}

}  // namespace

TEST_CASE("curl: query parameters and a form body arrive decoded", "[http][app][peer]") {
    using hio_test::curl;
    CHECK(curl(forms_app, {"{base}/search?q=caf%C3%A9+au+lait&tag=a&tag=b"}) == "q=café au lait tags=2\n");
    CHECK(curl(forms_app, {"--data-urlencode", "name=Ada & Co", "{base}/form"}) == "hello Ada & Co\n");
    std::string out = curl(forms_app, {"-i", "{base}/search?q=%zz"});
    CHECK(out.rfind("HTTP/1.1 400 Bad Request\r\n", 0) == 0);
    CHECK(out.find("malformed percent-encoding in the query") != std::string::npos);
    out = curl(forms_app, {"-i", "--data", "x", "-H", "Content-Type: text/plain", "{base}/form"});
    CHECK(out.rfind("HTTP/1.1 415 Unsupported Media Type\r\n", 0) == 0);
}

TEST_CASE("curl: an http::Error is problem+json for a JSON client, text for others, other exceptions say nothing",
          "[http][app][peer]") {
    using hio_test::curl;
    std::string out = curl(forms_app, {"-i", "-H", "Accept: application/problem+json", "{base}/nowhere"});
    INFO(out);
    CHECK(out.rfind("HTTP/1.1 404 Not Found\r\n", 0) == 0);
    CHECK(out.find("\r\nContent-Type: application/problem+json\r\n") != std::string::npos);
    CHECK(out.find("{\"type\": \"about:blank\", \"title\": \"No such page\", \"status\": 404, "
                   "\"detail\": \"/nowhere is not here\"}") != std::string::npos);
    CHECK(curl(forms_app, {"{base}/nowhere"}) == "404 Not Found\nNo such page\n/nowhere is not here\n");
    CHECK(curl(forms_app, {"-u", "ada:secret", "{base}/private"}) == "welcome ada\n");
    out = curl(forms_app, {"-i", "-u", "ada:wrong", "{base}/private"});
    CHECK(out.rfind("HTTP/1.1 401 Unauthorized\r\n", 0) == 0);
    CHECK(out.find("\r\nWWW-Authenticate: Basic realm=\"app\"\r\n") != std::string::npos);
    out = curl(forms_app, {"-i", "{base}/boom"});
    CHECK(out.rfind("HTTP/1.1 500 Internal Server Error\r\n", 0) == 0);
    CHECK(out.find("secret") == std::string::npos);
}

TEST_CASE("curl -F uploads fields and a file as multipart/form-data, our client's builder does too",
          "[http][app][multipart][peer]") {
    const std::string file = hio_test::temp_path("upload.bin");
    {
        std::ofstream{file, std::ios::binary} << std::string(100000, 'u');
    }
    CHECK(hio_test::curl(forms_app, {"-F", "title=holiday", "-F", "photo=@" + file + ";type=image/jpeg", "{base}/upload"}) ==
          "title=7\nphoto=" + std::filesystem::path{file}.filename().string() + ":100000\n");
    std::remove(file.c_str());
    const std::string out = hio_test::curl(forms_app, {"-i", "-H", "Content-Type: multipart/form-data; boundary=b",
                                                 "--data-binary", "--b\r\nno end", "{base}/upload"});
    CHECK(out.rfind("HTTP/1.1 400 Bad Request\r\n", 0) == 0);

    HttpRig server{forms_app};
    hio::http::MultipartBuilder form;
    form.field("a", "1").file("f", "x.txt", "text/plain", "hello");
    hio::http::ClientRequest request{.method = "POST", .url = "{base}/upload", .body = form.body()};
    request.headers.set("Content-Type", form.content_type());
    const auto answer = server.fetch(request);
    REQUIRE(answer.has_value());
    CHECK(answer->body == "a=1\nf=x.txt:5\n");
}

TEST_CASE("curl: CORS answers preflights from allowed origins and marks their answers, others get nothing",
          "[http][app][cors][peer]") {
    hio::http::Cors cors{{.origins = {"https://app.example"}, .expose = "X-Total"}};
    struct Timing final : hio::http::Middleware {  // an after() hook of the application's own
        void after(const hio::http::Request&, hio::http::Response& response) override {
            response.headers.set("X-Total", "1");
        }
    } timing;
    const hio::http::Handler handler = hio::http::chain(forms_app, {&cors, &timing});
    using hio_test::curl;
    std::string out = curl(handler, {"-i", "-X", "OPTIONS", "-H", "Origin: https://app.example", "-H",
                                     "Access-Control-Request-Method: POST", "{base}/items"});
    INFO(out);
    CHECK(out.rfind("HTTP/1.1 204 No Content\r\n", 0) == 0);
    CHECK(out.find("\r\nAccess-Control-Allow-Origin: https://app.example\r\n") != std::string::npos);
    CHECK(out.find("\r\nAccess-Control-Allow-Methods: GET, HEAD, POST, PUT, PATCH, DELETE\r\n") != std::string::npos);
    CHECK(out.find("\r\nAccess-Control-Max-Age: 600\r\n") != std::string::npos);
    out = curl(handler, {"-i", "-H", "Origin: https://app.example", "{base}/search?q=x"});
    CHECK(out.find("\r\nAccess-Control-Allow-Origin: https://app.example\r\n") != std::string::npos);
    CHECK(out.find("\r\nVary: Origin\r\n") != std::string::npos);
    CHECK(out.find("\r\nAccess-Control-Expose-Headers: X-Total\r\n") != std::string::npos);
    CHECK(out.find("\r\nX-Total: 1\r\n") != std::string::npos);
    out = curl(handler, {"-i", "-X", "OPTIONS", "-H", "Origin: https://evil.example", "-H",
                         "Access-Control-Request-Method: POST", "{base}/items"});
    CHECK(out.rfind("HTTP/1.1 403 Forbidden\r\n", 0) == 0);
    CHECK(out.find("Access-Control-Allow-Origin") == std::string::npos);
    out = curl(handler, {"-i", "-H", "Origin: https://evil.example", "{base}/search?q=x"});
    CHECK(out.find("Access-Control-Allow-Origin") == std::string::npos);
    CHECK_THROWS_AS(hio::http::Cors({.origins = {"*"}, .credentials = true}), hio::ValidationError);
}

TEST_CASE("Python's http.client and json: a JSON body in, a JSON answer out, malformed JSON a 400 that says where",
          "[http][app][peer][json]") {
    HttpRig server{forms_app};
    std::string out;
    const int code = server.python(
        "import json\n"
        "c = http.client.HTTPConnection('127.0.0.1', PORT, timeout=5)\n"
        "c.request('POST', '/items', body=json.dumps({'name': 'lamp'}), headers={'Content-Type': 'application/json'})\n"
        "r = c.getresponse(); body = json.loads(r.read())\n"
        "assert r.status == 201 and r.getheader('Content-Type') == 'application/json', r.status\n"
        "assert body == {'id': 1, 'name': 'lamp'}, body\n"
        "c.request('POST', '/items', body='{\"name\": ', headers={'Content-Type': 'application/json', "
        "'Accept': 'application/json'})\n"
        "r = c.getresponse(); problem = json.loads(r.read())\n"
        "assert r.status == 400 and problem['title'] == 'Malformed JSON', problem\n"
        "assert 'parse error' in problem['detail'], problem\n"
        "c.request('POST', '/items', body='{}', headers={'Content-Type': 'application/json', 'Accept': 'application/json'})\n"
        "r = c.getresponse(); problem = json.loads(r.read())\n"
        "assert r.status == 422 and problem['fault'] == 7 and problem['detail'] == 'an item needs a name', problem\n"
        "print('ok')\n",
        out);
    INFO(out);
    CHECK(code == 0);
    CHECK(out == "ok\n");
}

TEST_CASE("Our client sends a JSON request and reads the JSON answer", "[http][app][json]") {
    HttpRig server{forms_app};
    const std::string url = hio::http::with_query("http://127.0.0.1:" + server.port() + "/items", {{"dry", "no"}});
    auto answer = server.fetch(hio::http::json_request("POST", url, {{"name", "desk"}}));
    REQUIRE(answer.has_value());
    REQUIRE(answer->ok());
    CHECK(answer->status == 201);
    CHECK(hio::http::json(*answer) == nlohmann::json{{"id", 1}, {"name", "desk"}});
    answer->body = "{oops";
    CHECK_THROWS_AS(hio::http::json(*answer), hio::ValidationError);
}
