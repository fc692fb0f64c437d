#include "refuge/cli/commands.h"

int main(int argc, char** argv) { return refuge::cli::Main(argc, argv); }
