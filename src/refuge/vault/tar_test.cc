#include "refuge/vault/tar.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <fcntl.h>
#include <locale.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "refuge/vault/test_support.h"
#include "refuge/vault/vault.h"

namespace refuge::vault {
namespace {

namespace fs = std::filesystem;
using testing::FastKdf;
using testing::ScratchDir;

void Write(const std::string& path, const std::string& content) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

class StringSink final : public ByteSink {
 public:
  Status Write(const uint8_t* data, size_t n) override {
    if (fail_after_ >= 0 && static_cast<int64_t>(bytes_.size() + n) > fail_after_) {
      return IoError("the client stopped reading");
    }
    bytes_.append(reinterpret_cast<const char*>(data), n);
    ++writes_;
    return Status::Ok();
  }
  std::string bytes_;
  int writes_ = 0;
  int64_t fail_after_ = -1;  // fail once more than this many bytes were asked for
};

// The archive read back with libarchive's reader: path -> content ("/" for directories).
// Names are read as UTF-8, as a reader on a UTF-8 system does (the test runs in "C").
std::map<std::string, std::string> Unpack(const std::string& tar, std::map<std::string, int>* perms = nullptr) {
  locale_t utf8 = ::newlocale(LC_CTYPE_MASK, "C.UTF-8", nullptr);
  locale_t previous = utf8 ? ::uselocale(utf8) : nullptr;
  std::map<std::string, std::string> out;
  struct archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  EXPECT_EQ(archive_read_open_memory(a, tar.data(), tar.size()), ARCHIVE_OK);
  struct archive_entry* e;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    const char* utf8 = archive_entry_pathname_utf8(e);
    const char* raw = archive_entry_pathname(e);
    EXPECT_TRUE(utf8 != nullptr || raw != nullptr);
    const std::string name = utf8 ? utf8 : raw ? raw : "";
    if (perms) (*perms)[name] = archive_entry_perm(e);
    if (archive_entry_filetype(e) == AE_IFDIR) {
      out[name] = "/";
      continue;
    }
    std::string content(static_cast<size_t>(archive_entry_size(e)), '\0');
    EXPECT_EQ(archive_read_data(a, content.data(), content.size()), static_cast<la_ssize_t>(content.size()));
    out[name] = content;
  }
  archive_read_free(a);
  if (utf8) {
    ::uselocale(previous);
    ::freelocale(utf8);
  }
  return out;
}

TEST(TarTest, TheArchiveHoldsTheTreeUnderItsRootByteForByte) {
  ScratchDir dir;
  const std::string tree = dir.path() + "/bag";
  std::string big(3 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 131) & 0xff);
  Write(tree + "/bagit.txt", "BagIt-Version: 1.0\n");
  Write(tree + "/data/evi_1/IMG_0412.JPG", "jpeg bytes");
  Write(tree + "/data/evi_2/温浩 证词.txt", "statement");
  Write(tree + "/data/evi_3/clip.mp4", big);
  fs::create_directories(tree + "/data/empty");

  StringSink sink;
  Status s = WriteTar(tree, "mat_1-bag-2026-11-30", sink);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(sink.bytes_.size() % 512, 0u);
  EXPECT_GT(sink.writes_, 1) << "sent in pieces, not all at the end";
  std::map<std::string, int> perms;
  auto got = Unpack(sink.bytes_, &perms);
  const std::string root = "mat_1-bag-2026-11-30/";
  std::map<std::string, std::string> want = {
      {root, "/"},
      {root + "bagit.txt", "BagIt-Version: 1.0\n"},
      {root + "data/", "/"},
      {root + "data/empty/", "/"},
      {root + "data/evi_1/", "/"},
      {root + "data/evi_1/IMG_0412.JPG", "jpeg bytes"},
      {root + "data/evi_2/", "/"},
      {root + "data/evi_2/温浩 证词.txt", "statement"},
      {root + "data/evi_3/", "/"},
      {root + "data/evi_3/clip.mp4", big},
  };
  EXPECT_EQ(got.size(), want.size());
  for (const auto& [name, content] : want) {
    ASSERT_TRUE(got.count(name)) << name;
    EXPECT_TRUE(got[name] == content) << name;
  }
  EXPECT_EQ(perms[root + "bagit.txt"], 0444);
  EXPECT_EQ(perms[root + "data/"], 0755);
}

TEST(TarTest, ASymbolicLinkIsRefusedNotFollowed) {
  ScratchDir dir;
  const std::string tree = dir.path() + "/bag";
  Write(tree + "/data/a.txt", "a");
  Write(dir.path() + "/outside.txt", "not part of the bag");
  fs::create_symlink(dir.path() + "/outside.txt", tree + "/data/link.txt");
  StringSink sink;
  Status s = WriteTar(tree, "bag", sink);
  EXPECT_EQ(s.code(), Code::kIo);
  EXPECT_NE(s.message().find("link.txt"), std::string::npos) << s.message();
  EXPECT_EQ(sink.bytes_.find("not part of the bag"), std::string::npos);
}

TEST(TarTest, AFailingSinkStopsTheArchiveWithItsOwnStatus) {
  ScratchDir dir;
  Write(dir.path() + "/bag/data/clip.mp4", std::string(4 << 20, 'x'));
  StringSink sink;
  sink.fail_after_ = 1 << 20;
  Status s = WriteTar(dir.path() + "/bag", "bag", sink);
  EXPECT_EQ(s.code(), Code::kIo);
  EXPECT_NE(s.message().find("stopped reading"), std::string::npos) << s.message();
  EXPECT_LE(sink.bytes_.size(), 1u << 20);
}

// Whether libarchive reads `tar` to its end-of-archive without an error.
bool ReadsToTheEnd(const std::string& tar) {
  struct archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  bool ok = archive_read_open_memory(a, tar.data(), tar.size()) == ARCHIVE_OK;
  struct archive_entry* e;
  int r = ARCHIVE_OK;
  while (ok && (r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
    if (archive_read_data_skip(a) != ARCHIVE_OK) ok = false;
  }
  ok = ok && r == ARCHIVE_EOF;
  archive_read_free(a);
  return ok;
}

TEST(TarStreamTest, EntriesWrittenOneByOneMakeTheSameKindOfArchive) {
  StringSink sink;
  auto tar = TarStream::Open(sink);
  ASSERT_TRUE(tar.ok()) << tar.status().ToString();
  std::string big(3 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 131) & 0xff);
  ASSERT_TRUE((*tar)->AddDirectory("bag/", 1700000000).ok());
  ASSERT_TRUE((*tar)->BeginFile("bag/bagit.txt", 19, 1700000000).ok());
  ASSERT_TRUE((*tar)->WriteData(reinterpret_cast<const uint8_t*>("BagIt-Version: 1.0\n"), 19).ok());
  ASSERT_TRUE((*tar)->Flush().ok());
  EXPECT_GT(sink.bytes_.size(), 0u) << "the start goes out when asked";
  ASSERT_TRUE((*tar)->AddDirectory("bag/data/", 1700000000).ok());
  ASSERT_TRUE((*tar)->BeginFile("bag/data/温浩.bin", big.size(), 1700000000).ok());
  for (size_t off = 0; off < big.size(); off += 1 << 20) {
    ASSERT_TRUE((*tar)->WriteData(reinterpret_cast<const uint8_t*>(big.data() + off), 1 << 20).ok());
  }
  ASSERT_TRUE((*tar)->Close().ok());
  EXPECT_EQ(sink.bytes_.size() % 512, 0u);
  EXPECT_TRUE(ReadsToTheEnd(sink.bytes_));
  auto got = Unpack(sink.bytes_);
  EXPECT_EQ(got.size(), 4u);
  EXPECT_EQ(got["bag/"], "/");
  EXPECT_EQ(got["bag/bagit.txt"], "BagIt-Version: 1.0\n");
  EXPECT_EQ(got["bag/data/"], "/");
  EXPECT_TRUE(got["bag/data/温浩.bin"] == big);

  // More than the header said is refused.
  StringSink other;
  auto more = TarStream::Open(other);
  ASSERT_TRUE(more.ok());
  ASSERT_TRUE((*more)->BeginFile("bag/a.txt", 1, 1700000000).ok());
  EXPECT_FALSE((*more)->WriteData(reinterpret_cast<const uint8_t*>("xy"), 2).ok());
}

TEST(TarStreamTest, OnlyCloseEndsTheArchive) {
  StringSink whole;
  {
    auto tar = TarStream::Open(whole);
    ASSERT_TRUE(tar.ok());
    ASSERT_TRUE((*tar)->BeginFile("bag/a.txt", 5, 1700000000).ok());
    ASSERT_TRUE((*tar)->WriteData(reinterpret_cast<const uint8_t*>("hello"), 5).ok());
    ASSERT_TRUE((*tar)->Close().ok());
  }
  EXPECT_TRUE(ReadsToTheEnd(whole.bytes_));
  EXPECT_EQ(Unpack(whole.bytes_)["bag/a.txt"], "hello");

  // Given up in the middle of a file (a damaged payload): what was sent stays
  // short, with neither the rest of the file nor the end of the archive.
  StringSink cut;
  std::string big(2 << 20, 'y');
  {
    auto tar = TarStream::Open(cut);
    ASSERT_TRUE(tar.ok());
    ASSERT_TRUE((*tar)->BeginFile("bag/a.bin", big.size() * 2, 1700000000).ok());
    ASSERT_TRUE((*tar)->WriteData(reinterpret_cast<const uint8_t*>(big.data()), big.size()).ok());
    const size_t before = cut.bytes_.size();
    EXPECT_FALSE((*tar)->Close().ok()) << "a file short of its size does not close";
    EXPECT_EQ(cut.bytes_.size(), before);
  }
  EXPECT_LT(cut.bytes_.size(), big.size() + 1024);
  EXPECT_FALSE(ReadsToTheEnd(cut.bytes_));
  EXPECT_EQ(cut.bytes_.find(std::string(1024, '\0'), cut.bytes_.size() - std::min<size_t>(cut.bytes_.size(), 1024)),
            std::string::npos);
}

TEST(WorkDirTest, AWorkDirIsPrivateAndGoesWithItsOwnerOrAtTheNextOpen) {
  ScratchDir data;
  auto vault = Vault::Open(data.path(), "a long passphrase for tests", true, PosixDisk(), FastKdf());
  ASSERT_TRUE(vault.ok()) << vault.status().ToString();
  std::string path;
  {
    auto work = (*vault)->NewWorkDir();
    ASSERT_TRUE(work.ok()) << work.status().ToString();
    path = (*work)->path();
    EXPECT_EQ(fs::path(path).parent_path(), fs::path((*vault)->dir() + "/tmp"));
    EXPECT_EQ(fs::status(path).permissions() & fs::perms::all, fs::perms::owner_all);
    Write(path + "/bag/data/secret.txt", "in clear for a moment");
    // Held while it lives: opening the vault again (another process) leaves it be.
    auto again = Vault::Open(data.path(), "a long passphrase for tests", false, PosixDisk(), FastKdf());
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(fs::exists(path + "/bag/data/secret.txt"));
  }
  EXPECT_FALSE(fs::exists(path));

  // One left by a crash (no live holder) is removed the next time the vault opens.
  const std::string stale = (*vault)->dir() + "/tmp/work-left1";
  Write(stale + "/bag/data/secret.txt", "left behind");
  auto reopened = Vault::Open(data.path(), "a long passphrase for tests", false, PosixDisk(), FastKdf());
  ASSERT_TRUE(reopened.ok());
  EXPECT_FALSE(fs::exists(stale));
}

}  // namespace
}  // namespace refuge::vault
