#include <rastar/lint/guard.hpp>

#include <rastar/lint/linter.hpp>
#include <rastar/lint/rules.hpp>
#include <rastar/util/error.hpp>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace rastar::lint {

void
guard_pending(const migrate::MigrationsDirectory& local,
              db::Provider provider,
              const std::vector<const migrate::LocalMigration*>& pending,
              Policy policy)
{
  if (policy == Policy::off || pending.empty()) {
    return;
  }
  LintOptions options;
  options.provider = provider;
  options.only.emplace();
  for (const auto* migration : pending) {
    options.only->insert(migration->name);
  }
  const auto report = lint_migrations(local, options);
  std::size_t refused = 0;
  for (const auto& finding : report.findings) {
    const auto line = fmt::format("{}:{}:{}: {}: {}", finding.path.string(), finding.line, finding.column,
                                  finding.rule, finding.message);
    if (finding.allowed) {
      spdlog::info("allowed by comment: {}", line);
    } else if (policy == Policy::refuse && finding.rule != k_parse_error) {
      spdlog::error("{}", line);
      ++refused;
    } else {
      spdlog::warn("{}", line);
    }
  }
  if (refused > 0) {
    throw Error(ExitCode::destructive_refused,
                fmt::format("the guard policy is refuse and the pending migrations make {} destructive change{} "
                            "(listed above); nothing was applied. Make the change safely, allow it on purpose "
                            "with `-- rastar-init: allow RULE` on the line before the statement, or deploy with "
                            "--policy warn",
                            refused, refused == 1 ? "" : "s"));
  }
}

void
apply_policy(migrate::DeployOptions& options, const migrate::MigrationsDirectory& local, db::Provider provider,
             Policy policy)
{
  options.drift = policy == Policy::refuse ? migrate::DriftPolicy::refuse
                  : policy == Policy::off  ? migrate::DriftPolicy::off
                                           : migrate::DriftPolicy::warn;
  options.check_pending = [&local, provider, policy](const std::vector<const migrate::LocalMigration*>& pending) {
    guard_pending(local, provider, pending, policy);
  };
}

} // namespace rastar::lint
