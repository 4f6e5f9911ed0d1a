/**
 * A PostgreSQL lexer just deep enough to find statement boundaries and positional parameters: the RDS Data API
 * runs one statement per call and knows only `:name` parameters. It follows the server's rules for the things
 * that may hide a `;` or a `$1`: single-quoted strings (with `''`, and backslash escapes in E'' strings), quoted
 * identifiers, dollar-quoted strings with any tag (`$$`, `$body$`; a different tag inside does not close it),
 * `--` line comments and nested block comments.
 */

export type SegmentKind = 'code' | 'string' | 'identifier' | 'dollar' | 'comment';
export interface Segment { kind: SegmentKind; text: string }

export class UnsupportedSqlError extends Error {
  override name = 'UnsupportedSqlError';
}

const IDENT_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;
const DOLLAR_TAG = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/;

/** Splits SQL text into code and the literal / comment segments that code must not be searched in. */
export function lex(sql: string): Segment[] {
  return [...segmentsOf(sql)];
}

/**
 * The segments one by one, so that a caller refusing a statement (splitStatements) does so before the lexer
 * reaches what follows it (the data lines of a `COPY … FROM STDIN`, which are not SQL).
 */
function* segmentsOf(sql: string): Generator<Segment> {
  let code = '';
  let i = 0;
  function* take(kind: SegmentKind, end: number): Generator<Segment> {
    if (code) yield { kind: 'code', text: code };
    code = '';
    yield { kind, text: sql.slice(i, end) };
    i = end;
  }
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    const previous = i > 0 ? sql[i - 1]! : '';
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      yield* take('comment', end === -1 ? sql.length : end);
    } else if (c === '/' && next === '*') {
      yield* take('comment', blockCommentEnd(sql, i));
    } else if (c === "'") {
      // E'…' (preceded by a lone E, not the end of a longer word) takes backslash escapes.
      const escapes = /[eE]/.test(previous) && !IDENT_CHAR.test(sql[i - 2] ?? '');
      yield* take('string', quotedEnd(sql, i, "'", escapes));
    } else if (c === '"') {
      yield* take('identifier', quotedEnd(sql, i, '"', false));
    } else if (c === '$' && !IDENT_CHAR.test(previous) && DOLLAR_TAG.test(sql.slice(i, i + 256))) {
      const tag = DOLLAR_TAG.exec(sql.slice(i, i + 256))![0];
      const close = sql.indexOf(tag, i + tag.length);
      if (close === -1) throw new UnsupportedSqlError(`unterminated dollar-quoted string ${tag} at offset ${i}`);
      yield* take('dollar', close + tag.length);
    } else {
      code += c;
      i += 1;
      if (c === ';') { // a statement's end: hand it over before lexing further
        yield { kind: 'code', text: code };
        code = '';
      }
    }
  }
  if (code) yield { kind: 'code', text: code };
}

function blockCommentEnd(sql: string, start: number): number {
  let depth = 0;
  for (let i = start; i < sql.length - 1; i += 1) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth += 1;
      i += 1;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth -= 1;
      i += 1;
      if (depth === 0) return i + 1;
    }
  }
  throw new UnsupportedSqlError(`unterminated block comment at offset ${start}`);
}

function quotedEnd(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  for (let i = start + 1; i < sql.length; i += 1) {
    if (backslashEscapes && sql[i] === '\\') i += 1;
    else if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 1;
      else return i + 1;
    }
  }
  throw new UnsupportedSqlError(`unterminated ${quote === "'" ? 'string' : 'quoted identifier'} at offset ${start}`);
}

/**
 * The statements of a script, in order, each without its terminating `;` and trimmed, comments inside kept.
 * Parts that hold only whitespace and comments are dropped. What cannot be sent one statement per call is refused
 * with the statement's number and beginning: SQL-standard `BEGIN ATOMIC` bodies (write the body dollar-quoted),
 * a `;` inside parentheses (a multi-action `CREATE RULE … DO (…; …)`), `COPY … FROM STDIN` / `TO STDOUT` (no
 * client streams the data) and psql meta-commands (`\i`, `\set`, …: a backslash outside any literal is not SQL).
 */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let current: Segment[] = [];
  let depth = 0;
  const text = () => current.map((s) => s.text).join('').trim();
  const refuse = (why: string) => {
    const start = text().replace(/\s+/g, ' ').slice(0, 80);
    const quoted = start ? ` ("${start}${start.length === 80 ? '…' : ''}")` : '';
    throw new UnsupportedSqlError(`statement ${statements.length + 1}${quoted}: ${why}`);
  };
  const finish = () => {
    if (current.some((s) => s.kind !== 'comment' && s.text.trim() !== '')) {
      const code = current.filter((s) => s.kind === 'code').map((s) => s.text).join(' ');
      if (/\bBEGIN\s+ATOMIC\b/i.test(code)) refuse('a BEGIN ATOMIC body cannot be split into statements; write the function body dollar-quoted');
      if (/^\s*COPY\b[\s\S]*\b(FROM\s+STDIN|TO\s+STDOUT)\b/i.test(code)) {
        refuse('COPY … FROM STDIN / TO STDOUT needs a client streaming the data, which a statement-per-call API is not; use INSERT … VALUES or COPY from a file the server reads');
      }
      statements.push(text());
    }
    current = [];
    depth = 0;
  };
  for (const segment of segmentsOf(sql)) {
    if (segment.kind !== 'code') {
      current.push(segment);
      continue;
    }
    let part = '';
    for (let i = 0; i < segment.text.length; i += 1) {
      const c = segment.text[i]!;
      if (c === '\\') {
        current.push({ kind: 'code', text: part });
        const line = segment.text.slice(i).split('\n', 1)[0]!.trim();
        refuse(`"${line}" is a psql meta-command (a backslash outside any literal is not SQL): only psql runs it; write it as SQL`);
      }
      if (c === '(') depth += 1;
      else if (c === ')') depth -= 1;
      else if (c === ';') {
        current.push({ kind: 'code', text: part });
        part = '';
        if (depth > 0) refuse('a ";" inside parentheses (a multi-action CREATE RULE … DO (…; …)) would be split mid-statement; write one rule per action, or a trigger');
        finish();
        continue;
      }
      part += c;
    }
    if (part) current.push({ kind: 'code', text: part });
  }
  finish();
  return statements;
}

/**
 * Rewrites positional parameters (`$1`, `$2`, …) outside literals and comments to the Data API's named form
 * (`:p1`, `:p2`, …). A `::type` cast is left alone.
 */
export function toNamedParameters(sql: string): string {
  return lex(sql).map((s) => (s.kind === 'code'
    ? s.text.replace(/(^|[^A-Za-z0-9_$])\$(\d+)/g, (_, before: string, n: string) => `${before}:p${n}`)
    : s.text)).join('');
}
