/**
 * 设备设置与外设文案。Strings of the counter hardware (scanners, printer, drawer) and its settings
 * page, in the style of src/lib/i18n/zh-CN.ts, to be merged there as a `devices` section. Until
 * then `devicesT(locale)` reads them, with the same `{{name}}` interpolation.
 */
export const devicesZhCN = {
	page: {
		title: '设备设置',
		back: '返回收银台',
		language: 'English',
		scanners: '扫描枪',
		printer: '小票打印机',
		test: '扫描测试',
		saved: '设置已保存在本机'
	},
	state: {
		unsupported: '不支持',
		idle: '未连接',
		connecting: '正在连接…',
		connected: '已连接',
		disconnected: '已断开',
		error: '出错'
	},
	status: {
		insecure: '此页面不是安全连接（https 或本机地址），浏览器不允许使用外接设备',
		noWebHid:
			'此浏览器不支持 WebHID（仅电脑版 Chrome / Edge 支持，安卓不支持）；键盘模式的扫描枪仍然可用',
		noWebSerial: '此浏览器不支持 Web Serial（请用 Chrome 或 Edge）；键盘模式的扫描枪仍然可用',
		noWebUsb: '此浏览器不支持 WebUSB（请用 Chrome 或 Edge），或改用串口连接打印机',
		failed: '操作失败：{{error}}',
		openFailed: '无法打开 {{name}}：{{error}}。是否被其他程序或标签页占用？',
		replug: '设备已拔出，重新插上后会自动连接'
	},
	wedge: {
		title: '键盘模式扫描枪',
		hint: '插上即用：扫描枪像键盘一样输入条码，扫码内容不会落入输入框',
		ready: '随时可用',
		preset: '扫描枪类型',
		presetStandard: '标准（大多数扫描枪）',
		presetSlowScanner: '慢速扫描枪（每个字符 80–100 毫秒，须带回车）',
		presetSuffixlessScanner: '无后缀扫描枪（不发送回车）'
	},
	hid: {
		title: 'HID 扫描枪（HID POS 模式）',
		connect: '连接 HID 扫描枪',
		hint: '扫描枪须设置为 “USB HID POS” 模式。首次连接需要在浏览器弹出的列表中选择设备，之后插上会自动连接。',
		notListed:
			'列表中没有你的扫描枪？它多半处于键盘模式：浏览器的 WebHID 看不到键盘模式的设备。它仍可作为键盘模式扫描枪使用；若要使用 HID 模式，请扫描说明书中的 “USB HID POS” 设置码，或改为 “USB 虚拟串口（USB COM）” 模式后按串口扫描枪连接。',
		keyboardMode:
			'{{name}} 处于键盘模式，WebHID 无法读取。请扫描说明书中的 “USB HID POS” 设置码，然后重新拔插并连接；或者直接作为键盘模式扫描枪使用。',
		keyboardModeCode:
			'{{name}} 处于键盘模式，WebHID 无法读取。请扫描说明书中的 “USB HID POS” 设置码（{{code}}），然后重新拔插并连接；或者直接作为键盘模式扫描枪使用。'
	},
	serial: {
		title: '串口扫描枪（虚拟串口模式）',
		connect: '连接串口扫描枪',
		hint: '扫描枪设置为 “USB 虚拟串口（USB COM）” 或接串口线时使用。',
		baudRate: '波特率',
		lineEnding: '行结束符',
		cr: 'CR（回车）',
		lf: 'LF（换行）',
		crlf: 'CR LF（回车换行）'
	},
	camera: {
		title: '摄像头扫码',
		hint: '没有扫描枪时，可用设备的摄像头读取付款码和商品条码。',
		start: '打开摄像头',
		stop: '关闭摄像头',
		noCamera: '此设备没有可用的摄像头',
		noDetector:
			'此浏览器没有可用的条码识别功能（安卓和 Chromebook 上的 Chrome 有；Windows、Linux 和 Firefox 没有），请使用扫描枪',
		denied: '浏览器未允许使用摄像头：请在地址栏的网站设置中允许摄像头'
	},
	test: {
		hint: '用任意扫描枪扫一下，结果显示在这里（不会加入购物车）。',
		empty: '还没有扫描',
		clear: '清空',
		time: '时间',
		source: '来源',
		code: '内容',
		kind: '类型',
		symbology: '码制',
		sourceKeyboard: '键盘',
		sourceWebhid: 'HID',
		sourceSerial: '串口',
		sourceCamera: '摄像头',
		kindWechat: '微信付款码',
		kindAlipay: '支付宝付款码',
		kindEan13: '商品条码 EAN-13',
		kindEan8: '商品条码 EAN-8',
		kindUpca: '商品条码 UPC-A',
		kindOther: '其他条码',
		kindBadCheckDigit: '校验位错误，请重扫'
	},
	print: {
		connection: '连接方式',
		connectionNone: '仅浏览器打印',
		connectionSerial: '串口（含 USB 虚拟串口）',
		connectionUsb: 'USB（WebUSB）',
		chooseSerial: '选择串口打印机',
		chooseUsb: '选择 USB 打印机',
		usbWindows: 'Windows 上打印机驱动会占用 USB 打印机：请安装厂商的虚拟串口驱动并选择 “串口”。',
		baudRate: '波特率',
		paper: '纸宽',
		paper58: '58 毫米（每行 32 个字符）',
		paper80: '80 毫米（每行 48 个字符）',
		code: '小票号码',
		codeQr: '二维码',
		codeBarcode: '条形码',
		codeNone: '不打印',
		autoPrint: '收款后自动打印小票',
		drawerAfterCash: '现金收款后弹出钱箱',
		drawerPin: '钱箱接口',
		drawerPin2: '2 脚（常用）',
		drawerPin5: '5 脚',
		testPrint: '打印测试小票',
		openDrawer: '打开钱箱',
		printed: '已打印（{{printer}}）',
		drawerOpened: '已发送开钱箱指令',
		fallbackDisabled: '未设置小票打印机，请用浏览器打印',
		fallbackUnsupported: '此浏览器无法连接小票打印机，已改用浏览器打印',
		fallbackNotConnected: '打印机未连接，已改用浏览器打印',
		fallbackFailed: '打印失败（{{error}}），已改用浏览器打印',
		fallbackTimeout: '打印机没有响应（缺纸或未合上纸仓？），已改用浏览器打印',
		portInUse: '{{name}} 已被扫描枪使用，请选择另一个串口',
		browserPrint: '浏览器打印'
	}
};

export type DevicesMessages = typeof devicesZhCN;

export const devicesEn: DevicesMessages = {
	page: {
		title: 'Devices',
		back: 'Back to the till',
		language: '中文',
		scanners: 'Scanners',
		printer: 'Receipt printer',
		test: 'Scan test',
		saved: 'Settings saved on this device'
	},
	state: {
		unsupported: 'Not supported',
		idle: 'Not connected',
		connecting: 'Connecting…',
		connected: 'Connected',
		disconnected: 'Unplugged',
		error: 'Error'
	},
	status: {
		insecure:
			'This page is not a secure connection (https or this machine): the browser allows no external devices',
		noWebHid:
			'This browser has no WebHID (desktop Chrome and Edge only, not Android); keyboard-mode scanners still work',
		noWebSerial:
			'This browser has no Web Serial (use Chrome or Edge); keyboard-mode scanners still work',
		noWebUsb: 'This browser has no WebUSB (use Chrome or Edge), or connect the printer by serial',
		failed: 'Failed: {{error}}',
		openFailed: 'Cannot open {{name}}: {{error}}. Is another program or tab using it?',
		replug: 'Unplugged; it reconnects when plugged back in'
	},
	wedge: {
		title: 'Keyboard-mode scanner',
		hint: 'Works as plugged in: the scanner types the code like a keyboard; scans never land in a text field',
		ready: 'Always on',
		preset: 'Scanner type',
		presetStandard: 'Standard (most scanners)',
		presetSlowScanner: 'Slow scanner (80–100 ms per character, Enter required)',
		presetSuffixlessScanner: 'Scanner without suffix (sends no Enter)'
	},
	hid: {
		title: 'HID scanner (HID POS mode)',
		connect: 'Connect an HID scanner',
		hint: 'The scanner must be set to “USB HID POS”. The first time, pick it in the browser’s list; after that it connects when plugged in.',
		notListed:
			'Scanner not in the list? It is most likely in keyboard mode, which WebHID cannot see. It still works as a keyboard-mode scanner; for HID mode, scan the “USB HID POS” setup code in its manual, or set it to “USB COM (virtual serial)” and connect it as a serial scanner.',
		keyboardMode:
			'{{name}} is in keyboard mode, which WebHID cannot read. Scan the “USB HID POS” setup code in its manual, unplug and plug it back in and connect again; or use it as a keyboard-mode scanner.',
		keyboardModeCode:
			'{{name}} is in keyboard mode, which WebHID cannot read. Scan the “USB HID POS” setup code in its manual ({{code}}), unplug and plug it back in and connect again; or use it as a keyboard-mode scanner.'
	},
	serial: {
		title: 'Serial scanner (virtual COM mode)',
		connect: 'Connect a serial scanner',
		hint: 'For a scanner set to “USB COM (virtual serial)” or on a serial cable.',
		baudRate: 'Baud rate',
		lineEnding: 'Line ending',
		cr: 'CR',
		lf: 'LF',
		crlf: 'CR LF'
	},
	camera: {
		title: 'Camera scanning',
		hint: 'With no scanner, the device’s camera reads payment codes and product barcodes.',
		start: 'Start the camera',
		stop: 'Stop the camera',
		noCamera: 'This device has no camera the browser can use',
		noDetector:
			'This browser cannot read barcodes (Chrome on Android and Chromebooks can; Windows, Linux and Firefox cannot): use a scanner',
		denied: 'The browser was not allowed to use the camera: allow it in the site settings'
	},
	test: {
		hint: 'Scan with any scanner; the result shows here (nothing goes into the cart).',
		empty: 'No scans yet',
		clear: 'Clear',
		time: 'Time',
		source: 'Source',
		code: 'Code',
		kind: 'Kind',
		symbology: 'Symbology',
		sourceKeyboard: 'Keyboard',
		sourceWebhid: 'HID',
		sourceSerial: 'Serial',
		sourceCamera: 'Camera',
		kindWechat: 'WeChat payment code',
		kindAlipay: 'Alipay payment code',
		kindEan13: 'Product EAN-13',
		kindEan8: 'Product EAN-8',
		kindUpca: 'Product UPC-A',
		kindOther: 'Other code',
		kindBadCheckDigit: 'Wrong check digit: scan again'
	},
	print: {
		connection: 'Connection',
		connectionNone: 'Browser printing only',
		connectionSerial: 'Serial (also USB virtual COM)',
		connectionUsb: 'USB (WebUSB)',
		chooseSerial: 'Choose a serial printer',
		chooseUsb: 'Choose a USB printer',
		usbWindows:
			'On Windows the printer driver holds a USB printer: install the maker’s virtual COM driver and choose “Serial”.',
		baudRate: 'Baud rate',
		paper: 'Paper width',
		paper58: '58 mm (32 characters a line)',
		paper80: '80 mm (48 characters a line)',
		code: 'Receipt number as',
		codeQr: 'QR code',
		codeBarcode: 'Barcode',
		codeNone: 'Not printed',
		autoPrint: 'Print the receipt after payment',
		drawerAfterCash: 'Open the cash drawer after a cash sale',
		drawerPin: 'Drawer connector',
		drawerPin2: 'Pin 2 (most drawers)',
		drawerPin5: 'Pin 5',
		testPrint: 'Print a test receipt',
		openDrawer: 'Open the drawer',
		printed: 'Printed ({{printer}})',
		drawerOpened: 'Drawer kick sent',
		fallbackDisabled: 'No receipt printer set up: use browser printing',
		fallbackUnsupported: 'This browser cannot reach a receipt printer: using browser printing',
		fallbackNotConnected: 'Printer not connected: using browser printing',
		fallbackFailed: 'Printing failed ({{error}}): using browser printing',
		fallbackTimeout:
			'The printer does not answer (out of paper, cover open?): using browser printing',
		portInUse: '{{name}} is the scanner’s port: choose another one',
		browserPrint: 'Browser printing'
	}
};

export const devicesMessages = { 'zh-CN': devicesZhCN, en: devicesEn } as const;
export type DevicesLocale = keyof typeof devicesMessages;

type Paths<T, P extends string = ''> = {
	[K in keyof T & string]: T[K] extends string ? `${P}${K}` : Paths<T[K], `${P}${K}.`>;
}[keyof T & string];

export type DevicesMessageKey = Paths<DevicesMessages>;

/** A translator over these strings: `t('print.printed', { printer })`. */
export function devicesT(
	locale: string
): (key: DevicesMessageKey, vars?: Record<string, string>) => string {
	const messages: DevicesMessages = locale === 'en' ? devicesEn : devicesZhCN;
	return (key, vars) => {
		let node: unknown = messages;
		for (const part of key.split('.')) node = (node as Record<string, unknown>)[part];
		const text = typeof node === 'string' ? node : key;
		return vars ? text.replace(/\{\{(\w+)\}\}/g, (_, name: string) => vars[name] ?? '') : text;
	};
}
