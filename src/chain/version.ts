/**
 * The context-file schema version, in a module without zod so that fast readers (cost-report)
 * can check it without loading the schema. Version 2 moved the call records and finished steps
 * into the companion journal (src/chain/journal.ts); version-1 files (everything inline) are read
 * as they are and written as version 2 on their next save.
 */
export const SCHEMA_VERSION = 2;

/** Versions this build reads. */
export const READABLE_VERSIONS: readonly number[] = [1, 2];
