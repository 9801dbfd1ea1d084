package io.sbc.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.sbc.gateway.AdmissionControl;
import io.sbc.gateway.Fence;
import io.sbc.node.cluster.ClusterFormation;
import io.sbc.node.cluster.ClusterGuards;
import io.sbc.gateway.GatewayCommand;
import io.sbc.gateway.SipGateway;
import io.sbc.gateway.tls.SipTls;
import io.sbc.node.call.CallEntity;
import io.sbc.node.call.CallSharding;
import io.sbc.node.call.OptionsProbes;
import io.sbc.node.call.CallServices;
import io.sbc.node.config.SbcSettings;
import io.sbc.node.gateways.GatewayDirectory;
import io.sbc.node.gateways.LiveGateways;
import io.sbc.node.http.ManagementContext;
import io.sbc.node.journal.CallWaker;
import io.sbc.node.journal.JournalJanitor;
import io.sbc.node.journal.JournalSchema;
import io.sbc.node.metrics.CallMetrics;
import io.sbc.node.metrics.ClusterMeters;
import io.sbc.node.metrics.GatewayMeters;
import io.sbc.node.metrics.NodeMetrics;
import io.sbc.node.policy.MidcallPolicyResolver;
import io.sbc.node.policy.PolicyStore;
import io.sbc.node.replicated.ReplicatedValue;
import io.sbc.node.routing.MidcallPolicies;
import io.sbc.node.routing.RouteStore;
import io.sbc.node.sessiontimer.SessionTimerStore;
import io.sbc.node.transaction.SipBuilder;
import io.sbc.node.http.ManagementTls;
import io.sbc.protocol.CallIds;
import io.sbc.protocol.CodecWarmUp;
import io.sbc.protocol.Transport;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.management.javadsl.PekkoManagement;
import org.apache.pekko.http.javadsl.ConnectionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts one SBC node: journal schema, cluster, sharding, SIP gateway, management HTTP. */
public final class Main {
  private static final Logger log = LoggerFactory.getLogger(Main.class);

  /** Exit codes an operator (or a supervisor) can tell apart. */
  static final int EXIT_BAD_CONFIG = 2;
  static final int EXIT_JOURNAL_UNAVAILABLE = 3;
  static final int EXIT_SIP_BIND_FAILED = 4;
  static final int EXIT_FENCED = 5;

  private Main() {}

  public static void main(String[] args) {
    Config config;
    SbcSettings settings;
    Optional<SSLContext> httpTls;
    Optional<SipTls> sipTls;
    try {
      config = withDerivedSettings(ConfigFactory.load());
      settings = SbcSettings.create(config);
      httpTls = ManagementTls.fromConfig(config.getConfig("sbc"));
      // read here, before anything starts: a configured certificate that does not load is exit 2
      sipTls = SipTls.load(settings.sip().tls());
    } catch (RuntimeException e) {
      log.error("invalid configuration: {}", e.getMessage());
      exit(EXIT_BAD_CONFIG);
      return;
    }
    try {
      Files.createDirectories(settings.dataDir());
      Config db = config.getConfig("pekko-persistence-jdbc.shared-databases.slick.db");
      JournalSchema.ensure(settings.journal(), db.getString("url"), db.getString("user"), db.getString("password"));
    } catch (Exception e) {
      log.error("journal database unusable ({}): {}", settings.journal(), e.getMessage());
      exit(EXIT_JOURNAL_UNAVAILABLE);
      return;
    }
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "sbc", config);
    try {
      start(system, config, settings, httpTls, sipTls);
    } catch (Exception e) {
      log.error("could not start the SIP gateway on {}:{}{}: {}", settings.sip().host(), settings.sip().port(),
          sipTls.isPresent() ? " (tls " + settings.sip().tls().port() + ")" : "", e.toString());
      system.terminate();
      exit(EXIT_SIP_BIND_FAILED);
    }
  }

  /** Exits with {@code status} once every log line is out (the appender is asynchronous). */
  private static void exit(int status) {
    flushLogs();
    System.exit(status);
  }

  /**
   * Stops logback, which writes out what its asynchronous appender still holds. Run at the very
   * end of coordinated shutdown rather than by a logback shutdown hook: JVM hooks run side by
   * side, and logback's own would stop logging while the node is still leaving the cluster.
   */
  private static void flushLogs() {
    if (LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext context) {
      context.stop();
    }
  }

  /** Starts the node's parts in order; each {@code init} says what it brings up. */
  static void start(ActorSystem<Void> system, Config config, SbcSettings settings, Optional<SSLContext> httpTls,
      Optional<SipTls> sipTls) throws InterruptedException {
    CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseActorSystemTerminate(), "flush-logs", () -> {
      flushLogs();
      return CompletableFuture.completedFuture(Done.getInstance());
    });
    ClusterFormation.join(system, config);
    // while the cluster handshake runs, and before the sockets open and /ready can turn true
    warmUp(config.getInt("sbc.warm-up.rounds"), config.getDuration("sbc.warm-up.max-time").toMillis());
    MeterRegistry registry = NodeMetrics.get(system).registry();
    Fence fence = ClusterGuards.fence(config, pause -> {
      log.error("fenced: this process was stopped for {} ms, long enough for the cluster to have downed it and "
          + "moved its calls; it drops all SIP and exits ({})", pause.toMillis(), EXIT_FENCED);
      flushLogs();
      Runtime.getRuntime().halt(EXIT_FENCED); // no leave, no hand-off: its calls may already live elsewhere
    });
    AdmissionControl admission = initAdmission(settings, registry, fence);
    CallIds callIds = new CallIds(settings.clusterSecret());
    AtomicReference<ActorRef<ShardingEnvelope<CallEntity.Command>>> region = new AtomicReference<>();
    SipBuilder build = new SipBuilder(settings.sip());
    OptionsProbes probes = new OptionsProbes(build, admission);
    FunctionCounter.builder("sbc_sip_options_answered", probes, OptionsProbes::answeredCount)
        .description("out-of-dialog OPTIONS (keep-alive probes) answered by the gateway without a call entity")
        .register(registry);
    SipGateway gateway = settings.gateway()
        ? new SipGateway(settings.sip(), sipTls, CallSharding.inboundSink(callIds, region::get, probes),
            GatewayMeters.bind(registry), admission)
        : null;
    ActorRef<GatewayCommand> gatewayRef = gateway == null ? null : GatewayDirectory.spawn(system, gateway);
    PolicyStore policyStore = PolicyStore.start(system);
    RouteStore routeStore = RouteStore.start(system, settings.configuredRoutes());
    SessionTimerStore timerStore = SessionTimerStore.start(system, settings.configuredSessionTimer());
    MidcallPolicyResolver policies = new MidcallPolicies(
        routeStore, settings.midcallPolicy(), policyStore::forRoute, policyStore::global);
    LiveGateways gateways = LiveGateways.cluster(system, gatewayRef, settings.sip().address(), GatewayDirectory.start(system));
    CallServices services = new CallServices(settings, routeStore, timerStore, build, callIds,
        gatewayRef, new CallMetrics(registry), admission, policies, gateways,
        entityId -> region.get().tell(new ShardingEnvelope<>(entityId, new CallEntity.Wake())));
    region.set(CallSharding.init(system, services));
    ClusterMeters.start(system, CallEntity.ENTITY_KEY, registry, Duration.ofSeconds(5));
    ClusterGuards.start(system, config, fence);
    ManagementContext management = ManagementContext.get(system);
    management.bind(new ManagementContext.Parts(system, settings, policyStore, routeStore, timerStore, policies,
        admission, region.get()));
    awaitRuntimeSettings(List.of(policyStore.loaded(), routeStore.loaded(), timerStore.loaded()));
    if (gateway != null) {
      initSipSockets(system, gateway, gatewayRef, admission, settings.leaveDrainTime());
    }
    management.sipListening();
    initJournalTasks(system, config, settings.journalCleanup(), registry, region.get());
    PekkoManagement.get(system).start(server -> httpTls
        .map(tls -> server.withHttpsConnectionContext(ConnectionContext.httpsServer(tls)))
        .orElse(server))
        .whenComplete((uri, failure) -> {
          if (failure != null) { // no management server: no /ready, no API; say why rather than hang unready
            log.error("the management HTTP server did not start: {}", failure.toString(), failure);
          } else {
            ClusterFormation.bootstrap(system, config);
          }
        });
    logStarted(config, settings);
  }

  /** Compiles the SIP codec's hot paths before the sockets open and {@code /ready} can turn true. */
  private static void warmUp(int rounds, long maxMillis) {
    if (rounds > 0) {
      CodecWarmUp.Result r = CodecWarmUp.run(rounds, maxMillis);
      log.info("warm-up: the SIP codec decoded and encoded {} messages in {} ms before the node takes calls",
          r.messages(), r.millis());
    }
  }

  /**
   * Waits (at most 10 s) until the runtime settings stored on this node (LMDB) are known, so that
   * no call is taken with the configured route table or timers while a runtime one is on disk.
   */
  private static void awaitRuntimeSettings(List<CompletionStage<Done>> loaded) throws InterruptedException {
    try {
      CompletableFuture.allOf(loaded.stream().map(CompletionStage::toCompletableFuture)
          .toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      log.warn("runtime settings (policy, route table, session timers) not loaded within 10 s; "
          + "the configured values apply until they are: {}", e.toString());
    }
  }

  /** Overload protection for new INVITEs, with its figures on /metrics. */
  private static AdmissionControl initAdmission(SbcSettings settings, MeterRegistry registry, Fence fence) {
    AdmissionControl admission = new AdmissionControl(
        settings.admission().maxProcessingLag().toMillis(),
        (int) settings.admission().retryAfter().toSeconds(), fence);
    FunctionCounter.builder("sbc_calls_refused_overload", admission, AdmissionControl::rejected).register(registry);
    FunctionCounter.builder("sbc_calls_refused_draining", admission, AdmissionControl::refusedDraining).register(registry);
    Gauge.builder("sbc_processing_lag_ms", admission, AdmissionControl::averageLagMillis).register(registry);
    Gauge.builder("sbc_longest_stall_ms", fence, Fence::longestStallMillis)
        .description("longest time this process stood still (pause watch, 100 ms ticks)").register(registry);
    return admission;
  }

  /** Binds the SIP sockets (the gateway actor is already registered) and closes them on shutdown. */
  /**
   * Binds the SIP sockets. A node that leaves (SIGTERM, a leave over HTTP) first refuses new
   * INVITEs (503 draining, /ready false) and keeps listening while its shards are handed off, so
   * in-dialog requests of its calls still reach them; the sockets close once the node leaves.
   */
  private static void initSipSockets(ActorSystem<Void> system, SipGateway sockets, ActorRef<GatewayCommand> gatewayRef,
      AdmissionControl admission, Duration drainTime) throws InterruptedException {
    sockets.start(gatewayRef);
    GatewayDirectory.announce(system, gatewayRef);
    CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
    shutdown.addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "drain-new-calls", () -> {
      admission.draining(true);
      log.info("leaving: new INVITEs get 503 (draining); calls go on while the shards move");
      return CompletableFuture.completedFuture(Done.getInstance());
    });
    shutdown.addTask(CoordinatedShutdown.PhaseServiceRequestsDone(), "finish-transactions", () ->
        CompletableFuture.supplyAsync(Done::getInstance,
            CompletableFuture.delayedExecutor(drainTime.toMillis(), TimeUnit.MILLISECONDS)));
    shutdown.addTask(CoordinatedShutdown.PhaseClusterLeave(), "close-sip-gateway", () -> {
      sockets.close();
      return CompletableFuture.completedFuture(Done.getInstance());
    });
  }

  private static void logStarted(Config config, SbcSettings settings) {
    log.info("SBC node up ({}): SIP {}:{} next hop {} (config), HTTP {}:{}, journal {} in {}, midcall-signaling {} (config), "
            + "session timers {} (config)",
        String.join(",", settings.roles()), settings.gateway() ? settings.sip().host() : "-",
        settings.gateway() ? settings.sip().port() : "-", config.getString("sbc.next-hop"),
        config.getString("pekko.management.http.hostname"), config.getInt("pekko.management.http.port"),
        settings.journal(), settings.dataDir(), settings.midcallPolicy().keyword(),
        settings.configuredSessionTimer().enabled()
            ? settings.configuredSessionTimer().sessionExpires().toSeconds() + " s (Min-SE " + settings.configuredSessionTimer().minSe().toSeconds() + " s)"
            : "off");
    boolean tlsHops = settings.configuredRoutes().defaultHop().transport() == Transport.TLS
        || settings.configuredRoutes().all().stream().anyMatch(r -> r.nextHop().transport() == Transport.TLS);
    if (tlsHops && !settings.sip().tls().enabled()) {
      log.warn("a configured next hop needs TLS but this node has none (SBC_SIP_TLS_CERT / SBC_SIP_TLS_KEY): "
          + "calls routed there get 503, nothing is sent in plaintext");
    }
    if (settings.configuredSessionTimer().enabled() && settings.configuredSessionTimer().minSe().toSeconds() < 90) {
      log.warn("sbc.session-timer.min-se is {} s, below the 90 s RFC 4028 requires; fine for tests only",
          settings.configuredSessionTimer().minSe().toSeconds());
    }
  }

  /**
   * The background work on the journal database: the janitor deleting ended calls' events, and
   * the waker restarting established calls after a node loss or a restart.
   */
  private static void initJournalTasks(ActorSystem<Void> system, Config config, SbcSettings.JournalCleanup cleanup,
      MeterRegistry registry, ActorRef<ShardingEnvelope<CallEntity.Command>> region) {
    Config db = config.getConfig("pekko-persistence-jdbc.shared-databases.slick.db");
    String url = db.getString("url");
    String user = db.getString("user");
    String password = db.getString("password");
    io.micrometer.core.instrument.Counter deleted = registry.counter("sbc_journal_rows_deleted");
    JournalJanitor janitor = new JournalJanitor(url, user, password, cleanup.keepEndedFor(), deleted::increment);
    janitor.start(cleanup.interval());
    io.micrometer.core.instrument.Counter woken = registry.counter("sbc_calls_woken");
    CallWaker waker = CallWaker.start(system, id -> region.tell(new ShardingEnvelope<>(id, new CallEntity.Wake())),
        url, user, password, Duration.ofSeconds(10),
        CallWaker.removalMargin(config), woken::increment);
    CoordinatedShutdown.get(system)
        .addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(), "stop-journal-tasks", () -> {
          janitor.close();
          waker.close();
          return CompletableFuture.completedFuture(Done.getInstance());
        });
  }

  /**
   * Values computed from others: seed nodes or bootstrap contact points (ClusterFormation), the H2 URL and the durable
   * runtime settings' directory from the data dir, Pekko's app-version from the build.
   */
  static Config withDerivedSettings(Config config) {
    Config out = ReplicatedValue.durableConfig(
            java.nio.file.Path.of(config.getString("sbc.data-dir")), config.getInt("sbc.cluster.port"))
        .withFallback(config);
    out = out.withValue("pekko.cluster.app-version", ConfigValueFactory.fromAnyRef(appVersion(config)));
    out = out.withValue("pekko.cluster.roles",
        ConfigValueFactory.fromIterable(SbcSettings.parseRoles(config.getString("sbc.roles"))));
    out = ClusterFormation.derive(config).withFallback(out);
    String journal = config.getString("sbc.journal");
    String url = config.getString("pekko-persistence-jdbc.shared-databases.slick.db.url");
    if (journal.equals("postgres")) {
      if (!url.startsWith("jdbc:postgresql:")) {
        throw new IllegalArgumentException(
            "sbc.journal = postgres needs SBC_JDBC_URL=jdbc:postgresql://host:port/database (got '" + url + "')");
      }
      out = out.withValue("pekko-persistence-jdbc.shared-databases.slick.profile",
              ConfigValueFactory.fromAnyRef("slick.jdbc.PostgresProfile$"))
          .withValue("pekko-persistence-jdbc.shared-databases.slick.db.driver",
              ConfigValueFactory.fromAnyRef("org.postgresql.Driver"));
    } else if (!journal.equals("h2")) {
      throw new IllegalArgumentException("sbc.journal must be h2 or postgres, got '" + journal + "'");
    }
    if (journal.equals("h2") && url.isEmpty()) {
      String dir = java.nio.file.Path.of(config.getString("sbc.data-dir")).toAbsolutePath().normalize().toString();
      out = out.withValue("pekko-persistence-jdbc.shared-databases.slick.db.url",
          ConfigValueFactory.fromAnyRef("jdbc:h2:file:" + dir + "/journal;DB_CLOSE_ON_EXIT=FALSE"));
    }
    return out.resolve();
  }

  /** {@code sbc.app-version}, or when empty the version this jar was built as. */
  static String appVersion(Config config) {
    String configured = config.getString("sbc.app-version").trim();
    if (!configured.isEmpty()) {
      return configured;
    }
    java.util.Properties build = new java.util.Properties();
    try (java.io.InputStream in = Main.class.getResourceAsStream("/sbc-build.properties")) {
      if (in != null) {
        build.load(in);
      }
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot read sbc-build.properties: " + e.getMessage(), e);
    }
    String version = build.getProperty("version", "");
    if (version.isEmpty() || version.startsWith("${")) {
      throw new IllegalStateException("no build version in sbc-build.properties; set sbc.app-version (SBC_APP_VERSION)");
    }
    return version;
  }
}
