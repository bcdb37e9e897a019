/**
 * A source's `#include "../header.h"` compiles although the compiler's file
 * system skips `..`: each header beside a source is also placed in the
 * folders below it that hold another source, unless one of that name is
 * there (a faulty variant in faulty/ includes its class's ../reference.h).
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { parentHeaderCopies } from '../../src/personalities/c-wasm/compiler';

describe('headers included from a parent folder', () => {
  const reference: [string, string] = ['src/c/reference.h', 'R'];

  it('a header beside one source is placed in the folder of a source below it', () => {
    assert.deepEqual(parentHeaderCopies(['src/c/reference.c', 'src/c/faulty/bug.c'], [reference]), [['src/c/faulty/reference.h', 'R']]);
  });

  it('nothing is copied beside its own source, into a sibling folder, or over a header of that name', () => {
    assert.deepEqual(parentHeaderCopies(['src/c/reference.c'], [reference]), []);
    assert.deepEqual(parentHeaderCopies(['src/c/reference.c', 'src/cx/bug.c'], [reference]), []);
    assert.deepEqual(parentHeaderCopies(['src/c/reference.c', 'src/c/faulty/bug.c'], [reference, ['src/c/faulty/reference.h', 'own']]), []);
  });
});
