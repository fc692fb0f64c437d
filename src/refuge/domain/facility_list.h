#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "refuge/base/status.h"
#include "refuge/domain/schema.h"

namespace refuge::domain {

// One facility of the list, as a body ValidateEntity(kFacility) has already accepted
// and normalized.
struct FacilityRow {
  size_t line = 0;  // 1-based line of the file where the row starts; the header is line 1
  Json facility;
};

// A row left out of the import and why, so the person importing can fix the file.
struct RejectedRow {
  size_t line = 0;
  std::string reason;
};

struct FacilityList {
  std::vector<FacilityRow> rows;
  std::vector<RejectedRow> rejected;
};

// Parses ICE's facility list (data/ice-facilities.psv): pipe-separated values, or CSV
// with the same header; the header line tells which. Either form may quote a field as
// RFC 4180 does. A UTF-8 BOM and CRLF line ends are accepted.
//
// The header must name detloc and name; the other columns are optional and may come
// in any order, but a column Refuge does not know refuses the whole file, as does a
// quoted field that never closes. A row that cannot be read (wrong number of fields,
// a bad date, number or TRUE/FALSE, a missing detloc, or the detloc of a row kept
// earlier) is rejected with its line and the reason; the other rows are kept.
//
// Each kept row becomes a facility body: `NA` and empty values are left out, dates
// (M/D/YYYY) become YYYY-MM-DD, detloc and state are upper-cased, country is "US",
// `kind` follows from ICE's type codes (kept in ice_type and ice_type_detailed) and
// dmcp_auth, which has no field of its own, is kept in the note.
Result<FacilityList> ParseFacilityList(std::string_view text);

// The facility kind for ICE's `type` and `type_detailed` codes (case-insensitive);
// the detailed code decides when it is known. Empty when neither code is known.
std::string_view FacilityKindForIceType(std::string_view type, std::string_view type_detailed);

}  // namespace refuge::domain
