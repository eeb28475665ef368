// Feeds thousands of mutated config files to the reader: each must load or be
// refused with a rastar::Error that starts `file:line:col: `; never another
// exception, never a crash (run under ASan and UBSan in CI).
#include "test_support.hpp"

#include <rastar/config/config_file.hpp>
#include <rastar/util/error.hpp>

#include <doctest/doctest.h>

#include <random>
#include <regex>

using namespace rastar::config;

namespace {

// Beyond the shipped file: every section, both depends_on forms, merges,
// flow and block styles, quoting and expansion.
const std::string k_extra = R"(
status: {listen: "127.0.0.1:8079"}
control: {socket: /run/rastar-init.sock}
sighup: reload
x-check: &check {interval: 1s, timeout: 2s, retries: 3, start_period: 0}
extra_services_follow: here
)";

const std::string k_second_config = R"(database:
  url: "${DATABASE_URL:-postgresql://app:pw@db:5432/app?schema=public}"
  wait_timeout: 60
  sqlite_timestamps: iso8601
migrations:
  postgresql: prisma/migrations
  sqlite: prisma/migrations-sqlite
services:
  worker:
    command: "node worker.js --queue 'high priority'"
    env: [A=1, "B=${B:-2}"]
    success_codes: [0, 143]
    stop_signal: SIGINT
    log: {format: raw, max_line_bytes: 1024}
    health: {command: "test -f /tmp/ok", shell: true, interval: 5s}
  web:
    command: [node, web.js]
    depends_on:
      worker: {condition: healthy}
    ready: {http: "http://127.0.0.1:3000/"}
    backoff: {initial: 100ms, max: 1m, multiplier: 1.5, reset_after: 30s}
    crash_loop: {limit: 3, window: 1m}
)";

// Fragments a mutation inserts: YAML's own punctuation, type changes and
// broken expansions.
const std::vector<std::string> k_fragments = {
  ":", ": ", "-", "- ", "[", "]", "{", "}", ",", "\"", "'", "#", "&a ", "*a", "!!str ", "? ", "|", ">", "\t", "\n",
  "\n  ", "  ", "${", "${X", "$", "$$", "${DATABASE_URL:?missing}", "~", "null", "[x, y]", "{a: b}", "true", "-1",
  "99999999999999999999", "<<: *a", "\xff", "\xc3", std::string(1, '\0'), "---\n", "%YAML 1.2\n", "..."};

const std::vector<std::string> k_values = {
  "[a, b]", "{k: v}", "~", "\"\"", "0", "-5", "1.5", "yes", "always", "SIGKILL", "10s", "${UNSET}", "*nowhere",
  "&anchor x", "[[[]]]", "{{}}", "\"unterminated", "'x''y'", "|\n  block", ">-\n  folded"};

std::string
mutate(const std::string& base, std::mt19937& random)
{
  std::string text = base;
  const int mutations = 1 + static_cast<int>(random() % 4);
  for (int m = 0; m < mutations; ++m) {
    if (text.empty()) {
      text = k_fragments[random() % k_fragments.size()];
      continue;
    }
    const std::size_t at = random() % text.size();
    switch (random() % 6) {
    case 0: // delete a few bytes
      text.erase(at, 1 + random() % 8);
      break;
    case 1: // insert a random byte
      text.insert(at, 1, static_cast<char>(random() % 256));
      break;
    case 2: // insert a YAML-significant fragment
      text.insert(at, k_fragments[random() % k_fragments.size()]);
      break;
    case 3: { // duplicate a range (repeated keys, repeated lines)
      const std::size_t length = std::min<std::size_t>(1 + random() % 80, text.size() - at);
      text.insert(random() % text.size(), text.substr(at, length));
      break;
    }
    case 4: { // swap a value's type: replace what follows a ": " up to the line's end
      const auto colon = text.find(": ", at);
      if (colon != std::string::npos) {
        const auto end = text.find('\n', colon);
        text.replace(colon + 2, (end == std::string::npos ? text.size() : end) - colon - 2,
                     k_values[random() % k_values.size()]);
      }
      break;
    }
    default: { // swap two lines' order by cutting one and pasting it elsewhere
      const auto line_start = text.rfind('\n', at);
      const auto line_end = text.find('\n', at);
      if (line_start != std::string::npos && line_end != std::string::npos) {
        const std::string line = text.substr(line_start, line_end - line_start);
        text.erase(line_start, line.size());
        text.insert(random() % (text.size() + 1), line);
      }
      break;
    }
    }
  }
  return text;
}

} // namespace

TEST_CASE("config::parse_config, mutated files")
{
  const std::string shipped = rastar::test::read_file(std::string(RASTAR_SOURCE_DIR) + "/config/rastar-init.yaml");
  REQUIRE(!shipped.empty());
  const std::vector<std::string> bases = {shipped, shipped + k_extra, k_second_config};

  LoadOptions options;
  options.environment = [](const std::string& name) -> std::optional<std::string> {
    if (name == "DATABASE_URL") {
      return "postgresql://app:pw@db:5432/app";
    }
    return std::nullopt;
  };
  options.accounts = AccountCheck::warn;
  options.base_directory = "/app";

  const std::regex positioned(R"(^fuzz\.yaml:[0-9]+:[0-9]+: [^\n]+$)");
  std::mt19937 random(20260106);
  int loaded = 0;
  int refused = 0;
  constexpr int k_cases = 4000;
  for (int i = 0; i < k_cases; ++i) {
    const std::string text = mutate(bases[i % bases.size()], random);
    std::vector<std::string> warnings;
    try {
      parse_config(text, "fuzz.yaml", options, &warnings);
      ++loaded;
    } catch (const rastar::Error& e) {
      ++refused;
      if (!std::regex_match(e.what(), positioned) || e.code() != rastar::ExitCode::config) {
        CAPTURE(text);
        FAIL_CHECK("an error without a position: ", std::string(e.what()));
      }
    } catch (const std::exception& e) {
      CAPTURE(text);
      FAIL_CHECK("not a rastar::Error: ", std::string(e.what()));
    }
  }
  MESSAGE(loaded, " mutated files loaded, ", refused, " refused");
  // Both outcomes occur, so the mutations neither break everything nor nothing.
  CHECK(loaded > k_cases / 50);
  CHECK(refused > k_cases / 2);
}
