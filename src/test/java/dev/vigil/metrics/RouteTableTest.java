package dev.vigil.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RouteTableTest {

  private final RouteTable table = new RouteTable(100, List.of("/users/{name}/avatar", "/static/**"));

  @ParameterizedTest
  @CsvSource({
      "/,/",
      "/api/items,/api/items",
      "/api/items/42,/api/items/{id}",
      "/api/items/42/,/api/items/{id}/",
      "/api/items/42?x=1,/api/items/{id}",
      "/orders/550e8400-e29b-41d4-a716-446655440000/lines,/orders/{id}/lines",
      "/commits/9fceb02d0ae598e95dc970b74767f19372d61af8,/commits/{id}",
      "/blobs/deadbeef42,/blobs/{id}",
      "/words/deadbeef,/words/deadbeef",
      "/words/abcdefgh,/words/abcdefgh",
      "/t/eyJhbGciOiJIUzI1NiJ9abc123,/t/{id}",
      "/a/1/b/2,/a/{id}/b/{id}",
      "/users/alice/avatar,/users/{name}/avatar",
      "/static/js/app.1234.js,/static/**",
      "/health,/health",
  })
  void normalizes(String path, String route) {
    assertEquals(route, table.normalize(path));
  }

  @Test
  void boundedLabelsAndOtherBeyondTheBound() {
    RouteTable small = new RouteTable(3, List.of());
    assertEquals(1, small.idOf("/a"));
    assertEquals(2, small.idOf("/b"));
    assertEquals(3, small.idOf("/c"));
    assertEquals(RouteTable.OTHER, small.idOf("/d"));
    assertEquals(1, small.idOf("/a"));
    assertEquals(RouteTable.OTHER, small.idOf("/b/"), "a new route beyond the bound is other");
    assertEquals(4, small.size());
    assertEquals("other", small.label(RouteTable.OTHER));
  }

  @Test
  void patternsMustStartWithSlash() {
    assertThrows(IllegalArgumentException.class, () -> new RouteTable(10, List.of("users/{id}")));
  }
}
