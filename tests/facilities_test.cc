// The facility directory: built in, importable, searchable.
#include <gtest/gtest.h>

#include <fstream>

#include "refuge_process.h"

namespace refuge::testing {
namespace {

const std::string kList = std::string(REFUGE_SOURCE_DIR) + "/data/ice-facilities.psv";
const std::string kHeader =
    "detloc|name|address|city|county|state|zip|circuit|aor|docket|type|type_detailed|"
    "authorizing_authority|capacity|guaranteed_minimum|date_of_last_use|date_of_first_use|"
    "over_72|dmcp_auth\n";

void Write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

TEST(Facilities, ANewDataDirStartsWithTheWholeListAndASecondImportIsANoOp) {
  TempDir dir;
  auto r = RunRefuge({"facilities", "import", kList, "--data", dir.File("data"), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json report = Json::parse(r.out);
  // The new data dir was initialized with the built-in copy of the same list.
  EXPECT_EQ(report["added"], 0);
  EXPECT_EQ(report["updated"], 0);
  EXPECT_EQ(report["unchanged"], 1532);
  EXPECT_EQ(report["rejected"], 0);
  auto again = RunRefuge({"facilities", "import", kList, "--data", dir.File("data"), "--json"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(Json::parse(again.out)["unchanged"], 1532);

  auto exported = RunRefuge({"export", "--data", dir.File("data"), "--out", "-"});
  ASSERT_EQ(exported.exit_code, 0);
  EXPECT_EQ(Json::parse(exported.out)["facilities"].size(), 1532u);
}

TEST(Facilities, ABrokenRowIsReportedAndTheRestImported) {
  TempDir dir;
  ASSERT_EQ(RunRefuge({"demo", "--data", dir.File("data")}).exit_code, 0);
  Write(dir.File("update.psv"),
        kHeader +
            // changed: ALBCONY gets a capacity
            "ALBCONY|ALBANY COUNTY JAIL|840 ALBANY SHAKER ROAD|ALBANY|KINGS|NY|12211|2|BUF|ALB|USMS IGA|USMS IGA|DMCP|250|NA|11/4/2017|7/13/1988|TRUE|TRUE\n"
            // broken: 31 February
            "ZZBADNY|BROKEN ROW JAIL|1 MAIN ST|TROY|RENSSELAER|NY|12180|2|BUF|ALB|IGSA|IGSA|DMCP|NA|NA|2/31/2019|1/1/2001|TRUE|TRUE\n"
            // new
            "ZZNEWNY|NORTH COUNTRY HOLD ROOM|2 RIVER RD|PLATTSBURGH|CLINTON|NY|12901|2|BUF|ALB|Other|HOLD|DMCP|NA|NA|NA|NA|FALSE|TRUE\n");
  auto r = RunRefuge({"facilities", "import", dir.File("update.psv"), "--data", dir.File("data"), "--json"});
  EXPECT_EQ(r.exit_code, 1) << "rejected rows make the exit code non-zero";
  Json report = Json::parse(r.out);
  EXPECT_EQ(report["added"], 1);
  EXPECT_EQ(report["updated"], 1);
  EXPECT_EQ(report["unchanged"], 0);
  ASSERT_EQ(report["rejected_rows"].size(), 1u);
  EXPECT_EQ(report["rejected_rows"][0]["line"], 3);
  EXPECT_NE(report["rejected_rows"][0]["reason"].get<std::string>().find("date"), std::string::npos);

  ServerProcess server(dir.File("data"));
  ApiClient api(server, kMaya, kMayaPassword);
  auto by_detloc = api.Get("/api/v1/facilities?q=ZZNEWNY");
  ASSERT_EQ(by_detloc.status, 200) << by_detloc.raw;
  ASSERT_EQ(by_detloc.body["items"].size(), 1u);
  EXPECT_EQ(by_detloc.body["items"][0]["name"], "NORTH COUNTRY HOLD ROOM");
  EXPECT_EQ(by_detloc.body["items"][0]["kind"], "ice_detention");
  EXPECT_TRUE(api.Get("/api/v1/facilities?q=ZZBADNY").body["items"].empty());
  auto albany = api.Get("/api/v1/facilities?q=ALBCONY");
  ASSERT_EQ(albany.body["items"].size(), 1u);
  EXPECT_EQ(albany.body["items"][0]["capacity"], 250);
}

TEST(Facilities, ARowThatIsNotUtf8IsOneBadRowAndTheRestImported) {
  TempDir dir;
  ASSERT_EQ(RunRefuge({"demo", "--data", dir.File("data")}).exit_code, 0);
  Write(dir.File("latin1.psv"),
        kHeader +
            // "CAÑON" saved as Latin-1: one byte 0xD1, not UTF-8.
            "ZZCANNM|CA\xD1ON CITY HOLD ROOM|1 MAIN ST|CA\xD1ON|FREMONT|CO|81212|10|DEN|DEN|Other|HOLD|DMCP|NA|NA|NA|NA|FALSE|TRUE\n"
            "ZZNEWNY|NORTH COUNTRY HOLD ROOM|2 RIVER RD|PLATTSBURGH|CLINTON|NY|12901|2|BUF|ALB|Other|HOLD|DMCP|NA|NA|NA|NA|FALSE|TRUE\n");
  auto r = RunRefuge({"facilities", "import", dir.File("latin1.psv"), "--data", dir.File("data"), "--json"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  Json report = Json::parse(r.out, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << r.out << r.err;
  EXPECT_EQ(report["added"], 1);
  ASSERT_EQ(report["rejected_rows"].size(), 1u);
  EXPECT_EQ(report["rejected_rows"][0]["line"], 2);
  EXPECT_NE(report["rejected_rows"][0]["reason"].get<std::string>().find("UTF-8"), std::string::npos);
  // Without --json too: the message names the line, and the good row is in.
  auto plain = RunRefuge({"facilities", "import", dir.File("latin1.psv"), "--data", dir.File("data")});
  EXPECT_NE((plain.out + plain.err).find("line 2"), std::string::npos) << plain.out << plain.err;
  ServerProcess server(dir.File("data"));
  ApiClient api(server, kMaya, kMayaPassword);
  EXPECT_EQ(api.Get("/api/v1/facilities?q=ZZNEWNY").body["items"].size(), 1u);
  EXPECT_TRUE(api.Get("/api/v1/facilities?q=ZZCANNM").body["items"].empty());
}

TEST(Facilities, AWrongHeaderIsRefusedWhole) {
  TempDir dir;
  Write(dir.File("bad.psv"), "code|title\nX|Y\n");
  auto r = RunRefuge({"facilities", "import", dir.File("bad.psv"), "--data", dir.File("data")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("header"), std::string::npos) << r.err;
}

TEST(Facilities, LookupByNameCityStateAndAorAndTheFacilityPage) {
  TempDir dir;
  ASSERT_EQ(RunRefuge({"demo", "--data", dir.File("data")}).exit_code, 0);
  ServerProcess server(dir.File("data"));
  ApiClient api(server, kMaya, kMayaPassword);
  auto word = api.Get("/api/v1/facilities?q=krome");
  ASSERT_EQ(word.status, 200);
  bool krome = false;
  for (const auto& f : word.body["items"]) {
    if (f["detloc"] == "KRO") krome = true;
  }
  EXPECT_TRUE(krome) << word.raw.substr(0, 500);
  auto city = api.Get("/api/v1/facilities?q=albany%20ny");
  bool albany = false;
  for (const auto& f : city.body["items"]) albany |= f["detloc"] == "ALBCONY";
  EXPECT_TRUE(albany);
  auto empty = api.Get("/api/v1/facilities?q=%20");
  EXPECT_EQ(empty.status, 422);
  EXPECT_EQ(empty.body["error"]["field"], "q");

  // Wen Hao was released: nobody is held at Hudson now. Detain a new client there.
  auto page = api.Get("/api/v1/facilities/fac_hudson_annex");
  ASSERT_EQ(page.status, 200) << page.raw;
  EXPECT_EQ(page.body["aor"], "BUF");
  EXPECT_TRUE(page.body["held_now"].empty());
  auto p = api.Post("/api/v1/people", Json{{"name", "Amara Okafor"}});
  std::string id = p.body["id"];
  ASSERT_EQ(api.Post("/api/v1/events", Json{{"type", "detention"}, {"subject", id}, {"date", "2026-11-20"},
                                             {"facility", "fac_hudson_annex"}}).status, 201);
  page = api.Get("/api/v1/facilities/fac_hudson_annex");
  ASSERT_EQ(page.body["held_now"].size(), 1u);
  EXPECT_EQ(page.body["held_now"][0]["name"], "Amara Okafor");
  EXPECT_EQ(page.body["held_now"][0]["since"], "2026-11-20");
}

}  // namespace
}  // namespace refuge::testing
