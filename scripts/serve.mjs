// Serves the demo: bundles demo/*.ts with the library from src/ (esbuild, the .wasm inlined by
// the binary loader) and serves demo/ over node:http on PORT (default 5173; 0 picks a free
// port) at HOST (default 127.0.0.1; only loopback addresses: it is a development server). The
// bundles are rebuilt, incrementally, whenever a page is requested, so a reload shows the
// current sources. A malformed path gets 400 or 404, and no answer names a file or directory
// of the machine. A port that is taken (or not a port) is one line on stderr saying how to
// choose another, exit code 1, before anything is bundled.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { context } from "esbuild";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
const demo = join(root, "demo");
const host = process.env.HOST || "127.0.0.1";
const portText = process.env.PORT || "5173";
const port = Number(portText);
if (!/^\d+$/.test(portText) || port > 65535) {
  console.error(`PORT=${portText} is not a port number: give one from 1 to 65535, or 0 for any free port.`);
  process.exit(1);
}
if (!["127.0.0.1", "::1", "localhost"].includes(host)) {
  console.error(`HOST=${host}: the demo server listens only on loopback (127.0.0.1, ::1 or localhost).`);
  process.exit(1);
}

for (const build of ["simd", "scalar"]) {
  if (!existsSync(join(root, "build", `klwasm-${build}.wasm`))) {
    console.error(`build/klwasm-${build}.wasm is missing: run \`npm run build\` (\`npm start\` builds first).`);
    process.exit(1);
  }
}

const bundler = await context({
  absWorkingDir: root,
  entryPoints: { main: "demo/main.ts", parity: "demo/parity.ts" },
  outdir: "demo/out",
  bundle: true,
  format: "esm",
  platform: "browser",
  // es2022: newer targets make the binary loader emit Uint8Array.fromBase64, which older engines lack.
  target: "es2022",
  loader: { ".wasm": "binary" },
  sourcemap: "inline",
  write: false,
  logLevel: "warning",
});

/** The bundles by URL path ("/main.js"), from the latest build; requests wait for the first. */
let bundles = new Map();
let firstBuild;
async function rebuild() {
  const result = await bundler.rebuild();
  bundles = new Map(result.outputFiles.map((file) => [`/${file.path.split(/[\\/]/).pop()}`, file.contents]));
}

const types = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

/**
 * The request's path, decoded, or undefined where it is malformed: undecodable, or holding
 * a NUL byte, a backslash or a `..` segment (nothing under demo/ is named so; the URL parser
 * has already resolved plain dot segments, so these came encoded).
 */
function requestPath(url) {
  let path;
  try {
    path = decodeURIComponent(new URL(url ?? "/", "http://localhost").pathname);
  } catch {
    return undefined;
  }
  if (path.includes("\0") || path.includes("\\") || path.split("/").includes("..")) return undefined;
  return path.endsWith("/") ? `${path}index.html` : path;
}

const server = createServer(async (request, response) => {
  const send = (status, body, type = "text/plain; charset=utf-8") => {
    response.writeHead(status, { "content-type": type, "cache-control": "no-store" });
    response.end(body);
  };
  try {
    const path = requestPath(request.url);
    if (path === undefined) return send(400, "bad request");
    await firstBuild;
    const extension = extname(path);
    if (extension === ".html") await rebuild();
    if (bundles.has(path)) return send(200, bundles.get(path), types[".js"]);
    const file = normalize(join(demo, path));
    if (!file.startsWith(demo + "/") || file.endsWith(".ts") || !types[extension]) return send(404, "not found");
    return send(200, await readFile(file), types[extension]);
  } catch (error) {
    if (["ENOENT", "EISDIR", "ENOTDIR", "ENAMETOOLONG"].includes(error?.code)) return send(404, "not found");
    // Build errors are printed by esbuild here; the page learns only that there was one, as an
    // error's text names files of the machine.
    console.error(error);
    return send(500, "internal error: see the server's console");
  }
});

// Listen before bundling, so that a taken port is reported at once, not after the build.
await new Promise((resolve) => {
  server.once("error", (error) => {
    const reasons = {
      EADDRINUSE: `port ${port} is taken (is the demo already running?)`,
      EACCES: `port ${port} needs privileges`,
      EADDRNOTAVAIL: `${host} is not an address of this machine`,
    };
    // The environment or the user's choice of port is at fault, not the program: no stack.
    const other = port === 65535 ? 5173 : port + 1;
    console.error(`klwasm demo: cannot listen on ${host}:${port}: ${reasons[error.code] ?? error.message}.`);
    console.error(`Choose another port with PORT, e.g. \`PORT=${other} npm start\` (PORT=0 picks a free one).`);
    process.exit(1);
  });
  server.listen(port, host, resolve);
});
firstBuild = rebuild();
await firstBuild;
const { port: actual } = server.address();
console.log(`klwasm demo: http://${host}:${actual}/`);
console.log(`parity check: http://${host}:${actual}/parity.html`);

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    server.close();
    void bundler.dispose();
    process.exit(0);
  });
}
