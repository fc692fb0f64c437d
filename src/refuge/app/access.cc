#include "refuge/app/access.h"

#include <algorithm>

namespace refuge::app {

using store::Record;

Result<const std::set<std::string>*> Access::MyMatters() {
  if (!my_matters_) {
    REFUGE_ASSIGN_OR_RETURN(auto ids, db_.MattersOfMember(who_.user));
    my_matters_ = std::set<std::string>(ids.begin(), ids.end());
  }
  return &*my_matters_;
}

// One lookup per matter asked about: at national scale a lawyer is on tens of
// thousands of matters, and a request about one of them should not read them all.
Result<bool> Access::OnMatter(const std::string& matter_id) {
  if (is_operator()) return true;
  if (my_matters_) return my_matters_->count(matter_id) > 0;
  auto known = on_matter_.find(matter_id);
  if (known != on_matter_.end()) return known->second;
  REFUGE_ASSIGN_OR_RETURN(bool on, db_.IsOnTeam(matter_id, who_.user));
  on_matter_.emplace(matter_id, on);
  return on;
}

Result<Record> Access::RequireMatter(const std::string& matter_id) {
  REFUGE_ASSIGN_OR_RETURN(bool on, OnMatter(matter_id));
  if (!on) return NotFound("no matter '" + matter_id + "'");
  return db_.GetEntity(domain::EntityKind::kMatter, matter_id);
}

Result<Access::Sight> Access::SightOf(const Record& person) { return SightOfId(person.id); }

// Decided from the id alone, before the record is read, in the same queries
// whether the person is hidden or does not exist: a 404 takes as long either way.
Result<bool> Access::SeesFile(const std::string& person_id) {
  if (is_operator()) return true;
  auto cached = file_cache_.find(person_id);
  if (cached != file_cache_.end()) return cached->second;
  REFUGE_ASSIGN_OR_RETURN(store::Db::PersonReach reach, db_.ReachOfPerson(person_id, who_.user));
  // The creator builds the file until a matter takes it over; from then on only
  // the teams decide, so removal from a team is not undone by having created it.
  const bool file = reach.on_team || (reach.created && !reach.reached);
  file_cache_[person_id] = file;
  return file;
}

Result<Access::Sight> Access::SightOfId(const std::string& person_id) {
  auto cached = person_cache_.find(person_id);
  if (cached != person_cache_.end()) return cached->second;
  REFUGE_ASSIGN_OR_RETURN(bool file, SeesFile(person_id));
  Sight sight = file ? Sight::kFile : Sight::kNone;
  if (sight == Sight::kNone) {
    // Named by an event the actor sees: an advocate learns no name from a
    // privileged event, even on a matter of theirs. Asked only where a name may
    // be shown; lists, search and views need the file (SeesFile).
    REFUGE_ASSIGN_OR_RETURN(auto naming, db_.EventsNamingPerson(person_id));
    if (!naming.empty()) {
      REFUGE_ASSIGN_OR_RETURN(auto events, db_.GetEvents(naming));
      for (const domain::Event& e : events) {
        REFUGE_ASSIGN_OR_RETURN(bool seen, CanSeeEvent(e));
        if (seen) {
          sight = Sight::kName;
          break;
        }
      }
    }
  }
  person_cache_[person_id] = sight;
  return sight;
}

Result<bool> Access::CanSeePerson(const Record& person) { return SeesFile(person.id); }

Result<std::pair<Record, Access::Sight>> Access::RequirePersonName(const std::string& person_id) {
  REFUGE_ASSIGN_OR_RETURN(Sight sight, SightOfId(person_id));
  if (sight == Sight::kNone) return NotFound("no person '" + person_id + "'");
  REFUGE_ASSIGN_OR_RETURN(Record rec, db_.GetEntity(domain::EntityKind::kPerson, person_id));
  return std::make_pair(std::move(rec), sight);
}

Result<Record> Access::RequirePerson(const std::string& person_id) {
  REFUGE_ASSIGN_OR_RETURN(auto seen, RequirePersonName(person_id));
  if (seen.second != Sight::kFile) return NotFound("no person '" + person_id + "'");
  return std::move(seen.first);
}

Result<bool> Access::SeesName(const Record& person) {
  if (is_operator() || !person.body.value("protected", false)) return true;
  REFUGE_ASSIGN_OR_RETURN(auto client_of, db_.MattersOfClient(person.id));
  for (const Record& m : client_of) {
    REFUGE_ASSIGN_OR_RETURN(bool on, OnMatter(m.id));
    if (on) return true;
  }
  // The creator, while the record is still theirs alone (SightOfId).
  if (!person.created_by.empty() && person.created_by == who_.user) {
    REFUGE_ASSIGN_OR_RETURN(store::Db::PersonReach reach, db_.ReachOfPerson(person.id, who_.user));
    return !reach.reached;
  }
  return false;
}

Result<bool> Access::CanSeeEvidence(const store::EvidenceRow& row) {
  if (is_operator()) return true;
  bool seen = false;
  if (!row.matter.empty()) {
    REFUGE_ASSIGN_OR_RETURN(seen, OnMatter(row.matter));
  } else {
    REFUGE_ASSIGN_OR_RETURN(seen, SeesFile(row.subject));
  }
  // An original may identify who filmed it; advocates work with the safe copies.
  if (seen && who_.role == "advocate" && row.parent.empty() && row.created_by != who_.user) return false;
  return seen;
}

namespace {

const char* TargetName(domain::RefTarget t) {
  switch (t) {
    case domain::RefTarget::kPerson: return "person";
    case domain::RefTarget::kOrganization: return "organization";
    case domain::RefTarget::kFacility: return "facility";
    case domain::RefTarget::kMatter: return "matter";
    case domain::RefTarget::kEvidence: return "evidence record";
    default: return "object";
  }
}

}  // namespace

Status Access::UnknownReference(const std::string& field, domain::RefTarget target, const std::string& id) {
  return Invalid(field, std::string("refers to ") + TargetName(target) + " '" + id +
                            "', which does not exist or is not shared with you");
}

Status Access::CheckReference(const domain::Reference& ref) {
  using domain::RefTarget;
  // A party field names a person, an organization or a facility; its id says which.
  const RefTarget target = ref.target == RefTarget::kParty ? domain::TargetOfId(ref.id) : ref.target;
  const Status unknown = UnknownReference(ref.field, target, ref.id);
  switch (target) {
    case RefTarget::kPerson: {
      auto seen = RequirePersonName(ref.id);
      if (!seen.ok()) return seen.status().code() == Code::kNotFound ? unknown : seen.status();
      // Whoever files under a client, or opens a matter for one, must see the file:
      // the name alone never grows into more.
      const bool needs_file = ref.field == "subject" || ref.field == "client";
      if (needs_file && seen->second != Sight::kFile) return unknown;
      return Status::Ok();
    }
    case RefTarget::kMatter: {
      REFUGE_ASSIGN_OR_RETURN(bool on, OnMatter(ref.id));
      if (!on) return unknown;
      REFUGE_ASSIGN_OR_RETURN(bool exists, db_.Exists(RefTarget::kMatter, ref.id));
      return exists ? Status::Ok() : unknown;
    }
    case RefTarget::kEvidence: {
      if (!db_.KeepsEvidence()) {
        REFUGE_ASSIGN_OR_RETURN(bool exists, db_.Exists(target, ref.id));
        return exists ? Status::Ok() : unknown;
      }
      auto row = db_.GetEvidence(ref.id);
      if (!row.ok()) return row.status().code() == Code::kNotFound ? unknown : row.status();
      REFUGE_ASSIGN_OR_RETURN(bool seen, CanSeeEvidence(*row));
      return seen ? Status::Ok() : unknown;
    }
    case RefTarget::kOrganization:
    case RefTarget::kFacility: {
      // The shared directory: every user sees it.
      REFUGE_ASSIGN_OR_RETURN(bool exists, db_.Exists(target, ref.id));
      return exists ? Status::Ok() : unknown;
    }
    default:
      return unknown;
  }
}

Status Access::CheckReferences(const std::vector<domain::Reference>& refs) {
  for (const auto& r : refs) REFUGE_RETURN_IF_ERROR(CheckReference(r));
  return Status::Ok();
}

Result<bool> Access::CanSeeEvent(const domain::Event& e) {
  if (is_operator()) return true;
  if (who_.role == "advocate" && e.type != "advocacy" && e.type != "publication" &&
      !e.Bool("shareable")) {
    return false;
  }
  if (!e.matter.empty()) return OnMatter(e.matter);
  return SeesFile(e.subject);
}

Result<std::vector<domain::Event>> Access::VisibleEvents(std::vector<domain::Event> all) {
  if (is_operator()) return all;
  std::vector<domain::Event> out;
  out.reserve(all.size());
  for (auto& e : all) {
    REFUGE_ASSIGN_OR_RETURN(bool ok, CanSeeEvent(e));
    if (ok) out.push_back(std::move(e));
  }
  return out;
}

Result<nlohmann::json> Access::ShowPerson(const Record& person) {
  REFUGE_ASSIGN_OR_RETURN(Sight sight, SightOf(person));
  REFUGE_ASSIGN_OR_RETURN(bool name, SeesName(person));
  if (sight == Sight::kName) {
    // Named by an event on the actor's matter: who it is, and nothing of the file.
    nlohmann::json card = {{"id", person.id}, {"name", name ? person.body.value("name", "") : kMaskedName},
                           {"named_only", true}};
    if (!name) card["masked"] = true;
    return card;
  }
  nlohmann::json j = store::RecordToJson(person);
  if (!name) {
    j["name"] = kMaskedName;
    for (const char* f : {"other_names", "a_number", "birth_date", "note"}) j.erase(f);
    j["masked"] = true;
  }
  if (who_.role == "advocate") j.erase("note");
  return j;
}

const char* Access::Basis() const {
  if (is_operator()) return "all_events";
  return who_.role == "advocate" ? "shared_events" : "visible_events";
}

nlohmann::json Access::ShowMatter(const Record& matter) const {
  nlohmann::json j = store::RecordToJson(matter);
  if (who_.role == "advocate") j.erase("note");
  return j;
}

namespace {

// "an advocate", "a lawyer": the role as a message names it.
std::string WithArticle(const std::string& role) {
  const bool vowel = !role.empty() && std::string("aeiou").find(role.front()) != std::string::npos;
  return (vowel ? "an " : "a ") + role;
}

}  // namespace

Status Access::RequireRole(std::initializer_list<const char*> roles, const std::string& what) const {
  if (is_operator()) return Status::Ok();
  for (const char* r : roles) {
    if (who_.role == r) return Status::Ok();
  }
  return Status(Code::kForbidden, WithArticle(who_.role) + " may not " + what);
}

Status Access::RequireEventWriter(const std::string& type) const {
  if (is_operator() || who_.role == "lawyer") return Status::Ok();
  if (who_.role == "advocate") {
    if (type == "advocacy" || type == "publication") return Status::Ok();
    return Status(Code::kForbidden, "an advocate records advocacy and publication events only");
  }
  return Status(Code::kForbidden, WithArticle(who_.role) + " may not record events");
}

}  // namespace refuge::app
