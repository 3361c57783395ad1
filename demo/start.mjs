// `npm start` will run the demo (a hub on embedded SQLite plus the Vite page) once the demo lands.
// Until then it says so and exits cleanly, so the README's two commands always work.
console.log('sluice: demo not built yet. Run `npm test` to exercise the core, storage ports and adapters.');
