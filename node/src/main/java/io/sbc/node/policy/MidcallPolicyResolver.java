package io.sbc.node.policy;

/**
 * The midcall-signaling policy in force for a route right now. Called for every re-INVITE and
 * UPDATE, so implementations answer from memory.
 */
@FunctionalInterface
public interface MidcallPolicyResolver {
  MidcallPolicy policyFor(String route);
}
