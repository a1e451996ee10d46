// See https://svelte.dev/docs/kit/types#app.d.ts
declare global {
	namespace App {
		interface Error {
			code?: string;
		}
		interface Locals {
			/** This request's id (hooks.server.ts), on its log lines and its response. */
			requestId: string;
			/** The till authenticated by its bearer token, if any. */
			till: { id: string; storeId: string; name: string } | null;
			/** The signed-in back-office user (the access branch's type replaces this on merge). */
			user?: { id: string } | null;
		}
	}
}

export {};
