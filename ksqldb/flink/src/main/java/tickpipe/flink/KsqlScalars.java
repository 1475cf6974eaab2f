package tickpipe.flink;

import java.net.URI;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoField;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.annotation.InputGroup;
import org.apache.flink.table.functions.ScalarFunction;

/**
 * ksqlDB scalar functions that Flink has no built-in for, with ksqlDB's
 * semantics (its scalar-functions reference): INSTR with position and
 * occurrence, time zones and milliseconds in date/time parsing and
 * formatting, the JSON_* family, URL_EXTRACT_PORT and SPLIT_TO_MAP.
 * A NULL argument gives NULL, as in ksqlDB. The server registers each as
 * KSQL_&lt;name&gt; (see {@link #register}).
 */
public final class KsqlScalars {
  private static final ObjectMapper JSON = new ObjectMapper();

  private KsqlScalars() {}

  /** Registers every function of this class on `tEnv`. */
  static void register(org.apache.flink.table.api.TableEnvironment tEnv) {
    tEnv.createTemporarySystemFunction("KSQL_INSTR", Instr.class);
    tEnv.createTemporarySystemFunction("KSQL_STRINGTOTIMESTAMP", StringToTimestamp.class);
    tEnv.createTemporarySystemFunction("KSQL_PARSE_TIMESTAMP", ParseTimestamp.class);
    tEnv.createTemporarySystemFunction("KSQL_FORMAT_TIMESTAMP", FormatTimestamp.class);
    tEnv.createTemporarySystemFunction("KSQL_PARSE_DATE", ParseDate.class);
    tEnv.createTemporarySystemFunction("KSQL_FORMAT_DATE", FormatDate.class);
    tEnv.createTemporarySystemFunction("KSQL_PARSE_TIME", ParseTime.class);
    tEnv.createTemporarySystemFunction("KSQL_FORMAT_TIME", FormatTime.class);
    tEnv.createTemporarySystemFunction("KSQL_UNIX_TIMESTAMP", UnixTimestamp.class);
    tEnv.createTemporarySystemFunction("KSQL_DATETOSTRING", DateToString.class);
    tEnv.createTemporarySystemFunction("KSQL_EXTRACTJSONFIELD", ExtractJsonField.class);
    tEnv.createTemporarySystemFunction("KSQL_JSON_ARRAY_LENGTH", JsonArrayLength.class);
    tEnv.createTemporarySystemFunction("KSQL_JSON_KEYS", JsonKeys.class);
    tEnv.createTemporarySystemFunction("KSQL_IS_JSON_STRING", IsJsonString.class);
    tEnv.createTemporarySystemFunction("KSQL_JSON_ARRAY_CONTAINS", JsonArrayContains.class);
    tEnv.createTemporarySystemFunction("KSQL_URL_EXTRACT_PORT", UrlExtractPort.class);
    tEnv.createTemporarySystemFunction("KSQL_SPLIT_TO_MAP", SplitToMap.class);
  }

  /** INSTR(string, substring[, position[, occurrence]]): 1-based; a negative position searches backwards from the end. */
  public static final class Instr extends ScalarFunction {
    public Integer eval(String s, String sub) {
      return eval(s, sub, 1, 1);
    }

    public Integer eval(String s, String sub, Integer position) {
      return eval(s, sub, position, 1);
    }

    public Integer eval(String s, String sub, Integer position, Integer occurrence) {
      if (s == null || sub == null || position == null || occurrence == null) return null;
      if (occurrence < 1 || position == 0) return 0;
      int at = position > 0 ? position - 1 : s.length() + position;
      for (int seen = 0; ; ) {
        at = position > 0 ? s.indexOf(sub, at) : s.lastIndexOf(sub, at);
        if (at < 0) return 0;
        if (++seen == occurrence) return at + 1;
        at = position > 0 ? at + 1 : at - 1;
        if (at < 0) return 0;
      }
    }
  }

  private static ZoneId zone(String zone) {
    return zone == null ? ZoneOffset.UTC : ZoneId.of(zone);
  }

  /** Parses `s` as a local date-time in `zone` (a pattern without a time defaults to midnight). */
  private static Instant parseInstant(String s, String pattern, String zone) {
    TemporalAccessor parsed = DateTimeFormatter.ofPattern(pattern).withZone(zone(zone)).parse(s);
    LocalDate date = LocalDate.of(
        parsed.isSupported(ChronoField.YEAR) ? parsed.get(ChronoField.YEAR) : 1970,
        parsed.isSupported(ChronoField.MONTH_OF_YEAR) ? parsed.get(ChronoField.MONTH_OF_YEAR) : 1,
        parsed.isSupported(ChronoField.DAY_OF_MONTH) ? parsed.get(ChronoField.DAY_OF_MONTH) : 1);
    LocalTime time = parsed.isSupported(ChronoField.NANO_OF_DAY)
        ? LocalTime.ofNanoOfDay(parsed.getLong(ChronoField.NANO_OF_DAY))
        : LocalTime.MIDNIGHT;
    if (parsed.isSupported(ChronoField.INSTANT_SECONDS)) return Instant.from(parsed);
    return LocalDateTime.of(date, time).atZone(zone(zone)).toInstant();
  }

  /** STRINGTOTIMESTAMP(string, pattern[, zone]): epoch milliseconds, milliseconds kept; UTC by default. */
  public static final class StringToTimestamp extends ScalarFunction {
    public Long eval(String s, String pattern) {
      return eval(s, pattern, null);
    }

    public Long eval(String s, String pattern, String zone) {
      if (s == null || pattern == null) return null;
      return parseInstant(s, pattern, zone).toEpochMilli();
    }
  }

  /** PARSE_TIMESTAMP(string, pattern[, zone]): a TIMESTAMP (held as UTC). */
  public static final class ParseTimestamp extends ScalarFunction {
    public @DataTypeHint("TIMESTAMP(3)") LocalDateTime eval(String s, String pattern) {
      return eval(s, pattern, null);
    }

    public @DataTypeHint("TIMESTAMP(3)") LocalDateTime eval(String s, String pattern, String zone) {
      if (s == null || pattern == null) return null;
      return LocalDateTime.ofInstant(parseInstant(s, pattern, zone), ZoneOffset.UTC);
    }
  }

  /** FORMAT_TIMESTAMP(timestamp, pattern[, zone]). */
  public static final class FormatTimestamp extends ScalarFunction {
    public String eval(@DataTypeHint("TIMESTAMP(3)") LocalDateTime ts, String pattern) {
      return eval(ts, pattern, null);
    }

    public String eval(@DataTypeHint("TIMESTAMP(3)") LocalDateTime ts, String pattern, String zone) {
      if (ts == null || pattern == null) return null;
      return DateTimeFormatter.ofPattern(pattern).withZone(zone(zone)).format(ts.toInstant(ZoneOffset.UTC));
    }
  }

  /** PARSE_DATE(string, pattern). */
  public static final class ParseDate extends ScalarFunction {
    public LocalDate eval(String s, String pattern) {
      return s == null || pattern == null ? null : LocalDate.parse(s, DateTimeFormatter.ofPattern(pattern));
    }
  }

  /** FORMAT_DATE(date, pattern). */
  public static final class FormatDate extends ScalarFunction {
    public String eval(LocalDate d, String pattern) {
      return d == null || pattern == null ? null : DateTimeFormatter.ofPattern(pattern).format(d);
    }
  }

  /** PARSE_TIME(string, pattern). */
  public static final class ParseTime extends ScalarFunction {
    public LocalTime eval(String s, String pattern) {
      return s == null || pattern == null ? null : LocalTime.parse(s, DateTimeFormatter.ofPattern(pattern));
    }
  }

  /** FORMAT_TIME(time, pattern). */
  public static final class FormatTime extends ScalarFunction {
    public String eval(LocalTime t, String pattern) {
      return t == null || pattern == null ? null : DateTimeFormatter.ofPattern(pattern).format(t);
    }
  }

  /** UNIX_TIMESTAMP(timestamp): its epoch milliseconds. */
  public static final class UnixTimestamp extends ScalarFunction {
    public Long eval(@DataTypeHint("TIMESTAMP(3)") LocalDateTime ts) {
      return ts == null ? null : ts.toInstant(ZoneOffset.UTC).toEpochMilli();
    }
  }

  /** DATETOSTRING(days since the epoch, pattern). */
  public static final class DateToString extends ScalarFunction {
    public String eval(Integer days, String pattern) {
      return days == null || pattern == null ? null : DateTimeFormatter.ofPattern(pattern).format(LocalDate.ofEpochDay(days));
    }
  }

  private static JsonNode parse(String json) {
    try {
      return json == null ? null : JSON.readTree(json);
    } catch (Exception e) {
      return null;
    }
  }

  /** The node at a JSONPath of fields and indexes: `$.a.b[0]`, `$['a']`. */
  private static JsonNode at(JsonNode node, String path) {
    String p = path.startsWith("$") ? path.substring(1) : path;
    int i = 0;
    while (node != null && i < p.length()) {
      char c = p.charAt(i);
      if (c == '.') {
        int end = i + 1;
        while (end < p.length() && p.charAt(end) != '.' && p.charAt(end) != '[') end++;
        node = node.get(p.substring(i + 1, end));
        i = end;
      } else if (c == '[') {
        int end = p.indexOf(']', i);
        if (end < 0) return null;
        String inside = p.substring(i + 1, end).trim();
        if (inside.startsWith("'") || inside.startsWith("\"")) node = node.get(inside.substring(1, inside.length() - 1));
        else node = node.get(Integer.parseInt(inside));
        i = end + 1;
      } else {
        return null;
      }
    }
    return node;
  }

  /** EXTRACTJSONFIELD(json, path): a scalar's text, or the JSON text of an object or array. */
  public static final class ExtractJsonField extends ScalarFunction {
    public String eval(String json, String path) {
      if (path == null) return null;
      JsonNode node = at(parse(json), path);
      if (node == null || node.isNull()) return null;
      return node.isValueNode() ? node.asText() : node.toString();
    }
  }

  /** JSON_ARRAY_LENGTH(json): NULL when it is not an array. */
  public static final class JsonArrayLength extends ScalarFunction {
    public Integer eval(String json) {
      JsonNode node = parse(json);
      return node != null && node.isArray() ? node.size() : null;
    }
  }

  /** JSON_KEYS(json): an object's keys in order; NULL when it is not an object. */
  public static final class JsonKeys extends ScalarFunction {
    public String[] eval(String json) {
      JsonNode node = parse(json);
      if (node == null || !node.isObject()) return null;
      List<String> keys = new ArrayList<>();
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) keys.add(it.next());
      return keys.toArray(new String[0]);
    }
  }

  /** IS_JSON_STRING(string): whether it parses as JSON (FALSE for NULL). */
  public static final class IsJsonString extends ScalarFunction {
    public Boolean eval(String json) {
      if (json == null || json.isBlank()) return false;
      try {
        JSON.readTree(json);
        return true;
      } catch (Exception e) {
        return false;
      }
    }
  }

  /** JSON_ARRAY_CONTAINS(json, value): whether the array holds a value equal to `value`. */
  public static final class JsonArrayContains extends ScalarFunction {
    public Boolean eval(String json, @DataTypeHint(inputGroup = InputGroup.ANY) Object value) {
      JsonNode node = parse(json);
      if (node == null || !node.isArray()) return false;
      for (JsonNode e : node) {
        if (value == null ? e.isNull()
            : value instanceof Number n ? e.isNumber() && e.decimalValue().compareTo(new java.math.BigDecimal(n.toString())) == 0
            : value instanceof Boolean b ? e.isBoolean() && e.booleanValue() == b
            : e.isTextual() && e.textValue().equals(value.toString())) return true;
      }
      return false;
    }
  }

  /** URL_EXTRACT_PORT(url): NULL when the URL has none. */
  public static final class UrlExtractPort extends ScalarFunction {
    public Integer eval(String url) {
      try {
        int port = url == null ? -1 : new URI(url).getPort();
        return port < 0 ? null : port;
      } catch (Exception e) {
        return null;
      }
    }
  }

  /** SPLIT_TO_MAP(string, entryDelimiter, kvDelimiter): literal delimiters; entries without the kv delimiter are skipped. */
  public static final class SplitToMap extends ScalarFunction {
    public @DataTypeHint("MAP<STRING, STRING>") Map<String, String> eval(String s, String entry, String kv) {
      if (s == null || entry == null || kv == null || entry.isEmpty() || kv.isEmpty()) return null;
      Map<String, String> out = new LinkedHashMap<>();
      for (String part : s.split(java.util.regex.Pattern.quote(entry), -1)) {
        int at = part.indexOf(kv);
        if (at > 0) out.put(part.substring(0, at), part.substring(at + kv.length()));
      }
      return out;
    }
  }
}
