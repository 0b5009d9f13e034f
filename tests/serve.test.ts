/**
 * The demo server (scripts/serve.mjs) as a browser meets it: good paths are served, malformed
 * ones get 400 or 404, and no answer reveals where the repository lives. It listens on
 * loopback only, and a port it cannot have is one plain message, not a stack trace.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { request } from "node:http";
import { createServer, type AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
let server: ChildProcess;
let port = 0;

/** GET `path` sent as is (no client-side normalisation): its status and body. */
function get(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: "GET" }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode!, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("the demo server", { timeout: 60_000 }, () => {
  beforeAll(async () => {
    const { HOST: _host, ...env } = process.env; // the default host: 127.0.0.1
    server = spawn(process.execPath, ["scripts/serve.mjs"], { cwd: root, env: { ...env, PORT: "0" } });
    port = await new Promise<number>((resolve, reject) => {
      let output = "";
      server.stdout!.on("data", (chunk) => {
        output += chunk;
        const match = /klwasm demo: http:\/\/127\.0\.0\.1:(\d+)\//.exec(output);
        if (match) resolve(Number(match[1]));
      });
      server.on("exit", (code) => reject(new Error(`the server exited with ${code}`)));
    });
  }, 60_000);

  afterAll(() => {
    server?.kill();
  });

  it("serves the pages and their bundles", async () => {
    for (const path of ["/", "/index.html", "/parity.html", "/main.js"]) {
      expect((await get(path)).status, path).toBe(200);
    }
  });

  it.each([
    "/index%00.html", "/%00", "/%E0%A4%A", "/%", "/..%2F..%2Fpackage.json", "/%2e%2e%2fpackage.json", "/%5C..%5Cpackage.json",
    "/..\\..\\package.json", "/%2Fetc%2Fpasswd", "//etc/passwd", "/etc/passwd", "/../../etc/passwd", "/main.ts", "/index.html/",
    `/${encodeURIComponent(root)}/package.json`, "/%2e%2e/%2e%2e/package.json",
  ])("answers %j with 400 or 404, naming nothing of the machine", async (path) => {
    const { status, body } = await get(path);
    expect([400, 404], `${path}: ${status} ${body}`).toContain(status);
    expect(body).not.toContain(root);
    expect(body).not.toMatch(/\/(work|home|root|tmp)\b/);
  });

  it("answers a path too long for the file system with 404", async () => {
    const { status, body } = await get(`/${"a".repeat(5000)}.html`);
    expect(status).toBe(404);
    expect(body).not.toContain(root);
  });

  it("refuses to listen beyond loopback", () => {
    const result = spawnSync(process.execPath, ["scripts/serve.mjs"], { cwd: root, env: { ...process.env, PORT: "0", HOST: "0.0.0.0" }, encoding: "utf8", timeout: 30_000 });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/loopback/);
  });

  /** serve.mjs run to its end with `env` on top of ours. */
  function serveWith(env: Record<string, string>) {
    return spawnSync(process.execPath, ["scripts/serve.mjs"], { cwd: root, env: { ...process.env, ...env }, encoding: "utf8", timeout: 30_000 });
  }

  it("on a taken port, says which and how to choose another, exits 1, no stack trace, nothing bundled", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const taken = (blocker.address() as AddressInfo).port;
    try {
      const result = serveWith({ PORT: String(taken), HOST: "127.0.0.1" });
      expect(result.status, result.stderr).toBe(1);
      expect(result.stderr).toContain(`cannot listen on 127.0.0.1:${taken}: port ${taken} is taken`);
      expect(result.stderr).toMatch(/PORT=\d+ npm start/);
      expect(result.stderr).toMatch(/PORT=0 picks a free one/);
      expect(result.stderr).not.toMatch(/^\s+at /m);
      expect(result.stderr.trimEnd().split("\n")).toHaveLength(2);
      expect(result.stdout).toBe("");
    } finally {
      blocker.close();
    }
  });

  it.each(["abc", "70000", "-1", "1.5"])("refuses PORT=%s with a plain message and exit code 1", (port) => {
    const result = serveWith({ PORT: port });
    expect(result.status, result.stderr).toBe(1);
    expect(result.stderr).toContain(`PORT=${port} is not a port number`);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});
