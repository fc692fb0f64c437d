#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "refuge/base/status.h"
#include "refuge/vault/source.h"

namespace refuge::vault {

// BagIt 1.0 (RFC 8493): writing bags and validating any bag.

// Whether a manifest path is safe to open inside a bag: relative, "/"-separated,
// without ".", ".." or empty segments, backslashes, control characters or a
// drive letter.
bool IsSafeBagPath(std::string_view path);
// Manifest path encoding: CR, LF and "%" as %0D, %0A and %25 (RFC 8493, 2.1.3).
std::string EncodeBagPath(std::string_view path);
std::string DecodeBagPath(std::string_view path);

// Several digests ("sha256", "sha512", ...) over one pass of the bytes.
class Digests {
 public:
  explicit Digests(const std::vector<std::string>& algorithms);
  ~Digests();
  Digests(const Digests&) = delete;
  Digests& operator=(const Digests&) = delete;
  void Update(const uint8_t* d, size_t n);
  // Lowercase hex by algorithm.
  std::map<std::string, std::string> Final();

 private:
  std::vector<std::pair<std::string, void*>> ctx_;  // EVP_MD_CTX*
};

// bag-info.txt: the given fields, one a line (line breaks in values become
// spaces), then Payload-Oxum for `octets` bytes in `files` payload files.
std::string BagInfoText(const std::vector<std::pair<std::string, std::string>>& info, uint64_t octets,
                        uint64_t files);

// Builds a bag in a hidden staging directory beside `dir` and moves it into place
// only when complete, so a failed export leaves nothing that looks like a bag.
class BagWriter {
 public:
  struct Payload {
    std::string path;  // "data/..."
    uint64_t size = 0;
    std::string sha256;
    std::string sha512;
  };

  // kConflict when `dir` exists and is not an empty directory.
  static Result<std::unique_ptr<BagWriter>> Create(const std::string& dir);
  ~BagWriter();

  // Writes data/<rel> from `src`, hashing with SHA-256 and SHA-512 as it goes.
  Result<Payload> AddPayload(const std::string& rel, RandomAccessSource& src);
  // A tag file at <rel> in the bag's base directory (not under data/).
  Status AddTagFile(const std::string& rel, const std::string& content);
  // Writes bagit.txt, bag-info.txt (the given fields, then Payload-Oxum), the
  // payload manifests and the tag manifests, flushes everything and publishes the bag.
  Status Finish(const std::vector<std::pair<std::string, std::string>>& info);

  const std::vector<Payload>& payload() const { return payload_; }

  // What Finish writes, given the payload and the other tag files (name ->
  // content): bagit.txt, bag-info.txt, the payload manifests and the tag
  // manifests, by name. A bag streamed without a directory is built from it.
  static std::map<std::string, std::string> TagFiles(const std::vector<Payload>& payload,
                                                     const std::map<std::string, std::string>& other_tags,
                                                     const std::vector<std::pair<std::string, std::string>>& info);

 private:
  BagWriter(std::string dir, std::string staging) : dir_(std::move(dir)), staging_(std::move(staging)) {}
  Status WriteFile(const std::string& rel, const std::string& content);

  std::string dir_;
  std::string staging_;
  std::vector<Payload> payload_;
  std::vector<std::string> tag_files_;
  bool finished_ = false;
};

// The result of validating a bag. `ok` means complete and valid (RFC 8493, 3)
// and, when the bag carries Refuge's custody file, every chain and signature
// holds and matches the payload.
struct BagReport {
  bool ok = false;
  std::vector<std::string> problems;
  uint64_t payload_files = 0;
  uint64_t payload_bytes = 0;
  std::vector<std::string> algorithms;
  nlohmann::json custody;  // null when the bag has no refuge-custody.json
  nlohmann::json ToJson() const;
};

// Validates the bag at `dir` without trusting it: paths are checked before any
// file is opened, symbolic links are refused, and every file is hashed in
// constant memory. Only I/O failures on the bag's own directory are errors.
Result<BagReport> VerifyBag(const std::string& dir);

inline constexpr const char* kCustodyTagFile = "refuge-custody.json";

}  // namespace refuge::vault
