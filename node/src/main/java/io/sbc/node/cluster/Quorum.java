package io.sbc.node.cluster;

import java.util.Collection;
import java.util.Comparator;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.ClusterEvent.CurrentClusterState;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;

/**
 * The rule of the Split Brain Resolver's keep-majority, for this node's own decisions: a set of
 * members may act for the cluster when it holds more than half of the members that count, or
 * exactly half including the one with the lowest address.
 */
final class Quorum {
  private static final Comparator<Address> LOWEST = Comparator
      .comparing((Address a) -> a.getHost().orElse(""))
      .thenComparing(a -> a.getPort().orElse(0));

  private Quorum() {}

  static boolean holds(Collection<Address> members, Collection<Address> alive) {
    long present = alive.stream().filter(members::contains).count();
    if (present * 2 != members.size()) {
      return present * 2 > members.size();
    }
    return members.stream().min(LOWEST).map(alive::contains).orElse(false);
  }

  /** The members that count: Up, WeaklyUp or Leaving (as for the SBR; joining ones do not). */
  static Set<Address> counted(CurrentClusterState state) {
    return StreamSupport.stream(state.getMembers().spliterator(), false)
        .filter(Quorum::counts).map(Member::address).collect(Collectors.toSet());
  }

  /** The counted members this node can reach. */
  static Set<Address> reachable(CurrentClusterState state) {
    Set<Address> unreachable = state.getUnreachable().stream().map(Member::address).collect(Collectors.toSet());
    return counted(state).stream().filter(a -> !unreachable.contains(a)).collect(Collectors.toSet());
  }

  private static boolean counts(Member m) {
    MemberStatus s = m.status();
    return s == MemberStatus.up() || s == MemberStatus.weaklyUp() || s == MemberStatus.leaving();
  }
}
