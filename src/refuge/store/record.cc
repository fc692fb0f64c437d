#include "refuge/store/db.h"

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

}  // namespace refuge::store
