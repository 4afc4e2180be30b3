// A consumer of hio's http and sim components: an HTTP server and client on two simulated
// hosts, one request, in virtual time.
#include <hio/http.hpp>
#include <hio/sim.hpp>

#include <cstdio>
#include <optional>

int main() {
    hio::sim::World world{{.seed = 3}};
    hio::sim::Host& server_host = world.host("server");
    hio::sim::Host& client_host = world.host("client");
    hio::StreamServer listener{server_host.network(), {.port = 80}};
    hio::http::ServerDoer http{listener, [](const hio::http::Request& request, hio::http::Response& response) {
        response.body = "hello " + request.path;
    }};
    server_host.add({&http});
    hio::http::Client client{client_host.network()};
    hio::http::ClientDoer fetcher{client};
    client_host.add({&fetcher});
    client.get("http://server/sim");
    std::optional<hio::http::ClientResponse> answer;
    world.stop_when([&] {
        if (auto response = client.responses().pull())
            answer = std::move(*response);
        return answer.has_value();
    });
    hio::Doist doist{{.tock = 0.001, .limit = 5.0, .waiter = &world}, world.doers()};
    doist.run();
    if (!answer || answer->status != 200 || answer->body != "hello /sim") {
        std::fprintf(stderr, "consumer: expected 200 'hello /sim', got %d '%s'\n", answer ? answer->status : 0,
                     answer ? answer->body.c_str() : "");
        return 1;
    }
    std::printf("consumer: ok, %s over the simulation at tyme %g\n", answer->body.c_str(), doist.tyme());
    return 0;
}
