/** The till session handed to the till screen's components (typed, not a raw context key). */
import { getContext, setContext } from 'svelte';
import type { TillSession } from './session.svelte';

const KEY = Symbol('till.session');

export function setTillContext(session: TillSession): TillSession {
	return setContext(KEY, session);
}

export function getTillContext(): TillSession {
	return getContext<TillSession>(KEY);
}
