export type * from './store.js';
export { openStore, type OpenStoreOptions } from './open.js';
