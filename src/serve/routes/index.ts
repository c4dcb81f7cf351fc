import type { RouteModule } from '../context.js';
import { activityRoutes } from './activity.js';
import { auditRoutes } from './audit.js';
import { consentStateRoutes } from './consent-state.js';
import { erasureRoutes } from './erasures.js';
import { eventRoutes } from './events.js';
import { experimentRoutes } from './experiments.js';
import { explorationRoutes } from './exploration.js';
import { healthRoutes } from './health.js';
import { intentRoutes } from './intent.js';
import { interestRoutes } from './interests.js';
import { itemRoutes } from './items.js';
import { keyRoutes } from './keys.js';
import { opeRoutes } from './ope.js';
import { pictureRoutes } from './pictures.js';
import { recItemRoutes } from './rec-items.js';
import { recommendationRoutes } from './recommendations.js';
import { retentionRoutes } from './retention.js';
import { segmentRoutes } from './segments.js';
import { sessionRoutes } from './session.js';
import { taggingRoutes } from './tagging.js';
import { trainingRoutes } from './training.js';
import { userExportRoutes } from './user-export.js';
import { userRoutes } from './users.js';

/** Every route module, registered in this order. A new group of endpoints is one file plus one entry here. */
export const ROUTE_MODULES: RouteModule[] = [
  healthRoutes,
  eventRoutes,
  itemRoutes,
  userRoutes,
  userExportRoutes,
  erasureRoutes,
  recommendationRoutes,
  recItemRoutes,
  pictureRoutes,
  interestRoutes,
  segmentRoutes,
  intentRoutes,
  taggingRoutes,
  trainingRoutes,
  experimentRoutes,
  opeRoutes,
  keyRoutes,
  auditRoutes,
  retentionRoutes,
  sessionRoutes,
  activityRoutes,
  explorationRoutes,
  consentStateRoutes,
];
