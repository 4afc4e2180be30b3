// Test certificates for TLS tests, made with the openssl command line when first used.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

#include <hio/tls/context.hpp>

#include "catch.hpp"
#include "support/net.hpp"

namespace hio_test {

// Test certificates, made with the openssl command line in a temporary directory when the
// tests run (nothing secret is committed): a CA; server certificates for localhost and
// 127.0.0.1 (valid, expired, and one from another CA); a client certificate.
class Pki {
public:
    Pki() : dir_{hio_test::temp_path("pki")} {
        const std::string script =
            "set -e; mkdir -p '" + dir_ + "'; cd '" + dir_ + "'\n"
            "key() { openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout $1.key "
            "-out $1.csr -subj /CN=$2 2>/dev/null; }\n"
            "ca() { openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout $1.key "
            "-out $1.pem -days 2 -subj /CN=$1 2>/dev/null; }\n"
            "sign() { openssl x509 -req -in $1.csr -CA $2.pem -CAkey $2.key -CAcreateserial -out $3.pem "
            "-days $4 -extfile ext 2>/dev/null; }\n"
            "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > ext\n"
            "ca ca; ca other_ca\n"
            "key server localhost; sign server ca server 2; sign server ca expired -1; "
            "sign server other_ca untrusted 2\n"
            "key client hio-test-client; sign client ca client 2\n";
        const std::string script_path = dir_ + ".sh";
        std::FILE* file = std::fopen(script_path.c_str(), "w");
        REQUIRE(file != nullptr);
        std::fputs(script.c_str(), file);
        std::fclose(file);
        REQUIRE(std::system(("bash '" + script_path + "'").c_str()) == 0);
        std::remove(script_path.c_str());
    }
    Pki(const Pki&) = delete;
    Pki& operator=(const Pki&) = delete;
    ~Pki() { [[maybe_unused]] const int ignored = std::system(("rm -rf '" + dir_ + "'").c_str()); }

    std::string path(const std::string& name) const { return dir_ + "/" + name; }

    hio::tls::Config server(const std::string& certificate = "server.pem") const {
        return {.certificate_file = path(certificate), .key_file = path("server.key")};
    }
    hio::tls::Config client() const { return {.ca_file = path("ca.pem")}; }

private:
    std::string dir_;
};

inline const Pki& pki() {
    static const Pki shared;
    return shared;
}

}  // namespace hio_test
