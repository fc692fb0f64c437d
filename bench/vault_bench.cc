// Ingest and verify throughput of the evidence vault on one file, for
// bench/vault_bench.sh. Unlocking (Argon2id) is done once, before timing: it
// costs the same for any file size. Prints one JSON line per run.
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>

#include "refuge/vault/object_store.h"
#include "refuge/vault/vault.h"

namespace {

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

long PeakRssKiB() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: vault_bench FILE DATA_DIR RUNS\n";
    return 2;
  }
  const std::string file = argv[1], data_dir = argv[2];
  const int runs = std::stoi(argv[3]);
  using refuge::vault::Vault;
  auto vault = Vault::Open(data_dir, "benchmark passphrase, not secret", /*create=*/true);
  if (!vault.ok()) {
    std::cerr << vault.status().ToString() << "\n";
    return 1;
  }
  auto& objects = (*vault)->objects();
  for (int run = 0; run < runs; ++run) {
    // A fresh vault object each run: a second add of the same bytes would verify
    // the stored copy instead of writing one.
    std::filesystem::remove_all((*vault)->dir() + "/objects");
    std::filesystem::create_directories((*vault)->dir() + "/objects");

    auto start = std::chrono::steady_clock::now();
    int fd = ::open(file.c_str(), O_RDONLY);
    if (fd < 0) {
      std::perror(file.c_str());
      return 1;
    }
    auto writer = objects.NewWriter();
    if (!writer.ok()) return 1;
    // As `refuge evidence add` reads a file.
    if (!(*writer)->WriteFrom(fd, file).ok()) return 1;
    ::close(fd);
    const uint64_t total = (*writer)->bytes();
    auto info = (*writer)->Finish();
    if (!info.ok()) {
      std::cerr << info.status().ToString() << "\n";
      return 1;
    }
    const double ingest = Seconds(start);

    start = std::chrono::steady_clock::now();
    auto check = objects.Verify(info->name);
    const double verify = Seconds(start);
    if (!check.ok || check.sha256 != info->sha256) {
      std::cerr << "verification failed: " << check.problem << "\n";
      return 1;
    }
    std::printf("{\"bytes\": %llu, \"ingest_seconds\": %.4f, \"verify_seconds\": %.4f, \"sha256\": \"%s\", "
                "\"peak_rss_kib\": %ld}\n",
                static_cast<unsigned long long>(total), ingest, verify, info->sha256.c_str(), PeakRssKiB());
    std::fflush(stdout);
  }
  return 0;
}
