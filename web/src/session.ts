/** Who is signed in: the session is a cookie; the app keeps the answer of GET /api/session. */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { api, setCsrfToken } from './api.ts';
import { bindIdentityKey, wipeIdentities } from './field/identities.ts';
import type { ActorSummary } from './types.ts';

export interface Session {
  actor: ActorSummary;
  /** Asks the server again, after signing in or out. */
  refresh(): Promise<void>;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside the SessionContext provider');
  return session;
}

export function can(actor: ActorSummary, permission: string): boolean {
  return actor.permissions.includes(permission);
}

export interface SignIn {
  csrfToken: string;
  mustChangePassword: boolean;
  actor: ActorSummary;
}

export async function signIn(username: string, password: string): Promise<SignIn> {
  const answer = await api.post<SignIn>('/api/session', { username, password });
  setCsrfToken(answer.csrfToken);
  await bindIdentityKey(answer.actor);
  return answer;
}

/** Victims' identities on the device go first, so that signing out with no link still wipes them. */
export async function signOut(): Promise<void> {
  await wipeIdentities();
  await api.delete('/api/session');
  setCsrfToken(null);
  localStorage.removeItem(ACTOR_KEY);
}

/** The last answer of GET /api/session, so that the app opens offline as the person last signed in. */
const ACTOR_KEY = 'safeground.actor';

/**
 * Who is signed in. Without a link (the request fails before any answer) the app opens as the
 * person the server last named; the server checks the session again on every write it receives.
 */
export async function fetchActor(): Promise<ActorSummary> {
  try {
    const actor = await api.get<ActorSummary>('/api/session');
    localStorage.setItem(ACTOR_KEY, JSON.stringify(actor));
    // A session ended elsewhere answers as the public: the identities of its key are wiped.
    await bindIdentityKey(actor);
    return actor;
  } catch (caught) {
    const kept = localStorage.getItem(ACTOR_KEY);
    if (caught instanceof TypeError && kept) return JSON.parse(kept) as ActorSummary;
    throw caught;
  }
}
