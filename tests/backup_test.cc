// Backups at scale: the generated national dataset (refuge-bench gen) imports,
// exports and re-imports without loss, and the streaming import reads a backup
// whatever the order of its sections and refuses a broken one without writing.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "refuge_process.h"

namespace refuge::testing {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void Write(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

// Runs refuge-bench with `args`; returns its exit code and standard error.
std::pair<int, std::string> RunBench(const std::string& args) {
  std::string cmd = std::string(REFUGE_BENCH_BINARY) + " " + args + " 2>&1";
  std::FILE* p = ::popen(cmd.c_str(), "r");
  std::string out;
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

class GeneratedDataset : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.File("dataset.json");
    auto [code, err] = RunBench("gen --persons 300 --seed 7 --out " + path_);
    ASSERT_EQ(code, 0) << err;
    doc_ = Json::parse(ReadAll(path_));
  }
  TempDir dir_;
  std::string path_;
  Json doc_;
};

TEST_F(GeneratedDataset, IsTheSameForASeedAndShapedLikeCases) {
  auto [code, err] = RunBench("gen --persons 300 --seed 7 --out " + dir_.File("again.json"));
  ASSERT_EQ(code, 0) << err;
  EXPECT_TRUE(ReadAll(path_) == ReadAll(dir_.File("again.json"))) << "same seed, different bytes";
  ASSERT_EQ(RunBench("gen --persons 300 --seed 8 --out " + dir_.File("other.json")).first, 0);
  EXPECT_FALSE(ReadAll(path_) == ReadAll(dir_.File("other.json"))) << "another seed, same bytes";

  EXPECT_EQ(doc_["people"].size(), 300u);
  EXPECT_GE(doc_["matters"].size(), 300u);
  EXPECT_GE(doc_["events"].size(), 300u * 10);
  std::map<std::string, int> types;
  int han = 0, corrected = 0, retracted = 0, partial = 0;
  for (const auto& p : doc_["people"]) {
    for (const auto& n : p.value("other_names", Json::array())) {
      // Two CJK characters, three bytes each in UTF-8.
      if (n.get<std::string>().size() == 6 && static_cast<unsigned char>(n.get<std::string>()[0]) >= 0xE4) ++han;
    }
  }
  for (const auto& e : doc_["events"]) {
    ++types[e["type"].get<std::string>()];
    if (e.contains("history")) ++(e.value("retracted", false) ? retracted : corrected);
    if (e["date"].get<std::string>().size() < 10) ++partial;
  }
  for (const char* t : {"departure", "arrival", "notice_to_appear", "detention", "transfer", "bond", "release",
                        "hearing", "decision", "filing", "incident", "advocacy", "correspondence", "note"}) {
    EXPECT_GT(types[t], 0) << t;
  }
  EXPECT_GT(han, 0) << "no two-character Chinese names";
  EXPECT_GT(corrected, 0);
  EXPECT_GT(retracted, 0);
  EXPECT_GT(partial, 0);
}

TEST_F(GeneratedDataset, ImportsExportsAndImportsAgainUnchanged) {
  auto imported = RunRefuge({"import", path_, "--data", dir_.File("a")});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  auto first = RunRefuge({"export", "--data", dir_.File("a"), "--out", dir_.File("a.json")});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  Json exported = Json::parse(ReadAll(dir_.File("a.json")));
  EXPECT_EQ(exported["people"].size(), doc_["people"].size());
  EXPECT_EQ(exported["matters"].size(), doc_["matters"].size());
  EXPECT_EQ(exported["events"].size(), doc_["events"].size());
  EXPECT_EQ(exported["users"].size(), doc_["users"].size());
  // An export spells out "retracted": false, which the generator leaves implicit.
  Json events = doc_["events"];
  for (auto& e : events) {
    if (!e.contains("retracted")) e["retracted"] = false;
    if (!e.contains("history")) continue;
    for (auto& h : e["history"]) {
      if (!h.contains("retracted")) h["retracted"] = false;
    }
  }
  EXPECT_EQ(exported["people"], doc_["people"]);
  EXPECT_EQ(exported["matters"], doc_["matters"]);
  EXPECT_EQ(exported["events"], events) << "events differ after the round trip";

  auto again = RunRefuge({"import", dir_.File("a.json"), "--data", dir_.File("b")});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  ASSERT_EQ(RunRefuge({"export", "--data", dir_.File("b"), "--out", dir_.File("b.json")}).exit_code, 0);
  EXPECT_TRUE(ReadAll(dir_.File("a.json")) == ReadAll(dir_.File("b.json"))) << "export, import, export differs";

  // Importing the same backup again changes nothing.
  ASSERT_EQ(RunRefuge({"import", dir_.File("a.json"), "--data", dir_.File("b")}).exit_code, 0);
  ASSERT_EQ(RunRefuge({"export", "--data", dir_.File("b"), "--out", dir_.File("c.json")}).exit_code, 0);
  EXPECT_TRUE(ReadAll(dir_.File("a.json")) == ReadAll(dir_.File("c.json")));
}

TEST_F(GeneratedDataset, ItsUsersLogInAndReadTheLongCase) {
  ASSERT_EQ(RunRefuge({"import", path_, "--data", dir_.File("d")}).exit_code, 0);
  int expected = 0;
  for (const auto& e : doc_["events"]) {
    if (e.value("matter", "") == "mat_00000000_0" && !e.value("retracted", false)) ++expected;
  }
  EXPECT_GE(expected, 190);
  ServerProcess server(dir_.File("d"));
  ApiClient lawyer(server, "lawyer_000", "refuge-bench-password");
  auto r = lawyer.Get("/api/v1/matters/mat_00000000_0/chronology");
  ASSERT_EQ(r.status, 200) << r.raw;
  const Json& events = r.body.is_array() ? r.body : r.body["events"];
  EXPECT_EQ(static_cast<int>(events.size()), expected);
  // Another lawyer's matter stays out of reach.
  EXPECT_EQ(lawyer.Get("/api/v1/matters/mat_00000001_0/chronology").status, 404);
}

// Most people sharing a surname are other lawyers' clients; a search must page
// past them to the lawyer's own.
TEST_F(GeneratedDataset, SearchFindsTheLawyersOwnClientBehindOthersOfTheSameName) {
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  auto words = [&](const Json& p) {
    std::vector<std::string> out;
    std::istringstream in(lower(p["name"].get<std::string>()));
    for (std::string w; in >> w;) out.push_back(w);
    return out;
  };
  // lawyer_000 is on the team of every 50th person's matters.
  const Json& people = doc_["people"];
  std::string target, surname;
  for (size_t n = 50; n < people.size() && target.empty(); n += 50) {
    const std::string last = words(people[n]).back();
    if (last.find_first_not_of("abcdefghijklmnopqrstuvwxyz") != std::string::npos) continue;
    int others = 0;
    bool mine_before = false;
    for (size_t k = 0; k < n; ++k) {
      for (const auto& w : words(people[k])) {
        if (w.rfind(last, 0) != 0) continue;
        if (k % 50 == 0) mine_before = true;
        ++others;
        break;
      }
    }
    if (others >= 8 && !mine_before) {
      target = people[n]["id"];
      surname = last;
    }
  }
  ASSERT_FALSE(target.empty()) << "the dataset has no such client";
  ASSERT_EQ(RunRefuge({"import", path_, "--data", dir_.File("d")}).exit_code, 0);
  ServerProcess server(dir_.File("d"));
  ApiClient lawyer(server, "lawyer_000", "refuge-bench-password");
  auto r = lawyer.Get("/api/v1/search?kind=person&limit=1&q=" + surname);
  ASSERT_EQ(r.status, 200) << r.raw;
  ASSERT_EQ(r.body["results"].size(), 1u) << r.raw;
  EXPECT_EQ(r.body["results"][0]["id"], target) << r.raw;
  EXPECT_FALSE(r.body.contains("truncated"));
}

TEST_F(GeneratedDataset, SectionsInAnyOrderImportTheSame) {
  ASSERT_EQ(RunRefuge({"import", path_, "--data", dir_.File("canonical")}).exit_code, 0);
  // nlohmann::json writes keys in alphabetical order: events and evidence come
  // first, people after matters, the format after three sections.
  Write(dir_.File("sorted.json"), doc_.dump());
  ASSERT_LT(doc_.dump().find("\"events\""), doc_.dump().find("\"people\""));
  auto sorted = RunRefuge({"import", dir_.File("sorted.json"), "--data", dir_.File("sorted")});
  ASSERT_EQ(sorted.exit_code, 0) << sorted.err;
  auto a = RunRefuge({"export", "--data", dir_.File("canonical"), "--out", "-"});
  auto b = RunRefuge({"export", "--data", dir_.File("sorted"), "--out", "-"});
  EXPECT_TRUE(a.out == b.out);
}

TEST_F(GeneratedDataset, ABrokenBackupWritesNothing) {
  ASSERT_EQ(RunRefuge({"import", path_, "--data", dir_.File("d")}).exit_code, 0);
  auto before = RunRefuge({"export", "--data", dir_.File("d"), "--out", "-"});

  // Cut off in the middle of the events: a syntax error, after thousands of rows
  // were already read and written inside the transaction.
  const std::string text = ReadAll(path_);
  Write(dir_.File("cut.json"), text.substr(0, text.size() - text.size() / 10));
  auto cut = RunRefuge({"import", dir_.File("cut.json"), "--data", dir_.File("d")});
  EXPECT_EQ(cut.exit_code, 2);
  EXPECT_NE(cut.err.find("not valid JSON at line"), std::string::npos) << cut.err;
  auto cut_new = RunRefuge({"import", dir_.File("cut.json"), "--data", dir_.File("fresh")});
  EXPECT_EQ(cut_new.exit_code, 2);
  auto empty = RunRefuge({"export", "--data", dir_.File("fresh"), "--out", "-"});
  ASSERT_EQ(empty.exit_code, 0);
  EXPECT_EQ(Json::parse(empty.out)["people"].size(), 0u) << "a failed import left people behind";

  std::string doubled = text;
  doubled.insert(doubled.rfind('}'), ",\"people\": []");
  Write(dir_.File("twice.json"), doubled);
  auto dup = RunRefuge({"import", dir_.File("twice.json"), "--data", dir_.File("d")});
  EXPECT_EQ(dup.exit_code, 2);
  EXPECT_NE(dup.err.find("appears twice"), std::string::npos) << dup.err;

  Write(dir_.File("unknown.json"), R"({"format": "refuge-backup", "format_version": 1, "persons": []})");
  auto unknown = RunRefuge({"import", dir_.File("unknown.json"), "--data", dir_.File("d")});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("persons"), std::string::npos) << unknown.err;

  Write(dir_.File("list.json"), R"([{"format": "refuge-backup"}])");
  EXPECT_EQ(RunRefuge({"import", dir_.File("list.json"), "--data", dir_.File("d")}).exit_code, 2);
  Write(dir_.File("scalar.json"), R"({"format": "refuge-backup", "format_version": 1, "people": 3})");
  auto scalar = RunRefuge({"import", dir_.File("scalar.json"), "--data", dir_.File("d")});
  EXPECT_EQ(scalar.exit_code, 2);
  EXPECT_NE(scalar.err.find("must be a list"), std::string::npos) << scalar.err;

  auto after = RunRefuge({"export", "--data", dir_.File("d"), "--out", "-"});
  EXPECT_TRUE(before.out == after.out) << "a failed import changed the data";
}

}  // namespace
}  // namespace refuge::testing
