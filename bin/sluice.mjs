#!/usr/bin/env node
// The sluice command line: compiled JavaScript from dist/, no loader.
const { main } = await import('../dist/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
