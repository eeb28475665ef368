#include <rastar/cli/exit_codes_help.hpp>

namespace rastar::cli {

std::string
exit_codes_help()
{
  return R"(Exit codes:
  0        success; `migrate status` up to date; services stopped cleanly on request
  1        a verdict of "no": status not up to date, lint findings, verify found gaps, unhealthy
  64       bad command line
  65       migration failed or blocked (P3005, P3009, P3015, P3018, P3019, ...; drift under `refuse`), or its
           backup failed
  66       seed failed
  69       database unreachable (timeout, wrong password, unknown host, TLS failure)
  70       internal error (a bug: please report it)
  75       migration lock not obtained within the lock timeout (a restart may succeed)
  76       destructive-change policy `refuse` stopped the deploy
  78       configuration error
  126/127  a critical service or command could not be executed / was not found
  128+N    a critical service was killed by signal N; 137 after a forced SIGKILL at shutdown;
           143/130 when SIGTERM/SIGINT arrived before the services started

Environment: DATABASE_URL, DATABASE_URL_FILE, RASTAR_INIT_CONFIG, RASTAR_LOG_LEVEL,
RASTAR_LOCK_TIMEOUT, RASTAR_MIGRATION_POLICY, RASTAR_SHUTDOWN_TIMEOUT, RASTAR_STATUS_LISTEN,
PRISMA_SCHEMA_DISABLE_ADVISORY_LOCK.)";
}

} // namespace rastar::cli
