#pragma once
/// \file
/// TLS configuration (one value type for clients, servers and HTTP) and the OpenSSL context
/// built from it (hio: the SSL context arguments of ClientTls / ServerTls).

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <hio/error.hpp>

namespace hio::tls {

/// Who a Context is for.
enum class Role { client, server };

/// The lowest TLS protocol version a Context accepts. TLS 1.0 and 1.1 are not offered at all.
enum class Version {
    tls1_2,  ///< TLS 1.2 and 1.3 (the default)
    tls1_3,  ///< TLS 1.3 only
};

/// How a TLS endpoint identifies itself and checks its peer. Secure by default: peers are
/// verified, a client checks the server's host name, TLS 1.2 is the minimum.
///
/// A client needs only `ca_file` (or the system store); a server needs `certificate_file` and
/// `key_file`. Mutual TLS: the server sets `require_client_certificate` and `ca_file`, the
/// client sets its own `certificate_file` and `key_file`.
struct Config {
    /// PEM certificate chain: this endpoint's certificate first, then intermediates. A server
    /// sends it as given (it does not complete the chain from the CA store per handshake).
    std::string certificate_file{};
    /// PEM private key for the certificate, and its password if encrypted.
    std::string key_file{};
    /// The private key's password when it is encrypted; empty: none.
    std::string key_password{};
    /// Trusted CA certificates (PEM file and/or hashed directory); both empty: the system
    /// store (/etc/ssl/certs).
    std::string ca_file{};
    /// Trusted CA certificates in a hashed directory (c_rehash); see ca_file.
    std::string ca_directory{};
    /// Client: verify the server's certificate chain; without it a client talks to anyone.
    /// (A server verifies client certificates when require_client_certificate is set.)
    bool verify_peer = true;
    /// Client: the name sent as SNI and checked against the server's certificate; empty: the
    /// host given to connect(). An IP address is checked against IP SANs.
    std::string server_name{};
    /// Client: check the certificate's names against server_name (hio users lost this check
    /// silently; here turning it off is explicit).
    bool verify_host_name = true;
    /// Server: ask for a client certificate, and refuse clients without a valid one.
    bool require_client_certificate = false;
    /// Lowest protocol version accepted.
    Version min_version = Version::tls1_2;
    /// ALPN protocols in preference order, e.g. {"h2", "http/1.1"}; empty: no ALPN.
    std::vector<std::string> alpn{};
    /// The TLS 1.2 cipher suites, in OpenSSL's cipher-list syntax; empty: forward-secret AEAD
    /// suites only (default_tls12_ciphers: ECDHE/DHE with AES-GCM or ChaCha20-Poly1305, no CBC,
    /// so no Lucky13). Widen it only for peers that cannot do better, e.g. "DEFAULT". TLS 1.3
    /// suites are all AEAD and are OpenSSL's defaults.
    std::string tls12_ciphers{};
    /// Server: hand out session tickets so that clients can resume (OpenSSL's default). A
    /// ticket carries the wall-clock time of its issue, so a simulation that must replay the
    /// bytes on the wire turns them off (see tls::SeededRandom).
    bool session_tickets = true;
};

/// The TLS 1.2 suites offered by default: forward secrecy and authenticated encryption only
/// (Mozilla's "intermediate" list).
inline constexpr const char* default_tls12_ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";

/// The OpenSSL error queue as text, emptied: "reason; reason" (for error messages).
inline std::string drain_openssl_errors() {
    std::string text;
    while (const unsigned long code = ERR_get_error()) {
        char buffer[256];
        ERR_error_string_n(code, buffer, sizeof buffer);
        const char* reason = ERR_reason_error_string(code);
        if (!text.empty())
            text += "; ";
        text += reason != nullptr ? reason : buffer;
    }
    return text.empty() ? std::string{"unknown OpenSSL error"} : text;
}

/// std::error_code category for OpenSSL errors: the value is an OpenSSL packed error code
/// (ERR_get_error) or an X509 verification result, the message its reason string.
class ErrorCategory final : public std::error_category {
public:
    /// "openssl".
    [[nodiscard]] const char* name() const noexcept override { return "openssl"; }
    /// OpenSSL's reason string, or the X509 verification result in words.
    [[nodiscard]] std::string message(int value) const override {
        if (value < 0) {  // a certificate verification result, stored negated
            return std::string{"certificate verify failed: "} +
                   X509_verify_cert_error_string(static_cast<long>(-value));
        }
        const char* reason = ERR_reason_error_string(static_cast<unsigned long>(value));
        return reason != nullptr ? reason : "OpenSSL error " + std::to_string(value);
    }
};

/// The one instance of ErrorCategory.
inline const std::error_category& error_category() noexcept {
    static const ErrorCategory category;
    return category;
}

/// The error_code for a failed certificate verification result (X509_V_ERR_*).
inline std::error_code verify_error(long result) noexcept {
    return {static_cast<int>(-result), error_category()};
}

/// An OpenSSL SSL_CTX built from a Config, shared by the connections made with it.
///
/// Each connection keeps the SSL_CTX it started with, so `reload()` (new certificate files,
/// e.g. on SIGHUP) affects only connections made afterwards.
class Context {
public:
    /// Builds the context. Throws hio::Error naming the file and OpenSSL's reason when a
    /// certificate, key or CA cannot be loaded, or the key does not match the certificate.
    Context(Role role, Config config) : role_{role}, config_{std::move(config)}, ctx_{build()} {}

    Context(const Context&) = delete;  // OpenSSL callbacks hold its address
    Context& operator=(const Context&) = delete;

    /// Loads the configured files again (or those of `config`) for new connections. On error
    /// throws hio::Error and keeps the old context.
    void reload() { ctx_ = build(); }
    /// Replaces the configuration and builds from it; on error throws hio::Error and keeps
    /// both the old configuration and the old context.
    void reload(Config config) {
        Config old = std::exchange(config_, std::move(config));
        try {
            ctx_ = build();
        } catch (...) {
            config_ = std::move(old);
            throw;
        }
    }

    /// Whom the context is for.
    [[nodiscard]] Role role() const noexcept { return role_; }
    /// The configuration in use.
    [[nodiscard]] const Config& config() const noexcept { return config_; }

    /// The current SSL_CTX; a connection holds on to the one it started with.
    [[nodiscard]] std::shared_ptr<SSL_CTX> native() const noexcept { return ctx_; }

private:
    [[noreturn]] static void fail(const std::string& what) {
        throw Error{"tls::Context: " + what + ": " + drain_openssl_errors()};
    }

    std::shared_ptr<SSL_CTX> build() {
        ERR_clear_error();
        std::shared_ptr<SSL_CTX> ctx{SSL_CTX_new(role_ == Role::server ? TLS_server_method() : TLS_client_method()),
                                     &SSL_CTX_free};
        if (!ctx)
            fail("cannot create SSL_CTX");
        SSL_CTX* raw = ctx.get();
        if (config_.min_version != Version::tls1_2 && config_.min_version != Version::tls1_3)
            throw ValidationError{"tls::Context: min_version must be Version::tls1_2 or Version::tls1_3, got " +
                                  std::to_string(static_cast<int>(config_.min_version))};
        SSL_CTX_set_min_proto_version(raw, config_.min_version == Version::tls1_3 ? TLS1_3_VERSION : TLS1_2_VERSION);
        const std::string& ciphers = config_.tls12_ciphers.empty() ? std::string{default_tls12_ciphers}
                                                                   : config_.tls12_ciphers;
        if (SSL_CTX_set_cipher_list(raw, ciphers.c_str()) != 1)
            throw ValidationError{"tls::Context: tls12_ciphers selects no cipher suite: '" + ciphers + "' (" +
                                  drain_openssl_errors() + ")"};
        // No compression (CRIME), no renegotiation asked by a peer (a cheap way to make a
        // server work); DHE groups chosen by OpenSSL to match the key size.
        SSL_CTX_set_options(raw, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
        if (!config_.session_tickets) {
            SSL_CTX_set_options(raw, SSL_OP_NO_TICKET);
            SSL_CTX_set_num_tickets(raw, 0);
        }
        SSL_CTX_ctrl(raw, SSL_CTRL_SET_DH_AUTO, 1, nullptr);  // SSL_CTX_set_dh_auto, a macro with a C cast
        long mode_bits = SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                         SSL_MODE_RELEASE_BUFFERS;  // idle connections free record buffers
        if (role_ == Role::server) {
            // The server sends certificate_file's chain as given. Without this OpenSSL tries to
            // complete the chain from the CA store on every handshake (with the system store:
            // a scan of /etc/ssl/certs per connection).
            mode_bits |= SSL_MODE_NO_AUTO_CHAIN;
        }
        SSL_CTX_set_mode(raw, mode_bits);
        if (!config_.key_password.empty()) {
            SSL_CTX_set_default_passwd_cb_userdata(raw, config_.key_password.data());
        }
        if (!config_.certificate_file.empty() &&
            SSL_CTX_use_certificate_chain_file(raw, config_.certificate_file.c_str()) != 1)
            fail("cannot load certificate chain " + config_.certificate_file);
        if (!config_.key_file.empty() &&
            SSL_CTX_use_PrivateKey_file(raw, config_.key_file.c_str(), SSL_FILETYPE_PEM) != 1)
            fail("cannot load private key " + config_.key_file);
        if (!config_.certificate_file.empty() && !config_.key_file.empty() && SSL_CTX_check_private_key(raw) != 1)
            fail("private key " + config_.key_file + " does not match certificate " + config_.certificate_file);
        if (role_ == Role::server && (config_.certificate_file.empty() || config_.key_file.empty()))
            throw ValidationError{"tls::Context: a server needs certificate_file and key_file"};
        if (!config_.ca_file.empty() || !config_.ca_directory.empty()) {
            if (SSL_CTX_load_verify_locations(raw, config_.ca_file.empty() ? nullptr : config_.ca_file.c_str(),
                                              config_.ca_directory.empty() ? nullptr : config_.ca_directory.c_str()) != 1)
                fail("cannot load CA " + (config_.ca_file.empty() ? config_.ca_directory : config_.ca_file));
        } else if (verifies_peer() && SSL_CTX_set_default_verify_paths(raw) != 1) {
            fail("cannot load the system CA store");
        }
        int mode = SSL_VERIFY_NONE;
        if (role_ == Role::client && config_.verify_peer)
            mode = SSL_VERIFY_PEER;
        if (role_ == Role::server && config_.require_client_certificate)
            mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
        SSL_CTX_set_verify(raw, mode, nullptr);
        if (!config_.alpn.empty()) {
            alpn_wire_.clear();
            for (const std::string& protocol : config_.alpn) {
                if (protocol.empty() || protocol.size() > 255)
                    throw ValidationError{"tls::Context: ALPN names must be 1 to 255 bytes, got '" + protocol + "'"};
                alpn_wire_.push_back(static_cast<unsigned char>(protocol.size()));
                alpn_wire_.insert(alpn_wire_.end(), protocol.begin(), protocol.end());
            }
            if (role_ == Role::client) {
                if (SSL_CTX_set_alpn_protos(raw, alpn_wire_.data(), static_cast<unsigned>(alpn_wire_.size())) != 0)
                    fail("cannot set ALPN");
            } else {
                SSL_CTX_set_alpn_select_cb(raw, &Context::select_alpn, this);
            }
        }
        return ctx;
    }

    // A client verifies the server if verify_peer; a server verifies only required client
    // certificates, so it loads no CA store otherwise.
    [[nodiscard]] bool verifies_peer() const noexcept {
        return role_ == Role::client ? config_.verify_peer : config_.require_client_certificate;
    }

    // Server: the first of our protocols that the client offers.
    static int select_alpn(SSL*, const unsigned char** out, unsigned char* out_length, const unsigned char* in,
                           unsigned int in_length, void* self) {
        const auto* context = static_cast<const Context*>(self);
        unsigned char* selected = nullptr;
        if (SSL_select_next_proto(&selected, out_length, context->alpn_wire_.data(),
                                  static_cast<unsigned>(context->alpn_wire_.size()), in, in_length) !=
            OPENSSL_NPN_NEGOTIATED)
            return SSL_TLSEXT_ERR_NOACK;
        *out = selected;
        return SSL_TLSEXT_ERR_OK;
    }

    Role role_;
    Config config_;
    std::vector<unsigned char> alpn_wire_;
    std::shared_ptr<SSL_CTX> ctx_;
};

}  // namespace hio::tls
