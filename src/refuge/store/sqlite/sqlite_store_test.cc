#include "refuge/store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "refuge/base/random.h"
#include "refuge/domain/search_terms.h"
#include "refuge/store/sqlite/migrations.h"

namespace refuge::store {
namespace {

using domain::Event;
using domain::RefTarget;

constexpr const char* kWen = "per_01hx5wenhao";
constexpr const char* kWenona = "per_01hx5wenona";
constexpr const char* kLiWei = "per_01hx5liwei";
constexpr const char* kKrome = "fac_01hx5krome";
constexpr const char* kBroward = "fac_01hx5broward";
constexpr const char* kMatter = "mat_01hx5removal";
constexpr const char* kCreated = "2026-09-01T10:00:00Z";

Record Entity(EntityKind kind, const std::string& id, Json body) {
  Record r;
  r.kind = kind;
  r.id = id;
  r.body = std::move(body);
  r.created_at = kCreated;
  r.updated_at = kCreated;
  return r;
}

Record Person(const std::string& id, const std::string& name, Json extra = Json::object()) {
  Json body = extra;
  body["name"] = name;
  return Entity(EntityKind::kPerson, id, body);
}

Record Facility(const std::string& id, const std::string& name, const std::string& detloc) {
  return Entity(EntityKind::kFacility, id, {{"name", name}, {"detloc", detloc}});
}

// An event as the API would store it: validated by the event contract, then given an id.
Event Ev(const std::string& id, Json body) {
  if (!body.contains("subject")) body["subject"] = kWen;
  std::vector<domain::Reference> refs;
  auto valid = domain::ValidateEvent(body, &refs);
  EXPECT_TRUE(valid.ok()) << valid.status().ToString() << "\n" << body.dump();
  if (!valid.ok()) return Event{};
  auto e = domain::EventFromBody(std::move(valid).value());
  EXPECT_TRUE(e.ok()) << e.status().ToString();
  if (!e.ok()) return Event{};
  e->id = id;
  e->created_at = kCreated;
  e->updated_at = kCreated;
  return std::move(e).value();
}

std::vector<std::string> Ids(const std::vector<Event>& events) {
  std::vector<std::string> ids;
  for (const Event& e : events) ids.push_back(e.id);
  return ids;
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "refuge-store-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/refuge.db";
    Open();
  }

  void TearDown() override {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void Open() {
    store_.reset();
    auto s = OpenSqliteStore(path_);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
  }

  // Runs one call in its own write transaction.
  template <typename F>
  Status Write(F f) {
    return store_->Write([&](Db& db) -> Status { return f(db); });
  }

  // Runs one call in a read transaction and returns its result.
  template <typename F>
  auto Read(F f) -> decltype(f(std::declval<Db&>())) {
    using R = decltype(f(std::declval<Db&>()));
    std::optional<R> out;
    Status s = store_->Read([&](Db& db) {
      out.emplace(f(db));
      return Status::Ok();
    });
    if (!s.ok()) return s;
    return std::move(*out);
  }

  Status Insert(const Record& r) {
    return Write([&](Db& db) { return db.InsertEntity(r); });
  }
  Status Insert(const Event& e) {
    return Write([&](Db& db) { return db.InsertEvent(e); });
  }
  Result<Record> Get(EntityKind kind, const std::string& id) {
    return Read([&](Db& db) { return db.GetEntity(kind, id); });
  }
  bool Has(EntityKind kind, const std::string& id) { return Get(kind, id).ok(); }

  std::vector<SearchHit> Search(std::string_view query, const std::string& kind = "",
                                int limit = 50) {
    auto hits = Read([&](Db& db) { return db.Search(domain::QueryTerms(query), kind, limit); });
    EXPECT_TRUE(hits.ok()) << hits.status().ToString();
    return hits.ok() ? *hits : std::vector<SearchHit>{};
  }
  std::vector<std::string> SearchIds(std::string_view query, const std::string& kind = "") {
    std::vector<std::string> ids;
    for (const SearchHit& h : Search(query, kind)) ids.push_back(h.id);
    return ids;
  }

  std::vector<Event> EventsOf(const std::string& person, bool include_retracted = false) {
    auto events = Read([&](Db& db) { return db.EventsOfSubject(person, include_retracted); });
    EXPECT_TRUE(events.ok()) << events.status().ToString();
    return events.ok() ? *events : std::vector<Event>{};
  }

  std::string dir_;
  std::string path_;
  std::unique_ptr<Store> store_;
};

// --- opening ------------------------------------------------------------------------

// The version of the newest migration this binary knows.
int LatestMigration() {
  const auto& all = sqlite::Migrations();
  return all.empty() ? 0 : all.back().version;
}

TEST_F(SqliteStoreTest, MigrationsAreApplied) {
  ASSERT_FALSE(sqlite::Migrations().empty());
  EXPECT_EQ(sqlite::Migrations().front().version, 1);
  EXPECT_EQ(store_->SchemaVersion(), LatestMigration());
  EXPECT_TRUE(std::filesystem::exists(path_));
}

TEST_F(SqliteStoreTest, ReopeningKeepsData) {
  ASSERT_TRUE(Insert(Person(kWen, "Wen Hao")).ok());
  Open();
  EXPECT_EQ(store_->SchemaVersion(), LatestMigration());
  auto wen = Get(EntityKind::kPerson, kWen);
  ASSERT_TRUE(wen.ok()) << wen.status().ToString();
  EXPECT_EQ(wen->body["name"], "Wen Hao");
  EXPECT_EQ(SearchIds("wen"), std::vector<std::string>{kWen});
}

TEST_F(SqliteStoreTest, OpeningAnUnwritablePathFails) {
  auto s = OpenSqliteStore(dir_ + "/no/such/dir/refuge.db");
  EXPECT_FALSE(s.ok());
}

// --- entities -----------------------------------------------------------------------

TEST_F(SqliteStoreTest, InsertAndGetEntity) {
  Record wen = Person(kWen, "Wen Hao",
                      {{"other_names", Json::array({"温浩"})}, {"a_number", "214587903"}});
  ASSERT_TRUE(Insert(wen).ok());
  auto got = Get(EntityKind::kPerson, kWen);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->id, kWen);
  EXPECT_EQ(got->kind, EntityKind::kPerson);
  EXPECT_EQ(got->body, wen.body);
  EXPECT_EQ(got->version, 1);
  EXPECT_EQ(got->created_at, kCreated);
  EXPECT_EQ(got->updated_at, kCreated);
}

TEST_F(SqliteStoreTest, GetMissingEntityIsNotFound) {
  auto got = Get(EntityKind::kPerson, "per_01hx5nobody");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), Code::kNotFound);
  // Kinds live apart: a person id is not found among facilities.
  ASSERT_TRUE(Insert(Person(kWen, "Wen Hao")).ok());
  EXPECT_EQ(Get(EntityKind::kFacility, kWen).status().code(), Code::kNotFound);
}

TEST_F(SqliteStoreTest, UpdateEntityWithCurrentVersion) {
  ASSERT_TRUE(Insert(Person(kWen, "Wen Hao")).ok());
  Record changed = Person(kWen, "Wen Hao", {{"languages", Json::array({"Mandarin"})}});
  changed.version = 2;
  changed.updated_at = "2026-09-02T10:00:00Z";
  ASSERT_TRUE(Write([&](Db& db) { return db.UpdateEntity(changed, 1); }).ok());
  auto got = Get(EntityKind::kPerson, kWen);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->version, 2);
  EXPECT_EQ(got->body["languages"], Json::array({"Mandarin"}));
  EXPECT_EQ(got->updated_at, "2026-09-02T10:00:00Z");
  EXPECT_EQ(got->created_at, kCreated);
}

TEST_F(SqliteStoreTest, UpdateEntityWithStaleVersionIsAConflict) {
  ASSERT_TRUE(Insert(Person(kWen, "Wen Hao")).ok());
  Record first = Person(kWen, "Wen Hao (温浩)");
  first.version = 2;
  ASSERT_TRUE(Write([&](Db& db) { return db.UpdateEntity(first, 1); }).ok());

  // A second editor still holds version 1.
  Record stale = Person(kWen, "Hao Wen");
  stale.version = 2;
  Status s = Write([&](Db& db) { return db.UpdateEntity(stale, 1); });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Code::kConflict);
  EXPECT_EQ(s.field(), "version");

  auto got = Get(EntityKind::kPerson, kWen);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->version, 2);
  EXPECT_EQ(got->body["name"], "Wen Hao (温浩)");
}

TEST_F(SqliteStoreTest, UpdateMissingEntityIsNotFound) {
  Record ghost = Person("per_01hx5nobody", "Nobody");
  ghost.version = 2;
  Status s = Write([&](Db& db) { return db.UpdateEntity(ghost, 1); });
  EXPECT_EQ(s.code(), Code::kNotFound);
}

TEST_F(SqliteStoreTest, DuplicateIdIsAConflict) {
  ASSERT_TRUE(Insert(Person(kWen, "Wen Hao")).ok());
  Status s = Insert(Person(kWen, "Someone Else"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Code::kConflict);
  EXPECT_EQ(Get(EntityKind::kPerson, kWen)->body["name"], "Wen Hao");
}

TEST_F(SqliteStoreTest, FacilityDetlocIsUnique) {
  ASSERT_TRUE(Insert(Facility(kKrome, "Krome North Service Processing Center", "KRO")).ok());
  Status s = Insert(Facility(kBroward, "Broward Transitional Center", "KRO"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Code::kConflict);
  EXPECT_FALSE(Has(EntityKind::kFacility, kBroward));

  // Facilities without a detloc (camps abroad) do not collide.
  EXPECT_TRUE(Insert(Entity(EntityKind::kFacility, "fac_01hx5camp1", {{"name", "Camp 1"}})).ok());
  EXPECT_TRUE(Insert(Entity(EntityKind::kFacility, "fac_01hx5camp2", {{"name", "Camp 2"}})).ok());
}

TEST_F(SqliteStoreTest, FacilityByDetloc) {
  ASSERT_TRUE(Insert(Facility(kKrome, "Krome North Service Processing Center", "KRO")).ok());
  auto found = Read([&](Db& db) { return db.FacilityByDetloc("KRO"); });
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, kKrome);
  auto none = Read([&](Db& db) { return db.FacilityByDetloc("BTC"); });
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_F(SqliteStoreTest, MatterNeedsAnExistingClient) {
  Record matter = Entity(EntityKind::kMatter, kMatter,
                         {{"client", kWen}, {"kind", "removal_defense"}});
  Status s = Insert(matter);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.code(), Code::kOk);
  EXPECT_FALSE(Has(EntityKind::kMatter, kMatter));

  ASSERT_TRUE(Insert(Person(kWen, "Wen Hao")).ok());
  ASSERT_TRUE(Insert(matter).ok());
  auto matters = Read([&](Db& db) { return db.MattersOfClient(kWen); });
  ASSERT_TRUE(matters.ok());
  ASSERT_EQ(matters->size(), 1u);
  EXPECT_EQ((*matters)[0].id, kMatter);
}

TEST_F(SqliteStoreTest, ExistsListAndCount) {
  ASSERT_TRUE(Insert(Person(kWen, "Wen Hao")).ok());
  ASSERT_TRUE(Insert(Person(kLiWei, "Li Wei 李伟")).ok());
  ASSERT_TRUE(Insert(Person(kWenona, "Wenona Li")).ok());

  EXPECT_TRUE(*Read([&](Db& db) { return db.Exists(RefTarget::kPerson, kWen); }));
  EXPECT_FALSE(*Read([&](Db& db) { return db.Exists(RefTarget::kFacility, kWen); }));
  EXPECT_FALSE(*Read([&](Db& db) { return db.Exists(RefTarget::kEvidence, "evi_01hx5"); }));
  EXPECT_EQ(*Read([&](Db& db) { return db.CountEntities(EntityKind::kPerson); }), 3);

  // Keyset pages in id order.
  auto page1 = Read([&](Db& db) { return db.ListEntities(EntityKind::kPerson, "", 2); });
  ASSERT_TRUE(page1.ok());
  ASSERT_EQ(page1->size(), 2u);
  EXPECT_EQ((*page1)[0].id, kLiWei);
  EXPECT_EQ((*page1)[1].id, kWen);
  auto page2 = Read([&](Db& db) { return db.ListEntities(EntityKind::kPerson, (*page1)[1].id, 2); });
  ASSERT_TRUE(page2.ok());
  ASSERT_EQ(page2->size(), 1u);
  EXPECT_EQ((*page2)[0].id, kWenona);
}

// --- events -------------------------------------------------------------------------

class SqliteEventsTest : public SqliteStoreTest {
 protected:
  void SetUp() override {
    SqliteStoreTest::SetUp();
    ASSERT_TRUE(Insert(Person(kWen, "Wen Hao")).ok());
    ASSERT_TRUE(Insert(Facility(kKrome, "Krome North Service Processing Center", "KRO")).ok());
  }
};

TEST_F(SqliteEventsTest, InsertAndGet) {
  Event arrival = Ev("evt_01", {{"type", "arrival"},
                                {"date", "2021-10-03"},
                                {"country", "US"},
                                {"manner", "without_inspection"}});
  ASSERT_TRUE(Insert(arrival).ok());
  auto got = Read([&](Db& db) { return db.GetEvent("evt_01"); });
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->type, "arrival");
  EXPECT_EQ(got->subject, kWen);
  EXPECT_EQ(got->date.ToString(), "2021-10-03");
  EXPECT_EQ(got->body, arrival.body);
  EXPECT_EQ(got->version, 1);
  EXPECT_FALSE(got->retracted);

  EXPECT_EQ(Read([&](Db& db) { return db.GetEvent("evt_99"); }).status().code(), Code::kNotFound);
  EXPECT_EQ(*Read([&](Db& db) { return db.CountEvents(); }), 1);
}

TEST_F(SqliteEventsTest, EventOfAMissingPersonIsRejected) {
  Event e = Ev("evt_01", {{"type", "note"}, {"subject", "per_01hx5nobody"}, {"date", "2026"},
                          {"note", "x"}});
  Status s = Insert(e);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(Read([&](Db& db) { return db.GetEvent("evt_01"); }).status().code(), Code::kNotFound);
}

TEST_F(SqliteEventsTest, EventsOfSubjectAreInDateOrder) {
  // Inserted out of order; partial dates sort by their first day.
  ASSERT_TRUE(Insert(Ev("evt_01", {{"type", "release"}, {"date", "2026-12-01"}, {"reason", "bond"}})).ok());
  ASSERT_TRUE(Insert(Ev("evt_02", {{"type", "departure"}, {"date", "2021-03-02"}, {"country", "CN"}})).ok());
  ASSERT_TRUE(Insert(Ev("evt_03", {{"type", "note"}, {"date", "2021"}, {"note", "Left home."}})).ok());
  ASSERT_TRUE(Insert(Ev("evt_04", {{"type", "detention"}, {"date", "2026-03-10T06:30-04:00"},
                                   {"facility", kKrome}})).ok());
  ASSERT_TRUE(Insert(Ev("evt_05", {{"type", "arrival"}, {"date", "2021-10-03"}, {"country", "US"}})).ok());
  ASSERT_TRUE(Insert(Ev("evt_06", {{"type", "note"}, {"date", "2026-03-10"}, {"note", "Family told."}})).ok());
  EXPECT_EQ(Ids(EventsOf(kWen)), (std::vector<std::string>{"evt_03", "evt_02", "evt_05", "evt_04",
                                                           "evt_06", "evt_01"}));
}

TEST_F(SqliteEventsTest, UpdateEventArchivesThePreviousVersion) {
  Event v1 = Ev("evt_01", {{"type", "arrival"}, {"date", "2021-10-02"}, {"country", "US"}});
  ASSERT_TRUE(Insert(v1).ok());

  Event v2 = Ev("evt_01", {{"type", "arrival"}, {"date", "2021-10-03"}, {"country", "US"},
                           {"note", "Corrected from the CBP record."}});
  v2.version = 2;
  v2.updated_at = "2026-09-05T10:00:00Z";
  ASSERT_TRUE(Write([&](Db& db) { return db.UpdateEvent(v2, 1); }).ok());

  auto current = Read([&](Db& db) { return db.GetEvent("evt_01"); });
  ASSERT_TRUE(current.ok());
  EXPECT_EQ(current->version, 2);
  EXPECT_EQ(current->date.ToString(), "2021-10-03");

  auto history = Read([&](Db& db) { return db.EventHistory("evt_01"); });
  ASSERT_TRUE(history.ok()) << history.status().ToString();
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ((*history)[0].version, 1);
  EXPECT_EQ((*history)[0].date.ToString(), "2021-10-02");
  EXPECT_EQ((*history)[0].body, v1.body);

  Event v3 = v2;
  v3.version = 3;
  v3.body["place"] = "near Miami, Florida";
  ASSERT_TRUE(Write([&](Db& db) { return db.UpdateEvent(v3, 2); }).ok());
  history = Read([&](Db& db) { return db.EventHistory("evt_01"); });
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].version, 1);
  EXPECT_EQ((*history)[1].version, 2);
}

TEST_F(SqliteEventsTest, UpdateEventWithStaleVersionIsAConflict) {
  Event v1 = Ev("evt_01", {{"type", "arrival"}, {"date", "2021-10-02"}, {"country", "US"}});
  ASSERT_TRUE(Insert(v1).ok());
  Event v2 = v1;
  v2.version = 2;
  ASSERT_TRUE(Write([&](Db& db) { return db.UpdateEvent(v2, 1); }).ok());

  Event stale = Ev("evt_01", {{"type", "arrival"}, {"date", "2020-01-01"}, {"country", "US"}});
  stale.version = 2;
  Status s = Write([&](Db& db) { return db.UpdateEvent(stale, 1); });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Code::kConflict);
  EXPECT_EQ(Read([&](Db& db) { return db.GetEvent("evt_01"); })->date.ToString(), "2021-10-02");
  EXPECT_EQ(Read([&](Db& db) { return db.EventHistory("evt_01"); })->size(), 1u);

  Event missing = Ev("evt_99", {{"type", "note"}, {"date", "2026"}, {"note", "x"}});
  EXPECT_EQ(Write([&](Db& db) { return db.UpdateEvent(missing, 1); }).code(), Code::kNotFound);
}

TEST_F(SqliteEventsTest, RetractedEventsAreExcludedUnlessAsked) {
  Event arrival = Ev("evt_01", {{"type", "arrival"}, {"date", "2021-10-03"}, {"country", "US"}});
  Event wrong = Ev("evt_02", {{"type", "arrival"}, {"date", "2022-01-15"}, {"country", "US"},
                              {"note", "Entered by mistake"}});
  ASSERT_TRUE(Insert(arrival).ok());
  ASSERT_TRUE(Insert(wrong).ok());
  EXPECT_EQ(SearchIds("mistake"), std::vector<std::string>{"evt_02"});

  Event retracted = wrong;
  retracted.version = 2;
  retracted.retracted = true;
  ASSERT_TRUE(Write([&](Db& db) { return db.UpdateEvent(retracted, 1); }).ok());

  EXPECT_EQ(Ids(EventsOf(kWen)), std::vector<std::string>{"evt_01"});
  EXPECT_EQ(Ids(EventsOf(kWen, /*include_retracted=*/true)),
            (std::vector<std::string>{"evt_01", "evt_02"}));
  EXPECT_TRUE(Read([&](Db& db) { return db.GetEvent("evt_02"); })->retracted);
  EXPECT_TRUE(SearchIds("mistake").empty()) << "a retracted event leaves the search index";
}

TEST_F(SqliteEventsTest, EventsOfMatter) {
  ASSERT_TRUE(Insert(Entity(EntityKind::kMatter, kMatter, {{"client", kWen}})).ok());
  ASSERT_TRUE(Insert(Ev("evt_01", {{"type", "hearing"}, {"date", "2026-09-02"}, {"kind", "master"},
                                   {"matter", kMatter}})).ok());
  ASSERT_TRUE(Insert(Ev("evt_02", {{"type", "note"}, {"date", "2026-08"}, {"note", "Unfiled."}})).ok());
  auto events = Read([&](Db& db) { return db.EventsOfMatter(kMatter, false); });
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(Ids(*events), std::vector<std::string>{"evt_01"});

  Event orphan = Ev("evt_03", {{"type", "note"}, {"date", "2026"}, {"note", "x"},
                               {"matter", "mat_01hx5nomatter"}});
  EXPECT_FALSE(Insert(orphan).ok()) << "an event filed under a missing matter";
}

TEST_F(SqliteEventsTest, SubjectsPlacedAtAFacility) {
  ASSERT_TRUE(Insert(Person(kLiWei, "Li Wei 李伟")).ok());
  ASSERT_TRUE(Insert(Ev("evt_01", {{"type", "detention"}, {"date", "2026-03-10"},
                                   {"facility", kKrome}})).ok());
  ASSERT_TRUE(Insert(Ev("evt_02", {{"type", "transfer"}, {"subject", kLiWei},
                                   {"date", "2026-04-01"}, {"facility", kKrome}})).ok());
  auto subjects = Read([&](Db& db) { return db.SubjectsPlacedAt(kKrome); });
  ASSERT_TRUE(subjects.ok());
  EXPECT_EQ(*subjects, (std::vector<std::string>{kLiWei, kWen}));
}

// --- transactions -------------------------------------------------------------------

TEST_F(SqliteStoreTest, WriteRollsBackWhenTheCallbackFails) {
  Status s = store_->Write([&](Db& db) -> Status {
    REFUGE_RETURN_IF_ERROR(db.InsertEntity(Person(kWen, "Wen Hao")));
    REFUGE_RETURN_IF_ERROR(db.InsertEntity(Person(kLiWei, "Li Wei 李伟")));
    return Invalid("note", "the import found a bad row");
  });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Code::kInvalid);
  EXPECT_EQ(s.field(), "note");
  EXPECT_FALSE(Has(EntityKind::kPerson, kWen));
  EXPECT_FALSE(Has(EntityKind::kPerson, kLiWei));
  EXPECT_TRUE(SearchIds("wen").empty()) << "the search index rolls back too";
  EXPECT_EQ(*Read([&](Db& db) { return db.CountEntities(EntityKind::kPerson); }), 0);
}

TEST_F(SqliteStoreTest, WriteRollsBackWhenTheCallbackThrows) {
  Status s = store_->Write([&](Db& db) -> Status {
    REFUGE_RETURN_IF_ERROR(db.InsertEntity(Person(kWen, "Wen Hao")));
    throw std::runtime_error("boom");
  });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Code::kInternal);
  EXPECT_FALSE(Has(EntityKind::kPerson, kWen));
}

TEST_F(SqliteStoreTest, WriteCommitsWhenTheCallbackSucceeds) {
  Status s = store_->Write([&](Db& db) -> Status {
    REFUGE_RETURN_IF_ERROR(db.InsertEntity(Person(kWen, "Wen Hao")));
    return db.InsertEntity(Person(kLiWei, "Li Wei 李伟"));
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(Has(EntityKind::kPerson, kWen));
  EXPECT_TRUE(Has(EntityKind::kPerson, kLiWei));
}

// --- search -------------------------------------------------------------------------

class SqliteSearchTest : public SqliteStoreTest {
 protected:
  void SetUp() override {
    SqliteStoreTest::SetUp();
    ASSERT_TRUE(Insert(Person(kWen, "Wen Hao", {{"other_names", Json::array({"温浩"})},
                                                 {"a_number", "214587903"}}))
                    .ok());
    ASSERT_TRUE(Insert(Person(kWenona, "Wenona Li")).ok());
    ASSERT_TRUE(Insert(Person(kLiWei, "Li Wei 李伟")).ok());
    ASSERT_TRUE(Insert(Facility(kKrome, "Krome North Service Processing Center", "KRO")).ok());
  }
};

TEST_F(SqliteSearchTest, WordsMatchAsPrefixes) {
  EXPECT_EQ(SearchIds("wen"), (std::vector<std::string>{kWen, kWenona}));
  EXPECT_EQ(SearchIds("Wenon"), std::vector<std::string>{kWenona});
  EXPECT_EQ(SearchIds("krome"), std::vector<std::string>{kKrome});
  EXPECT_TRUE(SearchIds("hao wenx").empty());
}

TEST_F(SqliteSearchTest, EveryTermMustMatch) {
  EXPECT_EQ(SearchIds("wen hao"), std::vector<std::string>{kWen});
  EXPECT_EQ(SearchIds("li wei"), std::vector<std::string>{kLiWei});
  EXPECT_EQ(SearchIds("wen li"), std::vector<std::string>{kWenona});
  EXPECT_EQ(SearchIds("li"), (std::vector<std::string>{kLiWei, kWenona}));
  EXPECT_TRUE(SearchIds("wen krome").empty());
}

TEST_F(SqliteSearchTest, HanTermsMatchExactly) {
  EXPECT_EQ(SearchIds("温浩"), std::vector<std::string>{kWen});
  EXPECT_EQ(SearchIds("温"), std::vector<std::string>{kWen});
  EXPECT_EQ(SearchIds("李伟"), std::vector<std::string>{kLiWei});
  EXPECT_TRUE(SearchIds("浩温").empty());
  EXPECT_TRUE(SearchIds("温浩然").empty());
  // A Han term plus a word: both must match.
  EXPECT_EQ(SearchIds("李伟 li"), std::vector<std::string>{kLiWei});
  EXPECT_TRUE(SearchIds("李伟 wen").empty());
}

TEST_F(SqliteSearchTest, ANumberInAnyForm) {
  for (const char* q : {"A-214-587-903", "214587903", "a214587903", "214 587 903"}) {
    EXPECT_EQ(SearchIds(q), std::vector<std::string>{kWen}) << q;
  }
  EXPECT_TRUE(SearchIds("A-214-587-904").empty());
}

TEST_F(SqliteSearchTest, KindFilterAndHitKinds) {
  ASSERT_TRUE(Insert(Ev("evt_01", {{"type", "note"}, {"date", "2026-03"},
                                   {"note", "Wen's sister was summoned by police."}})).ok());
  auto all = Search("wen");
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].kind, "event");
  EXPECT_EQ(all[0].id, "evt_01");
  EXPECT_EQ(all[1].kind, "person");

  EXPECT_EQ(SearchIds("wen", "event"), std::vector<std::string>{"evt_01"});
  EXPECT_EQ(SearchIds("wen", "person"), (std::vector<std::string>{kWen, kWenona}));
  EXPECT_TRUE(SearchIds("wen", "facility").empty());
  EXPECT_EQ(SearchIds("summoned police"), std::vector<std::string>{"evt_01"});
}

TEST_F(SqliteSearchTest, LimitAndEmptyQuery) {
  EXPECT_EQ(Search("wen", "", 1).size(), 1u);
  auto none = Read([&](Db& db) { return db.Search({}, "", 10); });
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_F(SqliteSearchTest, UpdateReindexes) {
  Record renamed = Person(kWenona, "Wenona Adeyemi");
  renamed.version = 2;
  ASSERT_TRUE(Write([&](Db& db) { return db.UpdateEntity(renamed, 1); }).ok());
  EXPECT_EQ(SearchIds("li"), std::vector<std::string>{kLiWei});
  EXPECT_EQ(SearchIds("adeyemi"), std::vector<std::string>{kWenona});
}

// --- users and sessions -------------------------------------------------------------

User MakeUser(const std::string& name, const std::string& role) {
  return User{name, role, "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA", kCreated, false};
}

TEST_F(SqliteStoreTest, Users) {
  ASSERT_TRUE(Write([&](Db& db) { return db.InsertUser(MakeUser("okafor", "lawyer")); }).ok());
  ASSERT_TRUE(Write([&](Db& db) { return db.InsertUser(MakeUser("admin", "admin")); }).ok());

  auto got = Read([&](Db& db) { return db.GetUser("okafor"); });
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->role, "lawyer");
  EXPECT_EQ(got->created_at, kCreated);
  EXPECT_FALSE(got->disabled);

  auto all = Read([&](Db& db) { return db.ListUsers(); });
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "admin");
  EXPECT_EQ((*all)[1].name, "okafor");

  User changed = *got;
  changed.role = "advocate";
  changed.disabled = true;
  ASSERT_TRUE(Write([&](Db& db) { return db.UpdateUser(changed); }).ok());
  got = Read([&](Db& db) { return db.GetUser("okafor"); });
  EXPECT_EQ(got->role, "advocate");
  EXPECT_TRUE(got->disabled);

  EXPECT_EQ(Read([&](Db& db) { return db.GetUser("nobody"); }).status().code(), Code::kNotFound);
  EXPECT_EQ(Write([&](Db& db) { return db.UpdateUser(MakeUser("nobody", "viewer")); }).code(),
            Code::kNotFound);
  EXPECT_EQ(Write([&](Db& db) { return db.InsertUser(MakeUser("okafor", "viewer")); }).code(),
            Code::kConflict);
  EXPECT_FALSE(Write([&](Db& db) { return db.InsertUser(MakeUser("eve", "superuser")); }).ok());
}

TEST_F(SqliteStoreTest, Sessions) {
  ASSERT_TRUE(Write([&](Db& db) { return db.InsertUser(MakeUser("okafor", "lawyer")); }).ok());
  const Session early{Sha256Hex("token-1"), "okafor", 1000, 2000};
  const Session late{Sha256Hex("token-2"), "okafor", 1000, 5000};
  ASSERT_TRUE(Write([&](Db& db) { return db.InsertSession(early); }).ok());
  ASSERT_TRUE(Write([&](Db& db) { return db.InsertSession(late); }).ok());

  auto got = Read([&](Db& db) { return db.GetSession(early.token_hash); });
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->user, "okafor");
  EXPECT_EQ(got->created_at, 1000);
  EXPECT_EQ(got->expires_at, 2000);

  // Sessions that expire at or before `now` are removed; later ones stay.
  ASSERT_TRUE(Write([&](Db& db) { return db.DeleteExpiredSessions(2000); }).ok());
  EXPECT_EQ(Read([&](Db& db) { return db.GetSession(early.token_hash); }).status().code(),
            Code::kNotFound);
  EXPECT_TRUE(Read([&](Db& db) { return db.GetSession(late.token_hash); }).ok());

  ASSERT_TRUE(Write([&](Db& db) { return db.DeleteSession(late.token_hash); }).ok());
  EXPECT_EQ(Read([&](Db& db) { return db.GetSession(late.token_hash); }).status().code(),
            Code::kNotFound);
}

TEST_F(SqliteStoreTest, SessionOfAnUnknownUserIsRejected) {
  Status s = Write([&](Db& db) {
    return db.InsertSession(Session{Sha256Hex("token"), "nobody", 1000, 2000});
  });
  EXPECT_FALSE(s.ok());
}

}  // namespace
}  // namespace refuge::store
