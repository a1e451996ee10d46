export { pwa, PwaState, type ActivateUpdate, type PwaStateOptions } from './pwa.svelte';
export { startPwa } from './register';
export { default as UpdateBanner } from './UpdateBanner.svelte';
