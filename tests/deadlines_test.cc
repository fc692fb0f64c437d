// Deadlines as a lawyer reads them: per matter, per person, the agenda, the calendar feed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "refuge_process.h"

namespace refuge::testing {
namespace {

const Json* Find(const Json& deadlines, const std::string& rule, const std::string& due = "") {
  for (const auto& d : deadlines) {
    if (d["rule"] == rule && (due.empty() || d["due"] == due)) return &d;
  }
  return nullptr;
}

class DemoDeadlines : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(RunRefuge({"demo", "--data", dir_.path()}).exit_code, 0);
    server_ = std::make_unique<ServerProcess>(dir_.path());
    maya_ = std::make_unique<ApiClient>(*server_, kMaya, kMayaPassword);
  }
  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<ApiClient> maya_;
};

TEST_F(DemoDeadlines, TheScenarioDeadlines) {
  auto bond = maya_->Get("/api/v1/matters/mat_wen_bond/deadlines");
  ASSERT_EQ(bond.status, 200) << bond.raw;
  const Json* appeal = Find(bond.body["deadlines"], "bond_appeal");
  ASSERT_NE(appeal, nullptr) << bond.raw;
  EXPECT_EQ((*appeal)["due"], "2026-12-07");
  EXPECT_EQ((*appeal)["trigger_event"], "evt_demo_23");
  std::string steps = (*appeal)["steps"].dump();
  EXPECT_NE(steps.find("2026-12-05"), std::string::npos) << steps;
  EXPECT_NE(steps.find("Sat"), std::string::npos) << steps;
  EXPECT_NE((*appeal)["citation"].get<std::string>().find("1003.19(f)"), std::string::npos);

  auto person = maya_->Get("/api/v1/people/per_wen_hao/deadlines");
  ASSERT_EQ(person.status, 200);
  const Json* one_year = Find(person.body["deadlines"], "asylum_one_year");
  ASSERT_NE(one_year, nullptr);
  EXPECT_EQ((*one_year)["due"], "2022-10-03");
  EXPECT_EQ((*one_year)["status"], "met");
  EXPECT_EQ((*one_year)["satisfied_by"], "evt_demo_10");
  const Json* prehearing = Find(person.body["deadlines"], "prehearing_filing", "2027-01-15");
  ASSERT_NE(prehearing, nullptr) << person.raw;
  EXPECT_EQ((*prehearing)["matter"], "mat_wen_removal");

  // Retracting the bond decision supersedes the appeal deadline.
  ASSERT_EQ(maya_->Send("POST", "/api/v1/events/evt_demo_23/retract", "", "").status, 200);
  bond = maya_->Get("/api/v1/matters/mat_wen_bond/deadlines");
  EXPECT_EQ((*Find(bond.body["deadlines"], "bond_appeal"))["status"], "superseded");
}

TEST_F(DemoDeadlines, TheAgendaShowsOnlyTheUsersMatters) {
  auto agenda = maya_->Get("/api/v1/deadlines?from=2026-12-01&to=2027-01-31");
  ASSERT_EQ(agenda.status, 200) << agenda.raw;
  const Json& d = agenda.body["deadlines"];
  ASSERT_NE(Find(d, "bond_appeal", "2026-12-07"), nullptr) << agenda.raw;
  ASSERT_NE(Find(d, "prehearing_filing", "2027-01-15"), nullptr);
  EXPECT_EQ(Find(d, "asylum_one_year"), nullptr) << "met long ago, outside the range";
  for (size_t i = 1; i < d.size(); ++i) EXPECT_LE(d[i - 1]["due"], d[i]["due"]);
  EXPECT_EQ((*Find(d, "bond_appeal"))["client_name"], "Wen Hao");

  ApiClient tenzin(*server_, "tenzin", "demo-tenzin-dorje");
  auto theirs = tenzin.Get("/api/v1/deadlines?from=2026-12-01&to=2027-01-31");
  ASSERT_EQ(theirs.status, 200);
  EXPECT_TRUE(theirs.body["deadlines"].empty()) << "the advocate is on the campaign matter only";

  auto bad = maya_->Get("/api/v1/deadlines?from=2026-13-01");
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.body["error"]["field"], "from");
  auto backwards = maya_->Get("/api/v1/deadlines?from=2027-01-01&to=2026-01-01");
  EXPECT_EQ(backwards.status, 422);
}

// Parses an iCalendar file with the independent python3-icalendar and prints
// one line per VEVENT: UID|DTSTART|SUMMARY.
RunResult ParseWithIcalendar(const std::string& path) {
  RunResult r;
  std::string cmd = "/usr/bin/python3 -c \"import sys, icalendar\n"
                    "cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())\n"
                    "assert cal['VERSION'] == '2.0'\n"
                    "for e in cal.walk('VEVENT'):\n"
                    "    print(str(e['UID']) + '|' + e.decoded('DTSTART').isoformat() + '|' + str(e['SUMMARY']))\n"
                    "\" " + path + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  char buf[4096];
  while (p && fgets(buf, sizeof buf, p)) r.out += buf;
  r.exit_code = p ? WEXITSTATUS(pclose(p)) : -1;
  return r;
}

TEST_F(DemoDeadlines, CalendarFeedIsValidStableAndRevocable) {
  auto created = maya_->Post("/api/v1/calendar/feed", Json::object());
  ASSERT_EQ(created.status, 201) << created.raw;
  std::string url = created.body["url"];
  ApiClient anonymous(*server_);
  auto feed = anonymous.Get(url);
  ASSERT_EQ(feed.status, 200) << feed.raw;
  EXPECT_NE(feed.Header("Content-Type").find("text/calendar"), std::string::npos);
  EXPECT_NE(feed.raw.find("\r\n"), std::string::npos);
  std::ofstream(dir_.path() + "/feed.ics", std::ios::binary) << feed.raw;
  RunResult parsed = ParseWithIcalendar(dir_.path() + "/feed.ics");
  ASSERT_EQ(parsed.exit_code, 0) << parsed.out;
  EXPECT_NE(parsed.out.find("deadline-bond_appeal-evt_demo_23@refuge|2026-12-07|"), std::string::npos)
      << parsed.out;
  // The individual hearing at 09:00 in New York is 14:00 UTC.
  EXPECT_NE(parsed.out.find("hearing-evt_demo_27@refuge|2027-02-16T14:00:00+00:00|"), std::string::npos)
      << parsed.out;
  EXPECT_EQ(parsed.out.find("asylum_one_year"), std::string::npos) << "met deadlines stay out";

  // The same UIDs on the next fetch, so calendar apps update instead of duplicating.
  auto again = anonymous.Get(url);
  std::ofstream(dir_.path() + "/feed2.ics", std::ios::binary) << again.raw;
  EXPECT_EQ(ParseWithIcalendar(dir_.path() + "/feed2.ics").out, parsed.out);

  // Rotating revokes the old secret; revoking ends the feed.
  auto rotated = maya_->Post("/api/v1/calendar/feed", Json::object());
  EXPECT_EQ(anonymous.Get(url).status, 401);
  EXPECT_EQ(anonymous.Get(rotated.body["url"].get<std::string>()).status, 200);
  EXPECT_EQ(maya_->Send("DELETE", "/api/v1/calendar/feed", "", "").status, 204);
  EXPECT_EQ(anonymous.Get(rotated.body["url"].get<std::string>()).status, 401);
  EXPECT_EQ(anonymous.Get("/api/v1/calendar.ics").status, 401);
}

TEST(DeadlinesCli, ComputesFromAFileAndNamesBadEvents) {
  TempDir dir;
  std::ofstream(dir.File("events.json")) << R"([
    {"type": "decision", "date": "2026-11-05", "body": "ij", "outcome": "bond_set"}
  ])";
  auto r = RunRefuge({"deadlines", "--events", dir.File("events.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json out = Json::parse(r.out);
  const Json* appeal = Find(out, "bond_appeal");
  ASSERT_NE(appeal, nullptr) << r.out;
  EXPECT_EQ((*appeal)["due"], "2026-12-07");
  auto text = RunRefuge({"deadlines", "--events", dir.File("events.json"), "--format", "text"});
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("2026-12-07"), std::string::npos);

  std::ofstream(dir.File("bad.json")) << R"([
    {"type": "note", "date": "2026-01-01"},
    {"type": "decision", "date": "2026-02-30", "body": "ij", "outcome": "bond_set"}
  ])";
  auto bad = RunRefuge({"deadlines", "--events", dir.File("bad.json")});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("events[1].date"), std::string::npos) << bad.err;
}

TEST(DeadlineRules, ABrokenRuleFileStopsTheServerStartWithItsLine) {
  TempDir dir;
  std::filesystem::create_directories(dir.File("d/rules.d"));
  std::ofstream(dir.File("d/rules.d/local.json")) << "{\n  \"rules\": [\n    {\"id\": }\n  ]\n}\n";
  auto r = RunRefuge({"serve", "--data", dir.File("d"), "--listen", "127.0.0.1:0"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("local.json"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("line 3"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace refuge::testing
