#pragma once

#include <httplib.h>

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace refuge::testing {

using Json = nlohmann::json;

// A temporary directory, removed with everything in it when destroyed.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// The output and exit code of one run of the refuge binary.
struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
// Runs the real binary with `args`, feeding `stdin_text`.
RunResult RunRefuge(const std::vector<std::string>& args, const std::string& stdin_text = "");

// `refuge serve` on a free loopback port, as a child process.
class ServerProcess {
 public:
  explicit ServerProcess(const std::string& data_dir);
  ~ServerProcess();
  int port() const { return port_; }
  // Stops the server with SIGTERM (clean) or SIGKILL (crash) and waits for it.
  void Stop(bool kill = false);
  std::unique_ptr<httplib::Client> Client() const;

 private:
  int pid_ = -1;
  int port_ = 0;
};

// An HTTP client logged in as one user.
class ApiClient {
 public:
  ApiClient(const ServerProcess& server, const std::string& user, const std::string& password);
  explicit ApiClient(const ServerProcess& server);  // not logged in

  struct Response {
    int status = 0;
    Json body;
    std::string raw;
    httplib::Headers headers;
    std::string Header(const std::string& name) const;
  };
  Response Get(const std::string& path);
  Response Post(const std::string& path, const Json& body);
  Response Put(const std::string& path, const Json& body, const std::string& if_match = "");
  Response Patch(const std::string& path, const Json& body, const std::string& if_match = "");
  Response Send(const std::string& method, const std::string& path, const std::string& body,
                const std::string& content_type, const httplib::Headers& extra = {});
  const std::string& token() const { return token_; }

 private:
  std::unique_ptr<httplib::Client> http_;
  std::string token_;
};

// The demo users' credentials (from `refuge demo`).
inline constexpr const char* kMaya = "maya";
inline constexpr const char* kMayaPassword = "demo-maya-lindqvist";

}  // namespace refuge::testing
