#include <rastar/util/signals.hpp>

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

namespace rastar::util {

sigset_t
blocked_signal_set()
{
  sigset_t set;
  sigfillset(&set);
  for (int synchronous : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS}) {
    sigdelset(&set, synchronous);
  }
  return set;
}

void
block_signals()
{
  const sigset_t set = blocked_signal_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  // An ignored signal is discarded even while blocked, and ignoring survives
  // exec: a shell's background job starts with SIGINT and SIGQUIT ignored.
  // Default dispositions (harmless while blocked) let the watcher see them.
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  sigemptyset(&default_action.sa_mask);
  for (int signal_number = 1; signal_number < NSIG; ++signal_number) {
    if (sigismember(&set, signal_number) == 1 && signal_number != SIGKILL && signal_number != SIGSTOP) {
      sigaction(signal_number, &default_action, nullptr);
    }
  }
}

void
reset_signals_for_child()
{
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  sigemptyset(&default_action.sa_mask);
  for (int signal_number = 1; signal_number < NSIG; ++signal_number) {
    if (signal_number != SIGKILL && signal_number != SIGSTOP) {
      sigaction(signal_number, &default_action, nullptr);
    }
  }
  sigset_t empty;
  sigemptyset(&empty);
  pthread_sigmask(SIG_SETMASK, &empty, nullptr);
}

SignalWatcher::SignalWatcher()
  : m_thread([this] { run(); })
{
}

SignalWatcher::~SignalWatcher()
{
  stop_thread();
}

void
SignalWatcher::stop_thread()
{
  if (!m_thread.joinable()) {
    return;
  }
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  // Wake sigwaitinfo with a signal aimed at the watcher thread alone.
  pthread_kill(m_thread.native_handle(), SIGURG);
  m_thread.join();
  m_stopping = false;
}

void
SignalWatcher::set_handler(Handler handler)
{
  std::lock_guard lock(m_mutex);
  m_handler = std::move(handler);
}

int
SignalWatcher::cancel_signal() const
{
  std::lock_guard lock(m_mutex);
  return m_cancel_signal;
}

void
SignalWatcher::set_cancel_hook(std::function<void()> hook)
{
  std::unique_lock lock(m_mutex);
  m_cancel_hook = std::move(hook);
  if (m_cancel_signal != 0 && m_cancel_hook) {
    auto run_now = m_cancel_hook;
    lock.unlock();
    run_now();
  }
}

namespace {

// Never destroyed: the watcher thread lives as long as the process.
SignalWatcher* g_watcher = nullptr;
std::once_flag g_watcher_once;

} // namespace

SignalWatcher&
SignalWatcher::instance()
{
  std::call_once(g_watcher_once, [] { g_watcher = new SignalWatcher; });
  return *g_watcher;
}

bool
SignalWatcher::pause_instance()
{
  // Only a watcher that exists has a thread: do not start one to stop it.
  bool paused = false;
  if (g_watcher && g_watcher->m_thread.joinable()) {
    g_watcher->stop_thread();
    paused = true;
  }
  return paused;
}

void
SignalWatcher::resume_instance()
{
  if (g_watcher && !g_watcher->m_thread.joinable()) {
    g_watcher->m_thread = std::thread([watcher = g_watcher] { watcher->run(); });
  }
}

void
SignalWatcher::restart_after_fork()
{
  std::call_once(g_watcher_once, [] {});
  g_watcher = new SignalWatcher;
}

void
SignalWatcher::run()
{
  const sigset_t set = blocked_signal_set();
  while (true) {
    siginfo_t info{};
    if (sigwaitinfo(&set, &info) < 0) {
      continue; // EINTR
    }
    std::unique_lock lock(m_mutex);
    // The wake-up from stop_thread() is a SIGURG (a signal PID 1 never acts
    // on); any other signal taken meanwhile is handled before stopping.
    if (m_stopping && info.si_signo == SIGURG) {
      return;
    }
    const bool is_cancel = info.si_signo == SIGTERM || info.si_signo == SIGINT || info.si_signo == SIGQUIT;
    if (is_cancel && m_cancel_signal == 0) {
      m_cancel_signal = info.si_signo;
    }
    auto handler = m_handler;
    auto hook = is_cancel ? m_cancel_hook : nullptr;
    lock.unlock();
    if (handler) {
      handler(info);
    }
    if (hook) {
      hook();
    }
  }
}

} // namespace rastar::util
