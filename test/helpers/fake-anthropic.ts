/**
 * The fake Messages API of the tests: the product's local server (src/demo/server.ts, also the
 * demo's model), started by each test on 127.0.0.1 with its own scripted Responder.
 */
export * from '../../src/demo/server.js';
export { startMessagesServer as startFakeAnthropic } from '../../src/demo/server.js';
