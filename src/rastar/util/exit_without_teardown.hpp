#pragma once

namespace rastar::util {

// Ends the process with `code` once its output is flushed, without the C++
// runtime's teardown (static destructors, atexit handlers). For PID 1 at the
// end of `run`: the teardown only frees memory the kernel is about to take
// back, and faults in code pages to do it, while the container runtime waits.
// Builds with AddressSanitizer exit normally, so leaks are still reported.
[[noreturn]] void
exit_without_teardown(int code);

} // namespace rastar::util
