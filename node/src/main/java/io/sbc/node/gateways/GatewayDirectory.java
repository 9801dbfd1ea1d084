package io.sbc.node.gateways;

import io.sbc.gateway.GatewayActor;
import io.sbc.gateway.GatewayAddress;
import io.sbc.gateway.GatewayCommand;
import io.sbc.gateway.SipGateway;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * The SIP gateways of the cluster and their advertised addresses, kept from the receptionist's
 * listing. A node without a gateway of its own (role {@code call} only) re-homes a call's legs
 * on one of them when the gateway that anchored the call is gone. Reads are lock-free.
 */
public final class GatewayDirectory {
  static final ServiceKey<GatewayCommand> KEY = ServiceKey.create(GatewayCommand.class, "sip-gateway");

  /** A gateway and its addresses. */
  record Entry(ActorRef<GatewayCommand> gateway, GatewayAddress address) {
    String hostPort() {
      return address.hostPort();
    }
  }

  private static final GatewayAddress UNDESCRIBED = new GatewayAddress("", "");

  private final AtomicReference<List<Entry>> entries = new AtomicReference<>(List.of());
  /** Every gateway the receptionist lists now, described or not yet. */
  private final AtomicReference<Set<ActorRef<GatewayCommand>>> listed = new AtomicReference<>(Set.of());

  private GatewayDirectory() {}

  /**
   * Starts this node's gateway actor over {@code sockets} and registers it, so that gateway-less
   * nodes can find it; returns it.
   */
  public static ActorRef<GatewayCommand> spawn(ActorSystem<?> system, SipGateway sockets) {
    return system.systemActorOf(GatewayActor.create(sockets), "sip-gateway", Props.empty());
  }

  /**
   * Lists the gateway for the other nodes, once its sockets are bound: calls anchored on this
   * address (a node restarted on it) start sending through it as soon as it is listed.
   */
  public static void announce(ActorSystem<?> system, ActorRef<GatewayCommand> gateway) {
    system.receptionist().tell(Receptionist.register(KEY, gateway));
  }

  public static GatewayDirectory start(ActorSystem<?> system) {
    GatewayDirectory directory = new GatewayDirectory();
    system.systemActorOf(directory.behavior(), "gateway-directory", Props.empty());
    return directory;
  }

  /** Whether the receptionist lists this very gateway (this incarnation of its node) now. */
  boolean listed(ActorRef<GatewayCommand> gateway) {
    return listed.get().contains(gateway);
  }

  /** The addresses of this very gateway, if it has described itself. */
  Optional<GatewayAddress> addressOf(ActorRef<GatewayCommand> gateway) {
    return entries.get().stream().filter(e -> e.gateway().equals(gateway)).map(Entry::address).findFirst();
  }

  /** The known gateways, ordered by address (a stable order to spread calls over). */
  List<Entry> entries() {
    return entries.get();
  }

  private Behavior<Object> behavior() {
    return Behaviors.setup(ctx -> {
      ActorRef<Receptionist.Listing> listings = ctx.messageAdapter(Receptionist.Listing.class, l -> l);
      ActorRef<GatewayCommand.Description> descriptions =
          ctx.messageAdapter(GatewayCommand.Description.class, d -> d);
      ctx.getSystem().receptionist().tell(Receptionist.subscribe(KEY, listings));
      Map<ActorRef<GatewayCommand>, GatewayAddress> known = new HashMap<>();
      return Behaviors.receive(Object.class)
          .onMessage(Receptionist.Listing.class, listing -> {
            Set<ActorRef<GatewayCommand>> live = listing.getServiceInstances(KEY);
            listed.set(Set.copyOf(live));
            known.keySet().retainAll(live);
            for (ActorRef<GatewayCommand> g : live) {
              if (!known.containsKey(g)) {
                known.put(g, UNDESCRIBED);
                g.tell(new GatewayCommand.Describe(descriptions));
              }
            }
            publish(known);
            return Behaviors.same();
          })
          .onMessage(GatewayCommand.Description.class, d -> {
            if (known.containsKey(d.gateway())) {
              known.put(d.gateway(), d.address());
              ctx.getLog().info("SIP gateway {}{} at {}", d.hostPort(),
                  d.tlsHostPort().isEmpty() ? "" : " (tls " + d.tlsHostPort() + ")", d.gateway().path().address());
              publish(known);
            }
            return Behaviors.same();
          })
          .build();
    });
  }

  private void publish(Map<ActorRef<GatewayCommand>, GatewayAddress> known) {
    entries.set(known.entrySet().stream()
        .filter(e -> !e.getValue().hostPort().isEmpty())
        .map(e -> new Entry(e.getKey(), e.getValue()))
        .sorted(Comparator.comparing(Entry::hostPort))
        .toList());
  }
}
