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
  for (const bad of ['', 'FOO', 'SIGFOO', '0', '-9', '+9', '09', '9.0', '999', 'SIG', 'TERM;rm', 'SIG TERM', '1e1', ' USR1 ', '32', '33', '65', 'RTMIN+0', 'RTMAX-0', 'RTMIN+31', 'RTMAX-31', 'RTMIN-1', 'RTMAX+1', 'RTMIN+03', 'RTMIN+', 'RT', 'SIGRTMID', ' 9', '9\n', 'TERM ']) {
    try {
      parseSignal(bad);
      assert.unreachable(`accepted ${JSON.stringify(bad)}`);
    } catch (err) {
      assert.is(err.code, 'EINVALID', JSON.stringify(bad));
      assert.match(err.message, 'unknown signal');
    }
  }
});

parse('real-time signals: 34..64 by number or as RTMIN+n / RTMAX-n, named as kill -l names them', () => {
  assert.is(parseSignal('RTMIN'), 'SIGRTMIN');
  assert.is(parseSignal('34'), 'SIGRTMIN');
  assert.is(parseSignal('rtmin+3'), 'SIGRTMIN+3');
  assert.is(parseSignal('SIGRTMIN+3'), 'SIGRTMIN+3');
  assert.is(parseSignal(37), 'SIGRTMIN+3');
  assert.is(parseSignal('RTMIN+15'), 'SIGRTMIN+15');
  // The second half is counted down from RTMAX, whichever way it is given.
  assert.is(parseSignal('RTMIN+16'), 'SIGRTMAX-14');
  assert.is(parseSignal('50'), 'SIGRTMAX-14');
  assert.is(parseSignal('RTMAX-30'), 'SIGRTMIN');
  assert.is(parseSignal('SIGRTMAX-1'), 'SIGRTMAX-1');
  assert.is(parseSignal('RTMAX'), 'SIGRTMAX');
  assert.is(parseSignal(64), 'SIGRTMAX');
  for (let n = 34; n <= 64; n++) assert.is(signalNumber(parseSignal(n)), n);
  assert.throws(() => signalNumber('SIGRTMIN+16'), (e) => e instanceof TypeError && /not a signal name/.test(e.message), 'only canonical names have a number');
});

parse('signalNumber', () => {
  assert.is(signalNumber('SIGKILL'), 9);
  assert.is(signalNumber(parseSignal('TERM')), 15);
  assert.throws(() => signalNumber('SIGNOPE'), (e) => e instanceof TypeError && /not a signal name: SIGNOPE/.test(e.message));
});

parse.run();
