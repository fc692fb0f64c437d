#include "refuge_process.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "postgres_test_db.h"

namespace refuge::testing {

namespace {

// The PostgreSQL databases of data dirs, by the data dir's absolute path.
struct DatabaseRegistry {
  std::mutex mu;
  std::map<std::string, std::unique_ptr<ScratchDatabase>> by_dir;
};

DatabaseRegistry& Registry() {
  static DatabaseRegistry* r = new DatabaseRegistry();
  return *r;
}

std::string Normalized(const std::string& path) {
  return std::filesystem::absolute(path).lexically_normal().string();
}

// Drops the databases of the data dirs inside `dir` (when `gone` goes, outside the lock).
void DropDatabasesUnder(const std::string& dir) {
  const std::string root = Normalized(dir);
  std::vector<std::unique_ptr<ScratchDatabase>> gone;
  {
    auto& reg = Registry();
    std::lock_guard<std::mutex> lock(reg.mu);
    for (auto it = reg.by_dir.begin(); it != reg.by_dir.end();) {
      if (it->first == root || it->first.rfind(root + "/", 0) == 0) {
        gone.push_back(std::move(it->second));
        it = reg.by_dir.erase(it);
      } else {
        ++it;
      }
    }
  }
}

// On PostgreSQL without a test cluster the run stops before any test with exit
// code 77, which ctest counts as skipped (SKIP_RETURN_CODE in CMakeLists.txt).
class BackendCheck : public ::testing::Environment {
 public:
  void SetUp() override {
    if (OnPostgres() && TestServerDsn().empty()) {
      std::fprintf(stderr, "skipped: REFUGE_TEST_BACKEND=postgres needs REFUGE_TEST_PG_DSN; "
                           "run under scripts/with-postgres.sh\n");
      std::fflush(nullptr);
      std::_Exit(77);
    }
  }
};
[[maybe_unused]] ::testing::Environment* const kBackendCheck =
    ::testing::AddGlobalTestEnvironment(new BackendCheck);

}  // namespace

bool OnPostgres() {
  const char* b = std::getenv("REFUGE_TEST_BACKEND");
  return b != nullptr && std::string(b) == "postgres";
}

std::string DatabaseFor(const std::string& data_dir) {
  if (!OnPostgres()) return "";
  const std::string key = Normalized(data_dir);
  auto& reg = Registry();
  std::lock_guard<std::mutex> lock(reg.mu);
  auto& db = reg.by_dir[key];
  if (!db) db = std::make_unique<ScratchDatabase>();
  return db->url();
}

SqlResult SqlOnDataDir(const std::string& data_dir, const std::string& sql) {
  SqlResult r;
  if (OnPostgres()) {
    try {
      r.first = ExecSql(DatabaseFor(data_dir), sql);
      r.ok = true;
    } catch (const std::exception& e) {
      r.error = e.what();
    }
    return r;
  }
  sqlite3* db = nullptr;
  if (sqlite3_open_v2((data_dir + "/refuge.db").c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    r.error = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return r;
  }
  char* err = nullptr;
  int rc = sqlite3_exec(
      db, sql.c_str(),
      [](void* out, int n, char** values, char**) {
        auto* first = static_cast<std::string*>(out);
        if (first->empty() && n > 0 && values[0] != nullptr) *first = values[0];
        return 0;
      },
      &r.first, &err);
  r.ok = rc == SQLITE_OK;
  if (err != nullptr) r.error = err;
  sqlite3_free(err);
  sqlite3_close(db);
  return r;
}

void CopyDataDir(const std::string& from, const std::string& to) {
  std::filesystem::copy(from, to, std::filesystem::copy_options::recursive);
  if (!OnPostgres()) return;
  DatabaseFor(from);
  auto& reg = Registry();
  std::lock_guard<std::mutex> lock(reg.mu);
  const std::string source = reg.by_dir[Normalized(from)]->name();
  reg.by_dir[Normalized(to)] = std::make_unique<ScratchDatabase>(source);
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "refuge-test-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  DropDatabasesUnder(path_);
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

namespace {

std::string ReadAll(int fd) {
  std::string out;
  char buf[65536];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

// This process's environment with REFUGE_DB, the database a refuge command uses
// when no --db is given, set to `url` (left out when `url` is "").
std::vector<std::string> EnvironmentWithDatabase(const std::string& url) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "REFUGE_DB=", 10) != 0) env.emplace_back(*e);
  }
  if (!url.empty()) env.push_back("REFUGE_DB=" + url);
  return env;
}

std::vector<char*> Argv(std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return argv;
}

}  // namespace

RunResult RunRefuge(const std::vector<std::string>& args, const std::string& stdin_text,
                    const std::string& db) {
  std::vector<std::string> full = {REFUGE_BINARY};
  full.insert(full.end(), args.begin(), args.end());
  std::string data_dir;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--data" && i + 1 < args.size()) data_dir = args[i + 1];
    if (args[i].rfind("--data=", 0) == 0) data_dir = args[i].substr(7);
  }
  const std::string url = !db.empty() ? db : data_dir.empty() ? "" : DatabaseFor(data_dir);
  int in[2], out[2], err[2];
  if (pipe(in) || pipe(out) || pipe(err)) throw std::runtime_error("pipe failed");
  std::vector<std::string> env = EnvironmentWithDatabase(url);
  auto argv = Argv(full);
  auto envp = Argv(env);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) close(fd);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  std::thread writer([&] {
    size_t off = 0;
    while (off < stdin_text.size()) {
      ssize_t n = write(in[1], stdin_text.data() + off, stdin_text.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    close(in[1]);
  });
  RunResult r;
  std::thread err_reader([&] { r.err = ReadAll(err[0]); });
  r.out = ReadAll(out[0]);
  err_reader.join();
  writer.join();
  close(out[0]);
  close(err[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

ServerProcess::ServerProcess(const std::string& data_dir, const std::string& db,
                             const std::vector<std::string>& extra_args) {
  std::vector<std::string> args = {REFUGE_BINARY, "serve", "--data", data_dir, "--listen",
                                   "127.0.0.1:0"};
  const std::string url = db.empty() ? DatabaseFor(data_dir) : db;
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<std::string> env = EnvironmentWithDatabase(url);
  auto argv = Argv(args);
  auto envp = Argv(env);
  int out[2];
  if (pipe(out)) throw std::runtime_error("pipe failed");
  pid_ = fork();
  if (pid_ == 0) {
    // The server goes when the test does, even one that crashes.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(out[1], 1);
    close(out[0]);
    close(out[1]);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close(out[1]);
  // The first line names the port: "Refuge is listening on http://127.0.0.1:PORT/".
  std::string line;
  char c;
  while (read(out[0], &c, 1) == 1 && c != '\n') line += c;
  close(out[0]);
  size_t colon = line.rfind(':');
  if (colon == std::string::npos) throw std::runtime_error("server did not start: " + line);
  port_ = std::atoi(line.c_str() + colon + 1);
  if (port_ <= 0) throw std::runtime_error("server did not report a port: " + line);
}

ServerProcess::~ServerProcess() { Stop(); }

void ServerProcess::Stop(bool kill_it) {
  if (pid_ <= 0) return;
  ::kill(pid_, kill_it ? SIGKILL : SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::unique_ptr<httplib::Client> ServerProcess::Client() const {
  auto c = std::make_unique<httplib::Client>("127.0.0.1", port_);
  c->set_read_timeout(30);
  return c;
}

int ConnectLoopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

ApiClient::ApiClient(const ServerProcess& server) : http_(server.Client()) {}

ApiClient::ApiClient(const ServerProcess& server, const std::string& user,
                     const std::string& password)
    : http_(server.Client()) {
  auto r = Post("/api/v1/session", Json{{"username", user}, {"password", password}});
  if (r.status != 201) throw std::runtime_error("login failed: " + r.raw);
  token_ = r.body["token"];
}

std::string ApiClient::Response::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

ApiClient::Response ApiClient::Send(const std::string& method, const std::string& path,
                                    const std::string& body, const std::string& content_type,
                                    const httplib::Headers& extra) {
  httplib::Request req;
  req.method = method;
  req.path = path;
  req.headers = extra;
  if (!token_.empty()) req.headers.emplace("Authorization", "Bearer " + token_);
  if (!content_type.empty()) req.headers.emplace("Content-Type", content_type);
  req.body = body;
  auto res = http_->send(req);
  Response r;
  if (!res) throw std::runtime_error("HTTP request failed: " + method + " " + path);
  r.status = res->status;
  r.raw = res->body;
  r.headers = res->headers;
  r.body = Json::parse(res->body, nullptr, false);
  return r;
}

ApiClient::Response ApiClient::Get(const std::string& path) { return Send("GET", path, "", ""); }
ApiClient::Response ApiClient::Post(const std::string& path, const Json& body) {
  return Send("POST", path, body.dump(), "application/json");
}
ApiClient::Response ApiClient::Put(const std::string& path, const Json& body,
                                   const std::string& if_match) {
  httplib::Headers h;
  if (!if_match.empty()) h.emplace("If-Match", if_match);
  return Send("PUT", path, body.dump(), "application/json", h);
}
ApiClient::Response ApiClient::Patch(const std::string& path, const Json& body,
                                     const std::string& if_match) {
  httplib::Headers h;
  if (!if_match.empty()) h.emplace("If-Match", if_match);
  return Send("PATCH", path, body.dump(), "application/json", h);
}

}  // namespace refuge::testing
