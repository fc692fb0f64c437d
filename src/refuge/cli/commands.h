#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace refuge::cli {

inline constexpr const char* kDefaultDataDir = "./refuge-data";

// Adds --db (and its environment variable REFUGE_DB) to a subcommand that touches
// stored data: a postgresql:// URL, or 'sqlite' for the SQLite file in the data
// dir, which is the default. Pass the value on as InstallationOptions::db_url.
void AddDbOption(CLI::App* cmd, std::string* db);

// Each subcommand lives in its own file and registers itself here. Its callback
// stores the process exit code in *exit_code.
void AddServeCommand(CLI::App& app, int* exit_code);
void AddDemoCommand(CLI::App& app, int* exit_code);
void AddUserCommand(CLI::App& app, int* exit_code);
void AddBackupCommands(CLI::App& app, int* exit_code);  // export, import
void AddFacilitiesCommand(CLI::App& app, int* exit_code);
void AddDeadlinesCommand(CLI::App& app, int* exit_code);
void AddAuditCommand(CLI::App& app, int* exit_code);
void AddEvidenceCommand(CLI::App& app, int* exit_code);  // the evidence vault

// Runs the CLI; returns the process exit code.
int Main(int argc, char** argv);

}  // namespace refuge::cli
