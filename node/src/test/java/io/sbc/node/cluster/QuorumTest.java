package io.sbc.node.cluster;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.Address;
import org.junit.jupiter.api.Test;

class QuorumTest {
  private static Address node(int port) {
    return new Address("pekko", "sbc", "127.0.0.1", port);
  }

  private final Address a = node(7001);
  private final Address b = node(7002);
  private final Address c = node(7003);
  private final Address d = node(7004);

  @Test
  void moreThanHalfHoldsLessDoesNot() {
    assertTrue(Quorum.holds(Set.of(a, b, c), List.of(a, b)));
    assertFalse(Quorum.holds(Set.of(a, b, c), List.of(c)));
    assertTrue(Quorum.holds(Set.of(a), List.of(a)), "a cluster of one");
  }

  @Test
  void anEvenSplitIsWonByTheSideWithTheLowestAddressAsTheSplitBrainResolverDecides() {
    assertTrue(Quorum.holds(Set.of(a, b, c, d), List.of(a, d)));
    assertFalse(Quorum.holds(Set.of(a, b, c, d), List.of(b, c)));
    assertTrue(Quorum.holds(Set.of(a, b), List.of(a)));
    assertFalse(Quorum.holds(Set.of(a, b), List.of(b)));
  }

  @Test
  void aliveAddressesThatAreNoMembersDoNotCount() {
    assertFalse(Quorum.holds(Set.of(a, b, c), List.of(c, d, node(7005))));
  }
}
