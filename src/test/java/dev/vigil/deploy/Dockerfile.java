package dev.vigil.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Just enough of a Dockerfile parser for structural tests without a Docker engine: joins
 * continuation lines, drops comments, and splits instructions into build stages.
 */
final class Dockerfile {

  /** One instruction, e.g. keyword {@code USER} with arguments {@code 10001:10001}. */
  record Instruction(String keyword, String arguments) {}

  /** Instructions from one {@code FROM} up to the next. */
  record Stage(String from, String name, List<Instruction> instructions) {

    List<Instruction> all(String keyword) {
      return instructions.stream().filter(i -> i.keyword().equals(keyword)).collect(Collectors.toList());
    }

    /** The last instruction with this keyword: the one that wins for USER, ENTRYPOINT and CMD. */
    Optional<Instruction> last(String keyword) {
      List<Instruction> found = all(keyword);
      return found.isEmpty() ? Optional.empty() : Optional.of(found.get(found.size() - 1));
    }
  }

  private final List<Stage> stages;

  private Dockerfile(List<Stage> stages) {
    this.stages = stages;
  }

  static Dockerfile parse(Path file) throws IOException {
    List<Stage> stages = new ArrayList<>();
    List<Instruction> current = null;
    for (String logical : logicalLines(Files.readAllLines(file, StandardCharsets.UTF_8))) {
      String[] parts = logical.trim().split("\\s+", 2);
      Instruction instruction = new Instruction(parts[0].toUpperCase(Locale.ROOT), parts.length > 1 ? parts[1] : "");
      if (instruction.keyword().equals("FROM")) {
        String[] from = instruction.arguments().split("\\s+");
        current = new ArrayList<>();
        String name = from.length >= 3 && from[from.length - 2].equalsIgnoreCase("AS") ? from[from.length - 1] : "";
        stages.add(new Stage(from[0], name, current));
      } else if (current != null) {
        current.add(instruction);
      }
    }
    return new Dockerfile(stages);
  }

  List<Stage> stages() {
    return stages;
  }

  /** The final stage: the image that is shipped. */
  Stage runtime() {
    return stages.get(stages.size() - 1);
  }

  private static List<String> logicalLines(List<String> physical) {
    List<String> logical = new ArrayList<>();
    StringBuilder pending = new StringBuilder();
    for (String line : physical) {
      String trimmed = line.trim();
      if (trimmed.startsWith("#") || (trimmed.isEmpty() && pending.length() == 0)) {
        continue; // comments (and parser directives) may sit inside a continued instruction too
      }
      if (trimmed.endsWith("\\")) {
        pending.append(trimmed, 0, trimmed.length() - 1).append(' ');
        continue;
      }
      pending.append(trimmed);
      if (pending.length() > 0) {
        logical.add(pending.toString());
      }
      pending.setLength(0);
    }
    return logical;
  }
}
