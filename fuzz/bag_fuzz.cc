// A BagIt bag from anyone, as `refuge evidence verify-bag` meets it: the input
// becomes a directory tree, VerifyBag validates it, and the tree is deleted.
//
// The input is a list of entries, each starting on a line of its own with "::":
//   ::PATH            a regular file; its content follows on the next line and
//                     runs up to the next "\n::" or the end of the input
//   ::PATH/           a directory
//   ::PATH -> TARGET  a symbolic link (to anything: it is never followed here)
//   ::PATH |          a named pipe
// PATH is relative to the bag. It may climb out of the bag by one level with
// "..", into a scratch directory of this process, so that a manifest naming
// "../x" refers to a file that exists; anything that would leave the scratch
// directory, and absolute paths, are not created (manifests may still name them).
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "scratch.h"
#include "refuge/vault/bagit.h"

namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxEntries = 64;
constexpr size_t kMaxDepth = 32;

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "bag_fuzz: %s\n", what.c_str());
  std::abort();
}

struct Entry {
  enum Kind { kFile, kDir, kLink, kPipe } kind = kFile;
  std::string path;
  std::string content;  // a file's bytes, or a link's target
};

std::vector<Entry> ParseEntries(std::string_view in) {
  std::vector<Entry> out;
  size_t at = in.rfind("::", 0) == 0 ? 0 : in.find("\n::");
  if (at != std::string_view::npos && at > 0) ++at;
  while (at != std::string_view::npos && out.size() < kMaxEntries) {
    const size_t header_end = std::min(in.find('\n', at), in.size());
    std::string_view header = in.substr(at + 2, header_end - at - 2);
    const size_t next =
        header_end == in.size() ? std::string_view::npos : in.find("\n::", header_end);
    Entry e;
    if (size_t arrow = header.find(" -> "); arrow != std::string_view::npos) {
      e.kind = Entry::kLink;
      e.path = header.substr(0, arrow);
      e.content = header.substr(arrow + 4);
    } else if (header.size() >= 2 && header.substr(header.size() - 2) == " |") {
      e.kind = Entry::kPipe;
      e.path = header.substr(0, header.size() - 2);
    } else if (!header.empty() && header.back() == '/') {
      e.kind = Entry::kDir;
      e.path = header;
    } else {
      e.path = header;
      const size_t end = next == std::string_view::npos ? in.size() : next;
      if (end > header_end) e.content = in.substr(header_end + 1, end - header_end - 1);
    }
    out.push_back(std::move(e));
    at = next == std::string_view::npos ? next : next + 1;
  }
  return out;
}

// The components of `path` below the scratch directory, or empty when the path
// is absolute, too deep, or leaves the scratch directory.
std::vector<std::string> Resolve(const std::string& path) {
  if (path.empty() || path.front() == '/') return {};
  std::vector<std::string> parts = {"bag"};
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = std::min(path.find('/', start), path.size());
    std::string seg = path.substr(start, end - start);
    start = end + 1;
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") {
      if (parts.empty()) return {};
      parts.pop_back();
    } else {
      parts.push_back(seg);
    }
    if (parts.size() > kMaxDepth) return {};
  }
  // The bag directory itself stays as it is.
  if (parts.empty() || (parts.size() == 1 && parts[0] == "bag")) return {};
  return parts;
}

// Creates `e` under the directory `root` without following any link on the way:
// every directory is opened with O_NOFOLLOW, so an earlier entry's link cannot
// lead a later one out of the scratch directory.
void Create(int root, const Entry& e) {
  std::vector<std::string> parts = Resolve(e.path);
  if (parts.empty()) return;
  int dir = ::dup(root);
  for (size_t i = 0; i + 1 < parts.size() && dir >= 0; ++i) {
    (void)::mkdirat(dir, parts[i].c_str(), 0700);
    int sub = ::openat(dir, parts[i].c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    ::close(dir);
    dir = sub;
  }
  if (dir < 0) return;
  const char* name = parts.back().c_str();
  switch (e.kind) {
    case Entry::kDir:
      (void)::mkdirat(dir, name, 0700);
      break;
    case Entry::kLink:
      (void)::symlinkat(e.content.c_str(), dir, name);
      break;
    case Entry::kPipe:
      (void)::mkfifoat(dir, name, 0600);
      break;
    case Entry::kFile: {
      // O_NONBLOCK: an earlier entry may have made a pipe of this name.
      int fd = ::openat(dir, name,
                        O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
      if (fd >= 0) {
        const char* p = e.content.data();
        size_t left = e.content.size();
        while (left > 0) {
          ssize_t w = ::write(fd, p, left);
          if (w <= 0) break;
          p += w;
          left -= static_cast<size_t>(w);
        }
        ::close(fd);
      }
      break;
    }
  }
  ::close(dir);
}

// The paths a manifest names, decoded as VerifyBag decodes them.
std::vector<std::string> ManifestPaths(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find_first_of("\r\n", start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    size_t ws = line.find_first_of(" \t");
    if (ws == std::string::npos) continue;
    size_t at = line.find_first_not_of(" \t", ws);
    if (at != std::string::npos) out.push_back(refuge::vault::DecodeBagPath(line.substr(at)));
  }
  return out;
}

bool Escapes(const std::string& path) {
  if (path.empty() || path.front() == '/') return true;
  for (const auto& part : fs::path(path)) {
    if (part == "..") return true;
  }
  return false;
}

// What a valid bag promises, checked against the tree as it was made: every
// payload file was counted, nothing under data/ is a link or a pipe, and no
// manifest names a path outside the bag.
void CheckValidBag(const std::string& bag, const refuge::vault::BagReport& report) {
  uint64_t files = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(bag + "/data", ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const auto type = it->symlink_status(ec).type();
    if (type == fs::file_type::regular) {
      ++files;
    } else if (type != fs::file_type::directory) {
      Fail("a bag with " + it->path().string() + " (neither file nor directory) was accepted");
    }
  }
  if (files != report.payload_files) {
    Fail("a valid bag counts " + std::to_string(report.payload_files) +
         " payload files; data/ holds " + std::to_string(files));
  }
  for (const auto& entry : fs::directory_iterator(bag, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("manifest-", 0) != 0 && name.rfind("tagmanifest-", 0) != 0) continue;
    if (entry.symlink_status(ec).type() != fs::file_type::regular) continue;
    std::string text;
    if (FILE* f = std::fopen(entry.path().c_str(), "rb")) {
      char buf[4096];
      size_t n;
      while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
      std::fclose(f);
    }
    for (const auto& p : ManifestPaths(text)) {
      if (Escapes(p)) Fail("a valid bag's " + name + " names " + p);
    }
  }
}

std::string g_scratch;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// VerifyBag must never wait on something in the bag, such as a named pipe. A
// blocked call would only end when libFuzzer's timer interrupts it, which looks
// like an ordinary read error; the watchdog makes it a crash. Validating these
// small trees takes milliseconds.
constexpr int64_t kBlockedMs = 5000;
std::atomic<int64_t> g_verify_started_ms{0};

void Watchdog() {
  while (true) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const int64_t started = g_verify_started_ms.load();
    if (started != 0 && NowMs() - started > kBlockedMs) {
      Fail("VerifyBag has run for " + std::to_string(kBlockedMs / 1000) +
           " s: it is waiting on something in the bag");
    }
  }
}

void RemoveScratch() {
  std::error_code ec;
  if (!g_scratch.empty()) fs::remove_all(g_scratch, ec);
}

std::string MakeScratch(const std::string& prefix) {
  std::string dir = refuge::fuzz::MakeScratch(prefix);
  if (dir.empty()) Fail("cannot create a scratch directory " + prefix + "...");
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  g_scratch = MakeScratch("refuge-bag-fuzz-");
  std::atexit(RemoveScratch);
  std::thread(Watchdog).detach();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string run = g_scratch + "/run";
  const std::string bag = run + "/bag";
  std::error_code ec;
  fs::remove_all(run, ec);
  if (::mkdir(run.c_str(), 0700) != 0 || ::mkdir(bag.c_str(), 0700) != 0)
    Fail("cannot create " + bag);
  int root = ::open(run.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (root < 0) Fail("cannot open " + run);
  for (const auto& e : ParseEntries(std::string_view(reinterpret_cast<const char*>(data), size)))
    Create(root, e);
  ::close(root);

  g_verify_started_ms = NowMs();
  auto report = refuge::vault::VerifyBag(bag);
  g_verify_started_ms = 0;
  // Only I/O failures on the bag's own directory are errors, and it is there.
  if (!report.ok()) Fail("VerifyBag failed: " + report.status().ToString());
  // The report prints as `verify-bag --json` prints it.
  (void)report->ToJson().dump(2);
  if (report->ok) CheckValidBag(bag, *report);
  fs::remove_all(run, ec);
  return 0;
}
