// What only a database server has: connection strings, lost connections, several
// processes on one database. Runs when a test cluster is configured
// (REFUGE_TEST_PG_DSN, see scripts/with-postgres.sh); the store contract itself is
// in store/store_test.cc.
#include "refuge/store/postgres/postgres_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "postgres_test_db.h"
#include "refuge/store/migrations.h"

namespace refuge::store {
namespace {

using testing::DsnWithDatabase;
using testing::ExecSql;
using testing::ScratchDatabase;
using testing::TestServerDsn;

Record Person(const std::string& id, const std::string& name) {
  Record r;
  r.kind = EntityKind::kPerson;
  r.id = id;
  r.body = {{"name", name}};
  r.created_at = r.updated_at = "2026-09-01T10:00:00Z";
  return r;
}

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (TestServerDsn().empty()) GTEST_SKIP() << "REFUGE_TEST_PG_DSN is not set; run under scripts/with-postgres.sh";
    db_ = std::make_unique<ScratchDatabase>();
  }

  std::unique_ptr<Store> Open() {
    auto s = OpenPostgresStore(db_->url());
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }

  // Closes every connection to the test database but the caller's, as a server
  // restart or an administrator would.
  void DropConnections() {
    db_->Exec("SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity WHERE datname = '" +
              db_->name() + "' AND pid <> pg_backend_pid()");
  }

  int64_t Version(Store& store, const std::string& id) {
    int64_t v = -1;
    Status s = store.Read([&](Db& db) -> Status {
      REFUGE_ASSIGN_OR_RETURN(Record r, db.GetEntity(EntityKind::kPerson, id));
      v = r.version;
      return Status::Ok();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return v;
  }

  bool Has(Store& store, const std::string& id) {
    bool found = false;
    EXPECT_TRUE(store.Read([&](Db& db) -> Status {
      auto r = db.Exists(domain::RefTarget::kPerson, id);
      if (!r.ok()) return r.status();
      found = *r;
      return Status::Ok();
    }).ok());
    return found;
  }

  std::unique_ptr<ScratchDatabase> db_;
};

// --- bad connection strings ---

TEST_F(PostgresStoreTest, AnUnparsableDsnIsInvalid) {
  auto s = OpenPostgresStore("postgresql://refuge@127.0.0.1/x?no_such_setting=1");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Code::kInvalid);
  EXPECT_NE(s.status().message().find("no_such_setting"), std::string::npos) << s.status().ToString();
}

TEST_F(PostgresStoreTest, AnUnreachableServerIsAnIoErrorThatHidesThePassword) {
  auto s = OpenPostgresStore("postgresql://refuge:s3cret-pass@127.0.0.1:1/refuge?connect_timeout=2");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Code::kIo);
  const std::string& msg = s.status().message();
  EXPECT_NE(msg.find("cannot connect to PostgreSQL at postgresql://refuge:***@127.0.0.1:1/refuge"),
            std::string::npos) << msg;
  EXPECT_EQ(msg.find("s3cret-pass"), std::string::npos) << msg;
}

TEST_F(PostgresStoreTest, AMissingDatabaseIsNamed) {
  auto s = OpenPostgresStore(DsnWithDatabase(TestServerDsn(), db_->name() + "_missing"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Code::kIo);
  EXPECT_NE(s.status().message().find("does not exist"), std::string::npos) << s.status().ToString();
}

TEST_F(PostgresStoreTest, ADatabaseThatIsNotUtf8IsRefused) {
  const std::string name = db_->name() + "_ascii";
  ExecSql(TestServerDsn(), "CREATE DATABASE " + name +
                               " ENCODING 'SQL_ASCII' LOCALE_PROVIDER libc LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0");
  auto s = OpenPostgresStore(DsnWithDatabase(TestServerDsn(), name));
  ExecSql(TestServerDsn(), "DROP DATABASE " + name + " WITH (FORCE)");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Code::kInvalid);
  EXPECT_NE(s.status().message().find("UTF8"), std::string::npos) << s.status().ToString();
}

TEST(PostgresUrl, RedactionAndRecognition) {
  EXPECT_TRUE(IsPostgresUrl("postgresql://h/db"));
  EXPECT_TRUE(IsPostgresUrl("postgres://h/db"));
  EXPECT_FALSE(IsPostgresUrl("sqlite"));
  EXPECT_FALSE(IsPostgresUrl("host=h dbname=db"));
  EXPECT_EQ(RedactDsn("postgresql://ana:pw@db.example.org:5432/refuge"),
            "postgresql://ana:***@db.example.org:5432/refuge");
  EXPECT_EQ(RedactDsn("postgresql://ana@db/refuge?password=pw&sslmode=require"),
            "postgresql://ana@db/refuge?password=***&sslmode=require");
  EXPECT_EQ(RedactDsn("host=db user=ana password='p w' dbname=refuge"),
            "host=db user=ana password=*** dbname=refuge");
  EXPECT_EQ(RedactDsn("postgresql://db/refuge"), "postgresql://db/refuge");
}

// --- migrations by several app servers at once ---

TEST_F(PostgresStoreTest, ServersStartingTogetherMigrateANewDatabaseOnce) {
  constexpr int kServers = 4;
  std::vector<std::thread> threads;
  std::atomic<int> created{0}, opened{0};
  for (int i = 0; i < kServers; ++i) {
    threads.emplace_back([&] {
      bool was_created = false;
      PostgresOptions o;
      o.created = &was_created;
      auto s = OpenPostgresStore(db_->url(), o);
      if (s.ok()) ++opened;
      if (was_created) ++created;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(opened.load(), kServers);
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(db_->Exec("SELECT count(*) FROM schema_migrations"), std::to_string(Migrations().size()));
}

// --- connections that go away ---

TEST_F(PostgresStoreTest, ConnectionsDroppedWhileIdleAreReplaced) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Write([](Db& db) { return db.InsertEntity(Person("per_wen", "Wen Hao")); }).ok());
  // Fill the pool with several idle connections.
  std::vector<std::thread> readers;
  for (int i = 0; i < 4; ++i) {
    readers.emplace_back([&] { EXPECT_EQ(Version(*store, "per_wen"), 1); });
  }
  for (auto& t : readers) t.join();

  DropConnections();
  EXPECT_EQ(Version(*store, "per_wen"), 1);
  Status w = store->Write([](Db& db) { return db.InsertEntity(Person("per_li", "Li Wei")); });
  EXPECT_TRUE(w.ok()) << w.ToString();
  EXPECT_TRUE(Has(*store, "per_li"));
}

TEST_F(PostgresStoreTest, AWriteWhoseConnectionDiesIsNotRetried) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  int calls = 0;
  Status s = store->Write([&](Db& db) -> Status {
    ++calls;
    REFUGE_RETURN_IF_ERROR(db.InsertEntity(Person("per_first", "Amara Okafor")));
    DropConnections();
    return db.InsertEntity(Person("per_second", "Noor Haddad"));
  });
  EXPECT_EQ(s.code(), Code::kIo) << s.ToString();
  EXPECT_NE(s.message().find("lost the connection"), std::string::npos) << s.ToString();
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(Has(*store, "per_first"));
  EXPECT_FALSE(Has(*store, "per_second"));
}

TEST_F(PostgresStoreTest, AFailedStatementEndsTheTransaction) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Write([](Db& db) { return db.InsertEntity(Person("per_wen", "Wen Hao")); }).ok());
  // A callback that ignores a duplicate and carries on still gets the failure,
  // and nothing of the transaction is written.
  Status s = store->Write([](Db& db) -> Status {
    (void)db.InsertEntity(Person("per_wen", "Wen Hao again"));
    return db.InsertEntity(Person("per_li", "Li Wei"));
  });
  EXPECT_EQ(s.code(), Code::kConflict) << s.ToString();
  EXPECT_FALSE(Has(*store, "per_li"));
  // The connection goes back to the pool clean.
  EXPECT_TRUE(store->Write([](Db& db) { return db.InsertEntity(Person("per_li", "Li Wei")); }).ok());
}

// --- several app servers on one database ---

TEST_F(PostgresStoreTest, WritersOfTwoServersAreSerialized) {
  auto a = Open(), b = Open();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(a->Write([](Db& db) { return db.InsertEntity(Person("per_count", "Counter")); }).ok());
  // Read-modify-write with the version read in the same transaction: with writers
  // serialized, no update ever finds its version stale.
  constexpr int kThreads = 4, kRounds = 25;
  std::atomic<int> conflicts{0}, failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    Store* store = t % 2 == 0 ? a.get() : b.get();
    threads.emplace_back([&, store] {
      for (int i = 0; i < kRounds; ++i) {
        Status s = store->Write([](Db& db) -> Status {
          REFUGE_ASSIGN_OR_RETURN(Record cur, db.GetEntity(EntityKind::kPerson, "per_count"));
          Record next = cur;
          next.version = cur.version + 1;
          next.body["note"] = "round " + std::to_string(next.version);
          return db.UpdateEntity(next, cur.version);
        });
        if (s.code() == Code::kConflict) ++conflicts;
        if (!s.ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(conflicts.load(), 0);
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(Version(*b, "per_count"), 1 + kThreads * kRounds);
}

TEST_F(PostgresStoreTest, AStaleVersionFromAnotherServerIsAConflict) {
  auto a = Open(), b = Open();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(a->Write([](Db& db) { return db.InsertEntity(Person("per_wen", "Wen Hao")); }).ok());
  const int64_t seen_by_a = Version(*a, "per_wen");

  Record by_b = Person("per_wen", "Wen Hao (温浩)");
  by_b.version = 2;
  ASSERT_TRUE(b->Write([&](Db& db) { return db.UpdateEntity(by_b, 1); }).ok());

  Record by_a = Person("per_wen", "Hao Wen");
  by_a.version = seen_by_a + 1;
  Status s = a->Write([&](Db& db) { return db.UpdateEntity(by_a, seen_by_a); });
  EXPECT_EQ(s.code(), Code::kConflict) << s.ToString();
  EXPECT_EQ(s.field(), "version");
  Status read = a->Read([](Db& db) -> Status {
    REFUGE_ASSIGN_OR_RETURN(Record r, db.GetEntity(EntityKind::kPerson, "per_wen"));
    EXPECT_EQ(r.body["name"], "Wen Hao (温浩)");
    EXPECT_EQ(r.version, 2);
    return Status::Ok();
  });
  EXPECT_TRUE(read.ok()) << read.ToString();
}

TEST_F(PostgresStoreTest, AReadSeesOneSnapshot) {
  auto a = Open(), b = Open();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(a->Write([](Db& db) { return db.InsertEntity(Person("per_1", "Amara Okafor")); }).ok());
  Status s = a->Read([&](Db& db) -> Status {
    REFUGE_ASSIGN_OR_RETURN(int64_t before, db.CountEntities(EntityKind::kPerson));
    // Another server writes in the middle of this read.
    REFUGE_RETURN_IF_ERROR(b->Write([](Db& other) { return other.InsertEntity(Person("per_2", "Noor Haddad")); }));
    REFUGE_ASSIGN_OR_RETURN(int64_t after, db.CountEntities(EntityKind::kPerson));
    EXPECT_EQ(before, 1);
    EXPECT_EQ(after, 1);
    return Status::Ok();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(Has(*a, "per_2"));
}

TEST_F(PostgresStoreTest, AReadCannotWrite) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  Status s = store->Read([](Db& db) { return db.InsertEntity(Person("per_wen", "Wen Hao")); });
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(Has(*store, "per_wen"));
}

}  // namespace
}  // namespace refuge::store
