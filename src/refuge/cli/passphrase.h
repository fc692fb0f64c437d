#pragma once

#include <string>

#include "refuge/base/status.h"

namespace refuge::cli {

inline constexpr const char* kPassphraseEnv = "REFUGE_PASSPHRASE";

// The vault passphrase from REFUGE_PASSPHRASE, removed from the environment once
// read so no child process inherits it; "" when unset.
std::string PassphraseFromEnv();

// The passphrase from REFUGE_PASSPHRASE or, when unset, asked on the terminal
// without echo (twice when `confirm`, for a new vault). kInvalid when there is
// neither the variable nor a terminal.
Result<std::string> ReadPassphrase(const std::string& prompt, bool confirm);

}  // namespace refuge::cli
