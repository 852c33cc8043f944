package dev.vigil.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.Yaml;

/** The documents of one `helm template` run, with typed look-ups for assertions. */
final class Manifests {

  private final List<Map<String, Object>> documents;

  private Manifests(List<Map<String, Object>> documents) {
    this.documents = documents;
  }

  @SuppressWarnings("unchecked")
  static Manifests parse(String rendered) {
    List<Map<String, Object>> documents = new ArrayList<>();
    for (Object document : new Yaml().loadAll(rendered)) {
      if (document instanceof Map) {
        documents.add((Map<String, Object>) document);
      }
    }
    return new Manifests(documents);
  }

  List<Map<String, Object>> ofKind(String kind) {
    return documents.stream().filter(d -> kind.equals(d.get("kind"))).collect(Collectors.toList());
  }

  /** The single document of a kind; fails when there is none or more than one. */
  Map<String, Object> one(String kind) {
    List<Map<String, Object>> found = ofKind(kind);
    assertEquals(1, found.size(), () -> "expected exactly one " + kind + " in " + kinds());
    return found.get(0);
  }

  List<String> kinds() {
    return documents.stream().map(d -> String.valueOf(d.get("kind"))).collect(Collectors.toList());
  }

  /** Follows a path of map keys and list indexes, e.g. at(doc, "spec", "template", "spec"). */
  @SuppressWarnings("unchecked")
  static <T> T at(Object root, Object... path) {
    Object current = root;
    for (Object step : path) {
      assertNotNull(current, () -> "missing parent before " + step + " in path " + List.of(path));
      current = step instanceof Integer
          ? ((List<Object>) current).get((Integer) step)
          : ((Map<String, Object>) current).get(step);
    }
    return (T) current;
  }

  /** Like {@link #at} but untyped, for assertEquals against literals. */
  static Object value(Object root, Object... path) {
    return at(root, path);
  }

  /** The element of a Kubernetes list (containers, ports, env) with the given name. */
  static Map<String, Object> named(List<Map<String, Object>> items, String name) {
    assertNotNull(items, () -> "no list to find " + name + " in");
    return items.stream()
        .filter(item -> name.equals(item.get("name")))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no item named " + name + " in " + items));
  }
}
