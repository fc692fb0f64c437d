#include "refuge/app/demo.h"

#include "refuge/base/assets.h"

namespace refuge::app {

const std::vector<DemoUser>& DemoUsers() {
  static const std::vector<DemoUser> kUsers = {
      {"maya", "lawyer", "demo-maya-lindqvist", "Maya Lindqvist, immigration attorney"},
      {"tenzin", "advocate", "demo-tenzin-dorje", "Tenzin Dorje, Asia Rights Monitor"},
  };
  return kUsers;
}

Status LoadDemo(Service& svc, const ProgressFn& progress) {
  for (const auto& u : DemoUsers()) {
    Status s = svc.AddUser(Actor::Operator(), u.name, u.role, u.password);
    if (!s.ok() && s.code() != Code::kConflict) return s;
  }
  auto text = Asset("demo_json");
  if (!text) return Internal("the demo dataset is missing from this build");
  Json doc = Json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Internal("the built-in demo dataset is not valid JSON");
  return svc.Import(Actor::Operator(), doc, progress);
}

}  // namespace refuge::app
