// A compact, self-describing binary form for a list of named float32 tensors: the blobs stored in
// checkpoints. Layout: "VAEW" magic, uint32 header length, UTF-8 JSON header [{name, shape}], then
// the float32 data back to back (4-byte aligned). Self-describing so a checkpoint written by one
// version can be checked against the model it is loaded into, with a clear error on mismatch.

import * as tf from '@tensorflow/tfjs';

export interface NamedWeight {
  name: string;
  shape: number[];
  values: Float32Array;
}

const MAGIC = 0x57454156; // "VAEW" little-endian

export function encodeWeights(weights: NamedWeight[]): Uint8Array {
  const header = new TextEncoder().encode(JSON.stringify(weights.map((w) => ({ name: w.name, shape: w.shape }))));
  const headerPadded = Math.ceil(header.length / 4) * 4;
  const floats = weights.reduce((n, w) => n + w.values.length, 0);
  const out = new Uint8Array(8 + headerPadded + floats * 4);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, header.length, true);
  out.set(header, 8);
  const data = new Float32Array(out.buffer, 8 + headerPadded, floats);
  let offset = 0;
  for (const w of weights) {
    data.set(w.values, offset);
    offset += w.values.length;
  }
  return out;
}

export function decodeWeights(bytes: Uint8Array): NamedWeight[] {
  if (bytes.byteLength < 8) throw new Error('weights blob is truncated (shorter than its header)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw new Error('weights blob has a wrong magic number');
  const headerLength = view.getUint32(4, true);
  const headerPadded = Math.ceil(headerLength / 4) * 4;
  if (8 + headerPadded > bytes.byteLength) throw new Error('weights blob is truncated (header)');
  const specs = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as { name: string; shape: number[] }[];
  // Copy to an aligned buffer: the blob from SQLite may sit at any byte offset.
  const body = bytes.slice(8 + headerPadded);
  const data = new Float32Array(body.buffer, body.byteOffset, body.byteLength / 4);
  let offset = 0;
  return specs.map((s) => {
    const size = s.shape.reduce((a, b) => a * b, 1);
    if (offset + size > data.length) throw new Error(`weights blob is truncated at ${s.name}`);
    const values = data.subarray(offset, offset + size);
    offset += size;
    return { name: s.name, shape: s.shape, values };
  });
}

export function readModelWeights(model: tf.LayersModel): NamedWeight[] {
  return model.weights.map((w) => {
    const t = w.read();
    return { name: w.name, shape: t.shape.slice(), values: t.dataSync() as Float32Array };
  });
}

/** Loads weights into a model, checking count, order and shapes so a mismatch fails loudly. */
export function writeModelWeights(model: tf.LayersModel, weights: NamedWeight[], what: string): void {
  const targets = model.weights;
  if (targets.length !== weights.length)
    throw new Error(`${what}: checkpoint has ${weights.length} weight tensors, model has ${targets.length}`);
  const tensors = weights.map((w, i) => {
    const expected = targets[i]!.shape; // same length as weights, checked above
    if (expected.length !== w.shape.length || expected.some((d, j) => d !== w.shape[j]))
      throw new Error(`${what}: weight ${w.name} has shape [${w.shape}], model expects [${expected}]`);
    return tf.tensor(w.values, w.shape);
  });
  model.setWeights(tensors);
  tf.dispose(tensors);
}
