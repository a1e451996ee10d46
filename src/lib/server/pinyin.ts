/**
 * Pinyin initials of a product name, for the till's search ("nfsq" finds 农夫山泉). Computed
 * on the server with pinyin-pro (its dictionary is too big for the till page), per run of Han
 * characters so that words pick the right reading of a polyphone (银行 yh, 行走 xz).
 */
import { pinyin } from 'pinyin-pro';
import { PRODUCT_LIMITS } from '../domain/product-input';

const HAN_RUN = /\p{Script=Han}+|[A-Za-z]+|[^\p{Script=Han}A-Za-z]+/gu;

/**
 * Han characters give their initial; a Latin word its first letter ("Coca Cola 可乐" → "cckl");
 * digits, signs and units after a number nothing ("550ml" is a size, not a word to search by).
 */
export function pinyinInitials(name: string): string {
	let out = '';
	let previous = '';
	for (const [run] of name.matchAll(HAN_RUN)) {
		if (/^\p{Script=Han}/u.test(run))
			out += pinyin(run, { pattern: 'first', toneType: 'none', type: 'array' }).join('');
		// A unit after a number ("550ml") is no word.
		else if (/^[A-Za-z]/.test(run) && !/[0-9.]$/.test(previous)) out += run[0]!.toLowerCase();
		previous = run;
	}
	return out
		.toLowerCase()
		.replace(/[^a-z]/g, '')
		.slice(0, PRODUCT_LIMITS.pinyin);
}
