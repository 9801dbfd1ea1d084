package io.sbc.node.transaction;

/** Adds to a message before it is encoded (headers, a body). */
@FunctionalInterface
public interface Customizer<T> {
  void accept(T message) throws Exception;

  /** This, then {@code next}; either may be null. */
  static <T> Customizer<T> both(Customizer<T> first, Customizer<T> next) {
    if (first == null) {
      return next;
    }
    if (next == null) {
      return first;
    }
    return m -> {
      first.accept(m);
      next.accept(m);
    };
  }
}
