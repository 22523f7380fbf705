// The Runs table's filter language: `latent=2 beta>=1 status:completed`, `tag:baseline or sweep:3`,
// `name~z8`, `-tag:old`, `(beta=1 or beta=4) lr<0.005`, free text and "quoted phrases".
//
// The parser is written by hand (a tokenizer and a recursive descent over or > and > not > term)
// rather than generated with a parser library: the grammar is a dozen lines, and what matters is
// that every error names the character it is at, with a hint worded for this language ("did you
// mean latent?", "statuses are ..."), which generated parsers report in their own terms.

import { closestName, fieldKind, kindOf, queryKeyNames, resolveQueryKey, RUN_FIELDS, type RunField } from './run-query-keys.ts';
import { runValue } from './run-values.ts';
import type { RunRecord } from './training.ts';
import { parseDecimal } from './validate.ts';

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=' | '~';
const OPERATORS: readonly string[] = ['>=', '<=', '!=', '=', '>', '<', '~', ':'];

export { RUN_FIELDS, resolveQueryKey, type RunField } from './run-query-keys.ts';

export type RunQuery =
  | { kind: 'all' }
  | { kind: 'and'; items: RunQuery[] }
  | { kind: 'or'; items: RunQuery[] }
  | { kind: 'not'; item: RunQuery }
  /** A setting or metric (`key` as in run-values.ts) against a number or a text. */
  | { kind: 'value'; key: string; op: CompareOp; value: number | string }
  | { kind: 'field'; field: RunField; op: CompareOp; value: number | string }
  | { kind: 'text'; text: string };

export interface QueryError {
  message: string;
  /** Character index in the query text where the problem is. */
  at: number;
  /** How many characters the problem spans (at least 1, for underlining). */
  length: number;
}

export type ParsedQuery = { ok: true; query: RunQuery } | { ok: false; error: QueryError };

class QuerySyntaxError extends Error {
  constructor(
    message: string,
    readonly at: number,
    readonly length: number,
  ) {
    super(message);
  }
}

function fail(message: string, at: number, length = 1): never {
  throw new QuerySyntaxError(message, at, Math.max(1, length));
}

interface Token {
  type: 'word' | '(' | ')';
  raw: string;
  at: number;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')') {
      tokens.push({ type: c, raw: c, at: i });
      i++;
    } else {
      const start = i;
      while (i < text.length && !/[\s()]/.test(text[i]!)) {
        if (text[i] === '"') {
          const close = text.indexOf('"', i + 1);
          if (close < 0) fail(`unterminated quote at ${i}: close it with another "`, i, text.length - i);
          i = close + 1;
        } else i++;
      }
      tokens.push({ type: 'word', raw: text.slice(start, i), at: start });
    }
  }
  return tokens;
}

const unquote = (s: string): string => s.replace(/"/g, '');

/** The first operator outside quotes: its index in `raw` and which one. */
function findOperator(raw: string): { index: number; op: string } | null {
  let quoted = false;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === '"') quoted = !quoted;
    if (quoted) continue;
    const op = OPERATORS.find((o) => raw.startsWith(o, i));
    if (op) return { index: i, op };
  }
  return null;
}

function parseTerm(raw: string, at: number): RunQuery {
  const found = findOperator(raw);
  if (!found) {
    const text = unquote(raw);
    return text === '' ? { kind: 'all' } : { kind: 'text', text };
  }
  const keyText = raw.slice(0, found.index);
  const valueRaw = raw.slice(found.index + found.op.length);
  const valueAt = at + found.index + found.op.length;
  if (keyText === '') fail(`expected a setting before '${found.op}' at ${at}`, at, found.op.length);
  const field = RUN_FIELDS.find((f) => f === keyText.toLowerCase());
  const key = field ? null : resolveQueryKey(keyText);
  if (!field && !key) {
    const guess = closestName(keyText, queryKeyNames());
    fail(`unknown setting '${keyText}' at ${at}${guess ? ` (did you mean ${guess}?)` : ''}`, at, keyText.length);
  }
  const kind = field ? fieldKind(field) : kindOf(key!);
  // `status:done` and `encoder:mlp` read as equality; on name and notes `:` finds a part, like `~`.
  const op: CompareOp = found.op === ':' ? (field === 'name' || field === 'notes' ? '~' : '=') : (found.op as CompareOp);
  const value = unquote(valueRaw);
  const opLength = found.op.length;
  const opAt = valueAt - opLength;
  if (kind.type === 'number') {
    if (op === '~') fail(`'~' finds text, but ${keyText} is a number: use =, !=, <, <=, > or >= at ${opAt}`, opAt, opLength);
    const n = parseDecimal(value);
    const what = field === 'sweep' ? 'a sweep number' : field === 'id' ? 'a run number' : 'a number';
    if (n === null) fail(`expected ${what} after '${found.op}' at ${valueAt}`, valueAt, valueRaw.length);
    return field ? { kind: 'field', field, op, value: n } : { kind: 'value', key: key!, op, value: n };
  }
  if (op !== '=' && op !== '!=' && op !== '~')
    fail(`'${found.op}' compares numbers, but ${keyText} is text: use =, != or ~ at ${opAt}`, opAt, opLength);
  const what = field === 'status' ? 'status' : field === 'tag' ? 'tag' : keyText;
  const list = kind.options ? `; ${field === 'status' ? 'statuses' : 'options'} are ${kind.options.join(', ')}` : '';
  if (value === '')
    fail(`expected ${field === 'status' ? 'a status' : 'a value'} after '${found.op}' at ${valueAt}${list}`, valueAt, 1);
  if (kind.options && op !== '~') {
    const option = kind.options.find((o) => o.toLowerCase() === value.toLowerCase());
    if (!option) fail(`unknown ${what} '${value}' at ${valueAt}${list}`, valueAt, valueRaw.length);
    return field ? { kind: 'field', field, op, value: option } : { kind: 'value', key: key!, op, value: option };
  }
  return field ? { kind: 'field', field, op, value } : { kind: 'value', key: key!, op, value };
}

class Parser {
  private i = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly length: number,
  ) {}

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private keyword(word: string): boolean {
    const t = this.peek();
    return t?.type === 'word' && t.raw.toLowerCase() === word;
  }

  /** Where the next term should have been, for "expected a term" errors. */
  private here(): number {
    return this.peek()?.at ?? this.length;
  }

  parseAll(): RunQuery {
    const query = this.parseOr();
    const t = this.peek();
    if (t) fail(`unexpected ')' at ${t.at}: no '(' opens it`, t.at);
    return query;
  }

  private parseOr(): RunQuery {
    const items = [this.parseAnd()];
    while (this.keyword('or')) {
      const or = this.peek()!;
      this.i++;
      if (!this.startsTerm()) fail(`expected a term after 'or' at ${this.here()}`, or.at, 2);
      items.push(this.parseAnd());
    }
    return items.length === 1 ? items[0]! : { kind: 'or', items };
  }

  private startsTerm(): boolean {
    const t = this.peek();
    return !!t && t.type !== ')' && !this.keyword('or');
  }

  private parseAnd(): RunQuery {
    if (!this.startsTerm()) {
      const t = this.peek();
      if (t && this.keyword('or')) fail(`expected a term before 'or' at ${t.at}`, t.at, 2);
      return { kind: 'all' };
    }
    const items: RunQuery[] = [];
    while (this.startsTerm()) {
      if (this.keyword('and')) {
        const and = this.peek()!;
        this.i++;
        if (!this.startsTerm() || items.length === 0) fail(`'and' needs a term on each side at ${and.at}`, and.at, 3);
        continue;
      }
      items.push(this.parseUnary());
    }
    const kept = items.filter((q) => q.kind !== 'all');
    return kept.length === 0 ? { kind: 'all' } : kept.length === 1 ? kept[0]! : { kind: 'and', items: kept };
  }

  private parseUnary(): RunQuery {
    const t = this.peek()!;
    // `not x`, and `-(...)`, whose minus the tokenizer leaves as a word of its own.
    if (this.keyword('not') || (t.raw === '-' && this.tokens[this.i + 1]?.type === '(')) {
      this.i++;
      if (!this.startsTerm()) fail(`expected a term after '${t.raw}' at ${this.here()}`, t.at, t.raw.length);
      return { kind: 'not', item: this.parseUnary() };
    }
    if (t.type === '(') {
      this.i++;
      const inner = this.parseOr();
      const close = this.peek();
      if (close?.type !== ')') fail(`missing ')' for the '(' at ${t.at}`, t.at);
      this.i++;
      if (inner.kind === 'all') fail(`empty parentheses at ${t.at}`, t.at, close.at - t.at + 1);
      return inner;
    }
    this.i++;
    if (t.raw.startsWith('-') && t.raw.length > 1) return { kind: 'not', item: parseTerm(t.raw.slice(1), t.at + 1) };
    return parseTerm(t.raw, t.at);
  }
}

export function parseRunQuery(text: string): ParsedQuery {
  try {
    return { ok: true, query: new Parser(tokenize(text), text.length).parseAll() };
  } catch (e) {
    if (e instanceof QuerySyntaxError) return { ok: false, error: { message: e.message, at: e.at, length: e.length } };
    throw e;
  }
}

/** The term that keeps runs with this tag: what clicking a tag in the Runs table puts in the filter. */
export function tagQuery(tag: string): string {
  return /[\s()"]/.test(tag) || tag === '' ? `tag:"${tag.replace(/"/g, '')}"` : `tag:${tag}`;
}

// Settings hold decimals typed by people (0.001) and computed by sweeps (10 ** -3): equal within
// rounding, since `lr=0.001` must find both.
function sameNumber(a: number, b: number): boolean {
  return a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

function compareNumber(v: number, op: CompareOp, n: number): boolean {
  switch (op) {
    case '=':
      return sameNumber(v, n);
    case '!=':
      return !sameNumber(v, n);
    case '<':
      return v < n && !sameNumber(v, n);
    case '<=':
      return v <= n || sameNumber(v, n);
    case '>':
      return v > n && !sameNumber(v, n);
    case '>=':
      return v >= n || sameNumber(v, n);
    case '~':
      return false;
  }
}

function compareText(v: string, op: CompareOp, text: string): boolean {
  const a = v.toLowerCase();
  const b = text.toLowerCase();
  return op === '~' ? a.includes(b) : op === '!=' ? a !== b : a === b;
}

function compare(v: number | string | null, op: CompareOp, value: number | string): boolean {
  if (v === null) return false;
  if (typeof value === 'number') return typeof v === 'number' && compareNumber(v, op, value);
  return compareText(String(v), op, value);
}

function matchField(run: RunRecord, field: RunField, op: CompareOp, value: number | string): boolean {
  switch (field) {
    case 'tag': {
      // A run matches `tag!=old` when none of its tags is `old`.
      if (op === '!=') return !run.tags.some((t) => compareText(t, '=', String(value)));
      return run.tags.some((t) => compareText(t, op, String(value)));
    }
    case 'status':
      return compare(run.status, op, value);
    case 'sweep':
      return compare(run.sweepId, op, value);
    case 'id':
      return compare(run.id, op, value);
    case 'name':
      return compare(run.name, op, value);
    case 'notes':
      return compare(run.notes, op, value);
    case 'preset':
      return compare(run.preset, op, value);
  }
}

export function matchesRun(query: RunQuery, run: RunRecord): boolean {
  switch (query.kind) {
    case 'all':
      return true;
    case 'and':
      return query.items.every((q) => matchesRun(q, run));
    case 'or':
      return query.items.some((q) => matchesRun(q, run));
    case 'not':
      return !matchesRun(query.item, run);
    case 'value':
      return compare(runValue(run, query.key), query.op, query.value);
    case 'field':
      return matchField(run, query.field, query.op, query.value);
    case 'text': {
      const text = query.text.toLowerCase();
      const haystack = [run.name, run.notes, run.preset, run.status, `#${run.id}`, ...run.tags];
      return haystack.some((h) => h.toLowerCase().includes(text));
    }
  }
}

/** The runs a query keeps; an invalid query keeps them all and says why. */
export function filterRuns(runs: readonly RunRecord[], text: string): { runs: RunRecord[]; error: QueryError | null } {
  const parsed = parseRunQuery(text);
  if (!parsed.ok) return { runs: [...runs], error: parsed.error };
  if (parsed.query.kind === 'all') return { runs: [...runs], error: null };
  const query = parsed.query;
  return { runs: runs.filter((r) => matchesRun(query, r)), error: null };
}
