// One ownership treatment for OpenSSL handles: std::unique_ptr with the handle's own free
// function, e.g. OpenSslPtr<X509, X509_free>. Every OpenSSL object the server, the client, the
// shared model and the tests hold goes through this one template (libgit2's objects have the
// same treatment in storage/git_support.hpp).
//
// Header-only and free of OpenSSL's headers: the free function is a template argument, so the
// includer names the type and the function it already knows.
#pragma once

#include <memory>

namespace tollgate {

// Calls Free on a non-null pointer (std::unique_ptr never passes null to its deleter).
template <auto Free>
struct OpenSslDeleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};

template <typename T, auto Free>
using OpenSslPtr = std::unique_ptr<T, OpenSslDeleter<Free>>;

}  // namespace tollgate
