// The facility directory: ICE's list imported by detloc, and lookup.
#include "refuge/app/service.h"
#include "refuge/base/date.h"
#include "refuge/base/random.h"
#include "refuge/domain/facility_list.h"
#include "refuge/domain/search_terms.h"

namespace refuge::app {

Json FacilityImportReport::ToJson() const {
  Json rej = Json::array();
  for (const auto& r : rejected) rej.push_back({{"line", r.line}, {"reason", r.reason}});
  return {{"added", added}, {"updated", updated}, {"unchanged", unchanged},
          {"rejected", rejected.size()}, {"rejected_rows", std::move(rej)}};
}

Result<FacilityImportReport> Service::ImportFacilities(const Actor& who, std::string_view text,
                                                       const ProgressFn& progress) {
  REFUGE_ASSIGN_OR_RETURN(domain::FacilityList list, domain::ParseFacilityList(text));
  FacilityImportReport report;
  for (const auto& r : list.rejected) report.rejected.push_back({r.line, r.reason});
  const std::string now = Now();
  const int64_t total = static_cast<int64_t>(list.rows.size());
  Status s = store_->Write([&](store::Db& db) -> Status {
    REFUGE_RETURN_IF_ERROR(Access(db, who).RequireRole({"lawyer", "advocate"}, "import facilities"));
    report.added = report.updated = report.unchanged = 0;
    int64_t done = 0;
    for (const auto& row : list.rows) {
      const std::string detloc = row.facility.value("detloc", "");
      REFUGE_ASSIGN_OR_RETURN(auto existing, db.FacilityByDetloc(detloc));
      if (!existing) {
        store::Record r;
        r.kind = EntityKind::kFacility;
        r.id = NewId(domain::EntityIdPrefix(EntityKind::kFacility));
        r.body = row.facility;
        r.created_at = r.updated_at = now;
        REFUGE_RETURN_IF_ERROR(db.InsertEntity(r));
        ++report.added;
      } else {
        // The list's columns win; what a team added itself (a phone, coordinates) stays.
        Json merged = existing->body;
        for (const auto& [k, v] : row.facility.items()) merged[k] = v;
        if (merged == existing->body) {
          ++report.unchanged;
        } else {
          store::Record r = *existing;
          r.body = std::move(merged);
          r.version = existing->version + 1;
          r.updated_at = now;
          REFUGE_RETURN_IF_ERROR(db.UpdateEntity(r, existing->version));
          ++report.updated;
        }
      }
      ++done;
      if (progress && (done % 100 == 0 || done == total)) progress(done, total);
    }
    return audit_->Append(db, who, "facilities.import", "", "",
                          {{"added", report.added}, {"updated", report.updated},
                           {"unchanged", report.unchanged}, {"rejected", report.rejected.size()}});
  });
  if (!s.ok()) return s;
  return report;
}

Result<Page> Service::FindFacilities(const Actor& who, const std::string& query, int limit) {
  std::vector<std::string> terms = domain::QueryTerms(query);
  if (terms.empty()) return Invalid("q", "give a name, city, state, detloc or AOR to look for");
  if (terms.size() > 16) return Invalid("q", "use at most 16 words");
  limit = limit <= 0 ? 50 : std::min(limit, 1000);
  Page page;
  REFUGE_RETURN_IF_ERROR(store_->Read([&](store::Db& db) -> Status {
    REFUGE_ASSIGN_OR_RETURN(auto hits, db.Search(terms, "facility", limit));
    for (const auto& h : hits) {
      REFUGE_ASSIGN_OR_RETURN(store::Record r, db.GetEntity(EntityKind::kFacility, h.id));
      page.items.push_back(store::RecordToJson(r));
    }
    return Status::Ok();
  }));
  return page;
}

}  // namespace refuge::app
