/** What Teegon's asynchronous notification (服务器异步通知) carries: docs/teegon.md "Notification". */

/** The fields of the vendor's table, besides `sign`. */
export const NOTIFICATION_FIELDS = [
	'amount',
	'bank',
	'buyer',
	'channel',
	'charge_id',
	'device_info',
	'is_success',
	'metadata',
	'order_no',
	'pay_time',
	'real_amount',
	'status',
	'timestamp'
] as const;

/** Fields not in the table but seen in real notifications; a receiver must take them too. */
export const OBSERVED_EXTRA_FIELDS = ['payment_no', 'buyer_openid', 'event_time'] as const;

/** `status` as the table gives it: the call's status, not a trade status. */
export const NOTIFICATION_CALL_STATUS = 'trade_status_sync';
