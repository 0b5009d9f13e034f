// A module worker (`new Worker(url, { type: "module" })`), bundled as ESM.
import { compute } from "./compute.js";

self.postMessage({ kind: "module", ...compute() });
