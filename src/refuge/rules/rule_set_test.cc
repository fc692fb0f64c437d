#include "refuge/rules/rule_set.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "refuge/domain/event.h"
#include "refuge/rules/engine.h"

namespace refuge::rules {
namespace {

namespace fs = std::filesystem;

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// A rules file with one rule; `offset` replaces the offset object.
std::string OneRule(const std::string& id, const std::string& offset) {
  return R"({"rules": [{
    "id": ")" +
         id + R"(",
    "title": "Test rule",
    "trigger": {"type": "decision", "when": {"body": "ij"}},
    "offset": )" +
         offset + R"(,
    "counting": {"roll": "forward"},
    "citation": "Test citation",
    "as_of": "2026-01-01"
  }]})";
}

TEST(RuleSetTest, BuiltInRulesAreTheNineOfTheDomain) {
  auto rules = RuleSet::BuiltIn();
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  std::vector<std::string> ids;
  for (const Rule& r : rules->rules()) {
    ids.push_back(r.id);
    EXPECT_FALSE(r.citation.empty()) << r.id;
    EXPECT_FALSE(r.title.empty()) << r.id;
    EXPECT_EQ(r.as_of.size(), 10u) << r.id;
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"asylum_one_year", "bia_appeal", "bond_appeal",
                                           "motion_to_reconsider", "motion_to_reopen",
                                           "petition_for_review", "ead_earliest_filing",
                                           "prehearing_filing", "third_country_notice"}));
  const Rule* tc = rules->Find("third_country_notice");
  ASSERT_NE(tc, nullptr);
  EXPECT_EQ(tc->unit, Unit::kHours);
  EXPECT_EQ(tc->amount, 24);
  EXPECT_TRUE(Contains(tc->notes[0], "Policy, not regulation"));
  const Rule* ph = rules->Find("prehearing_filing");
  ASSERT_NE(ph, nullptr);
  EXPECT_EQ(ph->amounts.at("master"), 15);
  EXPECT_EQ(ph->amounts.at("individual"), 30);
  EXPECT_EQ(ph->roll, Roll::kBackward);
  EXPECT_EQ(rules->Find("ead_earliest_filing")->roll, Roll::kNone);
  EXPECT_EQ(rules->TriggeredBy("decision").size(), 5u);
  EXPECT_TRUE(rules->TriggeredBy("note").empty());
}

TEST(RuleSetTest, SyntaxErrorNamesTheFileAndTheLine) {
  const std::string text =
      "{\"rules\": [\n"
      "  {\"id\": \"x\",\n"
      "   \"title\": \"Test\"\n"
      "   \"trigger\": {}}\n"
      "]}\n";
  auto r = RuleSet::Parse(text, "/srv/refuge/rules.d/local.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kMalformed);
  EXPECT_TRUE(Contains(r.status().message(), "/srv/refuge/rules.d/local.json, line 4"))
      << r.status().message();
}

TEST(RuleSetTest, SemanticErrorNamesTheRuleIndexAndField) {
  auto r = RuleSet::Parse(OneRule("x", R"({"amount": 3, "unit": "weeks", "direction": "forward"})"),
                          "local.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalid);
  EXPECT_EQ(r.status().field(), "rules[0].offset.unit");
  EXPECT_TRUE(Contains(r.status().message(), "local.json: rules[0].offset.unit"))
      << r.status().message();
  EXPECT_TRUE(Contains(r.status().message(), "'weeks'"));
}

TEST(RuleSetTest, RejectsWhatWouldSilentlyNeverMatch) {
  struct Case {
    std::string text;
    std::string field;
  };
  const std::string good_offset = R"({"amount": 3, "unit": "days", "direction": "forward"})";
  std::string unknown_type = OneRule("x", good_offset);
  unknown_type.replace(unknown_type.find("\"decision\""), 10, "\"decisoin\"");
  std::string bad_enum = OneRule("x", good_offset);
  bad_enum.replace(bad_enum.find("\"ij\""), 4, "\"IJ\"");
  std::string bad_field = OneRule("x", good_offset);
  bad_field.replace(bad_field.find("\"body\""), 6, "\"bodie\"");
  std::string extra_key = OneRule("x", good_offset);
  extra_key.replace(extra_key.find("\"citation\""), 10, "\"cite\"");
  const std::vector<Case> cases = {
      {unknown_type, "rules[0].trigger.type"},
      {bad_enum, "rules[0].trigger.when.body"},
      {bad_field, "rules[0].trigger.when.bodie"},
      {extra_key, "rules[0].cite"},
      {OneRule("x", R"({"amount": 0, "unit": "days", "direction": "forward"})"),
       "rules[0].offset.amount"},
      {OneRule("x", R"({"amount": 6, "unit": "hours", "direction": "forward"})"),
       "rules[0].counting.roll"},
      {OneRule("Bad Id", good_offset), "rules[0].id"},
  };
  for (const Case& c : cases) {
    auto r = RuleSet::Parse(c.text, "local.json");
    ASSERT_FALSE(r.ok()) << c.field;
    EXPECT_EQ(r.status().field(), c.field) << r.status().message();
  }
  // The same id twice in one file.
  std::string twice = OneRule("x", good_offset);
  const std::string rule = twice.substr(twice.find('{', 1), twice.rfind(']') - twice.find('{', 1));
  twice = "{\"rules\": [" + rule + ", " + rule + "]}";
  auto r = RuleSet::Parse(twice, "local.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "rules[1].id");
}

TEST(RuleSetTest, MergeReplacesByIdAndAddsNewRules) {
  auto base = RuleSet::BuiltIn();
  ASSERT_TRUE(base.ok());
  RuleSet set = *base;
  auto extra = RuleSet::Parse(
      OneRule("bia_appeal", R"({"amount": 33, "unit": "days", "direction": "forward"})"), "x.json");
  ASSERT_TRUE(extra.ok()) << extra.status().ToString();
  set.Merge(*extra);
  ASSERT_EQ(set.rules().size(), 9u);
  EXPECT_EQ(set.rules()[1].id, "bia_appeal");  // replaced in place
  EXPECT_EQ(set.Find("bia_appeal")->amount, 33);
  EXPECT_EQ(set.Find("bia_appeal")->source, "x.json");
  auto added = RuleSet::Parse(
      OneRule("local_rule", R"({"amount": 10, "unit": "days", "direction": "forward"})"), "y.json");
  ASSERT_TRUE(added.ok());
  set.Merge(*added);
  EXPECT_EQ(set.rules().size(), 10u);
  EXPECT_EQ(set.TriggeredBy("decision").size(), 6u);
}

class DataDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("refuge_rules_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "rules.d");
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }

  fs::path dir_;
};

TEST_F(DataDirTest, NoAdministratorFilesGivesTheBuiltIns) {
  auto config = LoadRuleConfig(dir_.string());
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->rules.rules().size(), 9u);
  EXPECT_TRUE(config->calendar.closures().empty());
  EXPECT_TRUE(config->files.empty());
  auto none = LoadRuleConfig("");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->rules.rules().size(), 9u);
}

TEST_F(DataDirTest, RulesDirectoryAddsAndReplacesRules) {
  Write("rules.d/20-local.json",
        OneRule("bia_appeal", R"({"amount": 33, "unit": "days", "direction": "forward"})"));
  Write("rules.d/README.txt", "not a rules file");
  auto config = LoadRuleConfig(dir_.string());
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->rules.Find("bia_appeal")->amount, 33);
  ASSERT_EQ(config->files.size(), 1u);
  EXPECT_TRUE(Contains(config->files[0], "20-local.json"));
}

TEST_F(DataDirTest, AFileWithAnErrorFailsTheLoadAndNamesIt) {
  Write("rules.d/10-good.json",
        OneRule("local_rule", R"({"amount": 10, "unit": "days", "direction": "forward"})"));
  Write("rules.d/20-bad.json", "{\"rules\": [\n  {\"id\": \"y\",,}\n]}\n");
  auto config = LoadRuleConfig(dir_.string());
  ASSERT_FALSE(config.ok());
  EXPECT_TRUE(Contains(config.status().message(), "20-bad.json, line 2"))
      << config.status().message();
}

TEST_F(DataDirTest, ClosureDayMovesADueDate) {
  // The bond appeal of the demo case is due Mon 2026-12-07; an order closes that day.
  Write("closures.json", R"({"closures": [
      {"date": "2026-12-07", "reason": "Executive order closing federal offices"}]})");
  auto config = LoadRuleConfig(dir_.string());
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  auto events = domain::EventsFromJsonArray(
      domain::Json::parse(R"([{"id": "evt_b", "type": "decision", "date": "2026-11-05",
                               "body": "ij", "outcome": "bond_set"}])"),
      true);
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  auto deadlines = ComputeDeadlines(*events, config->rules, config->calendar, 0);
  ASSERT_EQ(deadlines.size(), 1u);
  EXPECT_EQ(deadlines[0].due, "2026-12-08");
  bool named = false;
  for (const std::string& s : deadlines[0].steps) {
    named = named || Contains(s,
                              "Mon 2026-12-07, a closure day (Executive order closing federal "
                              "offices)");
  }
  EXPECT_TRUE(named);
}

TEST_F(DataDirTest, BadClosuresFileIsRejectedWhole) {
  Write("closures.json", R"({"closures": [
      {"date": "2026-12-07", "reason": "Closed"},
      {"date": "2026-12-32", "reason": "Closed"}]})");
  auto config = LoadRuleConfig(dir_.string());
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().field(), "closures[1].date");
  EXPECT_TRUE(Contains(config.status().message(), "closures.json: closures[1].date"))
      << config.status().message();

  Calendar cal;
  Status st = ParseClosures("{\"closures\": [\n{\"date\": \"2026-12-07\"\n\"reason\": \"x\"}]}",
                            "closures.json", &cal);
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(Contains(st.message(), "closures.json, line 3")) << st.message();
  EXPECT_TRUE(cal.closures().empty());
}

}  // namespace
}  // namespace refuge::rules
