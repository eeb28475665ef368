#pragma once

#include <CLI/CLI.hpp>

#include <string>

// D3: every command with machine-readable output takes --format text|json,
// and --json as its short form.

namespace rastar::cli {

struct OutputFormat
{
  std::string format = "text";
  bool json_flag = false;

  bool
  json() const
  {
    return json_flag || format == "json";
  }
};

inline void
add_output_format(CLI::App& command, OutputFormat& output)
{
  command.add_option("--format", output.format, "Output format: text or json")
    ->check(CLI::IsMember({"text", "json"}))
    ->capture_default_str();
  command.add_flag("--json", output.json_flag, "Short for --format json");
}

} // namespace rastar::cli
