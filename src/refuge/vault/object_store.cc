#include "refuge/vault/object_store.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "refuge/vault/codec.h"
#include "refuge/vault/pipeline.h"

namespace refuge::vault {

namespace {

constexpr char kMagic[8] = {'R', 'F', 'G', 'O', 'B', 'J', 'v', '1'};
constexpr uint8_t kCipherChaCha20Poly1305 = 1;
constexpr uint8_t kWrapXChaCha20Poly1305 = 1;
constexpr size_t kWrapAdBytes = 16;  // the header bytes the wrapped key is bound to
constexpr size_t kWrapNonceBytes = 24;
constexpr size_t kWrappedKeyBytes = Key::kSize + 16;
constexpr size_t kSlots = 8;
constexpr size_t kHeadBytes = 64 << 10;

static_assert(kHeaderBytes == kWrapAdBytes + kWrapNonceBytes + kWrappedKeyBytes);

std::string ErrnoText() { return std::strerror(errno); }

Status PreadAll(int fd, uint8_t* buf, size_t n, uint64_t off, const std::string& what) {
  while (n > 0) {
    ssize_t r = ::pread(fd, buf, n, static_cast<off_t>(off));
    if (r < 0) {
      if (errno == EINTR) continue;
      return IoError("cannot read " + what + ": " + ErrnoText());
    }
    if (r == 0) return IoError("cannot read " + what + ": it ended early");
    buf += r;
    n -= static_cast<size_t>(r);
    off += static_cast<uint64_t>(r);
  }
  return Status::Ok();
}

}  // namespace

// ChaCha20-Poly1305 (RFC 8439) through OpenSSL, which is several times faster
// than libsodium's portable code. One instance per thread.
class ChunkCipher {
 public:
  explicit ChunkCipher(const Key& key) : key_(key), ctx_(EVP_CIPHER_CTX_new()) {}
  ~ChunkCipher() { EVP_CIPHER_CTX_free(ctx_); }
  ChunkCipher(const ChunkCipher&) = delete;
  ChunkCipher& operator=(const ChunkCipher&) = delete;

  // `out` receives n bytes of ciphertext and the 16-byte tag.
  bool Seal(uint64_t index, bool last, const uint8_t* in, size_t n, uint8_t* out) {
    uint8_t nonce[12], ad[9];
    Params(index, last, nonce, ad);
    int len = 0;
    if (EVP_EncryptInit_ex(ctx_, EVP_chacha20_poly1305(), nullptr, key_.data(), nonce) != 1 ||
        EVP_EncryptUpdate(ctx_, nullptr, &len, ad, sizeof ad) != 1 ||
        (n > 0 && EVP_EncryptUpdate(ctx_, out, &len, in, static_cast<int>(n)) != 1) ||
        EVP_EncryptFinal_ex(ctx_, out + n, &len) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_AEAD_GET_TAG, kTagBytes, out + n) != 1) {
      return false;
    }
    return true;
  }

  // `in` holds n bytes of ciphertext followed by the tag; false when it fails
  // authentication (nothing in `out` may then be used).
  bool Open(uint64_t index, bool last, const uint8_t* in, size_t n, uint8_t* out) {
    uint8_t nonce[12], ad[9], tag[kTagBytes];
    Params(index, last, nonce, ad);
    std::memcpy(tag, in + n, kTagBytes);
    int len = 0;
    if (EVP_DecryptInit_ex(ctx_, EVP_chacha20_poly1305(), nullptr, key_.data(), nonce) != 1 ||
        EVP_DecryptUpdate(ctx_, nullptr, &len, ad, sizeof ad) != 1 ||
        (n > 0 && EVP_DecryptUpdate(ctx_, out, &len, in, static_cast<int>(n)) != 1) ||
        EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_AEAD_SET_TAG, kTagBytes, tag) != 1) {
      return false;
    }
    return EVP_DecryptFinal_ex(ctx_, out + n, &len) == 1;
  }

 private:
  // The nonce is the chunk index (each object has its own random key, so it never
  // repeats); the associated data is the index and whether this is the trailer.
  static void Params(uint64_t index, bool last, uint8_t nonce[12], uint8_t ad[9]) {
    PutLe64(nonce, index);
    PutLe32(nonce + 8, 0);
    PutLe64(ad, index);
    ad[8] = last ? 1 : 0;
  }

  Key key_;
  EVP_CIPHER_CTX* ctx_;
};

struct ObjectStore::Writer::HashState {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  HashState() { EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr); }
  ~HashState() { EVP_MD_CTX_free(ctx); }
};

struct ObjectStore::Layout {
  size_t chunk_bytes = 0;
  uint64_t size = 0;
  uint64_t chunks = 0;
  std::string sha256;  // raw 32 bytes, from the trailer
  Key data_key;
};

ObjectStore::ObjectStore(std::string vault_dir, const Keyring& keys, Disk& disk, size_t chunk_bytes)
    : dir_(std::move(vault_dir)), keys_(keys), disk_(disk), chunk_bytes_(chunk_bytes) {}

std::string ObjectStore::PathOf(const std::string& name) const {
  return dir_ + "/objects/" + name.substr(0, 2) + "/" + name;
}

bool ObjectStore::Exists(const std::string& name) const {
  struct stat st;
  return ::stat(PathOf(name).c_str(), &st) == 0;
}

// --- writing ---

Result<std::unique_ptr<ObjectStore::Writer>> ObjectStore::NewWriter(const std::string& scope) {
  const std::string tmp = dir_ + "/tmp";
  REFUGE_RETURN_IF_ERROR(disk_.MakeDirs(tmp));
  REFUGE_ASSIGN_OR_RETURN(auto file, disk_.CreateTemp(tmp));
  // The header: magic, algorithms, chunk size and the wrapped data key.
  Key data_key = Key::Random();
  uint8_t header[kHeaderBytes] = {};
  std::memcpy(header, kMagic, sizeof kMagic);
  header[8] = kCipherChaCha20Poly1305;
  header[9] = kWrapXChaCha20Poly1305;
  PutLe32(header + 12, static_cast<uint32_t>(chunk_bytes_));
  uint8_t* nonce = header + kWrapAdBytes;
  randombytes_buf(nonce, kWrapNonceBytes);
  crypto_aead_xchacha20poly1305_ietf_encrypt(header + kWrapAdBytes + kWrapNonceBytes, nullptr,
                                             data_key.data(), Key::kSize, header, kWrapAdBytes,
                                             nullptr, nonce, keys_.object_wrap_key().data());
  Status s = file->Append(header, sizeof header);
  if (!s.ok()) {
    (void)disk_.Remove(file->path());
    return s;
  }
  auto lock = IngestLock(false);
  if (!lock.ok()) {
    (void)disk_.Remove(file->path());
    return lock.status();
  }
  std::unique_ptr<Writer> writer(new Writer(*this, std::move(file), data_key));
  writer->scope_ = scope;
  writer->ingest_lock_ = *lock;
  return writer;
}

ObjectStore::Writer::Writer(ObjectStore& store, std::unique_ptr<WritableFile> file, Key data_key)
    : store_(store),
      file_(std::move(file)),
      data_key_(data_key),
      cipher_(std::make_unique<ChunkCipher>(data_key)),
      hash_(std::make_unique<HashState>()),
      sealed_(store.chunk_bytes_ + kTagBytes) {
  // The writer's thread hashes each chunk while it is still in its core's cache;
  // the stage encrypts and writes the chunk before on the other core.
  std::vector<ChunkPipeline::Stage> stages;
  stages.push_back([this](const uint8_t* data, size_t n, uint64_t index) -> Status {
    if (!cipher_->Seal(index, false, data, n, sealed_.data())) return Internal("encryption failed");
    return file_->Append(sealed_.data(), n + kTagBytes);
  });
  pipeline_ = std::make_unique<ChunkPipeline>(store.chunk_bytes_, kSlots, std::move(stages));
  slot_ = pipeline_->Next();
}

ObjectStore::Writer::~Writer() {
  if (!done_) Abort();
  if (ingest_lock_ >= 0) ::close(ingest_lock_);
}

Result<int> ObjectStore::IngestLock(bool exclusive) const {
  const std::string path = dir_ + "/ingest.lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return IoError("cannot open " + path + ": " + ErrnoText());
  while (::flock(fd, exclusive ? LOCK_EX : LOCK_SH) != 0) {
    if (errno == EINTR) continue;
    const std::string why = ErrnoText();
    ::close(fd);
    return IoError("cannot lock " + path + ": " + why);
  }
  return fd;
}

void ObjectStore::Writer::Abort() {
  done_ = true;
  pipeline_.reset();  // joins the stages before the file goes
  if (file_) {
    (void)store_.disk_.Remove(file_->path());
    file_.reset();
  }
}

Status ObjectStore::Writer::SubmitSlot() {
  EVP_DigestUpdate(hash_->ctx, slot_, filled_);
  pipeline_->Submit(filled_);
  ++chunks_;
  filled_ = 0;
  REFUGE_RETURN_IF_ERROR(pipeline_->error());
  slot_ = pipeline_->Next();
  return Status::Ok();
}

Status ObjectStore::Writer::Write(const uint8_t* data, size_t n) {
  if (done_) return Internal("write after the object was finished");
  if (head_.size() < kHeadBytes) {
    head_.append(reinterpret_cast<const char*>(data), std::min(n, kHeadBytes - head_.size()));
  }
  const size_t chunk = store_.chunk_bytes_;
  while (n > 0) {
    size_t k = std::min(n, chunk - filled_);
    std::memcpy(slot_ + filled_, data, k);
    filled_ += k;
    data += k;
    n -= k;
    size_ += k;
    if (filled_ == chunk) {
      // A full disk stops the upload at once rather than after the last byte.
      REFUGE_RETURN_IF_ERROR(SubmitSlot());
    }
  }
  return Status::Ok();
}

Status ObjectStore::Writer::WriteFrom(int fd, const std::string& what) {
  if (done_) return Internal("write after the object was finished");
  const size_t chunk = store_.chunk_bytes_;
  while (true) {
    ssize_t n = ::read(fd, slot_ + filled_, chunk - filled_);
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoError("cannot read " + what + ": " + ErrnoText());
    }
    if (n == 0) return Status::Ok();
    if (head_.size() < kHeadBytes) {
      head_.append(reinterpret_cast<const char*>(slot_ + filled_),
                   std::min(static_cast<size_t>(n), kHeadBytes - head_.size()));
    }
    filled_ += static_cast<size_t>(n);
    size_ += static_cast<uint64_t>(n);
    if (filled_ == chunk) REFUGE_RETURN_IF_ERROR(SubmitSlot());
  }
}

Result<ObjectInfo> ObjectStore::Writer::Finish() {
  if (done_) return Internal("the object was already finished");
  if (filled_ > 0) {
    EVP_DigestUpdate(hash_->ctx, slot_, filled_);
    pipeline_->Submit(filled_);
    ++chunks_;
    filled_ = 0;
  }
  Status s = pipeline_->Finish();
  if (!s.ok()) {
    Abort();
    return s;
  }
  uint8_t digest[32];
  unsigned int len = 0;
  EVP_DigestFinal_ex(hash_->ctx, digest, &len);
  uint8_t trailer[kTrailerPlainBytes];
  std::memcpy(trailer, digest, 32);
  PutLe64(trailer + 32, size_);
  uint8_t sealed[kTrailerPlainBytes + kTagBytes];
  if (!cipher_->Seal(chunks_, true, trailer, sizeof trailer, sealed)) {
    Abort();
    return Internal("encryption failed");
  }
  s = file_->Append(sealed, sizeof sealed);
  if (s.ok()) s = file_->Sync();
  if (!s.ok()) {
    Abort();
    return s;
  }

  ObjectInfo info;
  info.sha256 = Hex(digest, 32);
  info.size = size_;
  info.name = store_.keys_.ObjectName(std::string_view(reinterpret_cast<const char*>(digest), 32), scope_);
  const std::string fan = store_.dir_ + "/objects/" + info.name.substr(0, 2);
  const std::string target = fan + "/" + info.name;
  std::error_code ec;
  const bool new_fan = !std::filesystem::is_directory(fan, ec);
  s = store_.disk_.MakeDirs(fan);
  if (s.ok() && new_fan) s = store_.disk_.SyncDir(store_.dir_ + "/objects");
  Result<bool> moved = s.ok() ? store_.disk_.RenameNoReplace(file_->path(), target) : Result<bool>(s);
  if (!moved.ok()) {
    Abort();
    return moved.status();
  }
  if (!*moved) {
    // The same bytes are stored already. Keep that copy if it is intact; if it
    // was damaged, this fresh copy replaces it.
    ObjectCheck existing = store_.Verify(info.name, scope_);
    if (existing.ok) {
      info.deduplicated = true;
      Abort();
      return info;
    }
    s = store_.disk_.RenameReplace(file_->path(), target);
    if (!s.ok()) {
      Abort();
      return s;
    }
    info.deduplicated = true;
    info.repaired = true;
  }
  done_ = true;
  file_.reset();
  pipeline_.reset();
  REFUGE_RETURN_IF_ERROR(store_.disk_.SyncDir(fan));
  return info;
}

// --- reading ---

Result<ObjectStore::Layout> ObjectStore::ReadLayout(int fd, const std::string& name,
                                                    uint8_t* header) const {
  const std::string what = "object " + name;
  struct stat st;
  if (::fstat(fd, &st) != 0) return IoError("cannot read " + what + ": " + ErrnoText());
  const uint64_t file_size = static_cast<uint64_t>(st.st_size);
  const uint64_t trailer_bytes = kTrailerPlainBytes + kTagBytes;
  if (file_size < kHeaderBytes + trailer_bytes) {
    return IoError(what + " is truncated: " + std::to_string(file_size) +
                   " bytes is shorter than the smallest object");
  }
  REFUGE_RETURN_IF_ERROR(PreadAll(fd, header, kHeaderBytes, 0, what));
  if (std::memcmp(header, kMagic, sizeof kMagic) != 0 || header[8] != kCipherChaCha20Poly1305 ||
      header[9] != kWrapXChaCha20Poly1305 || header[10] != 0 || header[11] != 0) {
    return IoError(what + " has a damaged header (not a vault object of a known version)");
  }
  Layout l;
  l.chunk_bytes = GetLe32(header + 12);
  if (l.chunk_bytes < 4096 || l.chunk_bytes > (64u << 20)) {
    return IoError(what + " has a damaged header (impossible chunk size)");
  }
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          l.data_key.data(), nullptr, nullptr, header + kWrapAdBytes + kWrapNonceBytes,
          kWrappedKeyBytes, header, kWrapAdBytes, header + kWrapAdBytes,
          keys_.object_wrap_key().data()) != 0) {
    return IoError(what + " has a damaged header: its key fails authentication");
  }
  // The chunk count follows from the file size; the authenticated trailer must agree.
  const uint64_t body = file_size - kHeaderBytes - trailer_bytes;
  const uint64_t stride = l.chunk_bytes + kTagBytes;
  l.chunks = (body + stride - 1) / stride;
  if (l.chunks > 0 && body - (l.chunks - 1) * stride <= kTagBytes) {
    return IoError(what + " is truncated or extended: its length fits no chunk layout");
  }
  l.size = body - l.chunks * kTagBytes;
  uint8_t sealed[kTrailerPlainBytes + kTagBytes], trailer[kTrailerPlainBytes];
  REFUGE_RETURN_IF_ERROR(PreadAll(fd, sealed, sizeof sealed, file_size - trailer_bytes, what));
  ChunkCipher cipher(l.data_key);
  if (!cipher.Open(l.chunks, true, sealed, kTrailerPlainBytes, trailer)) {
    return IoError(what + " is truncated, extended or altered: its end fails authentication");
  }
  if (GetLe64(trailer + 32) != l.size) {
    return IoError(what + " is truncated or extended: it holds " + std::to_string(l.size) +
                   " bytes, its trailer says " + std::to_string(GetLe64(trailer + 32)));
  }
  l.sha256.assign(reinterpret_cast<const char*>(trailer), 32);
  return l;
}

Result<std::unique_ptr<ObjectStore::Reader>> ObjectStore::Open(const std::string& name) const {
  if (name.size() != 64 || name.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return Invalid("object", "not an object name");
  }
  int fd = ::open(PathOf(name).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return NotFound("object " + name + " is missing from the vault");
    return IoError("cannot open object " + name + ": " + ErrnoText());
  }
  std::unique_ptr<Reader> r(new Reader());
  r->fd_ = fd;
  r->name_ = name;
  uint8_t header[kHeaderBytes];
  REFUGE_ASSIGN_OR_RETURN(Layout l, ReadLayout(fd, name, header));
  r->chunk_bytes_ = l.chunk_bytes;
  r->size_ = l.size;
  r->chunks_ = l.chunks;
  r->sha256_ = Hex(l.sha256);
  r->cipher_ = std::make_unique<ChunkCipher>(l.data_key);
  r->sealed_.resize(l.chunk_bytes + kTagBytes);
  r->plain_.resize(l.chunk_bytes);
  return r;
}

ObjectStore::Reader::~Reader() {
  if (fd_ >= 0) ::close(fd_);
}

Result<size_t> ObjectStore::Reader::ReadAt(uint64_t offset, uint8_t* buf, size_t n) {
  size_t total = 0;
  while (n > 0 && offset < size_) {
    const uint64_t index = offset / chunk_bytes_;
    const size_t len = static_cast<size_t>(std::min<uint64_t>(chunk_bytes_, size_ - index * chunk_bytes_));
    if (cached_ != index) {
      cached_ = UINT64_MAX;
      REFUGE_RETURN_IF_ERROR(PreadAll(fd_, sealed_.data(), len + kTagBytes,
                                      kHeaderBytes + index * (chunk_bytes_ + kTagBytes),
                                      "object " + name_));
      if (!cipher_->Open(index, false, sealed_.data(), len, plain_.data())) {
        return IoError("object " + name_ + " is damaged: chunk " + std::to_string(index) +
                       " fails authentication");
      }
      cached_ = index;
    }
    const size_t in_chunk = static_cast<size_t>(offset - index * chunk_bytes_);
    const size_t k = std::min(n, len - in_chunk);
    std::memcpy(buf, plain_.data() + in_chunk, k);
    buf += k;
    n -= k;
    offset += k;
    total += k;
  }
  return total;
}

// --- verification ---

ObjectCheck ObjectStore::Verify(const std::string& name, const std::string& scope) const {
  ObjectCheck check;
  int fd = ::open(PathOf(name).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    check.problem = errno == ENOENT ? "the object file is missing" : "cannot open the object: " + ErrnoText();
    return check;
  }
  uint8_t header[kHeaderBytes];
  auto layout = ReadLayout(fd, name, header);
  if (!layout.ok()) {
    ::close(fd);
    check.problem = layout.status().message();
    return check;
  }
  const Layout& l = *layout;
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  EVP_DigestInit_ex(md, EVP_sha256(), nullptr);
  std::vector<ChunkPipeline::Stage> stages;
  stages.push_back([md](const uint8_t* data, size_t n, uint64_t) -> Status {
    EVP_DigestUpdate(md, data, n);
    return Status::Ok();
  });
  ChunkCipher cipher(l.data_key);
  std::vector<uint8_t> sealed(l.chunk_bytes + kTagBytes);
  Status failure;
  {
    ChunkPipeline pipeline(l.chunk_bytes, kSlots, std::move(stages));
    for (uint64_t i = 0; i < l.chunks; ++i) {
      const size_t len = static_cast<size_t>(std::min<uint64_t>(l.chunk_bytes, l.size - i * l.chunk_bytes));
      failure = PreadAll(fd, sealed.data(), len + kTagBytes, kHeaderBytes + i * (l.chunk_bytes + kTagBytes),
                         "object " + name);
      if (!failure.ok()) break;
      uint8_t* slot = pipeline.Next();
      if (!cipher.Open(i, false, sealed.data(), len, slot)) {
        const uint64_t from = i * l.chunk_bytes;
        failure = IoError("chunk " + std::to_string(i) + " (plaintext bytes " + std::to_string(from) + "-" +
                          std::to_string(from + len - 1) + ") fails authentication: the object was altered");
        break;
      }
      pipeline.Submit(len);
    }
    Status s = pipeline.Finish();
    if (failure.ok()) failure = s;
  }
  ::close(fd);
  uint8_t digest[32];
  unsigned int dlen = 0;
  EVP_DigestFinal_ex(md, digest, &dlen);
  EVP_MD_CTX_free(md);
  if (!failure.ok()) {
    check.problem = failure.message();
    return check;
  }
  check.size = l.size;
  check.sha256 = Hex(digest, 32);
  if (std::memcmp(digest, l.sha256.data(), 32) != 0) {
    check.problem = "the plaintext's SHA-256 differs from the one sealed in the object";
    return check;
  }
  const std::string_view raw(reinterpret_cast<const char*>(digest), 32);
  if (keys_.ObjectName(raw, scope) != name && keys_.ObjectName(raw) != name) {
    check.problem = "the object does not belong under this name: it was swapped or replaced";
    return check;
  }
  check.ok = true;
  return check;
}

}  // namespace refuge::vault
