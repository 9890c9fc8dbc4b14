/**
 * The context-file schema version, in a module without zod so that fast readers (cost-report)
 * can check it without loading the schema. Version 2 moved the call records and finished steps
 * into the companion journal (src/chain/journal.ts); version-1 files (everything inline) are read
 * as they are and written as version 2 on their next save.
 */
export const SCHEMA_VERSION = 2;

/** Versions this build reads. */
const READABLE_VERSIONS: readonly number[] = [1, 2];

/**
 * Why a file with `schema_version` `version` cannot be read by this version, or null when it can:
 * a newer schema says so (the file is from a later claude-exec), anything else is not ours.
 */
export function schemaVersionProblem(version: unknown): string | null {
  if (READABLE_VERSIONS.includes(version as number)) return null;
  if (typeof version === 'number' && Number.isInteger(version) && version > SCHEMA_VERSION) {
    return `written by claude-exec schema ${version}; this version reads up to ${SCHEMA_VERSION}`;
  }
  return `schema_version ${JSON.stringify(version)} is not one of ${READABLE_VERSIONS.join(', ')}`;
}
