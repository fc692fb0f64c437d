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

Status AddIfMissing(EvidenceService& evidence, const DemoFile& f) {
  auto existing = evidence.CustodyLog(Actor::Operator(), f.id);
  if (existing.ok()) return Status::Ok();
  if (existing.status().code() != Code::kNotFound) return existing.status();
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
    REFUGE_RETURN_IF_ERROR(AddIfMissing(evidence, f));
    records.push_back(f.id);
  }
  // The footage was published as a safe copy: location and creation tags removed.
  // Read from the custody log, which (unlike viewing the record) adds no entry.
  REFUGE_ASSIGN_OR_RETURN(Json log, evidence.CustodyLog(op, "evi_demo_yard_clip"));
  std::string copy_id;
  for (const auto& e : log["entries"]) {
    if (e["action"] == "redacted" && copy_id.empty()) copy_id = e["details"].value("derivative", "");
  }
  if (copy_id.empty()) {
    REFUGE_ASSIGN_OR_RETURN(Json made, evidence.Redact(op, "evi_demo_yard_clip", ""));
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
      {{"id", "evt_demo_07a"}, {"type", "publication"}, {"subject", kSubject}, {"matter", "mat_wen_campaign"},
       {"date", "2021-10-20"}, {"platform", "video platform"}, {"publisher", "org_asia_rights_monitor"},
       {"evidence", copy_id},
       {"note", "The clip as published: the safe copy, without the camera's location and time tags."}},
  });
  REFUGE_RETURN_IF_ERROR(svc.Import(op, Json{{"format", "refuge-backup"}, {"format_version", 1}, {"events", events}}));
  Json linked = Json::array();
  for (const auto& e : events) {
    REFUGE_RETURN_IF_ERROR(evidence.LinkEvent(op, e["evidence"], e["id"]).status());
    linked.push_back(e["id"]);
  }
  return Json{{"records", records}, {"events", linked}};
}

}  // namespace refuge::app
