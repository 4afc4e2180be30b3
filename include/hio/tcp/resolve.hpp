#pragma once
/// \file
/// What a name resolves to, and the function that resolves it: the resolver tcp::Network runs
/// off the Doist's thread, replaceable (tcp::NetworkOptions::resolve) for tests and for
/// programs with a resolver of their own.

#include <cstdint>
#include <functional>
#include <string>
#include <system_error>
#include <vector>

namespace hio::tcp {

/// A numeric address a name resolved to ("127.0.0.1", "::1") and its port.
struct Endpoint {
    std::string address;    ///< numeric IPv4 or IPv6 address, without brackets
    std::uint16_t port = 0; ///< the port to connect to
};

/// Resolves `host` for `port` into numeric addresses, in preference order, appending them to
/// `out`; returns the failure (unknown host, ...) or an empty code. tcp::Network runs it on a
/// thread of its own, never the Doist's, so it may block.
using Resolve = std::function<std::error_code(const std::string& host, std::uint16_t port, std::vector<Endpoint>& out)>;

}  // namespace hio::tcp
