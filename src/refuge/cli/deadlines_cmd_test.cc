#include "refuge/cli/deadlines_cmd.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "refuge/domain/schema.h"

namespace refuge::cli {
namespace {

namespace fs = std::filesystem;

class DeadlinesCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = fs::temp_directory_path() /
            ("refuge_deadlines_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".json");
  }
  void TearDown() override { fs::remove(path_); }

  int Run(const std::string& events, const std::string& format) {
    std::ofstream(path_) << events;
    out_.str("");
    err_.str("");
    return RunDeadlinesCommand(path_.string(), format, kNow, out_, err_);
  }

  static constexpr int64_t kNow = 1795176000;  // 2026-11-20T12:00:00Z
  fs::path path_;
  std::ostringstream out_, err_;
};

constexpr char kBondCase[] = R"([
  {"id": "evt_arr", "type": "arrival", "date": "2021-10-03", "country": "US"},
  {"id": "evt_i589", "type": "filing", "date": "2022-01-10", "kind": "asylum_application"},
  {"id": "evt_bond", "type": "decision", "date": "2026-11-05T13:30-05:00", "body": "ij",
   "outcome": "bond_set", "matter": "mat_bond"}
])";

TEST_F(DeadlinesCommandTest, PrintsDeadlinesAsJson) {
  ASSERT_EQ(Run(kBondCase, "json"), 0) << err_.str();
  EXPECT_EQ(err_.str(), "");
  const std::string text = out_.str();
  EXPECT_NE(text.find("[\n  {\n    \""), std::string::npos) << "2-space indent";
  domain::Json j = domain::Json::parse(text);
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 3u);
  EXPECT_EQ(j[0]["rule"], "ead_earliest_filing");
  EXPECT_EQ(j[1]["rule"], "asylum_one_year");
  EXPECT_EQ(j[1]["status"], "met");
  EXPECT_EQ(j[1]["satisfied_by"], "evt_i589");
  EXPECT_EQ(j[2]["rule"], "bond_appeal");
  EXPECT_EQ(j[2]["due"], "2026-12-07");
  EXPECT_EQ(j[2]["status"], "open");
  EXPECT_EQ(j[2]["matter"], "mat_bond");
  EXPECT_EQ(j[2]["subject"], "");
  EXPECT_EQ(j[2]["steps"][2], "2026-11-05 + 30 days = Sat 2026-12-05");
  EXPECT_EQ(j[2]["steps"][3], "Saturday, rolled forward to Mon 2026-12-07");
}

TEST_F(DeadlinesCommandTest, PrintsAReportForPeople) {
  ASSERT_EQ(Run(kBondCase, "text"), 0) << err_.str();
  const std::string text = out_.str();
  EXPECT_NE(text.find("3 deadlines, as of 2026-11-20T12:00:00Z"), std::string::npos) << text;
  EXPECT_NE(text.find("2026-12-07  OPEN  bond_appeal:"), std::string::npos) << text;
  EXPECT_NE(text.find("  - Saturday, rolled forward to Mon 2026-12-07"), std::string::npos);
  EXPECT_NE(text.find("2022-10-03  MET  asylum_one_year:"), std::string::npos);
  EXPECT_NE(text.find("8 CFR 1003.19(f), 1003.38(b) (rule as of 2025-10-01)"), std::string::npos);
}

TEST_F(DeadlinesCommandTest, EmptyListHasNoDeadlines) {
  ASSERT_EQ(Run("[]", "json"), 0);
  EXPECT_EQ(domain::Json::parse(out_.str()), domain::Json::array());
  ASSERT_EQ(Run("[]", "text"), 0);
  EXPECT_NE(out_.str().find("0 deadlines"), std::string::npos);
}

TEST_F(DeadlinesCommandTest, InvalidEventNamesTheField) {
  EXPECT_EQ(Run(R"([{"type": "arrival", "date": "2021-10-03", "country": "US"},
                    {"type": "arrival", "date": "2021-13-03", "country": "US"}])",
                "json"),
            2);
  EXPECT_NE(err_.str().find("events[1].date"), std::string::npos) << err_.str();
  EXPECT_EQ(out_.str(), "");
  EXPECT_EQ(Run(R"([{"type": "arrival", "date": "2021-10-03", "country": "US", "colour": "red"}])",
                "json"),
            2);
  EXPECT_NE(err_.str().find("events[0].colour"), std::string::npos) << err_.str();
}

TEST_F(DeadlinesCommandTest, BadJsonNamesTheLine) {
  EXPECT_EQ(Run("[\n  {\"type\": \"arrival\",\n  \"date\" \"2021-10-03\"}\n]", "json"), 2);
  EXPECT_NE(err_.str().find(", line 3"), std::string::npos) << err_.str();
  EXPECT_EQ(Run(R"({"type": "arrival"})", "json"), 2);  // not an array
  EXPECT_NE(err_.str().find("array"), std::string::npos) << err_.str();
}

TEST_F(DeadlinesCommandTest, UnreadableFileAndUnknownFormat) {
  std::ostringstream out, err;
  EXPECT_EQ(RunDeadlinesCommand("/nonexistent/dir/events.json", "json", kNow, out, err), 2);
  EXPECT_NE(err.str().find("/nonexistent/dir/events.json"), std::string::npos);
  EXPECT_EQ(Run("[]", "yaml"), 2);
  EXPECT_NE(err_.str().find("yaml"), std::string::npos);
}

}  // namespace
}  // namespace refuge::cli
