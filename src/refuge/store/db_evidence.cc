// The Evidence section of Db for stores without evidence tables: every call says
// so, rather than pretending the vault's records are empty.
#include "refuge/store/db.h"

namespace refuge::store {
namespace {

Status NoEvidence() {
  return Internal("this database adapter does not keep evidence records");
}

}  // namespace

Status Db::InsertEvidence(const EvidenceRow&) { return NoEvidence(); }
Result<EvidenceRow> Db::GetEvidence(const std::string&) { return NoEvidence(); }
Result<std::vector<EvidenceRow>> Db::ListEvidence(const std::string&, const std::string&,
                                                  const std::string&, int) {
  return NoEvidence();
}
Result<std::vector<std::string>> Db::EvidenceWithObject(const std::string&) { return NoEvidence(); }
Result<std::vector<std::string>> Db::DerivativesOf(const std::string&) { return NoEvidence(); }
Status Db::InsertCustody(const CustodyRow&) { return NoEvidence(); }
Status Db::SetCustodyHead(const EvidenceRow&) { return NoEvidence(); }
Result<std::vector<CustodyRow>> Db::CustodyOf(const std::string&) { return NoEvidence(); }
Result<std::vector<std::string>> Db::EventsCitingEvidence(const std::string&) { return NoEvidence(); }

}  // namespace refuge::store
