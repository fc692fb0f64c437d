// Sessions over HTTP, TLS, headers, the audit log's tamper evidence, and hostile input.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "refuge_process.h"

namespace refuge::testing {
namespace {

class DemoSecurity : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(RunRefuge({"demo", "--data", dir_.path()}).exit_code, 0);
    server_ = std::make_unique<ServerProcess>(dir_.path());
    maya_ = std::make_unique<ApiClient>(*server_, kMaya, kMayaPassword);
  }
  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<ApiClient> maya_;
};

TEST_F(DemoSecurity, CookieWritesNeedTheCsrfTokenBearerWritesDoNot) {
  ApiClient anonymous(*server_);
  auto login = anonymous.Post("/api/v1/session", Json{{"username", kMaya}, {"password", kMayaPassword}});
  ASSERT_EQ(login.status, 201);
  const std::string cookie = login.Header("Set-Cookie");
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  EXPECT_EQ(cookie.find("Secure"), std::string::npos) << "plain HTTP on loopback";
  const std::string session = cookie.substr(0, cookie.find(';'));
  const std::string note = R"({"type":"note","subject":"per_wen_hao","date":"2026-11-30","note":"x"})";

  // Reads with the cookie work; a write without the CSRF header is refused.
  EXPECT_EQ(anonymous.Send("GET", "/api/v1/me", "", "", {{"Cookie", session}}).status, 200);
  auto forged = anonymous.Send("POST", "/api/v1/events", note, "application/json", {{"Cookie", session}});
  EXPECT_EQ(forged.status, 403) << forged.raw;
  EXPECT_EQ(forged.body["error"]["field"], "X-CSRF-Token");
  auto wrong = anonymous.Send("POST", "/api/v1/events", note, "application/json",
                              {{"Cookie", session}, {"X-CSRF-Token", "guess"}});
  EXPECT_EQ(wrong.status, 403);
  auto ok = anonymous.Send("POST", "/api/v1/events", note, "application/json",
                           {{"Cookie", session}, {"X-CSRF-Token", login.body["csrf_token"].get<std::string>()}});
  EXPECT_EQ(ok.status, 201) << ok.raw;
  // The bearer token needs no CSRF token: browsers never attach it on their own.
  EXPECT_EQ(maya_->Post("/api/v1/events", Json::parse(note)).status, 201);
}

TEST_F(DemoSecurity, EveryResponseCarriesTheSecurityHeaders) {
  for (const std::string path : {"/api/v1/me", "/api/v1/nothing", "/api/v1/health"}) {
    auto r = maya_->Get(path);
    EXPECT_NE(r.Header("Content-Security-Policy").find("frame-ancestors 'none'"), std::string::npos) << path;
    EXPECT_EQ(r.Header("Content-Security-Policy").find("unsafe-inline'; img"), r.Header("Content-Security-Policy").find("unsafe-inline'; img")) << path;
    EXPECT_EQ(r.Header("X-Content-Type-Options"), "nosniff") << path;
    EXPECT_EQ(r.Header("Referrer-Policy"), "no-referrer") << path;
    EXPECT_EQ(r.Header("X-Frame-Options"), "DENY") << path;
  }
  const std::string csp = maya_->Get("/api/v1/me").Header("Content-Security-Policy");
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos);
  EXPECT_EQ(csp.find("script-src 'self' 'unsafe-inline'"), std::string::npos) << "no inline script";
}

TEST_F(DemoSecurity, ApiTokensWorkAndRevokedOnesStop) {
  auto created = maya_->Post("/api/v1/tokens", Json{{"name", "nightly export"}});
  ASSERT_EQ(created.status, 201) << created.raw;
  ApiClient script(*server_);
  auto as_token = script.Send("GET", "/api/v1/people/per_wen_hao", "", "",
                              {{"Authorization", "Bearer " + created.body["token"].get<std::string>()}});
  EXPECT_EQ(as_token.status, 200);
  auto listed = maya_->Get("/api/v1/tokens");
  ASSERT_EQ(listed.body["items"].size(), 1u);
  EXPECT_EQ(listed.body["items"][0]["name"], "nightly export");
  EXPECT_EQ(maya_->Send("DELETE", "/api/v1/tokens/" + created.body["id"].get<std::string>(), "", "").status, 204);
  EXPECT_EQ(script.Send("GET", "/api/v1/me", "", "",
                        {{"Authorization", "Bearer " + created.body["token"].get<std::string>()}}).status, 401);
}

TEST_F(DemoSecurity, RepeatedFailedLoginsGet429) {
  ApiClient anonymous(*server_);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(anonymous.Post("/api/v1/session", Json{{"username", "tenzin"}, {"password", "not the password"}}).status, 401);
  }
  auto limited = anonymous.Post("/api/v1/session", Json{{"username", "tenzin"}, {"password", "demo-tenzin-dorje"}});
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.body["error"]["code"], "rate_limited");
  EXPECT_FALSE(limited.Header("Retry-After").empty());
}

// Changes the data dir's database directly (the way someone with disk or database
// access would), on SQLite or PostgreSQL.
void Sql(const std::string& data_dir, const std::string& sql) {
  SqlResult r = SqlOnDataDir(data_dir, sql);
  ASSERT_TRUE(r.ok) << sql << ": " << r.error;
}

TEST_F(DemoSecurity, AuditVerifyFindsEditedRemovedReorderedAndTruncatedEntries) {
  for (int i = 0; i < 3; ++i) ASSERT_EQ(maya_->Get("/api/v1/people/per_wen_hao/chronology").status, 200);
  server_->Stop();
  auto intact = RunRefuge({"audit", "verify", "--data", dir_.path()});
  ASSERT_EQ(intact.exit_code, 0) << intact.out << intact.err;
  EXPECT_NE(intact.out.find("intact"), std::string::npos);

  auto shown = RunRefuge({"audit", "show", "--person", "per_wen_hao", "--data", dir_.path()});
  EXPECT_NE(shown.out.find("maya  person.chronology  per_wen_hao  from 127.0.0.1"), std::string::npos) << shown.out;

  TempDir copies;
  auto fresh = [&](const std::string& name) {
    std::string d = copies.File(name);
    CopyDataDir(dir_.path(), d);
    return d;
  };
  std::string edited = fresh("edited");
  Sql(edited, "UPDATE audit_log SET actor = 'nobody' WHERE seq = 3");
  auto r = RunRefuge({"audit", "verify", "--data", edited});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("entry 3: its content was changed"), std::string::npos) << r.out;

  std::string removed = fresh("removed");
  Sql(removed, "DELETE FROM audit_log WHERE seq = 4");
  r = RunRefuge({"audit", "verify", "--data", removed});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("entry 4 is missing"), std::string::npos) << r.out;

  std::string reordered = fresh("reordered");
  Sql(reordered, "UPDATE audit_log SET seq = -1 WHERE seq = 3; UPDATE audit_log SET seq = 3 WHERE seq = 4; "
                 "UPDATE audit_log SET seq = 4 WHERE seq = -1");
  r = RunRefuge({"audit", "verify", "--data", reordered});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("does not follow"), std::string::npos) << r.out;

  std::string truncated = fresh("truncated");
  Sql(truncated, "DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)");
  r = RunRefuge({"audit", "verify", "--data", truncated});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("head"), std::string::npos) << r.out;
}

TEST(Tls, ServesHttpsWithItsOwnCertificate) {
  TempDir dir;
  std::string gen = "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost -keyout " +
                    dir.File("key.pem") + " -out " + dir.File("cert.pem") + " 2>/dev/null";
  ASSERT_EQ(std::system(gen.c_str()), 0);
  ASSERT_EQ(RunRefuge({"demo", "--data", dir.File("d")}).exit_code, 0);
  ServerProcess server(dir.File("d"), "", {"--tls-cert", dir.File("cert.pem"), "--tls-key", dir.File("key.pem")});
  httplib::SSLClient client("127.0.0.1", server.port());
  client.enable_server_certificate_verification(false);
  auto health = client.Get("/api/v1/health");
  ASSERT_TRUE(health) << "no HTTPS answer";
  EXPECT_EQ(health->status, 200);
  EXPECT_NE(health->get_header_value("Strict-Transport-Security"), "");
  auto login = client.Post("/api/v1/session", R"({"username":"maya","password":"demo-maya-lindqvist"})",
                           "application/json");
  ASSERT_TRUE(login);
  EXPECT_EQ(login->status, 201);
  EXPECT_NE(login->get_header_value("Set-Cookie").find("Secure"), std::string::npos);
  // Plain HTTP to the TLS port gets no API.
  httplib::Client plain("127.0.0.1", server.port());
  auto r = plain.Get("/api/v1/health");
  EXPECT_TRUE(!r || r->status != 200);

  auto bad = RunRefuge({"serve", "--data", dir.File("d"), "--listen", "127.0.0.1:0", "--tls-cert",
                        dir.File("missing.pem"), "--tls-key", dir.File("key.pem")});
  EXPECT_EQ(bad.exit_code, 74) << bad.err;
}

// --- hostile input: the right 4xx, the server keeps serving, nothing written ---

TEST_F(DemoSecurity, HostileInputIsRefusedAndWritesNothing) {
  const std::string before = maya_->Get("/api/v1/people/per_wen_hao/chronology").raw;
  const std::vector<std::string> injections = {
      "' OR '1'='1", "\"; DROP TABLE events; --", "per_wen_hao' --", "1; SELECT * FROM users",
      "../../etc/passwd", "%00", "<script>alert(1)</script>"};
  for (const auto& s : injections) {
    // In text fields they are just text (stored as written, never executed) ...
    auto p = maya_->Post("/api/v1/organizations", Json{{"name", s}});
    EXPECT_EQ(p.status, 201) << s;
    EXPECT_EQ(p.body["name"], s);
    // ... in references and ids they are invalid or unknown ...
    auto e = maya_->Post("/api/v1/events", Json{{"type", "note"}, {"subject", s}, {"date", "2026-01-01"}});
    EXPECT_EQ(e.status, 422) << s << ": " << e.raw;
    // ... and in query parameters they match nothing or are refused.
    std::string q = httplib::detail::encode_query_param(s);
    auto search = maya_->Get("/api/v1/search?q=" + q);
    EXPECT_TRUE(search.status == 200 || search.status == 422) << s;
    // A cursor is sealed by the server: anything else is refused, naming it.
    auto list = maya_->Get("/api/v1/people?after=" + q);
    EXPECT_EQ(list.status, 422) << s;
    EXPECT_EQ(list.body["error"]["field"], "after") << s;
    EXPECT_EQ(maya_->Get("/api/v1/people?limit=" + q).status, 422) << s;
  }
  // Path traversal in ids never reaches a file: no route matches, or no object.
  for (const std::string path : {"/api/v1/people/..%2F..%2Fetc%2Fpasswd", "/api/v1/people/../../etc/passwd",
                                 "/api/v1/events/%2e%2e%2f%2e%2e", "/api/v1/people/per_wen_hao%00"}) {
    auto r = maya_->Get(path);
    EXPECT_TRUE(r.status == 404 || r.status == 400) << path << ": " << r.status;
  }
  // Deeply nested JSON is refused before it is built.
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  auto nested = maya_->Send("POST", "/api/v1/events", deep, "application/json");
  EXPECT_EQ(nested.status, 400) << nested.raw.substr(0, 200);
  // Invalid UTF-8 in a string.
  auto utf = maya_->Send("POST", "/api/v1/events",
                         "{\"type\":\"note\",\"subject\":\"per_wen_hao\",\"date\":\"2026-01-01\",\"note\":\"\xff\xfe\"}",
                         "application/json");
  EXPECT_EQ(utf.status, 400) << utf.raw;
  // A token of another kind, a garbage token, a forged API token: 401.
  ApiClient anon(*server_);
  for (const std::string& t : std::vector<std::string>{"Bearer x", "Basic bWF5YTp4", "Bearer rft_forged"}) {
    EXPECT_EQ(anon.Send("GET", "/api/v1/me", "", "", {{"Authorization", t}}).status, 401) << t;
  }
  // A header over the size limit is refused before it is read: 400, with a JSON body.
  auto huge = anon.Send("GET", "/api/v1/me", "", "", {{"Authorization", "Bearer " + std::string(10000, 'a')}});
  EXPECT_EQ(huge.status, 400);
  EXPECT_TRUE(huge.body.contains("error")) << huge.raw;
  EXPECT_EQ(maya_->Get("/api/v1/people/per_wen_hao/chronology").raw, before) << "nothing was written";
  EXPECT_EQ(maya_->Get("/api/v1/health").status, 200) << "still serving";
}

TEST_F(DemoSecurity, ASlowClientDoesNotStopOthers) {
  // Open connections that send half a request and stall.
  std::vector<int> socks;
  for (int i = 0; i < 4; ++i) {
    int fd = ConnectLoopback(server_->port());
    ASSERT_GE(fd, 0);
    const char partial[] = "GET /api/v1/me HTTP/1.1\r\nHost: x\r\nX-Slow: ";
    ASSERT_GT(::write(fd, partial, sizeof partial - 1), 0);
    socks.push_back(fd);
  }
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(maya_->Get("/api/v1/people/per_wen_hao").status, 200);
  EXPECT_EQ(maya_->Get("/api/v1/health").status, 200);
  (void)start;
  for (int fd : socks) ::close(fd);
}

TEST_F(DemoSecurity, AnotherUsersTokenAndADisabledUsersTokenAreRefused) {
  ASSERT_EQ(RunRefuge({"user", "add", "ada", "--role", "admin", "--password-stdin", "--data", dir_.path()},
                      "a long enough passphrase\n").exit_code, 0);
  ASSERT_EQ(RunRefuge({"user", "add", "lena", "--role", "lawyer", "--password-stdin", "--data", dir_.path()},
                      "a long enough passphrase\n").exit_code, 0);
  ApiClient lena(*server_, "lena", "a long enough passphrase");
  ApiClient ada(*server_, "ada", "a long enough passphrase");
  // Lena's valid token does not open Maya's client.
  EXPECT_EQ(lena.Get("/api/v1/people/per_wen_hao").status, 404);
  ASSERT_EQ(ada.Patch("/api/v1/users/lena", Json{{"disabled", true}}).status, 200);
  EXPECT_EQ(lena.Get("/api/v1/me").status, 401);
  EXPECT_EQ(lena.Post("/api/v1/people", Json{{"name", "Someone"}}).status, 401);
}

}  // namespace
}  // namespace refuge::testing
