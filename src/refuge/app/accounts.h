#pragma once

#include <string>

#include "refuge/base/status.h"

namespace refuge::app {

// The rule for user names, wherever a user is made (API, command line, backup
// import): 1 to 64 ASCII letters, digits, '.', '_' or '-', and not "operator" in
// any case (the command line's actor). kInvalid naming "username".
Status ValidUserName(const std::string& name);

// `name` in ASCII lower case: user names are unique without regard to case.
std::string FoldedUserName(const std::string& name);

}  // namespace refuge::app
