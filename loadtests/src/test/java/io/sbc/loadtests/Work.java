package io.sbc.loadtests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The folder integration tests write logs and data into (under target/, kept for debugging). */
final class Work {
  private Work() {}

  static Path dir() throws IOException {
    return Files.createDirectories(Path.of(System.getProperty("sbc.work", "target/it-work")));
  }

  static Path scenario(String name) {
    Path p = Path.of(System.getProperty("sbc.scenarios", "scenarios")).resolve(name);
    if (!Files.isRegularFile(p)) {
      throw new IllegalStateException("scenario " + p.toAbsolutePath() + " missing");
    }
    return p;
  }
}
