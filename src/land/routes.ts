import type { Route } from '../http/route.ts';

/** The routes of the hazard register, land release and the reports workflow. */
export const landRoutes: readonly Route[] = [];
