package dev.vigil.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Checks the raw bytes of every request head against RFC 9112 before Netty's decoder sees them.
 * Netty is lenient where a proxy must not be (it unfolds obs-fold, splits the request line on any
 * whitespace, trims header values, skips leading empty lines, accepts any version text and passes
 * control and non-ASCII bytes in the target), and what it normalizes away can no longer be seen
 * afterwards. This handler only reads: bytes pass through unchanged (one exception: an HTTP/1.x
 * minor version above 1 is rewritten to 1, RFC 9110 2.5).
 *
 * <p>It follows the message framing itself (Content-Length, chunked) so that every head on a
 * keep-alive or pipelined connection is checked, while body bytes are skipped without reading them.
 * A bad head is handed to Vert.x as a failed request (so answers stay in pipeline order and go
 * through {@code ProxyVerticle.invalidRequest}); a bad chunk frame closes the connection, since the
 * body is already streaming. One instance per connection, event-loop confined.
 */
final class StrictHead extends ChannelInboundHandlerAdapter {

  static final String NAME = "vigilStrictHead";
  /** Longer than every registered method (the longest has 17 characters); longer is an attack or garbage. */
  static final int MAX_METHOD = 32;

  /** A request head Vigil refuses, with the status it answers (400, 505). */
  static final class Violation extends RuntimeException {
    final int status;

    Violation(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }
  }

  private static final boolean[] TCHAR = new boolean[256];

  static {
    for (int c = '0'; c <= '9'; c++) {
      TCHAR[c] = true;
    }
    for (int c = 'a'; c <= 'z'; c++) {
      TCHAR[c] = true;
      TCHAR[c - 32] = true;
    }
    for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
      TCHAR[c] = true;
    }
  }

  private static final int REQUEST_START = 0, LEADING_LF = 1, METHOD = 2, TARGET_START = 3, TARGET = 4,
      VERSION_START = 5, VERSION = 6, LINE_LF = 7, FIELD_START = 8, NAME_STATE = 9, VALUE_START = 10, VALUE = 11,
      FIELD_LF = 12, HEAD_LF = 13, BODY = 14, CHUNK_SIZE = 15, CHUNK_EXT = 16, CHUNK_SIZE_LF = 17,
      CHUNK_DATA = 18, CHUNK_DATA_CR = 19, CHUNK_DATA_LF = 20, TRAILER_START = 21, TRAILER = 22, TRAILER_LF = 23,
      LAST_LF = 24, FAILED = 25;

  private static final int NONE = 0, HOST = 1, CONTENT_LENGTH = 2, TRANSFER_ENCODING = 4;
  private static final byte[] HOST_NAME = {'h', 'o', 's', 't'};
  private static final byte[] CL_NAME = "content-length".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final byte[] TE_NAME = "transfer-encoding".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final byte[] CHUNKED = "chunked".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private final boolean lenient;
  private int state = REQUEST_START;

  // Request line.
  private int methodLength;
  private int targetLength;
  private boolean inQuery;
  private int percentZeros; // 1 after '%', 2 after "%0"
  private long version; // up to 8 bytes of the version token
  private int versionLength;
  private int versionMinorIndex; // buffer index of the minor digit while it is in the current buffer, else -1
  private boolean http11;

  // Header fields.
  private boolean firstField;
  private int nameLength;
  private int candidates; // which tracked names the name read so far can still be
  private int field; // the tracked name of the current field line, or NONE
  private int lastField;
  private int whitespace; // OWS before the value
  private boolean tabBeforeValue;
  private int valueLength;
  private boolean trailingSpace;
  private int hosts;
  private int contentLengths;
  private int transferEncodings;
  private long contentLength;
  private boolean chunked;
  private boolean hostBracket;
  private boolean hostPort;

  // Body.
  private long remaining;
  private int chunkDigits;
  private boolean chunkSpace;

  private StrictHead(boolean lenient) {
    this.lenient = lenient;
  }

  /** Installs the check right before the HTTP decoder of an HTTP/1.x server connection. */
  static boolean install(HttpConnection connection, boolean lenient) {
    if (!(connection instanceof ConnectionBase base)) {
      return false;
    }
    ChannelPipeline pipeline = base.channel().pipeline();
    if (pipeline.get("httpDecoder") == null) {
      return false;
    }
    pipeline.addBefore("httpDecoder", NAME, new StrictHead(lenient));
    return true;
  }

  /** Removes the check once the connection became a tunnel (after a 101): its bytes are no longer HTTP. */
  static void uninstall(HttpConnection connection) {
    if (connection instanceof ConnectionBase base && base.channel().pipeline().get(NAME) != null) {
      base.channel().pipeline().remove(NAME);
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf buf)) {
      ctx.fireChannelRead(msg);
      return;
    }
    if (state == FAILED) {
      buf.release();
      return;
    }
    int from = buf.readerIndex();
    int end = buf.writerIndex();
    int headStart = state == REQUEST_START ? from : -1;
    versionMinorIndex = -1;
    int i = from;
    try {
      while (i < end) {
        if (state == BODY || state == CHUNK_DATA) {
          int skip = (int) Math.min(remaining, end - i);
          i += skip;
          remaining -= skip;
          if (remaining == 0) {
            state = state == BODY ? REQUEST_START : CHUNK_DATA_CR;
          }
          continue;
        }
        if (state == REQUEST_START) {
          headStart = i;
        }
        step(buf, i, buf.getByte(i) & 0xff);
        i++;
      }
    } catch (Violation v) {
      state = FAILED;
      if (v.status == 0) { // broken chunk framing: the head went to the app already, only a close is safe
        buf.release();
        ctx.close();
        return;
      }
      int before = (headStart < 0 ? from : headStart) - from;
      if (before > 0) {
        ctx.fireChannelRead(buf.retainedSlice(from, before));
      }
      buf.release();
      refuse(ctx, v);
      return;
    }
    ctx.fireChannelRead(buf);
  }

  /** Hands the refusal to Vert.x as a request whose decoding failed, right where the decoder's output goes. */
  private static void refuse(ChannelHandlerContext ctx, Violation v) {
    DefaultFullHttpRequest failed = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/bad-request",
        Unpooled.EMPTY_BUFFER);
    failed.setDecoderResult(DecoderResult.failure(v));
    ChannelHandlerContext decoder = ctx.pipeline().context("httpDecoder");
    (decoder != null ? decoder : ctx).fireChannelRead(failed);
  }

  private static Violation bad(String message) {
    return new Violation(400, message);
  }

  private void step(ByteBuf buf, int index, int b) {
    switch (state) {
      case REQUEST_START -> {
        if (b == '\r' || b == '\n') {
          if (!lenient) {
            throw bad("empty line before the request line (RFC 9112 2.2)");
          }
          if (b == '\r') {
            state = LEADING_LF;
          }
          return;
        }
        resetRequest();
        methodByte(b);
      }
      case LEADING_LF -> {
        if (b != '\n') {
          throw bad("CR without LF before the request line");
        }
        state = REQUEST_START;
      }
      case METHOD -> {
        if (b == ' ' || (b == '\t' && lenient)) {
          state = TARGET_START;
        } else if (b == '\t') {
          throw bad("request line must separate its parts with single spaces (RFC 9112 3)");
        } else {
          methodByte(b);
        }
      }
      case TARGET_START -> {
        if (b == ' ' || b == '\t') {
          if (!lenient) {
            throw bad("request line must separate its parts with single spaces (RFC 9112 3)");
          }
          return;
        }
        state = TARGET;
        targetByte(b);
      }
      case TARGET -> {
        if (b == ' ' || (b == '\t' && lenient)) {
          state = VERSION_START;
        } else if (b == '\t') {
          throw bad("request line must separate its parts with single spaces (RFC 9112 3)");
        } else {
          targetByte(b);
        }
      }
      case VERSION_START -> {
        if (b == ' ' || b == '\t') {
          if (!lenient) {
            throw bad("request line must separate its parts with single spaces (RFC 9112 3)");
          }
          return;
        }
        state = VERSION;
        versionByte(buf, index, b);
      }
      case VERSION -> {
        if (b == '\r') {
          checkVersion(buf);
          state = LINE_LF;
        } else {
          versionByte(buf, index, b);
        }
      }
      case LINE_LF -> {
        expectLf(b);
        state = FIELD_START;
      }
      case FIELD_START -> fieldStart(b);
      case NAME_STATE -> nameByte(b);
      case VALUE_START -> {
        if (b == ' ' || b == '\t') {
          whitespace++;
          tabBeforeValue |= b == '\t';
          return;
        }
        if ((field & (CONTENT_LENGTH | TRANSFER_ENCODING)) != 0 && !lenient && (whitespace > 1 || tabBeforeValue)) {
          throw bad("whitespace before the value of a framing header (RFC 9112 6)");
        }
        state = VALUE;
        valueByte(b);
      }
      case VALUE -> valueByte(b);
      case FIELD_LF -> {
        expectLf(b);
        endField();
        state = FIELD_START;
      }
      case HEAD_LF -> {
        expectLf(b);
        endHead();
      }
      case CHUNK_SIZE -> chunkSizeByte(b);
      case CHUNK_EXT -> {
        if (b == '\r') {
          state = CHUNK_SIZE_LF;
        } else if (b < 0x20 && b != '\t' || b == 0x7f) {
          throw new Violation(0, "control byte in a chunk extension");
        }
      }
      case CHUNK_SIZE_LF -> {
        if (b != '\n') {
          throw new Violation(0, "chunk size line not ended by CRLF");
        }
        state = remaining == 0 ? TRAILER_START : CHUNK_DATA;
      }
      case CHUNK_DATA_CR -> {
        if (b != '\r') {
          throw new Violation(0, "chunk data not followed by CRLF");
        }
        state = CHUNK_DATA_LF;
      }
      case CHUNK_DATA_LF -> {
        if (b != '\n') {
          throw new Violation(0, "chunk data not followed by CRLF");
        }
        startChunk();
      }
      case TRAILER_START -> {
        if (b == '\r') {
          state = LAST_LF;
        } else if (TCHAR[b]) {
          state = TRAILER;
        } else {
          throw new Violation(0, "malformed trailer field");
        }
      }
      case TRAILER -> {
        if (b == '\r') {
          state = TRAILER_LF;
        } else if (b < 0x20 && b != '\t' || b == 0x7f) {
          throw new Violation(0, "control byte in a trailer field");
        }
      }
      case TRAILER_LF, LAST_LF -> {
        if (b != '\n') {
          throw new Violation(0, "trailer line not ended by CRLF");
        }
        state = state == LAST_LF ? REQUEST_START : TRAILER_START;
      }
      default -> throw new IllegalStateException("state " + state);
    }
  }

  private void resetRequest() {
    methodLength = 0;
    targetLength = 0;
    inQuery = false;
    percentZeros = 0;
    version = 0;
    versionLength = 0;
    http11 = false;
    firstField = true;
    lastField = NONE;
    hosts = 0;
    contentLengths = 0;
    transferEncodings = 0;
    contentLength = 0;
    chunked = false;
    state = METHOD;
  }

  private void methodByte(int b) {
    if (!TCHAR[b]) {
      throw bad("invalid byte in the request method");
    }
    if (++methodLength > MAX_METHOD) {
      throw bad("request method longer than " + MAX_METHOD + " bytes");
    }
  }

  private void targetByte(int b) {
    if (b <= 0x20 || b == 0x7f) {
      throw bad(b == '\r' || b == '\n' ? "request line without an HTTP version" : "control byte in the request target");
    }
    if (b >= 0x80) {
      throw bad("non-ASCII byte in the request target (RFC 3986: percent-encode it)");
    }
    if (b == '#') {
      throw bad("fragment in the request target (RFC 9112 3.2)");
    }
    targetLength++;
    if (inQuery) {
      return;
    }
    if (b == '?') {
      inQuery = true;
    } else if (b == '%') {
      percentZeros = 1;
    } else if (b == '0' && percentZeros > 0) {
      if (++percentZeros == 3) {
        throw bad("%00 in the request path");
      }
    } else {
      percentZeros = 0;
    }
  }

  private void versionByte(ByteBuf buf, int index, int b) {
    if (++versionLength > 8) {
      throw bad("malformed HTTP version (RFC 9112 2.3)");
    }
    version = version << 8 | b;
    if (versionLength == 8) {
      versionMinorIndex = index;
    }
  }

  /** HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive (RFC 9112 2.3). */
  private void checkVersion(ByteBuf buf) {
    // "HTTP/" then a digit, '.', a digit: compare the 5-byte prefix and the dot at once.
    if (versionLength != 8 || (version & 0xffffffffff00ff00L) != 0x485454502f002e00L) {
      throw bad("malformed HTTP version (RFC 9112 2.3)");
    }
    int major = (int) (version >> 16 & 0xff) - '0';
    int minor = (int) (version & 0xff) - '0';
    if (major < 0 || major > 9 || minor < 0 || minor > 9) {
      throw bad("malformed HTTP version (RFC 9112 2.3)");
    }
    if (major != 1) {
      throw new Violation(505, "HTTP/" + major + "." + minor + " is not supported: Vigil speaks HTTP/1.1");
    }
    if (minor > 1) {
      // RFC 9110 2.5: a higher minor version is processed as the highest one implemented.
      if (versionMinorIndex < 0 || buf.isReadOnly()) {
        throw new Violation(505, "HTTP/1." + minor + " is not supported: Vigil speaks HTTP/1.1");
      }
      buf.setByte(versionMinorIndex, '1');
      minor = 1;
    }
    http11 = minor == 1;
  }

  private void expectLf(int b) {
    if (b != '\n') {
      throw bad("CR not followed by LF (RFC 9112 2.2)");
    }
  }

  private void fieldStart(int b) {
    if (b == '\r') {
      state = HEAD_LF;
      return;
    }
    if (b == ' ' || b == '\t') {
      // obs-fold (RFC 9112 5.2); before the first field it is whitespace after the start line (2.2).
      if (!lenient || firstField || lastField != NONE) {
        throw bad(firstField ? "whitespace before the first header field (RFC 9112 2.2)"
            : "obsolete line folding (RFC 9112 5.2)");
      }
      field = NONE;
      state = VALUE;
      return;
    }
    if (!TCHAR[b]) {
      throw bad(b == '\n' ? "bare LF in the request head (RFC 9112 2.2)" : "invalid byte in a header name");
    }
    firstField = false;
    nameLength = 0;
    candidates = HOST | CONTENT_LENGTH | TRANSFER_ENCODING;
    state = NAME_STATE;
    nameByte(b);
  }

  private void nameByte(int b) {
    if (b == ':') {
      if (nameLength == 0) {
        throw bad("empty header name");
      }
      field = candidates == HOST && nameLength == HOST_NAME.length ? HOST
          : candidates == CONTENT_LENGTH && nameLength == CL_NAME.length ? CONTENT_LENGTH
          : candidates == TRANSFER_ENCODING && nameLength == TE_NAME.length ? TRANSFER_ENCODING : NONE;
      startValue();
      return;
    }
    if (!TCHAR[b]) {
      throw bad(b == ' ' || b == '\t' ? "whitespace between a header name and the colon (RFC 9112 5.1)"
          : "invalid byte in a header name");
    }
    int lower = b | 0x20;
    int n = nameLength++;
    if ((candidates & HOST) != 0 && (n >= HOST_NAME.length || HOST_NAME[n] != lower)) {
      candidates &= ~HOST;
    }
    if ((candidates & CONTENT_LENGTH) != 0 && (n >= CL_NAME.length || CL_NAME[n] != lower)) {
      candidates &= ~CONTENT_LENGTH;
    }
    if ((candidates & TRANSFER_ENCODING) != 0 && (n >= TE_NAME.length || TE_NAME[n] != lower)) {
      candidates &= ~TRANSFER_ENCODING;
    }
  }

  private void startValue() {
    whitespace = 0;
    tabBeforeValue = false;
    valueLength = 0;
    trailingSpace = false;
    hostBracket = false;
    hostPort = false;
    switch (field) {
      case HOST -> {
        if (++hosts > 1) {
          throw bad("more than one Host header (RFC 9112 3.2)");
        }
      }
      case CONTENT_LENGTH -> {
        if (++contentLengths > 1) {
          throw bad("more than one Content-Length header (RFC 9112 6.3)");
        }
      }
      case TRANSFER_ENCODING -> {
        if (++transferEncodings > 1) {
          throw bad("more than one Transfer-Encoding header");
        }
      }
      default -> {
      }
    }
    state = VALUE_START;
  }

  private void valueByte(int b) {
    if (b == '\r') {
      state = FIELD_LF;
      return;
    }
    if (b < 0x20 && b != '\t' || b == 0x7f) {
      throw bad(b == '\n' ? "bare LF in the request head (RFC 9112 2.2)" : "control byte in a header value (RFC 9110 5.5)");
    }
    if (field == NONE) {
      return;
    }
    if (b == ' ' || b == '\t') {
      trailingSpace = true;
      return;
    }
    if (trailingSpace) {
      throw bad(field == HOST ? "invalid Host header (RFC 9110 7.2)"
          : field == CONTENT_LENGTH ? "invalid Content-Length" : "unsupported Transfer-Encoding (only chunked)");
    }
    int n = valueLength++;
    switch (field) {
      case HOST -> hostByte(b, n);
      case CONTENT_LENGTH -> {
        if (b < '0' || b > '9' || contentLength > (Long.MAX_VALUE - 9) / 10) {
          throw bad("invalid Content-Length");
        }
        contentLength = contentLength * 10 + (b - '0');
      }
      default -> {
        if (n >= CHUNKED.length || (b | 0x20) != CHUNKED[n]) {
          throw bad("unsupported Transfer-Encoding (only chunked)");
        }
      }
    }
  }

  /** Host = uri-host [ ":" port ]: a reg-name, IPv4 or bracketed IPv6 literal; no userinfo, path or list. */
  private void hostByte(int b, int n) {
    boolean ok;
    if (hostPort) {
      ok = b >= '0' && b <= '9';
    } else if (hostBracket) {
      ok = b == ']' || b == ':' || b == '.' || Character.digit(b, 16) >= 0;
      hostBracket = b != ']';
    } else if (b == '[') {
      ok = n == 0;
      hostBracket = true;
    } else if (b == ':') {
      ok = n > 0;
      hostPort = true;
    } else {
      ok = b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '.' || b == '_'
          || b == '~' || b == '%';
    }
    if (!ok) {
      throw bad("invalid Host header (RFC 9110 7.2)");
    }
  }

  private void endField() {
    if (field != NONE && valueLength == 0) {
      throw bad(field == HOST ? "empty Host header (RFC 9110 7.2)" : field == CONTENT_LENGTH ? "invalid Content-Length"
          : "unsupported Transfer-Encoding (only chunked)");
    }
    if (field == HOST && hostBracket) {
      throw bad("invalid Host header (RFC 9110 7.2)");
    }
    if (field == TRANSFER_ENCODING) {
      if (valueLength != CHUNKED.length) {
        throw bad("unsupported Transfer-Encoding (only chunked)");
      }
      chunked = true;
    }
    lastField = field;
  }

  private void endHead() {
    if (http11 && hosts == 0) {
      throw bad("HTTP/1.1 request without a Host header (RFC 9112 3.2)");
    }
    if (chunked && contentLengths > 0) {
      throw bad("both Content-Length and Transfer-Encoding (RFC 9112 6.1)");
    }
    if (chunked && !http11) {
      throw bad("Transfer-Encoding in an HTTP/1.0 request (RFC 9112 6.1)");
    }
    if (chunked) {
      startChunk();
    } else if (contentLength > 0) {
      remaining = contentLength;
      state = BODY;
    } else {
      state = REQUEST_START;
    }
  }

  private void startChunk() {
    chunkDigits = 0;
    chunkSpace = false;
    remaining = 0;
    state = CHUNK_SIZE;
  }

  private void chunkSizeByte(int b) {
    if (b == '\r' || b == ';') {
      if (chunkDigits == 0) {
        throw new Violation(0, "missing chunk size");
      }
      state = b == '\r' ? CHUNK_SIZE_LF : CHUNK_EXT;
      return;
    }
    if (b == ' ' || b == '\t') {
      chunkSpace = chunkDigits > 0; // BWS before a chunk extension
      if (!chunkSpace) {
        throw new Violation(0, "whitespace before a chunk size");
      }
      return;
    }
    int digit = Character.digit(b, 16);
    if (digit < 0 || chunkSpace || ++chunkDigits > 15) {
      throw new Violation(0, "malformed chunk size");
    }
    remaining = remaining << 4 | digit;
  }
}
