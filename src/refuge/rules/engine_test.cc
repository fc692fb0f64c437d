#include "refuge/rules/engine.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "refuge/domain/event.h"

namespace refuge::rules {
namespace {

using domain::Event;
using domain::Json;

// Events as a file or the API would give them, validated by the event contract.
std::vector<Event> Events(const std::string& json_text) {
  auto events = domain::EventsFromJsonArray(Json::parse(json_text), /*subject_optional=*/true);
  EXPECT_TRUE(events.ok()) << events.status().ToString();
  return events.ok() ? *events : std::vector<Event>{};
}

int64_t At(const std::string& iso) {
  auto d = PartialDate::Parse(iso);
  EXPECT_TRUE(d.ok()) << iso;
  return d->UnixSeconds();
}

bool HasStep(const Deadline& d, const std::string& text) {
  for (const std::string& s : d.steps) {
    if (s.find(text) != std::string::npos) return true;
  }
  return false;
}

std::string Steps(const Deadline& d) {
  std::string out;
  for (const std::string& s : d.steps) out += "  " + s + "\n";
  return out;
}

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto rules = RuleSet::BuiltIn();
    ASSERT_TRUE(rules.ok()) << rules.status().ToString();
    rules_ = *rules;
  }

  std::vector<Deadline> Compute(const std::string& json_text, const std::string& now) {
    events_ = Events(json_text);
    return ComputeDeadlines(events_, rules_, calendar_, At(now));
  }

  // The one deadline of `rule` triggered by `trigger`; fails the test if absent.
  static Deadline Get(const std::vector<Deadline>& all, const std::string& rule,
                      const std::string& trigger) {
    for (const Deadline& d : all) {
      if (d.rule == rule && d.trigger_event == trigger) return d;
    }
    ADD_FAILURE() << "no " << rule << " deadline for " << trigger;
    return Deadline{};
  }

  static int Count(const std::vector<Deadline>& all, const std::string& rule) {
    int n = 0;
    for (const Deadline& d : all) n += d.rule == rule ? 1 : 0;
    return n;
  }

  RuleSet rules_;
  Calendar calendar_;
  std::vector<Event> events_;
};

// ---- The demo case of Wen Hao, with event ids of our own ----

constexpr char kDemoCase[] = R"([
  {"id": "evt_capture", "type": "evidence_capture", "subject": "per_demo", "date": "2020-06"},
  {"id": "evt_dep_cn", "type": "departure", "subject": "per_demo", "date": "2021-03-02",
   "country": "CN", "to_country": "HK", "mode": "land"},
  {"id": "evt_arr_hk", "type": "arrival", "subject": "per_demo", "date": "2021-03-02",
   "country": "HK"},
  {"id": "evt_arr_ec", "type": "arrival", "subject": "per_demo", "date": "2021-04-18",
   "country": "EC", "mode": "air"},
  {"id": "evt_arr_bs", "type": "arrival", "subject": "per_demo", "date": "2021-09-07",
   "country": "BS", "mode": "air"},
  {"id": "evt_dep_bs", "type": "departure", "subject": "per_demo", "date": "2021-10-02",
   "country": "BS", "place": "Bimini", "mode": "sea"},
  {"id": "evt_arr_us", "type": "arrival", "subject": "per_demo", "date": "2021-10-03",
   "country": "US", "place": "near Key Biscayne, Florida", "mode": "sea",
   "manner": "without_inspection"},
  {"id": "evt_i589", "type": "filing", "subject": "per_demo", "date": "2022-01-10",
   "kind": "asylum_application", "forum": "USCIS"},
  {"id": "evt_detained", "type": "detention", "subject": "per_demo", "date": "2026-08-12",
   "facility": "fac_mvp", "agency": "ICE"},
  {"id": "evt_transfer", "type": "transfer", "subject": "per_demo", "date": "2026-08-19",
   "facility": "fac_hca"},
  {"id": "evt_nta", "type": "notice_to_appear", "subject": "per_demo", "date": "2026-08-21"},
  {"id": "evt_designation", "type": "removal_designation", "subject": "per_demo",
   "date": "2026-09-02T10:00-04:00", "country": "UG", "third_country": true},
  {"id": "evt_fear", "type": "fear_screening", "subject": "per_demo", "date": "2026-09-02",
   "kind": "reasonable", "result": "pending"},
  {"id": "evt_master", "type": "hearing", "subject": "per_demo", "date": "2026-09-10T09:00-04:00",
   "kind": "master", "status": "held"},
  {"id": "evt_bond_motion", "type": "filing", "subject": "per_demo", "date": "2026-09-18",
   "kind": "bond_motion"},
  {"id": "evt_withdrawn", "type": "removal_designation_withdrawn", "subject": "per_demo",
   "date": "2026-10-21", "country": "UG"},
  {"id": "evt_bond_hearing", "type": "hearing", "subject": "per_demo",
   "date": "2026-11-05T13:30-05:00", "kind": "bond", "status": "held"},
  {"id": "evt_bond_decision", "type": "decision", "subject": "per_demo",
   "date": "2026-11-05T13:30-05:00", "body": "ij", "outcome": "bond_set"},
  {"id": "evt_bond_posted", "type": "bond", "subject": "per_demo", "date": "2026-11-09",
   "action": "posted", "amount": 7500, "by": "ij"},
  {"id": "evt_release", "type": "release", "subject": "per_demo", "date": "2026-11-09",
   "reason": "bond"},
  {"id": "evt_individual", "type": "hearing", "subject": "per_demo",
   "date": "2027-02-16T09:00-05:00", "kind": "individual", "status": "scheduled"}
])";

TEST_F(EngineTest, DemoCaseAsylumOneYearMetByTheFiling) {
  auto all = Compute(kDemoCase, "2026-11-20T12:00:00Z");
  Deadline d = Get(all, "asylum_one_year", "evt_arr_us");
  EXPECT_EQ(d.due, "2022-10-03") << Steps(d);
  EXPECT_EQ(d.status, "met");
  EXPECT_EQ(d.satisfied_by, "evt_i589");
  EXPECT_EQ(d.subject, "per_demo");
  EXPECT_FALSE(d.approximate);
  EXPECT_TRUE(HasStep(d, "2021-10-03 + 1 year = Mon 2022-10-03")) << Steps(d);
  // Arrivals elsewhere (HK, EC, BS) start no asylum clock.
  EXPECT_EQ(Count(all, "asylum_one_year"), 1);
}

TEST_F(EngineTest, DemoCaseBondAppealRollsFromSaturdayToMonday) {
  auto all = Compute(kDemoCase, "2026-11-20T12:00:00Z");
  Deadline d = Get(all, "bond_appeal", "evt_bond_decision");
  EXPECT_EQ(d.due, "2026-12-07") << Steps(d);
  EXPECT_EQ(d.status, "open");
  EXPECT_TRUE(HasStep(d, "2026-11-05 + 30 days = Sat 2026-12-05")) << Steps(d);
  EXPECT_TRUE(HasStep(d, "Saturday, rolled forward to Mon 2026-12-07")) << Steps(d);
  EXPECT_EQ(d.citation, "8 CFR 1003.19(f), 1003.38(b)");
  // A bond decision is not also reported as a merits appeal.
  EXPECT_EQ(Count(all, "bia_appeal"), 0);
}

TEST_F(EngineTest, DemoCasePrehearingFilingForTheIndividualHearing) {
  auto all = Compute(kDemoCase, "2026-11-20T12:00:00Z");
  Deadline d = Get(all, "prehearing_filing", "evt_individual");
  EXPECT_EQ(d.due, "2027-01-15") << Steps(d);
  EXPECT_EQ(d.status, "open");
  EXPECT_TRUE(HasStep(d, "2027-02-16 - 30 days = Sun 2027-01-17")) << Steps(d);
  EXPECT_TRUE(HasStep(d, "Sunday, rolled back to Fri 2027-01-15")) << Steps(d);
  EXPECT_TRUE(HasStep(d, "detained cases the judge sets the deadlines")) << Steps(d);
  // Held master and bond hearings give no pre-hearing deadline.
  EXPECT_EQ(Count(all, "prehearing_filing"), 1);
}

TEST_F(EngineTest, DemoCaseThirdCountryNoticeMetByTheTimelyFearClaim) {
  auto all = Compute(kDemoCase, "2026-11-20T12:00:00Z");
  Deadline d = Get(all, "third_country_notice", "evt_designation");
  EXPECT_EQ(d.due, "2026-09-03T10:00:00-04:00") << Steps(d);
  // The fear claim came within the window, so it is met even though DHS later
  // withdrew the designation; the withdrawal is still shown.
  EXPECT_EQ(d.status, "met");
  EXPECT_EQ(d.satisfied_by, "evt_fear");
  EXPECT_TRUE(HasStep(d, "2026-09-02T10:00:00-04:00 + 24 hours = 2026-09-03T10:00:00-04:00"));
  EXPECT_TRUE(HasStep(d, "Later superseded by removal designation withdrawn evt_withdrawn"));
  EXPECT_TRUE(HasStep(d, "Policy, not regulation"));
  ASSERT_EQ(d.other_readings.size(), 1u);
  EXPECT_EQ(d.other_readings[0].due, "2026-09-02T16:00:00-04:00");
  EXPECT_NE(d.other_readings[0].why.find("exigent"), std::string::npos);
}

TEST_F(EngineTest, DemoCaseEadMilestoneAndOrder) {
  auto all = Compute(kDemoCase, "2026-11-20T12:00:00Z");
  Deadline d = Get(all, "ead_earliest_filing", "evt_i589");
  EXPECT_EQ(d.due, "2022-06-09");
  EXPECT_EQ(d.status, "open");  // a milestone is never missed
  ASSERT_EQ(all.size(), 5u);
  // Sorted by due date.
  EXPECT_EQ(all[0].due, "2022-06-09");
  EXPECT_EQ(all[1].due, "2022-10-03");
  EXPECT_EQ(all[2].due, "2026-09-03T10:00:00-04:00");
  EXPECT_EQ(all[3].due, "2026-12-07");
  EXPECT_EQ(all[4].due, "2027-01-15");
}

TEST_F(EngineTest, SameInputGivesTheSameOutput) {
  auto a = Compute(kDemoCase, "2026-11-20T12:00:00Z");
  auto b = ComputeDeadlines(events_, rules_, calendar_, At("2026-11-20T12:00:00Z"));
  EXPECT_EQ(ToJson(a), ToJson(b));
  // Input order does not matter.
  std::vector<Event> reversed(events_.rbegin(), events_.rend());
  auto c = ComputeDeadlines(reversed, rules_, calendar_, At("2026-11-20T12:00:00Z"));
  EXPECT_EQ(ToJson(a), ToJson(c));
}

// ---- Weekends, holidays and year ends ----

TEST_F(EngineTest, DueOnASundayRollsToMonday) {
  auto all = Compute(R"([{"id": "evt_d", "type": "decision", "date": "2026-03-06", "body": "ij",
                          "outcome": "removal_ordered"}])",
                     "2026-03-10T00:00:00Z");
  Deadline d = Get(all, "bia_appeal", "evt_d");
  EXPECT_EQ(d.due, "2026-04-06");
  EXPECT_TRUE(HasStep(d, "2026-03-06 + 30 days = Sun 2026-04-05")) << Steps(d);
  EXPECT_TRUE(HasStep(d, "Sunday, rolled forward to Mon 2026-04-06")) << Steps(d);
  EXPECT_TRUE(HasStep(d, "received by the BIA"));
}

TEST_F(EngineTest, DueOnAFederalHolidayRollsToTheNextBusinessDay) {
  auto all = Compute(R"([{"id": "evt_d", "type": "decision", "date": "2026-10-27", "body": "ij",
                          "outcome": "denied"}])",
                     "2026-11-01T00:00:00Z");
  Deadline d = Get(all, "bia_appeal", "evt_d");
  EXPECT_EQ(d.due, "2026-11-27");
  EXPECT_TRUE(HasStep(d,
                      "Thu 2026-11-26 is Thanksgiving Day, a federal holiday; rolled forward "
                      "to Fri 2026-11-27"))
      << Steps(d);
}

TEST_F(EngineTest, ObservedIndependenceDayOnFridayRollsOverTheWeekend) {
  // July 4, 2026 is a Saturday, so Friday July 3 is the holiday.
  auto all = Compute(R"([{"id": "evt_d", "type": "decision", "date": "2026-06-03", "body": "ij",
                          "outcome": "denied"}])",
                     "2026-06-05T00:00:00Z");
  Deadline d = Get(all, "bia_appeal", "evt_d");
  EXPECT_EQ(d.due, "2026-07-06");
  EXPECT_TRUE(HasStep(d,
                      "Fri 2026-07-03 is Independence Day (observed), a federal holiday; "
                      "rolled forward to Mon 2026-07-06"))
      << Steps(d);
}

TEST_F(EngineTest, JuneteenthIsAHoliday) {
  auto all = Compute(R"([{"id": "evt_d", "type": "decision", "date": "2026-05-20", "body": "ij",
                          "outcome": "denied"}])",
                     "2026-05-21T00:00:00Z");
  Deadline d = Get(all, "bia_appeal", "evt_d");
  EXPECT_EQ(d.due, "2026-06-22");
  EXPECT_TRUE(HasStep(d,
                      "Fri 2026-06-19 is Juneteenth National Independence Day, a federal "
                      "holiday"))
      << Steps(d);
}

TEST_F(EngineTest, AcrossTheYearEndOntoNewYearsDay) {
  auto all = Compute(R"([{"id": "evt_d", "type": "decision", "date": "2026-12-02", "body": "bia",
                          "outcome": "dismissed", "final": true}])",
                     "2026-12-03T00:00:00Z");
  Deadline pfr = Get(all, "petition_for_review", "evt_d");
  EXPECT_EQ(pfr.due, "2027-01-04");
  EXPECT_TRUE(HasStep(pfr, "2026-12-02 + 30 days = Fri 2027-01-01")) << Steps(pfr);
  EXPECT_TRUE(HasStep(pfr, "New Year's Day, a federal holiday; rolled forward to Mon 2027-01-04"));
  EXPECT_TRUE(HasStep(pfr, "FRAP 26(a)(1) counting")) << Steps(pfr);
  EXPECT_TRUE(HasStep(pfr, "the same as calendar-day counting"));
  EXPECT_EQ(pfr.citation, "INA 242(b)(1), 8 U.S.C. 1252(b)(1)");
  // The same final BIA decision also starts the motion clocks.
  EXPECT_EQ(Get(all, "motion_to_reconsider", "evt_d").due, "2027-01-04");
  Deadline mtr = Get(all, "motion_to_reopen", "evt_d");
  EXPECT_EQ(mtr.due, "2027-03-02");        // 2026-12-02 + 90 days = Tue 2027-03-02
  EXPECT_EQ(Count(all, "bia_appeal"), 0);  // the BIA's own decision is not appealed to it
}

TEST_F(EngineTest, RollSkipsAWeekendAndAMondayHoliday) {
  auto all = Compute(R"([{"id": "evt_d", "type": "decision", "date": "2026-11-16", "body": "ij",
                          "outcome": "removal_ordered", "final": true}])",
                     "2026-11-17T00:00:00Z");
  Deadline d = Get(all, "motion_to_reopen", "evt_d");
  EXPECT_EQ(d.due, "2027-02-16");
  EXPECT_TRUE(HasStep(d, "2026-11-16 + 90 days = Sun 2027-02-14")) << Steps(d);
  EXPECT_TRUE(HasStep(d,
                      "Sunday, rolled forward to Tue 2027-02-16 (also skipped Mon 2027-02-15, "
                      "Washington's Birthday, a federal holiday)"))
      << Steps(d);
  EXPECT_EQ(Get(all, "motion_to_reconsider", "evt_d").due, "2026-12-16");
  EXPECT_EQ(Get(all, "bia_appeal", "evt_d").due, "2026-12-16");
}

TEST_F(EngineTest, BackwardCountLandingOnAMondayHolidayRollsToTheFridayBefore) {
  // A master hearing on Tue 2026-09-22: 15 days back is Labor Day.
  auto all = Compute(R"([{"id": "evt_h", "type": "hearing", "date": "2026-09-22",
                          "datetime": "2026-09-22T08:30-04:00", "kind": "master"}])",
                     "2026-08-01T00:00:00Z");
  Deadline d = Get(all, "prehearing_filing", "evt_h");
  EXPECT_EQ(d.due, "2026-09-04");
  EXPECT_TRUE(HasStep(d, "2026-09-22 - 15 days = Mon 2026-09-07")) << Steps(d);
  EXPECT_TRUE(HasStep(d,
                      "Mon 2026-09-07 is Labor Day, a federal holiday; rolled back to Fri "
                      "2026-09-04"))
      << Steps(d);
}

// ---- Asylum one year ----

TEST_F(EngineTest, LeapDayArrivalGivesFebruary28AndNamesMarch1) {
  auto all =
      Compute(R"([{"id": "evt_a", "type": "arrival", "date": "2028-02-29", "country": "US"}])",
              "2028-03-01T00:00:00Z");
  Deadline d = Get(all, "asylum_one_year", "evt_a");
  EXPECT_EQ(d.due, "2029-02-28") << Steps(d);
  ASSERT_EQ(d.other_readings.size(), 1u);
  EXPECT_EQ(d.other_readings[0].due, "2029-03-01");
  EXPECT_NE(d.other_readings[0].why.find("Thu 2029-03-01"), std::string::npos)
      << d.other_readings[0].why;
  EXPECT_TRUE(HasStep(d, "2029-02 has no day 29")) << Steps(d);
}

TEST_F(EngineTest, PartialArrivalDateCountsFromItsEarliestDay) {
  auto all = Compute(R"([{"id": "evt_a", "type": "arrival", "date": "2021-10", "country": "US"}])",
                     "2021-12-01T00:00:00Z");
  Deadline d = Get(all, "asylum_one_year", "evt_a");
  EXPECT_TRUE(d.approximate);
  // 2021-10-01 + 1 year = Sat 2022-10-01, rolled to Monday.
  EXPECT_EQ(d.due, "2022-10-03") << Steps(d);
  EXPECT_TRUE(HasStep(d, "earliest possible day, 2021-10-01")) << Steps(d);
  ASSERT_EQ(d.other_readings.size(), 1u);
  EXPECT_EQ(d.other_readings[0].due, "2022-10-31");
  EXPECT_NE(d.other_readings[0].why.find("2021-10-31"), std::string::npos);
}

TEST_F(EngineTest, OnlyTheLastUsArrivalCounts) {
  auto all = Compute(R"([
      {"id": "evt_a1", "type": "arrival", "date": "2019-05-10", "country": "US"},
      {"id": "evt_d1", "type": "departure", "date": "2020-01-15", "country": "US"},
      {"id": "evt_a2", "type": "arrival", "date": "2023-07-04", "country": "US"}])",
                     "2024-01-01T00:00:00Z");
  Deadline first = Get(all, "asylum_one_year", "evt_a1");
  EXPECT_EQ(first.status, "superseded");
  EXPECT_TRUE(HasStep(first, "Superseded by the later arrival evt_a2")) << Steps(first);
  Deadline last = Get(all, "asylum_one_year", "evt_a2");
  // 2024-07-04 is Independence Day (a Thursday): rolled to Friday.
  EXPECT_EQ(last.due, "2024-07-05");
  EXPECT_EQ(last.status, "open");
}

TEST_F(EngineTest, ArrivalBeforeApril1997CountsFromThen) {
  auto all =
      Compute(R"([{"id": "evt_a", "type": "arrival", "date": "1995-06-01", "country": "US"}])",
              "1997-05-01T00:00:00Z");
  Deadline d = Get(all, "asylum_one_year", "evt_a");
  EXPECT_EQ(d.due, "1998-04-01");
  EXPECT_TRUE(HasStep(d, "1995-06-01 is before 1997-04-01")) << Steps(d);
}

TEST_F(EngineTest, MissedWhenTheDayHasPassedWithoutAFiling) {
  const char* events = R"([
      {"id": "evt_a", "type": "arrival", "date": "2021-10-03", "country": "US"},
      {"id": "evt_f", "type": "filing", "date": "2022-11-01", "kind": "asylum_application"}])";
  // Still open late on the due day itself (UTC), not yet missed anywhere.
  auto on_day = Compute(events, "2022-10-03T23:00:00Z");
  EXPECT_EQ(Get(on_day, "asylum_one_year", "evt_a").status, "open");
  auto after = Compute(events, "2022-10-05T00:00:00Z");
  Deadline d = Get(after, "asylum_one_year", "evt_a");
  EXPECT_EQ(d.status, "missed");
  EXPECT_EQ(d.satisfied_by, "");
  EXPECT_TRUE(HasStep(d, "filing evt_f of 2022-11-01 came after the due date")) << Steps(d);
}

TEST_F(EngineTest, RetractedTriggerIsSupersededAndRetractedFilingsDoNotCount) {
  auto all = Compute(R"([
      {"id": "evt_d", "type": "decision", "date": "2026-03-02", "body": "ij", "outcome": "denied",
       "retracted": true},
      {"id": "evt_d2", "type": "decision", "date": "2026-03-03", "body": "ij", "outcome": "denied"},
      {"id": "evt_f", "type": "filing", "date": "2026-03-20", "kind": "bia_appeal",
       "retracted": true}])",
                     "2026-05-01T00:00:00Z");
  Deadline gone = Get(all, "bia_appeal", "evt_d");
  EXPECT_EQ(gone.status, "superseded");
  EXPECT_TRUE(HasStep(gone, "was retracted"));
  Deadline d = Get(all, "bia_appeal", "evt_d2");
  EXPECT_EQ(d.due, "2026-04-02");
  EXPECT_EQ(d.status, "missed");
}

TEST_F(EngineTest, MetByAFilingOnTheDueDayInTheSameMatter) {
  auto all = Compute(R"([
      {"id": "evt_d", "type": "decision", "date": "2026-03-03", "body": "ij", "outcome": "denied",
       "matter": "mat_a"},
      {"id": "evt_other", "type": "filing", "date": "2026-03-10", "kind": "bia_appeal",
       "matter": "mat_b"},
      {"id": "evt_f", "type": "filing", "date": "2026-04-02", "kind": "bia_appeal",
       "matter": "mat_a"}])",
                     "2026-05-01T00:00:00Z");
  Deadline d = Get(all, "bia_appeal", "evt_d");
  EXPECT_EQ(d.matter, "mat_a");
  EXPECT_EQ(d.status, "met");
  EXPECT_EQ(d.satisfied_by, "evt_f");  // the filing under another matter does not count
}

// ---- EAD milestone ----

TEST_F(EngineTest, EadMilestoneDoesNotRollAndNeedsAFilingFromThatDay) {
  auto all = Compute(R"([
      {"id": "evt_i589", "type": "filing", "date": "2026-01-08", "kind": "asylum_application"},
      {"id": "evt_early", "type": "filing", "date": "2026-05-01", "kind": "ead_application"}])",
                     "2026-08-01T00:00:00Z");
  Deadline d = Get(all, "ead_earliest_filing", "evt_i589");
  EXPECT_EQ(d.due, "2026-06-07");  // a Sunday, kept as is
  EXPECT_TRUE(HasStep(d, "2026-01-08 + 150 days = Sun 2026-06-07")) << Steps(d);
  EXPECT_TRUE(HasStep(d, "no weekend or holiday roll"));
  EXPECT_TRUE(HasStep(d, "365 days was vacated"));
  EXPECT_EQ(d.status, "open");
  EXPECT_TRUE(HasStep(d, "evt_early of 2026-05-01 came before this day")) << Steps(d);

  auto later = Compute(R"([
      {"id": "evt_i589", "type": "filing", "date": "2026-01-08", "kind": "asylum_application"},
      {"id": "evt_ead", "type": "filing", "date": "2026-06-08", "kind": "ead_application"}])",
                       "2026-08-01T00:00:00Z");
  Deadline met = Get(later, "ead_earliest_filing", "evt_i589");
  EXPECT_EQ(met.status, "met");
  EXPECT_EQ(met.satisfied_by, "evt_ead");
}

// ---- Pre-hearing filings ----

TEST_F(EngineTest, CancelledHearingSupersedesItsPrehearingFiling) {
  auto all = Compute(R"([
      {"id": "evt_h", "type": "hearing", "date": "2027-03-10T09:00-05:00", "kind": "individual",
       "status": "scheduled"},
      {"id": "evt_c", "type": "hearing", "date": "2027-03-10T09:00-05:00", "kind": "individual",
       "status": "cancelled"},
      {"id": "evt_h2", "type": "hearing", "date": "2027-06-01T09:00-04:00",
       "kind": "individual"}])",
                     "2027-01-01T00:00:00Z");
  Deadline old = Get(all, "prehearing_filing", "evt_h");
  EXPECT_EQ(old.status, "superseded");
  EXPECT_TRUE(HasStep(old, "hearing evt_c")) << Steps(old);
  Deadline next = Get(all, "prehearing_filing", "evt_h2");
  EXPECT_EQ(next.status, "open");
  EXPECT_EQ(next.due, "2027-04-30");              // 2027-06-01 - 30 days = Sun 2027-05-02 -> Fri
  EXPECT_EQ(Count(all, "prehearing_filing"), 2);  // the cancelled entry itself is no trigger
}

TEST_F(EngineTest, PrehearingFilingMetOnlyByAFilingAfterThePreviousHearing) {
  const char* events = R"([
      {"id": "evt_m", "type": "hearing", "date": "2026-10-01T09:00-04:00", "kind": "master",
       "status": "held"},
      {"id": "evt_old", "type": "filing", "date": "2026-09-15", "kind": "evidence_submission"},
      {"id": "evt_i", "type": "hearing", "date": "2027-02-16T09:00-05:00", "kind": "individual",
       "status": "scheduled"})";
  auto open = Compute(std::string(events) + "]", "2026-12-01T00:00:00Z");
  EXPECT_EQ(Get(open, "prehearing_filing", "evt_i").status, "open");
  auto met = Compute(std::string(events) +
                         R"(, {"id": "evt_new", "type": "filing", "date": "2027-01-14",
                               "kind": "evidence_submission"}])",
                     "2027-01-20T00:00:00Z");
  Deadline d = Get(met, "prehearing_filing", "evt_i");
  EXPECT_EQ(d.status, "met");
  EXPECT_EQ(d.satisfied_by, "evt_new");
}

TEST_F(EngineTest, PrehearingFilingWarnsWhileTheClientIsDetained) {
  auto all = Compute(R"([
      {"id": "evt_det", "type": "detention", "date": "2026-08-12", "facility": "fac_x"},
      {"id": "evt_h", "type": "hearing", "date": "2026-12-01", "kind": "master"}])",
                     "2026-10-01T00:00:00Z");
  Deadline d = Get(all, "prehearing_filing", "evt_h");
  EXPECT_EQ(d.due, "2026-11-16");
  EXPECT_TRUE(HasStep(d, "The client appears to be detained")) << Steps(d);
}

// ---- Third-country notice ----

TEST_F(EngineTest, ThirdCountryNoticeSupersededByWithdrawalWithoutAFearClaim) {
  auto all = Compute(R"([
      {"id": "evt_n", "type": "removal_designation", "date": "2026-09-02T10:00-04:00",
       "country": "UG", "third_country": true},
      {"id": "evt_other", "type": "removal_designation_withdrawn", "date": "2026-09-05",
       "country": "RW"},
      {"id": "evt_w", "type": "removal_designation_withdrawn", "date": "2026-10-21",
       "country": "UG"}])",
                     "2026-11-01T00:00:00Z");
  Deadline d = Get(all, "third_country_notice", "evt_n");
  EXPECT_EQ(d.status, "superseded");
  EXPECT_TRUE(HasStep(d, "Superseded by removal designation withdrawn evt_w")) << Steps(d);
}

TEST_F(EngineTest, ThirdCountryNoticeMissedAfter24Hours) {
  const char* events = R"([
      {"id": "evt_n", "type": "removal_designation", "date": "2026-09-02T10:00-04:00",
       "country": "UG", "third_country": true},
      {"id": "evt_fear", "type": "fear_screening", "date": "2026-09-03T11:00-04:00",
       "kind": "reasonable"}])";
  auto before = Compute(events, "2026-09-03T13:59:00Z");  // 09:59 in New York
  // The late fear claim is recorded but the window is still shown as open until it closes.
  EXPECT_EQ(Get(before, "third_country_notice", "evt_n").status, "open");
  auto after = Compute(events, "2026-09-03T14:00:01Z");
  Deadline d = Get(after, "third_country_notice", "evt_n");
  EXPECT_EQ(d.status, "missed");
  EXPECT_TRUE(HasStep(d, "came after the due date")) << Steps(d);
}

TEST_F(EngineTest, ThirdCountryNoticeWithoutATimeIsApproximate) {
  auto all = Compute(R"([{"id": "evt_n", "type": "removal_designation", "date": "2026-09-02",
                          "country": "UG", "third_country": true}])",
                     "2026-09-02T12:00:00Z");
  Deadline d = Get(all, "third_country_notice", "evt_n");
  EXPECT_TRUE(d.approximate);
  EXPECT_EQ(d.due, "2026-09-02");
  ASSERT_GE(d.other_readings.size(), 1u);
  EXPECT_EQ(d.other_readings[0].due, "2026-09-03");
}

TEST_F(EngineTest, JsonHasExactlyTheDeadlineKeys) {
  auto all = Compute(kDemoCase, "2026-11-20T12:00:00Z");
  Json j = ToJson(Get(all, "bond_appeal", "evt_bond_decision"));
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys, (std::vector<std::string>{"approximate", "as_of", "citation", "due", "matter",
                                            "other_readings", "rule", "satisfied_by", "status",
                                            "steps", "subject", "title", "trigger_event"}));
  EXPECT_EQ(j["due"], "2026-12-07");
  EXPECT_EQ(j["as_of"], "2025-10-01");
}

}  // namespace
}  // namespace refuge::rules
