#pragma once

#include <string>
#include <vector>

#include "refuge/app/service.h"

namespace refuge::app {

// The demo team. The passwords are public: they exist only for the demo case.
struct DemoUser {
  std::string name;
  std::string role;
  std::string password;
  std::string description;
};
const std::vector<DemoUser>& DemoUsers();

// Creates the demo users (when missing) and imports the demo case compiled into
// the binary (data/demo.json). Running it again changes nothing.
Status LoadDemo(Service& svc, const ProgressFn& progress = nullptr);

}  // namespace refuge::app
