import { describe, expect, it } from 'vitest';
import { BROWSER_ENTRY, buildAsConsumer, nodeOnlyImports, runtimeSniffing, type BundleFile } from '../bench/bundle.ts';

// Correctness of the browser graph (what `npm run bench -- bundle` measures), not its size. The page
// imports the built package by name and Vite runs with its defaults, exactly as in a user's app.
describe('browser bundle (core + Dexie + WebSocket) as an app builds it', () => {
  let files: BundleFile[] = [];

  it('builds with Vite defaults, the pipeline worker included', async () => {
    files = await buildAsConsumer(BROWSER_ENTRY);
    expect(files.some((f) => !f.worker && f.code.includes('createNode'))).toBe(true);
    expect(files.some((f) => f.worker && f.fileName.includes('pipeline-worker'))).toBe(true);
  }, 120_000);

  it('has no Node-only code and no runtime sniffing: no node: builtins, no better-sqlite3, no ws, no Deno/Bun globals', () => {
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      expect({ file: f.fileName, leaks: [...nodeOnlyImports(f.code), ...runtimeSniffing(f.code)] }).toEqual({ file: f.fileName, leaks: [] });
      expect(f.code).not.toMatch(/from\s*["']ws["']/);
    }
  });

  it("bundles the dataset worker as Vite's default worker build does: one self-contained IIFE, no imports left", () => {
    const worker = files.find((f) => f.worker && f.fileName.includes('pipeline-worker'));
    expect(worker).toBeDefined();
    expect(worker!.code).not.toMatch(/(?<![.\w$])import\s*\(/); // a dynamic import, not a .import( method
    expect(worker!.code).not.toMatch(/^\s*import[\s{*"']/m);
    expect(worker!.code).toContain('postMessage'); // Comlink serving the pipeline
  });

  it("keeps the page thin: the main chunk has the tab client, not Dexie, the codec or the replica (those load in the worker, or on demand)", () => {
    const main = files.filter((f) => !f.worker && !f.lazy);
    expect(main).toHaveLength(1);
    const code = main[0]!.code;
    expect(code).toContain('BroadcastChannel');
    for (const marker of ['DexieError', 'invalid wire type', 'Ed25519', 'chain_broken']) expect({ marker, found: code.includes(marker) }).toEqual({ marker, found: false });
    // The full engine (tabs: 'own', worker: false) is a chunk of its own, loaded only when asked for.
    expect(files.some((f) => f.lazy && f.code.includes('chain_broken'))).toBe(true);
  });

  it('uses the minimal protobufjs runtime, not the reflection build', () => {
    const all = files.map((f) => f.code).join('\n');
    // Reflection-only APIs of the full build; the static generated code needs none of them.
    expect(all).not.toContain('Root.fromJSON');
    expect(all).not.toContain('.loadSync(');
  });

  it('the leak check itself recognises Node-only imports', () => {
    expect(nodeOnlyImports('import{Worker as a}from"node:worker_threads";')).toEqual(['node:worker_threads']);
    expect(nodeOnlyImports('const d=await import("better-sqlite3")')).toEqual(['better-sqlite3']);
    expect(nodeOnlyImports('const s="node:x";await import(s)')).toEqual([]);
  });
});
