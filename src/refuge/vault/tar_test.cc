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
