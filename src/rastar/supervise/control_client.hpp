#pragma once

#include <rastar/supervise/control_protocol.hpp>

#include <chrono>
#include <string>

// The client side of the control socket, for `rastar-init start|stop|restart
// SERVICE`.

namespace rastar::supervise {

// Sends `request` to the control socket at `path` and returns rastar-init's
// answer, waiting at most `timeout` for it (a stop waits for the service's
// stop_timeout). Throws Error(verdict_no) with a sentence that names `path`
// when nothing answers there, the caller lacks permission, no answer comes in
// time, or the answer is not rastar-init's.
ControlAnswer
send_control_request(const std::string& path, const ControlRequest& request, std::chrono::milliseconds timeout);

} // namespace rastar::supervise
