/**
 * `claude-exec/serve@1`: printed once by `serve --json` when the web view listens (the server
 * then runs until Ctrl-C; nothing more goes to stdout).
 */
import { z } from 'zod';
import { CountSchema, schemaId } from './common.js';

export const ServeOutputSchema = z.object({
  schema: schemaId('serve'),
  url: z.string().describe('http://127.0.0.1:PORT/?token=…: open it; its token sets the access cookie'),
  origin: z.string().describe('http://127.0.0.1:PORT'),
  port: CountSchema,
  token: z.string().describe('the access token (also accepted as Authorization: Bearer TOKEN)'),
  contexts: z.array(z.string()).describe('the contexts directories watched'),
  read_only: z.boolean().describe('--read-only: gates cannot be answered from the page'),
});
export type ServeOutput = z.infer<typeof ServeOutputSchema>;
