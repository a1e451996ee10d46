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
			/** STAND-IN for branch `access`: the signed-in back-office user. */
			user: import('$lib/server/office/guard').OfficeUser | null;
		}
	}
}

export {};
