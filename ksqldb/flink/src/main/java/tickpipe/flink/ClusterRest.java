package tickpipe.flink;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The jobs of the Flink cluster the engine submits to, through its REST API: the embedded
 * MiniCluster's or a session cluster's (FLINK_REST_URL). Every engine of a shared cluster sees
 * the same jobs, whichever submitted them.
 */
final class ClusterRest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
  private final URI base;
  private final boolean remote;

  /** A job as the cluster reports it. */
  record Job(String id, String name, String state, long startTime) {
    boolean terminal() {
      return List.of("FINISHED", "CANCELED", "FAILED").contains(state);
    }
  }

  /** The cluster could not be reached; the message names its address and the fix. */
  static final class Unreachable extends IOException {
    Unreachable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  ClusterRest(URI base, boolean remote) {
    this.base = base;
    this.remote = remote;
  }

  private JsonNode call(String method, String path, Duration timeout) throws IOException {
    HttpRequest request = HttpRequest.newBuilder(base.resolve(path)).timeout(timeout)
        .method(method, HttpRequest.BodyPublishers.noBody()).build();
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new Unreachable(where() + " does not answer " + method + " " + path + " (" + FlinkEngine.rootMessage(e) + "); "
          + (remote ? "start the JobManager or set FLINK_REST_URL to its REST address (rest.port)" : "restart the Flink engine"), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("Interrupted while calling " + where(), e);
    }
    if (response.statusCode() >= 300) {
      throw new IOException(where() + " answered " + response.statusCode() + " to " + method + " " + path + ": " + response.body());
    }
    return response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
  }

  private String where() {
    return remote ? "The Flink cluster at " + base + " (FLINK_REST_URL)" : "The embedded Flink MiniCluster at " + base;
  }

  /** Why the cluster cannot be used now, if it cannot (within 2 s). */
  Optional<String> unreachable() {
    try {
      call("GET", "/overview", Duration.ofSeconds(2));
      return Optional.empty();
    } catch (IOException e) {
      return Optional.of(e.getMessage());
    }
  }

  /** Every job the cluster remembers, running or ended. */
  List<Job> jobs() throws IOException {
    List<Job> out = new ArrayList<>();
    for (JsonNode job : call("GET", "/jobs/overview", Duration.ofSeconds(10)).path("jobs")) {
      out.add(new Job(job.path("jid").asText(), job.path("name").asText(), job.path("state").asText(), job.path("start-time").asLong()));
    }
    return out;
  }

  /** The jobs called {@code name}, newest first. */
  List<Job> jobsNamed(String name) throws IOException {
    return jobs().stream().filter(j -> j.name().equals(name)).sorted((a, b) -> Long.compare(b.startTime(), a.startTime())).toList();
  }

  /** Cancels job {@code id}. */
  void cancel(String id) throws IOException {
    call("PATCH", "/jobs/" + id + "?mode=cancel", Duration.ofSeconds(10));
  }

  /** The first line of the exception that failed job {@code id}, if the cluster still has it. */
  Optional<String> failure(String id) {
    try {
      JsonNode body = call("GET", "/jobs/" + id + "/exceptions?maxExceptions=1", Duration.ofSeconds(5));
      JsonNode entry = body.path("exceptionHistory").path("entries").path(0);
      String trace = entry.path("stacktrace").asText(body.path("root-exception").asText(""));
      return trace.isEmpty() ? Optional.empty() : Optional.of(trace.lines().findFirst().orElse(trace));
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
