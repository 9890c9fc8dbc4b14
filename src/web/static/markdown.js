// @ts-check
/**
 * Markdown of the model (the solution, and later the spec) rendered to HTML with marked and then
 * sanitized with DOMPurify, so that model text can never run script or load anything in the page
 * (the CSP forbids inline script as a second line of defence). Links open outside the page.
 */
import { el } from './common.js';

/**
 * A `<div class="markdown">` holding `text` rendered and sanitized.
 * @param {string} text
 */
export function markdown(text) {
  const html = /** @type {string} */ (marked.parse(text, { async: false, gfm: true }));
  const clean = DOMPurify.sanitize(html, {
    USE_PROFILES: { html: true },
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'img'],
    FORBID_ATTR: ['style'],
  });
  const box = el('div', { class: 'markdown' });
  box.innerHTML = clean;
  for (const a of box.querySelectorAll('a')) {
    a.setAttribute('rel', 'noopener noreferrer');
    a.setAttribute('target', '_blank');
  }
  return box;
}
