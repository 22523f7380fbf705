// The Web Worker that fits "which settings matter", off the page's thread: fitting the forests
// takes seconds and would freeze the window. Loaded as a module worker from the app's own origin
// ('self' in every shell's Content-Security-Policy). Each message is one request, answered in full.

import { answerFit } from './importance-protocol.ts';

// The page's lib is DOM, where `self` is a Window: only the two members used here are named.
const scope = self as unknown as {
  onmessage: ((e: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
};

scope.onmessage = (e) => answerFit(e.data, (reply) => scope.postMessage(reply));
