// uvu's suite, made safe for this project's errors. uvu's reporter takes an error's `details` for
// the text of a failed assertion and calls `details.split`: a RunstateError, whose `details` is an
// object, escaping a test or hook made the reporter throw, which silently dropped the rest of the
// suite and left the exit status 0. Every test and hook here rethrows such an error as a plain one.
import { suite as uvuSuite } from 'uvu';

function visible(err) {
  if (err === null || typeof err !== 'object' || err.details === undefined || typeof err.details === 'string') return err;
  const plain = new Error(`${err.code ?? err.name}: ${err.message} ${JSON.stringify(err.details)}`);
  plain.stack = `${plain.message}\n${String(err.stack).split('\n').slice(1).join('\n')}`;
  return plain;
}

const guarded = (fn) => async (...args) => {
  try {
    return await fn(...args);
  } catch (err) {
    throw visible(err);
  }
};

export function suite(name, context) {
  const s = uvuSuite(name, context);
  const test = (title, fn) => s(title, guarded(fn));
  test.only = (title, fn) => s.only(title, guarded(fn));
  test.skip = (...args) => s.skip(...args);
  for (const when of ['before', 'after']) {
    const hook = (fn) => s[when](guarded(fn));
    hook.each = (fn) => s[when].each(guarded(fn));
    test[when] = hook;
  }
  test.run = () => s.run();
  return test;
}
