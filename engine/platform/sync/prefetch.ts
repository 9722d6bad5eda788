/**
 * Reads one item ahead of the consumer, so fetching page n+1 (network, parsing, mapping)
 * overlaps with committing page n. Stopping early does not wait for the read in flight:
 * `onStop` is called (the caller aborts the request) and that read's outcome is dropped.
 */
export function prefetch<T>(source: AsyncIterable<T>, onStop: () => void): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      const it = source[Symbol.asyncIterator]();
      let ahead: Promise<IteratorResult<T>> | undefined;
      let stopped = false;
      const pull = () => {
        const p = it.next();
        // Its outcome is awaited by `next` later, or deliberately dropped after a stop.
        p.catch(() => undefined);
        return p;
      };
      return {
        async next() {
          if (stopped) return { done: true, value: undefined };
          const current = await (ahead ?? pull());
          ahead = current.done ? undefined : pull();
          return current;
        },
        async return() {
          if (!stopped) {
            stopped = true;
            onStop();
            if (ahead) {
              // Let the generator unwind once its aborted read settles, without waiting here.
              void ahead.then(() => it.return?.(), () => undefined).catch(() => undefined);
            } else {
              await it.return?.();
            }
          }
          return { done: true, value: undefined };
        },
      };
    },
  };
}
