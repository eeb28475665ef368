#include <rastar/supervise/control_protocol.hpp>

#include <fmt/core.h>

#include <algorithm>

namespace rastar::supervise {

namespace {

std::string_view
without_line_end(std::string_view line)
{
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
    line.remove_suffix(1);
  }
  return line;
}

bool
is_blank(char c)
{
  return c == ' ' || c == '\t';
}

std::string_view
trimmed(std::string_view text)
{
  while (!text.empty() && is_blank(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && is_blank(text.back())) {
    text.remove_suffix(1);
  }
  return text;
}

// A service name as the config allows it is printable and has no blanks;
// anything else is quoted back with its control characters spelt out.
std::string
printable(std::string_view text)
{
  std::string result;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      result += fmt::format("\\x{:02x}", byte);
    } else {
      result += c;
    }
  }
  return result;
}

} // namespace

const char*
to_string(ControlAction action)
{
  switch (action) {
  case ControlAction::start: return "start";
  case ControlAction::stop: return "stop";
  case ControlAction::restart: return "restart";
  }
  return "start";
}

std::optional<ControlAction>
control_action_from_string(std::string_view word)
{
  for (const auto action : {ControlAction::start, ControlAction::stop, ControlAction::restart}) {
    if (word == to_string(action)) {
      return action;
    }
  }
  return std::nullopt;
}

std::string
format_control_request(const ControlRequest& request)
{
  return fmt::format("{} {}\n", to_string(request.action), request.service);
}

std::optional<ControlRequest>
parse_control_request(std::string_view line, std::string& error)
{
  const auto text = trimmed(without_line_end(line));
  const auto blank = std::find_if(text.begin(), text.end(), is_blank);
  const std::string_view word(text.begin(), blank);
  const auto service = trimmed(std::string_view(blank, text.end()));
  const auto action = control_action_from_string(word);
  if (!action) {
    error = fmt::format("unknown action \"{}\"; send \"start SERVICE\", \"stop SERVICE\" or \"restart SERVICE\"",
                        printable(word));
    return std::nullopt;
  }
  if (service.empty()) {
    error = fmt::format("\"{}\" needs the name of a service, as in \"{} bot\"", word, word);
    return std::nullopt;
  }
  if (std::any_of(service.begin(), service.end(), is_blank)) {
    error = fmt::format("\"{}\" takes one service name, not \"{}\"", word, printable(service));
    return std::nullopt;
  }
  return ControlRequest{*action, std::string(service)};
}

std::string
format_control_answer(const ControlAnswer& answer)
{
  std::string sentence = answer.sentence;
  std::replace(sentence.begin(), sentence.end(), '\n', ' ');
  std::replace(sentence.begin(), sentence.end(), '\r', ' ');
  return fmt::format("{}: {}\n", answer.ok ? "ok" : "error", sentence);
}

std::optional<ControlAnswer>
parse_control_answer(std::string_view line)
{
  const auto text = without_line_end(line);
  for (const auto& [prefix, ok] : {std::pair<std::string_view, bool>{"ok: ", true}, {"error: ", false}}) {
    if (text.starts_with(prefix)) {
      return ControlAnswer{ok, std::string(text.substr(prefix.size()))};
    }
  }
  return std::nullopt;
}

} // namespace rastar::supervise
