#include "dataset.h"

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace refuge::testing {
namespace {

using Json = nlohmann::json;

constexpr int kFacilities = 40;
constexpr int kOrganizations = 12;
constexpr const char* kCreated = "2025-01-06T09:00:00Z";

// A small deterministic mixer: the same inputs give the same choices everywhere.
uint64_t Mix(uint64_t a, uint64_t b) {
  uint64_t x = a * 0x9E3779B97F4A7C15ull ^ (b + 0x632BE59BD9B4E019ull);
  x ^= x >> 31;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 29;
  return x;
}

template <typename T>
const T& Pick(const std::vector<T>& v, uint64_t h) {
  return v[h % v.size()];
}

std::string Id(const char* prefix, int n) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s_g%07d", prefix, n);
  return buf;
}

std::string Date(uint64_t h, int year) {
  char buf[16];
  int month = static_cast<int>(h % 12) + 1;
  int day = static_cast<int>((h >> 8) % 28) + 1;
  switch ((h >> 16) % 7) {
    case 0: std::snprintf(buf, sizeof buf, "%04d", year); break;
    case 1: std::snprintf(buf, sizeof buf, "%04d-%02d", year, month); break;
    default: std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year, month, day); break;
  }
  return buf;
}

const std::vector<std::string> kGiven = {"Amara", "Noor", "Yusuf", "Mariam", "Tesfaye", "Lucía",
                                         "Dawit", "Olena", "Farid", "Wen", "Hao", "Zainab",
                                         "Jorge", "Aigerim", "Samir", "Dilnoza"};
const std::vector<std::string> kFamily = {"Okafor", "Haddad", "Bekele", "Morales", "Karimi",
                                          "Rahimi", "Kovalenko", "Tesfay", "Ortega", "Nazarova",
                                          "Abdi", "Zhou"};
const std::vector<std::string> kOtherNames = {"温浩", "李伟", "Олена Коваленко", "مريم حداد",
                                              "ዳዊት በቀለ", "Айгерим", "张静", "Нур"};
const std::vector<std::string> kCountries = {"CN", "HN", "GT", "VE", "ER", "AF", "RU", "IR",
                                             "ET", "UA", "SV", "MX"};
const std::vector<std::string> kLanguages = {"Mandarin", "Spanish", "Tigrinya", "Dari",
                                             "Russian", "Amharic", "Ukrainian", "Farsi"};
const std::vector<std::string> kWords = {"interview", "called", "family", "threatened", "lawyer",
                                         "consulate", "clinic", "statement", "records", "visit",
                                         "translator", "медицинский", "证人", "شاهد"};

Json Person(int n) {
  uint64_t h = Mix(1, static_cast<uint64_t>(n));
  Json p = {{"id", Id("per", n)},
            {"version", 1},
            {"created_at", kCreated},
            {"updated_at", kCreated},
            {"name", Pick(kGiven, h) + " " + Pick(kFamily, h >> 7)},
            {"a_number", std::to_string(300000000 + n)},
            {"country_of_birth", Pick(kCountries, h >> 13)},
            {"citizenship", Json::array({Pick(kCountries, h >> 13)})},
            {"languages", Json::array({Pick(kLanguages, h >> 17)})},
            {"birth_date", Date(h >> 21, 1960 + static_cast<int>((h >> 40) % 45))}};
  if (h % 3 == 0) p["other_names"] = Json::array({Pick(kOtherNames, h >> 25)});
  if (h % 5 == 0) p["protected"] = true;
  if (h % 4 == 0) {
    p["version"] = 2;
    p["updated_at"] = "2025-03-01T12:00:00Z";
    p["note"] = "Address confirmed by " + Pick(kWords, h >> 29) + ".";
  }
  return p;
}

Json Matter(int n) {
  uint64_t h = Mix(2, static_cast<uint64_t>(n));
  static const std::vector<std::string> kinds = {"removal_defense", "affirmative_asylum", "bond",
                                                 "appeal", "habeas"};
  Json m = {{"id", Id("mat", n)},       {"version", 1},
            {"created_at", kCreated},   {"updated_at", kCreated},
            {"client", Id("per", n)},   {"kind", Pick(kinds, h)},
            {"title", Pick(kGiven, h >> 5) + " " + Pick(kFamily, h >> 9) + ": " + Pick(kinds, h)},
            {"status", h % 6 == 0 ? "closed" : "open"},
            {"team", Json::array({h % 2 == 0 ? "gen_lawyer" : "gen_advocate"})}};
  return m;
}

// The body of event `k` of person `n` (without server fields).
Json EventBody(int n, int k, int first, int count) {
  uint64_t h = Mix(3, static_cast<uint64_t>(n) * 1000003u + static_cast<uint64_t>(k));
  const int year = 2015 + k % 11;
  Json e = {{"subject", Id("per", n)}, {"date", Date(h, year)}};
  const std::string facility = Id("fac", static_cast<int>(h % kFacilities));
  const std::string org = Id("org", static_cast<int>((h >> 11) % kOrganizations));
  // Another person of the same part of the dataset.
  const std::string other = Id("per", first + static_cast<int>((h >> 19) % static_cast<uint64_t>(count)));
  switch (k % 12) {
    case 0: e["type"] = "departure"; e["country"] = Pick(kCountries, h >> 3); e["mode"] = "air"; break;
    case 1: e["type"] = "arrival"; e["country"] = "US"; e["manner"] = "without_inspection"; break;
    case 2: e["type"] = "detention"; e["facility"] = facility; e["agency"] = "ICE"; break;
    case 3: e["type"] = "transfer"; e["facility"] = facility; break;
    case 4:
      e["type"] = "hearing";
      e["kind"] = h % 2 == 0 ? "master" : "individual";
      e["status"] = "scheduled";
      e["matter"] = Id("mat", n);
      break;
    case 5: e["type"] = "release"; e["reason"] = "bond"; e["conditions"] = "Weekly check-in"; break;
    case 6: e["type"] = "note"; break;
    case 7: e["type"] = "incident"; e["kind"] = "threat"; e["actor"] = other; e["place"] = "Outside the shelter"; break;
    case 8:
      e["type"] = "bond";
      e["action"] = "set";
      e["amount"] = 1500 + static_cast<int>(h % 40) * 500;
      e["by"] = "ij";
      e["matter"] = Id("mat", n);
      break;
    case 9: e["type"] = "correspondence"; e["direction"] = "in"; e["from"] = org; e["to"] = Id("per", n); break;
    case 10: e["type"] = "notice_to_appear"; e["charges"] = "212(a)(6)(A)(i)"; break;
    default: e["type"] = "advocacy"; e["kind"] = "letter"; e["actor"] = org; e["target"] = other; break;
  }
  e["note"] = Pick(kWords, h >> 23) + " " + Pick(kWords, h >> 29) + " " + std::to_string(n) + "-" +
              std::to_string(k);
  return e;
}

Json WithServerFields(Json body, const std::string& id, int version, const std::string& created,
                      const std::string& updated) {
  body["id"] = id;
  body["version"] = version;
  body["created_at"] = created;
  body["updated_at"] = updated;
  return body;
}

}  // namespace

Json GeneratedBackup(int first, int count, int events_per_person) {
  Json doc = {{"format", "refuge-backup"}, {"format_version", 1}};
  Json people = Json::array(), matters = Json::array(), events = Json::array();
  if (first == 0) {
    doc["users"] = Json::array();
    for (const char* role : {"lawyer", "advocate", "viewer"}) {
      doc["users"].push_back({{"name", std::string("gen_") + role},
                              {"role", role},
                              {"password_hash", "$argon2id$v=19$m=65536,t=2,p=1$c2FsdGdlbg$aGFzaGdlbmVyYXRlZA"},
                              {"created_at", kCreated},
                              {"disabled", false}});
    }
    Json orgs = Json::array(), facilities = Json::array();
    for (int i = 0; i < kOrganizations; ++i) {
      orgs.push_back({{"id", Id("org", i)}, {"version", 1}, {"created_at", kCreated}, {"updated_at", kCreated},
                      {"name", "Legal Aid Collective " + std::to_string(i)}, {"kind", "ngo"},
                      {"country", "US"}});
    }
    for (int i = 0; i < kFacilities; ++i) {
      char detloc[16];
      std::snprintf(detloc, sizeof detloc, "GEN%03dXX", i);
      facilities.push_back({{"id", Id("fac", i)}, {"version", 1}, {"created_at", kCreated},
                            {"updated_at", kCreated}, {"name", "Processing Center " + std::to_string(i)},
                            {"kind", "ice_detention"}, {"country", "US"}, {"state", "TX"},
                            {"detloc", detloc}, {"capacity", 200 + i}});
    }
    doc["organizations"] = std::move(orgs);
    doc["facilities"] = std::move(facilities);
  }
  for (int n = first; n < first + count; ++n) {
    people.push_back(Person(n));
    matters.push_back(Matter(n));
    for (int k = 0; k < events_per_person; ++k) {
      const std::string id = Id("evt", n) + "_" + std::to_string(k);
      Json body = EventBody(n, k, first, count);
      uint64_t h = Mix(4, static_cast<uint64_t>(n) * 1000003u + static_cast<uint64_t>(k));
      if (h % 9 == 0) {
        // Corrected once: the first version is kept in the history.
        Json v1 = body;
        v1["note"] = "first entry, corrected later";
        Json e = WithServerFields(body, id, 2, kCreated, "2025-02-10T08:30:00Z");
        e["history"] = Json::array({WithServerFields(v1, id, 1, kCreated, kCreated)});
        events.push_back(std::move(e));
      } else if (h % 23 == 0) {
        // Retracted: entered by mistake.
        Json e = WithServerFields(body, id, 2, kCreated, "2025-02-11T10:00:00Z");
        e["retracted"] = true;
        e["retraction_reason"] = "entered twice";
        e["history"] = Json::array({WithServerFields(body, id, 1, kCreated, kCreated)});
        events.push_back(std::move(e));
      } else {
        events.push_back(WithServerFields(body, id, 1, kCreated, kCreated));
      }
    }
  }
  doc["people"] = std::move(people);
  doc["matters"] = std::move(matters);
  doc["events"] = std::move(events);
  return doc;
}

}  // namespace refuge::testing
