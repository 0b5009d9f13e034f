/**
 * The streamed path of row values: inputs outside the module's memory copied a cache-sized
 * piece at a time and reduced by one op, the hot path of small calls (src/engines/wasm/engine.ts
 * rowValues takes it where a divergence's term is one op on the inputs as given).
 */
import type { Settings } from "../../core/options.js";
import type { Vector } from "../../core/types.js";
import { CompensatedSum } from "../../numeric/compensated-sum.js";
import { copyInto, operandsOf, reportInvalid, reportNonNumbers, withinLogRange, type Instance } from "./call.js";
import { reduce, type TypedKernels } from "./kernels.js";

/**
 * Copied inputs are streamed through scratch buffers of this many elements per operand: the
 * copy of a piece is still in cache when the kernel reads it.
 */
const STREAM_CHUNK = 16384;

/**
 * Per-row sums of `op` over inputs outside `instance`'s memory, copied in a cache-sized piece at a
 * time: whole rows per piece when they fit, else one row in column pieces whose sums are
 * combined compensated. The hot path of small calls: it allocates nothing.
 */
export function streamRows(instance: Instance, oneRow: Float64Array, op: number, first: Vector, second: Vector | undefined, settings: Settings, t: TypedKernels): Float64Array {
  const { rows, validate } = settings;
  const n = first.length;
  const cols = n / rows;
  const width = Math.min(cols, STREAM_CHUNK);
  const rowsPerPiece = Math.min(rows, cols <= STREAM_CHUNK ? Math.floor(STREAM_CHUNK / cols) : 1);
  const pieceBytes = rowsPerPiece * width * t.array.BYTES_PER_ELEMENT;
  const logSpace = settings.spaces[0] === "log";
  const [nameX, nameY] = settings.names;
  instance.scratch.begin(nameX);
  try {
    const bufferX = instance.scratch.alloc(pieceBytes);
    const bufferY = second === undefined ? 0 : instance.scratch.alloc(pieceBytes);
    const out = instance.scratch.alloc(rowsPerPiece * 8);
    const result = rows === 1 ? oneRow : new Float64Array(rows);
    for (let row = 0; row < rows; row += rowsPerPiece) {
      const pieceRows = Math.min(rowsPerPiece, rows - row);
      let rowTotal: CompensatedSum | undefined;
      for (let col = 0; col < cols; col += width) {
        const pieceCols = Math.min(width, cols - col);
        const start = row * cols + col;
        const length = pieceRows * pieceCols;
        try {
          copyInto(instance.views, t.array, first, start, length, bufferX, nameX);
          if (second !== undefined) copyInto(instance.views, t.array, second, start, length, bufferY, nameY);
        } catch (error) {
          // A non-number in a later piece of the first argument is reported before one here in the second.
          reportNonNumbers(operandsOf(instance.views, first, second, settings));
          throw error;
        }
        const status = reduce(t, op, bufferX, bufferY, pieceRows, pieceCols, out, settings.rowScale === 1 ? undefined : { scale: settings.rowScale });
        const logRange = !logSpace || (withinLogRange(instance, t, bufferX, length) && (second === undefined || withinLogRange(instance, t, bufferY, length)));
        if ((status !== 0 || !logRange) && validate) reportInvalid(operandsOf(instance.views, first, second, settings), false);
        const sums = instance.views.f64();
        if (pieceCols === cols) for (let r = 0; r < pieceRows; r++) result[row + r] = sums[(out >> 3) + r]!;
        else (rowTotal ??= new CompensatedSum()).add(sums[out >> 3]!);
      }
      if (rowTotal !== undefined) result[row] = rowTotal.value;
    }
    return result;
  } finally {
    instance.scratch.end();
  }
}
