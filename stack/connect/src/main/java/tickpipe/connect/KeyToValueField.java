package tickpipe.connect;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.transforms.Transformation;

/**
 * Moves a record's key into a field of its schemaless (JSON object) value, so a
 * sink sees it: ksqlDB's PARTITION BY moves the QUOTES stream's ticker into the
 * key, and quotes-sink needs it in the document and in its _id. The record
 * leaves without a key (the MongoDB sink would try to read a string key as a
 * document).
 *
 * <p>Config: {@code field} (default {@code ticker}). A record without a key, or
 * whose value is not a JSON object, fails with a DataException naming the
 * topic, partition and offset (Connect's errors.tolerance decides what follows).
 */
public final class KeyToValueField<R extends ConnectRecord<R>> implements Transformation<R> {
  private static final String FIELD = "field";
  private static final ConfigDef CONFIG = new ConfigDef()
      .define(FIELD, ConfigDef.Type.STRING, "ticker", ConfigDef.Importance.HIGH, "value field that receives the key");

  private String field = "ticker";

  @Override
  public void configure(Map<String, ?> configs) {
    Object value = configs.get(FIELD);
    if (value != null) field = value.toString();
    if (field.isEmpty()) throw new DataException("KeyToValueField: \"field\" is empty; name the value field for the key");
  }

  @Override
  public R apply(R record) {
    if (record.value() == null) return record;
    if (record.key() == null) throw new DataException(where(record) + " has no key to copy into \"" + field + "\"");
    if (!(record.value() instanceof Map<?, ?> value)) {
      throw new DataException(where(record) + " has a value that is not a JSON object; cannot add \"" + field + "\"");
    }
    Map<Object, Object> copy = new HashMap<>(value);
    copy.put(field, record.key().toString());
    return record.newRecord(
        record.topic(), record.kafkaPartition(), null, null, null, copy, record.timestamp());
  }

  private static String where(ConnectRecord<?> record) {
    return "Record of topic \"" + record.topic() + "\" partition " + record.kafkaPartition();
  }

  @Override
  public ConfigDef config() {
    return CONFIG;
  }

  @Override
  public void close() {}
}
