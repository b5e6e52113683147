/** Process exit for the entrypoint executables. */

/**
 * Exits with `code` once stdout and stderr are flushed, without waiting for timers or sockets user code may have
 * left open (a task pod must end when its outputs are written).
 */
export function exitWhenFlushed(code: number): Promise<never> {
  return new Promise(() => {
    process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
  });
}
