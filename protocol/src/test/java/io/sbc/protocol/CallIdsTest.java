package io.sbc.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CallIdsTest {
  private final CallIds ids = new CallIds("cluster-secret");

  @Test
  void foreignCallIdHashesToAStableEntityId() {
    String id = ids.entityIdOf("1-2345@10.0.0.1");
    assertEquals(32, id.length());
    assertEquals(id, ids.entityIdOf("1-2345@10.0.0.1"));
    assertNotEquals(id, ids.entityIdOf("2-2345@10.0.0.1"));
  }

  @Test
  void issuedCallIdCarriesTheEntityIdAndHidesTheOriginal() {
    String entity = ids.entityIdOf("abc@caller.example");
    String bLeg = ids.issue(entity, 1);
    assertFalse(bLeg.contains("caller.example"));
    assertEquals(entity, ids.entityIdOf(bLeg));
    assertTrue(ids.issuedEntityId(bLeg).isPresent());
  }

  @Test
  void forgedOrForeignClusterCallIdIsTreatedAsForeign() {
    String entity = ids.entityIdOf("abc@caller.example");
    String bLeg = ids.issue(entity, 1);
    String forged = bLeg.substring(0, bLeg.length() - 1) + (bLeg.endsWith("0") ? "1" : "0");
    assertTrue(ids.issuedEntityId(forged).isEmpty());
    assertNotEquals(entity, ids.entityIdOf(forged));
    assertTrue(new CallIds("other-secret").issuedEntityId(bLeg).isEmpty());
    assertTrue(ids.issuedEntityId("sbc-short-1-abc").isEmpty());
  }
}
