// The benchmarks' progress on stderr: a bar with the cases done of the total, the time spent and
// the case running, redrawn in place; each finished case's line is printed above it. When stderr
// is not a terminal (a log file, CI) there is no bar, only the numbered lines, so logs stay clean.
const BAR_WIDTH = 20;

/** @param {number} total the number of cases that will be reported done */
export function progressBar(total, stream = process.stderr) {
  const t0 = performance.now();
  const width = String(total).length;
  let done = 0;
  let current = "";
  const count = () => `[${String(done).padStart(width)}/${total}]`;
  const bar = () => {
    const filled = Math.round((BAR_WIDTH * done) / total);
    const seconds = Math.round((performance.now() - t0) / 1000);
    const elapsed = `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, "0")}s`;
    const text = `${"█".repeat(filled)}${"░".repeat(BAR_WIDTH - filled)} ${count()} ${elapsed}  ${current}`;
    return text.slice(0, (stream.columns ?? 120) - 1); // a wrapped line could not be redrawn in place
  };
  // \r and "erase line" (ESC [2K) put the cursor back at the start of the bar's now empty line.
  const clear = () => stream.isTTY && stream.write("\r\x1b[2K");
  const draw = () => stream.isTTY && stream.write(bar());
  const print = (line) => {
    clear();
    stream.write(`${line}\n`);
    draw();
  };
  return {
    /** The case now running. */
    start(name) {
      current = name;
      clear();
      draw();
    },
    /** One case done, with its result line. */
    done(line) {
      done++;
      print(`${count()} ${line}`);
    },
    /** A warning or note, printed above the bar. */
    note: print,
    /** Removes the bar (call before printing anything else). */
    end() {
      current = "";
      clear();
    },
  };
}
