#pragma once
/// \file
/// Windows' socket and I/O error codes as std::error_code: a category whose messages are
/// Windows' own (FormatMessage) and whose codes compare equal to the portable std::errc
/// conditions (`code == std::errc::address_in_use` holds for WSAEADDRINUSE) and whose texts
/// are Linux's for those, which libstdc++'s system_category does not give for MinGW (its
/// messages say "Unknown error code"); Windows' own words (FormatMessage) for the rest.
/// Internal: may change any day.

#if defined(_WIN32)

#include <string>
#include <system_error>

#include <hio/detail/platform.hpp>

namespace hio::asio::detail {

// The codes hio reports, with the std::errc condition each equals and the words Linux uses
// for it, so a log reads the same on both (Wine has no message text for some Winsock codes).
struct WindowsCode {
    int code;
    std::errc condition;
    const char* text;
};
inline constexpr WindowsCode windows_codes[] = {
    {WSAEADDRINUSE, std::errc::address_in_use, "Address already in use"},
    {WSAEADDRNOTAVAIL, std::errc::address_not_available, "Cannot assign requested address"},
    {WSAEACCES, std::errc::permission_denied, "Permission denied"},
    {ERROR_ACCESS_DENIED, std::errc::permission_denied, "Permission denied"},
    {WSAECONNREFUSED, std::errc::connection_refused, "Connection refused"},
    {ERROR_CONNECTION_REFUSED, std::errc::connection_refused, "Connection refused"},
    {WSAECONNRESET, std::errc::connection_reset, "Connection reset by peer"},
    {ERROR_NETNAME_DELETED, std::errc::connection_reset, "Connection reset by peer"},  // as IOCP reports one
    {WSAECONNABORTED, std::errc::connection_aborted, "Software caused connection abort"},
    {ERROR_CONNECTION_ABORTED, std::errc::connection_aborted, "Software caused connection abort"},
    {WSAETIMEDOUT, std::errc::timed_out, "Connection timed out"},
    {ERROR_SEM_TIMEOUT, std::errc::timed_out, "Connection timed out"},
    {WSAENETUNREACH, std::errc::network_unreachable, "Network is unreachable"},
    {ERROR_NETWORK_UNREACHABLE, std::errc::network_unreachable, "Network is unreachable"},
    {WSAEHOSTUNREACH, std::errc::host_unreachable, "No route to host"},
    {ERROR_HOST_UNREACHABLE, std::errc::host_unreachable, "No route to host"},
    {WSAENETDOWN, std::errc::network_down, "Network is down"},
    {WSAENOTCONN, std::errc::not_connected, "Transport endpoint is not connected"},
    {WSAESHUTDOWN, std::errc::broken_pipe, "Broken pipe"},
    {WSAEWOULDBLOCK, std::errc::operation_would_block, "Resource temporarily unavailable"},
    {WSAEINPROGRESS, std::errc::operation_in_progress, "Operation now in progress"},
    {WSAEMSGSIZE, std::errc::message_size, "Message too long"},
    {WSAENOBUFS, std::errc::no_buffer_space, "No buffer space available"},
    {WSAEMFILE, std::errc::too_many_files_open, "Too many open files"},
    {WSAEINVAL, std::errc::invalid_argument, "Invalid argument"},
    {WSAEAFNOSUPPORT, std::errc::address_family_not_supported, "Address family not supported by protocol"},
    {ERROR_OPERATION_ABORTED, std::errc::operation_canceled, "Operation canceled"},
};

class WindowsCategory final : public std::error_category {
public:
    [[nodiscard]] const char* name() const noexcept override { return "windows"; }

    [[nodiscard]] std::string message(int code) const override {
        for (const WindowsCode& known : windows_codes)
            if (known.code == code)
                return known.text;
        char* text = nullptr;
        const DWORD length = ::FormatMessageA(
            FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, nullptr,
            static_cast<DWORD>(code), MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT), reinterpret_cast<LPSTR>(&text), 0, nullptr);
        std::string out = length != 0 && text != nullptr ? std::string{text, length} : "Windows error " + std::to_string(code);
        if (text != nullptr)
            ::LocalFree(text);
        while (!out.empty() && (out.back() == '\n' || out.back() == '\r' || out.back() == ' ' || out.back() == '.'))
            out.pop_back();
        return out;
    }

    [[nodiscard]] std::error_condition default_error_condition(int code) const noexcept override {
        for (const WindowsCode& known : windows_codes)
            if (known.code == code)
                return known.condition;
        return {code, *this};
    }
};

/// The category of Windows' error codes (GetLastError, WSAGetLastError).
inline const std::error_category& windows_category() noexcept {
    static const WindowsCategory category;
    return category;
}

}  // namespace hio::asio::detail

#endif
