// refuge-bench: the tools the benchmarks under bench/ share.
//
//   refuge-bench gen --persons N [--seed S] --out FILE [--csv FILE]
//       A synthetic national dataset in the `refuge import` format (bench/generator.h).
//   refuge-bench queries --persons N [--seed S] [--count C]
//       Search queries that hit that dataset, one per line, URL-encoded.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>

#include "generator.h"

namespace {

std::string UrlEncode(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f) std::fclose(f);
  }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Benchmark tools for Refuge"};
  app.require_subcommand(1);
  refuge::bench::GeneratorOptions o;
  std::string out_path, csv_path;
  auto* gen = app.add_subcommand("gen", "Write a synthetic dataset in the import format");
  gen->add_option("--persons", o.persons, "Number of persons")->required();
  gen->add_option("--seed", o.seed, "Seed: the same seed gives the same bytes");
  gen->add_option("--out", out_path, "Output file ('-' for standard output)")->required();
  gen->add_option("--csv", csv_path, "Also write the events as CSV rows to this file");
  gen->add_option("--password", o.password, "Password of every user of the dataset");
  gen->add_option("--long-case-events", o.long_case_events, "Events of person 0's first matter");
  int count = 1000;
  auto* queries = app.add_subcommand("queries", "Print search queries for a dataset, one per line");
  queries->add_option("--persons", o.persons, "Number of persons")->required();
  queries->add_option("--seed", o.seed, "Seed of the dataset");
  queries->add_option("--count", count, "Number of queries");
  CLI11_PARSE(app, argc, argv);

  if (*queries) {
    for (const auto& q : refuge::bench::SearchQueries(o, count)) std::cout << UrlEncode(q) << "\n";
    return 0;
  }
  File out(out_path == "-" ? nullptr : std::fopen(out_path.c_str(), "wb"));
  std::FILE* out_file = out_path == "-" ? stdout : out.get();
  if (!out_file) {
    std::perror(out_path.c_str());
    return 74;
  }
  File csv(csv_path.empty() ? nullptr : std::fopen(csv_path.c_str(), "wb"));
  if (!csv_path.empty() && !csv) {
    std::perror(csv_path.c_str());
    return 74;
  }
  const auto start = std::chrono::steady_clock::now();
  auto st = refuge::bench::Generate(o, out_file, csv.get());
  if (!st.ok()) {
    std::cerr << "refuge-bench gen: " << st.status().message() << "\n";
    return 1;
  }
  if (std::fflush(out_file) != 0 || (csv && std::fflush(csv.get()) != 0)) {
    std::cerr << "refuge-bench gen: cannot write the output\n";
    return 74;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr,
               "generated %lld persons, %lld matters, %lld events, %lld users (%.1f MiB) in %.1f s\n",
               static_cast<long long>(st->persons), static_cast<long long>(st->matters),
               static_cast<long long>(st->events), static_cast<long long>(st->users),
               static_cast<double>(st->bytes) / (1 << 20), seconds);
  return 0;
}
