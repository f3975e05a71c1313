/**
 * The names a program may use without declaring them on Espruino (2v29), and the ones it must not.
 * The allow-list is deliberately short: anything else free in a bundle is an undefined helper or a
 * Node/browser global, and would be a ReferenceError on the board.
 */

/** Standard built-ins Espruino implements (checked against Espruino 2v29: device/README.md). */
const BUILTINS = [
  'Object', 'Function', 'Array', 'String', 'Number', 'Boolean', 'Math', 'JSON', 'Date', 'RegExp',
  'Error', 'TypeError', 'RangeError', 'SyntaxError', 'ReferenceError', 'InternalError', 'Promise',
  'ArrayBuffer', 'DataView', 'Uint8Array', 'Int8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array',
  'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array',
  'parseInt', 'parseFloat', 'isNaN', 'isFinite', 'NaN', 'Infinity', 'undefined', 'eval',
  'encodeURIComponent', 'decodeURIComponent', 'escape', 'unescape', 'btoa', 'atob', 'console', 'arguments',
];

/** Espruino's own globals: timers, pins, peripherals and the board objects the firmware binds to. */
const ESPRUINO = [
  'E', 'global', 'getTime', 'setTime', 'setTimeout', 'setInterval', 'clearTimeout', 'clearInterval',
  'changeInterval', 'setWatch', 'clearWatch', 'digitalRead', 'digitalWrite', 'digitalPulse', 'analogRead',
  'analogWrite', 'pinMode', 'getPinMode', 'getSerial', 'print', 'echo', 'trace', 'dump', 'reset', 'load', 'save',
  'require', 'peek8', 'peek16', 'peek32', 'poke8', 'poke16', 'poke32', 'shiftOut',
  'Pin', 'Serial', 'I2C', 'SPI', 'OneWire', 'Waveform', 'Flash', 'Graphics', 'Modules',
  'USB', 'Bluetooth', 'LoopbackA', 'LoopbackB', 'Serial1', 'Serial2', 'Serial3', 'Serial4',
  'I2C1', 'I2C2', 'I2C3', 'SPI1', 'SPI2', 'SPI3', 'LED', 'LED1', 'LED2', 'LED3', 'BTN', 'BTN1', 'BTN2',
  'BTN3', 'BTN4', 'g', 'Bangle', 'Pixl', 'NRF', 'Puck',
];

/**
 * Globals whose name Node uses for something else, allowed only for the members Espruino has and Node
 * lacks: Espruino's `process.memory()` (free variables) is used, while `process.env` or `process.argv`
 * would be Node code that means something else, or nothing, on a board.
 */
export const ESPRUINO_MEMBERS_ONLY: { [name: string]: string[] } = { process: ['memory'] };

/** Pin names such as B6, A10 or D31. */
const PIN = /^[A-H][0-9]{1,2}$/;

/** Whether Espruino defines `name` as a global. */
export function isEspruinoGlobal(name: string): boolean {
  return BUILTINS.indexOf(name) >= 0 || ESPRUINO.indexOf(name) >= 0 || PIN.test(name);
}

/** Globals that exist in Node and browsers but not on Espruino, with the reason shown to the user. */
export const FORBIDDEN_GLOBALS: { [name: string]: string } = {
  Map: 'Espruino has no Map (use a plain object keyed by string)',
  Set: 'Espruino has no Set (use a plain object or an array)',
  WeakMap: 'Espruino has no WeakMap',
  WeakSet: 'Espruino has no WeakSet',
  WeakRef: 'Espruino has no WeakRef',
  Symbol: 'Espruino has no Symbol',
  BigInt: 'Espruino has no BigInt (split 64-bit values into two numbers)',
  TextEncoder: 'Espruino has no TextEncoder',
  TextDecoder: 'Espruino has no TextDecoder',
  Proxy: 'Espruino has no Proxy',
  Reflect: 'Espruino has no Reflect',
};

/**
 * Static members Espruino lacks, as "Object.member". Typed-array .from/.of are listed for every
 * typed array because transpilers emit them for spread and Array.from on typed arrays.
 */
export const FORBIDDEN_MEMBERS: { [path: string]: string } = {
  'Math.imul': 'Espruino has no Math.imul',
  'Math.clz32': 'Espruino has no Math.clz32',
  'Math.trunc': 'Espruino has no Math.trunc (use Math.floor on non-negative numbers)',
  'Array.from': 'Espruino has no Array.from (copy with a loop)',
  'ArrayBuffer.isView': 'Espruino has no ArrayBuffer.isView',
  'Number.isInteger': 'Espruino has no Number.isInteger (compare Math.floor(x) === x)',
  'Number.isSafeInteger': 'Espruino has no Number.isSafeInteger',
  'Object.freeze': 'Espruino has no Object.freeze',
};
for (const ta of ['Uint8Array', 'Int8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array',
  'Uint32Array', 'Float32Array', 'Float64Array']) {
  FORBIDDEN_MEMBERS[ta + '.from'] = 'Espruino has no ' + ta + '.from (use new ' + ta + '(array))';
  FORBIDDEN_MEMBERS[ta + '.of'] = 'Espruino has no ' + ta + '.of';
}

/**
 * Helpers that tsc (without noEmitHelpers, or with tslib) and Babel emit. They either break on
 * Espruino (__extends is used before it is defined; Babel's class helpers rely on
 * Object.defineProperty(F, "prototype")) or stand for syntax that should not have reached a bundle.
 */
export const TRANSPILER_HELPERS = [
  '__extends', '__assign', '__rest', '__decorate', '__param', '__metadata', '__awaiter', '__generator',
  '__values', '__read', '__spread', '__spreadArrays', '__spreadArray', '__await', '__asyncGenerator',
  '__asyncValues', '__makeTemplateObject', '__importStar', '__importDefault', '__createBinding',
  '__exportStar', '__classPrivateFieldGet', '__classPrivateFieldSet', '__setFunctionName', '__esDecorate',
  '_classCallCheck', '_createClass', '_inherits', '_inheritsLoose', '_possibleConstructorReturn',
  '_getPrototypeOf', '_setPrototypeOf', '_defineProperty', '_defineProperties', '_toConsumableArray',
  '_slicedToArray', '_asyncToGenerator', '_regeneratorRuntime', 'regeneratorRuntime', '_extends',
  '_objectSpread', '_objectSpread2', '_objectWithoutProperties', '_typeof', '_interopRequireDefault',
  '_createSuper', '_assertThisInitialized', '_wrapNativeSuper', '_iterableToArray', '_arrayLikeToArray',
  '_unsupportedIterableToArray', '_createForOfIteratorHelper', '_taggedTemplateLiteral', '_toPropertyKey',
];
