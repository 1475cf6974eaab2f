package tickpipe.connect;

import java.math.BigDecimal;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.transforms.Transformation;

/**
 * Rejects, before the MongoDB sink sees it, a record whose schemaless (JSON) value
 * the server would refuse for its content, so that Connect's errors.tolerance=all
 * sends exactly that record to the dead-letter topic (with the reason in its
 * headers) while the sink keeps mongo.errors.tolerance=none and waits out outages.
 * A record that passes is returned unchanged.
 *
 * <p>The rules are what FerretDB 1.24 on PostgreSQL refuses, found by writing
 * each case to it (and what MongoDB refuses too, except NUL, nested arrays and
 * infinities, which MongoDB stores):
 *
 * <ul>
 *   <li>the value is a JSON object (a number, string, array or boolean is no document, and
 *       a tombstone or JSON null, which the sink would not skip but fail on, neither);
 *   <li>no field name starts with '$', contains '.' or contains NUL (U+0000), at any depth;
 *   <li>no string contains NUL (PostgreSQL's jsonb cannot store it);
 *   <li>no array holds an array directly (FerretDB: "nested arrays are not supported");
 *   <li>no number is infinite or NaN (JSON's 1e400 reaches the sink as Infinity);
 *   <li>the document is at most {@code max.bson.bytes} as BSON (default 16 MiB less
 *       1 KiB for the _id the sink adds; the server's limit is 16 MiB).
 * </ul>
 *
 * <p>The DataException names the record (topic, partition, offset), the field
 * (a path like {@code data[0].meta}), the rule broken and the fix.
 */
public final class ValidateDocument<R extends ConnectRecord<R>> implements Transformation<R> {
  private static final String MAX_BSON_BYTES = "max.bson.bytes";
  private static final int SERVER_MAX_BSON_BYTES = 16 * 1024 * 1024;
  private static final ConfigDef CONFIG = new ConfigDef()
      .define(MAX_BSON_BYTES, ConfigDef.Type.INT, SERVER_MAX_BSON_BYTES - 1024,
          ConfigDef.Range.between(5, SERVER_MAX_BSON_BYTES), ConfigDef.Importance.MEDIUM,
          "largest document accepted, in BSON bytes");

  private int maxBsonBytes = SERVER_MAX_BSON_BYTES - 1024;

  /** A broken rule: the field's path and what to say about it. */
  private static final class Violation extends RuntimeException {
    Violation(String message) {
      super(message, null, false, false);
    }
  }

  @Override
  public void configure(Map<String, ?> configs) {
    maxBsonBytes = (Integer) CONFIG.parse(configs).get(MAX_BSON_BYTES);
  }

  @Override
  public R apply(R record) {
    Object value = record.value();
    if (value == null) {
      throw new DataException(where(record) + " has no value (a tombstone or JSON null), and this sink writes"
          + " documents, it deletes none; send a JSON object in the producer");
    }
    if (!(value instanceof Map<?, ?> document)) {
      throw new DataException(where(record) + " is not a JSON object but " + kind(value)
          + "; a MongoDB document is an object: wrap the value in one, e.g. {\"value\": ...}, in the producer");
    }
    long size;
    try {
      size = documentSize(document, "");
    } catch (Violation violation) {
      throw new DataException(where(record) + " cannot be written to MongoDB: " + violation.getMessage());
    }
    if (size > maxBsonBytes) {
      throw new DataException(where(record) + " is " + size + " bytes as BSON, over the " + maxBsonBytes
          + " bytes this sink accepts (" + MAX_BSON_BYTES + "; MongoDB's limit is 16 MiB per document)"
          + "; split it into smaller records in the producer");
    }
    return record;
  }

  private static String where(ConnectRecord<?> record) {
    String offset = record instanceof SinkRecord sink ? " offset " + sink.kafkaOffset() : "";
    return "Record of topic \"" + record.topic() + "\" partition " + record.kafkaPartition() + offset;
  }

  private static String kind(Object value) {
    if (value instanceof List<?>) return "an array";
    if (value instanceof String) return "a string";
    if (value instanceof Boolean) return "a boolean";
    if (value instanceof Number) return "a number";
    return "a " + value.getClass().getSimpleName();
  }

  /** BSON size of a document: int32 length, its elements, a terminating 0. */
  private static long documentSize(Map<?, ?> document, String path) {
    long size = 5;
    for (Map.Entry<?, ?> entry : document.entrySet()) {
      String key = String.valueOf(entry.getKey());
      String field = path.isEmpty() ? key : path + "." + key;
      checkKey(key, field);
      size += 1 + utf8Length(key) + 1 + valueSize(entry.getValue(), field, false);
    }
    return size;
  }

  private static void checkKey(String key, String field) {
    if (key.startsWith("$")) {
      throw new Violation("field \"" + field + "\" starts with '$', which MongoDB reserves for operators"
          + "; rename the field in the producer (e.g. drop the '$')");
    }
    if (key.indexOf('.') >= 0) {
      throw new Violation("field \"" + field + "\" has a '.' in its name, which MongoDB reads as a path"
          + "; rename the field in the producer (e.g. '.' to '_')");
    }
    if (key.indexOf('\0') >= 0) {
      throw new Violation("field \"" + field.replace("\0", "\\u0000") + "\" has a NUL character (U+0000) in its name"
          + ", which BSON cannot encode; remove it in the producer");
    }
  }

  private static long valueSize(Object value, String field, boolean inArray) {
    if (value == null) return 0;
    if (value instanceof String s) {
      if (s.indexOf('\0') >= 0) {
        throw new Violation("field \"" + field + "\" holds a string with a NUL character (U+0000)"
            + ", which the server's PostgreSQL storage cannot keep; remove it in the producer");
      }
      return 4 + utf8Length(s) + 1;
    }
    if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      if (Double.isInfinite(d) || Double.isNaN(d)) {
        throw new Violation("field \"" + field + "\" is " + d + " (a JSON number too large for a double, e.g. 1e400)"
            + ", which the server does not store; send it as a string or within the double range in the producer");
      }
      return 8;
    }
    if (value instanceof Long) return 8;
    if (value instanceof Number && !(value instanceof BigDecimal)) return 4;
    if (value instanceof BigDecimal) return 16;
    if (value instanceof Boolean) return 1;
    if (value instanceof Date) return 8;
    if (value instanceof byte[] bytes) return 4 + 1 + bytes.length;
    if (value instanceof Map<?, ?> map) return documentSize(map, field);
    if (value instanceof List<?> list) {
      if (inArray) {
        throw new Violation("field \"" + field + "\" is an array inside an array, which FerretDB does not store"
            + "; wrap the inner array in an object (e.g. [{\"values\": [...]}]) in the producer");
      }
      long size = 5;
      int i = 0;
      for (Object item : list) {
        String index = Integer.toString(i);
        size += 1 + index.length() + 1 + valueSize(item, field + "[" + i + "]", true);
        i++;
      }
      return size;
    }
    return 0;
  }

  private static long utf8Length(String s) {
    long n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) n += 1;
      else if (c < 0x800) n += 2;
      else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        n += 4;
        i++;
      } else n += 3;
    }
    return n;
  }

  @Override
  public ConfigDef config() {
    return CONFIG;
  }

  @Override
  public void close() {}
}
