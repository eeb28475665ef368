#pragma once

#include <optional>
#include <string>
#include <string_view>

// The control socket's wire format (D20), shared by the server in
// control_socket.hpp and the client in control_client.hpp. One request per
// connection, one line each way:
//
//   request:  "ACTION SERVICE\n"     ACTION is start, stop or restart
//   answer:   "ok: SENTENCE\n"  or  "error: SENTENCE\n"
//
// after which the server closes the connection. Plain text, so `socat` or
// `nc -U` can drive it by hand.

namespace rastar::supervise {

enum class ControlAction { start, stop, restart };

struct ControlRequest
{
  ControlAction action = ControlAction::start;
  std::string service;
};

struct ControlAnswer
{
  bool ok = false;
  std::string sentence; // one line, no trailing newline

  static ControlAnswer
  success(std::string sentence)
  {
    return {true, std::move(sentence)};
  }

  static ControlAnswer
  failure(std::string sentence)
  {
    return {false, std::move(sentence)};
  }
};

// "start", "stop" or "restart".
const char*
to_string(ControlAction action);

// The action named `word`, if it is one.
std::optional<ControlAction>
control_action_from_string(std::string_view word);

// The request's line, newline included.
std::string
format_control_request(const ControlRequest& request);

// Parses one request line (a trailing "\n" or "\r\n" is ignored). Returns
// nullopt and sets `error` to the answer's sentence when it is not
// "ACTION SERVICE".
std::optional<ControlRequest>
parse_control_request(std::string_view line, std::string& error);

// The answer's line, newline included; newlines inside the sentence become
// spaces so the answer stays one line.
std::string
format_control_answer(const ControlAnswer& answer);

// Parses an answer line; nullopt when it starts with neither "ok: " nor
// "error: " (the other end is not rastar-init).
std::optional<ControlAnswer>
parse_control_answer(std::string_view line);

} // namespace rastar::supervise
