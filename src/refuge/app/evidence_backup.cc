#include "refuge/app/evidence_backup.h"

namespace refuge::app {

using Json = nlohmann::json;
using store::CustodyRow;
using store::Db;
using store::EvidenceRow;

namespace {

constexpr int kBatch = 1000;

Json RowToJson(const EvidenceRow& r, const std::vector<CustodyRow>& custody) {
  Json j = {{"id", r.id},
            {"subject", r.subject},
            {"object", r.object},
            {"size", r.size},
            {"media_type", r.media_type},
            {"sealed", r.sealed},
            {"created_at", r.created_at},
            {"created_by", r.created_by},
            {"custody_head", {{"seq", r.custody_seq}, {"hash", r.custody_hash}, {"signature", r.custody_sig},
                              {"public_key", r.custody_key}, {"mac", r.custody_mac}}}};
  if (!r.matter.empty()) j["matter"] = r.matter;
  if (!r.parent.empty()) j["parent"] = r.parent;
  Json entries = Json::array();
  for (const auto& c : custody) {
    entries.push_back(Json{{"seq", c.seq}, {"at", c.at}, {"actor", c.actor}, {"action", c.action},
                           {"sealed", c.sealed}, {"prev_hash", c.prev_hash}, {"hash", c.hash}});
  }
  j["custody"] = std::move(entries);
  return j;
}

Status Str(const Json& j, const char* field, const std::string& where, bool required, std::string* out) {
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) {
    if (required) return Invalid(where + "." + field, std::string("'") + field + "' is required");
    out->clear();
    return Status::Ok();
  }
  if (!it->is_string()) return Invalid(where + "." + field, "must be a string");
  *out = it->get<std::string>();
  return Status::Ok();
}

Status Int(const Json& j, const char* field, const std::string& where, int64_t* out) {
  auto it = j.find(field);
  if (it == j.end() || !it->is_number_integer()) return Invalid(where + "." + field, "must be an integer");
  *out = it->get<int64_t>();
  return Status::Ok();
}

Status ParseRow(const Json& in, const std::string& where, EvidenceRow* r, std::vector<CustodyRow>* custody) {
  if (!in.is_object()) return Invalid(where, "an evidence record must be a JSON object");
  REFUGE_RETURN_IF_ERROR(Str(in, "id", where, true, &r->id));
  if (r->id.rfind("evi_", 0) != 0) return Invalid(where + ".id", "'" + r->id + "' is not an evidence id (evi_...)");
  REFUGE_RETURN_IF_ERROR(Str(in, "subject", where, true, &r->subject));
  REFUGE_RETURN_IF_ERROR(Str(in, "matter", where, false, &r->matter));
  REFUGE_RETURN_IF_ERROR(Str(in, "parent", where, false, &r->parent));
  REFUGE_RETURN_IF_ERROR(Str(in, "object", where, true, &r->object));
  REFUGE_RETURN_IF_ERROR(Int(in, "size", where, &r->size));
  REFUGE_RETURN_IF_ERROR(Str(in, "media_type", where, true, &r->media_type));
  REFUGE_RETURN_IF_ERROR(Str(in, "sealed", where, true, &r->sealed));
  REFUGE_RETURN_IF_ERROR(Str(in, "created_at", where, true, &r->created_at));
  REFUGE_RETURN_IF_ERROR(Str(in, "created_by", where, true, &r->created_by));
  auto head = in.find("custody_head");
  if (head == in.end() || !head->is_object()) return Invalid(where + ".custody_head", "'custody_head' is required");
  const std::string hw = where + ".custody_head";
  REFUGE_RETURN_IF_ERROR(Int(*head, "seq", hw, &r->custody_seq));
  REFUGE_RETURN_IF_ERROR(Str(*head, "hash", hw, true, &r->custody_hash));
  REFUGE_RETURN_IF_ERROR(Str(*head, "signature", hw, true, &r->custody_sig));
  REFUGE_RETURN_IF_ERROR(Str(*head, "public_key", hw, true, &r->custody_key));
  REFUGE_RETURN_IF_ERROR(Str(*head, "mac", hw, true, &r->custody_mac));
  auto entries = in.find("custody");
  if (entries == in.end() || !entries->is_array()) return Invalid(where + ".custody", "must be a list");
  for (size_t i = 0; i < entries->size(); ++i) {
    const std::string ew = where + ".custody[" + std::to_string(i) + "]";
    const Json& e = (*entries)[i];
    if (!e.is_object()) return Invalid(ew, "a custody entry must be a JSON object");
    CustodyRow c;
    c.evidence = r->id;
    REFUGE_RETURN_IF_ERROR(Int(e, "seq", ew, &c.seq));
    REFUGE_RETURN_IF_ERROR(Str(e, "at", ew, true, &c.at));
    REFUGE_RETURN_IF_ERROR(Str(e, "actor", ew, true, &c.actor));
    REFUGE_RETURN_IF_ERROR(Str(e, "action", ew, true, &c.action));
    REFUGE_RETURN_IF_ERROR(Str(e, "sealed", ew, true, &c.sealed));
    REFUGE_RETURN_IF_ERROR(Str(e, "prev_hash", ew, true, &c.prev_hash));
    REFUGE_RETURN_IF_ERROR(Str(e, "hash", ew, true, &c.hash));
    custody->push_back(std::move(c));
  }
  return Status::Ok();
}

bool SameRow(const EvidenceRow& a, const EvidenceRow& b) {
  return a.subject == b.subject && a.matter == b.matter && a.parent == b.parent && a.object == b.object &&
         a.size == b.size && a.media_type == b.media_type && a.sealed == b.sealed && a.created_at == b.created_at &&
         a.created_by == b.created_by && a.custody_seq == b.custody_seq && a.custody_hash == b.custody_hash &&
         a.custody_sig == b.custody_sig && a.custody_key == b.custody_key && a.custody_mac == b.custody_mac;
}

}  // namespace

Result<Json> ExportEvidence(Db& db) {
  Json out = Json::array();
  if (!db.KeepsEvidence()) return out;
  std::string after;
  while (true) {
    REFUGE_ASSIGN_OR_RETURN(auto rows, db.ListEvidence("", "", after, kBatch));
    for (const auto& r : rows) {
      REFUGE_ASSIGN_OR_RETURN(auto custody, db.CustodyOf(r.id));
      out.push_back(RowToJson(r, custody));
    }
    if (rows.size() < static_cast<size_t>(kBatch)) break;
    after = rows.back().id;
  }
  return out;
}

Status ImportEvidence(Db& db, const Json& list) {
  if (!list.is_array()) return Invalid("evidence", "must be a list");
  if (list.empty()) return Status::Ok();
  if (!db.KeepsEvidence()) {
    return Invalid("evidence", "this database does not keep evidence records; restore into one that does");
  }
  // Originals first: a safe copy refers to its original.
  for (bool derivatives : {false, true}) {
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string where = "evidence[" + std::to_string(i) + "]";
      EvidenceRow row;
      std::vector<CustodyRow> custody;
      REFUGE_RETURN_IF_ERROR(ParseRow(list[i], where, &row, &custody));
      if (row.parent.empty() == derivatives) continue;
      auto existing = db.GetEvidence(row.id);
      if (existing.ok()) {
        REFUGE_ASSIGN_OR_RETURN(auto stored, db.CustodyOf(row.id));
        if (SameRow(*existing, row) && stored.size() == custody.size()) continue;
        return Conflict(where + ": evidence record '" + row.id + "' exists with other content", where + ".id");
      }
      if (existing.status().code() != Code::kNotFound) return existing.status();
      Status s = db.InsertEvidence(row);
      for (size_t k = 0; s.ok() && k < custody.size(); ++k) s = db.InsertCustody(custody[k]);
      if (!s.ok()) return Status(s.code(), where + ": " + s.message(), where);
    }
  }
  return Status::Ok();
}

}  // namespace refuge::app
