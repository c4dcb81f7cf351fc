export { createShop, type Shop } from './shop.js';
export { shopOptionsSchema, parseShopOptions, DEFAULT_START_MS, type ShopOptions, type ShopOptionsInput } from './options.js';
export type { SimUser, TrueInterest } from './population.js';
export type { SlateResponse, Responder } from './response.js';
export { APPEAL, FUNNEL } from './appeal.js';
export { CATEGORY_WORDS, STYLES } from './vocabulary.js';
export { SUBCATEGORY_LOOKS, LOOK_COUNT, type PictureSource } from './looks.js';
