#include "refuge/app/audit_log.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <optional>

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

}  // namespace

AuditLog::AuditLog(store::Store& store, const Clock& clock, auth::SigningKey key)
    : store_(store), clock_(clock), key_(std::move(key)), worker_([this] { Run(); }) {}

AuditLog::~AuditLog() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  worker_.join();
  Status s = Flush();
  if (!s.ok()) spdlog::error("audit entries could not be written at shutdown: {}", s.ToString());
}

Status AuditLog::AppendEntry(store::Db& db, store::AuditEntry e) {
  auto head = db.GetAuditHead();
  if (!head.ok() && head.status().code() != Code::kNotFound) return head.status();
  e.seq = head.ok() ? head->seq + 1 : 1;
  e.prev_hash = head.ok() ? head->hash : auth::kGenesisHash;
  if (e.at.empty()) e.at = FormatUtcTimestamp(clock_.NowUnixSeconds());
  e.hash = auth::AuditEntryHash(e);
  REFUGE_RETURN_IF_ERROR(db.InsertAudit(e));
  return db.SetAuditHead(store::AuditHead{e.seq, e.hash, key_.Sign(auth::AuditHeadMessage(e.seq, e.hash))});
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

Result<nlohmann::json> AuditLog::Verify() {
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
  nlohmann::json list = nlohmann::json::array();
  for (const auto& p : problems) list.push_back({{"seq", p.seq}, {"problem", p.what}});
  return nlohmann::json{{"ok", problems.empty()}, {"entries", all.size()}, {"problems", list}};
}

nlohmann::json AuditEntryToJson(const store::AuditEntry& e) {
  nlohmann::json details = nlohmann::json::parse(e.details, nullptr, false);
  return {{"seq", e.seq},       {"at", e.at},         {"actor", e.actor},
          {"action", e.action}, {"target", e.target}, {"person", e.person},
          {"address", e.address}, {"details", details.is_discarded() ? nlohmann::json(e.details) : details}};
}

}  // namespace refuge::app
