/**
 * Renders a prompt body for one run (pure): each `{{name}}` is replaced by its value; a missing or
 * blank value renders as "(none)". Single pass, so a value that itself contains `{{…}}` is left as
 * it is.
 */
import { PromptValidationError } from '../errors.js';
import type { PromptVariables } from '../phases/protocol.js';
import { isPromptVariable, VARIABLE_RE, type PromptDoc } from './parse.js';

const MISSING_VALUE = '(none)';

/**
 * Returns `doc.body` with its variables filled in. Throws PromptValidationError for a variable
 * outside PROMPT_VARIABLES (the parser already refuses those; this guards docs built elsewhere).
 */
export function renderPrompt(doc: PromptDoc, vars: PromptVariables): string {
  const unknown: string[] = [];
  const text = doc.body.replace(VARIABLE_RE, (_match, name: string) => {
    if (!isPromptVariable(name)) {
      unknown.push(name);
      return '';
    }
    const value = vars[name];
    return value && value.trim() ? value : MISSING_VALUE;
  });
  if (unknown.length) {
    throw new PromptValidationError(
      [...new Set(unknown)].map((name) => ({
        file: doc.file,
        field: 'body',
        problem: `unknown variable {{${name}}}`,
      })),
    );
  }
  return text;
}
