#include <rastar/lint/linter.hpp>

#include <rastar/lint/rules.hpp>
#include <rastar/lint/script_linter.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <sstream>

namespace rastar::lint {

namespace {

std::string
trim(std::string_view text)
{
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) {
    return {};
  }
  const auto last = text.find_last_not_of(" \t\r");
  return std::string(text.substr(first, last - first + 1));
}

// The rules an allow comment names, or nullopt when `line` is not one.
std::optional<std::vector<std::string>>
allowed_rules(std::string_view line)
{
  auto text = trim(line);
  if (!text.starts_with("--")) {
    return std::nullopt;
  }
  text = trim(std::string_view(text).substr(2));
  constexpr std::string_view k_prefix = "rastar-init:";
  if (!text.starts_with(k_prefix)) {
    return std::nullopt;
  }
  text = trim(std::string_view(text).substr(k_prefix.size()));
  if (!text.starts_with("allow ")) {
    return std::nullopt;
  }
  std::vector<std::string> rules;
  std::istringstream items(text.substr(6));
  for (std::string item; std::getline(items, item, ',');) {
    if (auto rule = trim(item); !rule.empty()) {
      rules.push_back(std::move(rule));
    }
  }
  return rules;
}

std::vector<std::string_view>
split_lines(std::string_view text)
{
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = text.find('\n', start);
    lines.push_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) {
      break;
    }
    start = end + 1;
  }
  return lines;
}

std::string
full_message(const RawFinding& raw)
{
  const Rule* rule = find_rule(raw.rule);
  if (rule == nullptr) {
    return raw.message;
  }
  return fmt::format("{}: {}; instead, {}", raw.message, rule->reason, rule->alternative);
}

void
lint_one(ScriptLinter& linter, const migrate::LocalMigration& migration, bool report, LintReport& result)
{
  const auto findings = linter.lint_script(*migration.script);
  if (!report) {
    return;
  }
  ++result.migrations;
  const auto lines = split_lines(*migration.script);
  std::map<int, std::vector<std::string>> allowed; // by the line of the statement they precede
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto rules = allowed_rules(lines[i]);
    if (!rules) {
      continue;
    }
    for (const auto& id : *rules) {
      if (find_rule(id) == nullptr) {
        result.findings.push_back({migration.name, migration.script_path(), static_cast<int>(i) + 1,
                                   static_cast<int>(lines[i].find("--")) + 1, std::string(k_unknown_rule),
                                   fmt::format("the allow comment names \"{}\", which is not a rule; `rastar-init "
                                               "migrate lint --help` lists them",
                                               id),
                                   false});
      }
    }
    allowed[static_cast<int>(i) + 2] = *rules;
  }
  for (const auto& raw : findings) {
    Finding finding{migration.name, migration.script_path(), raw.line, raw.column, raw.rule, full_message(raw), false};
    if (const auto rules = allowed.find(raw.statement_line); rules != allowed.end() && raw.rule != k_parse_error) {
      finding.allowed = std::find(rules->second.begin(), rules->second.end(), raw.rule) != rules->second.end();
    }
    result.findings.push_back(std::move(finding));
  }
}

} // namespace

bool
LintReport::passes() const
{
  return std::all_of(findings.begin(), findings.end(), [](const Finding& finding) { return finding.allowed; });
}

db::Provider
provider_of(const migrate::MigrationsDirectory& directory)
{
  return directory.lock_provider && *directory.lock_provider == "sqlite" ? db::Provider::sqlite
                                                                          : db::Provider::postgresql;
}

LintReport
lint_migrations(const migrate::MigrationsDirectory& directory, const LintOptions& options)
{
  LintReport result;
  const auto linter = make_script_linter(options.provider);
  for (const auto& migration : directory.migrations) {
    if (!migration.script) {
      continue;
    }
    const bool report = !options.only || options.only->contains(migration.name);
    const auto before = result.findings.size();
    lint_one(*linter, migration, report, result);
    std::stable_sort(result.findings.begin() + static_cast<std::ptrdiff_t>(before), result.findings.end(),
                     [](const Finding& a, const Finding& b) {
                       return std::tie(a.line, a.column) < std::tie(b.line, b.column);
                     });
  }
  result.statements = linter->statements();
  return result;
}

std::string
render_text(const LintReport& report)
{
  std::string text;
  for (const auto& finding : report.findings) {
    text += fmt::format("{}:{}:{}: {}{}: {}\n", finding.path.string(), finding.line, finding.column, finding.rule,
                        finding.allowed ? " (allowed)" : "", finding.message);
  }
  return text;
}

nlohmann::ordered_json
render_json(const LintReport& report)
{
  nlohmann::ordered_json findings = nlohmann::ordered_json::array();
  for (const auto& finding : report.findings) {
    findings.push_back({{"path", finding.path.string()},
                        {"migration", finding.migration},
                        {"line", finding.line},
                        {"column", finding.column},
                        {"rule", finding.rule},
                        {"message", finding.message},
                        {"allowed", finding.allowed}});
  }
  return {{"passes", report.passes()},
          {"migrations", report.migrations},
          {"statements", report.statements},
          {"findings", findings}};
}

} // namespace rastar::lint
