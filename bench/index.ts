// `npm run bench`: every benchmark, one after the other (never timed tests).
const only = process.argv[2];
const benches = ["zip", "capirca", "diagram", "load", "api", "analysis", "project-page", "read-load", "history"];
for (const name of benches) {
  if (only && only !== name) continue;
  console.log(`\n=== ${name} ===`);
  await import(`./${name}.js`);
}
