package tickpipe.flink;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.plugin.DefaultPluginManager;
import org.apache.flink.core.plugin.DirectoryBasedPluginFinder;
import org.apache.flink.core.plugin.PluginConfig;
import org.apache.flink.core.plugin.PluginManager;

/**
 * Where the engine's jobs run and keep their state, read once from the environment:
 *
 * <pre>
 *   FLINK_REST_URL         a Flink session cluster's REST address; unset: an embedded MiniCluster
 *   FLINK_CHECKPOINT_DIR   checkpoints and savepoints (any Flink file system, e.g. s3://bucket/path),
 *                          one folder per KSQLDB_SERVICE_ID beneath; needed with FLINK_REST_URL;
 *                          unset: &lt;state dir&gt;/checkpoints
 *   FLINK_PLUGINS_DIR      Flink's plugins folder (the S3 file system); default .tools/jars/flink-plugins
 *   KSQLDB_SERVICE_ID      names the jobs on a shared cluster (default "tickpipe_")
 *   AWS_ENDPOINT_URL_S3    an S3-compatible server (path-style access); AWS_REGION its region.
 *                          The credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) are read from the
 *                          environment by the S3 plugin itself and never put in a configuration.
 * </pre>
 */
final class EngineSettings {
  private final URI restUrl;
  private final String checkpointRoot;
  private final String namespace;
  private final Path pluginsDir;

  private EngineSettings(URI restUrl, String checkpointRoot, String namespace, Path pluginsDir) {
    this.restUrl = restUrl;
    this.checkpointRoot = checkpointRoot;
    this.namespace = namespace;
    this.pluginsDir = pluginsDir;
  }

  /**
   * Reads the settings; {@code stateDir} holds the embedded mode's checkpoints.
   *
   * @throws IllegalArgumentException naming the variable, its value and the fix
   */
  static EngineSettings fromEnvironment(Path stateDir) {
    String rest = env("FLINK_REST_URL");
    URI restUrl = null;
    if (rest != null) {
      try {
        restUrl = new URI(rest.replaceAll("/+$", ""));
      } catch (URISyntaxException e) {
        restUrl = null;
      }
      if (restUrl == null || restUrl.getHost() == null || restUrl.getPort() < 0
          || !List.of("http", "https").contains(String.valueOf(restUrl.getScheme()))) {
        throw new IllegalArgumentException("FLINK_REST_URL=\"" + rest
            + "\" is not a Flink REST address; set it like \"http://127.0.0.1:8081\" (the JobManager's rest.port) or unset it for the embedded MiniCluster");
      }
    }
    String namespace = env("KSQLDB_SERVICE_ID") == null ? "tickpipe_" : env("KSQLDB_SERVICE_ID");
    if (!namespace.matches("[A-Za-z0-9_.-]{1,100}")) {
      throw new IllegalArgumentException("KSQLDB_SERVICE_ID=\"" + namespace + "\" names Flink jobs and checkpoint folders; use letters, digits, _ . - only");
    }
    String dir = env("FLINK_CHECKPOINT_DIR");
    String root;
    if (dir == null) {
      if (restUrl != null) {
        throw new IllegalArgumentException("FLINK_REST_URL=\"" + rest
            + "\" is set but FLINK_CHECKPOINT_DIR is not: the cluster's TaskManagers restore jobs from shared storage; set FLINK_CHECKPOINT_DIR like \"s3://tickpipe-flink/checkpoints\"");
      }
      root = stateDir.resolve("checkpoints").toUri().toString();
    } else {
      URI uri = URI.create(dir);
      if (uri.getScheme() == null) {
        throw new IllegalArgumentException("FLINK_CHECKPOINT_DIR=\"" + dir + "\" has no scheme; set it like \"s3://tickpipe-flink/checkpoints\" or \"file:///shared/flink\"");
      }
      root = dir.replaceAll("/+$", "") + "/" + namespace;
    }
    String plugins = env("FLINK_PLUGINS_DIR");
    return new EngineSettings(restUrl, root, namespace, plugins != null ? Paths.get(plugins) : defaultPluginsDir());
  }

  private static String env(String name) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? null : value.trim();
  }

  /** .tools/jars/flink-plugins beside the folder of the engine's jar. */
  private static Path defaultPluginsDir() {
    Path jar = codeSource(FlinkEngine.class);
    return (jar == null ? Paths.get(".tools/jars/flink") : jar.getParent()).resolveSibling("flink-plugins");
  }

  private static Path codeSource(Class<?> type) {
    try {
      URL url = type.getProtectionDomain().getCodeSource().getLocation();
      return Paths.get(url.toURI());
    } catch (URISyntaxException | NullPointerException e) {
      return null;
    }
  }

  /** The Flink session cluster's REST address, or null for the embedded MiniCluster. */
  URI restUrl() {
    return restUrl;
  }

  /** Where every query's checkpoint folder lives. */
  String checkpointRoot() {
    return checkpointRoot;
  }

  /** Query {@code name}'s checkpoints and savepoints. */
  org.apache.flink.core.fs.Path checkpointDir(String name) {
    return new org.apache.flink.core.fs.Path(checkpointRoot + "/" + name);
  }

  /** The Flink job name of persistent query {@code name} (as ksqlDB names its internal topics). */
  String jobName(String name) {
    return namespace + "query_" + name;
  }

  /** The query name of Flink job {@code jobName}, or null when it is not one of this service's. */
  String queryName(String jobName) {
    String prefix = namespace + "query_";
    return jobName.startsWith(prefix) ? jobName.substring(prefix.length()) : null;
  }

  /**
   * The jars a job needs beyond a Flink distribution's lib/: the Kafka SQL connector and this
   * engine (its UDFs), shipped with every job to a remote cluster; none for the MiniCluster.
   */
  String[] shippedJars() {
    if (restUrl == null) return new String[0];
    List<String> jars = new ArrayList<>();
    for (String type : List.of("tickpipe.flink.FlinkEngine", "org.apache.flink.streaming.connectors.kafka.table.KafkaDynamicTableFactory")) {
      try {
        Path jar = codeSource(Class.forName(type));
        if (jar != null && Files.isRegularFile(jar)) jars.add(jar.toString());
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException("Cannot find " + type + " on the engine's classpath; run bash stack/install/flink.sh", e);
      }
    }
    return jars.toArray(new String[0]);
  }

  /** The file systems' settings: an S3-compatible endpoint (path-style) and region, when set. */
  Configuration fileSystemConf() {
    Configuration conf = new Configuration();
    String endpoint = env("AWS_ENDPOINT_URL_S3");
    if (endpoint != null) {
      conf.setString("s3.endpoint", endpoint);
      conf.setString("s3.path.style.access", "true");
    }
    String region = env("AWS_REGION");
    if (region != null) conf.setString("s3.endpoint.region", region);
    return conf;
  }

  /** Flink's plugins (the S3 file system) from {@link #pluginsDir}; none when it does not exist. */
  PluginManager pluginManager() throws IOException {
    String[] parentFirst = PluginConfig.fromConfiguration(new Configuration()).getAlwaysParentFirstPatterns();
    if (!Files.isDirectory(pluginsDir)) return new DefaultPluginManager(List.of(), parentFirst);
    return new DefaultPluginManager(new DirectoryBasedPluginFinder(pluginsDir).findPlugins(), parentFirst);
  }
}
