#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "refuge/base/status.h"
#include "refuge/vault/disk.h"
#include "refuge/vault/keyring.h"
#include "refuge/vault/source.h"

namespace refuge::vault {

class ChunkCipher;
class ChunkPipeline;

// The on-disk object format (docs/vault-format.md):
//   header (88 bytes): magic, cipher, chunk size, the object's random data key
//     wrapped under the vault's object-wrap key;
//   data chunks: ChaCha20-Poly1305 of each chunk_size slice of the plaintext,
//     nonce = chunk index, associated data = index and a "last" flag;
//   trailer chunk: the plaintext's SHA-256 and length, sealed the same way with
//     the flag set, so truncation, reordering and extension are all detected.
inline constexpr size_t kHeaderBytes = 88;
inline constexpr size_t kTagBytes = 16;
inline constexpr size_t kTrailerPlainBytes = 40;
inline constexpr size_t kDefaultChunkBytes = 1 << 20;

struct ObjectInfo {
  std::string name;    // 64 hex characters; never the plaintext's hash
  std::string sha256;  // hex SHA-256 of the plaintext
  uint64_t size = 0;
  bool deduplicated = false;  // the same bytes were already stored
  bool repaired = false;      // ... but that copy was damaged and is now replaced
};

// The result of checking one object end to end.
struct ObjectCheck {
  bool ok = false;
  std::string problem;  // for people: what is wrong, naming the chunk or field
  std::string sha256;   // of the plaintext, when it could be computed
  uint64_t size = 0;
};

// Content-addressed, encrypted, write-once objects under <vault>/objects/xx/NAME.
// Thread-safe: writers and readers are independent objects.
class ObjectStore {
 public:
  ObjectStore(std::string vault_dir, const Keyring& keys, Disk& disk = PosixDisk(),
              size_t chunk_bytes = kDefaultChunkBytes);

  // Streams plaintext in through Write(); Finish() makes the object visible.
  // A writer that is destroyed without Finish() leaves nothing behind.
  class Writer {
   public:
    ~Writer();
    Status Write(const uint8_t* data, size_t n);
    // Reads `fd` to its end straight into the pipeline's buffers (no extra copy).
    Status WriteFrom(int fd, const std::string& what);
    Result<ObjectInfo> Finish();
    uint64_t bytes() const { return size_; }
    // The first bytes written (up to 64 KiB), to recognize the media type.
    const std::string& head() const { return head_; }

   private:
    friend class ObjectStore;
    Writer(ObjectStore& store, std::unique_ptr<WritableFile> file, Key data_key);
    void Abort();
    // Hashes the full slot and hands it to the encrypting stage.
    Status SubmitSlot();

    ObjectStore& store_;
    std::unique_ptr<WritableFile> file_;
    Key data_key_;
    std::unique_ptr<ChunkPipeline> pipeline_;
    std::unique_ptr<ChunkCipher> cipher_;
    struct HashState;
    std::unique_ptr<HashState> hash_;
    std::vector<uint8_t> sealed_;
    uint8_t* slot_ = nullptr;
    size_t filled_ = 0;
    uint64_t chunks_ = 0;
    uint64_t size_ = 0;
    std::string head_;
    std::string scope_;
    int ingest_lock_ = -1;  // shared IngestLock, held while this writer lives
    bool done_ = false;
  };

  // Random access to an object's plaintext; every byte returned passed its
  // authentication tag.
  class Reader final : public RandomAccessSource {
   public:
    ~Reader() override;
    uint64_t size() const override { return size_; }
    Result<size_t> ReadAt(uint64_t offset, uint8_t* buf, size_t n) override;
    // The plaintext hash recorded in the object's authenticated trailer.
    const std::string& sha256() const { return sha256_; }

   private:
    friend class ObjectStore;
    Reader() = default;
    int fd_ = -1;
    std::string name_;
    size_t chunk_bytes_ = 0;
    uint64_t size_ = 0;
    uint64_t chunks_ = 0;
    std::string sha256_;
    std::unique_ptr<ChunkCipher> cipher_;
    std::vector<uint8_t> sealed_;
    std::vector<uint8_t> plain_;
    uint64_t cached_ = UINT64_MAX;
  };

  // `scope` names the object per matter (Keyring::ObjectName); "" for the
  // unscoped name.
  Result<std::unique_ptr<Writer>> NewWriter(const std::string& scope = "");
  // kNotFound when the object file is missing; kIo when it is damaged.
  Result<std::unique_ptr<Reader>> Open(const std::string& name) const;
  // Decrypts and re-hashes the whole object; damage is reported in the result,
  // never as an error. Constant memory.
  // The name must be the plaintext's name in `scope`, or its unscoped name (an
  // object stored before names had scopes).
  ObjectCheck Verify(const std::string& name, const std::string& scope = "") const;
  bool Exists(const std::string& name) const;
  // A file descriptor holding an flock on <vault>/ingest.lock: shared by every
  // writer from NewWriter() until it is destroyed (after its record is stored),
  // exclusive for garbage collection, which so never takes an object whose
  // record is about to be written for an orphan. The caller closes it.
  Result<int> IngestLock(bool exclusive) const;
  std::string PathOf(const std::string& name) const;
  const std::string& dir() const { return dir_; }

 private:
  struct Layout;
  Result<Layout> ReadLayout(int fd, const std::string& name, uint8_t* header_out) const;

  std::string dir_;
  const Keyring& keys_;
  Disk& disk_;
  size_t chunk_bytes_;
};

}  // namespace refuge::vault
