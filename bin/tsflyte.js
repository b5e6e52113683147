#!/usr/bin/env node
// The `tsflyte` executable: runs the compiled CLI from dist/ (built by `npm run build`). The CLI registers tsx's
// loader itself, and only when the file it loads is TypeScript, so that commands on JavaScript start fast.
let cli;
try {
  cli = await import("../dist/cli/main.js");
} catch (e) {
  if (e?.code !== "ERR_MODULE_NOT_FOUND" || !String(e.message).includes("main.js")) throw e;
  process.stderr.write("Error: tsflyte is not built (dist/cli/main.js is missing); run `npm run build`\n");
  process.exit(1);
}
const code = await cli.main(process.argv.slice(2));
// Exit once the output is flushed, even if user code left timers or sockets open.
process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
