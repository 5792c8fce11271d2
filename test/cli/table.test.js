import { suite } from '../helpers/suite.js';
import * as assert from 'uvu/assert';
import { streamRow, table } from '../../dist/cli/format/table.js';

// ---

const layout = suite('table');

layout('columns padded to the widest cell, the last one not padded', () => {
  const rows = [{ a: 'x', b: 'long one' }, { a: 'wider', b: 'y' }];
  const columns = [{ title: 'A', cell: (r) => r.a }, { title: 'B', cell: (r) => r.b }];
  assert.is(table(rows, columns), 'A      B\nx      long one\nwider  y');
});

layout('a column of 300,000 rows (a long history) does not overflow the stack', () => {
  const rows = Array.from({ length: 300_000 }, (_, i) => i);
  const text = table(rows, [{ title: 'SEQ', cell: (i) => String(i + 1) }, { title: 'DATA', cell: () => 'k=v' }]);
  const lines = text.split('\n');
  assert.is(lines.length, 300_001);
  assert.is(lines[0], 'SEQ     DATA');
  assert.is(lines[300_000], '300000  k=v');
});

layout('control characters (C0, DEL, C1) are shown escaped, so a cell can neither break the line nor drive the terminal', () => {
  const columns = [{ title: 'BUNDLE', cell: (r) => r, width: 4 }, { title: 'END', cell: () => 'x' }];
  const nasty = '/tmp/\x1b[31mRED\x1b[0m\ttab\nline\rcr\x00\x07\x7f\x9b\x80\x9f\u00a0é';
  const shown = '/tmp/\\x1b[31mRED\\x1b[0m\\ttab\\nline\\rcr\\x00\\x07\\x7f\\x9b\\x80\\x9f\u00a0é';
  assert.is(table([nasty], columns), `BUNDLE${' '.repeat(shown.length - 4)}END\n${shown}  x`);
  assert.is(streamRow(nasty, columns), `${shown}  x`);
  for (const text of [table([nasty], columns), streamRow(nasty, columns)]) {
    assert.not.match(text, /[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
  }
});

layout.run();
