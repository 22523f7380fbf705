// The wire codec's base64 against Node's own, for every length remainder and a full image grid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeWire, encodeWire } from '../src/shared/wire.ts';
import { makeRng } from '../src/shared/random.ts';

test('bytes encode as standard base64 and round-trip, for every length', () => {
  const rng = makeRng(9);
  for (const n of [0, 1, 2, 3, 4, 5, 6, 7, 100, 101, 102, 32 * 784]) {
    const bytes = Uint8Array.from({ length: n }, () => Math.floor(rng() * 256));
    const text = encodeWire({ pixels: bytes });
    assert.equal(JSON.parse(text).pixels.$u8, Buffer.from(bytes).toString('base64'), `n=${n}`);
    const back = decodeWire(text) as { pixels: Uint8Array };
    assert.ok(back.pixels instanceof Uint8Array);
    assert.deepEqual([...back.pixels], [...bytes], `n=${n}`);
  }
});

test('malformed base64 is refused with a SyntaxError', () => {
  for (const bad of ['abc', 'ab!d', 'a===', '=abc', 'ab=c']) {
    assert.throws(() => decodeWire(JSON.stringify({ pixels: { $u8: bad } })), SyntaxError, bad);
  }
});

test('text with nothing to revive parses plainly; an escaped key or tag still goes through the reviver', () => {
  const plain = '{"runs":[{"id":1,"name":"z8 β4","config":{"loss":{"beta":4}},"tags":["a"]}]}';
  assert.deepEqual(decodeWire(plain), JSON.parse(plain));
  const escapedProto = '{"a":{"\\u005f_proto__":{"polluted":true},"b":1}}';
  assert.deepEqual(decodeWire(escapedProto), { a: { b: 1 } });
  assert.ok(Number.isNaN((decodeWire('{"x":{"\\u0024num":"NaN"}}') as { x: number }).x));
});

test('non-finite numbers and bytes are tagged wherever they sit; the value encoded is left untouched', () => {
  const bytes = Uint8Array.of(1, 2, 250);
  const when = new Date(Date.UTC(2026, 10, 30));
  const value = {
    losses: [1.5, Number.NaN, [Number.POSITIVE_INFINITY, 2]],
    nested: { deep: { kl: Number.NEGATIVE_INFINITY, pixels: bytes }, plain: { a: 1 } },
    when,
  };
  const plain = value.nested.plain;
  const text = encodeWire(value);
  assert.ok(Number.isNaN(value.losses[1] as number) && value.nested.deep.pixels === bytes, 'input unchanged');
  assert.equal(value.nested.plain, plain);
  const back = decodeWire(text) as typeof value & { when: string };
  assert.ok(Number.isNaN(back.losses[1] as number));
  assert.deepEqual(back.losses[2], [Number.POSITIVE_INFINITY, 2]);
  assert.equal(back.nested.deep.kl, Number.NEGATIVE_INFINITY);
  assert.deepEqual([...back.nested.deep.pixels], [1, 2, 250]);
  assert.equal(back.when, when.toISOString());
});

test('keys that could reach a prototype are dropped at any depth, spelled plainly or escaped', () => {
  const text = '{"a":[{"__proto__":{"x":1},"constructor":2,"keep":{"prototype":3,"v":{"$num":"NaN"}}}]}';
  const back = decodeWire(text) as { a: [{ keep: { v: number } }] };
  assert.deepEqual(Object.keys(back.a[0]), ['keep']);
  assert.deepEqual(Object.keys(back.a[0].keep), ['v']);
  assert.ok(Number.isNaN(back.a[0].keep.v));
});
