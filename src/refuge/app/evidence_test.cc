// The evidence service on a real SQLite store and vault, without a server.
#include "refuge/app/evidence.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>

#include "refuge/app/service.h"
#include "refuge/store/sqlite/sqlite_store.h"
#include "refuge/vault/test_support.h"

namespace refuge::app {
namespace {

class EvidenceServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = store::OpenSqliteStore(dir_.path() + "/refuge.db");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto rules = rules::LoadRuleConfig(dir_.path());
    ASSERT_TRUE(rules.ok());
    svc_ = std::make_unique<Service>(std::move(store).value(), clock_, std::move(rules).value(),
                                     auth::SigningKey::Ephemeral());
    Json people = Json::array({{{"id", "per_amara_okafor"}, {"name", "Amara Okafor"}}});
    ASSERT_TRUE(
        svc_->Import(Actor::Operator(),
                     Json{{"format", "refuge-backup"}, {"format_version", 1}, {"people", people}})
            .ok());
    auto vault = vault::Vault::Open(dir_.path(), "a long vault passphrase for tests", true,
                                    vault::PosixDisk(), vault::testing::FastKdf());
    ASSERT_TRUE(vault.ok()) << vault.status().ToString();
    evidence_ = std::make_unique<EvidenceService>(svc_->store(), clock_, std::move(vault).value(),
                                                  auth::SigningKey::Ephemeral());
  }

  // An upload as the API receives it: the file in pieces, then Finish.
  Result<Json> Upload(const std::string& filename, const std::string& content) {
    NewEvidence in;
    in.subject = "per_amara_okafor";
    in.filename = filename;
    REFUGE_ASSIGN_OR_RETURN(auto upload, evidence_->BeginUpload(Actor::Operator(), std::move(in)));
    REFUGE_RETURN_IF_ERROR(upload->Write(content.data(), content.size()));
    return upload->Finish();
  }

  vault::testing::ScratchDir dir_;
  FakeClock clock_{1796040000};  // 2026-11-30T12:00:00Z
  std::unique_ptr<Service> svc_;
  std::unique_ptr<EvidenceService> evidence_;
};

// Found by fuzz/evidence_upload_fuzz.cc: an upload whose file name was not UTF-8
// (a Latin-1 "scan°1.png") failed with an internal error, because its custody
// entry could not be written as JSON.
TEST_F(EvidenceServiceTest, FileNamesAreKeptAsValidUtf8WithoutControlCharacters) {
  const std::pair<std::string, std::string> cases[] = {
      {"scan\xb0"
       "1.png",
       "scan_1.png"},
      {"C:\\Users\\amara\\证据 café.jpg", "证据 café.jpg"},
      {"a\xc2\x9b[31mred.txt", "a__[31mred.txt"},  // a C1 control (CSI)
      {"over\xc0\xaflong.txt", "over__long.txt"},
      {"cut\xe2\x82", "cut__"},
  };
  int n = 0;
  for (const auto& [given, kept] : cases) {
    auto stored = Upload(given, "exhibit " + std::to_string(++n));
    ASSERT_TRUE(stored.ok()) << stored.status().ToString();
    const std::string id = (*stored)["id"];
    auto record = evidence_->Get(Actor::Operator(), id);
    ASSERT_TRUE(record.ok()) << record.status().ToString();
    EXPECT_EQ((*record)["filename"], kept);
    auto custody = evidence_->CustodyLog(Actor::Operator(), id);
    ASSERT_TRUE(custody.ok()) << custody.status().ToString();
    EXPECT_TRUE((*custody)["ok"].get<bool>()) << custody->dump();
  }
}

}  // namespace
}  // namespace refuge::app
