#include "refuge/app/audit_log.h"

#include <fcntl.h>
#include <sodium.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "refuge/auth/audit.h"
#include "refuge/base/date.h"

namespace refuge::app {

namespace {

store::AuditEntry MakeEntry(const Actor& who, const std::string& action, const std::string& target,
                            const std::string& person, const nlohmann::json& details) {
  store::AuditEntry e;
  e.actor = who.user;
  e.action = action;
  e.target = target;
  e.person = person;
  e.address = who.address;
  e.details = details.dump();
  return e;
}

// The head a write transaction on this thread has moved the log to, until the
// transaction ends (Store::SetAfterWrite).
struct PendingHead {
  bool active = false;
  bool extends_file = false;  // the log it extends holds the copy outside the database
  store::AuditHead head;
};
thread_local PendingHead t_pending;

nlohmann::json HeadToJson(const store::AuditHead& h) {
  return {{"seq", h.seq}, {"hash", h.hash}, {"signature", h.signature}};
}

// A head as HeadToJson or Anchor wrote it; kInvalid naming `what` otherwise.
Result<store::AuditHead> HeadFromJson(const nlohmann::json& j, const std::string& what) {
  if (!j.is_object() || !j.contains("seq") || !j["seq"].is_number_integer() || j["seq"].get<int64_t>() < 1 ||
      !j.contains("hash") || !j["hash"].is_string() || !j.contains("signature") || !j["signature"].is_string()) {
    return Invalid("anchor", what + " is not a signed audit head (seq, hash, signature)");
  }
  return store::AuditHead{j["seq"].get<int64_t>(), j["hash"].get<std::string>(), j["signature"].get<std::string>()};
}

// The copy at `path`: nullopt when there is none; kIo when it cannot be read or parsed.
Result<std::optional<store::AuditHead>> ReadHeadFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::optional<store::AuditHead>();
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  if (!in) return IoError("cannot read " + path);
  nlohmann::json j = nlohmann::json::parse(ss.str(), nullptr, false);
  auto head = HeadFromJson(j, path);
  if (!head.ok()) return IoError(path + " is damaged: " + head.status().message());
  return std::optional<store::AuditHead>(*head);
}

std::string Errno() { return std::strerror(errno); }

// Replaces `path` with `text` durably: temporary file, fsync, rename, fsync of the
// directory, so that after a crash the file is the old copy or the new one.
Status WriteDurably(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return IoError("cannot write " + tmp + ": " + Errno());
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string why = Errno();
    ::unlink(tmp.c_str());
    return IoError("cannot write " + path + ": " + why);
  }
  const std::string dir = std::filesystem::path(path).parent_path().string();
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return IoError("cannot flush " + dir + ": " + Errno());
  ok = ::fsync(dfd) == 0;
  ::close(dfd);
  return ok ? Status::Ok() : IoError("cannot flush " + dir + ": " + Errno());
}

// An exclusive lock on `path`.lock, so that processes sharing the keys dir (the
// CLI beside the server, app servers on one shared data dir) move the copy in
// turn; a byte-range lock, which NFSv4 carries across machines.
class HeadFileLock {
 public:
  explicit HeadFileLock(const std::string& path) {
    fd_ = ::open((path + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) return;
    struct flock fl{};
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    while (::fcntl(fd_, F_SETLKW, &fl) != 0 && errno == EINTR) {
    }
  }
  ~HeadFileLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
  }

 private:
  int fd_ = -1;
};

}  // namespace

AuditLog::AuditLog(store::Store& store, const Clock& clock, auth::SigningKey key)
    : store_(store), clock_(clock), key_(std::move(key)), worker_([this] { Run(); }) {
  // Ed25519 signatures are deterministic: the signature of a fixed label is a
  // secret only the key's holder can compute, hashed down to the search key.
  const std::string seed = key_.Sign("refuge-audit-search-hash-key-v1");
  search_key_.resize(crypto_generichash_KEYBYTES);
  crypto_generichash(reinterpret_cast<unsigned char*>(search_key_.data()), search_key_.size(),
                     reinterpret_cast<const unsigned char*>(seed.data()), seed.size(), nullptr, 0);
  store_.SetAfterWrite([this](bool committed) { AfterWrite(committed); });
}

Status AuditLog::UseHeadFile(const std::string& path, bool new_database) {
  std::lock_guard<std::mutex> lock(file_mu_);
  std::error_code ec;
  if (new_database && std::filesystem::exists(path, ec)) {
    // The copy belongs to the database this installation moved from: keep it for
    // that database's record, out of the new log's way.
    const std::string aside = path + "." + FormatUtcTimestamp(clock_.NowUnixSeconds()) + ".replaced";
    if (::rename(path.c_str(), aside.c_str()) != 0) return IoError("cannot rename " + path + ": " + Errno());
    spdlog::warn("a new database: the audit head of the previous one is kept as {}", aside);
  }
  REFUGE_ASSIGN_OR_RETURN(file_head_, ReadHeadFile(path));
  head_path_ = path;
  return Status::Ok();
}

AuditLog::~AuditLog() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  worker_.join();
  Status s = Flush();
  if (!s.ok()) spdlog::error("audit entries could not be written at shutdown: {}", s.ToString());
  store_.SetAfterWrite(nullptr);
}

Result<bool> AuditLog::ExtendsHeadFile(store::Db& db, const store::AuditHead* head) {
  std::optional<store::AuditHead> copy;
  {
    std::lock_guard<std::mutex> lock(file_mu_);
    copy = file_head_;
  }
  if (!copy) return true;
  if (head == nullptr || head->seq < copy->seq) return false;
  if (head->seq == copy->seq) return head->hash == copy->hash;
  REFUGE_ASSIGN_OR_RETURN(auto at, db.ListAudit(copy->seq - 1, 1, "", ""));
  return !at.empty() && at[0].seq == copy->seq && at[0].hash == copy->hash;
}

Status AuditLog::AppendEntry(store::Db& db, store::AuditEntry e) {
  auto head = db.GetAuditHead();
  if (!head.ok() && head.status().code() != Code::kNotFound) return head.status();
  if (!head.ok()) {
    // No signed head. An empty log starts at entry 1 (and, if the copy outside
    // the database says there was a log, `audit verify` reports it wiped). A log
    // with entries but no head was tampered with: its head comes back only from
    // the copy, and only when that copy names the log's last entry exactly;
    // otherwise nothing is appended, so no later head signs what was changed.
    REFUGE_ASSIGN_OR_RETURN(auto first, db.ListAudit(0, 1, "", ""));
    if (!first.empty()) {
      std::optional<store::AuditHead> copy;
      {
        std::lock_guard<std::mutex> lock(file_mu_);
        copy = file_head_;
      }
      bool restored = false;
      if (copy && key_.Verify(auth::AuditHeadMessage(copy->seq, copy->hash), copy->signature)) {
        REFUGE_ASSIGN_OR_RETURN(auto tail, db.ListAudit(copy->seq - 1, 2, "", ""));
        if (tail.size() == 1 && tail[0].seq == copy->seq && tail[0].hash == copy->hash) {
          REFUGE_RETURN_IF_ERROR(db.SetAuditHead(*copy));
          head = *copy;
          restored = true;
          spdlog::warn("the audit log's signed head was missing from the database; put back from the copy "
                       "outside it (entry {})", copy->seq);
        }
      }
      if (!restored) {
        return Internal(
            "the audit log's signed head (table audit_head) is missing although the log holds entries: "
            "the database was tampered with. Nothing is written until an operator has run "
            "`refuge audit verify` and restored the database from a backup");
      }
    }
  }
  const store::AuditHead* base = head.ok() ? &*head : nullptr;
  e.seq = base ? base->seq + 1 : 1;
  e.prev_hash = base ? base->hash : auth::kGenesisHash;
  if (e.at.empty()) e.at = FormatUtcTimestamp(clock_.NowUnixSeconds());
  e.hash = auth::AuditEntryHash(e);
  REFUGE_RETURN_IF_ERROR(db.InsertAudit(e));
  store::AuditHead next{e.seq, e.hash, key_.Sign(auth::AuditHeadMessage(e.seq, e.hash))};
  REFUGE_RETURN_IF_ERROR(db.SetAuditHead(next));
  bool keeping;
  {
    std::lock_guard<std::mutex> lock(file_mu_);
    keeping = !head_path_.empty();
  }
  if (keeping) {
    if (!t_pending.active) {
      // The first entry of this transaction: later ones extend it.
      REFUGE_ASSIGN_OR_RETURN(bool extends, ExtendsHeadFile(db, base));
      t_pending.active = true;
      t_pending.extends_file = extends;
    }
    t_pending.head = next;
  }
  return Status::Ok();
}

void AuditLog::AfterWrite(bool committed) {
  if (!t_pending.active) return;
  PendingHead done = t_pending;
  t_pending = PendingHead();
  if (!committed) return;
  if (!done.extends_file) {
    spdlog::error("the audit log in the database no longer holds the signed head kept in keys/audit-head.json "
                  "(wiped, cut, rolled back or rewritten): that copy is left as it is; run `refuge audit verify`");
    return;
  }
  WriteHeadFile(done.head);
}

void AuditLog::WriteHeadFile(const store::AuditHead& head) {
  std::lock_guard<std::mutex> lock(file_mu_);
  HeadFileLock file_lock(head_path_);
  // Another process on the same keys dir may have moved the copy on.
  auto on_disk = ReadHeadFile(head_path_);
  if (!on_disk.ok()) {
    spdlog::error("the audit head outside the database is not updated: {}", on_disk.status().ToString());
    return;
  }
  if (*on_disk && (*on_disk)->seq >= head.seq) {
    file_head_ = *on_disk;  // it only moves forward
    return;
  }
  nlohmann::json j = HeadToJson(head);
  j["public_key"] = key_.PublicKeyHex();
  j["at"] = FormatUtcTimestamp(clock_.NowUnixSeconds());
  Status s = WriteDurably(head_path_, j.dump() + "\n");
  if (!s.ok()) {
    spdlog::error("the audit head outside the database is not updated: {}", s.ToString());
    return;
  }
  file_head_ = head;
}

Status AuditLog::Append(store::Db& db, const Actor& who, const std::string& action,
                        const std::string& target, const std::string& person,
                        const nlohmann::json& details) {
  return AppendEntry(db, MakeEntry(who, action, target, person, details));
}

void AuditLog::Enqueue(const Actor& who, const std::string& action, const std::string& target,
                       const std::string& person, const nlohmann::json& details) {
  store::AuditEntry e = MakeEntry(who, action, target, person, details);
  e.at = FormatUtcTimestamp(clock_.NowUnixSeconds());
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(e));
  }
  cv_.notify_one();
}

void AuditLog::EnqueueForPersons(const Actor& who, const std::string& action, const std::string& target,
                                 const std::set<std::string>& persons) {
  for (const auto& person : persons) Enqueue(who, action, target, person);
}

std::string AuditLog::SearchHash(const std::string& query) const {
  unsigned char out[32];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(query.data()), query.size(),
                     reinterpret_cast<const unsigned char*>(search_key_.data()), search_key_.size());
  static const char* kHex = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : out) {
    hex += kHex[c >> 4];
    hex += kHex[c & 15];
  }
  return hex;
}

std::set<std::string> PersonsIn(const nlohmann::json& items, const char* field) {
  std::set<std::string> out;
  for (const auto& item : items) {
    auto it = item.find(field);
    if (it != item.end() && it->is_string() && !it->get<std::string>().empty()) out.insert(it->get<std::string>());
  }
  return out;
}

Status AuditLog::Flush() {
  std::deque<store::AuditEntry> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    batch.swap(queue_);
  }
  if (batch.empty()) return Status::Ok();
  // Audit entries are shown by no cached view: they leave the data generation as is.
  Status s = store_.WriteBookkeeping([&](store::Db& db) -> Status {
    for (auto& e : batch) REFUGE_RETURN_IF_ERROR(AppendEntry(db, e));
    return Status::Ok();
  });
  if (!s.ok()) {
    // Keep them for the next attempt rather than lose them.
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = batch.rbegin(); it != batch.rend(); ++it) queue_.push_front(std::move(*it));
  }
  return s;
}

void AuditLog::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, std::chrono::milliseconds(200), [&] { return stopping_ || queue_.size() >= 256; });
    if (queue_.empty()) continue;
    lock.unlock();
    Status s = Flush();
    if (!s.ok()) spdlog::error("audit entries not yet written: {}", s.ToString());
    lock.lock();
  }
}

Result<nlohmann::json> AuditLog::Verify(const nlohmann::json& anchor) {
  std::optional<store::AuditHead> anchored;
  if (!anchor.is_null()) {
    REFUGE_ASSIGN_OR_RETURN(anchored, HeadFromJson(anchor, "the anchor"));
  }
  REFUGE_RETURN_IF_ERROR(Flush());
  std::vector<store::AuditEntry> all;
  std::optional<store::AuditHead> head;
  REFUGE_RETURN_IF_ERROR(store_.Read([&](store::Db& db) -> Status {
    int64_t after = 0;
    while (true) {
      REFUGE_ASSIGN_OR_RETURN(auto page, db.ListAudit(after, 10000, "", ""));
      if (page.empty()) break;
      after = page.back().seq;
      all.insert(all.end(), page.begin(), page.end());
    }
    auto h = db.GetAuditHead();
    if (h.ok()) head = *h;
    else if (h.status().code() != Code::kNotFound) return h.status();
    return Status::Ok();
  }));
  auto problems = auth::VerifyAuditChain(all, head ? &*head : nullptr, key_);
  std::string path;
  {
    std::lock_guard<std::mutex> lock(file_mu_);
    path = head_path_;
  }
  if (!path.empty()) {
    REFUGE_ASSIGN_OR_RETURN(auto copy, ReadHeadFile(path));
    if (copy) {
      for (auto& p : auth::CheckAuditWitness(all, {copy->seq, copy->hash, copy->signature},
                                             "the signed head kept outside the database (keys/audit-head.json)", key_)) {
        problems.push_back(std::move(p));
      }
    }
  }
  if (anchored) {
    if (anchor.contains("public_key") && anchor["public_key"] != key_.PublicKeyHex()) {
      problems.push_back({0, "the anchor was signed by another installation's key"});
    } else {
      for (auto& p : auth::CheckAuditWitness(all, {anchored->seq, anchored->hash, anchored->signature},
                                             "the anchor", key_)) {
        problems.push_back(std::move(p));
      }
    }
  }
  nlohmann::json list = nlohmann::json::array();
  for (const auto& p : problems) list.push_back({{"seq", p.seq}, {"problem", p.what}});
  return nlohmann::json{{"ok", problems.empty()}, {"entries", all.size()}, {"problems", list}};
}

Result<nlohmann::json> AuditLog::Anchor() {
  REFUGE_RETURN_IF_ERROR(Flush());
  store::AuditHead head;
  REFUGE_RETURN_IF_ERROR(store_.Read([&](store::Db& db) -> Status {
    auto h = db.GetAuditHead();
    if (!h.ok() && h.status().code() == Code::kNotFound) {
      return Status(Code::kNotFound, "the audit log has no signed head to anchor (it is empty)");
    }
    REFUGE_ASSIGN_OR_RETURN(head, std::move(h));
    return Status::Ok();
  }));
  if (!key_.Verify(auth::AuditHeadMessage(head.seq, head.hash), head.signature)) {
    return Internal("the audit log's head does not carry this installation's signature; run `refuge audit verify`");
  }
  nlohmann::json j = HeadToJson(head);
  j["public_key"] = key_.PublicKeyHex();
  j["at"] = FormatUtcTimestamp(clock_.NowUnixSeconds());
  return j;
}

nlohmann::json AuditEntryToJson(const store::AuditEntry& e) {
  nlohmann::json details = nlohmann::json::parse(e.details, nullptr, false);
  return {{"seq", e.seq},       {"at", e.at},         {"actor", e.actor},
          {"action", e.action}, {"target", e.target}, {"person", e.person},
          {"address", e.address}, {"details", details.is_discarded() ? nlohmann::json(e.details) : details}};
}

}  // namespace refuge::app
