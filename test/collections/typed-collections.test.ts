import { type } from 'arktype';
import * as v from 'valibot';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { Harness } from '../sync/harness.ts';

/*
 * Collections typed and checked by a Standard Schema validator: real zod and valibot, the node's
 * default options, a hub and a second node over loopback.
 */

const todoZod = z.object({ title: z.string().min(1), done: z.boolean().default(false) });
const todoValibot = v.object({ title: v.pipe(v.string(), v.minLength(1)), done: v.optional(v.boolean(), false) });
const todoArktype = type({ title: 'string > 0', done: 'boolean = false' });

describe('typed collections', () => {
  const h = new Harness();
  afterEach(() => h.close());

  for (const [library, schema] of [
    ['zod', todoZod],
    ['valibot', todoValibot],
    ['arktype', todoArktype],
  ] as const) {
    it(`${library}: stores what the schema outputs, refuses what it rejects with schema_violation, and writes nothing then`, async () => {
      const hub = await h.hub('hub');
      const node = await h.node('writer', { peers: [h.peer(hub.url)] });
      const todos = node.collection('todos', { schema: schema as StandardSchemaV1<{ title: string; done?: boolean }, { title: string; done: boolean }> });
      await todos.put('t1', { title: 'Buy milk' });
      expect(await todos.get('t1')).toEqual({ title: 'Buy milk', done: false });

      const refused = await todos.put('t2', { title: '' }).catch((error: unknown) => error);
      expect(refused).toMatchObject({ code: 'schema_violation', details: { collection: 'todos', key: 't2', issues: [expect.objectContaining({ path: 'title' })] } });
      await expect(todos.put('t3', { title: 42 } as never)).rejects.toMatchObject({ code: 'schema_violation' });
      expect(await todos.get('t2')).toBeUndefined();

      // A batch with one bad document writes none of them.
      await expect(todos.putMany([{ key: 'a', value: { title: 'A' } }, { key: 'b', value: { title: '' } }])).rejects.toMatchObject({ code: 'schema_violation', details: { key: 'b' } });
      expect(await todos.get('a')).toBeUndefined();
      expect((await node.metrics()).primary!.oplogEntries).toBe(1);

      // What was stored is what syncs.
      await node.syncNow();
      const reader = await h.node('reader', { peers: [h.peer(hub.url)] });
      await reader.syncNow();
      expect(await reader.collection('todos').get('t1')).toEqual({ title: 'Buy milk', done: false });
    });
  }

  it('accepts an async validator, and bounds what a refusal reports', async () => {
    const node = await h.node('solo');
    const slow: StandardSchemaV1<unknown, { n: number }> = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: async (value) =>
          typeof (value as { n?: unknown })?.n === 'number'
            ? { value: value as { n: number } }
            : { issues: Array.from({ length: 500 }, (_, i) => ({ message: `problem ${i} ${'x'.repeat(1000)}`, path: ['n'] })) },
      },
    };
    const counters = node.collection('counters', { schema: slow });
    await counters.put('c', { n: 1 });
    expect(await counters.get('c')).toEqual({ n: 1 });
    const refused = (await counters.put('d', { n: 'one' }).catch((error: unknown) => error)) as { details: { issues: { message: string }[] } };
    expect(refused.details.issues).toHaveLength(20);
    expect(refused.details.issues[0]!.message.length).toBeLessThanOrEqual(200);
  });

  it('refuses options that are not { schema, indexes } with a typed error', async () => {
    const node = await h.node('solo');
    expect(() => node.collection('todos', { schema: { parse: () => 1 } } as never)).toThrow(expect.objectContaining({ code: 'invalid_options', details: { field: 'schema' } }));
    expect(() => node.collection('todos', { index: ['x'] } as never)).toThrow(expect.objectContaining({ code: 'invalid_options', details: { field: 'index' } }));
    expect(() => node.collection('todos', { indexes: [7] } as never)).toThrow(expect.objectContaining({ code: 'invalid_options', details: { field: 'indexes[0]' } }));
    expect(() => node.collection('todos', 7 as never)).toThrow(expect.objectContaining({ code: 'invalid_options' }));
    // The earlier form still names the dataset.
    expect(node.collection('todos', 'primary').datasetId).toBe('primary');
  });

  it('infers the collection type from the schema', () => {
    const node = null as unknown as import('../../src/runtime/sync-node.ts').SyncNode;
    const typed = () => node.collection('todos', { schema: todoZod });
    expectTypeOf<Awaited<ReturnType<ReturnType<typeof typed>['get']>>>().toEqualTypeOf<{ title: string; done: boolean } | undefined>();
    expectTypeOf<Parameters<ReturnType<typeof typed>['put']>[1]>().toEqualTypeOf<{ title: string; done?: boolean | undefined }>();
    const untyped = () => node.collection('todos');
    expectTypeOf<Awaited<ReturnType<ReturnType<typeof untyped>['get']>>>().toEqualTypeOf<import('../../src/core/json.ts').JsonValue | undefined>();
  });
});
