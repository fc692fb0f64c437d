#include "refuge/vault/tar.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <locale.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <vector>

namespace refuge::vault {

namespace {

namespace fs = std::filesystem;

constexpr size_t kReadBytes = 1 << 20;     // read from a file at a time
constexpr size_t kFlushBytes = 256 << 10;  // gathered before a write to `out`

// libarchive hands over 10 KiB records; they are gathered into larger pieces
// for `out`, and its first failure is kept so that failure, not libarchive's
// "write failed", is what the caller hears.
struct Output {
  ByteSink& out;
  std::string pending;
  Status failed;
  // Set when an archive is given up: libarchive, freed while open, would
  // still pad the last entry and write the end of the archive.
  bool abandoned = false;

  bool Push(const void* data, size_t n) {
    if (abandoned) return false;
    pending.append(static_cast<const char*>(data), n);
    return pending.size() < kFlushBytes || Flush();
  }
  bool Flush() {
    if (abandoned) return false;
    if (!failed.ok()) return false;
    if (pending.empty()) return true;
    failed = out.Write(reinterpret_cast<const uint8_t*>(pending.data()), pending.size());
    pending.clear();
    return failed.ok();
  }
};

la_ssize_t OnWrite(struct archive*, void* ctx, const void* data, size_t n) {
  return static_cast<Output*>(ctx)->Push(data, n) ? static_cast<la_ssize_t>(n) : -1;
}

int OnClose(struct archive*, void* ctx) { return static_cast<Output*>(ctx)->Flush() ? ARCHIVE_OK : ARCHIVE_FATAL; }

struct Item {
  std::string rel;  // "/"-separated, relative to the tree
  bool is_dir = false;
};

Result<std::vector<Item>> ListTree(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(fs::symlink_status(dir, ec))) return IoError(dir + " is not a directory");
  std::vector<Item> items;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const auto st = it->symlink_status(ec);
    if (ec) break;
    // Lexically: a symbolic link must be named, not resolved.
    const std::string rel = it->path().lexically_relative(dir).generic_string();
    if (fs::is_directory(st)) {
      items.push_back({rel, true});
    } else if (fs::is_regular_file(st)) {
      items.push_back({rel, false});
    } else {
      return IoError(rel + " in " + dir + " is neither a file nor a directory; it is not archived");
    }
  }
  if (ec) return IoError("cannot list " + dir + ": " + ec.message());
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.rel < b.rel; });
  return items;
}

// libarchive writes pax path headers in UTF-8 by converting from the locale's
// character set; in the "C" locale a server runs in, any non-ASCII file name
// would fail that and be marked as raw bytes instead. Names in a bag are
// UTF-8, so the writing thread, and only it, reads them as UTF-8.
class ThreadUtf8Locale {
 public:
  ThreadUtf8Locale() : utf8_(::newlocale(LC_CTYPE_MASK, "C.UTF-8", nullptr)) {
    if (utf8_ != nullptr) previous_ = ::uselocale(utf8_);
  }
  ~ThreadUtf8Locale() {
    if (utf8_ == nullptr) return;
    ::uselocale(previous_);
    ::freelocale(utf8_);
  }

 private:
  locale_t utf8_;
  locale_t previous_ = nullptr;
};

Status ArchiveError(struct archive* a, const Output& output, const std::string& what) {
  if (!output.failed.ok()) return output.failed;
  const char* why = archive_error_string(a);
  return IoError("cannot write the archive (" + what + "): " + (why ? why : "unknown error"));
}

}  // namespace

Status WriteTar(const std::string& dir, const std::string& root, ByteSink& out) {
  REFUGE_ASSIGN_OR_RETURN(std::vector<Item> items, ListTree(dir));
  ThreadUtf8Locale utf8;  // before the archive exists: it picks its conversions when made
  // Before the archive, so that it outlives it: freeing an archive left open
  // (on an early return) still calls OnClose with it.
  Output output{out, {}, Status::Ok()};
  std::unique_ptr<struct archive, int (*)(struct archive*)> a(archive_write_new(), archive_write_free);
  std::unique_ptr<struct archive_entry, void (*)(struct archive_entry*)> entry(archive_entry_new(),
                                                                             archive_entry_free);
  if (!a || !entry) return Internal("libarchive could not allocate an archive");
  if (archive_write_set_format_pax_restricted(a.get()) != ARCHIVE_OK ||
      archive_write_open2(a.get(), &output, nullptr, OnWrite, OnClose, nullptr) != ARCHIVE_OK) {
    return ArchiveError(a.get(), output, "opening");
  }
  // The tree's own directory first, then everything in it.
  items.insert(items.begin(), Item{"", true});
  std::vector<char> buf(kReadBytes);
  for (const auto& item : items) {
    const std::string path = item.rel.empty() ? dir : dir + "/" + item.rel;
    const std::string name = item.rel.empty() ? root + "/" : root + "/" + item.rel + (item.is_dir ? "/" : "");
    int fd = ::open(path.c_str(), (item.is_dir ? O_DIRECTORY : 0) | O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return IoError("cannot read " + path + ": " + std::strerror(errno));
    struct Closer {
      int fd;
      ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat st;
    if (::fstat(fd, &st) != 0) return IoError("cannot read " + path + ": " + std::strerror(errno));
    archive_entry_clear(entry.get());
    archive_entry_copy_pathname(entry.get(), name.c_str());
    archive_entry_set_filetype(entry.get(), item.is_dir ? AE_IFDIR : AE_IFREG);
    // Read-only files, as in the bag on disk; owners here mean nothing to the receiver.
    archive_entry_set_perm(entry.get(), item.is_dir ? 0755 : 0444);
    archive_entry_set_size(entry.get(), item.is_dir ? 0 : st.st_size);
    archive_entry_set_mtime(entry.get(), st.st_mtim.tv_sec, 0);
    if (archive_write_header(a.get(), entry.get()) < ARCHIVE_WARN) {
      return ArchiveError(a.get(), output, "the header of " + name);
    }
    if (item.is_dir) continue;
    int64_t left = st.st_size;
    while (left > 0) {
      ssize_t n = ::read(fd, buf.data(), static_cast<size_t>(std::min<int64_t>(left, buf.size())));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return IoError("cannot read " + path + ": " + std::strerror(errno));
      if (n == 0) return IoError(path + " became shorter while it was archived");
      if (archive_write_data(a.get(), buf.data(), static_cast<size_t>(n)) != n) {
        return ArchiveError(a.get(), output, name);
      }
      left -= n;
    }
  }
  if (archive_write_close(a.get()) != ARCHIVE_OK) return ArchiveError(a.get(), output, "the end");
  return Status::Ok();
}

// --- streaming ---

struct TarStream::State {
  explicit State(ByteSink& out) : output{out, {}, Status::Ok()} {}
  ~State() {
    // Without Close(): nothing more may reach the receiver, above all no end of archive.
    if (!closed) output.abandoned = true;
  }
  ThreadUtf8Locale utf8;  // before the archive: it picks its conversions when made
  Output output;
  std::unique_ptr<struct archive, int (*)(struct archive*)> a{archive_write_new(), archive_write_free};
  std::unique_ptr<struct archive_entry, void (*)(struct archive_entry*)> entry{archive_entry_new(),
                                                                              archive_entry_free};
  uint64_t left = 0;  // bytes the current file still expects
  std::string current;
  bool closed = false;
  bool failed = false;
};

TarStream::TarStream(std::unique_ptr<State> state) : state_(std::move(state)) {}

TarStream::~TarStream() {
  if (state_ && !state_->closed) state_->output.abandoned = true;
  // The archive (freed first, as the last member) sees `abandoned` and writes nothing.
}

Result<std::unique_ptr<TarStream>> TarStream::Open(ByteSink& out) {
  auto st = std::make_unique<State>(out);
  if (!st->a || !st->entry) return Internal("libarchive could not allocate an archive");
  // No 10 KiB blocking inside libarchive: Flush() must be able to send the start
  // of the archive before the first payload byte is read. Output gathers pieces.
  if (archive_write_set_format_pax_restricted(st->a.get()) != ARCHIVE_OK ||
      archive_write_set_bytes_per_block(st->a.get(), 0) != ARCHIVE_OK ||
      archive_write_open2(st->a.get(), &st->output, nullptr, OnWrite, OnClose, nullptr) != ARCHIVE_OK) {
    return ArchiveError(st->a.get(), st->output, "opening");
  }
  return std::unique_ptr<TarStream>(new TarStream(std::move(st)));
}

namespace {

Status Header(struct archive* a, struct archive_entry* entry, const Output& output, const std::string& name,
              bool is_dir, uint64_t size, int64_t mtime) {
  archive_entry_clear(entry);
  archive_entry_copy_pathname(entry, name.c_str());
  archive_entry_set_filetype(entry, is_dir ? AE_IFDIR : AE_IFREG);
  archive_entry_set_perm(entry, is_dir ? 0755 : 0444);
  archive_entry_set_size(entry, is_dir ? 0 : static_cast<la_int64_t>(size));
  archive_entry_set_mtime(entry, mtime, 0);
  if (archive_write_header(a, entry) < ARCHIVE_WARN) return ArchiveError(a, output, "the header of " + name);
  return Status::Ok();
}

}  // namespace

Status TarStream::AddDirectory(const std::string& name, int64_t mtime) {
  State& s = *state_;
  if (s.failed || s.closed || s.left != 0) return Internal("the archive cannot take " + name + " now");
  Status st = Header(s.a.get(), s.entry.get(), s.output, name, true, 0, mtime);
  if (!st.ok()) s.failed = true;
  return st;
}

Status TarStream::BeginFile(const std::string& name, uint64_t size, int64_t mtime) {
  State& s = *state_;
  if (s.failed || s.closed || s.left != 0) return Internal("the archive cannot take " + name + " now");
  Status st = Header(s.a.get(), s.entry.get(), s.output, name, false, size, mtime);
  if (!st.ok()) {
    s.failed = true;
    return st;
  }
  s.left = size;
  s.current = name;
  return Status::Ok();
}

Status TarStream::WriteData(const uint8_t* data, size_t n) {
  State& s = *state_;
  if (s.failed || s.closed) return Internal("the archive was given up");
  if (n > s.left) {
    s.failed = true;
    return IoError(s.current + " is longer than its header says");
  }
  if (archive_write_data(s.a.get(), data, n) != static_cast<la_ssize_t>(n)) {
    s.failed = true;
    return ArchiveError(s.a.get(), s.output, s.current);
  }
  s.left -= n;
  return Status::Ok();
}

Status TarStream::Flush() {
  State& s = *state_;
  if (s.failed || s.closed) return Internal("the archive was given up");
  if (!s.output.Flush()) {
    s.failed = true;
    return s.output.failed.ok() ? IoError("cannot send the archive") : s.output.failed;
  }
  return Status::Ok();
}

Status TarStream::Close() {
  State& s = *state_;
  if (s.failed || s.closed) return Internal("the archive was given up");
  if (s.left != 0) {
    s.failed = true;
    return IoError(s.current + " ended " + std::to_string(s.left) + " bytes early");
  }
  if (archive_write_close(s.a.get()) != ARCHIVE_OK) {
    s.failed = true;
    return ArchiveError(s.a.get(), s.output, "the end");
  }
  s.closed = true;
  return Status::Ok();
}

}  // namespace refuge::vault
