// The Evidence section of Db on SQLite: records, custody rows, and the triggers
// that keep them append-only.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>

#include "refuge/store/sqlite/sqlite_store.h"

namespace refuge::store {
namespace {

constexpr const char* kWen = "per_01hx5wenhao";
constexpr const char* kMatter = "mat_01hx5asylum";
constexpr const char* kAt = "2026-09-01T10:00:00Z";

class EvidenceRowsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string t = (std::filesystem::temp_directory_path() / "refuge-evidence-rows-XXXXXX").string();
    dir_ = ::mkdtemp(t.data());
    auto s = OpenSqliteStore(dir_ + "/refuge.db");
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
    ASSERT_TRUE(store_->Write([](Db& db) -> Status {
      REFUGE_RETURN_IF_ERROR(db.InsertEntity(Entity(domain::EntityKind::kPerson, kWen, {{"name", "Wen Hao"}})));
      return db.InsertEntity(Entity(domain::EntityKind::kMatter, kMatter, {{"client", kWen}}));
    }).ok());
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  static Record Entity(domain::EntityKind kind, const std::string& id, Json body) {
    Record r;
    r.kind = kind;
    r.id = id;
    r.body = std::move(body);
    r.created_at = r.updated_at = kAt;
    return r;
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
    r.created_at = kAt;
    r.created_by = "maya";
    return r;
  }

  static CustodyRow Entry(const std::string& id, int64_t seq) {
    return CustodyRow{id, seq, kAt, "maya", "viewed", "s", "p" + std::to_string(seq), "h" + std::to_string(seq)};
  }

  Status Exec(const std::string& sql) {
    sqlite3* db = nullptr;
    sqlite3_open((dir_ + "/refuge.db").c_str(), &db);
    char* err = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    std::string msg = err ? err : "";
    sqlite3_free(err);
    sqlite3_close(db);
    return rc == SQLITE_OK ? Status::Ok() : IoError(msg);
  }

  std::string dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(EvidenceRowsTest, RecordsCustodyAndReferences) {
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
    EXPECT_TRUE(*db.Exists(domain::RefTarget::kEvidence, "evi_a"));
    EXPECT_FALSE(*db.Exists(domain::RefTarget::kEvidence, "evi_zzz"));
    auto a = db.GetEvidence("evi_a");
    EXPECT_TRUE(a.ok());
    EXPECT_EQ(a->custody_seq, 2);
    EXPECT_EQ(a->custody_mac, "mac");
    EXPECT_EQ(a->matter, kMatter);
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
  // A number is used once; a record needs its person.
  Status dup = store_->Write([](Db& db) { return db.InsertCustody(Entry("evi_a", 2)); });
  EXPECT_EQ(dup.code(), Code::kConflict);
  Status orphan = store_->Write([](Db& db) {
    EvidenceRow r = Row("evi_x", "");
    r.subject = "per_nobody";
    return db.InsertEvidence(r);
  });
  EXPECT_FALSE(orphan.ok());
}

TEST_F(EvidenceRowsTest, TriggersKeepRecordsFixedAndCustodyAppendOnly) {
  ASSERT_TRUE(store_->Write([](Db& db) -> Status {
    REFUGE_RETURN_IF_ERROR(db.InsertEvidence(Row("evi_a", kMatter)));
    return db.InsertCustody(Entry("evi_a", 1));
  }).ok());
  EXPECT_FALSE(Exec("UPDATE custody_entries SET actor = 'x'").ok());
  EXPECT_FALSE(Exec("DELETE FROM custody_entries").ok());
  EXPECT_FALSE(Exec("UPDATE evidence SET object = 'other'").ok());
  EXPECT_FALSE(Exec("DELETE FROM evidence").ok());
  EXPECT_TRUE(Exec("UPDATE evidence SET custody_seq = 1").ok());  // the head moves
}

}  // namespace
}  // namespace refuge::store
