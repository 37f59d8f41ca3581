import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conflictingFields, mergeConflict } from '../reports/conflict.ts';
import { decodeCursor, encodeCursor, LineSplitter, mediaTypeOf } from './rules.ts';

test('a cursor round-trips, no cursor is the start, and a foreign one is refused naming it', () => {
  assert.equal(decodeCursor(encodeCursor(9007199254740993n)), 9007199254740993n);
  assert.equal(decodeCursor(undefined), 0n);
  assert.equal(decodeCursor(''), 0n);
  assert.throws(() => decodeCursor('2026-01-01T00:00:00Z'), /query\.since: "2026-01-01T00:00:00Z" is not a cursor/);
  assert.throws(() => decodeCursor('c1.-1'), /not a cursor/);
});

test('lines are given only when complete; a line cut by the link is left over, even inside a UTF-8 character', () => {
  const splitter = new LineSplitter();
  const bytes = new TextEncoder().encode('{"a":"é"}\n{"b":1}\n{"c":');
  const cut = 6; // inside the two bytes of é
  assert.deepEqual(splitter.push(bytes.subarray(0, cut)), []);
  assert.deepEqual(splitter.push(bytes.subarray(cut)), ['{"a":"é"}', '{"b":1}']);
  assert.equal(splitter.incomplete, '{"c":');
});

const sides = {
  base: { reference: 'HZ-1', description: 'as surveyed', blockages: [] as string[], status: 'active' },
  theirs: { reference: 'HZ-1', description: 'field edit', blockages: ['road'], status: 'active' },
  current: { reference: 'HZ-1', description: 'national edit', blockages: [] as string[], status: 'active' },
};

test('the conflicting fields are those where the report and the current record disagree, whatever the key order', () => {
  assert.deepEqual(conflictingFields(sides), ['blockages', 'description']);
  assert.deepEqual(conflictingFields({ base: {}, theirs: { g: { b: 1, a: 2 } }, current: { g: { a: 2, b: 1 } } }), []);
});

test('a merge takes each chosen side per conflicting field and keeps the rest', () => {
  assert.deepEqual(mergeConflict(sides, { description: 'current', blockages: 'theirs' }), { reference: 'HZ-1', description: 'national edit', blockages: ['road'], status: 'active' });
  assert.deepEqual(mergeConflict(sides, { description: 'base', blockages: 'base' }).description, 'as surveyed');
});

test('a merge without a choice for every conflicting field, or with one for a field that does not conflict, is refused', () => {
  assert.throws(() => mergeConflict(sides, { description: 'theirs' }), /choices: choose base, theirs or current for blockages/);
  assert.throws(() => mergeConflict(sides, { description: 'theirs', blockages: 'theirs', status: 'base' }), /status do not conflict/);
});

test('an attachment is named JPEG, PNG, WebP or PDF by its first bytes; anything else, HTML included, is bytes', () => {
  assert.equal(mediaTypeOf(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10])), 'image/jpeg');
  assert.equal(mediaTypeOf(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0])), 'image/png');
  assert.equal(mediaTypeOf(Buffer.from('RIFF\x10\x00\x00\x00WEBPVP8 ', 'latin1')), 'image/webp');
  assert.equal(mediaTypeOf(Buffer.from('RIFF\x10\x00\x00\x00WAVEfmt ', 'latin1')), 'application/octet-stream', 'a RIFF that is not WebP');
  assert.equal(mediaTypeOf(Buffer.from('%PDF-1.7')), 'application/pdf');
  assert.equal(mediaTypeOf(Buffer.from('<html><script>alert(1)</script>')), 'application/octet-stream');
  assert.equal(mediaTypeOf(new Uint8Array()), 'application/octet-stream');
});
