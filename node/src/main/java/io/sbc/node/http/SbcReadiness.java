package io.sbc.node.http;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.ActorSystem;

/**
 * The SBC's part of {@code /ready} (Pekko Management adds its own, e.g. cluster membership): true
 * once the SIP listeners are bound and while the node is not draining, so that whatever balances
 * traffic in front stops sending new calls to a node that refuses them.
 */
public final class SbcReadiness implements Supplier<CompletionStage<Boolean>> {
  private final ManagementContext context;

  public SbcReadiness(ActorSystem system) {
    this.context = ManagementContext.get(system);
  }

  @Override
  public CompletionStage<Boolean> get() {
    ManagementContext.Parts parts = context.parts();
    return CompletableFuture.completedFuture(
        parts != null && context.isSipListening() && !parts.admission().draining());
  }
}
