package io.sbc.loadtests;

/**
 * Stops a process a test started if the test JVM exits first (a run aborted by a timeout, Ctrl-C
 * or a crashed fork), so that no node, SIPp or PostgreSQL outlives it. Each started process has
 * one, registered as a JVM shutdown hook and removed when the test stops the process itself.
 */
final class ReapOnExit implements AutoCloseable {
  private final Thread hook;

  private ReapOnExit(String what, Runnable stop) {
    this.hook = new Thread(stop, "reap-" + what);
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /** Kills {@code process} and its descendants (by PID) at JVM exit. */
  static ReapOnExit kill(String what, ProcessHandle process) {
    return new ReapOnExit(what, () -> {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    });
  }

  /** Sends SIGTERM to {@code process} at JVM exit (PostgreSQL: shut down once its clients are gone). */
  static ReapOnExit terminate(String what, ProcessHandle process) {
    return new ReapOnExit(what, process::destroy);
  }

  @Override
  public void close() {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is already exiting: the hook runs anyway, harmlessly after our own stop
    }
  }
}
