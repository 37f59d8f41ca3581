/** Loading API data into a component and acting on the server, with errors shown rather than thrown. */
import { useCallback, useEffect, useState } from 'preact/hooks';

export type Loaded<T> = { state: 'loading' } | { state: 'error'; message: string } | { state: 'ready'; value: T };

/** Runs `load` whenever a dependency changes; `reload` runs it again. */
export function useLoad<T>(load: () => Promise<T>, dependencies: readonly unknown[]): [Loaded<T>, () => void] {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let current = true;
    setLoaded({ state: 'loading' });
    load().then(
      (value) => current && setLoaded({ state: 'ready', value }),
      (error: unknown) => current && setLoaded({ state: 'error', message: messageOf(error) }),
    );
    return () => {
      current = false;
    };
  }, [...dependencies, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return [loaded, reload];
}

/** What went wrong, in the words the error carries. */
export function messageOf(caught: unknown): string {
  return caught instanceof Error ? caught.message : String(caught);
}

/**
 * Something a button does: `busy` while it runs (so the button is disabled and it is not done
 * twice), and its failure as a message to show rather than thrown. `setError` is for a problem
 * found before running it.
 */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function run(action: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (caught) {
      setError(messageOf(caught));
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, setError, run };
}
