import { app } from '$lib/server/app';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = () => {
	const a = app();
	return {
		mode: a.config.mode,
		// Sandbox mode only: the demo till's token, so the quick start sells with no set-up.
		demoToken: a.config.mode === 'sandbox' ? a.demoToken : null
	};
};
