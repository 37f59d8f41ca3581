/** Who is signed in: the session is a cookie; the app keeps the answer of GET /api/session. */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { api, setCsrfToken } from './api.ts';
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
  return answer;
}

export async function signOut(): Promise<void> {
  await api.delete('/api/session');
  setCsrfToken(null);
}

export function fetchActor(): Promise<ActorSummary> {
  return api.get<ActorSummary>('/api/session');
}
