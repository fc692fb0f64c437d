#include "refuge/domain/facility_list.h"

#include "refuge/base/assets.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

namespace refuge::domain {
namespace {

constexpr std::string_view kHeader =
    "detloc|name|address|city|county|state|zip|circuit|aor|docket|type|type_detailed|"
    "authorizing_authority|capacity|guaranteed_minimum|date_of_last_use|date_of_first_use|"
    "over_72|dmcp_auth";

// The list compiled into the binary from data/ice-facilities.psv.
const std::string& RealList() {
  static const std::string kText(Asset("facilities_psv").value_or(std::string_view()));
  return kText;
}

const FacilityList& ParsedRealList() {
  static const FacilityList kList = [] {
    Result<FacilityList> list = ParseFacilityList(RealList());
    return list.ok() ? std::move(list).value() : FacilityList{};
  }();
  return kList;
}

const Json* FindDetloc(const FacilityList& list, std::string_view detloc) {
  for (const FacilityRow& row : list.rows) {
    if (row.facility.value("detloc", "") == detloc) return &row.facility;
  }
  return nullptr;
}

// The header and the lines of the real file with these detlocs, in file order.
std::string RealLines(const std::vector<std::string>& detlocs) {
  std::istringstream in(RealList());
  std::string line, out;
  std::getline(in, line);
  out = line + "\n";
  while (std::getline(in, line)) {
    for (const std::string& d : detlocs) {
      if (line.rfind(d + "|", 0) == 0) out += line + "\n";
    }
  }
  return out;
}

// Rewrites pipe-separated text as CSV, quoting every field that needs it and a few
// that do not. The list's quoted field ("801 SOUTH ""A"" ST.") is unquoted first.
std::string PsvToCsv(std::string_view psv) {
  std::string out;
  size_t start = 0;
  while (start < psv.size()) {
    size_t end = psv.find('\n', start);
    std::string_view line = psv.substr(start, end - start);
    start = end + 1;
    size_t field_no = 0;
    size_t pos = 0;
    while (true) {
      size_t bar = line.find('|', pos);
      std::string value(line.substr(pos, bar == std::string_view::npos ? bar : bar - pos));
      if (value.size() >= 2 && value.front() == '"') {
        std::string plain;
        for (size_t i = 1; i + 1 < value.size(); ++i) {
          plain += value[i];
          if (value[i] == '"') ++i;
        }
        value = plain;
      }
      const bool quote = value.find_first_of(",\"") != std::string::npos || field_no % 3 == 1;
      if (field_no > 0) out += ',';
      if (quote) {
        out += '"';
        for (char c : value) out += c == '"' ? std::string("\"\"") : std::string(1, c);
        out += '"';
      } else {
        out += value;
      }
      ++field_no;
      if (bar == std::string_view::npos) break;
      pos = bar + 1;
    }
    out += '\n';
  }
  return out;
}

FacilityList ParseOk(std::string_view text) {
  Result<FacilityList> list = ParseFacilityList(text);
  EXPECT_TRUE(list.ok()) << list.status().ToString();
  return list.ok() ? std::move(list).value() : FacilityList{};
}

class RealListTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(RealList().empty())
        << "the built-in facility list is missing from this build";
  }
};

TEST_F(RealListTest, EveryRowOfTheRealListIsKept) {
  Result<FacilityList> list = ParseFacilityList(RealList());
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  // 1,533 lines: the header and 1,532 facilities. The file has no bad dates, numbers,
  // TRUE/FALSE values or detlocs, no repeated detloc and 19 fields on every line, so
  // nothing is rejected.
  EXPECT_EQ(list->rows.size(), 1532u);
  for (const RejectedRow& r : list->rejected) ADD_FAILURE() << r.line << ": " << r.reason;
  EXPECT_EQ(list->rows.front().line, 2u);
  EXPECT_EQ(list->rows.back().line, 1533u);
  EXPECT_EQ(list->rows.back().facility["detloc"], "NIXHCTX");
}

TEST_F(RealListTest, KindDistribution) {
  std::map<std::string, int> kinds;
  for (const FacilityRow& row : ParsedRealList().rows) {
    ++kinds[row.facility.value("kind", "(none)")];
  }
  // ice_detention: IGSA 796, USMS IGA 216, HOLD 168, JUVENILE 67, DIGSA 20, CDF 11,
  // STAGING 9, SPC 7, FAMILY 5, USMS CDF 1. prison: BOP 95 + Other|BOP 1.
  // cbp: POE 2, MIRP 2, BPS 1, AIRPORT 1. other: HOSPITAL 83, Other 34, TRANSPORT 7,
  // HEALTH 4, Other|? 2.
  std::map<std::string, int> want = {
      {"ice_detention", 1300}, {"prison", 96}, {"cbp", 6}, {"other", 130}};
  EXPECT_EQ(kinds, want);
}

TEST_F(RealListTest, AlbanyCountyJail) {
  const Json* f = FindDetloc(ParsedRealList(), "ALBCONY");
  ASSERT_NE(f, nullptr);
  Json want = {{"detloc", "ALBCONY"},
               {"name", "ALBANY COUNTY JAIL"},
               {"address", "840 ALBANY SHAKER ROAD"},
               {"city", "ALBANY"},
               {"county", "KINGS"},  // sic: the list's own value
               {"state", "NY"},
               {"zip", "12211"},
               {"country", "US"},
               {"circuit", "2"},
               {"aor", "BUF"},
               {"docket", "ALB"},
               {"kind", "ice_detention"},
               {"ice_type", "USMS IGA"},
               {"ice_type_detailed", "USMS IGA"},
               {"authorizing_authority", "DMCP"},
               {"capacity", 14},
               {"first_use", "1988-07-13"},
               {"last_use", "2017-11-04"},
               {"over_72", true},
               {"note", "DMCP authorized: yes"}};
  EXPECT_EQ(*f, want) << f->dump(2);
}

TEST_F(RealListTest, BureauOfPrisonsFacilitiesArePrisons) {
  const Json* brooklyn = FindDetloc(ParsedRealList(), "BOPBRO");
  ASSERT_NE(brooklyn, nullptr);
  EXPECT_EQ((*brooklyn)["name"], "BROOKLYN MDC");
  EXPECT_EQ((*brooklyn)["kind"], "prison");
  EXPECT_EQ((*brooklyn)["ice_type"], "BOP");
  EXPECT_EQ((*brooklyn)["authorizing_authority"], "BOP");
  EXPECT_EQ((*brooklyn)["note"], "DMCP authorized: no");
  EXPECT_FALSE(brooklyn->contains("over_72"));  // NA

  // Filed as Other|BOP: the detailed code decides.
  const Json* la_tuna = FindDetloc(ParsedRealList(), "BOPLTL");
  ASSERT_NE(la_tuna, nullptr);
  EXPECT_EQ((*la_tuna)["kind"], "prison");
  EXPECT_EQ((*la_tuna)["ice_type"], "Other");
  EXPECT_EQ((*la_tuna)["name"], "LA TUNA FEDERAL SATTELITE, LOW");
}

TEST_F(RealListTest, HoldRoomIsIceCustody) {
  const Json* f = FindDetloc(ParsedRealList(), "ABTHOLD");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ((*f)["name"], "ABILENE HOLD ROOM");
  EXPECT_EQ((*f)["kind"], "ice_detention");
  EXPECT_EQ((*f)["ice_type_detailed"], "HOLD");
  EXPECT_EQ((*f)["over_72"], false);
  EXPECT_FALSE(f->contains("capacity"));
  EXPECT_FALSE(f->contains("first_use"));
  EXPECT_FALSE(f->contains("last_use"));
}

TEST_F(RealListTest, OtherKinds) {
  const FacilityList& list = ParsedRealList();
  ASSERT_NE(FindDetloc(list, "CBPSYS"), nullptr);
  EXPECT_EQ((*FindDetloc(list, "CBPSYS"))["kind"], "cbp");  // a port of entry
  ASSERT_NE(FindDetloc(list, "UPSTANY"), nullptr);
  EXPECT_EQ((*FindDetloc(list, "UPSTANY"))["kind"], "other");  // a hospital
  ASSERT_NE(FindDetloc(list, "STCDFTX"), nullptr);
  EXPECT_EQ((*FindDetloc(list, "STCDFTX"))["kind"], "ice_detention");
  EXPECT_EQ((*FindDetloc(list, "STCDFTX"))["guaranteed_minimum"], 1350);
}

TEST_F(RealListTest, MessyValuesAreCleaned) {
  const FacilityList& list = ParsedRealList();
  // Trailing and leading spaces.
  EXPECT_EQ((*FindDetloc(list, "ABRDNWA"))["county"], "GRAYS HARBOR");
  EXPECT_EQ((*FindDetloc(list, "UPSTANY"))["address"], "750 E ADAMS ST # 5142");
  // The one quoted field of the list, with doubled quotes inside.
  EXPECT_EQ((*FindDetloc(list, "SEBJVAR"))["address"], "801 SOUTH \"A\" ST.");
  // Mixed case is kept as written, except state.
  const Json& river = *FindDetloc(list, "RVRCCLA");
  EXPECT_EQ(river["name"], "River Correctional Center");
  EXPECT_EQ(river["county"], "Concordia Parish");
  EXPECT_FALSE(river.contains("note"));  // dmcp_auth NA
  // A transport contractor with nothing but a name and an area.
  const Json& transport = *FindDetloc(list, "MVMELP");
  Json want = {{"detloc", "MVMELP"},
               {"name", "MVM TRANSPORT, EL PASO"},
               {"aor", "ELP"},
               {"country", "US"},
               {"kind", "other"},
               {"ice_type", "Other"},
               {"ice_type_detailed", "TRANSPORT"},
               {"over_72", false}};
  EXPECT_EQ(transport, want) << transport.dump(2);
}

TEST_F(RealListTest, KeptRowsAreValidFacilities) {
  for (const FacilityRow& row : ParsedRealList().rows) {
    std::vector<Reference> refs;
    Result<Json> again = ValidateEntity(EntityKind::kFacility, row.facility, &refs);
    ASSERT_TRUE(again.ok()) << row.line << ": " << again.status().ToString();
    EXPECT_EQ(*again, row.facility) << row.line;
  }
}

TEST_F(RealListTest, CsvGivesTheSameFacilities) {
  const std::string psv =
      RealLines({"ABRDNWA", "ALBCONY", "BOPBRO", "SEBJVAR", "UPSTANY", "MVMELP", "BOPLTL"});
  const std::string csv = PsvToCsv(psv);
  ASSERT_NE(csv.find("\"801 SOUTH \"\"A\"\" ST.\""), std::string::npos) << csv;
  ASSERT_NE(csv.find("\"MVM TRANSPORT, EL PASO\""), std::string::npos) << csv;
  FacilityList from_psv = ParseOk(psv);
  FacilityList from_csv = ParseOk(csv);
  ASSERT_EQ(from_psv.rows.size(), 7u);
  ASSERT_EQ(from_csv.rows.size(), 7u);
  EXPECT_TRUE(from_csv.rejected.empty());
  for (size_t i = 0; i < from_psv.rows.size(); ++i) {
    EXPECT_EQ(from_csv.rows[i].line, from_psv.rows[i].line);
    EXPECT_EQ(from_csv.rows[i].facility, from_psv.rows[i].facility)
        << from_csv.rows[i].facility.dump();
  }
}

TEST(FacilityListTest, HandWrittenCsv) {
  FacilityList list = ParseOk(
      "name,detloc,over_72,capacity,date_of_first_use,state\n"
      "\"Smith County Jail, Annex\",smcoj1,true,\" 120 \",1/2/2003,tx\n"
      "  \"He said \"\"hi\"\"\"  ,AB2,False,NA,2003-01-02,\n");
  ASSERT_EQ(list.rows.size(), 2u);
  EXPECT_TRUE(list.rejected.empty());
  Json want1 = {{"name", "Smith County Jail, Annex"},
                {"detloc", "SMCOJ1"},
                {"over_72", true},
                {"capacity", 120},
                {"first_use", "2003-01-02"},
                {"state", "TX"},
                {"country", "US"}};
  EXPECT_EQ(list.rows[0].facility, want1) << list.rows[0].facility.dump();
  EXPECT_EQ(list.rows[1].facility["name"], "He said \"hi\"");
  EXPECT_EQ(list.rows[1].facility["first_use"], "2003-01-02");
  EXPECT_FALSE(list.rows[1].facility.contains("kind"));  // no type codes
  EXPECT_EQ(list.rows[1].line, 3u);
}

TEST(FacilityListTest, QuotedLineBreakKeepsLineNumbers) {
  FacilityList list = ParseOk(
      "detloc,name,address,date_of_first_use\n"
      "A1,Two,\"1 Main St\nSuite 2\",1/1/2000\n"
      "A2,Bad,x,2/30/2000\n");
  ASSERT_EQ(list.rows.size(), 1u);
  // A line break is kept in free text such as an address (a name may not hold one).
  EXPECT_EQ(list.rows[0].facility["address"], "1 Main St\nSuite 2");
  ASSERT_EQ(list.rejected.size(), 1u);
  EXPECT_EQ(list.rejected[0].line, 4u);
}

TEST(FacilityListTest, UnknownColumnRefusesTheFile) {
  Result<FacilityList> list = ParseFacilityList("detloc|name|phone_number\nA1|X|555\n");
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.status().code(), Code::kInvalid);
  EXPECT_EQ(list.status().field(), "header");
  EXPECT_NE(list.status().message().find("'phone_number'"), std::string::npos)
      << list.status().message();
}

TEST(FacilityListTest, HeaderMustNameDetlocAndName) {
  for (std::string_view text : {"detloc|address\nA1|X\n", "name,city\nX,Y\n", "name|detloc|name\n",
                                "detloc||name\n", "", "\n\n"}) {
    Result<FacilityList> list = ParseFacilityList(text);
    ASSERT_FALSE(list.ok()) << text;
    EXPECT_EQ(list.status().code(), Code::kInvalid) << text;
    EXPECT_EQ(list.status().field(), "header") << text;
  }
  EXPECT_NE(ParseFacilityList("detloc|address\n").status().message().find("'name'"),
            std::string::npos);
}

TEST(FacilityListTest, ColumnsInAnyOrderAndCase) {
  FacilityList list = ParseOk("\n  \nName|DETLOC\nSome Jail|xy9\n");
  ASSERT_EQ(list.rows.size(), 1u);
  EXPECT_EQ(list.rows[0].line, 4u);
  Json want = {{"name", "Some Jail"}, {"detloc", "XY9"}, {"country", "US"}};
  EXPECT_EQ(list.rows[0].facility, want);
}

TEST(FacilityListTest, BrokenRowsAreRejectedOthersKept) {
  std::string text(kHeader);
  text += "\n";
  text += "GOOD1|FIRST JAIL|NA|NA|NA|NA|NA|NA|NA|NA|IGSA|IGSA|DMCP|NA|NA|NA|NA|NA|TRUE\n";     // 2
  text += "BADDATE|X|NA|NA|NA|NA|NA|NA|NA|NA|IGSA|IGSA|DMCP|NA|NA|2/30/2017|NA|NA|TRUE\n";     // 3
  text += "SHORT|X|NA|NA|NA|NA|NA|NA|NA|NA|IGSA|IGSA|DMCP|NA|NA|NA|NA|NA\n";                   // 4
  text += "good1|AGAIN|NA|NA|NA|NA|NA|NA|NA|NA|IGSA|IGSA|DMCP|NA|NA|NA|NA|NA|TRUE\n";          // 5
  text += "BEDS|X|NA|NA|NA|NA|NA|NA|NA|NA|IGSA|IGSA|DMCP|many|NA|NA|NA|NA|TRUE\n";             // 6
  text += "\n";                                                                                // 7
  text += "BOOL|X|NA|NA|NA|NA|NA|NA|NA|NA|IGSA|IGSA|DMCP|NA|NA|NA|NA|maybe|TRUE\n";            // 8
  text += "AB-1|X|NA|NA|NA|NA|NA|NA|NA|NA|IGSA|IGSA|DMCP|NA|NA|NA|NA|NA|TRUE\n";               // 9
  text += "NA|X|NA|NA|NA|NA|NA|NA|NA|NA|IGSA|IGSA|DMCP|NA|NA|NA|NA|NA|TRUE\n";                 // 10
  text += "NONAME| NA |NA|NA|NA|NA|NA|NA|NA|NA|IGSA|IGSA|DMCP|NA|NA|NA|NA|NA|TRUE\n";          // 11
  text += "QUOTE|\"A\"B|NA|NA|NA|NA|NA|NA|NA|NA|IGSA|IGSA|DMCP|NA|NA|NA|NA|NA|TRUE\n";         // 12
  text += "MONTH|X|NA|NA|NA|NA|NA|NA|NA|NA|IGSA|IGSA|DMCP|NA|NA|NA|13/1/2001|NA|TRUE\n";       // 13
  text += "GOOD2|SECOND JAIL|NA|NA|NA|ok|NA|NA|NA|NA|BOP|BOP|BOP|7|NA|NA|1/31/2001|NA|false";  // 14
  FacilityList list = ParseOk(text);
  ASSERT_EQ(list.rows.size(), 2u);
  EXPECT_EQ(list.rows[0].line, 2u);
  EXPECT_EQ(list.rows[0].facility["name"], "FIRST JAIL");
  EXPECT_EQ(list.rows[1].line, 14u);
  Json want_good2 = {{"detloc", "GOOD2"},
                     {"name", "SECOND JAIL"},
                     {"state", "OK"},
                     {"country", "US"},
                     {"kind", "prison"},
                     {"ice_type", "BOP"},
                     {"ice_type_detailed", "BOP"},
                     {"authorizing_authority", "BOP"},
                     {"capacity", 7},
                     {"first_use", "2001-01-31"},
                     {"note", "DMCP authorized: no"}};
  EXPECT_EQ(list.rows[1].facility, want_good2) << list.rows[1].facility.dump();

  std::map<size_t, std::string> want = {
      {3, "date_of_last_use '2/30/2017' is not a date (M/D/YYYY)"},
      {4, "the row has 18 fields, the header has 19"},
      {5, "detloc 'GOOD1' already appears on line 2"},
      {6, "capacity 'many' is not a whole number of beds"},
      {8, "over_72 'maybe' is not TRUE or FALSE"},
      {9, "detloc 'AB-1' must be letters and digits only"},
      {10, "detloc is missing"},
      {11, "name is missing"},
      {12, "field 2 has text after its closing quote"},
      {13, "date_of_first_use '13/1/2001' is not a date (M/D/YYYY)"},
  };
  std::map<size_t, std::string> got;
  for (const RejectedRow& r : list.rejected) got[r.line] = r.reason;
  EXPECT_EQ(got, want);
}

TEST(FacilityListTest, DuplicateOfARejectedRowIsKept) {
  FacilityList list = ParseOk(
      "detloc|name|capacity\n"
      "A1|FIRST|lots\n"
      "A1|SECOND|10\n");
  ASSERT_EQ(list.rows.size(), 1u);
  EXPECT_EQ(list.rows[0].facility["name"], "SECOND");
  ASSERT_EQ(list.rejected.size(), 1u);
  EXPECT_EQ(list.rejected[0].line, 2u);
}

TEST(FacilityListTest, UnclosedQuoteRefusesTheFile) {
  Result<FacilityList> list = ParseFacilityList("detloc|name\nA1|X\nA2|\"Y\nA3|Z\n");
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.status().code(), Code::kMalformed);
  EXPECT_NE(list.status().message().find("line 3"), std::string::npos) << list.status().message();
}

TEST_F(RealListTest, CrlfAndBomGiveTheSameResult) {
  const std::string psv = RealLines({"ABRDNWA", "ALBCONY", "SEBJVAR", "NIXHCTX"});
  std::string crlf = "\xEF\xBB\xBF";
  for (char c : psv) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  FacilityList plain = ParseOk(psv);
  FacilityList windows = ParseOk(crlf);
  ASSERT_EQ(plain.rows.size(), 4u);
  ASSERT_EQ(windows.rows.size(), 4u);
  EXPECT_TRUE(windows.rejected.empty());
  for (size_t i = 0; i < plain.rows.size(); ++i) {
    EXPECT_EQ(windows.rows[i].line, plain.rows[i].line);
    EXPECT_EQ(windows.rows[i].facility, plain.rows[i].facility);
  }
  // The same for CSV, and with no line break after the last row.
  std::string csv = "\xEF\xBB\xBF";
  for (char c : PsvToCsv(psv)) csv += c == '\n' ? std::string("\r\n") : std::string(1, c);
  csv.resize(csv.size() - 2);
  FacilityList windows_csv = ParseOk(csv);
  ASSERT_EQ(windows_csv.rows.size(), 4u);
  for (size_t i = 0; i < plain.rows.size(); ++i) {
    EXPECT_EQ(windows_csv.rows[i].facility, plain.rows[i].facility);
  }
}

TEST(FacilityListTest, KindForIceType) {
  EXPECT_EQ(FacilityKindForIceType("IGSA", "JUVENILE"), "ice_detention");
  EXPECT_EQ(FacilityKindForIceType("Other", "HOLD"), "ice_detention");
  EXPECT_EQ(FacilityKindForIceType("Other", "BOP"), "prison");
  EXPECT_EQ(FacilityKindForIceType("BOP", "BOP"), "prison");
  EXPECT_EQ(FacilityKindForIceType("Other", "POE"), "cbp");
  EXPECT_EQ(FacilityKindForIceType("Other", "hospital"), "other");
  EXPECT_EQ(FacilityKindForIceType("Other", "?"), "other");
  EXPECT_EQ(FacilityKindForIceType("usms iga", "NEWCODE"), "ice_detention");
  EXPECT_EQ(FacilityKindForIceType("", ""), "");
  EXPECT_EQ(FacilityKindForIceType("XYZ", "ABC"), "");
}

}  // namespace
}  // namespace refuge::domain
