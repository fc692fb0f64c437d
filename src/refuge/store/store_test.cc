// The store contract, run against every adapter: SQLite always, PostgreSQL when a
// test cluster is configured (REFUGE_TEST_PG_DSN, see scripts/with-postgres.sh).
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "refuge/base/random.h"
#include "refuge/domain/search_terms.h"
#include "refuge/store/migrations.h"
#include "refuge/store/postgres/postgres_store.h"
#include "refuge/store/sqlite/sqlite_store.h"
#include "postgres_test_db.h"

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

enum class Backend { kSqlite, kPostgres };

std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "Sqlite" : "Postgres";
}

class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kPostgres) {
      if (testing::TestServerDsn().empty()) {
        GTEST_SKIP() << "REFUGE_TEST_PG_DSN is not set; run under scripts/with-postgres.sh";
      }
      pg_ = std::make_unique<testing::ScratchDatabase>();
    } else {
      std::string tmpl = (std::filesystem::temp_directory_path() / "refuge-store-XXXXXX").string();
      ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
      dir_ = tmpl;
      path_ = dir_ + "/refuge.db";
    }
    Open();
  }

  void TearDown() override {
    store_.reset();
    pg_.reset();
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }

  Result<std::unique_ptr<Store>> OpenStore() {
    return GetParam() == Backend::kSqlite ? OpenSqliteStore(path_) : OpenPostgresStore(pg_->url());
  }

  void Open() {
    store_.reset();
    auto s = OpenStore();
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
  }

  // Runs SQL on the database behind the store, outside it; returns the first
  // column of the first row ("" when none).
  std::string Sql(const std::string& sql) {
    if (GetParam() == Backend::kPostgres) return pg_->Exec(sql);
    sqlite3* db = nullptr;
    if (sqlite3_open(path_.c_str(), &db) != SQLITE_OK) throw std::runtime_error("cannot open " + path_);
    std::string first;
    char* err = nullptr;
    int rc = sqlite3_exec(
        db, sql.c_str(),
        [](void* out, int n, char** values, char**) {
          auto* s = static_cast<std::string*>(out);
          if (s->empty() && n > 0 && values[0] != nullptr) *s = values[0];
          return 0;
        },
        &first, &err);
    std::string msg = err ? err : "";
    sqlite3_free(err);
    sqlite3_close(db);
    if (rc != SQLITE_OK) throw std::runtime_error("SQL failed: " + sql + ": " + msg);
    return first;
  }

  // Whether SQL run on the database behind the store, outside it, succeeds.
  bool SqlSucceeds(const std::string& sql) {
    try {
      Sql(sql);
      return true;
    } catch (const std::exception&) {
      return false;
    }
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
  std::unique_ptr<testing::ScratchDatabase> pg_;
  std::unique_ptr<Store> store_;
};

INSTANTIATE_TEST_SUITE_P(Adapters, StoreTest, ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         BackendName);

// --- opening ------------------------------------------------------------------------

int LatestMigration() { return LatestMigrationVersion(); }

TEST(Migrations, OneListWithBothDialects) {
  const auto& all = Migrations();
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.front().version, 1);
  for (size_t i = 0; i < all.size(); ++i) {
    if (i > 0) EXPECT_GT(all[i].version, all[i - 1].version) << "versions only grow";
    EXPECT_NE(all[i].description, nullptr);
    ASSERT_NE(all[i].sqlite, nullptr) << "migration " << all[i].version << " has no SQLite text";
    ASSERT_NE(all[i].postgres, nullptr) << "migration " << all[i].version << " has no PostgreSQL text";
    EXPECT_GT(std::string(all[i].sqlite).size(), 10u);
    EXPECT_GT(std::string(all[i].postgres).size(), 10u);
  }
  EXPECT_EQ(LatestMigrationVersion(), all.back().version);
}

TEST_P(StoreTest, MigrationsAreApplied) {
  EXPECT_EQ(store_->SchemaVersion(), LatestMigration());
  if (GetParam() == Backend::kSqlite) EXPECT_TRUE(std::filesystem::exists(path_));
}

TEST_P(StoreTest, ADatabaseAtANewerSchemaVersionIsRefused) {
  store_.reset();
  Sql("INSERT INTO schema_migrations (version, description) VALUES (" +
      std::to_string(LatestMigration() + 1) + ", 'from a newer refuge')");
  auto s = OpenStore();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Code::kConflict);
  EXPECT_NE(s.status().message().find("newer"), std::string::npos) << s.status().ToString();
}

TEST_P(StoreTest, AFailedMigrationLeavesNothingHalfApplied) {
  // A new database with a table in the way of migration 2.
  store_.reset();
  if (GetParam() == Backend::kPostgres) {
    pg_ = std::make_unique<testing::ScratchDatabase>();
  } else {
    path_ = dir_ + "/second.db";
  }
  Sql("CREATE TABLE calendar_feeds (x INTEGER)");
  auto s = OpenStore();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("migration 2"), std::string::npos) << s.status().ToString();

  // Migration 1 is recorded and complete; migration 2 neither.
  EXPECT_EQ(Sql("SELECT max(version) FROM schema_migrations"), "1");
  EXPECT_EQ(Sql("SELECT count(*) FROM persons"), "0");
  EXPECT_EQ(Sql("SELECT count(*) FROM calendar_feeds"), "0");

  // Out of the way, the next open finishes the job.
  Sql("DROP TABLE calendar_feeds");
  Open();
  EXPECT_EQ(store_->SchemaVersion(), LatestMigration());
  EXPECT_TRUE(Insert(Person(kWen, "Wen Hao")).ok());
}

TEST_P(StoreTest, ReopeningKeepsData) {
  ASSERT_TRUE(Insert(Person(kWen, "Wen Hao")).ok());
  Open();
  EXPECT_EQ(store_->SchemaVersion(), LatestMigration());
  auto wen = Get(EntityKind::kPerson, kWen);
  ASSERT_TRUE(wen.ok()) << wen.status().ToString();
  EXPECT_EQ(wen->body["name"], "Wen Hao");
  EXPECT_EQ(SearchIds("wen"), std::vector<std::string>{kWen});
}

// Cached views are valid while the data generation stays: every committed Write
// advances it, in the snapshot of every later reader; bookkeeping and rolled-back
// writes leave it.
TEST_P(StoreTest, EveryCommittedWriteAdvancesTheDataGeneration) {
  auto generation = [&] {
    auto g = Read([](Db& db) { return db.DataGeneration(); });
    EXPECT_TRUE(g.ok()) << g.status().ToString();
    return g.ok() ? *g : -1;
  };
  const int64_t start = generation();
  ASSERT_TRUE(Insert(Person(kWen, "Wen Hao")).ok());
  EXPECT_EQ(generation(), start + 1);

  Status failed = store_->Write([&](Db& db) -> Status {
    REFUGE_RETURN_IF_ERROR(db.InsertEntity(Person("per_other", "Someone Else")));
    return Status(Code::kConflict, "changed my mind");
  });
  EXPECT_EQ(failed.code(), Code::kConflict);
  EXPECT_EQ(generation(), start + 1);
  EXPECT_FALSE(Has(EntityKind::kPerson, "per_other"));

  ASSERT_TRUE(store_->WriteBookkeeping([](Db& db) { return db.DeleteExpiredSessions(0); }).ok());
  EXPECT_EQ(generation(), start + 1);

  // A snapshot taken before a write keeps the generation it began with.
  Status s = store_->Read([&](Db& db) -> Status {
    auto before = db.DataGeneration();
    EXPECT_TRUE(before.ok());
    std::thread writer([&] { EXPECT_TRUE(Insert(Person("per_third", "Third Person")).ok()); });
    writer.join();
    auto still = db.DataGeneration();
    EXPECT_TRUE(still.ok());
    if (before.ok() && still.ok()) {
      EXPECT_EQ(*still, *before);
    }
    return Status::Ok();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(generation(), start + 2);
}

TEST(SqliteStore, OpeningAnUnwritablePathFails) {
  auto s = OpenSqliteStore("/nonexistent-refuge-dir/no/such/dir/refuge.db");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Code::kIo);
}

// --- entities -----------------------------------------------------------------------

TEST_P(StoreTest, InsertAndGetEntity) {
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

TEST_P(StoreTest, GetMissingEntityIsNotFound) {
  auto got = Get(EntityKind::kPerson, "per_01hx5nobody");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), Code::kNotFound);
  // Kinds live apart: a person id is not found among facilities.
  ASSERT_TRUE(Insert(Person(kWen, "Wen Hao")).ok());
  EXPECT_EQ(Get(EntityKind::kFacility, kWen).status().code(), Code::kNotFound);
}

TEST_P(StoreTest, UpdateEntityWithCurrentVersion) {
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

TEST_P(StoreTest, UpdateEntityWithStaleVersionIsAConflict) {
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

TEST_P(StoreTest, UpdateMissingEntityIsNotFound) {
  Record ghost = Person("per_01hx5nobody", "Nobody");
  ghost.version = 2;
  Status s = Write([&](Db& db) { return db.UpdateEntity(ghost, 1); });
  EXPECT_EQ(s.code(), Code::kNotFound);
}

TEST_P(StoreTest, DuplicateIdIsAConflict) {
  ASSERT_TRUE(Insert(Person(kWen, "Wen Hao")).ok());
  Status s = Insert(Person(kWen, "Someone Else"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Code::kConflict);
  EXPECT_EQ(Get(EntityKind::kPerson, kWen)->body["name"], "Wen Hao");
}

TEST_P(StoreTest, FacilityDetlocIsUnique) {
  ASSERT_TRUE(Insert(Facility(kKrome, "Krome North Service Processing Center", "KRO")).ok());
  Status s = Insert(Facility(kBroward, "Broward Transitional Center", "KRO"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Code::kConflict);
  EXPECT_FALSE(Has(EntityKind::kFacility, kBroward));

  // Facilities without a detloc (camps abroad) do not collide.
  EXPECT_TRUE(Insert(Entity(EntityKind::kFacility, "fac_01hx5camp1", {{"name", "Camp 1"}})).ok());
  EXPECT_TRUE(Insert(Entity(EntityKind::kFacility, "fac_01hx5camp2", {{"name", "Camp 2"}})).ok());
}

TEST_P(StoreTest, FacilityByDetloc) {
  ASSERT_TRUE(Insert(Facility(kKrome, "Krome North Service Processing Center", "KRO")).ok());
  auto found = Read([&](Db& db) { return db.FacilityByDetloc("KRO"); });
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, kKrome);
  auto none = Read([&](Db& db) { return db.FacilityByDetloc("BTC"); });
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_P(StoreTest, MatterNeedsAnExistingClient) {
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

TEST_P(StoreTest, ExistsListAndCount) {
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

class StoreEventsTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(Insert(Person(kWen, "Wen Hao")).ok());
    ASSERT_TRUE(Insert(Facility(kKrome, "Krome North Service Processing Center", "KRO")).ok());
  }
};

INSTANTIATE_TEST_SUITE_P(Adapters, StoreEventsTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres), BackendName);

TEST_P(StoreEventsTest, InsertAndGet) {
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

TEST_P(StoreEventsTest, EventOfAMissingPersonIsRejected) {
  Event e = Ev("evt_01", {{"type", "note"}, {"subject", "per_01hx5nobody"}, {"date", "2026"},
                          {"note", "x"}});
  Status s = Insert(e);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(Read([&](Db& db) { return db.GetEvent("evt_01"); }).status().code(), Code::kNotFound);
}

TEST_P(StoreEventsTest, EventsOfSubjectAreInDateOrder) {
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

TEST_P(StoreEventsTest, UpdateEventArchivesThePreviousVersion) {
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

TEST_P(StoreEventsTest, UpdateEventWithStaleVersionIsAConflict) {
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

TEST_P(StoreEventsTest, RetractedEventsAreExcludedUnlessAsked) {
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

TEST_P(StoreEventsTest, EventsOfMatter) {
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

TEST_P(StoreEventsTest, SubjectsPlacedAtAFacility) {
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

TEST_P(StoreTest, WriteRollsBackWhenTheCallbackFails) {
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

TEST_P(StoreTest, WriteRollsBackWhenTheCallbackThrows) {
  Status s = store_->Write([&](Db& db) -> Status {
    REFUGE_RETURN_IF_ERROR(db.InsertEntity(Person(kWen, "Wen Hao")));
    throw std::runtime_error("boom");
  });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Code::kInternal);
  EXPECT_FALSE(Has(EntityKind::kPerson, kWen));
}

TEST_P(StoreTest, WriteCommitsWhenTheCallbackSucceeds) {
  Status s = store_->Write([&](Db& db) -> Status {
    REFUGE_RETURN_IF_ERROR(db.InsertEntity(Person(kWen, "Wen Hao")));
    return db.InsertEntity(Person(kLiWei, "Li Wei 李伟"));
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(Has(EntityKind::kPerson, kWen));
  EXPECT_TRUE(Has(EntityKind::kPerson, kLiWei));
}

// --- search -------------------------------------------------------------------------

class StoreSearchTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(Insert(Person(kWen, "Wen Hao", {{"other_names", Json::array({"温浩"})},
                                                 {"a_number", "214587903"}}))
                    .ok());
    ASSERT_TRUE(Insert(Person(kWenona, "Wenona Li")).ok());
    ASSERT_TRUE(Insert(Person(kLiWei, "Li Wei 李伟")).ok());
    ASSERT_TRUE(Insert(Facility(kKrome, "Krome North Service Processing Center", "KRO")).ok());
  }
};

INSTANTIATE_TEST_SUITE_P(Adapters, StoreSearchTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres), BackendName);

TEST_P(StoreSearchTest, WordsMatchAsPrefixes) {
  EXPECT_EQ(SearchIds("wen"), (std::vector<std::string>{kWen, kWenona}));
  EXPECT_EQ(SearchIds("Wenon"), std::vector<std::string>{kWenona});
  EXPECT_EQ(SearchIds("krome"), std::vector<std::string>{kKrome});
  EXPECT_TRUE(SearchIds("hao wenx").empty());
}

TEST_P(StoreSearchTest, EveryTermMustMatch) {
  EXPECT_EQ(SearchIds("wen hao"), std::vector<std::string>{kWen});
  EXPECT_EQ(SearchIds("li wei"), std::vector<std::string>{kLiWei});
  EXPECT_EQ(SearchIds("wen li"), std::vector<std::string>{kWenona});
  EXPECT_EQ(SearchIds("li"), (std::vector<std::string>{kLiWei, kWenona}));
  EXPECT_TRUE(SearchIds("wen krome").empty());
}

TEST_P(StoreSearchTest, HanTermsMatchExactly) {
  EXPECT_EQ(SearchIds("温浩"), std::vector<std::string>{kWen});
  EXPECT_EQ(SearchIds("温"), std::vector<std::string>{kWen});
  EXPECT_EQ(SearchIds("李伟"), std::vector<std::string>{kLiWei});
  EXPECT_TRUE(SearchIds("浩温").empty());
  EXPECT_TRUE(SearchIds("温浩然").empty());
  // A Han term plus a word: both must match.
  EXPECT_EQ(SearchIds("李伟 li"), std::vector<std::string>{kLiWei});
  EXPECT_TRUE(SearchIds("李伟 wen").empty());
}

TEST_P(StoreSearchTest, ANumberInAnyForm) {
  for (const char* q : {"A-214-587-903", "214587903", "a214587903", "214 587 903"}) {
    EXPECT_EQ(SearchIds(q), std::vector<std::string>{kWen}) << q;
  }
  EXPECT_TRUE(SearchIds("A-214-587-904").empty());
}

TEST_P(StoreSearchTest, KindFilterAndHitKinds) {
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

TEST_P(StoreSearchTest, LimitAndEmptyQuery) {
  EXPECT_EQ(Search("wen", "", 1).size(), 1u);
  auto none = Read([&](Db& db) { return db.Search({}, "", 10); });
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_P(StoreSearchTest, UpdateReindexes) {
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

TEST_P(StoreTest, Users) {
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

TEST_P(StoreTest, Sessions) {
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

TEST_P(StoreTest, SessionOfAnUnknownUserIsRejected) {
  Status s = Write([&](Db& db) {
    return db.InsertSession(Session{Sha256Hex("token"), "nobody", 1000, 2000});
  });
  EXPECT_FALSE(s.ok());
}

// --- the same order everywhere --------------------------------------------------------

// Keys compare bytewise on every database, whatever the server's collation, so
// pages, chronologies and exports come out in the same order.
TEST_P(StoreTest, IdsAndDatesOrderBytewise) {
  const std::vector<std::string> ids = {"per_Zed", "per_alpha", "per_al_b", "per_\xc3\x89mile", "per_9"};
  for (const auto& id : ids) ASSERT_TRUE(Insert(Person(id, "Noor Haddad")).ok()) << id;
  std::vector<std::string> sorted = ids;
  std::sort(sorted.begin(), sorted.end());
  auto page = Read([&](Db& db) { return db.ListEntities(EntityKind::kPerson, "", 10); });
  ASSERT_TRUE(page.ok());
  std::vector<std::string> got;
  for (const auto& r : *page) got.push_back(r.id);
  EXPECT_EQ(got, sorted);
  auto after = Read([&](Db& db) { return db.ListEntities(EntityKind::kPerson, "per_Zed", 10); });
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->size(), 3u);
  EXPECT_EQ(SearchIds("noor").size(), ids.size());
}

// --- bulk loading -------------------------------------------------------------------

TEST_P(StoreEventsTest, BulkMethodsDoWhatTheSingleOnesDo) {
  std::vector<Record> people;
  for (int i = 0; i < 1203; ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "per_bulk%05d", i);
    people.push_back(Person(id, "Amara Okafor " + std::to_string(i), {{"a_number", std::to_string(100000000 + i)}}));
  }
  Record matter = Entity(EntityKind::kMatter, kMatter, {{"client", kWen}, {"kind", "removal_defense"}});
  ASSERT_TRUE(Write([&](Db& db) -> Status {
    REFUGE_RETURN_IF_ERROR(db.InsertEntities(people));
    return db.InsertEntities({matter});
  }).ok());
  std::vector<Event> events;
  for (int i = 0; i < 1203; ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "evt_bulk%05d", i);
    Json body = {{"type", "detention"}, {"subject", people[i].id}, {"date", "2026-03-10"},
                 {"facility", kKrome}, {"note", "Held at intake " + std::to_string(i)}};
    if (i % 2 == 0) body["matter"] = kMatter;
    if (i % 2 == 0) body["subject"] = kWen;
    events.push_back(Ev(id, body));
  }
  events[1201].retracted = true;
  events[7].version = 3;
  ASSERT_TRUE(Write([&](Db& db) { return db.InsertEvents(events); }).ok());

  EXPECT_EQ(*Read([&](Db& db) { return db.CountEntities(EntityKind::kPerson); }), 1204);
  EXPECT_EQ(*Read([&](Db& db) { return db.CountEvents(); }), 1203);
  auto p7 = Get(EntityKind::kPerson, "per_bulk00007");
  ASSERT_TRUE(p7.ok());
  EXPECT_EQ(p7->body, people[7].body);
  EXPECT_EQ(SearchIds("100000007"), std::vector<std::string>{"per_bulk00007"});
  auto e7 = Read([&](Db& db) { return db.GetEvent("evt_bulk00007"); });
  ASSERT_TRUE(e7.ok());
  EXPECT_EQ(e7->body, events[7].body);
  EXPECT_EQ(e7->version, 3);
  EXPECT_TRUE(Read([&](Db& db) { return db.GetEvent("evt_bulk01201"); })->retracted);
  EXPECT_EQ(SearchIds("intake 1202"), std::vector<std::string>{"evt_bulk01202"});
  EXPECT_TRUE(SearchIds("intake 1201").empty()) << "a retracted event is not indexed";
  EXPECT_EQ(Read([&](Db& db) { return db.EventsOfMatter(kMatter, true); })->size(), 602u);
  // Wen (the even events) and the 601 people of the odd ones, less the retracted one's.
  EXPECT_EQ(Read([&](Db& db) { return db.SubjectsPlacedAt(kKrome); })->size(), 601u);

  // Bulk reads: in the order asked, the missing left out.
  auto recs = Read([&](Db& db) {
    return db.GetEntities(EntityKind::kPerson, {"per_bulk01200", "per_nobody", "per_bulk00003", kWen});
  });
  ASSERT_TRUE(recs.ok());
  ASSERT_EQ(recs->size(), 3u);
  EXPECT_EQ((*recs)[0].id, "per_bulk01200");
  EXPECT_EQ((*recs)[1].id, "per_bulk00003");
  EXPECT_EQ((*recs)[2].id, kWen);
  EXPECT_EQ((*recs)[1].body, people[3].body);
  auto evs = Read([&](Db& db) { return db.GetEvents({"evt_bulk00009", "evt_nothing", "evt_bulk00001"}); });
  ASSERT_TRUE(evs.ok());
  ASSERT_EQ(evs->size(), 2u);
  EXPECT_EQ((*evs)[0].id, "evt_bulk00009");
  EXPECT_EQ((*evs)[1].id, "evt_bulk00001");
  EXPECT_EQ((*evs)[1].body, events[1].body);
}

TEST_P(StoreEventsTest, ImportedHistoryIsTheHistoryCorrectionsLeave) {
  // One event corrected twice through UpdateEvent ...
  Event v1 = Ev("evt_a", {{"type", "arrival"}, {"date", "2021-10-02"}, {"country", "US"}});
  Event v2 = Ev("evt_a", {{"type", "arrival"}, {"date", "2021-10-03"}, {"country", "US"}, {"note", "CBP record"}});
  v2.version = 2;
  v2.updated_at = "2026-09-05T10:00:00Z";
  Event v3 = v2;
  v3.version = 3;
  v3.retracted = true;
  v3.updated_at = "2026-09-06T10:00:00Z";
  ASSERT_TRUE(Insert(v1).ok());
  ASSERT_TRUE(Write([&](Db& db) { return db.UpdateEvent(v2, 1); }).ok());
  ASSERT_TRUE(Write([&](Db& db) { return db.UpdateEvent(v3, 2); }).ok());
  // ... and the same event imported under another id, with its history.
  auto renamed = [](Event e) {
    e.id = "evt_b";
    return e;
  };
  ASSERT_TRUE(Write([&](Db& db) -> Status {
    REFUGE_RETURN_IF_ERROR(db.InsertEvents({renamed(v3)}));
    return db.InsertEventVersions({renamed(v1), renamed(v2)});
  }).ok());

  auto history = [&](const std::string& id) {
    std::vector<Json> out;
    auto h = Read([&](Db& db) { return db.EventHistory(id); });
    EXPECT_TRUE(h.ok()) << h.status().ToString();
    for (Event e : h.ok() ? *h : std::vector<Event>{}) {
      e.id = "";
      out.push_back(domain::EventToJson(e));
    }
    return out;
  };
  EXPECT_EQ(history("evt_a"), history("evt_b"));
  EXPECT_EQ(history("evt_b").size(), 2u);
  auto a = Read([&](Db& db) { return db.GetEvent("evt_a"); });
  auto b = Read([&](Db& db) { return db.GetEvent("evt_b"); });
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->body, b->body);
  EXPECT_TRUE(b->retracted);
  EXPECT_EQ(b->version, 3);
  EXPECT_TRUE(SearchIds("cbp").empty()) << "neither retracted event is searchable";

  // A version the history holds already is refused.
  Status dup = Write([&](Db& db) { return db.InsertEventVersions({renamed(v1)}); });
  EXPECT_EQ(dup.code(), Code::kConflict) << dup.ToString();
  // History needs its event.
  Event orphan = v1;
  orphan.id = "evt_nothing";
  EXPECT_FALSE(Write([&](Db& db) { return db.InsertEventVersions({orphan}); }).ok());
}

TEST_P(StoreEventsTest, ABulkInsertWithADuplicateWritesNothing) {
  ASSERT_TRUE(Insert(Person(kLiWei, "Li Wei 李伟")).ok());
  std::vector<Record> people = {Person("per_new1", "Noor Haddad"), Person(kLiWei, "Someone Else"),
                                Person("per_new2", "Yusuf Haddad")};
  Status s = Write([&](Db& db) { return db.InsertEntities(people); });
  EXPECT_EQ(s.code(), Code::kConflict) << s.ToString();
  EXPECT_FALSE(Has(EntityKind::kPerson, "per_new1"));
  EXPECT_EQ(Get(EntityKind::kPerson, kLiWei)->body["name"], "Li Wei 李伟");

  std::vector<Event> events = {Ev("evt_a", {{"type", "note"}, {"date", "2026"}, {"note", "x"}}),
                               Ev("evt_b", {{"type", "note"}, {"date", "2026"}, {"note", "y"},
                                            {"subject", "per_01hx5nobody"}})};
  s = Write([&](Db& db) { return db.InsertEvents(events); });
  EXPECT_EQ(s.code(), Code::kInvalid) << "an event of a missing person: " << s.ToString();
  EXPECT_EQ(*Read([&](Db& db) { return db.CountEvents(); }), 0);
}

// --- access control data --------------------------------------------------------------

TEST_P(StoreEventsTest, MattersOfAPersonThroughClientAndSubjectNamingThroughMention) {
  ASSERT_TRUE(Insert(Person(kLiWei, "Li Wei 李伟")).ok());
  ASSERT_TRUE(Insert(Person(kWenona, "Wenona Li")).ok());
  ASSERT_TRUE(Insert(Entity(EntityKind::kMatter, kMatter, {{"client", kWen}})).ok());
  ASSERT_TRUE(Insert(Entity(EntityKind::kMatter, "mat_01hx5asylum", {{"client", kLiWei}})).ok());
  // Wenona is named by an incident filed under Wen's matter.
  ASSERT_TRUE(Insert(Ev("evt_01", {{"type", "incident"}, {"date", "2021-11"}, {"kind", "threat"},
                                   {"actor", kWenona}, {"matter", kMatter}})).ok());
  auto of = [&](const std::string& id) {
    auto r = Read([&](Db& db) { return db.MattersOfPerson(id); });
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::vector<std::string>{};
  };
  auto naming = [&](const std::string& id) {
    auto r = Read([&](Db& db) { return db.EventsNamingPerson(id); });
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::vector<std::string>{};
  };
  EXPECT_EQ(of(kWen), std::vector<std::string>{kMatter});
  EXPECT_EQ(of(kLiWei), std::vector<std::string>{"mat_01hx5asylum"});
  // Being named gives no matter the person's file, only the name.
  EXPECT_TRUE(of(kWenona).empty());
  EXPECT_EQ(naming(kWenona), std::vector<std::string>{"evt_01"});
  EXPECT_TRUE(naming(kWen).empty());

  // Retracting the incident removes the path.
  Event retracted = *Read([&](Db& db) { return db.GetEvent("evt_01"); });
  retracted.version = 2;
  retracted.retracted = true;
  ASSERT_TRUE(Write([&](Db& db) { return db.UpdateEvent(retracted, 1); }).ok());
  EXPECT_TRUE(naming(kWenona).empty());
}

// Search's first cut: the hits a user's teams reach, and the people they created.
TEST_P(StoreEventsTest, HitsOnTeamsOfFollowTheTeamsAndWhoCreatedAPerson) {
  ASSERT_TRUE(Insert(Person(kLiWei, "Li Wei 李伟")).ok());
  ASSERT_TRUE(Insert(Person(kWenona, "Wenona Li")).ok());
  Record unfiled = Person("per_01hx5unfiled", "Amara Okafor");
  unfiled.created_by = "okafor";
  ASSERT_TRUE(Insert(unfiled).ok());
  ASSERT_TRUE(Insert(Entity(EntityKind::kMatter, kMatter, {{"client", kWen}, {"team", {"maya"}}})).ok());
  ASSERT_TRUE(Insert(Entity(EntityKind::kMatter, "mat_01hx5asylum", {{"client", kLiWei}, {"team", {"okafor"}}})).ok());
  // Wenona is named by an incident under Wen's matter; one note has no matter.
  ASSERT_TRUE(Insert(Ev("evt_01", {{"type", "incident"}, {"date", "2021-11"}, {"kind", "threat"},
                                   {"actor", kWenona}, {"matter", kMatter}})).ok());
  ASSERT_TRUE(Insert(Ev("evt_02", {{"type", "note"}, {"subject", kLiWei}, {"date", "2026"},
                                   {"note", "Called."}, {"matter", "mat_01hx5asylum"}})).ok());
  ASSERT_TRUE(Insert(Ev("evt_03", {{"type", "note"}, {"date", "2021"}, {"note", "Left home."}})).ok());

  const std::vector<SearchHit> hits = {
      {"event", "evt_01"},          {"event", "evt_02"},          {"event", "evt_03"},
      {"facility", kKrome},         {"matter", "mat_01hx5asylum"}, {"matter", kMatter},
      {"person", kLiWei},           {"person", kWen},             {"person", kWenona},
      {"person", "per_01hx5unfiled"}};
  auto of = [&](const std::string& user) {
    auto r = Read([&](Db& db) { return db.HitsOnTeamsOf(hits, user); });
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<std::string> ids;
    for (const SearchHit& h : r.ok() ? *r : std::vector<SearchHit>{}) ids.push_back(h.id);
    return ids;
  };
  // Wenona is only named under maya's matter: search does not find her for maya.
  EXPECT_EQ(of("maya"), (std::vector<std::string>{"evt_01", "evt_03", kKrome, kMatter, kWen}));
  EXPECT_EQ(of("okafor"), (std::vector<std::string>{"evt_02", "evt_03", kKrome, "mat_01hx5asylum", kLiWei,
                                                    "per_01hx5unfiled"}));
  EXPECT_EQ(of("nobody"), (std::vector<std::string>{"evt_03", kKrome}));
  auto reach = [&](const std::string& person, const std::string& user) {
    auto r = Read([&](Db& db) { return db.ReachOfPerson(person, user); });
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::make_pair(r->on_team, r->reached) : std::make_pair(false, false);
  };
  auto created = [&](const std::string& person, const std::string& user) {
    auto r = Read([&](Db& db) { return db.ReachOfPerson(person, user); });
    return r.ok() && r->created;
  };
  EXPECT_TRUE(created("per_01hx5unfiled", "okafor"));
  EXPECT_FALSE(created("per_01hx5unfiled", "maya"));
  EXPECT_FALSE(created("per_01hx5nosuch", "okafor"));
  EXPECT_EQ(reach(kWen, "maya"), std::make_pair(true, true));
  EXPECT_EQ(reach(kWen, "okafor"), std::make_pair(false, true));
  EXPECT_EQ(reach(kLiWei, "okafor"), std::make_pair(true, true)) << "the subject of a note under okafor's matter";
  EXPECT_EQ(reach(kWenona, "maya"), std::make_pair(false, false)) << "named only";
  EXPECT_EQ(reach("per_01hx5unfiled", "okafor"), std::make_pair(false, false));
  EXPECT_EQ(reach("per_01hx5nosuch", "maya"), std::make_pair(false, false));
  auto on = [&](const std::string& matter, const std::string& user) {
    auto r = Read([&](Db& db) { return db.IsOnTeam(matter, user); });
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() && *r;
  };
  EXPECT_TRUE(on(kMatter, "maya"));
  EXPECT_FALSE(on(kMatter, "okafor"));
  EXPECT_TRUE(on("mat_01hx5asylum", "okafor"));
  EXPECT_FALSE(on("mat_01hx5nosuch", "maya"));

  // A retracted incident names nobody; maya's hits stay those of her matter.
  Event retracted = *Read([&](Db& db) { return db.GetEvent("evt_01"); });
  retracted.version = 2;
  retracted.retracted = true;
  ASSERT_TRUE(Write([&](Db& db) { return db.UpdateEvent(retracted, 1); }).ok());
  EXPECT_EQ(of("maya"), (std::vector<std::string>{"evt_01", "evt_03", kKrome, kMatter, kWen}));
}

TEST_P(StoreTest, SecondFactorSessionsTokensAndAudit) {
  User u = MakeUser("okafor", "lawyer");
  u.totp_secret = "JBSWY3DPEHPK3PXP";
  u.totp_enabled = true;
  ASSERT_TRUE(Write([&](Db& db) { return db.InsertUser(u); }).ok());
  auto got = Read([&](Db& db) { return db.GetUser("okafor"); });
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->totp_secret, "JBSWY3DPEHPK3PXP");
  EXPECT_TRUE(got->totp_enabled);

  Session s{Sha256Hex("token"), "okafor", 1000, 9000, 1000, Sha256Hex("csrf")};
  ASSERT_TRUE(Write([&](Db& db) { return db.InsertSession(s); }).ok());
  ASSERT_TRUE(Write([&](Db& db) { return db.TouchSession(s.token_hash, 1500); }).ok());
  auto session = Read([&](Db& db) { return db.GetSession(s.token_hash); });
  ASSERT_TRUE(session.ok());
  EXPECT_EQ(session->last_seen, 1500);
  EXPECT_EQ(session->csrf_hash, Sha256Hex("csrf"));

  ApiToken t{"tok_01", "okafor", "nightly export", Sha256Hex("secret"), kCreated, "", ""};
  ASSERT_TRUE(Write([&](Db& db) { return db.InsertApiToken(t); }).ok());
  EXPECT_EQ(Write([&](Db& db) { return db.InsertApiToken(t); }).code(), Code::kConflict);
  ASSERT_TRUE(Write([&](Db& db) { return db.TouchApiToken("tok_01", "2026-09-02T10:00:00Z"); }).ok());
  auto by_hash = Read([&](Db& db) { return db.ApiTokenByHash(Sha256Hex("secret")); });
  ASSERT_TRUE(by_hash.ok());
  EXPECT_EQ(by_hash->last_used_at, "2026-09-02T10:00:00Z");
  EXPECT_TRUE(by_hash->revoked_at.empty());
  EXPECT_EQ(Write([&](Db& db) { return db.RevokeApiToken("someone", "tok_01", "x"); }).code(),
            Code::kNotFound);
  ASSERT_TRUE(Write([&](Db& db) { return db.RevokeApiToken("okafor", "tok_01", "2026-09-03T00:00:00Z"); }).ok());
  auto tokens = Read([&](Db& db) { return db.ApiTokensOf("okafor"); });
  ASSERT_TRUE(tokens.ok());
  ASSERT_EQ(tokens->size(), 1u);
  EXPECT_EQ((*tokens)[0].revoked_at, "2026-09-03T00:00:00Z");

  EXPECT_EQ(Read([&](Db& db) { return db.GetAuditHead(); }).status().code(), Code::kNotFound);
  for (int64_t seq = 1; seq <= 3; ++seq) {
    AuditEntry e{seq, kCreated, seq == 2 ? "tenzin" : "okafor", "person.read", kWen,
                 seq == 3 ? "" : kWen, "127.0.0.1", "{}", "h" + std::to_string(seq - 1),
                 "h" + std::to_string(seq)};
    ASSERT_TRUE(Write([&](Db& db) -> Status {
      REFUGE_RETURN_IF_ERROR(db.InsertAudit(e));
      return db.SetAuditHead(AuditHead{seq, e.hash, "sig" + std::to_string(seq)});
    }).ok());
  }
  auto head = Read([&](Db& db) { return db.GetAuditHead(); });
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->seq, 3);
  EXPECT_EQ(head->signature, "sig3");
  EXPECT_EQ(Read([&](Db& db) { return db.ListAudit(0, 10, "", ""); })->size(), 3u);
  EXPECT_EQ(Read([&](Db& db) { return db.ListAudit(1, 10, "", ""); })->size(), 2u);
  EXPECT_EQ(Read([&](Db& db) { return db.ListAudit(0, 10, kWen, ""); })->size(), 2u);
  EXPECT_EQ(Read([&](Db& db) { return db.ListAudit(0, 10, "", "tenzin"); })->size(), 1u);
  EXPECT_EQ(Read([&](Db& db) { return db.ListAudit(0, 1, "", ""); })->front().seq, 1);
}

// --- evidence records ---------------------------------------------------------------

class StoreEvidenceTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(Insert(Person(kWen, "Wen Hao")).ok());
    ASSERT_TRUE(Insert(Entity(EntityKind::kMatter, kMatter, {{"client", kWen}})).ok());
  }

  static EvidenceRow Row(const std::string& id, const std::string& matter, const std::string& parent = "") {
    EvidenceRow r;
    r.id = id;
    r.subject = kWen;
    r.matter = matter;
    r.parent = parent;
    r.object = "obj-" + id;
    r.size = 42;
    r.media_type = "image/jpeg";
    r.sealed = "sealed";
    r.created_at = kCreated;
    r.created_by = "maya";
    return r;
  }

  static CustodyRow Entry(const std::string& id, int64_t seq) {
    return CustodyRow{id, seq, kCreated, "maya", "viewed", "s", "p" + std::to_string(seq), "h" + std::to_string(seq)};
  }
};

INSTANTIATE_TEST_SUITE_P(Adapters, StoreEvidenceTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres), BackendName);

TEST_P(StoreEvidenceTest, RecordsCustodyAndReferences) {
  ASSERT_TRUE(store_->Write([](Db& db) -> Status {
    EXPECT_TRUE(db.KeepsEvidence());
    REFUGE_RETURN_IF_ERROR(db.InsertEvidence(Row("evi_a", kMatter)));
    REFUGE_RETURN_IF_ERROR(db.InsertEvidence(Row("evi_b", "")));
    REFUGE_RETURN_IF_ERROR(db.InsertEvidence(Row("evi_c", kMatter, "evi_a")));
    REFUGE_RETURN_IF_ERROR(db.InsertCustody(Entry("evi_a", 1)));
    REFUGE_RETURN_IF_ERROR(db.InsertCustody(Entry("evi_a", 2)));
    EvidenceRow head = Row("evi_a", kMatter);
    head.custody_seq = 2;
    head.custody_hash = "h2";
    head.custody_sig = "sig";
    head.custody_key = "key";
    head.custody_mac = "mac";
    return db.SetCustodyHead(head);
  }).ok());
  ASSERT_TRUE(store_->Read([](Db& db) -> Status {
    EXPECT_TRUE(*db.Exists(RefTarget::kEvidence, "evi_a"));
    EXPECT_FALSE(*db.Exists(RefTarget::kEvidence, "evi_zzz"));
    auto a = db.GetEvidence("evi_a");
    EXPECT_TRUE(a.ok());
    EXPECT_EQ(a->custody_seq, 2);
    EXPECT_EQ(a->custody_mac, "mac");
    EXPECT_EQ(a->matter, kMatter);
    EXPECT_EQ(a->size, 42);
    EXPECT_TRUE(db.GetEvidence("evi_b")->matter.empty());
    EXPECT_EQ(db.GetEvidence("evi_zzz").status().code(), Code::kNotFound);
    EXPECT_EQ(db.ListEvidence(kMatter, "", "", 10)->size(), 2u);
    EXPECT_EQ(db.ListEvidence("", kWen, "evi_a", 10)->size(), 2u);  // after evi_a
    EXPECT_EQ(db.ListEvidence("", "", "", 1)->front().id, "evi_a");
    EXPECT_EQ(*db.DerivativesOf("evi_a"), std::vector<std::string>{"evi_c"});
    EXPECT_EQ(*db.EvidenceWithObject("obj-evi_b"), std::vector<std::string>{"evi_b"});
    auto custody = db.CustodyOf("evi_a");
    EXPECT_EQ(custody->size(), 2u);
    EXPECT_EQ(custody->back().hash, "h2");
    return Status::Ok();
  }).ok());
  // A number is used once; a record needs its person; a head needs its record.
  Status dup = store_->Write([](Db& db) { return db.InsertCustody(Entry("evi_a", 2)); });
  EXPECT_EQ(dup.code(), Code::kConflict);
  Status orphan = store_->Write([](Db& db) {
    EvidenceRow r = Row("evi_x", "");
    r.subject = "per_nobody";
    return db.InsertEvidence(r);
  });
  EXPECT_FALSE(orphan.ok());
  EXPECT_EQ(store_->Write([](Db& db) { return db.SetCustodyHead(Row("evi_nothing", "")); }).code(),
            Code::kNotFound);
}

TEST_P(StoreEvidenceTest, EventsCitingARecord) {
  ASSERT_TRUE(Write([](Db& db) { return db.InsertEvidence(Row("evi_a", kMatter)); }).ok());
  ASSERT_TRUE(Insert(Ev("evt_2", {{"type", "evidence_capture"}, {"date", "2026-03"}, {"evidence", "evi_a"}})).ok());
  ASSERT_TRUE(Insert(Ev("evt_1", {{"type", "publication"}, {"date", "2026-04"}, {"evidence", "evi_a"}})).ok());
  ASSERT_TRUE(Insert(Ev("evt_3", {{"type", "note"}, {"date", "2026-04"}, {"note", "evi_a"}})).ok());
  auto citing = Read([](Db& db) { return db.EventsCitingEvidence("evi_a"); });
  ASSERT_TRUE(citing.ok()) << citing.status().ToString();
  EXPECT_EQ(*citing, (std::vector<std::string>{"evt_1", "evt_2"}));
}

TEST_P(StoreEvidenceTest, TriggersKeepRecordsFixedAndCustodyAppendOnly) {
  ASSERT_TRUE(store_->Write([](Db& db) -> Status {
    REFUGE_RETURN_IF_ERROR(db.InsertEvidence(Row("evi_a", kMatter)));
    return db.InsertCustody(Entry("evi_a", 1));
  }).ok());
  EXPECT_FALSE(SqlSucceeds("UPDATE custody_entries SET actor = 'x'"));
  EXPECT_FALSE(SqlSucceeds("DELETE FROM custody_entries"));
  EXPECT_FALSE(SqlSucceeds("UPDATE evidence SET object = 'other'"));
  EXPECT_FALSE(SqlSucceeds("DELETE FROM evidence"));
  EXPECT_TRUE(SqlSucceeds("UPDATE evidence SET custody_seq = 1"));  // the head moves
  EXPECT_EQ(Sql("SELECT count(*) FROM custody_entries"), "1");
}

}  // namespace
}  // namespace refuge::store
