import type { RouteModule } from '../context.js';
import { eventRoutes } from './events.js';
import { healthRoutes } from './health.js';
import { itemRoutes } from './items.js';
import { userRoutes } from './users.js';

/** Every route module, registered in this order. A new group of endpoints is one file plus one entry here. */
export const ROUTE_MODULES: RouteModule[] = [healthRoutes, eventRoutes, itemRoutes, userRoutes];
