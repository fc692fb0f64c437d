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
// Visibility comes from the teams a user is on, never from what the user writes:
// a write may refer only to what its writer already sees (CheckReference).
//
// - A person's file (record, events, views, deadlines) is seen by the teams of the
//   matters where the person is the client or the subject of a current event filed
//   under the matter. The user who created a person record sees it too, while no
//   matter reaches it yet, so a file can be built before a matter exists.
// - A person named in a party field (actor, target, publisher, from, to) of a
//   current event filed under a matter is shown to that matter's team by name only
//   (ShowPerson: id and name, masked when protected), not their file.
// - An event filed under a matter is seen only by that matter's team.
// - Advocates see advocacy and publication events and what a lawyer marked
//   `shareable`; not other events, nor the notes on people and matters.
// - A protected person's name is shown only to the teams of the matters where they
//   are the client (and to whoever created the record, as above); others see it
//   masked.
// - Admins manage users and teams and see no case data unless on a team.
// - Organizations and facilities are a shared directory.
//
// What is not visible is reported as kNotFound, so existence does not leak;
// a visible object the role may not change is kForbidden; a reference to what is
// not visible is kInvalid exactly as for an id that does not exist.
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

  // How much of a person the actor sees: nothing, the name only, or the file.
  enum class Sight { kNone, kName, kFile };
  Result<Sight> SightOf(const store::Record& person);
  Result<Sight> SightOfId(const std::string& person_id);
  // Whether the actor sees the person's file, in one query (Db::ReachOfPerson).
  Result<bool> SeesFile(const std::string& person_id);
  // Whether the actor sees the person's file.
  Result<bool> CanSeePerson(const store::Record& person);
  // The person whose file the actor sees, or kNotFound.
  Result<store::Record> RequirePerson(const std::string& person_id);
  // The person if the actor sees at least the name (with how much), or kNotFound.
  Result<std::pair<store::Record, Sight>> RequirePersonName(const std::string& person_id);
  // Whether a protected person's name may be shown to the actor.
  Result<bool> SeesName(const store::Record& person);

  Result<bool> CanSeeEvent(const domain::Event& e);
  // The events of `all` the actor may see, in their order.
  Result<std::vector<domain::Event>> VisibleEvents(std::vector<domain::Event> all);

  // Whether the actor sees this evidence record (the rule of docs/security.md 4).
  Result<bool> CanSeeEvidence(const store::EvidenceRow& row);

  // A write's reference to another object is allowed only if the actor already
  // sees it: the file for a `subject` or a matter's `client`, at least the name
  // for a party field, the team for a matter, the record for evidence. Anything
  // else is kInvalid naming the field, with the same message whether the object
  // is hidden or does not exist.
  Status CheckReference(const domain::Reference& ref);
  Status CheckReferences(const std::vector<domain::Reference>& refs);
  // The error CheckReference gives; for callers that check a reference themselves.
  static Status UnknownReference(const std::string& field, domain::RefTarget target,
                                 const std::string& id);

  // What a view computed for the actor rests on, for the view to say so:
  // "shared_events" for an advocate (what lawyers shared, advocacy, publication),
  // "visible_events" for a team member (the events of their matters),
  // "all_events" for the operator. A view never presents a filtered stream as
  // the whole record.
  const char* Basis() const;

  // The record as the actor may see it: masked name, no notes for advocates; for
  // a person seen by name only, just the id and the name.
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
  std::map<std::string, bool> file_cache_;    // SeesFile
  std::map<std::string, Sight> person_cache_;  // SightOfId
};

inline constexpr const char* kMaskedName = "(protected person)";

}  // namespace refuge::app
