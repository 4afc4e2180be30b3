// Which socket backend the real-socket tests run over: the suites run once over each (ctest's
// "net/" and "net-asio/", "local-io/" and "local-io-asio/" tests), chosen by
// HIO_TEST_BACKEND=epoll (the default) or asio. A test of the epoll sockets alone is tagged
// [epoll]. HIO_TEST_ASIO is defined where the test program links the asio component.
#pragma once

#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>

#if defined(__linux__)
#include <hio/io/reactor.hpp>
#endif
#if defined(HIO_TEST_ASIO)
#include <hio/asio/context.hpp>
#endif

namespace hio_test {

enum class Backend { epoll, asio };

/// The backend HIO_TEST_BACKEND names. Throws std::runtime_error for another value, or for
/// asio in a program built without it. Elsewhere than on Linux, always asio.
inline Backend backend() {
#if !defined(__linux__)
    return Backend::asio;
#endif
    const char* name = std::getenv("HIO_TEST_BACKEND");
    if (name == nullptr || std::string{name}.empty() || std::string{name} == "epoll")
        return Backend::epoll;
    if (std::string{name} == "asio") {
#if defined(HIO_TEST_ASIO)
        return Backend::asio;
#else
        throw std::runtime_error{"HIO_TEST_BACKEND=asio, but this test program was built without the asio component"};
#endif
    }
    throw std::runtime_error{"HIO_TEST_BACKEND must be epoll or asio, got " + std::string{name}};
}

/// What a rig owns, made before the references to it (hence a base of NetRig and
/// DatagramRig): the chosen backend's loop and its `Network` (an `EpollNetwork` over a
/// Reactor, or an `AsioNetwork` over an asio::Context; the latter unused without the asio
/// component). Destroyed in reverse order: the network before its loop.
template <class Network, class EpollNetwork, class AsioNetwork>
struct RigStorage {
#if defined(__linux__)
    std::optional<hio::Reactor> epoll_reactor_;
    std::optional<EpollNetwork> epoll_network_;
#endif
#if defined(HIO_TEST_ASIO)
    std::optional<hio::asio::Context> context_;
    std::optional<AsioNetwork> asio_network_;
#endif

    hio::Waiter& make_waiter(Backend chosen) {
#if defined(HIO_TEST_ASIO)
        if (chosen == Backend::asio)
            return context_.emplace();
#endif
        static_cast<void>(chosen);
#if defined(__linux__)
        return epoll_reactor_.emplace();
#else
        return context_.emplace();  // the only backend here
#endif
    }
    Network& make_network(Backend chosen) {
#if defined(HIO_TEST_ASIO)
        if (chosen == Backend::asio)
            return asio_network_.emplace(*context_);
#endif
        static_cast<void>(chosen);
#if defined(__linux__)
        return epoll_network_.emplace(*epoll_reactor_);
#else
        return asio_network_.emplace(*context_);
#endif
    }
};

}  // namespace hio_test
