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

Result<bool> Access::CanSeePerson(const Record& person) {
  if (is_operator()) return true;
  auto cached = person_cache_.find(person.id);
  if (cached != person_cache_.end()) return cached->second;
  bool visible = !person.created_by.empty() && person.created_by == who_.user;
  if (!visible) {
    REFUGE_ASSIGN_OR_RETURN(auto theirs, db_.MattersOfPerson(person.id));
    for (const std::string& m : theirs) {
      REFUGE_ASSIGN_OR_RETURN(visible, OnMatter(m));
      if (visible) break;
    }
  }
  person_cache_[person.id] = visible;
  return visible;
}

Result<Record> Access::RequirePerson(const std::string& person_id) {
  auto rec = db_.GetEntity(domain::EntityKind::kPerson, person_id);
  if (!rec.ok()) return rec.status();
  REFUGE_ASSIGN_OR_RETURN(bool visible, CanSeePerson(*rec));
  if (!visible) return NotFound("no person '" + person_id + "'");
  return rec;
}

Result<bool> Access::SeesName(const Record& person) {
  if (is_operator() || !person.body.value("protected", false)) return true;
  if (!person.created_by.empty() && person.created_by == who_.user) return true;
  REFUGE_ASSIGN_OR_RETURN(auto client_of, db_.MattersOfClient(person.id));
  for (const Record& m : client_of) {
    REFUGE_ASSIGN_OR_RETURN(bool on, OnMatter(m.id));
    if (on) return true;
  }
  return false;
}

Result<bool> Access::CanSeeEvent(const domain::Event& e) {
  if (is_operator()) return true;
  if (who_.role == "advocate" && e.type != "advocacy" && e.type != "publication" &&
      !e.Bool("shareable")) {
    return false;
  }
  if (!e.matter.empty()) return OnMatter(e.matter);
  auto cached = person_cache_.find(e.subject);
  if (cached != person_cache_.end()) return cached->second;
  auto person = db_.GetEntity(domain::EntityKind::kPerson, e.subject);
  if (!person.ok()) return person.status().code() == Code::kNotFound ? Result<bool>(false) : person.status();
  return CanSeePerson(*person);
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
  nlohmann::json j = store::RecordToJson(person);
  REFUGE_ASSIGN_OR_RETURN(bool name, SeesName(person));
  if (!name) {
    j["name"] = kMaskedName;
    for (const char* f : {"other_names", "a_number", "birth_date", "note"}) j.erase(f);
    j["masked"] = true;
  }
  if (who_.role == "advocate") j.erase("note");
  return j;
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
