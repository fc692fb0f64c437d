#pragma once

#include <string>

namespace refuge::app {

// Who is asking: a logged-in user (with their role and network address), or the
// operator at the command line, who has the data dir and so every record anyway.
struct Actor {
  std::string user;
  std::string role;     // admin, lawyer, advocate, viewer; "operator" at the CLI
  std::string address;  // the client's address, or "cli"

  static Actor Operator() { return Actor{"operator", "operator", "cli"}; }
  bool is_operator() const { return role == "operator"; }
};

}  // namespace refuge::app
