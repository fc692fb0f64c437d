#pragma once

#include <nlohmann/json.hpp>

#include "refuge/app/evidence.h"
#include "refuge/app/service.h"

namespace refuge::app {

// Puts the demo case's evidence into the vault (after LoadDemo): a photograph of
// the camp fence with GPS EXIF and a clip of the yard with location tags, both
// made by scripts/make-demo-evidence.sh and compiled into the binary; a safe
// copy of the clip; and events that link them to the capture and the
// publication of the footage. Running it again changes nothing.
// Returns {"records": [...], "events": [...]}.
Result<nlohmann::json> LoadDemoEvidence(Service& svc, EvidenceService& evidence);

// The vault passphrase scripts/demo.sh uses. Public: it exists only for the demo.
inline constexpr const char* kDemoVaultPassphrase = "demo-vault-aksu-site-3";

}  // namespace refuge::app
