package tickpipe.flink;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.PipelineOptionsInternal;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.runtime.client.DuplicateJobSubmissionException;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ArrayNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.JsonNodeFactory;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.Table;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.GenericInMemoryCatalog;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.functions.ScalarFunction;
import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.MapType;
import org.apache.flink.table.types.logical.MultisetType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * tickpipe's Flink engine: a Flink SQL catalog behind a small HTTP API on 127.0.0.1, used by the
 * ksqlDB-compatible server (ksqldb/server/). Its jobs run on an in-process MiniCluster, or, with
 * FLINK_REST_URL set, on that Flink session cluster (the connector and UDF jars are shipped with
 * each job). Checkpoints go to FLINK_CHECKPOINT_DIR (any Flink file system, e.g. s3://bucket/path
 * through the S3 plugin in FLINK_PLUGINS_DIR), by default to the state directory.
 *
 * <p>Every persistent job runs under a deterministic Flink job id (its name and how many earlier
 * runs the cluster remembers), so when several engines (one per ksqlDB server) submit the same
 * query to one cluster, the cluster runs it once and the others are told "already running".
 *
 * <pre>
 *   GET    /health              {"status":"ok","bootId":..}     503 when the Flink cluster does not answer
 *   POST   /ddl                 {"statements":[sql..]}          CREATE/DROP TABLE|VIEW in the shared catalog
 *   POST   /schema              {"sql":"SELECT .."}             the query's columns and types
 *   POST   /jobs                {"name","sql","conf":{..}}      start a persistent INSERT job (checkpointed, restored)
 *   GET    /jobs                                                the persistent jobs and their state
 *   DELETE /jobs/{name}[?purge]                                 cancel one (purge: delete its checkpoints)
 *   POST   /select              {"sql","name"}                  push query: NDJSON lines {"columns"}, {"kind","row"}, ..
 *   DELETE /select/{name}                                       stop a push query (its client may keep the connection)
 * </pre>
 *
 * Errors answer 400 {"error": message} with Flink's root cause message (no stack trace).
 */
public final class FlinkEngine {
  private static final Logger LOG = LoggerFactory.getLogger(FlinkEngine.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final String bootId = UUID.randomUUID().toString();
  private final Path stateDir;
  private final EngineSettings settings;
  private final GenericInMemoryCatalog catalog = new GenericInMemoryCatalog("ksql", "ksql");
  /** Jobs this engine submitted, for the savepoints of an embedded shutdown. */
  private final Map<String, JobClient> submitted = new ConcurrentHashMap<>();
  private ClusterRest cluster;
  /** Running push queries by name: set to stop one (DELETE /select/{name}). */
  private final Map<String, java.util.concurrent.atomic.AtomicBoolean> pushQueries = new ConcurrentHashMap<>();
  private final Object submitLock = new Object();
  private String restHost;
  private int restPort;
  private StreamTableEnvironment ddlEnv;

  /** ksqlDB's ROWTIME: a TIMESTAMP_LTZ as epoch milliseconds. */
  public static final class EpochMillis extends ScalarFunction {
    public Long eval(@DataTypeHint("TIMESTAMP_LTZ(3)") Instant ts) {
      return ts == null ? null : ts.toEpochMilli();
    }
  }

  /** ksqlDB's TIMESTAMPTOSTRING(millis, pattern[, zone]). */
  public static final class TimestampToString extends ScalarFunction {
    public String eval(Long millis, String pattern) {
      return eval(millis, pattern, "UTC");
    }

    public String eval(Long millis, String pattern, String zone) {
      if (millis == null || pattern == null) return null;
      return java.time.format.DateTimeFormatter.ofPattern(pattern)
          .withZone(java.time.ZoneId.of(zone == null ? "UTC" : zone))
          .format(Instant.ofEpochMilli(millis));
    }
  }

  private FlinkEngine(Path stateDir, EngineSettings settings) {
    this.stateDir = stateDir;
    this.settings = settings;
  }

  public static void main(String[] args) throws Exception {
    int port = 8089;
    String stateDir = ".data/flink";
    int slots = 64;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--port" -> port = Integer.parseInt(args[i + 1]);
        case "--state-dir" -> stateDir = args[i + 1];
        case "--slots" -> slots = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("Unknown option \"" + args[i] + "\"; use --port, --state-dir, --slots");
      }
    }
    Path state = Paths.get(stateDir).toAbsolutePath();
    FlinkEngine engine;
    try {
      engine = new FlinkEngine(state, EngineSettings.fromEnvironment(state));
    } catch (IllegalArgumentException e) {
      LOG.error("{}", e.getMessage());
      System.exit(2);
      return;
    }
    try {
      engine.start(port, slots);
    } catch (Throwable e) {
      // a half-started MiniCluster keeps non-daemon threads: exit so the supervisor sees the failure
      LOG.error("Cannot start the Flink engine on 127.0.0.1:{}: {}", port, rootMessage(e), e);
      System.exit(1);
    }
  }

  private void start(int port, int slots) throws Exception {
    Files.createDirectories(stateDir.resolve("checkpoints"));
    // Scratch space (start -Djava.io.tmpdir=<state-dir>/tmp so the planner jar lands here too);
    // whatever a killed run left behind is removed
    Path tmp = stateDir.resolve("tmp");
    Files.createDirectories(tmp);
    try (Stream<Path> stale = Files.list(tmp)) {
      for (Path p : stale.filter(p -> !p.getFileName().toString().startsWith("hsperfdata")).toList()) deleteTree(p);
    }
    MiniCluster mini = null;
    URI rest;
    if (settings.restUrl() != null) {
      rest = settings.restUrl();
      LOG.info("Jobs run on the Flink cluster at {} (FLINK_REST_URL), checkpoints in {}", rest, settings.checkpointRoot());
    } else {
      mini = startMiniCluster(slots, tmp);
      rest = mini.getRestAddress().get();
      LOG.info("MiniCluster up ({} slots), REST on {}", slots, rest);
    }
    // After the MiniCluster (which initializes the file systems without plugins): checkpoints on s3:// need the plugin here too
    FileSystem.initialize(settings.fileSystemConf(), settings.pluginManager());
    restHost = rest.getHost();
    restPort = rest.getPort();
    cluster = new ClusterRest(rest, settings.restUrl() != null);
    ddlEnv = newEnv(Map.of());

    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext("/", this::handle);
    server.start();
    // SIGTERM/SIGINT (supervisor stop, Ctrl-C): an embedded cluster savepoints the queries while it
    // still runs, then exits; on a Flink cluster the queries go on running without this engine
    MiniCluster embedded = mini;
    for (String signal : List.of("TERM", "INT")) {
      sun.misc.Signal.handle(new sun.misc.Signal(signal), received -> {
        server.stop(0);
        if (embedded != null) {
          LOG.info("SIG{}: stopping the queries with savepoints", received.getName());
          savepointAll();
        } else {
          LOG.info("SIG{}: exiting; the queries keep running on {}", received.getName(), settings.restUrl());
        }
        System.exit(0);
      });
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.stop(0);
      if (embedded == null) return;
      try {
        embedded.close();
      } catch (Exception ignored) {
        // exiting anyway
      }
    }));
    LOG.info("Flink engine listening on http://127.0.0.1:{}", port);
  }

  private MiniCluster startMiniCluster(int slots, Path tmp) throws Exception {
    Configuration conf = new Configuration();
    conf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
    conf.set(RestOptions.ADDRESS, "127.0.0.1");
    conf.set(RestOptions.BIND_PORT, "0");
    // Every internal listener on loopback too: the blob server and RPC (jobmanager.bind-host; the blob
    // server's default is the wildcard address), the task manager's RPC and data ports (taskmanager.bind-host)
    conf.set(JobManagerOptions.BIND_HOST, "127.0.0.1");
    conf.set(JobManagerOptions.ADDRESS, "127.0.0.1");
    conf.set(TaskManagerOptions.BIND_HOST, "127.0.0.1");
    conf.set(TaskManagerOptions.HOST, "127.0.0.1");
    conf.set(TaskManagerOptions.NUM_TASK_SLOTS, slots);
    // Small, fixed memory: streaming SQL on the heap state backend needs little managed/network memory
    conf.setString("taskmanager.memory.network.min", "32mb");
    conf.setString("taskmanager.memory.network.max", "32mb");
    conf.setString("taskmanager.memory.managed.size", "32mb");
    conf.setString("io.tmp.dirs", tmp.toString());
    conf.setString("web.tmpdir", tmp.toString());
    conf.addAll(settings.fileSystemConf());
    MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
        .setConfiguration(conf).setNumTaskManagers(1).setNumSlotsPerTaskManager(slots).build());
    cluster.start();
    return cluster;
  }

  /**
   * On shutdown: stops every persistent job with a savepoint (beside its checkpoints), so the
   * next start resumes exactly where it stopped instead of from the last periodic checkpoint.
   */
  private void savepointAll() {
    List<java.util.concurrent.CompletableFuture<String>> pending = new ArrayList<>();
    for (Map.Entry<String, JobClient> job : submitted.entrySet()) {
      String dir = settings.checkpointDir(job.getKey()).toUri().toString();
      pending.add(job.getValue().stopWithSavepoint(false, dir, org.apache.flink.core.execution.SavepointFormatType.CANONICAL)
          .whenComplete((path, error) -> {
            if (error == null) LOG.info("Stopped query {} with savepoint {}", job.getKey(), path);
            else LOG.warn("Query {} stopped without a savepoint ({}); it resumes from its last checkpoint", job.getKey(), rootMessage(error));
          }));
    }
    try {
      java.util.concurrent.CompletableFuture.allOf(pending.toArray(new java.util.concurrent.CompletableFuture[0])).get(8, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("Not every query stopped with a savepoint within 8 s: {}", rootMessage(e));
    }
  }

  private StreamTableEnvironment newEnv(Map<String, String> jobConf) {
    Map<String, String> all = new HashMap<>();
    all.put("parallelism.default", String.valueOf(settings.parallelism()));
    all.put("pipeline.generic-types", "true");
    all.put("table.exec.source.idle-timeout", "5 s");
    // ksqlDB drops rows whose key is NULL instead of failing the query
    all.put("table.exec.sink.not-null-enforcer", "DROP");
    all.putAll(jobConf);
    Configuration conf = Configuration.fromMap(all);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createRemoteEnvironment(restHost, restPort, conf, settings.shippedJars());
    StreamTableEnvironment tEnv = StreamTableEnvironment.create(env, EnvironmentSettings.newInstance().inStreamingMode().withConfiguration(conf).build());
    tEnv.registerCatalog("ksql", catalog);
    tEnv.useCatalog("ksql");
    tEnv.createTemporarySystemFunction("KSQL_EPOCH_MILLIS", EpochMillis.class);
    tEnv.createTemporarySystemFunction("KSQL_TIMESTAMPTOSTRING", TimestampToString.class);
    KsqlScalars.register(tEnv);
    KsqlAggregates.register(tEnv);
    return tEnv;
  }

  // ---- HTTP ----

  private void handle(HttpExchange exchange) throws IOException {
    String method = exchange.getRequestMethod();
    String path = exchange.getRequestURI().getPath();
    try {
      if (method.equals("GET") && path.equals("/health")) {
        Optional<String> down = cluster.unreachable();
        if (down.isPresent()) {
          reply(exchange, 503, NODES.objectNode().put("status", "down").put("bootId", bootId).put("error", down.get()));
          return;
        }
        Runtime runtime = Runtime.getRuntime();
        ObjectNode out = NODES.objectNode().put("status", "ok").put("bootId", bootId).put("jobs", submitted.size())
            .put("pushQueries", pushQueries.size()).put("rssBytes", residentBytes()).put("heapUsedBytes", runtime.totalMemory() - runtime.freeMemory())
            .put("heapMaxBytes", runtime.maxMemory());
        out.set("pushQueryNames", NODES.arrayNode().addAll(pushQueries.keySet().stream().sorted().map(NODES::textNode).toList()));
        reply(exchange, 200, out);
      } else if (method.equals("POST") && path.equals("/ddl")) {
        JsonNode body = readBody(exchange);
        synchronized (submitLock) {
          for (JsonNode statement : body.path("statements")) ddlEnv.executeSql(statement.asText());
        }
        reply(exchange, 200, NODES.objectNode().put("ok", true));
      } else if (method.equals("POST") && path.equals("/schema")) {
        JsonNode body = readBody(exchange);
        Table table;
        synchronized (submitLock) {
          table = ddlEnv.sqlQuery(body.path("sql").asText());
        }
        reply(exchange, 200, schemaJson(table.getResolvedSchema()));
      } else if (method.equals("POST") && path.equals("/jobs")) {
        reply(exchange, 200, submitJob(readBody(exchange)));
      } else if (method.equals("GET") && path.equals("/jobs")) {
        reply(exchange, 200, listJobs());
      } else if (method.equals("DELETE") && path.startsWith("/jobs/")) {
        String name = path.substring("/jobs/".length());
        boolean purge = Optional.ofNullable(exchange.getRequestURI().getQuery()).orElse("").contains("purge");
        reply(exchange, 200, cancelJob(name, purge));
      } else if (method.equals("POST") && path.equals("/select")) {
        select(exchange, readBody(exchange));
      } else if (method.equals("DELETE") && path.startsWith("/select/")) {
        java.util.concurrent.atomic.AtomicBoolean stop = pushQueries.get(path.substring("/select/".length()));
        if (stop != null) stop.set(true);
        reply(exchange, 200, NODES.objectNode().put("stopped", stop != null));
      } else {
        reply(exchange, 404, NODES.objectNode().put("error", "No route " + method + " " + path));
      }
    } catch (ClusterRest.Unreachable e) {
      LOG.warn("{} {} failed: {}", method, path, e.getMessage());
      try {
        reply(exchange, 503, NODES.objectNode().put("error", e.getMessage()));
      } catch (IOException ignored) {
        // client went away
      }
    } catch (Throwable e) {
      LOG.warn("{} {} failed: {}", method, path, rootMessage(e));
      LOG.debug("Failure", e);
      try {
        reply(exchange, 400, NODES.objectNode().put("error", rootMessage(e)));
      } catch (IOException ignored) {
        // client went away
      }
    } finally {
      exchange.close();
    }
  }

  /** This process's resident set size from /proc (Linux), -1 elsewhere. */
  private static long residentBytes() {
    try {
      for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    } catch (IOException | NumberFormatException ignored) {
      // not Linux
    }
    return -1;
  }

  private static JsonNode readBody(HttpExchange exchange) throws IOException {
    try (InputStream in = exchange.getRequestBody()) {
      return JSON.readTree(in.readAllBytes());
    }
  }

  private static void reply(HttpExchange exchange, int status, JsonNode body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** The message a person can act on: the deepest cause's, with Flink's "SQL validation failed." prefixes kept short. */
  static String rootMessage(Throwable e) {
    List<String> messages = new ArrayList<>();
    for (Throwable t = e; t != null && messages.size() < 12; t = t.getCause()) {
      if (t.getMessage() != null) messages.add(t.getMessage());
    }
    if (messages.isEmpty()) return e.getClass().getSimpleName();
    // The outermost message names the statement's problem; the innermost the underlying cause.
    String first = shorten(messages.get(0));
    if (first.startsWith("SQL validation failed.") && messages.size() > 1) first = shorten(messages.get(1));
    String last = shorten(messages.get(messages.size() - 1));
    String chosen = first.contains(last) ? first : first + "; caused by: " + last;
    int newline = chosen.indexOf("\n\tat ");
    return newline > 0 ? chosen.substring(0, newline) : chosen;
  }

  private static String shorten(String message) {
    int options = message.indexOf("\n\nTable options are:");
    String out = options > 0 ? message.substring(0, options) : message;
    return out.length() > 800 ? out.substring(0, 800) + "..." : out;
  }

  // ---- schema and values ----

  private static ObjectNode schemaJson(ResolvedSchema schema) {
    ArrayNode columns = NODES.arrayNode();
    for (Column column : schema.getColumns()) {
      columns.addObject().put("name", column.getName()).set("type", typeJson(column.getDataType().getLogicalType()));
    }
    ObjectNode out = NODES.objectNode();
    out.set("columns", columns);
    out.set("primaryKey", NODES.arrayNode().addAll(
        schema.getPrimaryKey().map(pk -> pk.getColumns().stream().map(NODES::textNode).toList()).orElse(List.of())));
    return out;
  }

  static JsonNode typeJson(LogicalType type) {
    ObjectNode out = NODES.objectNode();
    switch (type.getTypeRoot()) {
      case CHAR, VARCHAR -> out.put("type", "STRING");
      case BOOLEAN -> out.put("type", "BOOLEAN");
      case TINYINT, SMALLINT, INTEGER -> out.put("type", "INTEGER");
      case BIGINT -> out.put("type", "BIGINT");
      case FLOAT, DOUBLE -> out.put("type", "DOUBLE");
      case DECIMAL -> out.put("type", "DECIMAL")
          .put("precision", ((DecimalType) type).getPrecision()).put("scale", ((DecimalType) type).getScale());
      case DATE -> out.put("type", "DATE");
      case TIME_WITHOUT_TIME_ZONE -> out.put("type", "TIME");
      case TIMESTAMP_WITHOUT_TIME_ZONE, TIMESTAMP_WITH_LOCAL_TIME_ZONE, TIMESTAMP_WITH_TIME_ZONE -> out.put("type", "TIMESTAMP");
      case BINARY, VARBINARY -> out.put("type", "BYTES");
      case ARRAY -> out.put("type", "ARRAY").set("element", typeJson(((ArrayType) type).getElementType()));
      case MULTISET -> out.put("type", "ARRAY").set("element", typeJson(((MultisetType) type).getElementType()));
      case MAP -> {
        out.put("type", "MAP");
        out.set("key", typeJson(((MapType) type).getKeyType()));
        out.set("value", typeJson(((MapType) type).getValueType()));
      }
      case ROW -> {
        out.put("type", "STRUCT");
        ArrayNode fields = out.putArray("fields");
        for (RowType.RowField field : ((RowType) type).getFields()) {
          fields.addObject().put("name", field.getName()).set("type", typeJson(field.getType()));
        }
      }
      default -> out.put("type", "UNSUPPORTED").put("flinkType", type.asSummaryString());
    }
    return out;
  }

  static JsonNode valueJson(Object value, LogicalType type) {
    if (value == null) return NODES.nullNode();
    switch (type.getTypeRoot()) {
      case CHAR, VARCHAR:
        return NODES.textNode(value.toString());
      case BOOLEAN:
        return NODES.booleanNode((Boolean) value);
      case TINYINT, SMALLINT, INTEGER, BIGINT:
        return NODES.numberNode(((Number) value).longValue());
      case FLOAT, DOUBLE:
        return NODES.numberNode(((Number) value).doubleValue());
      case DECIMAL:
        return NODES.numberNode((java.math.BigDecimal) value);
      case BINARY, VARBINARY:
        return NODES.textNode(java.util.Base64.getEncoder().encodeToString((byte[]) value));
      case ARRAY: {
        LogicalType element = ((ArrayType) type).getElementType();
        ArrayNode out = NODES.arrayNode();
        if (value instanceof Object[] items) {
          for (Object item : items) out.add(valueJson(item, element));
        } else if (value instanceof List<?> items) {
          for (Object item : items) out.add(valueJson(item, element));
        } else {
          int n = java.lang.reflect.Array.getLength(value);
          for (int i = 0; i < n; i++) out.add(valueJson(java.lang.reflect.Array.get(value, i), element));
        }
        return out;
      }
      case MAP: {
        ObjectNode out = NODES.objectNode();
        LogicalType valueType = ((MapType) type).getValueType();
        for (Map.Entry<?, ?> entry : ((Map<?, ?>) value).entrySet()) {
          out.set(String.valueOf(entry.getKey()), valueJson(entry.getValue(), valueType));
        }
        return out;
      }
      case ROW: {
        ObjectNode out = NODES.objectNode();
        RowType rowType = (RowType) type;
        Row row = (Row) value;
        for (int i = 0; i < rowType.getFieldCount(); i++) {
          out.set(rowType.getFieldNames().get(i), valueJson(row.getField(i), rowType.getTypeAt(i)));
        }
        return out;
      }
      default:
        return NODES.textNode(value.toString());
    }
  }

  // ---- persistent jobs ----

  private static String safeName(String name) {
    if (!name.matches("[A-Za-z0-9_.-]{1,200}")) {
      throw new IllegalArgumentException("Invalid query name \"" + name + "\": use letters, digits, _ . -");
    }
    return name;
  }

  /** The newest completed checkpoint or savepoint of a query, if any (on any Flink file system). */
  private Optional<org.apache.flink.core.fs.Path> latestCheckpoint(String name) throws IOException {
    org.apache.flink.core.fs.Path dir = settings.checkpointDir(name);
    FileSystem fs = dir.getFileSystem();
    // <dir>/<job id>/chk-N/_metadata (checkpoints) and <dir>/savepoint-*/_metadata
    List<org.apache.flink.core.fs.Path> snapshots = new ArrayList<>();
    for (FileStatus top : list(fs, dir)) {
      if (!top.isDir()) continue;
      if (isSnapshot(top.getPath())) snapshots.add(top.getPath());
      else for (FileStatus child : list(fs, top.getPath())) if (child.isDir() && isSnapshot(child.getPath())) snapshots.add(child.getPath());
    }
    org.apache.flink.core.fs.Path newest = null;
    long newestTime = Long.MIN_VALUE;
    for (org.apache.flink.core.fs.Path snapshot : snapshots) {
      FileStatus metadata;
      try {
        metadata = fs.getFileStatus(new org.apache.flink.core.fs.Path(snapshot, "_metadata"));
      } catch (java.io.FileNotFoundException inProgress) {
        continue;
      }
      if (metadata.getModificationTime() > newestTime) {
        newest = snapshot;
        newestTime = metadata.getModificationTime();
      }
    }
    return Optional.ofNullable(newest);
  }

  private static boolean isSnapshot(org.apache.flink.core.fs.Path path) {
    return path.getName().startsWith("chk-") || path.getName().startsWith("savepoint-");
  }

  private static List<FileStatus> list(FileSystem fs, org.apache.flink.core.fs.Path dir) throws IOException {
    try {
      FileStatus[] found = fs.listStatus(dir);
      return found == null ? List.of() : List.of(found);
    } catch (java.io.FileNotFoundException none) {
      return List.of();
    }
  }

  /**
   * The Flink job id of run {@code attempt} of job {@code jobName}: the same on every engine, so
   * that of two engines submitting the same query the cluster accepts one.
   */
  static JobID jobId(String jobName, int attempt) {
    UUID uuid = UUID.nameUUIDFromBytes((jobName + "#" + attempt).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return new JobID(uuid.getLeastSignificantBits(), uuid.getMostSignificantBits());
  }

  private static boolean isDuplicate(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof DuplicateJobSubmissionException) return true;
      String message = String.valueOf(t.getMessage());
      if (message.contains("DuplicateJobSubmissionException") || message.contains("has already been submitted")) return true;
    }
    return false;
  }

  /**
   * Starts query {@code name} unless the cluster runs it already (submitted by this engine or
   * another one): its jobs are looked up by name, and a new run gets the deterministic id of
   * {@link #jobId}, which the cluster refuses as a duplicate when another engine won the race.
   */
  private ObjectNode submitJob(JsonNode body) throws Exception {
    String name = safeName(body.path("name").asText());
    String sql = body.path("sql").asText();
    String jobName = settings.jobName(name);
    synchronized (submitLock) {
      List<ClusterRest.Job> runs = cluster.jobsNamed(jobName);
      Optional<ClusterRest.Job> live = runs.stream().filter(j -> !j.terminal()).findFirst();
      if (live.isPresent()) return jobJson(name, live.get()).put("alreadyRunning", true);
      JobID jobId = jobId(jobName, runs.size());
      Map<String, String> conf = new HashMap<>();
      org.apache.flink.core.fs.Path checkpoints = settings.checkpointDir(name);
      conf.put(CheckpointingOptions.CHECKPOINTING_INTERVAL.key(), body.path("checkpointInterval").asText("10 s"));
      conf.put(CheckpointingOptions.CHECKPOINTS_DIRECTORY.key(), checkpoints.toUri().toString());
      conf.put(CheckpointingOptions.SAVEPOINT_DIRECTORY.key(), checkpoints.toUri().toString());
      conf.put(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION.key(), "RETAIN_ON_CANCELLATION");
      conf.put(CheckpointingOptions.MAX_RETAINED_CHECKPOINTS.key(), "2");
      conf.put("state.backend.type", "hashmap");
      conf.put("pipeline.name", jobName);
      conf.put(PipelineOptionsInternal.PIPELINE_FIXED_JOB_ID.key(), jobId.toHexString());
      conf.put("restart-strategy.type", "exponential-delay");
      body.path("conf").fields().forEachRemaining(e -> conf.put(e.getKey(), e.getValue().asText()));
      boolean resume = body.path("restore").asBoolean(true);
      // a new query never restores the state of an older one that had the same name
      if (!resume) checkpoints.getFileSystem().delete(checkpoints, true);
      Optional<org.apache.flink.core.fs.Path> restore = resume ? latestCheckpoint(name) : Optional.empty();
      restore.ifPresent(p -> {
        conf.put(StateRecoveryOptions.SAVEPOINT_PATH.key(), p.toUri().toString());
        conf.put(StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE.key(), "true");
      });
      TableResult result;
      try {
        result = newEnv(conf).executeSql(sql);
      } catch (Exception e) {
        if (!isDuplicate(e)) throw e;
        LOG.info("Query {} is already running as job {} (submitted by another engine)", name, jobId);
        return NODES.objectNode().put("name", name).put("jobId", jobId.toHexString()).put("state", "RUNNING")
            .put("startedAt", System.currentTimeMillis()).put("alreadyRunning", true);
      }
      JobClient client = result.getJobClient().orElseThrow(() -> new IllegalStateException("Statement started no job: " + sql));
      submitted.put(name, client);
      LOG.info("Started query {} as job {}{}", name, client.getJobID(), restore.map(p -> ", restored from " + p).orElse(""));
      ObjectNode out = NODES.objectNode().put("name", name).put("jobId", client.getJobID().toString()).put("state", "RUNNING")
          .put("startedAt", System.currentTimeMillis());
      restore.ifPresent(p -> out.put("restoredFrom", p.toString()));
      return out;
    }
  }

  private ObjectNode jobJson(String name, ClusterRest.Job job) {
    ObjectNode out = NODES.objectNode().put("name", name).put("jobId", job.id()).put("startedAt", job.startTime())
        .put("state", job.state());
    if (job.state().equals("FAILED")) out.put("error", cluster.failure(job.id()).orElse("the job failed"));
    return out;
  }

  /** This service's persistent jobs on the cluster: per query its running job, else its newest. */
  private ArrayNode listJobs() throws IOException {
    Map<String, ClusterRest.Job> byQuery = new HashMap<>();
    for (ClusterRest.Job job : cluster.jobs()) {
      String name = settings.queryName(job.name());
      if (name == null) continue;
      ClusterRest.Job seen = byQuery.get(name);
      boolean better = seen == null || (seen.terminal() && !job.terminal())
          || (seen.terminal() == job.terminal() && job.startTime() > seen.startTime());
      if (better) byQuery.put(name, job);
    }
    ArrayNode out = NODES.arrayNode();
    byQuery.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> out.add(jobJson(e.getKey(), e.getValue())));
    return out;
  }

  /** Cancels query {@code name}'s running jobs on the cluster (whoever submitted them) and waits up to 30 s for them to end. */
  private ObjectNode cancelJob(String name, boolean purge) throws Exception {
    safeName(name);
    submitted.remove(name);
    String jobName = settings.jobName(name);
    List<ClusterRest.Job> live = cluster.jobsNamed(jobName).stream().filter(j -> !j.terminal()).toList();
    for (ClusterRest.Job job : live) cluster.cancel(job.id());
    long deadline = System.currentTimeMillis() + 30_000;
    while (!live.isEmpty() && System.currentTimeMillis() < deadline
        && cluster.jobsNamed(jobName).stream().anyMatch(j -> !j.terminal())) {
      Thread.sleep(200);
    }
    if (purge) {
      org.apache.flink.core.fs.Path dir = settings.checkpointDir(name);
      dir.getFileSystem().delete(dir, true);
    }
    return NODES.objectNode().put("name", name).put("cancelled", !live.isEmpty());
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) return;
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }

  // ---- push queries ----

  private static final Object END = new Object();

  private void select(HttpExchange exchange, JsonNode body) throws Exception {
    String sql = body.path("sql").asText();
    Map<String, String> conf = new HashMap<>();
    body.path("conf").fields().forEachRemaining(e -> conf.put(e.getKey(), e.getValue().asText()));
    conf.put("pipeline.name", body.path("name").asText("push-query"));
    TableResult result;
    synchronized (submitLock) {
      result = newEnv(conf).executeSql(sql);
    }
    ResolvedSchema schema = result.getResolvedSchema();
    List<LogicalType> types = schema.getColumnDataTypes().stream().map(t -> t.getLogicalType()).toList();
    CloseableIterator<Row> rows = result.collect();
    BlockingQueue<Object> queue = new ArrayBlockingQueue<>(1024);
    Thread reader = new Thread(() -> {
      try {
        while (rows.hasNext()) queue.put(rows.next());
        queue.put(END);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Throwable e) {
        queue.offer(e);
      }
    }, "push-query-reader");
    reader.setDaemon(true);
    reader.start();
    String name = body.path("name").asText("push-query");
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean(false);
    pushQueries.put(name, stop);
    exchange.getResponseHeaders().set("Content-Type", "application/x-ndjson");
    exchange.sendResponseHeaders(200, 0);
    OutputStream out = exchange.getResponseBody();
    try {
      ObjectNode header = schemaJson(schema);
      result.getJobClient().ifPresent(c -> header.put("jobId", c.getJobID().toString()));
      writeLine(out, header);
      while (!stop.get()) {
        Object item = queue.poll(1, TimeUnit.SECONDS);
        if (item == null) {
          out.write('\n'); // heartbeat: finds a client that went away
          out.flush();
          continue;
        }
        if (item == END) {
          writeLine(out, NODES.objectNode().put("end", true));
          break;
        }
        if (item instanceof Throwable t) {
          writeLine(out, NODES.objectNode().put("error", rootMessage(t)));
          break;
        }
        Row row = (Row) item;
        ArrayNode values = NODES.arrayNode();
        for (int i = 0; i < types.size(); i++) values.add(valueJson(row.getField(i), types.get(i)));
        ObjectNode line = NODES.objectNode().put("kind", row.getKind() == null ? "+I" : row.getKind().shortString());
        line.set("row", values);
        writeLine(out, line);
      }
    } catch (IOException gone) {
      LOG.debug("Push query client went away");
    } finally {
      pushQueries.remove(name, stop);
      reader.interrupt();
      try {
        rows.close();
      } catch (Exception e) {
        LOG.debug("Closing push query: {}", rootMessage(e));
      }
      result.getJobClient().ifPresent(c -> c.cancel());
      try {
        out.close();
      } catch (IOException ignored) {
        // client went away
      }
    }
  }

  private static void writeLine(OutputStream out, JsonNode node) throws IOException {
    out.write(JSON.writeValueAsBytes(node));
    out.write('\n');
    out.flush();
  }
}
