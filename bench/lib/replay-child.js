// Measure, in a fresh process, the cost of opening a store and reading one container's
// state, then of decoding its whole log. Prints one JSON line on stdout.
import { hrtime } from 'node:process';

const [root, id, repsArg] = process.argv.slice(2);
const reps = Number(repsArg) || 3;
const ms = (t0) => Number(hrtime.bigint() - t0) / 1e6;

let t = hrtime.bigint();
const { openStore } = await import(new URL('../../dist/index.js', import.meta.url));
const importMs = ms(t);

t = hrtime.bigint();
const store = await openStore({ root, durability: 'none' });
const st = await store.state(id);
const openStateMs = ms(t);

// Full decode: replay() to the last seq when the store has it (a fold over every record),
// else history() (decodes every record into objects).
const how = typeof store.replay === 'function' ? 'replay' : 'history';
const times = [];
let events = st.seq;
for (let i = 0; i < reps; i++) {
  t = hrtime.bigint();
  if (how === 'replay') {
    const s = await store.replay(id, { atSeq: st.seq });
    if (s.seq !== st.seq) throw new Error(`replay reached seq ${s.seq}, expected ${st.seq}`);
  } else {
    const h = await store.history(id);
    if (h.length !== st.seq) throw new Error(`history has ${h.length} events, state.seq is ${st.seq}`);
  }
  times.push(ms(t));
}
await store.close();
times.sort((a, b) => a - b);
process.stdout.write(JSON.stringify({ events, importMs, openStateMs, how, replayMs: times[times.length >> 1], replayMaxMs: times[times.length - 1] }) + '\n');
