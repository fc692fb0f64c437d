#include "refuge_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace refuge::testing {

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "refuge-test-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
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

std::vector<char*> Argv(std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return argv;
}

}  // namespace

RunResult RunRefuge(const std::vector<std::string>& args, const std::string& stdin_text) {
  int in[2], out[2], err[2];
  if (pipe(in) || pipe(out) || pipe(err)) throw std::runtime_error("pipe failed");
  std::vector<std::string> full = {REFUGE_BINARY};
  full.insert(full.end(), args.begin(), args.end());
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) close(fd);
    auto argv = Argv(full);
    execv(argv[0], argv.data());
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

ServerProcess::ServerProcess(const std::string& data_dir) {
  int out[2];
  if (pipe(out)) throw std::runtime_error("pipe failed");
  std::vector<std::string> args = {REFUGE_BINARY, "serve", "--data", data_dir, "--listen",
                                   "127.0.0.1:0"};
  pid_ = fork();
  if (pid_ == 0) {
    dup2(out[1], 1);
    close(out[0]);
    close(out[1]);
    auto argv = Argv(args);
    execv(argv[0], argv.data());
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
