#pragma once
/// \file
/// hio::uxd::Peer (hio 0.7: uxd.Peer): datagrams over a Unix-domain socket at a file system
/// path, with the same bounded queues as udp::Peer; uxd::PeerDoer serves one.

#if defined(_WIN32)
#error "hio/uxd: Unix-domain datagram sockets do not exist on Windows (AF_UNIX there is stream only; docs/platforms.md)"
#endif

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <hio/error.hpp>
#include <hio/io/address.hpp>
#include <hio/io/datagram.hpp>
#include <hio/io/datagram_peer.hpp>

namespace hio::uxd {

/// Settings of a uxd::Peer.
struct PeerOptions {
    /// The socket file's path (at most 107 bytes). Its directory must exist.
    std::string path{};
    /// The socket file's permissions: 0600, only this user may send to it. (hio: umask, which
    /// it sets for the whole process around bind; here the file is made private by a umask and
    /// then given this mode.)
    ::mode_t mode = 0600;
    /// Largest datagram kept whole; a longer one is cut and reported as truncated.
    std::size_t max_datagram = 65535;
    /// Received datagrams held for the program (back pressure when full).
    std::size_t receive_queue = 1024;
    /// Datagrams queued to send (send_to refuses when full).
    std::size_t send_queue = 1024;
    /// Datagrams per system call.
    std::size_t batch = 32;
    /// SO_RCVBUF/SO_SNDBUF to ask for; 0: the kernel's default.
    std::size_t socket_buffer = 0;
};

/// The Unix address of `path`; throws ValidationError naming `component` when it is empty,
/// too long or holds a NUL.
inline SocketAddress path_address(std::string_view path, const char* component) {
    SocketAddress address;
    if (!SocketAddress::unix_path(path, address))
        throw ValidationError{std::string{component} + ": '" + std::string{path} +
                              "' is not a usable socket path (empty, a NUL, or longer than 107 bytes)"};
    return address;
}

/// A Unix-domain datagram peer (hio 0.7: uxd.Peer). open() creates the socket file and
/// close() removes it.
///
/// Safe with what it finds at the path: a socket file nobody is bound to any more (a stale one,
/// left by a crash) and owned by this user is removed and replaced; a live socket is
/// address_in_use; anything else (a regular file, a directory, another user's socket) is
/// refused, never deleted. close() removes the file only if it is still the one it made.
class Peer : public DatagramPeer {
public:
    /// A peer on `network` (not owned; a udp::Network makes Unix sockets too). Throws
    /// ValidationError for bad options or path.
    Peer(DatagramNetwork& network, PeerOptions options)
        : DatagramPeer{network, to_peer_options(options), "uxd::Peer"}, options_{std::move(options)},
          address_{path_address(options_.path, "uxd::Peer")} {
        if ((options_.mode & ~static_cast<::mode_t>(0777)) != 0)
            throw ValidationError{"uxd::Peer: mode must be permission bits (at most 0777)"};
    }

    ~Peer() override { Peer::close(); }

    /// Creates the socket file and binds (hio: reopen). Throws hio::SystemError:
    /// address_in_use (a live socket is there), file_exists (something that is not a socket),
    /// permission_denied (another user's socket, or the directory), no_such_file_or_directory.
    void open() override {
        close();
        clear_stale();
        // Bind under a umask that leaves the new file private, then set the mode asked for:
        // at no moment can another user send to it unless the mode allows.
        const ::mode_t old_mask = ::umask(0177);
        try {
            open_at(address_);
        } catch (...) {
            ::umask(old_mask);
            throw;
        }
        ::umask(old_mask);
        struct ::stat made {};
        if (::lstat(options_.path.c_str(), &made) != 0 || ::chmod(options_.path.c_str(), options_.mode) != 0) {
            const std::error_code code{errno, std::system_category()};
            DatagramPeer::close();
            throw SystemError{code, "uxd::Peer: cannot set the mode of " + options_.path};
        }
        made_ = {made.st_dev, made.st_ino, true};
    }

    /// Closes the socket and removes its file, if it is still the one open() made. Idempotent.
    void close() noexcept override {
        DatagramPeer::close();
        if (!made_.valid)
            return;
        struct ::stat now {};
        if (::lstat(options_.path.c_str(), &now) == 0 && now.st_dev == made_.device && now.st_ino == made_.inode)
            ::unlink(options_.path.c_str());
        made_ = {};
    }

    /// The socket file's path.
    [[nodiscard]] const std::string& path() const noexcept { return options_.path; }

    using DatagramPeer::send_to;
    /// Queues `payload` for the socket at `path` (see DatagramPeer::send_to).
    std::error_code send_to(std::string_view payload, std::string_view path) {
        return send_to(payload, path_address(path, "uxd::Peer::send_to"));
    }

private:
    struct Made {
        ::dev_t device = 0;
        ::ino_t inode = 0;
        bool valid = false;
    };

    static DatagramPeerOptions to_peer_options(const PeerOptions& o) {
        return {.receive_queue = o.receive_queue,
                .send_queue = o.send_queue,
                .socket = {.broadcast = false, .socket_buffer = o.socket_buffer, .batch = o.batch,
                           .max_datagram = o.max_datagram}};
    }

    // Removes a stale socket file of ours at the path; throws for anything else found there.
    void clear_stale() const {
        const std::string& path = options_.path;
        struct ::stat found {};
        if (::lstat(path.c_str(), &found) != 0) {
            if (errno == ENOENT)
                return;
            throw SystemError{{errno, std::system_category()}, "uxd::Peer: cannot inspect " + path};
        }
        if (!S_ISSOCK(found.st_mode))
            throw SystemError{std::make_error_code(std::errc::file_exists),
                              "uxd::Peer: " + path + " exists and is not a socket; not removed"};
        if (found.st_uid != ::geteuid())
            throw SystemError{std::make_error_code(std::errc::permission_denied),
                              "uxd::Peer: " + path + " is another user's socket; not removed"};
        // Live or stale? A connect to a datagram socket nobody holds is refused.
        const int probe = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (probe < 0)
            throw SystemError{{errno, std::system_category()}, "uxd::Peer: socket"};
        const int rc = ::connect(probe, address_.get(), address_.length);
        const int error = rc == 0 ? 0 : errno;
        ::close(probe);
        if (rc == 0)
            throw SystemError{std::make_error_code(std::errc::address_in_use),
                              "uxd::Peer: " + path + " is in use by a live socket"};
        if (error != ECONNREFUSED)
            throw SystemError{{error, std::system_category()}, "uxd::Peer: cannot probe " + path};
        if (::unlink(path.c_str()) != 0 && errno != ENOENT)
            throw SystemError{{errno, std::system_category()}, "uxd::Peer: cannot remove the stale " + path};
    }

    PeerOptions options_;
    SocketAddress address_;
    Made made_{};
};

/// Serves a uxd::Peer (hio: uxd.PeerDoer): opens it at enter, closes (and removes its file)
/// at exit. Override serve().
class PeerDoer : public DatagramPeerDoer {
public:
    using DatagramPeerDoer::DatagramPeerDoer;
};

/// Echoes every datagram to its sender (which must have bound a path of its own).
class EchoPeerDoer : public EchoDatagramDoer {
public:
    using EchoDatagramDoer::EchoDatagramDoer;
};

}  // namespace hio::uxd
