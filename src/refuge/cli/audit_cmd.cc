#include <iostream>

#include "refuge/app/installation.h"
#include "refuge/cli/commands.h"
#include "refuge/cli/exit_codes.h"
#include "refuge/cli/files.h"

namespace refuge::cli {

void AddAuditCommand(CLI::App& app, int* exit_code) {
  auto* audit = app.add_subcommand("audit", "Read and check the audit log");
  audit->require_subcommand(1);
  struct Opts {
    std::string data = kDefaultDataDir;
    std::string db;
    std::string person;
    std::string actor;
    std::string anchor;
    std::string out;
    std::string text;
    bool json = false;
  };
  auto opts = std::make_shared<Opts>();

  auto* verify = audit->add_subcommand(
      "verify", "Check the hash chain and signed head; exit 0 only if the log is intact");
  verify->add_option("--data", opts->data, "Data directory");
  AddDbOption(verify, &opts->db);
  verify->add_option("--anchor", opts->anchor,
                     "Also check that the log still holds this head (a file 'refuge audit anchor' wrote)");
  verify->callback([opts, exit_code] {
    nlohmann::json anchor;
    if (!opts->anchor.empty()) {
      auto text = ReadFile(opts->anchor);
      if (!text.ok()) {
        *exit_code = ReportError(text.status(), std::cerr);
        return;
      }
      auto parsed = ParseJsonText(*text, opts->anchor);
      if (!parsed.ok()) {
        *exit_code = ReportError(parsed.status(), std::cerr);
        return;
      }
      anchor = std::move(*parsed);
    }
    auto svc = app::OpenInstallation(app::InstallationOptions{opts->data, opts->db}, SystemClock::Instance());
    if (!svc.ok()) {
      *exit_code = ReportError(svc.status(), std::cerr);
      return;
    }
    auto result = (*svc)->audit().Verify(anchor);
    if (!result.ok()) {
      *exit_code = ReportError(result.status(), std::cerr);
      return;
    }
    if ((*result)["ok"].get<bool>()) {
      std::cout << "audit log intact: " << (*result)["entries"] << " entries, head signed\n";
      *exit_code = 0;
    } else {
      std::cout << "audit log damaged:\n";
      for (const auto& p : (*result)["problems"]) {
        std::cout << "  " << (p["seq"] == 0 ? std::string("head") : "entry " + p["seq"].dump())
                  << ": " << p["problem"].get<std::string>() << "\n";
      }
      *exit_code = 1;
    }
  });

  auto* anchor = audit->add_subcommand(
      "anchor", "Write the log's current signed head as JSON, to keep off this machine and check later "
                "with 'refuge audit verify --anchor FILE'");
  anchor->add_option("--data", opts->data, "Data directory");
  AddDbOption(anchor, &opts->db);
  anchor->add_option("--out", opts->out, "File to write ('-' for standard output)")->required();
  anchor->callback([opts, exit_code] {
    auto svc = app::OpenInstallation(app::InstallationOptions{opts->data, opts->db}, SystemClock::Instance());
    if (!svc.ok()) {
      *exit_code = ReportError(svc.status(), std::cerr);
      return;
    }
    auto head = (*svc)->audit().Anchor();
    if (!head.ok()) {
      *exit_code = ReportError(head.status(), std::cerr);
      return;
    }
    const std::string text = head->dump(2) + "\n";
    Status s = opts->out == "-" ? WriteStdout(text) : WriteFileAtomically(opts->out, text, 0644);
    *exit_code = s.ok() ? 0 : ReportError(s, std::cerr);
  });

  auto* search_hash = audit->add_subcommand(
      "search-hash", "Print the keyed hash the audit log records for a search of TEXT (exactly as typed)");
  search_hash->add_option("TEXT", opts->text, "The search text")->required();
  search_hash->add_option("--data", opts->data, "Data directory");
  AddDbOption(search_hash, &opts->db);
  search_hash->callback([opts, exit_code] {
    auto svc = app::OpenInstallation(app::InstallationOptions{opts->data, opts->db}, SystemClock::Instance());
    if (!svc.ok()) {
      *exit_code = ReportError(svc.status(), std::cerr);
      return;
    }
    std::cout << (*svc)->audit().SearchHash(opts->text) << "\n";
    *exit_code = 0;
  });

  auto* show = audit->add_subcommand("show", "List audit entries, e.g. who has looked at a person's file");
  show->add_option("--data", opts->data, "Data directory");
  AddDbOption(show, &opts->db);
  show->add_option("--person", opts->person, "Only entries about this person (id)");
  show->add_option("--actor", opts->actor, "Only entries by this user");
  show->add_flag("--json", opts->json, "One JSON object per line");
  show->callback([opts, exit_code] {
    auto svc = app::OpenInstallation(app::InstallationOptions{opts->data, opts->db}, SystemClock::Instance());
    if (!svc.ok()) {
      *exit_code = ReportError(svc.status(), std::cerr);
      return;
    }
    int64_t after = 0;
    while (true) {
      auto page = (*svc)->AuditEntries(app::Actor::Operator(), opts->person, opts->actor, after, 1000);
      if (!page.ok()) {
        *exit_code = ReportError(page.status(), std::cerr);
        return;
      }
      for (const auto& e : (*page)["items"]) {
        if (opts->json) {
          std::cout << e.dump() << "\n";
        } else {
          std::cout << e["at"].get<std::string>() << "  " << e["actor"].get<std::string>() << "  "
                    << e["action"].get<std::string>() << "  " << e["target"].get<std::string>()
                    << "  from " << e["address"].get<std::string>() << "\n";
        }
      }
      if ((*page)["next"].is_null()) break;
      after = (*page)["next"].get<int64_t>();
    }
    *exit_code = 0;
  });
}

}  // namespace refuge::cli
