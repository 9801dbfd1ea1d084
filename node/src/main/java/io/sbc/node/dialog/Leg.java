package io.sbc.node.dialog;

import io.sbc.gateway.CborSerializable;
import io.sbc.gateway.Flow;
import java.util.List;

/**
 * One side of the B2BUA: the dialog between the SBC and one peer (RFC 3261 §12). The SBC is the
 * UAS on the A-leg and the UAC on the B-leg; both are described from the SBC's point of view.
 *
 * @param localAddress the SBC's name-addr on this leg (From on B, To on A), without tag
 * @param remoteAddress the peer's name-addr on this leg, without tag
 * @param remoteTarget the peer's Contact URI, where in-dialog requests go
 * @param routeSet Route values for in-dialog requests, in the order to send them
 * @param remoteSdp the last session description the peer sent on this leg (may be empty)
 * @param remoteSdpType its Content-Type
 * @param localSdp the last session description the SBC sent on this leg and the peer accepted
 */
public record Leg(
    Side side,
    String callId,
    String localTag,
    String remoteTag,
    String localAddress,
    String remoteAddress,
    String remoteTarget,
    List<String> routeSet,
    long localCseq,
    long remoteCseq,
    Flow flow,
    String remoteSdp,
    String remoteSdpType,
    String localSdp)
    implements CborSerializable {

  public enum Side {
    A,
    B;

    public Side other() {
      return this == A ? B : A;
    }
  }

  public Leg {
    routeSet = List.copyOf(routeSet);
    remoteTag = remoteTag == null ? "" : remoteTag;
    remoteSdp = remoteSdp == null ? "" : remoteSdp;
    remoteSdpType = remoteSdpType == null ? "" : remoteSdpType;
    localSdp = localSdp == null ? "" : localSdp;
  }

  public Leg withNextLocalCseq() {
    return withLocalCseq(localCseq + 1);
  }

  public Leg withLocalCseqBumpedBy(long step) {
    return withLocalCseq(localCseq + step);
  }

  private Leg withLocalCseq(long cseq) {
    return new Leg(side, callId, localTag, remoteTag, localAddress, remoteAddress, remoteTarget,
        routeSet, cseq, remoteCseq, flow, remoteSdp, remoteSdpType, localSdp);
  }

  public Leg withRemoteCseq(long cseq) {
    return new Leg(side, callId, localTag, remoteTag, localAddress, remoteAddress, remoteTarget,
        routeSet, localCseq, cseq, flow, remoteSdp, remoteSdpType, localSdp);
  }

  public Leg withRemoteTarget(String target) {
    return new Leg(side, callId, localTag, remoteTag, localAddress, remoteAddress, target,
        routeSet, localCseq, remoteCseq, flow, remoteSdp, remoteSdpType, localSdp);
  }

  /** What a 2xx or dialog-creating 1xx from the B side fixes: its tag, target and route set. */
  public Leg withRemoteDialog(String tag, String target, List<String> routes) {
    return new Leg(side, callId, localTag, tag, localAddress, remoteAddress, target,
        routes, localCseq, remoteCseq, flow, remoteSdp, remoteSdpType, localSdp);
  }

  /** The session description the peer established on this leg (an empty body changes nothing). */
  public Leg withRemoteSdp(String sdp, String type) {
    if (sdp == null || sdp.isEmpty()) {
      return this;
    }
    return new Leg(side, callId, localTag, remoteTag, localAddress, remoteAddress, remoteTarget,
        routeSet, localCseq, remoteCseq, flow, sdp, type, localSdp);
  }

  /** The session description the SBC established towards the peer (an empty body changes nothing). */
  public Leg withLocalSdp(String sdp) {
    if (sdp == null || sdp.isEmpty()) {
      return this;
    }
    return new Leg(side, callId, localTag, remoteTag, localAddress, remoteAddress, remoteTarget,
        routeSet, localCseq, remoteCseq, flow, remoteSdp, remoteSdpType, sdp);
  }

  public Leg withFlow(Flow f) {
    return new Leg(side, callId, localTag, remoteTag, localAddress, remoteAddress, remoteTarget,
        routeSet, localCseq, remoteCseq, f, remoteSdp, remoteSdpType, localSdp);
  }

  /** Whether what a failover needs of this leg (media and target) differs from {@code o}. */
  public boolean dialogDiffers(Leg o) {
    return o == null || !remoteSdp.equals(o.remoteSdp) || !localSdp.equals(o.localSdp)
        || !remoteTarget.equals(o.remoteTarget);
  }
}
