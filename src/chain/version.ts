/**
 * The context-file schema version, in a module without zod so that fast readers (cost-report)
 * can check it without loading the schema.
 */
export const SCHEMA_VERSION = 1;

/**
 * Why a file with `schema_version` `version` cannot be read by this version, or null when it can:
 * a newer schema says so (the file is from a later claude-exec), anything else is not ours.
 */
export function schemaVersionProblem(version: unknown): string | null {
  if (version === SCHEMA_VERSION) return null;
  if (typeof version === 'number' && Number.isInteger(version) && version > SCHEMA_VERSION) {
    return `written by claude-exec schema ${version}; this version reads up to ${SCHEMA_VERSION}`;
  }
  return `schema_version ${JSON.stringify(version)} is not ${SCHEMA_VERSION}`;
}
