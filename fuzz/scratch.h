#pragma once
// The fuzz targets' scratch directories.
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string>

namespace refuge::fuzz {

// A scratch directory named after this process, in /dev/shm when there is one.
// Those of fuzzers that crashed (their process is gone) are removed first, since
// a crash skips the clean-up at exit. "" when it cannot be made.
inline std::string MakeScratch(const std::string& prefix) {
  std::string root = "/tmp";
  if (::access("/dev/shm", W_OK) == 0) {
    root = "/dev/shm";
  } else if (const char* t = std::getenv("TMPDIR"); t != nullptr && *t != '\0') {
    root = t;
  }
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(root, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    const std::string pid = name.substr(prefix.size());
    if (pid.empty() || pid.size() > 9 || pid.find_first_not_of("0123456789") != std::string::npos) continue;
    if (::kill(std::stoi(pid), 0) != 0 && errno == ESRCH) std::filesystem::remove_all(e.path(), ec);
  }
  const std::string dir = root + "/" + prefix + std::to_string(::getpid());
  std::filesystem::remove_all(dir, ec);
  return ::mkdir(dir.c_str(), 0700) == 0 ? dir : "";
}

}  // namespace refuge::fuzz
