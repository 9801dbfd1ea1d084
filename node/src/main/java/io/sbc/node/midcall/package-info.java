/**
 * What happens to a re-INVITE or UPDATE: glare, the midcall-signaling rules (pure) and the local
 * answers. Uses policy, sessiontimer, transaction and dialog; hands a relay back to the call.
 */
package io.sbc.node.midcall;
