#pragma once
/// \file
/// The client's per-connection state: a job (one request, across redirects and resumes), the
/// exchange on the wire (its bytes out, its response in), and the lane that joins a
/// connection to the job running on it. Internal: used by hio::http::Client.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <hio/doer.hpp>
#include <hio/http/detail/event_reader.hpp>
#include <hio/http/detail/response_parser.hpp>
#include <hio/http/detail/wire.hpp>
#include <hio/http/message.hpp>
#include <hio/http/stream.hpp>
#include <hio/http/url.hpp>
#include <hio/io/stream_client.hpp>
#include <hio/io/transport.hpp>

namespace hio::http::detail {

/// One request, from the queue to its response; it survives redirects and stream resumes.
struct ClientJob {
    std::uint64_t id = 0;
    ClientRequest request;
    Url url;
    int redirects = 0;
    double started = 0.0;
    double not_before = 0.0;  // a resumed stream waits for its retry delay
    bool retried = false;     // sent again once after a kept-alive connection turned out closed
    std::optional<ClientResponse> stream_head;  // a resumed stream's last status and headers
    std::optional<std::uint64_t> stream_retry;  // the server's retry field, kept across resumes
};

/// What an exchange needs of the client's settings to write its request and read the answer.
struct ExchangeSettings {
    std::string_view user_agent;       // "" : none
    std::string_view accept_encoding;  // the codings the client decodes; "": none
    std::size_t max_header_bytes;
    std::size_t max_body_bytes;
};

/// One request on the wire and its response so far: made when the request starts to be sent,
/// gone when the response is complete (or the connection is dropped).
struct ClientExchange {
    std::string out;         // the request's bytes
    std::size_t out_at = 0;  // how many went into tx
    EventReader events;      // for an event-stream response
    std::optional<ResponseParser::Outcome> ended;  // the end of a stream, once its events are taken
    std::unique_ptr<BodyDecoder> decoder;          // the response's content coding, once its headers came
    bool coding_known = false;                     // decoder was looked for
    double heard_at = -1.0;  // tyme bytes last arrived (or the request was sent)
    bool answered = false;   // some byte of a response (even an interim one) arrived
    bool close = false;      // this request asked to close the connection after it

    [[nodiscard]] bool sent_whole() const noexcept { return out_at == out.size(); }
};

/// A connection (a StreamClient to one origin) and the request running on it.
struct ClientLane {
    std::unique_ptr<StreamClient> link;  // the connection, while there is one
    std::string origin;
    std::unique_ptr<ResponseParser> parser;  // kept while the connection lives
    std::optional<ClientJob> job;
    std::optional<ClientExchange> exchange;
    std::uint64_t received = 0;  // the connection's bytes_received() when last looked at
    bool reused = false;         // the connection served an earlier request

    /// True while the job is an event stream (open, or waiting to be resumed).
    [[nodiscard]] bool streaming() const noexcept {
        return job && ((parser && exchange && parser->event_stream()) || job->stream_head.has_value());
    }
    /// True while an event-stream response is being read.
    [[nodiscard]] bool event_stream() const noexcept { return parser && exchange && parser->event_stream(); }

    /// Closes the connection; the job (if any) stays.
    void drop() noexcept {
        if (link)
            link->close();
        link.reset();
        parser.reset();
        exchange.reset();
        origin.clear();
    }

    /// Connects to `url`'s origin over `network` (closing what it had): attempts end after
    /// `timeout` tyme; `waker` wakes the client's doer on readiness.
    void open(hio::Network& network, const Url& url, double tyme, double timeout, std::size_t buffer_size,
              const Waker& waker) {
        drop();
        link = std::make_unique<StreamClient>(network, StreamClientOptions{.host = url.host, .port = url.port,
                                                                           .timeout = timeout, .reconnect = false,
                                                                           .buffer_size = buffer_size});
        link->owner(waker);
        link->connect(tyme);
        origin = url.origin();
        reused = false;
        received = 0;
    }

    /// Starts the job's request on the connection: its bytes, and a parser ready for its
    /// response.
    void begin(double tyme, const ExchangeSettings& settings) {
        const ClientRequest& request = job->request;
        ClientExchange& started = exchange.emplace();
        const bool expects_body =
            !request.body.empty() || request.method == "POST" || request.method == "PUT" || request.method == "PATCH";
        started.close = has_token(request.headers.value("Connection"), "close");
        write_request_head(
            started.out, request.headers,
            {.method = request.method,
             .target = job->url.target,
             .host = job->url.authority(),
             .user_agent = settings.user_agent,
             .accept_encoding = settings.accept_encoding,
             .content_length = expects_body ? std::optional<std::size_t>{request.body.size()} : std::nullopt});
        started.out += request.body;
        if (!parser)
            parser = std::make_unique<ResponseParser>(ResponseParser::Limits{.max_header_bytes = settings.max_header_bytes,
                                                                             .max_body_bytes = settings.max_body_bytes});
        parser->expect(request.method == "HEAD");
        started.events = EventReader{request.headers.value("Last-Event-ID")};
        started.heard_at = tyme;
    }

    /// The decoder for the response's content coding when it is one of `decodings` (made once
    /// its headers are in), or null. Throws what a decoding's maker throws.
    BodyDecoder* decoder(const std::vector<ContentDecoding>& decodings) {
        ClientExchange& current = *exchange;
        if (!current.coding_known && parser->headers_complete()) {
            current.coding_known = true;
            std::string coding{trim_blanks(parser->headers().value("Content-Encoding"))};
            if (coding.size() > 2 && iequals(std::string_view{coding}.substr(0, 2), "x-"))
                coding.erase(0, 2);  // x-gzip is gzip (RFC 9110 8.4.1.3)
            for (const ContentDecoding& decoding : decodings)
                if (!coding.empty() && iequals(coding, decoding.coding))
                    current.decoder = decoding.make();
        }
        return current.decoder.get();
    }
};

}  // namespace hio::http::detail
