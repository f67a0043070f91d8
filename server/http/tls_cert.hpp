// The generated TLS certificate of a data directory.
#pragma once

#include <string>

#include "tollgate/status.hpp"

namespace tollgate::storage {
class FileSystem;
}

namespace tollgate::server {

struct CertificatePaths {
  std::string cert;  // PEM certificate, mode 0600 (self-signed: clients use it as their CA)
  std::string key;   // PEM private key, mode 0600
};

// Makes sure `dir` (e.g. DATA/tls) holds cert.pem and key.pem, generating them on first use:
// an ECDSA P-256 key and a self-signed X.509 v3 certificate valid for ten years, with
// subjectAltName DNS:localhost, the machine's host name, IP:127.0.0.1 and IP:::1, basic
// constraints CA:TRUE (so it can be trusted as the CA), key usage digitalSignature+keyCertSign
// and extended key usage serverAuth. The directory is created 0700. Files are written with
// storage::write_file_atomically (key first, certificate last), so a crash leaves either no
// certificate or a complete one. Existing files are kept as they are. Errors: io (storage_full)
// when the directory or files cannot be written; internal when OpenSSL fails.
Result<CertificatePaths> ensure_self_signed_certificate(const std::string& dir);
// The same through `files` (a test's faulty file system).
Result<CertificatePaths> ensure_self_signed_certificate(const std::string& dir,
                                                        storage::FileSystem& files);

}  // namespace tollgate::server
