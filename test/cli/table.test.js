import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { table } from '../../dist/cli/format/table.js';

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

layout.run();
