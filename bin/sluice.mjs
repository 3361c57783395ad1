#!/usr/bin/env node
// The CLI: compiled JavaScript from dist/, no loader.

const { main } = await import('../dist/src/runtime/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
