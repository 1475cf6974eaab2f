package tickpipe.flink;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.functions.AggregateFunction;

/**
 * ksqlDB aggregates that Flink has no built-in for, from ksqlDB's
 * aggregate-functions reference. The server passes values as STRING (or
 * DOUBLE for TOPK) and casts the result back to the column's type, so one
 * accumulator shape serves every primitive type. Inputs are streams
 * (append-only), as ksqlDB allows for these functions.
 */
public final class KsqlAggregates {
  private KsqlAggregates() {}

  /** Registers every aggregate of this class on `tEnv` as KSQL_&lt;name&gt;. */
  static void register(org.apache.flink.table.api.TableEnvironment tEnv) {
    tEnv.createTemporarySystemFunction("KSQL_LATEST_BY_OFFSET", Latest.class);
    tEnv.createTemporarySystemFunction("KSQL_EARLIEST_BY_OFFSET", Earliest.class);
    tEnv.createTemporarySystemFunction("KSQL_LATEST_BY_OFFSET_N", LatestN.class);
    tEnv.createTemporarySystemFunction("KSQL_EARLIEST_BY_OFFSET_N", EarliestN.class);
    tEnv.createTemporarySystemFunction("KSQL_TOPK", TopK.class);
    tEnv.createTemporarySystemFunction("KSQL_TOPKDISTINCT", TopKDistinct.class);
    tEnv.createTemporarySystemFunction("KSQL_HISTOGRAM", Histogram.class);
  }

  /** One value and whether it was set. */
  public static final class One {
    public String value;
    public boolean set;
  }

  /** Several values, oldest first. */
  public static final class Many {
    public List<String> values = new ArrayList<>();
  }

  /** Ranked values, largest first. */
  public static final class Ranked {
    public List<Double> values = new ArrayList<>();
  }

  /** Counts per string, in first-seen order. */
  public static final class Counts {
    public Map<String, Long> counts = new LinkedHashMap<>();
  }

  /** LATEST_BY_OFFSET(col, ignoreNulls). */
  public static final class Latest extends AggregateFunction<String, One> {
    @Override
    public One createAccumulator() {
      return new One();
    }

    public void accumulate(One acc, String value, Boolean ignoreNulls) {
      if (value == null && !Boolean.FALSE.equals(ignoreNulls)) return;
      acc.value = value;
      acc.set = true;
    }

    @Override
    public String getValue(One acc) {
      return acc.value;
    }
  }

  /** EARLIEST_BY_OFFSET(col, ignoreNulls). */
  public static final class Earliest extends AggregateFunction<String, One> {
    @Override
    public One createAccumulator() {
      return new One();
    }

    public void accumulate(One acc, String value, Boolean ignoreNulls) {
      if (acc.set || (value == null && !Boolean.FALSE.equals(ignoreNulls))) return;
      acc.value = value;
      acc.set = true;
    }

    @Override
    public String getValue(One acc) {
      return acc.value;
    }
  }

  /** LATEST_BY_OFFSET(col, n, ignoreNulls): the latest n values, oldest first. */
  public static final class LatestN extends AggregateFunction<String[], Many> {
    @Override
    public Many createAccumulator() {
      return new Many();
    }

    public void accumulate(Many acc, String value, Integer n, Boolean ignoreNulls) {
      if (value == null && !Boolean.FALSE.equals(ignoreNulls)) return;
      acc.values.add(value);
      while (acc.values.size() > n) acc.values.remove(0);
    }

    @Override
    public String[] getValue(Many acc) {
      return acc.values.toArray(new String[0]);
    }
  }

  /** EARLIEST_BY_OFFSET(col, n, ignoreNulls): the earliest n values. */
  public static final class EarliestN extends AggregateFunction<String[], Many> {
    @Override
    public Many createAccumulator() {
      return new Many();
    }

    public void accumulate(Many acc, String value, Integer n, Boolean ignoreNulls) {
      if (acc.values.size() >= n || (value == null && !Boolean.FALSE.equals(ignoreNulls))) return;
      acc.values.add(value);
    }

    @Override
    public String[] getValue(Many acc) {
      return acc.values.toArray(new String[0]);
    }
  }

  /** The k largest values seen, largest first; NULLs ignored. */
  public abstract static class Ranking extends AggregateFunction<Double[], Ranked> {
    /** Whether a value equal to one already ranked is ranked again. */
    abstract boolean keepsRepeats();

    @Override
    public Ranked createAccumulator() {
      return new Ranked();
    }

    public void accumulate(Ranked acc, Double value, Integer k) {
      if (value == null || (!keepsRepeats() && acc.values.contains(value))) return;
      int at = 0;
      while (at < acc.values.size() && acc.values.get(at) >= value) at++;
      acc.values.add(at, value);
      while (acc.values.size() > k) acc.values.remove(acc.values.size() - 1);
    }

    @Override
    public Double[] getValue(Ranked acc) {
      return acc.values.toArray(new Double[0]);
    }
  }

  /** TOPK(col, k): repeats kept. */
  public static final class TopK extends Ranking {
    @Override
    boolean keepsRepeats() {
      return true;
    }
  }

  /** TOPKDISTINCT(col, k): each value once. */
  public static final class TopKDistinct extends Ranking {
    @Override
    boolean keepsRepeats() {
      return false;
    }
  }

  /** HISTOGRAM(col): how many times each string occurs; NULLs ignored. */
  public static final class Histogram extends AggregateFunction<Map<String, Long>, Counts> {
    @Override
    public Counts createAccumulator() {
      return new Counts();
    }

    public void accumulate(Counts acc, String value) {
      if (value != null) acc.counts.merge(value, 1L, Long::sum);
    }

    @Override
    public @DataTypeHint("MAP<STRING, BIGINT>") Map<String, Long> getValue(Counts acc) {
      return new LinkedHashMap<>(acc.counts);
    }
  }
}
