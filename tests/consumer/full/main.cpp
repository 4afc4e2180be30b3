// A consumer of every hio layer: an HTTP server and client over TCP in one Doist, and a TLS
// context, built against the installed (or built) package.
#include <hio/hio.hpp>

#include <cstdio>

int main() {
    hio::Reactor reactor;
    hio::tcp::Network network{reactor};
    hio::StreamServer tcp{network, {.port = 0}};
    hio::http::ServerDoer server{tcp, [](const hio::http::Request& request, hio::http::Response& response) {
        response.body = "hello " + request.path;
    }};
    hio::http::Client client{network};
    hio::http::ClientDoer client_doer{client};
    hio::tls::Config tls_config{};  // the tls layer links (OpenSSL)
    static_cast<void>(tls_config);

    hio::Doist doist{{.tock = 0.01, .limit = 10.0, .real = true, .waiter = &reactor}};
    class Ask : public hio::Doer {
    public:
        Ask(hio::StreamServer& tcp, hio::http::Client& client) : tcp_{tcp}, client_{client} {}
        std::string body;

    protected:
        bool recur(double) override {
            if (!asked_ && tcp_.port() != 0) {
                client_.get("http://127.0.0.1:" + std::to_string(tcp_.port()) + "/consumer");
                asked_ = true;
            }
            if (auto response = client_.responses().pull()) {
                body = response->body;
                return true;
            }
            return false;
        }

    private:
        hio::StreamServer& tcp_;
        hio::http::Client& client_;
        bool asked_ = false;
    } ask{tcp, client};
    class Stop : public hio::Doer {
    public:
        Stop(hio::Doer& watched, hio::Doist& doist) : watched_{watched}, doist_{doist} {}

    protected:
        bool recur(double) override {
            if (watched_.done())
                doist_.request_stop();
            return watched_.done();
        }

    private:
        hio::Doer& watched_;
        hio::Doist& doist_;
    } stop{ask, doist};
    doist.run({&server, &client_doer, &ask, &stop});
    if (ask.body != "hello /consumer") {
        std::fprintf(stderr, "consumer: expected 'hello /consumer', got '%s'\n", ask.body.c_str());
        return 1;
    }
    std::printf("consumer: ok, hio %s, all layers\n", hio::version_string);
    return 0;
}
