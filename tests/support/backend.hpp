// Which socket backend the real-socket tests run over: the suites run once over each (ctest's
// "net/" and "net-asio/", "local-io/" and "local-io-asio/" tests), chosen by
// HIO_TEST_BACKEND=epoll (the default) or asio. A test of the epoll sockets alone is tagged
// [epoll]. HIO_TEST_ASIO is defined where the test program links the asio component.
#pragma once

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace hio_test {

enum class Backend { epoll, asio };

/// The backend HIO_TEST_BACKEND names. Throws std::runtime_error for another value, or for
/// asio in a program built without it.
inline Backend backend() {
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

}  // namespace hio_test
