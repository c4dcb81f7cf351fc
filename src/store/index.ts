export type * from './store.js';
export { openStore } from './open.js';
