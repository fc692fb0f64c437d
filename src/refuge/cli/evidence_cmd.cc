// refuge evidence add|list|show|get|custody|verify|gc|redact|export|verify-bag|passphrase
#include <signal.h>
#include <stdlib.h>

#include <iostream>

#include "refuge/app/installation.h"
#include "refuge/auth/passwords.h"
#include "refuge/cli/commands.h"
#include "refuge/cli/exit_codes.h"
#include "refuge/cli/passphrase.h"
#include "refuge/vault/vault.h"

namespace refuge::cli {

using Json = nlohmann::json;

namespace {

// "Done, but something does not hold": verification failed, items were withheld.
constexpr int kExitProblems = 1;

struct Opened {
  std::unique_ptr<app::Service> svc;
  std::unique_ptr<app::EvidenceService> evidence;
};

// The installation and its unlocked vault. `create` makes the vault when the data
// dir has none, asking for the passphrase twice on a terminal.
Result<Opened> Open(const std::string& data, const std::string& db, bool create) {
  const bool exists = vault::Vault::Exists(data);
  if (!exists && !create) {
    return NotFound("there is no evidence vault in " + data + " yet; add evidence first");
  }
  REFUGE_ASSIGN_OR_RETURN(std::string passphrase,
                          ReadPassphrase(exists ? "Vault passphrase: " : "New vault passphrase: ", !exists));
  Opened o;
  REFUGE_ASSIGN_OR_RETURN(o.svc, app::OpenInstallation(app::InstallationOptions{data, db}, SystemClock::Instance()));
  REFUGE_ASSIGN_OR_RETURN(o.evidence, app::OpenEvidence(*o.svc, data, passphrase, create));
  return o;
}

struct Common {
  std::string data = kDefaultDataDir;
  std::string db;
  bool json = false;
};

void AddCommon(CLI::App* cmd, Common* c) {
  cmd->add_option("--data", c->data, "Data directory");
  AddDbOption(cmd, &c->db);
}

void PrintJson(const Json& j, std::ostream& out = std::cout) { out << j.dump(2) << "\n"; }

void PrintVerification(const Json& item) {
  std::cout << item["id"].get<std::string>() << "  " << (item["ok"].get<bool>() ? "ok" : "FAILED") << "  sha256 "
            << item.value("sha256", "") << "  " << item["custody"]["entries"].get<int64_t>() << " custody entries\n";
  for (const auto& p : item["problems"]) std::cout << "    - " << p.get<std::string>() << "\n";
}

}  // namespace

void AddEvidenceCommand(CLI::App& app, int* exit_code) {
  auto* ev = app.add_subcommand(
      "evidence",
      "The evidence vault: encrypted originals with their chain of custody, safe copies, BagIt export.\n"
      "The vault passphrase comes from REFUGE_PASSPHRASE or is asked on the terminal.");
  ev->require_subcommand(1);

  // --- add ---
  struct AddOpts {
    Common c;
    std::string file;
    app::NewEvidence in;
  };
  auto add = std::make_shared<AddOpts>();
  auto* add_cmd = ev->add_subcommand("add", "Add a file to the vault; prints {\"id\",\"sha256\",\"size\",\"media_type\"}");
  add_cmd->add_option("FILE", add->file, "The file, kept exactly as it is")->required();
  add_cmd->add_option("--subject", add->in.subject, "The person it concerns (person id)")->required();
  add_cmd->add_option("--matter", add->in.matter, "The matter to file it under");
  add_cmd->add_option("--title", add->in.title, "A title");
  add_cmd->add_option("--source-url", add->in.source_url, "Where it was found on the web");
  add_cmd->add_option("--captured", add->in.captured, "When it was recorded (YYYY, YYYY-MM, YYYY-MM-DD or a date-time)");
  add_cmd->add_option("--note", add->in.note, "A note: who collected it, how, from whom");
  AddCommon(add_cmd, &add->c);
  add_cmd->callback([add, exit_code] {
    // A file-size limit then fails the write (reported) instead of killing us.
    ::signal(SIGXFSZ, SIG_IGN);
    auto o = Open(add->c.data, add->c.db, /*create=*/true);
    if (!o.ok()) {
      *exit_code = ReportError(o.status(), std::cerr);
      return;
    }
    auto r = o->evidence->AddFile(app::Actor::Operator(), add->file, add->in);
    if (!r.ok()) {
      *exit_code = ReportError(r.status(), std::cerr);
      return;
    }
    std::cout << r->dump() << "\n";
    *exit_code = 0;
  });

  // --- list ---
  struct ListOpts {
    Common c;
    std::string matter;
    std::string subject;
  };
  auto list = std::make_shared<ListOpts>();
  auto* list_cmd = ev->add_subcommand(
      "list", "Print the records, filtered by matter and/or person, as GET /api/v1/evidence does: {\"items\", \"next\"}");
  list_cmd->add_option("--matter", list->matter, "Only records filed under this matter (id)");
  list_cmd->add_option("--subject", list->subject, "Only records about this person (id)");
  AddCommon(list_cmd, &list->c);
  list_cmd->callback([list, exit_code] {
    auto o = Open(list->c.data, list->c.db, false);
    if (!o.ok()) {
      *exit_code = ReportError(o.status(), std::cerr);
      return;
    }
    // Every page, so "next" is always null here.
    Json items = Json::array();
    std::string after;
    do {
      auto page = o->evidence->List(app::Actor::Operator(), list->matter, list->subject, after, 1000);
      if (!page.ok()) {
        *exit_code = ReportError(page.status(), std::cerr);
        return;
      }
      for (auto& item : page->items) items.push_back(std::move(item));
      after = page->next;
    } while (!after.empty());
    PrintJson(Json{{"items", std::move(items)}, {"next", nullptr}});
    *exit_code = 0;
  });

  // --- show ---
  struct ShowOpts {
    Common c;
    std::string id;
  };
  auto show = std::make_shared<ShowOpts>();
  auto* show_cmd = ev->add_subcommand(
      "show", "Print a record's metadata as GET /api/v1/evidence/ID does; like that read, it is a \"viewed\" custody entry");
  show_cmd->add_option("ID", show->id, "Evidence id")->required();
  AddCommon(show_cmd, &show->c);
  show_cmd->callback([show, exit_code] {
    auto o = Open(show->c.data, show->c.db, false);
    if (!o.ok()) {
      *exit_code = ReportError(o.status(), std::cerr);
      return;
    }
    auto r = o->evidence->Get(app::Actor::Operator(), show->id);
    if (!r.ok()) {
      *exit_code = ReportError(r.status(), std::cerr);
      return;
    }
    PrintJson(*r);
    *exit_code = 0;
  });

  // --- get ---
  struct GetOpts {
    Common c;
    std::string id;
    std::string out;
  };
  auto get = std::make_shared<GetOpts>();
  auto* get_cmd = ev->add_subcommand("get", "Write the original to a file, checking its hash on the way");
  get_cmd->add_option("ID", get->id, "Evidence id")->required();
  get_cmd->add_option("--out", get->out, "Output file ('-' for standard output)")->required();
  AddCommon(get_cmd, &get->c);
  get_cmd->callback([get, exit_code] {
    auto o = Open(get->c.data, get->c.db, false);
    if (!o.ok()) {
      *exit_code = ReportError(o.status(), std::cerr);
      return;
    }
    auto r = o->evidence->SaveCopy(app::Actor::Operator(), get->id, get->out);
    if (!r.ok()) {
      *exit_code = ReportError(r.status(), std::cerr);
      return;
    }
    (get->out == "-" ? std::cerr : std::cout) << r->dump() << "\n";
    *exit_code = 0;
  });

  // --- custody ---
  struct IdOpts {
    Common c;
    std::string id;
  };
  auto custody = std::make_shared<IdOpts>();
  auto* custody_cmd = ev->add_subcommand("custody", "Print a record's chain of custody and whether it holds");
  custody_cmd->add_option("ID", custody->id, "Evidence id")->required();
  custody_cmd->add_flag("--json", custody->c.json, "Print JSON");
  AddCommon(custody_cmd, &custody->c);
  custody_cmd->callback([custody, exit_code] {
    auto o = Open(custody->c.data, custody->c.db, false);
    if (!o.ok()) {
      *exit_code = ReportError(o.status(), std::cerr);
      return;
    }
    auto r = o->evidence->CustodyLog(app::Actor::Operator(), custody->id);
    if (!r.ok()) {
      *exit_code = ReportError(r.status(), std::cerr);
      return;
    }
    if (custody->c.json) {
      PrintJson(*r);
    } else {
      for (const auto& e : (*r)["entries"]) {
        std::cout << e["seq"].get<int64_t>() << "  " << e["at"].get<std::string>() << "  "
                  << e["actor"].get<std::string>() << "  " << e["action"].get<std::string>() << "  "
                  << e["details"].dump() << "\n";
      }
      std::cout << ((*r)["ok"].get<bool>() ? "The chain holds; its head is signed by "
                                           : "The chain does NOT hold; its head claims a signature by ")
                << (*r)["head"]["public_key"].get<std::string>() << "\n";
      for (const auto& p : (*r)["problems"]) std::cout << "  - " << p.get<std::string>() << "\n";
    }
    *exit_code = (*r)["ok"].get<bool>() ? 0 : kExitProblems;
  });

  // --- verify ---
  struct VerifyOpts {
    Common c;
    std::string id;
    bool all = false;
  };
  auto verify = std::make_shared<VerifyOpts>();
  auto* verify_cmd = ev->add_subcommand(
      "verify", "Re-hash stored files, check their encryption tags and custody chains; exit 0 only if all hold");
  verify_cmd->add_option("ID", verify->id, "Evidence id");
  verify_cmd->add_flag("--all", verify->all, "Every record");
  verify_cmd->add_flag("--json", verify->c.json, "Print JSON");
  AddCommon(verify_cmd, &verify->c);
  verify_cmd->callback([verify, exit_code] {
    if (verify->id.empty() == !verify->all) {
      *exit_code = ReportError(Invalid("ID", "give an evidence id or --all"), std::cerr);
      return;
    }
    auto o = Open(verify->c.data, verify->c.db, false);
    if (!o.ok()) {
      *exit_code = ReportError(o.status(), std::cerr);
      return;
    }
    const app::Actor op = app::Actor::Operator();
    Result<Json> r = verify->all ? o->evidence->VerifyAll(op) : o->evidence->Verify(op, verify->id);
    if (!r.ok()) {
      *exit_code = ReportError(r.status(), std::cerr);
      return;
    }
    if (verify->c.json) {
      PrintJson(*r);
    } else if (verify->all) {
      for (const auto& item : (*r)["items"]) PrintVerification(item);
      for (const auto& m : r->value("missing", Json::array())) {
        std::cout << "record " << m.get<std::string>()
                  << " is missing: the audit log records it received, and the database no longer has it\n";
      }
      std::cout << (*r)["checked"].get<int64_t>() << " checked, " << (*r)["failed"].get<int64_t>() << " failed\n";
      const Json orphans = r->value("orphans", Json::array());
      if (!orphans.empty()) {
        // Not damage by itself: an ingest that failed after storing its file.
        std::cout << "warning: " << orphans.size() << " stored object(s) belong to no record "
                  << "(left by an ingest that failed or crashed; refuge evidence gc lists and removes them):\n";
        for (const auto& o : orphans) std::cout << "    object " << o.get<std::string>() << "\n";
      }
    } else {
      PrintVerification(*r);
    }
    *exit_code = (*r)["ok"].get<bool>() ? 0 : kExitProblems;
  });

  // --- gc ---
  struct GcOpts {
    Common c;
    bool remove = false;
  };
  auto gc = std::make_shared<GcOpts>();
  auto* gc_cmd = ev->add_subcommand(
      "gc", "List stored objects that no record refers to (left by a failed or crashed ingest); --delete removes them");
  gc_cmd->add_flag("--delete", gc->remove, "Remove them (without it, nothing is changed)");
  gc_cmd->add_flag("--json", gc->c.json, "Print JSON");
  AddCommon(gc_cmd, &gc->c);
  gc_cmd->callback([gc, exit_code] {
    auto o = Open(gc->c.data, gc->c.db, false);
    if (!o.ok()) {
      *exit_code = ReportError(o.status(), std::cerr);
      return;
    }
    auto r = o->evidence->CollectGarbage(gc->remove);
    if (!r.ok()) {
      *exit_code = ReportError(r.status(), std::cerr);
      return;
    }
    if (gc->c.json) {
      PrintJson(*r);
    } else {
      for (const auto& it : (*r)["orphans"]) {
        std::cout << (gc->remove ? "removed " : "would remove ") << "object " << it["object"].get<std::string>()
                  << " (" << it["bytes"].get<uint64_t>() << " bytes)\n";
      }
      const size_t n = (*r)["orphans"].size();
      std::cout << n << " object(s) belong to no record"
                << (gc->remove ? ", removed" : n > 0 ? "; run with --delete to remove them" : "") << "\n";
    }
    *exit_code = 0;
  });

  // --- redact ---
  struct RedactOpts {
    Common c;
    std::string id;
    std::string out;
    std::string matter;
  };
  auto redact = std::make_shared<RedactOpts>();
  auto* redact_cmd = ev->add_subcommand(
      "redact", "Make a safe copy without identifying metadata (image data and streams unchanged), kept as a derivative");
  redact_cmd->add_option("ID", redact->id, "Evidence id of the original")->required();
  redact_cmd->add_option("--out", redact->out, "Where to write the copy")->required();
  redact_cmd->add_option("--matter", redact->matter,
                         "File the copy under this other matter of the same client (e.g. the campaign that publishes it)");
  AddCommon(redact_cmd, &redact->c);
  redact_cmd->callback([redact, exit_code] {
    auto o = Open(redact->c.data, redact->c.db, false);
    if (!o.ok()) {
      *exit_code = ReportError(o.status(), std::cerr);
      return;
    }
    auto r = o->evidence->Redact(app::Actor::Operator(), redact->id, redact->out, redact->matter);
    if (!r.ok()) {
      *exit_code = ReportError(r.status(), std::cerr);
      return;
    }
    PrintJson(*r);
    *exit_code = 0;
  });

  // --- export ---
  struct ExportOpts {
    Common c;
    app::ExportRequest req;
  };
  auto exp = std::make_shared<ExportOpts>();
  auto* export_cmd = ev->add_subcommand("export", "Write a matter's evidence as a BagIt 1.0 bag (RFC 8493)");
  export_cmd->add_option("--matter", exp->req.matter, "Matter id")->required();
  export_cmd->add_option("--out", exp->req.out_dir, "The bag's directory (new, or empty)")->required();
  export_cmd->add_flag("--redacted", exp->req.redacted,
                       "Safe copies instead of originals; files that cannot be cleaned are left out and listed");
  export_cmd->add_option("--organization", exp->req.organization, "Source-Organization in bag-info.txt");
  AddCommon(export_cmd, &exp->c);
  export_cmd->callback([exp, exit_code] {
    auto o = Open(exp->c.data, exp->c.db, false);
    if (!o.ok()) {
      *exit_code = ReportError(o.status(), std::cerr);
      return;
    }
    auto r = o->evidence->Export(app::Actor::Operator(), exp->req);
    if (!r.ok()) {
      *exit_code = ReportError(r.status(), std::cerr);
      return;
    }
    PrintJson(*r);
    for (const auto& w : (*r)["withheld"]) {
      std::cerr << "refuge: left out " << w["id"].get<std::string>() << ": " << w["reason"].get<std::string>() << "\n";
    }
    *exit_code = (*r)["withheld"].empty() ? 0 : kExitProblems;
  });

  // --- verify-bag ---
  struct BagOpts {
    std::string dir;
    bool json = false;
  };
  auto bag = std::make_shared<BagOpts>();
  auto* bag_cmd = ev->add_subcommand(
      "verify-bag", "Check that any BagIt bag is complete and valid, and a Refuge bag's custody offline");
  bag_cmd->add_option("DIR", bag->dir, "The bag's directory")->required();
  bag_cmd->add_flag("--json", bag->json, "Print JSON");
  bag_cmd->callback([bag, exit_code] {
    auto r = app::EvidenceService::VerifyBag(bag->dir);
    if (!r.ok()) {
      *exit_code = ReportError(r.status(), std::cerr);
      return;
    }
    const bool ok = (*r)["ok"].get<bool>();
    if (bag->json) {
      PrintJson(*r);
    } else {
      std::cout << bag->dir << ": " << (ok ? "complete and valid" : "NOT valid") << " ("
                << (*r)["payload_files"].get<int64_t>() << " payload files, " << (*r)["payload_bytes"].get<int64_t>()
                << " bytes)\n";
      if (r->contains("custody")) {
        std::cout << "custody: " << (*r)["custody"]["items"].size() << " chains, signed by "
                  << (*r)["custody"].value("public_key", "") << "\n";
      }
      for (const auto& p : (*r)["problems"]) std::cout << "  - " << p.get<std::string>() << "\n";
    }
    *exit_code = ok ? 0 : kExitProblems;
  });

  // --- passphrase ---
  auto pass = std::make_shared<Common>();
  auto* pass_cmd = ev->add_subcommand(
      "passphrase",
      "Change the vault passphrase (nothing is re-encrypted). The new one comes from REFUGE_NEW_PASSPHRASE or the terminal");
  pass_cmd->add_option("--data", pass->data, "Data directory");
  pass_cmd->callback([pass, exit_code] {
    auto old_pass = ReadPassphrase("Current vault passphrase: ", false);
    if (!old_pass.ok()) {
      *exit_code = ReportError(old_pass.status(), std::cerr);
      return;
    }
    std::string new_pass;
    if (const char* v = std::getenv("REFUGE_NEW_PASSPHRASE")) {
      new_pass = v;
      ::unsetenv("REFUGE_NEW_PASSPHRASE");
    } else {
      auto asked = ReadPassphrase("New vault passphrase: ", true);
      if (!asked.ok()) {
        *exit_code = ReportError(asked.status(), std::cerr);
        return;
      }
      new_pass = *asked;
    }
    Status s = auth::CheckPasswordPolicy(new_pass);
    if (!s.ok()) s = Invalid("passphrase", "the new passphrase: " + s.message());
    if (s.ok()) s = vault::Vault::ChangePassphrase(pass->data, *old_pass, new_pass);
    if (!s.ok()) {
      *exit_code = ReportError(s, std::cerr);
      return;
    }
    std::cout << "The vault passphrase was changed.\n";
    *exit_code = 0;
  });
}

}  // namespace refuge::cli
