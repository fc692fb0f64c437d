// Search at caseload scale: a lawyer's own client is found behind thousands of
// other people of the same name, and a query that would read too much says so.
#include <gtest/gtest.h>

#include <cstdio>

#include "refuge/app/service_test_support.h"

namespace refuge::app {
namespace {

class SearchScaleTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(svc_->AddUser(Actor::Operator(), "ines", "lawyer", "correct horse battery").ok());
  }

  // `others` people named Okafor on no team of ines's, then her client, whose id
  // sorts after all of theirs.
  void Load(int others) {
    Status s = svc_->store().Write([&](store::Db& db) -> Status {
      std::vector<store::Record> people;
      for (int i = 0; i < others; ++i) {
        char id[32];
        std::snprintf(id, sizeof id, "per_a%06d", i);
        people.push_back(Entity(domain::EntityKind::kPerson, id, {{"name", "Chidi Okafor"}}));
      }
      people.push_back(Entity(domain::EntityKind::kPerson, "per_zclient", {{"name", "Amara Okafor"}}));
      REFUGE_RETURN_IF_ERROR(db.InsertEntities(people));
      return db.InsertEntity(Entity(domain::EntityKind::kMatter, "mat_zclient",
                                    {{"client", "per_zclient"}, {"team", {"ines"}}, {"title", "Asylum"}}));
    });
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  static store::Record Entity(domain::EntityKind kind, const std::string& id, Json body) {
    store::Record r;
    r.kind = kind;
    r.id = id;
    r.body = std::move(body);
    r.created_at = r.updated_at = "2026-11-30T12:00:00Z";
    return r;
  }
  Actor Ines() { return Actor{"ines", "lawyer", "192.0.2.7"}; }

};

TEST_F(SearchScaleTest, TheClientIsFoundBehindThousandsOfOthersOfTheSameName) {
  Load(3000);
  auto r = svc_->Search(Ines(), "okafor", "", 10);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ((*r)["results"].size(), 1u) << r->dump();
  EXPECT_EQ((*r)["results"][0]["id"], "per_zclient");
  EXPECT_FALSE(r->contains("truncated"));
  // The operator sees everyone, in id order.
  auto all = svc_->Search(Actor::Operator(), "okafor", "person", 5);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ((*all)["results"].size(), 5u);
  EXPECT_EQ((*all)["results"][0]["id"], "per_a000000");
  EXPECT_EQ((*all)["results"][4]["id"], "per_a000004");
}

TEST_F(SearchScaleTest, AQueryThatWouldReadMoreThanItsLimitSaysSo) {
  Load(20000);
  auto r = svc_->Search(Ines(), "okafor", "", 10);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE((*r)["results"].empty()) << r->dump();
  EXPECT_EQ(r->value("truncated", false), true) << r->dump();
  // Narrowed by a second word, the client is found.
  auto narrowed = svc_->Search(Ines(), "okafor amara", "", 10);
  ASSERT_TRUE(narrowed.ok());
  ASSERT_EQ((*narrowed)["results"].size(), 1u) << narrowed->dump();
  EXPECT_EQ((*narrowed)["results"][0]["id"], "per_zclient");
}

}  // namespace
}  // namespace refuge::app
