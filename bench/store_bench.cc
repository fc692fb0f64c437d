// Loads a generated dataset into each database through the import path (the
// same code as `refuge import`), then asks for chronologies of random people.
// Prints rows per second for the load and the chronology latency (p50, p99).
//
//   store_bench [--persons N] [--events-per-person M] [--part P] [--queries Q]
//               [--db sqlite] [--db postgresql://...]
//
// Each --db is loaded in turn (default: sqlite only); a PostgreSQL database must
// be empty. The SQLite database is made in a temporary data dir. Parts of P
// people (with their matters and events) are imported one transaction each.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "dataset.h"
#include "refuge/app/installation.h"
#include "refuge/base/clock.h"
#include "refuge/store/postgres/postgres_store.h"

namespace {

using Clock = std::chrono::steady_clock;
using refuge::app::Actor;

struct Options {
  int persons = 20000;
  int events_per_person = 10;
  int part = 5000;
  int queries = 2000;
  std::vector<std::string> dbs;
};

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

int Run(const Options& o, const std::string& db) {
  const bool pg = refuge::store::IsPostgresUrl(db);
  const std::string name = pg ? "postgresql" : "sqlite";
  std::string tmpl = (std::filesystem::temp_directory_path() / "refuge-bench-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    std::perror("mkdtemp");
    return 74;
  }
  const std::string dir = tmpl;
  auto svc = refuge::app::OpenInstallation(refuge::app::InstallationOptions{dir + "/data", pg ? db : ""},
                                           refuge::SystemClock::Instance(), /*seed_facilities=*/false);
  if (!svc.ok()) {
    std::fprintf(stderr, "%s: %s\n", name.c_str(), svc.status().ToString().c_str());
    return 74;
  }
  // The view is measured as computed, not as answered again from the cache.
  (*svc)->view_cache().set_max_bytes(0);
  int64_t existing = 0;
  (void)(*svc)->store().Read([&](refuge::store::Db& d) -> refuge::Status {
    auto n = d.CountEvents();
    if (n.ok()) existing = *n;
    return refuge::Status::Ok();
  });
  if (existing > 0) {
    std::fprintf(stderr, "%s: the database already holds %lld events; give an empty one\n", name.c_str(),
                 static_cast<long long>(existing));
    return 2;
  }

  // The load: parts of the dataset, each imported in one transaction.
  int64_t rows = 0;
  Clock::duration loading{};
  for (int first = 0; first < o.persons; first += o.part) {
    const int count = std::min(o.part, o.persons - first);
    nlohmann::json doc = refuge::testing::GeneratedBackup(first, count, o.events_per_person);
    for (const char* section : {"people", "organizations", "facilities", "matters", "users", "events"}) {
      if (doc.contains(section)) rows += static_cast<int64_t>(doc[section].size());
    }
    auto start = Clock::now();
    refuge::Status s = (*svc)->Import(Actor::Operator(), doc);
    loading += Clock::now() - start;
    if (!s.ok()) {
      std::fprintf(stderr, "%s: import of part %d failed: %s\n", name.c_str(), first, s.ToString().c_str());
      return 70;
    }
    std::fprintf(stderr, "\r%s: %d of %d people loaded", name.c_str(), first + count, o.persons);
  }
  std::fprintf(stderr, "\n");

  // The chronology of random people: the database query, and the whole view as
  // the API computes it.
  std::mt19937 rng(20260901);
  std::uniform_int_distribution<int> pick(0, o.persons - 1);
  std::vector<double> query_ms, view_ms;
  size_t events_seen = 0;
  for (int q = 0; q < o.queries; ++q) {
    char id[32];
    std::snprintf(id, sizeof id, "per_g%07d", pick(rng));
    auto start = Clock::now();
    refuge::Status s = (*svc)->store().Read([&](refuge::store::Db& d) -> refuge::Status {
      auto events = d.EventsOfSubject(id, false);
      if (!events.ok()) return events.status();
      events_seen += events->size();
      return refuge::Status::Ok();
    });
    query_ms.push_back(Seconds(Clock::now() - start) * 1000);
    start = Clock::now();
    auto view = (*svc)->PersonChronology(Actor::Operator(), id, false);
    view_ms.push_back(Seconds(Clock::now() - start) * 1000);
    if (!s.ok() || !view.ok()) {
      std::fprintf(stderr, "%s: chronology of %s failed: %s\n", name.c_str(), id,
                   (!s.ok() ? s : view.status()).ToString().c_str());
      return 70;
    }
  }
  std::printf("%-10s %9d people %10lld rows  load %8.1f s  %9.0f rows/s  "
              "chronology query p50 %6.2f ms p99 %6.2f ms  view p50 %6.2f ms p99 %6.2f ms  (%.1f events each)\n",
              name.c_str(), o.persons, static_cast<long long>(rows), Seconds(loading),
              static_cast<double>(rows) / Seconds(loading), Percentile(query_ms, 0.5), Percentile(query_ms, 0.99),
              Percentile(view_ms, 0.5), Percentile(view_ms, 0.99),
              static_cast<double>(events_seen) / std::max(1, o.queries));
  svc->reset();
  if (!pg) {
    std::error_code ec;
    uintmax_t bytes = 0;
    for (const char* f : {"/data/refuge.db", "/data/refuge.db-wal"}) {
      auto n = std::filesystem::file_size(dir + f, ec);
      if (!ec) bytes += n;
    }
    std::printf("sqlite database size: %.0f MB\n", static_cast<double>(bytes) / (1 << 20));
  }
  std::fflush(stdout);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--persons") {
      o.persons = std::atoi(next().c_str());
    } else if (a == "--events-per-person") {
      o.events_per_person = std::atoi(next().c_str());
    } else if (a == "--part") {
      o.part = std::atoi(next().c_str());
    } else if (a == "--queries") {
      o.queries = std::atoi(next().c_str());
    } else if (a == "--db") {
      o.dbs.push_back(next());
    } else {
      std::fprintf(stderr,
                   "usage: %s [--persons N] [--events-per-person M] [--part P] [--queries Q] "
                   "[--db sqlite|postgresql://...]...\n",
                   argv[0]);
      return 2;
    }
  }
  if (o.persons < 1 || o.events_per_person < 0 || o.part < 1 || o.queries < 1) {
    std::fprintf(stderr, "sizes must be positive\n");
    return 2;
  }
  if (o.dbs.empty()) o.dbs.push_back("sqlite");
  for (const auto& db : o.dbs) {
    int rc = Run(o, db);
    if (rc != 0) return rc;
  }
  return 0;
}
