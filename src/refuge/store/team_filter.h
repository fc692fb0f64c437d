#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "refuge/base/status.h"
#include "refuge/store/db.h"

namespace refuge::store {

// SQL conditions, the same for both dialects, that an id `x` of each kind may be
// seen by the user named `user` (people: their whole file, which search needs) (a bound parameter): the superset of what
// app::Access allows that the index can answer. Access stays the final word;
// these only spare it the rows it would refuse. `x` and `user` are SQL
// expressions (a column, "?2", "$2::text").
inline std::string PersonOnTeamsOf(const std::string& x, const std::string& user) {
  return "(EXISTS (SELECT 1 FROM persons p WHERE p.id = " + x + " AND p.created_by = " + user + ")"
         " OR EXISTS (SELECT 1 FROM matters m JOIN matter_members mm ON mm.matter = m.id"
         " WHERE m.client = " + x + " AND mm.user_name = " + user + ")"
         " OR EXISTS (SELECT 1 FROM events e JOIN matter_members mm ON mm.matter = e.matter"
         " WHERE e.subject = " + x + " AND NOT e.retracted AND mm.user_name = " + user + "))";
}

// Db::ReachOfPerson for both adapters: three columns, on_team, reached and
// created, for the person `x` and the user `user` (bound parameters).
inline std::string PersonReachQuery(const std::string& x, const std::string& user) {
  return "SELECT (EXISTS (SELECT 1 FROM matters m JOIN matter_members mm ON mm.matter = m.id"
         " WHERE m.client = " + x + " AND mm.user_name = " + user + ")"
         " OR EXISTS (SELECT 1 FROM events e JOIN matter_members mm ON mm.matter = e.matter"
         " WHERE e.subject = " + x + " AND NOT e.retracted AND mm.user_name = " + user + ")),"
         " (EXISTS (SELECT 1 FROM matters m WHERE m.client = " + x + ")"
         " OR EXISTS (SELECT 1 FROM events e WHERE e.subject = " + x +
         " AND e.matter IS NOT NULL AND NOT e.retracted)),"
         " EXISTS (SELECT 1 FROM persons p WHERE p.id = " + x + " AND p.created_by = " + user + ")";
}

// An event without a matter is seen with its subject; Access decides that one.
inline std::string EventOnTeamsOf(const std::string& x, const std::string& user) {
  return "EXISTS (SELECT 1 FROM events e WHERE e.id = " + x + " AND (e.matter IS NULL OR EXISTS ("
         "SELECT 1 FROM matter_members mm WHERE mm.matter = e.matter AND mm.user_name = " + user + ")))";
}

inline std::string MatterOnTeamsOf(const std::string& x, const std::string& user) {
  return "EXISTS (SELECT 1 FROM matter_members mm WHERE mm.matter = " + x + " AND mm.user_name = " + user + ")";
}

// The SQL condition above for hits of `kind` (person, event or matter).
std::string OnTeamsOf(const std::string& kind, const std::string& x, const std::string& user);

// Db::HitsOnTeamsOf for both adapters: asks `passing` once per kind present, with
// the condition for that kind and the kind's ids as a JSON array, for the ids that
// pass; keeps the hits' order.
using PassingIds = std::function<Result<std::vector<std::string>>(const std::string& kind,
                                                                  const std::string& ids_json)>;
Result<std::vector<SearchHit>> FilterHitsByKind(const std::vector<SearchHit>& hits, const PassingIds& passing);

}  // namespace refuge::store
