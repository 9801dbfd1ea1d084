package io.sbc.loadtests;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Dockerfile read into its instructions (continuation lines joined, comments dropped), and a lint
 * of our own after hadolint's rules (hadolint is neither a Debian package nor reachable here): each
 * finding names the hadolint rule it follows.
 */
record Dockerfile(List<Instruction> instructions) {
  /** One instruction: its keyword (upper case), its arguments as written, the build stage it belongs to. */
  record Instruction(String keyword, String args, int stage, int line) {
    /** The JSON exec form's words, or null for the shell form. */
    List<String> execForm() {
      String a = args.trim();
      if (keyword.equals("HEALTHCHECK")) {
        int cmd = a.indexOf("CMD");
        a = cmd < 0 ? "" : a.substring(cmd + 3).trim();
      }
      if (!a.startsWith("[") || !a.endsWith("]")) {
        return null;
      }
      List<String> words = new ArrayList<>();
      Matcher m = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(a);
      while (m.find()) {
        words.add(m.group(1));
      }
      return words;
    }
  }

  private static final Set<String> KEYWORDS = Set.of("FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY",
      "ENTRYPOINT", "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL", "MAINTAINER");

  static Dockerfile parse(String text) {
    List<Instruction> out = new ArrayList<>();
    String[] lines = text.split("\n", -1);
    int stage = -1;
    StringBuilder current = null;
    int start = 0;
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (current == null && (line.isEmpty() || line.startsWith("#"))) {
        continue;
      }
      if (current != null && line.startsWith("#")) {
        continue; // a comment inside a continued instruction
      }
      boolean continued = line.endsWith("\\");
      String part = continued ? line.substring(0, line.length() - 1) : line;
      if (current == null) {
        current = new StringBuilder(part);
        start = i + 1;
      } else {
        current.append(' ').append(part.strip());
      }
      if (!continued) {
        String whole = current.toString().strip();
        int space = whole.indexOf(' ');
        String keyword = (space < 0 ? whole : whole.substring(0, space)).toUpperCase(Locale.ROOT);
        String args = space < 0 ? "" : whole.substring(space + 1).strip();
        if (keyword.equals("FROM")) {
          stage++;
        }
        out.add(new Instruction(keyword, args, stage, start));
        current = null;
      }
    }
    return new Dockerfile(out);
  }

  List<Instruction> all(String keyword) {
    return instructions.stream().filter(i -> i.keyword().equals(keyword)).toList();
  }

  /** The instructions of the last (runtime) stage. */
  List<Instruction> finalStage(String keyword) {
    int last = instructions.stream().mapToInt(Instruction::stage).max().orElse(-1);
    return instructions.stream().filter(i -> i.stage() == last && i.keyword().equals(keyword)).toList();
  }

  /** The findings of the lint, empty when the file is clean. */
  List<String> lint() {
    List<String> findings = new ArrayList<>();
    Set<String> stages = new HashSet<>();
    boolean pipefail = false;
    for (Instruction i : instructions) {
      String where = "line " + i.line() + " " + i.keyword() + ": ";
      String args = i.args();
      if (!KEYWORDS.contains(i.keyword())) {
        findings.add(where + "unknown instruction");
      }
      switch (i.keyword()) {
        case "FROM" -> {
          String[] words = args.split("\\s+");
          String image = words[0].startsWith("--platform") && words.length > 1 ? words[1] : words[0];
          if (!image.contains("@") && !image.contains(":") && !stages.contains(image)) {
            findings.add(where + "DL3006 image without a tag: " + image);
          }
          if (image.endsWith(":latest")) {
            findings.add(where + "DL3007 image tagged latest: " + image);
          }
          Matcher as = Pattern.compile("(?i)\\s+AS\\s+(\\S+)").matcher(args);
          if (as.find()) {
            stages.add(as.group(1));
          }
          pipefail = false;
        }
        case "COPY" -> {
          Matcher from = Pattern.compile("--from=(\\S+)").matcher(args);
          if (from.find() && !stages.contains(from.group(1)) && !from.group(1).contains(":")) {
            findings.add(where + "DL3022 --from names no earlier stage: " + from.group(1));
          }
        }
        case "ADD" -> {
          if (!args.matches("(?s).*(https?://|\\.tar|\\.tgz).*")) {
            findings.add(where + "DL3020 ADD of local files: use COPY");
          }
        }
        case "WORKDIR" -> {
          if (!args.startsWith("/") && !args.startsWith("$")) {
            findings.add(where + "DL3000 relative WORKDIR: " + args);
          }
        }
        case "RUN" -> {
          if (args.matches("(?s).*\\bsudo\\b.*")) {
            findings.add(where + "DL3004 sudo");
          }
          if (args.matches("(?s)(.*[;&|]\\s*)?cd\\s.*")) {
            findings.add(where + "DL3003 cd in RUN: use WORKDIR");
          }
          if (args.contains("apt-get upgrade") || args.contains("apt-get dist-upgrade")) {
            findings.add(where + "DL3005 apt-get upgrade");
          }
          if (args.contains("apt-get install")) {
            if (!args.matches("(?s).*apt-get install[^&;|]*\\s(-y|--yes|-qq)\\b.*")) {
              findings.add(where + "DL3014 apt-get install without -y");
            }
            if (!args.contains("--no-install-recommends")) {
              findings.add(where + "DL3015 apt-get install without --no-install-recommends");
            }
            if (!args.contains("rm -rf /var/lib/apt/lists")) {
              findings.add(where + "DL3009 apt lists left in the layer");
            }
          }
          if (args.matches("(?s).*[^|]\\|[^|].*") && !pipefail) {
            findings.add(where + "DL4006 a pipe without SHELL [... -o pipefail ...]");
          }
        }
        case "SHELL" -> pipefail = args.contains("pipefail");
        case "CMD", "ENTRYPOINT", "HEALTHCHECK" -> {
          if (!(i.keyword().equals("HEALTHCHECK") && args.equals("NONE")) && i.execForm() == null) {
            findings.add(where + "DL3025 not in JSON exec form");
          }
        }
        case "EXPOSE" -> {
          for (String p : args.split("\\s+")) {
            String port = p.split("/")[0];
            if (!port.matches("\\d+") || Integer.parseInt(port) > 65535) {
              findings.add(where + "DL3011 not a port: " + p);
            }
          }
        }
        case "MAINTAINER" -> findings.add(where + "DL4000 MAINTAINER is deprecated");
        default -> { }
      }
    }
    int stageCount = instructions.stream().mapToInt(Instruction::stage).max().orElse(-1) + 1;
    for (int s = 0; s < stageCount; s++) {
      for (String once : List.of("CMD", "ENTRYPOINT", "HEALTHCHECK")) {
        int stage = s;
        if (instructions.stream().filter(i -> i.stage() == stage && i.keyword().equals(once)).count() > 1) {
          findings.add("stage " + s + ": DL4003/DL4004 more than one " + once);
        }
      }
    }
    List<Instruction> users = finalStage("USER");
    String user = users.isEmpty() ? "root" : users.get(users.size() - 1).args().split(":")[0];
    if (user.equals("root") || user.equals("0")) {
      findings.add("DL3002 the image runs as root (last USER of the final stage: " + user + ")");
    }
    return findings;
  }
}
