// The API's description (docs/openapi.json, compiled in) against the routes the
// server really registers, in both directions.
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <utility>

#include "refuge/api/http.h"
#include "refuge/api/server.h"
#include "refuge/app/evidence.h"
#include "refuge/app/service.h"
#include "refuge/app/service_test_support.h"
#include "refuge/base/assets.h"
#include "refuge/vault/test_support.h"

namespace refuge::api {
namespace {

TEST(PathTemplate, TurnsEachGroupIntoAnUnnamedParameter) {
  EXPECT_EQ(PathTemplate("/api/v1/health"), "/api/v1/health");
  EXPECT_EQ(PathTemplate(R"(/api/v1/people/([A-Za-z0-9_-]+)/audit)"), "/api/v1/people/{}/audit");
  EXPECT_EQ(PathTemplate(R"(/api/v1/users/([A-Za-z0-9._-]+))"), "/api/v1/users/{}");
  EXPECT_EQ(PathTemplate("/api/v1/calendar.ics"), "/api/v1/calendar.ics");
  // Regex syntax outside a group has no template.
  EXPECT_EQ(PathTemplate(".*"), std::nullopt);
  EXPECT_EQ(PathTemplate("/api/v1/(a(b))"), std::nullopt);
  EXPECT_EQ(PathTemplate("/api/v1/x+"), std::nullopt);
  EXPECT_EQ(UnnamedTemplate("/api/v1/people/{id}/audit"), "/api/v1/people/{}/audit");
}

// The server as `refuge serve` builds it, with the evidence vault, never bound.
class OpenApiTest : public app::ServiceTest {
 protected:
  void SetUp() override {
    app::ServiceTest::SetUp();
    auto vault = vault::Vault::Open(dir_, "a long vault passphrase for tests", true,
                                    vault::PosixDisk(), vault::testing::FastKdf());
    ASSERT_TRUE(vault.ok()) << vault.status().ToString();
    evidence_ = std::make_unique<app::EvidenceService>(svc_->store(), clock_, std::move(vault).value(),
                                                       auth::SigningKey::Ephemeral());
    ServerOptions options;
    options.port = 0;
    server_ = std::make_unique<ApiServer>(*svc_, options, evidence_.get());
    auto text = Asset("openapi_json");
    ASSERT_TRUE(text.has_value());
    auto doc = ParseJson(*text);
    ASSERT_TRUE(doc.ok()) << doc.status().ToString();
    doc_ = std::move(doc).value();
  }

  // "METHOD /api/v1/path/{}" for every route the server registered.
  std::set<std::string> Registered() {
    std::set<std::string> out;
    for (const auto& r : server_->Routes()) {
      auto path = PathTemplate(r.pattern);
      EXPECT_TRUE(path.has_value()) << r.method << " " << r.pattern << " has no path template";
      if (path) out.insert(r.method + " " + *path);
    }
    return out;
  }

  // The same for every operation of the description.
  std::set<std::string> Described() {
    std::set<std::string> out;
    for (const auto& [path, item] : doc_["paths"].items()) {
      for (const auto& [method, op] : item.items()) {
        std::string upper;
        for (char c : method) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        out.insert(upper + " " + UnnamedTemplate(path));
      }
    }
    return out;
  }

  void TearDown() override {
    server_.reset();
    evidence_.reset();
    app::ServiceTest::TearDown();
  }

  std::unique_ptr<app::EvidenceService> evidence_;
  std::unique_ptr<ApiServer> server_;
  Json doc_;
};

TEST_F(OpenApiTest, EveryRegisteredRouteIsDescribed) {
  const std::set<std::string> described = Described();
  const std::set<std::string> registered = Registered();
  EXPECT_GT(registered.size(), 60u);  // the whole API, evidence included
  for (const std::string& route : registered) {
    EXPECT_EQ(route.rfind(" /api/v1/"), route.find(' ')) << route << " is outside /api/v1";
    EXPECT_TRUE(described.count(route)) << route << " is served but not in docs/openapi.json";
  }
}

TEST_F(OpenApiTest, EveryDescribedOperationIsRegistered) {
  const std::set<std::string> registered = Registered();
  for (const std::string& op : Described()) {
    EXPECT_TRUE(registered.count(op)) << op << " is in docs/openapi.json but not served";
  }
}

TEST_F(OpenApiTest, NoRouteIsRegisteredTwice) {
  EXPECT_EQ(Registered().size(), server_->Routes().size());
}

}  // namespace
}  // namespace refuge::api
