// Deadlines, the agenda and the calendar feed: computed from events on every read.
#include <algorithm>
#include <map>
#include <set>

#include "refuge/app/ical.h"
#include "refuge/app/service.h"
#include "refuge/base/date.h"
#include "refuge/base/random.h"
#include "refuge/rules/engine.h"
#include "refuge/views/chronology.h"

namespace refuge::app {

using store::Db;
using store::Record;

namespace {

// Sort key for a due value: its UTC instant, so date-time dues interleave with days.
int64_t DueInstant(const std::string& due) {
  auto d = PartialDate::Parse(due);
  return d.ok() ? d->UnixSeconds() : 0;
}

}  // namespace

Result<Json> Service::PersonDeadlines(const Actor& who, const std::string& person_id) {
  Json out;
  REFUGE_RETURN_IF_ERROR(store_->Read([&](Db& db) -> Status {
    Access access(db, who);
    REFUGE_ASSIGN_OR_RETURN(Record p, access.RequirePerson(person_id));
    // Retracted events are passed in: a retracted trigger shows as superseded.
    REFUGE_ASSIGN_OR_RETURN(auto events, db.EventsOfSubject(person_id, true));
    REFUGE_ASSIGN_OR_RETURN(events, access.VisibleEvents(std::move(events)));
    auto deadlines = rules::ComputeDeadlines(events, rules_.rules, rules_.calendar,
                                             clock_.NowUnixSeconds());
    out = {{"person", person_id}, {"deadlines", rules::ToJson(deadlines)}};
    return Status::Ok();
  }));
  audit_->Enqueue(who, "person.deadlines", person_id, person_id);
  return out;
}

Result<Json> Service::DeadlinesOfMatters(Db& db, Access& access,
                                         const std::vector<std::string>& matter_ids) {
  // Matters of one client share the computation over that client's events.
  std::map<std::string, std::set<std::string>> by_client;
  std::map<std::string, Record> matters;
  for (const auto& id : matter_ids) {
    REFUGE_ASSIGN_OR_RETURN(Record m, db.GetEntity(EntityKind::kMatter, id));
    by_client[m.body.value("client", "")].insert(id);
    matters.emplace(id, std::move(m));
  }
  Json out = Json::array();
  const int64_t now = clock_.NowUnixSeconds();
  for (const auto& [client, ids] : by_client) {
    REFUGE_ASSIGN_OR_RETURN(Record person, db.GetEntity(EntityKind::kPerson, client));
    REFUGE_ASSIGN_OR_RETURN(auto events, db.EventsOfSubject(client, true));
    REFUGE_ASSIGN_OR_RETURN(events, access.VisibleEvents(std::move(events)));
    REFUGE_ASSIGN_OR_RETURN(Json shown, access.ShowPerson(person));
    for (const auto& d : rules::ComputeDeadlines(events, rules_.rules, rules_.calendar, now)) {
      if (!ids.count(d.matter)) continue;
      Json j = rules::ToJson(d);
      j["client_name"] = shown["name"];
      j["matter_title"] = matters[d.matter].body.value("title", "");
      out.push_back(std::move(j));
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const Json& a, const Json& b) {
    return DueInstant(a["due"]) < DueInstant(b["due"]);
  });
  return out;
}

Result<Json> Service::MatterDeadlines(const Actor& who, const std::string& matter_id) {
  Json out;
  std::string client;
  REFUGE_RETURN_IF_ERROR(store_->Read([&](Db& db) -> Status {
    Access access(db, who);
    REFUGE_ASSIGN_OR_RETURN(Record m, access.RequireMatter(matter_id));
    client = m.body.value("client", "");
    REFUGE_ASSIGN_OR_RETURN(Json list, DeadlinesOfMatters(db, access, {matter_id}));
    out = {{"matter", matter_id}, {"deadlines", std::move(list)}};
    return Status::Ok();
  }));
  audit_->Enqueue(who, "matter.deadlines", matter_id, client);
  return out;
}

Result<Json> Service::Agenda(const Actor& who, const std::string& from, const std::string& to) {
  // Day numbers of the range; a due with a time of day is in range when it falls on
  // one of those days anywhere on Earth (UTC+14 to UTC-12).
  int64_t first_day = INT64_MIN / 2, last_day = INT64_MAX / 2;
  if (!from.empty()) {
    REFUGE_ASSIGN_OR_RETURN(CivilDate d, ParseCivil(from, "from"));
    first_day = DaysFromCivil(d);
  }
  if (!to.empty()) {
    REFUGE_ASSIGN_OR_RETURN(CivilDate d, ParseCivil(to, "to"));
    last_day = DaysFromCivil(d);
  }
  if (first_day > last_day) return Invalid("to", "must not be before 'from'");
  auto in_range = [&](const PartialDate& due) {
    if (!due.has_time()) {
      int64_t day = DaysFromCivil(due.FirstDay());
      return day >= first_day && day <= last_day;
    }
    int64_t t = due.UnixSeconds();
    return t >= first_day * 86400 - 14 * 3600 && t < (last_day + 1) * 86400 + 12 * 3600;
  };
  Json out;
  REFUGE_RETURN_IF_ERROR(store_->Read([&](Db& db) -> Status {
    Access access(db, who);
    REFUGE_ASSIGN_OR_RETURN(auto matter_ids, db.MattersOfMember(who.user));
    REFUGE_ASSIGN_OR_RETURN(Json all, DeadlinesOfMatters(db, access, matter_ids));
    Json picked = Json::array();
    for (auto& d : all) {
      if (d["status"] != "open" && d["status"] != "missed") continue;
      auto due = PartialDate::Parse(d["due"].get<std::string>());
      if (due.ok() && in_range(*due)) picked.push_back(std::move(d));
    }
    out = {{"from", from.empty() ? Json() : Json(from)},
           {"to", to.empty() ? Json() : Json(to)},
           {"deadlines", std::move(picked)}};
    return Status::Ok();
  }));
  audit_->EnqueueForPersons(who, "agenda", "", PersonsIn(out["deadlines"], "subject"));
  return out;
}

Result<std::string> Service::CreateCalendarFeedToken(const Actor& who) {
  std::string token = RandomToken(32);
  REFUGE_RETURN_IF_ERROR(store_->Write([&](Db& db) -> Status {
    REFUGE_RETURN_IF_ERROR(db.SetCalendarFeed(who.user, Sha256Hex(token), clock_.NowUnixSeconds()));
    return audit_->Append(db, who, "calendar_feed.create", who.user, "");
  }));
  return token;
}

Status Service::RevokeCalendarFeedToken(const Actor& who) {
  return store_->Write([&](Db& db) -> Status {
    REFUGE_RETURN_IF_ERROR(db.DeleteCalendarFeed(who.user));
    return audit_->Append(db, who, "calendar_feed.revoke", who.user, "");
  });
}

Result<std::string> Service::CalendarFeed(const std::string& feed_token, const std::string& address) {
  const Status denied(Code::kUnauthenticated, "unknown or revoked calendar feed");
  if (feed_token.empty() || feed_token.size() > 200) return denied;
  std::vector<CalendarEntry> entries;
  std::string user, role;
  std::set<std::string> clients;
  REFUGE_RETURN_IF_ERROR(store_->Read([&](Db& db) -> Status {
    auto u = db.CalendarFeedUser(Sha256Hex(feed_token));
    if (!u.ok()) return u.status().code() == Code::kNotFound ? denied : u.status();
    user = *u;
    REFUGE_ASSIGN_OR_RETURN(store::User account, db.GetUser(user));
    if (account.disabled) return denied;
    role = account.role;
    Access access(db, Actor{user, account.role, address});
    REFUGE_ASSIGN_OR_RETURN(auto matter_ids, db.MattersOfMember(user));
    REFUGE_ASSIGN_OR_RETURN(Json deadlines, DeadlinesOfMatters(db, access, matter_ids));
    for (const auto& d : deadlines) {
      if (d["status"] != "open" && d["status"] != "missed") continue;
      std::string description = d["citation"].get<std::string>();
      for (const auto& step : d["steps"]) description += "\n" + step.get<std::string>();
      entries.push_back({"deadline-" + d["rule"].get<std::string>() + "-" +
                             d["trigger_event"].get<std::string>() + "@refuge",
                         d["due"], "Due: " + d["title"].get<std::string>() + " (" +
                                       d["client_name"].get<std::string>() + ")",
                         description, "", 60});
    }
    std::set<std::string> seen_clients;
    for (const auto& id : matter_ids) {
      REFUGE_ASSIGN_OR_RETURN(Record m, db.GetEntity(EntityKind::kMatter, id));
      const std::string client = m.body.value("client", "");
      if (!seen_clients.insert(client).second) continue;
      clients.insert(client);
      REFUGE_ASSIGN_OR_RETURN(Record person, db.GetEntity(EntityKind::kPerson, client));
      REFUGE_ASSIGN_OR_RETURN(Json shown, access.ShowPerson(person));
      REFUGE_ASSIGN_OR_RETURN(auto events, db.EventsOfSubject(client, false));
      REFUGE_ASSIGN_OR_RETURN(events, access.VisibleEvents(std::move(events)));
      for (const auto& e : events) {
        if (e.type != "hearing") continue;
        const std::string status = e.Str("status");
        if (!status.empty() && status != "scheduled") continue;
        if (!e.matter.empty() && !std::binary_search(matter_ids.begin(), matter_ids.end(), e.matter)) continue;
        std::string start = e.Has("datetime") ? e.Str("datetime") : e.date.ToString();
        entries.push_back({"hearing-" + e.id + "@refuge", start,
                           "Hearing (" + e.Str("kind") + "): " + shown["name"].get<std::string>(),
                           e.Str("note"), e.Str("court"), e.Str("kind") == "individual" ? 240 : 60});
      }
    }
    return Status::Ok();
  }));
  audit_->EnqueueForPersons(Actor{user, role, address}, "calendar_feed.read", user, clients);
  return RenderICalendar(entries, clock_.NowUnixSeconds(), "Refuge: " + user);
}

}  // namespace refuge::app
