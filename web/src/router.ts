/**
 * Hash routes (#/hazards/…): the server serves the app's files as they are, with no fallback
 * to index.html, so every page's address must resolve to / on a reload.
 */
import { useEffect, useState } from 'preact/hooks';

/** The kinds of report the app has a form for; #/reports/new is the hazardous area's. */
export const REPORT_KINDS = ['hazard', 'activity', 'progress', 'release', 'finds', 'accident', 'riskEducation'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];
/** The record type each form reports (the finds form, one report per find). */
export const ENTITY_TYPE_OF: Record<ReportKind, string> = {
  hazard: 'hazard',
  activity: 'activity',
  progress: 'progress_report',
  release: 'release_product',
  finds: 'find',
  accident: 'accident',
  riskEducation: 'risk_education_session',
};

export type Route =
  | { page: 'map' }
  | { page: 'login' }
  | { page: 'hazard'; id: string }
  | { page: 'records' }
  | { page: 'record'; id: string }
  | { page: 'newReport'; kind: ReportKind }
  | { page: 'approvals' }
  | { page: 'dashboards' }
  | { page: 'users' }
  | { page: 'settings' }
  | { page: 'field' }
  | { page: 'notFound'; path: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/';
  const parts = path.split('/').filter(Boolean);
  const [first, second, third] = parts;
  if (parts.length === 0 || first === 'map') return { page: 'map' };
  if (first === 'login') return { page: 'login' };
  if (first === 'hazards' && second) return { page: 'hazard', id: second };
  if (first === 'records') return second ? { page: 'record', id: second } : { page: 'records' };
  if (first === 'reports' && second === 'new' && parts.length <= 3) {
    const kind = REPORT_KINDS.find((k) => k === (third ?? 'hazard'));
    if (kind) return { page: 'newReport', kind };
  }
  if (first === 'approvals') return { page: 'approvals' };
  if (first === 'dashboards') return { page: 'dashboards' };
  if (first === 'users') return { page: 'users' };
  if (first === 'settings') return { page: 'settings' };
  if (first === 'field') return { page: 'field' };
  return { page: 'notFound', path };
}

export function href(path: string): string {
  return `#${path}`;
}

export function navigate(path: string): void {
  location.hash = path;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}
