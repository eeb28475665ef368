#!/usr/bin/env bash
# Runs squawk (squawk-cli 2.66.0 from the npm registry, decision D24) and
# `rastar-init migrate lint` on the PostgreSQL corpus in tests/lint/postgresql
# and prints, rule by rule, how many findings each reports and in which
# migrations they differ. squawk's rules without a counterpart in rastar-init
# are left out with --exclude (listed in the README). Skips (exit 0) with a
# message when npm cannot install squawk.
#
# Environment: RASTAR_INIT (the binary; default build/rastar-init).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

CORPUS="$REPO_DIR/tests/lint/postgresql"
SQUAWK_VERSION=2.66.0
# squawk rules with no rastar-init counterpart: style, robustness and session
# settings rather than a change that breaks the running release.
SQUAWK_EXCLUDE=require-lock-timeout,require-statement-timeout,prefer-robust-stmts,prefer-bigint-over-int,prefer-bigint-over-smallint,prefer-identity,prefer-text-field,prefer-timestamp-tz,ban-char-field,adding-serial-primary-key-field,adding-field-with-default,transaction-nesting,ban-concurrent-index-creation-in-transaction,ban-drop-database,ban-drop-not-null,ban-create-domain-with-constraint,ban-alter-domain-with-add-constraint,require-concurrent-index-deletion

bench_find_rastar_init
BENCH_WORK=$(mktemp -d)
if ! command -v npm >/dev/null; then
  echo "lint-compare: skipped: npm is not installed, so squawk-cli cannot be installed"
  exit 0
fi
bench_say "installing squawk-cli $SQUAWK_VERSION into a temporary directory"
if ! npm install --prefix "$BENCH_WORK/squawk" --no-audit --no-fund --loglevel=error "squawk-cli@$SQUAWK_VERSION" >&2; then
  echo "lint-compare: skipped: npm install squawk-cli@$SQUAWK_VERSION failed"
  exit 0
fi
SQUAWK="$BENCH_WORK/squawk/node_modules/@squawk-cli/linux-x64/bin/squawk"
[ -x "$SQUAWK" ] || SQUAWK="$BENCH_WORK/squawk/node_modules/.bin/squawk"

cd "$REPO_DIR/tests/lint"
"$SQUAWK" --version >&2
"$SQUAWK" --reporter gcc --exclude "$SQUAWK_EXCLUDE" postgresql/*/migration.sql >"$BENCH_WORK/squawk.txt" 2>&1 || true
"$RASTAR_INIT" migrate lint --migrations postgresql >"$BENCH_WORK/rastar.txt" 2>/dev/null || true

python3 - "$BENCH_WORK/squawk.txt" "$BENCH_WORK/rastar.txt" <<'PYTHON'
import collections, re, sys

# squawk rule -> the rastar-init rule that catches the same change.
counterpart = {
    "ban-drop-table": "drop-table",
    "ban-drop-column": "drop-column",
    "renaming-table": "rename-table",
    "renaming-column": "rename-column",
    "changing-column-type": "change-column-type",
    "adding-not-nullable-field": "set-not-null",
    "adding-required-field": "add-required-column",
    "constraint-missing-not-valid": "constraint-without-not-valid",
    "adding-foreign-key-constraint": "constraint-without-not-valid",
    "disallowed-unique-constraint": "unique-without-concurrently",
    "require-concurrent-index-creation": "index-without-concurrently",
    "syntax-error": "parse-error",
}
order = ["drop-table", "drop-column", "rename-table", "rename-column", "change-column-type", "set-not-null",
         "add-required-column", "constraint-without-not-valid", "unique-without-concurrently",
         "index-without-concurrently", "remove-enum-value", "rename-enum-value", "truncate",
         "delete-without-where", "update-without-where", "parse-error"]

def migration(path):
    return path.split("/")[1]

squawk = collections.defaultdict(collections.Counter)   # rule -> migration -> count
unmapped = collections.Counter()
for line in open(sys.argv[1]):
    match = re.match(r"([^:]+):\d+:\d+: (?:warning|error): (\S+)", line)
    if not match:
        continue
    rule = counterpart.get(match.group(2))
    if rule is None:
        unmapped[match.group(2)] += 1
        continue
    squawk[rule][migration(match.group(1))] += 1

rastar = collections.defaultdict(collections.Counter)
for line in open(sys.argv[2]):
    match = re.match(r"([^:]+):\d+:\d+: (\S+?)( \(allowed\))?: ", line)
    if match and match.group(2) != "unknown-rule":
        rastar[match.group(2)][migration(match.group(1))] += 1

print("| rastar-init rule | squawk rule(s) | rastar-init | squawk | migrations where they differ |")
print("|---|---|---:|---:|---|")
for rule in order:
    names = ", ".join(sorted(k for k, v in counterpart.items() if v == rule)) or "(none)"
    ours, theirs = rastar[rule], squawk[rule]
    differ = []
    for name in sorted(set(ours) | set(theirs)):
        if ours[name] != theirs[name]:
            differ.append(f"{name.split('_', 1)[1]} ({ours[name]} vs {theirs[name]})")
    print(f"| {rule} | {names} | {sum(ours.values())} | {sum(theirs.values())} | {'; '.join(differ) or '-'} |")
if unmapped:
    print()
    print("squawk rules reported without a counterpart (not excluded): " +
          ", ".join(f"{k} ({v})" for k, v in sorted(unmapped.items())))
PYTHON
