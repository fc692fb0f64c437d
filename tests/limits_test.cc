// Hostile input: bodies too large for memory however they are framed or encoded,
// JSON built to cost memory, numbers and text the database cannot keep.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "refuge_process.h"

namespace refuge::testing {
namespace {

// The most memory the server process has ever held (VmHWM), in bytes.
long PeakMemory(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6) * 1024;
  }
  return -1;
}

constexpr long kMiB = 1024 * 1024;
// What a refused body may add to the server's peak memory.
constexpr long kAllowedGrowth = 20 * kMiB;

struct RawAnswer {
  int status = 0;
  std::string raw;  // headers and body
  Json body;
};

// Sends `head` (request line and headers, ending in an empty line), then `pieces`
// pieces of `piece` bytes each as chunks, on its own socket, and reads the answer.
// The server may stop reading and answer early; the sending then stops.
RawAnswer SendChunked(int port, const std::string& head, size_t pieces, const std::string& piece) {
  RawAnswer a;
  int fd = ConnectLoopback(port);
  if (fd < 0) return a;
  auto send_all = [fd](const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
      ssize_t n = send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  };
  std::ostringstream size;
  size << std::hex << piece.size();
  const std::string chunk = size.str() + "\r\n" + piece + "\r\n";
  bool ok = send_all(head);
  for (size_t i = 0; ok && i < pieces; ++i) ok = send_all(chunk);
  if (ok) send_all("0\r\n\r\n");
  char buf[65536];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof buf, 0)) > 0) {
    a.raw.append(buf, static_cast<size_t>(n));
    // One answer is enough; a kept-alive connection would not end by itself.
    size_t end = a.raw.find("\r\n\r\n");
    if (end == std::string::npos) continue;
    size_t cl = a.raw.find("Content-Length: ");
    if (cl != std::string::npos && cl < end &&
        a.raw.size() >= end + 4 + std::stoul(a.raw.substr(cl + 16))) {
      break;
    }
  }
  close(fd);
  if (a.raw.rfind("HTTP/1.1 ", 0) == 0) a.status = std::atoi(a.raw.c_str() + 9);
  size_t end = a.raw.find("\r\n\r\n");
  if (end != std::string::npos) a.body = Json::parse(a.raw.substr(end + 4), nullptr, false);
  return a;
}

std::string Gzip(size_t zeros) {
  std::string cmd = "head -c " + std::to_string(zeros) + " /dev/zero | gzip -c";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

// `count` empty arrays in one array: 3 bytes each, dozens of bytes each once parsed.
std::string EmptyArrays(size_t count) {
  std::string s = "[";
  s.reserve(count * 3 + 2);
  for (size_t i = 0; i < count; ++i) s += i == 0 ? "[]" : ",[]";
  return s + "]";
}

class HostileInput : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = RunRefuge({"demo", "--data", dir_.path()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    server_ = std::make_unique<ServerProcess>(dir_.path());
    api_ = std::make_unique<ApiClient>(*server_, kMaya, kMayaPassword);
    before_ = PeakMemory(server_->pid());
    ASSERT_GT(before_, 0);
  }
  long Growth() const { return PeakMemory(server_->pid()) - before_; }
  size_t EventCount() { return api_->Get("/api/v1/events?limit=1000").body["items"].size(); }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<ApiClient> api_;
  long before_ = 0;
};

TEST_F(HostileInput, ChunkedBodyWithoutSessionIsRefusedBeforeItIsKept) {
  const std::string head =
      "POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  // 2 MiB, then 32 MiB: both over the 64 KiB a request without a session may carry.
  for (size_t pieces : {32u, 512u}) {
    auto r = SendChunked(server_->port(), head, pieces, std::string(64 * 1024, ' '));
    EXPECT_EQ(r.status, 413) << r.raw.substr(0, 300);
    EXPECT_EQ(r.body["error"]["code"], "too_large") << r.raw.substr(0, 300);
  }
  EXPECT_LT(Growth(), kAllowedGrowth);
  EXPECT_EQ(api_->Get("/api/v1/me").status, 200);  // and the server carries on
}

TEST_F(HostileInput, ChunkedBodyWithSessionKeepsTheTenMiBLimit) {
  const std::string head =
      "POST /api/v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Authorization: Bearer " + api_->token() + "\r\nTransfer-Encoding: chunked\r\n\r\n";
  auto big = SendChunked(server_->port(), head, 176, std::string(64 * 1024, ' '));  // 11 MiB
  EXPECT_EQ(big.status, 413) << big.raw.substr(0, 300);
  EXPECT_LT(Growth(), kAllowedGrowth);
  // A chunked event over 64 KiB from a signed-in user is taken whole.
  const std::string note(90000, 'n');
  const std::string event =
      Json{{"type", "note"}, {"subject", "per_wen_hao"}, {"date", "2026-01-02"}, {"note", note}}.dump();
  const size_t before = EventCount();
  auto ok = SendChunked(server_->port(), head, 1, event);
  EXPECT_EQ(ok.status, 201) << ok.raw.substr(0, 300);
  EXPECT_EQ(EventCount(), before + 1);
}

TEST_F(HostileInput, BodyWithoutSessionOver64KiBIsRefusedWithContentLengthToo) {
  ApiClient anonymous(*server_);
  // 4 MB of `[],[],...` was read and parsed whole: some 90 MB of memory.
  auto r = anonymous.Send("POST", "/api/v1/session", EmptyArrays(1400000), "application/json");
  EXPECT_EQ(r.status, 413) << r.raw.substr(0, 300);
  EXPECT_EQ(r.body["error"]["code"], "too_large");
  EXPECT_LT(Growth(), kAllowedGrowth);
  // Within the limit, a login still works, and a signed-in user may send more.
  EXPECT_EQ(anonymous.Post("/api/v1/session", Json{{"username", kMaya}, {"password", kMayaPassword}}).status, 201);
  auto event = api_->Post("/api/v1/events", Json{{"type", "note"}, {"subject", "per_wen_hao"},
                                                 {"date", "2026-01-03"}, {"note", std::string(90000, 'm')}});
  EXPECT_EQ(event.status, 201) << event.raw.substr(0, 300);
}

TEST_F(HostileInput, CompressedBodyIsRefusedBeforeItIsInflated) {
  ApiClient anonymous(*server_);
  const std::string bomb = Gzip(64 * kMiB);  // about 64 KiB on the wire
  ASSERT_GT(bomb.size(), 1000u);
  ASSERT_LT(bomb.size(), 200000u);
  auto r = anonymous.Send("POST", "/api/v1/session", bomb, "application/json", {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(r.status, 415) << r.raw.substr(0, 300);
  EXPECT_EQ(r.body["error"]["field"], "Content-Encoding") << r.raw.substr(0, 300);
  auto authed = api_->Send("POST", "/api/v1/events", bomb, "application/json", {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(authed.status, 415) << authed.raw.substr(0, 300);
  EXPECT_LT(Growth(), kAllowedGrowth);
  EXPECT_EQ(api_->Get("/api/v1/me").status, 200);
}

TEST_F(HostileInput, JsonWithTooManyValuesIsRefusedBeforeItIsBuilt) {
  const size_t before = EventCount();
  // 9 MB, three million values: within the 10 MiB body limit of a signed-in user.
  auto wide = api_->Send("POST", "/api/v1/events", EmptyArrays(3000000), "application/json");
  EXPECT_EQ(wide.status, 413) << wide.raw.substr(0, 300);
  EXPECT_EQ(wide.body["error"]["code"], "too_large") << wide.raw.substr(0, 300);
  EXPECT_LT(Growth(), kAllowedGrowth);
  auto deep = api_->Send("POST", "/api/v1/events", std::string(100000, '[') + std::string(100000, ']'),
                         "application/json");
  EXPECT_EQ(deep.status, 400) << deep.raw.substr(0, 300);
  EXPECT_EQ(EventCount(), before);
}

TEST_F(HostileInput, UnknownEndpointReadsItsBodyThroughTheLimitToo) {
  const std::string head =
      "POST /api/v1/nothing-here HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  auto r = SendChunked(server_->port(), head, 512, std::string(64 * 1024, ' '));
  EXPECT_EQ(r.status, 413) << r.raw.substr(0, 300);
  EXPECT_LT(Growth(), kAllowedGrowth);
  EXPECT_EQ(api_->Send("PATCH", "/api/v1/nothing-here", "{}", "application/json").status, 404);
}

}  // namespace
}  // namespace refuge::testing

namespace refuge::testing {
namespace {

// An upload refused before its body is read must not leave the body to be taken
// for the next request: it could carry a request of an attacker's choosing.
TEST_F(HostileInput, ARefusedUploadsUnreadBodyIsNeverTakenForARequest) {
  const std::string smuggled = "GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string request = "POST /api/v1/evidence?subject=per_wen_hao HTTP/1.1\r\nHost: x\r\n"
                              "Content-Type: application/octet-stream\r\nContent-Length: " +
                              std::to_string(smuggled.size()) + "\r\n\r\n" + smuggled;
  int fd = ConnectLoopback(server_->port());
  ASSERT_GE(fd, 0);
  // The server keeps the connection open when it answers once: stop after a quiet while.
  timeval timeout{3, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ASSERT_EQ(send(fd, request.data(), request.size(), MSG_NOSIGNAL), static_cast<ssize_t>(request.size()));
  std::string raw;
  char buf[4096];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof buf, 0)) > 0) raw.append(buf, static_cast<size_t>(n));
  close(fd);
  ASSERT_EQ(raw.rfind("HTTP/1.1 4", 0), 0u) << raw.size() << " bytes: " << raw;
  size_t answers = 0;
  for (size_t at = raw.find("HTTP/1.1 "); at != std::string::npos; at = raw.find("HTTP/1.1 ", at + 1)) ++answers;
  EXPECT_EQ(answers, 1u) << raw;
}

TEST_F(HostileInput, NumbersOutOfRangeAreRefusedNamingTheField) {
  const size_t before = EventCount();
  const std::string head = R"({"type":"bond","action":"set","subject":"per_wen_hao","date":"2026-01-05","amount":)";
  auto huge = api_->Send("POST", "/api/v1/events", head + "1e400}", "application/json");
  EXPECT_EQ(huge.status, 422) << huge.raw;
  EXPECT_EQ(huge.body["error"]["field"], "amount") << huge.raw;
  auto negative = api_->Send("POST", "/api/v1/events", head + "-7500}", "application/json");
  EXPECT_EQ(negative.status, 422) << negative.raw;
  EXPECT_EQ(negative.body["error"]["field"], "amount") << negative.raw;
  EXPECT_EQ(EventCount(), before);
  auto ok = api_->Send("POST", "/api/v1/events", head + "7500}", "application/json");
  EXPECT_EQ(ok.status, 201) << ok.raw;
}

TEST_F(HostileInput, ControlCharactersInTextAreRefusedNamingTheField) {
  const size_t before = EventCount();
  struct Case {
    std::string path, body, field;
  } cases[] = {
      {"/api/v1/events", R"({"type":"note","subject":"per_wen_hao","date":"2026-01-06","note":"a\u0000b"})", "note"},
      {"/api/v1/events", R"({"type":"note","subject":"per_wen_hao","date":"2026-01-06","note":"bell\u0007"})", "note"},
      {"/api/v1/events", R"({"type":"note","subject":"per_wen_hao","date":"2026-01-06","note":"x\u009by"})", "note"},
      {"/api/v1/events", R"({"type":"hearing","subject":"per_wen_hao","date":"2026-01-06","kind":"master","judge":"A\nB"})", "judge"},
      {"/api/v1/people", R"({"name":"Wen\u0000Hao"})", "name"},
      {"/api/v1/people", R"({"name":"Wen Hao","other_names":["W\u001bH"]})", "other_names[0]"},
  };
  for (const auto& c : cases) {
    auto r = api_->Send("POST", c.path, c.body, "application/json");
    EXPECT_EQ(r.status, 422) << c.body << ": " << r.raw;
    EXPECT_EQ(r.body["error"].value("field", ""), c.field) << c.body << ": " << r.raw;
  }
  EXPECT_EQ(EventCount(), before);
  // Tabs and line breaks belong in a note, and are kept as sent.
  auto ok = api_->Post("/api/v1/events", Json{{"type", "note"}, {"subject", "per_wen_hao"},
                                              {"date", "2026-01-06"}, {"note", "first\tline\nsecond line"}});
  ASSERT_EQ(ok.status, 201) << ok.raw;
  auto back = api_->Get("/api/v1/events/" + ok.body["id"].get<std::string>());
  EXPECT_EQ(back.body["note"], "first\tline\nsecond line");
}

}  // namespace
}  // namespace refuge::testing
