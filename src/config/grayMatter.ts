/**
 * gray-matter (with js-yaml), loaded on first use: reading a config (the rules block usually
 * comes from the build's snapshot, ./rulesBlock.ts), the trust store or the saved patterns does
 * not parse YAML on the common path, so `--estimate` and a chain's start need not load it. Required
 * from the installed package at run time (CommonJS, synchronous), not bundled.
 */
import { createRequire } from 'node:module';
import type matter from 'gray-matter';

let loaded: typeof matter | undefined;

/** The gray-matter function (its `stringify` too), required the first time it is asked for. */
export function grayMatter(): typeof matter {
  return (loaded ??= createRequire(import.meta.url)('gray-matter') as typeof matter);
}
