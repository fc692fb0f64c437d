#include "refuge/app/demo_evidence.h"

#include "refuge/base/assets.h"

namespace refuge::app {

using Json = nlohmann::json;

namespace {

struct DemoFile {
  const char* id;
  const char* asset;
  const char* filename;
  const char* title;
  const char* captured;
  const char* note;
};

constexpr DemoFile kFiles[] = {
    {"evi_demo_fence_photo", "demo_photo_jpg", "IMG_0412.JPG", "Perimeter fence, north side",
     "2020-06-14T22:41:07+06:00",
     "Taken the night of the filming. Its EXIF holds the camp's GPS position and the camera's serial "
     "number: publish only the safe copy."},
    {"evi_demo_yard_clip", "demo_clip_mp4", "VID_0007.MP4", "Exercise yard, clip 1 of 3 (excerpt)",
     "2020-06-14T22:44:30+06:00",
     "Tagged with the camp's location and the recording time by the camera."},
};

constexpr const char* kSubject = "per_wen_hao";
constexpr const char* kMatter = "mat_wen_asylum";
// The advocacy campaign that published the clip; its team includes the advocate.
constexpr const char* kCampaign = "mat_wen_campaign";
constexpr const char* kPublication = "evt_demo_07a";

// Looked up in the database, so that loading the demo reads no record (and
// leaves no custody or audit entry for a read nobody made).
Result<bool> EventExists(Service& svc, const std::string& id, std::string* evidence) {
  bool found = false;
  REFUGE_RETURN_IF_ERROR(svc.store().Read([&](store::Db& db) -> Status {
    auto e = db.GetEvent(id);
    if (!e.ok()) return e.status().code() == Code::kNotFound ? Status::Ok() : e.status();
    found = true;
    *evidence = e->Str("evidence");
    return Status::Ok();
  }));
  return found;
}

Status AddIfMissing(Service& svc, EvidenceService& evidence, const DemoFile& f) {
  bool exists = false;
  REFUGE_RETURN_IF_ERROR(svc.store().Read([&](store::Db& db) -> Status {
    REFUGE_ASSIGN_OR_RETURN(exists, db.Exists(domain::RefTarget::kEvidence, f.id));
    return Status::Ok();
  }));
  if (exists) return Status::Ok();
  auto bytes = Asset(f.asset);
  if (!bytes) return Internal(std::string("the demo file ") + f.asset + " is missing from this build");
  NewEvidence in;
  in.id = f.id;
  in.subject = kSubject;
  in.matter = kMatter;
  in.title = f.title;
  in.captured = f.captured;
  in.note = f.note;
  in.filename = f.filename;
  REFUGE_ASSIGN_OR_RETURN(auto upload, evidence.BeginUpload(Actor::Operator(), in));
  REFUGE_RETURN_IF_ERROR(upload->Write(bytes->data(), bytes->size()));
  return upload->Finish().status();
}

}  // namespace

Result<Json> LoadDemoEvidence(Service& svc, EvidenceService& evidence) {
  const Actor op = Actor::Operator();
  Json records = Json::array();
  for (const auto& f : kFiles) {
    REFUGE_RETURN_IF_ERROR(AddIfMissing(svc, evidence, f));
    records.push_back(f.id);
  }
  // The footage was published as a safe copy: location and creation tags removed.
  // The copy is filed under the campaign, whose team (the advocate among them)
  // thereby sees the exhibit it published; the original stays with the asylum
  // matter, out of the advocate's sight. Listing adds no custody entry.
  REFUGE_ASSIGN_OR_RETURN(Page filed, evidence.List(op, kCampaign, kSubject, "", 1000));
  std::string copy_id;
  for (const auto& item : filed.items) {
    if (item.value("parent", "") == "evi_demo_yard_clip" && copy_id.empty()) copy_id = item["id"];
  }
  if (copy_id.empty()) {
    REFUGE_ASSIGN_OR_RETURN(Json made, evidence.Redact(op, "evi_demo_yard_clip", "", kCampaign));
    copy_id = made["id"];
  }
  records.push_back(copy_id);

  // The capture (evt_demo_01) and the publication (evt_demo_07) of the footage,
  // item by item, each naming its evidence record.
  Json events = Json::array({
      {{"id", "evt_demo_01a"}, {"type", "evidence_capture"}, {"subject", kSubject}, {"matter", kMatter},
       {"date", "2020-06-14"}, {"place", "Aksu Region Site 3, Xinjiang"}, {"evidence", "evi_demo_fence_photo"},
       {"note", "Photograph of the perimeter fence, taken the night the clips were filmed (see the entry for June 2020)."}},
      {{"id", "evt_demo_01b"}, {"type", "evidence_capture"}, {"subject", kSubject}, {"matter", kMatter},
       {"date", "2020-06-14"}, {"place", "Aksu Region Site 3, Xinjiang"}, {"evidence", "evi_demo_yard_clip"},
       {"note", "Clip 1 of 3: the exercise yard."}},
      {{"id", kPublication}, {"type", "publication"}, {"subject", kSubject}, {"matter", kCampaign},
       {"date", "2021-10-20"}, {"platform", "video platform"}, {"publisher", "org_asia_rights_monitor"},
       {"evidence", copy_id},
       {"note", "The clip as published: the safe copy, without the camera's location and time tags."}},
  });
  // A data dir from an earlier demo has the publication naming a copy filed
  // under the asylum matter: it is corrected to name the campaign's copy (an
  // edit, so the earlier version stays in its history).
  Json missing = Json::array();
  for (const auto& e : events) {
    std::string named;
    REFUGE_ASSIGN_OR_RETURN(bool exists, EventExists(svc, e["id"], &named));
    if (!exists) {
      missing.push_back(e);
    } else if (named != e["evidence"]) {
      REFUGE_RETURN_IF_ERROR(
          svc.UpdateEvent(op, e["id"], Json{{"evidence", e["evidence"]}, {"note", e["note"]}}, std::nullopt, true)
              .status());
    }
  }
  if (!missing.empty()) {
    REFUGE_RETURN_IF_ERROR(
        svc.Import(op, Json{{"format", "refuge-backup"}, {"format_version", 1}, {"events", missing}}));
  }
  Json linked = Json::array();
  for (const auto& e : events) {
    REFUGE_RETURN_IF_ERROR(evidence.LinkEvent(op, e["evidence"], e["id"]).status());
    linked.push_back(e["id"]);
  }
  return Json{{"records", records}, {"events", linked}};
}

}  // namespace refuge::app
