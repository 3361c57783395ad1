import { describe, expect, it } from 'vitest';
import { parseRoutingField, routingKey } from '../../src/pipeline/sinks/routing-key.ts';
import { record } from './sink-harness.ts';

describe('routingKey', () => {
  it('uses the document key alone for ["documentId"], so it hashes exactly the document id', () => {
    expect(routingKey(record('doc-7'), ['documentId'])).toBe('doc-7');
    expect(routingKey(record('doc-7', { collection: 'notes' }), ['collection'])).toBe('notes');
  });

  it('joins several fields as a JSON array, so different splits of the same text differ', () => {
    const a = routingKey(record('b', { collection: 'a' }), ['collection', 'documentId']);
    expect(a).toBe('["a","b"]');
    expect(routingKey(record('x,y', { collection: 'c' }), ['collection', 'documentId'])).not.toBe(
      routingKey(record('y', { collection: 'c,x' }), ['collection', 'documentId']),
    );
  });

  it('routes a tombstone on documentId exactly like its document', () => {
    const put = record('doc-1', { value: { tenant: 't1' } });
    const del = record('doc-1', { op: 'delete', value: null });
    expect(routingKey(del, ['collection', 'documentId'])).toBe(routingKey(put, ['collection', 'documentId']));
  });

  it('reads value paths: strings as is, numbers and booleans as JSON', () => {
    const r = record('k', { value: { a: { b: 'x' }, n: 1.5, t: true, z: 0 } });
    expect(routingKey(r, ['value.a.b'])).toBe('x');
    expect(routingKey(r, ['value.n'])).toBe('1.5');
    expect(routingKey(r, ['value.t'])).toBe('true');
    expect(routingKey(r, ['value.z', 'documentId'])).toBe('["0","k"]');
  });

  it('throws a typed error naming the field when it cannot be resolved', () => {
    const cases: [Parameters<typeof record>[1], string, RegExp][] = [
      [{ value: { a: 1 } }, 'value.b', /missing/],
      [{ value: { a: null } }, 'value.a', /null/],
      [{ value: { a: [1] } }, 'value.a', /array/],
      [{ value: { a: { b: 1 } } }, 'value.a', /object/],
      [{ op: 'delete', value: null }, 'value.a', /delete carries no value/],
    ];
    for (const [opts, field, reason] of cases) {
      try {
        routingKey(record('k', opts), [field]);
        expect.unreachable();
      } catch (error) {
        expect(error).toMatchObject({ code: 'invalid_payload', details: { field } });
        expect((error as { details: { reason: string } }).details.reason).toMatch(reason);
      }
    }
    const noKey = { ...record('k') } as Record<string, unknown>;
    delete noKey.key;
    expect(() => routingKey(noKey as never, ['documentId'])).toThrow(expect.objectContaining({ code: 'invalid_payload', details: expect.objectContaining({ field: 'documentId' }) }));
  });

  it('rejects unknown field names with invalid_options', () => {
    for (const bad of ['docId', 'value', 'value.', 'value.a..b', '']) {
      expect(() => parseRoutingField(bad)).toThrow(expect.objectContaining({ code: 'invalid_options', details: { field: bad } }));
    }
  });
});
