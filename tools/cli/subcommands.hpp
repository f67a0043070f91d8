// Small helpers for registering a command's actions with CLI11.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace tollgate::cli {

// Sets `action` to the name of whichever subcommand of `command` runs. `action` must outlive
// `command`'s parsing.
inline void record_action(CLI::App& command, std::string& action) {
  for (CLI::App* sub : command.get_subcommands({}))
    sub->callback([&action, sub] { action = sub->get_name(); });
}

// Makes a repeatable option take one value per occurrence (`--attr a=1 --attr b=2`), so that a
// positional argument after it is not taken as another value.
inline CLI::Option* one_value_each(CLI::Option* option) { return option->allow_extra_args(false); }

}  // namespace tollgate::cli
