#pragma once

#include <iosfwd>

#include "refuge/base/status.h"

namespace refuge::cli {

// The one place that maps Status codes to process exit codes:
// 0 ok, 2 bad input or usage, 3 not found, 4 conflict, 5 not allowed,
// 74 I/O failure (EX_IOERR), 70 internal error (EX_SOFTWARE).
int ExitCodeFor(Code code);
// Prints "refuge: <message> (field: f)" to `err` and returns the exit code.
int ReportError(const Status& status, std::ostream& err);

}  // namespace refuge::cli
