#pragma once
/// \file
/// Umbrella of the http component (CMake target hio::http): HTTP/1.1 messages, the server
/// doer, streamed bodies and server-sent events, the router and the client, over any Network;
/// includes core.hpp.
/// HTTPS needs tls.hpp as well (a tls::Network under the same doers).

#include <hio/core.hpp>

#include <hio/http/auth.hpp>
#include <hio/http/client.hpp>
#include <hio/http/error.hpp>
#include <hio/http/message.hpp>
#include <hio/http/middleware.hpp>
#include <hio/http/multipart.hpp>
#include <hio/http/problem.hpp>
#include <hio/http/query.hpp>
#include <hio/http/router.hpp>
#include <hio/http/server.hpp>
#include <hio/http/sse.hpp>
#include <hio/http/static_files.hpp>
#include <hio/http/stream.hpp>
#include <hio/http/url.hpp>
