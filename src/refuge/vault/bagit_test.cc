#include "refuge/vault/bagit.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include "refuge/vault/test_support.h"

namespace refuge::vault {
namespace {

using testing::ScratchDir;

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Joined(const BagReport& r) {
  std::string s;
  for (const auto& p : r.problems) s += p + "\n";
  return s;
}

class BagTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bag_ = dir_.path() + "/bag";
    auto w = BagWriter::Create(bag_);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    StringSource a("first exhibit"), b(std::string(3 << 20, 'v'));
    ASSERT_TRUE((*w)->AddPayload("evi_1/photo.jpg", a).ok());
    ASSERT_TRUE((*w)->AddPayload("evi_2/clip 100%.mp4", b).ok());
    ASSERT_TRUE((*w)->AddTagFile("index.html", "<html>exhibits</html>").ok());
    ASSERT_TRUE((*w)->Finish({{"Source-Organization", "Asia Rights Monitor"},
                              {"Bagging-Date", "2026-11-30"},
                              {"External-Description", "Evidence of matter mat_1"}}).ok());
  }

  BagReport Verify() {
    auto r = VerifyBag(bag_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : BagReport{};
  }

  void Append(const std::string& rel, const std::string& line) {
    std::filesystem::permissions(bag_ + "/" + rel, std::filesystem::perms::owner_write, std::filesystem::perm_options::add);
    std::ofstream(bag_ + "/" + rel, std::ios::app) << line;
  }

  ScratchDir dir_;
  std::string bag_;
};

TEST_F(BagTest, AFreshBagIsCompleteAndValid) {
  BagReport r = Verify();
  EXPECT_TRUE(r.ok) << Joined(r);
  EXPECT_EQ(r.payload_files, 2u);
  EXPECT_EQ(r.payload_bytes, 13u + (3u << 20));
  EXPECT_EQ(Slurp(bag_ + "/bagit.txt"), "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n");
  const std::string info = Slurp(bag_ + "/bag-info.txt");
  EXPECT_NE(info.find("Payload-Oxum: " + std::to_string(13 + (3 << 20)) + ".2\n"), std::string::npos) << info;
  EXPECT_NE(Slurp(bag_ + "/manifest-sha256.txt").find("  data/evi_2/clip 100%25.mp4\n"), std::string::npos);
  EXPECT_NE(Slurp(bag_ + "/tagmanifest-sha256.txt").find("  index.html\n"), std::string::npos);
  // Nothing of the staging directory is left beside the bag.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_.path()), std::filesystem::directory_iterator()), 1);
}

TEST_F(BagTest, AChangedPayloadByteIsFound) {
  std::filesystem::permissions(bag_ + "/data/evi_1/photo.jpg", std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::add);
  std::ofstream(bag_ + "/data/evi_1/photo.jpg", std::ios::binary | std::ios::trunc) << "first exhibiT";
  BagReport r = Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(Joined(r).find("data/evi_1/photo.jpg does not match its sha256 checksum"), std::string::npos) << Joined(r);
  EXPECT_NE(Joined(r).find("sha512"), std::string::npos) << Joined(r);
}

TEST_F(BagTest, MissingAndUnlistedFilesAreFound) {
  std::filesystem::remove(bag_ + "/data/evi_1/photo.jpg");
  std::ofstream(bag_ + "/data/smuggled.txt") << "not in any manifest";
  BagReport r = Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(Joined(r).find("data/evi_1/photo.jpg is listed in manifest-sha256.txt but missing"), std::string::npos) << Joined(r);
  EXPECT_NE(Joined(r).find("data/smuggled.txt is not listed"), std::string::npos) << Joined(r);
  EXPECT_NE(Joined(r).find("Payload-Oxum"), std::string::npos) << Joined(r);
}

TEST_F(BagTest, PathsThatLeaveTheBagAreRefusedWithoutBeingOpened) {
  // A secret beside the bag, which a naive validator would hash and so confirm.
  std::ofstream(dir_.path() + "/secret.txt") << "outside";
  Append("manifest-sha256.txt",
         "0000000000000000000000000000000000000000000000000000000000000000  data/../../secret.txt\n"
         "0000000000000000000000000000000000000000000000000000000000000000  /etc/passwd\n");
  Append("tagmanifest-sha256.txt",
         "0000000000000000000000000000000000000000000000000000000000000000  ../secret.txt\n");
  BagReport r = Verify();
  EXPECT_FALSE(r.ok);
  const std::string text = Joined(r);
  EXPECT_NE(text.find("unsafe path 'data/../../secret.txt'"), std::string::npos) << text;
  EXPECT_NE(text.find("unsafe path '/etc/passwd'"), std::string::npos) << text;
  EXPECT_NE(text.find("unsafe path '../secret.txt'"), std::string::npos) << text;
  EXPECT_EQ(text.find("secret.txt is listed"), std::string::npos) << text;
}

TEST_F(BagTest, SymbolicLinksAreRefused) {
  std::ofstream(dir_.path() + "/secret.txt") << "outside";
  ASSERT_EQ(::symlink((dir_.path() + "/secret.txt").c_str(), (bag_ + "/data/link.txt").c_str()), 0);
  BagReport r = Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(Joined(r).find("data/link.txt is a symbolic link"), std::string::npos) << Joined(r);
}

// Found by fuzz/bag_fuzz.cc: a payload name in Latin-1, as older archivers
// write them, made `verify-bag --json` abort, and control characters in a name
// reached the terminal as they were.
TEST_F(BagTest, NamesThatAreNotUtf8OrHoldControlCharactersAreQuotedSafely) {
  std::ofstream(bag_ + "/data/caf\xe9.txt") << "not in any manifest";
  std::ofstream(bag_ + "/data/文件.txt") << "not in any manifest";
  Append("manifest-sha256.txt",
         "0000000000000000000000000000000000000000000000000000000000000000  data/\x1b[2Kfine%0D.txt\n");
  BagReport r = Verify();
  EXPECT_FALSE(r.ok);
  const std::string text = Joined(r);
  EXPECT_NE(text.find("data/caf\\xE9.txt is not listed"), std::string::npos) << text;
  EXPECT_NE(text.find("data/文件.txt is not listed"), std::string::npos) << text;
  EXPECT_NE(text.find("unsafe path 'data/\\x1B[2Kfine\\x0D.txt'"), std::string::npos) << text;
  EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
  EXPECT_NO_THROW((void)r.ToJson().dump());
}

// Found by fuzz/bag_fuzz.cc: a named pipe as bagit.txt or a manifest made the
// validator wait for a writer forever.
TEST_F(BagTest, NamedPipesAreRefusedWithoutWaitingForAWriter) {
  auto pipe_for = [&](const std::string& name) {
    std::filesystem::remove(bag_ + "/" + name);
    ASSERT_EQ(::mkfifo((bag_ + "/" + name).c_str(), 0600), 0);
  };
  auto verify_promptly = [&] {
    std::promise<BagReport> done;
    auto result = done.get_future();
    std::thread verifier([&] { done.set_value(Verify()); });
    if (result.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
      ADD_FAILURE() << "VerifyBag is waiting on a named pipe";
      // Let it go: a writer that closes at once gives it an end of file.
      for (const char* name : {"/bagit.txt", "/manifest-sha512.txt"}) {
        int fd = ::open((bag_ + name).c_str(), O_WRONLY | O_NONBLOCK);
        if (fd >= 0) ::close(fd);
      }
    }
    verifier.join();
    return result.get();
  };
  pipe_for("manifest-sha512.txt");
  BagReport r = verify_promptly();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(Joined(r).find("manifest-sha512.txt is not a regular file"), std::string::npos) << Joined(r);
  pipe_for("bagit.txt");
  r = verify_promptly();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(Joined(r).find("bagit.txt is not a regular file"), std::string::npos) << Joined(r);
}

TEST_F(BagTest, ATamperedTagFileOrDeclarationIsFound) {
  Append("bag-info.txt", "Contact-Name: someone else\n");
  BagReport r = Verify();
  EXPECT_NE(Joined(r).find("bag-info.txt does not match its sha256 checksum in tagmanifest-sha256.txt"),
            std::string::npos) << Joined(r);
  std::filesystem::remove(bag_ + "/bagit.txt");
  r = Verify();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(Joined(r).find("bagit.txt is missing"), std::string::npos);
}

TEST(BagWriterTest, RefusesANonEmptyTargetAndLeavesNothingWhenAbandoned) {
  ScratchDir dir;
  std::filesystem::create_directories(dir.path() + "/full");
  std::ofstream(dir.path() + "/full/x") << "x";
  auto refused = BagWriter::Create(dir.path() + "/full");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kConflict);
  {
    auto w = BagWriter::Create(dir.path() + "/half");
    ASSERT_TRUE(w.ok());
    StringSource s("payload");
    ASSERT_TRUE((*w)->AddPayload("a.txt", s).ok());
    // Dropped before Finish, as when an export fails midway.
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/half"));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), std::filesystem::directory_iterator()), 1);
}

TEST(BagPathTest, SafePaths) {
  EXPECT_TRUE(IsSafeBagPath("data/evi_1/photo.jpg"));
  EXPECT_TRUE(IsSafeBagPath("data/文件/视频.mp4"));
  for (const char* bad : {"", "/etc/passwd", "data/../x", "../x", "data/./x", "data//x", "data\\x",
                          "C:/x", "~/x", "data/x/..", "data/a\nb"}) {
    EXPECT_FALSE(IsSafeBagPath(bad)) << bad;
  }
  EXPECT_EQ(EncodeBagPath("a%b\nc\rd"), "a%25b%0Ac%0Dd");
  EXPECT_EQ(DecodeBagPath("a%25b%0Ac%0dd%41"), "a%b\nc\rd%41");
}

}  // namespace
}  // namespace refuge::vault
