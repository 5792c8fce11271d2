import { suite } from '../helpers/suite.js';
import * as assert from 'uvu/assert';
import { parseSignal, signalNumber } from '../../dist/process/signals.js';

const parse = suite('parseSignal');

parse('names with and without SIG, any case, and numbers', () => {
  assert.is(parseSignal('TERM'), 'SIGTERM');
  assert.is(parseSignal('SIGTERM'), 'SIGTERM');
  assert.is(parseSignal('kill'), 'SIGKILL');
  assert.is(parseSignal('SigKill'), 'SIGKILL');
  assert.is(parseSignal('9'), 'SIGKILL');
  assert.is(parseSignal(15), 'SIGTERM');
  assert.is(parseSignal('HUP'), 'SIGHUP');
});

parse('aliases print one way', () => {
  assert.is(parseSignal('IOT'), 'SIGABRT');
  assert.is(parseSignal('6'), 'SIGABRT');
  assert.is(parseSignal('SIGPOLL'), parseSignal('SIGIO'));
});

parse('unknown names and numbers are EINVALID', () => {
  for (const bad of ['', 'FOO', 'SIGFOO', '0', '-9', '+9', '09', '9.0', '999', 'SIG', 'TERM;rm', 'SIG TERM', '1e1', 'RTMIN', ' USR1 ', ' 9', '9\n', 'TERM ']) {
    try {
      parseSignal(bad);
      assert.unreachable(`accepted ${JSON.stringify(bad)}`);
    } catch (err) {
      assert.is(err.code, 'EINVALID', JSON.stringify(bad));
      assert.match(err.message, 'unknown signal');
    }
  }
});

parse('signalNumber', () => {
  assert.is(signalNumber('SIGKILL'), 9);
  assert.is(signalNumber(parseSignal('TERM')), 15);
  assert.throws(() => signalNumber('SIGNOPE'), TypeError);
});

parse.run();
