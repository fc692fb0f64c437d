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

// The database the integration tests run on. By default the binary's own default,
// the SQLite file in each data dir. With REFUGE_TEST_BACKEND=postgres (ctest runs
// every integration test a second time so, as "postgres:NAME"), each data dir
// gets a fresh PostgreSQL database on the test cluster (REFUGE_TEST_PG_DSN),
// created on first use and dropped with the TempDir that holds the data dir.
bool OnPostgres();
// The --db value for `data_dir` under the current backend: "" on SQLite.
std::string DatabaseFor(const std::string& data_dir);

// Runs SQL on a data dir's database the way someone with direct access to it
// could: the SQLite file in the data dir, or on PostgreSQL the data dir's
// database. `ok` is false, with the database's message, when the SQL failed.
struct SqlResult {
  bool ok = false;
  std::string error;
  std::string first;  // the first column of the first row, "" when none
};
SqlResult SqlOnDataDir(const std::string& data_dir, const std::string& sql);
// Copies a data dir and, on PostgreSQL, its database (nothing may be using it).
void CopyDataDir(const std::string& from, const std::string& to);

// The output and exit code of one run of the refuge binary.
struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
// Runs the real binary with `args`, feeding `stdin_text`. The database goes in
// REFUGE_DB (which --db overrides): `db`, or when `db` is "" DatabaseFor the
// command's --data dir; REFUGE_DB is unset for the SQLite default.
RunResult RunRefuge(const std::vector<std::string>& args, const std::string& stdin_text = "",
                    const std::string& db = "");

// `refuge serve` on a free loopback port, as a child process.
class ServerProcess {
 public:
  // `db` is the database (REFUGE_DB); "" for DatabaseFor(data_dir).
  // `extra_args` are added to the serve command line (e.g. --tls-cert FILE).
  explicit ServerProcess(const std::string& data_dir, const std::string& db = "",
                         const std::vector<std::string>& extra_args = {});
  ~ServerProcess();
  int port() const { return port_; }
  // The server's process id, e.g. to read its memory use from /proc.
  int pid() const { return pid_; }
  // Stops the server with SIGTERM (clean) or SIGKILL (crash) and waits for it.
  void Stop(bool kill = false);
  std::unique_ptr<httplib::Client> Client() const;

 private:
  int pid_ = -1;
  int port_ = 0;
};

// A TCP connection to `port` on 127.0.0.1, for tests that speak raw HTTP (a slow
// client, a body cut off, bytes no client library would send); -1 on failure.
// The caller closes it.
int ConnectLoopback(int port);

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
