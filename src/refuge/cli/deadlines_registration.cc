#include <iostream>

#include "refuge/base/clock.h"
#include "refuge/cli/commands.h"
#include "refuge/cli/deadlines_cmd.h"

namespace refuge::cli {

void AddDeadlinesCommand(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "deadlines", "Compute deadlines from a JSON array of events (no data dir, no server)");
  struct Opts {
    std::string events;
    std::string format = "json";
  };
  auto opts = std::make_shared<Opts>();
  cmd->add_option("--events", opts->events, "JSON array of events (the event contract; subject optional)")
      ->required();
  cmd->add_option("--format", opts->format, "json (default) or text");
  cmd->callback([opts, exit_code] {
    *exit_code = RunDeadlinesCommand(opts->events, opts->format,
                                     SystemClock::Instance().NowUnixSeconds(), std::cout, std::cerr);
  });
}

}  // namespace refuge::cli
