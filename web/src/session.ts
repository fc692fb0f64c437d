import { createContext } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import type { Me } from './api';

export interface Session {
  me: Me;
  /** Bumped after the user signs in again, so screens reload what failed. */
  epoch: number;
  signOut: () => void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a signed-in screen');
  return s;
}

export interface Loaded<T> {
  data?: T;
  error?: Error;
  loading: boolean;
  reload: () => void;
}

/**
 * Runs `load` when the deps change (and after a new sign-in); stale answers
 * are dropped. The previous data stays while a reload runs.
 */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Loaded<T> {
  const session = useContext(SessionContext);
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true });
  const [nonce, setNonce] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    const ctl = new AbortController();
    setState((s) => ({ data: s.data, loading: true }));
    loadRef
      .current(ctl.signal)
      .then((data) => {
        if (!ctl.signal.aborted) setState({ data, loading: false });
      })
      .catch((error: Error) => {
        if (!ctl.signal.aborted) setState((s) => ({ data: s.data, error, loading: false }));
      });
    return () => ctl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, nonce, session?.epoch]);
  return { ...state, reload: () => setNonce((n) => n + 1) };
}
