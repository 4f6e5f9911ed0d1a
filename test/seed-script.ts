import { readFileSync } from 'node:fs';

export interface SeedStatement {
  module: string;  // '000' … '006'
  sql: string;     // verbatim, comments included
}

/** The seed document, as given (a copy of ../shared/seed/000_efd0892816e0b35b.decoded.md; the SQL is identical). */
export const SEED_DOCUMENT = readFileSync(new URL('./fixtures/seed.md', import.meta.url), 'utf8');

/** Every SQL statement of the seed's "Testing" sections, in document order, exactly as written. */
export function seedTestingStatements(document = SEED_DOCUMENT): SeedStatement[] {
  const statements: SeedStatement[] = [];
  const steps = document.split(/^### \*\*Step \d+: Apply Module /m).slice(1);
  for (const step of steps) {
    const module = step.slice(0, 3);
    const testing = step.split('**🧪 Testing:**')[1];
    const block = testing?.match(/```sql\n([\s\S]*?)```/)?.[1];
    if (!block) throw new Error(`module ${module}: no Testing SQL block found in the seed`);
    let current: string[] = [];
    for (const line of block.split('\n')) {
      current.push(line);
      if (line.replace(/--.*$/, '').trimEnd().endsWith(';')) {
        statements.push({ module, sql: current.join('\n').trim() });
        current = [];
      }
    }
    if (current.some((l) => l.replace(/--.*$/, '').trim() !== '')) throw new Error(`module ${module}: unterminated statement`);
  }
  return statements;
}
