// The storefront tracker: `<script src="curio.js">` defines `window.curio` (README.md).
import { cart, click, consent, flush, init, purchase, renderRecommendations, track, view, visitorId } from './tracker.js';

const curio = { init, consent, view, click, cart, purchase, track, flush, renderRecommendations, visitorId };

declare global {
  interface Window {
    curio: typeof curio;
  }
}

window.curio = curio;
