// The evidence upload as a client sends it: any bytes as one HTTP connection,
// parsed by cpp-httplib's request processing and routed to POST /api/v1/evidence,
// which streams the body into the vault, sniffs its type (libmagic) and reads its
// embedded metadata (exiv2, libavformat). Every file stored is then read back
// through GET /api/v1/evidence/{id}, and each JPEG, PNG, MP4, MOV or Matroska
// file redacted through POST /api/v1/evidence/{id}/redactions.
//
// The harness puts fixed credentials into the store, so the seeds can carry them:
// "Authorization: Bearer rft_fuzz..." or the session cookie with its CSRF token.
// The person per_fuzz_client and the matter mat_fuzz_asylum exist, with the
// lawyer ines on its team.
#include <httplib.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "scratch.h"
#include "refuge/api/http.h"
#include "refuge/app/evidence.h"
#include "refuge/app/service.h"
#include "refuge/base/clock.h"
#include "refuge/base/random.h"
#include "refuge/rules/rule_set.h"
#include "refuge/store/sqlite/sqlite_store.h"
#include "refuge/vault/redact.h"
#include "refuge/vault/vault.h"

namespace {

using refuge::app::Json;

constexpr int64_t kNow = 1796040000;  // 2026-11-30T12:00:00Z
constexpr const char* kApiToken = "rft_fuzzUploadToken0000000000000000000000000";
constexpr const char* kSessionToken = "fuzzSessionToken000000000000000000000000000";
constexpr const char* kCsrfToken = "fuzzCsrfToken0000000000000000000000000000000";
// As the server's connection loop: a client may send several requests on one connection.
constexpr int kRequestsPerConnection = 4;
// Records and objects accumulate; a fresh installation every so many inputs keeps
// the scratch directory and the database small.
constexpr int kInputsPerInstallation = 500;

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "evidence_upload_fuzz: %s\n", what.c_str());
  std::abort();
}

void Check(const refuge::Status& s, const char* what) {
  if (!s.ok()) Fail(std::string(what) + ": " + s.ToString());
}

// The bytes of one client connection. Reads return pieces of varying size, as
// TCP delivers them, so the upload sees its body in uneven writes; the sizes
// follow from the input, so a run can be repeated.
class ConnectionStream final : public httplib::Stream {
 public:
  ConnectionStream(const char* data, size_t size)
      : data_(data), size_(size), state_(size * 2654435761u + 1) {
    for (size_t i = 0; i < std::min<size_t>(size, 64); ++i)
      state_ = (state_ ^ static_cast<uint8_t>(data[i])) * 1099511628211u;
    if (state_ == 0) state_ = 1;
  }
  bool is_readable() const override { return true; }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, size_t n) override {
    if (pos_ == size_) return 0;
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    n = std::min({n, size_ - pos_, static_cast<size_t>(1 + state_ % 9000)});
    std::memcpy(ptr, data_ + pos_, n);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char*, size_t n) override { return static_cast<ssize_t>(n); }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = "192.0.2.10";
    port = 49152;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 8080;
  }
  socket_t socket() const override { return INVALID_SOCKET; }
  bool done() const { return pos_ == size_; }

 private:
  const char* data_;
  size_t size_;
  size_t pos_ = 0;
  uint64_t state_;
};

// httplib::Server with the request processing of one connection reachable: the
// same code its socket loop runs for each request, without a socket.
class UploadServer final : public httplib::Server {
 public:
  bool ProcessRequest(httplib::Stream& strm, bool close_connection, bool& connection_closed) {
    return process_request(strm, close_connection, connection_closed, nullptr);
  }
};

// What the routes answered, seen after each request.
struct Answer {
  std::string method, path;
  int status = 0;
  Json body;
};

// A data dir with a database, an unlocked vault, a lawyer, a client and a matter.
class Installation {
 public:
  explicit Installation(std::string dir) : dir_(std::move(dir)) {
    namespace fs = std::filesystem;
    fs::create_directories(dir_);
    auto store = refuge::store::OpenSqliteStore(dir_ + "/refuge.db");
    Check(store.status(), "open the database");
    auto rules = refuge::rules::LoadRuleConfig(dir_);
    Check(rules.status(), "load the rules");
    svc_ = std::make_unique<refuge::app::Service>(std::move(store).value(), clock_,
                                                  std::move(rules).value(),
                                                  refuge::auth::SigningKey::Ephemeral());
    const auto op = refuge::app::Actor::Operator();
    Check(svc_->AddUser(op, "ines", "lawyer", "ines has a long password"), "add the lawyer");
    Json people = Json::array({{{"id", "per_fuzz_client"}, {"name", "Selin Arslan"}}});
    Json matters = Json::array({{{"id", "mat_fuzz_asylum"},
                                 {"client", "per_fuzz_client"},
                                 {"kind", "affirmative_asylum"},
                                 {"title", "Selin Arslan: asylum (I-589)"},
                                 {"status", "open"},
                                 {"team", {"ines"}}}});
    Check(svc_->Import(op, Json{{"format", "refuge-backup"},
                                {"format_version", 1},
                                {"people", people},
                                {"matters", matters}}),
          "import the client and matter");
    Check(svc_->store().Write([](refuge::store::Db& db) -> refuge::Status {
      REFUGE_RETURN_IF_ERROR(
          db.InsertApiToken({"tok_fuzz", "ines", "fuzz", refuge::Sha256Hex(kApiToken),
                             "2026-11-30T12:00:00Z", "", ""}));
      return db.InsertSession({refuge::Sha256Hex(kSessionToken), "ines", kNow, kNow + 12 * 3600,
                               kNow, refuge::Sha256Hex(kCsrfToken)});
    }),
          "store the credentials");
    // The cheapest Argon2id settings: the passphrase is stretched once per installation.
    auto vault =
        refuge::vault::Vault::Open(dir_, "a long vault passphrase for fuzzing", true,
                                   refuge::vault::PosixDisk(), refuge::vault::KdfParams{1, 8192});
    Check(vault.status(), "create the vault");
    evidence_ = std::make_unique<refuge::app::EvidenceService>(
        svc_->store(), clock_, std::move(vault).value(), refuge::auth::SigningKey::Ephemeral(),
        &svc_->audit());

    // Configured as ApiServer configures its server for the upload route.
    server_.set_payload_max_length(std::numeric_limits<size_t>::max());
    refuge::api::Router router(server_, *svc_);
    refuge::api::RegisterEvidenceRoutes(router, *svc_, *evidence_);
    server_.set_post_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      answers_.push_back({req.method, req.path, res.status, Json::parse(res.body, nullptr, false)});
    });
    // ApiServer turns an exception into a 500; every failure in Refuge is a Status,
    // so an exception reaching the server is a bug.
    server_.set_exception_handler(
        [](const httplib::Request& req, httplib::Response&, std::exception_ptr ep) {
          try {
            std::rethrow_exception(ep);
          } catch (const std::exception& e) {
            Fail("exception from " + req.method + " " + req.path + ": " + e.what());
          }
        });
  }

  ~Installation() {
    evidence_.reset();
    svc_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Serves `bytes` as one connection; the answers of its requests.
  std::vector<Answer> Serve(const std::string& bytes) {
    answers_.clear();
    ConnectionStream strm(bytes.data(), bytes.size());
    for (int i = 0; i < kRequestsPerConnection && !strm.done(); ++i) {
      bool closed = false;
      if (!server_.ProcessRequest(strm, i + 1 == kRequestsPerConnection, closed) || closed) break;
    }
    return std::move(answers_);
  }

  // The stored object, decrypted.
  std::string Content(const std::string& id) {
    auto c = evidence_->OpenContent(Ines(), id, Json::object());
    Check(c.status(), "open a stored copy");
    std::string out(c->reader->size(), '\0');
    auto n = c->reader->ReadAt(0, reinterpret_cast<uint8_t*>(out.data()), out.size());
    if (!n.ok() || *n != out.size()) Fail("a stored copy cannot be read back");
    return out;
  }

  static refuge::app::Actor Ines() { return {"ines", "lawyer", "192.0.2.10"}; }

 private:
  std::string dir_;
  refuge::FakeClock clock_{kNow};
  std::unique_ptr<refuge::app::Service> svc_;
  std::unique_ptr<refuge::app::EvidenceService> evidence_;
  UploadServer server_;
  std::vector<Answer> answers_;
};

std::string Request(const std::string& method, const std::string& path) {
  return method + " " + path + " HTTP/1.1\r\nHost: refuge.example.org\r\nAuthorization: Bearer " +
         kApiToken + "\r\nContent-Length: 0\r\n\r\n";
}

std::string ErrorMessage(const Json& body) {
  if (!body.is_object() || !body.contains("error") || !body["error"].is_object()) return "";
  return body["error"].value("message", "");
}

uint8_t Byte(const std::string& s, size_t i) { return static_cast<uint8_t>(s[i]); }

// Independent of the cleaner: before its first scan, a safe JPEG has no segment
// but image structure, the JFIF header without thumbnail, the ICC profile and
// the Adobe colour transform (no EXIF, XMP, IPTC, comment or vendor data).
bool JpegHeadIsClean(const std::string& b) {
  size_t i = 2;
  while (i + 2 <= b.size() && Byte(b, i) == 0xFF) {
    const int m = Byte(b, i + 1);
    if (m == 0xDA || m == 0xD9) return true;
    if ((m >= 0xD0 && m <= 0xD7) || m == 0x01) {
      i += 2;
      continue;
    }
    if (i + 4 > b.size()) return true;
    const size_t len = (size_t{Byte(b, i + 2)} << 8) | Byte(b, i + 3);
    const std::string payload = b.substr(i + 4, len >= 2 ? len - 2 : 0);
    if (m == 0xFE) return false;
    if (m >= 0xE0 && m <= 0xEF) {
      const bool jfif =
          m == 0xE0 && payload.size() == 14 && payload.compare(0, 5, std::string("JFIF\0", 5)) == 0;
      const bool icc = m == 0xE2 && payload.compare(0, 12, std::string("ICC_PROFILE\0", 12)) == 0;
      const bool adobe = m == 0xEE && payload.compare(0, 5, "Adobe") == 0;
      if (!jfif && !icc && !adobe) return false;
    }
    i += 2 + len;
  }
  return true;
}

// A safe PNG has no text, EXIF or time chunk anywhere.
bool PngIsClean(const std::string& b) {
  size_t i = 8;
  while (i + 8 <= b.size()) {
    const uint64_t len = (uint64_t{Byte(b, i)} << 24) | (uint64_t{Byte(b, i + 1)} << 16) |
                         (uint64_t{Byte(b, i + 2)} << 8) | Byte(b, i + 3);
    const std::string type = b.substr(i + 4, 4);
    if (type == "tEXt" || type == "zTXt" || type == "iTXt" || type == "eXIf" || type == "tIME")
      return false;
    if (type == "IEND") return true;
    i += 12 + len;
  }
  return true;
}

std::string MakeScratch(const std::string& prefix) {
  std::string dir = refuge::fuzz::MakeScratch(prefix);
  if (dir.empty()) Fail("cannot create a scratch directory " + prefix + "...");
  return dir;
}

std::string g_root;
std::unique_ptr<Installation> g_installation;
int g_inputs = 0;

void RemoveRoot() {
  g_installation.reset();
  std::error_code ec;
  if (!g_root.empty()) std::filesystem::remove_all(g_root, ec);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);
  g_root = MakeScratch("refuge-upload-fuzz-");
  std::atexit(RemoveRoot);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (!g_installation || g_inputs % kInputsPerInstallation == 0) {
    g_installation.reset();
    g_installation = std::make_unique<Installation>(g_root + "/data-" + std::to_string(g_inputs));
  }
  ++g_inputs;
  Installation& inst = *g_installation;

  std::vector<Answer> answers = inst.Serve(std::string(reinterpret_cast<const char*>(data), size));
  for (const auto& a : answers) {
    // The upload's failures are the client's (4xx) or the disk's (503); a 500 is a bug.
    if (a.status == 500)
      Fail("500 from " + a.method + " " + a.path + ": " +
           a.body.dump(-1, ' ', false, Json::error_handler_t::replace));
    if (a.method != "POST" || a.path != "/api/v1/evidence" || a.status != 201) continue;
    if (!a.body.is_object() || !a.body.contains("id") || !a.body["id"].is_string())
      Fail("a 201 without an id");
    const std::string id = a.body["id"];
    const std::string type = a.body.value("media_type", "");
    // The record with the metadata found in the file, as the UI shows it.
    for (const auto& got : inst.Serve(Request("GET", "/api/v1/evidence/" + id))) {
      if (got.status != 200)
        Fail("the stored record cannot be read: " + std::to_string(got.status));
    }
    if (!refuge::vault::CanRedact(type)) continue;
    for (const auto& made : inst.Serve(Request("POST", "/api/v1/evidence/" + id + "/redactions"))) {
      // 415: a file Refuge will not clean. 500: the cleaner's read-back refused
      // its own copy ("metadata survived", "cannot be read back"), the safety
      // net working; but not a failed transaction.
      const std::string message = ErrorMessage(made.body);
      if (made.status == 500 && message.find("unexpected error") != std::string::npos) {
        Fail("500 from the redaction: " + message);
      }
      if (made.status != 201) continue;
      const std::string copy_id = made.body.value("id", "");
      const std::string copy = inst.Content(copy_id);
      if (type == "image/jpeg" && !JpegHeadIsClean(copy))
        Fail("a redacted JPEG still has a metadata segment");
      if (type == "image/png" && !PngIsClean(copy))
        Fail("a redacted PNG still has a metadata chunk");
    }
  }
  return 0;
}
