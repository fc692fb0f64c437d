// The evidence vault as an operator and an API client use it: ingest, reading,
// custody, verification, safe copies, BagIt export, and every kind of bad input.
#include <arpa/inet.h>
#include <dirent.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "refuge_process.h"

namespace refuge::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kPassphrase = "a long vault passphrase for tests";
const std::string kSource = REFUGE_SOURCE_DIR;
const std::string kPhoto = kSource + "/data/demo-evidence/camp-fence.jpg";
const std::string kClip = kSource + "/data/demo-evidence/camp-yard.mp4";

// Sets (or, with nullptr, removes) an environment variable for one scope; child
// processes started meanwhile inherit it.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void Write(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
}

std::string Digest(const char* alg, const std::string& data) {
  const EVP_MD* md = EVP_get_digestbyname(alg);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, md, nullptr);
  static const char* kHex = "0123456789abcdef";
  std::string hex;
  for (unsigned i = 0; i < len; ++i) {
    hex += kHex[out[i] >> 4];
    hex += kHex[out[i] & 15];
  }
  return hex;
}

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(gen() & 0xff);
  return s;
}

// The standard output of a shell command (an independent tool: exiftool, ffprobe).
std::string Shell(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

std::vector<std::string> FilesUnder(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file()) out.push_back(fs::relative(it->path(), dir).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Changes the database the way someone with write access to the disk could:
// triggers dropped, rows edited behind Refuge's back.
void Tamper(const std::string& data_dir, const std::string& sql) {
  const std::string drop = OnPostgres() ? "DROP TRIGGER IF EXISTS custody_entries_append_only ON custody_entries; "
                                          "DROP TRIGGER IF EXISTS evidence_fixed ON evidence; "
                                        : "DROP TRIGGER IF EXISTS custody_entries_no_update; "
                                          "DROP TRIGGER IF EXISTS custody_entries_no_delete; "
                                          "DROP TRIGGER IF EXISTS evidence_fixed; "
                                          "DROP TRIGGER IF EXISTS evidence_kept; ";
  SqlResult r = SqlOnDataDir(data_dir, drop + sql);
  EXPECT_TRUE(r.ok) << r.error;
}

// A data dir with the demo case (and its evidence) loaded.
class EvidenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = dir_.File("d");
    ScopedEnv pass("REFUGE_PASSPHRASE", kPassphrase);
    auto demo = RunRefuge({"demo", "--data", data_});
    ASSERT_EQ(demo.exit_code, 0) << demo.err;
    ASSERT_NE(demo.out.find("Demo evidence: 3 files"), std::string::npos) << demo.out;
  }

  RunResult Evidence(std::vector<std::string> args, const char* passphrase = kPassphrase) {
    ScopedEnv pass("REFUGE_PASSPHRASE", passphrase);
    args.insert(args.begin(), "evidence");
    args.push_back("--data");
    args.push_back(data_);
    return RunRefuge(args);
  }

  Json AddJson(const std::string& file, std::vector<std::string> more = {}) {
    std::vector<std::string> args = {"add", file, "--subject", "per_wen_hao", "--matter", "mat_wen_asylum"};
    args.insert(args.end(), more.begin(), more.end());
    auto r = Evidence(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return Json::parse(r.out, nullptr, false);
  }

  Json Custody(const std::string& id) {
    auto r = Evidence({"custody", id, "--json"});
    return Json::parse(r.out, nullptr, false);
  }

  std::unique_ptr<ServerProcess> Serve(const char* passphrase = kPassphrase) {
    ScopedEnv pass("REFUGE_PASSPHRASE", passphrase);
    return std::make_unique<ServerProcess>(data_);
  }

  TempDir dir_;
  std::string data_;
};

// --- ingest and read -----------------------------------------------------------------

TEST_F(EvidenceTest, AddPrintsTheRecordAndGetReturnsTheSameBytes) {
  const std::string file = dir_.File("statement.pdf");
  const std::string content = "%PDF-1.4\n% witness statement, page 1\n" + RandomBytes(200000, 1);
  Write(file, content);
  Json added = AddJson(file, {"--title", "Witness statement", "--captured", "2021-03", "--source-url",
                              "https://example.org/statement", "--note", "Given to Maya in person"});
  ASSERT_TRUE(added.is_object());
  EXPECT_EQ(added.size(), 4u) << added.dump();
  EXPECT_EQ(added["sha256"], Digest("sha256", content));
  EXPECT_EQ(added["size"], content.size());
  EXPECT_EQ(added["media_type"], "application/pdf");
  const std::string id = added["id"];
  EXPECT_EQ(id.rfind("evi_", 0), 0u);

  auto got = Evidence({"get", id, "--out", dir_.File("copy.pdf")});
  ASSERT_EQ(got.exit_code, 0) << got.err;
  EXPECT_TRUE(Slurp(dir_.File("copy.pdf")) == content);
  Json log = Custody(id);
  ASSERT_EQ(log["entries"].size(), 2u) << log.dump();
  EXPECT_EQ(log["entries"][0]["action"], "received");
  EXPECT_EQ(log["entries"][0]["details"]["filename"], "statement.pdf");
  EXPECT_EQ(log["entries"][1]["action"], "downloaded");
  EXPECT_TRUE(log["ok"].get<bool>()) << log.dump();

  // Neither the plaintext hash nor the file name is anywhere in clear on disk.
  const std::string sha = added["sha256"];
  for (const auto& f : FilesUnder(data_)) {
    const std::string bytes = Slurp(data_ + "/" + f);
    EXPECT_EQ(bytes.find(sha), std::string::npos) << f;
    EXPECT_EQ(bytes.find("statement.pdf"), std::string::npos) << f;
    EXPECT_EQ(bytes.find("witness statement, page 1"), std::string::npos) << f;
  }
}

std::vector<std::string> Ids(const Json& items) {
  std::vector<std::string> ids;
  for (const auto& item : items) ids.push_back(item["id"]);
  return ids;
}

TEST_F(EvidenceTest, ListAndShowPrintTheRecordsAndAShowIsRecordedAsAView) {
  auto listed = Evidence({"list", "--matter", "mat_wen_asylum"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  Json page = Json::parse(listed.out, nullptr, false);
  ASSERT_TRUE(page.is_object()) << listed.out;
  EXPECT_EQ(Ids(page["items"]), (std::vector<std::string>{"evi_demo_fence_photo", "evi_demo_yard_clip"}));
  EXPECT_TRUE(page["next"].is_null());
  EXPECT_EQ(page["items"][0]["filename"], "IMG_0412.JPG");
  auto by_person = Evidence({"list", "--subject", "per_wen_hao"});
  ASSERT_EQ(by_person.exit_code, 0) << by_person.err;
  EXPECT_EQ(Json::parse(by_person.out)["items"].size(), 3u);  // and the clip's safe copy

  const size_t entries = Custody("evi_demo_fence_photo")["entries"].size();
  auto shown = Evidence({"show", "evi_demo_fence_photo"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  Json rec = Json::parse(shown.out, nullptr, false);
  ASSERT_TRUE(rec.is_object()) << shown.out;
  EXPECT_EQ(rec["sha256"], Digest("sha256", Slurp(kPhoto)));
  EXPECT_EQ(rec["metadata"]["summary"]["serial"], "FO7-0047-1193");
  EXPECT_EQ(rec["events"][0]["id"], "evt_demo_01a");
  // Reading the metadata is an access, recorded as the HTTP read records it.
  Json log = Custody("evi_demo_fence_photo");
  ASSERT_EQ(log["entries"].size(), entries + 1);
  EXPECT_EQ(log["entries"].back()["action"], "viewed");
  EXPECT_EQ(log["entries"].back()["details"], Json::object());
  EXPECT_EQ(log["entries"].back()["actor"].get<std::string>().rfind("operator:", 0), 0u) << log.dump();
  EXPECT_TRUE(log["ok"].get<bool>());

  // Errors go through the usual exit codes and name the field.
  auto missing = Evidence({"show", "evi_not_there"});
  EXPECT_EQ(missing.exit_code, 3);
  EXPECT_NE(missing.err.find("evi_not_there"), std::string::npos) << missing.err;
  auto wrong_kind = Evidence({"list", "--matter", "per_wen_hao"});
  EXPECT_EQ(wrong_kind.exit_code, 2);
  EXPECT_NE(wrong_kind.err.find("(field: matter)"), std::string::npos) << wrong_kind.err;
  EXPECT_EQ(Evidence({"show"}).exit_code, 2);  // no id
  ScopedEnv pass("REFUGE_PASSPHRASE", kPassphrase);
  TempDir empty;
  EXPECT_EQ(RunRefuge({"evidence", "list", "--data", empty.File("d")}).exit_code, 3);  // no vault there

  // The same JSON as the API's, which leaves the same kind of custody entry.
  auto server = Serve();
  ApiClient maya(*server, kMaya, kMayaPassword);
  auto api_list = maya.Get("/api/v1/evidence?matter=mat_wen_asylum");
  ASSERT_EQ(api_list.status, 200);
  EXPECT_EQ(api_list.body, page);
  auto api_rec = maya.Get("/api/v1/evidence/evi_demo_fence_photo");
  ASSERT_EQ(api_rec.status, 200);
  for (const auto& [key, value] : rec.items()) {
    EXPECT_TRUE(api_rec.body.contains(key)) << key;
    if (key != "custody") {
      EXPECT_EQ(api_rec.body[key], value) << key;
    }
  }
  EXPECT_EQ(api_rec.body.size(), rec.size());
  server->Stop();
  Json after = Custody("evi_demo_fence_photo");
  EXPECT_EQ(after["entries"].back()["action"], "viewed");
  EXPECT_EQ(after["entries"].back()["actor"], "maya");
  EXPECT_EQ(after["entries"].back()["details"], log["entries"].back()["details"]);
}

TEST_F(EvidenceTest, TheSameBytesTwiceStoreOneObjectAndLinkBothRecords) {
  const size_t before = FilesUnder(data_ + "/vault/objects").size();
  const std::string file = dir_.File("clip.bin");
  Write(file, RandomBytes(300000, 2));
  Json first = AddJson(file);
  Json second = AddJson(file);
  EXPECT_NE(first["id"], second["id"]);
  EXPECT_EQ(first["sha256"], second["sha256"]);
  EXPECT_EQ(FilesUnder(data_ + "/vault/objects").size(), before + 1);
  Json log = Custody(first["id"]);
  ASSERT_EQ(log["entries"].size(), 2u);
  EXPECT_EQ(log["entries"][1]["action"], "linked");
  EXPECT_EQ(log["entries"][1]["details"]["record"], second["id"]);
  Json log2 = Custody(second["id"]);
  EXPECT_EQ(log2["entries"][0]["details"]["same_file_as"], Json::array({first["id"]}));
}

TEST_F(EvidenceTest, UnreadableFilesAndBadFieldsAreRefusedClearly) {
  auto missing = Evidence({"add", dir_.File("nope.mp4"), "--subject", "per_wen_hao"});
  EXPECT_EQ(missing.exit_code, 3);
  EXPECT_NE(missing.err.find("no such file"), std::string::npos) << missing.err;
  auto dir = Evidence({"add", dir_.path(), "--subject", "per_wen_hao"});
  EXPECT_EQ(dir.exit_code, 2);
  EXPECT_NE(dir.err.find("not a regular file"), std::string::npos) << dir.err;
  Write(dir_.File("x.txt"), "x");
  auto nobody = Evidence({"add", dir_.File("x.txt"), "--subject", "per_nobody"});
  EXPECT_EQ(nobody.exit_code, 2);
  EXPECT_NE(nobody.err.find("per_nobody"), std::string::npos) << nobody.err;
  auto date = Evidence({"add", dir_.File("x.txt"), "--subject", "per_wen_hao", "--captured", "2021-02-30"});
  EXPECT_EQ(date.exit_code, 2);
  EXPECT_NE(date.err.find("captured"), std::string::npos) << date.err;
  auto url = Evidence({"add", dir_.File("x.txt"), "--subject", "per_wen_hao", "--source-url", "javascript:x"});
  EXPECT_EQ(url.exit_code, 2);
  EXPECT_TRUE(FilesUnder(data_ + "/vault/tmp").empty());
}

TEST_F(EvidenceTest, AWrongPassphraseOpensNothingAndChangesNothing) {
  const auto objects = FilesUnder(data_ + "/vault/objects");
  Write(dir_.File("x.txt"), "some evidence");
  auto wrong = Evidence({"add", dir_.File("x.txt"), "--subject", "per_wen_hao"}, "not the passphrase at all");
  EXPECT_EQ(wrong.exit_code, 5);
  EXPECT_NE(wrong.err.find("wrong passphrase"), std::string::npos) << wrong.err;
  auto get = Evidence({"get", "evi_demo_fence_photo", "--out", dir_.File("p.jpg")}, "not the passphrase at all");
  EXPECT_EQ(get.exit_code, 5);
  EXPECT_FALSE(fs::exists(dir_.File("p.jpg")));
  EXPECT_EQ(FilesUnder(data_ + "/vault/objects"), objects);
  // No passphrase and no terminal: a clear error, not a hang.
  auto none = Evidence({"verify", "--all"}, nullptr);
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("REFUGE_PASSPHRASE"), std::string::npos) << none.err;
}

TEST_F(EvidenceTest, APassphraseChangeKeepsEveryObjectReadable) {
  ScopedEnv next("REFUGE_NEW_PASSPHRASE", "another long vault passphrase");
  auto changed = Evidence({"passphrase"});
  ASSERT_EQ(changed.exit_code, 0) << changed.err;
  EXPECT_EQ(Evidence({"verify", "--all"}).exit_code, 5);
  auto v = Evidence({"verify", "--all"}, "another long vault passphrase");
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("3 checked, 0 failed"), std::string::npos) << v.out;
}

TEST_F(EvidenceTest, AFullDiskMidIngestLeavesNoObjectAndDamagesNothing) {
  const auto objects = FilesUnder(data_ + "/vault/objects");
  Write(dir_.File("big.bin"), RandomBytes(24 << 20, 3));
  // A 16 MiB limit on file size: the object's writes fail part-way, as on a full disk.
  const std::string db = OnPostgres() ? "REFUGE_DB='" + DatabaseFor(data_) + "' " : "";
  const std::string cmd = db + "REFUGE_PASSPHRASE='" + std::string(kPassphrase) + "' prlimit --fsize=" +
                          std::to_string(16 << 20) + " " + REFUGE_BINARY + " evidence add " + dir_.File("big.bin") +
                          " --subject per_wen_hao --data " + data_ + " 2>" + dir_.File("err.txt") + "; echo \"rc=$?\"";
  const std::string out = Shell(cmd);
  EXPECT_NE(out.find("rc=74"), std::string::npos) << out << Slurp(dir_.File("err.txt"));
  EXPECT_NE(Slurp(dir_.File("err.txt")).find("cannot write"), std::string::npos) << Slurp(dir_.File("err.txt"));
  EXPECT_EQ(FilesUnder(data_ + "/vault/objects"), objects);
  EXPECT_TRUE(FilesUnder(data_ + "/vault/tmp").empty());
  auto v = Evidence({"verify", "--all"});
  EXPECT_EQ(v.exit_code, 0) << v.out;
}

// --- verification --------------------------------------------------------------------

TEST_F(EvidenceTest, VerifyHoldsForIntactEvidenceAndIsItselfRecorded) {
  auto v = Evidence({"verify", "evi_demo_fence_photo"});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("evi_demo_fence_photo  ok"), std::string::npos) << v.out;
  Json log = Custody("evi_demo_fence_photo");
  EXPECT_EQ(log["entries"].back()["action"], "verified");
  EXPECT_EQ(log["entries"].back()["details"]["ok"], true);
  EXPECT_EQ(Evidence({"verify"}).exit_code, 2);  // neither an id nor --all
}

TEST_F(EvidenceTest, AFlippedByteInAnObjectIsDetectedAndNamed) {
  Json added = AddJson(kPhoto);
  const std::string path = data_ + "/vault/objects/" + [&] {
    // The new record shares the demo photo's object: find it through its record.
    auto files = FilesUnder(data_ + "/vault/objects");
    for (const auto& f : files) {
      if (fs::file_size(data_ + "/vault/objects/" + f) == fs::file_size(kPhoto) + 88 + 16 + 56) return f;
    }
    return std::string();
  }();
  ASSERT_TRUE(fs::exists(path));
  fs::permissions(path, fs::perms::owner_write, fs::perm_options::add);
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(200);
  f.put('\x5a');
  f.close();
  auto v = Evidence({"verify", "--all"});
  EXPECT_EQ(v.exit_code, 1);
  EXPECT_NE(v.out.find("evi_demo_fence_photo  FAILED"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("chunk 0"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("evi_demo_yard_clip  ok"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("2 failed"), std::string::npos) << v.out;  // both records of that file
  // A damaged file is never handed out.
  auto get = Evidence({"get", added["id"], "--out", dir_.File("out.jpg")});
  EXPECT_NE(get.exit_code, 0);
  EXPECT_FALSE(fs::exists(dir_.File("out.jpg")));
  // The failed check is in the custody log too.
  Json log = Custody("evi_demo_fence_photo");
  EXPECT_EQ(log["entries"].back()["action"], "verified");
  EXPECT_EQ(log["entries"].back()["details"]["ok"], false);
}

TEST_F(EvidenceTest, ADeletedOrTruncatedObjectIsDetectedAndNamed) {
  const std::string file = dir_.File("a.bin");
  Write(file, RandomBytes(3 << 20, 4));
  Json a = AddJson(file);
  Write(dir_.File("b.bin"), RandomBytes(3 << 20, 5));
  Json b = AddJson(dir_.File("b.bin"));
  // Find each record's object by elimination: the two newest, largest files.
  std::vector<std::string> big;
  for (const auto& f : FilesUnder(data_ + "/vault/objects")) {
    if (fs::file_size(data_ + "/vault/objects/" + f) > (3u << 20)) big.push_back(data_ + "/vault/objects/" + f);
  }
  ASSERT_EQ(big.size(), 2u);
  fs::remove(big[0]);
  fs::permissions(big[1], fs::perms::owner_write, fs::perm_options::add);
  fs::resize_file(big[1], fs::file_size(big[1]) - 1000);
  auto v = Evidence({"verify", "--all"});
  EXPECT_EQ(v.exit_code, 1);
  EXPECT_NE(v.out.find("the object file is missing"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("truncated"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("2 failed"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("evi_demo_yard_clip  ok"), std::string::npos) << v.out;
}

TEST_F(EvidenceTest, AnEditedCustodyEntryIsDetectedAndNamed) {
  Tamper(data_, "UPDATE custody_entries SET actor = 'someone else' WHERE evidence = 'evi_demo_yard_clip' AND seq = 2;");
  auto v = Evidence({"verify", "evi_demo_yard_clip"});
  EXPECT_EQ(v.exit_code, 1);
  EXPECT_NE(v.out.find("custody entry 2 (redacted by someone else"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("altered"), std::string::npos) << v.out;
}

TEST_F(EvidenceTest, ARemovedCustodyEntryIsDetectedAndNamed) {
  Tamper(data_, "DELETE FROM custody_entries WHERE evidence = 'evi_demo_yard_clip' AND seq = 2;");
  auto v = Evidence({"verify", "evi_demo_yard_clip"});
  EXPECT_EQ(v.exit_code, 1);
  EXPECT_NE(v.out.find("custody entry 2 is missing: it was removed"), std::string::npos) << v.out;

  // The last entry, with the head moved back to the one before: the signature fails.
  Tamper(data_, "DELETE FROM custody_entries WHERE evidence = 'evi_demo_fence_photo' AND seq = "
                "(SELECT max(seq) FROM custody_entries WHERE evidence = 'evi_demo_fence_photo');"
                "UPDATE evidence SET custody_seq = custody_seq - 1, custody_hash = "
                "(SELECT hash FROM custody_entries c WHERE c.evidence = evidence.id AND c.seq = evidence.custody_seq - 1) "
                "WHERE id = 'evi_demo_fence_photo';");
  auto last = Evidence({"verify", "evi_demo_fence_photo"});
  EXPECT_EQ(last.exit_code, 1);
  EXPECT_NE(last.out.find("signature is invalid"), std::string::npos) << last.out;
}

TEST_F(EvidenceTest, ReorderedCustodyEntriesAreDetectedAndNamed) {
  Tamper(data_, "UPDATE custody_entries SET seq = 100 WHERE evidence = 'evi_demo_yard_clip' AND seq = 2;"
                "UPDATE custody_entries SET seq = 2 WHERE evidence = 'evi_demo_yard_clip' AND seq = 3;"
                "UPDATE custody_entries SET seq = 3 WHERE evidence = 'evi_demo_yard_clip' AND seq = 100;");
  auto v = Evidence({"verify", "evi_demo_yard_clip"});
  EXPECT_EQ(v.exit_code, 1);
  EXPECT_NE(v.out.find("out of order: it was written as entry 3"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("out of order: it was written as entry 2"), std::string::npos) << v.out;
}

TEST_F(EvidenceTest, AnEditedRecordIsDetected) {
  Tamper(data_, "UPDATE evidence SET size = size + 1 WHERE id = 'evi_demo_fence_photo';");
  auto v = Evidence({"verify", "evi_demo_fence_photo"});
  EXPECT_EQ(v.exit_code, 1);
  EXPECT_NE(v.out.find("size differs from the size it was received with"), std::string::npos) << v.out;
}

TEST_F(EvidenceTest, ARecordRemovedBehindRefugesBackLeavesADetectedOrphan) {
  Write(dir_.File("x.bin"), RandomBytes(5000, 8));
  Json added = AddJson(dir_.File("x.bin"));
  const std::string id = added["id"];
  Tamper(data_, "DELETE FROM custody_entries WHERE evidence = '" + id + "'; DELETE FROM evidence WHERE id = '" + id + "';");
  auto v = Evidence({"verify", "--all"});
  EXPECT_EQ(v.exit_code, 1);
  EXPECT_NE(v.out.find("record " + id + " is missing"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("belong to no record"), std::string::npos) << v.out;
}

// A crash between storing a file and writing its record leaves an object that no
// record uses: a warning, not damage; gc lists it and, told to, removes it.
TEST_F(EvidenceTest, AnOrphanObjectIsAWarningAndGcRemovesIt) {
  const std::vector<std::string> objects = FilesUnder(data_ + "/vault/objects");
  ASSERT_FALSE(objects.empty());
  const std::string orphan = std::string(64, 'a');
  fs::create_directories(data_ + "/vault/objects/aa");
  fs::copy_file(data_ + "/vault/objects/" + objects[0], data_ + "/vault/objects/aa/" + orphan);

  auto v = Evidence({"verify", "--all"});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("warning: 1 stored object(s) belong to no record"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find(orphan), std::string::npos) << v.out;

  auto dry = Evidence({"gc"});
  EXPECT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.out.find("would remove object " + orphan), std::string::npos) << dry.out;
  EXPECT_TRUE(fs::exists(data_ + "/vault/objects/aa/" + orphan));
  EXPECT_EQ(FilesUnder(data_ + "/vault/objects").size(), objects.size() + 1);

  auto gc = Evidence({"gc", "--delete"});
  EXPECT_EQ(gc.exit_code, 0) << gc.err;
  EXPECT_NE(gc.out.find("removed object " + orphan), std::string::npos) << gc.out;
  EXPECT_EQ(FilesUnder(data_ + "/vault/objects"), objects);
  auto after = Evidence({"verify", "--all"});
  EXPECT_EQ(after.exit_code, 0) << after.out;
  EXPECT_EQ(after.out.find("warning"), std::string::npos) << after.out;
}

TEST_F(EvidenceTest, CustodyIsAppendOnlyInTheDatabaseItself) {
  EXPECT_FALSE(SqlOnDataDir(data_, "DELETE FROM custody_entries").ok);
  EXPECT_FALSE(SqlOnDataDir(data_, "UPDATE evidence SET object = 'x'").ok);
  EXPECT_EQ(Evidence({"verify", "--all"}).exit_code, 0);
}

// --- safe copies -----------------------------------------------------------------------

TEST_F(EvidenceTest, ARedactedPhotoLosesItsMetadataAndKeepsItsPixels) {
  auto r = Evidence({"redact", "evi_demo_fence_photo", "--out", dir_.File("safe.jpg")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json made = Json::parse(r.out);
  EXPECT_EQ(made["parent"], "evi_demo_fence_photo");
  const std::string removed = made["report"]["removed"].dump();
  EXPECT_NE(removed.find("EXIF"), std::string::npos) << removed;
  EXPECT_NE(removed.find("XMP"), std::string::npos) << removed;
  EXPECT_NE(removed.find("IPTC"), std::string::npos) << removed;
  // Checked with tools Refuge does not use: exiftool for metadata, ImageMagick for pixels.
  const std::string before = Shell("exiftool -s -s -s -GPSLatitude -SerialNumber -Artist -Creator " + kPhoto);
  EXPECT_NE(before.find("41"), std::string::npos) << before;
  EXPECT_NE(before.find("FO7-0047-1193"), std::string::npos) << before;
  const std::string after = Shell("exiftool -s -s -s -GPSLatitude -SerialNumber -Artist -Creator -By-line " + dir_.File("safe.jpg"));
  EXPECT_EQ(after, "") << after;
  EXPECT_EQ(Shell("identify -format '%#' " + dir_.File("safe.jpg")), Shell("identify -format '%#' " + kPhoto));
  // The copy is a derivative record with its parent's hash, and the parent says so.
  Json log = Custody(made["id"]);
  EXPECT_EQ(log["entries"][0]["details"]["derived_from"], "evi_demo_fence_photo");
  EXPECT_EQ(log["entries"][0]["details"]["parent_sha256"], Digest("sha256", Slurp(kPhoto)));
  EXPECT_TRUE(log["entries"][0]["details"]["tools"].contains("checked_with"));
  Json parent = Custody("evi_demo_fence_photo");
  EXPECT_EQ(parent["entries"].back()["action"], "redacted");
  EXPECT_EQ(parent["entries"].back()["details"]["derivative"], made["id"]);
}

TEST_F(EvidenceTest, ARedactedClipLosesItsTagsAndKeepsEveryPacket) {
  auto r = Evidence({"redact", "evi_demo_yard_clip", "--out", dir_.File("safe.mp4")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string tags = "ffprobe -v error -show_entries format_tags:stream_tags -of json ";
  EXPECT_NE(Shell(tags + kClip).find("+41.1931+080.2774/"), std::string::npos);
  const std::string left = Shell(tags + dir_.File("safe.mp4"));
  for (const char* gone : {"location", "creation_time", "make", "model", "title", "Demo camera"}) {
    EXPECT_EQ(left.find(gone), std::string::npos) << gone << " in " << left;
  }
  const std::string packets = "ffprobe -v error -show_packets -show_data_hash sha256 -show_entries packet=stream_index,pts,data_hash -of csv ";
  const std::string original = Shell(packets + kClip);
  ASSERT_GT(original.size(), 100u);
  EXPECT_EQ(Shell(packets + dir_.File("safe.mp4")), original);
  EXPECT_EQ(Shell("exiftool -s -s -s -CreateDate " + dir_.File("safe.mp4")), "0000:00:00 00:00:00\n");
}

TEST_F(EvidenceTest, FormatsThatCannotBeCleanedAreRefusedNotPassedThrough) {
  Write(dir_.File("notes.pdf"), "%PDF-1.4\n/Author (Demo Camera Owner)\n");
  Json added = AddJson(dir_.File("notes.pdf"));
  auto r = Evidence({"redact", added["id"], "--out", dir_.File("safe.pdf")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("cannot remove metadata from application/pdf"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_.File("safe.pdf")));
}

// --- BagIt ---------------------------------------------------------------------------

// A BagIt validator written from RFC 8493 alone, sharing no code with Refuge's:
// returns the reasons a bag is not complete and valid.
std::vector<std::string> ValidateBagRfc8493(const std::string& base) {
  std::vector<std::string> bad;
  auto lines = [](const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string l;
    while (std::getline(in, l)) {
      if (!l.empty() && l.back() == '\r') l.pop_back();
      out.push_back(l);
    }
    return out;
  };
  auto decode = [](std::string p) {
    for (auto [from, to] : {std::pair<const char*, const char*>{"%0D", "\r"}, {"%0A", "\n"}, {"%25", "%"}}) {
      size_t at;
      while ((at = p.find(from)) != std::string::npos) p.replace(at, 3, to);
    }
    return p;
  };
  // 2.1.1: the declaration, exactly.
  auto decl = lines(Slurp(base + "/bagit.txt"));
  if (decl != std::vector<std::string>{"BagIt-Version: 1.0", "Tag-File-Character-Encoding: UTF-8"}) {
    bad.push_back("bagit.txt");
  }
  // 2.1.2: the payload directory.
  if (!fs::is_directory(base + "/data")) bad.push_back("no data/");
  std::set<std::string> payload;
  for (const auto& f : FilesUnder(base + "/data")) payload.insert("data/" + f);
  // 2.1.3 and 2.2.1: manifests; 3: complete and valid.
  int payload_manifests = 0;
  for (const auto& entry : fs::directory_iterator(base)) {
    const std::string name = entry.path().filename().string();
    const bool tag = name.rfind("tagmanifest-", 0) == 0;
    if (!tag && name.rfind("manifest-", 0) != 0) continue;
    const std::string alg = name.substr(tag ? 12 : 9, name.size() - (tag ? 12 : 9) - 4);
    if (!tag) ++payload_manifests;
    std::set<std::string> listed;
    for (const auto& l : lines(Slurp(entry.path().string()))) {
      if (l.empty()) continue;
      size_t sp = l.find(' ');
      std::string path = decode(l.substr(l.find_first_not_of(" \t", sp)));
      if (path.find("..") != std::string::npos || path.front() == '/') {
        bad.push_back(name + ": unsafe " + path);
        continue;
      }
      if (!tag && path.rfind("data/", 0) != 0) bad.push_back(name + ": not payload " + path);
      if (tag && (path.rfind("data/", 0) == 0 || path.rfind("tagmanifest-", 0) == 0)) bad.push_back(name + ": " + path);
      listed.insert(path);
      if (!fs::is_regular_file(base + "/" + path)) {
        bad.push_back(name + ": missing " + path);
      } else if (Digest(alg.c_str(), Slurp(base + "/" + path)) != l.substr(0, sp)) {
        bad.push_back(name + ": checksum " + path);
      }
    }
    if (!tag) {
      for (const auto& p : payload) {
        if (!listed.count(p)) bad.push_back(name + ": unlisted " + p);
      }
    }
  }
  if (payload_manifests == 0) bad.push_back("no payload manifest");
  // 2.2.2: bag-info.txt's Payload-Oxum and Bagging-Date.
  uint64_t octets = 0;
  for (const auto& p : payload) octets += fs::file_size(base + "/" + p);
  bool oxum = false;
  for (const auto& l : lines(Slurp(base + "/bag-info.txt"))) {
    if (l.rfind("Payload-Oxum: ", 0) == 0) {
      oxum = true;
      if (l.substr(14) != std::to_string(octets) + "." + std::to_string(payload.size())) bad.push_back("Payload-Oxum");
    }
    if (l.rfind("Bagging-Date: ", 0) == 0 && (l.size() != 24 || l[18] != '-' || l[21] != '-')) {
      bad.push_back("Bagging-Date");
    }
  }
  if (!oxum) bad.push_back("no Payload-Oxum");
  return bad;
}

std::string Joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + "\n";
  return s;
}

TEST_F(EvidenceTest, AnExportIsAValidBagWithItsCustodyAndIndex) {
  auto r = Evidence({"export", "--matter", "mat_wen_asylum", "--out", dir_.File("bag"), "--organization",
                     "Lindqvist Immigration Law"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string bag = dir_.File("bag");
  EXPECT_TRUE(ValidateBagRfc8493(bag).empty()) << Joined(ValidateBagRfc8493(bag));
  for (const char* f : {"manifest-sha256.txt", "manifest-sha512.txt", "tagmanifest-sha256.txt", "bag-info.txt",
                        "refuge-custody.json", "index.html"}) {
    EXPECT_TRUE(fs::exists(bag + "/" + f)) << f;
  }
  const std::string info = Slurp(bag + "/bag-info.txt");
  for (const char* label : {"Source-Organization: Lindqvist Immigration Law", "Bagging-Date: ", "Payload-Oxum: ",
                            "External-Description: "}) {
    EXPECT_NE(info.find(label), std::string::npos) << label;
  }
  // Originals, byte for byte, and each exhibit's chain in the custody file.
  EXPECT_TRUE(Slurp(bag + "/data/evi_demo_fence_photo/IMG_0412.JPG") == Slurp(kPhoto));
  EXPECT_NE(Slurp(bag + "/index.html").find("evi_demo_yard_clip"), std::string::npos);
  Json custody = Json::parse(Slurp(bag + "/refuge-custody.json"));
  EXPECT_EQ(custody["items"].size(), 2u);  // two originals; the clip's safe copy is the campaign's
  auto ok = RunRefuge({"evidence", "verify-bag", bag});
  EXPECT_EQ(ok.exit_code, 0) << ok.out;
  EXPECT_NE(ok.out.find("complete and valid"), std::string::npos) << ok.out;
  // The export is in each exhibit's custody log.
  EXPECT_EQ(Custody("evi_demo_fence_photo")["entries"].back()["action"], "exported");
  // An existing bag is never overwritten.
  auto again = Evidence({"export", "--matter", "mat_wen_asylum", "--out", bag});
  EXPECT_EQ(again.exit_code, 4);
}

TEST_F(EvidenceTest, ARedactedExportHoldsOnlySafeCopiesAndListsWhatItLeftOut) {
  Write(dir_.File("notes.pdf"), "%PDF-1.4\n/Author (Demo Camera Owner)\n");
  AddJson(dir_.File("notes.pdf"));
  auto r = Evidence({"export", "--matter", "mat_wen_asylum", "--out", dir_.File("public"), "--redacted"});
  EXPECT_EQ(r.exit_code, 1) << r.err;  // done, with one file left out
  EXPECT_NE(r.err.find("left out"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("application/pdf"), std::string::npos) << r.err;
  const std::string bag = dir_.File("public");
  EXPECT_TRUE(ValidateBagRfc8493(bag).empty()) << Joined(ValidateBagRfc8493(bag));
  const auto files = FilesUnder(bag + "/data");
  ASSERT_EQ(files.size(), 2u) << Joined(files);
  for (const auto& f : files) {
    EXPECT_NE(f.find("-redacted."), std::string::npos) << f;
    const std::string meta = Shell("exiftool -s -s -s -GPSLatitude -SerialNumber -Artist -Location -Make " + bag + "/data/" + f);
    EXPECT_EQ(meta, "") << f << ": " << meta;
  }
  // Nothing in the tag files names the original files or where they were made.
  for (const char* tagfile : {"index.html", "refuge-custody.json", "bag-info.txt"}) {
    const std::string text = Slurp(bag + "/" + tagfile);
    EXPECT_EQ(text.find("IMG_0412"), std::string::npos) << tagfile;
    EXPECT_EQ(text.find("41.19"), std::string::npos) << tagfile;
    EXPECT_EQ(text.find("Aksu"), std::string::npos) << tagfile;
  }
  EXPECT_EQ(RunRefuge({"evidence", "verify-bag", bag}).exit_code, 0);
}

TEST_F(EvidenceTest, VerifyBagFindsTamperingAndRefusesUnsafePaths) {
  ASSERT_EQ(Evidence({"export", "--matter", "mat_wen_asylum", "--out", dir_.File("bag")}).exit_code, 0);
  const std::string bag = dir_.File("bag");
  // A changed payload byte: both validators see it.
  const std::string clip = bag + "/data/evi_demo_yard_clip/VID_0007.MP4";
  std::string bytes = Slurp(clip);
  bytes[bytes.size() / 2] ^= 1;
  fs::permissions(clip, fs::perms::owner_write, fs::perm_options::add);
  Write(clip, bytes);
  EXPECT_FALSE(ValidateBagRfc8493(bag).empty());
  auto changed = RunRefuge({"evidence", "verify-bag", bag});
  EXPECT_EQ(changed.exit_code, 1);
  EXPECT_NE(changed.out.find("data/evi_demo_yard_clip/VID_0007.MP4 does not match its sha256 checksum"),
            std::string::npos) << changed.out;
  EXPECT_NE(changed.out.find("does not have the SHA-256 its custody records"), std::string::npos) << changed.out;

  // A malicious bag: its manifests point outside, through ../ and an absolute path.
  const std::string evil = dir_.File("evil");
  fs::create_directories(evil + "/data");
  Write(dir_.File("secret.txt"), "outside the bag");
  Write(evil + "/bagit.txt", "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n");
  Write(evil + "/manifest-sha256.txt", Digest("sha256", "outside the bag") + "  data/../../secret.txt\n" +
                                           Digest("sha256", "x") + "  /etc/hostname\n");
  auto refused = RunRefuge({"evidence", "verify-bag", evil});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.out.find("unsafe path 'data/../../secret.txt'"), std::string::npos) << refused.out;
  EXPECT_NE(refused.out.find("unsafe path '/etc/hostname'"), std::string::npos) << refused.out;
  EXPECT_EQ(RunRefuge({"evidence", "verify-bag", dir_.File("nowhere")}).exit_code, 3);
}

TEST_F(EvidenceTest, AnEditedCustodyFileInABagIsFound) {
  ASSERT_EQ(Evidence({"export", "--matter", "mat_wen_asylum", "--out", dir_.File("bag")}).exit_code, 0);
  const std::string path = dir_.File("bag") + "/refuge-custody.json";
  Json custody = Json::parse(Slurp(path));
  custody["items"][0]["entries"][0]["actor"] = "someone else";
  fs::permissions(path, fs::perms::owner_write, fs::perm_options::add);
  Write(path, custody.dump(1, '\t') + "\n");
  auto r = RunRefuge({"evidence", "verify-bag", dir_.File("bag")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("refuge-custody.json does not match its sha256 checksum"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("custody entry 1 (received by someone else"), std::string::npos) << r.out;
}

TEST_F(EvidenceTest, ABackupCarriesTheRecordsAndTheVaultRestoresWithThem) {
  auto exported = RunRefuge({"export", "--out", dir_.File("backup.json"), "--data", data_});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  Json doc = Json::parse(Slurp(dir_.File("backup.json")));
  ASSERT_EQ(doc["evidence"].size(), 3u);
  EXPECT_EQ(Slurp(dir_.File("backup.json")).find("IMG_0412"), std::string::npos);  // sealed, as stored
  // A restore: the JSON, plus the vault and the installation key, copied as files.
  const std::string copy = dir_.File("restored");
  fs::create_directories(copy);
  fs::copy(data_ + "/vault", copy + "/vault", fs::copy_options::recursive);
  fs::copy(data_ + "/keys", copy + "/keys", fs::copy_options::recursive);
  auto imported = RunRefuge({"import", dir_.File("backup.json"), "--data", copy});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  // Importing again changes nothing.
  EXPECT_EQ(RunRefuge({"import", dir_.File("backup.json"), "--data", copy}).exit_code, 0);
  ScopedEnv pass("REFUGE_PASSPHRASE", kPassphrase);
  auto v = RunRefuge({"evidence", "verify", "--all", "--data", copy});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("3 checked, 0 failed"), std::string::npos) << v.out;
  // Once the restored copy has moved on, the old backup no longer matches it.
  auto stale = RunRefuge({"import", dir_.File("backup.json"), "--data", copy});
  EXPECT_EQ(stale.exit_code, 4) << stale.err;
}

// --- the API -------------------------------------------------------------------------

class EvidenceApiTest : public EvidenceTest {
 protected:
  void SetUp() override {
    EvidenceTest::SetUp();
    if (IsSkipped()) return;
    server_ = Serve();
    api_ = std::make_unique<ApiClient>(*server_, kMaya, kMayaPassword);
  }

  ApiClient::Response Upload(const std::string& body, const std::string& query) {
    return api_->Send("POST", "/api/v1/evidence?" + query, body, "application/octet-stream");
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<ApiClient> api_;
};

// The evidence list's cursor is sealed like every list's: no record id in it,
// and it works only for the user it was given to.
TEST_F(EvidenceApiTest, TheListsCursorIsOpaqueAndBoundToItsUser) {
  auto first = api_->Get("/api/v1/evidence?matter=mat_wen_asylum&limit=1");
  ASSERT_EQ(first.status, 200) << first.raw;
  ASSERT_TRUE(first.body["next"].is_string()) << first.raw;
  const std::string next = first.body["next"];
  EXPECT_EQ(next.find("evi_"), std::string::npos) << next;
  auto second = api_->Get("/api/v1/evidence?matter=mat_wen_asylum&limit=1&after=" + next);
  ASSERT_EQ(second.status, 200) << second.raw;
  ASSERT_EQ(second.body["items"].size(), 1u);
  EXPECT_NE(second.body["items"][0]["id"], first.body["items"][0]["id"]);
  ApiClient tenzin(*server_, "tenzin", "demo-tenzin-dorje");
  auto stolen = tenzin.Get("/api/v1/evidence?matter=mat_wen_asylum&limit=1&after=" + next);
  EXPECT_EQ(stolen.status, 422) << stolen.raw;
  EXPECT_EQ(stolen.body["error"]["field"], "after");
  auto bare = api_->Get("/api/v1/evidence?matter=mat_wen_asylum&limit=1&after=evi_demo_fence_photo");
  EXPECT_EQ(bare.status, 422) << bare.raw;
  EXPECT_EQ(bare.body["error"]["field"], "after");
}

TEST_F(EvidenceApiTest, AStreamedUploadLargerThanTheJsonLimitIsStored) {
  const std::string body = RandomBytes(13 << 20, 6);
  auto r = Upload(body, "subject=per_wen_hao&matter=mat_wen_asylum&filename=yard%20clip%202.bin&title=Yard");
  ASSERT_EQ(r.status, 201) << r.raw;
  EXPECT_EQ(r.body.size(), 4u) << r.raw;
  EXPECT_EQ(r.body["sha256"], Digest("sha256", body));
  EXPECT_EQ(r.body["size"], body.size());
  EXPECT_EQ(r.Header("Location"), "/api/v1/evidence/" + r.body["id"].get<std::string>());
  auto content = api_->Get("/api/v1/evidence/" + r.body["id"].get<std::string>() + "/content");
  ASSERT_EQ(content.status, 200);
  EXPECT_TRUE(content.raw == body);
  EXPECT_NE(content.Header("Content-Disposition").find("yard clip 2.bin"), std::string::npos);
  // Other routes keep the 10 MiB limit.
  auto big_json = api_->Send("POST", "/api/v1/events", "[" + std::string(11 << 20, ' ') + "]", "application/json");
  EXPECT_EQ(big_json.status, 413);
  EXPECT_EQ(big_json.body["error"]["code"], "too_large");
  EXPECT_EQ(api_->Get("/api/v1/me").status, 200);  // and the server carries on
}

TEST_F(EvidenceApiTest, MetadataContentRangesAndCustody) {
  auto meta = api_->Get("/api/v1/evidence/evi_demo_fence_photo");
  ASSERT_EQ(meta.status, 200) << meta.raw;
  EXPECT_EQ(meta.body["sha256"], Digest("sha256", Slurp(kPhoto)));
  EXPECT_EQ(meta.body["media_type"], "image/jpeg");
  EXPECT_EQ(meta.body["filename"], "IMG_0412.JPG");
  EXPECT_NEAR(meta.body["metadata"]["summary"]["gps"]["latitude"].get<double>(), 41.1931, 1e-4);
  EXPECT_EQ(meta.body["metadata"]["summary"]["serial"], "FO7-0047-1193");
  EXPECT_EQ(meta.body["events"][0]["id"], "evt_demo_01a");

  auto clip = api_->Get("/api/v1/evidence/evi_demo_yard_clip");
  EXPECT_EQ(clip.body["metadata"]["tags"]["location"], "+41.1931+080.2774/");
  EXPECT_EQ(clip.body["metadata"]["duration_seconds"], 2.0);
  ASSERT_EQ(clip.body["derivatives"].size(), 1u);

  const std::string original = Slurp(kClip);
  auto part = api_->Send("GET", "/api/v1/evidence/evi_demo_yard_clip/content", "", "", {{"Range", "bytes=1000-1999"}});
  EXPECT_EQ(part.status, 206);
  EXPECT_TRUE(part.raw == original.substr(1000, 1000));
  EXPECT_EQ(part.Header("Content-Type"), "video/mp4");

  auto log = api_->Get("/api/v1/evidence/evi_demo_yard_clip/custody");
  ASSERT_EQ(log.status, 200);
  EXPECT_TRUE(log.body["ok"].get<bool>()) << log.raw;
  std::vector<std::string> actions;
  for (const auto& e : log.body["entries"]) actions.push_back(e["action"]);
  EXPECT_EQ(actions, (std::vector<std::string>{"received", "redacted", "linked", "viewed", "downloaded"}));
  EXPECT_EQ(log.body["entries"][3]["actor"], "maya");
  EXPECT_EQ(log.body["entries"][4]["details"]["range"], "bytes=1000-1999");

  auto v = api_->Post("/api/v1/evidence/evi_demo_yard_clip/verification", Json::object());
  EXPECT_EQ(v.status, 200);
  EXPECT_TRUE(v.body["ok"].get<bool>()) << v.raw;
  EXPECT_EQ(api_->Get("/api/v1/evidence/evi_nothing").status, 404);
}

TEST_F(EvidenceApiTest, RedactionsLinksAndTransfers) {
  auto made = api_->Post("/api/v1/evidence/evi_demo_fence_photo/redactions", Json::object());
  ASSERT_EQ(made.status, 201) << made.raw;
  EXPECT_EQ(made.body["parent"], "evi_demo_fence_photo");
  auto copy = api_->Get("/api/v1/evidence/" + made.body["id"].get<std::string>() + "/content");
  EXPECT_EQ(copy.raw.find("FO7-0047"), std::string::npos);

  Write(dir_.File("a.txt"), "x");
  auto text = Upload("plain text, no metadata to clean", "subject=per_wen_hao&matter=mat_wen_asylum");
  ASSERT_EQ(text.status, 201);
  auto refused = api_->Post("/api/v1/evidence/" + text.body["id"].get<std::string>() + "/redactions", Json::object());
  EXPECT_EQ(refused.status, 415);
  EXPECT_EQ(refused.body["error"]["code"], "unsupported_media_type");

  // Events refer to evidence by id, and those references are checked.
  auto dangling = api_->Post("/api/v1/events", Json{{"type", "evidence_capture"}, {"subject", "per_wen_hao"},
                                                    {"matter", "mat_wen_asylum"}, {"date", "2020-06"},
                                                    {"evidence", "evi_not_there"}});
  EXPECT_EQ(dangling.status, 422);
  auto event = api_->Post("/api/v1/events", Json{{"type", "evidence_capture"}, {"subject", "per_wen_hao"},
                                                 {"matter", "mat_wen_asylum"}, {"date", "2020-06"},
                                                 {"evidence", text.body["id"]}});
  ASSERT_EQ(event.status, 201) << event.raw;
  const std::string link_path = "/api/v1/evidence/" + text.body["id"].get<std::string>() + "/links";
  EXPECT_EQ(api_->Post(link_path, Json{{"event", event.body["id"]}}).status, 200);
  EXPECT_EQ(api_->Post(link_path, Json{{"event", "evt_demo_01"}}).status, 422);  // names other evidence
  auto moved = api_->Post("/api/v1/evidence/" + text.body["id"].get<std::string>() + "/transfers",
                          Json{{"to", "Immigration Court, Miami"}, {"note", "filed with the brief"}});
  EXPECT_EQ(moved.status, 201) << moved.raw;
  auto log = api_->Get("/api/v1/evidence/" + text.body["id"].get<std::string>() + "/custody");
  std::vector<std::string> actions;
  for (const auto& e : log.body["entries"]) actions.push_back(e["action"]);
  EXPECT_EQ(actions, (std::vector<std::string>{"received", "linked", "transferred"}));
}

TEST_F(EvidenceApiTest, BadUploadsAreRefusedBeforeAnythingIsStored) {
  const auto objects = FilesUnder(data_ + "/vault/objects");
  EXPECT_EQ(Upload("x", "matter=mat_wen_asylum").status, 422);  // no subject
  EXPECT_EQ(Upload("x", "subject=per_nobody").status, 422);
  ApiClient anonymous(*server_);
  EXPECT_EQ(anonymous.Send("POST", "/api/v1/evidence?subject=per_wen_hao", "x", "application/octet-stream").status, 401);
  EXPECT_EQ(FilesUnder(data_ + "/vault/objects"), objects);
}

TEST_F(EvidenceApiTest, AClientThatDisconnectsMidUploadLeavesNoPartialObject) {
  const auto objects = FilesUnder(data_ + "/vault/objects");
  int fd = ConnectLoopback(server_->port());
  ASSERT_GE(fd, 0);
  const std::string head = "POST /api/v1/evidence?subject=per_wen_hao&filename=cut.bin HTTP/1.1\r\n"
                           "Host: 127.0.0.1\r\nAuthorization: Bearer " + api_->token() +
                           "\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
                           std::to_string(40 << 20) + "\r\n\r\n";
  ASSERT_EQ(::send(fd, head.data(), head.size(), 0), static_cast<ssize_t>(head.size()));
  const std::string part = RandomBytes(5 << 20, 7);
  size_t sent = 0;
  while (sent < part.size()) {
    ssize_t n = ::send(fd, part.data() + sent, part.size() - sent, 0);
    ASSERT_GT(n, 0);
    sent += static_cast<size_t>(n);
  }
  ::close(fd);  // gone, 35 MiB short
  // The server notices the closed connection and drops the upload; wait for that
  // (bounded, generously) rather than for a fixed time.
  bool clean = false;
  for (int i = 0; i < 600 && !clean; ++i) {
    clean = FilesUnder(data_ + "/vault/tmp").empty();
    if (!clean) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(clean);
  EXPECT_EQ(FilesUnder(data_ + "/vault/objects"), objects);
  auto list = api_->Get("/api/v1/evidence?matter=");
  ASSERT_EQ(list.status, 200);
  for (const auto& item : list.body["items"]) EXPECT_NE(item.value("filename", ""), "cut.bin");
  // The server is unharmed.
  auto ok = Upload("after the cut", "subject=per_wen_hao");
  EXPECT_EQ(ok.status, 201) << ok.raw;
}

TEST_F(EvidenceApiTest, AdvocatesSeeSafeCopiesNotOriginals) {
  ApiClient tenzin(*server_, "tenzin", "demo-tenzin-dorje");
  // Tenzin is on the campaign matter only; the originals are in the asylum matter.
  EXPECT_EQ(tenzin.Get("/api/v1/evidence/evi_demo_yard_clip").status, 404);
  EXPECT_EQ(tenzin.Get("/api/v1/evidence/evi_demo_yard_clip/content").status, 404);
  EXPECT_EQ(tenzin.Get("/api/v1/evidence/evi_demo_fence_photo/content").status, 404);
  // The published clip, as a safe copy filed under the campaign, is his to see.
  auto listed = tenzin.Get("/api/v1/evidence");
  ASSERT_EQ(listed.status, 200) << listed.raw;
  ASSERT_EQ(listed.body["items"].size(), 1u) << listed.raw;
  const Json copy = listed.body["items"][0];
  EXPECT_EQ(copy["parent"], "evi_demo_yard_clip");
  EXPECT_EQ(copy["matter"], "mat_wen_campaign");
  const std::string copy_id = copy["id"];
  auto publication = tenzin.Get("/api/v1/events/evt_demo_07a");
  ASSERT_EQ(publication.status, 200) << publication.raw;
  EXPECT_EQ(publication.body["evidence"], copy_id);
  auto record = tenzin.Get("/api/v1/evidence/" + copy_id);
  ASSERT_EQ(record.status, 200) << record.raw;
  EXPECT_EQ(record.body["events"][0]["id"], "evt_demo_07a");
  auto content = tenzin.Get("/api/v1/evidence/" + copy_id + "/content");
  ASSERT_EQ(content.status, 200);
  EXPECT_EQ(content.raw.find("+41.1931+080.2774"), std::string::npos) << "the camera's location is gone";
  EXPECT_NE(Slurp(kClip).find("+41.1931+080.2774"), std::string::npos);
  // The lawyer sees both; the original stays with the asylum matter.
  auto all = api_->Get("/api/v1/evidence?subject=per_wen_hao");
  EXPECT_EQ(all.body["items"].size(), 3u);
  EXPECT_EQ(api_->Get("/api/v1/evidence/evi_demo_yard_clip").body["matter"], "mat_wen_asylum");
}

TEST_F(EvidenceApiTest, ASafeCopyIsFiledUnderAnotherMatterOfTheSameClientOnly) {
  const std::string path = "/api/v1/evidence/evi_demo_fence_photo/redactions";
  auto filed = api_->Post(path, Json{{"matter", "mat_wen_campaign"}});
  ASSERT_EQ(filed.status, 201) << filed.raw;
  EXPECT_EQ(filed.body["matter"], "mat_wen_campaign");
  EXPECT_EQ(api_->Get("/api/v1/evidence/evi_demo_fence_photo").body["matter"], "mat_wen_asylum");
  ApiClient tenzin(*server_, "tenzin", "demo-tenzin-dorje");
  EXPECT_EQ(tenzin.Get("/api/v1/evidence/" + filed.body["id"].get<std::string>()).status, 200);

  // Another client's matter, a matter that does not exist, a field Refuge does not know.
  auto other = api_->Post("/api/v1/people", Json{{"name", "Amara Okafor"}});
  ASSERT_EQ(other.status, 201);
  auto matter = api_->Post("/api/v1/matters", Json{{"client", other.body["id"]}, {"kind", "bond"}});
  ASSERT_EQ(matter.status, 201) << matter.raw;
  for (const auto& [body, field] : std::vector<std::pair<Json, std::string>>{
           {Json{{"matter", matter.body["id"]}}, "matter"},
           {Json{{"matter", "mat_nowhere"}}, "matter"},
           {Json{{"matter", "per_wen_hao"}}, "matter"},
           {Json{{"matter", 7}}, "matter"},
           {Json{{"into", "mat_wen_campaign"}}, "into"}}) {
    auto r = api_->Post(path, body);
    EXPECT_EQ(r.status, 422) << body.dump() << ": " << r.raw;
    EXPECT_EQ(r.body["error"]["field"], field) << r.raw;
  }
  // An advocate neither sees the original nor makes copies of it.
  EXPECT_EQ(tenzin.Post(path, Json{{"matter", "mat_wen_campaign"}}).status, 404);
}

// Unpacks a tar archive with the system's tar into `dir` and returns the one
// directory at its top.
std::string Untar(const std::string& archive, const std::string& dir) {
  fs::create_directories(dir);
  const std::string out = Shell("tar -xf '" + archive + "' -C '" + dir + "' && echo unpacked");
  EXPECT_EQ(out, "unpacked\n") << archive;
  std::vector<std::string> top;
  for (const auto& e : fs::directory_iterator(dir)) top.push_back(e.path().string());
  EXPECT_EQ(top.size(), 1u);
  return top.empty() ? dir : top[0];
}

// Every regular file under the vault's tmp/, with its size: a bag download
// must leave no plaintext there, at any moment.
std::map<std::string, uintmax_t> FilesInVaultTmp(const std::string& data_dir) {
  std::map<std::string, uintmax_t> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(data_dir + "/vault/tmp", ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) out[it->path().string()] = it->file_size(ec);
  }
  return out;
}

std::string Listed(const std::map<std::string, uintmax_t>& files) {
  std::string s;
  for (const auto& [f, n] : files) s += f + " (" + std::to_string(n) + " bytes)\n";
  return s;
}

// Reads a bag download until its first archive entry arrives (or 1 MiB, or the
// end): what shows that the bag is being sent.
std::string ReadBagStart(int fd) {
  std::string got;
  char buf[4096];
  while (got.find("mat_wen_asylum-bag-") == std::string::npos && got.size() < (1u << 20)) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

// Opens a connection to the server and asks for a bag of the asylum matter
// without reading the answer; the socket is closed by the caller.
int StartBagDownload(int port, const std::string& token) {
  int fd = ConnectLoopback(port);
  EXPECT_GE(fd, 0);
  timeval wait{60, 0};  // a server that hangs fails the test instead of stalling it
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
  const std::string request = "POST /api/v1/matters/mat_wen_asylum/bags HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                              "Authorization: Bearer " + token +
                              "\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
  EXPECT_EQ(::send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  return fd;
}

TEST_F(EvidenceApiTest, ABagDownloadIsAValidBagOfTheOriginalsWithCustodyAndAudit) {
  auto r = api_->Send("POST", "/api/v1/matters/mat_wen_asylum/bags", R"({"redacted": false})", "application/json");
  ASSERT_EQ(r.status, 200) << r.raw.substr(0, 300);
  EXPECT_EQ(r.Header("Content-Type"), "application/x-tar");
  const std::string disposition = r.Header("Content-Disposition");
  EXPECT_NE(disposition.find("filename=\"mat_wen_asylum-bag-"), std::string::npos) << disposition;
  EXPECT_NE(disposition.find(".tar\""), std::string::npos) << disposition;
  Write(dir_.File("bag.tar"), r.raw);
  const std::string bag = Untar(dir_.File("bag.tar"), dir_.File("unpacked"));
  EXPECT_EQ(fs::path(bag).filename().string().rfind("mat_wen_asylum-bag-", 0), 0u) << bag;
  EXPECT_TRUE(ValidateBagRfc8493(bag).empty()) << Joined(ValidateBagRfc8493(bag));
  auto verified = RunRefuge({"evidence", "verify-bag", bag});
  EXPECT_EQ(verified.exit_code, 0) << verified.out;
  // The payload is the originals, byte for byte, as the manifest says.
  const std::string photo = Slurp(bag + "/data/evi_demo_fence_photo/IMG_0412.JPG");
  const std::string clip = Slurp(bag + "/data/evi_demo_yard_clip/VID_0007.MP4");
  EXPECT_EQ(Digest("sha256", photo), Digest("sha256", Slurp(kPhoto)));
  EXPECT_EQ(Digest("sha256", clip), Digest("sha256", Slurp(kClip)));
  const std::string manifest = Slurp(bag + "/manifest-sha256.txt");
  EXPECT_NE(manifest.find(Digest("sha256", Slurp(kPhoto)) + "  data/evi_demo_fence_photo/IMG_0412.JPG"),
            std::string::npos) << manifest;
  // Nothing of the bag is left on the server's disk.
  EXPECT_TRUE(FilesInVaultTmp(data_).empty()) << Listed(FilesInVaultTmp(data_));

  // Safe copies only: no GPS, no serial number in any payload file.
  auto safe = api_->Send("POST", "/api/v1/matters/mat_wen_asylum/bags", R"({"redacted": true})", "application/json");
  ASSERT_EQ(safe.status, 200) << safe.raw.substr(0, 300);
  Write(dir_.File("safe.tar"), safe.raw);
  const std::string safe_bag = Untar(dir_.File("safe.tar"), dir_.File("safe"));
  EXPECT_NE(safe_bag.find("mat_wen_asylum-safe-copies-"), std::string::npos) << safe_bag;
  EXPECT_EQ(RunRefuge({"evidence", "verify-bag", safe_bag}).exit_code, 0);
  for (const auto& f : FilesUnder(safe_bag + "/data")) {
    EXPECT_NE(f.find("-redacted."), std::string::npos) << f;
    const std::string meta = Shell("exiftool -s -s -s -GPSLatitude -SerialNumber -Location " + safe_bag + "/data/" + f);
    EXPECT_EQ(meta, "") << f << ": " << meta;
  }

  // Each exhibit's custody says it was exported, by whom, in which bag.
  server_->Stop();
  Json log = Custody("evi_demo_fence_photo");
  bool exported = false;
  for (const auto& e : log["entries"]) {
    if (e["action"] == "exported" && e["actor"] == "maya" && e["details"]["redacted"] == false) {
      exported = true;
      EXPECT_EQ(e["details"]["bag"], fs::path(bag).filename().string());
    }
  }
  EXPECT_TRUE(exported) << log.dump();
  auto audit = RunRefuge({"audit", "show", "--person", "per_wen_hao", "--data", data_});
  EXPECT_NE(audit.out.find("maya  evidence.export  mat_wen_asylum  from 127.0.0.1"), std::string::npos) << audit.out;
  EXPECT_EQ(RunRefuge({"audit", "verify", "--data", data_}).exit_code, 0);
}

TEST_F(EvidenceApiTest, BagDownloadsFollowTheAccessRulesAndRefuseBadInputAsJson) {
  server_.reset();
  auto added = RunRefuge({"user", "add", "quinn", "--role", "lawyer", "--password-stdin", "--data", data_},
                         "a lawyer on no team of this client\n");
  ASSERT_EQ(added.exit_code, 0) << added.err;
  server_ = Serve();
  api_ = std::make_unique<ApiClient>(*server_, kMaya, kMayaPassword);
  ApiClient quinn(*server_, "quinn", "a lawyer on no team of this client");
  ApiClient tenzin(*server_, "tenzin", "demo-tenzin-dorje");
  const std::string asylum = "/api/v1/matters/mat_wen_asylum/bags";
  auto off_team = quinn.Send("POST", asylum, "{}", "application/json");
  EXPECT_EQ(off_team.status, 404);
  EXPECT_EQ(off_team.body["error"]["code"], "not_found");
  // The advocate: the asylum matter is not his; on the campaign, lawyers export.
  EXPECT_EQ(tenzin.Send("POST", asylum, "{}", "application/json").status, 404);
  auto advocate = tenzin.Send("POST", "/api/v1/matters/mat_wen_campaign/bags", R"({"redacted": true})", "application/json");
  EXPECT_EQ(advocate.status, 403);
  EXPECT_EQ(advocate.body["error"]["code"], "forbidden");
  // The lawyer exports the campaign's published copy as it is.
  auto campaign = api_->Send("POST", "/api/v1/matters/mat_wen_campaign/bags", R"({"redacted": true})", "application/json");
  ASSERT_EQ(campaign.status, 200) << campaign.raw.substr(0, 300);
  Write(dir_.File("campaign.tar"), campaign.raw);
  const std::string bag = Untar(dir_.File("campaign.tar"), dir_.File("campaign"));
  ASSERT_EQ(FilesUnder(bag + "/data").size(), 1u);
  EXPECT_EQ(RunRefuge({"evidence", "verify-bag", bag}).exit_code, 0);

  struct Bad {
    std::string body, type;
    int status;
    std::string field;
  };
  for (const auto& b : std::vector<Bad>{{R"({"redacted": "yes"})", "application/json", 422, "redacted"},
                                        {R"({"format": "zip"})", "application/json", 422, "format"},
                                        {R"({"organization": "Asia Rights\nMonitor"})", "application/json", 422, "organization"},
                                        {"[true]", "application/json", 400, ""},
                                        {"{\"redacted\":", "application/json", 400, ""},
                                        {"redacted=true", "application/x-www-form-urlencoded", 415, "Content-Type"}}) {
    auto r = api_->Send("POST", asylum, b.body, b.type);
    EXPECT_EQ(r.status, b.status) << b.body << ": " << r.raw;
    EXPECT_TRUE(r.body.contains("error")) << r.raw;
    if (!b.field.empty()) {
      EXPECT_EQ(r.body["error"]["field"], b.field) << r.raw;
    }
  }
  auto empty = api_->Send("POST", "/api/v1/matters/mat_wen_bond/bags", "{}", "application/json");
  EXPECT_EQ(empty.status, 422);
  EXPECT_EQ(empty.body["error"]["field"], "matter") << empty.raw;
  EXPECT_EQ(api_->Send("POST", "/api/v1/matters/mat_nowhere/bags", "", "").status, 404);
  EXPECT_TRUE(FilesInVaultTmp(data_).empty()) << Listed(FilesInVaultTmp(data_));
}

TEST_F(EvidenceApiTest, AClientThatStopsReadingABagLeavesNothingBehind) {
  auto big = Upload(RandomBytes(24 << 20, 9), "subject=per_wen_hao&matter=mat_wen_asylum&filename=yard-long.bin");
  ASSERT_EQ(big.status, 201) << big.raw;
  int fd = StartBagDownload(server_->port(), api_->token());
  // The first bytes of the archive arrive: the bag was built and is being sent.
  const std::string got = ReadBagStart(fd);
  EXPECT_NE(got.find("200 OK"), std::string::npos) << got.substr(0, 200);
  EXPECT_TRUE(FilesInVaultTmp(data_).empty()) << "no plaintext on disk while the bag is sent:\n"
                                              << Listed(FilesInVaultTmp(data_));
  ::close(fd);  // gone, most of 24 MiB unread
  // Its slot comes back once the server sees the client gone.
  int status = 0;
  for (int i = 0; i < 600; ++i) {
    status = api_->Post("/api/v1/matters/mat_wen_asylum/bags", Json::object()).status;
    if (status != 503) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(status, 200);
  EXPECT_TRUE(FilesInVaultTmp(data_).empty()) << Listed(FilesInVaultTmp(data_));
  EXPECT_EQ(api_->Get("/api/v1/me").status, 200);  // the server carries on
}

// Each bag download decrypts and hashes its payload while it is sent: at most
// two run at once, and a third is told to come back later.
TEST_F(EvidenceApiTest, AtMostTwoBagDownloadsRunAtOnce) {
  auto big = Upload(RandomBytes(24 << 20, 12), "subject=per_wen_hao&matter=mat_wen_asylum&filename=yard-long.bin");
  ASSERT_EQ(big.status, 201) << big.raw;
  auto start = [&]() {
    int fd = StartBagDownload(server_->port(), api_->token());
    const std::string got = ReadBagStart(fd);
    EXPECT_NE(got.find("200 OK"), std::string::npos) << got.substr(0, 200);
    return fd;
  };
  int first = start();
  int second = start();
  EXPECT_TRUE(FilesInVaultTmp(data_).empty()) << Listed(FilesInVaultTmp(data_));
  auto third = api_->Post("/api/v1/matters/mat_wen_asylum/bags", Json::object());
  EXPECT_EQ(third.status, 503) << third.raw.substr(0, 200);
  EXPECT_EQ(third.Header("Retry-After"), "30");
  EXPECT_EQ(third.body["error"]["field"], "bags") << third.raw.substr(0, 200);
  ::close(first);
  ::close(second);
  // Slots come back with the downloads, once the server sees their clients gone.
  ApiClient::Response again;
  for (int i = 0; i < 600; ++i) {
    again = api_->Post("/api/v1/matters/mat_wen_asylum/bags", Json::object());
    if (again.status != 503) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(again.status, 200) << again.raw.substr(0, 200);
  EXPECT_TRUE(FilesInVaultTmp(data_).empty()) << Listed(FilesInVaultTmp(data_));
}

// The bag is sent as it is read from the vault: while a client reads it slowly,
// the vault's tmp/ holds no file at all, let alone a payload-sized one, and
// the archive that arrives in the end is a valid bag.
TEST_F(EvidenceApiTest, ABagIsStreamedWithoutAPlaintextCopyOnDisk) {
  const std::string big_body = RandomBytes(24 << 20, 21);
  auto big = Upload(big_body, "subject=per_wen_hao&matter=mat_wen_asylum&filename=yard-long.bin");
  ASSERT_EQ(big.status, 201) << big.raw;
  int fd = StartBagDownload(server_->port(), api_->token());
  std::string got;
  char buf[4096];
  int looked = 0;
  size_t next_look = 0;
  while (true) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
    if (got.size() >= next_look) {  // every 2 MiB received, while the rest waits
      ++looked;
      next_look = got.size() + (2 << 20);
      auto files = FilesInVaultTmp(data_);
      ASSERT_TRUE(files.empty()) << "after " << got.size() << " bytes:\n" << Listed(files);
    }
    if (got.size() > (64u << 20)) break;
    if (got.size() >= 5 && got.compare(got.size() - 5, 5, "0\r\n\r\n") == 0) break;  // the last chunk
  }
  ::close(fd);
  EXPECT_NE(got.find("200 OK"), std::string::npos) << got.substr(0, 200);
  EXPECT_GE(looked, 10) << "the archive arrived in " << got.size() << " bytes";
  EXPECT_NE(got.find("yard-long.bin"), std::string::npos);

  auto r = api_->Send("POST", "/api/v1/matters/mat_wen_asylum/bags", "{}", "application/json");
  ASSERT_EQ(r.status, 200) << r.raw.substr(0, 300);
  Write(dir_.File("streamed.tar"), r.raw);
  const std::string bag = Untar(dir_.File("streamed.tar"), dir_.File("streamed"));
  EXPECT_TRUE(ValidateBagRfc8493(bag).empty()) << Joined(ValidateBagRfc8493(bag));
  auto verified = RunRefuge({"evidence", "verify-bag", bag});
  EXPECT_EQ(verified.exit_code, 0) << verified.out;
  const std::string id = big.body["id"];
  EXPECT_TRUE(Slurp(bag + "/data/" + id + "/yard-long.bin") == big_body);
  EXPECT_TRUE(FilesInVaultTmp(data_).empty()) << Listed(FilesInVaultTmp(data_));
  // Its entries come in byte order of their paths, as a bag directory is archived.
  std::istringstream names(Shell("tar -tf '" + dir_.File("streamed.tar") + "'"));
  std::vector<std::string> order;
  for (std::string line; std::getline(names, line);) order.push_back(line);
  ASSERT_GE(order.size(), 10u);
  EXPECT_TRUE(std::is_sorted(order.begin(), order.end())) << Shell("tar -tf '" + dir_.File("streamed.tar") + "'");
  EXPECT_EQ(order[1].substr(order[1].find('/')), "/bag-info.txt");

  // The same bag as the operator's export to a directory, but for the custody
  // entries the download itself added (counted in index.html, listed in the custody file).
  server_->Stop();
  ASSERT_EQ(Evidence({"export", "--matter", "mat_wen_asylum", "--out", dir_.File("dir-bag")}).exit_code, 0);
  for (const char* f : {"bagit.txt", "bag-info.txt", "manifest-sha256.txt", "manifest-sha512.txt"}) {
    EXPECT_EQ(Slurp(bag + "/" + f), Slurp(dir_.File("dir-bag") + "/" + f)) << f;
  }
  EXPECT_EQ(FilesUnder(bag), FilesUnder(dir_.File("dir-bag")));
}

// A vault object damaged on disk is found while its payload is streamed: the
// download breaks off, without the manifests and without the end of the
// archive, so no client holds a bag whose manifest vouches for damaged bytes.
TEST_F(EvidenceApiTest, ADamagedObjectBreaksOffTheBagDownload) {
  const std::string body = RandomBytes(6 << 20, 22);
  auto added = Upload(body, "subject=per_wen_hao&matter=mat_wen_asylum&filename=damaged.bin");
  ASSERT_EQ(added.status, 201) << added.raw;
  // The largest object is the one just stored; flip a byte well inside it.
  std::string object;
  uintmax_t largest = 0;
  for (const auto& e : fs::recursive_directory_iterator(data_ + "/vault/objects")) {
    if (e.is_regular_file() && e.file_size() > largest) {
      largest = e.file_size();
      object = e.path().string();
    }
  }
  ASSERT_GT(largest, static_cast<uintmax_t>(body.size()));
  fs::permissions(object, fs::perms::owner_write, fs::perm_options::add);
  {
    std::fstream f(object, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(4 << 20);
    char c = 0;
    f.read(&c, 1);
    c = static_cast<char>(c ^ 0x5a);
    f.seekp(4 << 20);
    f.write(&c, 1);
  }
  int fd = StartBagDownload(server_->port(), api_->token());
  std::string got;
  char buf[65536];
  while (got.size() < (64u << 20)) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  // It started as a bag (the damage lies in the middle of the payload)...
  EXPECT_NE(got.find("200 OK"), std::string::npos) << got.substr(0, 200);
  EXPECT_NE(got.find("/bagit.txt"), std::string::npos);
  EXPECT_NE(got.find("damaged.bin"), std::string::npos);
  // ...and ends without the manifests, the custody file or the end of the
  // archive: the connection closes before the last chunk.
  EXPECT_EQ(got.find("/manifest-sha256.txt"), std::string::npos);
  EXPECT_EQ(got.find("/refuge-custody.json"), std::string::npos);
  EXPECT_FALSE(got.size() >= 5 && got.compare(got.size() - 5, 5, "0\r\n\r\n") == 0) << got.size();
  EXPECT_TRUE(FilesInVaultTmp(data_).empty()) << Listed(FilesInVaultTmp(data_));
  EXPECT_EQ(api_->Get("/api/v1/me").status, 200);  // the server carries on
}

TEST_F(EvidenceApiTest, EvidenceWritesAreInTheAuditLogWithoutTheirDetails) {
  ASSERT_EQ(api_->Post("/api/v1/evidence/evi_demo_yard_clip/verification", Json::object()).status, 200);
  std::map<std::string, Json> seen;
  auto log = api_->Get("/api/v1/people/per_wen_hao/audit?limit=1000");
  ASSERT_EQ(log.status, 200) << log.raw;
  for (const auto& e : log.body["items"]) seen[e["action"].get<std::string>() + " " + e["target"].get<std::string>()] = e;
  // The demo's files were received by the operator; the lawyer verified one now.
  ASSERT_TRUE(seen.count("evidence.received evi_demo_yard_clip")) << log.raw;
  ASSERT_TRUE(seen.count("evidence.verified evi_demo_yard_clip")) << log.raw;
  const Json& v = seen["evidence.verified evi_demo_yard_clip"];
  EXPECT_EQ(v["actor"], "maya");
  EXPECT_EQ(v["person"], "per_wen_hao");
  // What was found stays sealed in the custody log; the audit entry points at it.
  EXPECT_EQ(v["details"].size(), 1u) << v.dump();
  EXPECT_TRUE(v["details"].contains("custody_seq")) << v.dump();
  server_->Stop();
  auto verified = RunRefuge({"audit", "verify", "--data", data_});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
}

TEST_F(EvidenceApiTest, EvidenceReadsAreInTheAuditLogWithWhoAndFromWhere) {
  ASSERT_EQ(api_->Get("/api/v1/evidence/evi_demo_yard_clip").status, 200);
  ASSERT_EQ(api_->Get("/api/v1/evidence/evi_demo_yard_clip/content").status, 200);
  ASSERT_EQ(api_->Send("GET", "/api/v1/evidence/evi_demo_fence_photo/content", "", "", {{"Range", "bytes=0-99"}}).status,
            206);
  ASSERT_EQ(api_->Get("/api/v1/evidence/evi_demo_yard_clip/custody").status, 200);
  // A read nobody may make is not an access to the file.
  ApiClient tenzin(*server_, "tenzin", "demo-tenzin-dorje");
  ASSERT_EQ(tenzin.Get("/api/v1/evidence/evi_demo_yard_clip/content").status, 404);

  // The lawyer asks "who has looked at this client's file?" over HTTP (reads are
  // written within a fraction of a second).
  std::map<std::string, Json> seen;
  for (int i = 0; i < 100 && seen.size() < 4; ++i) {
    auto log = api_->Get("/api/v1/people/per_wen_hao/audit?limit=1000");
    ASSERT_EQ(log.status, 200) << log.raw;
    for (const auto& e : log.body["items"]) {
      if (e["actor"] == "maya" && e["action"].get<std::string>().rfind("evidence.", 0) == 0) {
        // Each read names the custody entry it made (or the head it saw).
        Json details = e["details"];
        EXPECT_TRUE(details.contains("custody_seq")) << e.dump();
        details.erase("custody_seq");
        seen[e["action"].get<std::string>() + " " + e["target"].get<std::string>() + " " + details.dump()] = e;
      }
    }
    if (seen.size() < 4) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(seen.size(), 4u) << Json(seen).dump();
  for (const auto& [what, e] : seen) {
    EXPECT_EQ(e["address"], "127.0.0.1") << what;
    EXPECT_EQ(e["person"], "per_wen_hao") << what;
    EXPECT_FALSE(e["at"].get<std::string>().empty()) << what;
  }
  EXPECT_TRUE(seen.count("evidence.read evi_demo_yard_clip {}"));
  EXPECT_TRUE(seen.count(R"(evidence.content evi_demo_yard_clip {"range":"whole file"})"));
  EXPECT_TRUE(seen.count(R"(evidence.content evi_demo_fence_photo {"range":"bytes=0-99"})"));
  EXPECT_TRUE(seen.count("evidence.custody evi_demo_yard_clip {}"));

  // The operator asks the same at the command line; the log still verifies.
  server_->Stop();
  auto shown = RunRefuge({"audit", "show", "--person", "per_wen_hao", "--data", data_});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find("maya  evidence.content  evi_demo_yard_clip  from 127.0.0.1"), std::string::npos)
      << shown.out;
  EXPECT_NE(shown.out.find("maya  evidence.read  evi_demo_yard_clip  from 127.0.0.1"), std::string::npos);
  EXPECT_EQ(shown.out.find("tenzin  evidence."), std::string::npos) << shown.out;
  auto verified = RunRefuge({"audit", "verify", "--data", data_});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
}

// Someone who can write the database, without the passphrase, files an original
// as a safe copy of another record under the campaign, where the advocate works.
TEST_F(EvidenceApiTest, AnOriginalReclassifiedInTheDatabaseIsNeitherServedNorPassed) {
  Tamper(data_, "UPDATE evidence SET parent = 'evi_demo_yard_clip', matter = 'mat_wen_campaign' "
                "WHERE id = 'evi_demo_fence_photo';");
  ApiClient tenzin(*server_, "tenzin", "demo-tenzin-dorje");
  auto content = tenzin.Get("/api/v1/evidence/evi_demo_fence_photo/content");
  EXPECT_NE(content.status, 200);
  EXPECT_EQ(content.raw.find("JFIF"), std::string::npos);
  EXPECT_NE(tenzin.Get("/api/v1/evidence/evi_demo_fence_photo").status, 200);
  EXPECT_NE(api_->Get("/api/v1/evidence/evi_demo_fence_photo/content").status, 200);
  auto listed = tenzin.Get("/api/v1/evidence?matter=mat_wen_campaign");
  ASSERT_EQ(listed.status, 200) << listed.raw;
  for (const auto& item : listed.body["items"]) EXPECT_NE(item["id"], "evi_demo_fence_photo") << listed.raw;
  server_->Stop();

  auto v = Evidence({"verify", "evi_demo_fence_photo"});
  EXPECT_EQ(v.exit_code, 1) << v.out << v.err;
  EXPECT_NE(v.out.find("evi_demo_fence_photo"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("the record's parent was changed"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("the record's matter was changed"), std::string::npos) << v.out;
  auto all = Evidence({"verify", "--all"});
  EXPECT_EQ(all.exit_code, 1) << all.out;
  EXPECT_NE(all.out.find("the record's kind was changed"), std::string::npos) << all.out;
}

// A record's whole state (head, signature, MAC) saved, later entries made, then
// the saved state put back and the later entries deleted: a consistent rollback.
TEST_F(EvidenceTest, ACustodyChainRolledBackToAnOlderHeadIsDetected) {
  SqlResult saved = SqlOnDataDir(data_, "CREATE TABLE saved_head AS SELECT id, custody_seq, custody_hash, custody_sig, "
                                        "custody_key, custody_mac FROM evidence WHERE id = 'evi_demo_fence_photo';");
  ASSERT_TRUE(saved.ok) << saved.error;
  ASSERT_EQ(Evidence({"verify", "evi_demo_fence_photo"}).exit_code, 0);
  Tamper(data_, "DELETE FROM custody_entries WHERE evidence = 'evi_demo_fence_photo' AND seq > "
                "(SELECT custody_seq FROM saved_head);"
                "UPDATE evidence SET custody_seq = (SELECT custody_seq FROM saved_head), "
                "custody_hash = (SELECT custody_hash FROM saved_head), custody_sig = (SELECT custody_sig FROM saved_head), "
                "custody_key = (SELECT custody_key FROM saved_head), custody_mac = (SELECT custody_mac FROM saved_head) "
                "WHERE id = 'evi_demo_fence_photo';");
  auto v = Evidence({"verify", "evi_demo_fence_photo"});
  EXPECT_EQ(v.exit_code, 1) << v.out << v.err;
  EXPECT_NE(v.out.find("rolled back"), std::string::npos) << v.out;
}

// The same bytes uploaded under two matters with different teams: nothing in one
// record's custody tells the other team about it, and each has its own object.
TEST_F(EvidenceTest, TheSameFileUnderTwoMattersLeavesNoTraceInTheOther) {
  const size_t before = FilesUnder(data_ + "/vault/objects").size();
  const std::string file = dir_.File("leaked.bin");
  Write(file, RandomBytes(200000, 11));
  Json asylum = AddJson(file);
  auto r = Evidence({"add", file, "--subject", "per_wen_hao", "--matter", "mat_wen_campaign"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json campaign = Json::parse(r.out);
  EXPECT_EQ(FilesUnder(data_ + "/vault/objects").size(), before + 2);
  for (const Json& rec : {asylum, campaign}) {
    Json log = Custody(rec["id"]);
    ASSERT_EQ(log["entries"].size(), 1u) << log.dump();
    const std::string text = log.dump();
    EXPECT_EQ(text.find(asylum["id"] == rec["id"] ? campaign["id"].get<std::string>() : asylum["id"].get<std::string>()),
              std::string::npos) << text;
    EXPECT_FALSE(log["entries"][0]["details"].contains("same_file_as")) << text;
  }
  EXPECT_EQ(Evidence({"verify", "--all"}).exit_code, 0);
}

// Evidence is linked only to events of its own client; an event the writer
// cannot see answers exactly as one that does not exist.
TEST_F(EvidenceApiTest, LinksStayWithinOneClientAndHiddenEventsAnswerAsMissing) {
  auto other = api_->Post("/api/v1/people", Json{{"name", "Amara Okafor"}});
  ASSERT_EQ(other.status, 201) << other.raw;
  auto matter = api_->Post("/api/v1/matters", Json{{"client", other.body["id"]}, {"kind", "bond"}});
  ASSERT_EQ(matter.status, 201) << matter.raw;
  auto event = api_->Post("/api/v1/events", Json{{"type", "evidence_capture"}, {"subject", other.body["id"]},
                                                  {"matter", matter.body["id"]}, {"date", "2021-03-02"},
                                                  {"evidence", "evi_demo_fence_photo"}});
  if (event.status == 201) {
    auto cross = api_->Post("/api/v1/evidence/evi_demo_fence_photo/links", Json{{"event", event.body["id"]}});
    EXPECT_EQ(cross.status, 422) << cross.raw;
    EXPECT_EQ(cross.body["error"]["field"], "event") << cross.raw;
    auto log = api_->Get("/api/v1/evidence/evi_demo_fence_photo/custody");
    for (const auto& e : log.body["entries"]) EXPECT_NE(e["details"].value("event", ""), event.body["id"]) << log.raw;
  } else {
    EXPECT_EQ(event.status, 422) << event.raw;  // refused earlier, when the event names the record
  }

  // Tenzin (advocate) cannot see the legal event evt_demo_01a: linking the campaign's
  // copy to it answers as for an event that does not exist.
  ApiClient tenzin(*server_, "tenzin", "demo-tenzin-dorje");
  auto list = tenzin.Get("/api/v1/evidence?matter=mat_wen_campaign");
  ASSERT_EQ(list.status, 200);
  ASSERT_FALSE(list.body["items"].empty()) << list.raw;
  const std::string copy = list.body["items"][0]["id"];
  auto hidden = tenzin.Post("/api/v1/evidence/" + copy + "/links", Json{{"event", "evt_demo_01a"}});
  auto missing = tenzin.Post("/api/v1/evidence/" + copy + "/links", Json{{"event", "evt_nothing_here"}});
  EXPECT_EQ(hidden.status, 422) << hidden.raw;
  EXPECT_EQ(missing.status, 422) << missing.raw;
  std::string a = hidden.raw, b = missing.raw;
  a.replace(a.find("evt_demo_01a"), 12, "EVENT");
  b.replace(b.find("evt_nothing_here"), 16, "EVENT");
  EXPECT_EQ(a, b);
}

// An upload naming a person or matter the uploader cannot see answers exactly as
// one naming an id that does not exist.
TEST_F(EvidenceApiTest, AnUploadNamingAHiddenPersonOrMatterAnswersAsAMissingOne) {
  auto other = api_->Post("/api/v1/people", Json{{"name", "Amara Okafor"}});
  ASSERT_EQ(other.status, 201) << other.raw;
  auto matter = api_->Post("/api/v1/matters", Json{{"client", other.body["id"]}, {"kind", "bond"}});
  ASSERT_EQ(matter.status, 201) << matter.raw;
  ApiClient tenzin(*server_, "tenzin", "demo-tenzin-dorje");
  auto send = [&](const std::string& query) {
    return tenzin.Send("POST", "/api/v1/evidence?" + query, "bytes", "application/octet-stream");
  };
  auto same = [](ApiClient::Response r, const std::string& id) {
    EXPECT_EQ(r.status, 422) << r.raw;
    const size_t at = r.raw.find(id);
    EXPECT_NE(at, std::string::npos) << r.raw;
    if (at != std::string::npos) r.raw.replace(at, id.size(), "ID");
    return r.raw;
  };
  const std::string person = other.body["id"], hidden_matter = matter.body["id"];
  EXPECT_EQ(same(send("subject=" + person), person), same(send("subject=per_nobody_here"), "per_nobody_here"));
  EXPECT_EQ(same(send("subject=per_wen_hao&matter=" + hidden_matter), hidden_matter),
            same(send("subject=per_wen_hao&matter=mat_nobody_here"), "mat_nobody_here"));
}

TEST(EvidenceLockedServer, EvidenceRoutesAnswer503WithoutAPassphrase) {
  TempDir dir;
  {
    ScopedEnv pass("REFUGE_PASSPHRASE", kPassphrase);
    ASSERT_EQ(RunRefuge({"demo", "--data", dir.File("d")}).exit_code, 0);
  }
  ScopedEnv none("REFUGE_PASSPHRASE", nullptr);
  ServerProcess server(dir.File("d"));
  ApiClient api(server, kMaya, kMayaPassword);
  for (const auto& r : {api.Get("/api/v1/evidence/evi_demo_fence_photo"), api.Get("/api/v1/evidence"),
                        api.Send("POST", "/api/v1/evidence?subject=per_wen_hao", "bytes", "application/octet-stream")}) {
    EXPECT_EQ(r.status, 503) << r.raw;
    EXPECT_NE(r.body["error"]["message"].get<std::string>().find("vault is locked"), std::string::npos) << r.raw;
  }
  EXPECT_EQ(api.Get("/api/v1/people/per_wen_hao").status, 200);  // the rest works
}

TEST(EvidenceDemo, LoadingTheDemoTwiceChangesNothing) {
  TempDir dir;
  ScopedEnv pass("REFUGE_PASSPHRASE", kPassphrase);
  ASSERT_EQ(RunRefuge({"demo", "--data", dir.File("d")}).exit_code, 0);
  auto log = [&](const char* id) { return RunRefuge({"evidence", "custody", id, "--json", "--data", dir.File("d")}).out; };
  const std::string before = log("evi_demo_yard_clip") + log("evi_demo_fence_photo");
  const auto objects = FilesUnder(dir.File("d/vault/objects"));
  auto again = RunRefuge({"demo", "--data", dir.File("d")});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(log("evi_demo_yard_clip") + log("evi_demo_fence_photo"), before);
  EXPECT_EQ(FilesUnder(dir.File("d/vault/objects")), objects);
  // The demo's events name the records.
  auto exported = RunRefuge({"export", "--out", "-", "--data", dir.File("d")});
  EXPECT_NE(exported.out.find("evi_demo_fence_photo"), std::string::npos);
  // Without a passphrase the demo still loads, and says the evidence was skipped.
  TempDir plain;
  ScopedEnv none("REFUGE_PASSPHRASE", nullptr);
  auto skipped = RunRefuge({"demo", "--data", plain.File("d")});
  EXPECT_EQ(skipped.exit_code, 0);
  EXPECT_NE(skipped.out.find("Demo evidence skipped"), std::string::npos) << skipped.out;
}

TEST(EvidenceDemo, AnEarlierDemosPublicationIsPointedAtTheCampaignsCopy) {
  // As an earlier demo left it: the publication naming a safe copy filed under
  // the asylum matter, which the campaign's advocate cannot see.
  TempDir dir;
  ScopedEnv pass("REFUGE_PASSPHRASE", kPassphrase);
  ASSERT_EQ(RunRefuge({"demo", "--data", dir.File("d")}).exit_code, 0);
  auto old_copy = RunRefuge({"evidence", "redact", "evi_demo_yard_clip", "--out", dir.File("copy.mp4"), "--data",
                             dir.File("d")});
  ASSERT_EQ(old_copy.exit_code, 0) << old_copy.err;
  const std::string old_id = Json::parse(old_copy.out)["id"];
  {
    ServerProcess server(dir.File("d"));
    ApiClient maya(server, kMaya, kMayaPassword);
    ASSERT_EQ(maya.Patch("/api/v1/events/evt_demo_07a", Json{{"evidence", old_id}}).status, 200);
  }
  auto again = RunRefuge({"demo", "--data", dir.File("d")});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  ServerProcess server(dir.File("d"));
  ApiClient tenzin(server, "tenzin", "demo-tenzin-dorje");
  auto publication = tenzin.Get("/api/v1/events/evt_demo_07a");
  ASSERT_EQ(publication.status, 200);
  const std::string named = publication.body["evidence"];
  EXPECT_NE(named, old_id);
  auto copy = tenzin.Get("/api/v1/evidence/" + named);
  ASSERT_EQ(copy.status, 200) << copy.raw;
  EXPECT_EQ(copy.body["matter"], "mat_wen_campaign");
  EXPECT_EQ(copy.body["parent"], "evi_demo_yard_clip");
}

}  // namespace
}  // namespace refuge::testing
