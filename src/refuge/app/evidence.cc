#include "refuge/app/evidence.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>

#include <spdlog/spdlog.h>

#include "refuge/app/access.h"
#include "refuge/base/date.h"
#include "refuge/base/random.h"
#include "refuge/base/utf8.h"
#include "refuge/vault/bagit.h"
#include "refuge/vault/codec.h"
#include "refuge/vault/metadata.h"
#include "refuge/vault/redact.h"
#include "refuge/vault/tar.h"

namespace refuge::app {

using Json = nlohmann::json;
using store::CustodyRow;
using store::Db;
using store::EvidenceRow;

namespace {

constexpr size_t kMaxText = 10000;
constexpr size_t kReadBytes = 1 << 20;
constexpr int kPage = 500;

// The vault objects some record refers to: what verify and gc keep.
Result<std::set<std::string>> ObjectsOfRecords(store::Store& store) {
  std::set<std::string> referenced;
  REFUGE_RETURN_IF_ERROR(store.Read([&](store::Db& db) -> Status {
    std::string after;
    while (true) {
      REFUGE_ASSIGN_OR_RETURN(auto rows, db.ListEvidence("", "", after, kPage));
      for (const auto& row : rows) {
        after = row.id;
        referenced.insert(row.object);
      }
      if (rows.size() < static_cast<size_t>(kPage)) break;
    }
    return Status::Ok();
  }));
  return referenced;
}

std::string RecordContext(const std::string& id) { return "refuge-evidence-v1\n" + id; }
std::string CustodyContext(const std::string& id, int64_t seq) {
  return "refuge-custody-v1\n" + id + "\n" + std::to_string(seq);
}

// The record authentication kept in the custody_mac column (docs/vault-format.md,
// section 3.1): the fields that decide who sees a record and what it is, with
// its custody head, sealed under the vault key and bound to the record's id.
// Older records hold a bare hex MAC of the head there instead.
constexpr std::string_view kAuthPrefix = "rfa1:";
std::string AuthContext(const std::string& id) { return "refuge-evidence-auth-v1\n" + id; }
const char* KindOf(const EvidenceRow& row) { return row.parent.empty() ? "original" : "safe copy"; }
Json AuthFields(const EvidenceRow& row) {
  return Json{{"subject", row.subject},           {"matter", row.matter},
              {"parent", row.parent},             {"kind", KindOf(row)},
              {"object", row.object},             {"size", row.size},
              {"media_type", row.media_type},     {"created_by", row.created_by},
              {"created_at", row.created_at},     {"custody_seq", row.custody_seq},
              {"custody_hash", row.custody_hash}};
}
// What an object's name is keyed by (Keyring::ObjectName): the matter a file is
// filed under, or its person when it has none; a record is visible to exactly
// the people who see that scope, so the same bytes under two teams' matters are
// two objects and neither upload touches the other's record.
std::string ObjectScope(const std::string& matter, const std::string& subject) {
  return matter.empty() ? "person:" + subject : "matter:" + matter;
}
bool IsRecordAuth(const std::string& mac) { return mac.compare(0, kAuthPrefix.size(), kAuthPrefix) == 0; }
// Marks a vault whose records all carry a record authentication: after it, a
// record without one was altered, not merely written by an older version.
std::string AuthMarkerPath(const std::string& vault_dir) { return vault_dir + "/records-authenticated"; }

// Who did it, as the custody log names them: the user, or the operator at the
// command line with the system account they used.
std::string ActorName(const Actor& who) {
  if (!who.is_operator()) return who.user;
  struct passwd pw;
  struct passwd* found = nullptr;
  char buf[1024];
  if (::getpwuid_r(::geteuid(), &pw, buf, sizeof buf, &found) == 0 && found != nullptr) {
    return std::string("operator:") + found->pw_name;
  }
  return "operator:uid" + std::to_string(::geteuid());
}

Status Locked() {
  return Status(Code::kIo,
                "the evidence vault is locked: this server was started without REFUGE_PASSPHRASE, so "
                "evidence can be neither read nor added; restart it with the vault passphrase");
}

// The last path component, without characters that could steer a path or a
// terminal; at most 200 bytes, cut at a UTF-8 boundary. Bytes that are not UTF-8
// become '_' too: the name goes into the record and the custody log as JSON.
std::string SafeFilename(const std::string& name) {
  std::string base = name;
  size_t slash = base.find_last_of("/\\");
  if (slash != std::string::npos) base = base.substr(slash + 1);
  std::string out;
  for (size_t i = 0; i < base.size();) {
    const unsigned char c = static_cast<unsigned char>(base[i]);
    const size_t len = Utf8SequenceAt(base, i);
    const bool control = (len == 1 && (c < 0x20 || c == 0x7f)) ||
                         (len == 2 && c == 0xC2 && static_cast<unsigned char>(base[i + 1]) < 0xA0);
    if (len == 0 || control || (len == 1 && (c == ':' || c == '%'))) {
      out += '_';
      ++i;
    } else {
      out.append(base, i, len);
      i += len;
    }
  }
  while (!out.empty() && (out.front() == '.' || out.front() == ' ')) out.erase(out.begin());
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (out.size() > 200) {
    size_t cut = 200;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
  }
  return out.empty() ? "file" : out;
}

Status CheckText(const std::string& v, const char* field, size_t max) {
  if (v.size() > max) return Invalid(field, "at most " + std::to_string(max) + " bytes");
  for (unsigned char c : v) {
    if (c < 0x20 && c != '\n' && c != '\t') return Invalid(field, "control characters are not allowed");
  }
  return Status::Ok();
}

Status ValidateNew(NewEvidence& in) {
  if (in.subject.empty()) return Invalid("subject", "name the person the evidence concerns (a person id)");
  if (domain::TargetOfId(in.subject) != domain::RefTarget::kPerson) {
    return Invalid("subject", "'" + in.subject + "' is not a person id");
  }
  if (!in.matter.empty() && domain::TargetOfId(in.matter) != domain::RefTarget::kMatter) {
    return Invalid("matter", "'" + in.matter + "' is not a matter id");
  }
  REFUGE_RETURN_IF_ERROR(CheckText(in.title, "title", 1000));
  REFUGE_RETURN_IF_ERROR(CheckText(in.note, "note", kMaxText));
  REFUGE_RETURN_IF_ERROR(CheckText(in.source_url, "source_url", 2000));
  if (!in.source_url.empty() && in.source_url.rfind("http://", 0) != 0 && in.source_url.rfind("https://", 0) != 0) {
    return Invalid("source_url", "must be an http or https URL");
  }
  if (!in.captured.empty()) {
    REFUGE_ASSIGN_OR_RETURN(PartialDate d, PartialDate::Parse(in.captured, "captured"));
    in.captured = d.ToString();
  }
  if (!in.id.empty() && (in.id.rfind("evi_", 0) != 0 || in.id.size() > 64)) return Invalid("id", "not an evidence id");
  in.filename = SafeFilename(in.filename);
  return Status::Ok();
}

std::string ErrnoText() { return std::strerror(errno); }

// The received entry's account of the file, which verification compares the
// record against.
Json ReceivedDetails(const std::string& sha256, uint64_t size, const std::string& media_type,
                     const std::string& filename, const std::string& source) {
  return Json{{"sha256", sha256}, {"size", size}, {"media_type", media_type}, {"filename", filename},
              {"source", source}};
}

std::string HtmlEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// Percent-encodes a bag path for an HTML link.
std::string UrlPath(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '/' || c == '.' || c == '_' || c == '-') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// Writes `src` to `out_path` through a temporary file, fsync, rename and fsync of
// the directory, checking the plaintext's SHA-256 on the way. "-" streams to
// standard output.
Status WriteVerifiedCopy(vault::RandomAccessSource& src, const std::string& sha256, const std::string& out_path) {
  namespace fs = std::filesystem;
  const bool to_stdout = out_path == "-";
  std::string tmp;
  int fd = STDOUT_FILENO;
  if (!to_stdout) {
    fs::path target(out_path);
    fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
    tmp = (dir / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
    fd = ::mkostemp(tmp.data(), O_CLOEXEC);
    if (fd < 0) return IoError("cannot create a file in " + dir.string() + ": " + ErrnoText());
    ::fchmod(fd, 0600);
  }
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  EVP_DigestInit_ex(md, EVP_sha256(), nullptr);
  std::vector<uint8_t> buf(kReadBytes);
  Status s;
  uint64_t off = 0;
  while (s.ok() && off < src.size()) {
    auto n = src.ReadAt(off, buf.data(), buf.size());
    if (!n.ok()) {
      s = n.status();
      break;
    }
    if (*n == 0) {
      s = IoError("the object ended early");
      break;
    }
    EVP_DigestUpdate(md, buf.data(), *n);
    vault::FdSink sink(fd);
    s = sink.Write(buf.data(), *n);
    off += *n;
  }
  uint8_t digest[32];
  unsigned int len = 0;
  EVP_DigestFinal_ex(md, digest, &len);
  EVP_MD_CTX_free(md);
  if (s.ok() && vault::Hex(digest, 32) != sha256) {
    s = IoError("the stored file no longer has the SHA-256 it was received with; nothing was written");
  }
  if (to_stdout) return s;
  if (s.ok() && ::fsync(fd) != 0) s = IoError("cannot flush " + out_path + ": " + ErrnoText());
  ::close(fd);
  if (s.ok() && ::rename(tmp.c_str(), out_path.c_str()) != 0) s = IoError("cannot write " + out_path + ": " + ErrnoText());
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  fs::path dir = fs::path(out_path).has_parent_path() ? fs::path(out_path).parent_path() : fs::path(".");
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::Ok();
}

}  // namespace

struct EvidenceService::Loaded {
  EvidenceRow row;
  Json body = Json::object();  // the sealed fields, opened
  bool body_ok = false;
  // The record's authenticated fields and head hold (AuthProblems).
  std::vector<std::string> auth_problems;
  bool auth_ok() const { return auth_problems.empty(); }
  std::string Str(const char* f) const { return body.contains(f) && body[f].is_string() ? body[f].get<std::string>() : ""; }
};

namespace {

Json RecordJson(const EvidenceRow& row, const Json& body) {
  Json j = {{"id", row.id}, {"subject", row.subject}, {"size", row.size}, {"media_type", row.media_type},
            {"created_at", row.created_at}, {"created_by", row.created_by}};
  if (!row.matter.empty()) j["matter"] = row.matter;
  if (!row.parent.empty()) j["parent"] = row.parent;
  for (const char* f : {"sha256", "filename", "title", "source_url", "captured", "note", "metadata", "derivation"}) {
    if (body.contains(f)) j[f] = body[f];
  }
  return j;
}

}  // namespace

EvidenceService::EvidenceService(store::Store& store, const Clock& clock, std::unique_ptr<vault::Vault> vault,
                                 auth::SigningKey key, AuditLog* audit)
    : store_(store), clock_(clock), vault_(std::move(vault)), key_(std::move(key)),
      public_key_(key_.PublicKeyHex()), cursors_(key_.DeriveSecret(kCursorKeyPurpose)), audit_(audit) {}

EvidenceService::~EvidenceService() = default;

std::string EvidenceService::Now() const { return FormatUtcTimestamp(clock_.NowUnixSeconds()); }

Status EvidenceService::RequireUnlocked() const { return vault_ ? Status::Ok() : Locked(); }

// Reads go through the audit log's queue, like every other read of a client's
// file: "who has looked at this client's file?" then includes the evidence.
void EvidenceService::AuditRead(const Actor& who, const char* action, const EvidenceRow& row, const Json& details) {
  if (audit_ == nullptr) return;
  // The custody entry the read made (or the head it saw): the audit log's
  // numbers are what shows a custody log rolled back (CheckNotRolledBack).
  Json d = details;
  d["custody_seq"] = row.custody_seq;
  audit_->Enqueue(who, action, row.id, row.subject, d);
}

Result<EvidenceService::Loaded> EvidenceService::Load(Db& db, const std::string& id) const {
  Loaded rec;
  REFUGE_ASSIGN_OR_RETURN(rec.row, db.GetEvidence(id));
  auto opened = vault_->keys().Unseal(rec.row.sealed, RecordContext(id));
  if (opened.ok()) {
    Json body = Json::parse(*opened, nullptr, false);
    if (body.is_object()) {
      rec.body = std::move(body);
      rec.body_ok = true;
    }
  }
  rec.auth_problems = AuthProblems(rec.row);
  return rec;
}

std::vector<std::string> EvidenceService::AuthProblems(const EvidenceRow& row) const {
  if (!IsRecordAuth(row.custody_mac)) {
    return {"the record's fields are not authenticated (it holds no record authentication): it was altered, or "
            "rolled back to a state from before record authentication"};
  }
  auto opened = vault_->keys().Unseal(std::string_view(row.custody_mac).substr(kAuthPrefix.size()), AuthContext(row.id));
  Json authentic = opened.ok() ? Json::parse(*opened, nullptr, false) : Json();
  if (!authentic.is_object()) {
    return {"the record's authentication fails: it was altered, or copied from another record"};
  }
  // Name each field that differs, never its values: the answer may reach
  // someone who sees the record only because of the altered fields.
  std::vector<std::string> problems;
  const Json now = AuthFields(row);
  for (const auto& [field, value] : now.items()) {
    if (!authentic.contains(field) || authentic[field] != value) {
      problems.push_back("the record's " + field + " was changed after Refuge authenticated it (in the database, "
                         "without the vault key)");
    }
  }
  return problems;
}

Status EvidenceService::RequireAuthentic(const Loaded& rec) const {
  if (rec.auth_ok()) return Status::Ok();
  return IoError("evidence record " + rec.row.id + " fails authentication (" + rec.auth_problems.front() +
                 "); it is not served; the operator should run refuge evidence verify " + rec.row.id);
}

bool EvidenceService::HeadMacOk(const std::string& message, const std::string& mac) const {
  // A record authentication covers the head itself (AuthProblems checks it);
  // an older record's bare MAC covers the head message.
  if (IsRecordAuth(mac)) return true;
  return ConstantTimeEquals(vault_->keys().CustodyMac(message), mac);
}

// A consistent rollback (an older head with its own signature and
// authentication, the later entries deleted) leaves a chain that checks. The
// audit log, a separate signed chain, names the custody entry of every write
// and read of the record: one numbered beyond the head shows the rollback.
Status EvidenceService::CheckNotRolledBack(Db& db, const EvidenceRow& row, std::vector<std::string>* problems) const {
  int64_t after = 0;
  int64_t highest = 0;
  while (true) {
    REFUGE_ASSIGN_OR_RETURN(auto entries, db.ListAudit(after, 1000, row.subject, ""));
    for (const auto& e : entries) {
      after = e.seq;
      if (e.target != row.id) continue;
      Json d = Json::parse(e.details, nullptr, false);
      if (d.is_object() && d.contains("custody_seq") && d["custody_seq"].is_number_integer()) {
        highest = std::max(highest, d["custody_seq"].get<int64_t>());
      }
    }
    if (entries.size() < 1000) break;
  }
  if (highest > row.custody_seq) {
    problems->push_back("the custody log was rolled back: the audit log records custody entry " + std::to_string(highest) +
                        " of this record, but its chain ends at entry " + std::to_string(row.custody_seq) +
                        " (later entries were removed and an older head put back)");
  }
  return Status::Ok();
}

Status EvidenceService::CheckAccess(Db& db, const Actor& who, const Loaded& rec, bool write) const {
  if (who.is_operator()) return Status::Ok();
  const Status hidden = NotFound("no evidence record '" + rec.row.id + "'");
  Access access(db, who);
  // The one rule for evidence (docs/security.md 4), shared with event references.
  REFUGE_ASSIGN_OR_RETURN(bool seen, access.CanSeeEvidence(rec.row));
  if (!seen) return hidden;
  if (write) return access.RequireRole({"lawyer"}, "change evidence records");
  return Status::Ok();
}

Status EvidenceService::Append(Db& db, EvidenceRow& row, const Actor& who, const std::string& action,
                               Json details) {
  // The new head is authenticated together with the record's fields, so a
  // record whose fields were altered must never get here: that would vouch for
  // the alteration. (A new record has no head yet.)
  if (row.custody_seq > 0) {
    auto problems = AuthProblems(row);
    if (!problems.empty()) {
      return IoError("evidence record " + row.id + " fails authentication (" + problems.front() +
                     "); nothing was recorded; the operator should run refuge evidence verify " + row.id);
    }
  }
  vault::CustodyEntry prev;
  prev.seq = row.custody_seq;
  prev.hash = row.custody_hash;
  vault::CustodyEntry e = vault::NextEntry(row.custody_seq > 0 ? &prev : nullptr, row.id, Now(),
                                           ActorName(who), action, std::move(details));
  CustodyRow cr;
  cr.evidence = row.id;
  cr.seq = e.seq;
  cr.at = e.at;
  cr.actor = e.actor;
  cr.action = e.action;
  cr.sealed = vault_->keys().Seal(Json{{"details", e.details}, {"salt", e.salt}}.dump(),
                                  CustodyContext(row.id, e.seq));
  cr.prev_hash = e.prev;
  cr.hash = e.hash;
  const std::string msg = vault::HeadMessage(row.id, e.seq, e.hash);
  REFUGE_RETURN_IF_ERROR(db.InsertCustody(cr));
  row.custody_seq = e.seq;
  row.custody_hash = e.hash;
  row.custody_sig = key_.Sign(msg);
  row.custody_key = public_key_;
  row.custody_mac = std::string(kAuthPrefix) + vault_->keys().Seal(AuthFields(row).dump(), AuthContext(row.id));
  REFUGE_RETURN_IF_ERROR(db.SetCustodyHead(row));
  // Every write to a record is also in the installation's audit log, in the same
  // transaction; reads are logged where they happen (AuditRead) and a bag export
  // once for the bag. The details stay sealed in the custody entry: the audit log
  // names only the record, its client and the custody entry.
  static const std::set<std::string> kWrites = {"received", "redacted", "linked", "transferred",
                                                "verified"};
  if (audit_ == nullptr || !kWrites.count(action)) return Status::Ok();
  return audit_->Append(db, who, "evidence." + action, row.id, row.subject, Json{{"custody_seq", e.seq}});
}

Result<std::vector<vault::CustodyEntry>> EvidenceService::OpenChain(Db& db, const EvidenceRow& row,
                                                                    std::vector<std::string>* problems) const {
  REFUGE_ASSIGN_OR_RETURN(auto rows, db.CustodyOf(row.id));
  std::vector<vault::CustodyEntry> out;
  for (const auto& r : rows) {
    vault::CustodyEntry e;
    e.evidence = r.evidence;
    e.seq = r.seq;
    e.at = r.at;
    e.actor = r.actor;
    e.action = r.action;
    e.prev = r.prev_hash;
    e.hash = r.hash;
    auto opened = vault_->keys().Unseal(r.sealed, CustodyContext(row.id, r.seq));
    // An entry moved to another number was sealed under its old one; opening it
    // lets the chain check say it was reordered rather than just altered.
    for (size_t k = 0; !opened.ok() && k < rows.size(); ++k) {
      if (rows[k].seq != r.seq) opened = vault_->keys().Unseal(r.sealed, CustodyContext(row.id, rows[k].seq));
    }
    Json inner = opened.ok() ? Json::parse(*opened, nullptr, false) : Json();
    if (inner.is_object() && inner.contains("details") && inner["details"].is_object() && inner.contains("salt") &&
        inner["salt"].is_string()) {
      e.details = inner["details"];
      e.salt = inner["salt"];
    } else if (problems != nullptr) {
      problems->push_back("custody entry " + std::to_string(r.seq) + " (" + r.action + " by " + r.actor +
                          " at " + r.at + ") cannot be decrypted: its details were altered or moved");
    }
    out.push_back(std::move(e));
  }
  return out;
}

// --- ingest ---

EvidenceService::Upload::Upload(EvidenceService& svc, Actor who, NewEvidence in,
                                std::unique_ptr<vault::ObjectStore::Writer> writer)
    : svc_(svc), who_(std::move(who)), in_(std::move(in)), writer_(std::move(writer)) {}

EvidenceService::Upload::~Upload() = default;

Status EvidenceService::Upload::Write(const char* data, size_t n) {
  if (!writer_) return Internal("the upload is already finished");
  return writer_->Write(reinterpret_cast<const uint8_t*>(data), n);
}

Status EvidenceService::Upload::WriteFrom(int fd, const std::string& what) {
  if (!writer_) return Internal("the upload is already finished");
  return writer_->WriteFrom(fd, what);
}

Result<Json> EvidenceService::Upload::Finish() {
  if (!writer_) return Internal("the upload is already finished");
  const std::string media_type = vault::SniffMediaType(writer_->head());
  // The writer (and its ingest lock, which keeps `refuge evidence gc` from
  // taking the new object for an orphan) goes once the record is stored.
  std::unique_ptr<vault::ObjectStore::Writer> writer = std::move(writer_);
  auto info = writer->Finish();
  if (!info.ok()) return info.status();
  // The embedded metadata is read back from the stored object, so it is the
  // metadata of exactly the bytes kept.
  auto reader = svc_.vault_->objects().Open(info->name);
  if (!reader.ok()) return reader.status();
  Json metadata = vault::ExtractMetadata(**reader, media_type);
  return svc_.Store(who_, in_, *info, media_type, std::move(metadata), Json(),
                    who_.is_operator() ? "file" : "upload");
}

Result<std::unique_ptr<EvidenceService::Upload>> EvidenceService::BeginUpload(const Actor& who, NewEvidence in) {
  REFUGE_RETURN_IF_ERROR(RequireUnlocked());
  REFUGE_RETURN_IF_ERROR(ValidateNew(in));
  REFUGE_RETURN_IF_ERROR(store_.Read([&](Db& db) -> Status {
    Access access(db, who);
    REFUGE_RETURN_IF_ERROR(access.RequireRole({"lawyer", "advocate"}, "add evidence"));
    auto person = access.RequirePerson(in.subject);
    if (!person.ok()) {
      return person.status().code() == Code::kNotFound
                 ? Invalid("subject", "refers to person '" + in.subject + "', which does not exist")
                 : person.status();
    }
    if (!in.matter.empty()) {
      auto matter = access.RequireMatter(in.matter);
      if (!matter.ok()) {
        return matter.status().code() == Code::kNotFound
                   ? Invalid("matter", "refers to matter '" + in.matter + "', which does not exist")
                   : matter.status();
      }
    }
    if (!in.id.empty()) {
      REFUGE_ASSIGN_OR_RETURN(bool taken, db.Exists(domain::RefTarget::kEvidence, in.id));
      if (taken) return Conflict("evidence record '" + in.id + "' exists", "id");
    }
    return Status::Ok();
  }));
  REFUGE_ASSIGN_OR_RETURN(auto writer, vault_->objects().NewWriter(ObjectScope(in.matter, in.subject)));
  return std::unique_ptr<Upload>(new Upload(*this, who, std::move(in), std::move(writer)));
}

Result<Json> EvidenceService::AddFile(const Actor& who, const std::string& path, NewEvidence in) {
  REFUGE_RETURN_IF_ERROR(RequireUnlocked());
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return NotFound("cannot read " + path + ": there is no such file");
    return IoError("cannot read " + path + ": " + ErrnoText());
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Invalid("FILE", path + " is not a regular file");
  }
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  if (in.filename.empty()) in.filename = std::filesystem::path(path).filename().string();
  auto upload = BeginUpload(who, std::move(in));
  if (!upload.ok()) {
    ::close(fd);
    return upload.status();
  }
  Status s = (*upload)->WriteFrom(fd, path);
  ::close(fd);
  if (!s.ok()) return s;  // the upload is dropped: nothing is stored
  return (*upload)->Finish();
}

Result<Json> EvidenceService::Store(const Actor& who, const NewEvidence& in, const vault::ObjectInfo& info,
                                    const std::string& media_type, Json metadata, Json derivation,
                                    const std::string& source) {
  Json out;
  REFUGE_RETURN_IF_ERROR(store_.Write([&](Db& db) -> Status {
    EvidenceRow row;
    row.id = in.id.empty() ? NewId("evi") : in.id;
    if (!in.id.empty()) {
      REFUGE_ASSIGN_OR_RETURN(bool taken, db.Exists(domain::RefTarget::kEvidence, in.id));
      if (taken) return Conflict("evidence record '" + in.id + "' exists", "id");
    }
    REFUGE_ASSIGN_OR_RETURN(bool person, db.Exists(domain::RefTarget::kPerson, in.subject));
    if (!person) return Invalid("subject", "refers to person '" + in.subject + "', which does not exist");
    if (!in.matter.empty()) {
      REFUGE_ASSIGN_OR_RETURN(bool matter, db.Exists(domain::RefTarget::kMatter, in.matter));
      if (!matter) return Invalid("matter", "refers to matter '" + in.matter + "', which does not exist");
    }
    Json body = {{"sha256", info.sha256}, {"filename", in.filename}, {"metadata", std::move(metadata)}};
    if (!in.title.empty()) body["title"] = in.title;
    if (!in.source_url.empty()) body["source_url"] = in.source_url;
    if (!in.captured.empty()) body["captured"] = in.captured;
    if (!in.note.empty()) body["note"] = in.note;
    if (!derivation.is_null()) body["derivation"] = derivation;
    row.subject = in.subject;
    row.matter = in.matter;
    row.parent = derivation.is_null() ? "" : derivation.value("parent", "");
    row.object = info.name;
    row.size = static_cast<int64_t>(info.size);
    row.media_type = media_type;
    row.sealed = vault_->keys().Seal(body.dump(-1, ' ', false, Json::error_handler_t::replace), RecordContext(row.id));
    row.created_at = Now();
    row.created_by = who.is_operator() ? ActorName(who) : who.user;
    REFUGE_ASSIGN_OR_RETURN(auto same, db.EvidenceWithObject(info.name));
    REFUGE_RETURN_IF_ERROR(db.InsertEvidence(row));

    Json received = ReceivedDetails(info.sha256, info.size, media_type, in.filename, source);
    if (!derivation.is_null()) {
      received["derived_from"] = row.parent;
      for (const char* f : {"parent_sha256", "operation", "tools"}) {
        if (derivation.contains(f)) received[f] = derivation[f];
      }
    }
    if (info.repaired) received["object_repaired"] = true;
    // The same bytes were added before under the same matter (or person: object
    // names are scoped, ObjectScope): both records share the object, and the
    // older ones say so in their custody logs. The new record names only those
    // the actor may see.
    Json visible_same = Json::array();
    for (const auto& other : same) {
      REFUGE_ASSIGN_OR_RETURN(Loaded o, Load(db, other));
      if (CheckAccess(db, who, o, false).ok()) visible_same.push_back(other);
      REFUGE_RETURN_IF_ERROR(Append(db, o.row, who, "linked",
                                    Json{{"record", row.id}, {"reason", "the same file was added again"}}));
    }
    if (!visible_same.empty()) received["same_file_as"] = visible_same;
    REFUGE_RETURN_IF_ERROR(Append(db, row, who, "received", received));
    if (!row.parent.empty()) {
      REFUGE_ASSIGN_OR_RETURN(Loaded parent, Load(db, row.parent));
      REFUGE_RETURN_IF_ERROR(Append(db, parent.row, who, "redacted",
                                    Json{{"derivative", row.id}, {"sha256", info.sha256},
                                         {"operation", derivation.value("operation", "")}}));
    }
    out = Json{{"id", row.id}, {"sha256", info.sha256}, {"size", info.size}, {"media_type", media_type}};
    return Status::Ok();
  }));
  return out;
}

// --- reading ---

Result<Json> EvidenceService::Get(const Actor& who, const std::string& id) {
  REFUGE_RETURN_IF_ERROR(RequireUnlocked());
  Json out;
  EvidenceRow read;
  REFUGE_RETURN_IF_ERROR(store_.Write([&](Db& db) -> Status {
    REFUGE_ASSIGN_OR_RETURN(Loaded rec, Load(db, id));
    REFUGE_RETURN_IF_ERROR(CheckAccess(db, who, rec, false));
    REFUGE_RETURN_IF_ERROR(RequireAuthentic(rec));
    if (!rec.body_ok) return IoError("evidence record " + id + " is damaged: its sealed fields fail authentication");
    REFUGE_RETURN_IF_ERROR(Append(db, rec.row, who, "viewed", Json::object()));
    read = rec.row;
    out = RecordJson(rec.row, rec.body);
    Access access(db, who);
    Json events = Json::array();
    REFUGE_ASSIGN_OR_RETURN(auto event_ids, db.EventsCitingEvidence(id));
    for (const auto& eid : event_ids) {
      REFUGE_ASSIGN_OR_RETURN(auto e, db.GetEvent(eid));
      REFUGE_ASSIGN_OR_RETURN(bool visible, access.CanSeeEvent(e));
      if (visible) events.push_back(Json{{"id", e.id}, {"type", e.type}, {"date", e.date.ToString()}});
    }
    out["events"] = std::move(events);
    Json derivatives = Json::array();
    REFUGE_ASSIGN_OR_RETURN(auto derived, db.DerivativesOf(id));
    for (const auto& d : derived) {
      REFUGE_ASSIGN_OR_RETURN(Loaded drec, Load(db, d));
      if (drec.auth_ok() && CheckAccess(db, who, drec, false).ok()) derivatives.push_back(d);
    }
    out["derivatives"] = std::move(derivatives);
    out["custody"] = Json{{"entries", rec.row.custody_seq}, {"head", rec.row.custody_hash}};
    return Status::Ok();
  }));
  AuditRead(who, "evidence.read", read);
  return out;
}

Result<Page> EvidenceService::List(const Actor& who, const std::string& matter, const std::string& subject,
                                   const std::string& after, int limit) {
  REFUGE_RETURN_IF_ERROR(RequireUnlocked());
  if (!matter.empty() && domain::TargetOfId(matter) != domain::RefTarget::kMatter) {
    return Invalid("matter", "'" + matter + "' is not a matter id (mat_...)");
  }
  if (!subject.empty() && domain::TargetOfId(subject) != domain::RefTarget::kPerson) {
    return Invalid("subject", "'" + subject + "' is not a person id (per_...)");
  }
  limit = limit <= 0 ? 50 : std::min(limit, 1000);
  REFUGE_ASSIGN_OR_RETURN(const std::string position, cursors_.Open(who.user, "evidence", after));
  Page page;
  REFUGE_RETURN_IF_ERROR(store_.Read([&](Db& db) -> Status {
    std::string cursor = position;
    int shown = 0;
    while (shown < limit) {
      REFUGE_ASSIGN_OR_RETURN(auto rows, db.ListEvidence(matter, subject, cursor, kPage));
      for (const auto& row : rows) {
        cursor = row.id;
        REFUGE_ASSIGN_OR_RETURN(Loaded rec, Load(db, row.id));
        // A record whose authentication fails is left out: its matter or kind,
        // which decide who sees it, cannot be trusted.
        if (!rec.auth_ok() || !CheckAccess(db, who, rec, false).ok()) continue;
        Json item = {{"id", row.id}, {"subject", row.subject}, {"size", row.size},
                     {"media_type", row.media_type}, {"created_at", row.created_at}};
        if (!row.matter.empty()) item["matter"] = row.matter;
        if (!row.parent.empty()) item["parent"] = row.parent;
        for (const char* f : {"filename", "title", "captured"}) {
          if (rec.body.contains(f)) item[f] = rec.body[f];
        }
        page.items.push_back(std::move(item));
        if (++shown == limit) {
          page.next = cursors_.Seal(who.user, "evidence", row.id);
          break;
        }
      }
      if (rows.size() < static_cast<size_t>(kPage)) {
        if (shown < limit) page.next.clear();
        break;
      }
    }
    return Status::Ok();
  }));
  if (audit_ != nullptr) audit_->EnqueueForPersons(who, "evidence.list", matter, PersonsIn(page.items, "subject"));
  return page;
}

Result<EvidenceService::Content> EvidenceService::OpenContent(const Actor& who, const std::string& id,
                                                              const Json& details) {
  REFUGE_RETURN_IF_ERROR(RequireUnlocked());
  Content c;
  EvidenceRow read;
  REFUGE_RETURN_IF_ERROR(store_.Write([&](Db& db) -> Status {
    REFUGE_ASSIGN_OR_RETURN(Loaded rec, Load(db, id));
    REFUGE_RETURN_IF_ERROR(CheckAccess(db, who, rec, false));
    REFUGE_RETURN_IF_ERROR(RequireAuthentic(rec));
    if (!rec.body_ok) return IoError("evidence record " + id + " is damaged: its sealed fields fail authentication");
    REFUGE_RETURN_IF_ERROR(Append(db, rec.row, who, "downloaded", details));
    read = rec.row;
    c.media_type = rec.row.media_type;
    c.filename = rec.Str("filename");
    return Status::Ok();
  }));
  // The access is recorded even if the file then fails to open: it was asked for.
  AuditRead(who, "evidence.content", read, details);
  REFUGE_ASSIGN_OR_RETURN(c.reader, vault_->objects().Open(read.object));
  return c;
}

Result<Json> EvidenceService::SaveCopy(const Actor& who, const std::string& id, const std::string& out_path) {
  REFUGE_RETURN_IF_ERROR(RequireUnlocked());
  std::string sha;
  Json details = {{"to", out_path == "-" ? "standard output" : "a file"}};
  REFUGE_ASSIGN_OR_RETURN(Content c, OpenContent(who, id, details));
  REFUGE_RETURN_IF_ERROR(store_.Read([&](Db& db) -> Status {
    REFUGE_ASSIGN_OR_RETURN(Loaded rec, Load(db, id));
    sha = rec.Str("sha256");
    return Status::Ok();
  }));
  REFUGE_RETURN_IF_ERROR(WriteVerifiedCopy(*c.reader, sha, out_path));
  return Json{{"id", id}, {"sha256", sha}, {"size", c.reader->size()}, {"media_type", c.media_type},
              {"out", out_path}};
}

Result<Json> EvidenceService::CustodyLog(const Actor& who, const std::string& id) {
  REFUGE_RETURN_IF_ERROR(RequireUnlocked());
  Json out;
  EvidenceRow read;
  REFUGE_RETURN_IF_ERROR(store_.Read([&](Db& db) -> Status {
    REFUGE_ASSIGN_OR_RETURN(Loaded rec, Load(db, id));
    REFUGE_RETURN_IF_ERROR(CheckAccess(db, who, rec, false));
    // The operator may read a damaged record's log; a user sees it only through
    // fields that are authentic.
    if (!who.is_operator()) REFUGE_RETURN_IF_ERROR(RequireAuthentic(rec));
    read = rec.row;
    std::vector<std::string> problems;
    REFUGE_ASSIGN_OR_RETURN(auto entries, OpenChain(db, rec.row, &problems));
    vault::CustodyHead head{rec.row.custody_seq, rec.row.custody_hash, rec.row.custody_sig,
                            rec.row.custody_key, rec.row.custody_mac};
    auto chain = vault::VerifyChain(id, entries, head, [this](const std::string& msg, const std::string& mac) {
      return HeadMacOk(msg, mac);
    });
    problems.insert(problems.end(), rec.auth_problems.begin(), rec.auth_problems.end());
    problems.insert(problems.end(), chain.begin(), chain.end());
    Json list = Json::array();
    for (const auto& e : entries) list.push_back(vault::CustodyEntryToJson(e));
    out = Json{{"id", id},
               {"ok", problems.empty()},
               {"problems", problems},
               {"head", {{"seq", head.seq}, {"hash", head.hash}, {"signature", head.signature},
                         {"public_key", head.public_key}}},
               {"entries", std::move(list)}};
    return Status::Ok();
  }));
  AuditRead(who, "evidence.custody", read);
  return out;
}

// --- verification ---

Result<Json> EvidenceService::CheckRecord(Db& db, const Loaded& rec) const {
  const EvidenceRow& row = rec.row;
  std::vector<std::string> problems;
  if (!rec.body_ok) problems.push_back("the record's sealed fields fail authentication: they were altered");
  std::vector<std::string> chain_problems;
  REFUGE_ASSIGN_OR_RETURN(auto entries, OpenChain(db, row, &chain_problems));
  vault::CustodyHead head{row.custody_seq, row.custody_hash, row.custody_sig, row.custody_key, row.custody_mac};
  const auto& keys = vault_->keys();
  auto chain = vault::VerifyChain(row.id, entries, head, [this](const std::string& msg, const std::string& mac) {
    return HeadMacOk(msg, mac);
  });
  for (const auto& p : rec.auth_problems) problems.push_back(p);
  REFUGE_RETURN_IF_ERROR(CheckNotRolledBack(db, row, &chain_problems));
  chain_problems.insert(chain_problems.end(), chain.begin(), chain.end());
  if (row.custody_key != public_key_) {
    chain_problems.push_back("the custody head is signed with a key that is not this installation's");
  }
  // The record must still say what its first custody entry says was received.
  const std::string sha = rec.Str("sha256");
  if (!entries.empty() && entries.front().seq == 1 && entries.front().action == "received" &&
      entries.front().hash == vault::EntryHash(entries.front())) {
    const Json& d = entries.front().details;
    if (d.value("sha256", "") != sha && rec.body_ok) problems.push_back("the record's SHA-256 differs from the one it was received with");
    if (d.value("size", int64_t{-1}) != row.size) problems.push_back("the record's size differs from the size it was received with");
    if (d.value("media_type", "") != row.media_type) problems.push_back("the record's media type differs from the one it was received with");
  } else if (chain_problems.empty()) {
    chain_problems.push_back("custody entry 1 is not the receipt of the file");
  }
  auto raw_sha = vault::FromHex(sha);
  const std::string scope = ObjectScope(row.matter, row.subject);
  if (rec.body_ok && (!raw_sha || raw_sha->size() != 32 ||
                      (keys.ObjectName(*raw_sha, scope) != row.object && keys.ObjectName(*raw_sha) != row.object))) {
    problems.push_back("the record points at an object that does not hold its file");
  }
  vault::ObjectCheck object = vault_->objects().Verify(row.object, scope);
  Json object_json = {{"ok", object.ok}};
  if (!object.ok) {
    object_json["problem"] = object.problem;
    problems.push_back("the stored file: " + object.problem);
  } else if (rec.body_ok && object.sha256 != sha) {
    object_json["ok"] = false;
    problems.push_back("the stored file's SHA-256 differs from the record's");
  }
  for (const auto& p : chain_problems) problems.push_back(p);
  return Json{{"id", row.id},
              {"ok", problems.empty()},
              {"problems", problems},
              {"sha256", object.ok ? object.sha256 : sha},
              {"size", row.size},
              {"object", object_json},
              {"custody", {{"entries", entries.size()}, {"ok", chain_problems.empty()}}}};
}

Result<Json> EvidenceService::Verify(const Actor& who, const std::string& id) {
  REFUGE_RETURN_IF_ERROR(RequireUnlocked());
  Json result;
  // The re-hash runs on a snapshot, so writers are not held up by a long check.
  REFUGE_RETURN_IF_ERROR(store_.Read([&](Db& db) -> Status {
    REFUGE_ASSIGN_OR_RETURN(Loaded rec, Load(db, id));
    REFUGE_RETURN_IF_ERROR(CheckAccess(db, who, rec, false));
    REFUGE_ASSIGN_OR_RETURN(result, CheckRecord(db, rec));
    return Status::Ok();
  }));
  REFUGE_RETURN_IF_ERROR(store_.Write([&](Db& db) -> Status {
    REFUGE_ASSIGN_OR_RETURN(Loaded rec, Load(db, id));
    if (!rec.auth_ok()) {
      // Appending would authenticate the altered fields: the check goes to the
      // audit log only, and the record stays as it was found.
      result["custody"]["recorded"] = false;
      if (audit_ == nullptr) return Status::Ok();
      return audit_->Append(db, who, "evidence.verified", rec.row.id, rec.row.subject,
                            Json{{"ok", false}, {"authenticated", false}});
    }
    return Append(db, rec.row, who, "verified",
                  Json{{"ok", result["ok"]}, {"problems", result["problems"]}});
  }));
  return result;
}

Result<Json> EvidenceService::VerifyAll(const Actor& who) {
  REFUGE_RETURN_IF_ERROR(RequireUnlocked());
  std::vector<std::string> ids;
  REFUGE_RETURN_IF_ERROR(store_.Read([&](Db& db) -> Status {
    std::string after;
    while (true) {
      REFUGE_ASSIGN_OR_RETURN(auto rows, db.ListEvidence("", "", after, kPage));
      for (const auto& row : rows) {
        after = row.id;
        REFUGE_ASSIGN_OR_RETURN(Loaded rec, Load(db, row.id));
        if (CheckAccess(db, who, rec, false).ok()) ids.push_back(row.id);
      }
      if (rows.size() < static_cast<size_t>(kPage)) break;
    }
    return Status::Ok();
  }));
  Json items = Json::array();
  int64_t failed = 0;
  for (const auto& id : ids) {
    REFUGE_ASSIGN_OR_RETURN(Json r, Verify(who, id));
    if (!r["ok"].get<bool>()) ++failed;
    items.push_back(std::move(r));
  }
  Json out = {{"ok", failed == 0}, {"checked", ids.size()}, {"failed", failed}, {"items", std::move(items)}};
  if (who.is_operator()) {
    // A stored file that no record refers to: a record was removed behind
    // Refuge's back (or an ingest failed after the file was stored).
    REFUGE_ASSIGN_OR_RETURN(const std::set<std::string> referenced, ObjectsOfRecords(store_));
    Json orphans = Json::array();
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(vault_->dir() + "/objects", ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_regular_file()) continue;
      const std::string name = it->path().filename().string();
      if (!referenced.count(name)) orphans.push_back(name);
    }
    // An orphan alone is no damage: an ingest that failed or crashed after its
    // file was stored leaves one (refuge evidence gc removes them). A record
    // removed behind Refuge's back is damage, and the audit log, which names
    // every record received, shows it.
    if (!orphans.empty()) out["orphans"] = orphans;
    Json missing = Json::array();
    REFUGE_RETURN_IF_ERROR(store_.Read([&](Db& db) -> Status {
      int64_t after = 0;
      while (true) {
        REFUGE_ASSIGN_OR_RETURN(auto entries, db.ListAudit(after, 1000, "", ""));
        for (const auto& e : entries) {
          after = e.seq;
          if (e.action != "evidence.received") continue;
          REFUGE_ASSIGN_OR_RETURN(bool exists, db.Exists(domain::RefTarget::kEvidence, e.target));
          if (!exists) missing.push_back(e.target);
        }
        if (entries.size() < 1000) break;
      }
      return Status::Ok();
    }));
    if (!missing.empty()) {
      out["ok"] = false;
      out["missing"] = missing;
    }
  }
  return out;
}

Result<Json> EvidenceService::CollectGarbage(bool remove) {
  REFUGE_RETURN_IF_ERROR(RequireUnlocked());
  // No ingest may run meanwhile: its object is stored before its record.
  REFUGE_ASSIGN_OR_RETURN(int lock, vault_->objects().IngestLock(true));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{lock};
  REFUGE_ASSIGN_OR_RETURN(const std::set<std::string> referenced, ObjectsOfRecords(store_));
  Json orphans = Json::array();
  std::set<std::string> dirs;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(vault_->dir() + "/objects", ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    const std::string name = it->path().filename().string();
    if (referenced.count(name)) continue;
    Json item = {{"object", name}, {"bytes", it->file_size()}};
    if (remove) {
      REFUGE_RETURN_IF_ERROR(vault_->disk().Remove(it->path().string()));
      dirs.insert(it->path().parent_path().string());
    }
    orphans.push_back(std::move(item));
  }
  if (ec) return IoError("cannot list the vault's objects: " + ec.message());
  for (const auto& d : dirs) REFUGE_RETURN_IF_ERROR(vault_->disk().SyncDir(d));
  return Json{{"orphans", orphans}, {"removed", remove ? orphans.size() : 0}};
}

// --- safe copies ---

Result<Json> EvidenceService::RedactLoaded(const Actor& who, const Loaded& rec, const std::string& out_path,
                                           const std::string& matter) {
  if (!rec.row.parent.empty()) {
    return Invalid("id", rec.row.id + " is already a redacted copy (of " + rec.row.parent + "); redact the original");
  }
  REFUGE_RETURN_IF_ERROR(RequireAuthentic(rec));
  if (!rec.body_ok) return IoError("evidence record " + rec.row.id + " is damaged: its sealed fields fail authentication");
  if (!vault::CanRedact(rec.row.media_type)) {
    return Status(Code::kUnsupportedMedia, "Refuge cannot remove metadata from " + rec.row.media_type +
                                               " files safely (it cleans JPEG, PNG, MP4, MOV and Matroska); no copy was made");
  }
  REFUGE_ASSIGN_OR_RETURN(auto reader, vault_->objects().Open(rec.row.object));
  REFUGE_ASSIGN_OR_RETURN(int fd, vault_->OpenScratchFile());
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  REFUGE_ASSIGN_OR_RETURN(Json report, vault::Redact(*reader, rec.row.media_type, fd));
  // The copy goes into the vault like any file, and out to the caller if asked.
  vault::FdSource copy(fd);
  const std::string copy_matter = matter.empty() ? rec.row.matter : matter;
  REFUGE_ASSIGN_OR_RETURN(auto writer, vault_->objects().NewWriter(ObjectScope(copy_matter, rec.row.subject)));
  std::vector<uint8_t> buf(kReadBytes);
  for (uint64_t off = 0; off < copy.size();) {
    REFUGE_ASSIGN_OR_RETURN(size_t n, copy.ReadAt(off, buf.data(), buf.size()));
    if (n == 0) return IoError("the redacted copy ended early");
    REFUGE_RETURN_IF_ERROR(writer->Write(buf.data(), n));
    off += n;
  }
  REFUGE_ASSIGN_OR_RETURN(vault::ObjectInfo info, writer->Finish());
  NewEvidence in;
  in.subject = rec.row.subject;
  in.matter = matter.empty() ? rec.row.matter : matter;
  in.title = rec.Str("title");
  in.captured = rec.Str("captured");
  in.filename = rec.row.id + "-redacted" + vault::ExtensionFor(rec.row.media_type);
  Json derivation = {{"parent", rec.row.id},
                     {"parent_sha256", rec.Str("sha256")},
                     {"operation", report.value("operation", "")},
                     {"format", report.value("format", "")},
                     {"tools", report["tools"]},
                     {"removed", report["removed"]},
                     {"kept", report["kept"]}};
  auto reader_copy = vault_->objects().Open(info.name);
  if (!reader_copy.ok()) return reader_copy.status();
  Json metadata = vault::ExtractMetadata(**reader_copy, rec.row.media_type);
  REFUGE_ASSIGN_OR_RETURN(Json stored, Store(who, in, info, rec.row.media_type, std::move(metadata),
                                              derivation, "redaction"));
  if (!out_path.empty()) REFUGE_RETURN_IF_ERROR(WriteVerifiedCopy(copy, info.sha256, out_path));
  stored["parent"] = rec.row.id;
  if (!in.matter.empty()) stored["matter"] = in.matter;
  stored["report"] = report;
  return stored;
}

Result<Json> EvidenceService::Redact(const Actor& who, const std::string& id, const std::string& out_path,
                                     const std::string& matter) {
  REFUGE_RETURN_IF_ERROR(RequireUnlocked());
  Loaded rec;
  REFUGE_RETURN_IF_ERROR(store_.Read([&](Db& db) -> Status {
    REFUGE_ASSIGN_OR_RETURN(rec, Load(db, id));
    REFUGE_RETURN_IF_ERROR(CheckAccess(db, who, rec, true));
    if (matter.empty() || matter == rec.row.matter) return Status::Ok();
    // Filing the copy under another matter shows it to that matter's team (an
    // advocacy campaign publishing it). Only a safe copy moves, only within the
    // client's own matters, and only to a team the lawyer is on.
    if (domain::TargetOfId(matter) != domain::RefTarget::kMatter) {
      return Invalid("matter", "'" + matter + "' is not a matter id (mat_...)");
    }
    Access access(db, who);
    auto target = access.RequireMatter(matter);
    if (!target.ok()) {
      return target.status().code() == Code::kNotFound
                 ? Invalid("matter", "refers to matter '" + matter + "', which does not exist")
                 : target.status();
    }
    if (target->body.value("client", "") != rec.row.subject) {
      return Invalid("matter", "matter " + matter + " is not a matter of " + rec.row.subject +
                                   ", whom this evidence concerns; a safe copy is filed only under its client's matters");
    }
    return Status::Ok();
  }));
  return RedactLoaded(who, rec, out_path, matter);
}

// --- export ---

struct BagDownload::Plan {
  struct Payload {
    std::string evidence;
    std::string object;
    std::string path;    // "data/<id>/<file>"
    std::string sha256;  // the record's
    uint64_t size = 0;   // the object's
  };
  std::vector<Payload> payload;  // in the order of `items`
  Json items = Json::array();    // refuge-custody.json's items, without their "sha512"
  Json withheld = Json::array();
  std::string matter, client, public_key, exported_at, index_html;
  std::vector<std::pair<std::string, std::string>> info;  // bag-info.txt without Payload-Oxum
  bool redacted = false;
  int64_t mtime = 0;
  uint64_t bytes = 0;

  std::string CustodyFile(const Json& with_sha512) const {
    Json custody = {{"format", "refuge-custody"}, {"version", 1}, {"public_key", public_key},
                    {"exported_at", exported_at}, {"items", with_sha512}};
    return custody.dump(1, '\t') + "\n";
  }
};

namespace {

std::string IndexHtml(const std::string& heading, const std::string& intro, const Json& items, bool redacted) {
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + HtmlEscape(heading) +
                  "</title>\n<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
                  "td,th{border:1px solid #999;padding:.3em .6em;text-align:left;vertical-align:top}"
                  "code{font-size:.85em;word-break:break-all}</style></head><body>\n<h1>" +
                  HtmlEscape(heading) + "</h1>\n<p>" + HtmlEscape(intro) + "</p>\n<table>\n<tr><th>#</th><th>Exhibit</th>";
  h += redacted ? "<th>Copy of (SHA-256 of the original)</th>" : "<th>Title</th><th>Captured</th>";
  h += "<th>Type</th><th>Bytes</th><th>SHA-256</th><th>Custody entries</th></tr>\n";
  int n = 0;
  for (const auto& it : items) {
    ++n;
    const std::string path = it["payload"];
    h += "<tr><td>" + std::to_string(n) + "</td><td><a href=\"" + UrlPath(path) + "\">" + HtmlEscape(path) +
         "</a><br><code>" + HtmlEscape(it["evidence"].get<std::string>()) + "</code></td>";
    if (redacted) {
      h += "<td><code>" + HtmlEscape(it.value("parent_sha256", "")) + "</code></td>";
    } else {
      h += "<td>" + HtmlEscape(it.value("title", "")) + "</td><td>" + HtmlEscape(it.value("captured", "")) + "</td>";
    }
    h += "<td>" + HtmlEscape(it.value("media_type", "")) + "</td><td>" + std::to_string(it.value("size", int64_t{0})) +
         "</td><td><code>" + HtmlEscape(it.value("sha256", "")) + "</code></td><td>" +
         std::to_string(it["entries"].size()) + "</td></tr>\n";
  }
  h += "</table>\n<p>Checksums of every file are in manifest-sha256.txt and manifest-sha512.txt; the chain of "
       "custody of each exhibit, with its Ed25519-signed head, is in refuge-custody.json. "
       "<code>refuge evidence verify-bag DIR</code> checks all of it offline.</p>\n</body></html>\n";
  return h;
}

}  // namespace

Result<std::unique_ptr<BagDownload::Plan>> EvidenceService::PlanBag(const Actor& who, const ExportRequest& req) {
  REFUGE_RETURN_IF_ERROR(RequireUnlocked());
  if (req.matter.empty()) return Invalid("matter", "name the matter to export");
  // It becomes a line of bag-info.txt.
  if (req.organization.empty() || req.organization.size() > 200 ||
      std::any_of(req.organization.begin(), req.organization.end(),
                  [](unsigned char c) { return c < 0x20 || c == 0x7f; })) {
    return Invalid("organization", "give the organization's name on one line, at most 200 bytes");
  }
  std::vector<Loaded> records;
  std::string matter_title;
  std::string client;
  REFUGE_RETURN_IF_ERROR(store_.Read([&](Db& db) -> Status {
    Access access(db, who);
    auto matter = access.RequireMatter(req.matter);
    if (!matter.ok()) return matter.status();
    matter_title = matter->body.value("title", "");
    client = matter->body.value("client", "");
    REFUGE_RETURN_IF_ERROR(access.RequireRole({"lawyer"}, "export evidence"));
    std::string after;
    while (true) {
      REFUGE_ASSIGN_OR_RETURN(auto rows, db.ListEvidence(req.matter, "", after, kPage));
      for (const auto& row : rows) {
        after = row.id;
        REFUGE_ASSIGN_OR_RETURN(Loaded rec, Load(db, row.id));
        REFUGE_RETURN_IF_ERROR(RequireAuthentic(rec));
        if (!rec.body_ok) return IoError("evidence record " + row.id + " is damaged; run refuge evidence verify " + row.id);
        records.push_back(std::move(rec));
      }
      if (rows.size() < static_cast<size_t>(kPage)) break;
    }
    return Status::Ok();
  }));

  // What goes in: the originals, or for each original its newest safe copy
  // (made now when there is none). Originals that cannot be cleaned are withheld.
  // A safe copy filed here whose original is under another matter (published
  // by a campaign) goes in as it is.
  std::vector<Loaded> payload;
  Json withheld = Json::array();
  if (!req.redacted) {
    payload = records;
  } else {
    std::map<std::string, const Loaded*> newest_copy;
    std::set<std::string> originals;
    for (const auto& r : records) {
      if (r.row.parent.empty()) {
        originals.insert(r.row.id);
        continue;
      }
      auto& slot = newest_copy[r.row.parent];
      if (slot == nullptr || r.row.id > slot->row.id) slot = &r;
    }
    for (const auto& [parent, copy] : newest_copy) {
      if (!originals.count(parent)) payload.push_back(*copy);
    }
    for (const auto& r : records) {
      if (!r.row.parent.empty()) continue;
      auto it = newest_copy.find(r.row.id);
      if (it != newest_copy.end()) {
        payload.push_back(*it->second);
        continue;
      }
      if (!vault::CanRedact(r.row.media_type)) {
        withheld.push_back(Json{{"id", r.row.id}, {"media_type", r.row.media_type},
                                {"reason", "Refuge cannot remove metadata from " + r.row.media_type + " files safely"}});
        continue;
      }
      auto made = RedactLoaded(who, r, "", "");
      if (!made.ok()) {
        if (made.status().code() != Code::kUnsupportedMedia) return made.status();
        withheld.push_back(Json{{"id", r.row.id}, {"media_type", r.row.media_type}, {"reason", made.status().message()}});
        continue;
      }
      REFUGE_RETURN_IF_ERROR(store_.Read([&](Db& db) -> Status {
        REFUGE_ASSIGN_OR_RETURN(Loaded copy, Load(db, (*made)["id"].get<std::string>()));
        payload.push_back(std::move(copy));
        return Status::Ok();
      }));
    }
  }
  if (payload.empty()) {
    return Invalid("matter", req.redacted ? "matter " + req.matter + " has no evidence that can be exported as safe copies"
                                          : "matter " + req.matter + " has no evidence records");
  }

  auto plan = std::make_unique<BagDownload::Plan>();
  plan->matter = req.matter;
  plan->client = client;
  plan->redacted = req.redacted;
  plan->withheld = withheld;
  plan->public_key = public_key_;
  plan->mtime = clock_.NowUnixSeconds();
  for (const auto& rec : payload) {
    std::vector<std::string> problems;
    std::vector<vault::CustodyEntry> entries;
    REFUGE_RETURN_IF_ERROR(store_.Read([&](Db& db) -> Status {
      REFUGE_ASSIGN_OR_RETURN(entries, OpenChain(db, rec.row, &problems));
      return Status::Ok();
    }));
    vault::CustodyHead head{rec.row.custody_seq, rec.row.custody_hash, rec.row.custody_sig, rec.row.custody_key, ""};
    auto chain = vault::VerifyChain(rec.row.id, entries, head, nullptr);
    problems.insert(problems.end(), chain.begin(), chain.end());
    if (!problems.empty()) {
      return IoError("the custody log of " + rec.row.id + " does not verify (" + problems.front() +
                     "); the export was stopped; run refuge evidence verify " + rec.row.id);
    }
    // The size is the object's own (authenticated in its header); the bytes
    // are read, and checked against the record's SHA-256, when the bag is written.
    uint64_t size = 0;
    {
      REFUGE_ASSIGN_OR_RETURN(auto reader, vault_->objects().Open(rec.row.object));
      size = reader->size();
    }
    const std::string path = "data/" + rec.row.id + "/" + SafeFilename(rec.Str("filename"));
    if (!vault::IsSafeBagPath(path)) return Invalid("path", "unsafe payload path: " + path);
    plan->payload.push_back({rec.row.id, rec.row.object, path, rec.Str("sha256"), size});
    plan->bytes += size;
    Json entry_list = Json::array();
    for (const auto& e : entries) entry_list.push_back(vault::CustodyEntryToJson(e));
    Json item = {{"evidence", rec.row.id},
                 {"payload", path},
                 {"sha256", rec.Str("sha256")},
                 {"size", size},
                 {"media_type", rec.row.media_type},
                 {"head", {{"seq", rec.row.custody_seq}, {"hash", rec.row.custody_hash},
                           {"signature", rec.row.custody_sig}, {"public_key", rec.row.custody_key}}},
                 {"entries", std::move(entry_list)}};
    if (req.redacted) {
      item["parent_sha256"] = rec.body.contains("derivation") ? rec.body["derivation"].value("parent_sha256", "") : "";
    } else {
      for (const char* f : {"title", "captured", "source_url", "filename"}) {
        if (rec.body.contains(f)) item[f] = rec.body[f];
      }
    }
    plan->items.push_back(std::move(item));
  }
  const std::string today = FormatCivil(CivilFromDays(clock_.NowUnixSeconds() / 86400));
  plan->exported_at = Now();
  const std::string heading = req.redacted ? "Exhibits (safe copies, identifying metadata removed)"
                                           : "Evidence of matter " + req.matter + (matter_title.empty() ? "" : ": " + matter_title);
  const std::string intro = std::to_string(plan->items.size()) + " exhibit(s), bagged " + today + " by " + req.organization + ".";
  plan->index_html = IndexHtml(heading, intro, plan->items, req.redacted);
  plan->info = {
      {"Source-Organization", req.organization},
      {"Bagging-Date", today},
      {"External-Description", req.redacted ? std::to_string(plan->items.size()) +
                                                  " exhibits as safe copies: identifying metadata removed, image "
                                                  "data and streams unchanged"
                                            : "Evidence of matter " + req.matter + " with its chain of custody"},
      {"External-Identifier", req.matter},
      {"Bag-Software-Agent", "refuge 0.1.0"},
  };
  return plan;
}

Status EvidenceService::RecordExport(const Actor& who, const BagDownload::Plan& plan, const std::string& bag_name) {
  return store_.Write([&](Db& db) -> Status {
    Json exhibits = Json::array();
    for (const auto& it : plan.items) {
      REFUGE_ASSIGN_OR_RETURN(Loaded rec, Load(db, it["evidence"].get<std::string>()));
      REFUGE_RETURN_IF_ERROR(Append(db, rec.row, who, "exported",
                                    Json{{"bag", bag_name}, {"payload", it["payload"]}, {"redacted", plan.redacted}}));
      exhibits.push_back(rec.row.id);
    }
    if (audit_ == nullptr) return Status::Ok();
    return audit_->Append(db, who, "evidence.export", plan.matter, plan.client,
                          Json{{"bag", bag_name}, {"redacted", plan.redacted}, {"evidence", exhibits}});
  });
}

Result<Json> EvidenceService::Export(const Actor& who, const ExportRequest& req) {
  REFUGE_RETURN_IF_ERROR(RequireUnlocked());
  if (req.matter.empty()) return Invalid("matter", "name the matter to export");
  if (req.out_dir.empty()) return Invalid("out", "name the directory to write the bag to");
  REFUGE_ASSIGN_OR_RETURN(auto plan, PlanBag(who, req));
  REFUGE_ASSIGN_OR_RETURN(auto bag, vault::BagWriter::Create(req.out_dir));
  for (size_t i = 0; i < plan->payload.size(); ++i) {
    const auto& p = plan->payload[i];
    REFUGE_ASSIGN_OR_RETURN(auto reader, vault_->objects().Open(p.object));
    REFUGE_ASSIGN_OR_RETURN(auto written, bag->AddPayload(p.path.substr(5), *reader));
    if (written.sha256 != p.sha256 || written.size != p.size) {
      return IoError("evidence " + p.evidence + " no longer has the SHA-256 it was received with; the export "
                     "was stopped; run refuge evidence verify " + p.evidence);
    }
    plan->items[i]["sha512"] = written.sha512;
  }
  REFUGE_RETURN_IF_ERROR(bag->AddTagFile(vault::kCustodyTagFile, plan->CustodyFile(plan->items)));
  REFUGE_RETURN_IF_ERROR(bag->AddTagFile("index.html", plan->index_html));
  REFUGE_RETURN_IF_ERROR(bag->Finish(plan->info));

  // Only a finished bag is recorded as an export.
  REFUGE_RETURN_IF_ERROR(RecordExport(who, *plan, std::filesystem::path(req.out_dir).filename().string()));
  return Json{{"bag", req.out_dir}, {"items", plan->items.size()}, {"bytes", plan->bytes}, {"redacted", req.redacted},
              {"withheld", plan->withheld}};
}

Result<int64_t> EvidenceService::AuthenticateOlderRecords() {
  REFUGE_RETURN_IF_ERROR(RequireUnlocked());
  const std::string marker = AuthMarkerPath(vault_->dir());
  if (::access(marker.c_str(), F_OK) == 0) return int64_t{0};
  int64_t done = 0;
  REFUGE_RETURN_IF_ERROR(store_.Write([&](Db& db) -> Status {
    std::string after;
    while (true) {
      REFUGE_ASSIGN_OR_RETURN(auto rows, db.ListEvidence("", "", after, kPage));
      for (auto& row : rows) {
        after = row.id;
        if (IsRecordAuth(row.custody_mac)) continue;
        // Only a head the old MAC vouches for is carried over; any other stays
        // unauthenticated, and verification names it.
        if (!ConstantTimeEquals(vault_->keys().CustodyMac(vault::HeadMessage(row.id, row.custody_seq, row.custody_hash)),
                                row.custody_mac)) {
          continue;
        }
        row.custody_mac = std::string(kAuthPrefix) + vault_->keys().Seal(AuthFields(row).dump(), AuthContext(row.id));
        REFUGE_RETURN_IF_ERROR(db.SetCustodyHead(row));
        ++done;
      }
      if (rows.size() < static_cast<size_t>(kPage)) break;
    }
    return Status::Ok();
  }));
  REFUGE_RETURN_IF_ERROR(vault::WriteSmallFileAtomically(
      vault_->disk(), marker,
      "Every evidence record of this vault carries a record authentication (docs/vault-format.md, 3.1).\n"));
  return done;
}

BagDownload::BagDownload(vault::ObjectStore& objects, std::unique_ptr<Plan> plan, std::string name, Json summary)
    : objects_(objects), plan_(std::move(plan)), name_(std::move(name)), summary_(std::move(summary)) {}

BagDownload::~BagDownload() = default;

Status BagDownload::WriteTar(vault::ByteSink& out) const {
  const Plan& plan = *plan_;
  // The entries in byte order of their paths, as vault::WriteTar archives a
  // bag directory: bag-info.txt and bagit.txt come before data/, and the
  // manifests and the custody file, which need every payload's digests, after it.
  enum class Kind { kDir, kTag, kPayload, kLate };
  struct Entry {
    std::string rel;
    Kind kind;
    size_t index = 0;  // into plan.payload
  };
  std::vector<Entry> entries;
  std::set<std::string> dirs = {"data"};
  for (size_t i = 0; i < plan.payload.size(); ++i) {
    const std::string& path = plan.payload[i].path;
    entries.push_back({path, Kind::kPayload, i});
    for (size_t pos = path.find('/'); pos != std::string::npos; pos = path.find('/', pos + 1)) {
      dirs.insert(path.substr(0, pos));
    }
  }
  for (const auto& d : dirs) entries.push_back({d, Kind::kDir});
  std::map<std::string, std::string> early = {
      {"bagit.txt", "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"},
      {"bag-info.txt", vault::BagInfoText(plan.info, plan.bytes, plan.payload.size())},
      {"index.html", plan.index_html}};
  for (const auto& [rel, content] : early) entries.push_back({rel, Kind::kTag});
  for (const char* rel : {"manifest-sha256.txt", "manifest-sha512.txt", vault::kCustodyTagFile,
                          "tagmanifest-sha256.txt", "tagmanifest-sha512.txt"}) {
    entries.push_back({rel, Kind::kLate});
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.rel < b.rel; });

  REFUGE_ASSIGN_OR_RETURN(auto tar, vault::TarStream::Open(out));
  REFUGE_RETURN_IF_ERROR(tar->AddDirectory(name_ + "/", plan.mtime));
  auto add_text = [&](const std::string& rel, const std::string& content) -> Status {
    REFUGE_RETURN_IF_ERROR(tar->BeginFile(name_ + "/" + rel, content.size(), plan.mtime));
    return tar->WriteData(reinterpret_cast<const uint8_t*>(content.data()), content.size());
  };
  std::vector<vault::BagWriter::Payload> sent;
  Json items = plan.items;
  std::map<std::string, std::string> late;
  std::vector<uint8_t> buf(1 << 20);
  bool started = false;
  for (const auto& e : entries) {
    switch (e.kind) {
      case Kind::kDir:
        REFUGE_RETURN_IF_ERROR(tar->AddDirectory(name_ + "/" + e.rel + "/", plan.mtime));
        break;
      case Kind::kTag:
        REFUGE_RETURN_IF_ERROR(add_text(e.rel, early.at(e.rel)));
        break;
      case Kind::kPayload: {
        if (!started) {  // the start of the bag goes out before any payload is read
          REFUGE_RETURN_IF_ERROR(tar->Flush());
          started = true;
        }
        const Plan::Payload& p = plan.payload[e.index];
        auto reader = objects_.Open(p.object);
        if (!reader.ok() || (*reader)->size() != p.size) {
          Status why = reader.ok() ? IoError("its object's size differs from the planned one") : reader.status();
          spdlog::error("bag {}: evidence {} cannot be read from the vault ({}); the download was broken off",
                        name_, p.evidence, why.ToString());
          return IoError("evidence " + p.evidence + " cannot be read: " + why.message());
        }
        REFUGE_RETURN_IF_ERROR(tar->BeginFile(name_ + "/" + p.path, p.size, plan.mtime));
        vault::Digests digests({"sha256", "sha512"});
        uint64_t off = 0;
        while (off < p.size) {
          auto n = (*reader)->ReadAt(off, buf.data(), static_cast<size_t>(std::min<uint64_t>(buf.size(), p.size - off)));
          if (!n.ok() || *n == 0) {
            Status why = n.ok() ? IoError("the object ended early") : n.status();
            spdlog::error("bag {}: evidence {} failed while it was read from the vault ({}); the download was broken off",
                          name_, p.evidence, why.ToString());
            return IoError("evidence " + p.evidence + " is damaged: " + why.message());
          }
          digests.Update(buf.data(), *n);
          REFUGE_RETURN_IF_ERROR(tar->WriteData(buf.data(), *n));
          off += *n;
        }
        auto sums = digests.Final();
        if (sums["sha256"] != p.sha256) {
          spdlog::error("bag {}: evidence {} no longer has the SHA-256 it was received with; the download was "
                        "broken off before the manifests; run refuge evidence verify {}",
                        name_, p.evidence, p.evidence);
          return IoError("evidence " + p.evidence + " no longer has the SHA-256 it was received with");
        }
        sent.push_back({p.path, p.size, sums["sha256"], sums["sha512"]});
        items[e.index]["sha512"] = sums["sha512"];
        break;
      }
      case Kind::kLate:
        if (late.empty()) {
          if (sent.size() != plan.payload.size()) return Internal("a manifest would come before its payload");
          const std::string custody = plan.CustodyFile(items);
          late = vault::BagWriter::TagFiles(sent, {{vault::kCustodyTagFile, custody}, {"index.html", plan.index_html}},
                                            plan.info);
          late[vault::kCustodyTagFile] = custody;
          // What was sent up front must be what the tag manifest covers.
          if (late.at("bag-info.txt") != early.at("bag-info.txt") || late.at("bagit.txt") != early.at("bagit.txt")) {
            return Internal("bag-info.txt changed while the bag was sent");
          }
        }
        REFUGE_RETURN_IF_ERROR(add_text(e.rel, late.at(e.rel)));
        break;
    }
  }
  return tar->Close();
}

Result<std::unique_ptr<BagDownload>> EvidenceService::ExportForDownload(const Actor& who, const std::string& matter,
                                                                        bool redacted,
                                                                        const std::string& organization) {
  REFUGE_RETURN_IF_ERROR(RequireUnlocked());
  if (domain::TargetOfId(matter) != domain::RefTarget::kMatter) return NotFound("no matter '" + matter + "'");
  // Each download decrypts and hashes its payload while it is sent, so only a
  // few run at once; the slot is given back when the BagDownload (or this
  // function, on failure) lets go of it.
  std::shared_ptr<std::atomic<int>> count = bag_downloads_;
  if (count->fetch_add(1) >= kMaxBagDownloads) {
    count->fetch_sub(1);
    return Status(Code::kIo,
                  "two bags are being built or downloaded already; try again when one is done", kBusyField);
  }
  std::shared_ptr<void> slot(nullptr, [count](void*) { count->fetch_sub(1); });
  const std::string today = FormatCivil(CivilFromDays(clock_.NowUnixSeconds() / 86400));
  const std::string name = SafeFilename(matter + (redacted ? "-safe-copies-" : "-bag-") + today);
  ExportRequest req;
  req.matter = matter;
  req.redacted = redacted;
  if (!organization.empty()) req.organization = organization;
  REFUGE_ASSIGN_OR_RETURN(auto plan, PlanBag(who, req));
  // Recorded before the first byte goes out, as a bag built on disk was: a
  // client that reads part of the bag has still had the evidence.
  REFUGE_RETURN_IF_ERROR(RecordExport(who, *plan, name));
  Json summary = {{"bag", name}, {"items", plan->items.size()}, {"bytes", plan->bytes}, {"redacted", redacted},
                  {"withheld", plan->withheld}};
  std::unique_ptr<BagDownload> bag(new BagDownload(vault_->objects(), std::move(plan), name, std::move(summary)));
  bag->slot_ = std::move(slot);
  return bag;
}

Result<Json> EvidenceService::VerifyBag(const std::string& dir) {
  REFUGE_ASSIGN_OR_RETURN(vault::BagReport report, vault::VerifyBag(dir));
  return report.ToJson();
}

// --- links and transfers ---

Result<Json> EvidenceService::LinkEvent(const Actor& who, const std::string& id, const std::string& event_id) {
  REFUGE_RETURN_IF_ERROR(RequireUnlocked());
  Json out;
  REFUGE_RETURN_IF_ERROR(store_.Write([&](Db& db) -> Status {
    REFUGE_ASSIGN_OR_RETURN(Loaded rec, Load(db, id));
    REFUGE_RETURN_IF_ERROR(CheckAccess(db, who, rec, false));
    REFUGE_RETURN_IF_ERROR(RequireAuthentic(rec));
    Access access(db, who);
    if (!who.is_operator()) REFUGE_RETURN_IF_ERROR(access.RequireRole({"lawyer", "advocate"}, "link evidence"));
    auto e = db.GetEvent(event_id);
    bool visible = e.ok();
    if (visible) {
      REFUGE_ASSIGN_OR_RETURN(visible, access.CanSeeEvent(*e));
    }
    if (!visible) return Invalid("event", "refers to event '" + event_id + "', which does not exist");
    // One client's evidence is never part of another client's record.
    if (e->subject != rec.row.subject) {
      return Invalid("event", "event " + event_id + " concerns another person than " + id +
                                  " does; evidence is linked only to its own client's events");
    }
    if (e->Str("evidence") != id) {
      return Invalid("event", "event " + event_id + " does not name " + id + " in its evidence field; set it first");
    }
    REFUGE_ASSIGN_OR_RETURN(auto entries, OpenChain(db, rec.row, nullptr));
    for (const auto& c : entries) {
      if (c.action == "linked" && c.details.value("event", "") == event_id) {
        out = Json{{"id", id}, {"event", event_id}, {"custody_seq", c.seq}};
        return Status::Ok();
      }
    }
    REFUGE_RETURN_IF_ERROR(Append(db, rec.row, who, "linked",
                                  Json{{"event", event_id}, {"type", e->type}, {"date", e->date.ToString()}}));
    out = Json{{"id", id}, {"event", event_id}, {"custody_seq", rec.row.custody_seq}};
    return Status::Ok();
  }));
  return out;
}

Result<Json> EvidenceService::Transfer(const Actor& who, const std::string& id, const std::string& to,
                                       const std::string& note) {
  REFUGE_RETURN_IF_ERROR(RequireUnlocked());
  if (to.empty()) return Invalid("to", "say to whom the evidence was handed (a person, an organization, a court)");
  REFUGE_RETURN_IF_ERROR(CheckText(to, "to", 1000));
  REFUGE_RETURN_IF_ERROR(CheckText(note, "note", kMaxText));
  Json out;
  REFUGE_RETURN_IF_ERROR(store_.Write([&](Db& db) -> Status {
    REFUGE_ASSIGN_OR_RETURN(Loaded rec, Load(db, id));
    REFUGE_RETURN_IF_ERROR(CheckAccess(db, who, rec, true));
    REFUGE_RETURN_IF_ERROR(RequireAuthentic(rec));
    Json details = {{"to", to}};
    if (!note.empty()) details["note"] = note;
    REFUGE_RETURN_IF_ERROR(Append(db, rec.row, who, "transferred", details));
    out = Json{{"id", id}, {"custody_seq", rec.row.custody_seq}};
    return Status::Ok();
  }));
  return out;
}

}  // namespace refuge::app
