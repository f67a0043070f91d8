#include "server/domain/vault/signing.hpp"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "storage/file_system.hpp"
#include "tollgate/openssl.hpp"

namespace tollgate::server {

namespace {

namespace fs = std::filesystem;

constexpr const char* kIndexFile = "keys.json";

using Pkey = OpenSslPtr<EVP_PKEY, EVP_PKEY_free>;
using BioPtr = OpenSslPtr<BIO, BIO_free>;
using MdCtxPtr = OpenSslPtr<EVP_MD_CTX, EVP_MD_CTX_free>;
using PkeyCtxPtr = OpenSslPtr<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;

// One entry of keys.json.
struct KeyRecord {
  std::string key_id;
  std::string file;  // name of the PEM inside the keys directory
  Micros created_at = 0;
  std::optional<Micros> retired_at;
};

struct KeyIndex {
  std::string active;
  std::vector<KeyRecord> keys;
};

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "tollgate: fatal: %s\n", what);
  std::abort();
}

Status io_error(const std::string& what, const fs::path& path) {
  const int error = errno;  // the category's message is thread-safe, std::strerror is not
  return {Code::io, what + " " + path.string() + ": " + std::generic_category().message(error)};
}

// Secrets and the index alike: 0600, through storage's one atomic write (and its fault seam).
Status write_key_file(storage::FileSystem& files, const fs::path& dir, const std::string& name,
                      std::string_view data) {
  return storage::write_file_atomically(files, dir.string(), name, data, 0600);
}

Result<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error("cannot read", path);
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return io_error("cannot read", path);
  return content.str();
}

Result<std::string> raw_public_key(EVP_PKEY* key) {
  std::string raw(32, '\0');
  std::size_t size = raw.size();
  if (EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(raw.data()), &size) != 1 ||
      size != raw.size())
    return Status(Code::corrupt, "not an Ed25519 key");
  return raw;
}

Result<std::string> private_key_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return Status(Code::internal, "cannot encode an Ed25519 key as PEM");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

Result<Pkey> parse_private_key(const std::string& pem, const fs::path& path) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Pkey key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key || EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519)
    return Status(Code::corrupt, path.string() + " holds no Ed25519 private key");
  return key;
}

Result<Pkey> generate_key() {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_keygen(ctx.get(), &raw) != 1)
    return Status(Code::internal, "cannot generate an Ed25519 key");
  return Pkey(raw);
}

std::string index_json(const KeyIndex& index) {
  boost::json::array keys;
  for (const auto& record : index.keys) {
    boost::json::object entry{{"key_id", record.key_id},
                              {"file", record.file},
                              {"created_at", format_rfc3339(record.created_at)}};
    if (record.retired_at) entry["retired_at"] = format_rfc3339(*record.retired_at);
    keys.push_back(std::move(entry));
  }
  return boost::json::serialize(boost::json::object{{"active", index.active}, {"keys", keys}}) +
         "\n";
}

std::optional<std::string> string_member(const boost::json::object& object, std::string_view name) {
  const auto* value = object.if_contains(name);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return std::string(value->get_string());
}

std::optional<KeyRecord> parse_record(const boost::json::value& value) {
  const auto* object = value.if_object();
  if (object == nullptr) return std::nullopt;
  auto key_id = string_member(*object, "key_id");
  auto file = string_member(*object, "file");
  auto created = string_member(*object, "created_at");
  if (!key_id || !file || !created || file->find('/') != std::string::npos) return std::nullopt;
  KeyRecord record{*key_id, *file, 0, std::nullopt};
  auto created_at = parse_rfc3339(*created);
  if (!created_at) return std::nullopt;
  record.created_at = *created_at;
  if (object->contains("retired_at")) {
    auto retired = string_member(*object, "retired_at");
    auto retired_at = retired ? parse_rfc3339(*retired) : std::nullopt;
    if (!retired_at) return std::nullopt;
    record.retired_at = retired_at;
  }
  return record;
}

Result<KeyIndex> load_index(const fs::path& dir) {
  const fs::path path = dir / kIndexFile;
  TG_ASSIGN_OR_RETURN(auto text, read_file(path));
  boost::system::error_code ec;
  auto parsed = boost::json::parse(text, ec);
  const auto* object = ec ? nullptr : parsed.if_object();
  auto active = object ? string_member(*object, "active") : std::nullopt;
  const auto* keys = object ? object->if_contains("keys") : nullptr;
  if (!active || keys == nullptr || !keys->is_array())
    return Status(Code::corrupt, path.string() + " is not a key index");
  KeyIndex index{*active, {}};
  for (const auto& entry : keys->get_array()) {
    auto record = parse_record(entry);
    if (!record) return Status(Code::corrupt, path.string() + " holds a malformed key entry");
    index.keys.push_back(std::move(*record));
  }
  return index;
}

// Generates a key and writes its PEM; the caller then lists it in the index.
Result<KeyRecord> add_key_file(storage::FileSystem& files, const fs::path& dir, Micros now) {
  TG_ASSIGN_OR_RETURN(auto key, generate_key());
  TG_ASSIGN_OR_RETURN(auto raw, raw_public_key(key.get()));
  TG_ASSIGN_OR_RETURN(auto pem, private_key_pem(key.get()));
  KeyRecord record{ed25519_key_id(raw), "", now, std::nullopt};
  record.file = "ed25519-" + record.key_id.substr(record.key_id.find(':') + 1) + ".pem";
  TG_RETURN_IF_ERROR(write_key_file(files, dir, record.file, pem));
  return record;
}

Status create_first_key(storage::FileSystem& files, const fs::path& dir, Micros now) {
  // Private keys: nobody but the server's user lists or reads them.
  TG_RETURN_IF_ERROR(storage::make_directories(files, dir.string(), 0700));
  TG_ASSIGN_OR_RETURN(auto record, add_key_file(files, dir, now));
  KeyIndex index{record.key_id, {record}};
  return write_key_file(files, dir, kIndexFile, index_json(index));
}

}  // namespace

struct Signer::Impl {
  struct Key {
    PublicKeyInfo info;
    std::string raw_public;
    Pkey private_key;
  };
  std::vector<Key> keys;
  std::size_t active = 0;

  const Key* find(std::string_view key_id) const {
    for (const auto& key : keys)
      if (key.info.key_id == key_id) return &key;
    return nullptr;
  }
};

Result<Signer> Signer::open(const fs::path& keys_dir, bool create) {
  return open(keys_dir, create, SystemClock().now());
}

Result<Signer> Signer::open(const fs::path& keys_dir, bool create, Micros now) {
  return open(keys_dir, create, now, storage::real_file_system());
}

Result<Signer> Signer::open(const fs::path& keys_dir, bool create, Micros now,
                            storage::FileSystem& files) {
  if (!fs::exists(keys_dir / kIndexFile)) {
    if (!create) return Status(Code::not_found, "no signing keys in " + keys_dir.string());
    TG_RETURN_IF_ERROR(create_first_key(files, keys_dir, now));
  }
  TG_ASSIGN_OR_RETURN(auto index, load_index(keys_dir));
  auto impl = std::make_shared<Impl>();
  bool found_active = false;
  for (const auto& record : index.keys) {
    const fs::path path = keys_dir / record.file;
    TG_ASSIGN_OR_RETURN(auto pem, read_file(path));
    TG_ASSIGN_OR_RETURN(auto key, parse_private_key(pem, path));
    TG_ASSIGN_OR_RETURN(auto raw, raw_public_key(key.get()));
    if (ed25519_key_id(raw) != record.key_id)
      return Status(Code::corrupt, path.string() + " does not hold key " + record.key_id);
    const bool active = record.key_id == index.active;
    if (active && record.retired_at)
      return Status(Code::corrupt, "the active key " + record.key_id + " is retired");
    if (active) {
      found_active = true;
      impl->active = impl->keys.size();
    }
    PublicKeyInfo info{record.key_id, encode_base64url(raw), active, record.created_at,
                       record.retired_at};
    impl->keys.push_back({std::move(info), std::move(raw), std::move(key)});
  }
  if (!found_active)
    return Status(Code::corrupt, "the active key " + index.active + " is not in the key index");
  Signer signer;
  signer.impl_ = std::move(impl);
  return signer;
}

boost::json::object Signer::sign(boost::json::object document) const {
  document.erase(kSignatureMember);
  const std::string message = canonical_json(document);
  const Impl::Key& key = impl_->keys[impl_->active];
  MdCtxPtr ctx(EVP_MD_CTX_new());
  std::string signature(64, '\0');
  std::size_t size = signature.size();
  // Ed25519 hashes internally: no digest is named, and the message goes in one call. A fresh
  // context per call keeps concurrent signing safe; the key itself is only read.
  if (!ctx ||
      EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.private_key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1 ||
      size != signature.size())
    die("Ed25519 signing failed in OpenSSL");
  document[kSignatureMember] = boost::json::object{{"key_id", key.info.key_id},
                                                   {"algorithm", kSignatureAlgorithm},
                                                   {"value", encode_base64url(signature)}};
  return document;
}

Status Signer::verify(const boost::json::object& signed_document) const {
  TG_ASSIGN_OR_RETURN(auto signature, read_signature(signed_document));
  const Impl::Key* key = impl_->find(signature.key_id);
  if (key == nullptr)
    return Status(Code::not_found, "signed by an unknown key " + signature.key_id)
        .with_reason("unknown-key");
  if (key->info.retired_at)
    return Status(Code::not_found, "signed by the retired key " + signature.key_id)
        .with_reason("retired-key");
  if (!ed25519_verify(key->raw_public, signing_input(signed_document), signature.value))
    return Status(Code::invalid, "the signature by " + signature.key_id +
                                     " does not match the document: it was changed after signing")
        .with_reason("bad-signature");
  return Status::ok_status();
}

std::vector<PublicKeyInfo> Signer::keys() const {
  std::vector<PublicKeyInfo> out;
  out.reserve(impl_->keys.size());
  for (const auto& key : impl_->keys) out.push_back(key.info);
  return out;
}

const PublicKeyInfo& Signer::active_key() const { return impl_->keys[impl_->active].info; }

Result<PublicKeyInfo> Signer::rotate(const fs::path& keys_dir, Micros now) {
  // Opening first checks every existing key (and creates a first one in an empty directory).
  TG_RETURN_IF_ERROR(open(keys_dir, true, now).status());
  TG_ASSIGN_OR_RETURN(auto index, load_index(keys_dir));
  TG_ASSIGN_OR_RETURN(auto record, add_key_file(storage::real_file_system(), keys_dir, now));
  index.active = record.key_id;
  index.keys.push_back(record);
  TG_RETURN_IF_ERROR(
      write_key_file(storage::real_file_system(), keys_dir, kIndexFile, index_json(index)));
  TG_ASSIGN_OR_RETURN(auto signer, open(keys_dir, false, now));
  return signer.active_key();
}

Result<PublicKeyInfo> Signer::retire(const fs::path& keys_dir, std::string_view key_id,
                                     Micros now) {
  TG_RETURN_IF_ERROR(open(keys_dir, false, now).status());
  TG_ASSIGN_OR_RETURN(auto index, load_index(keys_dir));
  KeyRecord* record = nullptr;
  for (auto& entry : index.keys)
    if (entry.key_id == key_id) record = &entry;
  if (record == nullptr)
    return Status(Code::not_found, "no key " + std::string(key_id) + " in " + keys_dir.string());
  if (index.active == key_id)
    return Status(Code::conflict,
                  "key " + std::string(key_id) + " is the active key; rotate to a new key first")
        .with_reason("active-key");
  if (record->retired_at)
    return Status(Code::conflict, "key " + std::string(key_id) + " is already retired")
        .with_reason("already-retired");
  record->retired_at = now;
  PublicKeyInfo retired{record->key_id, "", false, record->created_at, now};
  TG_RETURN_IF_ERROR(
      write_key_file(storage::real_file_system(), keys_dir, kIndexFile, index_json(index)));
  TG_ASSIGN_OR_RETURN(auto signer, open(keys_dir, false, now));
  for (const auto& key : signer.keys())
    if (key.key_id == key_id) retired = key;
  return retired;
}

Status write_private_file(const std::filesystem::path& path, std::string_view data) {
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  return write_key_file(storage::real_file_system(), dir, path.filename().string(), data);
}

}  // namespace tollgate::server
