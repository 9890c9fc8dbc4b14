/** `claude-exec/error@1`: printed on stdout with `--json` when a command fails before it has a result. */
import { z } from 'zod';
import { ErrorInfoSchema, schemaId } from './common.js';

export const ErrorOutputSchema = z.object({ schema: schemaId('error'), error: ErrorInfoSchema });
export type ErrorOutput = z.infer<typeof ErrorOutputSchema>;
