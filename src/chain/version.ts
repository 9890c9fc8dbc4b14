/**
 * The context-file schema version, in a module without zod so that fast readers (cost-report)
 * can check it without loading the schema.
 */
export const SCHEMA_VERSION = 1;
