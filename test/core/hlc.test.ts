import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareHlc, formatHlc, HybridClock, parseHlc, sortableHlc, type Hlc } from '../../src/core/hlc.ts';

function clockAt(nodeId: string, start: number) {
  let now = start;
  const clock = new HybridClock(nodeId, { now: () => now });
  return { clock, set: (t: number) => (now = t) };
}

describe('HybridClock', () => {
  it('ticks strictly forward, also when the wall clock stalls or goes back', () => {
    const { clock, set } = clockAt('a', 1_000);
    const t1 = clock.tick();
    const t2 = clock.tick();
    set(900);
    const t3 = clock.tick();
    set(2_000);
    const t4 = clock.tick();
    expect([t1, t2, t3, t4]).toEqual([
      { wall: 1_000, logic: 0, nodeId: 'a' },
      { wall: 1_000, logic: 1, nodeId: 'a' },
      { wall: 1_000, logic: 2, nodeId: 'a' },
      { wall: 2_000, logic: 0, nodeId: 'a' },
    ]);
  });

  it('applies the standard receive rule', () => {
    const { clock, set } = clockAt('a', 1_000);
    clock.tick(); // 1000:0
    // remote ahead of us (within drift): adopt its wall, logic + 1
    expect(clock.receive({ wall: 5_000, logic: 7, nodeId: 'b' })).toEqual({ wall: 5_000, logic: 8, nodeId: 'a' });
    // same wall on both: max(logic) + 1
    expect(clock.receive({ wall: 5_000, logic: 20, nodeId: 'c' })).toEqual({ wall: 5_000, logic: 21, nodeId: 'a' });
    // remote behind us: our wall, logic + 1
    expect(clock.receive({ wall: 10, logic: 99, nodeId: 'c' })).toEqual({ wall: 5_000, logic: 22, nodeId: 'a' });
    // physical time passes both: reset logic
    set(9_000);
    expect(clock.receive({ wall: 6_000, logic: 0, nodeId: 'b' })).toEqual({ wall: 9_000, logic: 0, nodeId: 'a' });
    // and local events order after everything received
    expect(compareHlc(clock.tick(), { wall: 9_000, logic: 0, nodeId: 'a' })).toBeGreaterThan(0);
  });

  it('rejects a remote timestamp too far ahead with clock_drift and leaves the clock unchanged', () => {
    const { clock } = clockAt('a', 1_000);
    const before = clock.tick();
    expect(() => clock.receive({ wall: 1_000 + 60_001, logic: 0, nodeId: 'b' })).toThrow(expect.objectContaining({ code: 'clock_drift' }));
    expect(clock.peek()).toEqual(before);
    expect(() => clock.receive({ wall: 1_000 + 60_000, logic: 0, nodeId: 'b' })).not.toThrow();
    const strict = new HybridClock('z', { now: () => 0, maxClockDriftMs: 10 });
    expect(() => strict.receive({ wall: 11, logic: 0, nodeId: 'b' })).toThrow(expect.objectContaining({ code: 'clock_drift' }));
  });

  it('validates its node id and options', () => {
    expect(() => new HybridClock('has space')).toThrow(expect.objectContaining({ code: 'invalid_node_id' }));
    expect(() => new HybridClock('a:b')).toThrow(expect.objectContaining({ code: 'invalid_node_id' }));
    expect(() => new HybridClock('a', { maxClockDriftMs: -1 })).toThrow(expect.objectContaining({ code: 'invalid_options' }));
  });

  it('property: a clock receiving anything keeps issuing strictly increasing timestamps', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant<'tick'>('tick'), fc.record({ wall: fc.integer({ min: 0, max: 100_000 }), logic: fc.integer({ min: 0, max: 50 }) })), { maxLength: 60 }),
        fc.array(fc.integer({ min: 0, max: 100_000 }), { minLength: 1, maxLength: 60 }),
        (events, times) => {
          let i = 0;
          const clock = new HybridClock('me', { now: () => times[i++ % times.length]!, maxClockDriftMs: 1e9 });
          let last: Hlc = { wall: -1, logic: 0, nodeId: 'me' };
          for (const ev of events) {
            const t = ev === 'tick' ? clock.tick() : clock.receive({ ...ev, nodeId: 'other' });
            expect(compareHlc(t, last)).toBeGreaterThan(0);
            if (ev !== 'tick') expect(compareHlc(t, { ...ev, nodeId: 'other' })).toBeGreaterThan(0);
            last = t;
          }
        },
      ),
    );
  });
});

describe('HLC order and text forms', () => {
  it('orders by wall, then logic, then nodeId', () => {
    const ts: Hlc[] = [
      { wall: 2, logic: 0, nodeId: 'a' },
      { wall: 1, logic: 5, nodeId: 'z' },
      { wall: 1, logic: 5, nodeId: 'b' },
      { wall: 1, logic: 0, nodeId: 'z' },
    ];
    expect([...ts].sort(compareHlc).map(formatHlc)).toEqual(['1:0:z', '1:5:b', '1:5:z', '2:0:a']);
  });

  it('parses what it formats and rejects garbage', () => {
    expect(parseHlc('1700000000000:12:node-a')).toEqual({ wall: 1700000000000, logic: 12, nodeId: 'node-a' });
    expect(() => parseHlc('12:node')).toThrow(expect.objectContaining({ code: 'invalid_timestamp' }));
    expect(() => parseHlc('x:1:a')).toThrow(expect.objectContaining({ code: 'invalid_timestamp' }));
  });

  it('property: sortable text order equals HLC order', () => {
    const hlc = fc.record({ wall: fc.nat({ max: 2 ** 48 }), logic: fc.nat({ max: 2 ** 31 - 1 }), nodeId: fc.stringMatching(/^[a-z0-9-]{1,8}$/) });
    fc.assert(
      fc.property(hlc, hlc, (a, b) => {
        const textOrder = Math.sign(sortableHlc(a) < sortableHlc(b) ? -1 : sortableHlc(a) > sortableHlc(b) ? 1 : 0);
        expect(textOrder).toBe(Math.sign(compareHlc(a, b)));
      }),
    );
  });
});
