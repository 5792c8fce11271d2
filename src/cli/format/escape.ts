const NAMED: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

// Text for a terminal, on one line, that cannot drive it whatever the data holds (a bundle path
// or a stray file name in the root is any string): C0 and C1 control characters and DEL are
// shown escaped, as `\n` or `\x1b`.
export function escapeControls(text: string): string {
  return text.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => NAMED[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
