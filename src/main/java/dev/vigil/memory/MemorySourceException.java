package dev.vigil.memory;

/**
 * The memory endpoint (or another {@link MemorySource}) could not be read or understood. The message is one plain sentence that
 * names the URL and what was expected, ready for the health {@code issues} list.
 */
public final class MemorySourceException extends RuntimeException {

  public MemorySourceException(String sentence) {
    super(sentence, null, false, false);
  }
}
