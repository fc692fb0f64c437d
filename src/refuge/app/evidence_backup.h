#pragma once

#include <nlohmann/json.hpp>

#include "refuge/base/status.h"
#include "refuge/store/db.h"

namespace refuge::app {

// Evidence records and their custody logs in the JSON backup, as stored: the
// private fields stay sealed, readable only with the vault they belong to, whose
// files (<data_dir>/vault and the installation key in <data_dir>/keys) are copied
// with the backup. An empty list when the store keeps no evidence.
Result<nlohmann::json> ExportEvidence(store::Db& db);
// Restores them inside an import's transaction, after people and matters and
// before events (which may refer to them). Records that exist unchanged are
// skipped; changed ones are a conflict.
Status ImportEvidence(store::Db& db, const nlohmann::json& list);

}  // namespace refuge::app
