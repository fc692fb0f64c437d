// Export and import: the full JSON backup of an installation (everything but
// sessions). Both stream: an export is written object by object and an import is
// read object by object, so an installation of millions of people and tens of
// millions of events moves in bounded memory. An export of an import of an
// export is byte-for-byte the export.
#include <algorithm>
#include <array>
#include <cstdio>
#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <unordered_set>

#include "refuge/app/accounts.h"
#include "refuge/app/evidence_backup.h"
#include "refuge/app/service.h"
#include "refuge/auth/passwords.h"
#include "refuge/base/date.h"
#include "refuge/base/random.h"
#include "refuge/domain/event.h"

namespace refuge::app {

using domain::Event;
using store::Db;
using store::Record;

namespace {

constexpr const char* kFormat = "refuge-backup";
constexpr int kFormatVersion = 1;
constexpr int kBatch = 1000;

// The sections in the order an export writes them: each refers only to those
// before it, so an import can write each one as it reads it.
enum Section { kPeople, kOrganizations, kFacilities, kUsers, kMatters, kEvidence, kEvents, kSectionCount };
constexpr std::array<const char*, kSectionCount> kSectionNames = {
    "people", "organizations", "facilities", "users", "matters", "evidence", "events"};

int SectionIndex(const std::string& name) {
  for (int i = 0; i < kSectionCount; ++i) {
    if (name == kSectionNames[i]) return i;
  }
  return -1;
}

bool IsHeaderKey(const std::string& key) {
  return key == "format" || key == "format_version" || key == "schema_version";
}

std::string Where(int section, size_t i) {
  return std::string(kSectionNames[section]) + "[" + std::to_string(i) + "]";
}

// A name for a message: bytes outside printable ASCII (control and bidi
// characters among them) as \xNN, so that the terminal shows what is there.
std::string PrintableName(const std::string& name) {
  std::string out;
  for (unsigned char c : name) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02X", c);
      out += hex;
    }
  }
  return out;
}

Json UserToJson(const store::User& u) {
  Json j = {{"name", u.name}, {"role", u.role}, {"password_hash", u.password_hash},
            {"created_at", u.created_at}, {"disabled", u.disabled}};
  if (!u.totp_secret.empty()) j["totp_secret"] = u.totp_secret;
  if (u.totp_enabled) j["totp_enabled"] = true;
  return j;
}

// Server fields of an imported object: kept when present and well-formed.
Status ReadServerFields(const Json& in, const std::string& where, std::string* id,
                        int64_t* version, std::string* created, std::string* updated,
                        const std::string& now) {
  auto id_it = in.find("id");
  if (id_it == in.end() || !id_it->is_string() || id_it->get<std::string>().empty()) {
    return Invalid(where + ".id", "every imported object needs its id");
  }
  *id = id_it->get<std::string>();
  *version = in.value("version", int64_t{1});
  if (*version < 1) return Invalid(where + ".version", "must be 1 or more");
  *created = in.value("created_at", now);
  *updated = in.value("updated_at", *created);
  return Status::Ok();
}

// An import writes new rows in batches, and reads the stored versions of a batch's
// ids in one go before it: a few database round trips per thousand rows, not
// several per row. Rows held back for the next write count as existing for the
// rows after them, as if they had been written one by one.
template <typename Row>
class Batches {
 public:
  using Fetch = std::function<Result<std::vector<Row>>(const std::vector<std::string>&)>;
  using Write = std::function<Status(const std::vector<Row>&)>;
  using Written = std::function<void(const Row&)>;

  Batches(int section, Fetch fetch, Write write, Written written)
      : section_(section), fetch_(std::move(fetch)), write_(std::move(write)), written_(std::move(written)) {}

  // Before the rows `items` (from index `first` of the section): writes the rows
  // held back and reads what the database holds for the ids of these.
  Status Before(std::span<const Json> items, size_t first) {
    REFUGE_RETURN_IF_ERROR(Flush());
    std::vector<std::string> ids;
    for (const Json& item : items) {
      if (!item.is_object()) continue;
      auto it = item.find("id");
      if (it != item.end() && it->is_string()) ids.push_back(it->get<std::string>());
    }
    REFUGE_ASSIGN_OR_RETURN(std::vector<Row> rows, fetch_(ids));
    stored_.clear();
    for (Row& r : rows) {
      std::string id = r.id;
      stored_.emplace(std::move(id), std::move(r));
    }
    where_ = std::string(kSectionNames[section_]) + "[" + std::to_string(first) + ".." +
             std::to_string(first + items.size() - 1) + "]";
    return Status::Ok();
  }

  // The stored or held-back row with this id, or nullptr.
  const Row* Existing(const std::string& id) const {
    if (auto h = held_at_.find(id); h != held_at_.end()) return &held_[h->second];
    auto s = stored_.find(id);
    return s == stored_.end() ? nullptr : &s->second;
  }

  void Hold(Row r) {
    held_at_[r.id] = held_.size();
    held_.push_back(std::move(r));
  }

  Status Flush() {
    if (held_.empty()) return Status::Ok();
    Status s = write_(held_);
    if (!s.ok()) return Status(s.code(), where_ + ": " + s.message(), kSectionNames[section_]);
    for (const Row& r : held_) written_(r);
    held_.clear();
    held_at_.clear();
    return Status::Ok();
  }

 private:
  int section_;
  Fetch fetch_;
  Write write_;
  Written written_;
  std::string where_;
  std::map<std::string, Row> stored_;
  std::vector<Row> held_;
  std::map<std::string, size_t> held_at_;
};

// Stops the streaming parser at the first error; caught where the parse starts.
struct StopImport {};

// Walks the backup's text for the parser and keeps how far it has read, for
// progress by bytes (and so that a mapped file's pages already read can go).
class TrackedChars {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  TrackedChars(const char* p, const char** at) : p_(p), at_(at) {}
  reference operator*() const { return *p_; }
  TrackedChars& operator++() {
    *at_ = ++p_;
    return *this;
  }
  TrackedChars operator++(int) {
    TrackedChars old = *this;
    ++*this;
    return old;
  }
  bool operator==(const TrackedChars& o) const { return p_ == o.p_; }
  bool operator!=(const TrackedChars& o) const { return p_ != o.p_; }

 private:
  const char* p_;
  const char** at_;
};

}  // namespace

// One import inside one transaction. Sections arrive in order (see kSectionNames),
// each in chunks of at most kBatch objects.
class BackupImport {
 public:
  BackupImport(Service& svc, Db& db, std::string now, ProgressFn progress, int64_t total)
      : svc_(svc), db_(db), now_(std::move(now)), progress_(std::move(progress)), total_(total) {}

  // Objects `items` of `section`, the first of them at index `first` of it.
  Status Chunk(int section, std::span<const Json> items, size_t first) {
    switch (section) {
      case kPeople: return Entities(EntityKind::kPerson, section, items, first);
      case kOrganizations: return Entities(EntityKind::kOrganization, section, items, first);
      case kFacilities: return Entities(EntityKind::kFacility, section, items, first);
      case kMatters: return Entities(EntityKind::kMatter, section, items, first);
      case kUsers: return Users(items, first);
      case kEvidence:
        // Evidence records are few and small; they are restored as one list.
        for (const Json& item : items) evidence_.push_back(item);
        return Status::Ok();
      case kEvents: return Events(items, first);
      default: return Internal("unknown backup section");
    }
  }

  // The end of a section: writes what is held back.
  Status End(int section) {
    if (section == kEvidence) {
      Status s = evidence_.empty() ? Status::Ok() : ImportEvidence(db_, evidence_);
      evidence_ = Json::array();
      return s;
    }
    Status s = Status::Ok();
    if (records_) s = records_->Flush();
    if (s.ok() && events_) s = events_->Flush();
    records_.reset();
    events_.reset();
    return s;
  }

  int64_t done() const { return done_; }

 private:
  void Tick() {
    ++done_;
    if (progress_ && (done_ % 1000 == 0 || done_ == total_)) progress_(done_, total_);
  }

  static std::string Key(domain::RefTarget t, const std::string& id) {
    return std::to_string(static_cast<int>(t)) + ":" + id;
  }

  // References found to exist (or written) by this import are not looked up again.
  Status CheckRefs(const std::vector<domain::Reference>& refs) {
    std::vector<domain::Reference> unknown;
    for (const auto& r : refs) {
      if (!known_.count(Key(r.target, r.id))) unknown.push_back(r);
    }
    if (unknown.empty()) return Status::Ok();
    REFUGE_RETURN_IF_ERROR(svc_.CheckReferences(db_, unknown));
    for (const auto& r : unknown) known_.insert(Key(r.target, r.id));
    return Status::Ok();
  }

  Status Entities(EntityKind kind, int section, std::span<const Json> items, size_t first) {
    if (!records_) {
      records_.emplace(
          section, [this, kind](const std::vector<std::string>& ids) { return db_.GetEntities(kind, ids); },
          [this](const std::vector<Record>& rows) { return db_.InsertEntities(rows); },
          [this](const Record& r) { known_.insert(Key(domain::TargetOfId(r.id), r.id)); });
    }
    REFUGE_RETURN_IF_ERROR(records_->Before(items, first));
    const std::string prefix = std::string(domain::EntityIdPrefix(kind)) + "_x";
    for (size_t i = 0; i < items.size(); ++i) {
      const std::string where = Where(section, first + i);
      const Json& in = items[i];
      Record r;
      r.kind = kind;
      REFUGE_RETURN_IF_ERROR(ReadServerFields(in, where, &r.id, &r.version, &r.created_at, &r.updated_at, now_));
      std::vector<domain::Reference> refs;
      auto body = domain::ValidateEntity(kind, in, &refs);
      if (!body.ok()) return body.status().WithFieldPrefix(where);
      r.body = std::move(body).value();
      r.created_by = in.value("created_by", "");
      if (domain::TargetOfId(r.id) != domain::TargetOfId(prefix)) {
        return Invalid(where + ".id", "'" + r.id + "' is not a " + domain::EntityName(kind) + " id");
      }
      if (kind == EntityKind::kMatter) {
        // A matter needs its client and its team.
        Status s = CheckRefs(refs);
        bool team_known = true;
        for (const auto& u : r.body.value("team", Json::array())) {
          if (!u.is_string() || !known_users_.count(u.get<std::string>())) team_known = false;
        }
        if (s.ok() && !team_known) {
          s = svc_.CheckTeam(db_, r.body);
          if (s.ok()) {
            for (const auto& u : r.body["team"]) known_users_.insert(u.get<std::string>());
          }
        }
        if (!s.ok()) return s.WithFieldPrefix(where);
      }
      if (const Record* existing = records_->Existing(r.id)) {
        if (existing->body == r.body && existing->version == r.version) {
          known_.insert(Key(domain::TargetOfId(r.id), r.id));
          Tick();
          continue;
        }
        return Conflict(where + ": " + domain::EntityName(kind) + " '" + r.id + "' exists with other content",
                        where + ".id");
      }
      records_->Hold(std::move(r));
      Tick();
    }
    return Status::Ok();
  }

  Status Users(std::span<const Json> items, size_t first) {
    for (size_t i = 0; i < items.size(); ++i) {
      const std::string where = Where(kUsers, first + i);
      const Json& u = items[i];
      if (!u.is_object() || !u.contains("name") || !u["name"].is_string() || !u.contains("role") ||
          !u["role"].is_string() || !u.contains("password_hash") || !u["password_hash"].is_string()) {
        return Invalid(where, "a user needs name, role and password_hash");
      }
      // The same rules as for a user made here: a backup is input like any other.
      const std::string name = u["name"];
      if (Status s = ValidUserName(name); !s.ok()) {
        return Invalid(where + ".name", "user '" + PrintableName(name) + "': the name " + s.message());
      }
      if (Status s = auth::CheckHashStrength(u["password_hash"]); !s.ok()) {
        return Invalid(where + ".password_hash", "user '" + name + "': the password hash " + s.message());
      }
      store::User user{u["name"], u["role"], u["password_hash"], u.value("created_at", now_),
                       u.value("disabled", false), u.value("totp_secret", ""), u.value("totp_enabled", false)};
      auto existing = db_.GetUser(user.name);
      if (existing.ok()) {
        if (existing->role == user.role && existing->password_hash == user.password_hash) {
          known_users_.insert(user.name);
          Tick();
          continue;
        }
        return Conflict(where + ": user '" + user.name + "' exists with other content", where + ".name");
      }
      Status s = db_.InsertUser(user);
      if (!s.ok()) return Status(s.code(), where + ": " + s.message(), where);
      known_users_.insert(user.name);
      Tick();
    }
    return Status::Ok();
  }

  Result<Event> ParseEvent(const Json& src, const std::string& at) {
    std::vector<domain::Reference> refs;
    auto body = domain::ValidateEvent(src, &refs);
    if (!body.ok()) return body.status().WithFieldPrefix(at);
    Status s = CheckRefs(refs);
    if (!s.ok()) return s.WithFieldPrefix(at);
    REFUGE_ASSIGN_OR_RETURN(Event e, domain::EventFromBody(std::move(body).value()));
    REFUGE_RETURN_IF_ERROR(ReadServerFields(src, at, &e.id, &e.version, &e.created_at, &e.updated_at, now_));
    e.retracted = src.value("retracted", false);
    return e;
  }

  Status Events(std::span<const Json> items, size_t first) {
    if (!events_) {
      events_.emplace(
          kEvents, [this](const std::vector<std::string>& ids) { return db_.GetEvents(ids); },
          [this](const std::vector<Event>& rows) -> Status {
            REFUGE_RETURN_IF_ERROR(db_.InsertEvents(rows));
            Status s = db_.InsertEventVersions(held_history_);
            held_history_.clear();
            return s;
          },
          [](const Event&) {});
    }
    REFUGE_RETURN_IF_ERROR(events_->Before(items, first));
    for (size_t i = 0; i < items.size(); ++i) {
      const std::string where = Where(kEvents, first + i);
      const Json& in = items[i];
      if (!in.is_object()) return Invalid(where, "an event must be a JSON object");
      Json body_in = in;
      Json history = Json::array();
      if (body_in.contains("history")) {
        history = std::move(body_in["history"]);
        body_in.erase("history");
        if (!history.is_array()) return Invalid(where + ".history", "must be a list");
      }
      // A retracted event carries why; it is not part of the event contract.
      std::string retraction_reason = body_in.value("retraction_reason", "");
      body_in.erase("retraction_reason");
      REFUGE_ASSIGN_OR_RETURN(Event e, ParseEvent(body_in, where));
      if (domain::TargetOfId(e.id) != domain::RefTarget::kNone || e.id.rfind("evt_", 0) != 0) {
        return Invalid(where + ".id", "'" + e.id + "' is not an event id (evt_...)");
      }
      if (!retraction_reason.empty()) e.body["retraction_reason"] = retraction_reason;
      if (const Event* existing = events_->Existing(e.id)) {
        if (existing->body == e.body && existing->version == e.version && existing->retracted == e.retracted) {
          Tick();
          continue;
        }
        return Conflict(where + ": event '" + e.id + "' exists with other content", where + ".id");
      }
      // The earlier versions go to the history table as they were, as if each
      // correction had been made again.
      for (size_t h = 0; h < history.size(); ++h) {
        Json hv = history[h];
        std::string reason = hv.value("retraction_reason", "");
        hv.erase("retraction_reason");
        REFUGE_ASSIGN_OR_RETURN(Event v, ParseEvent(hv, where + ".history[" + std::to_string(h) + "]"));
        if (!reason.empty()) v.body["retraction_reason"] = reason;
        if (v.id != e.id) return Invalid(where + ".history", "history of another event");
        held_history_.push_back(std::move(v));
      }
      events_->Hold(std::move(e));
      Tick();
    }
    return Status::Ok();
  }

  Service& svc_;
  Db& db_;
  std::string now_;
  ProgressFn progress_;
  int64_t total_;
  int64_t done_ = 0;
  std::unordered_set<std::string> known_;        // "target:id" of references that exist
  std::unordered_set<std::string> known_users_;  // team members found to be users
  std::optional<Batches<Record>> records_;
  std::optional<Batches<Event>> events_;
  std::vector<Event> held_history_;  // earlier versions of the held-back events
  Json evidence_ = Json::array();
};

namespace {

Status CheckHeader(const Json& header) {
  if (header.value("format", Json()) != kFormat) {
    return Invalid("format", std::string("not a Refuge backup (expected \"format\": \"") + kFormat + "\")");
  }
  if (header.value("format_version", Json()) != kFormatVersion) {
    return Invalid("format_version", "this refuge reads format_version " + std::to_string(kFormatVersion));
  }
  return Status::Ok();
}

// Writes the backup's text in pieces of about a megabyte.
class BackupWriter {
 public:
  explicit BackupWriter(const std::function<Status(std::string_view)>& sink) : sink_(sink) {}

  void Raw(std::string_view s) { buf_.append(s); }

  // One object of a section list, indented as Json::dump(1, '\t') indents it there.
  void Item(const Json& j) {
    Raw(first_ ? "\n\t\t" : ",\n\t\t");
    first_ = false;
    const std::string text = j.dump(1, '\t');
    for (char c : text) {
      buf_.push_back(c);
      // JSON strings never hold a raw newline, so every one is a line break.
      if (c == '\n') buf_.append("\t\t");
    }
  }

  void OpenSection(const char* name) {
    Raw(",\n\t\"");
    Raw(name);
    Raw("\": [");
    first_ = true;
  }
  void CloseSection() { Raw(first_ ? "]" : "\n\t]"); }

  Status MaybeFlush() { return buf_.size() >= (1u << 20) ? Flush() : Status::Ok(); }
  Status Flush() {
    Status s = buf_.empty() ? Status::Ok() : sink_(buf_);
    buf_.clear();
    return s;
  }

 private:
  const std::function<Status(std::string_view)>& sink_;
  std::string buf_;
  bool first_ = true;
};

}  // namespace

Status Service::Export(const Actor& who, const std::function<Status(std::string_view)>& sink) {
  // A full backup holds every file and password hash: the operator's, not a user's.
  if (!who.is_operator()) return Status(Code::kForbidden, "a full backup is taken at the command line");
  BackupWriter out(sink);
  REFUGE_RETURN_IF_ERROR(store_->Read([&](Db& db) -> Status {
    out.Raw(std::string("{\n\t\"format\": \"") + kFormat + "\",\n\t\"format_version\": " +
            std::to_string(kFormatVersion) + ",\n\t\"schema_version\": " +
            std::to_string(store_->SchemaVersion()));
    auto entities = [&](EntityKind kind) -> Status {
      out.OpenSection(domain::EntityCollection(kind));
      std::string after;
      while (true) {
        REFUGE_ASSIGN_OR_RETURN(auto recs, db.ListEntities(kind, after, kBatch));
        for (const auto& r : recs) out.Item(store::RecordToJson(r));
        REFUGE_RETURN_IF_ERROR(out.MaybeFlush());
        if (recs.size() < static_cast<size_t>(kBatch)) break;
        after = recs.back().id;
      }
      out.CloseSection();
      return Status::Ok();
    };
    REFUGE_RETURN_IF_ERROR(entities(EntityKind::kPerson));
    REFUGE_RETURN_IF_ERROR(entities(EntityKind::kOrganization));
    REFUGE_RETURN_IF_ERROR(entities(EntityKind::kFacility));
    out.OpenSection(kSectionNames[kUsers]);
    REFUGE_ASSIGN_OR_RETURN(auto all_users, db.ListUsers());
    for (const auto& u : all_users) out.Item(UserToJson(u));
    out.CloseSection();
    REFUGE_RETURN_IF_ERROR(entities(EntityKind::kMatter));
    out.OpenSection(kSectionNames[kEvidence]);
    REFUGE_ASSIGN_OR_RETURN(Json evidence, ExportEvidence(db));
    for (const auto& item : evidence) out.Item(item);
    out.CloseSection();
    out.OpenSection(kSectionNames[kEvents]);
    std::string after;
    while (true) {
      REFUGE_ASSIGN_OR_RETURN(auto evs, db.ListEvents(after, kBatch));
      for (const auto& e : evs) {
        Json j = domain::EventToJson(e);
        if (e.version > 1) {
          REFUGE_ASSIGN_OR_RETURN(auto older, db.EventHistory(e.id));
          Json history = Json::array();
          for (const auto& o : older) history.push_back(domain::EventToJson(o));
          if (!history.empty()) j["history"] = std::move(history);
        }
        out.Item(j);
      }
      REFUGE_RETURN_IF_ERROR(out.MaybeFlush());
      if (evs.size() < static_cast<size_t>(kBatch)) break;
      after = evs.back().id;
    }
    out.CloseSection();
    out.Raw("\n}\n");
    return out.Flush();
  }));
  return store_->Write([&](Db& db) { return audit_->Append(db, who, "export", "", ""); });
}

Status Service::Import(const Actor& who, const Json& doc, const ProgressFn& progress) {
  if (!who.is_operator()) return Status(Code::kForbidden, "a backup is restored at the command line");
  if (!doc.is_object()) return Malformed("a backup must be a JSON object");
  REFUGE_RETURN_IF_ERROR(CheckHeader(doc));
  for (const auto& [key, value] : doc.items()) {
    if (IsHeaderKey(key)) continue;
    if (SectionIndex(key) < 0) return Invalid(key, "unknown section '" + key + "'");
    if (!value.is_array()) return Invalid(key, "must be a list");
  }
  int64_t total = 0;
  for (const char* name : kSectionNames) {
    if (doc.contains(name) && std::string(name) != "evidence") total += static_cast<int64_t>(doc[name].size());
  }
  return store_->Write([&](Db& db) -> Status {
    BackupImport import(*this, db, Now(), progress, total);
    for (int section = 0; section < kSectionCount; ++section) {
      if (!doc.contains(kSectionNames[section])) continue;
      const auto& list = doc[kSectionNames[section]].get_ref<const Json::array_t&>();
      for (size_t i = 0; i < list.size(); i += kBatch) {
        const size_t n = std::min(list.size() - i, static_cast<size_t>(kBatch));
        REFUGE_RETURN_IF_ERROR(import.Chunk(section, std::span<const Json>(list.data() + i, n), i));
      }
      REFUGE_RETURN_IF_ERROR(import.End(section));
    }
    return audit_->Append(db, who, "import", "", "", {{"objects", import.done()}});
  });
}

Status Service::ImportText(const Actor& who, std::string_view text, const std::string& name,
                           const ProgressFn& progress) {
  if (!who.is_operator()) return Status(Code::kForbidden, "a backup is restored at the command line");
  return store_->Write([&](Db& db) -> Status {
    // Progress here counts bytes of the text, not objects.
    BackupImport import(*this, db, Now(), nullptr, 0);
    const char* at = text.data();
    Json header = Json::object();
    std::string key;
    int section = -1;         // the section being read, -1 for none
    bool streaming = false;   // whether it is imported as it is read
    std::array<bool, kSectionCount> seen{}, written{};
    std::vector<Json> chunk;
    size_t first = 0;
    Status error = Status::Ok();
    auto fail = [&](Status s) {
      error = std::move(s);
      throw StopImport{};
    };
    // A section is imported while it is read once the header holds and the
    // sections it refers to are written; one that comes earlier (a hand-made
    // file, say) is kept and imported at the end.
    auto ready = [&](int s) {
      if (!CheckHeader(header).ok()) return false;
      if (s < kMatters) return true;  // people, organizations, facilities and users refer to nothing
      for (int before = 0; before < s; ++before) {
        if (!written[before]) return false;
      }
      return true;
    };
    auto flush_chunk = [&] {
      if (chunk.empty()) return;
      Status s = import.Chunk(section, chunk, first);
      first += chunk.size();
      chunk.clear();
      if (!s.ok()) fail(std::move(s));
      if (progress) progress(at - text.data(), static_cast<int64_t>(text.size()));
    };
    Json::parser_callback_t callback = [&](int depth, Json::parse_event_t event, Json& parsed) -> bool {
      using E = Json::parse_event_t;
      if (depth == 0) {
        if (event == E::array_start || event == E::value) fail(Malformed("a backup must be a JSON object"));
        return true;
      }
      if (depth == 1 && event == E::key) {
        key = parsed.get<std::string>();
        section = SectionIndex(key);
        if (section < 0 && !IsHeaderKey(key)) fail(Invalid(key, "unknown section '" + key + "'"));
        if (section >= 0) {
          if (seen[section]) fail(Invalid(key, "the section '" + key + "' appears twice"));
          seen[section] = true;
          streaming = ready(section);
          first = 0;
        }
        return true;
      }
      if (section >= 0 && depth == 1) {
        if (event == E::value || event == E::object_start) fail(Invalid(key, "must be a list"));
        if (event == E::array_end) {
          const int done_section = section;
          section = -1;
          if (!streaming) return true;  // kept in the document, imported at the end
          section = done_section;
          flush_chunk();
          Status s = import.End(done_section);
          if (!s.ok()) fail(std::move(s));
          written[done_section] = true;
          section = -1;
          return true;
        }
        return true;
      }
      if (depth == 1 && event == E::value && IsHeaderKey(key)) {
        header[key] = parsed;
        return true;
      }
      if (section >= 0 && streaming && depth == 2 &&
          (event == E::object_end || event == E::array_end || event == E::value)) {
        chunk.push_back(std::move(parsed));
        if (chunk.size() == static_cast<size_t>(kBatch)) flush_chunk();
        return false;  // imported: not kept in memory
      }
      return true;
    };
    Json rest;
    try {
      rest = Json::parse(TrackedChars(text.data(), &at), TrackedChars(text.data() + text.size(), &at), callback);
    } catch (const StopImport&) {
      return error;
    } catch (const Json::parse_error& e) {
      return MalformedJsonAt(name, text, e.byte);
    }
    REFUGE_RETURN_IF_ERROR(CheckHeader(header));
    // The sections kept for the end, in an order that writes what each refers to first.
    for (int s = 0; s < kSectionCount; ++s) {
      if (!seen[s] || written[s]) continue;
      const auto& list = rest[kSectionNames[s]].get_ref<const Json::array_t&>();
      for (size_t i = 0; i < list.size(); i += kBatch) {
        const size_t n = std::min(list.size() - i, static_cast<size_t>(kBatch));
        REFUGE_RETURN_IF_ERROR(import.Chunk(s, std::span<const Json>(list.data() + i, n), i));
      }
      REFUGE_RETURN_IF_ERROR(import.End(s));
    }
    if (progress) progress(static_cast<int64_t>(text.size()), static_cast<int64_t>(text.size()));
    return audit_->Append(db, who, "import", "", "", {{"objects", import.done()}});
  });
}

}  // namespace refuge::app
