#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "refuge/app/actor.h"
#include "refuge/domain/event.h"
#include "refuge/store/db.h"

namespace refuge::app {

// Need-to-know access, decided in one place (docs/security.md has the table).
//
// - A person's record, events, deadlines and views are reached only through a
//   matter the user is on: as the matter's client, as the subject of an event filed
//   under it, or named by such an event. The user who created a person record also
//   sees it, so a file can be built before a matter exists.
// - An event filed under a matter is seen only by that matter's team.
// - Advocates see advocacy and publication events and what a lawyer marked
//   `shareable`; not other events, nor the notes on people and matters.
// - A protected person's name is shown only to the teams of the matters where they
//   are the client (and to whoever created the record); others see it masked.
// - Admins manage users and teams and see no case data unless on a team.
// - Organizations and facilities are a shared directory.
//
// What is not visible is reported as kNotFound, so existence does not leak;
// a visible object the role may not change is kForbidden.
//
// Bound to one transaction; caches what it learns. Not thread-safe.
class Access {
 public:
  Access(store::Db& db, const Actor& who) : db_(db), who_(who) {}

  const Actor& who() const { return who_; }
  bool is_operator() const { return who_.is_operator(); }

  // The matters whose team has this user, in id order; read once, then kept for
  // the transaction. For lists; a question about one matter is OnMatter.
  Result<const std::set<std::string>*> MyMatters();
  Result<bool> OnMatter(const std::string& matter_id);
  // The matter, or kNotFound when it is not one of the actor's.
  Result<store::Record> RequireMatter(const std::string& matter_id);

  Result<bool> CanSeePerson(const store::Record& person);
  // The person, or kNotFound when the actor may not see them.
  Result<store::Record> RequirePerson(const std::string& person_id);
  // Whether a protected person's name may be shown to the actor.
  Result<bool> SeesName(const store::Record& person);

  Result<bool> CanSeeEvent(const domain::Event& e);
  // The events of `all` the actor may see, in their order.
  Result<std::vector<domain::Event>> VisibleEvents(std::vector<domain::Event> all);

  // The record as the actor may see it: masked name, no notes for advocates.
  Result<nlohmann::json> ShowPerson(const store::Record& person);
  nlohmann::json ShowMatter(const store::Record& matter) const;

  // kForbidden unless the actor's role is one of `roles` (the operator always is).
  Status RequireRole(std::initializer_list<const char*> roles, const std::string& what) const;
  // Whether the actor may create or change an event of this type.
  Status RequireEventWriter(const std::string& type) const;

 private:
  store::Db& db_;
  Actor who_;
  std::optional<std::set<std::string>> my_matters_;
  std::map<std::string, bool> on_matter_;  // matters asked about one by one
  std::map<std::string, bool> person_cache_;
};

inline constexpr const char* kMaskedName = "(protected person)";

}  // namespace refuge::app
