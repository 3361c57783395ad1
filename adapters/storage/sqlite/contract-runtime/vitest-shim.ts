/*
 * Just enough of vitest's API (describe, it, beforeEach, afterEach, expect with the matchers the
 * storage contract uses) to run `runStorageContractTests` inside Deno, Bun or workerd, where vitest
 * itself does not run. run-contract.ts maps the 'vitest' specifier to this module (an import map on
 * Deno, a virtual module on Bun); the Durable Object test bundles it in with an esbuild alias. Matchers follow vitest's meaning: toEqual ignores undefined-valued
 * properties and prototypes but not the kind of value (array, Date, ...), toMatchObject checks a
 * subset, rejects.* awaits a rejection. A matcher or export the shim lacks is a TypeError or a
 * failed import, so a contract that grows one fails loudly here instead of passing by accident.
 */

type Hook = () => unknown;

interface Suite {
  readonly name: string;
  readonly parent: Suite | undefined;
  readonly beforeEach: Hook[];
  readonly afterEach: Hook[];
}

export interface RegisteredTest {
  readonly name: string;
  readonly suites: readonly Suite[];
  readonly body: Hook;
}

const root: Suite = { name: '', parent: undefined, beforeEach: [], afterEach: [] };
let current: Suite = root;
const tests: RegisteredTest[] = [];

function chain(suite: Suite): Suite[] {
  const out: Suite[] = [];
  for (let s: Suite | undefined = suite; s; s = s.parent) out.unshift(s);
  return out;
}

export function describe(name: string, body: () => void): void {
  const suite: Suite = { name, parent: current, beforeEach: [], afterEach: [] };
  const previous = current;
  current = suite;
  try {
    body();
  } finally {
    current = previous;
  }
}

export function it(name: string, body: Hook): void {
  tests.push({ name, suites: chain(current), body });
}
export const test = it;

export function beforeEach(hook: Hook): void {
  current.beforeEach.push(hook);
}

export function afterEach(hook: Hook): void {
  current.afterEach.push(hook);
}

export interface TestOutcome {
  readonly name: string;
  readonly error?: unknown;
}

/** Runs every registered test in order, hooks outermost first (afterEach innermost first), like vitest. */
export async function runRegistered(onResult: (outcome: TestOutcome) => void): Promise<{ passed: number; failed: number }> {
  let passed = 0;
  let failed = 0;
  for (const t of tests.splice(0)) {
    const outcome = await runTest(t);
    if (outcome.error === undefined) passed++;
    else failed++;
    onResult(outcome);
  }
  return { passed, failed };
}

/** The full names of the registered tests, in order: a host can then run each on its own (runRegisteredAt). */
export function registeredNames(): string[] {
  return tests.map(fullName);
}

/** Runs the test at `index` of registeredNames() and keeps it registered, so it can run again elsewhere. */
export async function runRegisteredAt(index: number): Promise<TestOutcome> {
  const t = tests[index];
  if (t === undefined) throw new RangeError(`No registered test at ${index} (there are ${tests.length}).`);
  return runTest(t);
}

function fullName(t: RegisteredTest): string {
  return [...t.suites.map((s) => s.name).filter(Boolean), t.name].join(' > ');
}

async function runTest(t: RegisteredTest): Promise<TestOutcome> {
  const name = fullName(t);
  let error: unknown;
  try {
    for (const s of t.suites) for (const hook of s.beforeEach) await hook();
    await t.body();
  } catch (e) {
    error = e;
  }
  for (const s of [...t.suites].reverse()) {
    for (const hook of s.afterEach) {
      try {
        await hook();
      } catch (e) {
        error ??= e;
      }
    }
  }
  return error === undefined ? { name } : { name, error };
}

export class AssertionError extends Error {
  override readonly name = 'AssertionError';
}

function show(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v === undefined ? '<undefined>' : v)) ?? String(value);
  } catch {
    return String(value);
  }
}

function tag(value: unknown): string {
  return Object.prototype.toString.call(value);
}

function isPlainish(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** vitest's toEqual: recursive, undefined-valued properties count as absent, prototypes ignored. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (!isPlainish(a) || !isPlainish(b)) return false;
  if (tag(a) !== tag(b)) return false;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) {
    const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    return x.length === y.length && x.every((v, i) => v === y[i]);
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  const keysA = Object.keys(a).filter((k) => a[k] !== undefined);
  const keysB = Object.keys(b).filter((k) => b[k] !== undefined);
  if (keysA.length !== keysB.length) return false;
  return keysA.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
}

/** vitest's toMatchObject: every property of `expected` is in `actual` (recursively for objects). */
export function matchesObject(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => matchesObject(actual[i], e));
  }
  if (isPlainish(expected) && tag(expected) === '[object Object]') {
    if (!isPlainish(actual)) return false;
    return Object.keys(expected).every((k) => k in actual && matchesObject((actual as Record<string, unknown>)[k], expected[k]));
  }
  return deepEqual(actual, expected);
}

interface Matchers {
  toBe(expected: unknown): void;
  toEqual(expected: unknown): void;
  toMatchObject(expected: unknown): void;
  toBeUndefined(): void;
  toBeDefined(): void;
  toBeNull(): void;
  toHaveLength(length: number): void;
  toThrow(): void;
}

interface AsyncMatchers {
  toMatchObject(expected: unknown): Promise<void>;
  toThrow(): Promise<void>;
}

function matchers(actual: unknown, negate: boolean): Matchers {
  const check = (ok: boolean, message: string) => {
    if (ok === negate) throw new AssertionError(`${negate ? 'expected not: ' : ''}${message}`);
  };
  return {
    toBe: (expected) => check(Object.is(actual, expected), `${show(actual)} to be ${show(expected)}`),
    toEqual: (expected) => check(deepEqual(actual, expected), `${show(actual)} to equal ${show(expected)}`),
    toMatchObject: (expected) => check(matchesObject(actual, expected), `${show(actual)} to match ${show(expected)}`),
    toBeUndefined: () => check(actual === undefined, `${show(actual)} to be undefined`),
    toBeDefined: () => check(actual !== undefined, `value to be defined`),
    toBeNull: () => check(actual === null, `${show(actual)} to be null`),
    toHaveLength: (length) => check((actual as { length?: unknown } | null | undefined)?.length === length, `${show(actual)} to have length ${length}`),
    toThrow: () => {
      if (typeof actual !== 'function') throw new AssertionError('toThrow needs a function');
      let threw = false;
      try {
        (actual as () => unknown)();
      } catch {
        threw = true;
      }
      check(threw, 'function to throw');
    },
  };
}

async function rejection(actual: unknown): Promise<unknown> {
  try {
    await (typeof actual === 'function' ? (actual as () => unknown)() : actual);
  } catch (error) {
    return { error };
  }
  throw new AssertionError('expected a rejection, but the promise resolved');
}

type Expectation = Matchers & { readonly not: Matchers; readonly rejects: AsyncMatchers };

export function expect(actual: unknown, _message?: string): Expectation {
  const base = matchers(actual, false);
  return Object.assign(base, {
    not: matchers(actual, true),
    rejects: {
      async toMatchObject(expected: unknown) {
        const { error } = (await rejection(actual)) as { error: unknown };
        if (!matchesObject(error, expected)) throw new AssertionError(`rejection ${String(error)} ${show(error)} to match ${show(expected)}`);
      },
      async toThrow() {
        const { error } = (await rejection(actual)) as { error: unknown };
        if (!(error instanceof Error)) throw new AssertionError(`rejection ${show(error)} to be an Error`);
      },
    },
  });
}

