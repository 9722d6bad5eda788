/**
 * An iterator whose source is opened only after `prepare` settles (a discovered stream's
 * discovery): the first `next()` waits for it, every later one goes straight to the source.
 */
export function deferredIterator<T>(prepare: () => Promise<void>, open: () => AsyncIterator<T>): AsyncIterator<T> {
  let source: AsyncIterator<T> | undefined;
  let opening: Promise<AsyncIterator<T>> | undefined;
  let stopped = false;
  const get = (): Promise<AsyncIterator<T>> => (opening ??= prepare().then(() => (source = open())));
  return {
    next(): Promise<IteratorResult<T>> {
      if (source) return source.next();
      if (stopped) return Promise.resolve({ value: undefined, done: true });
      return get().then((s) => s.next());
    },
    async return(): Promise<IteratorResult<T>> {
      stopped = true;
      if (source?.return) await source.return();
      return { value: undefined, done: true };
    },
    async throw(err: unknown): Promise<IteratorResult<T>> {
      stopped = true;
      if (source?.return) await source.return();
      throw err;
    },
  };
}
