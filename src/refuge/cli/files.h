#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "refuge/app/service.h"
#include "refuge/base/status.h"

namespace refuge::cli {

Result<std::string> ReadFile(const std::string& path);
// Writes to a temporary file beside `path`, fsyncs it, renames it over `path` and
// fsyncs the directory: a crash leaves the old file or the new one, never half.
Status WriteFileAtomically(const std::string& path, const std::string& content, int mode);
Status WriteStdout(const std::string& content);
// kMalformed naming the file, line and column of a JSON syntax error.
Result<nlohmann::json> ParseJsonText(const std::string& text, const std::string& name);
// A progress callback that redraws one line on stderr when it is a terminal,
// and prints nothing otherwise.
app::ProgressFn TerminalProgress(const std::string& label);

}  // namespace refuge::cli
