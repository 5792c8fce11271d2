// A DataView of the buffer read last. Reading a log means many small reads from a few large buffers:
// 32-bit loads through a view cost less than four byte loads, and the view is made about once per
// buffer. The view keeps its buffer alive until another is viewed: scans, which read the large ones,
// forget it when they end (forgetView); what else is viewed (a header, a frame being written, a
// snapshot) is at most one payload.
const EMPTY = new Uint8Array(0);
const EMPTY_VIEW: DataView = new DataView(EMPTY.buffer);
let viewed: Uint8Array = EMPTY;
let view: DataView = EMPTY_VIEW;

export function viewOf(buf: Uint8Array): DataView {
  if (buf !== viewed) {
    viewed = buf;
    view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  return view;
}

// Let go of the buffer viewed last, so that it can be collected.
export function forgetView(): void {
  viewed = EMPTY;
  view = EMPTY_VIEW;
}
