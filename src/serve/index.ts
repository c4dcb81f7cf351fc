export { createApp, type CreateAppOptions } from './app.js';
export { startServer, type RunningServer, type StartServerOptions } from './server.js';
export { assertAuthConfigured, type RouteScope } from './auth.js';
export type { AppContext, RouteModule } from './context.js';
export { defineRoute, type RouteDefinition, type RouteInput } from './route.js';
export { DOCS_PATH, OPENAPI_PATH } from './openapi.js';
export { CONSOLE_PATH } from './console.js';
