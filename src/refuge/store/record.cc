#include "refuge/store/db.h"
#include "refuge/store/team_filter.h"

namespace refuge::store {

Json RecordToJson(const Record& r) {
  Json j = r.body;
  j["id"] = r.id;
  j["version"] = r.version;
  j["created_at"] = r.created_at;
  j["updated_at"] = r.updated_at;
  if (!r.created_by.empty()) j["created_by"] = r.created_by;
  return j;
}

std::string OnTeamsOf(const std::string& kind, const std::string& x, const std::string& user) {
  if (kind == "person") return PersonOnTeamsOf(x, user);
  if (kind == "event") return EventOnTeamsOf(x, user);
  return MatterOnTeamsOf(x, user);
}

Result<std::vector<SearchHit>> FilterHitsByKind(const std::vector<SearchHit>& hits, const PassingIds& passing) {
  std::set<std::string> passed[3];
  const char* kinds[3] = {"person", "event", "matter"};
  for (int k = 0; k < 3; ++k) {
    Json ids = Json::array();
    for (const SearchHit& h : hits) {
      if (h.kind == kinds[k]) ids.push_back(h.id);
    }
    if (ids.empty()) continue;
    REFUGE_ASSIGN_OR_RETURN(auto ok, passing(kinds[k], ids.dump()));
    passed[k].insert(ok.begin(), ok.end());
  }
  std::vector<SearchHit> out;
  for (const SearchHit& h : hits) {
    int k = h.kind == "person" ? 0 : h.kind == "event" ? 1 : h.kind == "matter" ? 2 : -1;
    if (k < 0 || passed[k].count(h.id)) out.push_back(h);
  }
  return out;
}

}  // namespace refuge::store
