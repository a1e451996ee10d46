// See https://svelte.dev/docs/kit/types#app.d.ts
declare global {
	namespace App {
		interface Error {
			code?: string;
		}
		interface Locals {
			/** The till authenticated by its bearer token, if any. */
			till: { id: string; storeId: string; name: string } | null;
		}
	}
}

export {};
