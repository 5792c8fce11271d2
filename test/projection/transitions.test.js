import { suite } from '../helpers/suite.js';
import * as assert from 'uvu/assert';
import { decide } from '../../dist/projection/decide.js';
import { evolve } from '../../dist/projection/evolve.js';
import { TRANSITIONS } from '../../dist/projection/transitions.js';
import { EVENT_TYPES } from '../../dist/events/types.js';

const STATUSES = ['created', 'running', 'paused', 'stopped'];
const state = (status, pid = 0) => ({ ociVersion: '1.2.0', id: 'web', status, pid, pidStart: 0, bundle: '', annotations: {}, created: 't', updated: 't', seq: 3 });

// The expected table, written out by hand so a change to TRANSITIONS shows up here.
const ALLOWED = {
  created: [],
  started: ['created'],
  paused: ['running'],
  resumed: ['paused'],
  killed: ['created', 'running', 'paused'],
  exited: ['created', 'running', 'paused'],
  annotated: ['created', 'running', 'paused', 'stopped'],
  deleted: ['created', 'stopped'],
};

const Table = suite('transition table');

Table('every status × event pair is allowed or refused as specified', () => {
  for (const type of EVENT_TYPES) {
    for (const status of STATUSES) {
      const ok = ALLOWED[type].includes(status);
      try {
        decide('web', state(status), type);
        assert.ok(ok, `${type} from ${status} should be refused`);
      } catch (e) {
        assert.not.ok(ok, `${type} from ${status} should be allowed: ${e.message}`);
        assert.is(e.code, type === 'created' ? 'EEXIST' : 'EBADTRANSITION');
      }
    }
  }
});

Table('refusals name the verb, the container and the status', () => {
  try { decide('web', state('stopped'), 'paused'); assert.unreachable(); } catch (e) {
    assert.is(e.message, 'cannot pause container "web" in state stopped');
    assert.is(e.details.status, 'stopped');
  }
});

Table('an absent container: only created is allowed, the rest are ENOTFOUND', () => {
  for (const type of EVENT_TYPES) {
    if (type === 'created') { decide('web', null, type); continue; }
    try { decide('web', null, type); assert.unreachable(); } catch (e) { assert.is(e.code, 'ENOTFOUND'); }
  }
});

Table('force deletes from any status', () => {
  for (const status of STATUSES) decide('web', state(status), 'deleted', true);
  assert.equal([...TRANSITIONS.deleted.forcedFrom].sort(), [...STATUSES].sort());
});

Table.run();

// ---

const Evolve = suite('evolve');

const ev = (seq, type, data = {}) => ({ seq, type, at: `2026-01-01T00:00:0${seq}.000Z`, actor: { pid: 1, uid: 0 }, data });

Evolve('folds a whole lifecycle', () => {
  let s = evolve(null, ev(1, 'created', { id: 'web', bundle: '/b', annotations: { a: '1' }, command: ['sleep', '9'] }));
  assert.is(s.status, 'created');
  assert.equal(s.command, ['sleep', '9']);
  s = evolve(s, ev(2, 'started', { pid: 42, pidStart: 7 }));
  assert.is(s.status, 'running');
  assert.is(s.pid, 42);
  s = evolve(s, ev(3, 'paused'));
  assert.is(s.status, 'paused');
  s = evolve(s, ev(4, 'resumed'));
  s = evolve(s, ev(5, 'annotated', { annotations: { a: null, b: '2' } }));
  assert.equal(s.annotations, { b: '2' });
  s = evolve(s, ev(6, 'killed', { signal: 'SIGTERM' }));
  assert.is(s.status, 'running');
  assert.is(s.killSignal, 'SIGTERM');
  s = evolve(s, ev(7, 'exited', { code: 0 }));
  assert.is(s.status, 'stopped');
  assert.is(s.pid, 0);
  assert.is(s.exitCode, 0);
  assert.is(s.killSignal, undefined);
  assert.is(s.seq, 7);
  assert.is(s.created, '2026-01-01T00:00:01.000Z');
  assert.is(s.updated, '2026-01-01T00:00:07.000Z');
});

Evolve('is pure: the input state is not changed', () => {
  const s = evolve(null, ev(1, 'created', { id: 'web', bundle: '', annotations: { a: '1' } }));
  const copy = structuredClone(s);
  evolve(s, ev(2, 'annotated', { annotations: { a: '2' } }));
  evolve(s, ev(2, 'started', { pid: 5 }));
  assert.equal(s, copy);
});

Evolve.run();
