#include "refuge/domain/facility_list.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <optional>
#include <unordered_map>
#include <utility>

#include "refuge/base/date.h"
#include "refuge/base/utf8.h"

namespace refuge::domain {
namespace {

// How a column's value becomes a facility field.
enum class Conv {
  kText,    // kept as written (trimmed)
  kUpper,   // upper-cased (state)
  kDetloc,  // upper-cased; letters and digits only
  kDate,    // M/D/YYYY -> YYYY-MM-DD
  kBeds,    // a whole number
  kBool,    // TRUE / FALSE
  kDmcp,    // TRUE / FALSE, kept in the note: the facility has no field for it
};

struct Column {
  std::string_view header;
  std::string_view field;
  Conv conv;
};

// The list's columns and the facility fields they fill (schema.cc, kFacilitySpec).
constexpr std::array<Column, 19> kColumns = {{
    {"detloc", "detloc", Conv::kDetloc},
    {"name", "name", Conv::kText},
    {"address", "address", Conv::kText},
    {"city", "city", Conv::kText},
    {"county", "county", Conv::kText},
    {"state", "state", Conv::kUpper},
    {"zip", "zip", Conv::kText},  // text: leading zeros matter (02920)
    {"circuit", "circuit", Conv::kText},
    {"aor", "aor", Conv::kText},
    {"docket", "docket", Conv::kText},
    {"type", "ice_type", Conv::kText},
    {"type_detailed", "ice_type_detailed", Conv::kText},
    {"authorizing_authority", "authorizing_authority", Conv::kText},
    {"capacity", "capacity", Conv::kBeds},
    {"guaranteed_minimum", "guaranteed_minimum", Conv::kBeds},
    {"date_of_last_use", "last_use", Conv::kDate},
    {"date_of_first_use", "first_use", Conv::kDate},
    {"over_72", "over_72", Conv::kBool},
    {"dmcp_auth", "", Conv::kDmcp},
}};

struct KindOfCode {
  std::string_view code;  // upper case
  std::string_view kind;
};

// ICE's facility codes and the kind each one means. The list uses a code in both
// `type` and `type_detailed` (IGSA|JUVENILE, Other|HOLD, Other|BOP), so one table
// serves both; the detailed code is looked up first.
constexpr std::array<KindOfCode, 19> kKindOfCode = {{
    // Places ICE holds people under its own detention authority: its service
    // processing centres, contract detention facilities, and the county jails,
    // juvenile and family centres and Marshals' jails it rents beds in.
    {"SPC", "ice_detention"},
    {"CDF", "ice_detention"},
    {"USMS CDF", "ice_detention"},
    {"IGSA", "ice_detention"},
    {"DIGSA", "ice_detention"},
    {"USMS IGA", "ice_detention"},
    {"JUVENILE", "ice_detention"},
    {"FAMILY", "ice_detention"},
    // Hold rooms and staging sites are ICE field-office rooms: the person is in ICE
    // custody, usually for hours (over_72 says whether longer stays happen).
    {"HOLD", "ice_detention"},
    {"STAGING", "ice_detention"},
    // Federal prisons, where ICE detainees are held as Bureau of Prisons inmates.
    {"BOP", "prison"},
    // Border Patrol stations and ports of entry, an airport terminal among them, are
    // CBP's; the list's two MIRP sites are the Yuma Border Patrol station and CBP's
    // Nogales processing centre.
    {"BPS", "cbp"},
    {"POE", "cbp"},
    {"AIRPORT", "cbp"},
    {"MIRP", "cbp"},
    // Hospitals, care providers, transport contractors, hotels and whatever else ICE
    // files as "Other": not detention facilities of any one kind.
    {"HOSPITAL", "other"},
    {"HEALTH", "other"},
    {"TRANSPORT", "other"},
    {"OTHER", "other"},
}};

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

char Upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }
char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsDigit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

std::string ToUpper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Upper(c);
  return out;
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Upper(a[i]) != Upper(b[i])) return false;
  }
  return true;
}

// The list writes an unknown value as NA; spreadsheets often write N/A.
bool IsUnknown(std::string_view v) {
  return v.empty() || EqualsNoCase(v, "NA") || EqualsNoCase(v, "N/A");
}

// Reads 1..max_digits digits at *pos; nullopt if there are none or too many.
std::optional<int> ReadNumber(std::string_view s, size_t* pos, size_t max_digits) {
  size_t start = *pos;
  int n = 0;
  while (*pos < s.size() && IsDigit(s[*pos])) {
    if (*pos - start == max_digits) return std::nullopt;
    n = n * 10 + (s[*pos] - '0');
    ++*pos;
  }
  if (*pos == start) return std::nullopt;
  return n;
}

// M/D/YYYY as the list writes dates; YYYY-MM-DD as well, for a file that has been
// through a tool that rewrites them.
std::optional<CivilDate> ParseListDate(std::string_view s) {
  size_t pos = 0;
  std::optional<int> a = ReadNumber(s, &pos, 4);
  if (!a || pos == s.size()) return std::nullopt;
  const char sep = s[pos];
  const bool iso = sep == '-';
  if (sep != '/' && !iso) return std::nullopt;
  if (iso != (pos == 4)) return std::nullopt;
  ++pos;
  std::optional<int> b = ReadNumber(s, &pos, 2);
  if (!b || pos == s.size() || s[pos] != sep) return std::nullopt;
  ++pos;
  const size_t c_start = pos;
  std::optional<int> c = ReadNumber(s, &pos, 4);
  if (!c || pos != s.size()) return std::nullopt;
  CivilDate d;
  if (iso) {
    if (pos - c_start > 2) return std::nullopt;
    d = CivilDate{*a, *b, *c};
  } else {
    if (pos - c_start != 4) return std::nullopt;
    d = CivilDate{*c, *a, *b};
  }
  if (d.year < 1 || d.month < 1 || d.month > 12 || d.day < 1 ||
      d.day > DaysInMonth(d.year, d.month)) {
    return std::nullopt;
  }
  return d;
}

// A bed count: a whole number, at most nine digits.
std::optional<int64_t> ParseBeds(std::string_view s) {
  if (s.empty() || s.size() > 9) return std::nullopt;
  int64_t n = 0;
  for (char c : s) {
    if (!IsDigit(c)) return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

std::optional<bool> ParseBool(std::string_view s) {
  if (EqualsNoCase(s, "TRUE")) return true;
  if (EqualsNoCase(s, "FALSE")) return false;
  return std::nullopt;
}

std::string Quoted(std::string_view v) { return "'" + std::string(v) + "'"; }
// "capacity 'many'": a column and its value, for a rejection reason.
std::string Quoted(std::string_view column, std::string_view v) {
  return std::string(column) + " " + Quoted(v);
}

// One record of the file: its fields as read, before trimming.
struct Record {
  size_t line = 0;
  std::vector<std::string> fields;
  std::string problem;  // quoting gone wrong, but the record's end is known

  bool IsBlank() const { return fields.size() == 1 && Trim(fields[0]).empty(); }
};

// Splits the text into records. A field that starts with a quote is read as RFC 4180
// says (doubled quotes, separators and line breaks inside) whatever the separator:
// the pipe-separated list itself quotes one address that contains quotes.
class RecordReader {
 public:
  RecordReader(std::string_view text, char sep) : text_(text), sep_(sep) {}

  // Reads the next record; false at the end of the text. Fails only for a quote that
  // never closes, after which no later record can be told apart.
  Result<bool> Next(Record* rec) {
    if (pos_ >= text_.size()) return false;
    rec->line = line_;
    rec->fields.assign(1, std::string());
    rec->problem.clear();
    std::string* cur = &rec->fields.back();
    bool only_space = true;    // the field holds nothing but blanks so far
    bool after_quote = false;  // the field's closing quote has been read
    while (pos_ < text_.size()) {
      const char c = text_[pos_++];
      if (c == sep_) {
        cur = &rec->fields.emplace_back();
        only_space = true;
        after_quote = false;
        continue;
      }
      if (c == '\n') {
        ++line_;
        break;
      }
      if (c == '\r' && (pos_ == text_.size() || text_[pos_] == '\n')) continue;
      if (after_quote) {
        if (!IsSpace(c) && rec->problem.empty()) {
          rec->problem =
              "field " + std::to_string(rec->fields.size()) + " has text after its closing quote";
        }
        continue;
      }
      if (c == '"' && only_space) {
        cur->clear();
        REFUGE_RETURN_IF_ERROR(ReadQuoted(rec->line, cur));
        after_quote = true;
        continue;
      }
      if (!IsSpace(c)) only_space = false;
      cur->push_back(c);
    }
    return true;
  }

 private:
  // Reads a quoted field's content up to and including its closing quote.
  Status ReadQuoted(size_t start_line, std::string* out) {
    while (pos_ < text_.size()) {
      const char c = text_[pos_++];
      if (c == '"') {
        if (pos_ < text_.size() && text_[pos_] == '"') {
          out->push_back('"');
          ++pos_;
          continue;
        }
        return Status::Ok();
      }
      if (c == '\n') {
        ++line_;
        if (!out->empty() && out->back() == '\r') out->pop_back();
      }
      out->push_back(c);
    }
    return Malformed("line " + std::to_string(start_line) +
                     ": a quoted field is never closed, so the rest of the file cannot be read");
  }

  std::string_view text_;
  char sep_;
  size_t pos_ = 0;
  size_t line_ = 1;
};

// The header's columns, in file order. Refuses unknown, repeated and missing columns.
Result<std::vector<const Column*>> ReadHeader(const Record& header) {
  if (!header.problem.empty()) {
    return Invalid("header", "the header line is broken: " + header.problem);
  }
  std::vector<const Column*> columns;
  for (size_t i = 0; i < header.fields.size(); ++i) {
    std::string name(Trim(header.fields[i]));
    for (char& c : name) c = Lower(c);
    if (name.empty()) {
      return Invalid("header", "column " + std::to_string(i + 1) + " of the header has no name");
    }
    const Column* found = nullptr;
    for (const Column& col : kColumns) {
      if (col.header == name) found = &col;
    }
    if (found == nullptr) {
      std::string known;
      for (const Column& col : kColumns) {
        known += (known.empty() ? "" : ", ") + std::string(col.header);
      }
      return Invalid("header", "unknown column " + Quoted(name) + " (column " +
                                   std::to_string(i + 1) + "); the known columns are " + known);
    }
    for (const Column* seen : columns) {
      if (seen == found) return Invalid("header", "column " + Quoted(name) + " appears twice");
    }
    columns.push_back(found);
  }
  for (std::string_view needed : {"detloc", "name"}) {
    bool present = false;
    for (const Column* col : columns) present = present || col->header == needed;
    if (!present) {
      return Invalid("header", "the header has no " + Quoted(needed) +
                                   " column; it must name at least detloc and name");
    }
  }
  return columns;
}

// The facility body for one record, or the reason the row is rejected (the message of
// the returned status).
// The byte offset of the first byte that is not well-formed UTF-8, or npos.
size_t FirstNonUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const size_t n = Utf8SequenceAt(s, i);
    if (n == 0) return i;
    i += n;
  }
  return std::string_view::npos;
}

Result<Json> FacilityFromRecord(const std::vector<const Column*>& columns, const Record& rec) {
  if (!rec.problem.empty()) return Invalid("", rec.problem);
  if (rec.fields.size() != columns.size()) {
    return Invalid("", "the row has " + std::to_string(rec.fields.size()) +
                           " fields, the header has " + std::to_string(columns.size()));
  }
  Json body = Json::object();
  std::string_view type, type_detailed;
  for (size_t i = 0; i < columns.size(); ++i) {
    const Column& col = *columns[i];
    const std::string_view v = Trim(rec.fields[i]);
    // A file saved in Latin-1 or Windows-1252: that row is refused, without
    // quoting the bytes (the reason is printed and sent as JSON, which must be UTF-8).
    if (const size_t bad = FirstNonUtf8(v); bad != std::string_view::npos) {
      char byte[8];
      std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned char>(v[bad]));
      return Invalid(std::string(col.header), std::string(col.header) + " is not UTF-8 text (byte " + byte +
                                                  "); save the file as UTF-8");
    }
    if (IsUnknown(v)) continue;
    const std::string field(col.field);
    auto reject = [&](std::string_view why) {
      return Invalid(std::string(col.header), Quoted(col.header, v) + " " + std::string(why));
    };
    switch (col.conv) {
      case Conv::kText:
        body[field] = std::string(v);
        break;
      case Conv::kUpper:
        body[field] = ToUpper(v);
        break;
      case Conv::kDetloc:
        for (char c : v) {
          if (!IsAlnum(c)) return reject("must be letters and digits only");
        }
        body[field] = ToUpper(v);
        break;
      case Conv::kDate: {
        std::optional<CivilDate> d = ParseListDate(v);
        if (!d) return reject("is not a date (M/D/YYYY)");
        body[field] = FormatCivil(*d);
        break;
      }
      case Conv::kBeds: {
        std::optional<int64_t> n = ParseBeds(v);
        if (!n) return reject("is not a whole number of beds");
        body[field] = *n;
        break;
      }
      case Conv::kBool:
      case Conv::kDmcp: {
        std::optional<bool> b = ParseBool(v);
        if (!b) return reject("is not TRUE or FALSE");
        if (col.conv == Conv::kBool) {
          body[field] = *b;
        } else {
          body["note"] = *b ? "DMCP authorized: yes" : "DMCP authorized: no";
        }
        break;
      }
    }
    if (col.header == "type") type = v;
    if (col.header == "type_detailed") type_detailed = v;
  }
  if (!body.contains("detloc")) return Invalid("detloc", "detloc is missing");
  if (!body.contains("name")) return Invalid("name", "name is missing");
  body["country"] = "US";
  const std::string_view kind = FacilityKindForIceType(type, type_detailed);
  if (!kind.empty()) body["kind"] = std::string(kind);

  std::vector<Reference> refs;
  Result<Json> valid = ValidateEntity(EntityKind::kFacility, body, &refs);
  if (!valid.ok()) {
    const Status& st = valid.status();
    return Invalid(st.field(),
                   st.field().empty() ? st.message() : st.field() + ": " + st.message());
  }
  return std::move(valid).value();
}

}  // namespace

std::string_view FacilityKindForIceType(std::string_view type, std::string_view type_detailed) {
  for (std::string_view code : {Trim(type_detailed), Trim(type)}) {
    for (const KindOfCode& k : kKindOfCode) {
      if (EqualsNoCase(code, k.code)) return k.kind;
    }
  }
  return {};
}

Result<FacilityList> ParseFacilityList(std::string_view text) {
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  if (text.substr(0, kBom.size()) == kBom) text.remove_prefix(kBom.size());

  // The header decides the form: a pipe in it means the list's own pipe-separated form.
  std::string_view header_line;
  for (size_t start = 0; start < text.size() && Trim(header_line).empty();) {
    const size_t end = std::min(text.find('\n', start), text.size());
    header_line = text.substr(start, end - start);
    start = end + 1;
  }
  const char sep = header_line.find('|') != std::string_view::npos ? '|' : ',';
  RecordReader reader(text, sep);

  Record rec;
  bool have_header = false;
  while (!have_header) {
    REFUGE_ASSIGN_OR_RETURN(bool more, reader.Next(&rec));
    if (!more) {
      return Invalid("header",
                     "the file is empty; its first line must be a header naming at "
                     "least detloc and name");
    }
    have_header = !rec.IsBlank();
  }
  REFUGE_ASSIGN_OR_RETURN(std::vector<const Column*> columns, ReadHeader(rec));

  FacilityList list;
  std::unordered_map<std::string, size_t> first_line_of;  // detloc -> line of its kept row
  while (true) {
    REFUGE_ASSIGN_OR_RETURN(bool more, reader.Next(&rec));
    if (!more) break;
    if (rec.IsBlank()) continue;
    Result<Json> facility = FacilityFromRecord(columns, rec);
    if (!facility.ok()) {
      list.rejected.push_back(RejectedRow{rec.line, facility.status().message()});
      continue;
    }
    const std::string detloc = (*facility)["detloc"].get<std::string>();
    auto [it, inserted] = first_line_of.emplace(detloc, rec.line);
    if (!inserted) {
      list.rejected.push_back(RejectedRow{
          rec.line,
          "detloc " + Quoted(detloc) + " already appears on line " + std::to_string(it->second)});
      continue;
    }
    list.rows.push_back(FacilityRow{rec.line, std::move(facility).value()});
  }
  return list;
}

}  // namespace refuge::domain
