package dev.vigil.memory;

/**
 * The memory endpoint could not be read or understood. The message is one plain sentence that
 * names the URL and what was expected, ready for the health {@code issues} list.
 */
public final class MemorySourceException extends RuntimeException {

  MemorySourceException(String sentence) {
    super(sentence, null, false, false);
  }
}
