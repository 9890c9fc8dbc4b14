/** The prefix-cache simulation lives with the product's local Messages API server (src/demo/cache.ts). */
export * from '../../src/demo/cache.js';
