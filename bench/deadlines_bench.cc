// How cheap are deadlines? Computed on every read, they must cost microseconds a
// case and seconds for a million. The reference, measured in the same run, is a
// copy of the same case's events: the least any read of a case does.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>

#include "refuge/base/assets.h"
#include "refuge/domain/event.h"
#include "refuge/rules/engine.h"

namespace {

using refuge::domain::Event;

std::vector<Event> DemoEvents() {
  auto text = refuge::Asset("demo_json");
  auto doc = refuge::domain::Json::parse(*text);
  auto events = refuge::domain::EventsFromJsonArray(doc["events"], false);
  if (!events.ok()) std::abort();
  return events.value();
}

const int64_t kNow = 1796040000;  // 2026-11-30T12:00:00Z

void BM_DeadlinesOfOneCase(benchmark::State& state) {
  auto events = DemoEvents();
  auto rules = refuge::rules::RuleSet::BuiltIn().value();
  refuge::rules::Calendar calendar;
  for (auto _ : state) {
    auto d = refuge::rules::ComputeDeadlines(events, rules, calendar, kNow);
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_DeadlinesOfOneCase);

void BM_ReferenceCopyEvents(benchmark::State& state) {
  auto events = DemoEvents();
  for (auto _ : state) {
    auto copy = events;
    benchmark::DoNotOptimize(copy);
  }
}
BENCHMARK(BM_ReferenceCopyEvents);

void BM_DeadlinesOfManyCases(benchmark::State& state) {
  auto events = DemoEvents();
  auto rules = refuge::rules::RuleSet::BuiltIn().value();
  refuge::rules::Calendar calendar;
  for (auto _ : state) {
    size_t n = 0;
    for (int64_t i = 0; i < state.range(0); ++i) {
      n += refuge::rules::ComputeDeadlines(events, rules, calendar, kNow).size();
    }
    benchmark::DoNotOptimize(n);
  }
  state.counters["cases"] = static_cast<double>(state.range(0));
}
BENCHMARK(BM_DeadlinesOfManyCases)->Arg(1000000)->Iterations(1)->Unit(benchmark::kSecond);

// Keeps each run's real time so the ratio can be printed at the end.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    // With repetitions, the median stands for the benchmark.
    for (const auto& r : runs) {
      if (r.run_type == Run::RT_Aggregate && r.aggregate_name != "median") continue;
      times_[r.run_name.function_name] = r.GetAdjustedRealTime();
    }
    ConsoleReporter::ReportRuns(runs);
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    auto d = times_.find("BM_DeadlinesOfOneCase"), c = times_.find("BM_ReferenceCopyEvents");
    if (d != times_.end() && c != times_.end() && c->second > 0) {
      std::printf("deadlines of one case / copy of its events: %.2f\n", d->second / c->second);
    }
  }

 private:
  std::map<std::string, double> times_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
