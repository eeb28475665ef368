#pragma once

#include <csignal>
#include <functional>
#include <mutex>
#include <thread>

// rastar-init blocks every asynchronous signal as its first act (before the
// config is read, before any thread or child exists) and receives them in one
// watcher thread with sigwaitinfo while it waits, migrates and seeds. PID 1
// ignores signals it has no handler for, but blocked ones stay pending, so
// nothing that arrives early is lost. The supervisor pauses the watcher and
// reads them from a signalfd in its own loop: one wake-up per signal, not two.

namespace rastar::util {

// The signals rastar-init blocks: all but the synchronous ones a fault raises
// (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS).
sigset_t
blocked_signal_set();

// Blocks blocked_signal_set() in the calling thread (and so in every thread it
// starts later). Call first thing in main.
void
block_signals();

// Restores an empty mask and default dispositions: run in a child between
// fork and exec, since both survive exec.
void
reset_signals_for_child();

// Receives the blocked signals in a thread of its own and hands each to the
// current handler. Until a handler is set, SIGTERM/SIGINT/SIGQUIT are
// remembered and reported by cancel_signal().
class SignalWatcher
{
public:
  using Handler = std::function<void(const siginfo_t&)>;

  SignalWatcher();
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

  // Replaces the handler; it runs on the watcher thread.
  void
  set_handler(Handler handler);

  // The first SIGTERM, SIGINT or SIGQUIT received, or 0.
  int
  cancel_signal() const;

  // Runs `hook` (on the watcher thread) when a cancel signal arrives, or at
  // once if one already has; `hook` may be called from another thread than
  // the one that set it. Pass nullptr to remove it.
  void
  set_cancel_hook(std::function<void()> hook);

  // The process-wide watcher, started on first use.
  static SignalWatcher&
  instance();

  // Stops the process-wide watcher's thread, if one runs, so that the caller
  // can take the signals from a signalfd; they stay pending meanwhile.
  // Returns whether a thread was stopped (then resume_instance() restarts it).
  static bool
  pause_instance();

  // Restarts the thread pause_instance() stopped.
  static void
  resume_instance();

  // In a child forked from a process whose watcher runs, and that does not
  // exec, the watcher thread did not survive the fork: start a new one. The
  // old object is abandoned, since its thread handle belongs to the parent.
  static void
  restart_after_fork();

private:
  void
  run();

  // Stops and joins the thread; a signal it already took is handled first.
  void
  stop_thread();

  mutable std::mutex m_mutex;
  Handler m_handler;
  std::function<void()> m_cancel_hook;
  int m_cancel_signal = 0;
  bool m_stopping = false;
  std::thread m_thread;
};

} // namespace rastar::util
