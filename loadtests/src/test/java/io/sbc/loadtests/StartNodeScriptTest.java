package io.sbc.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/start-node.sh as the image runs it: the jar from SBC_NODE_JAR, secrets from SBC_<NAME>_FILE.
 * A stand-in {@code java} first on the PATH shows what the JVM would get (the real start-up is DeployIT's).
 */
class StartNodeScriptTest {
  private record Run(int exit, String out) {}

  private static Run run(Path dir, Map<String, String> env) throws Exception {
    Path fakeJava = dir.resolve("bin/java");
    Files.createDirectories(fakeJava.getParent());
    Files.writeString(fakeJava, "#!/usr/bin/env bash\necho \"args: $*\"\necho \"token: [$SBC_ADMIN_TOKEN]\"\n"
        + "echo \"password: [$SBC_JDBC_PASSWORD]\"\necho \"file var: [${SBC_ADMIN_TOKEN_FILE:-unset}]\"\n"
        + "echo \"data: [$SBC_DATA_DIR]\"\n");
    Files.setPosixFilePermissions(fakeJava, PosixFilePermissions.fromString("rwx------"));
    ProcessBuilder pb = new ProcessBuilder("bash", DeployFiles.deploy("start-node.sh").toString())
        .redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("SBC_"));
    pb.environment().put("PATH", fakeJava.getParent() + ":" + System.getenv("PATH"));
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    return new Run(p.exitValue(), out);
  }

  @Test
  void secretsComeFromTheirFilesAndTheJarFromSbcNodeJar(@TempDir Path dir) throws Exception {
    Path jar = Files.writeString(dir.resolve("node.jar"), "");
    Path token = Files.writeString(dir.resolve("admin_token"), "s3cret token\n");
    Path password = Files.writeString(dir.resolve("db_password"), "pw");
    Run r = run(dir, Map.of("SBC_NODE_JAR", jar.toString(), "SBC_ADMIN_TOKEN_FILE", token.toString(),
        "SBC_JDBC_PASSWORD_FILE", password.toString(), "SBC_JAVA_OPTS", "-XX:MaxRAMPercentage=70",
        "SBC_DATA_DIR", dir.toString()));
    assertEquals(0, r.exit(), r.out());
    assertTrue(r.out().contains("token: [s3cret token]"), "the file's content without its newline: " + r.out());
    assertTrue(r.out().contains("password: [pw]"), r.out());
    assertTrue(r.out().contains("file var: [unset]"), r.out());
    assertTrue(r.out().contains("args: -XX:MaxRAMPercentage=70 --add-opens java.base/java.nio=ALL-UNNAMED"), r.out());
    assertTrue(r.out().contains("-jar " + jar), r.out());
    assertTrue(r.out().contains("data: [" + dir + "]"), r.out());
  }

  @Test
  void theVariablesTheNodeReadsAreFoundInItsSources() throws Exception {
    java.util.Set<String> reads = DeployFiles.nodeReads();
    for (String name : List.of("SBC_SIP_PORT", "SBC_CLUSTER_BOOTSTRAP", "SBC_BOOTSTRAP_CONTACT_POINTS", "SBC_LOG_LEVEL",
        "SBC_NODE_JAR", "SBC_JAVA_OPTS", "SBC_PRESTOP_WAIT")) {
      assertTrue(reads.contains(name), name + " not in " + reads);
    }
    assertTrue(DeployFiles.nodeReads(reads, "SBC_ADMIN_TOKEN_FILE"));
    assertTrue(!DeployFiles.nodeReads(reads, "SBC_SIP_PROT") && !DeployFiles.nodeReads(reads, "SBC_NO_SUCH_FILE"));
  }

  @Test
  void aSecretGivenTwiceAnUnreadableFileOrAMissingJarStopsWithExit2(@TempDir Path dir) throws Exception {
    Path jar = Files.writeString(dir.resolve("node.jar"), "");
    Path token = Files.writeString(dir.resolve("admin_token"), "x");
    for (Map<String, String> env : List.of(
        Map.of("SBC_NODE_JAR", jar.toString(), "SBC_ADMIN_TOKEN", "y", "SBC_ADMIN_TOKEN_FILE", token.toString()),
        Map.of("SBC_NODE_JAR", jar.toString(), "SBC_CLUSTER_SECRET_FILE", dir.resolve("nope").toString()),
        Map.of("SBC_NODE_JAR", dir.resolve("nope.jar").toString()))) {
      Run r = run(dir, env);
      assertEquals(2, r.exit(), env + ": " + r.out());
      assertTrue(!r.out().contains("args:"), "java was not started: " + r.out());
    }
  }
}
