// GET /api/v1/openapi.json: the description in docs/ as served, without a login.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "refuge_process.h"

namespace refuge::testing {
namespace {

TEST(OpenApiEndpoint, ServesTheDescriptionInDocsWithoutALogin) {
  TempDir dir;
  auto r = RunRefuge({"demo", "--data", dir.path()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ServerProcess server(dir.path());
  ApiClient anonymous(server);
  auto res = anonymous.Get("/api/v1/openapi.json");
  ASSERT_EQ(res.status, 200) << res.raw;
  EXPECT_EQ(res.Header("Content-Type"), "application/json");
  std::ifstream in(std::string(REFUGE_SOURCE_DIR) + "/docs/openapi.json");
  std::stringstream file;
  file << in.rdbuf();
  EXPECT_EQ(res.raw, file.str());
  EXPECT_EQ(res.body["openapi"], "3.1.0");
  EXPECT_TRUE(res.body["paths"].contains("/api/v1/openapi.json"));
  // The rest of the API still wants a login.
  EXPECT_EQ(anonymous.Get("/api/v1/me").status, 401);
}

}  // namespace
}  // namespace refuge::testing
