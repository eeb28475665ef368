#include <rastar/config/command_words.hpp>
#include <rastar/config/did_you_mean.hpp>
#include <rastar/config/duration.hpp>
#include <rastar/config/signal_names.hpp>

#include <doctest/doctest.h>

#include <csignal>

using namespace rastar::config;
using std::chrono::milliseconds;

TEST_CASE("config::parse_duration")
{
  CHECK(parse_duration("500ms") == milliseconds(500));
  CHECK(parse_duration("10s") == milliseconds(10'000));
  CHECK(parse_duration("15m") == milliseconds(900'000));
  CHECK(parse_duration("1h") == milliseconds(3'600'000));
  CHECK(parse_duration("1m30s") == milliseconds(90'000));
  CHECK(parse_duration("1h2m3s4ms") == milliseconds(3'723'004));
  CHECK(parse_duration("30") == milliseconds(30'000));
  CHECK(parse_duration("0.5") == milliseconds(500));
  CHECK(parse_duration("1.25s") == milliseconds(1250));
  CHECK(parse_duration("0") == milliseconds(0));
  for (const char* bad : {"", "s", "10 s", "-1s", "10sec", "1.5.5s", "1m30", ".s", "ms", "10S", "99999999999999h",
                          "1e3"}) {
    CAPTURE(bad);
    CHECK(parse_duration(bad) == std::nullopt);
  }
}

TEST_CASE("config::format_duration")
{
  CHECK(format_duration(milliseconds(0)) == "0s");
  CHECK(format_duration(milliseconds(250)) == "250ms");
  CHECK(format_duration(milliseconds(90'000)) == "1m30s");
  CHECK(format_duration(milliseconds(900'000)) == "15m");
  CHECK(format_duration(milliseconds(3'600'000)) == "1h");
  CHECK(format_duration(milliseconds(8'500)) == "8s500ms");
}

TEST_CASE("config::split_command_words")
{
  std::string error;
  using Words = std::vector<std::string>;
  CHECK(split_command_words("node apps/bot/dist/index.js", &error) == Words{"node", "apps/bot/dist/index.js"});
  CHECK(split_command_words("  a \t b\n c  ", &error) == Words{"a", "b", "c"});
  CHECK(split_command_words("echo 'a  b' \"c \\\"d\\\" \\\\\" e\\ f", &error) ==
        Words{"echo", "a  b", "c \"d\" \\", "e f"});
  CHECK(split_command_words("echo '' x\"\"y", &error) == Words{"echo", "", "xy"});
  CHECK(split_command_words("echo $HOME *.js | wc", &error) == Words{"echo", "$HOME", "*.js", "|", "wc"});
  CHECK(split_command_words("", &error) == Words{});

  CHECK(split_command_words("echo 'open", &error) == std::nullopt);
  CHECK(error == "the single quote at character 6 is never closed");
  CHECK(split_command_words("echo \"open", &error) == std::nullopt);
  CHECK(error == "the double quote at character 6 is never closed");
  CHECK(split_command_words("echo \\", &error) == std::nullopt);
  CHECK(error == "a backslash ends the command; it must be followed by the character it keeps");
}

TEST_CASE("config::parse_signal and signal_name")
{
  CHECK(parse_signal("SIGTERM") == SIGTERM);
  CHECK(parse_signal("TERM") == SIGTERM);
  CHECK(parse_signal("sigint") == SIGINT);
  CHECK(parse_signal("QUIT") == SIGQUIT);
  CHECK(parse_signal("USR1") == SIGUSR1);
  CHECK(parse_signal("SIGWINCH") == SIGWINCH);
  CHECK(parse_signal("9") == SIGKILL);
  CHECK(parse_signal("64") == 64);
  for (const char* bad : {"", "SIG", "TERMINATE", "0", "65", "15x", "-15", "SIGSIGTERM"}) {
    CAPTURE(bad);
    CHECK(parse_signal(bad) == std::nullopt);
  }
  CHECK(signal_name(SIGTERM) == "SIGTERM");
  CHECK(signal_name(SIGKILL) == "SIGKILL");
}

TEST_CASE("config::did_you_mean")
{
  const std::vector<std::string> keys = {"command", "restart", "depends_on", "stop_signal", "env"};
  CHECK(edit_distance("restrat", "restart") == 1);
  CHECK(edit_distance("", "abc") == 3);
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(did_you_mean("restrat", keys) == "restart");
  CHECK(did_you_mean("comand", keys) == "command");
  CHECK(did_you_mean("dependson", keys) == "depends_on");
  CHECK(did_you_mean("Restart", keys) == "restart");
  CHECK(did_you_mean("envv", keys) == "env");
  CHECK(did_you_mean("xyz", keys) == std::nullopt);
  CHECK(did_you_mean("image", keys) == std::nullopt);
}
