#include <rastar/lint/rules.hpp>

#include <algorithm>

namespace rastar::lint {

const std::vector<Rule>&
all_rules()
{
  // Reasons and alternatives are written to follow "what the statement does: ".
  static const std::vector<Rule> k_rules = {
    {"drop-table", "the running release still reads it, and its data is gone",
     "stop using the table in one release, drop it in a later migration"},
    {"drop-column", "the running release still reads or writes it, and its data is gone",
     "stop using the column in one release, drop it in a later migration"},
    {"rename-table", "the running release still uses the old name",
     "create the new table (or a view under the new name), move readers and writers over, drop the old one later"},
    {"rename-column", "the running release still uses the old name",
     "add the new column, write both, backfill, move readers over, drop the old column later"},
    {"change-column-type",
     "rewrites the table (on PostgreSQL under an ACCESS EXCLUSIVE lock) and can break the running release",
     "add a column of the new type, backfill it in batches, switch readers, drop the old column later"},
    {"set-not-null", "fails on any NULL, and the running release may still write one (on PostgreSQL it scans the "
                     "table under an ACCESS EXCLUSIVE lock)",
     "backfill first; on PostgreSQL add CHECK (col IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL (12+ "
     "skips the scan)"},
    {"add-required-column",
     "fails on a table with rows, and the running release does not write the column",
     "add the column with a DEFAULT (instant on PostgreSQL 11+), or nullable and backfill it"},
    {"constraint-without-not-valid", "checks every row under a lock that blocks writes",
     "add the constraint NOT VALID, then VALIDATE CONSTRAINT in a later statement"},
    {"unique-without-concurrently", "builds its index under a lock that blocks writes",
     "CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT … UNIQUE USING INDEX"},
    {"index-without-concurrently", "builds the index under a lock that blocks writes",
     "CREATE INDEX CONCURRENTLY (in a migration of its own: it cannot run in a transaction)"},
    {"remove-enum-value", "rows and the running release may still use the value",
     "stop writing the value, migrate the rows, remove it in a later migration"},
    {"rename-enum-value", "the running release still writes the old value",
     "add the new value, migrate the rows, remove the old value in a later migration"},
    {"truncate", "deletes every row", "delete the rows you mean with a WHERE, or drop the table in a later release"},
    {"delete-without-where", "deletes every row", "add a WHERE naming the rows, or allow it if every row must go"},
    {"update-without-where", "rewrites every row under row locks in one transaction",
     "add a WHERE, or backfill in batches outside the migration"},
  };
  return k_rules;
}

const Rule*
find_rule(std::string_view id)
{
  const auto& rules = all_rules();
  const auto found = std::find_if(rules.begin(), rules.end(), [id](const Rule& rule) { return rule.id == id; });
  return found == rules.end() ? nullptr : &*found;
}

} // namespace rastar::lint
