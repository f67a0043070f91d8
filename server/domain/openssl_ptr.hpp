// One ownership treatment for OpenSSL handles: std::unique_ptr with the handle's free function,
// e.g. OpenSslPtr<X509, X509_free>.
#pragma once

#include <memory>

namespace tollgate::server {

template <auto Free>
struct OpenSslDeleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};

template <typename T, auto Free>
using OpenSslPtr = std::unique_ptr<T, OpenSslDeleter<Free>>;

}  // namespace tollgate::server
