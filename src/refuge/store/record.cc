#include "refuge/store/db.h"

namespace refuge::store {

Json RecordToJson(const Record& r) {
  Json j = r.body;
  j["id"] = r.id;
  j["version"] = r.version;
  j["created_at"] = r.created_at;
  j["updated_at"] = r.updated_at;
  return j;
}

}  // namespace refuge::store
