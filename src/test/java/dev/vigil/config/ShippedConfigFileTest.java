package dev.vigil.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** config/vigil.yaml documents every key with its default: it must load to exactly the built-in defaults. */
class ShippedConfigFileTest {

  private static final Path FILE = Path.of("config", "vigil.yaml");

  @Test
  void shippedFileEqualsBuiltInDefaults() {
    List<String> warnings = new ArrayList<>();
    VigilConfig fromFile = ConfigLoader.load(FILE, Map.of(), Map.of("app.instance", "x"), warnings::add);
    VigilConfig defaults = ConfigLoader.load(null, Map.of(), Map.of("app.instance", "x"), warnings::add);
    assertEquals(defaults, fromFile);
    assertTrue(warnings.isEmpty(), warnings::toString);
  }

  @Test
  void shippedFileNamesEveryKey() throws Exception {
    String text = Files.readString(FILE);
    for (String key : ConfigLoader.keys()) {
      String leaf = key.substring(key.lastIndexOf('.') + 1);
      assertTrue(text.contains(leaf + ":"), "config/vigil.yaml does not document " + key);
    }
  }
}
