/**
 * Search terms as the prompt search (./search.ts) and task similarity (./similar.ts) index them:
 * lower case, English stop words dropped, Porter-stemmed (the `stemmer` package). Apart from the
 * search index, so that what only compares terms does not load MiniSearch. Pure.
 */
import { stemmer } from 'stemmer';

/** Common English words that say nothing about which prompt fits (and the words of a request). */
const STOP_WORDS = new Set(
  (
    'a an the and or but nor so to of in on at by for with from into onto over under about as is are was were be been being ' +
    'it its this that these those there here my our your their his her we you they i me us them what which who whom whose ' +
    'do does did done have has had having can could should would will shall may might must not no yes than then too very ' +
    'just also only some any all each every more most other such how why when where while if else up out off again once ' +
    'need needs want wants help please make get find use using'
  ).split(' '),
);

/** One search term: lower case, stop words dropped (null), Porter-stemmed. */
export function searchTerm(term: string): string | null {
  const t = term.toLowerCase();
  if (t.length < 2 || STOP_WORDS.has(t)) return null;
  return stemmer(t);
}
