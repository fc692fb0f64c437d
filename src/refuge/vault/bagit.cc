#include "refuge/vault/bagit.h"

#include <dirent.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>

#include "refuge/base/utf8.h"
#include "refuge/vault/codec.h"
#include "refuge/vault/custody.h"

namespace refuge::vault {

using Json = nlohmann::json;

namespace {

constexpr size_t kBufferBytes = 1 << 20;
constexpr uint64_t kMaxManifestBytes = 64ull << 20;

std::string ErrnoText() { return std::strerror(errno); }

Status WriteAll(int fd, const uint8_t* d, size_t n, const std::string& what) {
  while (n > 0) {
    ssize_t w = ::write(fd, d, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return IoError("cannot write " + what + ": " + (errno == ENOSPC ? std::string("the disk is full") : ErrnoText()));
    }
    d += w;
    n -= static_cast<size_t>(w);
  }
  return Status::Ok();
}

Status SyncPath(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return IoError("cannot open " + path + ": " + ErrnoText());
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return IoError("cannot flush " + path + ": " + ErrnoText());
  return Status::Ok();
}

Status MakeParents(const std::string& base, const std::string& rel) {
  size_t pos = 0;
  while ((pos = rel.find('/', pos)) != std::string::npos) {
    std::string dir = base + "/" + rel.substr(0, pos);
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return IoError("cannot create " + dir + ": " + ErrnoText());
    ++pos;
  }
  return Status::Ok();
}

bool IsHex(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The lines of a text file, without their CR, LF or CRLF endings.
std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\r' || c == '\n') {
      out.push_back(cur);
      cur.clear();
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

// Text taken from a bag (file names, manifest lines, declared values) as a report
// may show it: reports are printed to terminals and as JSON, so valid UTF-8 stays
// and every control character, backslash and byte that is not UTF-8 becomes \xNN.
std::string Printable(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const size_t len = Utf8SequenceAt(s, i);
    // No C1 controls either (U+0080..U+009F).
    bool ok = len > 0 && !(c == 0xC2 && static_cast<unsigned char>(s[i + 1]) < 0xA0);
    if (ok && len == 1 && (c < 0x20 || c == 0x7F || c == '\\')) ok = false;
    if (!ok) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
      ++i;
      continue;
    }
    out.append(s.substr(i, len));
    i += len;
  }
  return out;
}

}  // namespace

Digests::Digests(const std::vector<std::string>& algorithms) {
  for (const auto& a : algorithms) {
    const EVP_MD* md = EVP_get_digestbyname(a.c_str());
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, md, nullptr);
    ctx_.emplace_back(a, ctx);
  }
}

Digests::~Digests() {
  for (auto& [a, ctx] : ctx_) EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx));
}

void Digests::Update(const uint8_t* d, size_t n) {
  for (auto& [a, ctx] : ctx_) EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx), d, n);
}

std::map<std::string, std::string> Digests::Final() {
  std::map<std::string, std::string> out;
  for (auto& [a, ctx] : ctx_) {
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx), md, &len);
    out[a] = Hex(md, len);
  }
  return out;
}

std::string BagInfoText(const std::vector<std::pair<std::string, std::string>>& info, uint64_t octets,
                        uint64_t files) {
  std::string bag_info;
  for (const auto& [label, value] : info) {
    std::string v = value;
    std::replace(v.begin(), v.end(), '\n', ' ');
    std::replace(v.begin(), v.end(), '\r', ' ');
    bag_info += label + ": " + v + "\n";
  }
  bag_info += "Payload-Oxum: " + std::to_string(octets) + "." + std::to_string(files) + "\n";
  return bag_info;
}

bool IsSafeBagPath(std::string_view path) {
  if (path.empty() || path.front() == '/' || path.front() == '~') return false;
  if (path.size() >= 2 && path[1] == ':') return false;  // a drive letter
  for (char c : path) {
    if (c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  }
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view seg = path.substr(start, end - start);
    if (seg.empty() || seg == "." || seg == "..") return false;
    start = end + 1;
  }
  return true;
}

std::string EncodeBagPath(std::string_view path) {
  std::string out;
  for (char c : path) {
    if (c == '%') out += "%25";
    else if (c == '\r') out += "%0D";
    else if (c == '\n') out += "%0A";
    else out += c;
  }
  return out;
}

std::string DecodeBagPath(std::string_view path) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '%' && i + 2 < path.size()) {
      std::string code = Lower(std::string(path.substr(i + 1, 2)));
      if (code == "25") { out += '%'; i += 2; continue; }
      if (code == "0d") { out += '\r'; i += 2; continue; }
      if (code == "0a") { out += '\n'; i += 2; continue; }
    }
    out += path[i];
  }
  return out;
}

// --- writing ---

Result<std::unique_ptr<BagWriter>> BagWriter::Create(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path target = fs::absolute(dir, ec);
  if (ec) return Invalid("--out", "not a usable path: " + dir);
  if (target.filename().empty()) target = target.parent_path();
  if (fs::exists(target, ec)) {
    if (!fs::is_directory(target, ec) || !fs::is_empty(target, ec)) {
      return Conflict(dir + " exists and is not an empty directory; choose a new place for the bag", "--out");
    }
  }
  fs::create_directories(target.parent_path(), ec);
  if (ec) return IoError("cannot create " + target.parent_path().string() + ": " + ec.message());
  std::string staging = (target.parent_path() / ("." + target.filename().string() + ".partial-XXXXXX")).string();
  if (::mkdtemp(staging.data()) == nullptr) return IoError("cannot create a directory beside " + dir + ": " + ErrnoText());
  if (::mkdir((staging + "/data").c_str(), 0700) != 0) {
    ::rmdir(staging.c_str());
    return IoError("cannot create " + staging + "/data: " + ErrnoText());
  }
  return std::unique_ptr<BagWriter>(new BagWriter(target.string(), staging));
}

BagWriter::~BagWriter() {
  if (!finished_) {
    std::error_code ec;
    std::filesystem::remove_all(staging_, ec);
  }
}

Result<BagWriter::Payload> BagWriter::AddPayload(const std::string& rel, RandomAccessSource& src) {
  const std::string path = "data/" + rel;
  if (!IsSafeBagPath(path)) return Invalid("path", "unsafe payload path: " + rel);
  REFUGE_RETURN_IF_ERROR(MakeParents(staging_, path));
  const std::string full = staging_ + "/" + path;
  int fd = ::open(full.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return IoError("cannot create " + full + ": " + ErrnoText());
  Digests digests({"sha256", "sha512"});
  std::vector<uint8_t> buf(kBufferBytes);
  uint64_t off = 0;
  Status s;
  while (off < src.size()) {
    auto n = src.ReadAt(off, buf.data(), buf.size());
    if (!n.ok()) {
      s = n.status();
      break;
    }
    if (*n == 0) {
      s = IoError("the content ended early while writing " + path);
      break;
    }
    digests.Update(buf.data(), *n);
    s = WriteAll(fd, buf.data(), *n, path);
    if (!s.ok()) break;
    off += *n;
  }
  if (s.ok() && ::fsync(fd) != 0) s = IoError("cannot flush " + path + ": " + ErrnoText());
  ::close(fd);
  if (!s.ok()) return s;
  auto sums = digests.Final();
  Payload p{path, off, sums["sha256"], sums["sha512"]};
  payload_.push_back(p);
  return p;
}

Status BagWriter::WriteFile(const std::string& rel, const std::string& content) {
  REFUGE_RETURN_IF_ERROR(MakeParents(staging_, rel));
  const std::string full = staging_ + "/" + rel;
  int fd = ::open(full.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return IoError("cannot create " + full + ": " + ErrnoText());
  Status s = WriteAll(fd, reinterpret_cast<const uint8_t*>(content.data()), content.size(), rel);
  if (s.ok() && ::fsync(fd) != 0) s = IoError("cannot flush " + rel + ": " + ErrnoText());
  ::close(fd);
  return s;
}

Status BagWriter::AddTagFile(const std::string& rel, const std::string& content) {
  if (!IsSafeBagPath(rel) || rel.rfind("data/", 0) == 0 || rel.rfind("manifest-", 0) == 0 ||
      rel.rfind("tagmanifest-", 0) == 0 || rel == "bagit.txt" || rel == "bag-info.txt") {
    return Invalid("path", "not a tag file name Refuge may write: " + rel);
  }
  REFUGE_RETURN_IF_ERROR(WriteFile(rel, content));
  tag_files_.push_back(rel);
  return Status::Ok();
}

std::map<std::string, std::string> BagWriter::TagFiles(
    const std::vector<Payload>& payload, const std::map<std::string, std::string>& other_tags,
    const std::vector<std::pair<std::string, std::string>>& info) {
  std::map<std::string, std::string> tags;  // file -> content, for the tag manifests
  tags["bagit.txt"] = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n";
  uint64_t octets = 0;
  for (const auto& p : payload) octets += p.size;
  tags["bag-info.txt"] = BagInfoText(info, octets, payload.size());
  std::vector<Payload> sorted = payload;
  std::sort(sorted.begin(), sorted.end(), [](const Payload& a, const Payload& b) { return a.path < b.path; });
  std::string m256, m512;
  for (const auto& p : sorted) {
    m256 += p.sha256 + "  " + EncodeBagPath(p.path) + "\n";
    m512 += p.sha512 + "  " + EncodeBagPath(p.path) + "\n";
  }
  tags["manifest-sha256.txt"] = m256;
  tags["manifest-sha512.txt"] = m512;

  std::map<std::string, std::string> listed = other_tags;  // sorted by name
  for (const auto& [name, content] : tags) listed[name] = content;
  std::string t256, t512;
  for (const auto& [name, content] : listed) {
    Digests d({"sha256", "sha512"});
    d.Update(reinterpret_cast<const uint8_t*>(content.data()), content.size());
    auto sums = d.Final();
    t256 += sums["sha256"] + "  " + EncodeBagPath(name) + "\n";
    t512 += sums["sha512"] + "  " + EncodeBagPath(name) + "\n";
  }
  tags["tagmanifest-sha256.txt"] = t256;
  tags["tagmanifest-sha512.txt"] = t512;
  return tags;
}

Status BagWriter::Finish(const std::vector<std::pair<std::string, std::string>>& info) {
  std::map<std::string, std::string> others;
  for (const auto& name : tag_files_) {
    // Tag files written by AddTagFile are read back from the staging directory.
    std::string content;
    int fd = ::open((staging_ + "/" + name).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return IoError("cannot read back " + name + ": " + ErrnoText());
    char buf[65536];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) content.append(buf, static_cast<size_t>(n));
    ::close(fd);
    if (n < 0) return IoError("cannot read back " + name + ": " + ErrnoText());
    others[name] = std::move(content);
  }
  for (const auto& [name, content] : TagFiles(payload_, others, info)) REFUGE_RETURN_IF_ERROR(WriteFile(name, content));

  // Every directory's entries are durable before the bag appears under its name.
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(staging_, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory()) REFUGE_RETURN_IF_ERROR(SyncPath(it->path().string()));
  }
  REFUGE_RETURN_IF_ERROR(SyncPath(staging_));
  if (::rename(staging_.c_str(), dir_.c_str()) != 0) {
    return IoError("cannot move the finished bag to " + dir_ + ": " + ErrnoText());
  }
  finished_ = true;
  return SyncPath(std::filesystem::path(dir_).parent_path().string());
}

// --- validating ---

Json BagReport::ToJson() const {
  Json j = {{"ok", ok},
            {"problems", problems},
            {"payload_files", payload_files},
            {"payload_bytes", payload_bytes},
            {"algorithms", algorithms}};
  if (!custody.is_null()) j["custody"] = custody;
  return j;
}

namespace {

struct Manifest {
  std::string algorithm;
  std::map<std::string, std::string> sums;  // decoded path -> lowercase hex
};

// The digest length in hex characters of a supported algorithm; 0 for others.
size_t HexLength(const std::string& alg) {
  static const std::map<std::string, size_t> kLengths = {
      {"md5", 32}, {"sha1", 40}, {"sha224", 56}, {"sha256", 64}, {"sha384", 96}, {"sha512", 128}};
  auto it = kLengths.find(alg);
  return it == kLengths.end() ? 0 : it->second;
}

// Reads a small file in the bag; refuses symbolic links and oversized files.
Result<std::string> ReadBagFile(const std::string& base, const std::string& rel, uint64_t limit) {
  const std::string full = base + "/" + rel;
  // O_NONBLOCK: opening a named pipe would otherwise wait for a writer forever.
  int fd = ::open(full.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT) return NotFound(rel + " is missing");
    if (errno == ELOOP) return Invalid(rel, rel + " is a symbolic link, which a bag may not contain");
    return IoError("cannot read " + rel + ": " + ErrnoText());
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Invalid(rel, rel + " is not a regular file");
  }
  if (static_cast<uint64_t>(st.st_size) > limit) {
    ::close(fd);
    return Invalid(rel, rel + " is too large to be a tag file Refuge reads");
  }
  std::string out;
  char buf[65536];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  if (n < 0) return IoError("cannot read " + rel + ": " + ErrnoText());
  return out;
}

// Hashes an existing regular file (not following links) with several algorithms.
Result<std::map<std::string, std::string>> HashBagFile(const std::string& base, const std::string& rel,
                                                       const std::vector<std::string>& algorithms,
                                                       uint64_t* size) {
  int fd = ::open((base + "/" + rel).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return IoError("cannot read " + rel + ": " + ErrnoText());
  // It was a regular file when listed; it may have been swapped since.
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Invalid(rel, rel + " is not a regular file");
  }
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  Digests d(algorithms);
  std::vector<uint8_t> buf(kBufferBytes);
  uint64_t total = 0;
  while (true) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      return IoError("cannot read " + rel + ": " + ErrnoText());
    }
    if (n == 0) break;
    d.Update(buf.data(), static_cast<size_t>(n));
    total += static_cast<uint64_t>(n);
  }
  ::close(fd);
  *size = total;
  return d.Final();
}

// Every entry under data/, without following links. Anything but directories and
// regular files is a problem.
void WalkPayload(const std::string& base, const std::string& rel, std::set<std::string>* files,
                 std::vector<std::string>* problems) {
  DIR* d = ::opendir((base + "/" + rel).c_str());
  if (d == nullptr) {
    problems->push_back("cannot read the directory " + rel + ": " + ErrnoText());
    return;
  }
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    const std::string path = rel + "/" + name;
    struct stat st;
    if (::lstat((base + "/" + path).c_str(), &st) != 0) {
      problems->push_back("cannot read " + path + ": " + ErrnoText());
    } else if (S_ISLNK(st.st_mode)) {
      problems->push_back(path + " is a symbolic link, which a bag may not contain");
    } else if (S_ISDIR(st.st_mode)) {
      WalkPayload(base, path, files, problems);
    } else if (S_ISREG(st.st_mode)) {
      files->insert(path);
    } else {
      problems->push_back(path + " is not a regular file");
    }
  }
}

// Parses a manifest; problems name the file and line.
Manifest ParseManifest(const std::string& name, const std::string& algorithm, const std::string& text,
                       bool payload, std::vector<std::string>* problems) {
  Manifest m;
  m.algorithm = algorithm;
  const size_t hex_len = HexLength(algorithm);
  auto lines = Lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    const std::string where = name + " line " + std::to_string(i + 1);
    if (line.empty()) continue;
    size_t ws = line.find_first_of(" \t");
    size_t path_at = ws == std::string::npos ? std::string::npos : line.find_first_not_of(" \t", ws);
    if (ws == std::string::npos || path_at == std::string::npos) {
      problems->push_back(where + ": expected a checksum and a path");
      continue;
    }
    std::string sum = Lower(line.substr(0, ws));
    std::string path = DecodeBagPath(line.substr(path_at));
    if (!IsHex(sum) || sum.size() != hex_len) {
      problems->push_back(where + ": '" + line.substr(0, ws) + "' is not a " + algorithm + " checksum");
      continue;
    }
    if (!IsSafeBagPath(path)) {
      problems->push_back(where + ": unsafe path '" + path + "' (absolute, '..', '.', or a backslash); refused");
      continue;
    }
    const bool in_data = path.rfind("data/", 0) == 0;
    if (payload && !in_data) {
      problems->push_back(where + ": " + path + " is outside data/, where payload files belong");
      continue;
    }
    if (!payload && in_data) {
      problems->push_back(where + ": " + path + " is a payload file; a tag manifest may list only tag files");
      continue;
    }
    if (!payload && path.rfind("tagmanifest-", 0) == 0) {
      problems->push_back(where + ": a tag manifest may not list a tag manifest (" + path + ")");
      continue;
    }
    if (m.sums.count(path)) {
      problems->push_back(where + ": " + path + " is listed twice");
      continue;
    }
    m.sums[path] = sum;
  }
  return m;
}

// Refuge's custody file: every chain and signature, and each payload's hash.
Json CheckCustody(const std::string& text, const std::map<std::string, std::string>& payload_sha256,
                  std::vector<std::string>* problems) {
  Json doc = Json::parse(text, nullptr, false);
  Json report = {{"items", Json::array()}};
  if (doc.is_discarded() || !doc.is_object() || doc.value("format", "") != "refuge-custody" ||
      !doc.contains("items") || !doc["items"].is_array()) {
    problems->push_back(std::string(kCustodyTagFile) + " is not a Refuge custody file");
    return report;
  }
  report["public_key"] = doc.value("public_key", "");
  for (size_t i = 0; i < doc["items"].size(); ++i) {
    const Json& item = doc["items"][i];
    const std::string where = std::string(kCustodyTagFile) + " item " + std::to_string(i + 1);
    if (!item.is_object() || !item.contains("evidence") || !item["evidence"].is_string() ||
        !item.contains("payload") || !item["payload"].is_string() || !item.contains("sha256") ||
        !item["sha256"].is_string() || !item.contains("head") || !item["head"].is_object() ||
        !item.contains("entries") || !item["entries"].is_array()) {
      problems->push_back(where + " is incomplete");
      continue;
    }
    const std::string id = item["evidence"];
    std::vector<CustodyEntry> entries;
    bool entries_ok = true;
    for (const auto& e : item["entries"]) {
      CustodyEntry ce;
      if (!CustodyEntryFromJson(e, &ce)) {
        entries_ok = false;
        break;
      }
      entries.push_back(std::move(ce));
    }
    if (!entries_ok) {
      problems->push_back(where + " (" + id + ") has a malformed custody entry");
      continue;
    }
    const Json& h = item["head"];
    CustodyHead head;
    head.seq = h.value("seq", int64_t{0});
    head.hash = h.value("hash", "");
    head.signature = h.value("signature", "");
    head.public_key = h.value("public_key", "");
    std::vector<std::string> chain = VerifyChain(id, entries, head, nullptr);
    const std::string payload = item["payload"];
    const std::string sha = Lower(item["sha256"]);
    auto it = payload_sha256.find(payload);
    if (it == payload_sha256.end()) {
      chain.push_back("its payload " + payload + " is not in the bag");
    } else if (it->second != sha) {
      chain.push_back("its payload " + payload + " does not have the SHA-256 its custody records");
    }
    if (!entries.empty() && entries.front().action == "received" &&
        Lower(entries.front().details.value("sha256", "")) != sha) {
      chain.push_back("the hash it was received with differs from the one in the bag");
    }
    for (const auto& p : chain) problems->push_back(id + ": " + p);
    report["items"].push_back(Json{{"evidence", id}, {"payload", payload}, {"entries", entries.size()},
                                   {"ok", chain.empty()}, {"problems", chain}});
  }
  return report;
}

// Everything VerifyBag checks; the problems still quote the bag as found.
Result<BagReport> ValidateBag(const std::string& dir) {
  BagReport r;
  struct stat st;
  if (::lstat(dir.c_str(), &st) != 0) return NotFound("no bag at " + dir);
  if (!S_ISDIR(st.st_mode)) return Invalid("DIR", dir + " is not a directory");
  auto& problems = r.problems;

  auto bagit = ReadBagFile(dir, "bagit.txt", 4096);
  if (!bagit.ok()) {
    problems.push_back(bagit.status().code() == Code::kNotFound ? "bagit.txt is missing: this is not a bag"
                                                                : bagit.status().message());
    return r;
  }
  auto decl = Lines(*bagit);
  if (decl.size() != 2 || decl[0].rfind("BagIt-Version: ", 0) != 0 ||
      decl[1].rfind("Tag-File-Character-Encoding: ", 0) != 0) {
    problems.push_back("bagit.txt must hold exactly the BagIt-Version and Tag-File-Character-Encoding lines");
  } else {
    const std::string version = decl[0].substr(15);
    if (version != "1.0" && version != "0.97") problems.push_back("BagIt-Version " + version + " is not one Refuge reads (1.0, 0.97)");
    if (Lower(decl[1].substr(29)) != "utf-8") problems.push_back("tag files must be UTF-8 (bagit.txt says " + decl[1].substr(29) + ")");
  }
  if (::lstat((dir + "/data").c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    problems.push_back("the payload directory data/ is missing");
    return r;
  }

  // Manifests by name.
  std::vector<Manifest> payload_manifests, tag_manifests;
  std::vector<std::string> base_names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) base_names.push_back(e->d_name);
    ::closedir(d);
  }
  std::sort(base_names.begin(), base_names.end());
  for (const auto& name : base_names) {
    const bool tag = name.rfind("tagmanifest-", 0) == 0;
    const bool pay = name.rfind("manifest-", 0) == 0;
    if ((!tag && !pay) || name.size() < 5 || name.substr(name.size() - 4) != ".txt") continue;
    const std::string alg = Lower(name.substr(tag ? 12 : 9, name.size() - 4 - (tag ? 12 : 9)));
    if (HexLength(alg) == 0) {
      problems.push_back(name + " uses an algorithm Refuge cannot check (" + alg + ")");
      continue;
    }
    auto text = ReadBagFile(dir, name, kMaxManifestBytes);
    if (!text.ok()) {
      problems.push_back(text.status().message());
      continue;
    }
    (tag ? tag_manifests : payload_manifests).push_back(ParseManifest(name, alg, *text, !tag, &problems));
  }
  if (payload_manifests.empty()) {
    problems.push_back("the bag has no payload manifest (manifest-ALGORITHM.txt)");
    return r;
  }
  auto fetch = ReadBagFile(dir, "fetch.txt", kMaxManifestBytes);
  if (fetch.ok() && !Lines(*fetch).empty()) {
    problems.push_back("fetch.txt lists files to download; Refuge does not fetch them, so the bag is not complete");
  }

  // Completeness: every file listed in every payload manifest, and present.
  std::set<std::string> files;
  WalkPayload(dir, "data", &files, &problems);
  std::vector<std::string> algorithms;
  for (const auto& m : payload_manifests) {
    algorithms.push_back(m.algorithm);
    for (const auto& f : files) {
      if (!m.sums.count(f)) problems.push_back(f + " is not listed in manifest-" + m.algorithm + ".txt");
    }
    for (const auto& [path, sum] : m.sums) {
      if (!files.count(path)) problems.push_back(path + " is listed in manifest-" + m.algorithm + ".txt but missing");
    }
  }
  r.algorithms = algorithms;

  // Validity: every checksum, each file read once.
  std::vector<std::string> with_sha256 = algorithms;
  if (std::find(with_sha256.begin(), with_sha256.end(), "sha256") == with_sha256.end()) with_sha256.push_back("sha256");
  std::map<std::string, std::string> payload_sha256;
  for (const auto& f : files) {
    uint64_t size = 0;
    auto sums = HashBagFile(dir, f, with_sha256, &size);
    if (!sums.ok()) {
      problems.push_back(sums.status().message());
      continue;
    }
    ++r.payload_files;
    r.payload_bytes += size;
    payload_sha256[f] = (*sums)["sha256"];
    for (const auto& m : payload_manifests) {
      auto it = m.sums.find(f);
      if (it != m.sums.end() && it->second != (*sums)[m.algorithm]) {
        problems.push_back(f + " does not match its " + m.algorithm + " checksum: it was changed or damaged");
      }
    }
  }

  // bag-info.txt: Payload-Oxum, when present, must agree.
  auto info = ReadBagFile(dir, "bag-info.txt", kMaxManifestBytes);
  if (info.ok()) {
    for (const auto& line : Lines(*info)) {
      if (line.rfind("Payload-Oxum:", 0) != 0) continue;
      std::string v = line.substr(13);
      v.erase(0, v.find_first_not_of(" \t"));
      const std::string expected = std::to_string(r.payload_bytes) + "." + std::to_string(r.payload_files);
      if (v != expected) problems.push_back("Payload-Oxum says " + v + " but the payload is " + expected + " (bytes.files)");
    }
  } else if (info.status().code() != Code::kNotFound) {
    problems.push_back(info.status().message());
  }

  // Tag manifests: every listed tag file present and unchanged.
  std::set<std::string> covered;
  for (const auto& m : tag_manifests) {
    for (const auto& [path, sum] : m.sums) {
      // A tag file in a subdirectory must not be reached through a link.
      bool linked = false;
      for (size_t pos = path.find('/'); pos != std::string::npos; pos = path.find('/', pos + 1)) {
        if (::lstat((dir + "/" + path.substr(0, pos)).c_str(), &st) == 0 && S_ISLNK(st.st_mode)) linked = true;
      }
      if (linked) {
        problems.push_back(path + " is reached through a symbolic link, which a bag may not contain");
        continue;
      }
      if (::lstat((dir + "/" + path).c_str(), &st) != 0) {
        problems.push_back(path + " is listed in tagmanifest-" + m.algorithm + ".txt but missing");
        continue;
      }
      if (!S_ISREG(st.st_mode)) {
        problems.push_back(path + " is not a regular file");
        continue;
      }
      uint64_t size = 0;
      auto sums = HashBagFile(dir, path, {m.algorithm}, &size);
      if (!sums.ok()) {
        problems.push_back(sums.status().message());
        continue;
      }
      if ((*sums)[m.algorithm] != sum) {
        problems.push_back(path + " does not match its " + m.algorithm + " checksum in tagmanifest-" + m.algorithm + ".txt");
      }
      covered.insert(path);
    }
  }

  auto custody = ReadBagFile(dir, kCustodyTagFile, 1ull << 30);
  if (custody.ok()) {
    if (!covered.count(kCustodyTagFile)) {
      problems.push_back(std::string(kCustodyTagFile) + " is not covered by a tag manifest");
    }
    r.custody = CheckCustody(*custody, payload_sha256, &problems);
  } else if (custody.status().code() != Code::kNotFound) {
    problems.push_back(custody.status().message());
  }
  r.ok = problems.empty();
  return r;
}

}  // namespace

Result<BagReport> VerifyBag(const std::string& dir) {
  REFUGE_ASSIGN_OR_RETURN(BagReport r, ValidateBag(dir));
  for (auto& p : r.problems) p = Printable(p);
  if (r.custody.is_object()) {
    if (r.custody.contains("public_key") && r.custody["public_key"].is_string()) {
      r.custody["public_key"] = Printable(r.custody["public_key"].get<std::string>());
    }
    for (auto& item : r.custody["items"]) {
      for (auto& p : item["problems"]) p = Printable(p.get<std::string>());
    }
  }
  return r;
}

}  // namespace refuge::vault
