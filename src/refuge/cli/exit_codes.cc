#include "refuge/cli/exit_codes.h"

#include <ostream>

namespace refuge::cli {

int ExitCodeFor(Code code) {
  switch (code) {
    case Code::kOk: return 0;
    case Code::kMalformed:
    case Code::kInvalid:
    case Code::kTooLarge:
    case Code::kUnsupportedMedia: return 2;
    case Code::kNotFound: return 3;
    case Code::kConflict: return 4;
    case Code::kUnauthenticated:
    case Code::kForbidden:
    case Code::kRateLimited: return 5;
    case Code::kIo: return 74;
    case Code::kInternal: return 70;
  }
  return 70;
}

int ReportError(const Status& status, std::ostream& err) {
  err << "refuge: " << status.message();
  if (!status.field().empty()) err << " (field: " << status.field() << ")";
  err << "\n";
  return ExitCodeFor(status.code());
}

}  // namespace refuge::cli
