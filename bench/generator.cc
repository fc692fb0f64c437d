// The synthetic dataset: one backup document, written straight as text (a DOM of
// ten million events would not fit in memory), every choice drawn from a hash of
// the seed and the position, so any part can be regenerated alone.
#include "generator.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <deque>
#include <future>
#include <memory>
#include <thread>
#include <string_view>
#include <vector>

#include "refuge/base/date.h"

namespace refuge::bench {
namespace {

constexpr int kOrganizations = 240;
constexpr int kFacilities = 160;
constexpr int kLawyers = 50;
constexpr int kAdvocates = 20;
constexpr const char* kStamp = "2026-01-05T09:00:00Z";

// A stream of choices for one object: the same seed and key give the same stream.
class Draw {
 public:
  Draw(uint64_t seed, uint64_t kind, uint64_t key) : x_(seed * 0x9E3779B97F4A7C15ull ^ (kind << 56) ^ key) {
    Next();
  }
  uint64_t Next() {
    // splitmix64
    uint64_t z = (x_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  int Below(int n) { return static_cast<int>(Next() % static_cast<uint64_t>(n)); }
  bool Chance(int percent) { return Below(100) < percent; }
  template <typename T, size_t N>
  const T& Pick(const std::array<T, N>& a) {
    return a[Next() % N];
  }

 private:
  uint64_t x_;
};

using SV = std::string_view;

constexpr std::array<SV, 24> kGivenLatin = {
    "Amara", "Noor",  "Yusuf",  "Mariam", "Tesfaye", "Lucía",  "Dawit",  "Olena",
    "Farid", "Wen",   "Hao",    "Zainab", "Jorge",   "Aigerim", "Samir", "Dilnoza",
    "Kofi",  "Rahel", "Esteban", "Leyla", "Arman",   "Mei",    "Ilyas",  "Selam"};
constexpr std::array<SV, 20> kFamilyLatin = {
    "Okafor",  "Haddad", "Bekele", "Morales", "Karimi", "Rahimi", "Kovalenko",
    "Tesfay",  "Ortega", "Nazarova", "Abdi",  "Zhou",   "Wen",    "Li",
    "Mensah",  "Alvarez", "Yilmaz", "Tran",   "Guerrero", "Osei"};
// Chinese names: a family name and one or two given characters; two-character
// names are the hard case for search.
constexpr std::array<SV, 16> kFamilyHan = {"温", "李", "王", "张", "刘", "陈", "杨", "黄",
                                           "赵", "吴", "周", "徐", "孙", "马", "朱", "胡"};
constexpr std::array<SV, 20> kGivenHan = {"浩", "伟", "静", "敏", "强", "磊", "洋", "艳", "勇", "军",
                                          "杰", "娟", "涛", "明", "超", "霞", "平", "刚", "桂英", "秀兰"};
constexpr std::array<SV, 8> kCyrillic = {"Олена Коваленко", "Айгерим Нурланова", "Нур Исмаилов",
                                         "Дмитрий Орлов",   "Гульнара Ахметова", "Тимур Каримов",
                                         "Ирина Бондаренко", "Руслан Сафаров"};
constexpr std::array<SV, 6> kArabic = {"مريم حداد", "يوسف كريمي", "زينب عبدي", "فريد رحيمي", "سمير ناصر",
                                       "ليلى حسن"};
constexpr std::array<SV, 6> kGeez = {"ዳዊት በቀለ", "ተስፋዬ ገብሩ", "ሰላም ተስፋይ", "ራሄል ኃይሉ", "ዮናስ ሀብቶም",
                                     "ሜሮን ታደሰ"};
constexpr std::array<SV, 14> kCountries = {"CN", "HN", "GT", "VE", "ER", "AF", "RU",
                                           "IR", "ET", "UA", "SV", "MX", "CU", "HT"};
constexpr std::array<SV, 10> kTransit = {"MX", "GT", "PA", "CO", "TR", "RS", "TH", "MY", "BR", "EC"};
constexpr std::array<SV, 12> kLanguages = {"Mandarin", "Spanish", "Tigrinya", "Dari",  "Russian", "Amharic",
                                           "Ukrainian", "Farsi", "Uyghur",   "K'iche'", "Haitian Creole", "Arabic"};
constexpr std::array<SV, 16> kWords = {"interview", "called", "family", "threatened", "lawyer", "consulate",
                                       "clinic", "statement", "records", "visit", "translator", "медицинский",
                                       "证人", "شاهد", "affidavit", "hearing"};
constexpr std::array<SV, 8> kCourts = {"New York Immigration Court", "Batavia Immigration Court",
                                       "Houston Immigration Court", "Miami Immigration Court",
                                       "San Francisco Immigration Court", "Chicago Immigration Court",
                                       "El Paso Immigration Court", "Newark Immigration Court"};
constexpr std::array<SV, 10> kStates = {"TX", "LA", "AZ", "CA", "NY", "GA", "NJ", "FL", "NM", "PA"};
constexpr std::array<SV, 6> kPlaces = {"Outside the shelter", "At the family home", "Online",
                                       "Near the bus station", "At the workplace", "By telephone"};

// Appends JSON-escaped text (the lists above need no escaping, notes might).
void Escaped(std::string& out, SV s) {
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
}

void Field(std::string& out, SV key, SV value) {
  out += ",\"";
  out += key;
  out += "\":\"";
  Escaped(out, value);
  out.push_back('"');
}
void Field(std::string& out, SV key, int64_t value) {
  out += ",\"";
  out += key;
  out += "\":";
  out += std::to_string(value);
}
void BoolField(std::string& out, SV key, bool value) {
  out += ",\"";
  out += key;
  out += value ? "\":true" : "\":false";
}

std::string Numbered(const char* prefix, int width, int64_t n) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s%0*lld", prefix, width, static_cast<long long>(n));
  return buf;
}
std::string PersonId(int64_t n) { return Numbered("per_", 8, n); }
std::string MatterId(int64_t n, int k) { return Numbered("mat_", 8, n) + "_" + std::to_string(k); }
std::string OrgId(int i) { return Numbered("org_", 4, i); }
std::string FacilityId(int i) { return Numbered("fac_", 4, i); }
std::string LawyerName(int i) { return Numbered("lawyer_", 3, i); }
std::string AdvocateName(int i) { return Numbered("advocate_", 3, i); }

// A date to the day, or only to the month or year, as a person remembers it.
std::string PartialDate(int64_t days, int precision) {
  std::string d = FormatCivil(CivilFromDays(days));
  if (precision == 0) return d.substr(0, 4);
  if (precision == 1) return d.substr(0, 7);
  return d;
}

// What a person's case looks like, decided once and used by all three sections.
struct CaseShape {
  int matters = 1;
  std::array<SV, 3> kinds{};
  SV citizenship;
};

constexpr std::array<SV, 5> kMatterKinds = {"removal_defense", "affirmative_asylum", "bond", "appeal", "habeas"};

CaseShape ShapeOf(uint64_t seed, int64_t n) {
  Draw d(seed, 1, static_cast<uint64_t>(n));
  CaseShape c;
  c.citizenship = d.Pick(kCountries);
  const int r = d.Below(100);
  c.matters = r < 60 ? 1 : (r < 90 ? 2 : 3);
  c.kinds[0] = d.Chance(70) ? "removal_defense" : "affirmative_asylum";
  c.kinds[1] = d.Chance(60) ? "bond" : "appeal";
  c.kinds[2] = d.Chance(50) ? "habeas" : "appeal";
  return c;
}

// Writes the dataset's text, or (without files) holds one block of it in memory
// for a worker thread, to be appended in order.
class Writer {
 public:
  Writer(std::FILE* out, std::FILE* csv, bool with_csv) : out_(out), csv_(csv), with_csv_(with_csv) {}

  void Item(const std::string& object) {
    buf_ += first_ ? "\n\t\t" : ",\n\t\t";
    first_ = false;
    buf_ += object;
    ++items_;
    if (out_ && buf_.size() > (1u << 20)) Flush();
  }
  void Raw(SV s) { buf_ += s; }
  void Section(SV name) {
    buf_ += ",\n\t\"";
    buf_ += name;
    buf_ += "\": [";
    first_ = true;
  }
  void EndSection() { buf_ += first_ ? "]" : "\n\t]"; }

  // The items of `block` after those written here, as if written here.
  void Append(const Writer& block) {
    if (block.items_ == 0) return;
    if (!first_) buf_ += ',';
    buf_ += block.buf_;
    first_ = false;
    items_ += block.items_;
    csv_buf_ += block.csv_buf_;
    if (buf_.size() > (1u << 20)) Flush();
    if (csv_buf_.size() > (1u << 20)) FlushCsv();
  }

  void CsvRow(const std::string& id, const std::string& subject, const std::string& matter, SV type,
              const std::string& date, const std::string& body) {
    if (!with_csv_) return;
    csv_buf_ += id;
    csv_buf_ += ',';
    csv_buf_ += subject;
    csv_buf_ += ',';
    csv_buf_ += matter;
    csv_buf_ += ',';
    csv_buf_ += type;
    csv_buf_ += ',';
    csv_buf_ += date;
    csv_buf_ += ",\"";
    for (char c : body) {
      if (c == '"') csv_buf_.push_back('"');
      csv_buf_.push_back(c);
    }
    csv_buf_ += "\"\n";
    if (csv_ && csv_buf_.size() > (1u << 20)) FlushCsv();
  }

  // A failed write is remembered and reported by failed().
  void Flush() {
    bytes_ += buf_.size();
    if (std::fwrite(buf_.data(), 1, buf_.size(), out_) != buf_.size()) error_ = true;
    buf_.clear();
  }
  void FlushCsv() {
    if (!csv_) return;
    if (std::fwrite(csv_buf_.data(), 1, csv_buf_.size(), csv_) != csv_buf_.size()) error_ = true;
    csv_buf_.clear();
  }
  bool failed() const { return error_; }
  uint64_t bytes() const { return bytes_ + buf_.size(); }
  int64_t items() const { return items_; }

 private:
  std::FILE* out_;
  std::FILE* csv_;
  bool with_csv_;
  std::string buf_, csv_buf_;
  bool first_ = true;
  bool error_ = false;
  uint64_t bytes_ = 0;
  int64_t items_ = 0;
};

// Writes `fn(block, n)` for n in [0, count) into `w` in order, blocks of people
// generated on every core while this thread writes the finished ones.
template <typename Fn>
void InParallel(Writer& w, int64_t count, bool with_csv, const Fn& fn) {
  constexpr int64_t kBlock = 4096;
  const size_t workers = std::max(2u, std::thread::hardware_concurrency());
  std::deque<std::future<std::unique_ptr<Writer>>> pending;
  int64_t next = 0;
  while (next < count || !pending.empty()) {
    while (next < count && pending.size() <= workers) {
      const int64_t begin = next, end = std::min(count, next + kBlock);
      next = end;
      pending.push_back(std::async(std::launch::async, [begin, end, with_csv, &fn] {
        auto block = std::make_unique<Writer>(nullptr, nullptr, with_csv);
        for (int64_t n = begin; n < end; ++n) fn(*block, n);
        return block;
      }));
    }
    std::unique_ptr<Writer> block = pending.front().get();
    pending.pop_front();
    w.Append(*block);
  }
}

std::string Head(SV id, int version, SV updated) {
  std::string s = "{\"id\":\"";
  s += id;
  s += "\",\"version\":";
  s += std::to_string(version);
  s += ",\"created_at\":\"";
  s += kStamp;
  s += "\",\"updated_at\":\"";
  s += updated;
  s += "\"";
  return s;
}

void WritePerson(Writer& w, uint64_t seed, int64_t n) {
  Draw d(seed, 2, static_cast<uint64_t>(n));
  const CaseShape shape = ShapeOf(seed, n);
  std::string name, other;
  const int script = d.Below(100);
  if (shape.citizenship == "CN" || script < 8) {
    // Romanized on the form, the characters as the client writes them.
    std::string family(d.Pick(kFamilyHan)), given(d.Pick(kGivenHan));
    other = family + given;
    name = std::string(d.Pick(kGivenLatin)) + " " + std::string(d.Pick(kFamilyLatin));
  } else if (script < 14) {
    name = std::string(d.Pick(kCyrillic));
  } else if (script < 20) {
    name = std::string(d.Pick(kArabic));
  } else if (script < 24) {
    name = std::string(d.Pick(kGeez));
  } else {
    name = std::string(d.Pick(kGivenLatin)) + " " + std::string(d.Pick(kFamilyLatin));
    if (d.Chance(30)) {
      other = d.Chance(50) ? std::string(d.Pick(kCyrillic)) : std::string(d.Pick(kArabic));
    }
  }
  const bool noted = d.Chance(20);
  std::string s = Head(PersonId(n), noted ? 2 : 1, noted ? "2026-03-02T12:00:00Z" : kStamp);
  Field(s, "name", name);
  if (!other.empty()) s += ",\"other_names\":[\"" + other + "\"]";
  char a_number[24];
  std::snprintf(a_number, sizeof a_number, "%09lld", static_cast<long long>(200000000 + n));
  Field(s, "a_number", a_number);
  Field(s, "country_of_birth", shape.citizenship);
  s += ",\"citizenship\":[\"" + std::string(shape.citizenship) + "\"]";
  s += ",\"languages\":[\"" + std::string(d.Pick(kLanguages)) + "\"]";
  Field(s, "birth_date", PartialDate(DaysFromCivil({1955 + d.Below(50), 1, 1}) + d.Below(365), d.Below(3)));
  if (d.Chance(4)) BoolField(s, "protected", true);
  if (noted) Field(s, "note", std::string("Address confirmed by ") + std::string(d.Pick(kWords)) + ".");
  s += "}";
  w.Item(s);
}

void WriteMatters(Writer& w, uint64_t seed, int64_t n) {
  const CaseShape shape = ShapeOf(seed, n);
  Draw d(seed, 3, static_cast<uint64_t>(n));
  for (int k = 0; k < shape.matters; ++k) {
    std::string s = Head(MatterId(n, k), 1, kStamp);
    Field(s, "client", PersonId(n));
    Field(s, "kind", shape.kinds[k]);
    Field(s, "title", std::string(shape.kinds[k]) + " " + std::to_string(n));
    Field(s, "status", d.Chance(15) ? "closed" : "open");
    s += ",\"team\":[\"" + LawyerName(static_cast<int>(n % kLawyers)) + "\"";
    if (d.Chance(30)) s += ",\"" + AdvocateName(static_cast<int>(n % kAdvocates)) + "\"";
    s += "]}";
    w.Item(s);
  }
}

// One event as it is built: its body fields after the common ones.
struct EventDraft {
  SV type;
  int64_t day = 0;
  int precision = 2;  // 0 year, 1 month, 2 day
  std::string matter;
  std::string fields;
};

// The events of person n's case, in the order they happened.
std::vector<EventDraft> CaseEvents(uint64_t seed, int64_t n, int long_case_events) {
  Draw d(seed, 4, static_cast<uint64_t>(n));
  const CaseShape shape = ShapeOf(seed, n);
  std::vector<EventDraft> ev;
  int64_t day = DaysFromCivil({2008 + d.Below(16), 1, 1}) + d.Below(365);
  auto add = [&](SV type, int precision, std::string matter, std::string fields) {
    ev.push_back(EventDraft{type, day, precision, std::move(matter), std::move(fields)});
  };
  auto party = [&](SV key, const std::string& id) {
    std::string f;
    Field(f, key, id);
    return f;
  };
  const std::string m0 = MatterId(n, 0);
  // Persecution at home, then the journey.
  for (int i = d.Below(2); i > 0; --i) {
    std::string f;
    Field(f, "kind", d.Chance(50) ? "threat" : (d.Chance(50) ? "arrest" : "surveillance"));
    f += party("actor", OrgId(d.Below(kOrganizations)));
    add("incident", d.Below(2), "", f);
    day += 20 + d.Below(200);
  }
  std::string f;
  Field(f, "country", shape.citizenship);
  Field(f, "mode", d.Chance(60) ? "air" : "land");
  add("departure", 1, "", f);
  for (int hops = d.Below(3); hops > 0; --hops) {
    const SV via = d.Pick(kTransit);
    day += 2 + d.Below(60);
    f.clear();
    Field(f, "country", via);
    add("arrival", 1, "", f);
    day += 5 + d.Below(120);
    f.clear();
    Field(f, "country", via);
    Field(f, "mode", d.Chance(20) ? "sea" : "land");
    add("departure", 1, "", f);
  }
  day += 1 + d.Below(20);
  f.clear();
  Field(f, "country", "US");
  Field(f, "mode", d.Chance(20) ? "sea" : (d.Chance(50) ? "land" : "air"));
  Field(f, "manner", d.Chance(60) ? "without_inspection" : (d.Chance(50) ? "paroled" : "inspected"));
  add("arrival", 2, "", f);
  // Proceedings.
  day += 1 + d.Below(30);
  f.clear();
  Field(f, "charges", "212(a)(6)(A)(i)");
  add("notice_to_appear", 2, m0, f);
  const bool detained = d.Chance(55);
  if (detained) {
    f.clear();
    f += party("facility", FacilityId(d.Below(kFacilities)));
    Field(f, "agency", "ICE");
    add("detention", 2, "", f);
    day += 3 + d.Below(20);
    f.clear();
    Field(f, "kind", "credible");
    Field(f, "result", d.Chance(80) ? "positive" : "negative");
    add("fear_screening", 2, "", f);
    for (int t = d.Below(3); t > 0; --t) {
      day += 5 + d.Below(90);
      add("transfer", 2, "", party("facility", FacilityId(d.Below(kFacilities))));
    }
    day += 5 + d.Below(40);
    f.clear();
    Field(f, "action", "requested");
    add("bond", 2, m0, f);
    day += 7 + d.Below(30);
    const bool set = d.Chance(60);
    f.clear();
    Field(f, "action", set ? "set" : "denied");
    if (set) Field(f, "amount", 1500 + d.Below(40) * 500);
    Field(f, "by", "ij");
    add("bond", 2, m0, f);
    if (set) {
      day += 2 + d.Below(20);
      f.clear();
      Field(f, "reason", "bond");
      Field(f, "conditions", "Weekly check-in");
      add("release", 2, "", f);
    }
  }
  day += 30 + d.Below(200);
  f.clear();
  Field(f, "kind", "asylum_application");
  Field(f, "forum", "Immigration Court");
  add("filing", 2, m0, f);
  const SV court = d.Pick(kCourts);
  for (int h = 1 + d.Below(3); h > 0; --h) {
    day += 60 + d.Below(300);
    f.clear();
    Field(f, "kind", "master");
    Field(f, "court", court);
    Field(f, "status", "held");
    add("hearing", 2, m0, f);
  }
  const int64_t today = DaysFromCivil({2026, 11, 30});
  if (day < today - 400 || d.Chance(50)) {
    day += 90 + d.Below(300);
    f.clear();
    Field(f, "kind", "individual");
    Field(f, "court", court);
    Field(f, "status", day > today ? "scheduled" : "held");
    add("hearing", 2, m0, f);
    if (day <= today) {
      const int r = d.Below(100);
      f.clear();
      Field(f, "body", "ij");
      Field(f, "outcome", r < 35 ? "granted" : (r < 70 ? "denied" : "removal_ordered"));
      if (r < 35) Field(f, "relief", "asylum");
      add("decision", 2, m0, f);
      if (r >= 35 && shape.matters > 1) {
        day += 10 + d.Below(20);
        f.clear();
        Field(f, "kind", "bia_appeal");
        Field(f, "forum", "BIA");
        add("filing", 2, MatterId(n, 1), f);
      }
    }
  }
  // Pressure on the family, the campaign and the letters, spread over the case.
  for (int i = d.Below(2); i > 0; --i) {
    f.clear();
    Field(f, "kind", d.Chance(50) ? "doxxing" : "family_summoned");
    f += party("actor", OrgId(d.Below(kOrganizations)));
    Field(f, "place", d.Pick(kPlaces));
    day += 5 + d.Below(60);
    add("incident", 2, "", f);
  }
  for (int i = d.Below(2); i > 0; --i) {
    f.clear();
    Field(f, "kind", d.Chance(50) ? "letter" : "press");
    f += party("actor", OrgId(d.Below(kOrganizations)));
    f += party("target", OrgId(d.Below(kOrganizations)));
    day += 3 + d.Below(40);
    add("advocacy", 2, "", f);
  }
  for (int i = d.Below(2); i > 0; --i) {
    f.clear();
    Field(f, "direction", d.Chance(50) ? "in" : "out");
    f += party("from", OrgId(d.Below(kOrganizations)));
    f += party("to", PersonId(n));
    day += 3 + d.Below(40);
    add("correspondence", 2, m0, f);
  }
  for (int i = d.Below(2); i > 0; --i) {
    day += 1 + d.Below(30);
    add("note", 2, "", "");
  }
  // The long case: a matter with years of hearings, filings and letters.
  if (n == 0) {
    while (static_cast<int>(ev.size()) < long_case_events) {
      day += 3 + d.Below(20);
      f.clear();
      switch (ev.size() % 4) {
        case 0:
          Field(f, "kind", "master");
          Field(f, "court", court);
          Field(f, "status", "held");
          add("hearing", 2, m0, f);
          break;
        case 1:
          Field(f, "kind", "evidence_submission");
          add("filing", 2, m0, f);
          break;
        case 2:
          Field(f, "direction", "out");
          f += party("from", PersonId(n));
          f += party("to", OrgId(d.Below(kOrganizations)));
          add("correspondence", 2, m0, f);
          break;
        default: add("note", 2, m0, ""); break;
      }
    }
    // Every event of the long case belongs to its matter.
    for (auto& e : ev) e.matter = m0;
  }
  return ev;
}

std::string EventBody(const EventDraft& e, const std::string& subject, SV note) {
  std::string s = "\"type\":\"";
  s += e.type;
  s += "\",\"subject\":\"" + subject + "\",\"date\":\"" + PartialDate(e.day, e.precision) + "\"";
  if (!e.matter.empty()) s += ",\"matter\":\"" + e.matter + "\"";
  s += e.fields;
  s += ",\"note\":\"";
  Escaped(s, note);
  s += "\"";
  return s;
}

void WriteEvents(Writer& w, uint64_t seed, int64_t n, int long_case_events) {
  const std::string subject = PersonId(n);
  const auto events = CaseEvents(seed, n, long_case_events);
  Draw d(seed, 5, static_cast<uint64_t>(n));
  char id[48];
  for (size_t k = 0; k < events.size(); ++k) {
    const EventDraft& e = events[k];
    std::snprintf(id, sizeof id, "evt_%08lld_%03zu", static_cast<long long>(n), k);
    std::string note = std::string(d.Pick(kWords)) + " " + std::string(d.Pick(kWords));
    std::string body = EventBody(e, subject, note);
    const int r = d.Below(1000);
    std::string s;
    if (r < 50) {
      // Corrected once: the first entry stays in the history.
      s = Head(id, 2, "2026-02-10T08:30:00Z") + "," + body + ",\"history\":[" + Head(id, 1, kStamp) + "," +
          EventBody(e, subject, "first entry, corrected later") + "}]}";
    } else if (r < 55) {
      s = Head(id, 2, "2026-02-11T10:00:00Z") + "," + body +
          ",\"retracted\":true,\"retraction_reason\":\"entered twice\",\"history\":[" + Head(id, 1, kStamp) +
          "," + body + "}]}";
    } else {
      s = Head(id, 1, kStamp) + "," + body + "}";
    }
    w.Item(s);
    w.CsvRow(id, subject, e.matter, e.type, PartialDate(e.day, e.precision), "{" + body + "}");
  }
}

// An Argon2id hash in the standard encoded form with a salt drawn from the seed,
// so the dataset is the same bytes on every run and its users can log in.
Result<std::string> DeterministicPasswordHash(const std::string& password, uint64_t seed) {
  if (sodium_init() < 0) return Internal("libsodium failed to start");
  unsigned char salt[crypto_pwhash_SALTBYTES];
  Draw d(seed, 6, 0);
  for (auto& b : salt) b = static_cast<unsigned char>(d.Next());
  unsigned char hash[32];
  if (crypto_pwhash(hash, sizeof hash, password.data(), password.size(), salt,
                    crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
                    crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Internal("out of memory hashing the password");
  }
  char salt64[64], hash64[64];
  sodium_bin2base64(salt64, sizeof salt64, salt, sizeof salt, sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
  sodium_bin2base64(hash64, sizeof hash64, hash, sizeof hash, sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
  return "$argon2id$v=19$m=" + std::to_string(crypto_pwhash_MEMLIMIT_INTERACTIVE / 1024) +
         ",t=" + std::to_string(crypto_pwhash_OPSLIMIT_INTERACTIVE) + ",p=1$" + salt64 + "$" + hash64;
}

}  // namespace

Result<GeneratorStats> Generate(const GeneratorOptions& o, std::FILE* out, std::FILE* csv) {
  if (o.persons < 1) return Invalid("persons", "must be at least 1");
  if (o.persons > 99999999) return Invalid("persons", "must be at most 99,999,999");
  REFUGE_ASSIGN_OR_RETURN(std::string hash, DeterministicPasswordHash(o.password, o.seed));
  GeneratorStats st;
  Writer w(out, csv, csv != nullptr);
  w.Raw("{\n\t\"format\": \"refuge-backup\",\n\t\"format_version\": 1");
  w.Section("people");
  InParallel(w, o.persons, false, [&](Writer& b, int64_t n) { WritePerson(b, o.seed, n); });
  w.EndSection();
  st.persons = o.persons;

  w.Section("organizations");
  constexpr std::array<SV, 6> kOrgKinds = {"ngo", "agency", "media", "legislature", "law_firm", "commission"};
  for (int i = 0; i < kOrganizations; ++i) {
    Draw d(o.seed, 7, static_cast<uint64_t>(i));
    const SV kind = kOrgKinds[static_cast<size_t>(i) % kOrgKinds.size()];
    std::string s = Head(OrgId(i), 1, kStamp);
    Field(s, "name", std::string(kind == "agency" ? "State Security Bureau " : "Organization ") + std::to_string(i));
    Field(s, "kind", kind);
    Field(s, "country", kind == "agency" ? d.Pick(kCountries) : SV("US"));
    s += "}";
    w.Item(s);
  }
  w.EndSection();
  st.organizations = kOrganizations;

  w.Section("facilities");
  for (int i = 0; i < kFacilities; ++i) {
    Draw d(o.seed, 8, static_cast<uint64_t>(i));
    char detloc[16];
    std::snprintf(detloc, sizeof detloc, "GEN%04dXX", i);
    std::string s = Head(FacilityId(i), 1, kStamp);
    Field(s, "name", "Processing Center " + std::to_string(i));
    Field(s, "kind", "ice_detention");
    Field(s, "country", "US");
    Field(s, "state", d.Pick(kStates));
    Field(s, "detloc", detloc);
    Field(s, "capacity", 100 + d.Below(1900));
    s += ",\"lat\":" + std::to_string(26 + d.Below(20)) + "." + std::to_string(d.Below(1000));
    s += ",\"lon\":-" + std::to_string(75 + d.Below(45)) + "." + std::to_string(d.Below(1000));
    s += "}";
    w.Item(s);
  }
  w.EndSection();
  st.facilities = kFacilities;

  w.Section("users");
  auto user = [&](const std::string& name, SV role) {
    std::string s = "{\"name\":\"" + name + "\",\"role\":\"" + std::string(role) + "\",\"password_hash\":\"" + hash +
                    "\",\"created_at\":\"" + kStamp + "\",\"disabled\":false}";
    w.Item(s);
    ++st.users;
  };
  for (int i = 0; i < kLawyers; ++i) user(LawyerName(i), "lawyer");
  for (int i = 0; i < kAdvocates; ++i) user(AdvocateName(i), "advocate");
  user("admin_000", "admin");
  w.EndSection();

  w.Section("matters");
  int64_t before = w.items();
  InParallel(w, o.persons, false, [&](Writer& b, int64_t n) { WriteMatters(b, o.seed, n); });
  st.matters = w.items() - before;
  w.EndSection();
  w.Section("evidence");
  w.EndSection();
  w.Section("events");
  before = w.items();
  InParallel(w, o.persons, csv != nullptr,
             [&](Writer& b, int64_t n) { WriteEvents(b, o.seed, n, o.long_case_events); });
  st.events = w.items() - before;
  w.EndSection();
  w.Raw("\n}\n");
  w.Flush();
  w.FlushCsv();
  if (w.failed()) return IoError("cannot write the dataset");
  st.bytes = w.bytes();
  return st;
}

std::vector<std::string> SearchQueries(const GeneratorOptions& o, int count) {
  std::vector<std::string> q;
  Draw d(o.seed, 9, 0);
  for (int i = 0; i < count; ++i) {
    switch (i % 4) {
      case 0: q.push_back(std::string(d.Pick(kFamilyHan)) + std::string(d.Pick(kGivenHan))); break;
      case 1: q.push_back(std::string(d.Pick(kFamilyLatin))); break;
      case 2: q.push_back(std::string(d.Pick(kGivenLatin)) + " " + std::string(d.Pick(kFamilyLatin))); break;
      default: {
        char a[16];
        std::snprintf(a, sizeof a, "A%09lld", static_cast<long long>(200000000 + d.Below(static_cast<int>(
                                                   std::min<int64_t>(o.persons, 2000000000)))));
        q.push_back(a);
      }
    }
  }
  return q;
}

}  // namespace refuge::bench
