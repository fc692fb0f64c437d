#pragma once

// For app tests: a Service on a new SQLite database in a temporary directory,
// with a clock the test moves.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "refuge/app/service.h"
#include "refuge/store/sqlite/sqlite_store.h"

namespace refuge::app {

inline constexpr int64_t kServiceTestStart = 1796040000;  // 2026-11-30T12:00:00Z

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "refuge-app-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto store = store::OpenSqliteStore(dir_ + "/refuge.db");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto rules = rules::LoadRuleConfig(dir_);
    ASSERT_TRUE(rules.ok());
    svc_ = std::make_unique<Service>(std::move(store).value(), clock_, std::move(rules).value(),
                                     auth::SigningKey::Ephemeral());
  }
  void TearDown() override {
    svc_.reset();
    std::filesystem::remove_all(dir_);
  }

  FakeClock clock_{kServiceTestStart};
  std::string dir_;
  std::unique_ptr<Service> svc_;
};

}  // namespace refuge::app
