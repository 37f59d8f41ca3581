import { accessRoutes } from '../access/routes.ts';
import { backupRoutes } from '../backup/routes.ts';
import { casualtyRoutes } from '../casualties/routes.ts';
import { exchangeRoutes } from '../exchange/routes.ts';
import { gazetteerRoutes } from '../gazetteer/routes.ts';
import { landRoutes } from '../land/routes.ts';
import { ogcRoutes } from '../ogc/routes.ts';
import { recordRoutes } from '../records/routes.ts';
import { opsRoutes } from '../ops/routes.ts';
import { priorityRoutes } from '../priorities/routes.ts';
import { riskRoutes } from '../risk/routes.ts';
import { syncRoutes } from '../sync/routes.ts';
import { statisticsRoutes } from '../statistics/routes.ts';
import { treatyRoutes } from '../treaty/routes.ts';
import { mdrRoutes } from '../mdr/routes.ts';
import { donorRoutes } from '../donors/routes.ts';
import { publicRoutes } from '../public/routes.ts';
import { tileRoutes } from '../tiles/routes.ts';
import { healthRoutes } from './health.ts';
import type { Route } from './route.ts';

/** Every API route, in the order the OpenAPI document lists them. */
export const allRoutes: readonly Route[] = [...healthRoutes, ...accessRoutes, ...landRoutes, ...opsRoutes, ...exchangeRoutes, ...casualtyRoutes, ...statisticsRoutes, ...treatyRoutes, ...mdrRoutes, ...donorRoutes, ...publicRoutes, ...recordRoutes, ...ogcRoutes, ...priorityRoutes, ...tileRoutes, ...gazetteerRoutes, ...riskRoutes, ...backupRoutes, ...syncRoutes];
